/** The few Misskey REST calls a stream source makes, with the token in the body as Misskey's own clients send it. */

export class MisskeyApiError extends Error {
  constructor(
    readonly endpoint: string,
    /** HTTP status, 0 when no answer came */
    readonly status: number,
    /** Misskey's error code, e.g. AUTHENTICATION_FAILED */
    readonly code: string | null,
    /** 429: how long Misskey asked to wait */
    readonly retryAfterMs: number | null,
  ) {
    super(`${endpoint}: ${status === 0 ? 'no answer' : `${status}${code ? ` ${code}` : ''}`}`);
    this.name = 'MisskeyApiError';
  }

  /** the token is unknown, revoked, lacks a permission, or its user is suspended */
  get tokenRejected(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface MisskeyApi {
  call<T>(endpoint: string, body?: Record<string, unknown>): Promise<T>;
}

export function misskeyApi(server: string, token: string, timeoutMs = 10_000): MisskeyApi {
  return {
    async call<T>(endpoint: string, body: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${server}/api/${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, i: token }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch {
        throw new MisskeyApiError(endpoint, 0, null, null);
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : null) as T;
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new MisskeyApiError(endpoint, response.status, errorCode(text), Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null);
    },
  };
}

function errorCode(text: string): string | null {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
