-- KEYS[1] the lease key, ARGV: holder, ttl ms
-- Renews the lease only while it is still this holder's.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
