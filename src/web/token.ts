import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A fresh random token: a local page prints it in its URL, once. */
export const newToken = (): string => randomBytes(24).toString('base64url');

/** Where a page looks for its token besides the URL: its cookie and its header. */
export interface TokenNames {
  cookie: string;
  header: string;
  /** the text of a 401 */
  refusal: string;
}

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
 * Every route needs the token: in the URL (`?token=`, what the printed link carries), in the
 * page's header, or in the cookie the page sets so that its scripts and modules load.
 */
export function requireToken(token: string, names: TokenNames) {
  const matches = tokenMatcher(token);
  return (request: Request, response: Response, next: NextFunction) => {
    const fromUrl = request.query.token;
    if (matches(fromUrl)) {
      response.cookie(names.cookie, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      return next();
    }
    if (matches(request.get(names.header)) || matches(cookie(request.get('cookie'), names.cookie))) return next();
    response.status(401).type('text/plain').send(names.refusal);
  };
}

export function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
