-- sfn.worker end to end: `sfn serve` and two `sfn worker` processes
-- (spec/fixtures/worker/e2e.lua, concurrency 50 each), driven by sfn.client:
--   1. 1,000 executions, one activity task each: all complete, none twice, none lost;
--   2. a task longer than the state's HeartbeatSeconds kept alive by heartbeats;
--   3. the server stopped for 10 s and restarted: the same worker processes, never
--      restarted, pick up the tasks of executions started after the restart;
--   4. a worker killed with SIGKILL mid-task: the task's heartbeat timeout fires
--      and the state machine's Retry runs it on the other worker;
--   5. SIGTERM during work: the tasks in flight are reported before the process exits.
-- Skipped (pending) when `sfn serve` does not start.  SFN_SERVE_CMD overrides the
-- server command (a format with %d for the port).
local sfn = require "sfn"
local json = require "sfn.json"
local core = require "sfn.core"

local LUA = os.getenv("SFN_LUA") or "lua5.4"
local CREDS = { access_key_id = "AKIDEXAMPLE", secret_access_key = "secret" }
local ROLE = "arn:aws:iam::123456789012:role/e2e"

local function now() return core.monotonic_ms() / 1000 end
local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("*a")
  f:close()
  return s
end

-- A background process: sh prints its pid, then becomes the command.
local function spawn(cmd, log)
  local p = assert(io.popen("echo $$; exec " .. cmd .. " >" .. sh_quote(log) .. " 2>&1", "r"))
  local pid = tonumber(p:read("*l"))
  return { pid = pid, pipe = p, log = log }
end

-- os.execute's success: true on Lua 5.4, 0 on LuaJIT
local function run_ok(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

local function alive(proc)
  return not proc.reaped and run_ok("kill -0 " .. proc.pid .. " 2>/dev/null")
end

local function signal(proc, sig)
  os.execute("kill -" .. sig .. " " .. proc.pid .. " 2>/dev/null")
end

-- Waits for the process to exit (closing the pipe reaps it).
local function reap(proc)
  if proc.reaped then return end
  proc.pipe:read("*a")
  proc.pipe:close()
  proc.reaped = true
end

-- A free port below Linux's ephemeral range (32768-60999), so that no
-- client socket retrying a connect while the server is down can take it.
local function free_port()
  local socket = require "socket"
  local seed = tonumber(tostring({}):match("0x(%x+)") or "1", 16) or 1
  for i = 0, 200 do
    local port = 20000 + (seed + i * 7919) % 12000
    local s = socket.tcp()
    s:setoption("reuseaddr", true)
    if s:bind("127.0.0.1", port) then
      s:close()
      return port
    end
    s:close()
  end
  error("no free port")
end

local tmp = os.tmpname()
os.remove(tmp)
os.execute("mkdir -p " .. sh_quote(tmp))

local port = free_port()
local endpoint = "http://127.0.0.1:" .. port .. "/"
local client = assert(sfn.client{ endpoint = endpoint, region = "us-east-1", credentials = CREDS,
  config = false, proxy = false })
local server, workers = nil, {}
local activity_arn, sm_arn

local function start_server()
  local fmt = os.getenv("SFN_SERVE_CMD") or (LUA .. " bin/sfn serve --port %d")
  local proc = spawn(string.format(fmt, port), tmp .. "/serve.log")
  local t0 = now()
  while now() - t0 < 10 do
    if client:list_activities{} then return proc end
    if not alive(proc) then break end
    sfn.sleep(0.1)
  end
  signal(proc, "KILL")
  reap(proc)
  return nil, read_file(tmp .. "/serve.log")
end

local DEFINITION = [[{
  "StartAt": "Work",
  "States": {
    "Work": {
      "Type": "Task", "Resource": "%s", "HeartbeatSeconds": 2, "TimeoutSeconds": 120,
      "Retry": [ { "ErrorEquals": ["States.Timeout", "sfn.WorkerStopped"], "IntervalSeconds": 1,
                   "MaxAttempts": 20, "BackoffRate": 1.0 } ],
      "End": true
    }
  }
}]]

local function create_resources()
  activity_arn = assert(client:create_activity{ name = "e2e" }).activityArn
  sm_arn = assert(client:create_state_machine{ name = "e2e", roleArn = ROLE,
    definition = string.format(DEFINITION, activity_arn) }).stateMachineArn
end

local function start_worker()
  local env = string.format("SFN_TEST_ENDPOINT=%s SFN_TEST_ACTIVITY=%s SFN_TEST_LOG_DIR=%s",
    endpoint, activity_arn, sh_quote(tmp))
  local n = #workers + 1
  local proc = spawn(string.format("env %s %s bin/sfn worker spec/fixtures/worker/e2e.lua --concurrency 50",
    env, LUA), tmp .. "/worker" .. n .. ".out")
  workers[n] = proc
  return proc
end

-- Starts executions named prefix-1..n with inputs make(i), 25 at a time; returns their ARNs.
local function start_executions(prefix, n, make)
  local arns = {}
  sfn.run(function()
    local next_i = 1
    for _ = 1, 25 do
      sfn.spawn(function()
        while next_i <= n do
          local i = next_i
          next_i = next_i + 1
          local res = assert(client:start_execution{ stateMachineArn = sm_arn, name = prefix .. "-" .. i,
            input = json.encode(make(i)) })
          arns[i] = res.executionArn
        end
      end)
    end
  end)
  return arns
end

-- DescribeExecution of each, 25 at a time.
local function describe_all(arns)
  local out = {}
  sfn.run(function()
    local next_i = 1
    for _ = 1, 25 do
      sfn.spawn(function()
        while next_i <= #arns do
          local i = next_i
          next_i = next_i + 1
          out[i] = assert(client:describe_execution{ executionArn = arns[i] })
        end
      end)
    end
  end)
  return out
end

-- Waits until none of arns is RUNNING (or `limit` seconds); returns their descriptions.
local function wait_done(arns, limit)
  local t0 = now()
  local descs
  repeat
    local running = 0
    for page, err in client:paginate("list_executions", { stateMachineArn = sm_arn, statusFilter = "RUNNING",
        maxResults = 1000 }) do
      assert(page, "list_executions failed: " .. tostring(err))
      running = running + #page.executions
    end
    if running == 0 then break end
    sfn.sleep(0.2)
  until now() - t0 > limit
  descs = describe_all(arns)
  return descs
end

-- Lines "start|done pid id" of every worker log: { start = { [id] = { pid, ... } }, done = ... }.
local function worker_logs()
  local seen = { start = {}, done = {} }
  local p = io.popen("ls " .. sh_quote(tmp))
  for name in p:lines() do
    if name:match("^%d+%.log$") then
      for line in io.lines(tmp .. "/" .. name) do
        local what, pid, id = line:match("^(%a+) (%d+) (.*)$")
        if what then
          local t = seen[what]
          t[id] = t[id] or {}
          table.insert(t[id], tonumber(pid))
        end
      end
    end
  end
  p:close()
  return seen
end

describe("sfn.worker end to end (sfn serve, sfn worker processes)", function()
  local skip_reason

  setup(function()
    local err
    server, err = start_server()
    if not server then
      skip_reason = "sfn serve did not start: " .. tostring(err):sub(1, 200)
      return
    end
    create_resources()
    start_worker()
    start_worker()
  end)

  teardown(function()
    for _, w in ipairs(workers) do
      if not w.reaped then signal(w, "KILL"); reap(w) end
    end
    if server and not server.reaped then signal(server, "KILL"); reap(server) end
    os.execute("rm -rf " .. sh_quote(tmp))
  end)

  local function need_server()
    if skip_reason then
      pending(skip_reason)
      return false
    end
    return true
  end

  it("runs 1,000 tasks through 2 workers of concurrency 50: all complete, none twice, none lost", function()
    if not need_server() then return end
    local n = 1000
    local t0 = now()
    local arns = start_executions("bulk", n, function(i) return { id = "bulk-" .. i } end)
    local descs = wait_done(arns, 90)
    local took = now() - t0
    local by_pid = {}
    for i = 1, n do
      local d = descs[i]
      assert.equal("SUCCEEDED", d.status, "execution " .. i .. ": " .. tostring(d.error) .. " " .. tostring(d.cause))
      local out = json.decode(d.output)
      assert.equal("bulk-" .. i, out.id)
      by_pid[out.pid] = (by_pid[out.pid] or 0) + 1
    end
    local logs = worker_logs()
    for i = 1, n do
      local id = "bulk-" .. i
      assert.equal(1, #(logs.start[id] or {}), id .. " started " .. #(logs.start[id] or {}) .. " times")
      assert.equal(1, #(logs.done[id] or {}), id .. " done " .. #(logs.done[id] or {}) .. " times")
    end
    -- both workers took part
    assert.truthy(by_pid[workers[1].pid] and by_pid[workers[2].pid], "tasks per worker: " ..
      tostring(by_pid[workers[1].pid]) .. " / " .. tostring(by_pid[workers[2].pid]))
    io.stderr:write(string.format("\n[worker e2e] 1,000 tasks in %.2f s (%d / %d per worker)\n", took,
      by_pid[workers[1].pid], by_pid[workers[2].pid]))
  end)

  it("keeps a task longer than HeartbeatSeconds alive with heartbeats", function()
    if not need_server() then return end
    -- HeartbeatSeconds is 2; the task takes 3 s, heartbeating every 0.5 s
    local arns = start_executions("long", 1, function() return { id = "long-1", sleep = 3 } end)
    local descs = wait_done(arns, 30)
    local types = {}
    for _, e in ipairs(assert(client:get_execution_history{ executionArn = arns[1], maxResults = 1000 }).events) do
      types[#types + 1] = e.type
    end
    assert.equal("SUCCEEDED", descs[1].status, table.concat(types, " "))
    assert.equal("ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded " ..
      "TaskStateExited ExecutionSucceeded", table.concat(types, " "))
  end)

  it("keeps the same worker processes across a server stopped for 10 s and restarted", function()
    if not need_server() then return end
    signal(server, "TERM")
    reap(server)
    local down_at = now()
    sfn.sleep(10)
    local err
    server, err = start_server()
    assert.truthy(server, err)
    assert.truthy(now() - down_at >= 10)
    -- a fresh service: the same activity and state machine again (the same ARNs)
    local old_activity = activity_arn
    create_resources()
    assert.equal(old_activity, activity_arn)
    for _, w in ipairs(workers) do assert.truthy(alive(w), "worker " .. w.pid .. " exited") end
    local arns = start_executions("after", 20, function(i) return { id = "after-" .. i } end)
    local descs = wait_done(arns, 30)
    local pids = {}
    for i = 1, 20 do
      assert.equal("SUCCEEDED", descs[i].status)
      local out = json.decode(descs[i].output)
      assert.equal("after-" .. i, out.id)
      pids[out.pid] = true
    end
    for pid in pairs(pids) do
      assert.truthy(pid == workers[1].pid or pid == workers[2].pid)
    end
    for _, w in ipairs(workers) do assert.truthy(alive(w), "worker " .. w.pid .. " exited") end
  end)

  it("retries on the other worker the task of a worker killed with SIGKILL (heartbeat timeout)", function()
    if not need_server() then return end
    -- (the task takes 1 s: less than HeartbeatSeconds, so the test is about the kill, not heartbeats)
    local arns = start_executions("kill", 1, function() return { id = "kill-1", sleep = 1 } end)
    local t0 = now()
    local victim
    while not victim and now() - t0 < 10 do
      local s = worker_logs().start["kill-1"]
      if s then victim = s[1] end
      if not victim then sfn.sleep(0.05) end
    end
    assert.truthy(victim, "no worker started the task")
    local killed, survivor
    for _, w in ipairs(workers) do
      if w.pid == victim then killed = w else survivor = w end
    end
    signal(killed, "KILL")
    reap(killed)
    local descs = wait_done(arns, 60)
    assert.equal("SUCCEEDED", descs[1].status)
    local out = json.decode(descs[1].output)
    assert.equal(survivor.pid, out.pid)
    local types = {}
    for _, e in ipairs(assert(client:get_execution_history{ executionArn = arns[1], maxResults = 1000 }).events) do
      types[#types + 1] = e.type
      if e.type == "ActivityTimedOut" then
        assert.equal("States.Timeout", e.activityTimedOutEventDetails.error)
      end
    end
    local joined = table.concat(types, " ")
    assert.truthy(joined:find("ActivityStarted ActivityTimedOut", 1, true), joined)
    assert.truthy(joined:find("ActivitySucceeded", 1, true), joined)
    assert.equal("ExecutionSucceeded", types[#types])
    assert.equal(1, #worker_logs().done["kill-1"])
  end)

  it("reports the tasks in flight on SIGTERM before the process exits", function()
    if not need_server() then return end
    local live = {}
    for _, x in ipairs(workers) do if not x.reaped then live[#live + 1] = x end end
    assert.truthy(#live >= 1)
    local n = 10
    local arns = start_executions("term", n, function(i) return { id = "term-" .. i, sleep = 1.5 } end)
    local t0 = now()
    local started = 0
    while started < n and now() - t0 < 10 do
      started = 0
      local s = worker_logs().start
      for i = 1, n do if s["term-" .. i] then started = started + 1 end end
      if started < n then sfn.sleep(0.05) end
    end
    assert.equal(n, started)
    for _, w in ipairs(live) do signal(w, "TERM") end
    for _, w in ipairs(live) do reap(w) end
    -- the processes are gone: every task they had was reported
    local descs = describe_all(arns)
    local pids = {}
    for _, w in ipairs(live) do pids[w.pid] = true end
    for i = 1, n do
      assert.equal("SUCCEEDED", descs[i].status, "term-" .. i)
      assert.truthy(pids[json.decode(descs[i].output).pid])
    end
    local in_flight = 0
    for _, w in ipairs(live) do
      local out = read_file(w.log)
      local k = tonumber(out:match(" stopping in_flight=(%d+) "))
      assert.truthy(k, out)
      in_flight = in_flight + k
      assert.truthy(out:find(" stopped succeeded=", 1, true), out)
    end
    -- every task was in flight in these processes when they were told to stop
    -- (a poll whose client died - the SIGKILLed worker's - gets no task)
    assert.equal(n, in_flight, read_file(live[1].log):sub(-3000))
    local done = worker_logs().done
    for i = 1, n do assert.equal(1, #(done["term-" .. i] or {}), "term-" .. i) end
  end)
end)
