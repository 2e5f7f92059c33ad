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
-- Workload d is sfn's own (bench/d-jsonata-map-10k.json, JSONata), not a peer one.
-- The ids: a.run, a.run_only, a.history, b.run, b.run_json, b.run_only,
-- b.history, c.*, compile.a.  Exit status 1 when a workload fails.
--
-- Workload b (Map over 10,000 items) has ~900 KB of output, over AWS's
-- 256 KiB payload limit: its runs pass `payload_limit = false`.  All runs are
-- EXPRESS, so b with history on records its 40,006 events without STANDARD's
-- 25,000-event quota.  b.run builds the input as a Lua table inside the clock,
-- as the peer builds its JS object inside its clock; b.run_json passes JSON
-- text encoded once before the clock starts (the engine's decode is timed).
--
-- `--once W [--items N] [--input table|json]` instead runs one workload once
-- in a fresh process, for a peak-RSS measurement from outside (tools/run-bench
-- wraps it in /usr/bin/time -f %M): W is b (compile+run, history off), or map
-- (b's Map with MaxConcurrency 0 over N items, default 100,000).  The input
-- is built first (a Lua table, or JSON text built directly), then the machine is compiled and
-- run once; the result's JSON text is checked (not decoded) after the
-- input and the machine are dropped.  Prints one line
--   sfn-once id=<W> items=N input=table|json status=ok rss_input_kb=..
--     hwm_run_kb=.. hwm_kb=.. run_ms=..
-- (VmRSS after building the input, VmHWM right after the run, VmHWM at exit).

local sfn = require "sfn"

local reps = tonumber(os.getenv("SFN_BENCH_REPS") or "") or 21
local warmup = tonumber(os.getenv("SFN_BENCH_WARMUP") or "") or 3
local only = nil
local check_run = nil   -- { workload, file } for --check-sfn-run
local once = nil        -- { workload =, items =, input = } for --once
do
  local i = 1
  while arg and arg[i] do
    local a = arg[i]
    if a == "--reps" then reps = assert(tonumber(arg[i + 1]), "--reps N"); i = i + 1
    elseif a == "--warmup" then warmup = assert(tonumber(arg[i + 1]), "--warmup N"); i = i + 1
    elseif a == "--check-sfn-run" then
      check_run = { arg[i + 1], arg[i + 2] }
      i = i + 2
    elseif a == "--once" then
      once = once or {}
      once.workload = arg[i + 1]
      i = i + 1
    elseif a == "--items" then
      once = once or {}
      once.items = assert(tonumber(arg[i + 1]), "--items N")
      i = i + 1
    elseif a == "--input" then
      once = once or {}
      once.input = arg[i + 1]
      i = i + 1
    elseif a == "--only" then
      only = {}
      for w in tostring(arg[i + 1]):gmatch("[^,]+") do only[w] = true end
      i = i + 1
    else
      io.stderr:write("usage: engine_bench.lua [--reps N] [--warmup N] [--only a,b,c,compile]\n"
        .. "       engine_bench.lua --check-sfn-run a|b|c FILE\n"
        .. "       engine_bench.lua --once b|map [--items N] [--input table|json]\n")
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
  if name:sub(1, 2) == "d-" then path = here .. "/" .. name end -- sfn's own workload, not a peer one
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

-- b's input and check for n items (b itself: n = 10,000)
local function items_input(n)
  local items = {}
  for i = 0, n - 1 do items[i + 1] = { id = i, name = "item-" .. i, pad = "xxxxxxxx" } end
  return { items = items }
end

-- the same input as JSON text, built directly (no Lua table of n items)
local function items_json(n)
  local parts = {}
  for i = 0, n - 1 do
    parts[i + 1] = '{"id":' .. i .. ',"name":"item-' .. i .. '","pad":"xxxxxxxx"}'
  end
  return '{"items":[' .. table.concat(parts, ",") .. "]}"
end

local function items_check(n, label)
  return function(o)
    local out = type(o) == "table" and o.out
    local last = type(out) == "table" and out[n]
    check(type(out) == "table" and #out == n and type(last) == "table" and last.id == n - 1
      and last.seen == true and last.name == "item-" .. (n - 1) and last.pad == nil,
      string.format("%s: out[%d]={id=%d, name=item-%d, seen=true, no pad}", label, n - 1, n - 1, n - 1))
  end
end

-- The same check on the output's JSON text, without decoding it: a decoded
-- copy of 100,000 items would raise the peak RSS that --once measures.  The
-- text must end with `"out":[` + the n results, exactly as sfn encodes them
-- (Parameters' key order), + `]}`.
local function items_check_text(n, label, text)
  local what = string.format("%s: output ends with \"out\":[{\"id\":0,\"name\":\"item-0\",\"seen\":true},"
    .. "...%d results]}", label, n)
  check(type(text) == "string", what)
  local _, open_end = text:find('"out":[', 1, true)
  check(open_end ~= nil, what)
  local pos = open_end + 1
  for i = 0, n - 1 do
    local item = (i > 0 and "," or "") .. '{"id":' .. i .. ',"name":"item-' .. i .. '","seen":true}'
    check(text:find(item, pos, true) == pos, what .. " (result " .. i .. ")")
    pos = pos + #item
    if i % 10000 == 9999 then collectgarbage("collect") end
  end
  check(pos == #text - 1 and text:sub(pos) == "]}", what)
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
    input = function() return items_input(10000) end,
    check = items_check(10000, "b"),
    payload_limit = false,   -- ~900 KB of output: over AWS's 256 KiB
    json_variant = true,     -- also time b.run_json
  },
  -- d: sfn's own workload (bench/d-jsonata-map-10k.json): a JSONata inline
  -- Map over 10,000 items, ItemSelector and Output expressions per item, an
  -- Assign and aggregates (aws-local-stepfunctions 3.0.0 cannot run it:
  -- it rejects JSONata Items)
  d = {
    file = "d-jsonata-map-10k.json",
    input = function()
      local items = {}
      for i = 0, 9999 do items[i + 1] = { id = i, name = "item-" .. i, qty = i % 7, price = 2.5 } end
      return { items = items }
    end,
    check = function(o)
      check(type(o) == "table" and type(o.out) == "table" and #o.out == 10000 and o.count == 10000
        and o.sum == 74985 and o.out[10000].label == "ITEM-9999" and o.out[10000].total == 7.5,
        "d: out[10000] = {label=ITEM-9999, total=7.5}, sum=74985, count=10000")
    end,
    payload_limit = false,
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

-- Run fn() warmup + reps times; fn returns nothing or raises; before(), when
-- given, runs before each rep's full collection (outside the clock), e.g. to
-- drop the previous rep's result.  Returns the sorted list of timings in ms.
local function measure(fn, n_reps, n_warmup, before)
  for _ = 1, n_warmup do fn() end
  local times = {}
  for r = 1, n_reps do
    if before then before() end
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

-- One full run: compile (when machine is nil) and run, on `input` (JSON text
-- prepared by the caller) or else on w.input() built here, inside the clock.
local function run_once(w, def, machine, history, input)
  local m = machine
  if not m then
    local err
    m, err = sfn.machine(def, { type = "EXPRESS" })
    if not m then error({ stage = "compile", err = err }, 0) end
  end
  local opts = { history = history }
  if w.payload_limit ~= nil then opts.payload_limit = w.payload_limit end
  local run = m:run(input or w.input(), opts)
  return run
end

local function verify(w, run, history)
  if type(run) ~= "table" then error("run returned " .. tostring(run), 0) end
  if run.status ~= "SUCCEEDED" then
    error("status " .. tostring(run.status) .. " " .. tostring(run.error) .. ": " .. tostring(run.cause), 0)
  end
  w.check(decode(run.output))
  if history then
    local h = run.history
    if type(h) ~= "table" then error("history requested but run.history is missing", 0) end
    if #h < 2 or h[#h].type ~= "ExecutionSucceeded" then
      error("history: last of " .. #h .. " events is " .. tostring(h[#h] and h[#h].type), 0)
    end
  end
end

local function bench_workload(key)
  local w = workloads[key]
  local def = read_file(w.file)
  local function bad(id, e)
    local note
    if type(e) == "table" and e.stage == "compile" then
      note = "sfn.machine rejected the definition: " .. errtext(e.err)
    else
      note = errtext(e)
    end
    emit_bad(id, "failed", note)
    failures = failures + 1
  end

  -- Probe once: a failure here means the workload cannot run at all.
  local ok, e = pcall(function() verify(w, run_once(w, def, nil, false), false) end)
  if not ok then bad(key .. ".run", e); return end

  local variants = {
    { id = key .. ".run", history = false, precompiled = false },
    { id = key .. ".run_only", history = false, precompiled = true },
    { id = key .. ".history", history = true, precompiled = false },
  }
  if w.json_variant then
    table.insert(variants, 2, { id = key .. ".run_json", history = false, precompiled = false, json = true })
  end
  for _, v in ipairs(variants) do
    local machine = v.precompiled and assert(sfn.machine(def, { type = "EXPRESS" })) or nil
    local input = v.json and assert(json.encode(w.input())) or nil
    -- check the variant once outside the timing, then time it; every timed
    -- run's result is checked after its clock stops.
    local okv, ev = pcall(function() verify(w, run_once(w, def, machine, v.history, input), v.history) end)
    if not okv then
      bad(v.id, ev)
    else
      collectgarbage("collect")
      reset_peak_rss()
      local last
      local okm, em = pcall(function()
        -- the previous rep's result is garbage before the next rep starts
        return measure(function()
          last = run_once(w, def, machine, v.history, input)
        end, reps, warmup, function() last = nil end)
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

-- --once: one run in this process, for a peak-RSS measurement from outside
local function status_kb(field)
  local f = io.open("/proc/self/status", "r")
  if not f then return -1 end
  local text = f:read("*a")
  f:close()
  return tonumber(text:match(field .. ":%s*(%d+)%s*kB")) or -1
end

local function run_once_mode(o)
  local kind = o.workload
  local as = o.input or "table"
  if (kind ~= "b" and kind ~= "map") or (as ~= "table" and as ~= "json") then
    io.stderr:write("--once b|map [--items N] [--input table|json]\n")
    os.exit(2)
  end
  local n = kind == "b" and 10000 or (o.items or 100000)
  if kind == "b" and o.items and o.items ~= 10000 then
    io.stderr:write("--once b runs 10,000 items; --once map --items N for other counts\n")
    os.exit(2)
  end
  local def = read_file(workloads.b.file)
  if kind == "map" then
    local count
    def, count = def:gsub('"Type": "Map",', '"Type": "Map",\n   "MaxConcurrency": 0,', 1)
    assert(count == 1, "b's definition changed: cannot add MaxConcurrency")
  end
  local ok, e = pcall(function()
    local input = as == "json" and items_json(n) or items_input(n)
    collectgarbage("collect")
    local rss_input = status_kb("VmRSS")
    local t0 = now()
    local m, err = sfn.machine(def, { type = "EXPRESS" })
    if not m then error("sfn.machine rejected the definition: " .. errtext(err), 0) end
    local run = m:run(input, { history = false, payload_limit = false })
    local t1 = now()
    local hwm_run = status_kb("VmHWM")
    if type(run) ~= "table" then error("run returned " .. tostring(run), 0) end
    if run.status ~= "SUCCEEDED" then
      error("status " .. tostring(run.status) .. " " .. tostring(run.error) .. ": " .. tostring(run.cause), 0)
    end
    -- check the text after dropping the input and the machine
    local output = run.output
    input, m, run = nil, nil, nil
    collectgarbage("collect")
    items_check_text(n, kind, output)
    output = nil
    io.write(string.format("sfn-once id=%s items=%d input=%s status=ok rss_input_kb=%d hwm_run_kb=%d"
      .. " hwm_kb=%d run_ms=%.1f lua=%s\n", kind, n, as, rss_input, hwm_run, status_kb("VmHWM"),
      (t1 - t0) * 1000, ((jit and jit.version or _VERSION):gsub(" ", "_"))))
  end)
  if not ok then
    emit_bad("once." .. kind, "failed", errtext(e))
    os.exit(1)
  end
  os.exit(0)
end
if once then run_once_mode(once) end

-- compile first, on a fresh heap: the workloads' history runs leave a large
-- heap behind that makes later allocations (and so compile) noisier
if not only or only.compile then bench_compile() end
for _, key in ipairs({ "a", "b", "c", "d" }) do
  if not only or only[key] then bench_workload(key) end
end

peak_rss_mb()
io.write(string.format("sfn-bench id=process status=ok peak_rss_mb=%.1f clock=%s lua=%s\n",
  process_peak, clock_name, ((jit and jit.version or _VERSION):gsub(" ", "_"))))
os.exit(failures == 0 and 0 or 1)
