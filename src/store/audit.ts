/**
 * The audit log of moderation from chat: every attempt to act on an abuse report from a chat
 * platform, allowed or not, with what came of it. Listed by `misskey-bridge audit list`.
 */
export interface AuditEntry {
  /** when the attempt was handled, epoch ms */
  at: number;
  platform: 'discord' | 'slack' | 'matrix';
  sink: string;
  source: string;
  reportId: string;
  action: 'resolve' | 'forward';
  /** the platform's user id of whoever clicked or reacted */
  actor: string;
  /** their display name, when the platform said */
  actorName?: string;
  /**
   * done: Misskey resolved it; refused: not a moderator; failed: Misskey (or the bridge) answered
   * an error; duplicate: the report was already resolved or being resolved from chat
   */
  outcome: 'done' | 'refused' | 'failed' | 'duplicate';
  /** the error, or what else is worth knowing */
  detail?: string;
}

/** How many entries the stores keep (the oldest go first); the log is for review, not an archive. */
export const AUDIT_KEEP = 100_000;

export interface AuditStore {
  /** appends an entry (the oldest beyond AUDIT_KEEP are dropped) */
  append(entry: AuditEntry): Promise<void>;
  /** the last `limit` entries, newest first */
  list(limit: number): Promise<AuditEntry[]>;
}

/** A guard against doing an action twice, for every instance sharing the store. */
export interface ClaimStore {
  /**
   * Takes `key` until `now + ttlMs`: true when this call took it, false when it is held and has
   * not expired (a replayed interaction, an action in progress).
   */
  claim(key: string, now: number, ttlMs: number): Promise<boolean>;
  /** gives a claim back, so that a failed action may be tried again */
  unclaim(key: string): Promise<void>;
}
