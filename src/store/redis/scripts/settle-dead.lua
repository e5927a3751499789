-- ARGV: P, 'retry' or 'drop', now, 'ids' | 'sink' | 'all', ids… or the sink; how many were moved or dropped
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
return count
