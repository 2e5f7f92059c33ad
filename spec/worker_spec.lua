-- sfn.worker against a scripted activity service (spec/support/test_server.lua
-- running a small fake of GetActivityTask / SendTask*): reporting, truncation,
-- oversized output, heartbeats, TaskTimedOut, backoff on throttling and on
-- connection errors, stopping with a grace period, tasks received while
-- stopping.  The end-to-end specs against `sfn serve` are in
-- spec/worker_e2e_spec.lua.
local sfn = require "sfn"
local json = require "sfn.json"
local worker_mod = require "sfn.worker"
local core = require "sfn.core"
local test_server = require "support.test_server"

local CREDS = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
local ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:work"

local function now() return core.monotonic_ms() / 1000 end

-- The fake service, run by the test server's child.  cfg:
--   tasks = { { token =, input =, delay = seconds before the poll answers } ... }
--   empty_delay = seconds an empty poll is held (default 0.2)
--   poll_errors = n: the first n polls answer 400 ThrottlingException
--   errors = { [token] = { SendTaskSuccess = "TaskTimedOut", SendTaskHeartbeat = ... } }
local FAKE = [[
local cfg = %s
local json = require "sfn.json"
local function err(code, message)
  return { status = 400, headers = { ["Content-Type"] = "application/x-amz-json-1.0" },
    body = json.encode({ __type = code, message = message or code }) }
end
return function(req, ctx)
  local st = ctx.state
  if not st.init then
    st.init, st.next, st.polls = true, 1, 0
  end
  local op = (req.headers["x-amz-target"] or ""):match("%%.(%%w+)$")
  local body = json.decode(req.body) or {}
  if op == "GetActivityTask" then
    st.polls = st.polls + 1
    if cfg.poll_errors and st.polls <= cfg.poll_errors then
      return err("ThrottlingException", "Rate exceeded")
    end
    local t = cfg.tasks and cfg.tasks[st.next]
    if t then
      st.next = st.next + 1
      return { delay = t.delay, headers = { ["Content-Type"] = "application/x-amz-json-1.0" },
        body = json.encode({ taskToken = t.token, input = t.input or "{}" }) }
    end
    return { delay = cfg.empty_delay or 0.2, body = "{}" }
  end
  local e = cfg.errors and cfg.errors[body.taskToken or ""]
  if e and e[op] then return err(e[op], "Task Timed Out: '" .. tostring(body.taskToken) .. "'") end
  return { body = "{}" }
end
]]

local function serialize(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v)
  elseif t == "number" or t == "boolean" then return tostring(v)
  elseif t == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = "[" .. serialize(k) .. "]=" .. serialize(x) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "nil"
end

local servers = {}
local function fake(cfg)
  local s = test_server.start{ handler_source = string.format(FAKE, serialize(cfg or {})) }
  servers[#servers + 1] = s
  return s
end

local function client_for(url, extra)
  local opts = { region = "us-east-1", endpoint = url, credentials = CREDS, config = false, proxy = false }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return assert(sfn.client(opts))
end

-- The requests the server received for an operation, bodies decoded.
local function sent(server, op)
  local out = {}
  for _, r in ipairs(server:requests()) do
    if r.headers["x-amz-target"] == "AWSStepFunctions." .. op then
      local b = json.decode(r.body)
      b._at = r.index
      out[#out + 1] = b
    end
  end
  return out
end

-- A worker whose events are recorded; it stops itself after `stop_after`
-- reported tasks (succeeded, failed, timed out) when given.
local function new_worker(server, opts)
  local events = {}
  local o = { client = client_for(server:url(), opts.client_opts), activity_arn = ACTIVITY,
    worker_name = "spec-worker", grace_period = 2, backoff_base = 0.1, backoff_max = 0.4 }
  for k, v in pairs(opts) do if k ~= "client_opts" and k ~= "stop_after" then o[k] = v end end
  local w
  local reported = 0
  o.on_event = function(kind, info)
    events[#events + 1] = { kind = kind, info = info, at = now() }
    if opts.stop_after and (kind == "task_succeeded" or kind == "task_failed" or kind == "task_timed_out") then
      reported = reported + 1
      if reported == opts.stop_after then w:stop() end
    end
  end
  w = sfn.worker(o)
  return w, events
end

local function kinds(events, kind)
  local out = {}
  for _, e in ipairs(events) do if e.kind == kind then out[#out + 1] = e end end
  return out
end

describe("sfn.worker", function()
  after_each(function()
    for _, s in ipairs(servers) do s:stop() end
    servers = {}
  end)

  describe("options", function()
    local c = client_for("http://127.0.0.1:1/")
    local function h() end
    it("rejects a missing client, ARN or handler with exact messages", function()
      assert.has_error(function() sfn.worker(nil) end, "bad argument #1 to 'worker' (table expected, got nil)")
      assert.has_error(function() sfn.worker{ activity_arn = ACTIVITY, handler = h } end,
        "sfn.worker: option 'client' must be a client (sfn.client or sfn.local_service)")
      assert.has_error(function() sfn.worker{ client = c, handler = h } end,
        "sfn.worker: option 'activity_arn' must be an activity ARN string")
      assert.has_error(function() sfn.worker{ client = c, activity_arn = ACTIVITY } end,
        "sfn.worker: option 'handler' must be a function(input, task)")
    end)
    it("checks numbers and the worker name", function()
      assert.has_error(function() sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h, concurrency = 0 } end,
        "sfn.worker: option 'concurrency' must be an integer >= 1")
      assert.has_error(function() sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h, grace_period = -1 } end,
        "sfn.worker: option 'grace_period' must be a number of seconds >= 0")
      assert.has_error(function() sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h,
        heartbeat_interval = "x" } end,
        "sfn.worker: option 'heartbeat_interval' must be a number of seconds >= 0 or false")
      assert.has_error(function() sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h,
        worker_name = string.rep("w", 81) } end,
        "sfn.worker: option 'worker_name' must be a string of 1 to 80 characters")
    end)
    it("defaults: polls min(concurrency, 8), a host-pid worker name, grace 30 s", function()
      local w = sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h, concurrency = 50 }
      assert.equal(50, w.concurrency)
      assert.equal(8, w.polls)
      assert.equal(30, w.grace_period)
      assert.truthy(w.worker_name:match("%-%d+$"))
      assert.truthy(#w.worker_name <= 80)
      w = sfn.worker{ client = c, activity_arn = ACTIVITY, handler = h, concurrency = 3, polls = 5 }
      assert.equal(3, w.polls)
    end)
    it("builds an sfn.client from a table of client options", function()
      local w = sfn.worker{ client = { region = "us-east-1", endpoint = "http://127.0.0.1:1/",
        credentials = CREDS, config = false }, activity_arn = ACTIVITY, handler = h }
      assert.equal("http://127.0.0.1:1/", w.client.endpoint)
    end)
  end)

  describe("clip (the API's limits)", function()
    it("cuts ASCII to the limit", function()
      assert.same({ "abc", true }, { worker_mod.clip("abcdef", 3) })
      assert.same({ "abc", false }, { worker_mod.clip("abc", 3) })
    end)
    it("counts characters, not bytes, and never cuts one in half", function()
      local s = string.rep("\195\169", 10)            -- é x 10 (20 bytes)
      local out, cut = worker_mod.clip(s, 4)
      assert.equal(string.rep("\195\169", 4), out)
      assert.is_true(cut)
      assert.equal(s, (worker_mod.clip(s, 10)))
    end)
    it("replaces invalid UTF-8 with U+FFFD", function()
      assert.equal("a\239\191\189b\239\191\189", (worker_mod.clip("a\255b\195", 10)))
      -- a UTF-16 surrogate (ED A0 80) is three invalid bytes; cut at 2 characters
      assert.equal("\239\191\189\239\191\189", (worker_mod.clip("\237\160\128", 2)))
    end)
  end)

  describe("reporting", function()
    it("sends a handler's value with SendTaskSuccess, its input decoded, with the worker name", function()
      local server = fake{ tasks = { { token = "t1", input = '{"n": 21, "tags": []}' } } }
      local seen
      local w, events = new_worker(server, { stop_after = 1, handler = function(input, task)
        seen = { input = input, token = task.token, name = task.worker_name, text = task.input }
        return { doubled = input.n * 2, tags = input.tags }
      end })
      local stats = w:run()
      assert.equal(21, seen.input.n)
      assert.equal("t1", seen.token)
      assert.equal("spec-worker", seen.name)
      assert.equal('{"n": 21, "tags": []}', seen.text)
      local succ = sent(server, "SendTaskSuccess")
      assert.equal(1, #succ)
      assert.equal("t1", succ[1].taskToken)
      assert.equal('{"doubled":42,"tags":[]}', succ[1].output)
      local polls = sent(server, "GetActivityTask")
      assert.equal(ACTIVITY, polls[1].activityArn)
      assert.equal("spec-worker", polls[1].workerName)
      assert.equal(1, stats.tasks_succeeded)
      assert.equal(1, stats.tasks_started)
      assert.equal("stopped", stats.state)
      assert.equal(1, #kinds(events, "task_succeeded"))
      assert.equal("t1", kinds(events, "task_started")[1].info.token)
      assert.equal(1, #kinds(events, "stopped"))
    end)

    it("sends nil as null and, with raw_json, the input and output as JSON text", function()
      local server = fake{ tasks = { { token = "t1", input = '{"a":1}' } } }
      local w = new_worker(server, { stop_after = 1, handler = function() end })
      w:run()
      assert.equal("null", sent(server, "SendTaskSuccess")[1].output)
      server = fake{ tasks = { { token = "t2", input = '{"a": 1.0}' } } }
      local got
      w = new_worker(server, { stop_after = 1, raw_json = true, handler = function(input)
        got = input
        return input
      end })
      w:run()
      assert.equal('{"a": 1.0}', got)
      assert.equal('{"a": 1.0}', sent(server, "SendTaskSuccess")[1].output)
    end)

    it("fails a task with the error name and cause the handler chose", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" }, { token = "t3" } } }
      local n = 0
      local w, events = new_worker(server, { stop_after = 3, handler = function()
        n = n + 1
        if n == 1 then error({ error = "Busy", cause = "try later" }) end
        if n == 2 then error("boom", 0) end
        error({ Error = "Custom.Thing", Cause = { detail = 7 } })
      end })
      local stats = w:run()
      local f = sent(server, "SendTaskFailure")
      assert.equal(3, #f)
      assert.same({ taskToken = "t1", error = "Busy", cause = "try later", _at = f[1]._at }, f[1])
      assert.same({ taskToken = "t2", error = "Error", cause = "boom", _at = f[2]._at }, f[2])
      assert.same({ taskToken = "t3", error = "Custom.Thing", cause = '{"detail":7}', _at = f[3]._at }, f[3])
      assert.equal(3, stats.tasks_failed)
      local tf = kinds(events, "task_failed")
      assert.equal("Busy", tf[1].info.error)
      assert.equal("try later", tf[1].info.cause)
    end)

    it("cuts the error to 256 and the cause to 32,768 characters", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" } } }
      local n = 0
      local w = new_worker(server, { stop_after = 2, handler = function()
        n = n + 1
        if n == 1 then error({ error = string.rep("E", 300), cause = string.rep("c", 40000) }) end
        error({ error = string.rep("\195\169", 300), cause = string.rep("\226\130\172", 40000) .. "\255" })
      end })
      w:run()
      local f = sent(server, "SendTaskFailure")
      assert.equal(string.rep("E", 256), f[1].error)
      assert.equal(string.rep("c", 32768), f[1].cause)
      assert.equal(string.rep("\195\169", 256), f[2].error)
      assert.equal(string.rep("\226\130\172", 32768), f[2].cause)
    end)

    it("turns an output over 262,144 bytes into a failure that says so", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" }, { token = "t3" } } }
      local n = 0
      local w, events = new_worker(server, { stop_after = 3, handler = function()
        n = n + 1
        if n == 1 then return string.rep("x", 300000) end
        if n == 2 then return string.rep("x", 262142) end  -- exactly 262,144 bytes as JSON
        return { f = function() end }
      end })
      local stats = w:run()
      local f = sent(server, "SendTaskFailure")
      assert.equal(2, #f)
      assert.equal("t1", f[1].taskToken)
      assert.equal("States.DataLimitExceeded", f[1].error)
      assert.equal("The handler's result is 300002 bytes of JSON, over SendTaskSuccess's limit of 262144 bytes",
        f[1].cause)
      assert.equal("t3", f[2].taskToken)
      assert.equal("sfn.InvalidOutput", f[2].error)
      assert.truthy(f[2].cause:find("^The handler's result cannot be encoded as JSON: "))
      local s = sent(server, "SendTaskSuccess")
      assert.equal(1, #s)
      assert.equal(262144, #s[1].output)
      assert.equal(2, stats.tasks_failed)
      assert.equal(1, stats.tasks_succeeded)
      assert.equal(2, #kinds(events, "task_failed"))
    end)
  end)

  describe("heartbeats", function()
    it("heartbeats while a handler runs, every heartbeat_interval, and on task.heartbeat()", function()
      local server = fake{ tasks = { { token = "t1" } } }
      local explicit
      local w, events = new_worker(server, { stop_after = 1, heartbeat_interval = 0.2, handler = function(_, task)
        explicit = task.heartbeat()
        assert.is_true(task.sleep(0.75))
        return 1
      end })
      w:run()
      assert.is_true(explicit)
      local hb = sent(server, "SendTaskHeartbeat")
      assert.truthy(#hb >= 4 and #hb <= 5, "heartbeats: " .. #hb)   -- 1 explicit + 3 at 0.2/0.4/0.6 (+0.8?)
      for _, h in ipairs(hb) do assert.equal("t1", h.taskToken) end
      -- every heartbeat came before the report
      local succ = sent(server, "SendTaskSuccess")
      assert.truthy(hb[#hb]._at < succ[1]._at)
      assert.equal(#hb, #kinds(events, "heartbeat"))
    end)

    it("derives the interval from heartbeat_seconds (a third of it); false turns heartbeats off", function()
      local c = client_for("http://127.0.0.1:1/")
      local w = sfn.worker{ client = c, activity_arn = ACTIVITY, handler = function() end, heartbeat_seconds = 3 }
      assert.equal(1, w:_interval_for({}))
      w = sfn.worker{ client = c, activity_arn = ACTIVITY, handler = function() end }
      assert.equal(60, w:_interval_for({}))
      assert.equal(2, w:_interval_for({ heartbeat_seconds = 6 }))
      w = sfn.worker{ client = c, activity_arn = ACTIVITY, handler = function() end, heartbeat_interval = false,
        heartbeat_seconds = 3 }
      assert.is_nil(w:_interval_for({}))
    end)

    it("ends a task cleanly when a heartbeat gets TaskTimedOut: cancelled, its sleep cut short, nothing reported", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" } },
        errors = { t1 = { SendTaskHeartbeat = "TaskTimedOut" } } }
      local seen = {}
      local w, events = new_worker(server, { stop_after = 2, heartbeat_interval = 0.1, handler = function(input, task)
        if task.token == "t1" then
          local t0 = now()
          local cancels = {}
          task.on_cancel(function(reason) cancels[#cancels + 1] = reason end)
          local slept = task.sleep(5)
          seen.t1 = { slept = slept, took = now() - t0, cancelled = task.cancelled(), cancels = cancels,
            hb = { task.heartbeat() } }
          return "ignored"
        end
        return "ok"
      end })
      local t0 = now()
      local stats = w:run()
      assert.truthy(now() - t0 < 2)
      assert.is_false(seen.t1.slept)
      assert.truthy(seen.t1.took < 1)
      assert.equal("timed_out", seen.t1.cancelled)
      assert.same({ "timed_out" }, seen.t1.cancels)
      assert.is_nil(seen.t1.hb[1])
      assert.equal("TaskEnded", seen.t1.hb[2].code)
      local succ = sent(server, "SendTaskSuccess")
      assert.equal(1, #succ)
      assert.equal("t2", succ[1].taskToken)
      assert.equal(0, #sent(server, "SendTaskFailure"))
      local to = kinds(events, "task_timed_out")
      assert.equal(1, #to)
      assert.same({ token = "t1", code = "TaskTimedOut", during = "heartbeat" }, to[1].info)
      assert.equal(1, stats.tasks_timed_out)
    end)
  end)

  describe("TaskTimedOut and TaskDoesNotExist on report", function()
    it("end that task and the worker goes on", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" }, { token = "t3" } },
        errors = { t1 = { SendTaskSuccess = "TaskTimedOut" }, t2 = { SendTaskFailure = "TaskDoesNotExist" } } }
      local w, events = new_worker(server, { stop_after = 3, handler = function(_, task)
        if task.token == "t2" then error({ error = "X" }) end
        return true
      end })
      local stats = w:run()
      local to = kinds(events, "task_timed_out")
      assert.equal(2, #to)
      assert.same({ token = "t1", code = "TaskTimedOut", during = "report" }, to[1].info)
      assert.same({ token = "t2", code = "TaskDoesNotExist", during = "report" }, to[2].info)
      assert.equal(2, #sent(server, "SendTaskSuccess"))   -- t1 (once: not retried) and t3
      assert.equal(1, #sent(server, "SendTaskFailure"))   -- t2 (once)
      assert.equal(1, stats.tasks_succeeded)
      assert.equal(2, stats.tasks_timed_out)
      assert.equal(0, stats.report_errors)
    end)
  end)

  describe("polling", function()
    it("backs off with jitter on throttling (no hot loop) and recovers", function()
      local server = fake{ poll_errors = 6, tasks = { { token = "t1" } } }
      local w, events = new_worker(server, { stop_after = 1, polls = 1, backoff_base = 0.05, backoff_max = 0.2,
        client_opts = { retry = { max_attempts = 1 } }, handler = function() return 1 end })
      local t0 = now()
      w:run()
      local took = now() - t0
      local errs = kinds(events, "poll_error")
      assert.equal(6, #errs)
      assert.equal("ThrottlingException", errs[1].info.error.code)
      -- delays: base * 2^(n-1), at most max, between half and all of it
      local caps = { 0.05, 0.1, 0.2, 0.2, 0.2, 0.2 }
      local total = 0
      for i, e in ipairs(errs) do
        assert.equal(i, e.info.failures)
        assert.truthy(e.info.delay >= caps[i] / 2 and e.info.delay <= caps[i], i .. ": " .. e.info.delay)
        total = total + e.info.delay
        if i > 1 then
          -- the next poll waited for the delay before
          assert.truthy(e.at - errs[i - 1].at >= errs[i - 1].info.delay - 0.01)
        end
      end
      assert.truthy(took >= total)
      local rec = kinds(events, "poll_recovered")
      assert.equal(1, #rec)
      assert.equal(6, rec[1].info.failures)
      assert.equal(1, #sent(server, "SendTaskSuccess"))
    end)

    it("backs off on connection errors and picks up work when the service comes back", function()
      -- a port with nothing listening, then a service on it
      local probe = test_server.start{ responses = {} }
      local port = probe.port
      probe:stop()
      local c = client_for("http://127.0.0.1:" .. port .. "/", { retry = { max_attempts = 1 } })
      local events = {}
      local w
      w = sfn.worker{ client = c, activity_arn = ACTIVITY, polls = 2, concurrency = 2, worker_name = "w",
        backoff_base = 0.05, backoff_max = 0.2, grace_period = 1,
        handler = function() return "back" end,
        on_event = function(kind, info)
          events[#events + 1] = { kind = kind, info = info, at = now() }
          if kind == "task_succeeded" then w:stop() end
        end }
      local server
      sfn.spawn(function()
        sfn.sleep(1)
        server = test_server.start{ port = port, handler_source = string.format(FAKE,
          serialize({ tasks = { { token = "t1" } } })) }
        servers[#servers + 1] = server
      end)
      w:run()
      local errs = kinds(events, "poll_error")
      assert.equal("ConnectionError", errs[1].info.error.code)
      -- 2 pollers for 1 s, each waiting >= 0.025, 0.05, 0.1, 0.1, ...: never a hot loop
      assert.truthy(#errs <= 30, "poll errors in 1 s: " .. #errs)
      assert.truthy(#errs >= 4, "poll errors in 1 s: " .. #errs)
      assert.truthy(#kinds(events, "poll_recovered") >= 1)
      assert.equal(1, #sent(server, "SendTaskSuccess"))
    end)

    it("never has more tasks at once than concurrency, and polls only for free slots", function()
      local tasks = {}
      for i = 1, 12 do tasks[i] = { token = "t" .. i, input = tostring(i) } end
      local server = fake{ tasks = tasks }
      local running, peak, done = 0, 0, {}
      local w = new_worker(server, { stop_after = 12, concurrency = 4, polls = 4, handler = function(input)
        running = running + 1
        if running > peak then peak = running end
        sfn.sleep(0.15)
        running = running - 1
        done[#done + 1] = input
        return input
      end })
      local t0 = now()
      local stats = w:run()
      assert.equal(4, peak)
      assert.equal(12, #done)
      assert.equal(12, stats.tasks_succeeded)
      assert.truthy(now() - t0 < 1.5)
    end)
  end)

  describe("stop", function()
    it("lets tasks in flight finish within the grace period and reports them", function()
      local server = fake{ tasks = { { token = "t1" }, { token = "t2" } } }
      local w, events
      local stopping_seen
      w, events = new_worker(server, { concurrency = 2, grace_period = 3, handler = function(_, task)
        if task.token == "t1" then
          sfn.spawn(function() sfn.sleep(0.05); w:stop() end)
        end
        sfn.sleep(0.4)
        stopping_seen = task.stopping()
        return task.token
      end })
      local t0 = now()
      local stats = w:run()
      local took = now() - t0
      assert.is_true(stopping_seen)
      assert.equal(2, #sent(server, "SendTaskSuccess"))
      assert.equal(2, stats.tasks_succeeded)
      assert.truthy(took < 1.5, "took " .. took)
      local st = kinds(events, "stopping")[1]
      assert.equal(2, st.info.in_flight)
      assert.equal(3, st.info.grace_period)
      -- nothing polled after stop()
      local polls = sent(server, "GetActivityTask")
      assert.truthy(#polls <= 4)
    end)

    it("fails back tasks still running when the grace period ends (sfn.WorkerStopped)", function()
      local server = fake{ tasks = { { token = "t1" } } }
      local w, events
      local seen = {}
      w, events = new_worker(server, { grace_period = 0.3, handler = function(_, task)
        sfn.spawn(function() sfn.sleep(0.05); w:stop() end)
        seen.slept = task.sleep(10)
        seen.cancelled = task.cancelled()
        return "late"
      end })
      local t0 = now()
      local stats = w:run()
      local took = now() - t0
      assert.truthy(took < 1.5, "took " .. took)
      assert.is_false(seen.slept)
      assert.equal("stopped", seen.cancelled)
      local f = sent(server, "SendTaskFailure")
      assert.equal(1, #f)
      assert.equal("sfn.WorkerStopped", f[1].error)
      assert.equal("The worker 'spec-worker' stopped before the task finished (grace period 0.3 s)", f[1].cause)
      assert.equal(0, #sent(server, "SendTaskSuccess"))
      assert.equal(1, stats.tasks_stopped)
      assert.equal(1, #kinds(events, "task_stopped"))
    end)

    it("fails back a task received while stopping, without running it", function()
      -- the poll outstanding at stop() brings a task 0.5 s later
      local server = fake{ tasks = { { token = "late", delay = 0.5 } } }
      local w, events
      local ran = false
      w, events = new_worker(server, { polls = 1, handler = function() ran = true end })
      sfn.spawn(function() sfn.sleep(0.1); w:stop() end)
      local stats = w:run()
      assert.is_false(ran)
      local f = sent(server, "SendTaskFailure")
      assert.equal(1, #f)
      assert.equal("late", f[1].taskToken)
      assert.equal("sfn.WorkerStopped", f[1].error)
      assert.equal("The worker 'spec-worker' received this task while stopping and did not run it", f[1].cause)
      assert.equal(1, stats.tasks_rejected)
      assert.equal(1, #kinds(events, "task_rejected"))
      assert.equal(1, #sent(server, "GetActivityTask"))
    end)

    it("cancels polls still outstanding at the end of the grace period", function()
      local server = fake{ empty_delay = 30 }
      local w = new_worker(server, { polls = 3, concurrency = 3, grace_period = 0.2, handler = function() end })
      sfn.spawn(function() sfn.sleep(0.1); w:stop() end)
      local t0 = now()
      local stats = w:run()
      assert.truthy(now() - t0 < 1.5)
      assert.equal(3, stats.polls)
      assert.equal(0, stats.poll_errors)
    end)

    it("a second stop() ends the grace period at once; stop() before run() makes run() return", function()
      local server = fake{ empty_delay = 30 }
      local w = new_worker(server, { polls = 2, concurrency = 2, grace_period = 30, handler = function() end })
      sfn.spawn(function() sfn.sleep(0.1); w:stop(); sfn.sleep(0.1); w:stop() end)
      local t0 = now()
      w:run()
      assert.truthy(now() - t0 < 1.5)
      local w2 = new_worker(server, { handler = function() end })
      w2:stop()
      local stats = w2:run()
      assert.equal("stopped", stats.state)
      assert.equal(0, stats.polls)
    end)
  end)

  describe("hooks", function()
    it("a failing on_event hook does not stop the worker", function()
      local server = fake{ tasks = { { token = "t1" } } }
      local w
      w = sfn.worker{ client = client_for(server:url()), activity_arn = ACTIVITY, worker_name = "w",
        grace_period = 1, handler = function() return 1 end,
        on_event = function(kind) error("hook broke on " .. kind) end }
      local other = {}
      w:add_listener(function(kind)
        other[#other + 1] = kind
        if kind == "task_succeeded" then w:stop() end
      end)
      local stderr = io.stderr
      local stats = w:run()
      assert.equal(1, stats.tasks_succeeded)
      assert.equal("started", other[1])
      assert.equal("stopped", other[#other])
      assert.equal(stderr, io.stderr)
    end)
  end)
end)

describe("sfn worker (the command)", function()
  local lua = os.getenv("SFN_LUA") or "lua5.4"

  -- Starts `bin/sfn worker FILE` in the background; returns its pid and a
  -- function that waits for it and returns its stderr.
  local function start(file, env, args)
    local log = os.tmpname()
    local cmd = string.format("%s sh -c 'echo $$; exec %s bin/sfn worker %s %s 2>%s'", env, lua, file,
      args or "", log)
    local p = assert(io.popen(cmd, "r"))
    local pid = tonumber(p:read("*l"))
    return pid, function()
      p:read("*a")
      p:close()
      local f = io.open(log, "rb")
      local s = f and f:read("*a") or ""
      if f then f:close() end
      os.remove(log)
      return s
    end
  end

  after_each(function()
    for _, s in ipairs(servers) do s:stop() end
    servers = {}
  end)

  it("reports the tasks in flight on SIGTERM before it exits", function()
    local server = fake{ tasks = { { token = "a", input = '{"sleep": 0.8}' }, { token = "b", input = '{"sleep": 0.8}' } } }
    local pid, wait = start("spec/fixtures/worker/sleepy.lua", string.format(
      "SFN_TEST_ENDPOINT=%s SFN_TEST_ACTIVITY=%s", server:url(), ACTIVITY), "--concurrency 2")
    -- both tasks are running once both polls came back
    local t0 = now()
    while #sent(server, "GetActivityTask") < 2 and now() - t0 < 5 do sfn.sleep(0.05) end
    sfn.sleep(0.2)
    os.execute("kill -TERM " .. pid)
    local stderr = wait()
    local succ = sent(server, "SendTaskSuccess")
    assert.equal(2, #succ, stderr)
    local tokens = { succ[1].taskToken, succ[2].taskToken }
    table.sort(tokens)
    assert.same({ "a", "b" }, tokens)
    assert.equal(pid, json.decode(succ[1].output).pid)
    assert.truthy(stderr:find(" stopping in_flight=2 ", 1, true), stderr)
    assert.truthy(stderr:find(" stopped succeeded=2 failed=0 ", 1, true), stderr)
  end)

  it("a second signal ends the grace period: the task is failed back", function()
    local server = fake{ tasks = { { token = "a", input = '{"sleep": 30}' } } }
    local pid, wait = start("spec/fixtures/worker/sleepy.lua", string.format(
      "SFN_TEST_ENDPOINT=%s SFN_TEST_ACTIVITY=%s", server:url(), ACTIVITY), "--polls 1")
    local t0 = now()
    while #sent(server, "GetActivityTask") < 1 and now() - t0 < 5 do sfn.sleep(0.05) end
    sfn.sleep(0.2)
    os.execute("kill -INT " .. pid)
    sfn.sleep(0.2)
    os.execute("kill -INT " .. pid)
    local stderr = wait()
    assert.truthy(now() - t0 < 5)
    local f = sent(server, "SendTaskFailure")
    assert.equal(1, #f, stderr)
    assert.equal("sfn.WorkerStopped", f[1].error)
    assert.truthy(stderr:find(" task_stopped token=a", 1, true), stderr)
  end)

  it("rejects a file that returns something else, with status 2", function()
    local path = os.tmpname()
    local f = io.open(path, "w")
    f:write("return 42\n")
    f:close()
    local _, wait = start(path, "", "")
    local stderr = wait()
    os.remove(path)
    assert.equal("sfn worker: " .. path .. " must return a worker (sfn.worker{...}) or its options, not number\n",
      stderr)
  end)
end)
