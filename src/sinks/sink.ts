import type { Message, Platform } from '../render/message';
import type { Logger } from '../observe/logger';

/** What a send came to. Only the queue retries: a sink reports, it never loops. */
export type Verdict =
  | { kind: 'delivered'; ref?: string; pace?: Pace }
  | { kind: 'retry'; reason: string; afterMs?: number; rateLimited?: boolean; pace?: Pace }
  | { kind: 'failed'; reason: string; sinkBroken?: boolean };

/** What the platform said of its limit for this destination (rate-limit headers), to pace the lane. */
export interface Pace {
  /** requests left in the current window */
  remaining: number;
  /** when the window resets, in ms from now */
  resetAfterMs: number;
}

export const delivered = (ref?: string, pace?: Pace): Verdict => ({ kind: 'delivered', ref, pace });
export const retry = (reason: string, afterMs?: number, rateLimited = false): Verdict => ({
  kind: 'retry',
  reason,
  afterMs,
  rateLimited,
});
export const failed = (reason: string, sinkBroken = false): Verdict => ({ kind: 'failed', reason, sinkBroken });

export type SinkHealth = { ok: true } | { ok: false; reason: string };

/** One platform message: usually one event, several when the queue combines a backlog into a digest. */
export interface Delivery {
  /** stable id of the delivery (the first job's id): idempotency keys derive from it */
  key: string;
  messages: Message[];
}

export interface Sink {
  readonly name: string;
  readonly type: string;
  readonly platform: Platform;
  /** destination key (webhook, channel, room): pacing and ordering hold per lane */
  readonly lane: string;
  /** how many messages one platform message may combine into a digest */
  readonly maxBatch: number;
  /** start-up checks (token, channel, room); throws with an operator-readable message */
  start(): Promise<void>;
  health(): SinkHealth;
  /** the exact request body that `send` would post, for `render` and tests */
  build(delivery: Delivery): unknown;
  send(delivery: Delivery): Promise<Verdict>;
  close(): Promise<void>;
}

export interface SinkDeps {
  logger: Logger;
}
