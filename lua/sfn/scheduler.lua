-- sfn.scheduler: coroutines that wait on timers, sockets and I/O drivers
-- (sfn.http's curl multi) and run until all are done.
--
--   local scheduler = require "sfn.scheduler"   -- also sfn.spawn / sfn.run / sfn.sleep
--   scheduler.spawn(fn, ...)        -- a task: runs fn(...) in a coroutine; returns the task
--   scheduler.run([fn, ...])        -- (spawns fn first, then) runs until every task is done
--   scheduler.sleep(seconds)        -- in a task: lets the others run; outside: blocks
--   scheduler.wait_fd(fd_or_socket, "r"|"w"|"rw", timeout) -> true | nil, "timeout"
--
-- For code that waits on something of its own (the parts an I/O driver uses):
--   scheduler.current()             -- the running task, or nil outside a task
--   scheduler.suspend()             -- in a task: park it until wake(); returns wake's values
--   scheduler.wake(task, ...)       -- make a parked task runnable (ignored otherwise)
--   scheduler.add_driver(d)         -- d.busy() -> bool; d.wait(fds, events, timeout_ms)
--                                   -- -> revents (optional: blocks on d's own I/O and the
--                                   -- fds given); d.dispatch() after each wait
--
-- A task is a table: { status = "ready"|"running"|"waiting"|"done"|"failed"|"abandoned",
-- result = { n = , ... } (its function's return values), error = (when failed) }.
-- An error in a task stops run(), which raises it with the task's traceback;
-- run() may be called again to go on with the others.  Tasks parked with
-- nothing that could wake them (no timer, socket or busy driver) make run()
-- raise; they are dropped ("abandoned").
--
-- The scheduler is plain Lua over two waits (core.poll, or a busy driver's
-- wait); a driver for another event loop (OpenResty's) can replace this
-- module as a whole behind the same functions.

local core = require "sfn.core"

local _M = { _VERSION = "0.1.0" }

local co_create, co_resume, co_status, co_running, co_yield =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.running, coroutine.yield
local now_ms = core.monotonic_ms

local SUSPEND = {}          -- the token a task yields when it parks

local ready = {}            -- runnable: { task, n, ... values }
local by_co = {}            -- coroutine -> task, for every task not finished
local timers = {}           -- { at = ms, task =, id = } parked in sleep/wait_fd
local fd_waits = {}         -- { fd =, events =, task =, id =, at = ms|nil }
local drivers = {}
local live = 0              -- tasks not finished
local running = false
local current = nil

local function pack(...) return { n = select("#", ...), ... } end
local unpack = table.unpack or unpack
local function unpack_args(t) return unpack(t, 1, t.n) end

-- The task running now, or nil outside any task.
function _M.current()
  local co = co_running()
  local t = co and by_co[co]
  if t and t == current then return t end
  return nil
end

-- Spawns fn(...) as a task; it starts at the next turn of run().
function _M.spawn(fn, ...)
  if type(fn) ~= "function" then error("sfn.spawn: expected a function, got " .. type(fn), 2) end
  local task = { status = "ready", wait_id = 0 }
  task.co = co_create(fn)
  by_co[task.co] = task
  live = live + 1
  ready[#ready + 1] = { task, pack(...) }
  return task
end

-- Parks the running task until wake(task, ...); returns wake's values.
function _M.suspend()
  local t = _M.current()
  if not t then error("sfn.scheduler.suspend: not inside a task", 2) end
  t.status = "waiting"
  t.wait_id = t.wait_id + 1
  return co_yield(SUSPEND)
end

-- Makes a parked task runnable with the given values.  Returns true when
-- it was parked, false otherwise (already woken, finished, not parked).
function _M.wake(task, ...)
  if not task or task.status ~= "waiting" then return false end
  task.status = "ready"
  task.wait_id = task.wait_id + 1   -- timers and fd waits of the old wait are stale now
  ready[#ready + 1] = { task, pack(...) }
  return true
end

function _M.add_driver(d)
  for _, x in ipairs(drivers) do if x == d then return end end
  drivers[#drivers + 1] = d
end

-- Sleeps for `seconds`: a task lets the others run; outside a task it blocks.
function _M.sleep(seconds)
  seconds = tonumber(seconds) or 0
  local t = _M.current()
  if not t then
    if seconds > 0 then core.sleep_ms(seconds * 1000) end
    return
  end
  if seconds <= 0 then
    -- a turn: run the others first
    t.status = "ready"
    ready[#ready + 1] = { t, pack() }
    co_yield(SUSPEND)
    return
  end
  timers[#timers + 1] = { at = now_ms() + seconds * 1000, task = t, id = t.wait_id + 1 }
  _M.suspend()
end

local EVENTS = { r = 1, w = 2, rw = 3, wr = 3 }

-- Waits until fd (a number or an object with :getfd()) is readable ("r"),
-- writable ("w") or either ("rw"); true, or nil, "timeout" after `timeout`
-- seconds (nil: no limit).  Outside a task it blocks.
function _M.wait_fd(fd, mode, timeout)
  if type(fd) ~= "number" then fd = fd:getfd() end
  local ev = EVENTS[mode or "r"]
  if not ev then error("sfn.scheduler.wait_fd: mode must be \"r\", \"w\" or \"rw\"", 2) end
  local t = _M.current()
  if not t then
    local rev = core.poll({ fd }, { ev }, timeout and timeout * 1000 or 3600 * 1000)
    if rev[1] and rev[1] ~= 0 then return true end
    return nil, "timeout"
  end
  local w = { fd = fd, events = ev, task = t, id = t.wait_id + 1 }
  if timeout then w.at = now_ms() + timeout * 1000 end
  fd_waits[#fd_waits + 1] = w
  return _M.suspend()
end

local function resume(task, args)
  task.status = "running"
  local prev = current
  current = task
  local r = pack(co_resume(task.co, unpack_args(args)))
  current = prev
  if co_status(task.co) == "dead" then
    live = live - 1
    by_co[task.co] = nil
    if r[1] then
      task.status = "done"
      task.result = { n = r.n - 1, select(2, unpack_args(r)) }
    else
      task.status = "failed"
      task.error = r[2]
      error("sfn.run: a task failed: " .. debug.traceback(task.co, tostring(r[2])), 0)
    end
  elseif task.status == "running" then
    -- a plain coroutine.yield (not ours): another turn later
    task.status = "ready"
    ready[#ready + 1] = { task, pack() }
  end
end

-- Runs every task until all are done (spawning fn(...) first when given).
function _M.run(fn, ...)
  if running then error("sfn.run: already running", 2) end
  if fn ~= nil then _M.spawn(fn, ...) end
  running = true
  local ok, err = pcall(function()
    while live > 0 do
      -- 1. every runnable task, once
      local batch = ready
      ready = {}
      for i = 1, #batch do
        local rok, rerr = pcall(resume, batch[i][1], batch[i][2])
        if not rok then
          for j = i + 1, #batch do ready[#ready + 1] = batch[j] end
          error(rerr, 0)
        end
      end
      if live == 0 then break end

      -- 2. how long we may wait
      local now = now_ms()
      local deadline
      for i = #timers, 1, -1 do
        local tm = timers[i]
        if tm.task.wait_id ~= tm.id or tm.task.status ~= "waiting" then
          table.remove(timers, i)
        elseif not deadline or tm.at < deadline then deadline = tm.at end
      end
      local fds, evs, waits = {}, {}, {}
      for i = #fd_waits, 1, -1 do
        local w = fd_waits[i]
        if w.task.wait_id ~= w.id or w.task.status ~= "waiting" then
          table.remove(fd_waits, i)
        else
          fds[#fds + 1] = w.fd; evs[#evs + 1] = w.events; waits[#waits + 1] = w
          if w.at and (not deadline or w.at < deadline) then deadline = w.at end
        end
      end
      local driver
      for _, d in ipairs(drivers) do
        if d.busy() then driver = driver or (d.wait and d) end
      end
      local busy_any = driver ~= nil
      if not busy_any then
        for _, d in ipairs(drivers) do if d.busy() then busy_any = true end end
      end
      if #ready == 0 and not deadline and #fds == 0 and not busy_any then
        -- nothing can wake them: drop them so the scheduler stays usable
        local n = live
        for co, t in pairs(by_co) do
          if t.status == "waiting" then
            t.status = "abandoned"
            by_co[co] = nil
          end
        end
        live = 0
        error(string.format("sfn.run: %d task(s) wait for nothing (suspended with no wake-up)", n), 0)
      end
      local timeout = 0
      if #ready == 0 then
        timeout = deadline and math.max(0, deadline - now) or 3600 * 1000
      end

      -- 3. wait
      local rev
      if driver then
        rev = driver.wait(fds, evs, timeout)
      elseif #fds > 0 then
        rev = core.poll(fds, evs, timeout)
      elseif timeout > 0 then
        if busy_any then timeout = math.min(timeout, 10) end
        core.sleep_ms(timeout)
      end

      -- 4. wake whoever is due
      for _, d in ipairs(drivers) do
        if d.busy() then d.dispatch() end
      end
      if rev then
        for i, w in ipairs(waits) do
          if rev[i] and rev[i] ~= 0 and w.task.wait_id == w.id then _M.wake(w.task, true) end
        end
      end
      now = now_ms()
      for _, w in ipairs(waits) do
        if w.at and w.at <= now and w.task.wait_id == w.id then _M.wake(w.task, nil, "timeout") end
      end
      for i = #timers, 1, -1 do
        local tm = timers[i]
        if tm.at <= now then
          table.remove(timers, i)
          if tm.task.wait_id == tm.id then _M.wake(tm.task) end
        end
      end
    end
  end)
  running = false
  if not ok then error(err, 0) end
  return true
end

-- True while run() is running.
function _M.running()
  return running
end

return _M
