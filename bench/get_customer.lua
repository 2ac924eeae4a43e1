-- wrk script for the gateway phase of bench/run.sh: GET /v1/{name} for the
-- customer resource names in a file (one "customers/{id}" a line), each
-- thread walking the list from its own offset; at the end one line in
-- crm-bench's report format (latencies in ms).
--
--   wrk -t2 -c32 -d10s -s bench/get_customer.lua http://127.0.0.1:PORT \
--       -- names.txt

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

-- The gateway's API key (bench/run.sh sets CRM_API_KEY).
local headers = {["X-API-Key"] = os.getenv("CRM_API_KEY")}
local paths = {}
local next_index = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot read the names file")
  for line in file:lines() do
    if line ~= "" then
      paths[#paths + 1] = "/v1/" .. line
    end
  end
  file:close()
  assert(#paths > 0, "the names file holds no names")
  next_index = ((thread_index or 1) * 7919) % #paths
end

function request()
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "mode=gateway-get threads=%d rows=%d errors=%d seconds=%.2f " ..
    "rate=%.1f p50_ms=%.2f p99_ms=%.2f non_2xx=%d\n",
    thread_count, summary.requests - e.status, errors, seconds,
    (summary.requests - e.status) / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status))
end
