/**
 * A randomized crash campaign: the real CLI process is SIGKILLed at 20 random instants of a mixed
 * burst (webhooks being accepted, jobs leased, messages on their way, acks), on SQLite and on
 * Redis, and restarted on the same store each time. Unanswered webhooks are posted again with the
 * same eventId, as Misskey retries them. Afterwards every accepted event must show on Discord at
 * least once and on Matrix exactly once (transaction ids), with nothing left in the queue and
 * nothing dead-lettered.
 *
 * The platforms are slow at random (latency, answers held after the event was created, answers
 * lost after it was created, transient 500s), so kills land while sends are in flight and between
 * a platform's success and the ack. Runs are replayable: the seed is in the test names; set
 * CRASH_CAMPAIGN_SEED to run one again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { destroyRedisStore } from '../../src/store/redis/store';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake';
import { startMatrixFake, type MatrixFake, type MatrixFault, type RecordedRequest } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { cliArgs, killAll, postToBridge, spawnBridge, transpiledCli, type BridgeProcess } from '../helpers/bridge-process';
import { followNumber, mentionNumber } from '../helpers/e2e';
import { CI, newPrefix, REDIS_URL, redisReachable } from '../helpers/redis';
import { seededRandom } from '../helpers/seeded-random';

const SEED = process.env.CRASH_CAMPAIGN_SEED ? Number(process.env.CRASH_CAMPAIGN_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const KILLS = 20;
/** new events per phase (between two kills), at most */
const MAX_NEW_PER_PHASE = 24;
/** the kill comes this long after the process listens, at most */
const MAX_KILL_AFTER_MS = 1200;
/** webhook posts in flight at once, as Misskey's job queue has them */
const IN_FLIGHT = 6;
const MENTIONS_ROOM = '!ops:example.org';
const FOLLOWS_ROOM = '!fans:example.org';

const redisUp = redisReachable();
if (!redisUp && !CI) {
  console.warn(`Redis crash campaign SKIPPED: no Redis answers at ${REDIS_URL} (set REDIS_URL; with CI=true it fails instead)`);
}
const itRedis = redisUp || CI ? it : it.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Kind = 'mention' | 'followed';

interface Posted {
  kind: Kind;
  n: number;
  body: Record<string, unknown>;
  /** what identifies it on the platforms: the mention's marker in its text, the follower's @name */
  marker: string;
  /** 2xx seen (at least once) */
  accepted: boolean;
  /** posts so far, and how many the bridge never answered */
  posts: number;
  unanswered: number;
}

/** how many of the messages (JSON) name each marker; a digest names several, each counts once */
function countMarkers(messages: unknown[], markers: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    for (const marker of new Set([...JSON.stringify(message).matchAll(markers)].map((match) => match[0]))) {
      counts.set(marker, (counts.get(marker) ?? 0) + 1);
    }
  }
  return counts;
}

const MENTION_MARKER = /zq\d{3}zq/g;
const FOLLOWER_MARKER = /@fan\d{3}\b/g;

/** Random platform behaviour for the next sends, kept a few requests ahead of them. */
class FaultFeeder {
  private matrixInjected = 0;
  private discordSeen = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly matrix: MatrixFake,
    private readonly discord: DiscordFake,
    private readonly random: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.top(), 5);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private matrixFault(): MatrixFault {
    const roll = this.random();
    if (roll < 0.4) return { kind: 'latency', ms: Math.floor(this.random() * 120) };
    // the event is created, the answer comes late: a kill now is after the send, before the ack
    if (roll < 0.7) return { kind: 'hold-answer', ms: 50 + Math.floor(this.random() * 400) };
    // the event is created, the answer is lost: the retry must reuse the transaction id
    if (roll < 0.8) return { kind: 'drop-after-answer' };
    if (roll < 0.9) return { kind: 'latency', ms: 200 + Math.floor(this.random() * 300) };
    return { kind: 'error', status: 500, errcode: 'M_UNKNOWN', error: 'injected' };
  }

  private top(): void {
    while (this.matrixInjected - this.matrix.sendRequests() < 4) {
      this.matrix.inject('send', this.matrixFault());
      this.matrixInjected++;
    }
    // consecutive latency faults add up on one Discord request: one fault at a time
    if (this.discord.requests.length !== this.discordSeen) {
      this.discordSeen = this.discord.requests.length;
      const roll = this.random();
      if (roll < 0.9) this.discord.inject({ route: 'webhook-execute', kind: 'latency', ms: Math.floor(this.random() * 300) });
      else this.discord.inject({ route: 'webhook-execute', kind: 'status', status: 500 });
    }
  }
}

interface CampaignStats {
  events: number;
  /** ms spent starting processes, and draining after the last start */
  startMs: number;
  drainMs: number;
  reposts: number;
  /** kills while webhook posts were unanswered */
  killsWithPostsInFlight: number;
  /** kills while a Matrix send was on its way (answered only after the kill) */
  killsWithMatrixSendsOut: number;
  /** kills after the homeserver created the event but before the bridge had its answer */
  killsBetweenSendAndAck: number;
}

describe('crash campaign: SIGKILL at random instants of a mixed burst, restart, nothing lost', () => {
  let cliDir: string;
  /** the CLI, transpiled once for all the restarts */
  let cli: string;
  let dir: string;
  let matrix: MatrixFake;
  let discord: DiscordFake;
  let feeder: FaultFeeder | undefined;
  let prefix: string | undefined;
  const running: BridgeProcess[] = [];

  beforeAll(() => {
    cliDir = mkdtempSync(path.join(os.tmpdir(), 'bridge-crash-campaign-cli-'));
    cli = transpiledCli(cliDir);
  });

  afterAll(() => rmSync(cliDir, { recursive: true, force: true }));

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-crash-campaign-'));
    matrix = await startMatrixFake({
      rooms: [
        { id: MENTIONS_ROOM, members: ['@bot:example.org'] },
        { id: FOLLOWS_ROOM, members: ['@bot:example.org'] },
      ],
    });
    discord = await startDiscordFake();
  });

  afterEach(async () => {
    feeder?.stop();
    feeder = undefined;
    await killAll(running);
    if (prefix) await destroyRedisStore(REDIS_URL, prefix);
    prefix = undefined;
    await Promise.all([matrix.close(), discord.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** the config on this store, and the ids of the Discord webhooks for mentions and follows */
  const writeConfig = (storage: string): { file: string; mentionsHook: string; followsHook: string } => {
    const mentionsHook = discord.addWebhook();
    const followsHook = discord.addWebhook();
    const file = path.join(dir, 'config.yaml');
    writeFileSync(
      file,
      `server: { host: 127.0.0.1, port: 0 }
storage: ${storage}
delivery: { leaseTime: 1s, initialBackoff: 50ms, maxBackoff: 200ms, jitter: 0, maxAttempts: 50, maxCrashes: 50 }
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${MENTIONS_ROOM}" }
  hook: { type: discord, webhookUrl: "${mentionsHook.url}" }
  lobby: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${FOLLOWS_ROOM}" }
  fans: { type: discord, webhookUrl: "${followsHook.url}" }
routes:
  - { name: mentions, events: [mention], to: [ops, hook] }
  - { name: follows, events: [followed], to: [lobby, fans] }
`,
    );
    return { file, mentionsHook: mentionsHook.id, followsHook: followsHook.id };
  };

  const queueDepth = async (bridge: BridgeProcess): Promise<number> => {
    const text = await (await fetch(`${bridge.url}/metrics`)).text();
    return [...text.matchAll(/^misskey_bridge_queue_depth\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  /** the Matrix sends not answered yet, and whether the homeserver had created their event */
  const matrixSendsOut = () => {
    const created = new Set([MENTIONS_ROOM, FOLLOWS_ROOM].flatMap((room) => matrix.timeline(room).map((event) => event.txnId)));
    return matrix.requests
      .filter((request) => request.route === 'send' && request.status === undefined)
      .map((request) => ({ request, created: created.has(request.segments[8] ?? '') }));
  };

  async function campaign(config: { file: string; mentionsHook: string; followsHook: string }, store: string): Promise<void> {
    // each store draws its own sequence from the one seed
    const seed = (SEED ^ (store === 'redis' ? 0x9e3779b9 : 0)) >>> 0;
    const configFile = config.file;
    const random = seededRandom(seed);
    feeder = new FaultFeeder(matrix, discord, seededRandom(seed ^ 0x5eed));
    feeder.start();
    const events: Posted[] = [];
    /** posted without an answer: Misskey posts them again, same eventId */
    const retry: Posted[] = [];
    const counters: Record<Kind, number> = { mention: 0, followed: 0 };
    const stats: CampaignStats = { events: 0, startMs: 0, drainMs: 0, reposts: 0, killsWithPostsInFlight: 0, killsWithMatrixSendsOut: 0, killsBetweenSendAndAck: 0 };
    const outAtKills: { request: RecordedRequest; created: boolean }[][] = [];

    const newEvent = (): Posted => {
      const kind: Kind = random() < 0.7 ? 'mention' : 'followed';
      const n = counters[kind]++;
      const made = kind === 'mention' ? mentionNumber(n) : followNumber(n, 'followed');
      const marker = kind === 'mention' ? (made as ReturnType<typeof mentionNumber>).marker : `@${(made as ReturnType<typeof followNumber>).username}`;
      const event: Posted = { kind, n, body: made.body, marker, accepted: false, posts: 0, unanswered: 0 };
      events.push(event);
      return event;
    };

    /** posts (re-posts first, then up to `budget` new events) until told to stop */
    const burst = (bridge: BridgeProcess, budget: number, stopped: () => boolean, onPost: (index: number) => void = () => {}) => {
      let fresh = 0;
      let posts = 0;
      const inFlight = new Set<Posted>();
      const worker = async () => {
        while (!stopped()) {
          const event = retry.shift() ?? (fresh < budget ? (fresh++, newEvent()) : undefined);
          if (!event) return;
          if (event.posts > 0) stats.reposts++;
          event.posts++;
          inFlight.add(event);
          const answer = postToBridge(bridge, event.body);
          onPost(posts++);
          const status = await answer;
          inFlight.delete(event);
          if (status >= 200 && status < 300) event.accepted = true;
          else {
            // no answer (the process died) or a refusal: Misskey tries again later
            event.unanswered++;
            retry.push(event);
          }
          await sleep(random() * 40);
        }
      };
      return { done: Promise.all(Array.from({ length: IN_FLIGHT }, worker)), inFlight };
    };

    for (let kill = 0; kill < KILLS; kill++) {
      const starting = Date.now();
      const bridge = await spawnBridge(configFile, {}, { cli });
      stats.startMs += Date.now() - starting;
      running.push(bridge);
      const budget = Math.floor(random() * (MAX_NEW_PER_PHASE + 1));
      let killed = false;
      // a third of the kills come while a webhook is being accepted (a few ms after the n-th post
      // of the phase went out), the others at a random instant of the phase
      const duringAccept = random() < 1 / 3;
      const killAt = Math.floor(random() * (duringAccept ? Math.max(budget, 1) : MAX_KILL_AFTER_MS));
      const killDelay = random() * 4;
      let fire: () => void = () => {};
      const due = new Promise<void>((resolve) => (fire = resolve));
      const phase = burst(bridge, budget, () => killed, (index) => {
        if (duringAccept && index === killAt) setTimeout(fire, killDelay);
      });
      // when the phase posts fewer than expected (a short budget), the timer kills it
      setTimeout(fire, duringAccept ? MAX_KILL_AFTER_MS : killAt);
      await due;
      if (phase.inFlight.size > 0) stats.killsWithPostsInFlight++;
      outAtKills.push(matrixSendsOut());
      bridge.child.kill('SIGKILL');
      killed = true;
      expect(await bridge.exited).toBeNull();
      running.splice(running.indexOf(bridge), 1);
      await phase.done;
    }

    // the last start: Misskey's retries all get through, the backlog drains
    const last = await spawnBridge(configFile, {}, { cli });
    running.push(last);
    const draining = Date.now();
    // (a worker takes the retries until none is left: it returns once every event was accepted)
    await burst(last, 0, () => false).done;
    expect(events.filter((event) => !event.accepted)).toEqual([]);
    stats.events = events.length;
    const summary = () => `on ${store}, CRASH_CAMPAIGN_SEED=${SEED}: ${JSON.stringify(stats)}`;

    const mentions = events.filter((event) => event.kind === 'mention').map((event) => event.marker);
    const followers = events.filter((event) => event.kind === 'followed').map((event) => event.marker);
    const shown = () => ({
      matrixMentions: countMarkers(matrix.timeline(MENTIONS_ROOM).map((event) => event.content), MENTION_MARKER),
      matrixFollows: countMarkers(matrix.timeline(FOLLOWS_ROOM).map((event) => event.content), FOLLOWER_MARKER),
      discordMentions: countMarkers(discord.messages.filter((m) => m.webhookId === config.mentionsHook).map((m) => m.body), MENTION_MARKER),
      discordFollows: countMarkers(discord.messages.filter((m) => m.webhookId === config.followsHook).map((m) => m.body), FOLLOWER_MARKER),
    });
    const missing = () => {
      const now = shown();
      return {
        matrixMentions: mentions.filter((marker) => !now.matrixMentions.has(marker)),
        matrixFollows: followers.filter((marker) => !now.matrixFollows.has(marker)),
        discordMentions: mentions.filter((marker) => !now.discordMentions.has(marker)),
        discordFollows: followers.filter((marker) => !now.discordFollows.has(marker)),
      };
    };
    const nothingMissing = { matrixMentions: [], matrixFollows: [], discordMentions: [], discordFollows: [] };
    try {
      await eventually(() => expect(missing()).toEqual(nothingMissing), 60_000);
      // drained: nothing waits in the queue, and nothing more arrives at the platforms
      await eventually(async () => expect(await queueDepth(last)).toBe(0), 30_000);
      let before = -1;
      await eventually(async () => {
        const sent = matrix.sendRequests() + discord.requests.length;
        if (sent !== before) {
          before = sent;
          await sleep(600);
          throw new Error('still sending');
        }
      }, 30_000);

      stats.drainMs = Date.now() - draining;
      // answered after the kill: in flight at the kill (an answer lost on purpose never comes)
      const inFlight = outAtKills.map((out) => out.filter(({ request }) => request.status !== undefined));
      stats.killsWithMatrixSendsOut = inFlight.filter((out) => out.length > 0).length;
      stats.killsBetweenSendAndAck = inFlight.filter((out) => out.some(({ created }) => created)).length;
      expect(missing()).toEqual(nothingMissing);
      const now = shown();
      const twice = (counts: Map<string, number>) => [...counts].filter(([, times]) => times > 1);
      expect({ mentions: twice(now.matrixMentions), follows: twice(now.matrixFollows) }).toEqual({ mentions: [], follows: [] });
      // nothing on the platforms that was never posted
      expect(now.matrixMentions.size).toBe(mentions.length);
      expect(now.matrixFollows.size).toBe(followers.length);

      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);
      running.splice(running.indexOf(last), 1);
      const dlq = spawnSync(process.execPath, cliArgs(cli, ['dlq', 'list', '-c', configFile]), {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(dlq.stderr).toBe('');
      expect(dlq.stdout.trim()).toBe('no dead letters');
    } catch (error) {
      (error as Error).message = `${summary()}\n${(error as Error).message}`;
      throw error;
    }
    console.log(`crash campaign ${summary()}`);
  }

  it(`on SQLite (seed ${SEED})`, async () => {
    await campaign(writeConfig(`{ driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }`), 'sqlite');
  }, 150_000);

  itRedis(`on Redis (seed ${SEED})`, async () => {
    if (!redisUp) throw new Error(`no Redis answers at ${REDIS_URL}, and CI=true requires the Redis tests to run`);
    prefix = newPrefix();
    await campaign(writeConfig(`{ driver: redis, url: "${REDIS_URL}", prefix: "${prefix}" }`), 'redis');
  }, 150_000);
});
