-- ARGV: P, id, availableAt, attempt JSON
local id, availableAt = ARGV[2], ARGV[3]
local key = jobKey(id)
local lane, history = unpack(redis.call('HMGET', key, 'lane', 'history'))
if not lane then return end
redis.call('HSET', key, 'availableAt', availableAt, 'history', appendAttempt(history, ARGV[4]))
redis.call('HINCRBY', key, 'attempts', 1)
schedule(id, lane, availableAt)
