/**
 * The few Misskey admin API calls moderation from chat needs, over plain fetch. The token needs
 * only `write:admin:resolve-abuse-user-report` (its owner must be a moderator).
 */
export type AdminResult = { ok: true } | { ok: false; status: number; code?: string; message: string };

export const ADMIN_TIMEOUT_MS = 10_000;

export class MisskeyAdmin {
  constructor(
    /** origin of the Misskey server, from the source's config (never from a payload) */
    private readonly server: string,
    private readonly token: string,
    private readonly timeoutMs = ADMIN_TIMEOUT_MS,
  ) {}

  /** marks the report resolved; `forward` asks servers before 2024.10 to forward it too */
  resolve(reportId: string, options: { forward?: boolean } = {}): Promise<AdminResult> {
    return this.call('admin/resolve-abuse-user-report', { reportId, ...(options.forward ? { forward: true } : {}) });
  }

  /**
   * Forwards the report to the reported user's server, then resolves it. Servers before 2024.10
   * have no forward endpoint: there `resolve` forwards when asked to.
   */
  async forwardAndResolve(reportId: string): Promise<AdminResult> {
    const forwarded = await this.call('admin/forward-abuse-user-report', { reportId });
    if (!forwarded.ok && forwarded.code === 'NO_SUCH_ENDPOINT') return this.resolve(reportId, { forward: true });
    if (!forwarded.ok) return forwarded;
    return this.resolve(reportId);
  }

  private async call(endpoint: string, params: Record<string, unknown>): Promise<AdminResult> {
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
    if (response.ok) return { ok: true };
    // Misskey's errors: { error: { message, code, id, kind? } }
    let error: { message?: unknown; code?: unknown } = {};
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } };
      error = parsed.error ?? {};
    } catch {
      // not JSON (a proxy's page): the status says enough
    }
    const code = typeof error.code === 'string' ? error.code : undefined;
    const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
    return { ok: false, status: response.status, ...(code ? { code } : {}), message: this.redact(message) };
  }

  private redact(text: string): string {
    return text.split(this.token).join('[redacted]');
  }
}

/** One line for a card, an answer and the audit log. */
export function describeFailure(result: Extract<AdminResult, { ok: false }>): string {
  return result.code ? `${result.message} (${result.code})` : result.message;
}
