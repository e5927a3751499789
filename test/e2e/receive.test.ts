import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../src/store/store';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { CONSOLE_CONFIG, SECRET, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { allFixtures, fixture, withEventId } from '../helpers/fixtures';

describe('POST /hooks/:source (CONTRACT §3)', () => {
  let bridge: TestBridge;
  let queue: Store;
  let dir: string;
  let printed: string[];

  beforeEach(async () => {
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-receive-'));
    // a file, so that another connection can hold its write lock; a short wait for the lock
    queue = openSqliteStore({ path: path.join(dir, 'store.db'), busyTimeoutMs: 50 });
    bridge = await startTestBridge(testConfig(CONSOLE_CONFIG), { store: queue });
  });

  afterEach(async () => {
    await bridge.stop(1000);
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sourceOf = (body: Record<string, unknown>) => ('userId' in body ? 'alice' : 'system');

  it.each(allFixtures().map((f) => [f.name, f] as const))('accepts %s and prints a rendered message', async (_name, f) => {
    const response = await bridge.post(sourceOf(f.body), f.body, { 'x-misskey-host': f.host });
    expect(response.status).toBe(204);
    const output = await eventually(() => {
      const text = printed.join('');
      expect(text).toContain(`── ${f.body.type as string}`);
      return text;
    });
    // the console is plain text: the template rendered, MFM converted, no platform markup added
    expect(output).not.toContain('failed to render');
    expect(output).not.toMatch(/\$\[[a-z]/);
    expect(output).not.toMatch(/<(strong|em|br|blockquote|a href)/);
  });

  it('answers 204 to a repeated eventId and stores nothing new', async () => {
    const { body } = fixture('note.basic.json');
    expect((await bridge.post('alice', body)).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('── note'));
    const before = printed.length;
    expect((await bridge.post('alice', body)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(printed.length).toBe(before);
    expect(await queue.jobs.stats()).toEqual([]);
  });

  it('answers 202 to an unknown event type, stores it and routes it to "*" routes', async () => {
    const body = { ...fixture('note.basic.json').body, type: 'edited', eventId: 'c0ffee00-0000-4000-8000-000000000001' };
    const response = await bridge.post('alice', body);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted' });
    await eventually(() => expect(printed.join('')).toContain('── edited'));
  });

  it('handles reaction like any known event', async () => {
    const body = { ...fixture('note.basic.json').body, type: 'reaction', body: { reaction: '👍' }, eventId: 'c0ffee00-0000-4000-8000-000000000002' };
    expect((await bridge.post('alice', body)).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('── reaction'));
  });

  it('answers 404 for an unknown source', async () => {
    const response = await bridge.post('mallory', fixture('note.basic.json').body);
    expect(response.status).toBe(404);
    expect(await queue.jobs.stats()).toEqual([]);
  });

  it.each([
    ['a wrong secret', { 'x-misskey-hook-secret': 'not-the-secret' }],
    ['an empty secret', { 'x-misskey-hook-secret': '' }],
    ['a secret with the right prefix', { 'x-misskey-hook-secret': SECRET.slice(0, -1) }],
  ])('answers 401 to %s and says nothing about the secret', async (_what, headers) => {
    const response = await bridge.post('alice', fixture('note.basic.json').body, headers);
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice(0, 6));
    expect(await queue.jobs.stats()).toEqual([]);
  });

  it('answers 401 when the secret header is missing', async () => {
    const response = await fetch(`${bridge.url}/hooks/alice`, { method: 'POST', body: JSON.stringify(fixture('note.basic.json').body) });
    expect(response.status).toBe(401);
  });

  it('answers 400 with a reason to a body that is not JSON', async () => {
    const response = await bridge.post('alice', '{"eventId": "x", ');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not JSON/);
  });

  it('answers 400 naming the bad fields of an invalid envelope', async () => {
    const { eventId: _gone, ...body } = fixture('note.basic.json').body;
    const response = await bridge.post('alice', body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { details: string[] };
    expect(answer.details.join('\n')).toMatch(/eventId/);
    expect(await queue.jobs.stats()).toEqual([]);
  });

  it('answers 413 to a body over the limit', async () => {
    const small = await startTestBridge(testConfig(`${CONSOLE_CONFIG}\nserver: { bodyLimit: 2kb }\n`));
    try {
      const body = { ...fixture('note.basic.json').body, padding: 'x'.repeat(4096) };
      const response = await small.post('alice', body);
      expect(response.status).toBe(413);
    } finally {
      await small.stop(1000);
    }
  });

  it('answers 503 while the store is unavailable, and 204 once it is back', async () => {
    const body = withEventId(fixture('note.basic.json').body, 'c0ffee00-0000-4000-8000-000000000003');
    // another process holds the write lock: the store cannot take writes
    const blocker = new Database(path.join(dir, 'store.db'));
    blocker.exec('BEGIN EXCLUSIVE');
    const refused = await bridge.post('alice', body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await fetch(`${bridge.url}/readyz`)).status).toBe(503);
    blocker.exec('COMMIT');
    blocker.close();
    expect((await bridge.post('alice', body)).status).toBe(204);
    await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200));
  });

  it('accepts Misskey before 13.11, which sent JSON as text/plain', async () => {
    const body = withEventId(fixture('note.basic.json').body, 'c0ffee00-0000-4000-8000-000000000004');
    expect((await bridge.post('alice', body, { 'content-type': 'text/plain;charset=UTF-8' })).status).toBe(204);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect(await (await fetch(`${bridge.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await eventually(async () => {
      const response = await fetch(`${bridge.url}/readyz`);
      expect(response.status).toBe(200);
      return (await response.json()) as { checks: Record<string, string> };
    });
    expect(ready.checks).toEqual({ store: 'ok', 'sink:terminal': 'ok' });
    await bridge.post('alice', fixture('note.basic.json').body);
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/misskey_bridge_events_received_total\{source="alice",type="note",outcome="stored"\} 1/);
    expect(metrics).not.toContain(SECRET);
  });

  it('with server.metrics: /readyz and /metrics on their own local port, gone from the webhook port', async () => {
    const separate = await startTestBridge(testConfig(`server: { metrics: { host: 127.0.0.1, port: 0 } }\n${CONSOLE_CONFIG}`));
    try {
      expect(separate.statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(separate.statusUrl).not.toBe(separate.url);
      await separate.post('alice', fixture('note.basic.json').body);
      for (const route of ['/readyz', '/metrics']) expect([route, (await fetch(`${separate.url}${route}`)).status]).toEqual([route, 404]);
      expect((await fetch(`${separate.url}/healthz`)).status).toBe(200);
      await eventually(async () => expect((await fetch(`${separate.statusUrl}/readyz`)).status).toBe(200));
      const metrics = await (await fetch(`${separate.statusUrl}/metrics`)).text();
      expect(metrics).toMatch(/misskey_bridge_events_received_total\{source="alice",type="note",outcome="stored"\} 1/);
      expect((await fetch(`${separate.statusUrl}/hooks/alice`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await separate.stop(1000);
    }
  });
});
