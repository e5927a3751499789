import type { MisskeyApi } from './api';
import { MisskeyApiError } from './api';

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

/** One call, waiting out Misskey's rate limit (30 calls per 30 s) as often as it asks. */
async function paced(options: BackfillOptions, endpoint: string, body: Record<string, unknown>): Promise<(Record<string, unknown> & { id: string })[]> {
  for (let waits = 0; ; waits++) {
    try {
      const page = await options.api.call<unknown>(endpoint, body);
      if (!Array.isArray(page)) throw new MisskeyApiError(endpoint, 200, 'NOT_A_LIST', null);
      return page.filter((item): item is Record<string, unknown> & { id: string } => typeof (item as { id?: unknown })?.id === 'string');
    } catch (error) {
      if (!(error instanceof MisskeyApiError) || error.status !== 429 || waits >= MAX_RATE_LIMIT_WAITS) throw error;
      await options.wait(error.retryAfterMs ?? 1000);
    }
  }
}
