import { createHash } from 'node:crypto';
import type { GroupSettings, QuietHours, RouteConfig } from './config';
import { eventActor, eventName, type Event } from '../normalize/event';
import { quietUntil, type QuietWindow } from './quiet-hours';
import type { Match } from './route';

/**
 * A job stored held: due at `until`, already in the lease group `group`, so that every job of one
 * summary becomes due at the same instant and is leased, retried and settled together as one
 * message. The group survives `release` (rate-limit waits), so a summary is never split.
 */
export interface Hold {
  /** when the summary is due */
  until: number;
  /** the lease group (Job.batch) the job starts in */
  group: string;
  /** why it waits: a group's summary, or the end of quiet hours */
  kind?: 'group' | 'quiet';
  /** what the summary groups (the planner's group key), so that a restart can pick it up again */
  key?: string;
}

/** Without `group.events`, these go out at once: somebody is talking to you. */
export const IMMEDIATE_EVENTS: readonly string[] = ['mention', 'reply'];

/** Forgotten groups are looked for this often. */
const PRUNE_EVERY_MS = 60_000;

interface GroupState {
  /** when the group's latest summary is (or was) due */
  due: number;
  interval: number;
}

/**
 * Decides, as an event is planned, whether a route's job waits for a summary: quiet hours hold
 * it until the window ends, grouping until the group's next summary is due. Jobs held for the
 * same summary share the due time and the group id, and the queue leases them as one group.
 *
 * What it remembers of groups lives in this process, seeded at start from the summaries still
 * pending in the store: after a restart a group whose last summary was already sent may send its
 * next one sooner than `interval`, and instances sharing a store each form their own summaries
 * (each event is still in exactly one message). Quiet-hours groups need no memory: their id
 * follows from the window's end.
 */
export class HoldPlanner {
  private readonly routes: Map<string, RouteConfig>;
  private readonly defaultQuiet: QuietHours | undefined;
  private readonly timeZone: string;
  /** group key → its latest summary */
  private readonly groups = new Map<string, GroupState>();
  private lastPruneAt = -Infinity;

  constructor(
    config: { routes: readonly RouteConfig[]; quiet?: QuietHours; render?: { timeZone: string } },
    private readonly now: () => number,
  ) {
    this.routes = new Map(config.routes.map((route) => [route.name, route]));
    this.defaultQuiet = config.quiet;
    this.timeZone = config.render?.timeZone ?? 'UTC';
  }

  /** The hold for one planned job, or undefined when it goes out at once. */
  hold(event: Event, match: Pick<Match, 'route' | 'sink'>): Hold | undefined {
    const route = this.routes.get(match.route);
    if (!route) return undefined;
    const now = this.now();
    this.prune(now);
    const quiet = this.quietWindow(route);
    const quietHold = (at: number): Hold | undefined => {
      const until = quiet ? quietUntil(quiet, at) : null;
      return until === null ? undefined : { until, group: groupId(['quiet', route.name, match.sink, until]), kind: 'quiet' };
    };
    const quieted = quietHold(now);
    if (quieted) return quieted;
    if (!route.group || !grouped(event, route.group)) return undefined;

    const key = JSON.stringify([route.name, match.sink, ...route.group.by.map((part) => groupValue(event, part))]);
    const due = this.dueFor(key, route.group, now);
    // a summary falling inside quiet hours waits for the end of the window with the rest of the night
    const later = quietHold(due);
    if (later) return later;
    this.groups.set(key, { due, interval: route.group.interval });
    return { until: due, group: groupId(['group', key, due]), kind: 'group', key };
  }

  /**
   * Picks up the summaries still pending in the store (after a restart), so that new events join
   * them rather than start summaries of their own.
   */
  seed(holds: Hold[]): void {
    for (const hold of holds) {
      if (hold.kind !== 'group' || hold.key === undefined) continue;
      const [routeName] = JSON.parse(hold.key) as [string];
      const group = this.routes.get(routeName)?.group;
      const known = this.groups.get(hold.key);
      if (group && (!known || known.due < hold.until)) this.groups.set(hold.key, { due: hold.until, interval: group.interval });
    }
  }

  /** the pending summary of the group; else one `interval` after the last; else one `wait` from now */
  private dueFor(key: string, group: GroupSettings, now: number): number {
    const last = this.groups.get(key);
    if (last && last.due > now) return last.due;
    if (last && now - last.due < group.interval) return last.due + group.interval;
    return now + group.wait;
  }

  private quietWindow(route: RouteConfig): QuietWindow | undefined {
    if (route.urgent || route.quiet === false) return undefined;
    const quiet = route.quiet ?? this.defaultQuiet;
    return quiet ? { from: quiet.from, to: quiet.to, timeZone: quiet.timeZone ?? this.timeZone } : undefined;
  }

  /** groups whose last summary is more than an interval past decide nothing any more */
  private prune(now: number): void {
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    for (const [key, state] of this.groups) if (now - state.due >= state.interval) this.groups.delete(key);
  }
}

function grouped(event: Event, group: GroupSettings): boolean {
  const name = eventName(event);
  if (group.events === undefined) return !IMMEDIATE_EVENTS.includes(name);
  return group.events === '*' || group.events.includes(name);
}

function groupValue(event: Event, part: GroupSettings['by'][number]): string | null {
  switch (part) {
    case 'type':
      return eventName(event);
    case 'source':
      return event.source;
    case 'actor':
      return eventActor(event)?.acct.toLowerCase() ?? null;
  }
}

/** stable, short, and the same on every instance for the same parts */
function groupId(parts: unknown[]): string {
  return `hold:${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 24)}`;
}
