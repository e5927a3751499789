import type { Logger } from '../../observe/logger';
import type { APIMessage } from 'discord-api-types/v10';
import { DiscordAPIError } from './rest';
import { delivered, failed, type Delivery, type Sink, type SinkDeps, type SinkHealth, type Verdict } from '../../deliver/sink';
import type { MessageRef } from '../../store/messages';
import type { DiscordSinkConfig } from './config';
import { classifyError, paceOf, type Broken } from './errors';
import { MAX_EMBEDS } from './limits';
import { composeBody, type BodyOptions, type DiscordBody } from './payload';
import { checkBotChannel, checkWebhook, DestinationProblem } from './startup';
import { answering, refOf, threadName } from './conversation';
import { laneOf, resolveTarget, type DiscordTarget } from './target';
import { BotTransport, WebhookTransport, type DiscordTransport, type Exchange, type ResponseInfo } from './transport';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Unknown Message; Cannot edit a message authored by another user: post anew instead of editing */
const EDIT_IMPOSSIBLE_CODES = new Set([10008, 50005]);
/** A thread has already been created for this message: its id is the message's */
const THREAD_EXISTS_CODE = 160004;
/** Missing Permissions (no Create Public Threads); Cannot execute action on this channel type: reply instead */
const NO_THREAD_CODES = new Set([50013, 50024]);
/**
 * Posting into a conversation's thread failed: Unknown Channel (deleted), Missing Access, Missing
 * Permissions (no Send Messages in Threads), archived, locked. The reply goes to the channel instead.
 */
const THREAD_POST_FAILED_CODES = new Set([10003, 50001, 50013, 50083, 160005]);
/** …and these say the bot may not post in threads at all */
const NO_THREAD_POST_CODES = new Set([50001, 50013]);
/** after a refusal, replies go as plain replies this long before a thread is tried again */
const NO_THREAD_FOR_MS = 10 * 60_000;
/**
 * how long past a spent bucket's reset the lane waits: the REST client itself holds a request
 * until 50 ms past it, so a little longer means the lane's send goes out at once, never early
 */
const BUCKET_MARGIN_MS = 60;

/** Knobs that are not configuration: tests shorten the timeout. */
export interface DiscordSinkTuning {
  timeoutMs?: number;
}

class DiscordSink implements Sink {
  readonly type = 'discord';
  readonly platform = 'discord' as const;
  readonly maxBatch = MAX_EMBEDS;
  readonly lane: string;
  private readonly target: DiscordTarget;
  private readonly transport: DiscordTransport;
  /** the start-up check of this mode; resolves to a line for the log */
  private readonly checkDestination: () => Promise<string>;
  private readonly bodyOptions: BodyOptions;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private broken: Broken | undefined;
  /** when the last answer said the bucket is empty: sending before this would only meet a 429 */
  private bucketFreeAt = 0;
  /** until when threads are not tried (the bot may not start them here) */
  private noThreadsUntil = 0;

  constructor(
    readonly name: string,
    config: DiscordSinkConfig,
    deps: SinkDeps,
    tuning: DiscordSinkTuning,
  ) {
    this.target = resolveTarget(config);
    this.lane = laneOf(this.target);
    this.timeoutMs = tuning.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = deps.logger.child({ sink: name, lane: this.lane });
    const target = this.target;
    if (target.mode === 'webhook') {
      const transport = new WebhookTransport(target, this.timeoutMs);
      this.transport = transport;
      this.checkDestination = () => checkWebhook(transport, target);
    } else {
      const transport = new BotTransport(target, this.timeoutMs);
      this.transport = transport;
      this.checkDestination = () => checkBotChannel(transport, target, name);
    }
    this.bodyOptions = {
      mode: this.target.mode,
      sinkName: name,
      allowMentions: config.allowMentions ?? false,
      suppressEmbeds: config.suppressEmbeds ?? false,
      username: config.username,
      avatarUrl: config.avatarUrl,
    };
  }

  async start(): Promise<void> {
    try {
      this.logger.info(await this.checkDestination());
      // the destination answers as it should (again): sends may go
      this.broken = undefined;
    } catch (error) {
      if (error instanceof DestinationProblem) {
        this.markBroken({ reason: error.message, permanent: false });
        throw new Error(error.message, { cause: error });
      }
      const outcome = classifyError(error, { sinkName: this.name, target: this.target, exchange: {}, timeoutMs: this.timeoutMs });
      if (outcome.broken) {
        this.markBroken(outcome.broken);
        throw new Error(outcome.broken.reason, { cause: error });
      }
      // Discord unreachable or busy is no configuration error: sends will retry
      const reason = 'reason' in outcome.verdict ? outcome.verdict.reason : undefined;
      this.logger.warn({ reason }, 'Discord start-up check could not complete; carrying on');
    }
  }

  health(): SinkHealth {
    return this.broken ? { ok: false, reason: this.broken.reason } : { ok: true };
  }

  build(delivery: Delivery): DiscordBody {
    return this.compose(delivery);
  }

  async send(delivery: Delivery): Promise<Verdict> {
    // Discord restricts clients that keep calling a deleted webhook: do not try until reconfigured
    if (this.broken?.permanent) return failed(this.broken.reason, true);
    const wait = this.bucketFreeAt - Date.now();
    if (wait > 0) {
      // not a 429: nothing is sent. (discord.js would pre-empt too, but leaves a timer running.)
      const reason = `Discord rate-limit bucket empty: next send in ${wait} ms`;
      return { kind: 'retry', reason, afterMs: wait, rateLimited: false, pace: { remaining: 0, resetAfterMs: wait } };
    }
    let body: DiscordBody;
    try {
      body = this.compose(delivery);
    } catch (error) {
      const reason = `cannot build a Discord message: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error({ delivery: delivery.key }, reason);
      return failed(reason);
    }
    let exchange: Exchange = {};
    try {
      let ref: MessageRef | undefined;
      if (delivery.edit?.platform === 'discord') ref = await this.edit(delivery.edit, body, exchange);
      let answered: MessageRef | undefined;
      if (!ref) {
        const parent = delivery.thread?.platform === 'discord' ? delivery.thread : undefined;
        let sent = body;
        let channel: string | undefined;
        const thread = parent ? await this.threadOf(parent, delivery.topic, (started) => (exchange = started)) : undefined;
        if (parent && thread) {
          channel = thread;
          // inside the thread, a reply to a message of the thread quotes it; the starter shows above anyway
          if (parent.channel === thread) sent = { ...body, message_reference: { message_id: parent.id, fail_if_not_exists: false } };
          if (parent.thread !== thread) answered = { ...parent, thread };
        } else if (parent) sent = answering(body, parent, this.target.mode, this.transport.guildId);
        exchange = {};
        let message: APIMessage | undefined;
        try {
          // a webhook waits for the message (?wait=true) only when its id will be needed
          message = await this.transport.post(sent, exchange, delivery.needsRef === true, channel).finally(() => this.noteBucket(exchange.response));
        } catch (error) {
          const code = error instanceof DiscordAPIError && typeof error.code === 'number' ? error.code : undefined;
          if (!parent || channel === undefined || code === undefined || !THREAD_POST_FAILED_CODES.has(code)) throw error;
          // the thread is gone or closed to the bot: not the sink's channel, so no reason to stop the sink
          if (NO_THREAD_POST_CODES.has(code)) this.noThreadsUntil = Date.now() + NO_THREAD_FOR_MS;
          this.logger.warn({ thread: channel, code }, 'Discord refused the post in the conversation’s thread: replying in the channel');
          channel = undefined;
          answered = undefined;
          sent = answering(body, parent, this.target.mode, this.transport.guildId);
          exchange = {};
          message = await this.transport.post(sent, exchange, delivery.needsRef === true).finally(() => this.noteBucket(exchange.response));
        }
        ref = message ? refOf(message, this.transport.guildId, channel) : undefined;
      }
      if (this.broken && !this.broken.permanent) {
        this.logger.info({ was: this.broken.reason }, 'Discord sink works again');
        this.broken = undefined;
      }
      return delivered(ref?.id, paceOf(exchange.response, BUCKET_MARGIN_MS), ref, answered);
    } catch (error) {
      const outcome = classifyError(error, { sinkName: this.name, target: this.target, exchange, timeoutMs: this.timeoutMs });
      if (outcome.broken) this.markBroken(outcome.broken);
      else if ('reason' in outcome.verdict) {
        const level = outcome.verdict.kind === 'failed' ? 'error' : 'warn';
        this.logger[level]({ delivery: delivery.key, ...outcome.details }, outcome.verdict.reason);
      }
      return outcome.verdict;
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /** Edits the earlier message; undefined when it is gone or not ours (a new message is posted instead). */
  private async edit(message: MessageRef, body: DiscordBody, exchange: Exchange): Promise<MessageRef | undefined> {
    try {
      await this.transport.edit(message, body, exchange).finally(() => this.noteBucket(exchange.response));
      return message;
    } catch (error) {
      if (error instanceof DiscordAPIError && typeof error.code === 'number' && EDIT_IMPOSSIBLE_CODES.has(error.code)) {
        this.logger.warn({ message: message.id, code: error.code }, 'Discord cannot edit the earlier message: posting a new one');
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The thread a bot's reply to `parent` goes into: the one the parent sits in or started, else a
   * new one started from it. Undefined when there is none to be had (webhook, a sink posting in a
   * configured thread, no permission): the reply goes as a reply or with a link instead.
   */
  private async threadOf(parent: MessageRef, topic: string | undefined, watch: (exchange: Exchange) => void): Promise<string | undefined> {
    if (this.target.mode !== 'bot' || !(this.transport instanceof BotTransport) || this.target.threadId) return undefined;
    if (Date.now() < this.noThreadsUntil) return undefined;
    if (parent.thread) return parent.thread;
    const exchange: Exchange = {};
    watch(exchange);
    try {
      const thread = await this.transport.startThread(parent, threadName(topic), exchange).finally(() => this.noteBucket(exchange.response));
      this.noThreadsUntil = 0;
      return thread.id;
    } catch (error) {
      const code = error instanceof DiscordAPIError && typeof error.code === 'number' ? error.code : undefined;
      if (code === THREAD_EXISTS_CODE) return parent.id;
      if (code !== undefined && NO_THREAD_CODES.has(code)) {
        this.noThreadsUntil = Date.now() + NO_THREAD_FOR_MS;
        this.logger.warn({ message: parent.id, code }, 'Discord refused to start a thread (the bot needs Create Public Threads): replies go as replies');
        return undefined;
      }
      if (code === 10008) return undefined;
      throw error;
    }
  }

  private compose(delivery: Delivery): DiscordBody {
    const { body, notes } = composeBody(delivery, this.bodyOptions);
    if (notes.length > 0) this.logger.warn({ delivery: delivery.key, shortened: notes }, 'Discord message shortened to fit the platform limits');
    return body;
  }

  private noteBucket(response: ResponseInfo | undefined): void {
    if (!response) return;
    const wait = response.status === 429 ? (response.retryAfterMs ?? response.resetAfterMs) : response.remaining === 0 ? response.resetAfterMs : undefined;
    this.bucketFreeAt = wait === undefined ? 0 : Date.now() + wait + BUCKET_MARGIN_MS;
  }

  private markBroken(broken: Broken): void {
    this.broken = broken;
    this.logger.error({ permanent: broken.permanent }, broken.reason);
  }
}

/** A sink posting to Discord through a webhook or as a bot (discord.js REST only, no gateway). */
export function createDiscordSink(name: string, config: DiscordSinkConfig, deps: SinkDeps, tuning: DiscordSinkTuning = {}): Sink {
  return new DiscordSink(name, config, deps, tuning);
}
