/**
 * The audit log of moderation from chat: every attempt to act on an abuse report from a chat
 * platform, allowed or not, with what came of it. Kept by the store (Queue.audit), listed by
 * `misskey-bridge audit list`.
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
