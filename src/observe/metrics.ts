import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InstanceInfo } from '../store/instances';
import type { LaneStats } from '../store/jobs';
import type { SinkPause } from '../store/pauses';

/** The bridge's Prometheus metrics (documented in docs/operations.md). Labels never carry secrets. */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsReceived = new Counter({
    name: 'misskey_bridge_events_received_total',
    help: 'Webhook requests by source, event type and outcome (stored, duplicate, refused status)',
    labelNames: ['source', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly eventsUnrouted = new Counter({
    name: 'misskey_bridge_events_unrouted_total',
    help: 'Events accepted and stored that no route takes, by source and event type',
    labelNames: ['source', 'type'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'misskey_bridge_deliveries_total',
    help: 'Send attempts by sink and outcome (delivered, retry, rate_limited, failed)',
    labelNames: ['sink', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'misskey_bridge_delivery_latency_seconds',
    help: 'Time from accepting an event to the platform confirming its message',
    labelNames: ['sink'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'misskey_bridge_rate_limited_total',
    help: 'Answers of 429 (or a pre-emptive rate-limit wait) by sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'misskey_bridge_dead_letters_total',
    help: 'Jobs moved to the dead-letter list by sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'misskey_bridge_http_request_duration_seconds',
    help: 'Time to answer a webhook request, by status',
    labelNames: ['status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'misskey_bridge_queue_depth',
    help: 'Jobs waiting per sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly oldestJobAge = new Gauge({
    name: 'misskey_bridge_queue_oldest_job_age_seconds',
    help: 'Age of the oldest waiting job per sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  private readonly sinkPaused = new Gauge({
    name: 'misskey_bridge_sink_paused',
    help: 'Whether the sink is paused (sink pause): 1, its jobs wait (counted in the queue depth); 0, running',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  private readonly instanceHeartbeatAge = new Gauge({
    name: 'misskey_bridge_instance_heartbeat_age_seconds',
    help: 'Seconds since each bridge instance sharing the store last said it is alive (a dead one keeps growing until forgotten after a day)',
    labelNames: ['instance', 'host', 'pid'] as const,
    registers: [this.registry],
  });

  private readonly instanceLeases = new Gauge({
    name: 'misskey_bridge_instance_leases',
    help: 'Jobs each instance held leased at its last heartbeat',
    labelNames: ['instance', 'host', 'pid'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'misskey_bridge_' });
  }

  /** Refreshes the queue gauges from the store's figures. */
  setQueueStats(stats: LaneStats[], now: number): void {
    this.queueDepth.reset();
    this.oldestJobAge.reset();
    const bySink = new Map<string, { depth: number; oldestAt: number | null }>();
    for (const lane of stats) {
      const entry = bySink.get(lane.sink) ?? { depth: 0, oldestAt: null };
      entry.depth += lane.depth;
      if (lane.oldestAt !== null) entry.oldestAt = entry.oldestAt === null ? lane.oldestAt : Math.min(entry.oldestAt, lane.oldestAt);
      bySink.set(lane.sink, entry);
    }
    for (const [sink, { depth, oldestAt }] of bySink) {
      this.queueDepth.set({ sink }, depth);
      this.oldestJobAge.set({ sink }, oldestAt === null ? 0 : Math.max(0, (now - oldestAt) / 1000));
    }
  }

  /** Refreshes the paused gauge: every configured sink, and any paused one no longer configured. */
  setSinkPauses(sinks: Iterable<string>, paused: SinkPause[]): void {
    this.sinkPaused.reset();
    for (const sink of sinks) this.sinkPaused.set({ sink }, 0);
    for (const { sink } of paused) this.sinkPaused.set({ sink }, 1);
  }

  /** Refreshes the instance gauges from the store's heartbeats. */
  setInstances(instances: InstanceInfo[], now: number): void {
    this.instanceHeartbeatAge.reset();
    this.instanceLeases.reset();
    for (const { id, host, pid, leases, heartbeatAt } of instances) {
      const labels = { instance: id, host, pid: String(pid) };
      this.instanceHeartbeatAge.set(labels, Math.max(0, (now - heartbeatAt) / 1000));
      this.instanceLeases.set(labels, leases);
    }
  }

  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
