-- sfn.worker: an activity worker.  Polls GetActivityTask, runs a Lua handler
-- for each task (many at once, as coroutines), heartbeats while it runs,
-- reports the result with SendTaskSuccess / SendTaskFailure, and stops
-- without losing tasks.
--
--   local worker = sfn.worker{
--     client = sfn.client{ endpoint = "http://127.0.0.1:8083", region = "us-east-1" },
--                              -- anything with get_activity_task/send_task_*
--                              -- (a remote client or sfn.local_service); a table of
--                              -- options (no methods) is passed to sfn.client
--     activity_arn = "arn:aws:states:us-east-1:123456789012:activity:resize",
--     handler = function(input, task) return { ok = true } end,
--     concurrency = 10,        -- tasks running at once
--     polls = nil,             -- GetActivityTask calls outstanding at once
--                              -- (default min(concurrency, 8)); never more than
--                              -- the free task slots
--     worker_name = nil,       -- GetActivityTask's workerName (default host-pid)
--     heartbeat_interval = nil,-- seconds between automatic heartbeats while a
--                              -- handler runs; false: none.  Default: a third of
--                              -- heartbeat_seconds when given (or the task's own
--                              -- HeartbeatSeconds when the service tells it), else 60
--     heartbeat_seconds = nil, -- the Task state's HeartbeatSeconds, when known
--     grace_period = 30,       -- seconds stop() lets tasks in flight finish
--     backoff_base = 1, backoff_max = 20,  -- seconds: poll and report retries
--     report_attempts = 6,     -- SendTask* tries (each with the client's own retries)
--     raw_json = false,        -- true: input is the JSON text and a returned string
--                              -- is sent as the output's JSON text
--     on_event = function(kind, info) end, -- logging / metrics (see below)
--     runtime = nil,           -- the concurrency primitives (default: sfn.scheduler)
--   }
--   worker:run()       -- until stop(); returns worker:stats()
--   worker:stop()      -- from a handler, a hook, another task or a signal watcher
--   worker:stats()     -- counters (metrics)
--
-- The handler gets the input as a Lua value (sfn.json) and a task:
--   task.token, task.input (JSON text), task.worker_name,
--   task.heartbeat()   -> true | nil, err   (sends SendTaskHeartbeat now)
--   task.cancelled()   -> nil | "timed_out" | "stopped": the task can no longer be
--                         reported (TaskTimedOut/TaskDoesNotExist, or failed back
--                         at the end of the grace period); the handler should return
--   task.stopping()    -> true once the worker is stopping (finish within the grace
--                         period)
--   task.sleep(s)      -> true after s seconds; false at once when the task is cancelled
--   task.on_cancel(fn) -> fn(reason) is called when the task is cancelled
-- Its return value is the task's output.  error({ error = "Name", cause = "text" })
-- fails the task with that error and cause; error("text") or any other error with
-- error "Error" and the text as cause.  The error is cut to 256 characters and the
-- cause to 32,768 (the API's limits; invalid UTF-8 becomes U+FFFD).  An output
-- that is not JSON fails the task with sfn.InvalidOutput; one over 262,144 bytes
-- with States.DataLimitExceeded, saying so in the cause.
--
-- TaskTimedOut, TaskDoesNotExist or InvalidToken on a heartbeat or a report end the
-- task: it is cancelled (task.cancelled()), nothing more is sent for it, and the
-- worker goes on.
--
-- Polling: a failed poll (throttling, connection error, any error) waits
-- backoff_base * 2^(n-1) seconds (at most backoff_max) with jitter (between half
-- and all of it) before that poller tries again; the first success resets it.
--
-- Stopping: stop() ends polling (polls outstanding may still bring a task: it is
-- failed back at once with error sfn.WorkerStopped, so a Retry runs it elsewhere),
-- lets tasks in flight finish and reports them; at the end of the grace period
-- polls still outstanding are cancelled and tasks still running are failed back
-- with sfn.WorkerStopped (the handler sees task.cancelled() == "stopped").  Then
-- run() returns.  stop{ grace_period = 0 } (or a second stop()) ends the grace
-- period now.
--
-- Events: on_event(kind, info) with kind (info fields in parentheses):
--   "started" (worker_name, concurrency, polls), "stopping" (in_flight, grace_period),
--   "stopped" (stats), "poll_error" (error, failures, delay),
--   "poll_recovered" (failures, seconds), "task_started" (token),
--   "task_succeeded" (token, seconds), "task_failed" (token, error, cause, seconds),
--   "task_timed_out" (token, code, during = "heartbeat"|"report"),
--   "task_rejected" (token: received while stopping, failed back),
--   "task_stopped" (token: failed back at the end of the grace period),
--   "heartbeat" (token), "heartbeat_error" (token, error),
--   "report_error" (token, error, attempt, final), "hook_error" (error).
-- A hook that raises is reported once as "hook_error" on stderr and otherwise ignored.
--
-- The worker's logic uses only the runtime's primitives, so another event loop
-- (OpenResty) can supply its own:
--   rt.spawn(fn) -> handle      rt.current() -> truthy inside a thread
--   rt.sleep(seconds)           rt.now() -> seconds (monotonic)
--   rt.event() -> ev            rt.wait(ev, timeout|nil) -> true when posted
--   rt.post(ev) (wakes every waiter)
--   rt.interrupt(handle)        makes a wait of that thread (an HTTP request) end now
--   rt.run(fn)                  runs fn and everything it spawns (plain Lua only)
--   rt.random() -> [0, 1)

local json = require "sfn.json"

local type, pairs, ipairs, tostring, tonumber, error, pcall, setmetatable, getmetatable =
  type, pairs, ipairs, tostring, tonumber, error, pcall, setmetatable, getmetatable
local floor, min, max = math.floor, math.min, math.max
local string_byte, string_sub, string_find, string_format =
  string.byte, string.sub, string.find, string.format
local concat = table.concat

local _M = { _VERSION = "0.1.0" }

-- The API's limits (service-2.json: SensitiveError, SensitiveCause, SensitiveData).
_M.limits = { error = 256, cause = 32768, output = 262144, worker_name = 80 }
_M.STOPPED_ERROR = "sfn.WorkerStopped"

-- Error codes that say the task is gone: nothing more can be sent for it.
local ENDED = { TaskTimedOut = true, TaskDoesNotExist = true, InvalidToken = true }
_M.ended_codes = ENDED

---------------------------------------------------------------------------
-- text helpers
---------------------------------------------------------------------------

local REPLACEMENT = "\239\191\189"   -- U+FFFD

-- s as valid UTF-8 (every byte that starts no valid sequence becomes U+FFFD),
-- cut to at most `limit` characters.  Returns the text and whether it was cut.
local function clip(s, limit)
  if not string_find(s, "[\128-\255]") then
    if #s <= limit then return s, false end
    return string_sub(s, 1, limit), true
  end
  local out, i, n, chars, from = {}, 1, #s, 0, 1
  while i <= n do
    if chars >= limit then
      out[#out + 1] = string_sub(s, from, i - 1)
      return concat(out), true
    end
    local c = string_byte(s, i)
    local need, lo, hi = 0, 0x80, 0xBF
    if c < 0x80 then need = 0
    elseif c >= 0xC2 and c <= 0xDF then need = 1
    elseif c == 0xE0 then need, lo = 2, 0xA0
    elseif c == 0xED then need, hi = 2, 0x9F
    elseif c >= 0xE1 and c <= 0xEF then need = 2
    elseif c == 0xF0 then need, lo = 3, 0x90
    elseif c == 0xF4 then need, hi = 3, 0x8F
    elseif c >= 0xF1 and c <= 0xF3 then need = 3
    else need = -1 end
    local ok = need >= 0
    for k = 1, (need > 0 and need or 0) do
      local b = string_byte(s, i + k)
      if not b or (k == 1 and (b < lo or b > hi)) or (k > 1 and (b < 0x80 or b > 0xBF)) then
        ok = false
        break
      end
    end
    if ok then
      i = i + need + 1
    else
      out[#out + 1] = string_sub(s, from, i - 1)
      out[#out + 1] = REPLACEMENT
      i = i + 1
      from = i
    end
    chars = chars + 1
  end
  out[#out + 1] = string_sub(s, from, n)
  return concat(out), false
end
_M.clip = clip

-- The (error, cause) a handler's error value stands for, before clipping.
local function failure_of(e)
  if type(e) == "table" then
    local name = e.error
    if name == nil then name = e.Error end
    local cause = e.cause
    if cause == nil then cause = e.Cause end
    if name == nil then
      if cause == nil and getmetatable(e) and getmetatable(e).__tostring then
        return "Error", tostring(e)
      end
      name = "Error"
    end
    if cause ~= nil and type(cause) ~= "string" then
      local s, jerr = json.encode(cause)
      cause = s or tostring(jerr and jerr.message or cause)
    end
    return tostring(name), cause
  end
  if e == nil then return "Error", nil end
  return "Error", tostring(e)
end
_M.failure_of = failure_of

---------------------------------------------------------------------------
-- the default runtime: sfn.scheduler
---------------------------------------------------------------------------

local function scheduler_runtime()
  local scheduler = require "sfn.scheduler"
  local core = require "sfn.core"
  local rt = {}
  rt.spawn = scheduler.spawn
  rt.current = scheduler.current
  rt.sleep = scheduler.sleep
  rt.random = math.random
  function rt.now() return core.monotonic_ms() / 1000 end
  function rt.event() return { waiters = {} } end
  -- A waiter parks in a sleep (or a suspend) that post() cuts short: the
  -- scheduler's wake() makes the pending timer stale.
  function rt.wait(ev, timeout)
    local t = scheduler.current()
    if not t then
      if timeout and timeout > 0 then scheduler.sleep(timeout) end
      return false
    end
    local w = { task = t }
    ev.waiters[w] = true
    if timeout then
      if timeout > 0 then scheduler.sleep(timeout) else scheduler.sleep(0) end
    else
      scheduler.suspend()
    end
    ev.waiters[w] = nil
    return w.posted or false
  end
  function rt.post(ev)
    local ws = ev.waiters
    for w in pairs(ws) do
      ws[w] = nil
      w.posted = true
      scheduler.wake(w.task)
    end
  end
  function rt.interrupt(handle)
    if handle and handle.status == "waiting" then scheduler.wake(handle) end
  end
  function rt.run(fn)
    local r
    scheduler.run(function() r = { fn() } end)
    return r and r[1]
  end
  return rt
end
_M.scheduler_runtime = scheduler_runtime

---------------------------------------------------------------------------
-- construction
---------------------------------------------------------------------------

local Worker = {}
Worker.__index = Worker

local function read_first_line(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*l")
  f:close()
  return s
end

-- "<hostname>-<pid>" (Linux /proc), cut to the API's 80 characters.
local function default_worker_name()
  local host = read_first_line("/proc/sys/kernel/hostname") or os.getenv("HOSTNAME") or "sfn"
  local stat = read_first_line("/proc/self/stat")
  local pid = stat and stat:match("^(%d+)") or tostring(floor((os.time() % 100000)))
  local name = (host:gsub("[^%w%._%-]", "-")) .. "-" .. pid
  return string_sub(name, 1, _M.limits.worker_name)
end
_M.default_worker_name = default_worker_name

local function check_seconds(opts, name, default, allow_false)
  local v = opts[name]
  if v == nil then return default end
  if allow_false and v == false then return false end
  if type(v) ~= "number" or v ~= v or v < 0 then
    error("sfn.worker: option '" .. name .. "' must be a number of seconds >= 0" ..
      (allow_false and " or false" or ""), 3)
  end
  return v
end

local function check_count(opts, name, default)
  local v = opts[name]
  if v == nil then return default end
  if type(v) ~= "number" or v < 1 or v ~= floor(v) then
    error("sfn.worker: option '" .. name .. "' must be an integer >= 1", 3)
  end
  return v
end

-- sfn.worker{...}: a worker (see the header).  Misuse raises.
function _M.new(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'worker' (table expected, got " .. type(opts) .. ")", 2)
  end
  local client = opts.client
  if type(client) == "table" and type(client.get_activity_task) ~= "function" then
    local c, cerr = require("sfn.client").new(client)
    if not c then error("sfn.worker: cannot make the client: " .. tostring(cerr), 2) end
    client = c
  end
  if type(client) ~= "table" or client.get_activity_task == nil then
    error("sfn.worker: option 'client' must be a client (sfn.client or sfn.local_service)", 2)
  end
  if type(opts.activity_arn) ~= "string" or opts.activity_arn == "" then
    error("sfn.worker: option 'activity_arn' must be an activity ARN string", 2)
  end
  if type(opts.handler) ~= "function" then
    error("sfn.worker: option 'handler' must be a function(input, task)", 2)
  end
  if opts.on_event ~= nil and type(opts.on_event) ~= "function" then
    error("sfn.worker: option 'on_event' must be a function(kind, info)", 2)
  end
  local name = opts.worker_name
  if name == nil then name = default_worker_name() end
  if type(name) ~= "string" or name == "" or #name > _M.limits.worker_name then
    error("sfn.worker: option 'worker_name' must be a string of 1 to 80 characters", 2)
  end
  local concurrency = check_count(opts, "concurrency", 1)
  local polls = check_count(opts, "polls", min(concurrency, 8))
  if polls > concurrency then polls = concurrency end
  local hb_seconds = check_seconds(opts, "heartbeat_seconds", nil)
  local hb = opts.heartbeat_interval
  if type(hb) == "function" then
    -- function(input_text) -> seconds | false
  else
    hb = check_seconds(opts, "heartbeat_interval", nil, true)
    if hb == 0 then error("sfn.worker: option 'heartbeat_interval' must be > 0 or false", 2) end
  end
  local rt = opts.runtime or scheduler_runtime()
  local self = setmetatable({
    client = client,
    activity_arn = opts.activity_arn,
    handler = opts.handler,
    worker_name = name,
    concurrency = concurrency,
    polls = polls,
    heartbeat_interval = hb,
    heartbeat_seconds = hb_seconds,
    grace_period = check_seconds(opts, "grace_period", 30),
    backoff_base = check_seconds(opts, "backoff_base", 1),
    backoff_max = check_seconds(opts, "backoff_max", 20),
    report_attempts = check_count(opts, "report_attempts", 6),
    raw_json = opts.raw_json and true or false,
    rt = rt,
    _listeners = {},
    _state = "idle",
    _tasks = {},          -- token -> task record (running, reporting)
    _in_flight = 0,       -- tasks holding a slot (running or reporting)
    _reserved = 0,        -- slots held by outstanding polls
    _polling = {},        -- poller handle -> true while a request is outstanding
    _npolling = 0,
    _pollers_alive = 0,
    _stats = { polls = 0, polls_empty = 0, poll_errors = 0, tasks_started = 0,
      tasks_succeeded = 0, tasks_failed = 0, tasks_timed_out = 0, tasks_rejected = 0,
      tasks_stopped = 0, heartbeats = 0, heartbeat_errors = 0, report_errors = 0 },
  }, Worker)
  if opts.on_event then self._listeners[1] = opts.on_event end
  return self
end

-- Adds a listener fn(kind, info) besides on_event.
function Worker:add_listener(fn)
  if type(fn) ~= "function" then error("sfn.worker: add_listener expects a function", 2) end
  self._listeners[#self._listeners + 1] = fn
end

function Worker:_emit(kind, info)
  local ls = self._listeners
  for i = 1, #ls do
    local ok, e = pcall(ls[i], kind, info)
    if not ok and not self._hook_failed then
      self._hook_failed = true
      io.stderr:write("sfn.worker: an on_event hook failed (", kind, "): ", tostring(e), "\n")
    end
  end
end

-- Counters (a copy), with state, in_flight and polling.
function Worker:stats()
  local s = {}
  for k, v in pairs(self._stats) do s[k] = v end
  s.state = self._state
  s.in_flight = self._in_flight
  s.polling = self._npolling
  return s
end

-- The backoff before retry n (1-based): base * 2^(n-1), at most max, with
-- jitter between half and all of it (never 0, so never a hot loop).
function Worker:_backoff(n)
  local d = min(self.backoff_max, self.backoff_base * 2 ^ (n - 1))
  return d / 2 + self.rt.random() * d / 2
end

---------------------------------------------------------------------------
-- slots: a poll holds one while outstanding, a task until it is reported
---------------------------------------------------------------------------

function Worker:_changed()
  self.rt.post(self._ev_change)
end

---------------------------------------------------------------------------
-- reporting
---------------------------------------------------------------------------

-- Sends op(req) for task t, retrying transient failures.  Returns "ok",
-- "ended" (TaskTimedOut / TaskDoesNotExist / InvalidToken), or nil, err.
function Worker:_send(t, op, req)
  local attempts = self.report_attempts
  local n = 0
  while true do
    n = n + 1
    local ok, res, err = pcall(self.client[op], self.client, req)
    if not ok then
      err = { code = "ClientError", message = tostring(res) }
      res = nil
    end
    if res then return "ok" end
    err = err or { code = "Unknown", message = "no response" }
    if ENDED[err.code] then return "ended", err end
    if err.code == "ParamValidationError" or err.code == "InvalidOutput" then return nil, err end
    local final = n >= attempts
    self._stats.report_errors = self._stats.report_errors + 1
    self:_emit("report_error", { token = t.token, error = err, attempt = n, final = final,
      operation = op })
    if final then return nil, err end
    self.rt.sleep(self:_backoff(n))
  end
end

function Worker:_ended(t, code, during)
  if not t.cancel_reason then self:_cancel(t, "timed_out") end
  self._stats.tasks_timed_out = self._stats.tasks_timed_out + 1
  self:_emit("task_timed_out", { token = t.token, code = code, during = during })
end

-- SendTaskFailure for t with (error, cause), clipped to the API's limits.
function Worker:_fail(t, name, cause, kind)
  local e = clip(tostring(name or "Error"), _M.limits.error)
  local req = { taskToken = t.token, error = e }
  if cause ~= nil then req.cause = clip(tostring(cause), _M.limits.cause) end
  local r, err = self:_send(t, "send_task_failure", req)
  if r == "ok" then
    if kind == "failed" then
      self._stats.tasks_failed = self._stats.tasks_failed + 1
      self:_emit("task_failed", { token = t.token, error = req.error, cause = req.cause,
        seconds = self.rt.now() - t.started })
    end
  elseif r == "ended" then
    self:_ended(t, err.code, "report")
  end
  return r, err
end

-- Reports a handler's result: success, or the failure it turns into.
function Worker:_succeed(t, value)
  local out, eerr
  if self.raw_json and type(value) == "string" then
    out = value
  else
    if value == nil then value = json.null end
    out, eerr = json.encode(value)
  end
  if not out then
    return self:_fail(t, "sfn.InvalidOutput", "The handler's result cannot be encoded as JSON: " ..
      tostring(eerr and eerr.message or eerr), "failed")
  end
  if #out > _M.limits.output then
    return self:_fail(t, "States.DataLimitExceeded", string_format(
      "The handler's result is %d bytes of JSON, over SendTaskSuccess's limit of %d bytes",
      #out, _M.limits.output), "failed")
  end
  local r, err = self:_send(t, "send_task_success", { taskToken = t.token, output = out })
  if r == "ok" then
    self._stats.tasks_succeeded = self._stats.tasks_succeeded + 1
    self:_emit("task_succeeded", { token = t.token, seconds = self.rt.now() - t.started })
  elseif r == "ended" then
    self:_ended(t, err.code, "report")
  elseif err and (err.code == "InvalidOutput" or err.code == "ParamValidationError") then
    return self:_fail(t, "sfn.InvalidOutput", "SendTaskSuccess refused the output: " ..
      tostring(err.message), "failed")
  end
  return r, err
end

---------------------------------------------------------------------------
-- tasks
---------------------------------------------------------------------------

function Worker:_cancel(t, reason)
  if t.cancel_reason then return end
  t.cancel_reason = reason
  self.rt.post(t.ev)
  local cbs = t.on_cancel
  if cbs then
    for i = 1, #cbs do
      local ok, e = pcall(cbs[i], reason)
      if not ok then self:_emit("hook_error", { error = e, token = t.token }) end
    end
  end
end

function Worker:_heartbeat(t)
  if t.cancel_reason or t.finished then return nil, { code = "TaskEnded", message = "the task has ended" } end
  local ok, res, err = pcall(self.client.send_task_heartbeat, self.client, { taskToken = t.token })
  if not ok then res, err = nil, { code = "ClientError", message = tostring(res) } end
  if res then
    self._stats.heartbeats = self._stats.heartbeats + 1
    self:_emit("heartbeat", { token = t.token })
    return true
  end
  err = err or { code = "Unknown", message = "no response" }
  if ENDED[err.code] then
    if not t.finished then self:_ended(t, err.code, "heartbeat") end
  else
    self._stats.heartbeat_errors = self._stats.heartbeat_errors + 1
    self:_emit("heartbeat_error", { token = t.token, error = err })
  end
  return nil, err
end

-- The handler's view of task t.
function Worker:_task_view(t)
  local w = self
  return {
    token = t.token,
    input = t.input,
    worker_name = self.worker_name,
    heartbeat = function() return w:_heartbeat(t) end,
    cancelled = function() return t.cancel_reason end,
    stopping = function() return w._stopping or false end,
    sleep = function(s)
      if t.cancel_reason then return false end
      local deadline = w.rt.now() + (tonumber(s) or 0)
      while not t.cancel_reason do
        local left = deadline - w.rt.now()
        if left <= 0 then return true end
        w.rt.wait(t.ev, left)
      end
      return false
    end,
    on_cancel = function(fn)
      if type(fn) ~= "function" then error("task.on_cancel expects a function", 2) end
      t.on_cancel = t.on_cancel or {}
      t.on_cancel[#t.on_cancel + 1] = fn
      if t.cancel_reason then pcall(fn, t.cancel_reason) end
    end,
  }
end

function Worker:_interval_for(t)
  local hb = self.heartbeat_interval
  if type(hb) == "function" then
    local ok, v = pcall(hb, t.input)
    if ok and type(v) == "number" and v > 0 then return v end
    return nil
  end
  if hb == false then return nil end
  if hb then return hb end
  local secs = t.heartbeat_seconds or self.heartbeat_seconds
  if secs and secs > 0 then return max(0.1, secs / 3) end
  return 60
end

-- Runs one task (its slot is already held) and reports it.
function Worker:_run_task(token, input_text, extra)
  local rt = self.rt
  local t = { token = token, input = input_text, started = rt.now(), ev = rt.event(),
    heartbeat_seconds = extra and tonumber(extra.heartbeatSeconds) or nil }
  self._tasks[token] = t
  self._stats.tasks_started = self._stats.tasks_started + 1
  self:_emit("task_started", { token = token })
  local interval = self:_interval_for(t)
  if interval then
    t.next_heartbeat = t.started + interval
    t.interval = interval
    if not self._hb_wake or t.next_heartbeat < self._hb_wake then rt.post(self._ev_heartbeat) end
  end

  local input, ok, value
  if self.raw_json then
    input = input_text
  else
    local derr
    input, derr = json.decode(input_text or "null")
    if input == nil then
      ok, value = false, { error = "sfn.InvalidInput", cause = "The task's input is not JSON: " ..
        tostring(derr and derr.message or derr) }
    end
  end
  if ok == nil then
    local view = self:_task_view(t)
    ok, value = pcall(self.handler, input, view)
  end
  t.finished = true
  t.next_heartbeat = nil
  if t.cancel_reason then
    -- timed out (nothing can be sent) or already failed back at the end of the grace period
  elseif ok then
    t.reporting = true
    self:_succeed(t, value)
  else
    t.reporting = true
    local name, cause = failure_of(value)
    self:_fail(t, name, cause, "failed")
  end
  self._tasks[token] = nil
  self._in_flight = self._in_flight - 1
  t.done = true
  rt.post(t.ev)
  self:_changed()
end

-- A task that arrived while stopping: failed back without running it.
function Worker:_reject(token)
  local t = { token = token, started = self.rt.now(), ev = self.rt.event() }
  self._tasks[token] = t
  t.reporting = true
  local r = self:_fail(t, _M.STOPPED_ERROR, "The worker '" .. self.worker_name ..
    "' received this task while stopping and did not run it", "rejected")
  if r == "ok" then
    self._stats.tasks_rejected = self._stats.tasks_rejected + 1
    self:_emit("task_rejected", { token = token })
  end
  self._tasks[token] = nil
  self._in_flight = self._in_flight - 1
  t.done = true
  self:_changed()
end

---------------------------------------------------------------------------
-- loops
---------------------------------------------------------------------------

local function is_empty_token(v)
  return v == nil or v == "" or v == json.null
end

function Worker:_poller(handle_box)
  local rt = self.rt
  local failures, failing_since = 0, nil
  while not self._stopping do
    -- a free slot first, so a task never waits for one
    if self._in_flight + self._reserved >= self.concurrency then
      rt.wait(self._ev_change)
    else
      self._reserved = self._reserved + 1
      self._polling[handle_box] = true
      self._npolling = self._npolling + 1
      self._stats.polls = self._stats.polls + 1
      local ok, res, err = pcall(self.client.get_activity_task, self.client,
        { activityArn = self.activity_arn, workerName = self.worker_name })
      if not ok then res, err = nil, { code = "ClientError", message = tostring(res) } end
      self._polling[handle_box] = nil
      self._npolling = self._npolling - 1
      self._reserved = self._reserved - 1
      if res and not is_empty_token(res.taskToken) then
        if failures > 0 then
          self:_emit("poll_recovered", { failures = failures, seconds = rt.now() - failing_since })
          failures = 0
        end
        self._in_flight = self._in_flight + 1
        local token, input = res.taskToken, res.input
        if self._stopping then
          rt.spawn(function() self:_reject(token) end)
        else
          rt.spawn(function() self:_run_task(token, input, res) end)
        end
      elseif res then
        self._stats.polls_empty = self._stats.polls_empty + 1
        if failures > 0 then
          self:_emit("poll_recovered", { failures = failures, seconds = rt.now() - failing_since })
          failures = 0
        end
        self:_changed()
      else
        self:_changed()
        err = err or { code = "Unknown", message = "no response" }
        if self._stopping and (err.code == "Cancelled" or err.code == "ClientError") then break end
        failures = failures + 1
        if failures == 1 then failing_since = rt.now() end
        self._stats.poll_errors = self._stats.poll_errors + 1
        local delay = self:_backoff(failures)
        self:_emit("poll_error", { error = err, failures = failures, delay = delay })
        local deadline = rt.now() + delay
        while not self._stopping do
          local left = deadline - rt.now()
          if left <= 0 then break end
          rt.wait(self._ev_stop, left)
        end
      end
    end
  end
  self._pollers_alive = self._pollers_alive - 1
  self:_changed()
end

-- One loop sends every task's heartbeats when they are due.
function Worker:_heartbeater()
  local rt = self.rt
  while not self._hb_done do
    local now = rt.now()
    local soonest
    for _, t in pairs(self._tasks) do
      local due = t.next_heartbeat
      if due and not t.finished and not t.cancel_reason then
        if due <= now then
          t.next_heartbeat = now + t.interval
          due = t.next_heartbeat
          rt.spawn(function() self:_heartbeat(t) end)
        end
        if not soonest or due < soonest then soonest = due end
      end
    end
    self._hb_wake = soonest
    rt.wait(self._ev_heartbeat, soonest and max(0, soonest - rt.now()) or nil)
    self._hb_wake = nil
  end
end

-- Runs the worker until stop(); returns worker:stats().  Outside a thread of
-- the runtime it runs the runtime's loop (sfn.run) around itself.
function Worker:run()
  local rt = self.rt
  if not rt.current() then
    return rt.run(function() return self:run() end)
  end
  if self._state == "running" or self._state == "stopping" then
    error("sfn.worker: run() is already running", 2)
  end
  self._state = "running"
  self._ev_change = rt.event()
  self._ev_stop = rt.event()
  self._ev_heartbeat = rt.event()
  self._hb_done = false
  if self._stop_requested then
    self._stopping = true
  else
    self._stopping = false
  end
  self:_emit("started", { worker_name = self.worker_name, concurrency = self.concurrency,
    polls = self.polls, activity_arn = self.activity_arn })
  local pollers = {}
  if not self._stopping then
    for i = 1, self.polls do
      local box = {}
      self._pollers_alive = self._pollers_alive + 1
      box.handle = rt.spawn(function() self:_poller(box) end)
      pollers[i] = box
    end
  end
  self._hb_handle = rt.spawn(function() self:_heartbeater() end)

  while not self._stopping do rt.wait(self._ev_stop) end

  -- stopping: polls end, tasks in flight finish within the grace period
  self._state = "stopping"
  self:_emit("stopping", { in_flight = self._in_flight, polling = self._npolling,
    grace_period = self._grace })
  rt.post(self._ev_change)   -- pollers waiting for a slot see _stopping
  local deadline = self._stop_at + self._grace
  while (self._in_flight > 0 or self._pollers_alive > 0) and rt.now() < deadline do
    rt.wait(self._ev_change, max(0, deadline - rt.now()))
    deadline = self._stop_at + self._grace   -- stop{grace_period = 0} may shorten it
  end
  if self._pollers_alive > 0 then
    -- cancel the polls still outstanding (again while the client retries)
    local until_t = rt.now() + 5
    while self._pollers_alive > 0 and rt.now() < until_t do
      for _, box in ipairs(pollers) do
        if self._polling[box] then rt.interrupt(box.handle) end
      end
      rt.wait(self._ev_change, 0.05)
    end
  end
  -- tasks still running: fail them back so a Retry can run them elsewhere
  local stopped = {}
  for token, t in pairs(self._tasks) do
    if not t.finished and not t.reporting and not t.cancel_reason then stopped[#stopped + 1] = t end
  end
  local pending = #stopped
  for _, t in ipairs(stopped) do
    self:_cancel(t, "stopped")
    rt.spawn(function()
      local r = self:_fail(t, _M.STOPPED_ERROR, string_format(
        "The worker '%s' stopped before the task finished (grace period %s s)",
        self.worker_name, tostring(self._grace)), "stopped")
      if r == "ok" then
        self._stats.tasks_stopped = self._stats.tasks_stopped + 1
        self:_emit("task_stopped", { token = t.token })
      end
      pending = pending - 1
      self:_changed()
    end)
  end
  -- wait for those reports and for tasks already reporting
  while true do
    local busy = pending > 0
    for _, t in pairs(self._tasks) do
      if t.reporting and not t.done then
        busy = true
        break
      end
    end
    if not busy then break end
    rt.wait(self._ev_change, 1)
  end
  self._hb_done = true
  rt.post(self._ev_heartbeat)
  self._state = "stopped"
  self._stop_requested = nil
  local stats = self:stats()
  self:_emit("stopped", { stats = stats })
  return stats
end

-- Stops the worker (see the header).  opts.grace_period overrides the
-- worker's; calling stop() again ends the grace period at once.
function Worker:stop(opts)
  local grace = self.grace_period
  if type(opts) == "table" and opts.grace_period ~= nil then
    grace = tonumber(opts.grace_period) or grace
  end
  if self._state ~= "running" and self._state ~= "stopping" then
    self._stop_requested = true
    self._stopping = true
    self._stop_at = self.rt.now()
    self._grace = grace
    return
  end
  if self._stopping then
    -- again: end the grace period now (or shorten it)
    if type(opts) == "table" and opts.grace_period ~= nil then
      self._grace = min(self._grace, max(0, self.rt.now() - self._stop_at + grace))
    else
      self._grace = max(0, self.rt.now() - self._stop_at)
    end
    self:_changed()
    return
  end
  self._stopping = true
  self._stop_at = self.rt.now()
  self._grace = grace
  self.rt.post(self._ev_stop)
  self:_changed()
  -- handlers sleeping in task.sleep keep sleeping: they may finish in the grace period
end

_M.Worker = Worker

return setmetatable(_M, { __call = function(_, opts) return _M.new(opts) end })
