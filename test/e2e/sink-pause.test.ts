/**
 * `sink pause` / `sink status` / `sink resume` run as real commands beside real `serve` processes:
 * on SQLite beside one process, on Redis beside two sharing the queue. While paused nothing is
 * sent, the messages wait and are counted (status, /metrics); resumed, each goes out once, in order.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { destroyRedisStore } from '../../src/store/redis/store';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { killAll, postToBridge, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { mentionNumber } from '../helpers/e2e';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';

const ROOT = path.resolve(__dirname, '../..');
const ROOM = '!ops:example.org';
/** longer than several of the workers' polls (250 ms): a paused sink would have sent by then */
const QUIET_MS = 1500;

const run = promisify(execFile);

/** the real CLI, without blocking this process (the fakes answer from it) */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['-r', path.join(ROOT, 'test/helpers/register-ts.js'), path.join(ROOT, 'src/cli.ts'), ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function config(dir: string, storage: string, matrix: MatrixFake): string {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(
    file,
    `server: { host: 127.0.0.1, port: 0 }
storage: ${storage}
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`,
  );
  return file;
}

async function metricsOf(bridge: BridgeProcess): Promise<string> {
  return (await fetch(`${bridge.url}/metrics`)).text();
}

/** the status line of one sink */
function statusLine(stdout: string, sink: string): string {
  return stdout.split('\n').find((line) => line.startsWith(`${sink} `)) ?? '';
}

/** every marker shown once, in the order given (a digest carries several, in order) */
function expectShownOnceInOrder(matrix: MatrixFake, markers: string[]): void {
  const shown = matrix
    .timeline(ROOM)
    .map((event) => String(event.content.body))
    .join('\n');
  for (const marker of markers) expect(shown.split(marker)).toHaveLength(2);
  const positions = markers.map((marker) => shown.indexOf(marker));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

describe('sink pause and resume beside a running process (SQLite store)', () => {
  let dir: string;
  let matrix: MatrixFake;
  let configFile: string;
  let bridge: BridgeProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-sink-pause-'));
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    configFile = config(dir, `{ driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }`, matrix);
  });

  afterEach(async () => {
    if (bridge) {
      bridge.child.kill('SIGKILL');
      await bridge.exited;
      bridge = undefined;
    }
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds every message while paused, counts them, then sends each once in order', async () => {
    bridge = await spawnBridge(configFile);
    const running = bridge;
    await eventually(async () => expect((await fetch(`${running.url}/readyz`)).status).toBe(200), 15_000);

    const paused = await cli('sink', 'pause', 'ops', '-c', configFile);
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout).toContain('sink "ops" paused');

    const events = Array.from({ length: 8 }, (_, n) => mentionNumber(n));
    for (const { body } of events) expect(await postToBridge(running, body)).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(matrix.sendRequests()).toBe(0);

    const [status, unknown] = await Promise.all([cli('sink', 'status', '-c', configFile), cli('sink', 'pause', 'nope', '-c', configFile)]);
    expect(status.code).toBe(0);
    expect(statusLine(status.stdout, 'ops')).toMatch(/^ops\s+matrix\s+paused since \S+Z \(\d+s ago\)( by \S+)?\s+8\s+\d+s\s+0$/);
    const metrics = await metricsOf(running);
    expect(metrics).toContain('misskey_bridge_sink_paused{sink="ops"} 1');
    expect(metrics).toContain('misskey_bridge_queue_depth{sink="ops"} 8');

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no sink named "nope" (configured: ops)');

    const resumed = await cli('sink', 'resume', 'ops', '-c', configFile);
    expect(resumed).toMatchObject({ code: 0, stderr: '' });
    expect(resumed.stdout).toContain('sink "ops" resumed: 8 waiting');
    await eventually(() => expectShownOnceInOrder(matrix, events.map((event) => event.marker)), 15_000);
    await eventually(async () => expect(await metricsOf(running)).toContain('misskey_bridge_sink_paused{sink="ops"} 0'));
    expect(statusLine((await cli('sink', 'status', '-c', configFile)).stdout, 'ops')).toMatch(/^ops\s+matrix\s+running\s+0\s+-\s+0$/);
  }, 60_000);
});

describeRedis('sink pause and resume across two processes (Redis store)', () => {
  let dir: string;
  let prefix: string;
  let matrix: MatrixFake;
  let configFile: string;
  const running: BridgeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-sink-pause-redis-'));
    prefix = newPrefix();
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    configFile = config(dir, `{ driver: redis, url: "${REDIS_URL}", prefix: "${prefix}" }`, matrix);
  });

  afterEach(async () => {
    await killAll(running);
    await destroyRedisStore(REDIS_URL, prefix);
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pause made by the command holds both processes; resumed, each message goes out once, in order', async () => {
    const bridges = await Promise.all([spawnBridge(configFile), spawnBridge(configFile)]);
    running.push(...bridges);
    for (const bridge of bridges) {
      await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200), 15_000);
    }

    expect((await cli('sink', 'pause', 'ops', '-c', configFile)).code).toBe(0);
    const events = Array.from({ length: 12 }, (_, n) => mentionNumber(n));
    for (const [n, { body }] of events.entries()) expect(await postToBridge(bridges[n % 2]!, body)).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(matrix.sendRequests()).toBe(0);

    const status = await cli('sink', 'status', '-c', configFile);
    expect(statusLine(status.stdout, 'ops')).toMatch(/^ops\s+matrix\s+paused since .*\s+12\s+\d+s\s+0$/);
    for (const bridge of bridges) {
      const metrics = await metricsOf(bridge);
      expect(metrics).toContain('misskey_bridge_sink_paused{sink="ops"} 1');
      expect(metrics).toContain('misskey_bridge_queue_depth{sink="ops"} 12');
    }

    expect((await cli('sink', 'resume', 'ops', '-c', configFile)).code).toBe(0);
    await eventually(() => expectShownOnceInOrder(matrix, events.map((event) => event.marker)), 15_000);
    // and stays so: nothing is sent twice by the other process
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectShownOnceInOrder(matrix, events.map((event) => event.marker));
  }, 60_000);
});
