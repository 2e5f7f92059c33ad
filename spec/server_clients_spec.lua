-- spec/server_clients_spec.lua: clients no one here wrote against `sfn serve`
-- with signatures checked: boto3 (spec/fixtures/server_clients/boto3_flow.py)
-- and the AWS CLI.  Each creates state machines, runs STANDARD and EXPRESS
-- executions (sync and async), describes, lists with pagination, reads
-- history, stops, works an activity and sees AWS's error codes.  A client
-- that is not installed is skipped visibly (Debian: apt-get install
-- python3-boto3 awscli).
local json = require "sfn.json"
local socket = require "socket"

local AKID, SECRET = "AKIDSERVESPEC", "serve-spec-secret"
local lua = os.getenv("SFN_LUA") or "lua5.4"
local ROLE = "arn:aws:iam::123456789012:role/sfn"
local PREFIX = "arn:aws:states:us-east-1:123456789012:"

local function sh_ok(cmd)
  local r = os.execute(cmd .. " >/dev/null 2>&1")
  return r == true or r == 0
end

-- The environment a client runs in: no proxies, no config files, our keys.
local CLIENT_ENV = "env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u ALL_PROXY "
  .. "NO_PROXY=127.0.0.1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
  .. "AWS_ACCESS_KEY_ID=" .. AKID .. " AWS_SECRET_ACCESS_KEY=" .. SECRET .. " AWS_DEFAULT_REGION=us-east-1 "
  .. "AWS_DISABLE_HOST_PREFIX_INJECTION=true AWS_MAX_ATTEMPTS=1 AWS_PAGER= "

-- Starts bin/sfn serve; returns { pid =, port =, log = }.
local function start_serve()
  local log = os.tmpname()
  local p = io.popen(string.format("%s bin/sfn serve --port 0 --time-scale 0.001 --access-key-id %s "
    .. "--secret-access-key %s 2>%s & echo $!", lua, AKID, SECRET, log))
  local pid = tonumber(p:read("*l"))
  p:close()
  for _ = 1, 200 do
    local f = io.open(log)
    local text = f and f:read("*a") or ""
    if f then f:close() end
    local port = tonumber(text:match("listening on http://127%.0%.0%.1:(%d+) %(signatures checked%)"))
    if port then return { pid = pid, port = port, log = log } end
    socket.sleep(0.05)
  end
  os.execute("kill " .. pid)
  error("sfn serve did not start")
end

local function stop_serve(s)
  if not s then return end
  os.execute("kill -TERM " .. s.pid)
  for _ = 1, 100 do
    if not sh_ok("kill -0 " .. s.pid) then break end
    socket.sleep(0.05)
  end
  os.remove(s.log)
end

-- Output and success of a shell command.  (LuaJIT's popen close says
-- nothing about the exit status, so the status comes through the output.)
local function read_all(cmd)
  local p = io.popen("( " .. cmd .. " ); echo \"sfn-rc=$?\"")
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("sfn%-rc=(%d+)%s*$"))
  out = out:gsub("sfn%-rc=%d+%s*$", "")
  return out, rc == 0
end

---------------------------------------------------------------------------

local have_boto3 = sh_ok("python3 -c 'import boto3'")
if not have_boto3 then
  describe("sfn serve with boto3", function()
    pending("boto3 is not installed (apt-get install python3-boto3): boto3 specs skipped")
  end)
else
  describe("sfn serve with boto3", function()
    local serve
    setup(function() serve = start_serve() end)
    teardown(function() stop_serve(serve) end)

    it("runs the whole flow with signatures checked and gets AWS's error codes", function()
      local text = read_all(CLIENT_ENV .. "python3 spec/fixtures/server_clients/boto3_flow.py http://127.0.0.1:"
        .. serve.port .. " " .. AKID .. " " .. SECRET .. " 2>&1")
      local out = json.decode(text)
      assert(out, "boto3 flow failed: " .. text)
      assert.are.equal(PREFIX .. "stateMachine:std", out.std_arn)
      assert.are.equal("EXPRESS", out.describe_sm_type)
      assert.are.same({ arn = PREFIX .. "execution:std:first", status = "SUCCEEDED",
        output = '{"a":1,"r":{"ok":1}}', start_is_datetime = true }, out.standard)
      assert.are.same({ "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
        "WaitStateExited", "ExecutionSucceeded" }, out.history_types)
      assert.are.same({ { 6, 5 }, true }, out.history_reverse_page)
      assert.are.same({ status = "SUCCEEDED", output = '{"sync":true}',
        billed = { "billedDurationInMilliseconds", "billedMemoryUsedInMB" } }, out.sync)
      assert.truthy(out.express_async_arn:match("^" .. PREFIX:gsub("%-", "%%-") .. "express:exp:"))
      assert.are.same({ 2, 2, 2 }, out.list_pages)
      assert.are.same({ "ABORTED", "Stopped.By", "the spec" }, out.stopped)
      assert.are.same({ '{"job":7}', "SUCCEEDED", '{"done":true}' }, out.activity)
      local e = out.errors
      assert.are.same({ "ExecutionDoesNotExist", "Execution Does Not Exist: '" .. PREFIX .. "execution:std:nope'", 400 },
        e.no_execution)
      assert.are.same({ "InvalidName", "Invalid Name: 'bad name'", 400 }, e.bad_name)
      assert.are.equal("InvalidExecutionInput", e.bad_input[1])
      assert.are.same({ "InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
        .. "These fields are required: [States] at /'", 400 }, e.bad_definition)
      assert.are.same({ "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine",
        400 }, e.sync_standard)
      assert.are.equal("StateMachineDoesNotExist", e.no_machine[1])
      assert.are.equal("InvalidToken", e.bad_token[1])
      assert.are.same({ "InvalidSignatureException", "The request signature we calculated does not match the "
        .. "signature you provided. Check your AWS Secret Access Key and signing method. Consult the service "
        .. "documentation for details.", 403 }, e.wrong_secret)
      assert.are.same({ "UnrecognizedClientException", "The security token included in the request is invalid.", 403 },
        e.unknown_key)
    end)
  end)
end

---------------------------------------------------------------------------

local have_cli = sh_ok("aws --version")
if not have_cli then
  describe("sfn serve with the AWS CLI", function()
    pending("the AWS CLI is not installed (apt-get install awscli): AWS CLI specs skipped")
  end)
else
  describe("sfn serve with the AWS CLI", function()
    local serve
    setup(function() serve = start_serve() end)
    teardown(function() stop_serve(serve) end)

    -- aws stepfunctions ARGS -> decoded stdout | nil, stderr
    local function aws(args, extra_env)
      local f = os.tmpname()
      local out, ok = read_all(CLIENT_ENV .. (extra_env or "") .. "aws stepfunctions --output json --endpoint-url "
        .. "http://127.0.0.1:" .. serve.port .. " " .. args .. " 2>" .. f)
      local ef = io.open(f)
      local err = ef:read("*a")
      ef:close()
      os.remove(f)
      if not ok then return nil, err end
      if out:match("^%s*$") then return {} end
      return assert(json.decode(out))
    end
    local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
    local function wait_done(arn)
      local d
      for _ = 1, 100 do
        d = assert(aws("describe-execution --execution-arn " .. arn))
        if d.status ~= "RUNNING" then return d end
        socket.sleep(0.05)
      end
      return d
    end

    it("creates machines, runs STANDARD and EXPRESS (sync and async), lists, reads history, stops", function()
      local std = assert(aws("create-state-machine --name std --role-arn " .. ROLE .. " --definition "
        .. q('{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}'))).stateMachineArn
      assert.are.equal(PREFIX .. "stateMachine:std", std)
      local exp = assert(aws("create-state-machine --name exp --type EXPRESS --role-arn " .. ROLE .. " --definition "
        .. q('{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"hi","End":true}}}'))).stateMachineArn
      local e = assert(aws("start-execution --state-machine-arn " .. std .. " --name one --input " .. q('{"n":1}')))
      assert.are.equal(PREFIX .. "execution:std:one", e.executionArn)
      local d = wait_done(e.executionArn)
      assert.are.equal("SUCCEEDED", d.status)
      assert.are.equal('{"n":1}', d.output)
      local h = assert(aws("get-execution-history --execution-arn " .. e.executionArn))
      assert.are.equal(4, #h.events)
      assert.are.equal("ExecutionSucceeded", h.events[4].type)
      local s = assert(aws("start-sync-execution --state-machine-arn " .. exp .. " --input '{}'"))
      assert.are.equal("SUCCEEDED", s.status)
      assert.are.equal('"hi"', s.output)
      local a = assert(aws("start-execution --state-machine-arn " .. exp))
      assert.truthy(a.executionArn:find(PREFIX .. "express:exp:", 1, true))
      for i = 1, 4 do assert(aws("start-execution --state-machine-arn " .. std .. " --name n" .. i)) end
      -- the CLI follows nextToken itself with --page-size
      local l = assert(aws("list-executions --state-machine-arn " .. std .. " --page-size 2"))
      assert.are.equal(5, #l.executions)
      local page = assert(aws("list-executions --state-machine-arn " .. std .. " --max-items 2"))
      assert.are.equal(2, #page.executions)
      assert.are.equal("string", type(page.NextToken))
      local long = assert(aws("create-state-machine --name long --role-arn " .. ROLE .. " --definition "
        .. q('{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}'))).stateMachineArn
      local le = assert(aws("start-execution --state-machine-arn " .. long)).executionArn
      assert(aws("stop-execution --execution-arn " .. le .. " --error Halt --cause why"))
      d = assert(aws("describe-execution --execution-arn " .. le))
      assert.are.same({ "ABORTED", "Halt", "why" }, { d.status, d.error, d.cause })
    end)

    it("works an activity task", function()
      local act = assert(aws("create-activity --name cli-work")).activityArn
      local m = assert(aws("create-state-machine --name act --role-arn " .. ROLE .. " --definition "
        .. q('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"' .. act .. '","End":true}}}'))).stateMachineArn
      local e = assert(aws("start-execution --state-machine-arn " .. m .. " --input " .. q('{"job":1}'))).executionArn
      local t = assert(aws("get-activity-task --activity-arn " .. act .. " --worker-name cli"))
      assert.are.equal('{"job":1}', t.input)
      assert(aws("send-task-success --task-token " .. q(t.taskToken) .. " --task-output " .. q('{"ok":true}')))
      local d = wait_done(e)
      assert.are.same({ "SUCCEEDED", '{"ok":true}' }, { d.status, d.output })
    end)

    it("shows AWS's error codes", function()
      local function fails(args, code, extra_env)
        local res, err = aws(args, extra_env)
        assert.is_nil(res, "expected " .. code .. " from: aws " .. args)
        local got = err:match("An error occurred %(([%w]+)%)")
        assert.are.equal(code, got, err)
        return err
      end
      local err = fails("describe-execution --execution-arn " .. PREFIX .. "execution:none:x", "ExecutionDoesNotExist")
      assert.truthy(err:find("when calling the DescribeExecution operation: Execution Does Not Exist: '"
        .. PREFIX .. "execution:none:x'", 1, true))
      fails("create-state-machine --name bad --role-arn " .. ROLE .. " --definition '{}'", "InvalidDefinition")
      fails("start-execution --state-machine-arn " .. PREFIX .. "stateMachine:none", "StateMachineDoesNotExist")
      fails("describe-state-machine --state-machine-arn nope", "InvalidArn")
      fails("list-activities", "InvalidSignatureException", "AWS_SECRET_ACCESS_KEY=wrong ")
      fails("list-activities", "UnrecognizedClientException", "AWS_ACCESS_KEY_ID=AKIDOTHER ")
    end)
  end)
end
