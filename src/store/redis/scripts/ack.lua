-- ARGV: P, id… (all in one script: a digest is never acked in part)
for i = 2, #ARGV do
  local key = jobKey(ARGV[i])
  local lane, pair, batch, subject = unpack(redis.call('HMGET', key, 'lane', 'pair', 'batch', 'subject'))
  if lane then
    redis.call('DEL', key)
    unindex(ARGV[i], lane, pair, batch, subject)
  end
end
