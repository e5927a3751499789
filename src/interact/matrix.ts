import { randomUUID } from 'node:crypto';
import type { Logger } from '../observe/logger';
import { MatrixApi, type MatrixResponse } from '../sinks/matrix/api';
import { actionOfKey, cardReport, withoutCardActions, type CardContent } from '../sinks/matrix/actions';
import type { MatrixSinkConfig } from '../sinks/matrix/config';
import { escapeHtml } from '../sinks/matrix/html';
import { MATRIX_REQUEST_TIMEOUT_MS } from '../sinks/matrix/limits';
import { withRelations } from '../sinks/matrix/relations';
import type { Wording } from '../render/catalog';
import { outcomeLine } from './wording';
import { cardSubject } from '../sinks/matrix/account-card';
import type { Acting } from './act';
import { actOnCard, type CardEvent } from './matrix-act';
import type { ActRequest, Moderation } from './moderate';

/** how long one /sync waits on the homeserver for something new */
export const SYNC_POLL_MS = 30_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** reaction event ids remembered, so that one seen again (a repeated sync) is not handled twice */
const SEEN_MAX = 1_000;

export interface MatrixListenerDeps {
  sink: string;
  config: MatrixSinkConfig;
  moderation: Moderation;
  acting: Acting;
  logger: Logger;
  now: () => number;
  /** the sink's words (read at each action: a template reload may change them) */
  wording: () => Wording;
  /** a test shortens these */
  pollMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

interface SyncEvent {
  event_id?: unknown;
  type?: unknown;
  sender?: unknown;
  content?: Record<string, unknown>;
}

/**
 * Moderation and acting from Matrix: a long-polled `/sync` filtered to the sink's room, reactions
 * and messages. A reaction of ✅ or ↗️ on one of the bot's abuse report cards, by a user on the
 * sink's moderator list, acts on the report; a reply or a reaction to a note or follow card, by an
 * actor, acts for the account. Anyone else's is refused and audited. It starts from the current
 * position: events older than the listener are never acted on.
 */
export class MatrixModerationListener {
  /** for /sync, whose answer may take the whole poll */
  private readonly syncApi: MatrixApi;
  /** for everything else */
  private readonly api: MatrixApi;
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private readonly seen = new Set<string>();
  private readonly pollMs: number;
  private userId: string | undefined;
  private roomId: string | undefined;
  private since: string | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: MatrixListenerDeps) {
    this.pollMs = deps.pollMs ?? SYNC_POLL_MS;
    const homeserver = deps.config.homeserver.replace(/\/+$/, '');
    this.syncApi = new MatrixApi(homeserver, deps.config.accessToken, this.pollMs + 15_000);
    this.api = new MatrixApi(homeserver, deps.config.accessToken, MATRIX_REQUEST_TIMEOUT_MS);
    this.log = deps.logger.child({ component: 'moderation', sink: deps.sink });
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.syncApi.close();
    this.api.close();
    await this.running;
  }

  private async loop(): Promise<void> {
    const min = this.deps.backoffMinMs ?? BACKOFF_MIN_MS;
    const max = this.deps.backoffMaxMs ?? BACKOFF_MAX_MS;
    let backoff = min;
    while (!this.stopping.signal.aborted) {
      try {
        await this.step();
        backoff = min;
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.log.warn({ reason: this.api.redact((error as Error).message), retryInMs: backoff }, 'Matrix moderation: /sync failed');
        await this.sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }

  /** one round: find who and where we are, then one sync (the first only records the position) */
  private async step(): Promise<void> {
    if (!this.userId || !this.roomId) await this.connect();
    const first = this.since === undefined;
    const filter = JSON.stringify({
      presence: { types: [] },
      account_data: { types: [] },
      room: {
        rooms: [this.roomId],
        timeline: { types: ['m.reaction', 'm.room.message'], limit: 50 },
        state: { types: [] },
        ephemeral: { types: [] },
        account_data: { types: [] },
      },
    });
    const query: Record<string, string[]> = { filter: [filter], timeout: [String(first ? 0 : this.pollMs)] };
    if (this.since !== undefined) query.since = [this.since];
    const answer = await this.syncApi.call({ method: 'GET', path: ['sync'], query });
    if (answer.status !== 200) throw new Error(describe(answer));
    const body = answer.body as { next_batch?: unknown; rooms?: { join?: Record<string, { timeline?: { events?: SyncEvent[] } }> } };
    if (typeof body?.next_batch !== 'string') throw new Error('the /sync answer has no next_batch');
    const events = first ? [] : (body.rooms?.join?.[this.roomId!]?.timeline?.events ?? []);
    this.since = body.next_batch;
    for (const event of events) {
      if (this.stopping.signal.aborted) return;
      try {
        await this.handle(event);
      } catch (error) {
        this.log.error({ err: error, event: event.event_id }, 'Matrix moderation: cannot handle a reaction');
      }
    }
  }

  private async connect(): Promise<void> {
    const whoami = await this.api.call({ method: 'GET', path: ['account', 'whoami'] });
    const userId = (whoami.body as { user_id?: unknown } | undefined)?.user_id;
    if (whoami.status !== 200 || typeof userId !== 'string') throw new Error(`whoami: ${describe(whoami)}`);
    let roomId = this.deps.config.room;
    if (roomId.startsWith('#')) {
      const answer = await this.api.call({ method: 'GET', path: ['directory', 'room', roomId] });
      const resolved = (answer.body as { room_id?: unknown } | undefined)?.room_id;
      if (answer.status !== 200 || typeof resolved !== 'string') throw new Error(`resolving ${roomId}: ${describe(answer)}`);
      roomId = resolved;
    }
    this.userId = userId;
    this.roomId = roomId;
  }

  private async handle(event: SyncEvent): Promise<void> {
    const target = cardEvent(event);
    if (!target || target.event.sender === this.userId) return;
    if (this.seen.has(target.event.eventId)) return;
    this.remember(target.event.eventId);

    const roomId = this.roomId!;
    const cardId = target.cardId;
    const card = await this.api.call({ method: 'GET', path: ['rooms', roomId, 'event', cardId] });
    if (card.status !== 200) {
      this.log.debug({ cardId, status: card.status }, 'Matrix moderation: the reacted-to event cannot be read');
      return;
    }
    const original = card.body as { sender?: unknown; content?: unknown };
    // only the bot's own cards count: anyone may post an event that looks like one
    if (original.sender !== this.userId) return;
    const subject = cardSubject(original.content);
    if (subject && this.deps.config.actors) {
      const notice = (content: Record<string, unknown>) => this.send({ ...content, 'm.relates_to': { 'm.in_reply_to': { event_id: cardId } } }, 'post the outcome');
      await actOnCard(target.event, subject, { sink: this.deps.sink, acting: this.deps.acting, reactions: this.deps.config.reactions, notice, wording: this.deps.wording() });
      return;
    }
    const action = actionOfKey(target.event.key);
    const report = cardReport(original.content);
    if (!report || !action || target.event.type !== 'm.reaction') return;
    if (action === 'forward' && !report.remote) {
      this.log.info({ report: report.id }, 'Matrix moderation: ↗️ on a report about a local user: nothing to forward, ignored');
      return;
    }
    const sender = target.event.sender;
    const request: ActRequest = {
      platform: 'matrix',
      sink: this.deps.sink,
      source: report.source,
      reportId: report.id,
      action,
      actor: { id: sender },
    };
    const { moderation } = this.deps;
    // Matrix has no message only the reactor sees: a refusal is audited, nothing is posted
    if (!moderation.allowed(this.deps.sink, request.actor)) {
      await moderation.refuse(request);
      return;
    }
    const outcome = await moderation.act(request);
    const wording = this.deps.wording();
    if (outcome.kind === 'done') {
      const line = `${outcomeLine(wording, outcome, action, sender)} · ${wording.date(outcome.at)}`;
      const message = withoutCardActions(original.content as CardContent);
      const content = {
        ...message,
        body: `${message.body}\n\n${line}`,
        formatted_body: `${message.formatted_body}<p>${escapeHtml(line)}</p>`,
        'm.mentions': {},
      };
      await this.send(withRelations(content, { edit: { platform: 'matrix', id: cardId, channel: roomId } }), 'edit the card');
    } else if (outcome.kind === 'failed') {
      const text = outcomeLine(wording, outcome, action, sender);
      await this.send(
        {
          msgtype: 'm.notice',
          body: text,
          format: 'org.matrix.custom.html',
          formatted_body: escapeHtml(text),
          'm.mentions': {},
          'm.relates_to': { 'm.in_reply_to': { event_id: cardId } },
        },
        'post the failure notice',
      );
    }
  }

  private async send(content: unknown, what: string): Promise<void> {
    try {
      const answer = await this.api.call({ method: 'PUT', path: ['rooms', this.roomId!, 'send', 'm.room.message', `mkb-mod-${randomUUID()}`], body: content });
      if (answer.status !== 200) this.log.warn({ status: answer.status }, `Matrix moderation: cannot ${what}: ${describe(answer)}`);
    } catch (error) {
      this.log.warn({ reason: (error as Error).message }, `Matrix moderation: cannot ${what}`);
    }
  }

  private remember(eventId: string): void {
    this.seen.add(eventId);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** A reaction to an event, or a reply (`m.in_reply_to`) that is not an edit: what it is, and the event it answers. */
function cardEvent(event: SyncEvent): { event: CardEvent; cardId: string } | undefined {
  if (typeof event.event_id !== 'string' || typeof event.sender !== 'string') return undefined;
  const relation = event.content?.['m.relates_to'] as { rel_type?: unknown; event_id?: unknown; key?: unknown; 'm.in_reply_to'?: { event_id?: unknown } } | undefined;
  const base = { eventId: event.event_id, sender: event.sender };
  if (event.type === 'm.reaction' && relation?.rel_type === 'm.annotation' && typeof relation.event_id === 'string' && typeof relation.key === 'string') {
    return { event: { ...base, type: 'm.reaction', key: relation.key }, cardId: relation.event_id };
  }
  const replyTo = relation?.['m.in_reply_to']?.event_id;
  const body = event.content?.body;
  if (event.type === 'm.room.message' && relation?.rel_type !== 'm.replace' && typeof replyTo === 'string' && typeof body === 'string') {
    return { event: { ...base, type: 'm.room.message', body }, cardId: replyTo };
  }
  return undefined;
}

function describe(answer: MatrixResponse): string {
  return `HTTP ${answer.status}${answer.errcode ? ` ${answer.errcode}` : ''}${answer.error ? `: ${answer.error}` : ''}`;
}

