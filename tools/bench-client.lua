-- tools/bench-client.lua: N DescribeExecution calls through the whole
-- sfn.client stack (validation, JSON body, SigV4, sfn.http on one kept-alive
-- connection, response decoding) to 127.0.0.1:<port>, e.g. the responder of
-- tools/bench-http.  Prints one line:
-- "sfn.client <lua> calls=<n> total_s=<s> per_call_us=<us> ok=<n>".
--   lua tools/bench-client.lua <port> [n]
local sfn = require "sfn"
local core = require "sfn.core"

local port, n = tonumber(arg[1]), tonumber(arg[2] or "1000")
local client = assert(sfn.client{ region = "us-east-1", endpoint = "http://127.0.0.1:" .. port,
  credentials = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  config = false, proxy = false })
local req = { executionArn = "arn:aws:states:us-east-1:123456789012:execution:OrderMachine:exec-0001" }
local ok = 0
local function one()
  local res = client:describe_execution(req)
  if res and res.status == "SUCCEEDED" then ok = ok + 1 end
end

for _ = 1, 20 do one() end   -- warm-up: connection open, code paths hot
ok = 0
local t0 = core.monotonic_ms()
for _ = 1, n do one() end
local total = (core.monotonic_ms() - t0) / 1000
local lua = rawget(_G, "jit") and "luajit" or "lua5.4"
print(string.format("sfn.client %s calls=%d total_s=%.4f per_call_us=%.1f ok=%d",
  lua, n, total, total * 1e6 / n, ok))
