/**
 * `npm run bench`: the bridge's delivery, ingest, memory, render and failover figures against
 * their targets (docs/performance.md). Prints a table; asserts nothing. Everything runs on
 * 127.0.0.1.
 *
 * Knobs (environment): BENCH_DURATION seconds per load run (10), BENCH_CONNECTIONS (32, for
 * autocannon and wrk alike), BENCH_DRAIN_TIMESCALE the fake Discord's timeScale for the drain row
 * (1: real time; 0.5 runs it twice as fast, but the bridge's fixed 100 ms bucket margin then weighs
 * twice as much), BENCH_ONLY a comma-separated list of rows to run (e.g. "1,3"), BENCH_RENDER_SECONDS
 * (2), REDIS_URL (redis://127.0.0.1:6379), BENCH_LOG_LEVEL the bridges' log level (info, as in
 * production), BENCH_NODE_ARGS extra node flags for the child processes (e.g. "--cpu-prof"),
 * BENCH_KEEP=1 keeps the temp folder (configs, logs, databases), BENCH_DEBUG=1 prints raw latencies.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type AutocannonResult } from 'autocannon';
import Redis from 'ioredis';
import { parseConfig } from '../src/config/load';
import { plan } from '../src/ingest';
import { normalize } from '../src/normalize/normalize';
import type { Store } from '../src/store/store';
import { openSqliteStore } from '../src/store/sqlite/store';
import { RATE_LIMIT_PRESETS, startDiscordFake, type DiscordFake, type FakeMessage } from '../test/fakes/discord-fake';
import { floorHeaders, HOOK_HEADERS, mentionBody, noteCorpus, withIdPlaceholder } from './lib/payloads';
import { transpileSources, type Child, type IpcMessage } from './lib/process';
import { runWrk, wrkAvailable } from './lib/wrk';
import { addRenderRows } from './render';
import { startMatrixFake } from '../test/fakes/matrix-fake';
import { fmt, percentile, Table } from './lib/table';
import { postHook, startBare, startBridgeProcess, startFloor, startFakeProcess, waitReady, type BridgeProcess, type Storage } from './lib/servers';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_S = 3;
const ONLY = process.env.BENCH_ONLY?.split(',').map((row) => row.trim());
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const table = new Table();
const children: Child[] = [];
let dir = '';

/** Keeps track of a child so that it is stopped even when a row fails. */
function track<T extends Child>(child: T): T {
  children.push(child);
  return child;
}

async function stopAll(...list: Child[]): Promise<void> {
  await Promise.all(list.map((child) => child.stop()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// 1. Ingest: the full bridge against a bare Express app, same load, same body

let eventCounter = 0;

/**
 * autocannon against POST /hooks/alice, every request with an eventId of its own (a
 * setupRequest body generator: autocannon 8's idReplacement assumes 33-character ids and sends a
 * wrong Content-Length with hyperid's shorter ones). Bare app and bridge get the same bodies.
 */
function load(url: string, seconds: number, connections = CONNECTIONS, headers = HOOK_HEADERS): PromiseLike<AutocannonResult> {
  const { head, tail } = bodyParts();
  const run = `${process.pid}-${Date.now()}-`;
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', path: '/hooks/alice', headers, setupRequest: (request) => ({ ...request, body: `${head}${run}${eventCounter++}${tail}` }) }],
  });
}

/** requests per second that got a 2xx answer */
const rate = (result: AutocannonResult) => result['2xx'] / result.duration;

function failures(result: AutocannonResult): string {
  const bad = result.non2xx + result.errors + result.timeouts;
  return bad === 0 ? '' : ` (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)`;
}

/** the same body for every load generator: the mention with a placeholder for its eventId */
function bodyParts(): { head: string; tail: string } {
  const [head, tail] = withIdPlaceholder(mentionBody('x'), '<ID>').split('<ID>') as [string, string];
  return { head, tail };
}

/**
 * The measured autocannon run against `server`, with the CPU time per request of the server (all
 * its threads) and of this process (autocannon, which runs here): on a machine of few cores, what
 * the two together may spend per request bounds the throughput.
 */
async function measuredLoad(server: Child & { url: string }): Promise<{ result: AutocannonResult; serverUs: number; loadUs: number }> {
  const serverCpu = async () => (await server.request<IpcMessage & { cpu: number }>({ type: 'cpu' })).cpu;
  const serverBefore = await serverCpu();
  const loadBefore = process.cpuUsage();
  const result = await load(server.url, DURATION);
  const loadUsed = process.cpuUsage(loadBefore);
  const served = result['2xx'] + result.non2xx;
  return { result, serverUs: ((await serverCpu()) - serverBefore) / served, loadUs: (loadUsed.user + loadUsed.system) / served };
}

/** wrk against `url`, when Debian's wrk is installed */
const wrkLoad = (url: string) => runWrk(dir, url, '/hooks/alice', bodyParts(), HOOK_HEADERS, DURATION, CONNECTIONS);

const FLOOR_ROUNDS = Number(process.env.BENCH_FLOOR_ROUNDS ?? 2);

/**
 * The bridge against the durable floor (bench/durable-floor.cjs: Express, JSON, the secret check
 * and one SQLite row, answered after its commit), alternating floor, bridge, floor, bridge … so that
 * a drift of the machine weighs on both alike; every run on a fresh database, after a warm-up.
 */
async function floorRounds(webhookUrl: string): Promise<{ floor: number[]; bridge: number[] }> {
  const floor: number[] = [];
  const bridge: number[] = [];
  for (let round = 0; round < FLOOR_ROUNDS; round++) {
    const reference = track(await startFloor(dir, path.join(dir, `floor-${round}.db`)));
    await load(reference.url, WARMUP_S, CONNECTIONS, floorHeaders());
    floor.push(rate(await load(reference.url, DURATION, CONNECTIONS, floorHeaders())));
    await stopAll(reference);
    const storage = { driver: 'sqlite' as const, path: path.join(dir, `ingest-floor-${round}.db`) };
    const measured = track(await startBridgeProcess({ dir, name: `ingest-floor-${round}`, storage, webhookUrl, events: ['mention'] }));
    await waitReady(measured.url);
    await load(measured.url, WARMUP_S);
    bridge.push(rate(await load(measured.url, DURATION)));
    await stopAll(measured);
  }
  return { floor, bridge };
}

async function ingestRow(): Promise<void> {
  const fake = track(await startFakeProcess(dir, process.env.BENCH_INGEST_LIMITS === 'off' ? {} : { rateLimits: 'discord' }));
  const withWrk = wrkAvailable();
  const bare = track(await startBare(dir));
  await load(bare.url, WARMUP_S);
  const { result: bareResult, serverUs: bareUs, loadUs: bareLoadUs } = await measuredLoad(bare);
  const bareWrk = withWrk ? await wrkLoad(bare.url) : undefined;
  await stopAll(bare);

  const bridge = track(await startBridgeProcess({ dir, name: 'ingest', storage: { driver: 'sqlite', path: path.join(dir, 'ingest.db') }, webhookUrl: fake.webhookUrl, events: ['mention'] }));
  await waitReady(bridge.url);
  await load(bridge.url, WARMUP_S);
  const { result: bridgeResult, serverUs: bridgeUs, loadUs: bridgeLoadUs } = await measuredLoad(bridge);
  const bridgeWrk = withWrk ? await wrkLoad(bridge.url) : undefined;
  const memory = await bridge.request<{ type: string; rss: number; maxRss: number }>({ type: 'memory' });
  const delivered = await fake.stats();
  await stopAll(bridge);
  const rounds = await floorRounds(fake.webhookUrl);
  await stopAll(fake);

  const share = rate(bridgeResult) / rate(bareResult);
  table.add('1 ingest throughput, bare Express (autocannon)', `${fmt.int(rate(bareResult))} req/s${failures(bareResult)}`);
  table.add('1 ingest throughput, bridge (SQLite, autocannon)', `${fmt.int(rate(bridgeResult))} req/s = ${fmt.x(share)} bare${failures(bridgeResult)}`, '≥ 0.80× bare', share >= 0.8 && failures(bridgeResult) === '');
  table.add(
    '1 CPU time per request (autocannon run), bare / bridge',
    `server ${fmt.int(bareUs)} / ${fmt.int(bridgeUs)} µs; autocannon ${fmt.int(bareLoadUs)} / ${fmt.int(bridgeLoadUs)} µs; ${os.cpus().length} cores`,
  );
  table.add('1 answer latency p50, bare / bridge', `${fmt.ms(bareResult.latency.p50)} / ${fmt.ms(bridgeResult.latency.p50)}`);
  const p99Ratio = bridgeResult.latency.p99 / bareResult.latency.p99;
  table.add('1 answer latency p99, bare / bridge', `${fmt.ms(bareResult.latency.p99)} / ${fmt.ms(bridgeResult.latency.p99)} = ${fmt.x(p99Ratio)}`, '≤ 2× bare', p99Ratio <= 2);
  if (bareWrk && bridgeWrk) {
    const wrkShare = bridgeWrk.rate / bareWrk.rate;
    const wrkBad = bareWrk.bad + bridgeWrk.bad > 0 ? ` (${bareWrk.bad} / ${bridgeWrk.bad} not 2xx)` : '';
    table.add(
      `1 wrk 1 thread × ${CONNECTIONS}: bare / bridge`,
      `${fmt.int(bareWrk.rate)} / ${fmt.int(bridgeWrk.rate)} req/s = ${fmt.x(wrkShare)}${wrkBad}`,
      '≥ 0.80× bare',
      wrkShare >= 0.8 && bridgeWrk.bad === 0,
    );
    const wrkP99 = bridgeWrk.p99Ms / bareWrk.p99Ms;
    table.add('1 wrk p99, bare / bridge', `${fmt.ms(bareWrk.p99Ms)} / ${fmt.ms(bridgeWrk.p99Ms)} = ${fmt.x(wrkP99)}`, '≤ 2× bare', wrkP99 <= 2);
  } else table.add('1 wrk', 'not installed (apt-get install wrk)');
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const floorShare = mean(rounds.bridge) / mean(rounds.floor);
  table.add(
    `1 durable floor / bridge, ${FLOOR_ROUNDS} alternating runs each (autocannon)`,
    `${rounds.floor.map(fmt.int).join(', ')} / ${rounds.bridge.map(fmt.int).join(', ')} req/s = ${fmt.x(floorShare)} floor`,
    '≥ 0.80× floor',
    floorShare >= 0.8,
  );
  table.add(
    '1 (bridge during the run)',
    `${fmt.int(delivered.embeds)} mentions delivered in ${fmt.int(delivered.messages)} Discord messages; peak RSS ${fmt.mb(memory.maxRss)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// 2. End to end at light load: POST → the fake Discord has the message
//
// The bridge runs in a child process (its own event loop, as in production); the fake Discord
// runs here, in the bench process, so that the send time and the receipt time are read on the
// same clock (performance.now()). Its message list is wrapped: each message is stamped the moment
// the fake stores it, after validation, before it answers. At one POST every 20 ms the bench
// process is nearly idle, so sharing it does not delay either side.

/** Stamps every message the fake stores with performance.now(). */
function stampReceipts(fake: DiscordFake): Map<FakeMessage, number> {
  const stamps = new Map<FakeMessage, number>();
  const messages = fake.messages;
  const push = messages.push.bind(messages);
  messages.push = (...items: FakeMessage[]) => {
    const now = performance.now();
    for (const item of items) stamps.set(item, now);
    return push(...items);
  };
  return stamps;
}

/** The markers (bench<run>m<n>x) found in a message, e.g. in its embeds' descriptions. */
function markersIn(message: FakeMessage, run: string): number[] {
  const pattern = new RegExp(`bench${run}m(\\d+)x`, 'g');
  return [...JSON.stringify(message.body).matchAll(pattern)].map((match) => Number(match[1]));
}

async function endToEndRow(): Promise<void> {
  const COUNT = 200;
  const EVERY_MS = 40;
  const WARMUP = 30;
  const fake = await startDiscordFake();
  try {
    const hook = fake.addWebhook();
    const stamps = stampReceipts(fake);
    const bridge = track(await startBridgeProcess({ dir, name: 'e2e', storage: { driver: 'sqlite', path: path.join(dir, 'e2e.db') }, webhookUrl: hook.url, events: ['mention'] }));
    await waitReady(bridge.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const run = `${Date.now() % 100000}`;
    const sentAt = new Map<number, number>();
    const answered: number[] = [];
    const statuses: number[] = [];

    const send = async (n: number) => {
      const body = JSON.stringify(mentionBody(`e2e-${run}-${n}`, `bench${run}m${n}x`));
      const at = performance.now();
      sentAt.set(n, at);
      const status = await postHook(bridge.url, body, agent, HOOK_HEADERS);
      if (n >= WARMUP) {
        answered.push(performance.now() - at);
        statuses.push(status);
      }
    };
    // a paced schedule: POST n leaves at start + n × EVERY_MS, whatever the answers do
    const schedule = async (from: number, to: number) => {
      const start = performance.now();
      const posts: Promise<void>[] = [];
      for (let n = from; n < to; n++) {
        const wait = start + (n - from) * EVERY_MS - performance.now();
        if (wait > 0) await sleep(wait);
        posts.push(send(n));
      }
      await Promise.all(posts);
    };
    await schedule(0, WARMUP);
    await schedule(WARMUP, WARMUP + COUNT);
    const deadline = Date.now() + 10_000;
    const receivedAt = new Map<number, number>();
    while (Date.now() < deadline) {
      for (const message of fake.messages) for (const n of markersIn(message, run)) if (!receivedAt.has(n)) receivedAt.set(n, stamps.get(message) ?? Number.NaN);
      if ([...receivedAt.keys()].filter((n) => n >= WARMUP).length >= COUNT) break;
      await sleep(20);
    }
    agent.destroy();
    await stopAll(bridge);

    const latencies: number[] = [];
    for (let n = WARMUP; n < WARMUP + COUNT; n++) {
      const received = receivedAt.get(n);
      if (received !== undefined) latencies.push(received - (sentAt.get(n) ?? Number.NaN));
    }
    const missing = COUNT - latencies.length;
    const bad = statuses.filter((status) => status !== 204).length;
    const note = `${missing > 0 ? `, ${missing} never arrived` : ''}${bad > 0 ? `, ${bad} answers not 204` : ''}`;
    if (process.env.BENCH_DEBUG) process.stderr.write(`e2e: ${latencies.map((l) => l.toFixed(1)).join(" ")}\nanswers: ${answered.map((l) => l.toFixed(1)).join(" ")}\n`);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    table.add(`2 end-to-end p50 (${COUNT} mentions, 1 per ${EVERY_MS} ms)`, `${fmt.ms(p50)}${note}`, '≤ 10 ms', p50 <= 10 && missing === 0);
    table.add('2 end-to-end p99', fmt.ms(p99), '≤ 40 ms', p99 <= 40 && missing === 0);
    table.add('2 (answer latency p50 / p99 at that load)', `${fmt.ms(percentile(answered, 50))} / ${fmt.ms(percentile(answered, 99))}`);
  } finally {
    await fake.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Drain of a 1,000-mention burst into one Discord webhook at 5 requests / 2 s
//
// A first bridge takes the burst while its sink fails the start-up check (the webhook's token
// is wrong), so all 1,000 jobs wait in the store; a second bridge on the same store, with the
// right token, then drains them. The drain is timed from the first message the fake stores to the
// last one, which is what the lower bound describes: 100 digests of 10 embeds, 5 per window, so
// the last one cannot come before 19 windows after the first. The fake runs here, in the bench
// process (it needs the messages' contents); the bridges run in child processes.

const DRAIN_TIMESCALE = Number(process.env.BENCH_DRAIN_TIMESCALE ?? 1);

async function drainRow(): Promise<void> {
  const BURST = 1000;
  const EMBEDS = 10;
  const { limit, windowMs: presetWindowMs } = RATE_LIMIT_PRESETS.webhook;
  const windowMs = presetWindowMs * DRAIN_TIMESCALE;
  const messagesNeeded = Math.ceil(BURST / EMBEDS);
  const bound = (Math.ceil(messagesNeeded / limit) - 1) * windowMs;
  const fake = await startDiscordFake({ rateLimits: 'discord', timeScale: DRAIN_TIMESCALE });
  try {
    const hook = fake.addWebhook();
    const stamps = stampReceipts(fake);
    const wrongToken = `${fake.apiBase}/webhooks/${hook.id}/${'x'.repeat(68)}`;
    const storage = { driver: 'sqlite' as const, path: path.join(dir, 'drain.db') };
    const taking = track(await startBridgeProcess({ dir, name: 'drain-ingest', storage, webhookUrl: wrongToken, events: ['mention'] }));
    const run = `${Date.now() % 100000}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < BURST) {
          const n = next++;
          statuses.push(await postHook(taking.url, JSON.stringify(mentionBody(`drain-${run}-${n}`, `bench${run}m${n}x`)), agent, HOOK_HEADERS));
        }
      }),
    );
    agent.destroy();
    const refused = statuses.filter((status) => status !== 204).length;
    if (refused > 0) throw new Error(`${refused} of the burst's POSTs were not answered 204`);
    await stopAll(taking);
    fake.clear();

    const draining = track(await startBridgeProcess({ dir, name: 'drain', storage, webhookUrl: hook.url, events: ['mention'] }));
    const seen = new Map<number, number>();
    let counted = 0;
    const count = () => {
      for (; counted < fake.messages.length; counted++) {
        for (const n of markersIn(fake.messages[counted]!, run)) seen.set(n, (seen.get(n) ?? 0) + 1);
      }
    };
    const deadline = Date.now() + Math.max(30_000, bound * 2);
    while (seen.size < BURST && Date.now() < deadline) {
      await sleep(50);
      count();
    }
    // anything sent twice would come shortly after: wait a few windows more
    await sleep(3 * windowMs);
    count();
    await stopAll(draining);

    const received = fake.messages.map((message) => stamps.get(message) ?? Number.NaN);
    if (process.env.BENCH_DEBUG) {
      const gaps = received.slice(1).map((at, i) => `${(at - (received[i] ?? 0)).toFixed(0)}/${fake.messages[i + 1]?.embeds.length}`);
      process.stderr.write(`drain gaps ms/embeds: ${gaps.join(' ')}\n`);
    }
    const drain = Math.max(...received) - Math.min(...received);
    const execute = fake.requests.filter((request) => request.route === 'webhook-execute');
    const limited = execute.filter((request) => request.status === 429).length;
    const lost = BURST - seen.size;
    const duplicated = [...seen.values()].reduce((sum, times) => sum + times - 1, 0);
    const ratio = drain / bound;
    const scale = DRAIN_TIMESCALE === 1 ? '' : `, the fake's clock ${fmt.x(1 / DRAIN_TIMESCALE)}`;
    table.add(
      `3 drain of ${BURST} mentions (${limit} per ${fmt.s(windowMs)}${scale})`,
      `${fmt.s(drain)} in ${fake.messages.length} messages; bound ${fmt.s(bound)}; ratio ${ratio.toFixed(3)}`,
      'ratio ≤ 1.10',
      ratio <= 1.1,
    );
    table.add('3 requests answered 429', `${limited} of ${execute.length} = ${fmt.pct(limited / Math.max(1, execute.length))}`, '≤ 2 %', limited / Math.max(1, execute.length) <= 0.02);
    table.add('3 lost', String(lost), '0', lost === 0);
    table.add('3 duplicated', String(duplicated), '0', duplicated === 0);
  } finally {
    await fake.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Memory with 50,000 jobs waiting, and the start-up with that backlog
//
// For two configs: the built-in default's single console sink, and one Discord sink. The store is
// filled here, in the bench process, through Store.accept (one transaction per event, as
// ingest does) with the jobs the bridge itself plans for the fixtures that carry a note and for
// long MFM notes (src/ingest.ts plan()): filling it through HTTP would take
// minutes at the bridge's ingest rate. A bridge then runs on that store: it takes more events over
// HTTP, is scraped by /metrics and polls the backlog, and its RSS is read; the same on an empty
// store for comparison. The Discord sink fails its start-up check (wrong webhook token, same
// lane), so its backlog stays; the console sink prints its backlog meanwhile (into the child's
// output file). Then a bridge restarts on the same store (Discord: with the right token) and the
// time to /readyz 200 is taken.

const BACKLOG = 50_000;
const RSS_TARGET = 150 * 1024 * 1024;
const READY_TARGET_MS = 500;

/** The one sink of a backlog run: its config line, and what ingest knows of it. */
interface BacklogSink {
  name: 'console' | 'discord';
  yaml: string;
  /** the sink's destination key, as the sink itself makes it */
  lane: string;
}

async function fillStore(file: string, sink: BacklogSink, count: number): Promise<void> {
  const config = parseConfig(
    `sources: { alice: { secret: x } }
sinks: { ${sink.name}: ${sink.yaml} }
routes: [ { name: everything, events: "*", filter: { visibility: [public, home, followers, specified] }, to: [${sink.name}] } ]`,
    'bench.yaml',
    {},
  );
  const deps = { config, lanes: new Map([[sink.name, sink.lane]]) };
  const planned = noteCorpus().map((entry) => plan(normalize({ source: 'alice', payload: entry.body, misskeyHost: entry.host }), deps));
  const queue = openSqliteStore({ path: file });
  const now = Date.now();
  for (let n = 0; n < count; n++) {
    const eventId = `backlog-${n}`;
    const jobs = (planned[n % planned.length] ?? []).map((job) => ({ ...job, eventId, id: `alice:${eventId}:${job.route}:${job.sink}` }));
    await queue.jobs.accept('alice', eventId, jobs, now);
  }
  await queue.close();
}

type Memory = { type: string; rss: number; maxRss: number };

/** what a bridge with waiting jobs goes through: more webhooks, Prometheus scrapes, the worker polling */
async function exercise(bridge: BridgeProcess) {
  const extra = await load(bridge.url, 3, 10);
  for (let i = 0; i < 3; i++) await fetch(`${bridge.url}/metrics`).then((response) => response.text());
  await sleep(3000);
  const memory = await bridge.request<Memory>({ type: 'memory' });
  const stats = await bridge.request<{ type: string; lanes: { depth: number }[] }>({ type: 'stats' });
  await stopAll(bridge);
  return { extra, memory, depth: stats.lanes.reduce((sum, lane) => sum + lane.depth, 0) };
}

/**
 * One config's part of row 4. `waitingUrl` is the Discord webhook of the bridge whose RSS is read
 * (one that fails), `readyUrl` the one of the bridges that must become ready; both undefined for
 * the console sink.
 */
async function backlogRun(label: string, sink: BacklogSink, urls: { waitingUrl?: string; readyUrl?: string }): Promise<void> {
  const name = `backlog-${sink.name}`;
  const storage = { driver: 'sqlite' as const, path: path.join(dir, `${name}.db`) };
  const setup = (suffix: string, store: Storage, webhookUrl: string | undefined) => ({ dir, name: `${name}-${suffix}`, storage: store, webhookUrl, events: '*' as const });

  // the same on an empty store, for comparison
  const empty = track(await startBridgeProcess(setup('empty', { driver: 'sqlite', path: path.join(dir, `${name}-empty.db`) }, urls.waitingUrl)));
  const baseline = await exercise(empty);

  const filling = performance.now();
  await fillStore(storage.path, sink, BACKLOG);
  const fillMs = performance.now() - filling;

  // the console sink prints its backlog while this runs: measured on a copy, so the restart below still has it all
  const waitingStorage = sink.name === 'console' ? { ...storage, path: path.join(dir, `${name}-drained.db`) } : storage;
  if (waitingStorage !== storage) copyFileSync(storage.path, waitingStorage.path);
  const waiting = track(await startBridgeProcess(setup('waiting', waitingStorage, urls.waitingUrl)));
  const { extra, memory: waitingMemory, depth } = await exercise(waiting);

  // and an idle bridge on an empty store that is ready: the start-up without a backlog
  const idle = track(await startBridgeProcess(setup('idle', { driver: 'sqlite', path: path.join(dir, `${name}-idle.db`) }, urls.readyUrl)));
  const idleReady = (await waitReady(idle.url, 30_000, 1)) - idle.spawnedAt;
  await stopAll(idle);

  const restarted = track(await startBridgeProcess(setup('restart', storage, urls.readyUrl)));
  const readyAt = await waitReady(restarted.url, 30_000, 1);
  await stopAll(restarted);

  const fromSpawn = readyAt - restarted.spawnedAt;
  const fromLoaded = readyAt - restarted.loadedAt;
  table.add(`4 ${label}: peak RSS, empty store`, `${fmt.mb(baseline.memory.maxRss)} (now ${fmt.mb(baseline.memory.rss)})`, '≤ 150 MB', baseline.memory.maxRss <= RSS_TARGET);
  table.add(
    `4 ${label}: peak RSS, ${fmt.int(BACKLOG)} jobs waiting`,
    `${fmt.mb(waitingMemory.maxRss)} (now ${fmt.mb(waitingMemory.rss)}; ${fmt.int(depth)} still waiting at the end)`,
    '≤ 150 MB',
    waitingMemory.maxRss <= RSS_TARGET,
  );
  table.add(
    `4 ${label}: time to ready after restart, ${fmt.int(BACKLOG)} waiting`,
    `${fmt.ms(fromSpawn)} from process start (${fmt.ms(fromLoaded)} after loading modules); empty store: ${fmt.ms(idleReady)}`,
    `≤ ${READY_TARGET_MS} ms`,
    fromSpawn <= READY_TARGET_MS,
  );
  table.add(
    `4 ${label}: (filling)`,
    `${fmt.int(BACKLOG)} events stored directly in ${fmt.s(fillMs)}, then ${fmt.int(extra['2xx'])} more over HTTP${failures(extra)}`,
  );
}

async function backlogRow(): Promise<void> {
  await backlogRun('console only (the built-in default)', { name: 'console', yaml: '{ type: console }', lane: 'console:console' }, {});

  const fake = track(await startFakeProcess(dir));
  const webhookId = /webhooks\/(\d+)\//.exec(fake.webhookUrl)?.[1] ?? '';
  const discord: BacklogSink = {
    name: 'discord',
    yaml: `{ type: discord, webhookUrl: "http://127.0.0.1:1/api/webhooks/${webhookId}/${'x'.repeat(68)}" }`,
    lane: `discord:webhook:${webhookId}`,
  };
  await backlogRun('one Discord sink', discord, { waitingUrl: fake.wrongTokenUrl, readyUrl: fake.webhookUrl });
  await stopAll(fake);
}

// ---------------------------------------------------------------------------------------------
// 5. Ingest on a Redis store, one and two bridge instances
//
// Two instances share one Redis under a unique prefix; the load is split evenly between them by
// two autocannon runs at once (half the connections each). The prefix's keys are deleted after.

/** shorter than row 1's runs: the whole bench stays under 3 minutes */
const REDIS_DURATION = Math.max(3, Math.round(DURATION * 0.6));

async function redisRow(): Promise<void> {
  const prefix = `misskey-bridge-bench-${process.pid}-${Date.now()}`;
  let reason = await redisProblem(prefix);
  if (reason) {
    table.add('5 ingest on Redis', `not available: ${reason}`);
    return;
  }
  const storage = { driver: 'redis' as const, url: REDIS_URL, prefix };
  try {
    const fake = track(await startFakeProcess(dir));
    const start = async (name: string) => {
      const bridge = track(await startBridgeProcess({ dir, name, storage, webhookUrl: fake.webhookUrl, events: ['mention'] }));
      await waitReady(bridge.url, 15_000);
      return bridge;
    };
    let one: AutocannonResult;
    let two: AutocannonResult[];
    try {
      const first = await start('redis-1');
      await load(first.url, WARMUP_S);
      one = await load(first.url, REDIS_DURATION);
      const second = await start('redis-2');
      await load(second.url, WARMUP_S);
      two = await Promise.all([load(first.url, REDIS_DURATION, CONNECTIONS / 2), load(second.url, REDIS_DURATION, CONNECTIONS / 2)]);
    } catch (error) {
      reason = (error as Error).message.split('\n').slice(0, 3).join(' ');
      table.add('5 ingest on Redis', `not available: ${reason}`);
      return;
    }
    const twoRate = two.reduce((sum, result) => sum + rate(result), 0);
    const twoFailures = two.map(failures).join('');
    table.add('5 ingest on Redis, 1 instance', `${fmt.int(rate(one))} req/s, p99 ${fmt.ms(one.latency.p99)}${failures(one)}`);
    table.add(
      '5 ingest on Redis, 2 instances',
      `${fmt.int(twoRate)} req/s = ${fmt.x(twoRate / rate(one))} one instance, p99 ${fmt.ms(Math.max(...two.map((result) => result.latency.p99)))}${twoFailures}`,
    );
  } finally {
    await stopAll(...children.splice(0));
    await deleteRedisPrefix(prefix).catch((error: unknown) => process.stderr.write(`could not delete the Redis keys under ${prefix}: ${String(error)}\n`));
  }
}

/** Why the Redis row cannot run: the store fails to open, ping or accept; undefined when it can. */
async function redisProblem(prefix: string): Promise<string | undefined> {
  let queue: Store | undefined;
  try {
    const { openRedisStore } = await import('../src/store/redis/store');
    queue = await withTimeout(openRedisStore({ url: REDIS_URL, prefix }), 5000, 'openRedisStore');
    await withTimeout(queue.ping(), 3000, `ping of ${REDIS_URL}`);
    await withTimeout(queue.jobs.accept('probe', 'probe', [], Date.now()), 3000, 'accept');
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  } finally {
    await queue?.close().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Deletes every key under `${prefix}:` (SCAN + UNLINK), and nothing else. */
async function deleteRedisPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Render speed (the figures of `npm run bench:render`)

async function renderRow(): Promise<void> {
  await addRenderRows(table, '6 render ', Number(process.env.BENCH_RENDER_SECONDS ?? 2));
}

// ---------------------------------------------------------------------------------------------
// 7. Failover: two bridges on one Redis and a Matrix room; the one sending a digest is killed
//
// The homeserver holds the first send (it answers after two minutes), so the killed bridge dies
// holding that digest's lease. Timed from the SIGKILL to the moment the last mention is in the
// room; duplicates are mentions the room shows twice (the transaction ids prevent them).

const FAILOVER_MENTIONS = 20;
const FAILOVER_ROOM = '!ops:example.org';

async function failoverRow(): Promise<void> {
  const prefix = `misskey-bridge-bench-failover-${process.pid}-${Date.now()}`;
  const reason = await redisProblem(prefix);
  if (reason) {
    table.add('7 failover', `not available: ${reason}`);
    return;
  }
  const matrix = await startMatrixFake({ rooms: [{ id: FAILOVER_ROOM, members: ['@bot:example.org'] }] });
  try {
    const sink = { name: 'ops', yaml: `{ type: matrix, homeserver: ${JSON.stringify(matrix.url)}, accessToken: bot-access-token, room: ${JSON.stringify(FAILOVER_ROOM)} }` };
    const start = async (name: string) => {
      const bridge = track(await startBridgeProcess({ dir, name, storage: { driver: 'redis', url: REDIS_URL, prefix }, sink, events: ['mention'] }));
      await waitReady(bridge.url, 15_000);
      return bridge;
    };
    const victim = await start('failover-1');
    matrix.inject('send', { kind: 'latency', ms: 120_000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const run = `${Date.now() % 100000}`;
    for (let n = 0; n < FAILOVER_MENTIONS; n++) await postHook(victim.url, JSON.stringify(mentionBody(`failover-${run}-${n}`, `fo${run}m${n}x`)), agent, HOOK_HEADERS);
    agent.destroy();
    while (matrix.sendRequests() === 0) await sleep(20);
    await start('failover-2');
    const killedAt = performance.now();
    victim.proc.kill('SIGKILL');
    const counts = () => {
      const seen = new Map<number, number>();
      for (const event of matrix.timeline(FAILOVER_ROOM)) {
        for (const n of new Set([...JSON.stringify(event.content).matchAll(new RegExp(`fo${run}m(\\d+)x`, 'g'))].map((m) => Number(m[1])))) seen.set(n, (seen.get(n) ?? 0) + 1);
      }
      return seen;
    };
    while (counts().size < FAILOVER_MENTIONS && performance.now() - killedAt < 60_000) await sleep(50);
    const took = performance.now() - killedAt;
    const seen = counts();
    const duplicated = [...seen.values()].reduce((sum, times) => sum + times - 1, 0);
    const missing = FAILOVER_MENTIONS - seen.size;
    table.add(
      `7 failover: SIGKILL of the bridge holding a digest lease → last of ${FAILOVER_MENTIONS} mentions in the room`,
      `${fmt.s(took)}${missing > 0 ? `, ${missing} missing after 60 s` : ''} (lease 15 s, renewed every 5 s)`,
      '≤ 20 s',
      took <= 20_000 && missing === 0,
    );
    table.add('7 failover: mentions shown twice on Matrix', String(duplicated), '0', duplicated === 0);
  } finally {
    await matrix.close();
    await deleteRedisPrefix(prefix);
  }
}

// ---------------------------------------------------------------------------------------------
// main

const ROWS: [string, string, () => Promise<void>][] = [
  ['1', 'ingest', ingestRow],
  ['2', 'end to end', endToEndRow],
  ['3', 'drain', drainRow],
  ['4', 'backlog', backlogRow],
  ['5', 'redis', redisRow],
  ['6', 'render', renderRow],
  ['7', 'failover', failoverRow],
];

async function main(): Promise<void> {
  const started = Date.now();
  // other work on the machine skews every figure: say how busy it was
  const loadBefore = os.loadavg()[0]?.toFixed(2) ?? '?';
  dir = mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-bench-'));
  transpileSources(path.join(dir, 'js'));
  try {
    for (const [id, name, run] of ROWS) {
      if (ONLY && !ONLY.includes(id)) continue;
      process.stderr.write(`row ${id}: ${name}…\n`);
      const rowStarted = Date.now();
      try {
        await run();
        process.stderr.write(`row ${id} took ${((Date.now() - rowStarted) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        table.add(`${id} ${name}`, `failed: ${(error as Error).message.split('\n')[0]}`, '', false);
        process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      } finally {
        await stopAll(...children.splice(0));
      }
    }
  } finally {
    if (process.env.BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  table.print(`misskey-bridge bench — ${os.cpus().length} cores, Node ${process.version}, ${seconds} s; load average before the run ${loadBefore}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

