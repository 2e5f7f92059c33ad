-- tools/bench-serve-soak.lua: the soak of tools/bench-serve.  Sends N
-- StartExecution requests to `sfn serve` over a few kept-alive connections
-- (pipelined in batches) and prints the server's RSS (from /proc/PID/status)
-- at each checkpoint.
--
--   lua tools/bench-serve-soak.lua PORT SERVER_PID STATE_MACHINE_ARN N CHECKPOINT...
-- prints lines "executions=<n> rss_kb=<kb> seconds=<elapsed>" and a last
-- line "errors=<count of non-200 answers>".
local socket = require "socket"

local port, pid, arn, total = tonumber(arg[1]), arg[2], arg[3], tonumber(arg[4])
local checkpoints = {}
for i = 5, #arg do checkpoints[tonumber(arg[i])] = true end
local BATCH, CONNS = 64, 4

local body = '{"stateMachineArn":"' .. arn .. '","input":"{\\"soak\\":true}"}'
local request = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSStepFunctions.StartExecution\r\n"
  .. "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body

local function rss_kb()
  local f = io.open("/proc/" .. pid .. "/status")
  if not f then return -1 end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)")) or -1
end

local conns = {}
for i = 1, CONNS do
  local c = assert(socket.tcp())
  c:settimeout(30)
  assert(c:connect("127.0.0.1", port))
  c:setoption("tcp-nodelay", true)
  conns[i] = c
end

-- reads one response; returns its status
local function read_one(c)
  local status
  local len = 0
  while true do
    local line = assert(c:receive("*l"))
    if line == "" then break end
    if not status then status = tonumber(line:match("^HTTP/1%.1 (%d+)")) end
    local n = line:match("^[Cc]ontent%-[Ll]ength: (%d+)")
    if n then len = tonumber(n) end
  end
  if len > 0 then assert(c:receive(len)) end
  return status
end

local t0 = socket.gettime()
local done, errors = 0, 0
while done < total do
  -- one batch per connection, then read them all
  local sent = {}
  for i = 1, CONNS do
    local n = math.min(BATCH, total - done)
    if n <= 0 then break end
    assert(conns[i]:send(string.rep(request, n)))
    sent[i] = n
    done = done + n
  end
  for i, n in pairs(sent) do
    for _ = 1, n do
      if read_one(conns[i]) ~= 200 then errors = errors + 1 end
    end
  end
  for cp in pairs(checkpoints) do
    if done >= cp and done - cp < BATCH * CONNS then
      checkpoints[cp] = nil
      io.stdout:write(string.format("executions=%d rss_kb=%d seconds=%.1f\n", cp, rss_kb(), socket.gettime() - t0))
      io.stdout:flush()
    end
  end
end
for _, c in ipairs(conns) do c:close() end
io.stdout:write(string.format("errors=%d\n", errors))
