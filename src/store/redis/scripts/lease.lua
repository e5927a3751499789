-- ARGV: P, lane, now, max, leaseMs; rows of id and JOB_FIELDS
local lane, nowArg, max = ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = tonumber(nowArg)
local ready, later, at, leases = P .. 'ready:' .. lane, P .. 'later:' .. lane, P .. 'at:' .. lane, P .. 'lease:' .. lane
if redis.call('ZCOUNT', leases, nowArg, '+inf') > 0 or paused(lane, now) then return {} end
-- leases still recorded have run out unsettled: each of their jobs counts a lapse when next leased
for _, id in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
  if redis.call('EXISTS', jobKey(id)) == 1 then redis.call('HSET', jobKey(id), 'lapsed', 1) end
end
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

-- the first `limit` due jobs in line; a ready job is not due only when callers' clocks disagree
-- (a job accepted with a later `now` than this one), so this reads little more than `limit`
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
  if redis.call('HDEL', jobKey(id), 'lapsed') == 1 then redis.call('HINCRBY', jobKey(id), 'lapses', 1) end
  local row = redis.call('HMGET', jobKey(id), unpack(JOB_FIELDS))
  table.insert(row, 1, id)
  rows[#rows + 1] = row
end
return rows
