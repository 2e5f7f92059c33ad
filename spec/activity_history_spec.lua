-- spec/activity_history_spec.lua: an activity task's history as AWS records
-- it: ActivityScheduled when the Task state starts, ActivityStarted (with
-- the poller's workerName) when GetActivityTask hands the task to a worker,
-- and TimeoutSeconds / HeartbeatSeconds counting from scheduling.
local sfn = require "sfn"
local json = require "sfn.json"

local ROLE = "arn:aws:iam::123456789012:role/r"

local function ok(res, err)
  if res == nil then error("unexpected error: " .. tostring(err and err.code) .. ": " .. tostring(err and err.message), 2) end
  return res
end

-- A manual-clock service, an activity and a machine running it in state A.
local function setup(extra, opts)
  opts = opts or {}
  local svc = sfn.local_service{ clock = opts.clock or "manual", poll_seconds = 0.01 }
  local act = ok(svc:create_activity{ name = "work" }).activityArn
  local state = { Type = "Task", Resource = act, End = true }
  for k, v in pairs(extra or {}) do state[k] = v end
  local arn = ok(svc:create_state_machine{ name = "m", roleArn = ROLE,
    definition = json.encode{ StartAt = "A", States = { A = state } } }).stateMachineArn
  return svc, act, arn
end

local function history(svc, exec_arn)
  return ok(svc:get_execution_history{ executionArn = exec_arn }).events
end

local function types(events)
  local t = {}
  for i, e in ipairs(events) do t[i] = e.type end
  return t
end

local function find(events, t)
  for _, e in ipairs(events) do if e.type == t then return e end end
end

describe("activity task history", function()
  it("records ActivityStarted with the worker's name when GetActivityTask hands the task over", function()
    local svc, act, arn = setup()
    local e = ok(svc:start_execution{ stateMachineArn = arn, input = '{"job":1}' })
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled" }, types(history(svc, e.executionArn)))
    svc:advance(5)
    local t = ok(svc:get_activity_task{ activityArn = act, workerName = "worker-7" })
    assert.are.equal('{"job":1}', t.input)
    local h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted" }, types(h))
    local sched, started = find(h, "ActivityScheduled"), find(h, "ActivityStarted")
    assert.are.same({ workerName = "worker-7" }, started.activityStartedEventDetails)
    assert.are.equal(sched.id, started.previousEventId)
    assert.are.equal(5, started.timestamp - sched.timestamp)
    ok(svc:send_task_success{ taskToken = t.taskToken, output = '{"done":true}' })
    h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded" }, types(h))
    assert.are.equal(find(h, "ActivityStarted").id, find(h, "ActivitySucceeded").previousEventId)
  end)

  it("leaves workerName out when the poller gives none", function()
    local svc, act, arn = setup()
    local e = ok(svc:start_execution{ stateMachineArn = arn })
    local t = ok(svc:get_activity_task{ activityArn = act })
    ok(svc:send_task_failure{ taskToken = t.taskToken, error = "E", cause = "c" })
    local h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivityFailed", "ExecutionFailed" }, types(h))
    assert.are.same({}, find(h, "ActivityStarted").activityStartedEventDetails)
  end)

  it("times out a task no worker took after TimeoutSeconds, without ActivityStarted", function()
    local svc, act, arn = setup{ TimeoutSeconds = 30 }
    local e = ok(svc:start_execution{ stateMachineArn = arn })
    svc:advance(30)
    local h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityTimedOut",
      "ExecutionFailed" }, types(h))
    assert.are.equal(30, find(h, "ActivityTimedOut").timestamp - find(h, "ActivityScheduled").timestamp)
    assert.is_nil(ok(svc:get_activity_task{ activityArn = act }).taskToken)
  end)

  it("counts TimeoutSeconds from scheduling, not from the hand-over", function()
    local svc, act, arn = setup{ TimeoutSeconds = 30 }
    local e = ok(svc:start_execution{ stateMachineArn = arn })
    svc:advance(20)
    local t = ok(svc:get_activity_task{ activityArn = act, workerName = "w" })
    svc:advance(10)
    local h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivityTimedOut", "ExecutionFailed" }, types(h))
    assert.are.equal(30, find(h, "ActivityTimedOut").timestamp - find(h, "ActivityScheduled").timestamp)
    local _, err = svc:send_task_success{ taskToken = t.taskToken, output = "{}" }
    assert.are.equal("TaskTimedOut", err.code)
  end)

  it("counts HeartbeatSeconds from scheduling; a heartbeat restarts it", function()
    local svc, act, arn = setup{ HeartbeatSeconds = 10 }
    local e = ok(svc:start_execution{ stateMachineArn = arn })
    svc:advance(8)
    local t = ok(svc:get_activity_task{ activityArn = act, workerName = "w" })
    svc:advance(1)
    ok(svc:send_task_heartbeat{ taskToken = t.taskToken })
    svc:advance(9)
    assert.are.equal("RUNNING", ok(svc:describe_execution{ executionArn = e.executionArn }).status)
    svc:advance(1)
    local h = history(svc, e.executionArn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivityTimedOut", "ExecutionFailed" }, types(h))
    assert.are.equal(19, find(h, "ActivityTimedOut").timestamp - find(h, "ActivityScheduled").timestamp)
  end)

  it("skips a task that timed out while queued and hands over the next one", function()
    local svc, act, arn = setup{ TimeoutSeconds = 10 }
    local e1 = ok(svc:start_execution{ stateMachineArn = arn, input = '{"n":1}' })
    svc:advance(5)
    local e2 = ok(svc:start_execution{ stateMachineArn = arn, input = '{"n":2}' })
    svc:advance(5) -- e1's task times out
    local t = ok(svc:get_activity_task{ activityArn = act, workerName = "w" })
    assert.are.equal('{"n":2}', t.input)
    assert.are.equal("FAILED", ok(svc:describe_execution{ executionArn = e1.executionArn }).status)
    assert.is_nil(find(history(svc, e1.executionArn), "ActivityStarted"))
    assert.are.same({ workerName = "w" }, find(history(svc, e2.executionArn), "ActivityStarted").activityStartedEventDetails)
  end)

  it("records ActivityStarted for a poller already waiting when the task is scheduled", function()
    local svc, act, arn = setup(nil, { clock = { time_scale = 0.001 } })
    local got, exec_arn
    sfn.run(function()
      sfn.spawn(function()
        got = ok(svc:get_activity_task{ activityArn = act, workerName = "early" })
        ok(svc:send_task_success{ taskToken = got.taskToken, output = '"ok"' })
      end)
      exec_arn = ok(svc:start_execution{ stateMachineArn = arn }).executionArn
      while ok(svc:describe_execution{ executionArn = exec_arn }).status == "RUNNING" do sfn.sleep(0.005) end
    end)
    local h = history(svc, exec_arn)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded" }, types(h))
    assert.are.same({ workerName = "early" }, find(h, "ActivityStarted").activityStartedEventDetails)
  end)

  it("records ActivityStarted when machine:run gives an activity task to its mock or handler", function()
    local m = assert(sfn.machine(json.encode{ StartAt = "A", States = { A = { Type = "Task",
      Resource = "arn:aws:states:us-east-1:123456789012:activity:work", End = true } } }))
    local r = assert(m:run("{}", { mocks = { A = { { Return = { x = 1 } } } } }))
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
      "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded" }, types(r.history))
  end)
end)
