-- ARGV: P, now, cap; flat list of lane, due count
local now, cap = ARGV[2], tonumber(ARGV[3])
local held = pausedSinks()
-- while sinks are paused: how many running and paused sinks each lane has jobs of
local sinksOf = {}
if held then
  for _, pair in ipairs(redis.call('SMEMBERS', P .. 'pairs')) do
    local sink, lane = unpack(cjson.decode(pair))
    local counts = sinksOf[lane] or { running = 0, paused = 0 }
    if held[sink] then counts.paused = counts.paused + 1 else counts.running = counts.running + 1 end
    sinksOf[lane] = counts
  end
end
-- a lane two sinks share while one of them is paused: count the running one's due jobs, up to cap
local function countRunning(lane)
  local due, offset = 0, 0
  while due < cap do
    local ids = redis.call('ZRANGEBYSCORE', P .. 'at:' .. lane, '-inf', now, 'LIMIT', offset, 100)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      if not held[redis.call('HGET', jobKey(id), 'sink')] then due = due + 1 end
    end
    offset = offset + #ids
  end
  return due
end
local out = {}
for _, lane in ipairs(redis.call('SMEMBERS', P .. 'lanes')) do
  local counts = sinksOf[lane]
  if (not counts or counts.running > 0)
    and redis.call('ZCOUNT', P .. 'lease:' .. lane, now, '+inf') == 0 and not paused(lane, now) then
    local due
    if counts and counts.paused > 0 then due = countRunning(lane) else due = redis.call('ZCOUNT', P .. 'at:' .. lane, '-inf', now) end
    if due > 0 then
      out[#out + 1] = lane
      out[#out + 1] = math.min(due, cap)
    end
  end
end
return out
