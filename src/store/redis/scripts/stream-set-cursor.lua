-- KEYS[1] the source's hash, ARGV: field, id, now
-- Moves a cursor forward only: Misskey ids of one length sort by creation time.
local current = redis.call('HGET', KEYS[1], ARGV[1])
local id = ARGV[2]
if current and (#current > #id or (#current == #id and current >= id)) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], id, 'cursorAt', ARGV[3])
return 1
