-- bench/engine_bench.lua: in-process benchmarks of sfn's engine on the peer
-- workloads of bench/peers (a: 1000 chained Pass states, b: inline Map over
-- 10,000 items, c: Choice loop of 20,001 transitions), plus the compile time
-- of a 1,000-state definition and the peak RSS.
--
-- Usage (from the checkout, after `make`; tools/run-bench sets the paths):
--   LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/lua5.4/?.so;;' \
--     lua5.4 bench/engine_bench.lua [--reps N] [--warmup N] [--only a,b,c,compile]
-- Environment: SFN_BENCH_REPS, SFN_BENCH_WARMUP (defaults 21 and 3).
--
-- Every timed run is checked exactly as bench/peers/workloads.js checks it.
-- Each figure is the median over the reps, after the warm-up reps, of a
-- monotonic wall clock (luasystem's monotime; luasocket's gettime or
-- os.clock as fallbacks).  Peak RSS is VmHWM from /proc/self/status, reset
-- before each workload through /proc/self/clear_refs where the kernel allows.
--
-- Output: one line per measurement on stdout, fields separated by spaces,
--   sfn-bench id=<id> status=ok median_ms=.. min_ms=.. max_ms=.. reps=.. [rss_mb=..]
--   sfn-bench id=<id> status=unsupported|failed note=<text to the end of the line>
-- and a final line `sfn-bench id=process ... clock=<name> lua=<version>`.
--
-- `--check-sfn-run W FILE` instead checks that FILE (what `bin/sfn run` printed
-- for workload W) is a SUCCEEDED run with W's result; exit 0 when it is.
-- The ids: a.run, a.run_only, a.history, b.*, c.*, compile.a.
-- Exit status 1 when a workload other than b fails (b is Map: "not supported
-- yet" until Map lands, which does not fail the bench).

local sfn = require "sfn"

local reps = tonumber(os.getenv("SFN_BENCH_REPS") or "") or 21
local warmup = tonumber(os.getenv("SFN_BENCH_WARMUP") or "") or 3
local only = nil
local check_run = nil   -- { workload, file } for --check-sfn-run
do
  local i = 1
  while arg and arg[i] do
    local a = arg[i]
    if a == "--reps" then reps = assert(tonumber(arg[i + 1]), "--reps N"); i = i + 1
    elseif a == "--warmup" then warmup = assert(tonumber(arg[i + 1]), "--warmup N"); i = i + 1
    elseif a == "--check-sfn-run" then
      check_run = { arg[i + 1], arg[i + 2] }
      i = i + 2
    elseif a == "--only" then
      only = {}
      for w in tostring(arg[i + 1]):gmatch("[^,]+") do only[w] = true end
      i = i + 1
    else
      io.stderr:write("usage: engine_bench.lua [--reps N] [--warmup N] [--only a,b,c,compile]\n"
        .. "       engine_bench.lua --check-sfn-run a|b|c FILE\n")
      os.exit(2)
    end
    i = i + 1
  end
end

-- ---- clock ----
local now, clock_name
do
  local ok, system = pcall(require, "system")
  if ok and type(system) == "table" and system.monotime then
    now, clock_name = system.monotime, "monotime"
  else
    local ok2, socket = pcall(require, "socket")
    if ok2 and type(socket) == "table" and socket.gettime then
      now, clock_name = socket.gettime, "socket.gettime"
    else
      now, clock_name = os.clock, "os.clock(cpu)"
    end
  end
end

-- ---- files ----
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local function read_file(name)
  local path = here .. "/peers/" .. name
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

-- ---- peak RSS ----
local function reset_peak_rss()
  local f = io.open("/proc/self/clear_refs", "w")
  if not f then return false end
  local ok = f:write("5")
  local closed = f:close()
  return ok and closed and true or false
end

local process_peak = 0   -- the highest VmHWM seen, across the resets
local function peak_rss_mb()
  local f = io.open("/proc/self/status", "r")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  local kb = text:match("VmHWM:%s*(%d+)%s*kB")
  if not kb then return nil end
  local mb = tonumber(kb) / 1024
  if mb > process_peak then process_peak = mb end
  return mb
end

-- ---- workloads: input builders and result checks (as workloads.js) ----
local function check(cond, what)
  if not cond then error("result check failed: " .. what, 0) end
end

local workloads = {
  a = {
    file = "a-pass-chain-1000.json",
    input = function() return { x = 42, tag = "bench" } end,
    check = function(o)
      check(type(o) == "table" and o.x == 42 and type(o.last) == "table" and o.last.step == 999
        and o.last.x == 42 and o.last.tag == "bench", "a: x=42, last={step=999, x=42, tag=bench}")
    end,
  },
  b = {
    file = "b-inline-map-10k.json",
    input = function()
      local items = {}
      for i = 0, 9999 do items[i + 1] = { id = i, name = "item-" .. i, pad = "xxxxxxxx" } end
      return { items = items }
    end,
    check = function(o)
      local out = type(o) == "table" and o.out
      local last = type(out) == "table" and out[10000]
      check(type(out) == "table" and #out == 10000 and type(last) == "table" and last.id == 9999
        and last.seen == true and last.pad == nil, "b: out[9999]={id=9999, seen=true, no pad}")
    end,
  },
  c = {
    file = "c-choice-loop-10k.json",
    input = function() return {} end,
    check = function(o)
      check(type(o) == "table" and o.counter == 10000, "c: counter=10000")
    end,
  },
}

local json = sfn.json
if not (type(json) == "table" and json.decode) then
  local ok, mod = pcall(require, "sfn.json")
  json = ok and mod or nil
end
local function decode(text)
  if json then return json.decode(text) end
  error("sfn.json.decode is missing: cannot check the result", 0)
end

-- Run fn() warmup + reps times; fn returns nothing or raises.  Returns the
-- sorted list of timings in ms.
local function measure(fn, n_reps, n_warmup)
  for _ = 1, n_warmup do fn() end
  local times = {}
  for r = 1, n_reps do
    collectgarbage("collect")
    local t0 = now()
    fn()
    local t1 = now()
    times[r] = (t1 - t0) * 1000
  end
  table.sort(times)
  return times
end

local function median(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

local failures = 0

local function emit_ok(id, times, rss)
  io.write(string.format("sfn-bench id=%s status=ok median_ms=%.4f min_ms=%.4f max_ms=%.4f reps=%d%s\n",
    id, median(times), times[1], times[#times], #times,
    rss and string.format(" rss_mb=%.1f", rss) or ""))
  io.flush()
end

local function emit_bad(id, status, note)
  note = tostring(note):gsub("[\r\n]+", " ")
  io.write(string.format("sfn-bench id=%s status=%s note=%s\n", id, status, note))
  io.flush()
end

local function errtext(err)
  if type(err) == "table" then
    return tostring(err.code or err.error or "error") .. ": " .. tostring(err.message or err.cause or "")
  end
  return tostring(err)
end

-- One full run: compile (when machine is nil) and run; checks the result.
local function run_once(w, def, machine, history)
  local m = machine
  if not m then
    local err
    m, err = sfn.machine(def, { type = "EXPRESS" })
    if not m then error({ stage = "compile", err = err }, 0) end
  end
  local run = m:run(w.input(), { history = history })
  return run
end

local function verify(w, run, history)
  if type(run) ~= "table" then error("run returned " .. tostring(run), 0) end
  if run.status ~= "SUCCEEDED" then
    error("status " .. tostring(run.status) .. " " .. tostring(run.error) .. ": " .. tostring(run.cause), 0)
  end
  w.check(decode(run.output))
  if history and type(run.history) ~= "table" then error("history requested but run.history is missing", 0) end
end

local function bench_workload(key)
  local w = workloads[key]
  local def = read_file(w.file)
  local soft = (key == "b")   -- Map is not in the engine yet: do not fail the bench
  local function bad(id, e)
    local note
    if type(e) == "table" and e.stage == "compile" then
      note = "sfn.machine rejected the definition: " .. errtext(e.err)
    else
      note = errtext(e)
    end
    if soft then
      emit_bad(id, "unsupported", "not supported yet (" .. note .. ")")
    else
      emit_bad(id, "failed", note)
      failures = failures + 1
    end
  end

  -- Probe once: a failure here means the workload cannot run at all.
  local ok, e = pcall(function() verify(w, run_once(w, def, nil, false), false) end)
  if not ok then bad(key .. ".run", e); return end

  local variants = {
    { id = key .. ".run", history = false, precompiled = false },
    { id = key .. ".run_only", history = false, precompiled = true },
    { id = key .. ".history", history = true, precompiled = false },
  }
  for _, v in ipairs(variants) do
    local machine = v.precompiled and assert(sfn.machine(def, { type = "EXPRESS" })) or nil
    -- check the variant once outside the timing, then time it; every timed
    -- run's result is checked after its clock stops.
    local okv, ev = pcall(function() verify(w, run_once(w, def, machine, v.history), v.history) end)
    if not okv then
      bad(v.id, ev)
    else
      collectgarbage("collect")
      reset_peak_rss()
      local last
      local okm, em = pcall(function()
        return measure(function()
          last = run_once(w, def, machine, v.history)
        end, reps, warmup)
      end)
      if okm then
        local okc, ec = pcall(verify, w, last, v.history)
        if okc then emit_ok(v.id, em, peak_rss_mb()) else bad(v.id, ec) end
      else
        bad(v.id, em)
      end
    end
  end
end

local function bench_compile()
  local def = read_file(workloads.a.file)
  local ok, e = pcall(function()
    local m, err = sfn.machine(def, { type = "EXPRESS" })
    if not m then error("sfn.machine rejected the definition: " .. errtext(err), 0) end
  end)
  if not ok then emit_bad("compile.a", "failed", e); failures = failures + 1; return end
  local n = reps < 51 and 51 or reps
  local times = measure(function() assert(sfn.machine(def, { type = "EXPRESS" })) end, n, warmup)
  emit_ok("compile.a", times)
end

if check_run then
  local w = workloads[check_run[1] or ""]
  local f = w and check_run[2] and io.open(check_run[2], "rb")
  if not f then io.stderr:write("--check-sfn-run a|b|c FILE\n"); os.exit(2) end
  local text = f:read("*a")
  f:close()
  local ok, e = pcall(function()
    local printed = decode(text)
    if type(printed) ~= "table" or printed.status ~= "SUCCEEDED" then
      error("status is " .. tostring(type(printed) == "table" and printed.status), 0)
    end
    local o = printed.output
    if type(o) == "string" then o = decode(o) end
    w.check(o)
  end)
  if not ok then io.stderr:write(errtext(e), "\n"); os.exit(1) end
  os.exit(0)
end

-- compile first, on a fresh heap: the workloads' history runs leave a large
-- heap behind that makes later allocations (and so compile) noisier
if not only or only.compile then bench_compile() end
for _, key in ipairs({ "a", "b", "c" }) do
  if not only or only[key] then bench_workload(key) end
end

peak_rss_mb()
io.write(string.format("sfn-bench id=process status=ok peak_rss_mb=%.1f clock=%s lua=%s\n",
  process_peak, clock_name, ((jit and jit.version or _VERSION):gsub(" ", "_"))))
os.exit(failures == 0 and 0 or 1)
