import type { Config } from '../config';
import { templateRenderer, type RenderJob } from '../deliver/render-jobs';
import { plan } from '../ingest';
import type { Event } from '../normalize/event';
import { silentLogger, type Logger } from '../observe/logger';
import type { NewJob } from '../store/jobs';
import type { Message } from '../render/message';
import { TemplateSet } from '../render/templates';
import { templateFolders } from '../render/template-store';
import { createSink } from '../sinks/registry';
import type { Sink } from '../deliver/sink';

/** The bridge's pipeline without HTTP, store or network: for render, check and send-test. */
export class OfflineBridge {
  readonly templates: TemplateSet;
  readonly sinks: Map<string, Sink>;
  private readonly renderJob: RenderJob;

  constructor(
    readonly config: Config,
    logger: Logger = silentLogger(),
  ) {
    this.templates = TemplateSet.load(templateFolders(config.templates), config.render);
    this.sinks = new Map(Object.entries(config.sinks).map(([name, sinkConfig]) => [name, createSink(name, sinkConfig, { logger })]));
    this.renderJob = templateRenderer(() => this.templates);
  }

  /** Routes an event: the jobs ingest would store. */
  plan(event: Event): NewJob[] {
    return plan(event, { config: this.config, lanes: new Map([...this.sinks].map(([name, sink]) => [name, sink.lane])) });
  }

  /** The message the worker would send for the job (throws when its template fails). */
  render(job: NewJob): Message {
    return this.renderJob(job, this.sinks.get(job.sink)!.platform);
  }

  /** The exact request body the job's sink would send. */
  build(job: NewJob, message = this.render(job)): unknown {
    return this.sinks.get(job.sink)!.build({ key: job.id, messages: [message] });
  }
}
