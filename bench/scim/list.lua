-- GET /Users?startIndex=s&count=100 the way Okta imports: each connection walks the
-- directory page by page from its own starting point, wrapping at the end.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local start
function init(args)
  math.randomseed(os.time() + id * 31)
  start = math.random(0, math.floor(users / 100) - 1) * 100 + 1
end
function request()
  local s = start
  start = start + 100
  if start > users then start = 1 end
  return wrk.format("GET", base .. "/Users?startIndex=" .. s .. "&count=100", headers)
end
