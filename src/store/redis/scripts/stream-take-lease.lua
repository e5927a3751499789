-- KEYS[1] the lease key, KEYS[2] the source's hash, ARGV: holder, ttl ms
-- Takes a free lease, or renews it for its own holder; another holder's live lease stays.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], 'holder', ARGV[1])
return 1
