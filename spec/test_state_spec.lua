-- spec/test_state_spec.lua: TestState in sfn.local_service: mock validation
-- against the integrated APIs' output shapes, Retry/Catch decisions with
-- errorDetails, stateConfiguration, the context object, Map inspection.
local sfn = require "sfn"
local json = require "sfn.json"
local mockcheck = require "sfn.service.test_state_mock"

local function ok(res, err)
  if res == nil then error("unexpected error: " .. tostring(err and err.code) .. ": " .. tostring(err and err.message), 2) end
  return res
end

local function fails(code, message, res, err)
  assert.is_nil(res)
  assert.are.equal(code, err.code)
  assert.are.equal(message, err.message)
end

local function task(resource, extra)
  local t = { Type = "Task", Resource = resource, End = true }
  for k, v in pairs(extra or {}) do t[k] = v end
  return json.encode(t)
end

local START = "arn:aws:states:::states:startExecution"

describe("sfn.local_service test_state", function()
  local svc
  before_each(function() svc = sfn.local_service{} end)

  describe("mock validation", function()
    it("requires the output's required fields in STRICT mode (the default)", function()
      fails("ValidationException", "Mock result schema validation error: Required field 'ExecutionArn' is missing",
        svc:test_state{ definition = task(START), mock = { result = '{"executionArn":"a","startDate":"d"}' } })
      local r = ok(svc:test_state{ definition = task(START),
        mock = { result = '{"ExecutionArn":"a","StartDate":"2025-01-01T00:00:00Z","Extra":1}' } })
      assert.are.equal("SUCCEEDED", r.status)
    end)

    it("checks only the fields present in PRESENT mode and nothing in NONE mode", function()
      local r = ok(svc:test_state{ definition = task(START), mock = { result = "{}", fieldValidationMode = "PRESENT" } })
      assert.are.equal("{}", r.output)
      fails("ValidationException", "Mock result schema validation error: Field 'StartDate' must be a string",
        svc:test_state{ definition = task(START), mock = { result = '{"StartDate":true}', fieldValidationMode = "PRESENT" } })
      r = ok(svc:test_state{ definition = task(START), mock = { result = '{"StartDate":true}', fieldValidationMode = "NONE" } })
      assert.are.equal('{"StartDate":true}', r.output)
    end)

    it("names the failing field with AWS's wording per type and constraint", function()
      local cases = {
        { "arn:aws:states:::aws-sdk:kms:encrypt", '{"CiphertextBlob":123}', "Field 'CiphertextBlob' must be a string" },
        { "arn:aws:states:::aws-sdk:kms:encrypt", '{"CiphertextBlob":""}',
          "Field 'CiphertextBlob' is smaller than the minimum length" },
        { "arn:aws:states:::aws-sdk:lambda:getFunction", '{"Configuration":{"MemorySize":127}}',
          "Field 'MemorySize' is less than the minimum value" },
        { "arn:aws:states:::aws-sdk:s3:getObject", '{"ContentLength":"9000"}', "Field 'ContentLength' must be a number" },
        { "arn:aws:states:::aws-sdk:s3:getObject", '{"StorageClass":"Papyrus"}', "Field 'StorageClass' is not an expected value" },
        { "arn:aws:states:::events:putEvents", '{"Entries":"x"}', "Field 'Entries' must be an array" },
        { "arn:aws:states:::events:putEvents", '{"Entries":[{"EventId":"a"},{"EventId":["b"]}]}',
          "Field 'EventId' must be a string" },
        { "arn:aws:states:::dynamodb:putItem", '{"ConsumedCapacity":{"CapacityUnits":"1.5"}}',
          "Field 'CapacityUnits' must be a number" },
        { "arn:aws:states:::lambda:invoke", '{"StatusCode":"200"}', "Field 'StatusCode' must be a number" },
      }
      for _, c in ipairs(cases) do
        fails("ValidationException", "Mock result schema validation error: " .. c[3],
          svc:test_state{ definition = task(c[1]), mock = { result = c[2], fieldValidationMode = "PRESENT" } })
      end
    end)

    it("takes Lambda's Payload as JSON and accepts fields the API does not define", function()
      local r = ok(svc:test_state{ definition = task("arn:aws:states:::lambda:invoke"),
        mock = { result = '{"StatusCode":200,"Payload":{"any":["json"]},"random":"json"}' } })
      assert.are.equal("SUCCEEDED", r.status)
    end)

    it("does not validate callbacks, .sync, Lambda function ARNs or services it has no shapes for", function()
      assert.is_nil(mockcheck.operation_of(START .. ".sync"))
      assert.is_nil(mockcheck.operation_of("arn:aws:states:::lambda:invoke.waitForTaskToken"))
      assert.is_nil(mockcheck.operation_of("arn:aws:lambda:us-east-1:123456789012:function:f"))
      assert.are.same({ "stepfunctions", "StartExecution" }, { mockcheck.operation_of(START) })
      assert.are.same({ "events", "PutEvents" }, { mockcheck.operation_of("arn:aws:states:::aws-sdk:eventbridge:putEvents") })
      assert.are.same({ "emr", "AddJobFlowSteps" }, { mockcheck.operation_of("arn:aws:states:::elasticmapreduce:addStep") })
      assert.is_nil(mockcheck.validate("arn:aws:states:::aws-sdk:nosuchservice:doIt", { X = 1 }))
      local r = ok(svc:test_state{ definition = task(START .. ".waitForTaskToken"), mock = { result = '{"x":1}' } })
      assert.are.equal("SUCCEEDED", r.status)
    end)
  end)

  describe("errors", function()
    local RETRY = { { ErrorEquals = { "Busy" }, IntervalSeconds = 2, BackoffRate = 3, MaxAttempts = 3 } }

    it("is RETRIABLE while the matching retrier has attempts left, with its index and backoff", function()
      local def = task("arn:aws:states:::lambda:invoke", { Retry = RETRY })
      local r = ok(svc:test_state{ definition = def, inspectionLevel = "DEBUG",
        mock = { errorOutput = { error = "Busy", cause = "later" } }, stateConfiguration = { retrierRetryCount = 2 } })
      assert.are.same({ "RETRIABLE", "Busy", "later" }, { r.status, r.error, r.cause })
      assert.are.same({ retryIndex = 0, retryBackoffIntervalSeconds = 18 }, r.inspectionData.errorDetails)
      r = ok(svc:test_state{ definition = def, inspectionLevel = "DEBUG",
        mock = { errorOutput = { error = "Busy", cause = "later" } }, stateConfiguration = { retrierRetryCount = 3 } })
      assert.are.equal("FAILED", r.status)
      assert.are.same({ retryIndex = 0 }, r.inspectionData.errorDetails)
    end)

    it("is CAUGHT_ERROR with the catcher's index, next state and output", function()
      local def = task("arn:aws:states:::lambda:invoke", { Retry = RETRY, Catch = {
        { ErrorEquals = { "Other" }, Next = "A" }, { ErrorEquals = { "States.ALL" }, ResultPath = "$.err", Next = "B" } } })
      local r = ok(svc:test_state{ definition = def, input = '{"k":1}', inspectionLevel = "TRACE",
        mock = { errorOutput = { error = "Oops", cause = "bad" } } })
      assert.are.same({ "CAUGHT_ERROR", "B", "Oops", "bad" }, { r.status, r.nextState, r.error, r.cause })
      assert.are.same({ k = 1, err = { Error = "Oops", Cause = "bad" } }, json.decode(r.output))
      assert.are.same({ catchIndex = 1 }, r.inspectionData.errorDetails)
    end)

    it("never retries or catches States.Runtime", function()
      local def = json.encode{ Type = "Pass", InputPath = "$.missing", End = true,
        Retry = { { ErrorEquals = { "States.ALL" } } }, Catch = { { ErrorEquals = { "States.ALL" }, Next = "C" } } }
      local r, err = svc:test_state{ definition = def, input = "{}" }
      if r == nil then error(err.message) end
      assert.are.same({ "FAILED", "States.Runtime" }, { r.status, r.error })
    end)
  end)

  describe("Map states", function()
    local MAP = { Type = "Map", ItemsPath = "$.items", End = true,
      ItemProcessor = { StartAt = "I", States = { I = { Type = "Pass", End = true } } } }
    local function map(extra)
      local m = {}
      for k, v in pairs(MAP) do m[k] = v end
      for k, v in pairs(extra or {}) do m[k] = v end
      return json.encode(m)
    end

    it("shows maxConcurrency (0 when unset) and the tolerated failures", function()
      local r = ok(svc:test_state{ definition = map{ ToleratedFailurePercentagePath = "$.pct" },
        input = '{"items":[1,2],"pct":50}', inspectionLevel = "DEBUG", mock = { result = "[1,2]" } })
      assert.are.equal(0, r.inspectionData.maxConcurrency)
      assert.are.equal(50, r.inspectionData.toleratedFailurePercentage)
      assert.are.equal("[1,2]", r.inspectionData.afterItemsPath)
      r = ok(svc:test_state{ definition = map{ MaxConcurrency = 4, ToleratedFailureCount = 1 },
        input = '{"items":[1,2]}', inspectionLevel = "DEBUG", mock = { result = "[1,2]" } })
      assert.are.same({ 4, 1 }, { r.inspectionData.maxConcurrency, r.inspectionData.toleratedFailureCount })
    end)

    it("fails when mapIterationFailureCount exceeds the tolerated failures", function()
      local def = map{ ToleratedFailureCount = 1, Catch = { { ErrorEquals = { "States.ExceedToleratedFailureThreshold" },
        Next = "T" } } }
      local r = ok(svc:test_state{ definition = def, input = '{"items":[1,2,3]}', mock = { result = "[0,0,1]" },
        stateConfiguration = { mapIterationFailureCount = 2 } })
      assert.are.same({ "CAUGHT_ERROR", "T", "States.ExceedToleratedFailureThreshold",
        "The specified tolerated failure threshold was exceeded" }, { r.status, r.nextState, r.error, r.cause })
      r = ok(svc:test_state{ definition = def, input = '{"items":[1,2,3]}', mock = { result = "[0,1,1]" },
        stateConfiguration = { mapIterationFailureCount = 1 } })
      assert.are.equal("SUCCEEDED", r.status)
    end)

    it("refuses a failure count without a mock or above the mocked iterations", function()
      fails("ValidationException", "TestState does not support MapIterationFailureCount when a mock is not specified.",
        svc:test_state{ definition = map(), stateConfiguration = { mapIterationFailureCount = 0 } })
      fails("ValidationException", "Map iteration failure count must be less than or equal to the number of Map iterations",
        svc:test_state{ definition = map(), mock = { result = "[1]" }, stateConfiguration = { mapIterationFailureCount = 2 } })
    end)

    it("refuses a Parallel state without branches", function()
      fails("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'",
        svc:test_state{ definition = '{"Type":"Parallel","Branches":[],"End":true}', mock = { result = "[]" } })
    end)
  end)

  describe("a state of a whole definition", function()
    it("runs it as StateName (what $$.State.Name shows) and names the state entered next", function()
      local def = json.encode{ StartAt = "A", States = {
        A = { Type = "Pass", Parameters = { ["n.$"] = "$$.State.Name" }, Next = "B" },
        B = { Type = "Choice", Choices = { { Variable = "$.n", IsPresent = true, Next = "C" } }, Default = "A" },
        C = { Type = "Succeed" } } }
      local r = ok(svc:test_state{ definition = def, stateName = "A" })
      assert.are.same({ "SUCCEEDED", "B", '{"n":"StateName"}' }, { r.status, r.nextState, r.output })
      r = ok(svc:test_state{ definition = def, stateName = "B", input = "{}" })
      assert.are.same({ "SUCCEEDED", "A" }, { r.status, r.nextState })
    end)
  end)

  describe("variables", function()
    it("gives the request's variables to the state and reports them with what it assigns", function()
      local r = ok(svc:test_state{ definition = json.encode{ Type = "Pass", Parameters = { ["v.$"] = "$x" },
        Assign = { y = 2 }, End = true }, variables = '{"x":5}', inspectionLevel = "TRACE" })
      assert.are.equal('{"v":5}', r.output)
      assert.are.equal('{"v":5}', r.inspectionData.afterParameters)
      assert.are.same({ x = 5, y = 2 }, json.decode(r.inspectionData.variables))
    end)
  end)

  describe("context object", function()
    it("refuses fields AWS does not allow", function()
      fails("ValidationException", "Invalid Context object provided: Field 'Pokedex' is not allowed",
        svc:test_state{ definition = task(START), context = '{"Pokedex":{}}', mock = { result = '{"ExecutionArn":"a","StartDate":"d"}' } })
      fails("ValidationException", "Invalid Context object provided: Field 'pokemon' is not allowed",
        svc:test_state{ definition = task(START), context = '{"Execution":{"pokemon":1}}' })
      fails("ValidationException", "Invalid Context object provided: Context object contains 'Task' when state is " ..
        "not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
        svc:test_state{ definition = task(START), context = '{"Task":{"Token":"t"}}' })
    end)

    it("is what $$ selects in the state's templates and in inspectionData", function()
      local def = task("arn:aws:states:::lambda:invoke", { Parameters = { ["n.$"] = "$$.Execution.Name" },
        ResultSelector = { ["r.$"] = "$", ["c.$"] = "$$.State" } })
      local r = ok(svc:test_state{ definition = def, inspectionLevel = "TRACE", mock = { result = '{"StatusCode":200}' },
        context = '{"Execution":{"Name":"exec-9"},"State":{"Name":"S"}}' })
      assert.are.same({ r = { StatusCode = 200 }, c = { Name = "S" } }, json.decode(r.output))
      assert.are.same({ n = "exec-9" }, json.decode(r.inspectionData.afterParameters))
      local m = json.encode{ Type = "Map", ItemsPath = "$$.Execution.Input.v", End = true,
        ItemProcessor = { StartAt = "I", States = { I = { Type = "Pass", End = true } } } }
      r = ok(svc:test_state{ definition = m, inspectionLevel = "DEBUG", mock = { result = "[1]" },
        context = '{"Execution":{"Input":{"v":[7]}}}' })
      assert.are.equal("[7]", r.inspectionData.afterItemsPath)
    end)
  end)
end)
