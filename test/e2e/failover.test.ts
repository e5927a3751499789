/**
 * Leases that heal fast: two bridge processes on one Redis, one killed while it holds a digest
 * lease → the other sends that digest within 20 s of the kill, once on Matrix (same transaction
 * id); a send slower than the lease still completes without a second copy (its lease is renewed);
 * `status` and /metrics show each instance, and the killed one as gone. On SQLite too, a send
 * slower than its lease sends once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statusCommand } from '../../src/commands/status';
import { destroyRedisStore } from '../../src/store/redis/store';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { killAll, postToBridge, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { mentionNumber } from '../helpers/e2e';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';

const ROOM = '!ops:example.org';

describeRedis('failover between two bridge processes on Redis', () => {
  let dir: string;
  let prefix: string;
  let matrix: MatrixFake;
  let configFile: string;
  const running: BridgeProcess[] = [];

  const writeConfig = (delivery: string) => {
    configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: 0 }
storage: { driver: redis, url: "${REDIS_URL}", prefix: "${prefix}" }
delivery: ${delivery}
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`,
    );
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-failover-'));
    prefix = newPrefix();
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
  });

  afterEach(async () => {
    await killAll(running);
    await destroyRedisStore(REDIS_URL, prefix);
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const bridge = await spawnBridge(configFile);
    running.push(bridge);
    await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200), 15_000);
    return bridge;
  };

  /** how many times each marker shows in the room (a digest names several markers, each once) */
  const markersInRoom = () => {
    const counts = new Map<string, number>();
    for (const event of matrix.timeline(ROOM)) {
      for (const marker of new Set(JSON.stringify(event.content).match(/zq\d{3}zq/g) ?? [])) counts.set(marker, (counts.get(marker) ?? 0) + 1);
    }
    return counts;
  };

  it('an instance killed while it holds a digest lease: the other sends it within 20 s of the kill, once', async () => {
    // the default lease (15 s), renewed while the send runs
    writeConfig('{ initialBackoff: 200ms, jitter: 0 }');
    const victim = await start();
    // the victim's first send hangs at the homeserver: it holds the digest's lease when it dies
    matrix.inject('send', { kind: 'latency', ms: 60_000 });
    const events = Array.from({ length: 12 }, (_, i) => mentionNumber(i));
    for (const { body } of events) expect(await postToBridge(victim, body)).toBe(204);
    await eventually(() => expect(matrix.sendRequests()).toBeGreaterThanOrEqual(1), 10_000);
    const survivor = await start();

    const beforeKill = await statusCommand({ config: configFile });
    expect(beforeKill.split('\n').filter((line) => line.endsWith('live'))).toHaveLength(2);

    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    await eventually(() => expect(events.filter(({ marker }) => !markersInRoom().has(marker))).toEqual([]), 20_000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThanOrEqual(20_000);
    expect([...markersInRoom().values()].every((times) => times === 1)).toBe(true);

    const afterKill = await statusCommand({ config: configFile });
    expect(afterKill).toMatch(new RegExp(`\\s${victim.child.pid}\\s.*gone`));
    const metrics = await (await fetch(`${survivor.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`misskey_bridge_instance_heartbeat_age_seconds\\{[^}]*pid="${survivor.child.pid}"`));
    expect(metrics).toMatch(new RegExp(`misskey_bridge_instance_leases\\{[^}]*pid="${victim.child.pid}"`));
  }, 90_000);

  it('a send slower than the lease completes without a second copy from the other instance', async () => {
    writeConfig('{ leaseTime: 2s, initialBackoff: 200ms, jitter: 0 }');
    const [first, second] = await Promise.all([start(), start()]);
    // 7 s at the homeserver, over three lease lengths: renewed every ~0.7 s meanwhile
    matrix.inject('send', { kind: 'latency', ms: 7_000 });
    const { body, marker } = mentionNumber(1);
    expect(await postToBridge(first, body)).toBe(204);

    await eventually(() => expect(markersInRoom().get(marker)).toBe(1), 20_000);
    // the other instance had 5 s past the first lease to take it over, and did not
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(matrix.sendRequests()).toBe(1);
    expect(matrix.timeline(ROOM)).toHaveLength(1);
    expect(second.logs.filter((line) => line.msg === 'a lease ran out during a send; another instance may send these too')).toEqual([]);
  }, 60_000);
});

describe('a slow send on SQLite', () => {
  let dir: string;
  let matrix: MatrixFake;
  let bridge: BridgeProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-slow-send-'));
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
  });

  afterEach(async () => {
    bridge?.child.kill('SIGKILL');
    await bridge?.exited;
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('outlives its lease without a second copy: the lease is renewed while the send runs', async () => {
    const configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: 0 }
storage: { driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }
delivery: { leaseTime: 1s }
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`,
    );
    bridge = await spawnBridge(configFile);
    await eventually(async () => expect((await fetch(`${bridge!.url}/readyz`)).status).toBe(200), 15_000);
    // 4 s at the homeserver: four lease lengths, in which the worker polls the lane many times
    matrix.inject('send', { kind: 'latency', ms: 4_000 });
    const { body } = mentionNumber(1);
    expect(await postToBridge(bridge, body)).toBe(204);

    await eventually(() => expect(matrix.timeline(ROOM)).toHaveLength(1), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(matrix.sendRequests()).toBe(1);
    expect(matrix.timeline(ROOM)).toHaveLength(1);
  }, 40_000);
});
