import type { Logger } from '../observe/logger';
import type { AccountAction } from '../sinks/actions';
import type { AuditEntry, AuditStore } from '../store/audit';

/**
 * An entry of the audit log, for moderation and for the account's actions alike. `reportId`
 * holds the Misskey id acted on: the report, the note (reply, react) or the user (follow, accept,
 * reject). The store keeps entries as JSON; its AuditEntry type names moderation's actions only.
 */
export type ActAuditEntry = Omit<AuditEntry, 'action'> & { action: AuditEntry['action'] | AccountAction };

/** whether the actor is on a list of user ids (Discord: or holds one of its role ids) */
export function onList(list: readonly string[] | undefined, actor: { id: string; roles?: readonly string[] }): boolean {
  if (!list) return false;
  return list.includes(actor.id) || (actor.roles ?? []).some((role) => list.includes(role));
}

/** What every attempt says: where it came from, what it was about, who asked. */
export interface Attempt {
  platform: AuditEntry['platform'];
  sink: string;
  source: string;
  action: ActAuditEntry['action'];
  actor: { id: string; name?: string };
}

/** Logs the attempt and appends it to the audit log; a store failure is logged, never thrown. */
export async function recordAttempt(
  deps: { audit: AuditStore; logger: Logger; now: () => number },
  attempt: Attempt & { subject: string },
  outcome: AuditEntry['outcome'],
  detail?: string,
): Promise<void> {
  const entry: ActAuditEntry = {
    at: deps.now(),
    platform: attempt.platform,
    sink: attempt.sink,
    source: attempt.source,
    reportId: attempt.subject,
    action: attempt.action,
    actor: attempt.actor.id,
    ...(attempt.actor.name ? { actorName: attempt.actor.name } : {}),
    outcome,
    ...(detail ? { detail } : {}),
  };
  const { audit, logger } = deps;
  const log = logger.child({ component: 'moderation' });
  log[entry.outcome === 'done' ? 'info' : 'warn'](entry, `from chat: ${entry.action} ${entry.outcome}`);
  try {
    await audit.append(entry as AuditEntry);
  } catch (error) {
    log.error({ err: error, entry }, 'cannot write the audit log');
  }
}
