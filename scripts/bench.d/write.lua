-- wrk script for the status-write benchmark: one connection per thread, each thread owns one
-- recommendation and sends If-Match with the version it last saw (the day part is ignored).
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local token = os.getenv("BENCH_TOKEN")
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("rec", ids[next_thread])
end

local version = 1
local flip = false

function request()
  flip = not flip
  local status = flip and "in_progress" or "stalled"
  return wrk.format("POST", "/api/v1/recommendations/" .. rec .. "/status", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = '"v' .. version .. '.0"',
  }, '{"status":"' .. status .. '","note":"benchmark write"}')
end

function response(status, headers, body)
  if status == 200 then version = version + 1 end
end
