import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
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
import { startModeration } from './interact/start';

export interface BridgeOptions {
  config: Config;
  logger: Logger;
  /** a store to use instead of the configured one (tests) */
  store?: Store;
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
  const templates = new TemplateStore(templateFolders(config.templates), config.render, logger, templatePlatforms(config));
  const missing = missingRouteTemplates(config.routes, templates.get());
  if (missing.length > 0) throw new TemplateError(missing.join('\n'));
  const store = options.store ?? (await openStore(config.storage));
  const sinks = new Map(Object.entries(config.sinks).map(([name, sinkConfig]) => [name, createSink(name, sinkConfig, { logger })]));
  const started = new Set<string>();
  const moderation = startModeration({ config, claims: store.claims, audit: store.audit, logger, now });
  const starting = [...sinks.values()].map((sink) => keepStarting(sink, started, logger));

  const worker = new DeliveryWorker({
    store,
    sinks,
    policy: config.delivery,
    render: templateRenderer(() => templates.get(), config.delivery.renderBudget),
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
    },
    renderSummary: summaryRenderer(() => templates.get()),
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
  const status = statusAnswers(store, sinks, started, metrics, now);
  const app = createReceiver({
    bodyLimit: config.server.bodyLimit,
    logger,
    authorize: (request) => authorize(request, config),
    ingest: async (request) => {
      const outcome = await ingest(request, ingestDeps);
      if (outcome.result === 'stored' && outcome.dueLanes.length > 0) worker.wake(outcome.dueLanes);
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
    async stop(graceMs = 10_000) {
      accepting = false;
      await studio?.close();
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
function statusAnswers(store: Store, sinks: ReadonlyMap<string, Sink>, started: ReadonlySet<string>, metrics: Metrics, now: () => number) {
  return {
    readiness: () => readiness(store, sinks, started),
    metrics: async () => {
      metrics.setQueueStats(await store.jobs.stats(), now());
      metrics.setSinkPauses(sinks.keys(), await store.pauses.list());
      metrics.setInstances(await store.instances.list(), now());
      return metrics.expose();
    },
  };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
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
