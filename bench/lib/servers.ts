/** Starting the processes under test: bridges (with their config files), the bare app, the fake Discord. */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { DiscordFakeOptions } from '../../test/fakes/discord-fake';
import { SECRET } from './payloads';
import { forkTs, wallClock, type Child, type IpcMessage } from './process';

export type Storage = { driver: 'sqlite'; path: string } | { driver: 'redis'; url: string; prefix: string };

export interface BridgeSetup {
  /** the run's temp folder: config, log and output files go here */
  dir: string;
  /** names the files, e.g. "ingest" */
  name: string;
  storage: Storage;
  /** the Discord sink's webhook; without it the one sink is a console sink (stdout, in the child's output file) */
  webhookUrl?: string;
  /** another sink instead: its name and YAML flow mapping */
  sink?: { name: string; yaml: string };
  /** event types routed to the sink; "*" routes every event of every visibility */
  events: string[] | '*';
}

export interface BridgeProcess extends Child {
  url: string;
  /** wall-clock ms when the child had loaded its modules and began starting the bridge */
  loadedAt: number;
  /** wall-clock ms when the HTTP listener was up */
  listeningAt: number;
  /** wall-clock ms when the fork was asked for */
  spawnedAt: number;
  logFile: string;
}

const quote = (text: string) => JSON.stringify(text);

export function bridgeConfig(setup: BridgeSetup): string {
  const storage =
    setup.storage.driver === 'sqlite'
      ? `{ driver: sqlite, path: ${quote(setup.storage.path)} }`
      : `{ driver: redis, url: ${quote(setup.storage.url)}, prefix: ${quote(setup.storage.prefix)} }`;
  const sink = setup.sink?.name ?? (setup.webhookUrl === undefined ? 'console' : 'discord');
  const sinkLine = setup.sink
    ? `${setup.sink.name}: ${setup.sink.yaml}`
    : setup.webhookUrl === undefined
      ? 'console: { type: console }'
      : `discord: { type: discord, webhookUrl: ${quote(setup.webhookUrl)} }`;
  const route =
    setup.events === '*'
      ? `{ name: everything, events: "*", filter: { visibility: [public, home, followers, specified] }, to: [${sink}] }`
      : `{ name: mentions, events: [${setup.events.join(', ')}], to: [${sink}] }`;
  return `server: { host: 127.0.0.1, port: 0 }
storage: ${storage}
sources:
  alice: { secret: ${quote(SECRET)} }
sinks:
  ${sinkLine}
routes:
  - ${route}
`;
}

/**
 * The V8 flags the bridge runs with in production (see docs/performance.md): a young generation of
 * 4 MB × 3 instead of 16 MB × 3, and an old generation collected once it grows by half.
 */
export const BRIDGE_NODE_FLAGS = '--max-semi-space-size=4 --heap-growing-percent=50';

/** Forks a bridge with this setup and waits until it listens (not until it is ready). */
export async function startBridgeProcess(setup: BridgeSetup): Promise<BridgeProcess> {
  const configFile = path.join(setup.dir, `${setup.name}.yaml`);
  const logFile = path.join(setup.dir, `${setup.name}.log`);
  writeFileSync(configFile, bridgeConfig(setup));
  const spawnedAt = wallClock();
  const child = forkTs('children/bridge.ts', [configFile, logFile], path.join(setup.dir, `${setup.name}.out`), {
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // the V8 flags `npm start`, the bin and the Docker image run the bridge with
    BENCH_NODE_ARGS: `${BRIDGE_NODE_FLAGS} ${process.env.BENCH_NODE_ARGS ?? ''}`,
  });
  try {
    const listening = await child.next<IpcMessage & { port: number; loadedAt: number; listeningAt: number }>('listening', 60_000);
    return { ...child, url: `http://127.0.0.1:${listening.port}`, loadedAt: listening.loadedAt, listeningAt: listening.listeningAt, spawnedAt, logFile };
  } catch (error) {
    child.proc.kill('SIGKILL');
    throw error;
  }
}

/** Polls GET /readyz every `everyMs` until it answers 200; resolves with the wall-clock time of that answer. */
export async function waitReady(url: string, timeoutMs = 30_000, everyMs = 2): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const { status, body } = await get(`${url}/readyz`);
    if (status === 200) return wallClock();
    last = body;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${last}`);
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

export async function startBare(dir: string): Promise<Child & { url: string }> {
  const child = forkTs('children/bare.ts', [], path.join(dir, 'bare.out'));
  const { port } = await child.next<IpcMessage & { port: number }>('listening', 30_000);
  return { ...child, url: `http://127.0.0.1:${port}` };
}

/** The durable floor (bench/durable-floor.cjs) on a free port, storing into `dbFile`. */
export async function startFloor(dir: string, dbFile: string): Promise<Child & { url: string }> {
  const child = forkTs('children/floor.ts', [dbFile], path.join(dir, 'floor.out'));
  const { port } = await child.next<IpcMessage & { port: number }>('listening', 30_000);
  return { ...child, url: `http://127.0.0.1:${port}` };
}

export interface FakeProcess extends Child {
  webhookUrl: string;
  wrongTokenUrl: string;
  stats(): Promise<{ messages: number; embeds: number; requests: number; tooManyRequests: number; rejected: number }>;
}

export async function startFakeProcess(dir: string, options: DiscordFakeOptions = {}): Promise<FakeProcess> {
  const child = forkTs('children/discord.ts', [JSON.stringify(options)], path.join(dir, 'discord-fake.out'));
  const { webhookUrl, wrongTokenUrl } = await child.next<IpcMessage & { webhookUrl: string; wrongTokenUrl: string }>('listening', 30_000);
  return { ...child, webhookUrl, wrongTokenUrl, stats: () => child.request({ type: 'stats' }) as never };
}

/** POSTs a webhook body over a keep-alive agent; resolves with the status. */
export function postHook(url: string, body: string, agent: http.Agent, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/hooks/alice`, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}
