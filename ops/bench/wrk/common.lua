-- What the benchmark's wrk scripts share: one patient (and token) per thread, and the RESULT line ops/bench/run reads.
-- Loaded with dofile from the script's own folder (wrk runs each thread in a Lua state of its own).
local common = {}

-- A setup() for scripts run with -t N -c N: thread i gets the i-th "<patientId> <token>" line of BENCH_PATIENTS as
-- the thread-local globals index, patient and token.
function common.one_patient_per_thread()
  local patients, tokens = {}, {}
  local next_thread = 1
  return function(thread)
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
end

-- The id space of a phase's entries, a part of every entry id, so that each warm-up window and the measured phase
-- write entries of their own: "measured" 2, "warmupN" N + 2, "warmup" alone 1.
function common.space(phase)
  if phase == "measured" then
    return 2
  end
  local window = phase:match("^warmup(%d+)$")
  return window and tonumber(window) + 2 or 1
end

function common.report(summary, latency, requests)
  io.write(string.format("RESULT requests=%d elapsed=%.3f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

return common
