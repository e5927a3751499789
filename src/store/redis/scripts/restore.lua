-- ARGV: P, now, seen TTL, then records, each its kind and fields (see restore); 1 per record written
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
return out
