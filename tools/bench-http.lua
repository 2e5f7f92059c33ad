-- tools/bench-http.lua: the sfn side of tools/bench-http.  Sends N
-- DescribeExecution-sized POSTs to 127.0.0.1:<port> with sfn.http and prints
-- one line: "sfn <lua> <mode> calls=<n> total_s=<s> per_call_us=<us> ok=<n>".
--   lua tools/bench-http.lua <port> <n> [serial | tasks=<k>]
local http = require "sfn.http"
local sfn = require "sfn"
local core = require "sfn.core"

local port, n, mode = tonumber(arg[1]), tonumber(arg[2] or "1000"), arg[3] or "serial"
local url = "http://127.0.0.1:" .. port .. "/"
local body = '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:OrderMachine:exec-0001"}'
local headers = {
  ["Content-Type"] = "application/x-amz-json-1.0",
  ["X-Amz-Target"] = "AWSStepFunctions.DescribeExecution",
  ["X-Amz-Date"] = "20240101T000000Z",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/states/aws4_request, " ..
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " ..
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
}
local req = { method = "POST", url = url, headers = headers, body = body }
local ok = 0
local function one()
  local res = http.request(req)
  if res and res.status == 200 and #res.body > 400 then ok = ok + 1 end
end

for _ = 1, 20 do one() end   -- warm-up: connection open, code paths hot
ok = 0
local t0 = core.monotonic_ms()
local k = tonumber(mode:match("^tasks=(%d+)$"))
if k then
  for t = 1, k do
    local share = math.floor(n / k) + ((t <= n % k) and 1 or 0)
    sfn.spawn(function() for _ = 1, share do one() end end)
  end
  sfn.run()
else
  for _ = 1, n do one() end
end
local total = (core.monotonic_ms() - t0) / 1000
local lua = rawget(_G, "jit") and "luajit" or "lua5.4"
print(string.format("sfn %s %s calls=%d total_s=%.4f per_call_us=%.1f ok=%d",
  lua, mode, n, total, total * 1e6 / n, ok))
