import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A fresh random token: a local page shows it once, in its URL or in its token file. */
export const newToken = (): string => randomBytes(24).toString('base64url');

/** Where a page looks for its token besides the printed URL. */
export interface TokenNames {
  /**
   * its cookie's name, prefixed by the page's kind and scoped to its port (`studio_3001`): a
   * cookie for 127.0.0.1 goes to every port of it, so each page reads only its own
   */
  cookie: string;
  header: string;
  /** the text of a 401 */
  refusal: string;
}

export const cookieName = (names: Pick<TokenNames, 'cookie'>, port: number): string => `${names.cookie}_${port}`;

/** Compares in constant time: a given value against the token. */
export function tokenMatcher(token: string): (given: unknown) => boolean {
  const expected = Buffer.from(token);
  return (given) => {
    if (typeof given !== 'string') return false;
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
}

/**
 * Every route needs the token: in the page's header (scripts, curl), or in the cookie the page
 * sets when the printed link (`?token=`) is opened. That link is answered with a redirect to the
 * same page without the token, so it leaves the address bar and the history at once.
 */
export function requireToken(token: string, names: TokenNames) {
  const matches = tokenMatcher(token);
  return (request: Request, response: Response, next: NextFunction) => {
    const name = cookieName(names, request.socket.localPort ?? 0);
    if (request.method === 'GET' && matches(request.query.token)) {
      response.cookie(name, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      response.redirect(303, withoutToken(request.originalUrl));
      return;
    }
    if (matches(request.get(names.header))) {
      response.locals.tokenInHeader = true;
      return next();
    }
    if (matches(cookie(request.get('cookie'), name))) return next();
    response.status(401).type('text/plain').send(names.refusal);
  };
}

function withoutToken(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://page.invalid');
  url.searchParams.delete('token');
  return url.pathname + url.search;
}

export function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
