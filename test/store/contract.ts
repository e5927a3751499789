import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DueLane, Job, NewJob } from '../../src/store/jobs';
import type { StoreRecord } from '../../src/store/migration';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { openSqliteStore } from '../../src/store/sqlite/store';
import type { Store } from '../../src/store/store';
import { noteEvent } from '../helpers/events';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';

/** the fake clock: every call gets an explicit `now` */
export const T0 = 1_700_000_000_000;
export const DAY = 24 * 60 * 60 * 1000;

export function newJob(eventId: string, overrides: Partial<NewJob> = {}): NewJob {
  const sink = overrides.sink ?? 'discord';
  const route = overrides.route ?? 'notes';
  return {
    id: `misskey:${eventId}:${route}:${sink}`,
    source: 'misskey',
    eventId,
    event: 'note',
    route,
    sink,
    lane: `${sink}:main`,
    template: 'note',
    payload: noteEvent(`event ${eventId}`),
    ...overrides,
  };
}

/** what a fresh job looks like when leased; alone, unless `batch` names the group's first job */
export function fresh(job: NewJob, createdAt: number, batch = job.id): Job {
  return { ...job, attempts: 0, createdAt, availableAt: createdAt, history: [], batch, lapses: 0 };
}

export const ids = (jobs: { id: string }[]) => jobs.map((job) => job.id);

export const LONE_SURROGATES = 'lone surrogate \ud800 and reversed pair \udc00\ud800';
export const HOSTILE = [
  "'; DROP TABLE jobs; --",
  '"quoted" \\ back\\slash `tick` $(rm -rf /) {{handlebars}} <script>alert(1)</script>',
  'nul\u0000byte, line\u2028separator, \r\n\t controls \u0007',
  LONE_SURROGATES,
  '日本語 العربية עברית 🏳️‍🌈 👩🏽‍💻 é (e\u0301) \u202eRTL override',
  '{"json":"lookalike"} __proto__ constructor',
];

/** A store under test: a fresh, empty one for each test. */
export interface Opened {
  store: Store;
  /** closes the store and opens it again, as a restart does */
  reopen: () => Promise<Store>;
  /** closes the store last opened and deletes it */
  cleanup: () => Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-store-'));
  const file = path.join(dir, 'store.db');
  let store: Store = openSqliteStore({ path: file });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = openSqliteStore({ path: file });
      return store;
    },
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openRedis(): Promise<Opened> {
  const prefix = newPrefix();
  let store = await openRedisStore({ url: REDIS_URL, prefix });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await openRedisStore({ url: REDIS_URL, prefix });
      return store;
    },
    cleanup: async () => {
      await store.close();
      await destroyRedisStore(REDIS_URL, prefix);
    },
  };
}

/** What a contract's tests reach: the store, a restart, and the helpers several tests share. */
export class StoreUnderTest {
  store!: Store;
  private opened!: Opened;

  constructor(private readonly open: () => Promise<Opened>) {
    beforeEach(async () => {
      this.opened = await this.open();
      this.store = this.opened.store;
    });
    afterEach(async () => {
      await this.opened.cleanup();
    });
  }

  async reopen(): Promise<void> {
    this.store = await this.opened.reopen();
  }

  /** due lanes with their counts in a fixed order: implementations may list them in any */
  async dueCounts(now: number): Promise<DueLane[]> {
    return (await this.store.jobs.dueLanes(now)).sort((a, b) => (a.lane < b.lane ? -1 : 1));
  }

  async lanes(now: number): Promise<string[]> {
    return (await this.dueCounts(now)).map((lane) => lane.lane);
  }

  /** accepts one event per eventId, one job each, in this order */
  async acceptEach(eventIds: string[], now: number, overrides: Partial<NewJob> = {}): Promise<void> {
    for (const eventId of eventIds) await this.store.jobs.accept('misskey', eventId, [newJob(eventId, overrides)], now);
  }

  eventIds(jobs: Job[]): string[] {
    return jobs.map((job) => job.eventId);
  }

  /** leases everything due in the lane, then acks it: the lane's due jobs in order */
  async drain(lane: string, now: number): Promise<Job[]> {
    const jobs = await this.store.jobs.lease(lane, now, 1000, 1000);
    await this.store.jobs.ack(jobs);
    return jobs;
  }
}

/** The contract of one concern, run against both backends (Redis only where one answers). */
export function describeStores(concern: string, body: (t: StoreUnderTest) => void): void {
  describe(`${concern} contract: sqlite`, () => body(new StoreUnderTest(openSqlite)));
  describeRedis(`${concern} contract: redis`, () => body(new StoreUnderTest(openRedis)));
}

/**
 * A store with something of every kind: jobs in three lanes (one rescheduled in a group, one leased),
 * a dead letter, a lane and a sink pause, two message map entries and an event without jobs.
 */
export async function fillForMove(queue: Store): Promise<void> {
  const inLane = (eventId: string, sink: string) => newJob(eventId, { sink });
  await queue.jobs.accept('misskey', 'e1', [inLane('e1', 'discord'), inLane('e1', 'matrix')], T0);
  await queue.jobs.accept('misskey', 'e2', [inLane('e2', 'discord')], T0);
  await queue.jobs.accept('misskey', 'e3', [inLane('e3', 'discord')], T0);
  await queue.jobs.accept('misskey', 'e4', [inLane('e4', 'slack')], T0);
  await queue.jobs.accept('misskey', 'quiet', [], T0);
  const group = await queue.jobs.lease('discord:main', T0, 2, 1000);
  await queue.jobs.reschedule(group[0]!, T0 + 2000, 'busy', T0 + 1);
  const [doomed] = await queue.jobs.lease('slack:main', T0, 1, 1000);
  await queue.jobs.deadLetter(doomed!, 'gone', T0 + 1);
  await queue.jobs.pauseLane('discord:main', T0 + 11_000);
  await queue.pauses.pause('matrix', T0, 'ops');
  await queue.messages.record({ source: 'misskey', subject: 'note:n1', sink: 'discord' }, { platform: 'discord', id: 'm1', channel: 'D1' }, T0, 60_000);
  await queue.messages.record({ source: 'misskey', subject: 'note:n2', sink: 'slack' }, { platform: 'slack', id: '1.2', channel: 'C1' }, T0, 60_000);
}

/** every record snapshot gives, the pages joined */
export async function snapshotAll(queue: Store, now: number, pageSize: number): Promise<StoreRecord[]> {
  const records: StoreRecord[] = [];
  for await (const page of queue.migration.snapshot(now, pageSize)) {
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThanOrEqual(pageSize);
    expect(new Set(page.map((record) => record.kind)).size).toBe(1);
    records.push(...page);
  }
  return records;
}

/**
 * Records in an order every store gives: kinds in snapshot order, jobs by lane (each lane's in its
 * order), dead letters as listed, the rest by content (a Redis scan has no order).
 */
export function comparable(records: StoreRecord[]): StoreRecord[] {
  const kinds = ['sink-pause', 'lane-pause', 'message', 'seen', 'dead', 'job'];
  const key = (record: StoreRecord) =>
    record.kind === 'job' ? record.job.lane : record.kind === 'dead' ? '' : JSON.stringify(record);
  return [...records].sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Runs a long seeded random sequence of calls on `queue` and on an SQLite store in memory, expecting
 * the same answers throughout. `now` mostly moves on but sometimes steps back, as clocks of several
 * instances do.
 */
export async function expectSameAsSqlite(queue: Store, steps = 1000): Promise<void> {
  const queues = [openSqliteStore({ path: ':memory:' }), queue];
  /** runs the same call on both and expects the same answer */
  const both = async <T>(call: (queue: Store) => Promise<T>, normalize = (value: T) => value): Promise<T> => {
    const [expected, actual] = await Promise.all(queues.map(call));
    expect(normalize(actual!)).toEqual(normalize(expected!));
    return expected!;
  };
  // mulberry32, seeded: a failure replays the same run
  let seed = 7;
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
  const lanes = ['discord:a', 'discord:b', 'slack:c'];
  // two sinks, each writing to any lane: lanes are shared, as when a destination is configured twice
  const sinks = ['discord', 'slack'];
  const leases: Job[][] = [];
  let now = T0;
  for (let step = 0; step < steps; step++) {
    now += random(250) - 50;
    const op = random(12);
    if (op < 3) {
      const eventId = `e${step}`;
      const jobs = Array.from({ length: 1 + random(3) }, (_, i) =>
        newJob(eventId, { id: `${eventId}:${i}`, lane: lanes[random(lanes.length)]!, sink: sinks[random(sinks.length)]! }),
      );
      await both((queue) => queue.jobs.accept('misskey', eventId, jobs, now));
    } else if (op < 6) {
      const lane = lanes[random(lanes.length)]!;
      const [max, leaseMs] = [1 + random(4), 300 + random(500)];
      const leased = await both((queue) => queue.jobs.lease(lane, now, max, leaseMs));
      if (leased.length > 0) leases.push(leased);
    } else if (op < 8 && leases.length > 0) {
      // settles a lease, perhaps long expired and leased again since: the queue must not mind
      const leased = leases.splice(random(leases.length), 1)[0]!;
      const [how, later] = [random(4), now + random(1000)];
      if (how === 0) await both((queue) => queue.jobs.release(leased, later));
      for (const job of how === 0 ? [] : leased) {
        const settle = random(5);
        if (settle < 2) await both((queue) => queue.jobs.ack([job]));
        else if (settle < 4) await both((queue) => queue.jobs.reschedule(job, later, `fail ${step}`, now));
        else await both((queue) => queue.jobs.deadLetter(job, `dead ${step}`, now));
      }
    } else if (op === 10) {
      const lane = lanes[random(lanes.length)]!;
      const until = now + random(1000) - 200;
      await both((queue) => queue.jobs.pauseLane(lane, until));
    } else if (op === 11) {
      const sink = sinks[random(sinks.length)]!;
      const by = random(2) === 0 ? 'ops' : undefined;
      if (random(2) === 0) await both((queue) => queue.pauses.pause(sink, now, by));
      else await both((queue) => queue.pauses.resume(sink));
    } else if (op === 8) {
      await both((queue) => queue.jobs.dueLanes(now), (due) => [...due].sort((a, b) => (a.lane < b.lane ? -1 : 1)));
      await both((queue) => queue.jobs.stats());
      await both((queue) => queue.pauses.list());
    } else {
      await both((queue) => queue.deadLetters.list(), (dead) => [...dead].sort((a, b) => (a.id < b.id ? -1 : 1)));
      if (random(3) === 0) await both((queue) => queue.deadLetters.retry({ all: true }, now));
    }
  }
}
