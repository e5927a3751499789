/**
 * A fake Slack (Web API subset + incoming webhooks, platforms.md §6.2) on 127.0.0.1 with a random port.
 * It checks requests the way Slack does and rejects what Slack rejects (Block Kit limits, shapes,
 * channel membership, scopes), so a message it accepts is one Slack accepts.
 *
 * Its limits are written out here on purpose rather than imported from the sink: the fake is a
 * second, independent reading of Slack's rules.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackRoute = 'auth.test' | 'conversations.list' | 'chat.postMessage' | 'chat.update' | 'views.open' | 'webhook';

export interface FakeTokenSpec {
  token: string;
  scopes: string[];
  /** the bot user's name and id */
  user?: string;
  userId?: string;
  botId?: string;
}

export interface FakeChannelSpec {
  id: string;
  /** without `#` */
  name: string;
  private?: boolean;
  archived?: boolean;
  /** whether the bot is in the channel; default true */
  member?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  private: boolean;
  archived: boolean;
  member: boolean;
}

export interface FakeWebhookSpec {
  /** `T…/B…/secret`, the part after /services/ */
  path: string;
  channel: string;
  /** a webhook an admin disabled: 403 action_prohibited */
  prohibited?: boolean;
}

/** A message Slack accepted, as it arrived (token removed). */
export interface PostedMessage {
  via: 'api' | 'webhook';
  channel: string;
  ts?: string;
  text?: string;
  blocks?: unknown[];
  username?: string;
  icon_url?: string;
  args: Record<string, unknown>;
  warnings: string[];
  /** ping sequences Slack would act on (see `wouldPing`) */
  pings: string[];
  /** the parent's ts, for a message posted in a thread */
  thread_ts?: string;
  /** who posted it (chat.update accepts only the poster's own messages) */
  bot_id?: string;
  /** how many times chat.update changed it */
  edits: number;
}

export interface RecordedRequest {
  route: SlackRoute | 'unknown';
  path: string;
  headers: IncomingMessage['headers'];
  /** parsed arguments (form, JSON or multipart), token removed */
  params: Record<string, unknown>;
  status?: number;
  response?: unknown;
}

export type SlackFault =
  /** HTTP 200 `{ ok: false, error }` (with extra fields such as `needed`, `errors`) */
  | { kind: 'error'; error: string; extra?: Record<string, unknown> }
  /** a raw HTTP answer: 5xx, webhook errors… */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 429 with `Retry-After: <seconds>` */
  | { kind: 'ratelimited'; retryAfter: number }
  /** wait, then handle the request normally */
  | { kind: 'latency'; ms: number }
  /** drop the connection without answering */
  | { kind: 'reset' };

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** ~1 message/s per channel with a short burst (platforms.md §2.5). */
export const SLACK_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 3 };

export interface SlackFakeOptions {
  /** default: one bot token `xoxb-fake-bot-token` with chat:write, chat:write.customize, channels:read, groups:read */
  tokens?: FakeTokenSpec[];
  /** default: #alerts (C0ALERTS01) with the bot in it */
  channels?: FakeChannelSpec[];
  /** default: T000/B000/XXXX → the first channel */
  webhooks?: FakeWebhookSpec[];
  /** username / icon_url without chat:write.customize: `missing_scope` (default) or silently ignored */
  overridesWithoutScope?: 'missing_scope' | 'ignore';
  /** hosts whose images Slack cannot download (down, private): image_url there → invalid_blocks */
  unreachableImageHosts?: string[];
  /** largest conversations.list page, whatever `limit` asks (forces pagination in tests) */
  maxPageSize?: number;
  /** off by default */
  rateLimit?: 'off' | 'slack' | RateLimit;
  /** how much faster the rate limiter's clock runs (10 → a 1 s wait lasts 100 ms) */
  timeScale?: number;
}

export interface SlackFake {
  /** the server's base URL */
  url: string;
  /** for WebClient's slackApiUrl */
  apiUrl: string;
  /** the first webhook's URL */
  webhookUrl: string;
  /** the first token */
  bot: Required<FakeTokenSpec>;
  /** every accepted message, in order */
  messages: PostedMessage[];
  requests: RecordedRequest[];
  channel(idOrName: string): FakeChannel;
  addChannel(spec: FakeChannelSpec): FakeChannel;
  /** messages accepted in one channel */
  messagesIn(idOrName: string): PostedMessage[];
  inject(route: SlackRoute | '*', fault: SlackFault, times?: number): void;
  setRateLimit(limit: 'off' | 'slack' | RateLimit): void;
  revokeToken(token: string): void;
  /**
   * A click on a button of a message (matched by its action_id), as the `block_actions` payload
   * Slack posts to the app's interactivity URL (unsigned: the test signs it). Its response_url
   * points at this fake: posts there are recorded in `responses` and `replace_original` updates the message.
   */
  interaction(ts: string, actionId: string, user: { id: string; username?: string }): Record<string, unknown>;
  /** what was posted to response URLs, in order */
  responses: { message: string; body: Record<string, unknown> }[];
  /**
   * modals opened with views.open. A trigger_id (from `interaction`) works once and for 3 s, as
   * Slack's: later `expired_trigger_id`, twice `exchanged_trigger_id`, unknown `invalid_trigger_id`.
   */
  views: OpenedView[];
  /** the `view_submission` payload Slack posts when the user submits an opened modal with these input values */
  viewSubmission(view: OpenedView, user: { id: string; username?: string }, values: Record<string, Record<string, unknown>>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface OpenedView {
  id: string;
  triggerId: string;
  /** ms between the trigger's click and views.open */
  afterClickMs: number;
  view: Record<string, unknown>;
}

/** how long a trigger_id can open a modal */
const TRIGGER_TTL_MS = 3000;

const SCOPES = ['chat:write', 'chat:write.customize', 'channels:read', 'groups:read'];
const BOOLEAN_ARGS = new Set(['unfurl_links', 'unfurl_media', 'link_names', 'mrkdwn', 'as_user', 'reply_broadcast', 'exclude_archived']);
const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata']);

/** platforms.md §2.2 */
const MAX_BLOCKS = 50;
const SECTION_TEXT = 3000;
const FIELD_TEXT = 2000;
const MAX_FIELDS = 10;
const HEADER_TEXT = 150;
const CONTEXT_ELEMENTS = 10;
const IMAGE_URL = 3000;
const ALT_TEXT = 2000;
const MARKDOWN_BLOCK_TEXT = 12_000;
const MESSAGE_TEXT = 40_000;
const MAX_ATTACHMENTS = 100;
/**
 * msg_blocks_too_long is undocumented: rejections were seen at ~11,300 characters of text spread over
 * many blocks and ~13,300 in markdown blocks alone, so the fake counts text plus a cost per block.
 */
const BLOCKS_TEXT = 12_000;
const PER_BLOCK_COST = 25;
/** Slack fetches image_url: these are the types it shows (by extension, when the URL has one) */
const SHOWN_IMAGE_EXTENSION = /\.(png|jpe?g|gif)$/i;

class ApiError {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const tokens = new Map(
    (options.tokens ?? [{ token: 'xoxb-fake-bot-token', scopes: SCOPES }]).map((spec, i): [string, Required<FakeTokenSpec>] => [
      spec.token,
      { user: 'bridge', userId: `U0BOT${i}`, botId: `B0BOT${i}`, ...spec },
    ]),
  );
  const revoked = new Set<string>();
  const channels = new Map<string, FakeChannel>();
  const addChannel = (spec: FakeChannelSpec): FakeChannel => {
    const channel = { id: spec.id, name: spec.name, private: spec.private ?? false, archived: spec.archived ?? false, member: spec.member ?? true };
    channels.set(channel.id, channel);
    return channel;
  };
  for (const spec of options.channels ?? [{ id: 'C0ALERTS01', name: 'alerts' }]) addChannel(spec);
  const firstChannel = [...channels.keys()][0] ?? '';
  const webhooks = new Map((options.webhooks ?? [{ path: 'T000/B000/XXXX', channel: firstChannel }]).map((hook) => [hook.path, hook]));
  const overridesWithoutScope = options.overridesWithoutScope ?? 'missing_scope';
  const unreachableImageHosts = new Set(options.unreachableImageHosts ?? []);
  const timeScale = options.timeScale ?? 1;
  const messages: PostedMessage[] = [];
  const requests: RecordedRequest[] = [];
  const faults: { route: SlackRoute | '*'; fault: SlackFault; times: number }[] = [];
  const buckets = new Map<string, { tokens: number; at: number }>();
  let rateLimit = toRateLimit(options.rateLimit ?? 'off');
  let lastTs = 0;

  const findChannel = (idOrName: string): FakeChannel | undefined => {
    const name = idOrName.replace(/^#/, '');
    return channels.get(idOrName) ?? [...channels.values()].find((c) => c.name === name);
  };

  const nextTs = (): string => {
    lastTs = Math.max(Date.now() * 1000, lastTs + 1);
    return `${Math.floor(lastTs / 1e6)}.${String(lastTs % 1e6).padStart(6, '0')}`;
  };

  /** token bucket per key, on a clock running `timeScale` times faster */
  const takeRateToken = (key: string, asText: boolean): void => {
    if (!rateLimit) return;
    const now = Date.now() * timeScale;
    const bucket = buckets.get(key) ?? { tokens: rateLimit.burst, at: now };
    bucket.tokens = Math.min(rateLimit.burst, bucket.tokens + ((now - bucket.at) / 1000) * rateLimit.perSecond);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / rateLimit.perSecond));
    throw new ApiError(asText ? 'rate_limited' : 'ratelimited', {}, 429, { 'Retry-After': String(seconds) });
  };

  const authenticate = (req: IncomingMessage, params: Record<string, unknown>): Required<FakeTokenSpec> => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : typeof params.token === 'string' ? params.token : undefined;
    if (!token) throw new ApiError('not_authed');
    if (revoked.has(token)) throw new ApiError('token_revoked');
    const spec = tokens.get(token);
    if (!spec) throw new ApiError('invalid_auth');
    return spec;
  };

  const requireScope = (bot: Required<FakeTokenSpec>, scope: string): void => {
    if (!bot.scopes.includes(scope)) throw new ApiError('missing_scope', { needed: scope, provided: bot.scopes.join(',') });
  };

  const postMessage = (bot: Required<FakeTokenSpec>, params: Record<string, unknown>): unknown => {
    requireScope(bot, 'chat:write');
    const channel = findChannel(typeof params.channel === 'string' ? params.channel : '');
    if (!channel || (channel.private && !channel.member)) throw new ApiError('channel_not_found');
    takeRateToken(`${bot.token}|${channel.id}`, false);
    if (channel.archived) throw new ApiError('is_archived');
    if (!channel.member && !bot.scopes.includes('chat:write.public')) throw new ApiError('not_in_channel');
    const args = { ...params };
    const warnings = checkContent(args, unreachableImageHosts);
    const overrides = ['username', 'icon_url', 'icon_emoji'].filter((key) => args[key] !== undefined);
    if (overrides.length && !bot.scopes.includes('chat:write.customize')) {
      if (overridesWithoutScope === 'missing_scope') {
        throw new ApiError('missing_scope', { needed: 'chat:write.customize', provided: bot.scopes.join(',') });
      }
      for (const key of overrides) delete args[key];
    }
    let threadTs: string | undefined;
    if (params.thread_ts !== undefined) {
      // the thread's root, never a reply in it (Slack's advice); an unknown ts is refused (the code is the fake's)
      const parent = messages.find((m) => m.channel === channel.id && m.ts === String(params.thread_ts));
      if (!parent || parent.thread_ts !== undefined) throw new ApiError('thread_not_found');
      threadTs = parent.ts;
    }
    const ts = nextTs();
    messages.push({ ...posted('api', channel.id, ts, args, warnings), bot_id: bot.botId, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return {
      ok: true,
      channel: channel.id,
      ts,
      message: { type: 'message', subtype: 'bot_message', text: args.text ?? '', ts, bot_id: bot.botId, blocks: args.blocks },
      ...(warnings.length ? { warnings, response_metadata: { warnings } } : {}),
    };
  };

  /** chat.update: only the bot's own messages, within the edit window (inject `edit_window_closed` to close it) */
  const updateMessage = (bot: Required<FakeTokenSpec>, params: Record<string, unknown>): unknown => {
    requireScope(bot, 'chat:write');
    const channel = findChannel(typeof params.channel === 'string' ? params.channel : '');
    if (!channel || (channel.private && !channel.member)) throw new ApiError('channel_not_found');
    takeRateToken(`${bot.token}|${channel.id}`, false);
    if (channel.archived) throw new ApiError('is_archived');
    if (typeof params.ts !== 'string' || params.ts === '') throw new ApiError('invalid_arguments');
    const message = messages.find((m) => m.channel === channel.id && m.ts === params.ts);
    if (!message) throw new ApiError('message_not_found');
    if (message.via !== 'api' || message.bot_id !== bot.botId) throw new ApiError('cant_update_message');
    const args = { ...params };
    const warnings = checkContent(args, unreachableImageHosts);
    Object.assign(message, {
      text: typeof args.text === 'string' ? args.text : undefined,
      blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
      args: { ...message.args, ...args },
      warnings,
      pings: wouldPing(args),
      edits: message.edits + 1,
    });
    return { ok: true, channel: channel.id, ts: message.ts, text: message.text ?? '', message: { text: message.text ?? '', blocks: message.blocks } };
  };

  const listConversations = (bot: Required<FakeTokenSpec>, params: Record<string, unknown>): unknown => {
    const types = String(params.types ?? 'public_channel').split(',');
    if (types.includes('public_channel')) requireScope(bot, 'channels:read');
    if (types.includes('private_channel')) requireScope(bot, 'groups:read');
    const visible = [...channels.values()].filter(
      (c) => (c.private ? types.includes('private_channel') && c.member : types.includes('public_channel')) && !(params.exclude_archived === true && c.archived),
    );
    const limit = Math.min(Number(params.limit ?? 100) || 100, 1000, options.maxPageSize ?? 1000);
    let offset = 0;
    if (typeof params.cursor === 'string' && params.cursor !== '') {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(params.cursor, 'base64').toString('utf8'));
      if (!decoded) throw new ApiError('invalid_cursor');
      offset = Number(decoded[1]);
    }
    const page = visible.slice(offset, offset + limit);
    const next = offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
    return {
      ok: true,
      channels: page.map((c) => ({
        id: c.id,
        name: c.name,
        name_normalized: c.name,
        is_channel: !c.private,
        is_group: false,
        is_private: c.private,
        is_archived: c.archived,
        is_member: c.member,
      })),
      response_metadata: { next_cursor: next },
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) answer(res, 500, 'text/plain', String(error));
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const responsePath = /^\/actions\/([A-Za-z0-9]+)$/.exec(url.pathname)?.[1];
    if (responsePath) return handleResponseUrl(responsePath, rawBody, res);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    const hookPath = /^\/services\/(.+?)\/?$/.exec(url.pathname)?.[1];
    const route: RecordedRequest['route'] = hookPath ? 'webhook' : isApiRoute(apiMethod) ? apiMethod : 'unknown';
    const record: RecordedRequest = { route, path: url.pathname, headers: req.headers, params: {} };
    requests.push(record);
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.response = body;
      if (typeof body === 'string') answer(res, status, 'text/plain; charset=utf-8', body, headers);
      else answer(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
    };

    const fault = route === 'unknown' ? undefined : takeFault(route);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (req.method !== 'POST') return respond(405, route === 'webhook' ? 'invalid_method' : { ok: false, error: 'invalid_method' });
    if (fault?.kind === 'status') return respond(fault.status, fault.body ?? '', fault.headers);
    if (fault?.kind === 'ratelimited') {
      const body = route === 'webhook' ? 'rate_limited' : { ok: false, error: 'ratelimited' };
      return respond(429, body, { 'Retry-After': String(fault.retryAfter) });
    }
    if (fault?.kind === 'error') {
      return respond(route === 'webhook' ? 400 : 200, route === 'webhook' ? fault.error : { ok: false, error: fault.error, ...fault.extra });
    }

    if (route === 'webhook') return handleWebhook(req, hookPath ?? '', rawBody, record, respond);
    try {
      const params = await parseParams(req, rawBody);
      const bot = authenticate(req, params);
      delete params.token;
      record.params = params;
      if (route === 'auth.test') {
        return respond(200, { ok: true, url: 'https://fake.slack.com/', team: 'Fake Workspace', user: bot.user, team_id: 'T000', user_id: bot.userId, bot_id: bot.botId });
      }
      if (route === 'conversations.list') return respond(200, listConversations(bot, params));
      if (route === 'chat.postMessage') return respond(200, postMessage(bot, params));
      if (route === 'chat.update') return respond(200, updateMessage(bot, params));
      if (route === 'views.open') return respond(200, openView(params));
      return respond(404, { ok: false, error: 'unknown_method' });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      respond(error.status, { ok: false, error: error.error, ...error.extra }, error.headers);
    }
  }

  const triggers = new Map<string, { at: number; used: boolean }>();
  const views: OpenedView[] = [];

  function openView(params: Record<string, unknown>): Record<string, unknown> {
    const triggerId = String(params.trigger_id ?? '');
    const trigger = triggers.get(triggerId);
    if (!trigger) throw new ApiError('invalid_trigger_id');
    if (trigger.used) throw new ApiError('exchanged_trigger_id');
    const afterClickMs = Date.now() - trigger.at;
    if (afterClickMs > TRIGGER_TTL_MS) throw new ApiError('expired_trigger_id');
    trigger.used = true;
    let view: Record<string, unknown>;
    try {
      view = (typeof params.view === 'string' ? JSON.parse(params.view) : params.view) as Record<string, unknown>;
    } catch {
      throw new ApiError('invalid_arguments');
    }
    if (!isObject(view) || view.type !== 'modal' || !Array.isArray(view.blocks)) throw new ApiError('invalid_arguments');
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) throw new ApiError('invalid_arguments');
    const opened: OpenedView = { id: `V${randomBytes(5).toString('hex').toUpperCase()}`, triggerId, afterClickMs, view };
    views.push(opened);
    return { ok: true, view: { id: opened.id, ...view } };
  }

  /** response_url token → the message (channel, ts) the click was on */
  const responseUrls = new Map<string, { channel: string; ts: string }>();
  const responses: { message: string; body: Record<string, unknown> }[] = [];

  function handleResponseUrl(token: string, rawBody: Buffer, res: ServerResponse): void {
    const target = responseUrls.get(token);
    if (!target) return answer(res, 404, 'text/plain', 'no_such_response_url');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
      if (!isObject(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return answer(res, 400, 'text/plain', 'invalid_payload');
    }
    responses.push({ message: target.ts, body });
    if (body.replace_original === true && body.response_type !== 'ephemeral') {
      const message = messages.find((m) => m.channel === target.channel && m.ts === target.ts);
      if (!message) return answer(res, 404, 'text/plain', 'message_not_found');
      try {
        checkContent(body, unreachableImageHosts);
      } catch (error) {
        if (error instanceof ApiError) return answer(res, 400, 'text/plain', error.error);
        throw error;
      }
      Object.assign(message, {
        text: typeof body.text === 'string' ? body.text : message.text,
        blocks: Array.isArray(body.blocks) ? body.blocks : message.blocks,
        edits: message.edits + 1,
      });
    }
    answer(res, 200, 'text/plain', 'ok');
  }

  async function handleWebhook(
    req: IncomingMessage,
    path: string,
    rawBody: Buffer,
    record: RecordedRequest,
    respond: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const hook = webhooks.get(path);
    if (!hook) return respond(404, 'no_service');
    if (hook.prohibited) return respond(403, 'action_prohibited');
    const channel = findChannel(hook.channel);
    if (!channel) return respond(404, 'channel_not_found');
    if (channel.archived) return respond(410, 'channel_is_archived');
    let params: Record<string, unknown>;
    try {
      params = await parseWebhookBody(req, rawBody);
    } catch {
      return respond(400, 'invalid_payload');
    }
    record.params = params;
    try {
      takeRateToken(`webhook|${path}`, true);
      const warnings = checkContent(params, unreachableImageHosts);
      // incoming webhooks post to their own channel, under the app's name (platforms.md §2.1)
      const args = { ...params };
      for (const key of ['channel', 'username', 'icon_url', 'icon_emoji']) delete args[key];
      messages.push(posted('webhook', channel.id, undefined, args, warnings));
      respond(200, 'ok');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      respond(error.status === 200 ? 400 : error.status, error.error, error.headers);
    }
  }

  const takeFault = (route: SlackRoute): SlackFault | undefined => {
    const index = faults.findIndex((f) => f.route === route || f.route === '*');
    if (index < 0) return undefined;
    const rule = faults[index]!;
    if (--rule.times <= 0) faults.splice(index, 1);
    return rule.fault;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const channelOf = (idOrName: string): FakeChannel => {
    const channel = findChannel(idOrName);
    if (!channel) throw new Error(`no channel ${idOrName} in the fake`);
    return channel;
  };

  return {
    url,
    apiUrl: `${url}/api/`,
    webhookUrl: `${url}/services/${[...webhooks.keys()][0] ?? ''}`,
    bot: [...tokens.values()][0]!,
    messages,
    requests,
    channel: channelOf,
    addChannel,
    messagesIn: (idOrName) => messages.filter((m) => m.channel === channelOf(idOrName).id),
    inject: (route, fault, times = 1) => {
      faults.push({ route, fault, times });
    },
    setRateLimit: (limit) => {
      rateLimit = toRateLimit(limit);
      buckets.clear();
    },
    revokeToken: (token) => {
      revoked.add(token);
    },
    responses,
    views,
    viewSubmission(view, user, values) {
      return {
        type: 'view_submission',
        team: { id: 'T000', domain: 'fake' },
        user: { id: user.id, username: user.username ?? 'someone', name: user.username ?? 'someone', team_id: 'T000' },
        api_app_id: 'A000',
        token: 'deprecated-verification-token',
        trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
        view: {
          id: view.id,
          team_id: 'T000',
          type: 'modal',
          blocks: view.view.blocks,
          private_metadata: view.view.private_metadata ?? '',
          callback_id: view.view.callback_id ?? '',
          state: { values },
          hash: randomBytes(8).toString('hex'),
        },
        response_urls: [],
      };
    },
    interaction(ts, actionId, user) {
      const message = messages.find((m) => m.ts === ts);
      if (!message) throw new Error(`no message ${ts}`);
      const token = randomBytes(12).toString('hex');
      responseUrls.set(token, { channel: message.channel, ts });
      const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
      const triggerId = `${Date.now()}.${randomBytes(6).toString('hex')}`;
      triggers.set(triggerId, { at: Date.now(), used: false });
      const element = (message.blocks ?? [])
        .flatMap((block) => (isObject(block) && Array.isArray(block.elements) ? (block.elements as unknown[]) : []))
        .find((e) => isObject(e) && e.action_id === actionId) as Record<string, unknown> | undefined;
      return {
        type: 'block_actions',
        user: { id: user.id, username: user.username ?? 'someone', name: user.username ?? 'someone', team_id: 'T000' },
        api_app_id: 'A000',
        token: 'deprecated-verification-token',
        container: { type: 'message', message_ts: ts, channel_id: message.channel, is_ephemeral: false },
        trigger_id: triggerId,
        team: { id: 'T000', domain: 'fake' },
        channel: { id: message.channel, name: 'alerts' },
        message: { type: 'message', ts, text: message.text, blocks: message.blocks },
        response_url: `${url}/actions/${token}`,
        actions: [{ type: 'button', action_id: actionId, block_id: 'mkb-actions', value: element?.value, action_ts: actionTs, text: element?.text }],
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function isApiRoute(method: string | undefined): method is Exclude<SlackRoute, 'webhook'> {
  return method === 'auth.test' || method === 'conversations.list' || method === 'chat.postMessage' || method === 'chat.update' || method === 'views.open';
}

function posted(via: 'api' | 'webhook', channel: string, ts: string | undefined, args: Record<string, unknown>, warnings: string[]): PostedMessage {
  return {
    via,
    channel,
    ts,
    text: typeof args.text === 'string' ? args.text : undefined,
    blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
    username: typeof args.username === 'string' ? args.username : undefined,
    icon_url: typeof args.icon_url === 'string' ? args.icon_url : undefined,
    args,
    warnings,
    pings: wouldPing(args),
    edits: 0,
  };
}

/**
 * The checks chat.postMessage and incoming webhooks share; throws an ApiError as Slack answers it.
 * Truncates an over-long `text` like Slack does and returns the warnings.
 */
function checkContent(args: Record<string, unknown>, unreachableImageHosts: Set<string> = new Set()): string[] {
  const warnings: string[] = [];
  const hasText = typeof args.text === 'string' && args.text.trim() !== '';
  const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
  const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
  if (args.markdown_text !== undefined) {
    if (args.text !== undefined || args.blocks !== undefined) throw new ApiError('invalid_arguments');
    if (typeof args.markdown_text !== 'string' || args.markdown_text.length > MARKDOWN_BLOCK_TEXT) throw new ApiError('msg_too_long');
    return warnings;
  }
  if (!hasText && !hasBlocks && !hasAttachments) throw new ApiError('no_text');
  if (args.attachments !== undefined && (!Array.isArray(args.attachments) || args.attachments.length > MAX_ATTACHMENTS)) {
    throw new ApiError('too_many_attachments');
  }
  if (args.blocks !== undefined) {
    const errors = validateBlocks(args.blocks, unreachableImageHosts);
    if (errors.length) throw new ApiError('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    if (blocksLength(args.blocks as Record<string, unknown>[]) > BLOCKS_TEXT) throw new ApiError('msg_blocks_too_long');
  }
  if (typeof args.text === 'string' && args.text.length > MESSAGE_TEXT) {
    args.text = args.text.slice(0, MESSAGE_TEXT);
    warnings.push('message_truncated');
  }
  return warnings;
}

/** Block Kit checks for the block types a message may carry, with Slack's json-pointer errors. */
export function validateBlocks(blocks: unknown, unreachableImageHosts: Set<string> = new Set()): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ['must provide an array [json-pointer:/blocks]'];
  if (blocks.length > MAX_BLOCKS) errors.push(`no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`);
  blocks.forEach((block, i) => checkBlock(block, `/blocks/${i}`, errors, unreachableImageHosts));
  return errors;
}

const BLOCK_KEYS: Record<string, string[]> = {
  section: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
  header: ['type', 'block_id', 'text'],
  context: ['type', 'block_id', 'elements'],
  image: ['type', 'block_id', 'image_url', 'alt_text', 'title'],
  divider: ['type', 'block_id'],
  markdown: ['type', 'block_id', 'text'],
  actions: ['type', 'block_id', 'elements'],
};

function checkBlock(block: unknown, at: string, errors: string[], unreachable: Set<string>): void {
  if (!isObject(block)) return void errors.push(`must provide an object [json-pointer:${at}]`);
  const type = String(block.type);
  const keys = BLOCK_KEYS[type];
  if (!keys) return void errors.push(`must be a valid enum value [json-pointer:${at}/type]`);
  for (const key of Object.keys(block)) if (!keys.includes(key)) errors.push(`unsupported property: ${key} [json-pointer:${at}/${key}]`);
  if (typeof block.block_id === 'string' && block.block_id.length > 255) errors.push(`must be less than 256 characters [json-pointer:${at}/block_id]`);
  switch (type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) errors.push(`must provide either text or fields [json-pointer:${at}]`);
      if (block.text !== undefined) checkText(block.text, `${at}/text`, SECTION_TEXT, errors);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length === 0) errors.push(`must provide a non-empty array [json-pointer:${at}/fields]`);
        else {
          if (block.fields.length > MAX_FIELDS) errors.push(`no more than ${MAX_FIELDS} items allowed [json-pointer:${at}/fields]`);
          block.fields.forEach((field, i) => checkText(field, `${at}/fields/${i}`, FIELD_TEXT, errors));
        }
      }
      break;
    case 'header':
      checkText(block.text, `${at}/text`, HEADER_TEXT, errors, 'plain_text');
      break;
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length === 0) errors.push(`must provide a non-empty array [json-pointer:${at}/elements]`);
      else {
        if (block.elements.length > CONTEXT_ELEMENTS) errors.push(`no more than ${CONTEXT_ELEMENTS} items allowed [json-pointer:${at}/elements]`);
        block.elements.forEach((element, i) => {
          const where = `${at}/elements/${i}`;
          if (isObject(element) && element.type === 'image') checkImage(element, where, ['type', 'image_url', 'alt_text'], errors, unreachable);
          else checkText(element, where, SECTION_TEXT, errors);
        });
      }
      break;
    case 'image':
      checkImage(block, at, keys, errors, unreachable);
      if (block.title !== undefined) checkText(block.title, `${at}/title`, ALT_TEXT, errors, 'plain_text');
      break;
    case 'markdown':
      if (typeof block.text !== 'string' || block.text.length === 0 || block.text.length > MARKDOWN_BLOCK_TEXT) {
        errors.push(`must be between 1 and ${MARKDOWN_BLOCK_TEXT} characters [json-pointer:${at}/text]`);
      }
      break;
    case 'actions': {
      const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
      if (elements.length === 0 || elements.length > 25) errors.push(`must provide 1 to 25 elements [json-pointer:${at}/elements]`);
      const ids = new Set<string>();
      elements.forEach((element, i) => {
        const where = `${at}/elements/${i}`;
        if (!isObject(element) || element.type !== 'button') return void errors.push(`must be a button [json-pointer:${where}]`);
        checkText(element.text, `${where}/text`, 75, errors, 'plain_text');
        const id = element.action_id;
        if (typeof id === 'string') {
          if (id.length > 255) errors.push(`must be less than 256 characters [json-pointer:${where}/action_id]`);
          if (ids.has(id)) errors.push(`non-unique action_id [json-pointer:${where}/action_id]`);
          ids.add(id);
        }
        if (element.url !== undefined && (typeof element.url !== 'string' || !/^https?:\/\//.test(element.url))) {
          errors.push(`must be a valid URL [json-pointer:${where}/url]`);
        }
      });
      break;
    }
  }
}

function checkText(value: unknown, at: string, max: number, errors: string[], only?: 'plain_text'): void {
  if (!isObject(value)) return void errors.push(`must provide an object [json-pointer:${at}]`);
  const type = value.type;
  if (type !== 'plain_text' && type !== 'mrkdwn') return void errors.push(`must be a valid enum value [json-pointer:${at}/type]`);
  if (only && type !== only) return void errors.push(`must be a valid enum value [json-pointer:${at}/type]`);
  const allowed = type === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim'];
  for (const key of Object.keys(value)) if (!allowed.includes(key)) errors.push(`unsupported property: ${key} [json-pointer:${at}/${key}]`);
  if (typeof value.text !== 'string') return void errors.push(`must be a string [json-pointer:${at}/text]`);
  if (value.text.trim().length === 0) errors.push(`must be more than 0 characters [json-pointer:${at}/text]`);
  if (value.text.length > max) errors.push(`must be less than ${max + 1} characters [json-pointer:${at}/text]`);
}

function checkImage(image: Record<string, unknown>, at: string, keys: string[], errors: string[], unreachable: Set<string>): void {
  for (const key of Object.keys(image)) if (!keys.includes(key)) errors.push(`unsupported property: ${key} [json-pointer:${at}/${key}]`);
  const url = image.image_url;
  if (typeof url !== 'string' || url.length === 0) errors.push(`must provide a string [json-pointer:${at}/image_url]`);
  else if (url.length > IMAGE_URL) errors.push(`must be less than ${IMAGE_URL + 1} characters [json-pointer:${at}/image_url]`);
  else if (!/^https?:\/\/[^\s]+$/.test(url)) errors.push(`must be a valid URL [json-pointer:${at}/image_url]`);
  else {
    const { host, pathname } = new URL(url);
    if (unreachable.has(host) || (/\.\w{2,5}$/.test(pathname) && !SHOWN_IMAGE_EXTENSION.test(pathname))) {
      errors.push(`downloading image failed [json-pointer:${at}/image_url]`);
    }
  }
  const alt = image.alt_text;
  if (typeof alt !== 'string' || alt.length === 0) errors.push(`must provide a string [json-pointer:${at}/alt_text]`);
  else if (alt.length > ALT_TEXT) errors.push(`must be less than ${ALT_TEXT + 1} characters [json-pointer:${at}/alt_text]`);
}

/** Text in the blocks, plus a cost per block, against msg_blocks_too_long. */
function blocksLength(blocks: Record<string, unknown>[]): number {
  let total = blocks.length * PER_BLOCK_COST;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isObject(value)) {
      if ((value.type === 'mrkdwn' || value.type === 'plain_text') && typeof value.text === 'string') total += value.text.length;
      else Object.values(value).forEach(walk);
    }
  };
  walk(blocks);
  return total;
}

const EXPLICIT_PING = /<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[^>]*>|<@[UW][A-Z0-9]*(?:\|[^>]*)?>/g;
const BARE_PING = /(?:^|[^\w&])@(?:channel|here|everyone)\b/g;

/**
 * Ping sequences Slack would act on in a message: explicit `<!here>`, `<!channel>`, `<!everyone>`,
 * `<!subteam^…>` and `<@U…>` in any mrkdwn (top-level text, blocks, attachments), and bare
 * `@here`/`@channel`/`@everyone` where Slack preprocesses text (mrkdwn objects without
 * `verbatim: true`, top-level text with `link_names` or `parse: full`). Each hit names where it is.
 */
export function wouldPing(message: { text?: unknown; blocks?: unknown; attachments?: unknown; link_names?: unknown; parse?: unknown }): string[] {
  const hits: string[] = [];
  const scan = (text: string, at: string, preprocessed: boolean): void => {
    for (const match of text.matchAll(EXPLICIT_PING)) hits.push(`${at}: ${match[0]}`);
    if (preprocessed) for (const match of text.matchAll(BARE_PING)) hits.push(`${at}: ${match[0].trim()}`);
  };
  if (typeof message.text === 'string') scan(message.text, '/text', message.link_names === true || message.parse === 'full');
  const walk = (value: unknown, at: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${at}/${i}`));
    else if (isObject(value)) {
      if (value.type === 'mrkdwn' && typeof value.text === 'string') scan(value.text, `${at}/text`, value.verbatim !== true);
      for (const [key, inner] of Object.entries(value)) if (typeof inner === 'object') walk(inner, `${at}/${key}`);
    }
  };
  walk(message.blocks, '/blocks');
  // legacy attachments: their text and pretext are mrkdwn, their blocks are blocks
  (Array.isArray(message.attachments) ? message.attachments : []).forEach((attachment: unknown, i) => {
    if (!isObject(attachment)) return;
    for (const key of ['pretext', 'text']) {
      const text = attachment[key];
      if (typeof text === 'string') scan(text, `/attachments/${i}/${key}`, true);
    }
    walk(attachment.blocks, `/attachments/${i}/blocks`);
  });
  return hits;
}

/** Form (JSON-valued `blocks`/`attachments`, string booleans), JSON or multipart, as Slack reads them. */
async function parseParams(req: IncomingMessage, rawBody: Buffer): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (rawBody.length === 0) return {};
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
      if (!isObject(parsed)) throw new Error('not an object');
      return parsed;
    } catch {
      throw new ApiError('invalid_json');
    }
  }
  let entries: [string, string][];
  if (type === 'application/x-www-form-urlencoded') entries = [...new URLSearchParams(rawBody.toString('utf8'))];
  else if (type === 'multipart/form-data') {
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: rawBody }).formData();
    entries = [...form].map(([key, value]) => [key, typeof value === 'string' ? value : '']);
  } else throw new ApiError('invalid_post_type');
  const params: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (JSON_ARGS.has(key)) {
      try {
        params[key] = JSON.parse(value);
      } catch {
        throw new ApiError(key === 'blocks' ? 'invalid_blocks_format' : 'invalid_attachments');
      }
    } else if (BOOLEAN_ARGS.has(key)) params[key] = value === 'true' || value === '1';
    else params[key] = value;
  }
  return params;
}

/** Incoming webhooks take JSON, or a form with a `payload` JSON field. */
async function parseWebhookBody(req: IncomingMessage, rawBody: Buffer): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const text = type === 'application/x-www-form-urlencoded' ? (new URLSearchParams(rawBody.toString('utf8')).get('payload') ?? '') : rawBody.toString('utf8');
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed)) throw new Error('not an object');
  return parsed;
}

function answer(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, ...headers });
  res.end(body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toRateLimit(limit: 'off' | 'slack' | RateLimit): RateLimit | undefined {
  if (limit === 'off') return undefined;
  return limit === 'slack' ? SLACK_RATE_LIMIT : limit;
}
