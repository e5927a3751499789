import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A fresh random token: the studio prints it in its URL, once. */
export const newToken = (): string => randomBytes(24).toString('base64url');

const COOKIE = 'studio_token';

/**
 * Every route needs the token: in the URL (`?token=`, what the printed link carries), in an
 * `X-Studio-Token` header, or in the cookie the page sets so that its scripts and modules load.
 */
export function requireToken(token: string) {
  const expected = Buffer.from(token);
  const matches = (given: unknown) => {
    if (typeof given !== 'string') return false;
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
  return (request: Request, response: Response, next: NextFunction) => {
    const fromUrl = request.query.token;
    if (matches(fromUrl)) {
      response.cookie(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      return next();
    }
    if (matches(request.get('x-studio-token')) || matches(cookie(request.get('cookie'), COOKIE))) return next();
    response.status(401).type('text/plain').send('token required: open the URL the studio printed');
  };
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
