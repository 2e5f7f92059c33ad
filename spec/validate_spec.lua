-- spec/validate_spec.lua: definition validation with AWS's messages
-- (core.validate = ValidateStateMachineDefinition, core.definition_error =
-- CreateStateMachine's InvalidDefinition message).
local core = require "sfn.core"
local json = require "sfn.json"

local function readf(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function listdir(path)
  local names, p = {}, io.popen('ls "' .. path .. '" 2>/dev/null')
  for name in p:lines() do
    if name:match("%.json$") and name ~= "index.json" and name ~= "summary.json" then
      names[#names + 1] = name
    end
  end
  p:close()
  return names
end

local function opt(x)
  if x == json.null then return nil end
  return x
end

-- one machine around a single state, as TestState validates it
local function wrap_state(text)
  return '{"StartAt":"StateName","States":{"StateName":' .. text .. '}}'
end

-- the diagnostics of text as a plain list {code, message, location}
local function diags(text, opts)
  local r = core.validate(text, opts)
  local out = {}
  for i, d in ipairs(r.diagnostics) do
    out[i] = { d.code, d.message, d.location }
    assert.are.equal("ERROR", d.severity)
  end
  return out, r
end

describe("sfn.validate", function()
  describe("AWS verdicts (asl-aws-verdicts.json)", function()
    local V = json.decode(readf("spec/fixtures/validate/asl-aws-verdicts.json"))
    for _, it_ in ipairs(V.items) do
      local opts = { type = opt(it_.type) or "STANDARD" }
      it("reproduces " .. it_.id, function()
        local text = it_.definition_text
        if it_.operation == "test_state" and not opt(it_.state_name) then text = wrap_state(text) end
        if it_.operation == "validate_state_machine_definition" then
          local r = core.validate(text, opts)
          assert.are.equal(it_.result, r.result)
          assert.are.equal(false, r.truncated)
          assert.are.equal(#it_.diagnostics, #r.diagnostics)
          for i, d in ipairs(it_.diagnostics) do
            assert.are.same({ d.code, d.message, opt(d.location), d.severity },
              { r.diagnostics[i].code, r.diagnostics[i].message, r.diagnostics[i].location,
                r.diagnostics[i].severity })
          end
          if it_.result == "OK" then assert.is_nil(core.definition_error(text, opts)) end
        else
          assert.are.equal(it_.message, core.definition_error(text, opts))
        end
      end)
    end
  end)

  describe("InvalidDefinition responses (asl-conformance/api)", function()
    local A = json.decode(readf("spec/fixtures/validate/api-invalid-definitions.json"))
    for _, c in ipairs(A.items) do
      it("reproduces " .. c.id, function()
        assert.are.equal(c.message, core.definition_error(c.definition_text, { type = c.type }))
      end)
    end
  end)

  describe("definitions AWS accepted (asl-conformance/executions*)", function()
    for _, dir in ipairs { "executions", "executions_mocked" } do
      local base = "spec/fixtures/asl-conformance/" .. dir .. "/"
      local names = listdir(base)
      it("accepts every definition under " .. dir .. " (" .. #names .. " cases)", function()
        local rejected = {}
        for _, name in ipairs(names) do
          local c = json.decode(readf(base .. name))
          if type(c.definition) == "table" then
            local r = core.validate(json.encode(c.definition), { type = opt(c.state_machine_type) })
            if r.result ~= "OK" then
              local d = r.diagnostics[1]
              rejected[#rejected + 1] = name .. ": " .. d.code .. ": " .. d.message .. " at " .. tostring(d.location)
            end
          end
        end
        assert.are.same({}, rejected)
      end)
    end
  end)

  describe("core.validate / core.definition_error", function()
    it("returns the response shape for a valid definition", function()
      local r = core.validate('{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')
      assert.are.same({ result = "OK", diagnostics = {}, truncated = false }, r)
      assert.is_nil(core.definition_error('{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}'))
    end)

    it("takes a Lua table", function()
      assert.is_nil(core.definition_error({ StartAt = "A", States = { A = { Type = "Succeed" } } }))
      assert.are.equal(
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /'",
        core.definition_error({ States = { A = { Type = "Succeed" } } }))
    end)

    it("raises on misuse", function()
      assert.has_error(function() core.validate(42) end)
      assert.has_error(function() core.validate("{}", { type = "BOGUS" }) end)
    end)

    it("joins several errors as AWS does", function()
      local def = '{"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},' ..
        '"pass2":{"Type":"Pass","End":true}}}'
      assert.are.equal("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' " ..
        "target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State \"pass2\" is not " ..
        "reachable. at /States/pass2'", core.definition_error(def))
    end)

    it("prints a missing location as null", function()
      local def = '{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}'
      assert.are.equal("Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal " ..
        "state at null'", core.definition_error(def))
    end)
  end)

  -- { name, definition text, { {code, message, location}... } [, opts] }
  local S = "SCHEMA_VALIDATION_FAILED"
  local T = "MISSING_TRANSITION_TARGET"
  local function m(states, extra)
    return '{' .. (extra or '') .. '"StartAt":"A","States":{' .. states .. '}}'
  end
  local cases = {
    -- definition level
    { "a definition that is not an object", '[1]', { { S, "Definition must be a valid JSON object" } } },
    { "whitespace only", ' \n ', { { S, "Definition must be a valid JSON object" } } },
    { "missing States and StartAt", '{"Comment":"x"}', { { S, "These fields are required: [States, StartAt]", "/" } } },
    { "an unknown top-level field", m('"A":{"Type":"Succeed"}', '"Foo":1,'), { { S, "Field 'Foo' is not supported", "/" } } },
    { "a non-string StartAt", '{"StartAt":1,"States":{"A":{"Type":"Succeed"}}}', { { S, "Expected value of type [STRING]", "/StartAt" } } },
    { "TimeoutSeconds 0", m('"A":{"Type":"Succeed"}', '"TimeoutSeconds":0,'), { { S, "Minimum value is 1", "/TimeoutSeconds" } } },
    { "QueryLanguage outside the enum", m('"A":{"Type":"Succeed"}', '"QueryLanguage":"jsonata",'),
      { { S, "Value should be one of the following: [JSONPath, JSONata]", "/QueryLanguage" } } },
    { "QueryLanguage not a string", m('"A":{"Type":"Succeed"}', '"QueryLanguage":5,'), { { S, "Expected value of type [STRING]", "/QueryLanguage" } } },
    -- states
    { "a state without Type", m('"A":{"End":true}'), { { S, "These fields are required: [Type]", "/States/A" } } },
    { "an unknown Type", m('"A":{"Type":"Nope","End":true}'),
      { { S, "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]", "/States/A/Type" } } },
    { "a state name over 80 characters", '{"StartAt":"' .. string.rep("x", 81) .. '","States":{"' .. string.rep("x", 81) .. '":{"Type":"Succeed"}}}',
      { { "INVALID_STATE_NAME", "State name must not be longer than 80 characters", "/States/" .. string.rep("x", 81) } } },
    { "a state name used twice", m('"A":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}],"End":true}'),
      { { "DUPLICATE_STATE_NAME", "Duplicate State name: A", "/States/A/Branches[0]/States/A" } } },
    { "Next and End together", m('"A":{"Type":"Pass","Next":"A","End":true}'), { { S, "These fields are mutually exclusive: [Next, End]", "/States/A" } } },
    { "neither Next nor End", m('"A":{"Type":"Pass"}'), { { S, "These fields are required: [Next]", "/States/A" } } },
    { "End that is not a boolean", m('"A":{"Type":"Pass","End":"yes"}'),
      { { S, "These fields are required: [Next]", "/States/A" }, { S, "Expected value of type [BOOLEAN]", "/States/A/End" } } },
    { "ResultPath on Succeed", m('"A":{"Type":"Succeed","ResultPath":null}'), { { S, "Field 'ResultPath' is not supported", "/States/A" } } },
    { "Parameters on Choice", m('"A":{"Type":"Choice","Parameters":{},"Choices":[{"Variable":"$.x","IsPresent":true,"Next":"B"}],"Default":"B"},"B":{"Type":"Succeed"}'),
      { { S, "Field 'Parameters' is not supported", "/States/A" } } },
    { "TimeoutSeconds, Catch and Retry on Pass",
      m('"A":{"Type":"Pass","End":true,"TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"}],"Retry":[{"ErrorEquals":["States.ALL"]}]}'),
      { { S, "Field 'TimeoutSeconds' is not supported", "/States/A" }, { S, "Field 'Catch' is not supported", "/States/A" },
        { S, "Field 'Retry' is not supported", "/States/A" } } },
    { "InputPath on Fail", m('"A":{"Type":"Fail","InputPath":"$"}'), { { S, "Field 'InputPath' is not supported", "/States/A" } } },
    { "a Task without Resource", m('"A":{"Type":"Task","End":true}'), { { S, "These fields are required: [Resource]", "/States/A" } } },
    { "TimeoutSeconds with TimeoutSecondsPath", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true}'),
      { { S, "These fields are mutually exclusive: [TimeoutSeconds, TimeoutSecondsPath]", "/States/A/TimeoutSeconds" } } },
    { "HeartbeatSeconds 0", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","HeartbeatSeconds":0,"End":true}'),
      { { S, "Minimum value is 1", "/States/A/HeartbeatSeconds" } } },
    { "TimeoutSeconds as a string", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":"5","End":true}'),
      { { S, "Expected value of type [INTEGER]", "/States/A/TimeoutSeconds" } } },
    { "Credentials without RoleArn", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"roleArn":"x"},"End":true}'),
      { { S, "The field 'RoleArn' is required but was missing", "/States/A/Credentials" } } },
    { "a .waitForTaskToken resource in an EXPRESS machine", m('"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}'),
      { { S, "Express state machine does not support '.waitForTaskToken' service integration", "/States/A/Resource" } }, { type = "EXPRESS" } },
    { "Seconds with SecondsPath", m('"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}'),
      { { S, "These fields are mutually exclusive: [Seconds, SecondsPath, Timestamp, TimestampPath]", "/States/A" } } },
    { "a Wait without duration", m('"A":{"Type":"Wait","End":true}'),
      { { S, "One of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]", "/States/A" } } },
    { "negative Seconds", m('"A":{"Type":"Wait","Seconds":-1,"End":true}'), { { S, "Minimum value is 0", "/States/A/Seconds" } } },
    { "a bad Timestamp", m('"A":{"Type":"Wait","Timestamp":"2016-03-14 01:59:00Z","End":true}'),
      { { S, "String does not match RFC3339 timestamp", "/States/A/Timestamp" } } },
    { "Error with ErrorPath", m('"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}'),
      { { S, "These fields are mutually exclusive: [Error, ErrorPath]", "/States/A/Error" } } },
    { "a CausePath that is no path", m('"A":{"Type":"Fail","CausePath":"cause"}'),
      { { S, "The value for the field 'CausePath' must be a valid ReferencePath or a valid intrinsic function call", "/States/A/CausePath" } } },
    { "a CausePath intrinsic", m('"A":{"Type":"Fail","CausePath":"States.Format(\'x {}\', $.a)"}'), {} },
    { "an invalid InputPath", m('"A":{"Type":"Pass","InputPath":"foo","End":true}'),
      { { S, "The value for the field 'InputPath' must be a valid JSONPath", "/States/A/InputPath" } } },
    { "a filter in ResultPath", m('"A":{"Type":"Pass","ResultPath":"$.a[?(@.b)]","End":true}'),
      { { S, "The value for the field 'ResultPath' must be a valid ReferencePath", "/States/A/ResultPath" } } },
    { "a variable in ResultPath", m('"A":{"Type":"Pass","ResultPath":"$foo","End":true}'),
      { { S, "The value for the field 'ResultPath' must be a valid ReferencePath", "/States/A/ResultPath" } } },
    { "a bad .$ value in a nested template", m('"A":{"Type":"Pass","Parameters":{"x":{"y.$":"nope"}},"End":true}'),
      { { S, "The value for the field 'y.$' must be a valid JSONPath or a valid intrinsic function call", "/States/A/Parameters/x" } } },
    { "an unknown intrinsic", m('"A":{"Type":"Pass","Parameters":{"y.$":"States.Nope(1)"},"End":true}'),
      { { S, "The value for the field 'y.$' must be a valid JSONPath or a valid intrinsic function call", "/States/A/Parameters" } } },
    -- Retry / Catch
    { "empty ErrorEquals", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":[]}],"End":true}'),
      { { S, "Value cannot be empty", "/States/A/Retry[0]/ErrorEquals" } } },
    { "a Retrier without ErrorEquals", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"MaxAttempts":1}],"End":true}'),
      { { S, "These fields are required: [ErrorEquals]", "/States/A/Retry[0]" } } },
    { "States.ALL with another error", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}'),
      { { S, "'States.ALL' must appear alone in 'ErrorEquals'", "/States/A/Retry[0]/ErrorEquals" } } },
    { "States.ALL not last", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"},{"ErrorEquals":["X"],"Next":"B"}],"End":true},"B":{"Type":"Succeed"}'),
      { { S, "'States.ALL' must be in the last Catcher", "/States/A/Catch[0]/ErrorEquals" } } },
    { "negative MaxAttempts and BackoffRate below 1", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1,"BackoffRate":0.5}],"End":true}'),
      { { S, "Minimum value is 0", "/States/A/Retry[0]/MaxAttempts" }, { S, "Minimum value is 1", "/States/A/Retry[0]/BackoffRate" } } },
    { "an unknown JitterStrategy", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["X"],"JitterStrategy":"SOME"}],"End":true}'),
      { { S, "Value should be one of the following: [FULL, NONE]", "/States/A/Retry[0]/JitterStrategy" } } },
    { "a Catcher without Next", m('"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["X"]}],"End":true}'),
      { { S, "These fields are required: [Next]", "/States/A/Catch[0]" } } },
    -- Choice
    { "empty Choices", m('"A":{"Type":"Choice","Choices":[]}'), { { S, "Value cannot be empty", "/States/A/Choices" } } },
    { "a Choice rule without Next", m('"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true}],"Default":"B"},"B":{"Type":"Succeed"}'),
      { { S, "These fields are required: [Next]", "/States/A/Choices[0]" } } },
    { "Next in a nested rule", m('"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsPresent":true,"Next":"B"},"Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "Field 'Next' is not supported", "/States/A/Choices[0]/Not" } } },
    { "two comparison operators", m('"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"IsNull":false,"Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "A Choice Rule must have exactly one of these fields: [And, Or, Not] or one comparison operator", "/States/A/Choices[0]" } } },
    { "a comparison without Variable", m('"A":{"Type":"Choice","Choices":[{"StringEquals":"x","Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "These fields are required: [Variable]", "/States/A/Choices[0]" } } },
    { "an empty And", m('"A":{"Type":"Choice","Choices":[{"And":[],"Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "Value cannot be empty", "/States/A/Choices[0]/And" } } },
    { "a bad Timestamp operand", m('"A":{"Type":"Choice","Choices":[{"Variable":"$.t","TimestampEquals":"yesterday","Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "String does not match RFC3339 timestamp", "/States/A/Choices[0]/TimestampEquals" } } },
    { "a NumericEquals string", m('"A":{"Type":"Choice","Choices":[{"Variable":"$.t","NumericEquals":"1","Next":"B"}]},"B":{"Type":"Succeed"}'),
      { { S, "Expected value of type [NUMBER]", "/States/A/Choices[0]/NumericEquals" } } },
    -- Parallel / Map
    { "empty Branches", m('"A":{"Type":"Parallel","Branches":[],"End":true}'), { { S, "Value cannot be empty", "/States/A/Branches" } } },
    { "QueryLanguage in a branch", m('"A":{"Type":"Parallel","Branches":[{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Succeed"}}}],"End":true}'),
      { { S, "Field 'QueryLanguage' is not supported", "/States/A/Branches[0]" } } },
    { "a Map without ItemProcessor", m('"A":{"Type":"Map","End":true}'), { { S, "These fields are required: [ItemProcessor]", "/States/A" } } },
    { "a negative MaxConcurrency", m('"A":{"Type":"Map","MaxConcurrency":-1,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}'),
      { { S, "Minimum value is 0", "/States/A/MaxConcurrency" } } },
    { "an unknown processor Mode", m('"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}'),
      { { S, "Value should be one of the following: [INLINE, DISTRIBUTED]", "/States/A/ItemProcessor/ProcessorConfig/Mode" } } },
    { "TimeoutSeconds on Map", m('"A":{"Type":"Map","TimeoutSeconds":5,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}'),
      { { S, "Field 'TimeoutSeconds' is not supported", "/States/A" } } },
    { "ToleratedFailurePercentage over 100", m('"A":{"Type":"Map","ToleratedFailurePercentage":101,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}'),
      { { S, "Maximum value is 100", "/States/A/ToleratedFailurePercentage" } } },
    { "a Label over 40 characters", m('"A":{"Type":"Map","Label":"' .. string.rep("l", 41) .. '","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}'),
      { { "INVALID_LABEL_NAME", "Label cannot exceed 40 characters", "/States/A/Label" } } },
    -- JSONPath / JSONata
    { "Output on a JSONPath state", m('"A":{"Type":"Pass","Output":{},"End":true}'),
      { { S, "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage", "/States/A" } } },
    { "InputPath on a JSONata state", m('"A":{"Type":"Pass","InputPath":"$.a","End":true}', '"QueryLanguage":"JSONata",'),
      { { S, "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage", "/States/A" } } },
    { "a lowercase state QueryLanguage", m('"A":{"Type":"Pass","QueryLanguage":"jsonata","InputPath":"$.a","End":true}'),
      { { S, "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage", "/States/A" },
        { S, "Value should be one of the following: [JSONPath, JSONata]", "/States/A/QueryLanguage" } } },
    { "Assign on a JSONPath state", m('"A":{"Type":"Pass","Assign":{"x":1},"End":true}'), {} },
    -- transitions
    { "a Next naming no state", m('"A":{"Type":"Pass","Next":"Ghost"},"B":{"Type":"Succeed"}'),
      { { T, "Missing 'Next' target: Ghost", "/States/A/Next" }, { T, "State \"B\" is not reachable.", "/States/B" } } },
    { "a StartAt naming no state", '{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}',
      { { T, "Missing 'Next' target: Nope", "/StartAt" }, { T, "State \"A\" is not reachable.", "/States/A" } } },
    { "a dangling Default, choice and catch target",
      m('"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"G1"}],"Default":"G2"}'),
      { { T, "Missing 'Next' target: G1", "/States/A/Choices[0]/Next" }, { T, "Missing 'Next' target: G2", "/States/A/Default" },
        { "MISSING_END_STATE", "Workflow has no terminal state", nil } } },
    { "a dangling target inside a branch",
      m('"A":{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"A"}}}],"End":true}'),
      { { T, "Missing 'Next' target: A", "/States/A/Branches[0]/States/P/Next" } } },
    { "an unreachable state in an ItemProcessor",
      m('"A":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"},"Q":{"Type":"Succeed"}}},"End":true}'),
      { { T, "State \"Q\" is not reachable.", "/States/A/ItemProcessor/States/Q" } } },
    { "a loop without terminal state (unreachable states not reported)",
      m('"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"U":{"Type":"Pass","Next":"A"}'),
      { { "MISSING_END_STATE", "Workflow has no terminal state", nil } } },
    { "a nested loop without terminal state",
      m('"A":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Pass","Next":"P"}}},"End":true}'), {} },
  }

  describe("table of definitions", function()
    for _, c in ipairs(cases) do
      it("diagnoses " .. c[1], function()
        local got = diags(c[2], c[4])
        assert.are.same(c[3], got)
      end)
    end
  end)

  describe("INVALID_JSON_DESCRIPTION (Jackson's wording)", function()
    local J = "INVALID_JSON_DESCRIPTION"
    local function src(text, line, col)
      return '[Source: (String)"' .. text .. '"; line: ' .. line .. ', column: ' .. col .. ']'
    end
    local jcases = {
      { "not a definition", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 4 },
      { '{"a" 1}', "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 7 },
      { '{"a":1,}', "Unexpected character ('}' (code 125)): was expecting double-quote to start field name", 1, 9 },
      { '{"a":1 "b":2}', "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries", 1, 9 },
      { '[1,]', "Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 5 },
      { '{"a":tru}', "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 9 },
      { '{"a":01}', "Invalid numeric value: Leading zeroes not allowed", 1, 8 },
      { '{"a":"x\ny"}', "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value", 1, 9 },
      { '{"a":"\\q"}', "Unrecognized character escape 'q' (code 113)", 1, 9 },
      { '{\n"a":1]', "Unexpected close marker ']': expected '}' (for Object starting at " .. src('{\n"a":1]', 1, 1) .. ")", 2, 7 },
    }
    for _, c in ipairs(jcases) do
      it("words " .. c[1]:gsub("\n", "\\n"), function()
        local got = diags(c[1])
        local loc = src(c[1], c[3], c[4])
        assert.are.same({ { J, c[2] .. "\n at " .. loc, loc } }, got)
      end)
    end
    it("reports end-of-input inside an object with the start marker", function()
      local text = '{"StartAt":"A",\n  "States":{'
      local got = diags(text)
      local loc = src(text, 2, 13)
      assert.are.same({ { J, "Unexpected end-of-input: expected close marker for Object (start marker at " ..
        src(text, 2, 12) .. ")\n at " .. loc, loc } }, got)
    end)
    it("cuts the quoted source at 500 characters", function()
      local text = "x" .. string.rep(" ", 600)
      local got = diags(text)
      local loc = '[Source: (String)"x' .. string.rep(" ", 499) .. '"[truncated 101 chars]; line: 1, column: 2]'
      assert.are.same({ { J, "Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at " .. loc, loc } }, got)
    end)
    it("gives CreateStateMachine the same text", function()
      assert.are.equal("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: Unrecognized token 'x': was expecting " ..
        "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"x\"; line: 1, column: 2] at " ..
        "[Source: (String)\"x\"; line: 1, column: 2]'", core.definition_error("x"))
    end)
  end)
end)
