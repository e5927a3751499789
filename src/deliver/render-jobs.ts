import type { Job, NewJob } from '../store/jobs';
import type { Message, Platform } from '../render/message';
import { renderMessage } from '../render/render';
import type { TemplateSet } from '../render/templates';

/** Words a job's message for a platform; throws (naming the template's file:line) when the template fails. */
export type RenderJob = (job: Pick<NewJob, 'payload' | 'template'>, platform: Platform) => Message;

/**
 * Renders with the templates in use at the moment of the send (they reload while jobs wait). A
 * render that takes longer than `budgetMs` fails: its job goes to the dead letters instead of
 * holding the process again at every retry.
 */
export function templateRenderer(templates: () => TemplateSet, budgetMs = Infinity): RenderJob {
  return (job, platform) => {
    const started = performance.now();
    const message = renderMessage(job.payload, job.template, platform, templates());
    const took = performance.now() - started;
    if (took > budgetMs) throw new Error(`the render took ${Math.ceil(took)} ms, over the budget of ${budgetMs} ms`);
    return message;
  };
}

export interface RenderedJobs {
  /** the jobs that rendered, in order, with their messages */
  jobs: Job[];
  messages: Message[];
  /** the jobs whose template failed, with the reason */
  broken: { job: Job; reason: string }[];
}

export function renderJobs(jobs: Job[], platform: Platform, render: RenderJob): RenderedJobs {
  const out: RenderedJobs = { jobs: [], messages: [], broken: [] };
  for (const job of jobs) {
    try {
      out.messages.push(render(job, platform));
      out.jobs.push(job);
    } catch (error) {
      out.broken.push({ job, reason: `template "${job.template}" failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return out;
}
