import type { Job, NewJob } from '../store/jobs';
import { REACTIONS } from '../route/hold';
import { renderDigest } from '../render/digest';
import type { Message, Platform } from '../render/message';
import type { TemplateSet } from '../render/templates';
import { renderJobs, type Readers, type RenderedJobs, type RenderJob } from './render-jobs';

/** Words the jobs of one summary (jobs held for the same group) as one message. */
export type RenderSummary = (jobs: (Pick<NewJob, 'payload' | 'hold'> & Partial<Pick<NewJob, 'sink'>>)[], platform: Platform) => Message;

/** With the `digest` template in use at the moment of the send, in the words of the jobs' sink. */
export function summaryRenderer(templates: () => TemplateSet, readers: Readers = () => undefined): RenderSummary {
  return (jobs, platform) =>
    renderDigest(
      jobs.map((job) => job.payload),
      jobs[0]?.hold?.kind ?? 'group',
      platform,
      templates(),
      readers(jobs[0]?.sink),
    );
}

/** Leased jobs that are a summary: more than one, all still in the group they were held for. */
export function isSummary(jobs: Job[]): boolean {
  return jobs.length > 1 && jobs.every((job) => job.hold !== undefined && job.batch === job.hold.group);
}

/**
 * The message-map subject of a lease of reactions to one note held together (`reactions:<noteId>`):
 * its message is edited by the next such lease, so the note keeps one message with the counts.
 */
export function reactionSubject(jobs: Pick<Job, 'hold' | 'batch'>[]): string | null {
  const notes = new Set(
    jobs.map((job) => {
      if (!job.hold?.key || job.batch !== job.hold.group) return null;
      const [, , marker, noteId] = JSON.parse(job.hold.key) as unknown[];
      return marker === REACTIONS && typeof noteId === 'string' ? noteId : null;
    }),
  );
  const [noteId] = notes;
  return notes.size === 1 && typeof noteId === 'string' ? `${REACTIONS}:${noteId}` : null;
}

/**
 * Renders a lease: a summary as one message (its template failing fails every job of it),
 * anything else job by job. A summary of one event reads as that event's own message.
 */
export function renderLease(jobs: Job[], platform: Platform, render: RenderJob, renderSummary?: RenderSummary): RenderedJobs {
  if (!isSummary(jobs) && reactionSubject(jobs) === null) return renderJobs(jobs, platform, render);
  try {
    const message = renderSummary ? renderSummary(jobs, platform) : joined(jobs, platform, render);
    return { jobs, messages: [message], broken: [] };
  } catch (error) {
    const reason = `summary template failed: ${error instanceof Error ? error.message : String(error)}`;
    return { jobs: [], messages: [], broken: jobs.map((job) => ({ job, reason })) };
  }
}

/** without a summary renderer: the jobs' own messages, one after the other, in one message */
function joined(jobs: Job[], platform: Platform, render: RenderJob): Message {
  const messages = jobs.map((job) => render(job, platform));
  return {
    ...messages[0]!,
    event: 'digest',
    text: messages.map((message) => message.text).join('\n\n'),
    plain: messages.map((message) => message.plain).join('\n\n'),
    title: undefined,
    images: [],
    fields: [],
  };
}
