import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Config } from './config';
import { readerOf, renderSettings } from './config/locale';
import { templateRenderer } from './deliver/render-jobs';
import { startHeartbeat } from './deliver/heartbeat';
import { summaryRenderer } from './deliver/summary';
import { DeliveryWorker } from './deliver/worker';
import { authorize, ingest, type IngestDeps } from './ingest';
import type { Logger } from './observe/logger';
import { Metrics } from './observe/metrics';
import { unroutedReporter } from './observe/unrouted';
import { openStore } from './store/open';
import type { Store } from './store/store';
import { createReceiver, createStatusApp, listen } from './receive/http';
import { HoldPlanner } from './route/hold';
import { TemplateStore, missingRouteTemplates, templateFolders } from './render/template-store';
import { TemplateError } from './render/templates';
import { PLATFORMS, type Platform } from './render/message';
import { createSink, SINKS } from './sinks/registry';
import type { Sink } from './deliver/sink';
import type { RunningStudio } from './studio/server';
import type { RunningPage } from './web/local-server';
import { startModeration } from './interact/start';
import type { RunningStreams, StreamDeps } from './stream';
import type { StreamStateStore } from './store/stream';

export interface BridgeOptions {
  config: Config;
  logger: Logger;
  /** a store to use instead of the configured one (tests) */
  store?: Store;
  /** the stream sources' state to use instead of the configured store's (tests) */
  streamState?: StreamStateStore;
  now?: () => number;
  /** worker tuning (tests use short polls) */
  worker?: { pollMs?: number; leaseMs?: number; digestThreshold?: number };
  /** watch template files for edits (default true) */
  watchTemplates?: boolean;
}

export interface RunningBridge {
  url: string;
  port: number;
  /** the status port's URL, when `server.metrics` gives one */
  statusUrl?: string;
  store: Store;
  worker: DeliveryWorker;
  templates: TemplateStore;
  sinks: ReadonlyMap<string, Sink>;
  metrics: Metrics;
  /** the template playground, when `studio.enabled` */
  studio?: RunningStudio;
  /** the operations page, when `ops.enabled` */
  ops?: RunningPage;
  /** stop accepting (503), let sends in flight finish within `graceMs`, close everything */
  stop(graceMs?: number): Promise<void>;
}

/** How often a sink whose start-up check failed is checked again. */
const SINK_RESTART_MS = 30_000;

/** Wiring only: config → store → templates → sinks → HTTP → workers. */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const metrics = new Metrics();
  const templates = new TemplateStore(templateFolders(config.templates), renderSettings(config), logger, templatePlatforms(config));
  const readers = (sink: string | undefined) => readerOf(config, sink);
  const missing = missingRouteTemplates(config.routes, templates.get());
  if (missing.length > 0) throw new TemplateError(missing.join('\n'));
  const store = options.store ?? (await openStore(config.storage));
  const sinks = new Map(Object.entries(config.sinks).map(([name, sinkConfig]) => [name, createSink(name, sinkConfig, { logger })]));
  const started = new Set<string>();
  const sinkWording = (sink: string) => templates.get().wording(readerOf(config, sink));
  const moderation = startModeration({ config, claims: store.claims, audit: store.audit, logger, now, wording: sinkWording });
  const starting = [...sinks.values()].map((sink) => keepStarting(sink, started, logger));

  const worker = new DeliveryWorker({
    store,
    sinks,
    policy: config.delivery,
    render: templateRenderer(() => templates.get(), config.delivery.renderBudget, readers),
    logger: logger.child({ component: 'deliver' }),
    metrics,
    now,
    ...options.worker,
    leaseMs: options.worker?.leaseMs ?? config.delivery.leaseTime,
    noDigest: new Set(Object.entries(config.sinks).filter(([, sink]) => sink.batch === 'off').map(([name]) => name)),
    isReady: (name) => started.has(name),
    conversations: {
      keepMs: config.conversations.keep,
      threadsOff: new Set(Object.entries(config.sinks).filter(([, sink]) => sink.threads === 'off').map(([name]) => name)),
      wording: sinkWording,
    },
    renderSummary: summaryRenderer(() => templates.get(), readers),
    cardActions: moderation.cardActions,
  });

  const heartbeat = startHeartbeat({ instances: store.instances, leasesHeld: () => worker.leasesHeld(), logger, now });
  let accepting = true;
  const lanes = new Map([...sinks].map(([name, sink]) => [name, sink.lane]));
  const holds = new HoldPlanner(config, now);
  // summaries still pending from before a restart take new events of their groups
  holds.seed(
    await store.jobs.pendingHolds().catch((error: unknown) => {
      logger.warn({ err: error }, 'cannot read the pending summaries; new events start summaries of their own');
      return [];
    }),
  );
  const ingestDeps: IngestDeps = { config, lanes, jobs: store.jobs, now, accepting: () => accepting, holds };

  const unrouted = unroutedReporter({ metrics, logger, now });
  const streams = await startStreams(options, { ingest: ingestDeps, metrics, now, unrouted, wake: (lanes) => worker.wake(lanes) });
  const status = statusAnswers(store, sinks, started, metrics, now, streams);
  const app = createReceiver({
    bodyLimit: config.server.bodyLimit,
    logger,
    authorize: (request) => authorize(request, config),
    ingest: async (request) => {
      const outcome = await ingest(request, ingestDeps);
      if (outcome.result === 'stored' && outcome.dueLanes.length > 0) worker.wake(outcome.dueLanes);
      if (outcome.result === 'stored') metrics.activity.eventStored(outcome.event.source, outcome.sinks, now());
      if (outcome.result === 'stored' && outcome.jobs === 0) unrouted(outcome.event);
      return outcome;
    },
    ...status,
    interactions: moderation.router,
    statusElsewhere: config.server.metrics !== undefined,
    observe: ({ source, type, outcome, status, seconds }) => {
      // a closed set of labels: any path may be posted to, only configured sources are named
      metrics.eventsReceived.inc({ source: Object.hasOwn(config.sources, source) ? source : 'unknown', type, outcome });
      metrics.httpDuration.observe({ status: String(status) }, seconds);
    },
  });

  const server = await listen(app, config.server);
  const port = (server.address() as AddressInfo).port;
  const statusPort = config.server.metrics;
  const statusServer = statusPort && (await listen(createStatusApp(status), { ...config.server, ...statusPort }));
  // the worker waits for the sinks' first start-up checks, so nothing queued waits on a check in flight
  let stopped = false;
  void Promise.allSettled(starting.map((start) => start.first)).then(() => stopped || worker.start());
  if (options.watchTemplates !== false) templates.watch();
  const studio = config.studio.enabled
    ? await (await import('./studio/server')).startStudio({ ...config.studio, config, logger, templates: () => templates.get(), recentEvents: (limit) => store.recent.list(limit) })
    : undefined;
  const ops = config.ops.enabled ? await startOpsPage({ config, logger, store, sinks, started, metrics, templates }) : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    statusUrl: statusServer ? `http://${statusPort.host}:${(statusServer.address() as AddressInfo).port}` : undefined,
    store,
    worker,
    templates,
    sinks,
    metrics,
    studio,
    ops,
    async stop(graceMs = 10_000) {
      await streams?.stop();
      accepting = false;
      await studio?.close();
      await ops?.close();
      stopped = true;
      starting.forEach((start) => clearInterval(start.timer));
      templates.close();
      await worker.stop(graceMs);
      await moderation.stop();
      await heartbeat.stop();
      await Promise.all([server, statusServer].map(closeServer));
      await Promise.all([...sinks.values()].map((sink) => sink.close().catch(() => undefined)));
      await store.close();
    },
  };
}

/** What `/readyz` and `/metrics` answer, on whichever port serves them. */
function statusAnswers(store: Store, sinks: ReadonlyMap<string, Sink>, started: ReadonlySet<string>, metrics: Metrics, now: () => number, streams?: RunningStreams) {
  return {
    readiness: async () => {
      const [ready, stream] = await Promise.all([readiness(store, sinks, started), streams?.readiness() ?? {}]);
      return { ready: ready.ready && Object.values(stream).every((value) => value === 'ok'), checks: { ...ready.checks, ...stream } };
    },
    metrics: async () => {
      streams?.refreshMetrics();
      metrics.setQueueStats(await store.jobs.stats(), now());
      metrics.setSinkPauses(sinks.keys(), await store.pauses.list());
      metrics.setInstances(await store.instances.list(), now());
      return metrics.expose();
    },
  };
}

/** The stream sources, when the config has any, with their state beside the queue. */
async function startStreams(
  options: BridgeOptions,
  wiring: Pick<StreamDeps, 'ingest' | 'metrics' | 'now' | 'unrouted' | 'wake'>,
): Promise<RunningStreams | undefined> {
  if (!Object.values(options.config.sources).some((source) => source.stream)) return undefined;
  // loaded only when a source reads the streaming API (its client, ws, the notification types)
  const [{ startStreamSources }, { openStreamState }] = await Promise.all([import('./stream'), import('./store/open-stream')]);
  const state = options.streamState ?? (await openStreamState(options.config.storage));
  const running = startStreamSources({ ...wiring, config: options.config, state, logger: options.logger.child({ component: 'stream' }) });
  return {
    ...running,
    async stop() {
      await running.stop();
      if (!options.streamState) await state.close();
    },
  };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

interface OpsWiring {
  config: Config;
  logger: Logger;
  store: Store;
  sinks: ReadonlyMap<string, Sink>;
  started: ReadonlySet<string>;
  metrics: Metrics;
  templates: TemplateStore;
}

/** The operations page, reading the store through its own interface and this process's activity. */
async function startOpsPage(wiring: OpsWiring): Promise<RunningPage> {
  const [{ startOps }, { opsStoreOf }] = await Promise.all([import('./ops/server'), import('./ops/store-adapter')]);
  const { config, templates, started } = wiring;
  return startOps({
    ...config.ops,
    logger: wiring.logger,
    store: opsStoreOf(wiring.store),
    live: { config, sinks: wiring.sinks, isReady: (name) => started.has(name), activity: wiring.metrics.activity, templates: () => templates.get(), host: os.hostname() },
  });
}

/** The platforms whose templates the bridge loads: its sinks' (every one for the studio). */
function templatePlatforms(config: Config): readonly Platform[] {
  const platforms = new Set(Object.values(config.sinks).map((sink) => SINKS[sink.type].platform));
  return config.studio.enabled || platforms.size === 0 ? PLATFORMS : [...platforms];
}

/** Starts a sink; one that fails its start-up check is tried again until it passes. */
function keepStarting(sink: Sink, started: Set<string>, logger: Logger): { first: Promise<void>; timer: NodeJS.Timeout } {
  const attempt = () =>
    sink.start().then(
      () => {
        if (!started.has(sink.name)) logger.info({ sink: sink.name, type: sink.type }, 'sink ready');
        started.add(sink.name);
        clearInterval(timer);
      },
      (error: unknown) => logger.error({ sink: sink.name, reason: (error as Error).message }, 'sink failed its start-up check; its messages wait in the queue'),
    );
  const timer = setInterval(attempt, SINK_RESTART_MS);
  timer.unref();
  return { first: attempt(), timer };
}

async function readiness(store: Pick<Store, 'ping'>, sinks: ReadonlyMap<string, Sink>, started: ReadonlySet<string>) {
  const checks: Record<string, string> = {};
  try {
    await store.ping();
    checks.store = 'ok';
  } catch (error) {
    checks.store = (error as Error).message;
  }
  for (const [name, sink] of sinks) {
    const health = sink.health();
    checks[`sink:${name}`] = !started.has(name) ? 'starting' : health.ok ? 'ok' : health.reason;
  }
  return { ready: Object.values(checks).every((value) => value === 'ok'), checks };
}
