-- spec/parallel_map_spec.lua: Parallel branches and inline Map iterations:
-- outputs, history events and ids, concurrency, failures aborting the rest,
-- Retry and Catch of the whole state.
local sfn = require "sfn"
local json = require "sfn.json"

local SQS = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

local function types(r)
  local t = {}
  for i, e in ipairs(r.history) do t[i] = e.type end
  return t
end

local function machine(text)
  return assert(sfn.machine(text))
end

describe("Parallel", function()
  it("gives each branch the input and outputs their results in branch order", function()
    local m = machine([[{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.x"},"End":true}}},
      {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":5,"Next":"B2"},"B2":{"Type":"Pass","Result":2,"End":true}}}]}}}]])
    local r = assert(m:run('{"x":1}', { start_time = 0 }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('[{"a":1},2]', r.output)
    assert.are.equal(5, r.stopDate)
    local t = types(r)
    assert.are.equal("ParallelStateEntered", t[2])
    assert.are.equal("ParallelStateStarted", t[3])
    assert.are.equal("ParallelStateSucceeded", t[#t - 2])
    assert.are.equal("ParallelStateExited", t[#t - 1])
    -- a branch's first event points at ParallelStateStarted
    assert.are.equal(3, r.history[4].previousEventId)
  end)

  it("fails with the branch's error and lets Catch take it", function()
    local m = machine([[{"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"Done",
      "Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.err","Next":"Done"}],"Branches":[
      {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}]},
      "Done":{"Type":"Succeed"}}}]])
    local r = assert(m:run('{"k":1}'))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"k":1,"err":{"Error":"Boom","Cause":"bad"}}', r.output)
    assert.are.same({ "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered",
      "ParallelStateFailed", "ParallelStateExited", "SucceedStateEntered", "SucceedStateExited",
      "ExecutionSucceeded" }, types(r))
  end)
end)

describe("Map", function()
  it("runs the processor per item with ItemSelector and $$.Map.Item", function()
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.list","ResultPath":"$.out",
      "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","tag.$":"$.tag"},
      "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
      "End":true}}}]])
    local r = assert(m:run('{"tag":"t","list":["a","b"]}'))
    assert.are.equal('{"tag":"t","list":["a","b"],"out":[{"i":0,"v":"a","tag":"t"},{"i":1,"v":"b","tag":"t"}]}',
      r.output)
    assert.are.same({ "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
      "PassStateEntered", "PassStateExited", "MapIterationSucceeded", "MapIterationStarted", "PassStateEntered",
      "PassStateExited", "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded" },
      types(r))
    assert.are.equal(2, r.history[3].mapStateStartedEventDetails.length)
    assert.are.equal(1, r.history[8].mapIterationStartedEventDetails.index)
  end)

  it("fails with AWS's cause when the items are not an array", function()
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}]])
    local r = assert(m:run('{"a":1}'))
    assert.are.equal("States.Runtime", r.error)
    assert.are.equal("An error occurred while executing the state 'M' (entered at the event id #2). " ..
      "Map state input must be an array but was: {\"a\":1}", r.cause)
  end)

  it("keeps at most MaxConcurrency iterations running", function()
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"End":true,
      "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"]] .. SQS .. [[",
      "Parameters":{"n.$":"$","token.$":"$$.Task.Token"},"End":true}}}}}}]])
    local sent = {}
    local ex = assert(m:start("[1,2,3]", { handlers = { [SQS] = function(input)
      sent[#sent + 1] = input
      return {}
    end } }))
    assert.are.equal("RUNNING", ex:advance())
    assert.are.equal(2, #sent)
    assert.is_true(ex:send_task_success(sent[1].token, "one"))
    assert.are.equal(3, #sent)
    assert.is_true(ex:send_task_success(sent[3].token, "three"))
    assert.is_true(ex:send_task_success(sent[2].token, "two"))
    local r = ex:result()
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('["one","two","three"]', r.output)
  end)

  it("aborts the running iterations when one fails", function()
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice",
        "Choices":[{"Variable":"$","NumericEquals":3,"Next":"F"}],"Default":"T"},
        "F":{"Type":"Fail","Error":"Three","Cause":"no threes"},
        "T":{"Type":"Task","Resource":"]] .. SQS .. [[","Parameters":{"token.$":"$$.Task.Token"},"End":true}}}}}}]])
    local r = assert(m:run("[1,2,3]", { handlers = { [SQS] = function() return {} end } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("Three", r.error)
    assert.are.equal("no threes", r.cause)
    local count = { MapIterationAborted = 0, TaskStateAborted = 0, MapIterationFailed = 0, MapStateFailed = 0 }
    for _, t in ipairs(types(r)) do if count[t] then count[t] = count[t] + 1 end end
    assert.are.same({ MapIterationAborted = 2, TaskStateAborted = 2, MapIterationFailed = 1, MapStateFailed = 1 }, count)
  end)

  it("retries the whole Map, starting it again without MapStateFailed", function()
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "Retry":[{"ErrorEquals":["E"],"MaxAttempts":1,"IntervalSeconds":2}],
      "ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}}}}]])
    local r = assert(m:run("[1]", { start_time = 0 }))
    assert.are.equal("FAILED", r.status)
    assert.are.same({ "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
      "FailStateEntered", "MapIterationFailed", "MapStateStarted", "MapIterationStarted", "FailStateEntered",
      "MapIterationFailed", "MapStateFailed", "ExecutionFailed" }, types(r))
    assert.are.equal(2, r.stopDate)
  end)

  it("completes a Map over 100,000 items with no concurrency limit", function()
    local items = {}
    for i = 1, 100000 do items[i] = i end
    local m = machine([[{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":0,"End":true,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}]])
    local mx = assert(sfn.machine([[{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":0,"End":true,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}]], { type = "EXPRESS" }))
    local r = assert(mx:run(json.encode(items), { payload_limit = false }))
    assert.are.equal("SUCCEEDED", r.status)
    local out = json.decode(r.output)
    assert.are.equal(100000, #out)
    assert.are.equal(100000, out[100000])
    -- a STANDARD execution of the same Map runs into AWS's 25,000-event history quota
    local rs = assert(m:run(json.encode(items), { payload_limit = false, history = false }))
    assert.are.equal("FAILED", rs.status)
    assert.are.equal("The execution reached the maximum number of history events (25000).", rs.cause)
  end)
end)
