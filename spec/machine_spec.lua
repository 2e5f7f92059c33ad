-- spec/machine_spec.lua: sfn.machine and machine:run - data flow, sequential
-- states, tasks (handlers and mocks), the virtual clock and history.
local sfn = require "sfn"
local json = require "sfn.json"

local LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:charge"

local function def(states, start)
  if not start then
    local only, n = nil, 0
    for k in pairs(states) do only, n = k, n + 1 end
    start = (n == 1) and only or "A"
  end
  return json.encode({ StartAt = start, States = states })
end

local function run(states, input, opts, mopts)
  local m = assert(sfn.machine(def(states), mopts))
  return assert(m:run(input or "{}", opts))
end

local function types(r)
  local t = {}
  for i, e in ipairs(r.history) do t[i] = e.type end
  return t
end

describe("sfn.machine", function()
  it("rejects an invalid definition with InvalidDefinition", function()
    local m, err = sfn.machine('{"StartAt":"A","States":{}}')
    assert.is_nil(m)
    assert.are.equal("InvalidDefinition", err.code)
    assert.truthy(err.message:find("Invalid State Machine Definition", 1, true))
  end)

  it("rejects JSON that does not parse with InvalidDefinition and Jackson's wording", function()
    local m, err = sfn.machine('{"StartAt":')
    assert.is_nil(m)
    assert.are.equal("InvalidDefinition", err.code)
    assert.truthy(err.message:find("INVALID_JSON_DESCRIPTION", 1, true))
  end)

  it("raises on a wrong argument type", function()
    assert.has_error(function() sfn.machine(42) end)
  end)
end)

describe("machine:run data flow", function()
  it("applies InputPath, Parameters, ResultPath and OutputPath in AWS's order", function()
    local m = assert(sfn.machine([[{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.in",
      "Parameters":{"v.$":"$.x","k":1},"ResultPath":"$.res","OutputPath":"$.res","End":true}}}]]))
    local r = assert(m:run('{"in":{"x":7},"other":true}'))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"v":7,"k":1}', r.output)
  end)

  it("treats null InputPath as {} and null ResultPath as keep-the-input", function()
    local r = run({ A = { Type = "Pass", InputPath = json.null, Result = { a = 1 }, ResultPath = json.null,
      End = true } }, '{"keep":1}')
    assert.are.equal('{"keep":1}', r.output)
  end)

  it("treats null OutputPath as {}", function()
    local r = run({ A = { Type = "Pass", OutputPath = json.null, End = true } }, '{"x":1}')
    assert.are.equal("{}", r.output)
  end)

  it("fails with AWS's cause when InputPath selects nothing", function()
    local r = run({ pass = { Type = "Pass", InputPath = "$.NoSuchInputPath", End = true } }, '{}', nil)
    assert.are.equal("FAILED", r.status)
    assert.are.equal("States.Runtime", r.error)
    assert.are.equal("An error occurred while executing the state 'pass' (entered at the event id #2). " ..
      "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']", r.cause)
  end)

  it("exposes the context object", function()
    local m = assert(sfn.machine(def({ A = { Type = "Pass",
      Parameters = { ["name.$"] = "$$.Execution.Name", ["state.$"] = "$$.State.Name",
        ["sm.$"] = "$$.StateMachine.Id", ["t.$"] = "$$.State.EnteredTime" }, End = true } }),
      { name = "orders" }))
    local r = assert(m:run("{}", { name = "exec-1", start_time = 1700000000.5 }))
    local out = json.decode(r.output)
    assert.are.equal("exec-1", out.name)
    assert.are.equal("A", out.state)
    assert.are.equal("arn:aws:states:us-east-1:123456789012:stateMachine:orders", out.sm)
    assert.are.equal("2023-11-14T22:13:20.500Z", out.t)
    assert.are.equal("arn:aws:states:us-east-1:123456789012:execution:orders:exec-1", r.executionArn)
  end)

  it("rejects input that is not JSON with InvalidExecutionInput", function()
    local m = assert(sfn.machine(def({ A = { Type = "Pass", End = true } })))
    local r, err = m:run("{nope")
    assert.is_nil(r)
    assert.are.equal("InvalidExecutionInput", err.code)
  end)
end)

describe("machine:run states", function()
  it("fails with the Fail state's Error and Cause", function()
    local r = run({ A = { Type = "Fail", Error = "E", Cause = "C" } })
    assert.are.equal("FAILED", r.status)
    assert.are.equal("E", r.error)
    assert.are.equal("C", r.cause)
    assert.are.same({ "ExecutionStarted", "FailStateEntered", "ExecutionFailed" }, types(r))
  end)

  it("takes ErrorPath and CausePath from the input", function()
    local r = run({ A = { Type = "Fail", ErrorPath = "$.e", CausePath = "$.c" } }, '{"e":"Boom","c":"why"}')
    assert.are.equal("Boom", r.error)
    assert.are.equal("why", r.cause)
  end)

  it("ends a Succeed state with its input", function()
    local r = run({ A = { Type = "Succeed" } }, '{"a":1}')
    assert.are.equal('{"a":1}', r.output)
    assert.are.same({ "ExecutionStarted", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded" },
      types(r))
  end)

  it("follows a Choice rule and its Default", function()
    local states = {
      A = { Type = "Choice", Choices = { { Variable = "$.n", NumericGreaterThan = 1, Next = "Big" } },
        Default = "Small" },
      Big = { Type = "Pass", Result = "big", End = true },
      Small = { Type = "Pass", Result = "small", End = true },
    }
    assert.are.equal('"big"', run(states, '{"n":2}').output)
    assert.are.equal('"small"', run(states, '{"n":0}').output)
  end)

  it("fails with States.NoChoiceMatched when nothing matches and there is no Default", function()
    local r = run({ A = { Type = "Choice", Choices = { { Variable = "$.n", NumericEquals = 1, Next = "B" } } },
      B = { Type = "Succeed" } }, '{"n":2}')
    assert.are.equal("FAILED", r.status)
    assert.are.equal("States.NoChoiceMatched", r.error)
  end)
end)

describe("machine:run virtual clock", function()
  it("runs a one-hour Wait without waiting and moves the timestamps", function()
    local t0 = os.clock()
    local r = run({ A = { Type = "Wait", Seconds = 3600, End = true } }, "{}", { start_time = 1000 })
    assert.is_true(os.clock() - t0 < 1)
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal(1000, r.startDate)
    assert.are.equal(4600, r.stopDate)
    assert.are.equal(4600, r.history[#r.history].timestamp)
  end)

  it("waits until a Timestamp", function()
    local r = run({ A = { Type = "Wait", Timestamp = "2024-01-01T01:00:00Z", End = true } }, "{}",
      { start_time = 1704067200 })
    assert.are.equal(1704070800, r.stopDate)
  end)

  it("fails SecondsPath with a non-integer as AWS does", function()
    local r = run({ WaitState = { Type = "Wait", SecondsPath = "$.s", End = true } }, '{"s":1.5}')
    assert.are.equal("States.Runtime", r.error)
    assert.are.equal("An error occurred while executing the state 'WaitState' (entered at the event id #2). " ..
      "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5", r.cause)
  end)

  it("times out the execution at the state machine's TimeoutSeconds", function()
    local m = assert(sfn.machine(json.encode({ StartAt = "A", TimeoutSeconds = 31536000,
      States = { A = { Type = "Wait", Seconds = 99999999, End = true } } })))
    local r = assert(m:run("{}", { start_time = 0 }))
    assert.are.equal("TIMED_OUT", r.status)
    assert.are.equal(31536000, r.stopDate)
    assert.are.equal("ExecutionTimedOut", r.history[#r.history].type)
  end)
end)

describe("machine:run tasks", function()
  it("passes the effective input and a context to a handler", function()
    local seen
    local r = run({ A = { Type = "Task", Resource = LAMBDA, Parameters = { ["amount.$"] = "$.a" },
      ResultPath = "$.charge", End = true } }, '{"a":5}', {
      handlers = { [LAMBDA] = function(input, ctx) seen = ctx; return { charged = input.amount } end } })
    assert.are.equal('{"a":5,"charge":{"charged":5}}', r.output)
    assert.are.equal("A", seen.state)
    assert.are.equal(LAMBDA, seen.resource)
    assert.are.equal(1, seen.attempt)
    assert.are.equal(64, #seen.token)
    assert.are.same({ "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
      "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded" }, types(r))
  end)

  it("turns a handler error into a task failure", function()
    local r = run({ A = { Type = "Task", Resource = LAMBDA, End = true } }, "{}", {
      handlers = { [LAMBDA] = function() error({ error = "CardDeclined", cause = "insufficient funds" }) end } })
    assert.are.equal("FAILED", r.status)
    assert.are.equal("CardDeclined", r.error)
    assert.are.equal("insufficient funds", r.cause)
    assert.are.equal("LambdaFunctionFailed", r.history[5].type)
  end)

  it("uses mocks by state name in invocation order", function()
    local states = {
      A = { Type = "Task", Resource = "arn:aws:states:::lambda:invoke", ResultPath = "$.a", Next = "B" },
      B = { Type = "Task", Resource = "arn:aws:states:::lambda:invoke", End = true },
    }
    local r = run(states, "{}", { mocks = { A = { { Return = { ok = 1 } } },
      B = { { Throw = { Error = "Busy", Cause = "try later" } } } } })
    assert.are.equal("FAILED", r.status)
    assert.are.equal("Busy", r.error)
    assert.are.equal("try later", r.cause)
    local sched = r.history[3]
    assert.are.equal("TaskScheduled", sched.type)
    assert.are.equal("lambda", sched.taskScheduledEventDetails.resourceType)
    assert.are.equal("invoke", sched.taskScheduledEventDetails.resource)
  end)

  it("says so when a mock has no response left", function()
    local m = assert(sfn.machine(def({ A = { Type = "Task", Resource = LAMBDA, End = true } })))
    local r, err = m:run("{}", { mocks = { A = {} } })
    assert.is_nil(r)
    assert.are.equal("MockExhausted", err.code)
    assert.are.equal("state 'A' was invoked 1 times but has 0 mocked responses", err.message)
  end)

  it("fails a Task with neither handler nor mock, naming the resource", function()
    local r = run({ A = { Type = "Task", Resource = LAMBDA, End = true } })
    assert.are.equal("FAILED", r.status)
    assert.are.equal("sfn.NoHandler", r.error)
    assert.are.equal("No handler or mock for resource '" .. LAMBDA .. "' (state 'A')", r.cause)
  end)

  it("fails with States.DataLimitExceeded when a result is over 256 KiB", function()
    local r = run({ A = { Type = "Task", Resource = LAMBDA, End = true } }, "{}", {
      handlers = { [LAMBDA] = function() return { big = string.rep("x", 262144) } end } })
    assert.are.equal("States.DataLimitExceeded", r.error)
  end)
end)

describe("machine:run history", function()
  it("numbers events and previousEventId as AWS does", function()
    local r = run({ A = { Type = "Pass", Next = "B" }, B = { Type = "Pass", End = true } })
    local ids, prev = {}, {}
    for i, e in ipairs(r.history) do ids[i] = e.id; prev[i] = e.previousEventId end
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, ids)
    assert.are.same({ 0, 0, 2, 3, 4, 5 }, prev)
  end)

  it("can skip recording history", function()
    local r = run({ A = { Type = "Pass", End = true } }, "{}", { history = false })
    assert.is_nil(r.history)
    assert.are.equal("SUCCEEDED", r.status)
  end)
end)

describe("machine:run context option", function()
  local CTX = '{"Execution":{"Id":"exec-id","Name":"given"},"State":{"Name":"S","RetryCount":7},' ..
    '"StateMachine":{"Id":"sm-id","Name":"m"}}'

  it("replaces the engine's Execution, State and StateMachine nodes with the host's", function()
    local r = run({ A = { Type = "Pass", Parameters = { ["c.$"] = "$$" }, End = true } }, "{}", { context = CTX })
    assert.are.same({ c = json.decode(CTX) }, json.decode(r.output))
  end)

  it("keeps the engine's nodes the host leaves out and drops the ones it gives as null", function()
    local r = run({ A = { Type = "Pass", Parameters = { ["c.$"] = "$$" }, End = true } }, "{}",
      { name = "mine", context = { Execution = json.null, StateMachine = { Name = "m" } } })
    local c = json.decode(r.output).c
    assert.is_nil(c.Execution)
    assert.are.equal("m", c.StateMachine.Name)
    assert.is_nil(c.StateMachine.Id)
    assert.are.equal("A", c.State.Name)
  end)

  it("is what JSONata states see as $states.context, with Map.Item still the engine's", function()
    local r = run({ M = { Type = "Map", QueryLanguage = "JSONata", Items = "{% [5] %}",
      ItemSelector = { i = "{% $states.context.Map.Item.Index %}", sm = "{% $states.context.StateMachine.Id %}",
        st = "{% $states.context.State.Name %}" },
      ItemProcessor = { StartAt = "P", States = { P = { Type = "Pass", End = true } } }, End = true } }, "{}",
      { context = CTX })
    assert.are.equal('[{"i":0,"sm":"sm-id","st":"S"}]', r.output)
  end)

  it("replaces the Task node (a callback task's token) when given", function()
    local m = assert(sfn.machine(def({ T = { Type = "Task", Resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      Parameters = { ["t.$"] = "$$.Task.Token" }, End = true } })))
    local seen
    local r = assert(m:run("{}", { context = { Task = { Token = "given-token" } },
      handlers = { ["arn:aws:states:::sqs:sendMessage.waitForTaskToken"] = function(input) seen = input.t; return {} end } }))
    assert.are.equal("given-token", seen)
    assert.are.equal("RUNNING", r.status)
  end)

  it("rejects a context that is not an object of context nodes", function()
    local m = assert(sfn.machine(def({ A = { Type = "Pass", End = true } })))
    local _, err = m:run("{}", { context = '{"Pokedex":{}}' })
    assert.are.same({ "InvalidContext", "the context has no node 'Pokedex'" }, { err.code, err.message })
    _, err = m:run("{}", { context = '{"State":1}' })
    assert.are.same({ "InvalidContext", "the context's 'State' must be an object or null" }, { err.code, err.message })
    _, err = m:run("{}", { context = "[1]" })
    assert.are.same({ "InvalidContext", "the context must be an object" }, { err.code, err.message })
    assert.has_error(function() m:run("{}", { context = 1 }) end,
      "bad argument #2 to 'start' (context must be a table or JSON text)")
  end)
end)

describe("machine:run Map ItemSelector failures", function()
  it("aborts the iterations still running when a JSONPath ItemSelector fails", function()
    local r = run({
      M = { Type = "Map", ItemSelector = { ["v.$"] = "$$.Map.Item.Value.a" },
        ItemProcessor = { StartAt = "W", States = { W = { Type = "Wait", Seconds = 5, End = true } } }, End = true } },
      '[{"a":1},{"b":2}]')
    assert.are.equal("States.Runtime", r.error)
    assert.are.same({ "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
      "WaitStateEntered", "WaitStateAborted", "MapIterationAborted", "ExecutionFailed" }, types(r))
  end)
end)
