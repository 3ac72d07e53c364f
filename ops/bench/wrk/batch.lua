-- Batch import: one patient per wrk thread, BENCH_BATCH_SIZE new entries of mixed types per request.
local patients, tokens = {}, {}
local next_thread = 1

function setup(thread)
  if #patients == 0 then
    for line in io.lines(os.getenv("BENCH_PATIENTS")) do
      local id, token = line:match("^(%S+) (%S+)$")
      patients[#patients + 1] = id
      tokens[#tokens + 1] = token
    end
  end
  thread:set("index", next_thread)
  thread:set("patient", patients[next_thread])
  thread:set("token", tokens[next_thread])
  next_thread = next_thread + 1
end

local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "500")
-- Warm-up and measured phases write different entries: the phase is part of every entry id.
local space = os.getenv("BENCH_PHASE") == "warmup" and 1 or 2
local counter = 0

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/patients/" .. patient .. "/entries/batch"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

local function entry(n)
  local id = string.format("%08x-%04x-4000-9000-%012x", index, space, n)
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ", 1704067200 + n * 37)
  local kind = n % 4
  if kind == 0 then
    return '{"type":"episode","entryId":"' .. id .. '","occurredAt":"' .. at .. '","bodyRegions":["calf"],"side":"left",' ..
      '"intensity":' .. (n % 11) .. ',"durationSeconds":30,"visible":false,"painful":false}'
  elseif kind == 1 then
    return '{"type":"trigger","entryId":"' .. id .. '","occurredAt":"' .. at .. '","kind":"stress","level":' .. (n % 11) .. '}'
  elseif kind == 2 then
    return '{"type":"intake","entryId":"' .. id .. '","occurredAt":"' .. at .. '","waterMl":250,"caffeineMg":' .. (n % 200) .. '}'
  else
    return '{"type":"intervention","entryId":"' .. id .. '","occurredAt":"' .. at .. '","kind":"magnesium-supplement","doseMg":200}'
  end
end

function request()
  local parts = {}
  for i = 1, size do
    counter = counter + 1
    parts[i] = entry(counter)
  end
  return wrk.format(nil, nil, nil, '{"entries":[' .. table.concat(parts, ",") .. ']}')
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d elapsed=%.3f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
