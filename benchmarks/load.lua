-- wrk script for every benchmarked verb. Arguments after `--`: verb, list id, ids file.
-- Each wrk thread walks its own slice of the ids, so DELETE never hits the same item twice.
local threads = {}
local counter, nthreads = 0, 1
local verb, list_id, ids = nil, nil, {}

function setup(thread)
  thread:set("tid", #threads)  -- becomes the global `tid` inside that thread
  table.insert(threads, thread)
end

function init(args)
  verb, list_id = args[1], args[2]
  tid = tonumber(tid) or 0
  nthreads = tonumber(args[4]) or 1
  for line in io.lines(args[3]) do ids[#ids + 1] = line end
end

local headers = { ["X-Todo-Owner"] = "bench", ["Content-Type"] = "application/json" }

function request()
  local n = tid + counter * nthreads
  counter = counter + 1
  local id = ids[(n % #ids) + 1]
  local base = "/api/lists/" .. list_id
  if verb == "get_item" then
    return wrk.format("GET", base .. "/items/" .. id, headers)
  elseif verb == "list_page" then
    return wrk.format("GET", base .. "/items?top=100", headers)
  elseif verb == "post_item" then
    return wrk.format("POST", base .. "/items", headers, '{"name":"bench item"}')
  elseif verb == "patch_item" then
    local h = { ["X-Todo-Owner"] = "bench", ["Content-Type"] = "application/merge-patch+json", ["If-Match"] = "*" }
    return wrk.format("PATCH", base .. "/items/" .. id, h, '{"name":"renamed ' .. n .. '"}')
  elseif verb == "delete_item" then
    return wrk.format("DELETE", base .. "/items/" .. id, headers)
  elseif verb == "put_state" then
    -- ids file lines hold 50 comma-separated ids each; alternate the target state
    local state = ((math.floor(n / #ids)) % 2 == 0) and "done" or "todo"
    return wrk.format("PUT", base .. "/items/state/" .. state, headers, "[" .. id .. "]")
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
