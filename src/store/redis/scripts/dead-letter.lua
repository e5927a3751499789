-- ARGV: P, id, attempt JSON, error JSON, now
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
unindex(id, lane, pair, batch, subject)
