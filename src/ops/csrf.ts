import { createHmac, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { cookie, cookieName, tokenMatcher, type TokenNames } from '../web/token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the Origin a browser sent names this very server (its Host header, as a proxy must pass it on). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Cross-site request forgery protection for the page's buttons: every POST must come from the
 * page's own origin and carry a token that only the page knows, derived from its session cookie
 * (httpOnly, so another site can neither read it nor the token).
 */
export class CsrfGuard {
  private readonly key = randomBytes(32);

  constructor(private readonly names: Pick<TokenNames, 'cookie'>) {}

  private cookieOf(request: Request): string | undefined {
    return cookie(request.get('cookie'), cookieName(this.names, request.socket.localPort ?? 0));
  }

  /** the token the page sends back with each POST, for the session cookie it was served with */
  tokenFor(session: string): string {
    return createHmac('sha256', this.key).update(session).digest('base64url');
  }

  /** the session cookie of a request */
  session(request: Request): string | undefined {
    return this.cookieOf(request);
  }

  /** refuses a request from another origin, and a state-changing one without Origin or a matching token */
  middleware() {
    return (request: Request, response: Response, next: NextFunction) => {
      const origin = request.get('origin');
      if (origin !== undefined && !sameOrigin(origin, request.get('host'))) {
        response.status(403).type('text/plain').send('refused: the request comes from another origin');
        return;
      }
      if (SAFE_METHODS.has(request.method)) return next();
      const session = this.cookieOf(request);
      if (origin === undefined || session === undefined || !tokenMatcher(this.tokenFor(session))(request.get('x-csrf-token'))) {
        response.status(403).type('text/plain').send('refused: a change needs the page’s own origin, session and CSRF token');
        return;
      }
      next();
    };
  }
}
