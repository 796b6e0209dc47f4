-- GET /Users?filter=userName eq "user<k>@example.com" for random existing users.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args)
  math.randomseed(os.time() + id * 7919)
end
function request()
  local k = math.random(0, users - 1)
  return wrk.format("GET", base .. "/Users?filter=userName%20eq%20%22user" .. k ..
    "%40example.com%22&startIndex=1&count=100", headers)
end
