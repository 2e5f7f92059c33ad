-- sfn.machine: compiled state machines and local runs.
--
-- sfn.machine(definition, opts) compiles a definition (JSON text or a Lua
-- table) once; machine:run(input, opts) drives one execution to its end:
-- it advances the C engine, runs the Task states it asks for (Lua handlers
-- by resource ARN, or mocked responses by state name) and moves the clock
-- (virtual by default: a Wait of an hour takes no time).
local core = require "sfn.core"

local type, error, pairs, pcall, setmetatable, tostring, tonumber, select =
  type, error, pairs, pcall, setmetatable, tostring, tonumber, select
local unpack = table.unpack or unpack
local floor = math.floor

local _M = {}

local error_mt = {
  __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end,
}

local function fail(err)
  return nil, setmetatable(err, error_mt)
end

local Machine = {}
Machine.__index = Machine

local function check_opts(opts, n, fname)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #" .. n .. " to '" .. fname .. "' (table expected, got " .. type(opts) .. ")", 3)
  end
  return opts or {}
end

-- sfn.machine(definition, opts) -> machine | nil, err
-- opts: name, type ("STANDARD"|"EXPRESS"), account, region, partition, role_arn
function _M.new(definition, opts)
  local td = type(definition)
  if td ~= "string" and td ~= "table" then
    error("bad argument #1 to 'machine' (string or table expected, got " .. td .. ")", 2)
  end
  opts = check_opts(opts, 2, "machine")
  local mtype = opts.type or "STANDARD"
  if mtype ~= "STANDARD" and mtype ~= "EXPRESS" then
    error("bad argument #2 to 'machine' (type must be STANDARD or EXPRESS)", 2)
  end
  local compiled, err = core.machine_compile(definition, { type = mtype })
  if not compiled then return fail(err) end
  return setmetatable({
    _compiled = compiled,
    name = opts.name or "StateMachine",
    type = mtype,
    account = opts.account or "123456789012",
    region = opts.region or "us-east-1",
    partition = opts.partition or "aws",
    role_arn = opts.role_arn,
  }, Machine)
end

-- Milliseconds since the epoch, for the virtual clock's default start.
local function now_ms()
  return core.now_ms()
end

local exec_counter = 0

-- A task failure raised by a handler: error({error=, cause=}) or error("text").
local function failure_of(e)
  if type(e) == "table" then
    local name = e.error or e.Error or "Error"
    local cause = e.cause or e.Cause
    if cause ~= nil and type(cause) ~= "string" then cause = tostring(cause) end
    return tostring(name), cause
  end
  return "Error", tostring(e)
end

-- An execution in progress: advance it, answer its callback tasks, stop it.
local Execution = {}
Execution.__index = Execution

-- What a handler yields to wait: ctx.sleep(seconds) yields SLEEP, seconds.
local SLEEP = {}

-- Start one task: a mock for its state, else a handler for its resource.
-- Returns "ok", result | "fail", error, cause | "submitted", output (a
-- callback task handed over: it now waits for its token) | "wait" (a
-- callback task with neither mock nor handler) | "sleep", seconds, co (a
-- handler that called ctx.sleep: resume co later) | nil, err (a misuse that
-- stops the run).
local function run_task(ex, task, opts, counts)
  -- an activity task goes to its mock or handler as to a worker: ActivityStarted
  if task.activity then ex._exec:task_started(task.id, nil, ex.now) end
  local mocks = opts.mocks and opts.mocks[task.state]
  if mocks then
    local n = (counts[task.state] or 0) + 1
    counts[task.state] = n
    local r = mocks[n]
    if r == nil then
      return nil, { code = "MockExhausted",
        message = "state '" .. task.state .. "' was invoked " .. n .. " times but has " ..
          #mocks .. " mocked responses" }
    end
    if r.Throw then
      return "fail", r.Throw.Error or "Error", r.Throw.Cause
    end
    return "ok", r.Return
  end
  local handler = opts.handlers and opts.handlers[task.resource]
  if handler == nil then
    if task.callback then return "wait" end
    return "fail", "sfn.NoHandler",
      "No handler or mock for resource '" .. task.resource .. "' (state '" .. task.state .. "')"
  end
  local exec, id = ex._exec, task.id
  local ctx = { state = task.state, resource = task.resource, token = task.token,
                attempt = task.attempt }
  -- ctx.sleep(seconds): let other branches and iterations proceed while
  -- this task takes `seconds` (virtual or real, as the run's clock).
  ctx.sleep = function(seconds)
    if type(seconds) ~= "number" or seconds < 0 then
      error("bad argument #1 to 'sleep' (non-negative number expected)", 2)
    end
    coroutine.yield(SLEEP, seconds)
  end
  -- ctx.cancelled(): the task timed out, or its execution or branch ended.
  ctx.cancelled = function() return not exec:task_alive(id) end
  local co = coroutine.create(function() return handler(task.input, ctx) end)
  return ex:_resume_task(task, co)
end

-- Resume a handler's coroutine until it returns, fails or sleeps.  Yields
-- that are not ctx.sleep's go to the caller's coroutine (e.g. sfn.http
-- under sfn.run) and their results come back to the handler.
function Execution:_resume_task(task, co, ...)
  local r = { coroutine.resume(co, ...) }
  while true do
    if not r[1] then return "fail", failure_of(r[2]) end
    if coroutine.status(co) == "dead" then
      if task.callback then return "submitted", r[2] end
      return "ok", r[2]
    end
    if r[2] == SLEEP then return "sleep", r[3], co end
    r = { coroutine.resume(co, coroutine.yield(select(2, unpack(r)))) }
  end
end

-- STANDARD executions record history unless told not to; EXPRESS ones, as on
-- AWS (where GetExecutionHistory does not serve them), only when asked.
local function record_history(machine, opts)
  if opts.history == nil then return machine.type == "STANDARD" end
  return opts.history and true or false
end


-- machine:start(input, opts) -> execution | nil, err
-- opts: as for machine:run.  The execution does not move until advanced.
function Machine:start(input, opts)
  opts = check_opts(opts, 2, "start")
  if opts.handlers ~= nil and type(opts.handlers) ~= "table" then
    error("bad argument #2 to 'start' (handlers must be a table)", 2)
  end
  if opts.mocks ~= nil and type(opts.mocks) ~= "table" then
    error("bad argument #2 to 'start' (mocks must be a table)", 2)
  end
  if opts.context ~= nil and type(opts.context) ~= "table" and type(opts.context) ~= "string" then
    error("bad argument #2 to 'start' (context must be a table or JSON text)", 2)
  end
  if input == nil then input = "{}" end
  exec_counter = exec_counter + 1
  local start_ms = opts.start_time and floor(opts.start_time * 1000 + 0.5) or now_ms()
  local history = record_history(self, opts)
  local exec, err = core.exec_new(self._compiled, input, {
    name = opts.name or ("exec-" .. exec_counter),
    state_machine_name = self.name,
    account = self.account, region = self.region, partition = self.partition,
    role_arn = self.role_arn,
    express = self.type == "EXPRESS",
    start_ms = start_ms,
    history = history,
    seed = opts.seed or (start_ms + exec_counter),
    payload_limit = opts.payload_limit,
    context = opts.context,
  })
  if not exec then
    if err.code == "JSONError" then err.code = "InvalidExecutionInput" end
    return fail(err)
  end
  return setmetatable({ _exec = exec, _opts = opts, _counts = {}, _history = history, _sleeping = {},
                        _real = opts.clock == "real", now = start_ms }, Execution)
end

-- Run what can run at the current time: tasks, and timers already due.
-- Returns nil, err on a misuse (e.g. mocks exhausted).
local function report(ex, task, what, a, b)
  local exec = ex._exec
  if ex._real then ex.now = now_ms() end
  if what == "ok" then
    exec:task_succeeded(task.id, a, ex.now, false)
  elseif what == "fail" then
    exec:task_failed(task.id, a, b, ex.now)
  elseif what == "submitted" then
    exec:task_submitted(task.id, a, ex.now, false)
  elseif what == "sleep" then
    local wake = ex.now + floor(a * 1000 + 0.5)
    local sleeping = ex._sleeping
    sleeping[#sleeping + 1] = { task = task, co = b, wake = wake }
  end
end

local function settle(ex)
  local exec, opts = ex._exec, ex._opts
  while exec:run(ex.now) == "RUNNING" do
    local task = exec:take_task()
    if not task then return true end
    local what, a, b = run_task(ex, task, opts, ex._counts)
    if what == nil then return nil, a end
    report(ex, task, what, a, b)
  end
  return true
end

-- The sleeping handler that wakes first (index), or nil.
local function first_sleeper(ex)
  local best, bi = nil, nil
  for i, s in ipairs(ex._sleeping) do
    if not best or s.wake < best then best, bi = s.wake, i end
  end
  return bi
end

-- execution:advance([seconds]) -> status | nil, err
-- Without seconds: run until the execution ends or only waits on callback
-- tokens.  With seconds: move the clock that far (timers, timeouts and
-- heartbeats due on the way fire), then stop.
function Execution:advance(seconds)
  if seconds ~= nil and type(seconds) ~= "number" then
    error("bad argument #1 to 'advance' (number expected, got " .. type(seconds) .. ")", 2)
  end
  local exec = self._exec
  local target = seconds and (self.now + floor(seconds * 1000 + 0.5)) or nil
  while true do
    local ok, err = settle(self)
    if not ok then return fail(err) end
    if exec:status() ~= "RUNNING" then break end
    local wake = exec:wake_time()
    local si = first_sleeper(self)
    local swake = si and self._sleeping[si].wake
    local next_t = wake
    if swake and (not next_t or swake <= next_t) then next_t = swake end
    if not next_t or (target and next_t > target) then break end
    if self._real then
      local d = next_t - now_ms()
      if d > 0 then core.sleep_ms(d) end
      self.now = now_ms()
    elseif next_t > self.now then
      self.now = next_t
    end
    if swake and swake == next_t then
      -- the engine first (a timeout due at the same moment wins), then the handler
      exec:run(self.now)
      local s = table.remove(self._sleeping, si)
      report(self, s.task, self:_resume_task(s.task, s.co))
    end
  end
  if target and exec:status() == "RUNNING" and target > self.now then
    self.now = target
    exec:run(self.now)
  end
  if exec:status() ~= "RUNNING" then
    -- The execution ended: wake every sleeping handler at once, so it can see
    -- ctx.cancelled() and return (its result goes nowhere).
    local sleeping = self._sleeping
    self._sleeping = {}
    for _, s in ipairs(sleeping) do
      local what, a, b = self:_resume_task(s.task, s.co)
      while what == "sleep" do what, a, b = self:_resume_task(s.task, b) end
    end
  end
  return exec:status()
end

function Execution:status() return self._exec:status() end

-- DescribeExecution's fields plus `history` (when recorded).
function Execution:result()
  local result = self._exec:describe()
  if self._history then result.history = self._exec:history() end
  return result
end

local function answered(self, ok)
  if not ok then
    return fail({ code = "TaskDoesNotExist", message = "No task waits on this token" })
  end
  local done, err = settle(self)
  if not done then return fail(err) end
  return true
end

-- execution:send_task_success(token, output) -> true | nil, err (TaskDoesNotExist)
-- output: a Lua value (a string is a JSON string, not JSON text).
function Execution:send_task_success(token, output)
  if type(token) ~= "string" then error("bad argument #1 to 'send_task_success' (string expected)", 2) end
  return answered(self, self._exec:send_success(token, output, self.now, false))
end

-- execution:send_task_failure(token, error, cause) -> true | nil, err
function Execution:send_task_failure(token, err_name, cause)
  if type(token) ~= "string" then error("bad argument #1 to 'send_task_failure' (string expected)", 2) end
  return answered(self, self._exec:send_failure(token, err_name, cause, self.now))
end

-- execution:send_task_heartbeat(token) -> true | nil, err
function Execution:send_task_heartbeat(token)
  if type(token) ~= "string" then error("bad argument #1 to 'send_task_heartbeat' (string expected)", 2) end
  if not self._exec:send_heartbeat(token, self.now) then
    return fail({ code = "TaskDoesNotExist", message = "No task waits on this token" })
  end
  return true
end

-- execution:stop([error, cause]) -> true | nil, err: ABORTED.
function Execution:stop(err_name, cause)
  if not self._exec:stop(err_name, cause, self.now) then
    return fail({ code = "ExecutionNotRunning", message = "The execution has already ended" })
  end
  self:advance() -- tasks in flight: their handlers see ctx.cancelled()
  return true
end

-- machine:run(input, opts) -> result | nil, err
-- Drives the execution until it ends (or only waits on callback tokens: then
-- status is RUNNING).  result: DescribeExecution's fields plus `history`.
-- opts: name, handlers, mocks, clock ("virtual"|"real"), start_time, history, seed,
-- context: the host's nodes of the context object (a table or JSON text with
-- any of Execution, State, StateMachine, Task): a node given replaces the
-- engine's in every state's `$$` / $states.context, a node given as null
-- (json.null) is left out; Map.Item stays the engine's.  A context that is
-- not such an object fails with code "InvalidContext".
-- machine:variable_references() -> { StateName = {"x", "y"} }: the workflow
-- variables each state reads, sorted (DescribeStateMachine's variableReferences).
function Machine:variable_references()
  return core.machine_variable_references(self._compiled)
end

-- sfn.machine.variable_references(definition): the same, from a definition
-- (JSON text or table) that need not compile.
function _M.variable_references(definition)
  return core.variable_references(definition)
end

function Machine:run(input, opts)
  opts = check_opts(opts, 2, "run")
  local ex, err = self:start(input, opts)
  if not ex then return nil, err end
  local _, aerr = ex:advance()
  if aerr then return nil, aerr end
  return ex:result()
end

-- sfn.validate(definition, opts) -> ValidateStateMachineDefinition's response
function _M.validate(definition, opts)
  local td = type(definition)
  if td == "table" then
    definition = require("sfn.json").encode(definition)
  elseif td ~= "string" then
    error("bad argument #1 to 'validate' (string or table expected, got " .. td .. ")", 2)
  end
  opts = check_opts(opts, 2, "validate")
  local res = core.validate(definition, { type = opts.type })
  if type(res) == "table" and type(res.diagnostics) == "table" then
    setmetatable(res.diagnostics, core.array_mt)
  end
  return res
end

_M.Machine = Machine
_M.failure_of = failure_of
_M.Execution = Execution
return _M
