-- Timeline pages: GET a page of BENCH_PAGE entries at a random cursor of the seeded patient (an auditor reads).
local common = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
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

done = common.report
