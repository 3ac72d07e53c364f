-- Timeline pages: GET a page of BENCH_PAGE entries at a random cursor of the seeded patient (an auditor reads).
local cursors = {}
local path, token

function init(args)
  for line in io.lines(os.getenv("BENCH_CURSORS")) do
    cursors[#cursors + 1] = line
  end
  path = "/api/patients/" .. os.getenv("BENCH_TIMELINE_PATIENT") .. "/timeline?limit=" .. os.getenv("BENCH_PAGE") .. "&cursor="
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_AUDITOR_TOKEN")
  math.randomseed(os.time() + (args and #args or 0))
end

function request()
  return wrk.format("GET", path .. cursors[math.random(#cursors)])
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d elapsed=%.3f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
