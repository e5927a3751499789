import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/** A frame of the main channel: `{ type: 'channel', body: { id, type, body } }`. */
export interface MainFrame {
  type: string;
  body: unknown;
}

export interface MainSocketOptions {
  /** origin of the Misskey server, http(s) */
  server: string;
  token: string;
  /** a socket with no frame, ping or pong for this long is dead */
  silentAfterMs: number;
  /** how long the upgrade and the `connected` confirmation may take */
  connectTimeoutMs: number;
  onFrame(frame: MainFrame): void;
  /** the socket is gone (closed, cut, silent); called once */
  onClose(reason: string): void;
}

export class StreamRefusedError extends Error {
  constructor(readonly status: number) {
    super(status === 401 ? 'the streaming API refused the token (401): unknown, revoked, or without read:account' : status === 403 ? 'the streaming API refused the account (403): suspended' : `the streaming API answered ${status}`);
    this.name = 'StreamRefusedError';
  }
}

export interface MainSocket {
  close(): void;
}

/**
 * Opens `/streaming` and connects the `main` channel once, with `pong: true` so Misskey confirms
 * it. Resolves when confirmed. Misskey sends only WebSocket pings on an idle socket and never
 * closes one whose token was revoked, so liveness is ours: we ping too, and a socket silent for
 * `silentAfterMs` is terminated.
 */
export function openMainSocket(options: MainSocketOptions): Promise<MainSocket> {
  const url = `${options.server.replace(/^http/, 'ws')}/streaming`;
  // the header rather than `?i=`: a token in the URL ends up in proxies' access logs
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${options.token}` }, handshakeTimeout: options.connectTimeoutMs });
  const channelId = randomUUID();
  let lastSign = Date.now();
  let closed = false;
  const sign = () => (lastSign = Date.now());
  const watchdog = setInterval(() => {
    if (Date.now() - lastSign > options.silentAfterMs) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.ping();
  }, Math.max(options.silentAfterMs / 3, 10));
  const finish = (reason: string) => {
    clearInterval(watchdog);
    if (closed) return;
    closed = true;
    options.onClose(reason);
  };

  return new Promise<MainSocket>((resolve, reject) => {
    const timeout = setTimeout(() => {
      reject(new Error('no confirmation of the main channel in time'));
      ws.terminate();
    }, options.connectTimeoutMs);
    ws.on('unexpected-response', (_request, response) => {
      clearTimeout(timeout);
      closed = true;
      clearInterval(watchdog);
      reject(new StreamRefusedError(response.statusCode ?? 0));
      response.resume();
      ws.terminate();
    });
    ws.on('error', (error) => {
      clearTimeout(timeout);
      reject(error);
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connect', body: { channel: 'main', id: channelId, params: {}, pong: true } })));
    ws.on('ping', sign);
    ws.on('pong', sign);
    ws.on('close', (code) => {
      clearTimeout(timeout);
      reject(new Error(`closed before the main channel was confirmed (${code})`));
      finish(`closed (${code})`);
    });
    ws.on('message', (data, isBinary) => {
      sign();
      const frame = isBinary ? null : parseFrame(String(data));
      if (frame?.type === 'connected' && (frame.body as { id?: unknown })?.id === channelId) {
        clearTimeout(timeout);
        resolve({ close: () => (ws.readyState === WebSocket.CONNECTING ? ws.terminate() : ws.close(1000)) });
        return;
      }
      const inner = frame?.type === 'channel' ? (frame.body as { id?: unknown; type?: unknown; body?: unknown } | null) : null;
      if (inner?.id === channelId && typeof inner.type === 'string') options.onFrame({ type: inner.type, body: inner.body });
    });
  });
}

function parseFrame(text: string): { type: string; body: unknown } | null {
  try {
    const frame = JSON.parse(text) as { type?: unknown; body?: unknown };
    return typeof frame?.type === 'string' ? { type: frame.type, body: frame.body } : null;
  } catch {
    return null;
  }
}
