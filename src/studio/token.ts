import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A fresh random token: the studio shows it once, in its URL or in its token file. */
export const newToken = (): string => randomBytes(24).toString('base64url');

/** One cookie per port: a cookie for 127.0.0.1 goes to every port of it, so each studio reads only its own. */
export const cookieName = (port: number): string => `studio_${port}`;

/**
 * Every route needs the token: in an `X-Studio-Token` header (scripts, curl), or in the cookie the
 * studio sets when the printed link (`?token=`) is opened. That link is answered with a redirect to
 * the same page without the token, so it leaves the address bar and the history at once.
 */
export function requireToken(token: string) {
  const expected = Buffer.from(token);
  const matches = (given: unknown) => {
    if (typeof given !== 'string') return false;
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
  return (request: Request, response: Response, next: NextFunction) => {
    const name = cookieName(request.socket.localPort ?? 0);
    if (request.method === 'GET' && matches(request.query.token)) {
      response.cookie(name, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      response.redirect(303, withoutToken(request.originalUrl));
      return;
    }
    if (matches(request.get('x-studio-token'))) {
      response.locals.tokenInHeader = true;
      return next();
    }
    if (matches(cookie(request.get('cookie'), name))) return next();
    response.status(401).type('text/plain').send('token required: open the URL the studio printed');
  };
}

function withoutToken(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://studio.invalid');
  url.searchParams.delete('token');
  return url.pathname + url.search;
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
