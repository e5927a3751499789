import type { Event } from '../normalize/event';

/** How many accepted events the store keeps for the template playground. */
export const RECENT_EVENTS = 50;

/**
 * The last events accepted with at least one job, recorded in the same write as JobStore.accept.
 * A store that commits a burst of accepts at once may keep only the newest event of each type of
 * the burst.
 */
export interface RecentEvents {
  /** newest first, at most `limit` (up to RECENT_EVENTS) */
  list(limit: number): Promise<Event[]>;
}
