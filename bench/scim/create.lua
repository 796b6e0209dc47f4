-- POST /Users with a distinct userName per request (Okta's create body).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local n = 0
function request()
  n = n + 1
  local name = string.format("bench-%s-%d-%d@example.com", run, id, n)
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
    '","name":{"givenName":"Dana","familyName":"Ng"},"emails":[{"primary":true,"value":"' .. name ..
    '","type":"work"}],"displayName":"Dana Ng","locale":"en-US","externalId":"00u' .. id .. "x" .. n ..
    '","groups":[],"password":"tQ7xv2mK","active":true}'
  return wrk.format("POST", base .. "/Users", headers, body)
end
