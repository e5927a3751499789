-- ARGV: P, the place after which to start (a ZRANGEBYSCORE bound), count; rows of id, DEAD_FIELDS and the place
local rows = {}
local found = redis.call('ZRANGEBYSCORE', P .. 'dead', ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #found, 2 do
  local id = found[i]
  local row = redis.call('HMGET', P .. 'dead:' .. id, unpack(DEAD_FIELDS))
  table.insert(row, 1, id)
  row[#row + 1] = found[i + 1]
  rows[#rows + 1] = row
end
return rows
