-- wrk script: POST single-row JSON requests, cycling through the bodies in $BENCH_BODIES (one per line),
-- so every request carries a real held-out row and nothing is answered from a cache.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end
local next_body = 0

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end
