-- Shared by the SCIM benchmark scripts: the directory token and ids come from the
-- environment the driver (run.sh) sets after seeding.
token = os.getenv("SCIM_TOKEN")
base = os.getenv("SCIM_BASE")
users = tonumber(os.getenv("SCIM_USERS"))
group = os.getenv("SCIM_GROUP")
headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Content-Type"] = "application/scim+json",
  ["Accept"] = "application/scim+json",
}

-- wrk gives each thread its own Lua state; number them so generated names never clash.
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

-- Reports p50/p99 (ms) and counts as one JSON line the driver collects.
function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors, summary.errors.status))
end
