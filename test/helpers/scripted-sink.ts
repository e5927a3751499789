import type { Platform } from '../../src/render/message';
import { delivered, failed, type Delivery, type Sink, type SinkHealth, type Verdict } from '../../src/deliver/sink';

/**
 * What one call of `send` does: answer a verdict, throw (an `Error`, or anything wrapped in
 * `{ throws }`), or decide from the delivery (a function, which may also return a pending promise).
 */
export type Step =
  | Verdict
  | Error
  | { throws: unknown }
  | ((delivery: Delivery, call: number) => Verdict | Promise<Verdict>);

/** One call of `send` as the sink saw it. */
export interface SentDelivery {
  key: string;
  /** the messages' `text`, in order */
  texts: string[];
  /** the clock when `send` was called, when the sink was given one */
  at: number | undefined;
  call: number;
}

export interface ScriptedSinkOptions {
  name?: string;
  lane?: string;
  maxBatch?: number;
  platform?: Platform;
  /** the answers of the first calls, in order */
  script?: Step[];
  /** the answer once the script is used up; `delivered()` unless given */
  otherwise?: Step;
  /** stamps each recorded delivery */
  now?: () => number;
  /** the outcomes of the first start-up checks, in order: a string fails the check with that reason */
  checks?: (true | string)[];
  /**
   * calls after this many answer "sink broken", which pauses the lane: a worker that loops on a
   * lane (all in microtasks, which starves jest's timeout) then ends with a failing test, not a hang
   */
  maxCalls?: number;
}

/**
 * A programmable platform for worker tests: `send` answers from a script, one step per call,
 * and records every delivery it got.
 */
export class ScriptedSink implements Sink {
  readonly name: string;
  readonly type = 'scripted';
  readonly platform: Platform;
  readonly lane: string;
  readonly maxBatch: number;
  readonly sent: SentDelivery[] = [];
  private readonly script: Step[];
  private otherwise: Step;
  private readonly now: (() => number) | undefined;
  private readonly maxCalls: number;
  private readonly checks: (true | string)[];
  /** how many times the start-up check ran */
  started = 0;

  constructor(options: ScriptedSinkOptions = {}) {
    this.name = options.name ?? 'scripted';
    this.lane = options.lane ?? `scripted:${this.name}`;
    this.maxBatch = options.maxBatch ?? 10;
    this.platform = options.platform ?? 'console';
    this.script = [...(options.script ?? [])];
    this.otherwise = options.otherwise ?? delivered();
    this.now = options.now;
    this.maxCalls = options.maxCalls ?? 500;
    this.checks = [...(options.checks ?? [])];
  }

  /** appends steps to the script */
  then(...steps: Step[]): this {
    this.script.push(...steps);
    return this;
  }

  /** replaces the answer used once the script is used up */
  always(step: Step): this {
    this.otherwise = step;
    return this;
  }

  /** the texts of every delivery, one array per call */
  batches(): string[][] {
    return this.sent.map((delivery) => delivery.texts);
  }

  /** the texts of every call, flattened */
  texts(): string[] {
    return this.sent.flatMap((delivery) => delivery.texts);
  }

  async start(): Promise<void> {
    this.started += 1;
    const outcome = this.checks.shift() ?? true;
    if (outcome !== true) throw new Error(outcome);
  }

  health(): SinkHealth {
    return { ok: true };
  }

  build(delivery: Delivery): unknown {
    return { texts: delivery.messages.map((message) => message.text) };
  }

  async send(delivery: Delivery): Promise<Verdict> {
    const call = this.sent.length;
    this.sent.push({ key: delivery.key, texts: delivery.messages.map((message) => message.text), at: this.now?.(), call });
    if (call >= this.maxCalls) return failed(`scripted sink "${this.name}" called more than ${this.maxCalls} times`, true);
    const step = this.script.length > 0 ? this.script.shift()! : this.otherwise;
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(delivery, call);
    if ('throws' in step) throw step.throws;
    return step;
  }

  async close(): Promise<void> {}
}

/** A promise with its resolve function outside, for sends that stay in flight until the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
