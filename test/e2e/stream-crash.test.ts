import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../fakes/misskey-stream-fake';
import { eventually } from '../helpers/bridge';
import { cliArgs, killAll, SOURCE_CLI, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { mentionWith, occurrences, roomText, streamToMatrixYaml } from '../helpers/stream';

const TOKEN = 'alice-stream-token';
const ROOM = '!ops:example.org';

describe('stream source across a SIGKILL (SQLite store, real process, Matrix)', () => {
  let dir: string;
  let configFile: string;
  let misskey: MisskeyStreamFake;
  let matrix: MatrixFake;
  const running: BridgeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-stream-crash-'));
    misskey = await startMisskeyStreamFake({ unreadDelayMs: 200 });
    misskey.addToken(TOKEN);
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    configFile = path.join(dir, 'config.yaml');
    const storage = `{ driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }`;
    writeFileSync(configFile, streamToMatrixYaml({ server: misskey.url, storage, homeserver: matrix.url, room: ROOM }));
  });

  afterEach(async () => {
    await killAll(running);
    await matrix.close();
    await misskey.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const bridge = await spawnBridge(configFile, { STREAM_TOKEN: TOKEN });
    running.push(bridge);
    await eventually(async () => {
      const ready = (await (await fetch(`${bridge.url}/readyz`)).json()) as { checks: Record<string, string> };
      expect(ready.checks['stream:alice']).toBe('ok');
    }, 15_000);
    return bridge;
  };
  // Matrix drops a send it has seen (same transaction id): what shows twice was stored twice
  const delivered = () => roomText(matrix, ROOM);

  it('delivers each of a burst of 200 exactly once when the bridge is killed in the middle', async () => {
    const first = await start();
    const markers = Array.from({ length: 200 }, (_, n) => `burst${n}end`);
    for (const marker of markers.slice(0, 100)) misskey.notify(mentionWith(marker));
    // killed while frames are arriving and being stored
    await eventually(() => expect(delivered().includes('burst10end')).toBe(true), 10_000);
    first.child.kill('SIGKILL');
    await first.exited;
    for (const marker of markers.slice(100)) misskey.notify(mentionWith(marker));

    await start();
    await eventually(() => expect([...occurrences(delivered(), markers).values()].filter((count) => count === 0).length).toBe(0), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const counts = occurrences(delivered(), markers);
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);

    const { stdout } = await promisify(execFile)(process.execPath, cliArgs(SOURCE_CLI, ['status', '-c', configFile]), { env: { ...process.env, STREAM_TOKEN: TOKEN } });
    expect(stdout).toMatch(/STREAM SOURCE\s+CONNECTED SINCE\s+CURSOR\s+LAST EVENT\s+BACKFILLED/);
    expect(stdout).toContain(misskey.notifications().at(-1)!.id);
  }, 90_000);
});
