/**
 * Two bridge processes on one Redis queue, as `docker compose --profile scale` runs them, and one
 * of them killed mid-burst: nothing accepted is lost (the survivor sends the dead one's leased jobs
 * once their lease expires), Matrix shows every event exactly once (transaction ids), Discord at
 * least once, and Discord's webhook limit holds for both processes together. (That another
 * instance honours a lane's pause is shown step by step in test/unit/deliver-instances.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Store } from '../../src/store/store';
import os from 'node:os';
import path from 'node:path';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { killAll, postToBridge, spawnBridge, type BridgeProcess } from '../helpers/bridge-process';
import { fixture } from '../helpers/fixtures';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';

const ROOM = '!ops:example.org';
const EVENTS = 500;
/** responses (of any kind) after which one process is killed */
const KILL_AFTER = 200;
/** posts in flight at once, as Misskey's job queue has them */
const IN_FLIGHT = 32;
/** the leased jobs of the killed process go to the survivor after this long */
const LEASE_TIME = '3s';
/** Discord's webhook limit (5 per 2 s) runs 4 times faster */
const TIME_SCALE = 0.25;

/** mention.local.json as event n: its own eventId and note id, so each arrives as its own note */
function mention(n: number): { eventId: string; noteId: string; body: Record<string, unknown> } {
  const body = structuredClone(fixture('mention.local.json').body);
  const noteId = `rinst${String(n).padStart(5, '0')}`;
  const note = (body.body as { note: Record<string, unknown> }).note;
  note.id = noteId;
  note.text = `@alice ping number ${n}`;
  body.eventId = `redis-instances-${n}`;
  return { eventId: body.eventId as string, noteId, body };
}

const NOTE_URL = /\/notes\/(rinst\d{5})/g;

/** how many of the platform's messages name each note (a digest names several; each counts once) */
function notesIn(messages: unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const notes = new Set([...JSON.stringify(message).matchAll(NOTE_URL)].map((match) => match[1]!));
    for (const note of notes) counts.set(note, (counts.get(note) ?? 0) + 1);
  }
  return counts;
}

describeRedis('two bridge processes on one Redis queue', () => {
  let dir: string;
  let prefix: string;
  let matrix: MatrixFake;
  let discord: DiscordFake;
  let configFile: string;
  let queue: Store | undefined;
  const running: BridgeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-redis-instances-'));
    prefix = newPrefix();
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    discord = await startDiscordFake({ rateLimits: { webhook: true }, timeScale: TIME_SCALE });
    const hook = discord.addWebhook();
    configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: 0 }
storage: { driver: redis, url: "${REDIS_URL}", prefix: "${prefix}" }
delivery: { leaseTime: ${LEASE_TIME} }
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
  hook: { type: discord, webhookUrl: "${hook.url}" }
routes:
  - { name: mentions, events: [mention], to: [ops, hook] }
`,
    );
  });

  afterEach(async () => {
    await killAll(running);
    await queue?.close();
    queue = undefined;
    await destroyRedisStore(REDIS_URL, prefix);
    await Promise.all([matrix.close(), discord.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const bridge = await spawnBridge(configFile);
    running.push(bridge);
    return bridge;
  };

  it('loses nothing when one is killed mid-burst: Matrix once each, Discord at least once, within its limit', async () => {
    const [victim, survivor] = await Promise.all([start(), start()]);
    for (const bridge of [victim, survivor]) {
      await eventually(async () => expect((await fetch(`${bridge.url}/readyz`)).status).toBe(200), 15_000);
    }

    const accepted: string[] = [];
    let next = 0;
    let answered = 0;
    /** round robin; an event whose process died is posted again to the survivor, as Misskey retries */
    const deliver = async (n: number) => {
      const { eventId, body } = mention(n);
      for (let attempt = 0; attempt < 50; attempt++) {
        const status = await postToBridge(attempt === 0 && n % 2 === 0 ? victim : survivor, body);
        if (++answered === KILL_AFTER) victim.child.kill('SIGKILL');
        if (status >= 200 && status < 300) {
          accepted.push(eventId);
          return;
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`event ${eventId} was never accepted`);
    };
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < EVENTS) await deliver(next++);
      }),
    );
    expect(await victim.exited).toBeNull();
    expect(accepted).toHaveLength(EVENTS);

    // drained: every job was sent and acked, the dead process's leased ones by the survivor
    queue = await openRedisStore({ url: REDIS_URL, prefix });
    const store = queue;
    await eventually(async () => expect(await store.jobs.stats()).toEqual([]), 90_000);
    expect(await store.deadLetters.list()).toEqual([]);

    const expected = accepted.map((eventId) => mention(Number(eventId.split('-').pop())).noteId);
    const inMatrix = notesIn(matrix.timeline(ROOM).map((event) => event.content));
    expect(expected.filter((note) => !inMatrix.has(note))).toEqual([]);
    expect([...inMatrix].filter(([, times]) => times > 1)).toEqual([]);
    expect(inMatrix.size).toBe(EVENTS);

    const inDiscord = notesIn(discord.messages.map((message) => message.embeds));
    expect(expected.filter((note) => !inDiscord.has(note))).toEqual([]);
    expect(inDiscord.size).toBe(EVENTS);
    expect(discord.stats.tooManyRequests).toBeLessThanOrEqual(5);
  }, 120_000);
});
