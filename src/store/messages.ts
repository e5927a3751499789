import type { Event } from '../normalize/event';

/**
 * Where a delivered message lives on its platform, so that a later message can reply in its thread
 * or edit it. Plain data: it is stored in the message map and survives restarts.
 */
export interface MessageRef {
  platform: 'discord' | 'slack' | 'matrix';
  /** Discord message id, Slack `ts`, Matrix event id */
  id: string;
  /** Discord channel (the thread's own id when posted in one), Slack channel id, Matrix room id */
  channel: string;
  /**
   * the thread the message itself sits in: Discord thread id, Slack parent `ts`, Matrix thread root
   * event id. A Discord message a thread was started from has the thread's id here (the same as its own).
   */
  thread?: string;
  /** Discord: the server (guild) id, for message links */
  guild?: string;
}

/**
 * The message map: which platform message a sink made for a Misskey note or abuse report, so that a
 * reply can go into its thread and a later event (report resolved, note edited) can edit it.
 */
export interface MessageKey {
  source: string;
  /** `note:<id>` or `report:<id>` (see subjectOf) */
  subject: string;
  sink: string;
}

/** The events whose delivered message stands for their note or report in the map. */
export const NOTE_POSTING_EVENTS: readonly string[] = ['note', 'reply', 'renote', 'mention'];
export const REPORT_POSTING_EVENTS: readonly string[] = ['abuseReport'];

/**
 * The subject a job's message stands for, or null when its message is never replied to or
 * edited (follows, digests of those, notices). Used by every store to find a waiting parent, so
 * the Redis scripts (`subjectSetOf` in redis/scripts/common.lua) and SQLite's indexed column
 * (`subjectSql` in sqlite/schema.ts) are built from the same lists.
 */
export function subjectOf(job: { event: string; payload: Event }): string | null {
  const payload = job.payload as { note?: { id?: unknown } | null; report?: { id?: unknown } | null };
  if (NOTE_POSTING_EVENTS.includes(job.event) && typeof payload.note?.id === 'string') return `note:${payload.note.id}`;
  if (REPORT_POSTING_EVENTS.includes(job.event) && typeof payload.report?.id === 'string') return `report:${payload.report.id}`;
  return null;
}

export interface StoredMessage {
  ref: MessageRef;
  /** when the entry is forgotten (`conversations.keep` after it was recorded) */
  expiresAt: number;
}

/** The message map, per sink. Whether a waiting job will still post a key's message: JobStore.holdsMessage. */
export interface MessageStore {
  /** remembers the sink's message for the key until `now + keepMs` (a later record replaces it) */
  record(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void>;
  /** the message recorded for the key, unless it expired before `now` */
  find(key: MessageKey, now: number): Promise<MessageRef | null>;
  /** forgets the entries expired before `now`; returns how many */
  prune(now: number): Promise<number>;
}
