import { eventName, type Event } from '../normalize/event';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/** An unrouted source and type is logged at most this often. */
export const UNROUTED_LOG_INTERVAL_MS = 3_600_000;

/** Lets each key through at most once per interval, counting what it held back in between. */
export class OncePer {
  private readonly last = new Map<string, { at: number; heldBack: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** null if `key` went through less than an interval ago; else how many were held back since it last did. */
  take(key: string): number | null {
    const at = this.now();
    const seen = this.last.get(key);
    if (seen && at - seen.at < this.intervalMs) {
      seen.heldBack += 1;
      return null;
    }
    this.last.set(key, { at, heldBack: 0 });
    return seen?.heldBack ?? 0;
  }
}

export interface UnroutedDeps {
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  intervalMs?: number;
}

/**
 * For events stored without any job because no route takes them: counts each one and warns once
 * per hour per source and type, so a gap in the routes shows without flooding the log.
 */
export function unroutedReporter(deps: UnroutedDeps): (event: Event) => void {
  const once = new OncePer(deps.intervalMs ?? UNROUTED_LOG_INTERVAL_MS, deps.now);
  return (event) => {
    const name = eventName(event);
    // types this bridge does not know share one label, as in events_received_total
    deps.metrics.eventsUnrouted.inc({ source: event.source, type: event.type });
    deps.metrics.activity.eventUnrouted(event.source);
    const heldBack = once.take(`${event.source}:${name}`);
    if (heldBack === null) return;
    deps.logger.warn(
      { source: event.source, type: name, eventId: event.id, unloggedSince: heldBack },
      'event matches no route: stored, delivered nowhere (logged once an hour per source and type)',
    );
  };
}
