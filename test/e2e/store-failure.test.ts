import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { CONSOLE_CONFIG, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { fixture, withEventId } from '../helpers/fixtures';

describe('store failures (real SQLite file)', () => {
  let dir: string;
  let bridge: TestBridge;
  let locker: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-store-'));
    const file = path.join(dir, 'bridge.db');
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    bridge = await startTestBridge(testConfig(CONSOLE_CONFIG), { store: openSqliteStore({ path: file, busyTimeoutMs: 100 }) });
    locker = new Database(file);
  });

  afterEach(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    await bridge.stop(1000);
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the database is locked, fails readiness, and recovers by itself', async () => {
    const body = withEventId(fixture('mention.local.json').body, '20000000-0000-4000-8000-000000000001');
    locker.exec('BEGIN EXCLUSIVE');
    const refused = await bridge.post('alice', body);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'the store is unavailable; retry later' });
    const readiness = await fetch(`${bridge.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { checks: { store: string } }).checks.store).toMatch(/cannot take writes/);

    locker.exec('COMMIT');
    // Misskey's retry of the same event is stored now: it was not half-stored as "seen" before
    expect((await bridge.post('alice', body)).status).toBe(204);
    await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200));
    expect((await bridge.post('alice', body)).status).toBe(204);
  });
});
