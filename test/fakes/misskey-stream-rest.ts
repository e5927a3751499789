/** The answers of the fake Misskey's REST endpoints that are pure functions of its state (misskey-stream-fake.ts). */

export type Answer = [number, unknown];
type Item = Record<string, unknown> & { id: string; type?: string };

export function misskeyError(code: string, message: string, kind: string) {
  return { error: { message, code, id: code.toLowerCase(), kind } };
}

export function permissionDenied(): Answer {
  return [403, misskeyError('PERMISSION_DENIED', 'Your app does not have the necessary permissions to use this endpoint.', 'permission')];
}

/** `i/notifications`: newest first; oldest first with `sinceId` alone; type filters after the limit, so pages can be short */
export function notificationsPage(stored: Item[], body: Record<string, unknown>): Item[] {
  const limit = Math.min(Math.max(Number(body.limit ?? 10), 1), 100);
  const sinceId = typeof body.sinceId === 'string' ? body.sinceId : null;
  const untilId = typeof body.untilId === 'string' ? body.untilId : null;
  let page = stored.filter((n) => (!sinceId || n.id > sinceId) && (!untilId || n.id < untilId));
  page = sinceId && !untilId ? page.slice(0, limit) : page.slice(-limit).reverse();
  const include = Array.isArray(body.includeTypes) ? (body.includeTypes as string[]) : null;
  const exclude = Array.isArray(body.excludeTypes) ? (body.excludeTypes as string[]) : [];
  return page.filter((n) => (!include || include.length === 0 || include.includes(n.type!)) && !exclude.includes(n.type!));
}

/** `chat/history`: the newest message of each 1:1 conversation, newest first (with both users' objects) */
export function chatHistory(chats: Record<string, unknown>[], body: Record<string, unknown>): Record<string, unknown>[] {
  const latest = new Map<unknown, Record<string, unknown>>();
  for (const message of chats) latest.set(message.fromUserId, { ...message, isRead: false });
  return [...latest.values()].reverse().slice(0, Number(body.limit ?? 10));
}

/** `chat/messages/user-timeline`: one conversation, without user objects as Misskey answers; oldest first with `sinceId` alone */
export function userTimeline(chats: Record<string, unknown>[], body: Record<string, unknown>): Record<string, unknown>[] {
  const limit = Math.min(Number(body.limit ?? 10), 100);
  const sinceId = typeof body.sinceId === 'string' ? body.sinceId : null;
  const theirs = chats.filter((message) => message.fromUserId === body.userId && (!sinceId || String(message.id) > sinceId));
  const page = sinceId ? theirs.slice(0, limit) : theirs.slice(-limit).reverse();
  return page.map(({ fromUser: _fromUser, toUser: _toUser, ...message }) => message);
}
