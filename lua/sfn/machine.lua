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

-- Run one task: a mock for its state, else a handler for its resource.
-- Returns true, result | false, error, cause | nil, err (a misuse that stops the run).
local function run_task(task, opts, counts)
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
      return false, r.Throw.Error or "Error", r.Throw.Cause
    end
    return true, r.Return
  end
  local handler = opts.handlers and opts.handlers[task.resource]
  if handler == nil then
    return false, "sfn.NoHandler",
      "No handler or mock for resource '" .. task.resource .. "' (state '" .. task.state .. "')"
  end
  local ctx = { state = task.state, resource = task.resource, token = task.token,
                attempt = task.attempt }
  local ok, result = pcall(handler, task.input, ctx)
  if ok then return true, result end
  return false, failure_of(result)
end

-- STANDARD executions record history unless told not to; EXPRESS ones, as on
-- AWS (where GetExecutionHistory does not serve them), only when asked.
local function record_history(machine, opts)
  if opts.history == nil then return machine.type == "STANDARD" end
  return opts.history and true or false
end

-- machine:start(input, opts) -> execution | nil, err
-- opts: name, start_time (epoch seconds), history (default true), seed
function Machine:start(input, opts)
  opts = check_opts(opts, 2, "start")
  if input == nil then input = "{}" end
  exec_counter = exec_counter + 1
  local start_ms = opts.start_time and floor(opts.start_time * 1000 + 0.5) or now_ms()
  local exec, err = core.exec_new(self._compiled, input, {
    name = opts.name or ("exec-" .. exec_counter),
    state_machine_name = self.name,
    account = self.account, region = self.region, partition = self.partition,
    role_arn = self.role_arn,
    express = self.type == "EXPRESS",
    start_ms = start_ms,
    history = record_history(self, opts),
    seed = opts.seed or (start_ms + exec_counter),
  })
  if not exec then
    if err.code == "JSONError" then err.code = "InvalidExecutionInput" end
    return fail(err)
  end
  return { exec = exec, now = start_ms }
end

-- Drive an execution until it ends or waits on something outside.
local function drive(ex, opts)
  local exec = ex.exec
  local real = opts.clock == "real"
  local counts = {}
  local limit = opts.max_steps
  while true do
    local status = exec:run(ex.now)
    if status ~= "RUNNING" then return status end
    local task = exec:take_task()
    if task then
      local ok, a, b = run_task(task, opts, counts)
      if ok == nil then return nil, a end
      if real then ex.now = now_ms() end
      if ok then
        exec:task_succeeded(task.id, a, ex.now, false)
      else
        exec:task_failed(task.id, a, b, ex.now)
      end
    else
      local wake = exec:wake_time()
      if not wake then return status end -- waiting on a callback
      if real then
        local d = wake - now_ms()
        if d > 0 then core.sleep_ms(d) end
        ex.now = now_ms()
      elseif wake > ex.now then
        ex.now = wake
      end
    end
    if limit then
      limit = limit - 1
      if limit <= 0 then return status end
    end
  end
end

-- machine:run(input, opts) -> result | nil, err
-- result: DescribeExecution's fields plus `history` (GetExecutionHistory's events).
-- opts: name, handlers, mocks, clock ("virtual"|"real"), start_time, history, seed
function Machine:run(input, opts)
  opts = check_opts(opts, 2, "run")
  if opts.handlers ~= nil and type(opts.handlers) ~= "table" then
    error("bad argument #2 to 'run' (handlers must be a table)", 2)
  end
  if opts.mocks ~= nil and type(opts.mocks) ~= "table" then
    error("bad argument #2 to 'run' (mocks must be a table)", 2)
  end
  local ex, err = self:start(input, opts)
  if not ex then return nil, err end
  local _, derr = drive(ex, opts)
  if derr then return fail(derr) end
  local result = ex.exec:describe()
  if record_history(self, opts) then result.history = ex.exec:history() end
  return result
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
return _M
