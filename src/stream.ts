/**
 * Stream sources wired to the inbound path: each notification or chat message a source reads is
 * normalized, routed and stored like a webhook event (its id as the event id), under a lease that
 * lets exactly one instance read each source.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config, StreamSourceConfig } from './config';
import { ingestEvent, type IngestDeps } from './ingest';
import type { Event } from './normalize/event';
import { InvalidPayloadError } from './normalize/normalize';
import { normalizeChatMessage, normalizeNotification } from './normalize/notification';
import type { Logger } from './observe/logger';
import type { Metrics } from './observe/metrics';
import { StreamSource, type StreamItem, type StreamSettings } from './receive/stream/source';
import type { StreamStateStore } from './store/stream';

/** Notifications Misskey keeps per user. */
export const MISSKEY_KEEPS = 500;
const PAGE_SIZE = 100;
/** `/readyz` checks a token at most this often, and waits this long for the answer */
const READY_CHECK_MS = 2_000;
const READY_CHECK_TIMEOUT_MS = 3_000;

export interface StreamDeps {
  config: Config;
  ingest: Omit<IngestDeps, 'config'> & Pick<IngestDeps, 'config'>;
  state: StreamStateStore;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  /** a stored event has jobs due on these lanes */
  wake(lanes: string[]): void;
  /** an event no route takes */
  unrouted(event: Event): void;
}

export interface RunningStreams {
  /** `stream:<name>` → `ok` or why the source fails */
  readiness(): Promise<Record<string, string>>;
  refreshMetrics(): void;
  stop(): Promise<void>;
}

export function streamSettings(config: StreamSourceConfig): StreamSettings {
  return {
    server: new URL(config.server).origin,
    token: config.token,
    silentAfterMs: config.silentAfter,
    connectTimeoutMs: 10_000,
    tokenCheckMs: config.tokenCheck,
    retry: { initialMs: config.initialBackoff, maxMs: config.maxBackoff },
    rejectedRetryMs: config.rejectedRetry,
    pageSize: PAGE_SIZE,
    keep: MISSKEY_KEEPS,
    chat: config.chat,
  };
}

export function startStreamSources(deps: StreamDeps): RunningStreams {
  const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = deps.config.delivery.leaseTime;
  const held = Object.entries(deps.config.sources).flatMap(([name, source]) => {
    if (!source.stream) return [];
    const settings = streamSettings(source.stream);
    const stream = new StreamSource({
      name,
      settings,
      store: (item, ownerId) => storeItem(deps, name, settings.server, ownerId, item),
      cursor: (kind) => deps.state.cursor(name, kind),
      setCursor: (kind, id) => deps.state.setCursor(name, kind, id, deps.now()),
      report: (update) => deps.state.updateStatus(name, update),
      logger: deps.logger,
      now: deps.now,
    });
    return [{ name, stream, lease: holdLease({ name, stream, state: deps.state, holder, leaseMs, logger: deps.logger, now: deps.now }) }];
  });

  return {
    async readiness() {
      const checks: Record<string, string> = {};
      await Promise.all(
        held.map(async ({ name, stream, lease }) => {
          if (!lease.holding()) return void (checks[`stream:${name}`] = 'ok');
          await Promise.race([stream.checkToken(READY_CHECK_MS), new Promise((resolve) => setTimeout(resolve, READY_CHECK_TIMEOUT_MS).unref())]);
          const health = stream.health();
          checks[`stream:${name}`] = health.state === 'failing' ? health.reason : health.state;
        }),
      );
      return checks;
    },
    refreshMetrics() {
      for (const { name, stream, lease } of held) {
        const health = stream.health();
        const state = !lease.holding() ? 0 : health.state === 'ok' ? 1 : health.state === 'failing' ? -1 : 0;
        deps.metrics.streamState.set({ source: name }, state);
        deps.metrics.streamTokenRejected.set({ source: name }, lease.holding() && health.tokenRejected ? 1 : 0);
      }
    },
    async stop() {
      await Promise.all(held.map(({ lease }) => lease.stop()));
    },
  };
}

/** normalize → route → store; an unreadable item is logged and skipped, never retried forever. */
async function storeItem(deps: StreamDeps, source: string, server: string, ownerId: string | null, item: StreamItem): Promise<boolean> {
  const input = { source, server, ownerId, raw: item.raw, now: deps.now() };
  let event;
  try {
    event = item.kind === 'chat' ? normalizeChatMessage(input) : normalizeNotification(input);
  } catch (error) {
    if (!(error instanceof InvalidPayloadError)) throw error;
    deps.logger.warn({ source, id: item.id, details: error.details }, 'stream source: an unreadable notification was skipped');
    return false;
  }
  const outcome = await ingestEvent(event, deps.ingest);
  if (outcome.result === 'duplicate') return false;
  deps.metrics.streamEvents.inc({ source, via: item.via });
  if (outcome.dueLanes.length > 0) deps.wake(outcome.dueLanes);
  if (outcome.jobs === 0) deps.unrouted(outcome.event);
  return true;
}

interface LeaseOptions {
  name: string;
  stream: StreamSource;
  state: StreamStateStore;
  holder: string;
  leaseMs: number;
  logger: Logger;
  now: () => number;
}

/**
 * Reads the source only while holding its lease, renewed every third of `leaseMs`: when the
 * holder dies, another instance takes the source within `leaseMs` and goes on from the cursor.
 */
function holdLease(options: LeaseOptions): { holding(): boolean; stop(): Promise<void> } {
  const { name, stream, state, holder, leaseMs, logger, now } = options;
  let holding = false;
  let busy = false;
  let stopped = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      if (!holding && (await state.takeLease(name, holder, now(), leaseMs))) {
        holding = true;
        logger.info({ source: name, holder }, 'this instance reads the stream source');
        stream.start();
      } else if (holding && !(await state.renewLease(name, holder, now(), leaseMs))) {
        throw new Error('the lease went to another instance');
      }
    } catch (error) {
      if (holding) {
        holding = false;
        logger.warn({ source: name, reason: (error as Error).message }, 'stream source lease lost; this instance stops reading it');
        await stream.stop();
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), Math.max(leaseMs / 3, 50));
  void tick();
  return {
    holding: () => holding,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
      await stream.stop();
      if (holding) await state.releaseLease(name, holder).catch(() => undefined);
      holding = false;
    },
  };
}
