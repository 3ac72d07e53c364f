-- Single-entry appends: one patient per wrk thread (run with -t N -c N), a new twitch episode per request, and
-- every 8th request a repeat of the previous entry (a client retry, answered 200 with the first result).
-- Acknowledged entries (201 and 200) are written to BENCH_ACKED.<thread> for the exactly-once check.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
setup = common.one_patient_per_thread()

-- Warm-up windows and the measured phase write different entries (common.space).
local phase = os.getenv("BENCH_PHASE") or "measured"
local space = common.space(phase)
local counter, body, acked = 0, nil, nil

function init(args)
  acked = assert(io.open(os.getenv("BENCH_ACKED") .. "." .. phase .. "." .. index, "w"))
  acked:setvbuf("line")
  wrk.method = "POST"
  wrk.path = "/api/patients/" .. patient .. "/episodes"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  if body == nil or counter % 8 ~= 0 then
    local entry = string.format("%08x-%04x-4000-8000-%012x", index, space, counter)
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", 1735689600 + counter * 60)
    body = '{"entryId":"' .. entry .. '","occurredAt":"' .. at .. '","bodyRegions":["calf","eyelid"],"side":"left",' ..
      '"intensity":' .. (counter % 11) .. ',"durationSeconds":' .. (counter % 600) .. ',"visible":true,"painful":false}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 or status == 200 then
    acked:write(patient, " ", body:match('"entryId":"([%x-]+)"'), " ", status, "\n")
  end
end

done = common.report
