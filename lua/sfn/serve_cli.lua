-- sfn.serve_cli: `sfn serve`: the local Step Functions service over HTTP
-- (sfn.local_service behind sfn.server) until SIGTERM or SIGINT.
--
--   sfn serve [--host 127.0.0.1] [--port 8083]
--             [--access-key-id K --secret-access-key S]   -- SigV4 checked (else not)
--             [--time-scale X] [--mock-config FILE] [--account ID] [--region R]
--             [--retention N] [--max-connections N] [--max-body BYTES] [--quiet]
--
-- Prints "sfn serve: listening on http://HOST:PORT" on stderr once it accepts
-- connections (port 0 picks a free port and prints it).  The first signal
-- stops it cleanly (long polls answered, requests in flight finished), a
-- second ends the process at once.  Exit status 0 after a clean stop, 2 for a
-- usage error, 1 when it cannot listen.
local scheduler = require "sfn.scheduler"

local _M = {}

_M.usage = [[
usage: sfn serve [--host 127.0.0.1] [--port 8083] [--access-key-id K --secret-access-key S]
                 [--time-scale X] [--mock-config FILE] [--account ID] [--region R]
                 [--retention N] [--max-connections N] [--max-body BYTES] [--quiet]
]]

local function die(msg, code)
  io.stderr:write("sfn serve: ", msg, "\n")
  os.exit(code or 2)
end

local FLAGS = { host = "string", port = "count", ["access-key-id"] = "string",
  ["secret-access-key"] = "string", ["time-scale"] = "number", ["mock-config"] = "string",
  account = "string", region = "string", retention = "count", ["max-connections"] = "count",
  ["max-body"] = "count", quiet = "flag" }

local function parse(args)
  local opt = {}
  local i = 1
  while i <= #args do
    local a = args[i]
    local name = a:match("^%-%-(.+)$")
    local kind = name and FLAGS[name]
    if not kind then die("unknown argument " .. a .. "\n" .. _M.usage) end
    if kind == "flag" then
      opt[name] = true
    else
      i = i + 1
      local v = args[i]
      if v == nil then die("option " .. a .. " needs a value") end
      if kind == "count" then
        local n = tonumber(v)
        if not n or n < 0 or n ~= math.floor(n) then die("option " .. a .. " needs a whole number") end
        v = n
      elseif kind == "number" then
        local n = tonumber(v)
        if not n or n <= 0 then die("option " .. a .. " needs a positive number") end
        v = n
      end
      opt[name] = v
    end
    i = i + 1
  end
  return opt
end

function _M.main(args)
  local opt = parse(args)
  -- a long-lived heap (retained executions) with short-lived garbage per
  -- request: Lua 5.4's generational collector fits (LuaJIT has one mode)
  if not jit then collectgarbage("generational") end
  if (opt["access-key-id"] == nil) ~= (opt["secret-access-key"] == nil) then
    die("--access-key-id and --secret-access-key go together")
  end
  if opt.account and not opt.account:match("^%d%d%d%d%d%d%d%d%d%d%d%d$") then
    die("--account needs a 12-digit account id")
  end
  local ok, ls = pcall(require, "sfn.local_service")
  if not ok then die("the local service is not available: " .. tostring(ls), 1) end
  local svc_opts = {
    account = opt.account, region = opt.region, retention = opt.retention,
    clock = opt["time-scale"] and { time_scale = opt["time-scale"] } or "real",
    mock_config = opt["mock-config"],
  }
  local sok, svc, serr = pcall(ls.new, svc_opts)
  if not sok then die(tostring(svc), 2) end
  if not svc then die(tostring(serr and serr.message or serr), 2) end
  local creds
  if opt["access-key-id"] then creds = { [opt["access-key-id"]] = opt["secret-access-key"] } end
  local server = require("sfn.server").new{
    service = svc, host = opt.host or "127.0.0.1", port = opt.port or 8083, credentials = creds,
    region = nil, max_connections = opt["max-connections"], max_body = opt["max-body"],
  }
  local quiet = opt.quiet
  local started, lerr = server:start()
  if not started then die(lerr, 1) end
  local sigok, sigerr = server:handle_signals({ "TERM", "INT" }, {
    on_signal = function(name)
      if not quiet then io.stderr:write("sfn serve: SIG", name, ": stopping\n") end
    end,
    after_stop = function()
      if not quiet then io.stderr:write("sfn serve: stopped\n") end
      io.stderr:flush()
      os.exit(0)
    end,
  })
  if not sigok then die("cannot watch signals: " .. tostring(sigerr), 1) end
  io.stderr:write("sfn serve: listening on http://", server.host, ":", tostring(server.port),
    creds and " (signatures checked)" or "", "\n")
  io.stderr:flush()
  scheduler.run()
  os.exit(0)
end

return _M
