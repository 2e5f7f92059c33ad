-- sfn.client against Step Functions servers that no one here wrote: moto's
-- server (moto 5.2.1, its execution engine turned on through /moto-api/config)
-- and stepfunctions-local (npm).  Each runs on 127.0.0.1 on a free port while
-- its block runs; where a server is not installed its block is skipped,
-- visibly (a pending test that says why).
local sfn = require "sfn"
local json = require "sfn.json"
local http = require "sfn.http"
local scheduler = require "sfn.scheduler"

local CREDS = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
local ROLE = "arn:aws:iam::123456789012:role/sfn-spec"
local PASS = '{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"got.$":"$.a"},"Next":"Q"},' ..
  '"Q":{"Type":"Pass","End":true}}}'

local function sh_ok(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok == true or ok == 0
end

local function read_line(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return nil end
  local line = p:read("*l")
  p:close()
  return line
end

local function free_port()
  local socket = require "socket"
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return tonumber(port)
end

-- Starts cmd in the background; returns its pid (the process itself: the
-- commands below exec their interpreter).
local function spawn(cmd, log)
  return tonumber(read_line("sh -c 'exec " .. cmd .. " >" .. log .. " 2>&1' & echo $!"))
end

-- Waits until url answers HTTP (any status); true, or false after `limit` s.
local function wait_http(url, limit)
  local waited = 0
  while waited < limit do
    local res = http.request{ method = "GET", url = url, connect_timeout = 1, read_timeout = 5,
      proxy = false }
    if res then return true end
    scheduler.sleep(0.2)
    waited = waited + 0.2
  end
  return false
end

local function new_client(port)
  return assert(sfn.client{ region = "us-east-1", endpoint = "http://127.0.0.1:" .. port,
    credentials = CREDS, config = false, proxy = false })
end

-- Polls DescribeExecution until the status is not RUNNING (at most ~20 s).
local function wait_done(c, arn)
  local d, err
  for _ = 1, 100 do
    d, err = c:describe_execution{ executionArn = arn }
    if not d then return nil, err end
    if d.status ~= "RUNNING" then return d end
    scheduler.sleep(0.2)
  end
  return d
end

local function history_types(c, arn)
  local types = {}
  for ev, err in c:each("get_execution_history", { executionArn = arn }) do
    assert.is_nil(err)
    types[#types + 1] = ev.type
    assert.equal("number", type(ev.timestamp))
  end
  return types
end

local function expect_error(code, res, err)
  assert.is_nil(res)
  assert.equal(code, err and err.code)
  assert.equal(400, err.status)
  assert.is_false(err.retryable)
  return err
end

---------------------------------------------------------------------------
-- moto
---------------------------------------------------------------------------

local have_moto = sh_ok("command -v moto_server")

if not have_moto then
  describe("sfn.client against moto_server", function()
    pending("moto_server is not installed (pip install 'moto[server]==5.2.1'): moto specs skipped")
  end)
else
  describe("sfn.client against moto_server (moto 5.2.1)", function()
    local port, pid, log, c
    local function moto_config(engine)
      local res = assert(http.request{ method = "POST", url = "http://127.0.0.1:" .. port .. "/moto-api/config",
        headers = { ["Content-Type"] = "application/json" }, proxy = false,
        body = '{"stepfunctions":{"execute_state_machine":' .. tostring(engine) .. '}}' })
      assert.equal(201, res.status)
    end

    setup(function()
      port = free_port()
      log = os.tmpname()
      pid = spawn("moto_server -H 127.0.0.1 -p " .. port, log)
      assert(wait_http("http://127.0.0.1:" .. port .. "/moto-api/", 30), "moto_server did not start")
      moto_config(true)
      c = new_client(port)
    end)

    teardown(function()
      if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
      if log then os.remove(log) end
    end)

    -- moto 5.2.1's engine runs the first StartExecution after a reset and
    -- fails later ones with HTTP 500 (it deep-copies a lock): reset each time
    before_each(function()
      local res = assert(http.request{ method = "POST", url = "http://127.0.0.1:" .. port .. "/moto-api/reset",
        proxy = false })
      assert.equal(200, res.status)
      moto_config(true)
    end)

    it("creates a state machine and describes it", function()
      local sm = assert(c:create_state_machine{ name = "describe-me", definition = PASS, roleArn = ROLE,
        tags = { { key = "team", value = "lua" } } })
      assert.equal("arn:aws:states:us-east-1:123456789012:stateMachine:describe-me", sm.stateMachineArn)
      assert.equal("number", type(sm.creationDate))
      local d = assert(c:describe_state_machine{ stateMachineArn = sm.stateMachineArn })
      assert.equal("describe-me", d.name)
      assert.equal(PASS, d.definition)
      assert.equal(ROLE, d.roleArn)
      assert.equal("STANDARD", d.type)
      assert.equal("ACTIVE", d.status)
      assert.equal(sm.creationDate, d.creationDate)
      assert.same({ { key = "team", value = "lua" } },
        assert(c:list_tags_for_resource{ resourceArn = sm.stateMachineArn }).tags)
    end)

    it("starts an execution that moto's engine runs, describes it and reads its history", function()
      local sm = assert(c:create_state_machine{ name = "runs", definition = PASS, roleArn = ROLE })
      local ex = assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "first",
        input = '{"a":42}' })
      assert.equal("arn:aws:states:us-east-1:123456789012:execution:runs:first", ex.executionArn)
      assert.equal("number", type(ex.startDate))
      local d = assert(wait_done(c, ex.executionArn))
      assert.equal("SUCCEEDED", d.status)
      assert.same({ got = 42 }, json.decode(d.output))
      assert.equal('{"a":42}', d.input)
      assert.equal("first", d.name)
      assert.truthy(d.stopDate >= d.startDate)
      assert.same({ "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered",
        "PassStateExited", "ExecutionSucceeded" }, history_types(c, ex.executionArn))
      local for_exec = assert(c:describe_state_machine_for_execution{ executionArn = ex.executionArn })
      assert.equal(PASS, for_exec.definition)
    end)

    it("lists state machines, activities and executions page by page", function()
      for i = 1, 4 do
        assert(c:create_state_machine{ name = "page-" .. i, definition = PASS, roleArn = ROLE })
        assert(c:create_activity{ name = "page-act-" .. i })
      end
      local pages, names = 0, {}
      for page, err in c:paginate("list_state_machines", { maxResults = 2 }) do
        assert.is_nil(err)
        pages = pages + 1
        assert.truthy(#page.stateMachines <= 2)
        for _, m in ipairs(page.stateMachines) do names[m.name] = true end
      end
      assert.truthy(pages >= 2)
      for i = 1, 4 do assert.is_true(names["page-" .. i]) end
      local acts = {}
      for item in c:each("list_activities", { maxResults = 3 }) do acts[item.name] = item.activityArn end
      assert.equal("arn:aws:states:us-east-1:123456789012:activity:page-act-4", acts["page-act-4"])
      -- moto's engine runs one execution per reset (see before_each); its plain
      -- backend runs none but keeps any number, so the listing uses that one
      moto_config(false)
      local sm = assert(c:create_state_machine{ name = "many", definition = PASS, roleArn = ROLE })
      for i = 1, 5 do assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "x" .. i }) end
      local counts, seen = {}, {}
      for page, err in c:paginate("list_executions", { stateMachineArn = sm.stateMachineArn, maxResults = 2 }) do
        assert.is_nil(err)
        counts[#counts + 1] = #page.executions
        for _, e in ipairs(page.executions) do seen[#seen + 1] = e.name end
      end
      moto_config(true)
      assert.same({ 2, 2, 1 }, counts)
      table.sort(seen)
      assert.same({ "x1", "x2", "x3", "x4", "x5" }, seen)
    end)

    it("returns AWS's error codes", function()
      local sm = assert(c:create_state_machine{ name = "errors", definition = PASS, roleArn = ROLE })
      assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "once", input = "{}" })
      local err = expect_error("ExecutionAlreadyExists",
        c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "once", input = '{"other":1}' })
      assert.equal("Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:errors:once'",
        err.message)
      assert.truthy(err.request_id)
      err = expect_error("ExecutionDoesNotExist",
        c:describe_execution{ executionArn = "arn:aws:states:us-east-1:123456789012:execution:errors:nope" })
      assert.equal("ExecutionDoesNotExist: Execution Does Not Exist: " ..
        "'arn:aws:states:us-east-1:123456789012:execution:errors:nope'", tostring(err))
      expect_error("StateMachineDoesNotExist",
        c:describe_state_machine{ stateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:nope" })
      err = expect_error("InvalidArn", c:describe_state_machine{ stateMachineArn = "not-an-arn" })
      assert.equal("Invalid State Machine Arn: 'not-an-arn'", err.message)
      expect_error("InvalidName", c:create_state_machine{ name = "bad name!", definition = PASS, roleArn = ROLE })
      expect_error("InvalidToken", c:send_task_success{ taskToken = "no-such-token", output = "{}" })
    end)

    it("creates, describes, lists and deletes activities", function()
      local act = assert(c:create_activity{ name = "worker-queue" })
      assert.equal("arn:aws:states:us-east-1:123456789012:activity:worker-queue", act.activityArn)
      local d = assert(c:describe_activity{ activityArn = act.activityArn })
      assert.equal("worker-queue", d.name)
      assert.equal(act.creationDate, d.creationDate)
      local found = false
      for item in c:each("list_activities", {}) do
        if item.activityArn == act.activityArn then found = true end
      end
      assert.is_true(found)
      assert.same({}, assert(c:delete_activity{ activityArn = act.activityArn }))
      expect_error("ActivityDoesNotExist", c:describe_activity{ activityArn = act.activityArn })
    end)

    pending("GetActivityTask on moto: moto 5.2.1 does not implement it (HTTP 500, NotImplementedError); " ..
      "the activity worker round trip runs against stepfunctions-local below")
  end)
end

---------------------------------------------------------------------------
-- stepfunctions-local (npm)
---------------------------------------------------------------------------

local npm_root = sh_ok("command -v node") and read_line("npm root -g")
local sfl_server = npm_root and (npm_root .. "/stepfunctions-local/src/server.js")
local have_sfl = sfl_server and io.open(sfl_server, "rb") ~= nil

if not have_sfl then
  describe("sfn.client against stepfunctions-local", function()
    pending("stepfunctions-local is not installed (npm install -g stepfunctions-local): its specs skipped")
  end)
else
  describe("sfn.client against stepfunctions-local (npm)", function()
    local port, pid, log, script, script_base, c

    setup(function()
      port = free_port()
      log = os.tmpname()
      -- its server listens on every interface; this starts it on 127.0.0.1 only
      script_base = os.tmpname()
      script = script_base .. ".js"
      local f = assert(io.open(script, "wb"))
      f:write([[
const http = require('http');
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, cb) { return listen.call(this, port, '127.0.0.1', cb); };
require(process.argv[2]).start({ port: Number(process.argv[3]), region: 'us-east-1' });
]])
      f:close()
      pid = spawn("node " .. script .. " " .. sfl_server .. " " .. port, log)
      assert(wait_http("http://127.0.0.1:" .. port .. "/", 30), "stepfunctions-local did not start")
      c = new_client(port)
    end)

    teardown(function()
      if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
      if log then os.remove(log) end
      if script then os.remove(script) end
      if script_base then os.remove(script_base) end
    end)

    it("runs a state machine and reads its history", function()
      -- (stepfunctions-local predates Parameters: Result and ResultPath here)
      local def = '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r",' ..
        '"Next":"Q"},"Q":{"Type":"Pass","End":true}}}'
      local sm = assert(c:create_state_machine{ name = "pass", definition = def, roleArn = ROLE })
      local d = assert(c:describe_state_machine{ stateMachineArn = sm.stateMachineArn })
      -- stepfunctions-local answers the definition as a JSON object, not the
      -- model's string; the client passes what the server sent through
      assert.same(json.decode(def), d.definition)
      assert.equal("ACTIVE", d.status)
      local ex = assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "run-1",
        input = '{"a":7}' })
      local done = assert(wait_done(c, ex.executionArn))
      assert.equal("SUCCEEDED", done.status)
      assert.same({ a = 7, r = { x = 1 } }, json.decode(done.output))
      assert.same({ "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered",
        "PassStateExited", "ExecutionSucceeded" }, history_types(c, ex.executionArn))
    end)

    it("runs an activity worker round trip: GetActivityTask, SendTaskHeartbeat, SendTaskSuccess", function()
      local act = assert(c:create_activity{ name = "work" })
      assert.equal("work", assert(c:describe_activity{ activityArn = act.activityArn }).name)
      local def = '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"' .. act.activityArn ..
        '","End":true}}}'
      local sm = assert(c:create_state_machine{ name = "with-activity", definition = def, roleArn = ROLE })
      local ex = assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "job-1",
        input = '{"n":1}' })
      local task
      for _ = 1, 50 do   -- stepfunctions-local answers at once when no task waits (no long poll)
        task = assert(c:get_activity_task{ activityArn = act.activityArn, workerName = "lua" })
        if task.taskToken then break end
        scheduler.sleep(0.2)
      end
      assert.equal('{"n":1}', task.input)
      assert.same({}, assert(c:send_task_heartbeat{ taskToken = task.taskToken }))
      assert.same({}, assert(c:send_task_success{ taskToken = task.taskToken, output = '{"done":true}' }))
      local d = assert(wait_done(c, ex.executionArn))
      assert.equal("SUCCEEDED", d.status)
      assert.equal('{"done":true}', d.output)
      expect_error("TaskDoesNotExist", c:send_task_success{ taskToken = "no-such-token", output = "{}" })
    end)

    it("lists state machines and executions page by page", function()
      local arn
      for i = 1, 3 do
        arn = assert(c:create_state_machine{ name = "listed-" .. i, definition = PASS, roleArn = ROLE })
          .stateMachineArn
      end
      local names, pages = {}, 0
      for page, err in c:paginate("list_state_machines", { maxResults = 2 }) do
        assert.is_nil(err)
        pages = pages + 1
        for _, m in ipairs(page.stateMachines) do names[m.name] = true end
      end
      assert.truthy(pages >= 2)
      for i = 1, 3 do assert.is_true(names["listed-" .. i]) end
      for i = 1, 5 do assert(c:start_execution{ stateMachineArn = arn, name = "e" .. i }) end
      local seen = {}
      for item, err in c:each("list_executions", { stateMachineArn = arn, maxResults = 2 }) do
        assert.is_nil(err)
        seen[#seen + 1] = item.name
      end
      table.sort(seen)
      assert.same({ "e1", "e2", "e3", "e4", "e5" }, seen)
    end)

    it("returns AWS's error codes", function()
      local sm = assert(c:create_state_machine{ name = "errs", definition = PASS, roleArn = ROLE })
      assert(c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "once" })
      expect_error("ExecutionAlreadyExists",
        c:start_execution{ stateMachineArn = sm.stateMachineArn, name = "once", input = '{"x":1}' })
      expect_error("StateMachineAlreadyExists", c:create_state_machine{ name = "errs",
        definition = '{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}', roleArn = ROLE })
      local err = expect_error("InvalidDefinition", c:create_state_machine{ name = "broken",
        definition = '{"StartAt":"X"}', roleArn = ROLE })
      assert.truthy(err.message:find("SCHEMA_VALIDATION_FAILED", 1, true))
      expect_error("ExecutionDoesNotExist",
        c:describe_execution{ executionArn = "arn:aws:states:us-east-1:123456789012:execution:errs:nope" })
      expect_error("InvalidArn", c:describe_state_machine{ stateMachineArn = "not-an-arn" })
      expect_error("ActivityDoesNotExist",
        c:describe_activity{ activityArn = "arn:aws:states:us-east-1:123456789012:activity:nope" })
    end)
  end)
end
