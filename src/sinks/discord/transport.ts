import {
  MessagePayload,
  REST,
  RESTEvents,
  Routes,
  WebhookClient,
  type APIChannel,
  type APIMessage,
  type APIWebhook,
  type RESTOptions,
  type ResponseLike,
} from 'discord.js';
import { parseRetryAfter } from '../http-verdict';
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

  async during<T>(body: DiscordBody, exchange: Exchange, call: () => Promise<T>): Promise<T> {
    this.open.set(body, exchange);
    try {
      return await call();
    } finally {
      this.open.delete(body);
    }
  }
}

export interface DiscordTransport {
  /** posts the body once; throws discord.js errors (DiscordAPIError, HTTPError, RateLimitError) or network errors */
  post(body: DiscordBody, exchange: Exchange): Promise<APIMessage>;
  close(): void;
}

/** The bridge's REST settings: discord.js never retries nor waits, the queue does. */
export function restOptions(apiBase: string, timeoutMs: number): Partial<RESTOptions> {
  return { api: apiBase, version: '10', retries: 0, timeout: timeoutMs, rejectOnRateLimit: () => true };
}

export class WebhookTransport implements DiscordTransport {
  private readonly client: WebhookClient;
  private readonly watch: ResponseWatch;

  constructor(
    private readonly target: Extract<DiscordTarget, { mode: 'webhook' }>,
    timeoutMs: number,
  ) {
    this.client = new WebhookClient(
      { id: target.webhookId, token: target.webhookToken },
      { rest: restOptions(target.apiBase, timeoutMs), allowedMentions: { parse: [] } },
    );
    this.watch = new ResponseWatch(this.client.rest);
  }

  async post(body: DiscordBody, exchange: Exchange): Promise<APIMessage> {
    // a payload whose body is already set is sent as is: `build()` shows exactly what goes out
    const payload = new MessagePayload(this.client, { threadId: this.target.threadId });
    payload.body = body as unknown as MessagePayload['body'];
    return this.watch.during(body, exchange, () => this.client.send(payload));
  }

  /** GET /webhooks/{id}/{token}: the webhook exists and the token is right. */
  async fetchWebhook(): Promise<APIWebhook> {
    return (await this.client.rest.get(Routes.webhook(this.target.webhookId, this.target.webhookToken), { auth: false })) as APIWebhook;
  }

  close(): void {
    this.client.destroy();
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

  async post(body: DiscordBody, exchange: Exchange): Promise<APIMessage> {
    // discord.js forgets the token after a 401: set it each time so a fixed token works again
    this.rest.setToken(this.target.botToken);
    return this.watch.during(body, exchange, async () => (await this.rest.post(Routes.channelMessages(postChannelId(this.target)), { body })) as APIMessage);
  }

  async fetchChannel(id: string): Promise<APIChannel> {
    this.rest.setToken(this.target.botToken);
    return (await this.rest.get(Routes.channel(id))) as APIChannel;
  }

  close(): void {
    this.rest.clearHashSweeper();
    this.rest.clearHandlerSweeper();
  }
}
