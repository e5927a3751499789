-- ARGV: P; flat list of pair, depth, oldest createdAt
local out = {}
for _, pair in ipairs(redis.call('SMEMBERS', P .. 'pairs')) do
  local created = P .. 'created:' .. pair
  local oldest = redis.call('ZRANGE', created, 0, 0, 'WITHSCORES')
  out[#out + 1] = pair
  out[#out + 1] = redis.call('ZCARD', created)
  out[#out + 1] = oldest[2] or false
end
return out
