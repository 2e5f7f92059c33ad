-- sfn.service.runner: drives the service's executions on the C engine.
--
-- An execution record (see sfn.service.executions) holds a core execution
-- (`rec.exec`).  drive() runs it at a time `t`: the engine advances, then
-- each Task it hands over goes to
--   1. the execution's mocks (mock-config test case), by state name;
--   2. a Lua handler for the resource ARN: run inline, or as a scheduler
--      task when called inside sfn.run (so it can wait on I/O), its result
--      reported when it returns;
--   3. an activity ARN: queued for GetActivityTask (sfn.service.activities);
--   4. a `.waitForTaskToken` resource: left waiting for its token;
--   5. anything else: the task fails with sfn.NoHandler naming the resource.
-- Timers (Wait, retry backoff, timeouts, heartbeats) fire in catch_up(),
-- which steps each execution through its due wake times in order, so history
-- timestamps are the times the timers were due.  Under sfn.run a pump task
-- sleeps until the next wake time (scaled by the clock's time_scale).
local core = require "sfn.core"
local scheduler = require "sfn.scheduler"

local type, pairs, pcall, tostring, next = type, pairs, pcall, tostring, next
local find = string.find
local sort = table.sort

local _M = {}

-- A handler's error as (error name, cause): the same rule as machine:run.
local failure_of = require("sfn.machine").failure_of

local function is_activity(resource)
  return find(resource, "^arn:[^:]+:states:[^:]*:[^:]*:activity:") ~= nil
end
_M.is_activity = is_activity

local settle

-- The execution ended (or not): bookkeeping after the engine moved.
local function after(svc, rec)
  if rec.closed then return end
  local status = rec.exec:status()
  if status ~= "RUNNING" then
    svc:close_execution(rec, status)
  else
    rec.wake = rec.exec:wake_time()
    if rec.wake then svc:kick() end
  end
end

local function report(svc, rec, task, ok, result)
  rec.pending = rec.pending - 1
  if rec.closed then return end
  local now = svc:now()
  local exec = rec.exec
  if not ok then
    local e, c = failure_of(result)
    exec:task_failed(task.id, e, c, now)
  elseif task.callback then
    exec:task_submitted(task.id, result, now, false)
  else
    exec:task_succeeded(task.id, result, now, false)
  end
  settle(svc, rec, now)
end

local function run_handler(svc, rec, task, handler)
  local ctx = { state = task.state, resource = task.resource, token = task.token, attempt = task.attempt,
                execution_arn = rec.arn, service = svc }
  rec.pending = rec.pending + 1
  if task.callback then svc:register_token(task.token, rec, task, "callback") end
  if scheduler.current() then
    scheduler.spawn(function()
      local ok, result = pcall(handler, task.input, ctx)
      report(svc, rec, task, ok, result)
    end)
    return
  end
  local ok, result = pcall(handler, task.input, ctx)
  -- reported by the caller's loop (the engine is mid-drive)
  rec.pending = rec.pending - 1
  local exec, now = rec.exec, rec.t
  if not ok then
    local e, c = failure_of(result)
    exec:task_failed(task.id, e, c, now)
  elseif task.callback then
    exec:task_submitted(task.id, result, now, false)
  else
    exec:task_succeeded(task.id, result, now, false)
  end
end

local function dispatch(svc, rec, task)
  local exec, now = rec.exec, rec.t
  local mocks = rec.mocks and rec.mocks[task.state]
  if mocks then
    local n = (rec.counts[task.state] or 0) + 1
    rec.counts[task.state] = n
    local r = mocks[n]
    if r == nil then
      exec:task_failed(task.id, "sfn.MockExhausted", "state '" .. task.state .. "' was invoked " .. n ..
        " times but its test case has " .. #mocks .. " mocked responses", now)
    elseif r.Throw then
      exec:task_failed(task.id, r.Throw.Error or "Error", r.Throw.Cause, now)
    else
      exec:task_succeeded(task.id, r.Return, now, false)
    end
    return
  end
  local handler = svc.handlers[task.resource]
  if handler then return run_handler(svc, rec, task, handler) end
  if is_activity(task.resource) then
    svc:register_token(task.token, rec, task, "activity")
    svc:queue_activity_task(task.resource, task.token)
    return
  end
  if task.callback then
    svc:register_token(task.token, rec, task, "callback")
    return
  end
  exec:task_failed(task.id, "sfn.NoHandler",
    "No handler or mock for resource '" .. task.resource .. "' (state '" .. task.state .. "')", now)
end

-- Run the execution at time t: the engine, then the tasks it hands over.
function settle(svc, rec, t)
  local exec = rec.exec
  rec.t = t
  while not rec.closed and exec:run(t) == "RUNNING" do
    local task = exec:take_task()
    if not task then break end
    dispatch(svc, rec, task)
  end
  after(svc, rec)
end
_M.settle = settle

-- Fire every timer due by `now`, in time order per execution.
function _M.catch_up(svc, now)
  now = now or svc:now()
  local due
  for rec in pairs(svc.running) do
    if rec.wake and rec.wake <= now then
      due = due or {}
      due[#due + 1] = rec
    end
  end
  if not due then return end
  sort(due, function(a, b) return a.wake < b.wake end)
  for i = 1, #due do
    local rec = due[i]
    while not rec.closed and rec.wake and rec.wake <= now do
      settle(svc, rec, rec.wake)
    end
  end
end

-- The earliest wake time of all running executions, or nil.
function _M.next_wake(svc)
  local w
  for rec in pairs(svc.running) do
    if rec.wake and (not w or rec.wake < w) then w = rec.wake end
  end
  return w
end

-- Under sfn.run: make sure a pump task sleeps until the next wake time.
function _M.kick(svc)
  if svc.clock.manual or not scheduler.running() then return end
  if svc._pump then
    scheduler.wake(svc._pump)
    return
  end
  svc._pump = scheduler.spawn(function()
    while true do
      _M.catch_up(svc)
      local w = _M.next_wake(svc)
      if not w or svc._stopped then break end
      scheduler.sleep(svc.clock:real_delay(w))
    end
    svc._pump = nil
  end)
end

return _M
