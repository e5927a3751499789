/**
 * One Misskey API call over plain fetch: POST `<server>/api/<endpoint>` with the token in the body,
 * no redirects, a timeout. The server is the source's configured origin, never a host a payload
 * names; the token never appears in what comes back (messages are redacted).
 */
export type ApiResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number; code?: string; message: string; retryAfterSec?: number };

export const MISSKEY_TIMEOUT_MS = 10_000;

export class MisskeyApi {
  constructor(
    /** origin of the Misskey server, from the source's config */
    private readonly server: string,
    private readonly token: string,
    private readonly timeoutMs = MISSKEY_TIMEOUT_MS,
  ) {}

  async call(endpoint: string, params: Record<string, unknown>): Promise<ApiResult> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.server.replace(/\/+$/, '')}/api/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ i: this.token, ...params }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      text = await response.text();
    } catch (error) {
      const timeout = (error as { name?: unknown }).name === 'TimeoutError';
      return { ok: false, status: 0, message: this.redact(timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach Misskey: ${(error as Error).message}`) };
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (a proxy's page): the status says enough
    }
    if (response.ok) return { ok: true, status: response.status, body };
    // Misskey's errors: { error: { message, code, id, kind } }
    const error = (body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : undefined;
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      status: response.status,
      ...(code ? { code } : {}),
      message: this.redact(message),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSec: retryAfter } : {}),
    };
  }

  redact(text: string): string {
    return text.split(this.token).join('[redacted]');
  }
}

export type ApiFailure = Extract<ApiResult, { ok: false }>;

/** One line for a card, an answer and the audit log. */
export function describeFailure(result: ApiFailure): string {
  return result.code ? `${result.message} (${result.code})` : result.message;
}
