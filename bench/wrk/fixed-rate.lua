-- wrk has no fixed-rate mode (wrk2 is not packaged in Debian). Each connection waits DELAY_MS after each
-- response before sending the next request, so the rate is about connections * 1000 / (DELAY_MS + latency):
-- close to fixed while latency is far below DELAY_MS. The bench reports the rate actually achieved.
local delay_ms = tonumber(os.getenv("DELAY_MS") or "10")

delay = function()
  return delay_ms
end

dofile(os.getenv("WRK_REPORT_LUA"))
