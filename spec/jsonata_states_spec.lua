-- spec/jsonata_states_spec.lua: states whose QueryLanguage is JSONata:
-- Arguments, Output, Assign, $states, Items/ItemSelector, Choice Condition,
-- Wait, Fail, Catch, mixed machines, and States.QueryEvaluationError with
-- AWS's causes and the EvaluationFailed event.
local sfn = require "sfn"

local LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fn"

local function run(def, input, opts)
  local m = assert(sfn.machine(def))
  return assert(m:run(input or "{}", opts))
end

local function event(r, t)
  for _, e in ipairs(r.history) do
    if e.type == t then return e end
  end
end

describe("JSONata states", function()
  it("computes Output from $states.input and assigns variables", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"n":"{% $states.input.x * 2 %}"},"Output":{"sum":"{% $sum($states.input.l) %}","lit":[1]},"Next":"B"},
      "B":{"Type":"Pass","Output":"{% {'n': $n, 'name': $states.context.State.Name} %}","End":true}}}]], '{"x":21,"l":[1,2,3]}')
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"n":42,"name":"B"}', r.output)
  end)

  it("passes Arguments to a task and reads $states.result in Output", function()
    local seen
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"]] .. LAMBDA .. [[","Arguments":{"v":"{% $states.input.v + 1 %}"},
        "Output":{"got":"{% $states.result.r %}","in":"{% $states.input.v %}"},"End":true}}}]], '{"v":1}', {
      handlers = { [LAMBDA] = function(input) seen = input.v; return { r = "ok" } end } })
    assert.are.equal(2, seen)
    assert.are.equal('{"got":"ok","in":1}', r.output)
  end)

  it("maps over Items with an ItemSelector reading $states.context.Map.Item", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemSelector":{"i":"{% $states.context.Map.Item.Index %}",
        "v":"{% $states.context.Map.Item.Value %}"},"ItemProcessor":{"StartAt":"P","States":{
        "P":{"Type":"Pass","Output":"{% $states.input.v * 10 + $states.input.i %}","End":true}}},"End":true}}}]], '{"xs":[1,2]}')
    assert.are.equal("[10,21]", r.output)
  end)

  it("follows the first true Condition and uses the rule's Output", function()
    local def = [[{"QueryLanguage":"JSONata","StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.v > 1 %}","Output":{"big":true},"Next":"E"}],
        "Default":"E"},
      "E":{"Type":"Succeed"}}}]]
    assert.are.equal('{"big":true}', run(def, '{"v":2}').output)
    assert.are.equal('{"v":0}', run(def, '{"v":0}').output)
  end)

  it("fails with the Fail state's evaluated Error and Cause", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"F","States":{
      "F":{"Type":"Fail","Error":"{% 'E' & $states.input.n %}","Cause":"{% $states.input.c %}"}}}]], '{"n":1,"c":"why"}')
    assert.are.equal("FAILED", r.status)
    assert.are.equal("E1", r.error)
    assert.are.equal("why", r.cause)
  end)

  it("catches with $states.errorOutput in the Catch's Output and Assign", function()
    local r = run([[{"StartAt":"T","States":{
      "T":{"Type":"Task","QueryLanguage":"JSONata","Resource":"]] .. LAMBDA .. [[",
        "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e":"{% $states.errorOutput.Error %}"},
          "Output":{"in":"{% $states.input %}","err":"{% $states.errorOutput %}"},"Next":"P"}],"End":true},
      "P":{"Type":"Pass","Parameters":{"e.$":"$e","o.$":"$"},"End":true}}}]], '{"a":1}', {
      mocks = { T = { { Throw = { Error = "Boom", Cause = "c" } } } } })
    assert.are.equal('{"e":"Boom","o":{"in":{"a":1},"err":{"Error":"Boom","Cause":"c"}}}', r.output)
  end)

  it("gives a Catch's Output and Assign the full $states.context after a task failed", function()
    local r = run([[{"StartAt":"T","States":{
      "T":{"Type":"Task","QueryLanguage":"JSONata","Resource":"]] .. LAMBDA .. [[",
        "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":1}],
        "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"who":"{% $states.context.State.Name %}"},
          "Output":{"name":"{% $states.context.State.Name %}","retries":"{% $states.context.State.RetryCount %}",
            "exec":"{% $states.context.Execution.Name %}","sm":"{% $states.context.StateMachine.Name %}"},
          "Next":"P"}],"End":true},
      "P":{"Type":"Pass","Parameters":{"who.$":"$who","o.$":"$"},"End":true}}}]], '{}', {
      name = "run-1",
      mocks = { T = { { Throw = { Error = "Boom", Cause = "c" } }, { Throw = { Error = "Boom", Cause = "c" } } } } })
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"who":"T","o":{"name":"T","retries":1,"exec":"run-1","sm":"StateMachine"}}', r.output)
  end)

  it("gives a Catch's Output the context after a Map failed", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"X"}}},
        "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.context.State.Name %}","Next":"E"}],"End":true},
      "E":{"Type":"Succeed"}}}]], '[1]')
    assert.are.equal('"M"', r.output)
  end)

  it("gives a JSONPath Catch's Assign the context object after a task failed", function()
    local r = run([[{"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"]] .. LAMBDA .. [[",
        "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"who.$":"$$.State.Name","ex.$":"$$.Execution.Name"},
          "ResultPath":null,"Next":"P"}],"End":true},
      "P":{"Type":"Pass","Parameters":{"who.$":"$who","ex.$":"$ex"},"End":true}}}]], '{}', {
      name = "run-2", mocks = { T = { { Throw = { Error = "Boom", Cause = "c" } } } } })
    assert.are.equal('{"who":"T","ex":"run-2"}', r.output)
  end)

  it("aborts running iterations when a Map's ItemSelector fails, then retries and catches from a released state", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","ItemSelector":{"v":"{% $states.context.Map.Item.Value.a.b %}"},
        "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}},
        "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}],
        "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput.Error %}","Next":"After"}],"End":true},
      "After":{"Type":"Wait","Seconds":10,"End":true}}}]], '[{"a":{"b":1}},{"b":2}]')
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('"States.QueryEvaluationError"', r.output)
    local types = {}
    for i, e in ipairs(r.history) do types[i] = e.type end
    local attempt = { "MapStateStarted", "MapIterationStarted", "WaitStateEntered", "EvaluationFailed",
      "WaitStateAborted", "MapIterationAborted", "MapStateFailed" }
    local want = { "ExecutionStarted", "MapStateEntered" }
    for _ = 1, 2 do for _, t in ipairs(attempt) do want[#want + 1] = t end end
    for _, t in ipairs{ "MapStateExited", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded" } do
      want[#want + 1] = t
    end
    assert.are.same(want, types)
    assert.are.equal(11, r.stopDate - r.startDate) -- 1 s backoff, then the 10 s Wait; no iteration outlives its Map
  end)

  it("fails an undefined expression result with States.QueryEvaluationError and EvaluationFailed", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":{"result":"{% $doesNotExist %}"},"End":true}}}]])
    assert.are.equal("States.QueryEvaluationError", r.error)
    local cause = "An error occurred while executing the state 'A' (entered at the event id #2). "
      .. "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
    assert.are.equal(cause, r.cause)
    local ev = event(r, "EvaluationFailed")
    assert.are.same({ error = "States.QueryEvaluationError", cause = cause, location = "Output/result", state = "A" },
      ev.evaluationFailedEventDetails)
    assert.are.equal(0, ev.previousEventId)
  end)

  it("fails Items that are not an array with AWS's cause", function()
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","Items":"{% true %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}]])
    assert.are.equal("An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression "
      .. "'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true",
      r.cause)
    assert.truthy(event(r, "MapStateFailed"))
  end)

  it("waits for the evaluated Seconds and shares variables with JSONPath states", function()
    local r = run([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"s":5},"Next":"W"},
      "W":{"Type":"Wait","QueryLanguage":"JSONata","Seconds":"{% $s %}","Assign":{"t":"{% $s + 1 %}"},"Next":"B"},
      "B":{"Type":"Pass","Parameters":{"t.$":"$t"},"End":true}}}]])
    assert.are.equal('{"t":6}', r.output)
    assert.are.equal(5, r.history[#r.history].timestamp - r.history[1].timestamp)
  end)
  it("gives every Map iteration the same view of a large input (conversions shared between evaluations)", function()
    -- 20 items: the input is large enough to be converted once and shared by
    -- every ItemSelector; `[]` (keep the array) must not leak into later ones
    local items = {}
    for i = 1, 20 do items[i] = tostring(i) end
    local input = '{"items":[' .. table.concat(items, ",") .. '],"one":[{"k":1},{"k":2},{"k":3},{"k":4},{"k":5},'
      .. '{"k":6},{"k":7},{"k":8},{"k":9},{"k":10},{"k":11},{"k":12},{"k":13},{"k":14},{"k":15},{"k":16},{"k":17}]}'
    local r = run([[{"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","Items":"{% $states.input.items %}",
        "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","n":"{% $count($states.input.items) %}",
                        "kept":"{% $states.input.one[k = 1].k[] %}","plain":"{% $states.input.one[k = 1].k %}",
                        "sum":"{% $sum($states.input.items[$ <= $states.context.Map.Item.Value]) %}"},
        "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}]], input)
    assert.are.equal("SUCCEEDED", r.status, r.cause)
    local out = sfn.json.decode(r.output)
    assert.are.equal(20, #out)
    for i = 1, 20 do
      assert.are.same({ v = i, n = 20, kept = { 1 }, plain = 1, sum = i * (i + 1) / 2 }, out[i])
    end
  end)
end)
