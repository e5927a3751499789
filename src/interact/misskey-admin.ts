import { MisskeyApi, type ApiResult } from './misskey-api';

/**
 * The few Misskey admin API calls moderation from chat needs. The token needs only
 * `write:admin:resolve-abuse-user-report` (its owner must be a moderator).
 */
export class MisskeyAdmin {
  private readonly api: MisskeyApi;

  constructor(server: string, token: string, timeoutMs?: number) {
    this.api = new MisskeyApi(server, token, timeoutMs);
  }

  /** marks the report resolved; `forward` asks servers before 2024.10 to forward it too */
  resolve(reportId: string, options: { forward?: boolean } = {}): Promise<ApiResult> {
    return this.api.call('admin/resolve-abuse-user-report', { reportId, ...(options.forward ? { forward: true } : {}) });
  }

  /**
   * Forwards the report to the reported user's server, then resolves it. Servers before 2024.10
   * have no forward endpoint: there `resolve` forwards when asked to.
   */
  async forwardAndResolve(reportId: string): Promise<ApiResult> {
    const forwarded = await this.api.call('admin/forward-abuse-user-report', { reportId });
    if (!forwarded.ok && forwarded.code === 'NO_SUCH_ENDPOINT') return this.resolve(reportId, { forward: true });
    if (!forwarded.ok) return forwarded;
    return this.resolve(reportId);
  }
}
