/**
 * A fake Misskey (2026.5) streaming API and the REST calls a stream source makes, on 127.0.0.1, as
 * the recorded server behaved (test/fixtures/misskey-streaming): 401 at the upgrade for an unknown,
 * revoked or read:account-less token, nothing on open; `connected` only for `pong: true`; a second
 * `main` ignored; every notification again as `unreadNotification` after `unreadDelayMs` unless
 * read, chat as `newChatMessage` after `chatDelayMs`; pings every `pingIntervalMs`, cut after
 * `pongTimeoutMs` without a pong; a revoked token keeps its socket; `i/notifications` paging as
 * Misskey's (misskey-stream-rest.ts), `markAsRead` true unless false, 30 calls per 30 s, the
 * newest `keep` kept; `i`, `chat/history`, `chat/messages/user-timeline`, `miauth/<session>/check`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { chatHistory, misskeyError, notificationsPage, permissionDenied, userTimeline, type Answer } from './misskey-stream-rest';

type FakeToken = { permissions: string[]; revoked: boolean };

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
  upgrades(): { status: number }[];
  calls(path?: string): RestCall[];
  /** MiAuth: the session is approved and its check answers this token */
  approveMiAuth(session: string, token: string): void;
  close(): Promise<void>;
}

const ALL_PERMISSIONS = ['read:account', 'read:notifications', 'write:notifications', 'read:chat'];

interface Socket {
  ws: WebSocket;
  mainIds: string[];
  lastPong: number;
  silent: boolean;
}


const DEFAULTS = { unreadDelayMs: 2000, chatDelayMs: 3000, pingIntervalMs: 60_000, pongTimeoutMs: 120_000, keep: 500, rateLimit: { calls: 30, windowMs: 30_000 } };

export async function startMisskeyStreamFake(options: StreamFakeOptions = {}): Promise<MisskeyStreamFake> {
  const fake = new FakeMisskey({ ...DEFAULTS, ...options });
  await fake.listen();
  return fake;
}

class FakeMisskey implements MisskeyStreamFake {
  url = '';
  readonly user = { id: 'augr6ouel58j0003', username: 'alice' };
  private readonly tokens = new Map<string, FakeToken>();
  private readonly stored: FakeNotification[] = [];
  private readonly chats: Record<string, unknown>[] = [];
  private readonly unread = new Set<string>();
  private readonly open = new Set<Socket>();
  private readonly upgradeLog: { status: number }[] = [];
  private readonly callLog: RestCall[] = [];
  private readonly miauth = new Map<string, string>();
  private readonly callTimes: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private counter = 0;
  private readonly server: Server = createServer((request, response) => void this.handleRest(request, response));
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  private readonly keepAlive: NodeJS.Timeout;

  constructor(private readonly opts: Required<StreamFakeOptions>) {
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
    this.keepAlive = setInterval(() => this.ping(), opts.pingIntervalMs);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addToken(token: string, permissions = ALL_PERMISSIONS): void {
    this.tokens.set(token, { permissions, revoked: false });
  }

  revoke(token: string): void {
    this.tokens.get(token)!.revoked = true;
  }

  restore(token: string): void {
    this.tokens.get(token)!.revoked = false;
  }

  notify(body: Record<string, unknown>): FakeNotification {
    const notification = { id: this.nextId(), createdAt: new Date().toISOString(), ...body } as FakeNotification;
    this.stored.push(notification);
    if (this.stored.length > this.opts.keep) this.stored.splice(0, this.stored.length - this.opts.keep);
    this.unread.add(notification.id);
    this.sendMain('notification', notification);
    this.later(this.opts.unreadDelayMs, () => this.unread.has(notification.id) && this.sendMain('unreadNotification', notification));
    return notification;
  }

  chat(message: Record<string, unknown>): Record<string, unknown> {
    const chatMessage = { id: this.nextId(), createdAt: new Date().toISOString(), toRoomId: null, fileId: null, file: null, reactions: [], ...message };
    this.chats.push(chatMessage);
    this.later(this.opts.chatDelayMs, () => this.sendMain('newChatMessage', chatMessage));
    return chatMessage;
  }

  notifications(): FakeNotification[] {
    return [...this.stored];
  }

  dropConnections(): void {
    this.open.forEach((socket) => socket.ws.terminate());
  }

  silence(): void {
    this.open.forEach((socket) => (socket.silent = true));
  }

  mainConnections(): number {
    return [...this.open].filter((socket) => socket.mainIds.length > 0).length;
  }

  upgrades(): { status: number }[] {
    return [...this.upgradeLog];
  }

  calls(path?: string): RestCall[] {
    return this.callLog.filter((call) => path === undefined || call.path === path);
  }

  approveMiAuth(session: string, token: string): void {
    this.miauth.set(session, token);
  }

  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    this.timers.forEach((timer) => clearTimeout(timer));
    this.open.forEach((socket) => socket.ws.terminate());
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private nextId(): string {
    return Date.now().toString(36).padStart(8, '0') + 'fk' + (this.counter++).toString(36).padStart(6, '0');
  }

  private validToken(token: string | null): FakeToken | null {
    const granted = token === null ? undefined : this.tokens.get(token);
    return granted && !granted.revoked ? granted : null;
  }

  private sendMain(type: string, body: unknown): void {
    for (const socket of this.open) {
      if (socket.silent) continue;
      for (const id of socket.mainIds) socket.ws.send(JSON.stringify({ type: 'channel', body: { id, type, body } }));
    }
  }

  private readAll(): void {
    if (this.unread.size === 0) return;
    this.unread.clear();
    this.sendMain('readAllNotifications', null);
  }

  private async handleRest(request: IncomingMessage, response: ServerResponse): Promise<void> {
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
    const [status, answer] = this.answerRest(path, token, body);
    this.callLog.push({ path, token, body, status });
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 429 ? { 'retry-after': '1' } : {}) });
    response.end(answer === undefined ? '' : JSON.stringify(answer));
  }

  private answerRest(path: string, token: string | null, body: Record<string, unknown>): Answer {
    const miauthCheck = path.match(/^miauth\/([^/]+)\/check$/);
    if (miauthCheck) {
      const approved = this.miauth.get(miauthCheck[1]!);
      return [200, approved ? { ok: true, token: approved, user: { ...this.user, name: null, host: null } } : { ok: false }];
    }
    const granted = this.validToken(token);
    if (!granted) return [401, misskeyError('AUTHENTICATION_FAILED', 'Authentication failed. Please ensure your token is correct.', 'client')];
    if (path === 'i') return [200, { ...this.user, name: null, host: null, hasUnreadNotification: this.unread.size > 0 }];
    if (path === 'i/notifications') return this.notificationsAnswer(granted, body);
    if (path === 'chat/history' || path === 'chat/messages/user-timeline') {
      if (!granted.permissions.includes('read:chat')) return permissionDenied();
      return [200, path === 'chat/history' ? chatHistory(this.chats, body) : userTimeline(this.chats, body)];
    }
    return [404, misskeyError('NO_SUCH_ENDPOINT', 'No such endpoint.', 'client')];
  }

  private notificationsAnswer(granted: FakeToken, body: Record<string, unknown>): Answer {
    if (!granted.permissions.includes('read:notifications')) return permissionDenied();
    const now = Date.now();
    while (this.callTimes.length > 0 && this.callTimes[0]! <= now - this.opts.rateLimit.windowMs) this.callTimes.shift();
    if (this.callTimes.length >= this.opts.rateLimit.calls) return [429, misskeyError('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Please try again later.', 'client')];
    this.callTimes.push(now);
    if (body.markAsRead !== false) this.readAll();
    return [200, notificationsPage(this.stored, body)];
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
    const granted = this.validToken(url.searchParams.get('i') ?? bearer);
    if (url.pathname !== '/streaming' || !granted || !granted.permissions.includes('read:account')) {
      this.upgradeLog.push({ status: 401 });
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="Misskey", error="invalid_token", error_description="Failed to authenticate"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.upgradeLog.push({ status: 101 });
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const socket: Socket = { ws, mainIds: [], lastPong: Date.now(), silent: false };
    this.open.add(socket);
    ws.on('close', () => this.open.delete(socket));
    ws.on('pong', () => (socket.lastPong = Date.now()));
    ws.on('ping', (data) => socket.silent || ws.pong(data));
    ws.on('message', (data, isBinary) => {
      if (!socket.silent && !isBinary) this.received(socket, String(data));
    });
  }

  /** what a client sends: anything but `connect` to main and `readNotification` is ignored, as Misskey does */
  private received(socket: Socket, text: string): void {
    let message: { type?: unknown; body?: { channel?: unknown; id?: unknown; pong?: unknown } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'readNotification') return this.readAll();
    if (message.type !== 'connect' || message.body?.channel !== 'main' || typeof message.body.id !== 'string') return;
    // main is a shared channel: a second connect to it on the same socket is ignored
    if (socket.mainIds.length > 0) return;
    socket.mainIds.push(message.body.id);
    if (message.body.pong === true) socket.ws.send(JSON.stringify({ type: 'connected', body: { id: message.body.id } }));
  }

  private ping(): void {
    const now = Date.now();
    for (const socket of this.open) {
      if (now - socket.lastPong > this.opts.pongTimeoutMs) socket.ws.terminate();
      else if (!socket.silent) socket.ws.ping();
    }
  }
}
