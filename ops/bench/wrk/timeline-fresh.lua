-- Timeline pages as timeline.lua asks them, each with Cache-Control: no-cache: every page read from the table, as a
-- record read once per version is (the API keeps pages by record version otherwise; docs/read-side.md).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "timeline.lua")
local pages_init = init

function init(args)
  pages_init(args)
  wrk.headers["Cache-Control"] = "no-cache"
end
