import type { Logger } from '../observe/logger';
import type { AuditEntry, AuditStore, ClaimStore } from '../store/audit';
import type { ModerationAction } from '../sinks/actions';
import type { MisskeyAdmin } from './misskey-admin';
import { describeFailure } from './misskey-api';
import { onList, recordAttempt } from './audit';

/** An action a moderator asked for from chat, once its request is verified and parsed. */
export interface ActRequest {
  platform: AuditEntry['platform'];
  sink: string;
  source: string;
  reportId: string;
  action: ModerationAction;
  actor: { id: string; name?: string; roles?: readonly string[] };
}

export type ActOutcome =
  | { kind: 'done'; at: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'duplicate'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * How long an action on a report is remembered as taken: a second click (a retry, another
 * moderator) does not call Misskey again meanwhile. A failed action is forgotten at once.
 */
export const ACTION_CLAIM_MS = 24 * 3_600_000;

export interface ModerationDeps {
  claims: ClaimStore;
  audit: AuditStore;
  logger: Logger;
  now: () => number;
  /** moderators per sink (user ids; role ids on Discord) */
  moderators: (sink: string) => readonly string[] | undefined;
  /** the admin API of a source, when it has an adminToken */
  admin: (source: string) => MisskeyAdmin | undefined;
}

/** authorize → act (once) → audit: the part of moderation from chat that no platform shapes. */
export class Moderation {
  constructor(private readonly deps: ModerationDeps) {}

  /** whether the actor is on the sink's list (by user id, or by one of their Discord roles) */
  allowed(sink: string, actor: ActRequest['actor']): boolean {
    return onList(this.deps.moderators(sink), actor);
  }

  /** Refuses someone not on the list (or a click from somewhere else), and audits the attempt. */
  async refuse(request: ActRequest, reason = 'not a moderator of this sink'): Promise<ActOutcome> {
    await this.record(request, 'refused', reason);
    return { kind: 'refused', reason };
  }

  async act(request: ActRequest): Promise<ActOutcome> {
    if (!this.allowed(request.sink, request.actor)) return this.refuse(request);
    const admin = this.deps.admin(request.source);
    if (!admin) {
      const reason = `source "${request.source}" has no adminToken: the bridge cannot act on its reports`;
      await this.record(request, 'failed', reason);
      return { kind: 'failed', reason };
    }
    const claim = `report:${request.source}:${request.reportId}`;
    if (!(await this.deps.claims.claim(claim, this.deps.now(), ACTION_CLAIM_MS))) {
      const reason = 'this report was already resolved from chat';
      await this.record(request, 'duplicate', reason);
      return { kind: 'duplicate', reason };
    }
    const result = request.action === 'forward' ? await admin.forwardAndResolve(request.reportId) : await admin.resolve(request.reportId);
    if (!result.ok) {
      await this.deps.claims.unclaim(claim).catch(() => undefined);
      const reason = `Misskey answered: ${describeFailure(result)}`;
      await this.record(request, 'failed', reason);
      return { kind: 'failed', reason };
    }
    const at = this.deps.now();
    await this.record(request, 'done');
    return { kind: 'done', at };
  }

  private record(request: ActRequest, outcome: AuditEntry['outcome'], detail?: string): Promise<void> {
    return recordAttempt(this.deps, { ...request, subject: request.reportId }, outcome, detail);
  }
}
