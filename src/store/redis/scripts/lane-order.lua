-- ARGV: P, lane; the lane's job ids in FIFO order
local ids = redis.call('ZRANGE', P .. 'at:' .. ARGV[2], 0, -1)
local seqs = {}
for _, id in ipairs(ids) do seqs[id] = tonumber(redis.call('HGET', jobKey(id), 'seq')) end
table.sort(ids, function(a, b) return seqs[a] < seqs[b] end)
return ids
