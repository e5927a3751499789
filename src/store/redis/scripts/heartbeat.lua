-- ARGV: P, id, heartbeatAt, instance JSON, forget before; instances silent since then are dropped
local key = P .. 'instances'
local forgetBefore = tonumber(ARGV[5])
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  if tonumber(cjson.decode(all[i + 1]).heartbeatAt) < forgetBefore then redis.call('HDEL', key, all[i]) end
end
redis.call('HSET', key, ARGV[2], ARGV[4])
