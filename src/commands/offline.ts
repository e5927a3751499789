import type { Config } from '../config';
import { plan, type SinkTarget } from '../ingest';
import type { Event } from '../normalize/event';
import { silentLogger, type Logger } from '../observe/logger';
import type { NewJob } from '../queue/queue';
import { TemplateSet } from '../render/templates';
import { templateFolders } from '../render/template-store';
import { createSink } from '../sinks/registry';
import type { Sink } from '../sinks/sink';

/** The bridge's pipeline without HTTP, store or network: for render, check and send-test. */
export class OfflineBridge {
  readonly templates: TemplateSet;
  readonly sinks: Map<string, Sink>;

  constructor(
    readonly config: Config,
    logger: Logger = silentLogger(),
  ) {
    this.templates = TemplateSet.load(templateFolders(config.templates), config.render);
    this.sinks = new Map(Object.entries(config.sinks).map(([name, sinkConfig]) => [name, createSink(name, sinkConfig, { logger })]));
  }

  /** Routes and renders an event: the jobs ingest would store. */
  plan(event: Event): NewJob[] {
    const targets = new Map<string, SinkTarget>([...this.sinks].map(([name, sink]) => [name, { platform: sink.platform, lane: sink.lane }]));
    return plan(event, { config: this.config, templates: () => this.templates, sinks: targets, logger: silentLogger() });
  }

  /** The exact request body the job's sink would send. */
  build(job: NewJob): unknown {
    return this.sinks.get(job.sink)!.build({ key: job.id, messages: [job.message] });
  }
}
