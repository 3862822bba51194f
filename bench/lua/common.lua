-- Shared by every bench scenario; bench/run.py puts the requests in place of
-- the marker below: {method, path, body, weight, headers}.
-- REQUESTS --

local total = 0
local cumulative = {}
for i, r in ipairs(requests_table) do
  total = total + r.weight
  cumulative[i] = total
end

-- Each thread its own seed, so that mixed loads do not march in step.
local seeded = false

request = function()
  if not seeded then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    seeded = true
  end
  local pick = math.random() * total
  for i, edge in ipairs(cumulative) do
    if pick <= edge then
      local r = requests_table[i]
      return wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
  local r = requests_table[#requests_table]
  return wrk.format(r.method, r.path, r.headers, r.body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "rps": %.2f, "p50": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d, "errors": %d, "status_errors": %d}',
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1000000),
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
  out:close()
end
