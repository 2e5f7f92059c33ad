-- bench/worker/bench.lua: tasks per second end to end through `sfn serve`
-- (run by tools/bench-worker).  For each worker kind and process count, a
-- fresh activity and a STANDARD state machine with one Task on it; N
-- executions are started first (their activity tasks queue up), then K worker
-- processes are started, and the time from their start until no execution is
-- RUNNING gives tasks per second.  Kinds: `sfn worker bench/worker/echo.lua`
-- under each Lua, and step-function-worker (node, bench/worker/sfw-echo.js)
-- when build/worker-peer has it.  Every execution must end SUCCEEDED with its
-- input as output.
--
--   lua5.4 bench/worker/bench.lua [--tasks N] [--procs "1 4"] [--luas "lua5.4 luajit"]
--                                 [--concurrency 50] [--server-lua lua5.4] [--out DIR]
local sfn = require "sfn"
local json = require "sfn.json"
local core = require "sfn.core"

local opts = { timeout = 120, tasks = 2000, procs = "1 4", luas = "lua5.4 luajit", concurrency = 50,
  ["server-lua"] = "lua5.4", out = "build/bench-worker", peer = "build/worker-peer" }
do
  local i = 1
  while i <= #arg do
    local k = arg[i]:match("^%-%-(.+)$")
    if not k or opts[k] == nil then error("bench.lua: unknown argument " .. arg[i]) end
    opts[k] = arg[i + 1]
    i = i + 2
  end
end
local N = tonumber(opts.tasks)
local CONC = tonumber(opts.concurrency)

local function now() return core.monotonic_ms() / 1000 end
local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function run_ok(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end
local function have(cmd) return run_ok("command -v " .. cmd .. " >/dev/null 2>&1") end

os.execute("mkdir -p " .. sh_quote(opts.out))

local function spawn(cmd, log)
  local p = assert(io.popen("echo $$; exec " .. cmd .. " >" .. sh_quote(log) .. " 2>&1", "r"))
  return { pid = tonumber(p:read("*l")), pipe = p, log = log }
end
local function stop(proc, sig)
  os.execute("kill -" .. (sig or "KILL") .. " " .. proc.pid .. " 2>/dev/null")
  proc.pipe:read("*a")
  proc.pipe:close()
end

-- A free port below the ephemeral range.
local function free_port()
  local socket = require "socket"
  for i = 0, 500 do
    local port = 21000 + (os.time() * 7 + math.random(0, 10000) + i * 7919) % 11000
    local s = socket.tcp4()
    s:setoption("reuseaddr", true)
    if s:bind("127.0.0.1", port) then s:close(); return port end
    s:close()
  end
  error("no free port")
end

local port, endpoint, client

local server
-- A fresh `sfn serve` for each measurement, so none pays for the executions
-- an earlier one left in the service.
-- (each on a port of its own)
local function start_server()
  port = free_port()
  endpoint = "http://127.0.0.1:" .. port .. "/"
  client = assert(sfn.client{ endpoint = endpoint, region = "us-east-1", config = false, proxy = false,
    credentials = { access_key_id = "bench", secret_access_key = "bench" } })
  server = spawn(opts["server-lua"] .. " bin/sfn serve --port " .. port, opts.out .. "/serve.log")
  local t0 = now()
  while not client:list_activities{} do
    if now() - t0 > 10 then stop(server); error("sfn serve did not start (see " .. opts.out .. "/serve.log)") end
    sfn.sleep(0.1)
  end
end

-- CPU seconds (user + system) a process has used so far.
local function cpu_seconds(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return 0 end
  local st = f:read("*l")
  f:close()
  local rest = st:match("^%d+ %b() (.*)$")
  local fields = {}
  for x in rest:gmatch("%S+") do fields[#fields + 1] = x end
  -- after pid and comm: state is field 1, utime 12, stime 13 (clock ticks, 100 per second)
  return (tonumber(fields[12]) + tonumber(fields[13])) / 100
end

local round = 0
-- Runs `make_cmd(i)` K times against a fresh activity with N queued tasks.
local function measure(label, k, make_cmd)
  round = round + 1
  start_server()
  local name = "bench-" .. round
  local act = assert(client:create_activity{ name = name }).activityArn
  local def = string.format('{"StartAt":"Echo","States":{"Echo":{"Type":"Task","Resource":"%s","End":true}}}', act)
  local sm = assert(client:create_state_machine{ name = name, definition = def,
    roleArn = "arn:aws:iam::123456789012:role/bench" }).stateMachineArn
  local arns = {}
  sfn.run(function()
    local next_i = 1
    for _ = 1, 20 do
      sfn.spawn(function()
        while next_i <= N do
          local i = next_i
          next_i = next_i + 1
          arns[i] = assert(client:start_execution{ stateMachineArn = sm, name = "e" .. i,
            input = json.encode({ i = i, payload = "abcdefghij" }) }).executionArn
        end
      end)
    end
  end)
  local procs = {}
  local t0 = now()
  for i = 1, k do
    procs[i] = spawn(make_cmd(act), string.format("%s/%s-%d-%d.log", opts.out, label:gsub("[^%w]", "_"), k, i))
  end
  local done_at
  while now() - t0 < tonumber(opts.timeout) do
    local page = assert(client:list_executions{ stateMachineArn = sm, statusFilter = "RUNNING", maxResults = 1 })
    if #page.executions == 0 then done_at = now(); break end
    sfn.sleep(0.05)
  end
  local cpu, server_cpu = 0, cpu_seconds(server.pid)
  for _, p in ipairs(procs) do cpu = cpu + cpu_seconds(p.pid) end
  for _, p in ipairs(procs) do stop(p) end
  if not done_at then
    local page = client:list_executions{ stateMachineArn = sm, statusFilter = "RUNNING", maxResults = 1000 }
    local ex = page and page.executions[1]
    local h = ex and client:get_execution_history{ executionArn = ex.executionArn, maxResults = 100 }
    local types = {}
    for _, e in ipairs(h and h.events or {}) do types[#types + 1] = e.type end
    stop(server)
    return nil, string.format("not finished after %s s: %d RUNNING, e.g. %s: %s", opts.timeout,
      page and #page.executions or -1, ex and ex.name or "?", table.concat(types, " "))
  end
  -- check: every execution SUCCEEDED with its input as output
  local bad = 0
  for i = 1, N, math.max(1, math.floor(N / 200)) do
    local d = assert(client:describe_execution{ executionArn = arns[i] })
    local out = d.output and json.decode(d.output)
    if d.status ~= "SUCCEEDED" or not out or out.i ~= i then bad = bad + 1 end
  end
  local failed = #assert(client:list_executions{ stateMachineArn = sm, statusFilter = "FAILED", maxResults = 1000 }).executions
  stop(server, "TERM")
  if bad > 0 or failed > 0 then return nil, string.format("%d wrong outputs (sampled), %d FAILED", bad, failed) end
  return N / (done_at - t0), done_at - t0, cpu / N * 1e6, server_cpu / N * 1e6
end

local rows = {}
local function add(label, k, make_cmd)
  io.stderr:write(string.format("== %s, %d process(es), %d tasks\n", label, k, N))
  local tps, secs, cpu, scpu = measure(label, k, make_cmd)
  rows[#rows + 1] = { label = label, k = k, tps = tps, secs = secs, cpu = cpu, scpu = scpu }
  if tps then
    io.stderr:write(string.format("   %.0f tasks/s (%.2f s), worker CPU %.0f us/task\n", tps, secs, cpu))
  else
    io.stderr:write("   failed: " .. tostring(secs) .. "\n")
  end
end

for lua in opts.luas:gmatch("%S+") do
  if have(lua) then
    for k in opts.procs:gmatch("%d+") do
      add("sfn worker (" .. lua .. ")", tonumber(k), function(act)
        return string.format("env SFN_BENCH_ENDPOINT=%s SFN_BENCH_ACTIVITY=%s %s bin/sfn worker bench/worker/echo.lua --quiet --concurrency %d",
          endpoint, act, lua, CONC)
      end)
    end
  end
end
local peer_note
local sfw = opts.peer .. "/node_modules/step-function-worker"
if not have("node") then
  peer_note = "node not installed"
elseif not io.open(sfw .. "/package.json") then
  peer_note = "step-function-worker not installed in " .. opts.peer
else
  for k in opts.procs:gmatch("%d+") do
    add("step-function-worker (node)", tonumber(k), function(act)
      return string.format("env SFN_BENCH_ENDPOINT=%s SFN_BENCH_ACTIVITY=%s SFN_BENCH_CONCURRENCY=%d NODE_PATH=%s node bench/worker/sfw-echo.js",
        endpoint, act, CONC, sh_quote(opts.peer .. "/node_modules"))
    end)
  end
end
print(string.format("Worker throughput end to end through sfn serve (%s), an activity that returns its input;",
  opts["server-lua"]))
print(string.format("%d tasks queued first, concurrency %d per process, %s cores:", N, CONC,
  io.popen("nproc"):read("*l") or "?"))
print(string.format("  %-30s %9s %9s %9s %18s %18s", "worker", "processes", "tasks/s", "seconds",
  "worker CPU/task", "server CPU/task"))
for _, r in ipairs(rows) do
  if r.tps then
    print(string.format("  %-30s %9d %9.0f %9.2f %15.0f us %15.0f us", r.label, r.k, r.tps, r.secs, r.cpu, r.scpu))
  else
    print(string.format("  %-30s %9d    failed: %s", r.label, r.k, tostring(r.secs)))
  end
end
if peer_note then print("  step-function-worker: " .. peer_note) end
local status = 0
for _, r in ipairs(rows) do if not r.tps then status = 1 end end
os.exit(status)
