-- wrk script for scripts/bench-envoy.sh: the benchmark's calls as real traffic makes them. Each
-- request has its own X-Request-Id; each GET names another account and cursor, or another page;
-- the client's other headers (the -H ones) repeat, as one client's do. Repeating the very same
-- request would flatter the filter, which remembers head values it already found clean.
-- BENCH_CALL = get | get4k | post; BENCH_BODY names the POST's JSON body.
local call = os.getenv("BENCH_CALL") or "get"
local body
if call == "post" then
  local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
  body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
local n = 0

request = function()
  n = n + 1
  wrk.headers["X-Request-Id"] = string.format("5b0e7c1a-2f44-4d0e-9c3b-%012x", n)
  if call == "post" then
    return wrk.format("POST", "/api/v1/transfers/batch", nil, body)
  elseif call == "get4k" then
    return wrk.format("GET", string.format("/api/v1/orders?page=%d&status=shipped", 1 + n % 50))
  end
  return wrk.format("GET", string.format(
    "/api/v1/accounts/%d/transactions?from=2026-11-01&to=2026-11-21&limit=50&cursor=c2VxPT%06d", 1001 + n % 997, n))
end
