import { Routes, type APIChannel, type APIMessage, type APIWebhook } from 'discord-api-types/v10';
import { REST, RESTEvents, type RESTOptions, type ResponseLike } from './rest';
import { parseRetryAfter } from '../http-verdict';
import type { MessageRef } from '../../store/messages';
import type { DiscordBody } from './payload';
import { postChannelId, type DiscordTarget } from './target';

/** What Discord's answer to one request said about the rate limit. */
export interface ResponseInfo {
  status: number;
  remaining?: number;
  resetAfterMs?: number;
  retryAfterMs?: number;
  scope?: string;
  global: boolean;
}

/**
 * One request's answer as seen through the REST `response` event: discord.js throws a
 * RateLimitError both on a real 429 and pre-emptively when its bucket is empty, and only the
 * former is a response.
 */
export interface Exchange {
  response?: ResponseInfo;
}

function numberHeader(response: ResponseLike, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function readResponse(response: ResponseLike): ResponseInfo {
  const resetAfter = numberHeader(response, 'x-ratelimit-reset-after');
  return {
    status: response.status,
    remaining: numberHeader(response, 'x-ratelimit-remaining'),
    resetAfterMs: resetAfter === undefined ? undefined : Math.ceil(resetAfter * 1000),
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    scope: response.headers.get('x-ratelimit-scope') ?? undefined,
    global: response.headers.has('x-ratelimit-global'),
  };
}

/** Pairs responses with the request whose body object they answer. */
class ResponseWatch {
  private readonly open = new Map<unknown, Exchange>();

  constructor(rest: REST) {
    rest.on(RESTEvents.Response, (request, response) => {
      const exchange = this.open.get(request.data.body);
      if (exchange) exchange.response = readResponse(response);
    });
  }

  async during<T>(body: object, exchange: Exchange, call: () => Promise<T>): Promise<T> {
    this.open.set(body, exchange);
    try {
      return await call();
    } finally {
      this.open.delete(body);
    }
  }
}

export interface DiscordTransport {
  /**
   * posts the body once; throws discord.js errors (DiscordAPIError, HTTPError, RateLimitError) or
   * network errors. A webhook answers with the message only when `wait` is set (else undefined).
   * `channel`: a bot posts there (a thread) instead of its configured channel.
   */
  post(body: DiscordBody, exchange: Exchange, wait: boolean, channel?: string): Promise<APIMessage | undefined>;
  /** edits an earlier message of this webhook or bot (PATCH) */
  edit(message: MessageRef, body: DiscordBody, exchange: Exchange): Promise<APIMessage>;
  /** the server the messages go to, once known (for message links) */
  readonly guildId?: string;
  close(): void;
}

/** what an edit may change: the author, nonce and flags stay the original's */
function editable(body: DiscordBody): DiscordBody {
  const { username: _username, avatar_url: _avatar, nonce: _nonce, enforce_nonce: _enforce, ...rest } = body;
  return rest;
}

const asMessage = (answer: unknown): APIMessage | undefined =>
  typeof answer === 'object' && answer !== null && typeof (answer as { id?: unknown }).id === 'string' ? (answer as APIMessage) : undefined;

/** a thread the bridge starts is hidden after 3 days without a message (Discord offers 1 h, 1 d, 3 d, 7 d) */
export const THREAD_ARCHIVE_MINUTES = 4320;

function stopSweepers(rest: REST): void {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
}

/** The bridge's REST settings: discord.js never retries nor waits, the queue does. */
export function restOptions(apiBase: string, timeoutMs: number): Partial<RESTOptions> {
  return { api: apiBase, version: '10', retries: 0, timeout: timeoutMs, rejectOnRateLimit: () => true };
}

/** A webhook needs no token: its URL carries one (`auth: false` on each request). */
export class WebhookTransport implements DiscordTransport {
  private readonly rest: REST;
  private readonly watch: ResponseWatch;

  constructor(
    private readonly target: Extract<DiscordTarget, { mode: 'webhook' }>,
    timeoutMs: number,
  ) {
    this.rest = new REST(restOptions(target.apiBase, timeoutMs));
    this.watch = new ResponseWatch(this.rest);
  }

  guildId?: string;

  /**
   * `?wait=true` makes Discord answer with the message (its id, to reply to or edit it later) and
   * costs a wait for the message to be saved; without it Discord answers 204 at once.
   */
  async post(body: DiscordBody, exchange: Exchange, wait: boolean): Promise<APIMessage | undefined> {
    const query = new URLSearchParams({ wait: String(wait) });
    if (this.target.threadId) query.set('thread_id', this.target.threadId);
    const route = Routes.webhook(this.target.webhookId, this.target.webhookToken);
    return asMessage(await this.watch.during(body, exchange, () => this.rest.post(route, { body, query, auth: false })));
  }

  /** PATCH /webhooks/{id}/{token}/messages/{id}: only this webhook's own messages */
  async edit(message: MessageRef, body: DiscordBody, exchange: Exchange): Promise<APIMessage> {
    const patch = editable(body);
    const query = new URLSearchParams();
    const thread = message.thread ?? this.target.threadId;
    if (thread) query.set('thread_id', thread);
    const route = Routes.webhookMessage(this.target.webhookId, this.target.webhookToken, message.id);
    return (await this.watch.during(patch, exchange, () => this.rest.patch(route, { body: patch, query, auth: false }))) as APIMessage;
  }

  /** GET /webhooks/{id}/{token}: the webhook exists and the token is right. */
  async fetchWebhook(): Promise<APIWebhook> {
    const webhook = (await this.rest.get(Routes.webhook(this.target.webhookId, this.target.webhookToken), { auth: false })) as APIWebhook;
    this.guildId = webhook.guild_id ?? undefined;
    return webhook;
  }

  close(): void {
    stopSweepers(this.rest);
  }
}

export class BotTransport implements DiscordTransport {
  private readonly rest: REST;
  private readonly watch: ResponseWatch;

  constructor(
    private readonly target: Extract<DiscordTarget, { mode: 'bot' }>,
    timeoutMs: number,
  ) {
    this.rest = new REST(restOptions(target.apiBase, timeoutMs));
    this.watch = new ResponseWatch(this.rest);
  }

  guildId?: string;

  /** a bot's post always answers with the message */
  async post(body: DiscordBody, exchange: Exchange, _wait: boolean, channel?: string): Promise<APIMessage> {
    // discord.js forgets the token after a 401: set it each time so a fixed token works again
    this.rest.setToken(this.target.botToken);
    const route = Routes.channelMessages(channel ?? postChannelId(this.target));
    return this.watch.during(body, exchange, async () => (await this.rest.post(route, { body })) as APIMessage);
  }

  /**
   * POST /channels/{id}/messages/{id}/threads: a public thread started from a message (the thread's
   * id is the message's). Needs the Create Public Threads permission.
   */
  async startThread(message: MessageRef, name: string, exchange: Exchange): Promise<APIChannel> {
    this.rest.setToken(this.target.botToken);
    const body = { name, auto_archive_duration: THREAD_ARCHIVE_MINUTES };
    return this.watch.during(body, exchange, async () => (await this.rest.post(Routes.threads(message.channel, message.id), { body })) as APIChannel);
  }

  /** PATCH /channels/{id}/messages/{id}: only the bot's own messages */
  async edit(message: MessageRef, body: DiscordBody, exchange: Exchange): Promise<APIMessage> {
    this.rest.setToken(this.target.botToken);
    const patch = editable(body);
    return this.watch.during(patch, exchange, async () => (await this.rest.patch(Routes.channelMessage(message.channel, message.id), { body: patch })) as APIMessage);
  }

  async fetchChannel(id: string): Promise<APIChannel> {
    this.rest.setToken(this.target.botToken);
    return (await this.rest.get(Routes.channel(id))) as APIChannel;
  }

  close(): void {
    stopSweepers(this.rest);
  }
}
