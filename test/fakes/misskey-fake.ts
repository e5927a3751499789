/**
 * A fake Misskey API: the admin endpoints moderation from chat calls, and the account endpoints
 * acting from chat calls (misskey-account-fake.ts), on 127.0.0.1 with a random port. It records
 * every call, checks the tokens, and can answer errors shaped like Misskey's
 * (`{ error: { message, code, id, kind } }`), or behave like a server before 2024.10 (no forward endpoint).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACCOUNT_ENDPOINTS, answerAccount, type AccountState, type FakeNote } from './misskey-account-fake';

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
  /** 429: the Retry-After header */
  retryAfterSec?: number;
}

export interface MisskeyFake {
  url: string;
  token: string;
  calls: AdminCall[];
  /** the reports resolved, with how */
  resolved: Map<string, { forwarded: boolean }>;
  /** answer the next `times` calls of `endpoint` (or any) with this error */
  fail(error: MisskeyError, options?: { endpoint?: string; times?: number }): void;
  /** the account acting from chat: its token, user id and permissions; the notes, reactions and follows it made */
  account: AccountState;
  /** a note the account can look up (and reply to, if it may see it) */
  addNote(note: Partial<FakeNote> & { id: string; userId: string }): FakeNote;
  /** servers before 2024.10: forward-abuse-user-report is unknown; resolve takes `forward` */
  withoutForwardEndpoint(): void;
  close(): Promise<void>;
}

const ENDPOINTS = ['admin/resolve-abuse-user-report', 'admin/forward-abuse-user-report'];

const ALL_PERMISSIONS = ['write:notes', 'write:reactions', 'write:following'];

export async function startMisskeyFake(options: { token?: string; accountPermissions?: string[] } = {}): Promise<MisskeyFake> {
  const token = options.token ?? 'misskey-admin-token-0123456789';
  const account: AccountState = {
    account: { token: 'misskey-account-token-9876543210', userId: 'aliceid00001', permissions: new Set(options.accountPermissions ?? ALL_PERMISSIONS) },
    notes: new Map(),
    created: [],
    reactions: [],
    following: new Set(),
    requests: new Set(),
  };
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
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        calls.push({ endpoint, params: rest, status });
        if (body === undefined) res.writeHead(status, headers).end();
        else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      const error = (e: MisskeyError) =>
        reply(
          e.status,
          { error: { message: e.message, code: e.code, id: e.id ?? '00000000-0000-0000-0000-000000000000', kind: 'client' } },
          e.retryAfterSec !== undefined ? { 'retry-after': String(e.retryAfterSec) } : {},
        );
      const known = ENDPOINTS.includes(endpoint) || Object.hasOwn(ACCOUNT_ENDPOINTS, endpoint);
      if (req.method !== 'POST' || !known || (endpoint === 'admin/forward-abuse-user-report' && !forwardEndpoint)) {
        return error({ status: 404, message: 'No such endpoint.', code: 'NO_SUCH_ENDPOINT' });
      }
      // the admin token acts as a moderator, the account token as the account
      const expected = ENDPOINTS.includes(endpoint) ? token : account.account.token;
      if (i !== expected) return error({ status: 401, message: 'Authentication failed. Please ensure your token is correct.', code: 'AUTHENTICATION_FAILED' });
      const fault = faults.findIndex((f) => f.endpoint === undefined || f.endpoint === endpoint);
      if (fault >= 0) {
        const { error: e } = faults[fault]!;
        if (--faults[fault]!.times <= 0) faults.splice(fault, 1);
        return error(e);
      }
      if (Object.hasOwn(ACCOUNT_ENDPOINTS, endpoint)) {
        const answer = answerAccount(account, endpoint, rest);
        return reply(answer.status, answer.body, answer.headers);
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
    account,
    addNote(note) {
      const full: FakeNote = { text: 'a note', cw: null, visibility: 'public', visibleUserIds: [], localOnly: false, replyId: null, ...note };
      account.notes.set(full.id, full);
      return full;
    },
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
