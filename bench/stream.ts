/**
 * The stream source rows of `npm run bench`, in this process against the fake Misskey streaming
 * API (test/fakes/misskey-stream-fake.ts), with the SQLite store in a temp folder:
 * - live: notifications sent as fast as the fake can, read from the socket, normalized, routed and
 *   stored (each its own accept): events per second until the cursor reaches the last one;
 * - catch-up: the bridge stopped, 1,000 notifications while it is away, then the time from its
 *   start to the cursor reaching the last one (connect, `i` check, 10 pages of backfill). The fake
 *   answers at once and, like Misskey, allows 30 calls per 30 s; unlike Misskey (~500) it keeps
 *   every notification, so that all 1,000 are there to read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type RunningBridge } from '../src/app';
import { parseConfig } from '../src/config/load';
import { silentLogger } from '../src/observe/logger';
import { openSqliteStore } from '../src/store/sqlite/store';
import type { SqliteStreamStateStore } from '../src/store/sqlite/stream';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../test/fakes/misskey-stream-fake';
import { mentionWith, streamState } from '../test/helpers/stream';
import { fmt, type Table } from './lib/table';

const LIVE_COUNT = Number(process.env.BENCH_STREAM_COUNT ?? 10_000);
const MISSED = 1000;
const TARGET_PER_S = 2000;
const TOKEN = 'bench-token';

export async function addStreamRows(table: Table): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-bench-stream-'));
  // Misskey keeps ~500 notifications; the fake keeps more so that all 1,000 missed ones are there
  const fake = await startMisskeyStreamFake({ unreadDelayMs: 2000, keep: LIVE_COUNT + MISSED });
  fake.addToken(TOKEN);
  const state = streamState(path.join(dir, 'bridge.db'));
  try {
    let bridge = await start(fake, state, dir);
    const live = await timed(fake, state, () => {
      for (let n = 0; n < LIVE_COUNT; n++) fake.notify(mentionWith(`bench ${n}`));
    });
    const perSecond = LIVE_COUNT / (live / 1000);
    table.add(`8 stream: ${fmt.int(LIVE_COUNT)} live notifications normalized and stored (SQLite)`, `${fmt.int(perSecond)} events/s`, `≥ ${fmt.int(TARGET_PER_S)}/s`, perSecond >= TARGET_PER_S);

    await bridge.stop(1000);
    for (let n = 0; n < MISSED; n++) fake.notify(mentionWith(`missed ${n}`));
    const catchUp = await timed(fake, state, async () => {
      bridge = await start(fake, state, dir);
    });
    table.add(`8 stream: reconnect to caught up after ${fmt.int(MISSED)} missed notifications`, fmt.ms(catchUp));
    await bridge.stop(1000);
  } finally {
    await state.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function start(fake: MisskeyStreamFake, state: SqliteStreamStateStore, dir: string): Promise<RunningBridge> {
  const yaml = `
server: { host: 127.0.0.1, port: 0 }
sources:
  alice: { stream: { server: "${fake.url}", token: "${TOKEN}" } }
sinks: {}
routes: []
`;
  const config = parseConfig(yaml, 'bench.yaml', {});
  const queue = openSqliteStore({ path: path.join(dir, 'bridge.db'), sync: 'normal' });
  return startBridge({ config, logger: silentLogger(), store: queue, streamState: state, watchTemplates: false });
}

/** ms from `act` until the stored cursor is the fake's newest notification */
async function timed(fake: MisskeyStreamFake, state: SqliteStreamStateStore, act: () => void | Promise<void>): Promise<number> {
  await waitFor(async () => (await state.cursor('alice', 'notification')) !== null);
  const started = performance.now();
  await act();
  const last = fake.notifications().at(-1)!.id;
  await waitFor(async () => (await state.cursor('alice', 'notification')) === last);
  return performance.now() - started;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the stream source did not catch up in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
