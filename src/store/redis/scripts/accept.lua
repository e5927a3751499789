-- ARGV: P, seen key suffix, now, seen TTL, recent length, then id, lane, sink, pair, data, hold (JSON), hold
-- until, hold group (the hold's three '' unless held), subject member ('' for none) per job; 1 = stored
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
return 1
