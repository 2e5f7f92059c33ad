-- sfn.client against the project's test HTTP server (spec/support/test_server.lua):
-- the generated operations table, request validation, the exact bytes sent,
-- error decoding, standard-mode retries and the retry quota, timeouts,
-- pagination.  Servers written by others: spec/client_servers_spec.lua.
local sfn = require "sfn"
local json = require "sfn.json"
local client_mod = require "sfn.client"
local operations = require "sfn.operations"
local shapes = require "sfn.shapes"
local test_server = require "support.test_server"

local CREDS = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
local SM_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
local EXEC_ARN = "arn:aws:states:us-east-1:123456789012:execution:m:e1"

-- A client for url with test hooks: no sleeping (delays recorded), random() = 0.5.
local function new_client(url, extra)
  local slept = {}
  local opts = { region = "us-east-1", endpoint = url, credentials = CREDS, config = false, proxy = false,
    sleep = function(s) slept[#slept + 1] = s end, random = function() return 0.5 end }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local c = assert(sfn.client(opts))
  return c, slept
end

-- An sfn.http stand-in that records its calls and answers 200 {}.
local function recording_http(body)
  local calls = {}
  return { request = function(r)
    calls[#calls + 1] = r
    return { status = 200, headers = {}, body = body or "{}" }
  end }, calls
end

local function json_error(status, typ, message, headers)
  local h = { ["Content-Type"] = "application/x-amz-json-1.0", ["x-amzn-RequestId"] = "rid-" .. status }
  for k, v in pairs(headers or {}) do h[k] = v end
  return { status = status, headers = h,
    body = json.encode({ __type = typ, message = message }) }
end

local function servers()
  local list = {}
  local function start(opts)
    local s = test_server.start(opts)
    list[#list + 1] = s
    return s
  end
  local function stop_all()
    for _, s in ipairs(list) do s:stop() end
    for i = #list, 1, -1 do list[i] = nil end
  end
  return start, stop_all
end

describe("sfn.operations (generated from the API model)", function()
  it("has the model's 37 operations in snake_case, each with its X-Amz-Target", function()
    assert.same({
      "create_activity", "create_state_machine", "create_state_machine_alias", "delete_activity",
      "delete_state_machine", "delete_state_machine_alias", "delete_state_machine_version",
      "describe_activity", "describe_execution", "describe_map_run", "describe_state_machine",
      "describe_state_machine_alias", "describe_state_machine_for_execution", "get_activity_task",
      "get_execution_history", "list_activities", "list_executions", "list_map_runs",
      "list_state_machine_aliases", "list_state_machine_versions", "list_state_machines",
      "list_tags_for_resource", "publish_state_machine_version", "redrive_execution",
      "send_task_failure", "send_task_heartbeat", "send_task_success", "start_execution",
      "start_sync_execution", "stop_execution", "tag_resource", "test_state", "untag_resource",
      "update_map_run", "update_state_machine", "update_state_machine_alias",
      "validate_state_machine_definition" }, operations.names)
    for _, sn in ipairs(operations.names) do
      local op = operations.operations[sn]
      assert.equal("AWSStepFunctions." .. op.name, op.target)
      assert.is_function(client_mod.Client[sn])
    end
    assert.equal("AWSStepFunctions.DescribeStateMachineForExecution",
      operations.operations.describe_state_machine_for_execution.target)
  end)

  it("gives the sync- host prefix to StartSyncExecution and TestState only", function()
    local prefixed = {}
    for sn, op in pairs(operations.operations) do
      if op.host_prefix then prefixed[#prefixed + 1] = sn .. "=" .. op.host_prefix end
    end
    table.sort(prefixed)
    assert.same({ "start_sync_execution=sync-", "test_state=sync-" }, prefixed)
  end)

  it("keeps the model's types, required members, enums, lengths and ranges", function()
    local s = operations.shapes
    assert.same({ "stateMachineArn" }, s.StartExecutionInput.required)
    assert.same({ { "stateMachineArn", "Arn" }, { "name", "Name" }, { "input", "SensitiveData" },
      { "traceHeader", "TraceHeader" } }, s.StartExecutionInput.members)
    assert.same({ type = "string", min = 1, max = 80 }, s.Name)
    assert.same({ type = "integer", min = 0, max = 1000 }, s.PageSize)
    assert.same({ type = "float", min = 0, max = 100 }, s.ToleratedFailurePercentage)
    assert.same({ type = "string", enum = { "STANDARD", "EXPRESS" } }, s.StateMachineType)
    assert.same({ type = "string", max = 262144, sensitive = true }, s.SensitiveData)
    assert.same({ type = "list", min = 1, max = 2, member = "RoutingConfigurationListItem" },
      s.RoutingConfigurationList)
    assert.same({ type = "timestamp" }, s.Timestamp)
    assert.same({ "clientToken", "ClientToken", idempotency_token = true },
      s.RedriveExecutionInput.members[2])
    assert.is_true(s.ValidationException.exception)
  end)

  it("has the model's five paginators", function()
    assert.same({
      get_execution_history = { input_token = "nextToken", output_token = "nextToken",
        limit_key = "maxResults", result_key = "events" },
      list_activities = { input_token = "nextToken", output_token = "nextToken",
        limit_key = "maxResults", result_key = "activities" },
      list_executions = { input_token = "nextToken", output_token = "nextToken",
        limit_key = "maxResults", result_key = "executions" },
      list_map_runs = { input_token = "nextToken", output_token = "nextToken",
        limit_key = "maxResults", result_key = "mapRuns" },
      list_state_machines = { input_token = "nextToken", output_token = "nextToken",
        limit_key = "maxResults", result_key = "stateMachines" },
    }, operations.paginators)
  end)

  it("is exactly what tools/gen-operations.lua writes from the fixture model", function()
    if not os.execute("command -v lua5.4 >/dev/null 2>&1") then
      pending("lua5.4 is not installed: the generator runs with lua5.4")
      return
    end
    local out = os.tmpname()
    local ok = os.execute("lua5.4 tools/gen-operations.lua " ..
      "spec/fixtures/api-model/botocore-stepfunctions-2016-11-23 " .. out .. " 2>/dev/null")
    assert.truthy(ok)
    local f = assert(io.open(out, "rb")); local generated = f:read("*a"); f:close()
    os.remove(out)
    f = assert(io.open("lua/sfn/operations.lua", "rb")); local committed = f:read("*a"); f:close()
    assert.equal(committed, generated)
  end)
end)

describe("sfn.client construction", function()
  it("resolves the endpoint from the region by the model's rule set", function()
    local c = assert(sfn.client{ region = "eu-west-1", credentials = CREDS, config = false })
    assert.equal("https://states.eu-west-1.amazonaws.com/", c.endpoint)
    c = assert(sfn.client{ region = "cn-north-1", credentials = CREDS, config = false })
    assert.equal("https://states.cn-north-1.amazonaws.com.cn/", c.endpoint)
    c = assert(sfn.client{ region = "us-east-1", use_fips = true, credentials = CREDS, config = false })
    assert.equal("https://states-fips.us-east-1.amazonaws.com/", c.endpoint)
  end)

  it("returns NoRegionError without a region or an endpoint", function()
    local c, err = sfn.client{ credentials = CREDS, config = false }
    assert.is_nil(c)
    assert.equal("NoRegionError", err.code)
    assert.equal("NoRegionError: no region: pass region=, or set AWS_REGION or a profile's region",
      tostring(err))
  end)

  it("rejects a region that is not a host label", function()
    local c, err = sfn.client{ region = "us east 1", credentials = CREDS, config = false }
    assert.is_nil(c)
    assert.equal('InvalidRegionError: region "us east 1" is not a valid region name', tostring(err))
  end)

  it("rejects FIPS with a custom endpoint as the rule set does", function()
    local c, err = sfn.client{ region = "us-east-1", endpoint = "http://127.0.0.1:1", use_fips = true,
      credentials = CREDS, config = false }
    assert.is_nil(c)
    assert.equal("EndpointResolutionError", err.code)
    assert.equal("Invalid Configuration: FIPS and custom endpoint are not supported", err.message)
  end)

  it("raises on misuse", function()
    assert.has_error(function() sfn.client("us-east-1") end,
      "bad argument #1 to 'client' (table expected, got string)")
    assert.has_error(function()
      sfn.client{ region = "us-east-1", credentials = CREDS, config = false, retry = { mode = "legacy" } }
    end, "sfn.client: retry mode 'legacy' is not supported (only \"standard\")")
    assert.has_error(function()
      sfn.client{ region = "us-east-1", credentials = CREDS, config = false, retry = { max_attempts = 0 } }
    end, "sfn.client: retry.max_attempts must be an integer >= 1")
    assert.has_error(function()
      sfn.client{ region = "us-east-1", credentials = { access_key_id = "A" }, config = false }
    end, "sfn.client: credentials need access_key_id and secret_access_key strings")
  end)
end)

describe("sfn.client request validation", function()
  local http, calls, c
  before_each(function()
    http, calls = recording_http()
    c = new_client("http://127.0.0.1:1", { http = http })
  end)

  local function fails(fn_name, req, message, member)
    local res, err = c[fn_name](c, req)
    assert.is_nil(res)
    assert.equal("ParamValidationError", err.code)
    assert.equal(message, err.message)
    if member then assert.equal(member, err.member) end
    assert.is_false(err.retryable)
    assert.equal(0, #calls)
    return err
  end

  it("names a missing required member and sends nothing", function()
    local err = fails("start_execution", { input = "{}" },
      "invalid StartExecution request: stateMachineArn: required member is missing", "stateMachineArn")
    assert.equal("ParamValidationError: invalid StartExecution request: stateMachineArn: required member is missing",
      tostring(err))
    assert.same({ { path = "stateMachineArn", message = "stateMachineArn: required member is missing" } },
      err.errors)
    fails("describe_execution", nil, "invalid DescribeExecution request: executionArn: required member is missing")
  end)

  it("checks the model's types", function()
    fails("start_execution", { stateMachineArn = SM_ARN, input = { a = 1 } },
      "invalid StartExecution request: input: expected a string, got table", "input")
    fails("list_executions", { stateMachineArn = SM_ARN, maxResults = 1.5 },
      "invalid ListExecutions request: maxResults: expected an integer, got a fraction")
    fails("list_executions", { stateMachineArn = SM_ARN, maxResults = "10" },
      "invalid ListExecutions request: maxResults: expected an integer, got string")
    fails("test_state", { definition = "{}", revealSecrets = "yes" },
      "invalid TestState request: revealSecrets: expected a boolean, got string")
    fails("update_map_run", { mapRunArn = "arn", toleratedFailurePercentage = "5" },
      "invalid UpdateMapRun request: toleratedFailurePercentage: expected a finite number, got string")
    fails("untag_resource", { resourceArn = "arn", tagKeys = { a = "b" } },
      "invalid UntagResource request: tagKeys: expected a list (a sequence table), got a table with other keys")
    fails("start_execution", { stateMachineArn = json.null },
      "invalid StartExecution request: stateMachineArn: expected a string, got null")
  end)

  it("checks enum values", function()
    fails("create_state_machine", { name = "m", definition = "{}", roleArn = "arn", type = "express" },
      'invalid CreateStateMachine request: type: "express" is not one of STANDARD, EXPRESS', "type")
  end)

  it("checks lengths in characters and ranges", function()
    fails("create_activity", { name = "" },
      "invalid CreateActivity request: name: length 0 is below the minimum of 1")
    fails("create_activity", { name = string.rep("a", 81) },
      "invalid CreateActivity request: name: length 81 is above the maximum of 80")
    -- 80 two-byte characters are 80 characters
    assert.truthy(c:create_activity{ name = string.rep("\195\169", 80) })
    assert.equal(1, #calls)
    calls[1] = nil
    fails("create_activity", { name = "bad\255" },
      "invalid CreateActivity request: name: not valid UTF-8")
    fails("list_executions", { stateMachineArn = SM_ARN, maxResults = 1001 },
      "invalid ListExecutions request: maxResults: 1001 is above the maximum of 1000")
    fails("update_map_run", { mapRunArn = "arn", toleratedFailurePercentage = 100.5 },
      "invalid UpdateMapRun request: toleratedFailurePercentage: 100.5 is above the maximum of 100")
    fails("update_map_run", { mapRunArn = "arn", maxConcurrency = -1 },
      "invalid UpdateMapRun request: maxConcurrency: -1 is below the minimum of 0")
    local route = { stateMachineVersionArn = SM_ARN .. ":1", weight = 50 }
    fails("create_state_machine_alias", { name = "a", routingConfiguration = { route, route, route } },
      "invalid CreateStateMachineAlias request: routingConfiguration: length 3 is above the maximum of 2")
    fails("create_state_machine_alias", { name = "a", routingConfiguration = {} },
      "invalid CreateStateMachineAlias request: routingConfiguration: length 0 is below the minimum of 1")
    fails("create_state_machine_alias", { name = "a", routingConfiguration = { { stateMachineVersionArn = "v",
      weight = 101 } } },
      "invalid CreateStateMachineAlias request: routingConfiguration[1].weight: 101 is above the maximum of 100")
  end)

  it("names nested members by path and lists every problem", function()
    fails("create_state_machine", { name = "m", definition = "{}", roleArn = "arn", colour = "red",
      loggingConfiguration = { level = "ALL", destinations = {
        { cloudWatchLogsLogGroup = { logGroupArn = "arn:a" } },
        { cloudWatchLogsLogGroup = { logGroupArn = "" } } } },
      tags = { { key = "k", value = 1 } } },
      "invalid CreateStateMachine request: colour: not a member of CreateStateMachineInput; " ..
      "loggingConfiguration.destinations[2].cloudWatchLogsLogGroup.logGroupArn: length 0 is below the minimum of 1; " ..
      "tags[1].value: expected a string, got integer", "colour")
  end)

  it("raises when the request is not a table", function()
    assert.has_error(function() c:start_execution("arn") end,
      "bad argument #1 to 'start_execution' (table expected, got string)")
    assert.has_error(function() c.start_execution("arn") end,
      "bad self to 'start_execution' (call it as client:start_execution{...})")
    assert.has_error(function() c:call("no_such_operation", {}) end,
      "sfn.client: unknown operation 'no_such_operation'")
  end)

  it("fills RedriveExecution's clientToken (the model's idempotency token) when absent", function()
    assert.truthy(c:redrive_execution{ executionArn = EXEC_ARN })
    local body = json.decode(calls[1].body)
    assert.matches("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$",
      body.clientToken)
    assert.truthy(c:redrive_execution{ executionArn = EXEC_ARN, clientToken = "mine" })
    assert.equal('{"executionArn":"' .. EXEC_ARN .. '","clientToken":"mine"}', calls[2].body)
  end)

  it("accepts operations by their model names through call()", function()
    assert.truthy(c:call("ListActivities", {}))
    assert.equal("{}", calls[1].body)
  end)
end)

describe("sfn.client protocol (AWS JSON 1.0 over the test server)", function()
  local start, stop_all = servers()
  after_each(stop_all)

  -- The server stands as an HTTP proxy, so Host is the real endpoint's and the
  -- bytes (and signature) do not depend on the server's port.
  local function proxied_client(srv, extra)
    local opts = { endpoint = "http://states.us-east-1.amazonaws.com", proxy = srv:url(),
      now = function() return 1700000000 end, user_agent = "sfn-lua/test",
      uuid = function() return "00000000-0000-4000-8000-000000000001" end }
    for k, v in pairs(extra or {}) do opts[k] = v end
    return new_client(nil, opts)
  end

  it("sends StartExecution as exact, signed bytes (signature as botocore computes it)", function()
    local srv = start{ responses = { { status = 200,
      headers = { ["Content-Type"] = "application/x-amz-json-1.0", ["x-amzn-RequestId"] = "req-1" },
      body = '{"executionArn":"' .. EXEC_ARN .. '","startDate":1.700000000123E9}' } } }
    local c = proxied_client(srv)
    local res, meta = c:start_execution{ stateMachineArn = SM_ARN, name = "e1", input = '{"a":1}' }
    assert.same({ executionArn = EXEC_ARN, startDate = 1700000000.123 }, res)
    assert.equal(200, meta.status)
    assert.equal("req-1", meta.request_id)
    assert.equal(1, meta.attempts)
    local reqs = srv:requests()
    assert.equal(1, #reqs)
    assert.equal(table.concat({
      "POST http://states.us-east-1.amazonaws.com/ HTTP/1.1",
      "Host: states.us-east-1.amazonaws.com",
      "Proxy-Connection: Keep-Alive",
      "Content-Type: application/x-amz-json-1.0",
      "X-Amz-Target: AWSStepFunctions.StartExecution",
      "X-Amz-Date: 20231114T221320Z",
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/states/aws4_request, " ..
        "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-date;x-amz-target, " ..
        "Signature=079dbee1d6d7878bd0b6f5695612082e0286531cf1f6b9a0d8a7c64fd9976e0c",
      "amz-sdk-invocation-id: 00000000-0000-4000-8000-000000000001",
      "amz-sdk-request: attempt=1; max=3",
      "User-Agent: sfn-lua/test",
      "Content-Length: 106",
      "",
      '{"stateMachineArn":"' .. SM_ARN .. '","name":"e1","input":"{\\"a\\":1}"}' }, "\r\n"), reqs[1].raw)
  end)

  it("sends a session token and members in the model's order (ListExecutions)", function()
    local srv = start{ responses = { { body = '{"executions":[]}' } } }
    local c = proxied_client(srv, { credentials = { access_key_id = CREDS.access_key_id,
      secret_access_key = CREDS.secret_access_key, session_token = "SESSION/token+==" },
      uuid = function() return "00000000-0000-4000-8000-000000000002" end })
    local res = assert(c:list_executions{ maxResults = 10, statusFilter = "RUNNING", stateMachineArn = SM_ARN })
    assert.same({ executions = {} }, res)
    assert.equal(table.concat({
      "POST http://states.us-east-1.amazonaws.com/ HTTP/1.1",
      "Host: states.us-east-1.amazonaws.com",
      "Proxy-Connection: Keep-Alive",
      "Content-Type: application/x-amz-json-1.0",
      "X-Amz-Target: AWSStepFunctions.ListExecutions",
      "X-Amz-Date: 20231114T221320Z",
      "X-Amz-Security-Token: SESSION/token+==",
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/states/aws4_request, " ..
        "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, " ..
        "Signature=c67df19e4eca157a12731b27dfdd52111df0ce665032ffc1a4c6c8fb90178ab0",
      "amz-sdk-invocation-id: 00000000-0000-4000-8000-000000000002",
      "amz-sdk-request: attempt=1; max=3",
      "User-Agent: sfn-lua/test",
      "Content-Length: 115",
      "",
      '{"stateMachineArn":"' .. SM_ARN .. '","statusFilter":"RUNNING","maxResults":10}' }, "\r\n"),
      srv:requests()[1].raw)
  end)

  it("sends StartSyncExecution to the sync- host", function()
    local srv = start{ responses = { { body = '{"executionArn":"' .. EXEC_ARN .. '","status":"SUCCEEDED",' ..
      '"startDate":1700000000,"stopDate":1700000001.5,"billingDetails":{"billedMemoryUsedInMB":64,' ..
      '"billedDurationInMilliseconds":100}}' } } }
    local c = proxied_client(srv, { credentials = { access_key_id = CREDS.access_key_id,
      secret_access_key = CREDS.secret_access_key, session_token = "SESSION/token+==" },
      uuid = function() return "00000000-0000-4000-8000-000000000002" end })
    local res = assert(c:start_sync_execution{ stateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:x",
      input = "{}" })
    assert.same({ executionArn = EXEC_ARN, status = "SUCCEEDED", startDate = 1700000000, stopDate = 1700000001.5,
      billingDetails = { billedMemoryUsedInMB = 64, billedDurationInMilliseconds = 100 } }, res)
    local raw = srv:requests()[1].raw
    local head = "POST http://sync-states.us-east-1.amazonaws.com/ HTTP/1.1\r\n" ..
      "Host: sync-states.us-east-1.amazonaws.com\r\n"
    assert.equal(head, raw:sub(1, #head))
    assert.truthy(raw:find("Signature=918cea6f417d7989483f92224a656a26af82904fd1312899764f78003b0f771f\r\n", 1, true))
    -- and no prefix when told not to
    srv:stop()
    srv = start{ responses = { { body = "{}" } } }
    c = proxied_client(srv, { inject_host_prefix = false })
    assert.truthy(c:test_state{ definition = '{"Type":"Pass","End":true}' })
    assert.equal("POST http://states.us-east-1.amazonaws.com/ HTTP/1.1", srv:requests()[1].raw:match("^[^\r]*"))
  end)

  it("sends to an IP-literal endpoint without the host prefix, on one kept-alive connection", function()
    local srv = start{ responses = { { body = "{}" }, { body = "{}" }, { body = "{}" } } }
    local c = new_client(srv:url())
    assert.truthy(c:test_state{ definition = '{"Type":"Pass","End":true}' })
    assert.truthy(c:describe_execution{ executionArn = EXEC_ARN })
    assert.truthy(c:list_activities())
    local reqs = srv:requests()
    assert.equal(3, #reqs)
    assert.equal("POST / HTTP/1.1", reqs[1].raw:match("^[^\r]*"))
    assert.equal("127.0.0.1:" .. srv.port, reqs[1].headers.host)
    assert.equal("AWSStepFunctions.TestState", reqs[1].headers["x-amz-target"])
    assert.equal("{}", reqs[3].body)
    assert.equal(1, srv:connections())
  end)

  it("decodes responses by the model: timestamps as epoch seconds, unmodeled members and nulls dropped", function()
    local srv = start{ responses = { { body = table.concat{ '{"executionArn":"', EXEC_ARN, '",',
      '"stateMachineArn":"', SM_ARN, '","status":"RUNNING","startDate":"2023-11-14T22:13:20.25Z",',
      '"stopDate":null,"redriveCount":0,"extra":{"x":1},"itemCount":12}' } },
      { body = '{"events":[{"id":1,"type":"ExecutionStarted","timestamp":1.7E9,' ..
        '"executionStartedEventDetails":{"input":"{}","roleArn":"arn:r"}},' ..
        '{"id":2,"previousEventId":1,"type":"PassStateEntered","timestamp":1700000000.5}],"nextToken":null}' },
      { status = 200, body = "" } } }
    local c = new_client(srv:url())
    local res = assert(c:describe_execution{ executionArn = EXEC_ARN })
    assert.same({ executionArn = EXEC_ARN, stateMachineArn = SM_ARN, status = "RUNNING",
      startDate = 1700000000.25, redriveCount = 0 }, res)
    local h = assert(c:get_execution_history{ executionArn = EXEC_ARN })
    assert.same({ events = {
      { id = 1, type = "ExecutionStarted", timestamp = 1700000000,
        executionStartedEventDetails = { input = "{}", roleArn = "arn:r" } },
      { id = 2, previousEventId = 1, type = "PassStateEntered", timestamp = 1700000000.5 } } }, h)
    assert.equal("[", json.encode(h.events):sub(1, 1))
    assert.same({}, assert(c:delete_activity{ activityArn = "arn:a" }))
  end)
end)

describe("sfn.client errors", function()
  local start, stop_all = servers()
  after_each(stop_all)

  it("takes the code from __type without its namespace", function()
    local srv = start{ responses = { json_error(400,
      "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist", "Execution Does Not Exist: 'x'") } }
    local c = new_client(srv:url())
    local res, err = c:describe_execution{ executionArn = EXEC_ARN }
    assert.is_nil(res)
    assert.equal("ExecutionDoesNotExist", err.code)
    assert.equal("Execution Does Not Exist: 'x'", err.message)
    assert.equal(400, err.status)
    assert.equal("rid-400", err.request_id)
    assert.is_false(err.retryable)
    assert.equal(1, err.attempts)
    assert.equal("ExecutionDoesNotExist: Execution Does Not Exist: 'x'", tostring(err))
  end)

  it("prefers x-amzn-ErrorType, strips its :suffix, and keeps the error's modeled fields", function()
    local srv = start{ responses = { { status = 400, headers = {
        ["x-amzn-ErrorType"] = "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
        ["x-amzn-RequestId"] = "abc" },
      body = '{"__type":"Other","message":"1 validation error detected","reason":"CANNOT_UPDATE_COMPLETED_MAP_RUN"}' } } }
    local c = new_client(srv:url())
    local _, err = c:describe_map_run{ mapRunArn = "arn:m" }
    assert.equal("ValidationException", err.code)
    assert.equal("1 validation error detected", err.message)
    assert.equal("CANNOT_UPDATE_COMPLETED_MAP_RUN", err.reason)
    assert.equal("abc", err.request_id)
  end)

  it("reads a 'code' member and a capitalised Message", function()
    local srv = start{ responses = { { status = 400, body = '{"code":"aws#InvalidArn","Message":"Invalid Arn"}' },
      { status = 403, body = '{"__type":"UnrecognizedClientException:","message":"The security token is invalid"}' } } }
    local c = new_client(srv:url())
    local _, err = c:describe_activity{ activityArn = "x" }
    assert.equal("InvalidArn", err.code)
    assert.equal("Invalid Arn", err.message)
    _, err = c:describe_activity{ activityArn = "x" }
    assert.equal("UnrecognizedClientException", err.code)
    assert.equal(403, err.status)
    assert.equal("UnrecognizedClientException: The security token is invalid", tostring(err))
  end)

  it("falls back to the HTTP status when the body has no code (as botocore does)", function()
    local srv = start{ responses = { { status = 502, body = "<html>Bad Gateway</html>" } } }
    local c = new_client(srv:url(), { retry = { max_attempts = 1 } })
    local _, err = c:list_activities{}
    assert.equal("502", err.code)
    assert.equal("", err.message)
    assert.equal(502, err.status)
    assert.is_true(err.retryable)
  end)

  it("reports a 2xx body that is not JSON", function()
    local srv = start{ responses = { { status = 200, body = "not json" } } }
    local c = new_client(srv:url())
    local _, err = c:list_activities{}
    assert.equal("InvalidResponse", err.code)
    assert.equal(200, err.status)
  end)
end)

describe("sfn.client retries (standard mode)", function()
  local start, stop_all = servers()
  after_each(stop_all)

  it("retries a throttled call twice, then succeeds; the quota gets back the last retry's cost", function()
    local srv = start{ responses = {
      json_error(400, "ThrottlingException", "Rate exceeded"),
      json_error(400, "ThrottlingException", "Rate exceeded"),
      { body = '{"activities":[]}' }, { body = '{"activities":[]}' } } }
    local c, slept = new_client(srv:url())
    local res, meta = c:list_activities{}
    assert.same({ activities = {} }, res)
    assert.equal(3, meta.attempts)
    assert.same({ 0.5, 1 }, slept)              -- random() * min(2^(i-1), 20), random() = 0.5
    local reqs = srv:requests()
    assert.equal(3, #reqs)
    local id = reqs[1].headers["amz-sdk-invocation-id"]
    for i = 1, 3 do
      assert.equal("attempt=" .. i .. "; max=3", reqs[i].headers["amz-sdk-request"])
      assert.equal(id, reqs[i].headers["amz-sdk-invocation-id"])
    end
    assert.equal(500 - 5 - 5 + 5, c:retry_quota())
    assert.truthy(c:list_activities{})           -- a call with no retry gives back 1
    assert.equal(496, c:retry_quota())
  end)

  it("gives up after max_attempts against a server that always fails", function()
    local srv = start{ responses = { json_error(500, "InternalFailure", "boom") }, cycle = true }
    local c, slept = new_client(srv:url())
    local res, err = c:list_activities{}
    assert.is_nil(res)
    assert.equal("InternalFailure", err.code)
    assert.equal(500, err.status)
    assert.is_true(err.retryable)
    assert.equal(3, err.attempts)
    assert.is_true(err.max_attempts_reached)
    assert.equal(3, #srv:requests())
    assert.same({ 0.5, 1 }, slept)
    assert.equal(490, c:retry_quota())
  end)

  it("caps the backoff at 20 seconds", function()
    local srv = start{ responses = { json_error(503, "ServiceUnavailable", "busy") }, cycle = true }
    local c, slept = new_client(srv:url(), { retry = { max_attempts = 8 }, random = function() return 1 end })
    local _, err = c:list_activities{}
    assert.equal(8, err.attempts)
    assert.same({ 1, 2, 4, 8, 16, 20, 20 }, slept)
  end)

  it("stops retrying when the quota of 500 is spent, and refills it on success", function()
    local srv = start{ handler_source = [[
      return function(req, ctx)
        if ctx.index <= 151 then return { status = 503, body = '{"__type":"ServiceUnavailable"}' } end
        return { status = 200, body = "{}" }
      end]] }
    local c = new_client(srv:url())
    for _ = 1, 50 do
      local _, err = c:list_activities{}
      assert.equal(3, err.attempts)
    end
    assert.equal(0, c:retry_quota())
    local _, err = c:list_activities{}
    assert.equal("ServiceUnavailable", err.code)
    assert.equal(1, err.attempts)
    assert.is_true(err.retry_quota_exceeded)
    assert.equal(151, #srv:requests())
    assert.truthy(c:list_activities{})
    assert.equal(1, c:retry_quota())
  end)

  it("does not retry a client error", function()
    local srv = start{ responses = { json_error(400, "InvalidArn", "bad arn") }, cycle = true }
    local c, slept = new_client(srv:url())
    local _, err = c:describe_activity{ activityArn = "x" }
    assert.equal("InvalidArn", err.code)
    assert.equal(1, err.attempts)
    assert.same({}, slept)
    assert.equal(500, c:retry_quota())
  end)

  it("retries transient codes and every throttling code", function()
    for _, code in ipairs{ "RequestTimeoutException", "TooManyRequestsException", "LimitExceededException",
      "RequestLimitExceeded", "SlowDown", "ProvisionedThroughputExceededException" } do
      local srv = start{ responses = { json_error(400, code, "later"), { body = "{}" } } }
      local c = new_client(srv:url())
      local res, meta = c:list_activities{}
      assert.truthy(res)
      assert.equal(2, meta.attempts)
    end
    assert.is_true(client_mod.service_error_retryable("Throttling", 400))
    assert.is_false(client_mod.service_error_retryable("KmsThrottlingException", 400))
    assert.is_false(client_mod.service_error_retryable("InternalFailure", 501))
  end)

  it("retries connection errors", function()
    local srv = start{}
    local url = srv:url()
    srv:stop()
    local c, slept = new_client(url)
    local _, err = c:list_activities{}
    assert.equal("ConnectionError", err.code)
    assert.is_true(err.retryable)
    assert.equal(3, err.attempts)
    assert.equal(2, #slept)
    assert.equal(490, c:retry_quota())
  end)

  it("charges 10 for a retry after a timeout", function()
    local srv = start{ responses = { { hang = true } }, cycle = true }
    local c = new_client(srv:url(), { read_timeout = 0.3, retry = { max_attempts = 2 } })
    local _, err = c:list_activities{}
    assert.equal("ReadTimeout", err.code)
    assert.equal(2, err.attempts)
    assert.equal(490, c:retry_quota())
  end)
end)

describe("sfn.client timeouts", function()
  local start, stop_all = servers()
  after_each(stop_all)

  it("gives ReadTimeout when the server says nothing for read_timeout seconds", function()
    local srv = start{ responses = { { delay = 2, body = "{}" } } }
    local c = new_client(srv:url(), { read_timeout = 0.3, retry = { max_attempts = 1 } })
    local _, err = c:describe_execution{ executionArn = EXEC_ARN }
    assert.equal("ReadTimeout", err.code)
    assert.is_true(err.retryable)
  end)

  it("gives ConnectTimeout when the TCP connect does not complete", function()
    local hole = test_server.blackhole()
    local c = new_client(hole:url(), { connect_timeout = 0.3, retry = { max_attempts = 1 } })
    local _, err = c:list_activities{}
    hole:stop()
    assert.equal("ConnectTimeout", err.code)
    assert.is_true(err.retryable)
  end)

  it("never cuts GetActivityTask's long poll short with the read timeout", function()
    local srv = start{ responses = { { delay = 1, body = '{"taskToken":"t","input":"{}"}' },
      { delay = 1, body = "{}" } } }
    local c = new_client(srv:url(), { read_timeout = 0.3, long_poll_read_timeout = 3,
      retry = { max_attempts = 1 } })
    assert.same({ taskToken = "t", input = "{}" },
      assert(c:get_activity_task{ activityArn = "arn:aws:states:us-east-1:123456789012:activity:a" }))
    local _, err = c:describe_execution{ executionArn = EXEC_ARN }
    assert.equal("ReadTimeout", err.code)
  end)

  it("gives GetActivityTask a read timeout of at least 70 s by default", function()
    local http, calls = recording_http()
    local c = new_client("http://127.0.0.1:1", { http = http })
    c:get_activity_task{ activityArn = "arn:a" }
    c:describe_activity{ activityArn = "arn:a" }
    assert.equal(70, calls[1].read_timeout)
    assert.equal(60, calls[2].read_timeout)
    assert.equal(60, calls[1].connect_timeout)
    c = new_client("http://127.0.0.1:1", { http = http, read_timeout = 90, connect_timeout = 2 })
    c:get_activity_task{ activityArn = "arn:a" }
    assert.equal(90, calls[3].read_timeout)
    assert.equal(2, calls[3].connect_timeout)
  end)
end)

describe("sfn.client pagination", function()
  local start, stop_all = servers()
  after_each(stop_all)

  local PAGES = [[
    return function(req, ctx)
      local token = req.body:match('"nextToken":"([^"]*)"')
      local function item(n)
        return '{"executionArn":"arn:e' .. n .. '","stateMachineArn":"arn:m","name":"e' .. n ..
          '","status":"SUCCEEDED","startDate":1700000000}'
      end
      if token == nil then
        return { body = '{"executions":[' .. item(1) .. ',' .. item(2) .. '],"nextToken":"p2"}' }
      elseif token == "p2" then
        return { body = '{"executions":[' .. item(3) .. ',' .. item(4) .. '],"nextToken":"p3"}' }
      elseif token == "p3" then
        return { body = '{"executions":[' .. item(5) .. ']}' }
      elseif token == "fail" then
        return { status = 400, body = '{"__type":"InvalidToken","message":"bad token"}' }
      end
      return { body = '{"executions":[],"nextToken":"' .. token .. '"}' }
    end]]

  it("iterates over every page, passing nextToken and the request's own members", function()
    local srv = start{ handler_source = PAGES }
    local c = new_client(srv:url())
    local counts = {}
    for page, err in c:paginate("list_executions", { stateMachineArn = SM_ARN, maxResults = 2 }) do
      assert.is_nil(err)
      counts[#counts + 1] = #page.executions
    end
    assert.same({ 2, 2, 1 }, counts)
    local bodies = {}
    for i, r in ipairs(srv:requests()) do bodies[i] = r.body end
    assert.same({
      '{"stateMachineArn":"' .. SM_ARN .. '","maxResults":2}',
      '{"stateMachineArn":"' .. SM_ARN .. '","maxResults":2,"nextToken":"p2"}',
      '{"stateMachineArn":"' .. SM_ARN .. '","maxResults":2,"nextToken":"p3"}' }, bodies)
  end)

  it("iterates over every item with each()", function()
    local srv = start{ handler_source = PAGES }
    local c = new_client(srv:url())
    local names = {}
    for item in c:each("list_executions", { stateMachineArn = SM_ARN }) do
      names[#names + 1] = item.name
      assert.equal(1700000000, item.startDate)
    end
    assert.same({ "e1", "e2", "e3", "e4", "e5" }, names)
  end)

  it("starts from a given nextToken and ends the loop with (false, err) on a failure", function()
    local srv = start{ handler_source = PAGES }
    local c = new_client(srv:url())
    local seen = {}
    for page, err in c:paginate("ListExecutions", { stateMachineArn = SM_ARN, nextToken = "fail" }) do
      seen[#seen + 1] = { page, err and err.code }
    end
    assert.same({ { false, "InvalidToken" } }, seen)
    seen = {}
    for item, err in c:each("list_executions", { stateMachineArn = SM_ARN, nextToken = "p3" }) do
      seen[#seen + 1] = item and item.name or err
    end
    assert.same({ "e5" }, seen)
  end)

  it("stops with PaginationError when the same token comes back twice", function()
    local srv = start{ handler_source = PAGES }
    local c = new_client(srv:url())
    local out = {}
    for page, err in c:paginate("list_executions", { stateMachineArn = SM_ARN, nextToken = "loop" }) do
      out[#out + 1] = page and "page" or err.code
    end
    assert.same({ "page", "PaginationError" }, out)
  end)

  it("refuses an operation that has no paginator", function()
    local c = new_client("http://127.0.0.1:1")
    assert.has_error(function() c:paginate("describe_execution", {}) end,
      "sfn.client: 'describe_execution' is not a paginated operation")
  end)
end)

describe("sfn.client credentials and configuration", function()
  local start, stop_all = servers()
  after_each(stop_all)

  it("asks a credentials provider on every attempt and passes its error on, sending nothing", function()
    local srv = start{ responses = { json_error(500, "InternalFailure", "x"), { body = "{}" } } }
    local asked = 0
    local provider = { get = function()
      asked = asked + 1
      if asked == 1 then
        return { access_key_id = "AKID1", secret_access_key = "S1" }
      end
      return { access_key_id = "AKID2", secret_access_key = "S2", session_token = "T2" }
    end }
    local c = new_client(srv:url(), { credentials = provider })
    assert.truthy(c:list_activities{})
    assert.equal(2, asked)
    local reqs = srv:requests()
    assert.matches("Credential=AKID1/", reqs[1].headers.authorization, 1, true)
    assert.matches("Credential=AKID2/", reqs[2].headers.authorization, 1, true)
    assert.equal("T2", reqs[2].headers["x-amz-security-token"])
    local failing = { get = function()
      return nil, setmetatable({ code = "CredentialRetrievalError", message = "process exited 1" },
        { __tostring = function(e) return e.code .. ": " .. e.message end })
    end }
    c = new_client(srv:url(), { credentials = failing })
    local res, err = c:list_activities{}
    assert.is_nil(res)
    assert.equal("CredentialRetrievalError: process exited 1", tostring(err))
    assert.equal(2, #srv:requests())
  end)

  it("takes region, endpoint and keys from the environment (sfn.config, sfn.credentials)", function()
    local srv = start{ responses = { { body = "{}" } } }
    local env = { AWS_REGION = "eu-central-1", AWS_ENDPOINT_URL_SFN = srv:url(),
      AWS_ACCESS_KEY_ID = "AKIDENV", AWS_SECRET_ACCESS_KEY = "SECRETENV",
      AWS_CONFIG_FILE = "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials",
      AWS_EC2_METADATA_DISABLED = "true" }
    local c = assert(sfn.client{ env = function(k) return env[k] end, proxy = false })
    assert.equal("eu-central-1", c.region)
    assert.equal(srv:url(), c.endpoint)
    assert.truthy(c:list_activities{})
    assert.matches("Credential=AKIDENV/%d+/eu%-central%-1/states/aws4_request",
      srv:requests()[1].headers.authorization)
  end)

  it("reports NoCredentialsError when no source has credentials", function()
    local env = { AWS_CONFIG_FILE = "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials",
      AWS_EC2_METADATA_DISABLED = "true" }
    local http, calls = recording_http()
    local c = assert(sfn.client{ region = "us-east-1", endpoint = "http://127.0.0.1:1", http = http,
      env = function(k) return env[k] end })
    local res, err = c:list_activities{}
    assert.is_nil(res)
    assert.equal("NoCredentialsError: Unable to locate credentials", tostring(err))
    assert.equal(0, #calls)
  end)
end)

describe("sfn.client under sfn's scheduler", function()
  local start, stop_all = servers()
  after_each(stop_all)

  it("runs the calls of many coroutines at once", function()
    local srv = start{ responses = { { delay = 0.3, body = '{"status":"RUNNING"}' } }, cycle = true }
    local c = new_client(srv:url())
    local results = {}
    for i = 1, 5 do
      sfn.spawn(function()
        local res, err = c:describe_execution{ executionArn = EXEC_ARN .. i }
        results[i] = res and res.status or tostring(err)
      end)
    end
    sfn.run()
    assert.same({ "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING" }, results)
    assert.equal(5, #srv:requests())
    assert.equal(5, srv:connections())   -- each waited on its own connection
  end)
end)
