-- Batch import: one patient per wrk thread, BENCH_BATCH_SIZE new entries of mixed types per request.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
setup = common.one_patient_per_thread()

local size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "500")
-- Warm-up windows and the measured phase write different entries (common.space).
local space = common.space(os.getenv("BENCH_PHASE") or "measured")
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

done = common.report
