import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { NOTE_POSTING_EVENTS, REPORT_POSTING_EVENTS } from '../messages';
import { StoreUnavailableError } from '../errors';

/** server replies meaning "cannot write right now" */
const UNAVAILABLE_REPLY = /^(READONLY|OOM|MISCONF|LOADING|BUSY|MASTERDOWN|NOREPLICAS|CLUSTERDOWN|TRYAGAIN)\b/;
/** ioredis and socket errors meaning "no usable connection" */
const CONNECTION_FAILURE =
  /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_REPLY.test(error.message) || error.name === 'MaxRetriesPerRequestError') return true;
  return error.name !== 'ReplyError' && CONNECTION_FAILURE.test(error.message);
}

export function connect(url: string, commandTimeoutMs: number): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    // fail at once while disconnected, rather than queueing the HTTP answer behind a reconnect
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // a write cut off by a dropped connection may have happened: never send it twice
    autoResendUnfulfilledCommands: false,
    connectTimeout: commandTimeoutMs,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    // disconnect() also waits this long for a socket that is already closed (while reconnecting)
    disconnectTimeout: 100,
  });
  // failures reach the callers through their commands; without a listener ioredis prints each one
  client.on('error', () => undefined);
  return client;
}

/** the scripts in ./scripts, by file name without `.lua` */
export type ScriptName =
  | 'accept' | 'ack' | 'dead-letter' | 'dead-letters' | 'dead-page' | 'due-lanes' | 'heartbeat' | 'holds-message'
  | 'index-subjects' | 'job-rows' | 'lane-order' | 'lease' | 'pause-lane' | 'release' | 'renew' | 'reschedule'
  | 'restore' | 'settle-dead' | 'stats' | 'waiting' | 'drop';

/** the .lua files, beside the compiled code's source (dist/ and src/ both resolve to src/) */
const SCRIPT_DIR = path.resolve(__dirname, '../../../src/store/redis/scripts');

/** the fields a job row and a dead-letter row are read as (rows.ts) */
export const JOB_FIELDS = ['data', 'lane', 'sink', 'createdAt', 'availableAt', 'attempts', 'history', 'batch', 'hold', 'lapses'] as const;
export const DEAD_FIELDS = ['data', 'lane', 'sink', 'createdAt', 'attempts', 'history', 'batch', 'error', 'failedAt', 'hold'] as const;

/** What every Redis concern shares: the connection, the key prefix and the scripts. */
export class RedisContext {
  /** every key starts with this */
  readonly p: string;
  private readonly commands = new Map<ScriptName, string>();

  constructor(
    readonly client: Redis,
    prefix: string,
  ) {
    this.p = `${prefix}:`;
  }

  /** runs a command, turning "cannot write right now" failures into StoreUnavailableError */
  async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (isStoreUnavailable(error)) {
        throw new StoreUnavailableError(`queue store cannot take writes: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Runs a script (ARGV[1] = P, then `args`), defined on first use: ioredis sends it by its SHA
   * (EVALSHA) and its text only when the server does not know it yet.
   */
  async script(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    let command = this.commands.get(name);
    if (command === undefined) {
      command = `bridge:${name}`;
      this.client.defineCommand(command, { lua: scriptText(name), numberOfKeys: 0 });
      this.commands.set(name, command);
    }
    const run = (this.client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[command]!;
    return this.run(() => run.call(this.client, this.p, ...args));
  }
}

let common: string | undefined;

/** the constants from the TypeScript side, common.lua, then the script itself */
function scriptText(name: ScriptName): string {
  common ??= [
    `local NOTE_POSTING, REPORT_POSTING = ${luaSet(NOTE_POSTING_EVENTS)}, ${luaSet(REPORT_POSTING_EVENTS)}`,
    `local JOB_FIELDS, DEAD_FIELDS = ${luaList(JOB_FIELDS)}, ${luaList(DEAD_FIELDS)}`,
    fs.readFileSync(path.join(SCRIPT_DIR, 'common.lua'), 'utf8'),
  ].join('\n');
  return `${common}\n${fs.readFileSync(path.join(SCRIPT_DIR, `${name}.lua`), 'utf8')}`;
}

/** A Lua table literal that holds each of `names` as a key. */
function luaSet(names: readonly string[]): string {
  return `{ ${names.map((name) => `[${JSON.stringify(name)}] = true`).join(', ')} }`;
}

function luaList(names: readonly string[]): string {
  return `{ ${names.map((name) => JSON.stringify(name)).join(', ')} }`;
}

/** `text` matched literally by a SCAN pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
