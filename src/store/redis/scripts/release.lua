-- ARGV: P, availableAt, ids…
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
end
