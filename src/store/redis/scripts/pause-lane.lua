-- ARGV: P, lane, until; a pause is only ever extended
local key, lane, untilArg = P .. 'paused', ARGV[2], ARGV[3]
local current = redis.call('ZSCORE', key, lane)
if not current or tonumber(current) < tonumber(untilArg) then redis.call('ZADD', key, untilArg, lane) end
