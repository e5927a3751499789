import type { MisskeyApi } from './api';
import { MisskeyApiError } from './api';
import { isNewerId } from '../../shared/misskey-ids';

/** A notification or chat message as Misskey sends it, with its id. */
export interface StreamItem {
  kind: 'notification' | 'chat';
  id: string;
  raw: Record<string, unknown>;
  via: 'live' | 'backfill';
}

export interface BackfillOptions {
  api: MisskeyApi;
  /** the newest notification id already stored, null on the very first start */
  cursor: string | null;
  pageSize: number;
  /** stores a page of items; how many were new */
  handle(items: StreamItem[]): Promise<number>;
  /** where 429 waits happen (interruptible by a stop) */
  wait(ms: number): Promise<void>;
}

export interface BackfillResult {
  /** items stored now that were not before */
  stored: number;
  /** items read */
  read: number;
  /** createdAt of the oldest notification read, to say what a gap lost */
  oldestCreatedAt: string | null;
}

const MAX_RATE_LIMIT_WAITS = 10;
/** A cursor before every Misskey id: an account without notifications at the first start backfills all it gets later. */
const FROM_THE_START = '0';

/**
 * `i/notifications` with `sinceId` alone answers oldest first: page forward from the cursor
 * until a short page. `markAsRead: false`, or the user's unread badge would be cleared. On the
 * very first start the cursor becomes the newest notification, without sending what Misskey kept.
 */
export async function backfillNotifications(options: BackfillOptions): Promise<BackfillResult & { firstCursor?: string }> {
  const result: BackfillResult = { stored: 0, read: 0, oldestCreatedAt: null };
  if (options.cursor === null) {
    const [newest] = await paced(options, 'i/notifications', { limit: 1, markAsRead: false });
    return { ...result, firstCursor: newest?.id ?? FROM_THE_START };
  }
  let sinceId = options.cursor;
  for (;;) {
    const page = await paced(options, 'i/notifications', { sinceId, limit: options.pageSize, markAsRead: false });
    result.oldestCreatedAt ??= typeof page[0]?.createdAt === 'string' ? page[0].createdAt : null;
    result.read += page.length;
    result.stored += await options.handle(page.map((raw) => ({ kind: 'notification', id: raw.id, raw, via: 'backfill' })));
    // no type filters are asked for, so only the last page is short
    if (page.length < options.pageSize) return result;
    sinceId = page[page.length - 1]!.id;
  }
}

/** Conversations whose newest message `chat/history` lists (Misskey allows up to 100). */
const CONVERSATIONS = 100;

type Raw = Record<string, unknown> & { id: string };

/**
 * Chat messages to the account since the chat cursor: `chat/history` names the conversations with
 * newer messages, `chat/messages/user-timeline` (`sinceId`, oldest first) gives them. They are
 * stored oldest first across conversations, so the cursor never passes a message not yet stored.
 * The timeline carries no user objects: the sender is the one `chat/history` showed.
 */
export async function backfillChat(options: BackfillOptions & { ownerId: string | null }): Promise<BackfillResult & { firstCursor?: string }> {
  const result: BackfillResult = { stored: 0, read: 0, oldestCreatedAt: null };
  const history = await paced(options, 'chat/history', { limit: CONVERSATIONS });
  if (options.cursor === null) {
    const newest = history.reduce<string | null>((max, message) => (isNewerId(message.id, max) ? message.id : max), null);
    return { ...result, firstCursor: newest ?? FROM_THE_START };
  }
  const missed: Raw[] = [];
  for (const latest of history) {
    if (!isNewerId(latest.id, options.cursor) || latest.toRoomId) continue;
    const partner = (latest.fromUserId === options.ownerId ? latest.toUser : latest.fromUser) as { id?: unknown } | null | undefined;
    if (typeof partner?.id !== 'string') continue;
    for (let sinceId = options.cursor; ; ) {
      const page = await paced(options, 'chat/messages/user-timeline', { userId: partner.id, sinceId, limit: options.pageSize });
      missed.push(...page.filter((message) => message.fromUserId !== options.ownerId).map((message) => ({ ...message, fromUser: partner })));
      if (page.length < options.pageSize) break;
      sinceId = page[page.length - 1]!.id;
    }
  }
  missed.sort((a, b) => (isNewerId(a.id, b.id) ? 1 : -1));
  for (let start = 0; start < missed.length; start += options.pageSize) {
    const chunk = missed.slice(start, start + options.pageSize);
    result.read += chunk.length;
    result.stored += await options.handle(chunk.map((raw) => ({ kind: 'chat', id: raw.id, raw, via: 'backfill' })));
  }
  return result;
}

/** One call, waiting out Misskey's rate limit (30 calls per 30 s) as often as it asks. */
async function paced(options: Pick<BackfillOptions, 'api' | 'wait'>, endpoint: string, body: Record<string, unknown>): Promise<Raw[]> {
  for (let waits = 0; ; waits++) {
    try {
      const page = await options.api.call<unknown>(endpoint, body);
      if (!Array.isArray(page)) throw new MisskeyApiError(endpoint, 200, 'NOT_A_LIST', null);
      return page.filter((item): item is Raw => typeof (item as { id?: unknown })?.id === 'string');
    } catch (error) {
      if (!(error instanceof MisskeyApiError) || error.status !== 429 || waits >= MAX_RATE_LIMIT_WAITS) throw error;
      await options.wait(error.retryAfterMs ?? 1000);
    }
  }
}
