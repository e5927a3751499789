-- ARGV: P, subject member (subjectMember), except id; 1 when a job of the lane will still post the subject's message
for _, id in ipairs(redis.call('SMEMBERS', subjectSet(ARGV[2]))) do
  if id ~= ARGV[3] then return 1 end
end
return 0
