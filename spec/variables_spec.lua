-- spec/variables_spec.lua: workflow variables in JSONPath states: Assign on
-- Pass, Task, Choice (and its rules), Wait, Map, Parallel and Catch; `$name`
-- references in paths, templates, intrinsic arguments and Choice rules;
-- scopes of Parallel branches and Map iterations; assignedVariables in the
-- history; the variables each state references (machine:variable_references).
local sfn = require "sfn"
local json = require "sfn.json"

local LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fn"

local function run(def, input, opts)
  local m = assert(sfn.machine(def))
  return assert(m:run(input or "{}", opts))
end

-- The stateExitedEventDetails of the n-th exited event named `name`.
local function exited(r, name, n)
  n = n or 1
  for _, e in ipairs(r.history) do
    local d = e.stateExitedEventDetails
    if d and d.name == name then
      n = n - 1
      if n == 0 then return d end
    end
  end
end

describe("Assign (JSONPath)", function()
  it("evaluates against the state's result and records assignedVariables as JSON text", function()
    local r = run([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Result":{"answer":42},"Assign":{"theAnswer.$":"$.answer","lit":{"k":[1]},
        "name.$":"$$.State.Name","f.$":"States.Format('n={}', $.answer)"},"Next":"B"},
      "B":{"Type":"Pass","Parameters":{"a.$":"$theAnswer","l.$":"$lit.k[0]","n.$":"$name","f.$":"$f"},"End":true}}}]])
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"a":42,"l":1,"n":"A","f":"n=42"}', r.output)
    local d = exited(r, "A")
    assert.are.same({ theAnswer = "42", lit = '{"k":[1]}', name = '"A"', f = '"n=42"' }, d.assignedVariables)
    assert.are.same({ truncated = false }, d.assignedVariablesDetails)
    assert.is_nil(exited(r, "B").assignedVariables)
  end)

  it("evaluates every value before assigning any, after OutputPath", function()
    local r = run([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
      "B":{"Type":"Pass","Assign":{"x":2,"old.$":"$x"},"OutputPath":"$x","Next":"C"},
      "C":{"Type":"Pass","Parameters":{"x.$":"$x","old.$":"$old"},"End":true}}}]])
    assert.are.equal('{"x":2,"old":1}', r.output)
    assert.are.equal("1", exited(r, "B").output)
  end)

  it("records no assignedVariables for an empty Assign", function()
    local r = run([[{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{},"End":true}}}]])
    assert.is_nil(exited(r, "A").assignedVariables)
  end)

  it("reads variables in InputPath, OutputPath, ItemsPath, TimeoutSecondsPath, Fail paths and Choice", function()
    local r = run([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"obj":{"items":[1,2]},"t":5,"lim":3},"Next":"C"},
      "C":{"Type":"Choice","Choices":[{"Variable":"$lim","NumericGreaterThanPath":"$obj.items[1]","Next":"M"}],"Default":"F"},
      "M":{"Type":"Map","ItemsPath":"$obj.items","ItemProcessor":{"StartAt":"I","States":{
        "I":{"Type":"Task","Resource":"]] .. LAMBDA .. [[","TimeoutSecondsPath":"$t","End":true}}},"Next":"P"},
      "P":{"Type":"Pass","InputPath":"$obj","End":true},
      "F":{"Type":"Fail","ErrorPath":"$lim"}}}]], "{}", {
      handlers = { [LAMBDA] = function(input) return input * 10 end } })
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"items":[1,2]}', r.output)
    for _, e in ipairs(r.history) do
      if e.type == "LambdaFunctionScheduled" then
        assert.are.equal(5, e.lambdaFunctionScheduledEventDetails.timeoutInSeconds)
      end
    end
  end)

  it("uses the matched Choice rule's Assign over the state's, and the state's on Default", function()
    local def = [[{"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Assign":{"s":"rule"},"Next":"E"}],
        "Assign":{"s":"state","both":true},"Default":"E"},
      "E":{"Type":"Pass","Parameters":{"s.$":"$s"},"End":true}}}]]
    assert.are.equal('{"s":"rule"}', run(def, '{"v":1}').output)
    assert.are.equal('{"s":"state"}', run(def, '{"v":2}').output)
  end)

  it("assigns in Wait and Task states (over the result after ResultSelector)", function()
    local r = run([[{"StartAt":"W","States":{
      "W":{"Type":"Wait","Seconds":1,"Assign":{"w.$":"$.in"},"Next":"T"},
      "T":{"Type":"Task","Resource":"]] .. LAMBDA .. [[","ResultSelector":{"p.$":"$.r"},"Assign":{"t.$":"$.p"},
        "ResultPath":null,"Next":"E"},
      "E":{"Type":"Pass","Parameters":{"w.$":"$w","t.$":"$t"},"End":true}}}]], '{"in":7}', {
      handlers = { [LAMBDA] = function() return { r = "res" } end } })
    assert.are.equal('{"w":7,"t":"res"}', r.output)
  end)

  it("assigns in a Catch over the error output", function()
    local r = run([[{"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"]] .. LAMBDA .. [[","Assign":{"never":1},
        "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"ResultPath":"$.e","Next":"E"}],"End":true},
      "E":{"Type":"Pass","Parameters":{"err.$":"$err"},"End":true}}}]], "{}", {
      mocks = { T = { { Throw = { Error = "Boom", Cause = "c" } } } } })
    assert.are.equal('{"err":"Boom"}', r.output)
    assert.are.same({ err = '"Boom"' }, exited(r, "T").assignedVariables)
  end)

  it("lets Map iterations and Parallel branches read outer variables without leaking theirs", function()
    local r = run([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"x":42},"Next":"P"},
      "P":{"Type":"Parallel","Branches":[
        {"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"x":1,"inner":true},"Next":"B2"},
          "B2":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}},
        {"StartAt":"C1","States":{"C1":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}],
        "Assign":{"after.$":"$[0].x"},"Next":"E"},
      "E":{"Type":"Pass","Parameters":{"x.$":"$x","after.$":"$after","r.$":"$"},"End":true}}}]])
    assert.are.equal('{"x":42,"after":1,"r":[{"x":1},{"x":42}]}', r.output)
  end)

  it("fails with States.Runtime when a variable is not defined", function()
    local r = run([[{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$nope"},"End":true}}}]])
    assert.are.equal("FAILED", r.status)
    assert.are.equal("States.Runtime", r.error)
    assert.are.equal("An error occurred while executing the state 'A' (entered at the event id #2). "
      .. "The JSONPath '$nope' specified for the field 'v.$' could not be found in the input '{}'", r.cause)
  end)
end)

-- Cases recorded on AWS (asl-conformance api/test_sfn_api_variable_references,
-- see spec/fixtures/asl-conformance/SOURCE.md): DescribeStateMachine's variableReferences.
describe("machine:variable_references", function()
  it("lists the variables each state reads, sorted, nested states included", function()
    local m = assert(sfn.machine([[{"StartAt":"Setup","States":{
      "Setup":{"Type":"Pass","Assign":{"guess":"the_guess","answer":"the_answer"},"Next":"CheckAnswer"},
      "CheckAnswer":{"Type":"Choice","Choices":[{"Variable":"$guess","StringEqualsPath":"$answer","Next":"CorrectAnswer"}],"Default":"WrongAnswer"},
      "CorrectAnswer":{"Type":"Pass","Result":{"state":"CORRECT"},"End":true},
      "WrongAnswer":{"Type":"Pass","Assign":{"guess.$":"$answer"},"Result":{"state":"WRONG"},"Next":"CheckAnswer"}}}]]))
    assert.are.same({ CheckAnswer = { "answer", "guess" }, WrongAnswer = { "answer" } }, m:variable_references())
    m = assert(sfn.machine([[{"StartAt":"Start","States":{
      "Start":{"Type":"Pass","Assign":{"AnswerTemplate":"It's {}!","Question":"Who's that Pokemon?"},"Result":["Charizard"],"Next":"M"},
      "M":{"Type":"Map","MaxConcurrency":1,"ItemSelector":{"AnnouncePokemon.$":"States.Format($AnswerTemplate, $$.Map.Item.Value)"},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Pass","States":{
          "Pass":{"Type":"Pass","Parameters":{"Question.$":"$Question","Answer.$":"$.AnnouncePokemon"},"End":true}}},"End":true}}}]]))
    assert.are.same({ M = { "AnswerTemplate" }, Pass = { "Question" } }, m:variable_references())
  end)

  it("ignores literal '$x' values, ResultPath, $states and JSONata functions", function()
    local refs = require("sfn.machine").variable_references([[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Parameters":{"result":"$result"},"ResultPath":"$.r","Next":"B"},
      "B":{"Type":"Choice","QueryLanguage":"JSONata","Choices":[
        {"Condition":"{% $not($states.input.done) and $x > ($y := 2; $y) %}","Next":"A"}],"Default":"A"}}}]])
    assert.are.same({ B = { "x" } }, refs)
  end)
end)
