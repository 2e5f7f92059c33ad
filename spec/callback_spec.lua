-- spec/callback_spec.lua: .waitForTaskToken callbacks, task timeouts and
-- heartbeats on the virtual clock, stopping an execution.
local sfn = require "sfn"
local json = require "sfn.json"

local SQS = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

local function callback_machine(extra)
  local task = { Type = "Task", Resource = SQS, End = true,
    Parameters = { QueueUrl = "q", MessageBody = { ["token.$"] = "$$.Task.Token", ["order.$"] = "$.order" } } }
  for k, v in pairs(extra or {}) do task[k] = v end
  local states = { Send = task }
  if task.Catch then states.Handled = { Type = "Pass", End = true } end
  return assert(sfn.machine(json.encode({ StartAt = "Send", States = states })))
end

local function types(r)
  local t = {}
  for i, e in ipairs(r.history) do t[i] = e.type end
  return t
end

-- A handler standing in for SQS: keeps the message (with the token) and
-- answers like SendMessage.
local function queue()
  local q = {}
  return q, { [SQS] = function(input)
    q[#q + 1] = input.MessageBody
    return { MessageId = "m-" .. #q }
  end }
end

describe("waitForTaskToken", function()
  it("waits for the token the task sent, then continues with its output", function()
    local q, handlers = queue()
    local ex = assert(callback_machine():start('{"order":7}', { handlers = handlers, start_time = 0 }))
    assert.are.equal("RUNNING", ex:advance())
    assert.are.equal(1, #q)
    assert.are.equal(7, q[1].order)
    assert.are.equal(64, #q[1].token)
    assert.is_true(ex:send_task_success(q[1].token, { shipped = true }))
    local r = ex:result()
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"shipped":true}', r.output)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
      "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded" }, types(r))
    assert.are.equal('{"MessageId":"m-1"}', r.history[5].taskSubmittedEventDetails.output)
  end)

  it("fails the task with send_task_failure's error and cause", function()
    local q, handlers = queue()
    local ex = assert(callback_machine():start('{"order":1}', { handlers = handlers }))
    ex:advance()
    assert.is_true(ex:send_task_failure(q[1].token, "OutOfStock", "none left"))
    local r = ex:result()
    assert.are.equal("FAILED", r.status)
    assert.are.equal("OutOfStock", r.error)
    assert.are.equal("none left", r.cause)
  end)

  it("answers an unknown or spent token with TaskDoesNotExist", function()
    local q, handlers = queue()
    local ex = assert(callback_machine():start('{"order":1}', { handlers = handlers }))
    ex:advance()
    local ok, err = ex:send_task_success("nope", {})
    assert.is_nil(ok)
    assert.are.equal("TaskDoesNotExist", err.code)
    assert.is_true(ex:send_task_success(q[1].token, {}))
    ok, err = ex:send_task_success(q[1].token, {})
    assert.is_nil(ok)
    assert.are.equal("TaskDoesNotExist", err.code)
  end)

  it("leaves machine:run RUNNING when nobody answers and nothing times out", function()
    local _, handlers = queue()
    local r = assert(callback_machine():run('{"order":1}', { handlers = handlers }))
    assert.are.equal("RUNNING", r.status)
  end)

  it("uses a mock's response as the task's final result", function()
    local r = assert(callback_machine():run('{"order":1}', { mocks = { Send = { { Return = { ok = 1 } } } } }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"ok":1}', r.output)
  end)
end)

describe("task timeouts and heartbeats", function()
  it("fires a heartbeat timeout at the right virtual second, restarted by each heartbeat", function()
    local q, handlers = queue()
    local ex = assert(callback_machine({ HeartbeatSeconds = 5 }):start('{"order":1}',
      { handlers = handlers, start_time = 1000 }))
    assert.are.equal("RUNNING", ex:advance(4))
    assert.is_true(ex:send_task_heartbeat(q[1].token))   -- at t+4: due at t+9
    assert.are.equal("RUNNING", ex:advance(4.9))
    assert.are.equal("FAILED", ex:advance(0.1))
    local r = ex:result()
    assert.are.equal("States.Timeout", r.error)
    assert.are.equal("TaskTimedOut", r.history[6].type)
    assert.are.equal(1009, r.history[6].timestamp)
    assert.are.equal(1009, r.stopDate)
  end)

  it("times out at TimeoutSeconds and lets Catch handle States.Timeout", function()
    local _, handlers = queue()
    local r = assert(callback_machine({ TimeoutSeconds = 3600,
      Catch = { { ErrorEquals = { "States.Timeout" }, Next = "Handled" } } }):run('{"order":1}',
      { handlers = handlers, start_time = 0 }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"Error":"States.Timeout","Cause":""}', r.output)
    assert.are.equal(3600, r.stopDate)
  end)

  it("reads TimeoutSecondsPath from the input", function()
    local _, handlers = queue()
    local r = assert(callback_machine({ TimeoutSecondsPath = "$.t" }):run('{"order":1,"t":30}',
      { handlers = handlers, start_time = 0 }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal(30, r.stopDate)
  end)

  it("fails with AWS's cause when TimeoutSecondsPath selects nothing", function()
    local _, handlers = queue()
    local r = assert(callback_machine({ TimeoutSecondsPath = "$.NoSuchTimeoutSecondsPath" }):run('{"order":1}',
      { handlers = handlers }))
    assert.are.equal("States.Runtime", r.error)
    assert.are.equal("An error occurred while executing the state 'Send' (entered at the event id #2). " ..
      "Invalid path '$.NoSuchTimeoutSecondsPath' : No results for path: $['NoSuchTimeoutSecondsPath']", r.cause)
  end)

  it("records a mocked States.Timeout as a timed-out task", function()
    local m = assert(sfn.machine(json.encode({ StartAt = "T", States = { T = { Type = "Task",
      Resource = "arn:aws:lambda:us-east-1:123456789012:function:f", TimeoutSeconds = 5, End = true } } })))
    local r = assert(m:run("{}", { mocks = { T = { { Throw = { Error = "States.Timeout" } } } } }))
    assert.are.equal("FAILED", r.status)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
      "LambdaFunctionTimedOut", "ExecutionFailed" }, types(r))
  end)
end)

describe("execution:stop", function()
  it("aborts a running execution with ExecutionAborted", function()
    local _, handlers = queue()
    local ex = assert(callback_machine():start('{"order":1}', { handlers = handlers, start_time = 0 }))
    ex:advance(10)
    assert.is_true(ex:stop("Cancelled", "by the test"))
    local r = ex:result()
    assert.are.equal("ABORTED", r.status)
    assert.are.equal(10, r.stopDate)
    assert.are.equal("ExecutionAborted", r.history[#r.history].type)
    local ok, err = ex:stop()
    assert.is_nil(ok)
    assert.are.equal("ExecutionNotRunning", err.code)
  end)
end)

describe("activity tasks", function()
  it("take their answers and heartbeats by token, like callbacks", function()
    local ACT = "arn:aws:states:us-east-1:123456789012:activity:pack"
    local m = assert(sfn.machine(json.encode({ StartAt = "A", States = { A = { Type = "Task", Resource = ACT,
      HeartbeatSeconds = 10, End = true } } })))
    local token
    local ex = assert(m:start('{"n":1}', { start_time = 0, handlers = { [ACT] = function(_, ctx)
      token = ctx.token
      ctx.sleep(1e9) -- a worker that never answers through the handler
    end } }))
    assert.are.equal("RUNNING", ex:advance(8))
    assert.is_true(ex:send_task_heartbeat(token))
    assert.are.equal("RUNNING", ex:advance(8))
    assert.is_true(ex:send_task_success(token, { packed = true }))
    local r = ex:result()
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"packed":true}', r.output)
    assert.are.equal("ActivitySucceeded", r.history[5].type)
  end)
end)
