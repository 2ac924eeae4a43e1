-- wrk script for bench/gateway_peer.sh: the same request over and over
-- (method, path and an optional JSON body file), and at the end one line in
-- crm-bench's report format (latencies in ms).
--
--   wrk -t2 -c32 -d5s -s bench/peer_load.lua http://127.0.0.1:PORT \
--       -- GET /v1/customers/ID
--   wrk ... -- POST /v1/customers customer.json

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
end

local prepared

function init(args)
  local method, path, body_file = args[1], args[2], args[3]
  assert(method and path, "usage: -- METHOD PATH [BODY_FILE]")
  -- crm-gateway needs an API key (bench/run.sh sets CRM_API_KEY); the
  -- peer ignores the header, so both carry the same request.
  local headers, body = {["X-API-Key"] = os.getenv("CRM_API_KEY")}, nil
  if body_file and body_file ~= "" then
    local file = assert(io.open(body_file, "rb"), "cannot read the body file")
    body = file:read("*a")
    file:close()
    headers["Content-Type"] = "application/json"
  end
  prepared = wrk.format(method, path, headers, body)
end

function request()
  return prepared
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "mode=wrk threads=%d rows=%d errors=%d seconds=%.2f " ..
    "rate=%.1f p50_ms=%.2f p99_ms=%.2f non_2xx=%d\n",
    thread_count, summary.requests - e.status, errors, seconds,
    (summary.requests - e.status) / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status))
end
