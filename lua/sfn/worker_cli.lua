-- sfn.worker_cli: `sfn worker FILE.lua`: runs the activity worker a Lua file
-- returns, until SIGTERM or SIGINT (the first stops it with its grace period,
-- a second one ends the grace period at once).
--
--   sfn worker FILE.lua [--concurrency N] [--polls N] [--worker-name NAME]
--                       [--grace-period SECONDS] [--heartbeat-interval SECONDS]
--                       [--verbose | --quiet]
--
-- FILE.lua returns a worker (sfn.worker{...}), the options of one (a table
-- with handler, activity_arn, client, ...), or a function returning either;
-- it gets the remaining command-line words as `...`.  The options given here
-- override the file's.  Events go to stderr, one line each: the worker's
-- life, poll errors and recoveries, failed, timed-out, rejected and stopped
-- tasks (--verbose adds every task and heartbeat; --quiet prints nothing).
-- Exit status: 0 after a clean stop, 2 for a usage or load error.
local core = require "sfn.core"
local scheduler = require "sfn.scheduler"
local worker_mod = require "sfn.worker"

local _M = {}

_M.usage = [[
usage: sfn worker FILE.lua [--concurrency N] [--polls N] [--worker-name NAME]
                           [--grace-period SECONDS] [--heartbeat-interval SECONDS]
                           [--verbose | --quiet] [-- ARGS for FILE.lua]
]]

local function die(msg, code)
  io.stderr:write("sfn worker: ", msg, "\n")
  os.exit(code or 2)
end

local FLAGS = { concurrency = "count", polls = "count", ["worker-name"] = "string",
  ["grace-period"] = "seconds", ["heartbeat-interval"] = "seconds", verbose = "flag", quiet = "flag" }

local function parse(args)
  local opt, file, rest = {}, nil, {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then
      for j = i + 1, #args do rest[#rest + 1] = args[j] end
      break
    elseif a:sub(1, 2) == "--" then
      local name = a:sub(3)
      local kind = FLAGS[name]
      if not kind then die("unknown option " .. a .. "\n" .. _M.usage) end
      if kind == "flag" then
        opt[name] = true
      else
        i = i + 1
        local v = args[i]
        if v == nil then die("option " .. a .. " needs a value") end
        if kind ~= "string" then
          local n = tonumber(v)
          if not n or n < 0 or (kind == "count" and (n < 1 or n ~= math.floor(n))) then
            die("option " .. a .. " needs " .. (kind == "count" and "an integer >= 1" or "a number of seconds"))
          end
          v = n
        end
        opt[name] = v
      end
    elseif not file then
      file = a
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  if not file then die(_M.usage) end
  return file, opt, rest
end

local function short(token)
  token = tostring(token)
  if #token > 16 then return token:sub(1, 12) .. "..." end
  return token
end

local QUIET_KINDS = { task_started = true, task_succeeded = true, heartbeat = true }

-- One line per event: "2026-11-21T11:41:01Z kind field=value ...".
function _M.logger(out, verbose)
  return function(kind, info)
    if QUIET_KINDS[kind] and not verbose then return end
    local parts = { os.date("!%Y-%m-%dT%H:%M:%SZ"), kind }
    info = info or {}
    if info.token then parts[#parts + 1] = "token=" .. short(info.token) end
    if kind == "started" then
      parts[#parts + 1] = string.format("worker_name=%s concurrency=%d polls=%d activity=%s",
        info.worker_name, info.concurrency, info.polls, tostring(info.activity_arn))
    elseif kind == "stopping" then
      parts[#parts + 1] = string.format("in_flight=%d polling=%d grace_period=%s",
        info.in_flight, info.polling or 0, tostring(info.grace_period))
    elseif kind == "stopped" then
      local s = info.stats
      parts[#parts + 1] = string.format("succeeded=%d failed=%d timed_out=%d rejected=%d stopped=%d poll_errors=%d",
        s.tasks_succeeded, s.tasks_failed, s.tasks_timed_out, s.tasks_rejected, s.tasks_stopped, s.poll_errors)
    elseif kind == "poll_error" then
      parts[#parts + 1] = string.format("failures=%d retry_in=%.2fs error=%s", info.failures, info.delay,
        tostring(info.error and info.error.code) .. ": " .. tostring(info.error and info.error.message))
    elseif kind == "poll_recovered" then
      parts[#parts + 1] = string.format("after=%d failures (%.1fs)", info.failures, info.seconds)
    elseif kind == "task_failed" then
      local cause = tostring(info.cause or "")
      if #cause > 200 then cause = cause:sub(1, 200) .. "..." end
      parts[#parts + 1] = "error=" .. tostring(info.error) .. " cause=" .. cause
    elseif kind == "task_succeeded" then
      parts[#parts + 1] = string.format("seconds=%.3f", info.seconds)
    elseif kind == "task_timed_out" then
      parts[#parts + 1] = "code=" .. tostring(info.code) .. " during=" .. tostring(info.during)
    elseif kind == "report_error" or kind == "heartbeat_error" or kind == "hook_error" then
      local e = info.error
      parts[#parts + 1] = "error=" .. (type(e) == "table" and (tostring(e.code) .. ": " .. tostring(e.message))
        or tostring(e))
      if info.attempt then parts[#parts + 1] = "attempt=" .. info.attempt end
    end
    out:write(table.concat(parts, " "), "\n")
    out:flush()
  end
end

-- Loads FILE.lua and makes the worker it stands for.
function _M.load(file, opt, rest)
  local chunk, lerr = loadfile(file)
  if not chunk then die("cannot load " .. tostring(lerr)) end
  local ok, v = pcall(chunk, (table.unpack or unpack)(rest or {}))
  if not ok then die(file .. ": " .. tostring(v)) end
  if type(v) == "function" then
    ok, v = pcall(v)
    if not ok then die(file .. ": " .. tostring(v)) end
  end
  local overrides = { concurrency = opt.concurrency, polls = opt.polls, worker_name = opt["worker-name"],
    grace_period = opt["grace-period"], heartbeat_interval = opt["heartbeat-interval"] }
  local w
  if type(v) == "table" and getmetatable(v) == worker_mod.Worker then
    w = v
    for k, x in pairs(overrides) do w[k] = x end
    if overrides.concurrency and not overrides.polls and w.polls > w.concurrency then w.polls = w.concurrency end
  elseif type(v) == "table" then
    for k, x in pairs(overrides) do v[k] = x end
    ok, w = pcall(worker_mod.new, v)
    if not ok then die(file .. ": " .. tostring(w)) end
  else
    die(file .. " must return a worker (sfn.worker{...}) or its options, not " .. type(v))
  end
  return w
end

function _M.main(args)
  local file, opt, rest = parse(args)
  local w = _M.load(file, opt, rest)
  if not opt.quiet then w:add_listener(_M.logger(io.stderr, opt.verbose)) end
  local status = 0
  scheduler.run(function()
    if core.signal_fd then
      local fd, ferr = core.signal_fd({ "TERM", "INT" })
      if not fd then die("cannot watch signals: " .. tostring(ferr), 1) end
      scheduler.spawn(function()
        local n = 0
        while true do
          scheduler.wait_fd(fd, "r")
          for _ in ipairs(core.signal_take()) do
            n = n + 1
            if n == 1 then w:stop() else w:stop{ grace_period = 0 } end
          end
        end
      end)
    else
      io.stderr:write("sfn worker: this build cannot watch signals; SIGTERM ends the process at once\n")
    end
    local ok, err = pcall(w.run, w)
    if not ok then
      io.stderr:write("sfn worker: ", tostring(err), "\n")
      status = 1
    end
    io.stdout:flush()
    io.stderr:flush()
    -- the signal watcher and handlers that ignore cancellation would keep
    -- the scheduler running: the worker has stopped, so the process ends
    os.exit(status)
  end)
  os.exit(status)
end

return _M
