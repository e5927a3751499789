import type { Logger } from '../../observe/logger';
import { MisskeyApiError, misskeyApi, type MisskeyApi } from './api';
import { backfillChat, backfillNotifications, type StreamItem } from './backfill';
import { isNewerId } from '../../shared/misskey-ids';
import { LiveBatches } from './live';
import { openMainSocket, StreamRefusedError, type MainFrame, type MainSocket } from './socket';

export type { StreamItem } from './backfill';

export interface StreamSettings {
  server: string;
  token: string;
  silentAfterMs: number;
  connectTimeoutMs: number;
  /** how often the token is checked with an `i` call (a revoked token does not close the socket) */
  tokenCheckMs: number;
  retry: { initialMs: number; maxMs: number };
  /** how long a rejected token waits before it is tried again */
  rejectedRetryMs: number;
  pageSize: number;
  /** notifications Misskey keeps per user: a backfill of this many may have missed older ones */
  keep: number;
  /** take chat messages too (`newChatMessage`) */
  chat: boolean;
}

/** What the source tells the store about itself (for `status`). */
export interface SourceReport {
  connectedSince?: number | null;
  lastEventAt?: number;
  lastError?: string | null;
  lostGap?: string | null;
  backfilledMore?: number;
}

export interface StreamSourceDeps {
  name: string;
  settings: StreamSettings;
  /** stores the item's event durably; false when it was stored before. `ownerId`: the account read */
  store(item: StreamItem, ownerId: string | null): Promise<boolean>;
  cursor(kind: StreamItem['kind']): Promise<string | null>;
  setCursor(kind: StreamItem['kind'], id: string): Promise<void>;
  report(update: SourceReport): Promise<void>;
  logger: Logger;
  now: () => number;
}

export type SourceHealth = { state: 'starting' | 'ok' | 'failing'; reason: string; tokenRejected: boolean };

const LIVE_FRAMES = new Set(['notification', 'unreadNotification']);
const RECENT_IDS = 4096;

/**
 * One Misskey account read through its streaming API. Every (re)connect first backfills from the
 * stored cursor and only then takes the live frames that came meanwhile; every id is stored once
 * (Misskey sends each notification twice, and backfill overlaps live frames).
 */
export class StreamSource {
  private readonly api: MisskeyApi;
  private readonly recent = new Set<string>();
  private status: SourceHealth = { state: 'starting', reason: 'connecting', tokenRejected: false };
  private socket: MainSocket | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private lastTokenCheck = 0;
  private running: Promise<void> | null = null;
  private ownerId: string | null = null;

  constructor(private readonly deps: StreamSourceDeps) {
    this.api = misskeyApi(deps.settings.server, deps.settings.token);
  }

  health(): SourceHealth {
    return { ...this.status };
  }

  start(): void {
    this.stopped = false;
    this.running ??= this.run().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.close();
    this.wake?.();
    await this.running;
  }

  /** Checks the token unless that was done within `maxAgeMs`: `/readyz` sees a revoked token at once. */
  async checkToken(maxAgeMs: number): Promise<void> {
    if (this.deps.now() - this.lastTokenCheck < maxAgeMs) return;
    this.lastTokenCheck = this.deps.now();
    try {
      await this.api.call('i');
      // a token that works again: retry now rather than after the slow wait
      if (this.status.tokenRejected) this.wake?.();
    } catch (error) {
      if (error instanceof MisskeyApiError && error.tokenRejected) this.fail(`token rejected by ${error.message}`, true);
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const session = { caughtUp: false };
      try {
        await this.session(session);
      } catch (error) {
        const rejected = (error instanceof MisskeyApiError && error.tokenRejected) || error instanceof StreamRefusedError;
        this.fail(rejected ? `token rejected: ${(error as Error).message}` : (error as Error).message, rejected);
        if (rejected) {
          await this.wait(this.deps.settings.rejectedRetryMs);
          continue;
        }
      }
      if (session.caughtUp) attempt = 0;
      await this.wait(backoff(attempt++, this.deps.settings.retry));
    }
    await this.deps.report({ connectedSince: null }).catch(() => undefined);
  }

  /** One connection: check the token, open the socket, backfill, then live frames until it closes. */
  private async session(session: { caughtUp: boolean }): Promise<void> {
    const { settings, logger } = this.deps;
    this.lastTokenCheck = this.deps.now();
    const me = await this.api.call<{ id?: unknown } | null>('i');
    this.ownerId = typeof me?.id === 'string' ? me.id : null;
    let buffered: StreamItem[] | null = [];
    const live = new LiveBatches(
      (items) => this.handle(items),
      (error) => {
        logger.error({ source: this.deps.name, err: error }, 'cannot store a stream event; reconnecting to read it again');
        this.socket?.close();
      },
    );
    let onClose: (reason: string) => void = () => undefined;
    const closed = new Promise<string>((resolve) => (onClose = resolve));
    const onFrame = (frame: MainFrame) => {
      const item = toItem(frame, settings.chat);
      if (item && buffered) buffered.push(item);
      else if (item) live.push(item);
      if (frame.type === 'myTokenRegenerated') void this.checkToken(0);
    };
    this.socket = await openMainSocket({ ...settings, onFrame, onClose });
    if (this.stopped) this.socket.close();

    await this.catchUp();
    const pending = buffered;
    buffered = null;
    live.push(...pending);
    await live.settled();
    session.caughtUp = true;
    this.status = { state: 'ok', reason: 'ok', tokenRejected: false };
    const since = this.deps.now();
    await this.deps.report({ connectedSince: since, lastError: null });
    logger.info({ source: this.deps.name, server: settings.server }, 'stream source connected and caught up');

    const tokenTimer = setInterval(() => void this.checkToken(settings.tokenCheckMs / 2), settings.tokenCheckMs);
    const reason = await closed;
    clearInterval(tokenTimer);
    this.socket = null;
    await live.settled();
    await this.deps.report({ connectedSince: null });
    if (!this.stopped && this.status.state === 'ok') this.fail(`disconnected: ${reason}`, false);
  }

  private async catchUp(): Promise<void> {
    const { settings, name } = this.deps;
    const cursor = await this.deps.cursor('notification');
    const result = await backfillNotifications({ api: this.api, cursor, pageSize: settings.pageSize, handle: (items) => this.handle(items), wait: (ms) => this.wait(ms) });
    if (result.firstCursor) await this.deps.setCursor('notification', result.firstCursor);
    if (result.stored > 0) await this.deps.report({ backfilledMore: result.stored });
    if (result.read > 0) this.deps.logger.info({ source: name, backfilled: result.stored, read: result.read }, 'stream source backfilled what it missed');
    if (cursor !== null && result.read >= settings.keep) {
      const gap = `${result.read} or more notifications missed in a row; Misskey keeps only the newest ~${settings.keep}, so older ones (before ${result.oldestCreatedAt}) are lost`;
      this.deps.logger.warn({ source: name, missed: result.read, keep: settings.keep, lostBefore: result.oldestCreatedAt }, `stream source gap: ${gap}`);
      await this.deps.report({ lostGap: gap });
    }
    if (settings.chat) await this.catchUpChat();
  }

  private async catchUpChat(): Promise<void> {
    const { settings, name } = this.deps;
    const cursor = await this.deps.cursor('chat');
    const options = { api: this.api, cursor, ownerId: this.ownerId, pageSize: settings.pageSize, handle: (items: StreamItem[]) => this.handle(items), wait: (ms: number) => this.wait(ms) };
    const result = await backfillChat(options);
    if (result.firstCursor) await this.deps.setCursor('chat', result.firstCursor);
    if (result.stored > 0) await this.deps.report({ backfilledMore: result.stored });
    if (result.read > 0) this.deps.logger.info({ source: name, backfilled: result.stored, read: result.read }, 'stream source backfilled the chat messages it missed');
  }

  /**
   * Stores the items not seen before, all at once (the store gathers them into one commit), then
   * moves each cursor to the newest of them: a crash in between stores them again, as duplicates.
   * Returns how many were new to the store.
   */
  private async handle(items: StreamItem[]): Promise<number> {
    const fresh = [...new Map(items.filter((item) => !this.recent.has(item.id)).map((item) => [item.id, item])).values()];
    if (fresh.length === 0) return 0;
    const stored = (await Promise.all(fresh.map((item) => this.deps.store(item, this.ownerId)))).filter(Boolean).length;
    for (const item of fresh) this.recent.add(item.id);
    while (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    for (const kind of ['notification', 'chat'] as const) {
      const newest = fresh.filter((item) => item.kind === kind).reduce<string | null>((max, item) => (max === null || isNewerId(item.id, max) ? item.id : max), null);
      if (newest) await this.deps.setCursor(kind, newest);
    }
    if (stored > 0) await this.deps.report({ lastEventAt: this.deps.now() });
    return stored;
  }

  private fail(reason: string, tokenRejected: boolean): void {
    if (this.status.reason !== reason) this.deps.logger.error({ source: this.deps.name, reason }, tokenRejected ? 'stream source: the token is rejected; retrying slowly' : 'stream source failing; reconnecting');
    this.status = { state: 'failing', reason, tokenRejected };
    if (tokenRejected) this.socket?.close();
    void this.deps.report({ lastError: reason }).catch(() => undefined);
  }

  /** Sleeps, or less when woken (stop, a token that works again). */
  private wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Live frames that carry something to store: notifications (twice) and chat messages. */
function toItem(frame: MainFrame, chat: boolean): StreamItem | null {
  const body = frame.body as Record<string, unknown> | null;
  if (typeof body?.id !== 'string') return null;
  if (LIVE_FRAMES.has(frame.type)) return { kind: 'notification', id: body.id, raw: body, via: 'live' };
  if (frame.type === 'newChatMessage' && chat) return { kind: 'chat', id: body.id, raw: body, via: 'live' };
  return null;
}

/** Exponential backoff with full jitter between half and all of the step. */
export function backoff(attempt: number, retry: { initialMs: number; maxMs: number }): number {
  const step = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt, 20));
  return step / 2 + Math.random() * (step / 2);
}
