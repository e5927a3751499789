-- ARGV: P, now, ids…; forgets each job that no process holds at `now`; how many
local now, dropped = tonumber(ARGV[2]), 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = jobKey(id)
  local lane, pair, batch, subject = unpack(redis.call('HMGET', key, 'lane', 'pair', 'batch', 'subject'))
  if lane then
    local held = redis.call('ZSCORE', P .. 'lease:' .. lane, id)
    if not held or tonumber(held) < now then
      redis.call('DEL', key)
      unindex(id, lane, pair, batch, subject)
      dropped = dropped + 1
    end
  end
end
return dropped
