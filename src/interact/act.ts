import type { Logger } from '../observe/logger';
import type { AccountAction } from '../sinks/actions';
import type { AuditEntry, AuditStore, ClaimStore } from '../store/audit';
import { onList, recordAttempt } from './audit';
import type { MisskeyAccount } from './misskey-account';
import { plainFailure } from './misskey-account';
import type { ApiFailure, ApiResult } from './misskey-api';

/** An action of the account asked for from chat, once its request is verified and parsed. */
export interface AccountRequest {
  platform: AuditEntry['platform'];
  sink: string;
  source: string;
  action: AccountAction;
  /** the note (reply, react) or the user (follow, accept, reject) */
  subject: string;
  /** react: the reaction, from the sink's list */
  reaction?: string;
  /** reply: the text, exactly as typed */
  text?: string;
  /** reply: undefined keeps the parent's CW, null posts none, a string is the reply's own */
  cw?: string | null;
  /** the platform's id of this very request (interaction, view, event): a reply is posted once per trigger */
  trigger: string;
  actor: { id: string; name?: string; roles?: readonly string[] };
}

export type AccountOutcome =
  | { kind: 'done'; at: number; action: AccountAction; noteUrl?: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'duplicate'; reason: string }
  | { kind: 'failed'; reason: string };

/** How long a reaction, a follow or an answer to a request is remembered as done. */
export const ACCOUNT_CLAIM_MS = 24 * 3_600_000;

export interface ActingDeps {
  claims: ClaimStore;
  audit: AuditStore;
  logger: Logger;
  now: () => number;
  /** actors per sink (user ids; role ids on Discord) */
  actors: (sink: string) => readonly string[] | undefined;
  /** a source's account, when it has an account token */
  account: (source: string) => MisskeyAccount | undefined;
}

/** Misskey's answers that mean the thing is already as asked */
const ALREADY: Record<string, string> = {
  ALREADY_REACTED: 'the account already reacted to this note',
  ALREADY_FOLLOWING: 'the account already follows this user',
};

/**
 * authorize → claim → one Misskey call → audit, for the account's actions. The claim comes before
 * the call, so a platform's retry or a second instance calls nothing; a reply's claim is never
 * given back (notes/create has no idempotency key: an unanswered call may have posted).
 */
export class Acting {
  constructor(private readonly deps: ActingDeps) {}

  allowed(sink: string, actor: AccountRequest['actor']): boolean {
    return onList(this.deps.actors(sink), actor);
  }

  async refuse(request: AccountRequest, reason = 'not an actor of this sink'): Promise<AccountOutcome> {
    await this.record(request, 'refused', reason);
    return { kind: 'refused', reason };
  }

  async act(request: AccountRequest): Promise<AccountOutcome> {
    if (!this.allowed(request.sink, request.actor)) return this.refuse(request);
    const account = this.deps.account(request.source);
    if (!account) return this.fail(request, `source "${request.source}" has no account token: the bridge cannot act for it`);
    const claim = claimKey(request);
    if (!(await this.deps.claims.claim(claim, this.deps.now(), ACCOUNT_CLAIM_MS))) {
      return this.duplicate(request, request.action === 'reply' ? 'this reply was already sent' : 'this was already done from chat');
    }
    const result = await this.call(account, request);
    if (!result.ok) {
      if (request.action !== 'reply') await this.deps.claims.unclaim(claim).catch(() => undefined);
      const already = result.code ? ALREADY[result.code] : undefined;
      return already ? this.duplicate(request, already) : this.fail(request, plainFailure(result));
    }
    const noteUrl = 'noteId' in result ? account.noteUrl(result.noteId) : undefined;
    await this.record(request, 'done', noteUrl ? `note ${noteUrl}` : request.reaction);
    return { kind: 'done', at: this.deps.now(), action: request.action, ...(noteUrl ? { noteUrl } : {}) };
  }

  private async call(account: MisskeyAccount, request: AccountRequest): Promise<ApiResult | { ok: true; noteId: string } | ApiFailure> {
    switch (request.action) {
      case 'reply': {
        const parent = await account.showNote(request.subject);
        if (!parent.ok) return parent;
        const cw = request.cw === undefined ? parent.note.cw : request.cw;
        return account.reply(parent.note, request.text ?? '', cw);
      }
      case 'react':
        return account.react(request.subject, request.reaction ?? '');
      case 'follow':
        return account.follow(request.subject);
      case 'accept':
      case 'reject':
        return account.answerRequest(request.subject, request.action === 'accept');
    }
  }

  private async duplicate(request: AccountRequest, reason: string): Promise<AccountOutcome> {
    await this.record(request, 'duplicate', reason);
    return { kind: 'duplicate', reason };
  }

  private async fail(request: AccountRequest, reason: string): Promise<AccountOutcome> {
    await this.record(request, 'failed', reason);
    return { kind: 'failed', reason };
  }

  private record(request: AccountRequest, outcome: AuditEntry['outcome'], detail?: string): Promise<void> {
    return recordAttempt(this.deps, request, outcome, detail);
  }
}

/** a reply is one per trigger; a reaction, a follow, an answer to a request one per subject */
function claimKey(request: AccountRequest): string {
  switch (request.action) {
    case 'reply':
      return `act:reply:${request.platform}:${request.trigger}`;
    case 'react':
      return `act:react:${request.source}:${request.subject}:${request.reaction ?? ''}`;
    case 'follow':
      return `act:follow:${request.source}:${request.subject}`;
    case 'accept':
    case 'reject':
      return `act:request:${request.source}:${request.subject}`;
  }
}
