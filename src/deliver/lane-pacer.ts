import type { Pace } from './sink';

/** Longest gap between two sends that a lane learns from 429s; longer waits are one-off pauses. */
const MAX_LEARNED_INTERVAL_MS = 10_000;
/** After this many sends without a 429 the learned gap shrinks, to find the limit again. */
const RELAX_AFTER = 20;
const RELAX_FACTOR = 0.8;
/** After a digest is refused, the lane sends one message at a time for this long. */
const SINGLES_AFTER_FAILED_DIGEST_MS = 60_000;

interface LaneState {
  /** no send before this time (a reset window, a Retry-After, a backoff) */
  notBefore: number;
  /** learned gap between sends, from 429s on platforms that send no rate-limit headers */
  intervalMs: number;
  lastSendAt: number;
  streak: number;
  singlesUntil: number;
}

/**
 * Per-destination pacing: each lane (webhook, channel, room) waits on its own limits only, so one
 * rate-limited channel never delays another. Learns from rate-limit headers and from 429s.
 * What it learns stays in this process; the methods that make a lane wait return `readyAt`, which
 * the worker records in the queue so that other instances wait as well.
 */
export class LanePacer {
  private readonly lanes = new Map<string, LaneState>();

  private state(lane: string): LaneState {
    let state = this.lanes.get(lane);
    if (!state) {
      state = { notBefore: 0, intervalMs: 0, lastSendAt: 0, streak: 0, singlesUntil: 0 };
      this.lanes.set(lane, state);
    }
    return state;
  }

  /** Earliest time the lane may send again. */
  readyAt(lane: string): number {
    const state = this.lanes.get(lane);
    return state ? Math.max(state.notBefore, state.lastSendAt + state.intervalMs) : 0;
  }

  /** The first time after `now` at which a waiting lane may send again; Infinity when none waits. */
  nextReadyAt(now: number): number {
    let next = Infinity;
    for (const lane of this.lanes.keys()) {
      const readyAt = this.readyAt(lane);
      if (readyAt > now) next = Math.min(next, readyAt);
    }
    return next;
  }

  mayCombine(lane: string, now: number): boolean {
    return (this.lanes.get(lane)?.singlesUntil ?? 0) <= now;
  }

  sent(lane: string, now: number): void {
    this.state(lane).lastSendAt = now;
  }

  /** Spreads the sends left in the platform's window evenly over what remains of it; returns readyAt. */
  delivered(lane: string, now: number, pace?: Pace): number {
    const state = this.state(lane);
    state.streak += 1;
    if (state.streak >= RELAX_AFTER && state.intervalMs > 0) {
      state.intervalMs = Math.floor(state.intervalMs * RELAX_FACTOR);
      state.streak = 0;
    }
    if (pace) state.notBefore = now + (pace.remaining > 0 ? pace.resetAfterMs / (pace.remaining + 1) : pace.resetAfterMs);
    return this.readyAt(lane);
  }

  /** The platform said "too many": wait as told and keep at least that gap for a while; returns readyAt. */
  rateLimited(lane: string, now: number, afterMs: number): number {
    const state = this.state(lane);
    state.notBefore = Math.max(state.notBefore, now + afterMs);
    state.intervalMs = Math.max(state.intervalMs, Math.min(afterMs, MAX_LEARNED_INTERVAL_MS));
    state.streak = 0;
    return this.readyAt(lane);
  }

  /** A transient failure: the whole lane waits, so messages keep their order; returns readyAt. */
  pause(lane: string, until: number): number {
    const state = this.state(lane);
    state.notBefore = Math.max(state.notBefore, until);
    return this.readyAt(lane);
  }

  digestRefused(lane: string, now: number): void {
    this.state(lane).singlesUntil = now + SINGLES_AFTER_FAILED_DIGEST_MS;
  }
}
