import type { Job, NewJob } from '../store/jobs';
import { renderDigest } from '../render/digest';
import type { Message, Platform } from '../render/message';
import type { TemplateSet } from '../render/templates';
import { renderJobs, type RenderedJobs, type RenderJob } from './render-jobs';

/** Words the jobs of one summary (jobs held for the same group) as one message. */
export type RenderSummary = (jobs: Pick<NewJob, 'payload' | 'hold'>[], platform: Platform) => Message;

/** With the `digest` template in use at the moment of the send. */
export function summaryRenderer(templates: () => TemplateSet): RenderSummary {
  return (jobs, platform) =>
    renderDigest(
      jobs.map((job) => job.payload),
      jobs[0]?.hold?.kind ?? 'group',
      platform,
      templates(),
    );
}

/** Leased jobs that are a summary: more than one, all still in the group they were held for. */
export function isSummary(jobs: Job[]): boolean {
  return jobs.length > 1 && jobs.every((job) => job.hold !== undefined && job.batch === job.hold.group);
}

/**
 * Renders a lease: a summary as one message (its template failing fails every job of it),
 * anything else job by job. A summary of one event reads as that event's own message.
 */
export function renderLease(jobs: Job[], platform: Platform, render: RenderJob, renderSummary?: RenderSummary): RenderedJobs {
  if (!isSummary(jobs)) return renderJobs(jobs, platform, render);
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
