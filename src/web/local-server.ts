import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, NextFunction, Request, Response } from 'express';

/** A local page's server once listening: its URL carries the token. */
export interface RunningPage {
  /** the page's URL, token included */
  url: string;
  /** the page's URL without the token */
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Headers every local page sends: nothing cached, sniffed, framed or leaked through the referrer. */
export function pageHeaders(extra: Record<string, string> = {}) {
  return (_request: Request, response: Response, next: NextFunction) => {
    response.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', ...extra });
    next();
  };
}

/** Listens on host:port (0: a free port) and gives the URL to print. */
export async function listenPage(app: Express, host: string, port: number, token: string): Promise<RunningPage> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${bound}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: bound,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
