/**
 * A fake Discord REST API on 127.0.0.1 for tests (platforms.md §6.1): webhook execute/get,
 * bot create-message/get-channel/start-thread-from-message. It validates like Discord and refuses what Discord would
 * refuse (limits, shapes, auth, permissions), applies Discord-style rate limits when asked, and
 * lets a test read what arrived and inject faults. No gateway.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public shapes

export type ChannelAccess = 'full' | 'view-only' | 'none';

export interface FakeChannel {
  id: string;
  /** Discord channel type: 0 text, 5 announcement, 11 public thread, 15 forum, 4 category */
  type: number;
  guildId: string;
  name: string;
  parentId?: string;
  /** a thread started from a message: that message's id (the same as the thread's) */
  starterId?: string;
  /** a thread's auto_archive_duration, in minutes */
  autoArchiveMinutes?: number;
  /** what the bots can do here: everything, see but not post (50013), nothing (50001) */
  access: ChannelAccess;
}

export interface FakeWebhook {
  id: string;
  token: string;
  channelId: string;
  name: string;
  /** `<fake>/api/webhooks/<id>/<token>` as Discord shows it */
  url: string;
}

export interface FakeBot {
  id: string;
  token: string;
  /** may start threads (Create Public Threads); without it starting one answers 50013 */
  threads: boolean;
}

export interface AllowedMentions {
  parse: string[];
  users: string[];
  roles: string[];
}

export interface FakeMessage {
  id: string;
  via: 'webhook' | 'bot';
  /** the channel it landed in (the thread when posted into one) */
  channelId: string;
  webhookId?: string;
  /** the JSON body as received */
  body: Record<string, unknown>;
  content: string;
  embeds: Record<string, unknown>[];
  username?: string;
  avatarUrl?: string;
  flags: number;
  nonce?: string | number;
  /** allowed_mentions as Discord applies it: the body's, else the default (webhook: users; bot: all) */
  allowedMentions: AllowedMentions;
  /** who this message notifies (mentions in `content` only: embeds never ping) */
  pinged: { users: string[]; roles: string[]; everyone: boolean };
  timestamp: string;
  /** bot replies: the message replied to (`message_reference`) */
  referenceId?: string;
  /** how many times a PATCH changed it */
  edits: number;
  /** the thread started from this message (its id is the message's id) */
  threadId?: string;
}

export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface DiscordFakeRateLimits {
  /** per webhook, announced in headers: ~5 per 2 s */
  webhook?: RateWindow | boolean;
  /** per channel for bot posts, announced in headers: 5 per 5 s */
  channelMessages?: RateWindow | boolean;
  /** hidden per-channel limit on all posts: 30 per 60 s, `shared` scope, no warning headers */
  channelShared?: RateWindow | boolean;
  /** per bot token, and one for all webhook calls: 50 per s */
  global?: RateWindow | boolean;
}

export const RATE_LIMIT_PRESETS: Required<Record<keyof DiscordFakeRateLimits, RateWindow>> = {
  webhook: { limit: 5, windowMs: 2000 },
  channelMessages: { limit: 5, windowMs: 5000 },
  channelShared: { limit: 30, windowMs: 60_000 },
  global: { limit: 50, windowMs: 1000 },
};

export interface DiscordFakeOptions {
  /** off by default; `'discord'` = webhook + channelMessages + global presets (not the hidden shared one) */
  rateLimits?: DiscordFakeRateLimits | 'discord';
  /** multiplies every rate-limit window (0.05 runs a 2 s window in 100 ms): same mechanism, faster tests */
  timeScale?: number;
  /** how long a bot nonce is remembered with enforce_nonce; Discord says "a few minutes" */
  nonceTtlMs?: number;
}

export type FakeRoute =
  | 'webhook-execute'
  | 'webhook-get'
  | 'webhook-message'
  | 'channel-messages'
  | 'channel-message'
  | 'channel-get'
  | 'interaction-original'
  | 'interaction-followup'
  | 'message-thread';

/** A one-off (or `times`-off) misbehaviour for the next matching requests. */
export type FakeFault = { times?: number; route?: FakeRoute } & (
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'error'; code: number; status?: number; message?: string }
  | { kind: 'rate-limit'; retryAfterSec: number; scope?: 'user' | 'global' | 'shared' }
  | { kind: 'latency'; ms: number }
  | { kind: 'reset' }
);

export interface FakeRequest {
  method: string;
  route: FakeRoute | 'unknown';
  status: number;
  at: number;
}

export interface FakeStats {
  requests: number;
  /** 429 answers of any scope */
  tooManyRequests: number;
  /** 401, 403 and non-shared 429 in the last 10 minutes: Cloudflare bans an IP at 10,000 */
  invalidRequests: number;
  /** 400/413 answers (validation) */
  rejected: number;
}

export interface DiscordFake {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** what discord.js calls `rest.api`: `<url>/api` */
  readonly apiBase: string;
  readonly messages: FakeMessage[];
  readonly requests: FakeRequest[];
  readonly stats: FakeStats;
  addChannel(options?: Partial<Omit<FakeChannel, 'parentId'>>): FakeChannel;
  addThread(parentId: string, options?: Partial<Pick<FakeChannel, 'id' | 'name' | 'access'>>): FakeChannel;
  /** a webhook in `channelId` (a new text channel when omitted) */
  addWebhook(options?: { channelId?: string; name?: string }): FakeWebhook;
  /** a bot token; `threads: false` takes away the permission to start threads (50013) */
  addBot(options?: { threads?: boolean }): FakeBot;
  /** threads started from messages, in order */
  readonly threads: FakeChannel[];
  deleteWebhook(id: string): void;
  deleteChannel(id: string): void;
  /** a revoked token gets 401 until restored */
  revokeBotToken(token: string): void;
  restoreBotToken(token: string): void;
  setAccess(channelId: string, access: ChannelAccess): void;
  inject(fault: FakeFault): void;
  channel(id: string): FakeChannel | undefined;
  /**
   * Interactions: a click on a component of the message, as Discord would send it to the
   * application's endpoint (unsigned: the test signs it). Its token then edits the message
   * (`PATCH /webhooks/{application}/{token}/messages/@original`) and posts follow-ups.
   */
  interaction(messageId: string, customId: string, member: { userId: string; roles?: string[]; username?: string }): Record<string, unknown>;
  /**
   * The form (modal) a component's interaction opened, submitted with these text input values
   * (MODAL_SUBMIT, type 5), as Discord sends it: the message the component was on comes with it,
   * and its token edits that message like a click's.
   */
  modalSubmit(
    messageId: string,
    customId: string,
    values: Record<string, string>,
    member: { userId: string; roles?: string[]; username?: string },
  ): Record<string, unknown>;
  /** follow-up messages posted with an interaction token (ephemeral ones included) */
  readonly followups: { token: string; body: Record<string, unknown> }[];
  /** forget messages, requests and counters (not webhooks, channels, bots) */
  clear(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Ids, tokens, errors

const DISCORD_EPOCH = 1420070400000n;
let sequence = 0n;
function snowflake(): string {
  sequence = (sequence + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | sequence).toString();
}

/** 68 characters of [A-Za-z0-9_-], like Discord's webhook tokens */
const webhookToken = () => randomBytes(51).toString('base64url');

const ERRORS: Record<number, [number, string]> = {
  0: [401, '401: Unauthorized'],
  10003: [404, 'Unknown Channel'],
  10008: [404, 'Unknown Message'],
  10015: [404, 'Unknown Webhook'],
  20028: [429, 'The write action you are performing on the channel has hit the write rate limit.'],
  40005: [413, 'Request entity too large'],
  50001: [403, 'Missing Access'],
  50005: [403, 'Cannot edit a message authored by another user'],
  50006: [400, 'Cannot send an empty message'],
  50008: [400, 'Cannot send messages in a non-text channel'],
  50013: [403, 'Missing Permissions'],
  50024: [400, 'Cannot execute action on this channel type'],
  50027: [401, 'Invalid Webhook Token'],
  50035: [400, 'Invalid Form Body'],
  50109: [400, 'The request body contains invalid JSON.'],
  220001: [400, 'Webhooks posted to forum channels must have a thread_name or thread_id'],
  220002: [400, 'Webhooks can only create threads in forum channels'],
  160004: [400, 'A thread has already been created for this message'],
};

class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}

  static error(code: number, extra: Record<string, unknown> = {}, status?: number, message?: string): Reply {
    const [defaultStatus, defaultMessage] = ERRORS[code] ?? [400, 'Error'];
    return new Reply(status ?? defaultStatus, { message: message ?? defaultMessage, code, ...extra });
  }
}

// ---------------------------------------------------------------------------------------------
// Validation, mirroring Discord's 50035 error tree

type ErrorTree = { _errors?: { code: string; message: string }[] } & { [key: string]: ErrorTree | { code: string; message: string }[] | undefined };

class FormErrors {
  readonly tree: ErrorTree = {};
  count = 0;

  add(path: (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const next = (node[String(key)] ??= {}) as ErrorTree;
      node = next;
    }
    (node._errors ??= []).push({ code, message });
    this.count++;
  }
}

/** Discord counts code points after trimming. */
const lengthOf = (text: string) => [...text.trim()].length;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const SNOWFLAKE = /^\d{17,20}$/;

function checkString(errors: FormErrors, path: (string | number)[], value: unknown, max: number, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.add(path, 'BASE_TYPE_STRING', `Could not interpret "${String(value)}" as string.`);
    return undefined;
  }
  const length = lengthOf(value);
  if (required && length === 0) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (length > max) errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  return value;
}

function checkUrl(errors: FormErrors, path: (string | number)[], value: unknown, schemes: string[], required = false): void {
  if (value === undefined || value === null) {
    if (required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof value !== 'string' || value.length > 2048) {
    errors.add(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    return;
  }
  try {
    const url = new URL(value);
    if (!schemes.includes(url.protocol)) errors.add(path, 'URL_TYPE_INVALID_SCHEME', `Scheme "${url.protocol.slice(0, -1)}" is not supported. Scheme must be one of (${schemes.map((s) => s.slice(0, -1)).join(', ')}).`);
  } catch {
    errors.add(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  }
}

const WEB = ['http:', 'https:'];
const MEDIA = ['http:', 'https:', 'attachment:'];

/** The embed's characters counted against the 6000 total; validates the embed on the way. */
function checkEmbed(errors: FormErrors, path: (string | number)[], embed: unknown): { size: number; hasContent: boolean } {
  if (!isObject(embed)) {
    errors.add(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return { size: 0, hasContent: false };
  }
  let size = 0;
  const count = (value: string | undefined) => {
    if (value !== undefined) size += lengthOf(value);
  };
  count(checkString(errors, [...path, 'title'], embed.title, 256, false));
  count(checkString(errors, [...path, 'description'], embed.description, 4096, false));
  checkUrl(errors, [...path, 'url'], embed.url, WEB);
  if (embed.timestamp !== undefined && (typeof embed.timestamp !== 'string' || Number.isNaN(Date.parse(embed.timestamp)))) {
    errors.add([...path, 'timestamp'], 'DATE_TIME_TYPE_PARSE', `Could not parse ${String(embed.timestamp)}. Should be ISO8601.`);
  }
  if (embed.color !== undefined && embed.color !== null) {
    if (!Number.isInteger(embed.color)) errors.add([...path, 'color'], 'NUMBER_TYPE_COERCE', `Value "${String(embed.color)}" is not int.`);
    else if ((embed.color as number) < 0 || (embed.color as number) > 0xffffff) {
      errors.add([...path, 'color'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
    }
  }
  for (const key of ['footer', 'image', 'thumbnail', 'author'] as const) {
    const part = embed[key];
    if (part === undefined || part === null) continue;
    if (!isObject(part)) {
      errors.add([...path, key], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      continue;
    }
    if (key === 'footer') {
      count(checkString(errors, [...path, key, 'text'], part.text, 2048, true));
      checkUrl(errors, [...path, key, 'icon_url'], part.icon_url, MEDIA);
    } else if (key === 'author') {
      count(checkString(errors, [...path, key, 'name'], part.name, 256, true));
      checkUrl(errors, [...path, key, 'url'], part.url, WEB);
      checkUrl(errors, [...path, key, 'icon_url'], part.icon_url, MEDIA);
    } else {
      checkUrl(errors, [...path, key, 'url'], part.url, MEDIA, true);
    }
  }
  if (embed.fields !== undefined && embed.fields !== null) {
    if (!Array.isArray(embed.fields)) errors.add([...path, 'fields'], 'BASE_TYPE_LIST', 'Must be a list.');
    else {
      if (embed.fields.length > 25) errors.add([...path, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      embed.fields.forEach((field: unknown, i) => {
        const fieldPath = [...path, 'fields', i];
        if (!isObject(field)) return errors.add(fieldPath, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
        count(checkString(errors, [...fieldPath, 'name'], field.name, 256, true));
        count(checkString(errors, [...fieldPath, 'value'], field.value, 1024, true));
        if (field.inline !== undefined && typeof field.inline !== 'boolean') errors.add([...fieldPath, 'inline'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
      });
    }
  }
  const text = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  const hasContent =
    text(embed.title) ||
    text(embed.description) ||
    (Array.isArray(embed.fields) && embed.fields.length > 0) ||
    ['footer', 'image', 'thumbnail', 'author', 'video'].some((key) => isObject(embed[key]));
  return { size, hasContent };
}

const MENTION_KINDS = ['users', 'roles', 'everyone'];

function checkAllowedMentions(errors: FormErrors, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) return errors.add(['allowed_mentions'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const parse = value.parse;
  if (parse !== undefined) {
    if (!Array.isArray(parse)) errors.add(['allowed_mentions', 'parse'], 'BASE_TYPE_LIST', 'Must be a list.');
    else {
      parse.forEach((kind: unknown, i) => {
        if (typeof kind !== 'string' || !MENTION_KINDS.includes(kind)) {
          errors.add(['allowed_mentions', 'parse', i], 'BASE_TYPE_CHOICES', "Value must be one of {'users', 'roles', 'everyone'}.");
        }
      });
    }
  }
  for (const kind of ['users', 'roles'] as const) {
    const ids = value[kind];
    if (ids === undefined) continue;
    if (!Array.isArray(ids)) {
      errors.add(['allowed_mentions', kind], 'BASE_TYPE_LIST', 'Must be a list.');
      continue;
    }
    if (ids.length > 100) errors.add(['allowed_mentions', kind], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    ids.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || !SNOWFLAKE.test(id)) errors.add(['allowed_mentions', kind, i], 'NUMBER_TYPE_COERCE', `Value "${String(id)}" is not snowflake.`);
    });
    if (Array.isArray(parse) && parse.includes(kind) && ids.length > 0) {
      errors.add(['allowed_mentions'], 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`);
    }
  }
}

const WEBHOOK_FLAGS = 4 | 4096 | 32768;
const BOT_FLAGS = 4 | 4096 | 8192 | 32768;

/** Everything Discord checks in a message body; a reply when it would refuse it. */
function validateMessage(body: Record<string, unknown>, via: 'webhook' | 'bot'): Reply | undefined {
  const errors = new FormErrors();
  const content = checkString(errors, ['content'], body.content, 2000, false);
  if (via === 'webhook' && body.username !== undefined) {
    const name = checkString(errors, ['username'], body.username, 80, false);
    if (name !== undefined) {
      const lower = name.trim().toLowerCase();
      if (lengthOf(name) < 1) errors.add(['username'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 80 in length.');
      for (const word of ['clyde', 'discord']) {
        if (lower.includes(word)) errors.add(['username'], 'USERNAME_INVALID_CONTAINS', `Username cannot contain "${word}"`);
      }
      if (lower === 'everyone' || lower === 'here') errors.add(['username'], 'USERNAME_INVALID', `Username cannot be "${lower}"`);
    }
  }
  if (via === 'webhook') checkUrl(errors, ['avatar_url'], body.avatar_url, WEB);
  if (body.tts !== undefined && typeof body.tts !== 'boolean') errors.add(['tts'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
  if (body.flags !== undefined && body.flags !== null) {
    const allowed = via === 'webhook' ? WEBHOOK_FLAGS : BOT_FLAGS;
    if (!Number.isInteger(body.flags) || ((body.flags as number) & ~allowed) !== 0) errors.add(['flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
  }
  if (body.nonce !== undefined && body.nonce !== null) {
    if (typeof body.nonce === 'string') {
      if (body.nonce.length > 25) errors.add(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    } else if (!Number.isInteger(body.nonce)) errors.add(['nonce'], 'BASE_TYPE_STRING', 'Could not interpret nonce as string.');
  }
  checkAllowedMentions(errors, body.allowed_mentions);

  let embedsWithContent = 0;
  if (body.embeds !== undefined && body.embeds !== null) {
    if (!Array.isArray(body.embeds)) errors.add(['embeds'], 'BASE_TYPE_LIST', 'Must be a list.');
    else {
      if (body.embeds.length > 10) errors.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
      let total = 0;
      body.embeds.forEach((embed: unknown, i) => {
        const { size, hasContent } = checkEmbed(errors, ['embeds', i], embed);
        total += size;
        if (hasContent) embedsWithContent++;
      });
      if (total > 6000) errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
    }
  }
  if (errors.count > 0) return Reply.error(50035, { errors: errors.tree });
  const hasOther = ['sticker_ids', 'attachments', 'components', 'poll'].some((key) => Array.isArray(body[key]) ? (body[key] as unknown[]).length > 0 : isObject(body[key]));
  if ((content === undefined || content.trim() === '') && embedsWithContent === 0 && !hasOther) return Reply.error(50006);
  return undefined;
}

function effectiveMentions(body: Record<string, unknown>, via: 'webhook' | 'bot'): AllowedMentions {
  const given = body.allowed_mentions;
  if (!isObject(given)) return { parse: via === 'webhook' ? ['users'] : ['users', 'roles', 'everyone'], users: [], roles: [] };
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return { parse: list(given.parse), users: list(given.users), roles: list(given.roles) };
}

/** Who `content` notifies under these allowed mentions (a backslash before a mention disarms it). */
function pingsOf(content: string, allowed: AllowedMentions): FakeMessage['pinged'] {
  const users = new Set<string>();
  const roles = new Set<string>();
  for (const match of content.matchAll(/(\\?)<@(!|&)?(\d{17,20})>/g)) {
    if (match[1]) continue;
    const id = match[3] ?? '';
    if (match[2] === '&') {
      if (allowed.parse.includes('roles') || allowed.roles.includes(id)) roles.add(id);
    } else if (allowed.parse.includes('users') || allowed.users.includes(id)) users.add(id);
  }
  const everyone = allowed.parse.includes('everyone') && /(^|[^\\])@(everyone|here)/.test(content);
  return { users: [...users], roles: [...roles], everyone };
}

// ---------------------------------------------------------------------------------------------
// Rate limits

class FixedWindow {
  private count = 0;
  private resetAt = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** counts the request unless the window is full */
  take(now: number): { allowed: boolean; remaining: number; resetAt: number } {
    if (now >= this.resetAt) {
      this.count = 0;
      this.resetAt = now + this.windowMs;
    }
    if (this.count >= this.limit) return { allowed: false, remaining: 0, resetAt: this.resetAt };
    this.count++;
    return { allowed: true, remaining: this.limit - this.count, resetAt: this.resetAt };
  }
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

function resolveWindows(options: DiscordFakeOptions): Partial<Record<keyof DiscordFakeRateLimits, RateWindow>> {
  const given: DiscordFakeRateLimits =
    options.rateLimits === 'discord' ? { webhook: true, channelMessages: true, global: true } : (options.rateLimits ?? {});
  const scale = options.timeScale ?? 1;
  const windows: Partial<Record<keyof DiscordFakeRateLimits, RateWindow>> = {};
  for (const key of Object.keys(RATE_LIMIT_PRESETS) as (keyof DiscordFakeRateLimits)[]) {
    const value = given[key];
    if (!value) continue;
    const window = value === true ? RATE_LIMIT_PRESETS[key] : value;
    windows[key] = { limit: window.limit, windowMs: Math.max(1, Math.round(window.windowMs * scale)) };
  }
  return windows;
}

// ---------------------------------------------------------------------------------------------
// The server

const MAX_BODY = 25 * 1024 * 1024;
const INVALID_WINDOW_MS = 10 * 60 * 1000;

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The `payload_json` part of a multipart body (files are accepted and ignored). */
function multipartPayload(raw: Buffer, contentType: string): string | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  for (const part of raw.toString('utf8').split(`--${boundary}`)) {
    const [head = '', ...rest] = part.split('\r\n\r\n');
    if (/name="payload_json"/i.test(head)) return rest.join('\r\n\r\n').replace(/\r\n$/, '');
  }
  return undefined;
}

export async function startDiscordFake(options: DiscordFakeOptions = {}): Promise<DiscordFake> {
  const guildId = snowflake();
  const channels = new Map<string, FakeChannel>();
  const webhooks = new Map<string, FakeWebhook>();
  const bots = new Map<string, FakeBot & { revoked: boolean }>();
  const threads: FakeChannel[] = [];
  const messages: FakeMessage[] = [];
  const requests: FakeRequest[] = [];
  const applicationId = snowflake();
  /** interaction token → the message its component was on */
  const interactions = new Map<string, string>();
  const followups: { token: string; body: Record<string, unknown> }[] = [];
  const faults: FakeFault[] = [];
  const invalidAt: number[] = [];
  const nonces = new Map<string, { message: Record<string, unknown>; at: number }>();
  const stats: FakeStats = { requests: 0, tooManyRequests: 0, invalidRequests: 0, rejected: 0 };
  const windows = resolveWindows(options);
  const buckets = new Map<string, FixedWindow>();
  const nonceTtlMs = options.nonceTtlMs ?? 5 * 60 * 1000;
  let base = '';

  const bucket = (kind: keyof DiscordFakeRateLimits, key: string): FixedWindow | undefined => {
    const window = windows[kind];
    if (!window) return undefined;
    const id = `${kind}:${key}`;
    let found = buckets.get(id);
    if (!found) {
      found = new FixedWindow(window.limit, window.windowMs);
      buckets.set(id, found);
    }
    return found;
  };

  const tooMany = (retryAfterMs: number, scope: 'user' | 'global' | 'shared', headers: Record<string, string> = {}, code?: number): Reply =>
    new Reply(
      429,
      { message: 'You are being rate limited.', retry_after: Number(seconds(retryAfterMs)), global: scope === 'global', ...(code ? { code } : {}) },
      { ...headers, 'retry-after': seconds(retryAfterMs), 'x-ratelimit-scope': scope, ...(scope === 'global' ? { 'x-ratelimit-global': 'true' } : {}) },
    );

  /** Global then route bucket; the route's headers go on every answer, a 429 when a window is full. */
  const limit = (globalKey: string, kind: 'webhook' | 'channelMessages', key: string, headers: Record<string, string>): Reply | undefined => {
    const now = Date.now();
    const global = bucket('global', globalKey)?.take(now);
    if (global && !global.allowed) return tooMany(global.resetAt - now, 'global');
    const route = bucket(kind, key);
    if (!route) return undefined;
    const taken = route.take(now);
    Object.assign(headers, {
      'x-ratelimit-limit': String(route.limit),
      'x-ratelimit-remaining': String(taken.remaining),
      'x-ratelimit-reset': seconds(taken.resetAt),
      'x-ratelimit-reset-after': seconds(taken.resetAt - now),
      'x-ratelimit-bucket': createHash('sha1').update(kind).digest('hex').slice(0, 16),
    });
    return taken.allowed ? undefined : tooMany(taken.resetAt - now, 'user', headers);
  };

  const sharedLimit = (channelId: string, headers: Record<string, string>): Reply | undefined => {
    const now = Date.now();
    const taken = bucket('channelShared', channelId)?.take(now);
    return taken && !taken.allowed ? tooMany(taken.resetAt - now, 'shared', headers, 20028) : undefined;
  };

  const store = (
    via: 'webhook' | 'bot',
    channelId: string,
    body: Record<string, unknown>,
    author: { id: string; username: string },
    webhookId?: string,
  ): Record<string, unknown> => {
    const id = snowflake();
    const timestamp = new Date().toISOString();
    const content = typeof body.content === 'string' ? body.content : '';
    const allowedMentions = effectiveMentions(body, via);
    const embeds = Array.isArray(body.embeds) ? (body.embeds as Record<string, unknown>[]) : [];
    const flags = typeof body.flags === 'number' ? body.flags : 0;
    messages.push({
      id,
      via,
      channelId,
      ...(webhookId ? { webhookId } : {}),
      body,
      content,
      embeds,
      ...(typeof body.username === 'string' ? { username: body.username } : {}),
      ...(typeof body.avatar_url === 'string' ? { avatarUrl: body.avatar_url } : {}),
      flags,
      ...(typeof body.nonce === 'string' || typeof body.nonce === 'number' ? { nonce: body.nonce } : {}),
      allowedMentions,
      pinged: pingsOf(content, allowedMentions),
      timestamp,
      edits: 0,
    });
    return {
      id,
      type: 0,
      channel_id: channelId,
      content,
      embeds: flags & 4 ? [] : embeds,
      flags,
      timestamp,
      edited_timestamp: null,
      tts: body.tts === true,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      pinned: false,
      author: { id: author.id, username: author.username, discriminator: '0000', avatar: null, bot: true },
      ...(webhookId ? { webhook_id: webhookId } : {}),
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
    };
  };

  async function parseJsonBody(req: IncomingMessage): Promise<Record<string, unknown> | Reply> {
    const raw = await readBody(req);
    if (raw === 'too-large') return Reply.error(40005);
    const type = req.headers['content-type'] ?? '';
    let text: string | undefined;
    if (type.startsWith('application/json')) text = raw.toString('utf8');
    else if (type.startsWith('multipart/form-data')) text = multipartPayload(raw, type) ?? '{}';
    else return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed)) return Reply.error(50035, { errors: { _errors: [{ code: 'DICT_TYPE_CONVERT', message: 'Only dictionaries may be used in a DictType' }] } });
      return parsed;
    } catch {
      return Reply.error(50109);
    }
  }

  const botFor = (req: IncomingMessage) => {
    const match = /^Bot (.+)$/.exec(req.headers.authorization ?? '');
    const bot = match ? bots.get(match[1] ?? '') : undefined;
    return bot && !bot.revoked ? bot : undefined;
  };

  async function executeWebhook(req: IncomingMessage, url: URL, id: string, token: string): Promise<Reply> {
    const webhook = webhooks.get(id);
    if (!webhook) return Reply.error(10015);
    if (webhook.token !== token) return Reply.error(50027);
    const headers: Record<string, string> = {};
    const limited = limit('webhooks', 'webhook', id, headers);
    if (limited) return limited;
    const body = await parseJsonBody(req);
    if (body instanceof Reply) return body;
    const channel = channels.get(webhook.channelId);
    if (!channel) return Reply.error(10015);
    let target = channel;
    const threadId = url.searchParams.get('thread_id');
    if (threadId !== null) {
      const thread = channels.get(threadId);
      if (!thread || thread.parentId !== channel.id) return Reply.error(10003);
      target = thread;
    } else if (channel.type === 15 && typeof body.thread_name !== 'string') return Reply.error(220001);
    if (typeof body.thread_name === 'string' && channel.type !== 15) return Reply.error(220002);
    const invalid = validateMessage(body, 'webhook');
    if (invalid) return new Reply(invalid.status, invalid.body, headers);
    const shared = sharedLimit(channel.id, headers);
    if (shared) return shared;
    const message = store('webhook', target.id, body, { id: webhook.id, username: typeof body.username === 'string' ? body.username : webhook.name }, webhook.id);
    const wait = url.searchParams.get('wait');
    return wait === 'true' || wait === 'True' || wait === '1' ? new Reply(200, message, headers) : new Reply(204, undefined, headers);
  }

  async function createMessage(req: IncomingMessage, channelId: string): Promise<Reply> {
    const bot = botFor(req);
    if (!bot) return Reply.error(0);
    const channel = channels.get(channelId);
    if (!channel) return Reply.error(10003);
    if (channel.access === 'none') return Reply.error(50001);
    if (channel.access === 'view-only') return Reply.error(50013);
    if (channel.type === 4 || channel.type === 15) return Reply.error(50008);
    const headers: Record<string, string> = {};
    const limited = limit(bot.token, 'channelMessages', channelId, headers);
    if (limited) return limited;
    const body = await parseJsonBody(req);
    if (body instanceof Reply) return body;
    const invalid = validateMessage(body, 'bot');
    if (invalid) return new Reply(invalid.status, invalid.body, headers);
    const reference = body.message_reference as { message_id?: unknown; fail_if_not_exists?: unknown } | undefined;
    const referenced = reference === undefined ? undefined : messages.find((m) => m.id === reference.message_id && m.channelId === channelId);
    if (reference !== undefined && !referenced && reference.fail_if_not_exists !== false) {
      return Reply.error(50035, { errors: { message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE', message: 'Unknown message' }] } } });
    }
    const nonceKey = body.enforce_nonce === true && body.nonce !== undefined ? `${channelId}:${String(body.nonce)}` : undefined;
    const seen = nonceKey ? nonces.get(nonceKey) : undefined;
    if (seen && Date.now() - seen.at < nonceTtlMs) return new Reply(200, seen.message, headers);
    const shared = sharedLimit(channel.parentId ?? channel.id, headers);
    if (shared) return shared;
    const message = store('bot', channelId, body, { id: bot.id, username: 'Fake Bot' });
    if (referenced) messages.at(-1)!.referenceId = referenced.id;
    if (nonceKey) nonces.set(nonceKey, { message, at: Date.now() });
    return new Reply(200, message, headers);
  }

  /** PATCH a message: content, embeds, allowed_mentions, flags; only the author's own (webhook or bot) */
  async function editMessage(req: IncomingMessage, found: FakeMessage | undefined, mine: (m: FakeMessage) => boolean, via: 'webhook' | 'bot'): Promise<Reply> {
    if (!found) return Reply.error(10008);
    if (!mine(found)) return Reply.error(50005);
    const body = await parseJsonBody(req);
    if (body instanceof Reply) return body;
    for (const key of ['username', 'avatar_url', 'nonce', 'tts']) {
      if (key in body) return Reply.error(50035, { errors: { [key]: { _errors: [{ code: 'UNKNOWN_FIELD', message: `${key} cannot be edited` }] } } });
    }
    const merged = { ...found.body, ...body };
    const invalid = validateMessage(merged, via);
    if (invalid) return new Reply(invalid.status, invalid.body);
    found.body = merged;
    found.content = typeof merged.content === 'string' ? merged.content : '';
    found.embeds = Array.isArray(merged.embeds) ? (merged.embeds as Record<string, unknown>[]) : [];
    found.edits += 1;
    return new Reply(200, { id: found.id, channel_id: found.channelId, content: found.content, embeds: found.embeds, edited_timestamp: new Date().toISOString() });
  }

  function editWebhookMessage(req: IncomingMessage, url: URL, id: string, token: string, messageId: string): Promise<Reply> | Reply {
    const webhook = webhooks.get(id);
    if (!webhook) return Reply.error(10015);
    if (webhook.token !== token) return Reply.error(50027);
    const threadId = url.searchParams.get('thread_id');
    const found = messages.find((m) => m.id === messageId && (threadId === null || m.channelId === threadId));
    return editMessage(req, found, (m) => m.via === 'webhook' && m.webhookId === id, 'webhook');
  }

  function editBotMessage(req: IncomingMessage, channelId: string, messageId: string): Promise<Reply> | Reply {
    if (!botFor(req)) return Reply.error(0);
    if (!channels.get(channelId)) return Reply.error(10003);
    const found = messages.find((m) => m.id === messageId && m.channelId === channelId);
    return editMessage(req, found, (m) => m.via === 'bot', 'bot');
  }

  /**
   * POST /channels/{id}/messages/{id}/threads: a public thread from a message of a text or
   * announcement channel; the thread's id is the message's. Needs Create Public Threads (50013).
   */
  async function startThread(req: IncomingMessage, channelId: string, messageId: string): Promise<Reply> {
    const bot = botFor(req);
    if (!bot) return Reply.error(0);
    const channel = channels.get(channelId);
    if (!channel) return Reply.error(10003);
    if (channel.access === 'none') return Reply.error(50001);
    if (channel.type !== 0 && channel.type !== 5) return Reply.error(50024);
    if (!bot.threads || channel.access === 'view-only') return Reply.error(50013);
    const body = await parseJsonBody(req);
    if (body instanceof Reply) return body;
    const errors = new FormErrors();
    if (typeof body.name !== 'string') errors.add(['name'], 'BASE_TYPE_REQUIRED', 'This field is required');
    else if (lengthOf(body.name) < 1 || lengthOf(body.name) > 100) errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    const archive = body.auto_archive_duration;
    if (archive !== undefined && !(typeof archive === 'number' && [60, 1440, 4320, 10080].includes(archive))) {
      errors.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
    }
    if (errors.count > 0) return Reply.error(50035, { errors: errors.tree });
    const starter = messages.find((m) => m.id === messageId && m.channelId === channelId);
    if (!starter) return Reply.error(10008);
    if (starter.threadId !== undefined) return Reply.error(160004);
    const thread: FakeChannel = {
      id: starter.id,
      type: 11,
      guildId: channel.guildId,
      name: (body.name as string).trim(),
      parentId: channel.id,
      starterId: starter.id,
      autoArchiveMinutes: typeof archive === 'number' ? archive : 4320,
      access: channel.access,
    };
    channels.set(thread.id, thread);
    threads.push(thread);
    starter.threadId = thread.id;
    return new Reply(201, {
      id: thread.id,
      type: 11,
      guild_id: thread.guildId,
      parent_id: channel.id,
      name: thread.name,
      owner_id: bot.id,
      thread_metadata: { archived: false, auto_archive_duration: thread.autoArchiveMinutes, locked: false },
    });
  }

  function getChannel(req: IncomingMessage, channelId: string): Reply {
    if (!botFor(req)) return Reply.error(0);
    const channel = channels.get(channelId);
    if (!channel) return Reply.error(10003);
    if (channel.access === 'none') return Reply.error(50001);
    return new Reply(200, {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      ...(channel.parentId ? { parent_id: channel.parentId, thread_metadata: { archived: false, locked: false } } : {}),
    });
  }

  function getWebhook(id: string, token: string): Reply {
    const webhook = webhooks.get(id);
    if (!webhook) return Reply.error(10015);
    if (webhook.token !== token) return Reply.error(50027);
    const channel = channels.get(webhook.channelId);
    return new Reply(200, {
      id,
      type: 1,
      guild_id: channel?.guildId ?? guildId,
      channel_id: webhook.channelId,
      name: webhook.name,
      avatar: null,
      token,
      application_id: null,
    });
  }

  function interactionOn(messageId: string, member: { userId: string; roles?: string[]; username?: string }, type: number, data: Record<string, unknown>) {
    const message = messages.find((m) => m.id === messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    const token = `aW50ZXJhY3Rpb24${randomBytes(48).toString('base64url')}`;
    interactions.set(token, messageId);
    const user = { id: member.userId, username: member.username ?? 'someone', global_name: null };
    return {
      id: snowflake(),
      application_id: applicationId,
      type,
      token,
      version: 1,
      guild_id: guildId,
      channel_id: message.channelId,
      member: { user, roles: member.roles ?? [], permissions: '0' },
      data,
      message: {
        id: message.id,
        channel_id: message.channelId,
        content: message.content,
        embeds: message.embeds,
        components: message.body.components ?? [],
        flags: message.flags,
      },
    };
  }

  async function editOriginal(req: IncomingMessage, appId: string, token: string): Promise<Reply> {
    const messageId = appId === applicationId ? interactions.get(token) : undefined;
    if (!messageId) return Reply.error(10015);
    const found = messages.find((m) => m.id === messageId);
    return editMessage(req, found, (m) => m.via === 'bot', 'bot');
  }

  async function followup(req: IncomingMessage, appId: string, token: string): Promise<Reply> {
    if (appId !== applicationId || !interactions.has(token)) return Reply.error(10015);
    const body = await parseJsonBody(req);
    if (body instanceof Reply) return body;
    followups.push({ token, body });
    return new Reply(200, { id: snowflake(), content: body.content ?? '', flags: body.flags ?? 0 });
  }

  function routeOf(method: string, path: string): { route: FakeRoute | 'unknown'; params: string[]; allowed: string } {
    const original = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original\/?$/.exec(path);
    if (original) return { route: 'interaction-original', params: original.slice(1).map((p) => p ?? ''), allowed: 'PATCH' };
    const followupPath = /^\/webhooks\/(\d+)\/([^/]+)\/?$/.exec(path);
    if (followupPath && followupPath[1] === applicationId && method === 'POST') {
      return { route: 'interaction-followup', params: followupPath.slice(1).map((p) => p ?? ''), allowed: 'POST' };
    }
    const webhookMessage = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(\d+)\/?$/.exec(path);
    if (webhookMessage) return { route: 'webhook-message', params: webhookMessage.slice(1).map((p) => p ?? ''), allowed: 'PATCH' };
    const messageThread = /^\/channels\/(\d+)\/messages\/(\d+)\/threads\/?$/.exec(path);
    if (messageThread) return { route: 'message-thread', params: messageThread.slice(1).map((p) => p ?? ''), allowed: 'POST' };
    const channelMessage = /^\/channels\/(\d+)\/messages\/(\d+)\/?$/.exec(path);
    if (channelMessage) return { route: 'channel-message', params: channelMessage.slice(1).map((p) => p ?? ''), allowed: 'PATCH' };
    const webhook = /^\/webhooks\/(\d+)\/([^/]+)\/?$/.exec(path);
    if (webhook) return { route: method === 'GET' ? 'webhook-get' : 'webhook-execute', params: [webhook[1] ?? '', webhook[2] ?? ''], allowed: 'GET,POST' };
    const channelMessages = /^\/channels\/(\d+)\/messages\/?$/.exec(path);
    if (channelMessages) return { route: 'channel-messages', params: [channelMessages[1] ?? ''], allowed: 'POST' };
    const channel = /^\/channels\/(\d+)\/?$/.exec(path);
    if (channel) return { route: 'channel-get', params: [channel[1] ?? ''], allowed: 'GET' };
    return { route: 'unknown', params: [], allowed: '' };
  }

  const takeFault = (route: FakeRoute | 'unknown'): FakeFault | undefined => {
    const index = faults.findIndex((fault) => fault.route === undefined || fault.route === route);
    if (index === -1) return undefined;
    const fault = faults[index] as FakeFault;
    const times = (fault.times ?? 1) - 1;
    if (times <= 0) faults.splice(index, 1);
    else faults[index] = { ...fault, times };
    return fault;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<Reply | 'reset'> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api(?:\/v\d+)?/, '');
    const { route, params, allowed } = routeOf(method, path);
    res.setHeader('x-fake-route', route);

    let fault = takeFault(route);
    while (fault?.kind === 'latency') {
      await new Promise((resolve) => setTimeout(resolve, fault && fault.kind === 'latency' ? fault.ms : 0));
      fault = takeFault(route);
    }
    if (fault?.kind === 'reset') return 'reset';
    if (fault?.kind === 'status') return new Reply(fault.status, fault.body ?? { message: `${fault.status}: Fake failure`, code: 0 }, fault.headers);
    if (fault?.kind === 'error') return Reply.error(fault.code, {}, fault.status, fault.message);
    if (fault?.kind === 'rate-limit') return tooMany(fault.retryAfterSec * 1000, fault.scope ?? 'user');

    if (route === 'unknown') return new Reply(404, { message: '404: Not Found', code: 0 });
    if (!allowed.split(',').includes(method)) return new Reply(405, { message: '405: Method Not Allowed', code: 0 });
    const [first = '', second = '', third = ''] = params;
    switch (route) {
      case 'webhook-message':
        return editWebhookMessage(req, url, first, second, third);
      case 'channel-message':
        return editBotMessage(req, first, second);
      case 'webhook-execute':
        return executeWebhook(req, url, first, second);
      case 'webhook-get':
        return getWebhook(first, second);
      case 'channel-messages':
        return createMessage(req, first);
      case 'channel-get':
        return getChannel(req, first);
      case 'interaction-original':
        return editOriginal(req, first, second);
      case 'interaction-followup':
        return followup(req, first, second);
      case 'message-thread':
        return startThread(req, first, second);
    }
  }

  const server: Server = createServer((req, res) => {
    stats.requests++;
    handle(req, res)
      .then((reply) => {
        const route = (res.getHeader('x-fake-route') as FakeRequest['route'] | undefined) ?? 'unknown';
        if (reply === 'reset') {
          requests.push({ method: req.method ?? '', route, status: 0, at: Date.now() });
          req.socket.destroy();
          return;
        }
        const now = Date.now();
        requests.push({ method: req.method ?? '', route, status: reply.status, at: now });
        if (reply.status === 429) stats.tooManyRequests++;
        if (reply.status === 400 || reply.status === 413) stats.rejected++;
        const shared = reply.headers['x-ratelimit-scope'] === 'shared';
        if (reply.status === 401 || reply.status === 403 || (reply.status === 429 && !shared)) invalidAt.push(now);
        while (invalidAt.length > 0 && (invalidAt[0] ?? 0) < now - INVALID_WINDOW_MS) invalidAt.shift();
        stats.invalidRequests = invalidAt.length;
        for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
        if (reply.body === undefined) {
          res.writeHead(reply.status).end();
        } else if (typeof reply.body === 'string' && reply.headers['content-type'] !== undefined) {
          // a body as given, whatever it claims to be (a proxy's page behind a JSON content type)
          res.writeHead(reply.status).end(reply.body);
        } else {
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        }
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error), code: 0 }));
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addChannel: DiscordFake['addChannel'] = (channel = {}) => {
    const made: FakeChannel = {
      id: channel.id ?? snowflake(),
      type: channel.type ?? 0,
      guildId: channel.guildId ?? guildId,
      name: channel.name ?? 'general',
      access: channel.access ?? 'full',
    };
    channels.set(made.id, made);
    return made;
  };

  return {
    url: base,
    apiBase: `${base}/api`,
    messages,
    threads,
    requests,
    stats,
    addChannel,
    addThread(parentId, thread = {}) {
      const parent = channels.get(parentId);
      if (!parent) throw new Error(`no channel ${parentId}`);
      const made: FakeChannel = {
        id: thread.id ?? snowflake(),
        type: 11,
        guildId: parent.guildId,
        name: thread.name ?? 'thread',
        parentId,
        access: thread.access ?? parent.access,
      };
      channels.set(made.id, made);
      return made;
    },
    addWebhook(webhook = {}) {
      const channelId = webhook.channelId ?? addChannel().id;
      const id = snowflake();
      const token = webhookToken();
      const made: FakeWebhook = { id, token, channelId, name: webhook.name ?? 'Misskey', url: `${base}/api/webhooks/${id}/${token}` };
      webhooks.set(id, made);
      return made;
    },
    addBot(options = {}) {
      const id = snowflake();
      const token = `${Buffer.from(id).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
      const threadPermission = options.threads ?? true;
      bots.set(token, { id, token, threads: threadPermission, revoked: false });
      return { id, token, threads: threadPermission };
    },
    deleteWebhook: (id) => void webhooks.delete(id),
    deleteChannel: (id) => void channels.delete(id),
    revokeBotToken(token) {
      const bot = bots.get(token);
      if (bot) bot.revoked = true;
    },
    restoreBotToken(token) {
      const bot = bots.get(token);
      if (bot) bot.revoked = false;
    },
    setAccess(channelId, access) {
      const channel = channels.get(channelId);
      if (channel) channel.access = access;
    },
    inject: (fault) => void faults.push(fault),
    channel: (id) => channels.get(id),
    followups,
    interaction(messageId, customId, member) {
      return interactionOn(messageId, member, 3, { custom_id: customId, component_type: 2 });
    },
    modalSubmit(messageId, customId, values, member) {
      const components = Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
      return interactionOn(messageId, member, 5, { custom_id: customId, components });
    },
    clear() {
      messages.length = 0;
      threads.length = 0;
      requests.length = 0;
      invalidAt.length = 0;
      Object.assign(stats, { requests: 0, tooManyRequests: 0, invalidRequests: 0, rejected: 0 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
