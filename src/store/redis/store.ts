/*
 * The Redis store: the durable state for several bridge instances sharing one Redis (Misskey's own, if
 * wanted: every key is under `${prefix}:` and nothing outside it is ever touched).
 *
 * Why own Lua scripts on ioredis rather than BullMQ's Queue/Worker (checked against BullMQ 6):
 * - one send at a time per lane, in FIFO order, across instances, needs per-group ordering and
 *   concurrency: in BullMQ that is the Pro "groups" feature; open-source workers take any waiting job;
 * - a lease group (Job.batch) that comes back whole after an expired lock or a reschedule has no
 *   counterpart: BullMQ locks, stalls and retries each job on its own;
 * - BullMQ takes every time from the clock (`Date.now()` in moveToDelayed, moveToFinished, lock TTLs
 *   and the stalled checker), while this store is driven by explicit `now` values;
 * - the "seen" mark and the event's jobs must be written together; a custom jobId only dedupes while
 *   the job still exists, and BullMQ refuses job ids containing ':' (ours do);
 * - its rate limiter (limiter, worker.rateLimit) pauses the whole queue; limits here are per lane and
 *   kept by the worker's LanePacer.
 * So each operation is one Lua script (./scripts, one file each): atomic against every other instance, one round trip. Times
 * come only from the callers' `now`, never from the Redis server's clock.
 *
 * Keys (P = `${prefix}:`); lanes, sinks and ids are used as they are (Redis keys are binary safe):
 *   P seq                    counter: insertion order, for FIFO and the dead-letter list
 *   P seen:<[source,event]>  seenAt; expires after 7 days, and a later `now` 7 days on ignores it too
 *   P job:<id>               hash: data (JSON of the job's own fields, the event included), lane, sink,
 *                            pair, createdAt, availableAt, attempts, history (JSON), batch?, seq, and
 *                            hold? (JSON of Job.hold: the summary group a held job returns to on release;
 *                            a dead letter keeps it, a retried one comes back without it), subject? (the
 *                            key of its subject set), lapses? (Job.lapses) and lapsed? (its last lease ran
 *                            out unsettled: a lapse is counted when it is leased again)
 *   P subject:<member>       set of ids: a lane's jobs of one sink that will post one note's or report's
 *                            message (holdsMessage); member = lane, sink, source, subject joined by NUL
 *   P subjects-indexed       set once every job stored before the subject sets existed is in its set
 *   P ready:<lane>           zset id → seq           the lane's due jobs in FIFO order (see lease)
 *   P later:<lane>           zset id → availableAt   rescheduled and released jobs until they are due
 *   P at:<lane>              zset id → availableAt   every job of the lane: due-ness, counted with ZCOUNT
 *   P lease:<lane>           zset id → leasedUntil   the lane is held while a score is >= now
 *   P paused                 zset lane → until       the lane is held while its score is > now (JobStore.pauseLane)
 *   P paused-sinks           hash sink → JSON {since, by?}   sinks held until resumed (PauseStore)
 *   P instances              hash id → JSON InstanceInfo     bridge processes and their heartbeats
 *   P group:<batch>          zset id → seq           the members of a lease group
 *   P holds                  hash group → hold JSON   the summaries with jobs still waiting (pendingHolds)
 *   P lanes, P pairs         sets of lanes with jobs, and of JSON [sink, lane] with jobs
 *   P created:<[sink,lane]>  zset id → createdAt     stats: depth and oldest
 *   P dead                   zset id → seq           dead letters in the order they died
 *   P dead:<id>              hash: a dead letter
 *   P recent                 list: data of the first job of the last RECENT_EVENTS accepted events, newest first
 *   P msg:<[source,subject,sink]>  JSON { ref, expiresAt }: the message map; expires with conversations.keep
 *   P audit                  stream: the audit log of moderation from chat, field `e` = JSON AuditEntry
 *   P claim:<key>            taken interactions and actions (ClaimStore); expire by themselves
 * Durability is Redis's own: run it with appendonly yes (with appendfsync everysec a crash loses at
 * most about the last second of accepted events) and maxmemory-policy noeviction, as BullMQ requires
 * too. On Redis Cluster, give a prefix with a hash tag (`{bridge}`) so that all keys share one slot.
 */
import type { Store } from '../store';
import { RedisAudit, RedisClaims } from './audit';
import { connect, globEscape, RedisContext } from './client';
import { RedisDeadLetters } from './dead-letters';
import { RedisInstances } from './instances';
import { RedisJobs } from './jobs';
import { RedisMessages } from './messages';
import { RedisMigration } from './migration';
import { RedisPauses } from './pauses';
import { RedisRecentEvents } from './recent';

export interface RedisStoreOptions {
  url: string;
  /** every key starts with `${prefix}:` */
  prefix: string;
  /** a command without an answer after this long fails (the receiver answers 503); default 1000 */
  commandTimeoutMs?: number;
}

/**
 * Connects to Redis. An unreachable Redis does not fail the open: the client keeps reconnecting,
 * and until it succeeds accept and ping throw StoreUnavailableError (the receiver answers 503).
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<Store> {
  if (options.prefix === '') throw new Error('the Redis queue needs a non-empty key prefix');
  const client = connect(options.url, options.commandTimeoutMs ?? 1000);
  await client.connect().catch(() => undefined);
  const r = new RedisContext(client, options.prefix);
  // unreachable now: the next open tries again; meanwhile old jobs only miss their threading
  await indexOldSubjects(r).catch(() => undefined);
  const pauses = new RedisPauses(r);
  return {
    jobs: new RedisJobs(r),
    deadLetters: new RedisDeadLetters(r),
    pauses,
    messages: new RedisMessages(r),
    audit: new RedisAudit(r),
    claims: new RedisClaims(r),
    instances: new RedisInstances(r),
    recent: new RedisRecentEvents(r),
    migration: new RedisMigration(r, pauses),
    // a write, so that a read-only replica or a full Redis counts as unavailable
    ping: async () => {
      await r.run(() => client.set(`${r.p}ping`, '1', 'PX', 60_000));
    },
    close: async () => {
      if (client.status === 'end') return;
      const quit = client.status === 'ready' && (await client.quit().then(() => true, () => false));
      if (!quit) client.disconnect();
    },
  };
}

/**
 * Puts the jobs stored before the subject sets existed into theirs, once per store (idempotent,
 * so instances opening together do no harm): without it a reply to one of them would not wait
 * for its parent's message.
 */
async function indexOldSubjects(r: RedisContext): Promise<void> {
  const done = `${r.p}subjects-indexed`;
  if ((await r.client.exists(done)) === 1) return;
  let cursor = '0';
  do {
    const [next, keys] = await r.client.scan(cursor, 'MATCH', `${globEscape(r.p)}job:*`, 'COUNT', 500);
    if (keys.length > 0) await r.script('index-subjects', ...keys.map((key) => key.slice(`${r.p}job:`.length)));
    cursor = next;
  } while (cursor !== '0');
  await r.client.set(done, '1');
}

/** Deletes every key under `${prefix}:` and nothing else (for tests and for uninstalling). */
export async function destroyRedisStore(url: string, prefix: string): Promise<void> {
  if (prefix === '') throw new Error('refusing to delete keys without a prefix');
  const client = connect(url, 10_000);
  try {
    await client.connect();
    const pattern = `${globEscape(prefix)}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
