-- wrk script for bench/soak.sh: alternates a plain and a streamed chat request (the shared
-- harness's fixtures), and waits SOAK_DELAY_MS before each request so the load is steady rather
-- than as fast as the CPU allows. Every 50th request asks the mock for an error (x-mock-status is
-- ignored by the nginx mock, so errors come from an unknown path: a 404 through the proxy).
local function slurp(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end
local json = slurp(os.getenv("SOAK_JSON_BODY"))
local sse = slurp(os.getenv("SOAK_SSE_BODY"))
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "1")
local n = 0
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer sk-bench-0000000000000000000000000000",
  ["User-Agent"] = "OpenAI/Python 1.54.0",
}

function request()
  n = n + 1
  if n % 50 == 0 then
    return wrk.format("POST", "/v1/not-a-route", headers, json)
  end
  return wrk.format("POST", "/v1/chat/completions", headers, (n % 2 == 0) and sse or json)
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SOAKRESULT requests=%d duration_s=%.1f rps=%.1f p50_us=%d p99_us=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
