import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { killAll, postToBridge, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { mentionNumber } from '../helpers/e2e';
import { fixture } from '../helpers/fixtures';

const ROOM = '!ops:example.org';

describe('crash safety (SQLite store, real process)', () => {
  let dir: string;
  let matrix: MatrixFake;
  let configFile: string;
  const running: BridgeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-crash-'));
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: 0 }
storage: { driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`,
    );
  });

  afterEach(async () => {
    await killAll(running);
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const bridge = await spawnBridge(configFile);
    running.push(bridge);
    return bridge;
  };

  it('loses nothing when killed right after answering 204', async () => {
    const first = await start();
    // the homeserver is slow: the message is still on its way when the bridge dies
    matrix.inject('send', { kind: 'latency', ms: 60_000 });
    expect(await postToBridge(first, fixture('mention.local.json').body)).toBe(204);
    await eventually(() => expect(matrix.sendRequests()).toBe(1), 10_000);
    first.child.kill('SIGKILL');
    await first.exited;

    await start();
    const events = await eventually(() => {
      const timeline = matrix.timeline(ROOM);
      expect(timeline).toHaveLength(1);
      return timeline;
    }, 15_000);
    expect(JSON.stringify(events[0]!.content)).toContain('Bob');
  });

  it('delivers every accepted event of a burst once when killed mid-burst', async () => {
    // a Synapse-like limit (sped up) keeps a backlog waiting when the bridge dies
    matrix.setRateLimit({ perSecond: 0.5, burst: 2 });
    const first = await start();
    const accepted: string[] = [];
    for (let n = 0; n < 60; n++) {
      const { body, marker } = mentionNumber(n);
      if ((await postToBridge(first, body)) === 204) accepted.push(marker);
    }
    const shown = () => matrix.timeline(ROOM).map((event) => String(event.content.body));
    await eventually(() => expect(matrix.timeline(ROOM).length).toBeGreaterThan(0), 10_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(accepted).toHaveLength(60);
    const deliveredBeforeKill = accepted.filter((marker) => shown().join('\n').includes(marker)).length;
    expect(deliveredBeforeKill).toBeLessThan(60);

    await start();
    await eventually(() => {
      for (const marker of accepted) expect(shown().join('\n')).toContain(marker);
    }, 60_000);
    for (const marker of accepted) expect(shown().join('\n').split(marker)).toHaveLength(2);
  });

  it('reuses the transaction id after dying between the homeserver answer and the ack: one message', async () => {
    const first = await start();
    matrix.inject('send', { kind: 'hold-answer', ms: 60_000 });
    expect(await postToBridge(first, fixture('mention.local.json').body)).toBe(204);
    await eventually(() => expect(matrix.timeline(ROOM)).toHaveLength(1), 10_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start();
    await eventually(() => expect(matrix.sendRequests()).toBe(2), 15_000);
    const sends = matrix.requests.filter((request) => request.method === 'PUT' && request.path.includes('/send/'));
    expect(sends[1]!.path).toBe(sends[0]!.path);
    await eventually(() => expect(sends[1]!.status).toBe(200));
    expect(matrix.timeline(ROOM)).toHaveLength(1);

    // and a graceful stop exits 0
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
