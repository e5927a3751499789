/**
 * A fake Misskey admin API: the endpoints moderation from chat calls, on 127.0.0.1 with a random
 * port. It records every call, checks the token, and can answer errors shaped like Misskey's
 * (`{ error: { message, code, id, kind } }`), or behave like a server before 2024.10 (no forward endpoint).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AdminCall {
  endpoint: string;
  params: Record<string, unknown>;
  status: number;
}

export interface MisskeyError {
  status: number;
  message: string;
  code: string;
  id?: string;
}

export interface MisskeyFake {
  url: string;
  token: string;
  calls: AdminCall[];
  /** the reports resolved, with how */
  resolved: Map<string, { forwarded: boolean }>;
  /** answer the next `times` calls of `endpoint` (or any) with this error */
  fail(error: MisskeyError, options?: { endpoint?: string; times?: number }): void;
  /** servers before 2024.10: forward-abuse-user-report is unknown; resolve takes `forward` */
  withoutForwardEndpoint(): void;
  close(): Promise<void>;
}

const ENDPOINTS = ['admin/resolve-abuse-user-report', 'admin/forward-abuse-user-report'];

export async function startMisskeyFake(options: { token?: string } = {}): Promise<MisskeyFake> {
  const token = options.token ?? 'misskey-admin-token-0123456789';
  const calls: AdminCall[] = [];
  const resolved = new Map<string, { forwarded: boolean }>();
  const faults: { error: MisskeyError; endpoint?: string; times: number }[] = [];
  let forwardEndpoint = true;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
      let params: Record<string, unknown> = {};
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // stays empty: answered as a missing parameter below
      }
      const { i, ...rest } = params;
      const reply = (status: number, body?: unknown) => {
        calls.push({ endpoint, params: rest, status });
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const error = (e: MisskeyError) => reply(e.status, { error: { message: e.message, code: e.code, id: e.id ?? '00000000-0000-0000-0000-000000000000', kind: 'client' } });
      if (req.method !== 'POST' || !ENDPOINTS.includes(endpoint) || (endpoint === 'admin/forward-abuse-user-report' && !forwardEndpoint)) {
        return error({ status: 404, message: 'No such endpoint.', code: 'NO_SUCH_ENDPOINT' });
      }
      if (i !== token) return error({ status: 401, message: 'Authentication failed. Please ensure your token is correct.', code: 'AUTHENTICATION_FAILED' });
      const fault = faults.findIndex((f) => f.endpoint === undefined || f.endpoint === endpoint);
      if (fault >= 0) {
        const { error: e } = faults[fault]!;
        if (--faults[fault]!.times <= 0) faults.splice(fault, 1);
        return error(e);
      }
      if (typeof rest.reportId !== 'string') return error({ status: 400, message: 'Invalid param.', code: 'INVALID_PARAM' });
      const before = resolved.get(rest.reportId);
      if (endpoint === 'admin/forward-abuse-user-report') resolved.set(rest.reportId, { forwarded: true });
      else resolved.set(rest.reportId, { forwarded: (before?.forwarded ?? false) || rest.forward === true });
      reply(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    calls,
    resolved,
    fail: (error, options = {}) => void faults.push({ error, endpoint: options.endpoint, times: options.times ?? 1 }),
    withoutForwardEndpoint: () => {
      forwardEndpoint = false;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
