-- One-member PATCH add or remove on the 10,000-member group (users outside its first
-- 10,000 members come and go), the way Okta pushes membership changes.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local ids = {}
function init(args)
  math.randomseed(os.time() + id * 104729)
  for line in io.lines(os.getenv("SCIM_SPARE_IDS")) do ids[#ids + 1] = line end
end
function request()
  local user = ids[math.random(1, #ids)]
  local op
  if math.random() < 0.5 then
    op = '{"op":"add","path":"members","value":[{"value":"' .. user .. '"}]}'
  else
    op = '{"op":"remove","path":"members[value eq \\"' .. user .. '\\"]"}'
  end
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' .. op .. ']}'
  return wrk.format("PATCH", base .. "/Groups/" .. group, headers, body)
end
