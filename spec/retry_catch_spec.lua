-- spec/retry_catch_spec.lua: Retry (intervals, backoff, MaxDelaySeconds,
-- MaxAttempts 0, jitter) and Catch (ResultPath, error output) on the
-- virtual clock.
local sfn = require "sfn"
local json = require "sfn.json"

local FN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"

local function machine(task, extra_states)
  local states = { T = task }
  for k, v in pairs(extra_states or {}) do states[k] = v end
  task.Type, task.Resource = "Task", FN
  return assert(sfn.machine(json.encode({ StartAt = "T", States = states })))
end

-- A handler failing `n` times with `err`, recording the virtual time of each call.
local function flaky(n, err, times)
  local calls = 0
  return function(_, ctx)
    calls = calls + 1
    times[#times + 1] = ctx.attempt
    if calls <= n then error({ error = err, cause = "call " .. calls }) end
    return { ok = calls }
  end
end

local function attempt_times(r)
  local t = {}
  for _, e in ipairs(r.history) do
    if e.type == "LambdaFunctionScheduled" then t[#t + 1] = e.timestamp - r.startDate end
  end
  return t
end

describe("Retry", function()
  it("retries with BackoffRate 2 capped by MaxDelaySeconds at the exact virtual times", function()
    local m = machine({ End = true, Retry = { { ErrorEquals = { "Busy" }, IntervalSeconds = 3, BackoffRate = 2,
      MaxAttempts = 5, MaxDelaySeconds = 10 } } })
    local seen = {}
    local r = assert(m:run("{}", { start_time = 0, handlers = { [FN] = flaky(5, "Busy", seen) } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.same({ 0, 3, 9, 19, 29, 39 }, attempt_times(r))
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, seen)
    assert.are.equal('{"ok":6}', r.output)
  end)

  it("gives up after MaxAttempts and fails with the last error", function()
    local m = machine({ End = true, Retry = { { ErrorEquals = { "States.ALL" }, IntervalSeconds = 1, MaxAttempts = 2 } } })
    local r = assert(m:run("{}", { start_time = 0, handlers = { [FN] = flaky(10, "Busy", {}) } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("Busy", r.error)
    assert.are.equal("call 3", r.cause)
    assert.are.same({ 0, 1, 3 }, attempt_times(r))
  end)

  it("does not retry with MaxAttempts 0", function()
    local m = machine({ End = true, Retry = { { ErrorEquals = { "Busy" }, MaxAttempts = 0 } } })
    local r = assert(m:run("{}", { handlers = { [FN] = flaky(1, "Busy", {}) } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal(1, #attempt_times(r))
  end)

  it("uses only the first matching retrier, then moves on to Catch", function()
    local m = machine({ End = true,
      Retry = { { ErrorEquals = { "Busy" }, MaxAttempts = 1 }, { ErrorEquals = { "States.ALL" }, MaxAttempts = 5 } },
      Catch = { { ErrorEquals = { "States.ALL" }, Next = "Handled" } } },
      { Handled = { Type = "Pass", End = true } })
    local r = assert(m:run("{}", { handlers = { [FN] = flaky(10, "Busy", {}) } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal(2, #attempt_times(r))
  end)

  it("keeps full-jitter delays within the backoff and makes them repeatable with a seed", function()
    local m = machine({ End = true, Retry = { { ErrorEquals = { "Busy" }, IntervalSeconds = 10, MaxAttempts = 3,
      JitterStrategy = "FULL" } } })
    local a = assert(m:run("{}", { start_time = 0, seed = 7, handlers = { [FN] = flaky(3, "Busy", {}) } }))
    local b = assert(m:run("{}", { start_time = 0, seed = 7, handlers = { [FN] = flaky(3, "Busy", {}) } }))
    local ta, tb = attempt_times(a), attempt_times(b)
    assert.are.same(ta, tb)
    assert.is_true(ta[2] - ta[1] <= 10 and ta[3] - ta[2] <= 20 and ta[4] - ta[3] <= 40)
  end)

  it("exposes $$.State.RetryCount", function()
    local m = machine({ End = true, Parameters = { ["n.$"] = "$$.State.RetryCount" },
      Retry = { { ErrorEquals = { "Busy" }, IntervalSeconds = 1, MaxAttempts = 3 } } })
    local seen = {}
    local calls = 0
    local r = assert(m:run("{}", { handlers = { [FN] = function(input)
      calls = calls + 1
      seen[#seen + 1] = input.n
      if calls < 3 then error({ error = "Busy" }) end
      return input
    end } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.same({ 0, 1, 2 }, seen)
  end)

  it("never retries or catches States.Runtime", function()
    local m = machine({ End = true, InputPath = "$.missing",
      Retry = { { ErrorEquals = { "States.ALL" } } }, Catch = { { ErrorEquals = { "States.ALL" }, Next = "H" } } },
      { H = { Type = "Pass", End = true } })
    local r = assert(m:run("{}", { handlers = { [FN] = function() return 1 end } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("States.Runtime", r.error)
  end)
end)

describe("Catch", function()
  it("puts {Error, Cause} at ResultPath and goes to Next", function()
    local m = machine({ End = true, Catch = { { ErrorEquals = { "CardDeclined" }, ResultPath = "$.err", Next = "H" } } },
      { H = { Type = "Pass", End = true } })
    local r = assert(m:run('{"order":1}', { handlers = { [FN] = flaky(1, "CardDeclined", {}) } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"order":1,"err":{"Error":"CardDeclined","Cause":"call 1"}}', r.output)
    local types = {}
    for i, e in ipairs(r.history) do types[i] = e.type end
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
      "LambdaFunctionFailed", "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded" }, types)
  end)

  it("States.TaskFailed matches any error but States.Timeout", function()
    local m = machine({ End = true, Catch = { { ErrorEquals = { "States.TaskFailed" }, Next = "H" } } },
      { H = { Type = "Pass", End = true } })
    local r = assert(m:run("{}", { handlers = { [FN] = flaky(1, "Whatever", {}) } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"Error":"Whatever","Cause":"call 1"}', r.output)
  end)

  it("catches a result over 256 KiB with States.ALL", function()
    local m = machine({ End = true, Catch = { { ErrorEquals = { "States.ALL" }, Next = "H" } } },
      { H = { Type = "Pass", End = true } })
    local r = assert(m:run("{}", { handlers = { [FN] = function() return string.rep("x", 300000) end } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal("States.DataLimitExceeded", json.decode(r.output).Error)
  end)
end)
