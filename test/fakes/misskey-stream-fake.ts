/**
 * A fake Misskey (2026.5) streaming API and the REST endpoints a stream source uses, on
 * 127.0.0.1, behaving as the recorded server did (test/fixtures/misskey-streaming):
 * - the upgrade to `/streaming?i=TOKEN` (or `Authorization: Bearer`) is refused with 401 for an
 *   unknown or revoked token and for an app token without `read:account`; nothing is sent on open;
 * - `connect` is confirmed only with `pong: true`; a second `main` on a socket is ignored; a refused
 *   connect gets no frame at all;
 * - every notification comes as `notification`, then again as `unreadNotification` (same body)
 *   `unreadDelayMs` later unless read; a chat message comes as `newChatMessage` `chatDelayMs` later;
 * - WebSocket pings every `pingIntervalMs`; a socket whose last pong is older than `pongTimeoutMs`
 *   is terminated (1006); revoking a token does not close an open socket;
 * - `i/notifications`: newest first, oldest first with `sinceId` alone, `markAsRead` true unless
 *   false, type filters after `limit`, 30 calls per 30 s, only the newest `keep` kept;
 * - `i` (the token check), `chat/history`, `miauth/<session>/check`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeToken {
  permissions: string[];
  revoked: boolean;
}

export interface RestCall {
  path: string;
  token: string | null;
  body: Record<string, unknown>;
  status: number;
}

export interface StreamFakeOptions {
  unreadDelayMs?: number;
  chatDelayMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** notifications kept per user (Misskey: ~500) */
  keep?: number;
  rateLimit?: { calls: number; windowMs: number };
}

/** A notification as Misskey stores it: `{ id, createdAt, type, ... }`. */
export type FakeNotification = Record<string, unknown> & { id: string; createdAt: string; type: string };

export interface MisskeyStreamFake {
  /** http://127.0.0.1:<port> */
  url: string;
  readonly user: { id: string; username: string };
  addToken(token: string, permissions?: string[]): void;
  revoke(token: string): void;
  restore(token: string): void;
  /** stores a notification (new id unless given) and pushes it to the open sockets */
  notify(body: Record<string, unknown>): FakeNotification;
  /** a chat message to the user: `newChatMessage` on main, and in `chat/history` */
  chat(message: Record<string, unknown>): Record<string, unknown>;
  notifications(): FakeNotification[];
  /** cuts every socket without a close frame (the client sees 1006) */
  dropConnections(): void;
  /** the open sockets stop sending anything and stop answering pings */
  silence(): void;
  /** open sockets with a connected main channel */
  mainConnections(): number;
  sockets(): number;
  upgrades(): { status: number }[];
  calls(path?: string): RestCall[];
  /** MiAuth: the session is approved and its check answers this token */
  approveMiAuth(session: string, token: string): void;
  unreadCount(): number;
  close(): Promise<void>;
}

const ALL_PERMISSIONS = ['read:account', 'read:notifications', 'write:notifications', 'read:chat'];

interface Socket {
  ws: WebSocket;
  mainIds: string[];
  lastPong: number;
  silent: boolean;
}

export async function startMisskeyStreamFake(options: StreamFakeOptions = {}): Promise<MisskeyStreamFake> {
  const opts = { unreadDelayMs: 2000, chatDelayMs: 3000, pingIntervalMs: 60_000, pongTimeoutMs: 120_000, keep: 500, rateLimit: { calls: 30, windowMs: 30_000 }, ...options };
  const user = { id: 'augr6ouel58j0003', username: 'alice' };
  const tokens = new Map<string, FakeToken>();
  const stored: FakeNotification[] = [];
  const chats: Record<string, unknown>[] = [];
  const unread = new Set<string>();
  const sockets = new Set<Socket>();
  const upgrades: { status: number }[] = [];
  const calls: RestCall[] = [];
  const miauth = new Map<string, string>();
  const callTimes: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const nextId = () => Date.now().toString(36).padStart(8, '0') + 'fk' + (counter++).toString(36).padStart(6, '0');
  const validToken = (token: string | null) => (token !== null && tokens.has(token) && !tokens.get(token)!.revoked ? tokens.get(token)! : null);
  const sendMain = (type: string, body: unknown) => {
    for (const socket of sockets) {
      if (socket.silent) continue;
      for (const id of socket.mainIds) socket.ws.send(JSON.stringify({ type: 'channel', body: { id, type, body } }));
    }
  };
  const readAll = () => {
    if (unread.size === 0) return;
    unread.clear();
    sendMain('readAllNotifications', null);
  };

  const rest = createServer((request, response) => void handleRest(request, response));
  const wss = new WebSocketServer({ noServer: true, autoPong: false });

  async function handleRest(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: Record<string, unknown>;
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
    const token = typeof body.i === 'string' ? body.i : bearer;
    const path = (request.url ?? '').split('?')[0]!.replace(/^\/api\//, '');
    const [status, answer] = answerRest(path, token, body);
    calls.push({ path, token, body, status });
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 429 ? { 'retry-after': '1' } : {}) });
    response.end(answer === undefined ? '' : JSON.stringify(answer));
  }

  function answerRest(path: string, token: string | null, body: Record<string, unknown>): [number, unknown] {
    const miauthCheck = path.match(/^miauth\/([^/]+)\/check$/);
    if (miauthCheck) {
      const approved = miauth.get(miauthCheck[1]!);
      return [200, approved ? { ok: true, token: approved, user: { ...user, name: null, host: null } } : { ok: false }];
    }
    const granted = validToken(token);
    if (!granted) return [401, misskeyError('AUTHENTICATION_FAILED', 'Authentication failed. Please ensure your token is correct.', 'client')];
    if (path === 'i') return [200, { ...user, name: null, host: null, hasUnreadNotification: unread.size > 0 }];
    if (path === 'i/notifications') return notificationsAnswer(granted, body);
    if (path === 'chat/history' || path === 'chat/messages/user-timeline') {
      if (!granted.permissions.includes('read:chat')) return permissionDenied();
      return [200, path === 'chat/history' ? chatHistory(body) : userTimeline(body)];
    }
    return [404, misskeyError('NO_SUCH_ENDPOINT', 'No such endpoint.', 'client')];
  }

  /** the newest message of each 1:1 conversation, newest first (with both users' objects) */
  function chatHistory(body: Record<string, unknown>) {
    const latest = new Map<unknown, Record<string, unknown>>();
    for (const message of chats) latest.set(message.fromUserId, { ...message, isRead: false });
    return [...latest.values()].reverse().slice(0, Number(body.limit ?? 10));
  }

  /** one conversation's messages, without user objects, as Misskey answers; oldest first with `sinceId` alone */
  function userTimeline(body: Record<string, unknown>) {
    const limit = Math.min(Number(body.limit ?? 10), 100);
    const sinceId = typeof body.sinceId === 'string' ? body.sinceId : null;
    const mine = chats.filter((message) => message.fromUserId === body.userId && (!sinceId || String(message.id) > sinceId));
    const page = sinceId ? mine.slice(0, limit) : mine.slice(-limit).reverse();
    return page.map(({ fromUser: _fromUser, toUser: _toUser, ...message }) => message);
  }

  function notificationsAnswer(granted: FakeToken, body: Record<string, unknown>): [number, unknown] {
    if (!granted.permissions.includes('read:notifications')) return permissionDenied();
    const now = Date.now();
    while (callTimes.length > 0 && callTimes[0]! <= now - opts.rateLimit.windowMs) callTimes.shift();
    if (callTimes.length >= opts.rateLimit.calls) return [429, misskeyError('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Please try again later.', 'client')];
    callTimes.push(now);
    const limit = Math.min(Math.max(Number(body.limit ?? 10), 1), 100);
    const sinceId = typeof body.sinceId === 'string' ? body.sinceId : null;
    const untilId = typeof body.untilId === 'string' ? body.untilId : null;
    let page = stored.filter((n) => (!sinceId || n.id > sinceId) && (!untilId || n.id < untilId));
    page = sinceId && !untilId ? page.slice(0, limit) : page.slice(-limit).reverse();
    if (body.markAsRead !== false) readAll();
    // Misskey applies the type filters after the limit: pages can be short
    const include = Array.isArray(body.includeTypes) ? (body.includeTypes as string[]) : null;
    const exclude = Array.isArray(body.excludeTypes) ? (body.excludeTypes as string[]) : [];
    return [200, page.filter((n) => (!include || include.length === 0 || include.includes(n.type)) && !exclude.includes(n.type))];
  }

  rest.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
    const granted = validToken(url.searchParams.get('i') ?? bearer);
    if (url.pathname !== '/streaming' || !granted || !granted.permissions.includes('read:account')) {
      upgrades.push({ status: 401 });
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="Misskey", error="invalid_token", error_description="Failed to authenticate"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    upgrades.push({ status: 101 });
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket) {
    const socket: Socket = { ws, mainIds: [], lastPong: Date.now(), silent: false };
    sockets.add(socket);
    ws.on('close', () => sockets.delete(socket));
    ws.on('pong', () => (socket.lastPong = Date.now()));
    ws.on('ping', (data) => socket.silent || ws.pong(data));
    ws.on('message', (data, isBinary) => {
      if (socket.silent || isBinary) return;
      let message: { type?: unknown; body?: { channel?: unknown; id?: unknown; pong?: unknown } };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return;
      }
      if (message.type === 'readNotification') return readAll();
      if (message.type !== 'connect' || message.body?.channel !== 'main' || typeof message.body.id !== 'string') return;
      // main is a shared channel: a second connect to it on the same socket is ignored
      if (socket.mainIds.length > 0) return;
      socket.mainIds.push(message.body.id);
      if (message.body.pong === true) ws.send(JSON.stringify({ type: 'connected', body: { id: message.body.id } }));
    });
  }

  const keepAlive = setInterval(() => {
    const now = Date.now();
    for (const socket of sockets) {
      if (now - socket.lastPong > opts.pongTimeoutMs) socket.ws.terminate();
      else if (!socket.silent) socket.ws.ping();
    }
  }, opts.pingIntervalMs);

  await new Promise<void>((resolve) => rest.listen(0, '127.0.0.1', resolve));
  const port = (rest.address() as AddressInfo).port;
  const server: Server = rest;

  return {
    url: `http://127.0.0.1:${port}`,
    user,
    addToken: (token, permissions = ALL_PERMISSIONS) => void tokens.set(token, { permissions, revoked: false }),
    revoke: (token) => void (tokens.get(token)!.revoked = true),
    restore: (token) => void (tokens.get(token)!.revoked = false),
    notify(body) {
      const notification = { id: nextId(), createdAt: new Date().toISOString(), ...body } as FakeNotification;
      stored.push(notification);
      if (stored.length > opts.keep) stored.splice(0, stored.length - opts.keep);
      unread.add(notification.id);
      sendMain('notification', notification);
      later(opts.unreadDelayMs, () => unread.has(notification.id) && sendMain('unreadNotification', notification));
      return notification;
    },
    chat(message) {
      const chatMessage = { id: nextId(), createdAt: new Date().toISOString(), toRoomId: null, fileId: null, file: null, reactions: [], ...message };
      chats.push(chatMessage);
      later(opts.chatDelayMs, () => sendMain('newChatMessage', chatMessage));
      return chatMessage;
    },
    notifications: () => [...stored],
    dropConnections: () => sockets.forEach((socket) => socket.ws.terminate()),
    silence: () => sockets.forEach((socket) => (socket.silent = true)),
    mainConnections: () => [...sockets].filter((socket) => socket.mainIds.length > 0).length,
    sockets: () => sockets.size,
    upgrades: () => [...upgrades],
    calls: (path) => calls.filter((call) => path === undefined || call.path === path),
    approveMiAuth: (session, token) => void miauth.set(session, token),
    unreadCount: () => unread.size,
    async close() {
      clearInterval(keepAlive);
      timers.forEach((timer) => clearTimeout(timer));
      sockets.forEach((socket) => socket.ws.terminate());
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function misskeyError(code: string, message: string, kind: string) {
  return { error: { message, code, id: code.toLowerCase(), kind } };
}

function permissionDenied(): [number, unknown] {
  return [403, misskeyError('PERMISSION_DENIED', 'Your app does not have the necessary permissions to use this endpoint.', 'permission')];
}
