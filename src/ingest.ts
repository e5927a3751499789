import type { Config } from './config';
import { eventName, isEventType, type Event } from './normalize/event';
import { InvalidPayloadError, normalize } from './normalize/normalize';
import { IngestError, parseJson } from './receive/errors';
import type { InboundRequest } from './receive/inbound';
import { secretMatches } from './receive/secret';
import type { HoldPlanner } from './route/hold';
import { route, type Match } from './route/route';
import { StoreUnavailableError } from './store/errors';
import type { JobStore, NewJob } from './store/jobs';

/** What turning an event into jobs needs: the routes, and each sink's lane (where its messages go). */
export interface PlanDeps {
  config: Pick<Config, 'routes'>;
  lanes: ReadonlyMap<string, string>;
  /** grouping and quiet hours: which jobs wait for a summary (none without it: offline commands) */
  holds?: HoldPlanner;
}

export interface IngestDeps extends PlanDeps {
  config: Pick<Config, 'sources' | 'routes'>;
  jobs: Pick<JobStore, 'accept'>;
  now: () => number;
  /** false once shutdown began: new webhooks get 503 so Misskey retries elsewhere or later */
  accepting: () => boolean;
}


export type IngestOutcome =
  | {
      result: 'stored';
      event: Event;
      jobs: number;
      /** the lanes that have a job due now (held jobs wait for their summary) */
      dueLanes: string[];
      knownType: boolean;
    }
  | { result: 'duplicate'; event: Event };

/**
 * The inbound path, one step per line: verify → parse → normalize → route → store. Rendering
 * waits for the send, so Misskey's answer never waits on a template or the MFM parser.
 */
export async function ingest(request: InboundRequest, deps: IngestDeps): Promise<IngestOutcome> {
  if (!deps.accepting()) throw new IngestError('shutting-down', 'the bridge is shutting down; try again shortly');
  authorize(request, deps.config);
  const event = toEvent(request, parseJson(request.body));
  const jobs = plan(event, deps);
  const result = await store(event, jobs, deps);
  if (result === 'duplicate') return { result, event };
  const dueLanes = [...new Set(jobs.filter((job) => !job.hold).map((job) => job.lane))];
  return { result, event, jobs: jobs.length, dueLanes, knownType: isEventType(eventName(event)) };
}

/** The source and its secret, from the headers: checked before the body is read. */
export function authorize(request: Pick<InboundRequest, 'source' | 'secret'>, config: Pick<Config, 'sources'>): void {
  const source = Object.hasOwn(config.sources, request.source) ? config.sources[request.source] : undefined;
  if (!source) throw new IngestError('unknown-source', `no source named "${request.source}"`);
  if (!secretMatches(request.secret, source.secret)) throw new IngestError('bad-secret', 'missing or wrong X-Misskey-Hook-Secret');
}

function toEvent(request: InboundRequest, payload: unknown): Event {
  try {
    return normalize({ source: request.source, payload, misskeyHost: request.misskeyHost });
  } catch (error) {
    if (error instanceof InvalidPayloadError) throw new IngestError('invalid-payload', error.message, error.details);
    throw error;
  }
}

/**
 * route: one job per matching route × sink, carrying the event and the template to word it with,
 * and, when the route groups events or keeps quiet hours, the summary it waits for.
 */
export function plan(event: Event, deps: PlanDeps): NewJob[] {
  return route(event, deps.config.routes).map((match) => {
    const job = toJob(event, match, deps.lanes.get(match.sink)!);
    const hold = deps.holds?.hold(event, match);
    return hold ? { ...job, hold } : job;
  });
}

function toJob(event: Event, match: Match, lane: string): NewJob {
  return {
    id: `${event.source}:${event.id}:${match.route}:${match.sink}`,
    source: event.source,
    eventId: event.id,
    event: eventName(event),
    route: match.route,
    sink: match.sink,
    lane,
    template: match.template,
    payload: event,
  };
}

async function store(event: Event, jobs: NewJob[], deps: IngestDeps): Promise<'stored' | 'duplicate'> {
  try {
    return await deps.jobs.accept(event.source, event.id, jobs, deps.now());
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw new IngestError('store-unavailable', 'the store is unavailable; retry later', [], { cause: error });
    throw error;
  }
}
