/** What keeps other web pages out of the studio: Host and Origin checks, and the page's CSP. */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';

/**
 * DNS rebinding: a hostile site can point its own name at 127.0.0.1, and its page then reaches the
 * studio with that name in `Host`. Only the bound host's own name, `localhost` and IP addresses
 * (which no DNS answer can stand for) are answered, on the bound port.
 */
export function checkHost(boundHost: string) {
  const bound = boundHost.toLowerCase().replace(/^\[|\]$/g, '');
  return (request: Request, response: Response, next: NextFunction) => {
    if (allowedHost(request.headers.host ?? '', bound, request.socket.localPort)) return next();
    response.status(421).type('text/plain').send('unexpected Host header: open the studio by the address it printed');
  };
}

function allowedHost(header: string, bound: string, port: number | undefined): boolean {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(header)) return false;
  let url: URL;
  try {
    url = new URL(`http://${header}`);
  } catch {
    return false;
  }
  if (Number(url.port === '' ? 80 : url.port) !== port) return false;
  const name = url.hostname.replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === bound || isIP(name) !== 0;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that changes something (save, preview, send) comes from the studio's own page (its
 * Origin is the studio's) or from a client sending the token header, which no other page can add.
 */
export function checkOrigin(request: Request, response: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(request.method)) return next();
  const origin = request.get('origin');
  const own = `http://${request.headers.host ?? ''}`;
  if (origin === undefined ? response.locals.tokenInHeader === true : sameOrigin(origin, own)) return next();
  response.status(403).json({ error: { message: 'cross-origin request refused' } });
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * Scripts only from the studio itself plus the page's import map (by its hash); nothing framed,
 * nothing posted elsewhere. Preview images may load from anywhere, but only after a click
 * (public/looks.js holds them behind a button).
 */
function contentSecurityPolicy(importMap: string): string {
  const hash = createHash('sha256').update(importMap).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https: http:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** On every answer: never cached, never framed, no referrer, and the CSP above. */
export function securityHeaders(importMap: string) {
  const headers = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': contentSecurityPolicy(importMap),
  };
  return (_request: Request, response: Response, next: NextFunction) => {
    response.set(headers);
    next();
  };
}
