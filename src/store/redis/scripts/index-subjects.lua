-- ARGV: P, job ids; puts each job that has no subject field yet (stored before the subject sets) in its set
for i = 2, #ARGV do
  local key = jobKey(ARGV[i])
  local lane, sink, data, subject = unpack(redis.call('HMGET', key, 'lane', 'sink', 'data', 'subject'))
  if lane and not subject then
    local set = subjectSetOf(lane, sink, data)
    if set ~= '' then
      redis.call('HSET', key, 'subject', set)
      redis.call('SADD', set, ARGV[i])
    end
  end
end
