-- ARGV: P, and the sink to list, if any; rows of id and DEAD_FIELDS
local rows = {}
for _, id in ipairs(redis.call('ZRANGE', P .. 'dead', 0, -1)) do
  local row = redis.call('HMGET', P .. 'dead:' .. id, unpack(DEAD_FIELDS))
  if #ARGV == 1 or row[3] == ARGV[2] then
    table.insert(row, 1, id)
    rows[#rows + 1] = row
  end
end
return rows
