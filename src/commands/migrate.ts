import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type Config } from '../config';
import { openStore } from '../store/open';
import { isInstanceAlive, processAlive } from '../store/instances';
import { STORE_RECORD_KINDS, type StoreRecordKind } from '../store/migration';
import type { Store } from '../store/store';
import { formatAge, table } from './store';

export interface MigrateOptions {
  config?: string;
  /** `redis://…` (or `rediss://…`), `sqlite:PATH`, or the path of a SQLite file */
  to: string;
  /** the key prefix of a Redis target */
  prefix?: string;
  /** copy even while a `serve` runs on the source */
  force?: boolean;
  /** records per read and per write: each write is one transaction or one script */
  pageSize?: number;
  /** told after each page written */
  progress?: (line: string) => void;
}

type Storage = Config['storage'];

export const DEFAULT_PREFIX = 'misskey-bridge';
const DEFAULT_PAGE_SIZE = 200;

const LABELS: Record<StoreRecordKind, string> = {
  'sink-pause': 'sink pauses',
  'lane-pause': 'lane pauses',
  message: 'message map entries',
  seen: 'seen events',
  dead: 'dead letters',
  job: 'waiting jobs',
};

/** The store `--to` names. */
export function parseTarget(to: string, prefix = DEFAULT_PREFIX): Storage {
  if (/^rediss?:\/\//i.test(to)) {
    if (prefix === '') throw new Error('--prefix must not be empty');
    return { driver: 'redis', url: to, prefix };
  }
  const file = to.startsWith('sqlite:') ? to.slice('sqlite:'.length) : to;
  if (file === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new Error(`--to takes redis://HOST[:PORT][/DB] or a SQLite file (sqlite:PATH), not "${to}"`);
  }
  return { driver: 'sqlite', path: file, sync: 'normal' };
}

function realPath(file: string): string {
  const resolved = path.resolve(file);
  try {
    return fs.realpathSync(resolved);
  } catch {
    return resolved;
  }
}

function redisAddress(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  return `${parsed.hostname.toLowerCase()}:${parsed.port || '6379'}/${db}`;
}

export function sameStore(a: Storage, b: Storage): boolean {
  if (a.driver === 'sqlite' && b.driver === 'sqlite') return realPath(a.path) === realPath(b.path);
  if (a.driver === 'redis' && b.driver === 'redis') return a.prefix === b.prefix && redisAddress(a.url) === redisAddress(b.url);
  return false;
}

/** where the store is, without a password the URL may carry */
export function describeStore(storage: Storage): string {
  if (storage.driver === 'sqlite') return `SQLite ${storage.path}`;
  const url = new URL(storage.url);
  if (url.password !== '') url.password = '***';
  return `Redis ${url.toString()} (prefix ${storage.prefix})`;
}

/** Refuses while a `serve` still works on the store: what it sends meanwhile would be copied and sent again. */
async function refuseLiveSource(store: Store, now: number): Promise<void> {
  const host = os.hostname();
  const live = (await store.instances.list()).filter((instance) => isInstanceAlive(instance, now, host, processAlive));
  if (live.length === 0) return;
  const which = live.map((instance) => `${instance.id} on ${instance.host} (pid ${instance.pid}, heartbeat ${formatAge(now - instance.heartbeatAt)} ago)`);
  throw new Error(
    `serve is running on the source store: ${which.join(', ')}. Stop it first (or point Misskey at the new instances, ` +
      'then stop it), and run migrate again; --force copies anyway, and what it sends meanwhile may be sent twice',
  );
}

/**
 * `migrate --to URL`: copies the configured store's waiting jobs, dead letters, pauses, seen window
 * and message map into another store, page by page. What the target already holds is skipped, so a
 * second run, or one after an interruption, copies only what is missing.
 */
export async function migrateCommand(options: MigrateOptions): Promise<string> {
  const { config } = resolveConfig(options.config);
  const target = parseTarget(options.to, options.prefix);
  if (sameStore(config.storage, target)) throw new Error(`the source and the target are the same store (${describeStore(target)})`);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const counts = new Map(STORE_RECORD_KINDS.map((kind) => [kind, { copied: 0, present: 0 }]));
  const now = Date.now();

  const source = await openStore(config.storage, { beside: true });
  try {
    // an unreachable Redis fails here, with its own message
    await source.ping();
    if (!options.force) await refuseLiveSource(source, now);
    const into = await openStore(target, { beside: true });
    try {
      await into.ping();
      for await (const page of source.migration.snapshot(now, pageSize)) {
        const written = await into.migration.restore(page, now);
        const kind = page[0]!.kind;
        const count = counts.get(kind)!;
        for (const one of written) {
          if (one) count.copied += 1;
          else count.present += 1;
        }
        options.progress?.(`${LABELS[kind]}: ${count.copied} copied, ${count.present} already there`);
      }
    } finally {
      await into.close();
    }
  } finally {
    await source.close();
  }

  const rows = [['', 'COPIED', 'ALREADY THERE']];
  for (const [kind, { copied, present }] of counts) rows.push([LABELS[kind], String(copied), String(present)]);
  const copied = [...counts.values()].reduce((sum, count) => sum + count.copied, 0);
  return [
    `${describeStore(config.storage)} → ${describeStore(target)}`,
    table(rows),
    copied === 0 ? 'nothing was missing: the target holds everything' : `${copied} record(s) copied`,
  ].join('\n');
}
