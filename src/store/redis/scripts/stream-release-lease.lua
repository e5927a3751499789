-- KEYS[1] the lease key, KEYS[2] the source's hash, ARGV: holder
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], 'holder', 'connectedSince')
return 1
