/*
 * RedisQueue: the durable store for several bridge instances sharing one Redis (Misskey's own, if
 * wanted: every key is under `${prefix}:` and nothing outside it is ever touched).
 *
 * Why own Lua scripts on ioredis rather than BullMQ's Queue/Worker (checked against BullMQ 6):
 * - one send at a time per lane, in FIFO order, across instances, needs per-group ordering and
 *   concurrency: in BullMQ that is the Pro "groups" feature; open-source workers take any waiting job;
 * - a lease group (Job.batch) that comes back whole after an expired lock or a reschedule has no
 *   counterpart: BullMQ locks, stalls and retries each job on its own;
 * - BullMQ takes every time from the clock (`Date.now()` in moveToDelayed, moveToFinished, lock TTLs
 *   and the stalled checker), while this interface is driven by explicit `now` values;
 * - the "seen" mark and the event's jobs must be written together; a custom jobId only dedupes while
 *   the job still exists, and BullMQ refuses job ids containing ':' (ours do);
 * - its rate limiter (limiter, worker.rateLimit) pauses the whole queue; limits here are per lane and
 *   kept by the worker's LanePacer.
 * So each operation is one Lua script: atomic against every other instance, one round trip. Times
 * come only from the callers' `now`, never from the Redis server's clock.
 *
 * Keys (P = `${prefix}:`); lanes, sinks and ids are used as they are (Redis keys are binary safe):
 *   P seq                    counter: insertion order, for FIFO and the dead-letter list
 *   P seen:<[source,event]>  seenAt; expires after 7 days, and a later `now` 7 days on ignores it too
 *   P job:<id>               hash: data (JSON of the job's own fields, the event included), lane, sink,
 *                            pair, createdAt, availableAt, attempts, history (JSON), batch?, seq, and
 *                            hold? (JSON of Job.hold: the summary group a held job returns to on release;
 *                            a dead letter keeps it, a retried one comes back without it), subject? (the
 *                            key of its subject set)
 *   P subject:<member>       set of ids: a lane's jobs of one sink that will post one note's or report's
 *                            message (holdsMessage); member = lane, sink, source, subject joined by NUL
 *   P subjects-indexed       set once every job stored before the subject sets existed is in its set
 *   P ready:<lane>           zset id → seq           the lane's due jobs in FIFO order (see lease)
 *   P later:<lane>           zset id → availableAt   rescheduled and released jobs until they are due
 *   P at:<lane>              zset id → availableAt   every job of the lane: due-ness, counted with ZCOUNT
 *   P lease:<lane>           zset id → leasedUntil   the lane is held while a score is >= now
 *   P paused                 zset lane → until       the lane is held while its score is > now (pauseLane)
 *   P paused-sinks           hash sink → JSON {since, by?}   sinks held until resumed (pauseSink)
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
 *   P claim:<key>            taken interactions and actions (Queue.claim); expire by themselves
 * Durability is Redis's own: run it with appendonly yes (with appendfsync everysec a crash loses at
 * most about the last second of accepted events) and maxmemory-policy noeviction, as BullMQ requires
 * too. On Redis Cluster, give a prefix with a hash tag (`{bridge}`) so that all keys share one slot.
 */
import Redis from 'ioredis';
import {
  DUE_COUNT_CAP,
  INSTANCE_FORGET_MS,
  RECENT_EVENTS,
  StoreUnavailableError,
  type Attempt,
  type DeadLetter,
  type DeadLetterSelector,
  type DueLane,
  type Hold,
  type Job,
  type LaneStats,
  type NewJob,
  type Queue,
  type InstanceInfo,
  type SinkPause,
  type StoreRecord,
} from './queue';
import type { Event } from '../normalize/event';
import { AUDIT_KEEP, type AuditEntry } from './audit';
import { NOTE_POSTING_EVENTS, REPORT_POSTING_EVENTS, subjectOf, type MessageKey, type StoredMessage } from './message-map';
import type { MessageRef } from '../sinks/sink';

export interface RedisQueueOptions {
  url: string;
  /** every key starts with `${prefix}:` */
  prefix: string;
  /** a command without an answer after this long fails (the receiver answers 503); default 1000 */
  commandTimeoutMs?: number;
}

const SEEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

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

/** shared by the scripts; ARGV[1] is always P */
const LUA_COMMON = `
local P = ARGV[1]
local function jobKey(id) return P .. 'job:' .. id end

-- the ids of a lane's jobs of one sink whose messages stand for one note or report (holdsMessage);
-- member: lane, sink, source and subject joined by NUL (subjectMember)
local function subjectSet(member) return P .. 'subject:' .. member end
local NOTE_POSTING, REPORT_POSTING = ${luaSet(NOTE_POSTING_EVENTS)}, ${luaSet(REPORT_POSTING_EVENTS)}
local function idOf(value)
  if type(value) == 'table' and type(value.id) == 'string' then return value.id end
  return nil
end
-- subjectOf (message-map.ts) of a stored job's data, as its subject set, or '' for none
local function subjectSetOf(lane, sink, data)
  local ok, job = pcall(cjson.decode, data)
  if not ok or type(job) ~= 'table' or type(job.payload) ~= 'table' or type(job.source) ~= 'string' then return '' end
  local subject = nil
  if NOTE_POSTING[job.event] and idOf(job.payload.note) then subject = 'note:' .. idOf(job.payload.note) end
  if REPORT_POSTING[job.event] and idOf(job.payload.report) then subject = 'report:' .. idOf(job.payload.report) end
  if not subject then return '' end
  local nul = string.char(0)
  return subjectSet(lane .. nul .. sink .. nul .. job.source .. nul .. subject)
end

-- a new job is due at once (availableAt = now); subject: its subject set, or ''
local function index(id, lane, pair, seq, createdAt, availableAt, subject)
  if subject ~= '' then
    redis.call('HSET', jobKey(id), 'subject', subject)
    redis.call('SADD', subject, id)
  end
  redis.call('ZADD', P .. 'ready:' .. lane, seq, id)
  redis.call('ZADD', P .. 'at:' .. lane, availableAt, id)
  redis.call('ZADD', P .. 'created:' .. pair, createdAt, id)
  redis.call('SADD', P .. 'lanes', lane)
  redis.call('SADD', P .. 'pairs', pair)
end

local function unindex(id, lane, pair, batch, subject)
  if subject then redis.call('SREM', subject, id) end
  redis.call('ZREM', P .. 'ready:' .. lane, id)
  redis.call('ZREM', P .. 'later:' .. lane, id)
  redis.call('ZREM', P .. 'at:' .. lane, id)
  redis.call('ZREM', P .. 'lease:' .. lane, id)
  redis.call('ZREM', P .. 'created:' .. pair, id)
  if batch then
    redis.call('ZREM', P .. 'group:' .. batch, id)
    -- a summary's last job gone: it is no longer pending
    if redis.call('EXISTS', P .. 'group:' .. batch) == 0 then redis.call('HDEL', P .. 'holds', batch) end
  end
  -- an empty zset no longer exists
  if redis.call('EXISTS', P .. 'at:' .. lane) == 0 then redis.call('SREM', P .. 'lanes', lane) end
  if redis.call('EXISTS', P .. 'created:' .. pair) == 0 then redis.call('SREM', P .. 'pairs', pair) end
end

-- out of the ready line until due: lease puts it back in its place
local function schedule(id, lane, availableAt)
  redis.call('ZADD', P .. 'at:' .. lane, availableAt, id)
  redis.call('ZREM', P .. 'ready:' .. lane, id)
  redis.call('ZADD', P .. 'later:' .. lane, availableAt, id)
  redis.call('ZREM', P .. 'lease:' .. lane, id)
end

-- a pause ends by itself: a score in the past holds nothing
local function paused(lane, now)
  local untilScore = redis.call('ZSCORE', P .. 'paused', lane)
  return untilScore and tonumber(untilScore) > tonumber(now)
end

-- the paused sinks as a set (a Lua table), or nil when none is paused
local function pausedSinks()
  local names = redis.call('HKEYS', P .. 'paused-sinks')
  if #names == 0 then return nil end
  local set = {}
  for _, name in ipairs(names) do set[name] = true end
  return set
end

local function appendAttempt(history, attempt)
  if history == '[]' then return '[' .. attempt .. ']' end
  return string.sub(history, 1, -2) .. ',' .. attempt .. ']'
end
`;

const JOB_FIELDS = `'data', 'lane', 'sink', 'createdAt', 'availableAt', 'attempts', 'history', 'batch', 'hold'`;
const DEAD_FIELDS = `'data', 'lane', 'sink', 'createdAt', 'attempts', 'history', 'batch', 'error', 'failedAt', 'hold'`;

const SCRIPTS = {
  // ARGV: P, seen key suffix, now, seen TTL, recent length, then id, lane, sink, pair, data, hold (JSON), hold
  // until, hold group (the hold's three '' unless held), subject member ('' for none) per job; 1 = stored
  bridgeAccept: `
    local now, ttl = ARGV[3], ARGV[4]
    local seen = P .. 'seen:' .. ARGV[2]
    local seenAt = redis.call('GET', seen)
    if seenAt and tonumber(seenAt) >= tonumber(now) - tonumber(ttl) then return 0 end
    for i = 6, #ARGV, 9 do
      local id, lane, sink, pair = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
      local hold, holdUntil, holdGroup = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
      local subject = ARGV[i + 8] == '' and '' or subjectSet(ARGV[i + 8])
      local key = jobKey(id)
      if redis.call('EXISTS', key) == 0 then
        local seq = redis.call('INCR', P .. 'seq')
        redis.call('HSET', key, 'data', ARGV[i + 4], 'lane', lane, 'sink', sink, 'pair', pair, 'createdAt', now,
          'availableAt', now, 'attempts', 0, 'history', '[]', 'seq', seq)
        index(id, lane, pair, seq, now, now, subject)
        if holdGroup ~= '' then
          -- held for a summary: due at its time, already in its group (kept through release)
          redis.call('HSET', key, 'availableAt', holdUntil, 'batch', holdGroup, 'hold', hold)
          redis.call('ZADD', P .. 'group:' .. holdGroup, seq, id)
          redis.call('HSET', P .. 'holds', holdGroup, hold)
          schedule(id, lane, holdUntil)
        end
      end
    end
    if ARGV[10] then
      redis.call('LPUSH', P .. 'recent', ARGV[10])
      redis.call('LTRIM', P .. 'recent', 0, tonumber(ARGV[5]) - 1)
    end
    -- last: should the script fail half-way (Redis has no rollback), the retry stores the rest
    redis.call('SET', seen, now, 'PX', ttl)
    return 1`,

  // ARGV: P, job ids; puts each job that has no subject field yet (stored before the subject sets) in its set
  bridgeIndexSubjects: `
    for i = 2, #ARGV do
      local key = jobKey(ARGV[i])
      local lane, sink, data, subject = unpack(redis.call('HMGET', key, 'lane', 'sink', 'data', 'subject'))
      if lane and not subject then
        local set = subjectSetOf(lane, sink, data)
        if set ~= '' then
          redis.call('HSET', key, 'subject', set)
          redis.call('SADD', set, ARGV[i])
        end
      end
    end`,

  // ARGV: P, subject member (subjectMember), except id; 1 when a job of the lane will still post the subject's message
  bridgeHoldsMessage: `
    for _, id in ipairs(redis.call('SMEMBERS', subjectSet(ARGV[2]))) do
      if id ~= ARGV[3] then return 1 end
    end
    return 0`,

  // ARGV: P, now, cap; flat list of lane, due count
  bridgeDueLanes: `
    local now, cap = ARGV[2], tonumber(ARGV[3])
    local held = pausedSinks()
    -- while sinks are paused: how many running and paused sinks each lane has jobs of
    local sinksOf = {}
    if held then
      for _, pair in ipairs(redis.call('SMEMBERS', P .. 'pairs')) do
        local sink, lane = unpack(cjson.decode(pair))
        local counts = sinksOf[lane] or { running = 0, paused = 0 }
        if held[sink] then counts.paused = counts.paused + 1 else counts.running = counts.running + 1 end
        sinksOf[lane] = counts
      end
    end
    -- a lane two sinks share while one of them is paused: count the running one's due jobs, up to cap
    local function countRunning(lane)
      local due, offset = 0, 0
      while due < cap do
        local ids = redis.call('ZRANGEBYSCORE', P .. 'at:' .. lane, '-inf', now, 'LIMIT', offset, 100)
        if #ids == 0 then break end
        for _, id in ipairs(ids) do
          if not held[redis.call('HGET', jobKey(id), 'sink')] then due = due + 1 end
        end
        offset = offset + #ids
      end
      return due
    end
    local out = {}
    for _, lane in ipairs(redis.call('SMEMBERS', P .. 'lanes')) do
      local counts = sinksOf[lane]
      if (not counts or counts.running > 0)
        and redis.call('ZCOUNT', P .. 'lease:' .. lane, now, '+inf') == 0 and not paused(lane, now) then
        local due
        if counts and counts.paused > 0 then due = countRunning(lane) else due = redis.call('ZCOUNT', P .. 'at:' .. lane, '-inf', now) end
        if due > 0 then
          out[#out + 1] = lane
          out[#out + 1] = math.min(due, cap)
        end
      end
    end
    return out`,

  // ARGV: P, lane, now, max, leaseMs; rows of id and JOB_FIELDS
  bridgeLease: `
    local lane, nowArg, max = ARGV[2], ARGV[3], tonumber(ARGV[4])
    local now = tonumber(nowArg)
    local ready, later, at, leases = P .. 'ready:' .. lane, P .. 'later:' .. lane, P .. 'at:' .. lane, P .. 'lease:' .. lane
    if redis.call('ZCOUNT', leases, nowArg, '+inf') > 0 or paused(lane, now) then return {} end
    redis.call('DEL', leases)

    -- jobs whose time has come go back to their place in line
    local dueLater = redis.call('ZRANGEBYSCORE', later, '-inf', nowArg)
    if #dueLater > 0 then
      redis.call('ZREMRANGEBYSCORE', later, '-inf', nowArg)
      for _, id in ipairs(dueLater) do redis.call('ZADD', ready, redis.call('HGET', jobKey(id), 'seq'), id) end
    end

    -- jobs of paused sinks are passed over as if not due
    local held = pausedSinks()
    local function running(id) return not held or not held[redis.call('HGET', jobKey(id), 'sink')] end

    -- the first \`limit\` due jobs in line; a ready job is not due only when callers' clocks disagree
    -- (a job accepted with a later \`now\` than this one), so this reads little more than \`limit\`
    -- and the due jobs of paused sinks ahead of them
    local function dueIds(limit)
      local left = redis.call('ZCOUNT', at, '-inf', nowArg)
      local ids, start = {}, 0
      while #ids < limit and left > 0 do
        local chunk = redis.call('ZRANGE', ready, start, start + limit - 1)
        if #chunk == 0 then break end
        for _, id in ipairs(chunk) do
          if tonumber(redis.call('ZSCORE', at, id)) <= now then
            left = left - 1
            if running(id) then ids[#ids + 1] = id end
            if #ids == limit or left == 0 then break end
          end
        end
        start = start + limit
      end
      return ids
    end

    local ids = dueIds(math.max(max, 1))
    if #ids == 0 then return {} end
    local batch = redis.call('HGET', jobKey(ids[1]), 'batch')
    if batch then
      ids = {}
      for _, id in ipairs(redis.call('ZRANGE', P .. 'group:' .. batch, 0, -1)) do
        local availableAt = redis.call('ZSCORE', at, id)
        if availableAt and tonumber(availableAt) <= now and running(id) then ids[#ids + 1] = id end
      end
    else
      -- a fresh group stops at a job that already belongs to another group
      local fresh = {}
      for i = 1, math.min(max, #ids) do
        if redis.call('HEXISTS', jobKey(ids[i]), 'batch') == 1 then break end
        fresh[#fresh + 1] = ids[i]
      end
      ids = fresh
      if #ids == 0 then return {} end
      batch = ids[1]
      for _, id in ipairs(ids) do
        redis.call('HSET', jobKey(id), 'batch', batch)
        redis.call('ZADD', P .. 'group:' .. batch, redis.call('ZSCORE', ready, id), id)
      end
    end

    local leasedUntil = now + tonumber(ARGV[5])
    local rows = {}
    for _, id in ipairs(ids) do
      redis.call('ZADD', leases, leasedUntil, id)
      local row = redis.call('HMGET', jobKey(id), ${JOB_FIELDS})
      table.insert(row, 1, id)
      rows[#rows + 1] = row
    end
    return rows`,

  // ARGV: P, lane, until; a pause is only ever extended
  bridgePauseLane: `
    local key, lane, untilArg = P .. 'paused', ARGV[2], ARGV[3]
    local current = redis.call('ZSCORE', key, lane)
    if not current or tonumber(current) < tonumber(untilArg) then redis.call('ZADD', key, untilArg, lane) end`,

  // ARGV: P, availableAt, ids…
  bridgeRelease: `
    for i = 3, #ARGV do
      local id = ARGV[i]
      local key = jobKey(id)
      local lane, batch, hold, seq = unpack(redis.call('HMGET', key, 'lane', 'batch', 'hold', 'seq'))
      if lane then
        redis.call('HSET', key, 'availableAt', ARGV[2])
        redis.call('HDEL', key, 'batch')
        schedule(id, lane, ARGV[2])
        if batch then redis.call('ZREM', P .. 'group:' .. batch, id) end
        -- a held job goes back to its summary's group
        if hold then
          local group = cjson.decode(hold).group
          redis.call('HSET', key, 'batch', group)
          redis.call('ZADD', P .. 'group:' .. group, seq, id)
        end
      end
    end`,

  // ARGV: P, id… (all in one script: a digest is never acked in part)
  bridgeAck: `
    for i = 2, #ARGV do
      local key = jobKey(ARGV[i])
      local lane, pair, batch, subject = unpack(redis.call('HMGET', key, 'lane', 'pair', 'batch', 'subject'))
      if lane then
        redis.call('DEL', key)
        unindex(ARGV[i], lane, pair, batch, subject)
      end
    end`,

  // ARGV: P, id, availableAt, attempt JSON
  bridgeReschedule: `
    local id, availableAt = ARGV[2], ARGV[3]
    local key = jobKey(id)
    local lane, history = unpack(redis.call('HMGET', key, 'lane', 'history'))
    if not lane then return end
    redis.call('HSET', key, 'availableAt', availableAt, 'history', appendAttempt(history, ARGV[4]))
    redis.call('HINCRBY', key, 'attempts', 1)
    schedule(id, lane, availableAt)`,

  // ARGV: P, id, attempt JSON, error JSON, now
  bridgeDeadLetter: `
    local id = ARGV[2]
    local key = jobKey(id)
    local data, lane, sink, pair, createdAt, attempts, history, batch, hold, subject =
      unpack(redis.call('HMGET', key, 'data', 'lane', 'sink', 'pair', 'createdAt', 'attempts', 'history', 'batch', 'hold', 'subject'))
    if not lane then return end
    local dead = P .. 'dead:' .. id
    redis.call('DEL', dead)
    redis.call('HSET', dead, 'data', data, 'lane', lane, 'sink', sink, 'pair', pair, 'createdAt', createdAt,
      'attempts', tonumber(attempts) + 1, 'history', appendAttempt(history, ARGV[3]), 'error', ARGV[4], 'failedAt', ARGV[5])
    if batch then redis.call('HSET', dead, 'batch', batch) end
    if hold then redis.call('HSET', dead, 'hold', hold) end
    redis.call('ZADD', P .. 'dead', redis.call('INCR', P .. 'seq'), id)
    redis.call('DEL', key)
    unindex(id, lane, pair, batch, subject)`,

  // ARGV: P, and the sink to list, if any; rows of id and DEAD_FIELDS
  bridgeDeadLetters: `
    local rows = {}
    for _, id in ipairs(redis.call('ZRANGE', P .. 'dead', 0, -1)) do
      local row = redis.call('HMGET', P .. 'dead:' .. id, ${DEAD_FIELDS})
      if #ARGV == 1 or row[3] == ARGV[2] then
        table.insert(row, 1, id)
        rows[#rows + 1] = row
      end
    end
    return rows`,

  // ARGV: P, 'retry' or 'drop', now, 'ids' | 'sink' | 'all', ids… or the sink; how many were moved or dropped
  bridgeSettleDead: `
    local action, now, mode = ARGV[2], ARGV[3], ARGV[4]
    local ids = {}
    if mode == 'ids' then
      for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end
    else
      for _, id in ipairs(redis.call('ZRANGE', P .. 'dead', 0, -1)) do
        if mode == 'all' or redis.call('HGET', P .. 'dead:' .. id, 'sink') == ARGV[5] then ids[#ids + 1] = id end
      end
    end
    local count = 0
    for _, id in ipairs(ids) do
      local dead = P .. 'dead:' .. id
      local data, lane, sink, pair, createdAt, history =
        unpack(redis.call('HMGET', dead, 'data', 'lane', 'sink', 'pair', 'createdAt', 'history'))
      if lane then
        -- a retried job goes to the back of its lane, out of any group
        if action == 'retry' and redis.call('EXISTS', jobKey(id)) == 0 then
          local seq = redis.call('INCR', P .. 'seq')
          redis.call('HSET', jobKey(id), 'data', data, 'lane', lane, 'sink', sink, 'pair', pair, 'createdAt', createdAt,
            'availableAt', now, 'attempts', 0, 'history', history, 'seq', seq)
          index(id, lane, pair, seq, createdAt, now, subjectSetOf(lane, sink, data))
        end
        redis.call('DEL', dead)
        redis.call('ZREM', P .. 'dead', id)
        count = count + 1
      end
    end
    return count`,

  // ARGV: P, now, leasedUntil, ids…; how many leases were still held and are extended
  bridgeRenew: `
    local now, leasedUntil, renewed = tonumber(ARGV[2]), ARGV[3], 0
    for i = 4, #ARGV do
      local id = ARGV[i]
      local lane = redis.call('HGET', jobKey(id), 'lane')
      if lane then
        local held = redis.call('ZSCORE', P .. 'lease:' .. lane, id)
        if held and tonumber(held) >= now then
          redis.call('ZADD', P .. 'lease:' .. lane, leasedUntil, id)
          renewed = renewed + 1
        end
      end
    end
    return renewed`,

  // ARGV: P, id, heartbeatAt, instance JSON, forget before; instances silent since then are dropped
  bridgeHeartbeat: `
    local key = P .. 'instances'
    local forgetBefore = tonumber(ARGV[5])
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      if tonumber(cjson.decode(all[i + 1]).heartbeatAt) < forgetBefore then redis.call('HDEL', key, all[i]) end
    end
    redis.call('HSET', key, ARGV[2], ARGV[4])`,

  // ARGV: P; flat list of pair, depth, oldest createdAt
  bridgeStats: `
    local out = {}
    for _, pair in ipairs(redis.call('SMEMBERS', P .. 'pairs')) do
      local created = P .. 'created:' .. pair
      local oldest = redis.call('ZRANGE', created, 0, 0, 'WITHSCORES')
      out[#out + 1] = pair
      out[#out + 1] = redis.call('ZCARD', created)
      out[#out + 1] = oldest[2] or false
    end
    return out`,
};

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

/** the job fields stored as one JSON string */
type JobData = Pick<NewJob, 'source' | 'eventId' | 'event' | 'route' | 'template' | 'payload'>;

type Field = string | null;

function toJob([id, data, lane, sink, createdAt, availableAt, attempts, history, batch, hold]: Field[]): Job {
  return {
    ...(JSON.parse(data!) as JobData),
    ...(hold ? { hold: JSON.parse(hold) as Hold } : {}),
    id: id!,
    lane: lane!,
    sink: sink!,
    createdAt: Number(createdAt),
    availableAt: Number(availableAt),
    attempts: Number(attempts),
    history: JSON.parse(history!) as Attempt[],
    batch: batch ?? null,
  };
}

/** a dead letter is not scheduled: it becomes due when retried */
function toDeadLetter(row: Field[]): DeadLetter {
  const [id, data, lane, sink, createdAt, attempts, history, batch, error, failedAt, hold] = row;
  const job = toJob([id, data, lane, sink, createdAt, failedAt, attempts, history, batch, hold].map((field) => field ?? null));
  return { ...job, error: JSON.parse(error!) as string, failedAt: Number(failedAt) };
}

/** JSON, so that any string (a lone surrogate too) survives Redis's byte strings unchanged */
function attemptJson(at: number, error: string): string {
  return JSON.stringify({ at, error });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function connect(url: string, commandTimeoutMs: number): Redis {
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

export class RedisQueue implements Queue {
  private readonly scripts: Scripted;
  private readonly p: string;

  private constructor(
    private readonly client: Redis,
    prefix: string,
  ) {
    this.p = `${prefix}:`;
    for (const [name, body] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua: LUA_COMMON + body, numberOfKeys: 0 });
    this.scripts = client as unknown as Scripted;
  }

  /**
   * Connects to Redis. An unreachable Redis does not fail the open: the client keeps reconnecting,
   * and until it succeeds accept and ping throw StoreUnavailableError (the receiver answers 503).
   */
  static async open(options: RedisQueueOptions): Promise<RedisQueue> {
    if (options.prefix === '') throw new Error('the Redis queue needs a non-empty key prefix');
    const client = connect(options.url, options.commandTimeoutMs ?? 1000);
    await client.connect().catch(() => undefined);
    const queue = new RedisQueue(client, options.prefix);
    // unreachable now: the next open tries again; meanwhile old jobs only miss their threading
    await queue.indexOldSubjects().catch(() => undefined);
    return queue;
  }

  /**
   * Puts the jobs stored before the subject sets existed into theirs, once per store (idempotent,
   * so instances opening together do no harm): without it a reply to one of them would not wait
   * for its parent's message.
   */
  private async indexOldSubjects(): Promise<void> {
    const done = `${this.p}subjects-indexed`;
    if ((await this.client.exists(done)) === 1) return;
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${globEscape(this.p)}job:*`, 'COUNT', 500);
      if (keys.length > 0) await this.scripts.bridgeIndexSubjects(this.p, ...keys.map((key) => key.slice(`${this.p}job:`.length)));
      cursor = next;
    } while (cursor !== '0');
    await this.client.set(done, '1');
  }

  /** Deletes every key under `${prefix}:` and nothing else (for tests and for uninstalling). */
  static async destroy(url: string, prefix: string): Promise<void> {
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

  async accept(source: string, eventId: string, jobs: NewJob[], now: number): Promise<'stored' | 'duplicate'> {
    const args: string[] = [];
    for (const { id, source, eventId, event, route, sink, lane, template, payload, hold } of jobs) {
      const data: JobData = { source, eventId, event, route, template, payload };
      const held = hold ? [JSON.stringify(hold), String(hold.until), hold.group] : ['', '', ''];
      const subject = subjectOf({ event, payload });
      args.push(id, lane, sink, JSON.stringify([sink, lane]), JSON.stringify(data), ...held, subject === null ? '' : subjectMember(lane, sink, source, subject));
    }
    const seen = JSON.stringify([source, eventId]);
    const stored = await this.run(() => this.scripts.bridgeAccept(this.p, seen, now, SEEN_TTL_MS, RECENT_EVENTS, ...args));
    return stored === 1 ? 'stored' : 'duplicate';
  }

  async dueLanes(now: number): Promise<DueLane[]> {
    const flat = (await this.run(() => this.scripts.bridgeDueLanes(this.p, now, DUE_COUNT_CAP))) as (string | number)[];
    const lanes: DueLane[] = [];
    for (let i = 0; i < flat.length; i += 2) lanes.push({ lane: String(flat[i]), due: Number(flat[i + 1]) });
    return lanes;
  }

  async lease(lane: string, now: number, max: number, leaseMs: number): Promise<Job[]> {
    const rows = (await this.run(() => this.scripts.bridgeLease(this.p, lane, now, max, leaseMs))) as Field[][];
    return rows.map(toJob);
  }

  async pauseLane(lane: string, until: number): Promise<void> {
    await this.run(() => this.scripts.bridgePauseLane(this.p, lane, until));
  }

  async release(jobs: Job[], availableAt: number): Promise<void> {
    if (jobs.length === 0) return;
    await this.run(() => this.scripts.bridgeRelease(this.p, availableAt, ...jobs.map((job) => job.id)));
  }

  async ack(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.run(() => this.scripts.bridgeAck(this.p, ...jobs.map((job) => job.id)));
  }

  async reschedule(job: Job, availableAt: number, error: string, now: number): Promise<void> {
    await this.run(() => this.scripts.bridgeReschedule(this.p, job.id, availableAt, attemptJson(now, error)));
  }

  async deadLetter(job: Job, error: string, now: number): Promise<void> {
    await this.run(() =>
      this.scripts.bridgeDeadLetter(this.p, job.id, attemptJson(now, error), JSON.stringify(error), now),
    );
  }

  async deadLetters(sink?: string): Promise<DeadLetter[]> {
    const args = sink === undefined ? [] : [sink];
    const rows = (await this.run(() => this.scripts.bridgeDeadLetters(this.p, ...args))) as Field[][];
    return rows.map(toDeadLetter);
  }

  async retryDead(selector: DeadLetterSelector, now: number): Promise<number> {
    return this.settleDead('retry', selector, now);
  }

  async dropDead(selector: DeadLetterSelector): Promise<number> {
    return this.settleDead('drop', selector, 0);
  }

  async stats(): Promise<LaneStats[]> {
    const flat = (await this.run(() => this.scripts.bridgeStats(this.p))) as (string | number | null)[];
    const stats: LaneStats[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const [sink, lane] = JSON.parse(String(flat[i])) as [string, string];
      const oldest = flat[i + 2];
      stats.push({ sink, lane, depth: Number(flat[i + 1]), oldestAt: oldest === null ? null : Number(oldest) });
    }
    return stats.sort((a, b) => compare(a.sink, b.sink) || compare(a.lane, b.lane));
  }

  async ping(): Promise<void> {
    // a write, so that a read-only replica or a full Redis counts as unavailable
    await this.run(() => this.client.set(`${this.p}ping`, '1', 'PX', 60_000));
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    const quit = this.client.status === 'ready' && (await this.client.quit().then(() => true, () => false));
    if (!quit) this.client.disconnect();
  }

  async pauseSink(sink: string, now: number, by?: string): Promise<void> {
    // a second pause keeps the first one's time
    await this.run(() => this.client.hsetnx(`${this.p}paused-sinks`, sink, JSON.stringify({ since: now, by })));
  }

  async resumeSink(sink: string): Promise<void> {
    await this.run(() => this.client.hdel(`${this.p}paused-sinks`, sink));
  }

  async pausedSinks(): Promise<SinkPause[]> {
    const all = await this.run(() => this.client.hgetall(`${this.p}paused-sinks`));
    return Object.entries(all)
      .map(([sink, value]) => {
        const { since, by } = JSON.parse(value) as { since: number; by?: string };
        return by === undefined ? { sink, since } : { sink, since, by };
      })
      .sort((a, b) => compare(a.sink, b.sink));
  }

  async renew(jobs: Job[], now: number, leasedUntil: number): Promise<boolean> {
    if (jobs.length === 0) return true;
    const renewed = await this.run(() => this.scripts.bridgeRenew(this.p, now, leasedUntil, ...jobs.map((job) => job.id)));
    return renewed === jobs.length;
  }

  async heartbeat(instance: InstanceInfo): Promise<void> {
    await this.run(() => this.scripts.bridgeHeartbeat(this.p, instance.id, instance.heartbeatAt, JSON.stringify(instance), instance.heartbeatAt - INSTANCE_FORGET_MS));
  }

  async instances(): Promise<InstanceInfo[]> {
    const all = await this.run(() => this.client.hvals(`${this.p}instances`));
    return all.map((data) => JSON.parse(data) as InstanceInfo).sort((a, b) => b.heartbeatAt - a.heartbeatAt);
  }

  async forgetInstance(id: string): Promise<void> {
    await this.run(() => this.client.hdel(`${this.p}instances`, id));
  }

  async pendingHolds(): Promise<Hold[]> {
    const holds = await this.run(() => this.client.hvals(`${this.p}holds`));
    return holds.map((hold) => JSON.parse(hold) as Hold);
  }

  private async settleDead(action: 'retry' | 'drop', selector: DeadLetterSelector, now: number): Promise<number> {
    const target =
      'ids' in selector ? ['ids', ...new Set(selector.ids)] : 'sink' in selector ? ['sink', selector.sink] : ['all'];
    return Number(await this.run(() => this.scripts.bridgeSettleDead(this.p, action, now, ...target)));
  }

  async recordMessage(key: MessageKey, ref: MessageRef, now: number, keepMs: number): Promise<void> {
    const stored: StoredMessage = { ref, expiresAt: now + keepMs };
    // Redis forgets it by itself; `expiresAt` decides for callers whose clock differs from Redis's
    await this.run(() => this.client.set(this.messageKey(key), JSON.stringify(stored), 'PX', Math.max(1, keepMs)));
  }

  async findMessage(key: MessageKey, now: number): Promise<MessageRef | null> {
    const text = await this.run(() => this.client.get(this.messageKey(key)));
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredMessage;
    return stored.expiresAt >= now ? stored.ref : null;
  }

  async holdsMessage(lane: string, key: MessageKey, exceptJobId: string): Promise<boolean> {
    const member = subjectMember(lane, key.sink, key.source, key.subject);
    return Number(await this.run(() => this.scripts.bridgeHoldsMessage(this.p, member, exceptJobId))) === 1;
  }

  /** Redis expires the entries itself */
  async pruneMessages(): Promise<number> {
    return 0;
  }

  private messageKey(key: MessageKey): string {
    return `${this.p}msg:${JSON.stringify([key.source, key.subject, key.sink])}`;
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.run(() => this.client.xadd(`${this.p}audit`, 'MAXLEN', '~', AUDIT_KEEP, '*', 'e', JSON.stringify(entry)));
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.run(() => this.client.xrevrange(`${this.p}audit`, '+', '-', 'COUNT', limit));
    return rows.flatMap(([, fields]) => {
      const at = fields.indexOf('e');
      return at >= 0 && fields[at + 1] !== undefined ? [JSON.parse(fields[at + 1]!) as AuditEntry] : [];
    });
  }

  /** Redis's own expiry: `now` is only used for the length (every instance's clock may differ) */
  async claim(key: string, _now: number, ttlMs: number): Promise<boolean> {
    const taken = await this.run(() => this.client.set(`${this.p}claim:${key}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return taken === 'OK';
  }

  async unclaim(key: string): Promise<void> {
    await this.run(() => this.client.del(`${this.p}claim:${key}`));
  }

  /** runs a command, turning "cannot write right now" failures into StoreUnavailableError */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (isStoreUnavailable(error)) {
        throw new StoreUnavailableError(`queue store cannot take writes: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  async recentEvents(limit: number): Promise<Event[]> {
    if (limit <= 0) return [];
    const rows = await this.run(() => this.client.lrange(`${this.p}recent`, 0, Math.min(limit, RECENT_EVENTS) - 1));
    return rows.map((data) => (JSON.parse(data) as JobData).payload);
  }

  private moveScripts: MoveScripted | undefined;

  private get move(): MoveScripted {
    if (this.moveScripts === undefined) {
      for (const [name, body] of Object.entries(MOVE_SCRIPTS)) this.client.defineCommand(name, { lua: LUA_COMMON + body, numberOfKeys: 0 });
      this.moveScripts = this.client as unknown as MoveScripted;
    }
    return this.moveScripts;
  }

  /** every key under `${P}<kind>:`, by SCAN: a page per answer, never a KEYS over the whole Redis */
  private async *scanValues(kind: string, pageSize: number): AsyncIterable<[string, string][]> {
    const start = `${this.p}${kind}:`;
    const pattern = `${start.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.run(() => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', pageSize));
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.run(() => this.client.mget(...keys));
      const found = keys.flatMap((key, i): [string, string][] => (values[i] == null ? [] : [[key.slice(start.length), values[i]]]));
      // COUNT is only a hint: an answer may hold more keys than asked for
      for (let i = 0; i < found.length; i += pageSize) yield found.slice(i, i + pageSize);
    } while (cursor !== '0');
  }

  async *snapshot(now: number, pageSize: number): AsyncIterable<StoreRecord[]> {
    const limit = Math.max(1, pageSize);
    const sinkPauses = await this.pausedSinks();
    for (let i = 0; i < sinkPauses.length; i += limit) {
      yield sinkPauses.slice(i, i + limit).map((pause) => ({ kind: 'sink-pause', pause }));
    }
    const lanePauses = await this.run(() => this.client.zrangebyscore(`${this.p}paused`, `(${now}`, '+inf', 'WITHSCORES'));
    for (let i = 0; i < lanePauses.length; i += 2 * limit) {
      const page: StoreRecord[] = [];
      for (let j = i; j < Math.min(lanePauses.length, i + 2 * limit); j += 2) page.push({ kind: 'lane-pause', lane: lanePauses[j]!, until: Number(lanePauses[j + 1]) });
      yield page;
    }
    for await (const entries of this.scanValues('msg', limit)) {
      const page = entries.flatMap(([key, value]): StoreRecord[] => {
        const [source, subject, sink] = JSON.parse(key) as [string, string, string];
        const { ref, expiresAt } = JSON.parse(value) as StoredMessage;
        return expiresAt >= now ? [{ kind: 'message', key: { source, subject, sink }, ref, expiresAt }] : [];
      });
      if (page.length > 0) yield page;
    }
    for await (const entries of this.scanValues('seen', limit)) {
      const page = entries.flatMap(([key, value]): StoreRecord[] => {
        const [source, eventId] = JSON.parse(key) as [string, string];
        const seenAt = Number(value);
        return seenAt >= now - SEEN_TTL_MS ? [{ kind: 'seen', source, eventId, seenAt }] : [];
      });
      if (page.length > 0) yield page;
    }
    // dead letters by their place in the list: a page starts after the last one given
    for (let after = '-inf'; ; ) {
      const rows = (await this.run(() => this.move.bridgeDeadPage(this.p, after, limit))) as Field[][];
      if (rows.length === 0) break;
      after = `(${rows[rows.length - 1]![DEAD_ROW_LENGTH]}`;
      yield rows.map((row) => ({ kind: 'dead', letter: toDeadLetter(row.slice(0, DEAD_ROW_LENGTH)) }));
    }
    const lanes = (await this.run(() => this.client.smembers(`${this.p}lanes`))).sort(compare);
    for (const lane of lanes) {
      const ids = (await this.run(() => this.move.bridgeLaneOrder(this.p, lane))) as string[];
      for (let i = 0; i < ids.length; i += limit) {
        const rows = (await this.run(() => this.move.bridgeJobRows(this.p, ...ids.slice(i, i + limit)))) as Field[][];
        if (rows.length > 0) yield rows.map((row) => ({ kind: 'job', job: toJob(row) }));
      }
    }
  }

  /** one script: a page is written whole (Redis has no rollback: a retry writes what is missing) */
  async restore(records: StoreRecord[], now: number): Promise<boolean[]> {
    if (records.length === 0) return [];
    const args: (string | number)[] = [];
    for (const record of records) {
      switch (record.kind) {
        case 'sink-pause': {
          const { sink, since, by } = record.pause;
          args.push(record.kind, sink, JSON.stringify({ since, by }));
          break;
        }
        case 'lane-pause':
          args.push(record.kind, record.lane, record.until);
          break;
        case 'message': {
          const stored: StoredMessage = { ref: record.ref, expiresAt: record.expiresAt };
          args.push(record.kind, JSON.stringify([record.key.source, record.key.subject, record.key.sink]), JSON.stringify(stored), record.expiresAt);
          break;
        }
        case 'seen':
          args.push(record.kind, JSON.stringify([record.source, record.eventId]), record.seenAt);
          break;
        case 'dead': {
          const letter = record.letter;
          args.push(record.kind, ...jobFields(letter), letter.batch ?? '', JSON.stringify(letter.error), letter.failedAt, holdField(letter));
          break;
        }
        case 'job': {
          const job = record.job;
          args.push(record.kind, ...jobFields(job), job.batch ?? '', job.availableAt, holdField(job));
          break;
        }
      }
    }
    const written = (await this.run(() => this.move.bridgeRestore(this.p, now, SEEN_TTL_MS, ...args))) as number[];
    return written.map((one) => one === 1);
  }
}

/** id, lane, sink, pair, data, createdAt, attempts, history: as bridgeRestore takes them */
function jobFields(job: Job): (string | number)[] {
  const { id, source, eventId, event, route, sink, lane, template, payload } = job;
  const data: JobData = { source, eventId, event, route, template, payload };
  return [id, lane, sink, JSON.stringify([sink, lane]), JSON.stringify(data), job.createdAt, job.attempts, JSON.stringify(job.history)];
}

/** a held job's hold as the job hash keeps it; '' when not held */
const holdField = (job: Job): string => (job.hold ? JSON.stringify(job.hold) : '');

/** id and DEAD_FIELDS */
const DEAD_ROW_LENGTH = 1 + DEAD_FIELDS.split(',').length;

/** the scripts of snapshot and restore, defined on first use */
const MOVE_SCRIPTS = {
  // ARGV: P, lane; the lane's job ids in FIFO order
  bridgeLaneOrder: `
    local ids = redis.call('ZRANGE', P .. 'at:' .. ARGV[2], 0, -1)
    local seqs = {}
    for _, id in ipairs(ids) do seqs[id] = tonumber(redis.call('HGET', jobKey(id), 'seq')) end
    table.sort(ids, function(a, b) return seqs[a] < seqs[b] end)
    return ids`,

  // ARGV: P, ids…; rows of id and JOB_FIELDS, for the jobs still there
  bridgeJobRows: `
    local rows = {}
    for i = 2, #ARGV do
      local id = ARGV[i]
      if redis.call('EXISTS', jobKey(id)) == 1 then
        local row = redis.call('HMGET', jobKey(id), ${JOB_FIELDS})
        table.insert(row, 1, id)
        rows[#rows + 1] = row
      end
    end
    return rows`,

  // ARGV: P, the place after which to start (a ZRANGEBYSCORE bound), count; rows of id, DEAD_FIELDS and the place
  bridgeDeadPage: `
    local rows = {}
    local found = redis.call('ZRANGEBYSCORE', P .. 'dead', ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
    for i = 1, #found, 2 do
      local id = found[i]
      local row = redis.call('HMGET', P .. 'dead:' .. id, ${DEAD_FIELDS})
      table.insert(row, 1, id)
      row[#row + 1] = found[i + 1]
      rows[#rows + 1] = row
    end
    return rows`,

  // ARGV: P, now, seen TTL, then records, each its kind and fields (see restore); 1 per record written
  bridgeRestore: `
    local now, seenTtl = tonumber(ARGV[2]), tonumber(ARGV[3])
    local out = {}
    -- times as integers: Lua would write a large number as 1.7e+12
    local function int(n) return string.format('%d', n) end
    local function known(id) return redis.call('EXISTS', jobKey(id)) == 1 or redis.call('EXISTS', P .. 'dead:' .. id) == 1 end
    local i = 4
    while i <= #ARGV do
      local kind, written = ARGV[i], 0
      if kind == 'sink-pause' then
        written = redis.call('HSETNX', P .. 'paused-sinks', ARGV[i + 1], ARGV[i + 2])
        i = i + 3
      elseif kind == 'lane-pause' then
        local lane, untilArg = ARGV[i + 1], ARGV[i + 2]
        local current = redis.call('ZSCORE', P .. 'paused', lane)
        if not current or tonumber(current) < tonumber(untilArg) then
          redis.call('ZADD', P .. 'paused', untilArg, lane)
          written = 1
        end
        i = i + 3
      elseif kind == 'message' then
        local px = tonumber(ARGV[i + 3]) - now
        if px >= 0 and redis.call('SET', P .. 'msg:' .. ARGV[i + 1], ARGV[i + 2], 'PX', int(math.max(px, 1)), 'NX') then written = 1 end
        i = i + 4
      elseif kind == 'seen' then
        local px = tonumber(ARGV[i + 2]) + seenTtl - now
        if px > 0 and redis.call('SET', P .. 'seen:' .. ARGV[i + 1], ARGV[i + 2], 'PX', int(px), 'NX') then written = 1 end
        i = i + 3
      elseif kind == 'dead' then
        local id, lane, sink, pair, data, createdAt, attempts, history, batch, err, failedAt =
          ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
        if not known(id) then
          local dead = P .. 'dead:' .. id
          redis.call('HSET', dead, 'data', data, 'lane', lane, 'sink', sink, 'pair', pair, 'createdAt', createdAt,
            'attempts', attempts, 'history', history, 'error', err, 'failedAt', failedAt)
          if batch ~= '' then redis.call('HSET', dead, 'batch', batch) end
          if ARGV[i + 12] ~= '' then redis.call('HSET', dead, 'hold', ARGV[i + 12]) end
          redis.call('ZADD', P .. 'dead', redis.call('INCR', P .. 'seq'), id)
          written = 1
        end
        i = i + 13
      elseif kind == 'job' then
        local id, lane, sink, pair, data, createdAt, attempts, history, batch, availableAt =
          ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10]
        if not known(id) then
          -- appended: behind every job of the lane
          local seq = redis.call('INCR', P .. 'seq')
          redis.call('HSET', jobKey(id), 'data', data, 'lane', lane, 'sink', sink, 'pair', pair, 'createdAt', createdAt,
            'availableAt', availableAt, 'attempts', attempts, 'history', history, 'seq', seq)
          index(id, lane, pair, seq, createdAt, availableAt, subjectSetOf(lane, sink, data))
          if tonumber(availableAt) > now then schedule(id, lane, availableAt) end
          if batch ~= '' then
            redis.call('HSET', jobKey(id), 'batch', batch)
            redis.call('ZADD', P .. 'group:' .. batch, seq, id)
          end
          local hold = ARGV[i + 11]
          if hold ~= '' then
            -- held for a summary: kept through release, and known to pendingHolds
            redis.call('HSET', jobKey(id), 'hold', hold)
            redis.call('HSET', P .. 'holds', cjson.decode(hold).group, hold)
          end
          written = 1
        end
        i = i + 12
      else
        return redis.error_reply('unknown record kind ' .. tostring(kind))
      end
      out[#out + 1] = written
    end
    return out`,
};

type MoveScripted = Record<keyof typeof MOVE_SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

/** A lane's jobs of one sink for one note or report: the member of its subject set (the same in Lua). */
function subjectMember(lane: string, sink: string, source: string, subject: string): string {
  return [lane, sink, source, subject].join('\0');
}

/** `text` matched literally by a SCAN pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A Lua table literal that holds each of `names` as a key. */
function luaSet(names: readonly string[]): string {
  return `{ ${names.map((name) => `[${JSON.stringify(name)}] = true`).join(', ')} }`;
}
