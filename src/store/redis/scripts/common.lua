-- Shared by every script, after the constants the loader puts first (NOTE_POSTING, REPORT_POSTING,
-- JOB_FIELDS, DEAD_FIELDS: see client.ts). ARGV[1] is always P, the key prefix.
local P = ARGV[1]
local function jobKey(id) return P .. 'job:' .. id end

-- the ids of a lane's jobs of one sink whose messages stand for one note or report (holdsMessage);
-- member: lane, sink, source and subject joined by NUL (subjectMember)
local function subjectSet(member) return P .. 'subject:' .. member end
local function idOf(value)
  if type(value) == 'table' and type(value.id) == 'string' then return value.id end
  return nil
end
-- subjectOf (src/store/messages.ts) of a stored job's data, as its subject set, or '' for none
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
  -- settled: a lease that ran out before is no lapse any more
  redis.call('HDEL', jobKey(id), 'lapsed')
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
