-- ARGV: P, now, sink ('' for all); rows of id, sink, lane, data, createdAt, availableAt, attempts, lapses, seq, leased (0/1)
local now, sink = tonumber(ARGV[2]), ARGV[3]
local rows = {}
for _, lane in ipairs(redis.call('SMEMBERS', P .. 'lanes')) do
  for _, id in ipairs(redis.call('ZRANGE', P .. 'at:' .. lane, 0, -1)) do
    local row = redis.call('HMGET', jobKey(id), 'sink', 'lane', 'data', 'createdAt', 'availableAt', 'attempts', 'lapses', 'seq')
    if row[1] and (sink == '' or row[1] == sink) then
      local held = redis.call('ZSCORE', P .. 'lease:' .. lane, id)
      table.insert(row, 1, id)
      row[#row + 1] = (held and tonumber(held) >= now) and 1 or 0
      rows[#rows + 1] = row
    end
  end
end
return rows
