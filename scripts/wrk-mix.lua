-- Replays the load generator's query mix with wrk, each connection
-- cycling through the paths in order:
--
--   go run ./cmd/loadgen --addr http://127.0.0.1:8080 --paths > /tmp/mix.txt
--   wrk -t 2 -c 16 -d 30s -s scripts/wrk-mix.lua http://127.0.0.1:8080 -- /tmp/mix.txt
--
-- wrk counts non-2xx responses as errors ("Non-2xx or 3xx responses").

local paths = {}
local next = 0

function init(args)
  local file = assert(io.open(args[1] or "/tmp/mix.txt"), "usage: -- PATHS_FILE")
  for line in file:lines() do
    if line ~= "" then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "no paths")
  -- Threads start at different places so that they do not move in step.
  next = math.random(#paths) - 1
end

function request()
  next = next % #paths + 1
  return wrk.format("GET", paths[next])
end
