-- spec/support/service_behaviour.lua: the local service's behaviour, as
-- cases over any `svc` object with the API's snake_case methods, so the same
-- cases run against sfn.local_service directly (spec/local_service_spec.lua)
-- and through sfn.client -> sfn serve.
--
--   require("support.service_behaviour")(new_service, { label = "direct",
--     describe = describe, it = it, pending = pending, assert = assert })
-- (busted's functions are passed in: a support module does not see them)
--
-- new_service(opts) -> svc.  opts (the service's options): clock =
-- "manual", handlers, mock_config, retention, poll_seconds.  svc:advance(s)
-- moves the manual clock; cases that need it are skipped (pending) when the
-- object has no advance method.
local json = require "sfn.json"

local ACCOUNT, REGION = "123456789012", "us-east-1"
local ROLE = "arn:aws:iam::" .. ACCOUNT .. ":role/sfn"
local PREFIX = "arn:aws:states:" .. REGION .. ":" .. ACCOUNT .. ":"

local PASS = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'
local WAIT10 = '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"P"},"P":{"Type":"Pass","End":true}}}'
local FAIL = '{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"it broke"}}}'

local describe, it, pending, assert

local function ok(res, err)
  if res == nil then error("unexpected error: " .. tostring(err and err.code) .. ": " .. tostring(err and err.message), 2) end
  return res
end

local function fails(code, message, res, err)
  assert.is_nil(res)
  assert.are.equal(code, err.code)
  if message then assert.are.equal(message, err.message) end
  return err
end

return function(new_service, o)
  o = o or {}
  describe, it, pending, assert = o.describe, o.it, o.pending, o.assert
  local label = o.label or "service"

  local function machine(svc, name, definition, mtype)
    return ok(svc:create_state_machine{ name = name, definition = definition or PASS, roleArn = ROLE,
                                         type = mtype }).stateMachineArn
  end

  local function manual(svc)
    if not svc.advance then pending("needs the manual clock") return false end
    return true
  end

  describe("sfn.local_service (" .. label .. "): state machines", function()
    it("creates, describes, lists, updates and deletes a state machine", function()
      local svc = new_service{}
      local res = ok(svc:create_state_machine{ name = "orders", definition = PASS, roleArn = ROLE })
      assert.are.equal(PREFIX .. "stateMachine:orders", res.stateMachineArn)
      assert.are.equal("number", type(res.creationDate))
      local d = ok(svc:describe_state_machine{ stateMachineArn = res.stateMachineArn })
      assert.are.equal("orders", d.name)
      assert.are.equal(PASS, d.definition)
      assert.are.equal("STANDARD", d.type)
      assert.are.equal("ACTIVE", d.status)
      assert.are.equal(ROLE, d.roleArn)
      assert.are.same({ level = "OFF", includeExecutionData = false }, d.loggingConfiguration)
      assert.is_nil(d.revisionId)
      local l = ok(svc:list_state_machines{})
      assert.are.equal(1, #l.stateMachines)
      assert.are.equal("orders", l.stateMachines[1].name)
      local u = ok(svc:update_state_machine{ stateMachineArn = res.stateMachineArn, definition = WAIT10 })
      assert.are.equal("string", type(u.revisionId))
      d = ok(svc:describe_state_machine{ stateMachineArn = res.stateMachineArn })
      assert.are.equal(WAIT10, d.definition)
      assert.are.equal(u.revisionId, d.revisionId)
      ok(svc:delete_state_machine{ stateMachineArn = res.stateMachineArn })
      fails("StateMachineDoesNotExist", "State Machine Does Not Exist: '" .. res.stateMachineArn .. "'",
        svc:describe_state_machine{ stateMachineArn = res.stateMachineArn })
    end)

    it("is idempotent for the same request and refuses a different one under the same name", function()
      local svc = new_service{}
      local a = ok(svc:create_state_machine{ name = "m", definition = PASS, roleArn = ROLE })
      local b = ok(svc:create_state_machine{ name = "m", definition = PASS, roleArn = ROLE })
      assert.are.same(a, b)
      fails("StateMachineAlreadyExists", "State Machine Already Exists: '" .. a.stateMachineArn .. "'",
        svc:create_state_machine{ name = "m", definition = WAIT10, roleArn = ROLE })
    end)

    it("refuses invalid names, definitions and role ARNs with AWS's errors", function()
      local svc = new_service{}
      fails("InvalidName", "Invalid Name: 'a b'", svc:create_state_machine{ name = "a b", definition = PASS, roleArn = ROLE })
      fails("InvalidDefinition",
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
        svc:create_state_machine{ name = "m", definition = '{"StartAt":"A"}', roleArn = ROLE })
      fails("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: role'",
        svc:create_state_machine{ name = "m", definition = PASS, roleArn = "role" })
      fails("ValidationException", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
        svc:create_state_machine{ name = "m", definition = PASS })
      fails("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.",
        svc:create_state_machine{ name = "m", definition = PASS, roleArn = ROLE, loggingConfiguration = { level = "ALL" } })
    end)

    it("publishes versions (one per revision), lists and deletes them, and runs a version", function()
      local svc = new_service{}
      local res = ok(svc:create_state_machine{ name = "v", definition = PASS, roleArn = ROLE, publish = true,
                                               versionDescription = "first" })
      assert.are.equal(PREFIX .. "stateMachine:v:1", res.stateMachineVersionArn)
      local again = ok(svc:publish_state_machine_version{ stateMachineArn = res.stateMachineArn })
      assert.are.equal(res.stateMachineVersionArn, again.stateMachineVersionArn)
      local u = ok(svc:update_state_machine{ stateMachineArn = res.stateMachineArn, definition = FAIL })
      fails("ConflictException", "Failed to publish the State Machine version for revision x. The current State Machine revision is " ..
        u.revisionId .. ".", svc:publish_state_machine_version{ stateMachineArn = res.stateMachineArn, revisionId = "x" })
      local v2 = ok(svc:publish_state_machine_version{ stateMachineArn = res.stateMachineArn, revisionId = u.revisionId })
      assert.are.equal(PREFIX .. "stateMachine:v:2", v2.stateMachineVersionArn)
      local l = ok(svc:list_state_machine_versions{ stateMachineArn = res.stateMachineArn })
      assert.are.equal(2, #l.stateMachineVersions)
      assert.are.equal(v2.stateMachineVersionArn, l.stateMachineVersions[1].stateMachineVersionArn)
      local d1 = ok(svc:describe_state_machine{ stateMachineArn = res.stateMachineVersionArn })
      assert.are.equal(PASS, d1.definition)
      assert.are.equal("first", d1.description)
      local e = ok(svc:start_execution{ stateMachineArn = res.stateMachineVersionArn })
      local de = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("SUCCEEDED", de.status)
      assert.are.equal(res.stateMachineArn, de.stateMachineArn)
      assert.are.equal(res.stateMachineVersionArn, de.stateMachineVersionArn)
      ok(svc:delete_state_machine_version{ stateMachineVersionArn = res.stateMachineVersionArn })
      fails("StateMachineDoesNotExist", nil, svc:describe_state_machine{ stateMachineArn = res.stateMachineVersionArn })
    end)

    it("routes an alias's executions by weight and checks its routing configuration", function()
      local svc = new_service{}
      local res = ok(svc:create_state_machine{ name = "a", definition = PASS, roleArn = ROLE, publish = true })
      ok(svc:update_state_machine{ stateMachineArn = res.stateMachineArn, definition = FAIL, publish = true })
      local v1, v2 = res.stateMachineArn .. ":1", res.stateMachineArn .. ":2"
      fails("ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 31]",
        svc:create_state_machine_alias{ name = "live", routingConfiguration = {
          { stateMachineVersionArn = v1, weight = 70 }, { stateMachineVersionArn = v2, weight = 31 } } })
      fails("ValidationException",
        "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$",
        svc:create_state_machine_alias{ name = "bad name", routingConfiguration = { { stateMachineVersionArn = v1, weight = 100 } } })
      local al = ok(svc:create_state_machine_alias{ name = "live", description = "d", routingConfiguration = {
        { stateMachineVersionArn = v1, weight = 100 } } })
      assert.are.equal(res.stateMachineArn .. ":live", al.stateMachineAliasArn)
      local e = ok(svc:start_execution{ stateMachineArn = al.stateMachineAliasArn })
      local de = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("SUCCEEDED", de.status)
      assert.are.equal(al.stateMachineAliasArn, de.stateMachineAliasArn)
      assert.are.equal(v1, de.stateMachineVersionArn)
      ok(svc:update_state_machine_alias{ stateMachineAliasArn = al.stateMachineAliasArn,
        routingConfiguration = { { stateMachineVersionArn = v2, weight = 100 } } })
      local d = ok(svc:describe_state_machine_alias{ stateMachineAliasArn = al.stateMachineAliasArn })
      assert.are.equal(v2, d.routingConfiguration[1].stateMachineVersionArn)
      assert.are.equal("d", d.description)
      e = ok(svc:start_execution{ stateMachineArn = al.stateMachineAliasArn })
      assert.are.equal("FAILED", ok(svc:describe_execution{ executionArn = e.executionArn }).status)
      fails("ConflictException", nil, svc:delete_state_machine_version{ stateMachineVersionArn = v2 })
      assert.are.equal(1, #ok(svc:list_state_machine_aliases{ stateMachineArn = res.stateMachineArn }).stateMachineAliases)
      ok(svc:delete_state_machine_alias{ stateMachineAliasArn = al.stateMachineAliasArn })
      assert.are.equal(0, #ok(svc:list_state_machine_aliases{ stateMachineArn = res.stateMachineArn }).stateMachineAliases)
    end)

    it("tests one state with TestState: output, next state, inspection data, mocks, errors", function()
      local svc = new_service{}
      local r = ok(svc:test_state{ definition = '{"Type":"Pass","InputPath":"$.a","Parameters":{"x.$":"$.b"},"ResultPath":"$.r","Next":"N"}',
        input = '{"a":{"b":1}}', inspectionLevel = "DEBUG" })
      assert.are.same({ "SUCCEEDED", "N", '{"a":{"b":1},"r":{"x":1}}' }, { r.status, r.nextState, r.output })
      assert.are.equal('{"b":1}', r.inspectionData.afterInputPath)
      assert.are.equal('{"x":1}', r.inspectionData.afterParameters)
      assert.are.equal('{"a":{"b":1},"r":{"x":1}}', r.inspectionData.afterResultPath)
      r = ok(svc:test_state{ definition = '{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"One"}],"Default":"Other"}',
        input = '{"v":1}' })
      assert.are.same({ "SUCCEEDED", "One" }, { r.status, r.nextState })
      assert.is_nil(r.inspectionData)
      local task = '{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,' ..
        '"Catch":[{"ErrorEquals":["Busy"],"Next":"Handler"}]}'
      r = ok(svc:test_state{ definition = task, mock = { result = '{"ok":true}' } })
      assert.are.same({ "SUCCEEDED", '{"ok":true}' }, { r.status, r.output })
      r = ok(svc:test_state{ definition = task, mock = { errorOutput = { error = "Busy", cause = "later" } } })
      assert.are.same({ "CAUGHT_ERROR", "Handler", "Busy", "later" }, { r.status, r.nextState, r.error, r.cause })
      r = ok(svc:test_state{ definition = '{"Type":"Fail","Error":"E","Cause":"C"}' })
      assert.are.same({ "FAILED", "E", "C" }, { r.status, r.error, r.cause })
      fails("ValidationException", "State type 'Pass' is not supported when a mock is specified",
        svc:test_state{ definition = '{"Type":"Pass","End":true}', mock = { result = "{}" } })
      fails("ValidationException", "State not found in definition",
        svc:test_state{ definition = PASS, stateName = "nope" })
      fails("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'",
        svc:test_state{ definition = '{"Type":"Parallel","Branches":[],"End":true}' })
    end)

    it("fails executions of definitions the engine does not run yet, naming the feature", function()
      local svc = new_service{}
      local arn = machine(svc, "j", '{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":'
        .. '{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}')
      local e = ok(svc:start_execution{ stateMachineArn = arn, input = "[1]" })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.same({ "FAILED", "sfn.UnsupportedFeature" }, { d.status, d.error })
      assert.are.equal("A distributed Map (ProcessorConfig Mode DISTRIBUTED) is not supported yet (state 'M')", d.cause)
    end)

    it("lists the workflow variables each state reads (variableReferences)", function()
      local svc = new_service{}
      local arn = machine(svc, "v", '{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"B"},'
        .. '"B":{"Type":"Pass","Parameters":{"s.$":"$y","t.$":"States.Format(\'{}\', $x)"},"End":true}}}')
      local d = ok(svc:describe_state_machine{ stateMachineArn = arn })
      assert.are.same({ B = { "x", "y" } }, d.variableReferences)
      local plain = machine(svc, "p", PASS)
      assert.is_nil(ok(svc:describe_state_machine{ stateMachineArn = plain }).variableReferences)
      local e = ok(svc:start_execution{ stateMachineArn = arn })
      d = ok(svc:describe_state_machine_for_execution{ executionArn = e.executionArn })
      assert.are.same({ B = { "x", "y" } }, d.variableReferences)
    end)

    it("validates definitions", function()
      local svc = new_service{}
      local r = ok(svc:validate_state_machine_definition{ definition = PASS })
      assert.are.equal("OK", r.result)
      assert.are.equal(0, #r.diagnostics)
      r = ok(svc:validate_state_machine_definition{ definition = '{"StartAt":"A"}' })
      assert.are.equal("FAIL", r.result)
      assert.are.equal("SCHEMA_VALIDATION_FAILED", r.diagnostics[1].code)
    end)
  end)

  describe("sfn.local_service (" .. label .. "): executions", function()
    it("starts with a generated name and input {} by default", function()
      local svc = new_service{}
      local arn = machine(svc, "m")
      local e = ok(svc:start_execution{ stateMachineArn = arn })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("{}", d.input)
      assert.are.equal("{}", d.output)
      assert.truthy(d.name:match("^%x+%-%x+%-%x+%-%x+%-%x+$"))
      assert.are.equal(PREFIX .. "execution:m:" .. d.name, e.executionArn)
      assert.are.equal(0, d.redriveCount)
    end)

    it("applies AWS's name rules", function()
      local svc = new_service{}
      local arn = machine(svc, "m")
      for _, c in ipairs{ " ", "<", ">", "{", "}", "[", "]", "?", "*", '"', "#", "%", "\\", "^", "|", "~", "`",
                          "$", "&", ",", ";", ":", "/", "\t", "\1", "\127", "\194\133" } do
        fails("InvalidName", "Invalid Name: 'a" .. c .. "b'", svc:start_execution{ stateMachineArn = arn, name = "a" .. c .. "b" })
      end
      ok(svc:start_execution{ stateMachineArn = arn, name = string.rep("x", 80) })
      fails("ValidationException", "1 validation error detected: Value '" .. string.rep("x", 81) ..
        "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
        svc:start_execution{ stateMachineArn = arn, name = string.rep("x", 81) })
      ok(svc:start_execution{ stateMachineArn = arn, name = "caf\195\169-_.()!" })
    end)

    it("refuses input that is not JSON or larger than 256 KiB", function()
      local svc = new_service{}
      local arn = machine(svc, "m")
      local err = fails("InvalidExecutionInput", nil, svc:start_execution{ stateMachineArn = arn, input = "{x" })
      assert.truthy(err.message:find("^Invalid State Machine Execution Input: '"))
      local big = '{"a":"' .. string.rep("x", 262144 - 8) .. '"}'
      assert.are.equal(262144, #big)
      ok(svc:start_execution{ stateMachineArn = arn, input = big })
      fails("ValidationException", nil, svc:start_execution{ stateMachineArn = arn, input = big .. " " })
    end)

    it("is idempotent for STANDARD as the API reference states", function()
      local svc = new_service{ clock = "manual" }
      if not manual(svc) then return end
      local arn = machine(svc, "m", WAIT10)
      local a = ok(svc:start_execution{ stateMachineArn = arn, name = "x", input = '{"n":1}' })
      local b = ok(svc:start_execution{ stateMachineArn = arn, name = "x", input = '{"n":1}' })
      assert.are.same(a, b)
      fails("ExecutionAlreadyExists", "Execution Already Exists: '" .. a.executionArn .. "'",
        svc:start_execution{ stateMachineArn = arn, name = "x", input = '{"n":2}' })
      svc:advance(10)
      assert.are.equal("SUCCEEDED", ok(svc:describe_execution{ executionArn = a.executionArn }).status)
      fails("ExecutionAlreadyExists", "Execution Already Exists: '" .. a.executionArn .. "'",
        svc:start_execution{ stateMachineArn = arn, name = "x", input = '{"n":1}' })
    end)

    it("is not idempotent for EXPRESS", function()
      local svc = new_service{}
      local arn = machine(svc, "e", PASS, "EXPRESS")
      local a = ok(svc:start_execution{ stateMachineArn = arn, name = "x" })
      local b = ok(svc:start_execution{ stateMachineArn = arn, name = "x" })
      assert.are_not.equal(a.executionArn, b.executionArn)
      assert.truthy(a.executionArn:find("^" .. PREFIX:gsub("%-", "%%-") .. "express:e:x:%x+%-"))
    end)

    it("runs EXPRESS machines synchronously with billing details", function()
      local svc = new_service{}
      local arn = machine(svc, "e", '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"r":1},"End":true}}}', "EXPRESS")
      local r = ok(svc:start_sync_execution{ stateMachineArn = arn, input = '{"a":1}', name = "s" })
      assert.are.equal("SUCCEEDED", r.status)
      assert.are.equal('{"r":1}', r.output)
      assert.are.equal('{"a":1}', r.input)
      assert.are.equal("s", r.name)
      assert.are.equal(64, r.billingDetails.billedMemoryUsedInMB)
      assert.are.equal(100, r.billingDetails.billedDurationInMilliseconds)
      local f = machine(svc, "f", FAIL, "EXPRESS")
      r = ok(svc:start_sync_execution{ stateMachineArn = f })
      assert.are.equal("FAILED", r.status)
      assert.are.equal("Oops", r.error)
      assert.are.equal("it broke", r.cause)
      assert.is_nil(r.output)
      fails("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine",
        svc:start_sync_execution{ stateMachineArn = machine(svc, "std") })
    end)

    it("reads the history forwards, backwards, without data and page by page", function()
      local svc = new_service{}
      local arn = machine(svc, "m", '{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}')
      local e = ok(svc:start_execution{ stateMachineArn = arn, input = '{"k":1}' })
      local h = ok(svc:get_execution_history{ executionArn = e.executionArn })
      local types = {}
      for i, ev in ipairs(h.events) do types[i] = ev.type end
      assert.are.same({ "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered",
                        "PassStateExited", "ExecutionSucceeded" }, types)
      assert.is_nil(h.nextToken)
      local r = ok(svc:get_execution_history{ executionArn = e.executionArn, reverseOrder = true, maxResults = 4 })
      assert.are.equal(4, #r.events)
      assert.are.equal(6, r.events[1].id)
      assert.are.equal(3, r.events[4].id)
      local r2 = ok(svc:get_execution_history{ executionArn = e.executionArn, reverseOrder = true, maxResults = 4,
                                               nextToken = r.nextToken })
      assert.are.equal(2, #r2.events)
      assert.are.equal(2, r2.events[1].id)
      assert.is_nil(r2.nextToken)
      local nd = ok(svc:get_execution_history{ executionArn = e.executionArn, includeExecutionData = false })
      assert.is_nil(nd.events[1].executionStartedEventDetails.input)
      assert.is_nil(nd.events[2].stateEnteredEventDetails.input)
      assert.are.equal("A", nd.events[2].stateEnteredEventDetails.name)
      fails("InvalidToken", "Invalid Token: 'Invalid token'",
        svc:get_execution_history{ executionArn = e.executionArn, nextToken = "nope" })
      fails("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'",
        svc:get_execution_history{ executionArn = "invalid_state_machine_arn" })
      fails("ExecutionDoesNotExist", "Execution Does Not Exist: '" .. PREFIX .. "execution:m:none'",
        svc:describe_execution{ executionArn = PREFIX .. "execution:m:none" })
    end)

    it("lists executions newest first, by status, with tokens that survive new executions", function()
      local svc = new_service{}
      local ok_arn = machine(svc, "m")
      local fail_arn = machine(svc, "f", FAIL)
      for i = 1, 5 do ok(svc:start_execution{ stateMachineArn = ok_arn, name = "e" .. i }) end
      local p1 = ok(svc:list_executions{ stateMachineArn = ok_arn, maxResults = 2 })
      assert.are.same({ "e5", "e4" }, { p1.executions[1].name, p1.executions[2].name })
      ok(svc:start_execution{ stateMachineArn = ok_arn, name = "e6" })
      local p2 = ok(svc:list_executions{ stateMachineArn = ok_arn, maxResults = 2, nextToken = p1.nextToken })
      assert.are.same({ "e3", "e2" }, { p2.executions[1].name, p2.executions[2].name })
      local p3 = ok(svc:list_executions{ stateMachineArn = ok_arn, maxResults = 2, nextToken = p2.nextToken })
      assert.are.equal(1, #p3.executions)
      assert.is_nil(p3.nextToken)
      ok(svc:start_execution{ stateMachineArn = fail_arn })
      assert.are.equal(0, #ok(svc:list_executions{ stateMachineArn = fail_arn, statusFilter = "SUCCEEDED" }).executions)
      assert.are.equal(1, #ok(svc:list_executions{ stateMachineArn = fail_arn, statusFilter = "FAILED" }).executions)
      fails("ValidationException",
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
        svc:list_executions{ stateMachineArn = ok_arn, maxResults = 1001 })
      fails("InvalidToken", nil, svc:list_executions{ stateMachineArn = fail_arn, nextToken = p1.nextToken })
      fails("StateMachineTypeNotSupported", nil, svc:list_executions{ stateMachineArn = machine(svc, "x", PASS, "EXPRESS") })
    end)

    it("stops a running execution and describes the machine it ran", function()
      local svc = new_service{ clock = "manual" }
      if not manual(svc) then return end
      local arn = machine(svc, "m", WAIT10)
      local e = ok(svc:start_execution{ stateMachineArn = arn })
      ok(svc:update_state_machine{ stateMachineArn = arn, definition = PASS })
      local s = ok(svc:stop_execution{ executionArn = e.executionArn, error = "E", cause = "C" })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("ABORTED", d.status)
      assert.are.equal(s.stopDate, d.stopDate)
      assert.are.equal("REDRIVABLE", d.redriveStatus)
      local h = ok(svc:get_execution_history{ executionArn = e.executionArn, reverseOrder = true, maxResults = 1 })
      assert.are.equal("ExecutionAborted", h.events[1].type)
      local m = ok(svc:describe_state_machine_for_execution{ executionArn = e.executionArn })
      assert.are.equal(WAIT10, m.definition)
      assert.are.equal(arn, m.stateMachineArn)
    end)

    it("moves the manual clock through Wait states", function()
      local svc = new_service{ clock = "manual" }
      if not manual(svc) then return end
      local arn = machine(svc, "m", WAIT10)
      local e = ok(svc:start_execution{ stateMachineArn = arn })
      svc:advance(9.9)
      assert.are.equal("RUNNING", ok(svc:describe_execution{ executionArn = e.executionArn }).status)
      svc:advance(0.1)
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("SUCCEEDED", d.status)
      assert.are.equal(10, d.stopDate - d.startDate)
    end)

    it("keeps at most `retention` closed executions, dropping the oldest", function()
      local svc = new_service{ retention = 3 }
      local arn = machine(svc, "m")
      for i = 1, 5 do ok(svc:start_execution{ stateMachineArn = arn, name = "e" .. i }) end
      local l = ok(svc:list_executions{ stateMachineArn = arn })
      assert.are.same({ "e5", "e4", "e3" }, { l.executions[1].name, l.executions[2].name, l.executions[3].name })
      assert.are.equal(3, #l.executions)
      fails("ExecutionDoesNotExist", nil, svc:describe_execution{ executionArn = PREFIX .. "execution:m:e1" })
    end)
  end)

  describe("sfn.local_service (" .. label .. "): task resources", function()
    local ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
    local TASK = '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"' .. ARN .. '","End":true}}}'

    it("runs Lua handlers by resource ARN", function()
      local seen
      local svc = new_service{ handlers = { [ARN] = function(input, ctx)
        seen = ctx.state
        return { doubled = input.n * 2 }
      end } }
      local e = ok(svc:start_execution{ stateMachineArn = machine(svc, "m", TASK), input = '{"n":21}' })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("SUCCEEDED", d.status)
      assert.are.equal('{"doubled":42}', d.output)
      assert.are.equal("T", seen)
    end)

    it("redrives a failed execution from the state that failed", function()
      local calls = 0
      local svc = new_service{ handlers = { [ARN] = function(input)
        calls = calls + 1
        if calls == 1 then error({ error = "Flaky", cause = "first call" }) end
        return { n = input.n + 1 }
      end } }
      local def = '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1},"Next":"T"},"T":{"Type":"Task","Resource":"' ..
        ARN .. '","End":true}}}'
      local e = ok(svc:start_execution{ stateMachineArn = machine(svc, "m", def) })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.same({ "FAILED", "Flaky", "REDRIVABLE" }, { d.status, d.error, d.redriveStatus })
      local r = ok(svc:redrive_execution{ executionArn = e.executionArn })
      assert.are.equal("number", type(r.redriveDate))
      d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.same({ "SUCCEEDED", '{"n":2}', 1 }, { d.status, d.output, d.redriveCount })
      local h = ok(svc:get_execution_history{ executionArn = e.executionArn })
      local types, ids = {}, {}
      for i, ev in ipairs(h.events) do types[i], ids[i] = ev.type, ev.id end
      assert.are.same({ "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed",
        "ExecutionRedriven", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
        "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded" }, types)
      for i = 1, #ids do assert.are.equal(i, ids[i]) end
      assert.are.equal(1, h.events[9].executionRedrivenEventDetails.redriveCount)
      assert.are.equal(9, h.events[10].previousEventId)
      fails("ExecutionNotRedrivable", "Execution " .. e.executionArn .. " is SUCCEEDED and cannot be redriven",
        svc:redrive_execution{ executionArn = e.executionArn })
    end)

    it("fails a task whose resource has neither handler nor mock, naming it", function()
      local svc = new_service{}
      local e = ok(svc:start_execution{ stateMachineArn = machine(svc, "m", TASK) })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("FAILED", d.status)
      assert.are.equal("sfn.NoHandler", d.error)
      assert.are.equal("No handler or mock for resource '" .. ARN .. "' (state 'T')", d.cause)
    end)

    it("uses a mock-config test case chosen with stateMachineArn#TestCase", function()
      local cfg = {
        StateMachines = { m = { TestCases = { Happy = { T = "Ok" }, Sad = { T = "Boom" } } } },
        MockedResponses = { Ok = { ["0"] = { Return = { mocked = true } } },
                            Boom = { ["0"] = { Throw = { Error = "Busy", Cause = "later" } } } },
      }
      local svc = new_service{ mock_config = cfg }
      local arn = machine(svc, "m", TASK)
      local e = ok(svc:start_execution{ stateMachineArn = arn .. "#Happy" })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal('{"mocked":true}', d.output)
      assert.are.equal(arn, d.stateMachineArn)
      e = ok(svc:start_execution{ stateMachineArn = arn .. "#Sad" })
      d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("Busy", d.error)
      fails("ValidationException", "test case 'Nope' is not defined for state machine 'm'",
        svc:start_execution{ stateMachineArn = arn .. "#Nope" })
    end)

    it("waits on .waitForTaskToken callbacks and answers them by token", function()
      local svc = new_service{ clock = "manual" }
      if not manual(svc) then return end
      local def = json.encode{ StartAt = "T", States = { T = { Type = "Task",
        Resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        Parameters = { QueueUrl = "q", MessageBody = { ["token.$"] = "$$.Task.Token" } },
        HeartbeatSeconds = 5, TimeoutSeconds = 60, End = true } } }
      local arn = machine(svc, "m", def)
      local function token_of(exec_arn)
        local h = ok(svc:get_execution_history{ executionArn = exec_arn })
        for _, ev in ipairs(h.events) do
          if ev.type == "TaskScheduled" then
            return json.decode(ev.taskScheduledEventDetails.parameters).MessageBody.token
          end
        end
      end
      local e = ok(svc:start_execution{ stateMachineArn = arn })
      local token = token_of(e.executionArn)
      assert.are.equal(64, #token)
      svc:advance(4)
      ok(svc:send_task_heartbeat{ taskToken = token })
      svc:advance(4)
      ok(svc:send_task_success{ taskToken = token, output = '{"ok":1}' })
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("SUCCEEDED", d.status)
      assert.are.equal('{"ok":1}', d.output)
      fails("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'",
        svc:send_task_success{ taskToken = token, output = "{}" })
      -- HeartbeatSeconds enforced
      e = ok(svc:start_execution{ stateMachineArn = arn })
      token = token_of(e.executionArn)
      svc:advance(6)
      d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.equal("FAILED", d.status)
      assert.are.equal("States.Timeout", d.error)
      fails("TaskTimedOut", nil, svc:send_task_heartbeat{ taskToken = token })
      -- failure by token
      e = ok(svc:start_execution{ stateMachineArn = arn })
      ok(svc:send_task_failure{ taskToken = token_of(e.executionArn), error = "Bad", cause = "no" })
      d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.same({ "FAILED", "Bad", "no" }, { d.status, d.error, d.cause })
      fails("InvalidToken", "Invalid Token: 'Invalid token'", svc:send_task_success{ taskToken = "x", output = "{}" })
      fails("TaskDoesNotExist", nil, svc:send_task_success{ taskToken = string.rep("a", 64), output = "{}" })
    end)
  end)

  describe("sfn.local_service (" .. label .. "): activities", function()
    local function act_machine(svc, act_arn, extra)
      local state = { Type = "Task", Resource = act_arn, End = true }
      for k, v in pairs(extra or {}) do state[k] = v end
      return machine(svc, "m", json.encode{ StartAt = "A", States = { A = state } })
    end

    it("creates, describes, lists and deletes activities", function()
      local svc = new_service{}
      local a = ok(svc:create_activity{ name = "work" })
      assert.are.equal(PREFIX .. "activity:work", a.activityArn)
      assert.are.same(a, ok(svc:create_activity{ name = "work" }))
      local d = ok(svc:describe_activity{ activityArn = a.activityArn })
      assert.are.equal("work", d.name)
      assert.are.same({ type = "AWS_OWNED_KEY" }, d.encryptionConfiguration)
      assert.are.equal(1, #ok(svc:list_activities{}).activities)
      fails("InvalidName", "Invalid Name: 'a b'", svc:create_activity{ name = "a b" })
      ok(svc:delete_activity{ activityArn = a.activityArn })
      fails("ActivityDoesNotExist", "Activity Does Not Exist: '" .. a.activityArn .. "'",
        svc:describe_activity{ activityArn = a.activityArn })
      fails("ActivityDoesNotExist", nil, svc:get_activity_task{ activityArn = a.activityArn })
    end)

    it("hands a scheduled task to a worker and takes its answer", function()
      local svc = new_service{ poll_seconds = 0.05 }
      local act = ok(svc:create_activity{ name = "work" }).activityArn
      local empty = ok(svc:get_activity_task{ activityArn = act })
      assert.is_nil(empty.taskToken)
      local arn = act_machine(svc, act)
      local e1 = ok(svc:start_execution{ stateMachineArn = arn, input = '{"job":1}' })
      local e2 = ok(svc:start_execution{ stateMachineArn = arn, input = '{"job":2}' })
      local t1 = ok(svc:get_activity_task{ activityArn = act, workerName = "w" })
      assert.are.equal('{"job":1}', t1.input)
      local t2 = ok(svc:get_activity_task{ activityArn = act })
      assert.are.equal('{"job":2}', t2.input)
      ok(svc:send_task_heartbeat{ taskToken = t1.taskToken })
      ok(svc:send_task_success{ taskToken = t1.taskToken, output = '{"done":1}' })
      ok(svc:send_task_failure{ taskToken = t2.taskToken, error = "WorkerError", cause = "no" })
      local d1 = ok(svc:describe_execution{ executionArn = e1.executionArn })
      assert.are.same({ "SUCCEEDED", '{"done":1}' }, { d1.status, d1.output })
      local d2 = ok(svc:describe_execution{ executionArn = e2.executionArn })
      assert.are.same({ "FAILED", "WorkerError", "no" }, { d2.status, d2.error, d2.cause })
      local h = ok(svc:get_execution_history{ executionArn = e1.executionArn })
      local types = {}
      for i, ev in ipairs(h.events) do types[i] = ev.type end
      assert.are.same({ "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
        "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded" }, types)
      fails("TaskTimedOut", nil, svc:send_task_success{ taskToken = t1.taskToken, output = "{}" })
    end)

    it("times an activity task out (TimeoutSeconds) and skips it when polled", function()
      local svc = new_service{ clock = "manual", poll_seconds = 0.01 }
      if not manual(svc) then return end
      local act = ok(svc:create_activity{ name = "work" }).activityArn
      local e = ok(svc:start_execution{ stateMachineArn = act_machine(svc, act, { TimeoutSeconds = 30 }) })
      svc:advance(30)
      local d = ok(svc:describe_execution{ executionArn = e.executionArn })
      assert.are.same({ "FAILED", "States.Timeout" }, { d.status, d.error })
      assert.is_nil(ok(svc:get_activity_task{ activityArn = act }).taskToken)
    end)
  end)

  describe("sfn.local_service (" .. label .. "): tags and map runs", function()
    it("tags state machines and activities", function()
      local svc = new_service{}
      local arn = ok(svc:create_state_machine{ name = "m", definition = PASS, roleArn = ROLE,
        tags = { { key = "k1", value = "v1" } } }).stateMachineArn
      ok(svc:tag_resource{ resourceArn = arn, tags = { { key = "k2", value = "v2" }, { key = "k1", value = "v9" } } })
      assert.are.same({ { key = "k1", value = "v9" }, { key = "k2", value = "v2" } },
        setmetatable(ok(svc:list_tags_for_resource{ resourceArn = arn }).tags, nil))
      ok(svc:untag_resource{ resourceArn = arn, tagKeys = { "k1" } })
      assert.are.equal(1, #ok(svc:list_tags_for_resource{ resourceArn = arn }).tags)
      fails("ResourceNotFound", "Resource not found: '" .. arn .. ":1'",
        svc:tag_resource{ resourceArn = arn .. ":1", tags = { { key = "a", value = "b" } } })
    end)

    it("answers the map-run operations for what exists", function()
      local svc = new_service{}
      local e = ok(svc:start_execution{ stateMachineArn = machine(svc, "m") })
      assert.are.equal(0, #ok(svc:list_map_runs{ executionArn = e.executionArn }).mapRuns)
      fails("ResourceNotFound", nil, svc:describe_map_run{ mapRunArn = PREFIX .. "mapRun:m/label:abc" })
      fails("InvalidArn", nil, svc:describe_map_run{ mapRunArn = "nope" })
    end)
  end)
end
