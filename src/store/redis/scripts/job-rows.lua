-- ARGV: P, ids…; rows of id and JOB_FIELDS, for the jobs still there
local rows = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('EXISTS', jobKey(id)) == 1 then
    local row = redis.call('HMGET', jobKey(id), unpack(JOB_FIELDS))
    table.insert(row, 1, id)
    rows[#rows + 1] = row
  end
end
return rows
