/**
 * Two bridge processes on one Redis read one stream source: exactly one holds it; when the holder
 * is killed the other takes the source over within the lease time and goes on from the shared
 * cursor, so every notification reaches Matrix once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { destroyRedisStore } from '../../src/store/redis/store';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../fakes/misskey-stream-fake';
import { eventually } from '../helpers/bridge';
import { killAll, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';
import { mentionWith, occurrences, roomText, streamToMatrixYaml } from '../helpers/stream';

const TOKEN = 'alice-stream-token';
const ROOM = '!ops:example.org';
const LEASE_MS = 2000;

describeRedis('stream source shared by two instances on Redis', () => {
  let dir: string;
  let prefix: string;
  let configFile: string;
  let misskey: MisskeyStreamFake;
  let matrix: MatrixFake;
  const running: BridgeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-stream-redis-'));
    prefix = newPrefix();
    misskey = await startMisskeyStreamFake({ unreadDelayMs: 200 });
    misskey.addToken(TOKEN);
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    configFile = path.join(dir, 'config.yaml');
    const storage = `{ driver: redis, url: "${REDIS_URL}", prefix: "${prefix}" }`;
    writeFileSync(configFile, streamToMatrixYaml({ server: misskey.url, storage, delivery: `{ leaseTime: ${LEASE_MS}ms }`, homeserver: matrix.url, room: ROOM }));
  });

  afterEach(async () => {
    await killAll(running);
    await destroyRedisStore(REDIS_URL, prefix);
    await matrix.close();
    await misskey.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const bridge = await spawnBridge(configFile, { STREAM_TOKEN: TOKEN });
    running.push(bridge);
    await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200), 15_000);
    return bridge;
  };
  const reads = (bridge: BridgeProcess) => bridge.logs.some((line) => line.msg === 'this instance reads the stream source');
  const delivered = () => roomText(matrix, ROOM);

  it('one instance reads; when it is killed the other resumes from the cursor: 0 lost, 0 twice', async () => {
    const [a, b] = [await start(), await start()];
    await eventually(() => expect(misskey.mainConnections()).toBe(1), 10_000);
    // both stay connected to Misskey once: the lease keeps the second one waiting
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    expect(misskey.mainConnections()).toBe(1);
    expect([reads(a!), reads(b!)].filter(Boolean)).toHaveLength(1);
    const [holder, standby] = reads(a!) ? [a!, b!] : [b!, a!];

    const markers = Array.from({ length: 100 }, (_, n) => `failover${n}end`);
    for (const marker of markers.slice(0, 50)) misskey.notify(mentionWith(marker));
    await eventually(() => expect(delivered().includes('failover49end')).toBe(true), 15_000);
    holder.child.kill('SIGKILL');
    await holder.exited;
    // Misskey notices the dead socket only later; the events meanwhile reach nobody live
    for (const marker of markers.slice(50)) misskey.notify(mentionWith(marker));

    await eventually(() => expect(reads(standby)).toBe(true), LEASE_MS * 3);
    await eventually(() => expect([...occurrences(delivered(), markers).values()].filter((count) => count === 0).length).toBe(0), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([...occurrences(delivered(), markers).entries()].filter(([, count]) => count !== 1)).toEqual([]);
  }, 90_000);
});
