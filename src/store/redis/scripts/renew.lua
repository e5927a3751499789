-- ARGV: P, now, leasedUntil, ids…; how many leases were still held and are extended
local now, leasedUntil, renewed = tonumber(ARGV[2]), ARGV[3], 0
for i = 4, #ARGV do
  local id = ARGV[i]
  local lane = redis.call('HGET', jobKey(id), 'lane')
  if lane then
    local held = redis.call('ZSCORE', P .. 'lease:' .. lane, id)
    if held and tonumber(held) >= now then
      redis.call('ZADD', P .. 'lease:' .. lane, leasedUntil, id)
      renewed = renewed + 1
    end
  end
end
return renewed
