-- bench/report.lua: prints the table of `make bench` from the result files
-- that tools/run-bench leaves in one folder, and checks the targets.
--
-- Usage: lua bench/report.lua DIR LUA...   (e.g. DIR lua5.4 luajit)
-- Files read from DIR (each optional; a missing one shows as a note):
--   sfn-<lua>.txt          bench/engine_bench.lua's output under <lua>
--   sfn-<lua>.note         why that run is missing or failed
--   proc-sfn-<lua>.json    hyperfine export of `<lua> bin/sfn run a ...`
--   proc-sfn-<lua>.note    why that measurement is missing
--   peer-<w>.json          `node run-als.js <w> N` output (w = a, b, c)
--   proc-peer-a.json, proc-peer-noop.json   hyperfine exports of node
--   peer.note              why the peer columns are missing
--   rss-<name>.kb          peak RSS (KiB, /usr/bin/time -f %M) of one process,
--                          one line per run; names: sfn-<lua>-b-<input>,
--                          sfn-<lua>-map10000-<input>, sfn-<lua>-map100000-<input>
--                          (input = table or json), peer-b (node run-als.js b)
--   rss-<name>.out         the sfn-once lines of those runs (rss_input_kb=..)
--   rss-<name>.note, rss.note   why a peak-RSS figure is missing
-- Targets (from issues 2 and 3): a, b and c in-process at least 50x faster
-- than aws-local-stepfunctions; `sfn run` whole process at least 20x faster
-- than node running it; a 1,000-state compile under 5 ms; b's peak RSS at
-- most a fifth of node's; a Map over 100,000 items with MaxConcurrency 0
-- costing under 1 KiB per item ((RSS at 100k - RSS at 10k) / 90,000).
-- b's ratios use its input as a Lua table (built inside the clock, as the
-- peer builds its JS object); the JSON-text figures are shown next to them.

local dir = assert(arg[1], "usage: report.lua DIR LUA...")
local luas = {}
for i = 2, #arg do luas[#luas + 1] = arg[i] end

local function slurp(name)
  local f = io.open(dir .. "/" .. name, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function note(name)
  local s = slurp(name)
  return s and (s:gsub("%s+$", ""):gsub("[\r\n]+", "; ")) or nil
end

-- engine_bench lines -> { [id] = { status=, median_ms=, ..., note= } }
local function parse_sfn(text)
  local res = {}
  for line in (text or ""):gmatch("[^\n]+") do
    local rest = line:match("^sfn%-bench (.*)$")
    if rest then
      local rec = {}
      local before, notetext = rest:match("^(.-)%s*note=(.*)$")
      if before then rec.note = notetext; rest = before end
      for k, v in rest:gmatch("(%w[%w_.]*)=(%S+)") do rec[k] = tonumber(v) or v end
      if rec.id then res[rec.id] = rec end
    end
  end
  return res
end

-- hyperfine export -> median and min (ms) of its first command, or nil
local function hyperfine_median_ms(name)
  local s = slurp(name)
  local m = s and s:match('"median"%s*:%s*([%d.eE+-]+)')
  local lo = s and s:match('"min"%s*:%s*([%d.eE+-]+)')
  return m and tonumber(m) * 1000 or nil, lo and tonumber(lo) * 1000 or nil
end

local function peer_inproc(w)
  local s = slurp("peer-" .. w .. ".json")
  local m = s and s:match('"median_ms"%s*:%s*([%d.eE+-]+)')
  local lo = s and s:match('"min_ms"%s*:%s*([%d.eE+-]+)')
  return m and tonumber(m) or nil, s and s:match('"version"%s*:%s*"([^"]*)"'),
    s and s:match('"node"%s*:%s*"([^"]*)"'), lo and tonumber(lo) or nil
end

-- peak RSS runs -> median and min in KiB, and the median of the sfn-once
-- lines' rss_input_kb (RSS after building the input), or nil
local function median_of(t)
  if #t == 0 then return nil end
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

local function rss_figure(name)
  local s = slurp("rss-" .. name .. ".kb")
  local kbs = {}
  for v in (s or ""):gmatch("%d+") do kbs[#kbs + 1] = tonumber(v) end
  local inputs = {}
  for v in (slurp("rss-" .. name .. ".out") or ""):gmatch("rss_input_kb=(%d+)") do
    inputs[#inputs + 1] = tonumber(v)
  end
  local med = median_of(kbs)
  return med, kbs[1], median_of(inputs)
end

local sfn = {}
for _, lua in ipairs(luas) do sfn[lua] = parse_sfn(slurp("sfn-" .. lua .. ".txt")) end

local peer_note = note("peer.note")

local function fmt_ms(ms)
  if not ms then return nil end
  if ms >= 100 then return string.format("%.0f ms", ms) end
  if ms >= 10 then return string.format("%.1f ms", ms) end
  if ms >= 1 then return string.format("%.2f ms", ms) end
  return string.format("%.3f ms", ms)
end

local function fmt_mb(kb)
  return string.format("%.1f MB", kb / 1024)
end

-- "median (min)" of a peak RSS in KiB
local function fmt_rss(kb, lo)
  if not kb then return nil end
  if not lo or lo == kb then return fmt_mb(kb) end
  return fmt_mb(kb) .. " (" .. fmt_mb(lo):gsub(" MB$", "") .. ")"
end

-- bytes with a thousands separator
local function fmt_bytes(b)
  local s = string.format("%.0f", b)
  local neg = s:sub(1, 1) == "-"
  if neg then s = s:sub(2) end
  s = s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return (neg and "-" or "") .. s .. " B"
end

-- "median (min)": the median is the figure; the min shows the noise
local function fmt_mm(ms, lo)
  if not ms then return nil end
  if not lo then return fmt_ms(ms) end
  return fmt_ms(ms) .. " (" .. fmt_ms(lo):gsub(" ms$", "") .. ")"
end

local function fmt_ratio(r)
  if not r then return nil end
  if r >= 10 then return string.format("%.0fx", r) end
  return string.format("%.1fx", r)
end

-- cell for one sfn measurement
local function sfn_cell(lua, id)
  local rec = sfn[lua][id]
  if rec and rec.status == "ok" then return fmt_mm(rec.median_ms, rec.min_ms), rec.median_ms end
  if rec and rec.status == "unsupported" then return "not supported yet" end
  if rec and rec.status == "failed" then return "FAILED" end
  if not slurp("sfn-" .. lua .. ".txt") then return "not run" end
  return "-"
end

local rows = {}
local notes = {}
local function add_note(s) notes[#notes + 1] = s end

local function row(label, cells, peer, ratios)
  rows[#rows + 1] = { label, cells, peer or "", ratios or "" }
end

local function ratio_text(peer_ms, values)
  if not peer_ms then return "" end
  local parts = {}
  for _, lua in ipairs(luas) do
    local v = values[lua]
    parts[#parts + 1] = v and fmt_ratio(peer_ms / v) or "-"
  end
  return table.concat(parts, " / ")
end

local peer_ms = {}
local peer_min = {}
local titles = {
  a = "a: 1000 Pass chain",
  b = "b: inline Map, 10,000 items",
  c = "c: Choice loop, 20,001 transitions",
  d = "d: JSONata Map, 10,000 items (sfn only)",
}
local peer_version, peer_node
for _, w in ipairs({ "a", "b", "c", "d" }) do
  local ms, version, node, lo = peer_inproc(w)
  peer_ms[w] = ms
  peer_min[w] = lo
  peer_version = peer_version or version
  peer_node = peer_node or node
  local variants = {
    { id = w .. ".run", label = titles[w] .. " (compile+run, history off)", peer = true },
    { id = w .. ".run_only", label = "   run only (precompiled), history off" },
    { id = w .. ".history", label = "   compile+run, history on", peer = true },
  }
  if w == "b" then
    variants[1].label = titles[w] .. " (compile+run, history off, input Lua table)"
    table.insert(variants, 2, { id = "b.run_json", label = "   compile+run, history off, input JSON text" })
  end
  for _, v in ipairs(variants) do
    local cells, values = {}, {}
    for _, lua in ipairs(luas) do
      local text, value = sfn_cell(lua, v.id)
      cells[#cells + 1] = text
      values[lua] = value
      local rec = sfn[lua][v.id]
      if rec and rec.note then add_note(lua .. " " .. v.id .. ": " .. rec.note) end
    end
    -- a workload that did not run shows once: skip its other variants
    local shown = false
    for _, lua in ipairs(luas) do
      if sfn[lua][v.id] then shown = true end
    end
    if v.id ~= w .. ".run" and not shown then
      -- nothing measured for this variant under any Lua
    else
      local peer_cell = ""
      if v.peer then
        peer_cell = ms and fmt_mm(ms, lo) or (peer_note and "skipped" or "-")
      end
      row(v.label, cells, peer_cell, v.peer and ratio_text(ms, values) or "")
    end
  end
end

do -- compile
  local cells, values = {}, {}
  for _, lua in ipairs(luas) do
    local text, value = sfn_cell(lua, "compile.a")
    cells[#cells + 1] = text
    values[lua] = value
  end
  row("compile a 1,000-state definition", cells, "", "")
end

local proc_sfn = {}
do -- whole process
  local cells = {}
  for _, lua in ipairs(luas) do
    local ms, lo = hyperfine_median_ms("proc-sfn-" .. lua .. ".json")
    proc_sfn[lua] = ms
    local n = note("proc-sfn-" .. lua .. ".note")
    if n then add_note(lua .. " sfn run: " .. n) end
    cells[#cells + 1] = fmt_mm(ms, lo) or "not run"
  end
  local node_ms, node_lo = hyperfine_median_ms("proc-peer-a.json")
  row("sfn run a (whole process) vs node run-als.js a", cells,
    node_ms and fmt_mm(node_ms, node_lo) or (peer_note and "skipped" or "-"),
    ratio_text(node_ms, proc_sfn))
  local noop, noop_lo = hyperfine_median_ms("proc-peer-noop.json")
  local empty = {}
  for i = 1, #luas do empty[i] = "" end
  if noop then row("   node start-up + require (noop-als.js)", empty, fmt_mm(noop, noop_lo), "") end
end

do -- peak RSS
  local cells = {}
  for _, lua in ipairs(luas) do
    local rec = sfn[lua].process
    local top, top_id = nil, nil   -- the variant that reached the peak
    for id, r in pairs(sfn[lua]) do
      if r.rss_mb and (not top or r.rss_mb > top) then top, top_id = r.rss_mb, id end
    end
    cells[#cells + 1] = rec and rec.peak_rss_mb
      and string.format("%.1f MB", rec.peak_rss_mb) .. (top_id and (" (" .. top_id .. ")") or "") or "-"
  end
  row("peak RSS of the bench process (VmHWM)", cells, "", "")
end

-- peak RSS of one process running one workload once
local rss_note = note("rss.note")
local rss = {}      -- rss[lua][case] = { kb =, lo =, input_kb = }
local node_b = {}
do
  node_b.kb, node_b.lo = rss_figure("peer-b")
  local pn = note("rss-peer-b.note")
  if pn then add_note("node run-als.js b peak RSS: " .. pn) end
  local cases = { "b-table", "b-json", "map10000-table", "map100000-table", "map10000-json", "map100000-json" }
  for _, lua in ipairs(luas) do
    rss[lua] = {}
    for _, c in ipairs(cases) do
      local kb, lo, input_kb = rss_figure("sfn-" .. lua .. "-" .. c)
      rss[lua][c] = kb and { kb = kb, lo = lo, input_kb = input_kb } or nil
      local n = note("rss-sfn-" .. lua .. "-" .. c .. ".note")
      if n then add_note(lua .. " peak RSS " .. c .. ": " .. n) end
    end
  end
  local function cell(lua, c)
    local r = rss[lua][c]
    if r then return fmt_rss(r.kb, r.lo) end
    if slurp("rss-sfn-" .. lua .. "-" .. c .. ".note") then return "FAILED" end
    return rss_note and "not run" or "-"
  end
  local function rss_row(label, c, with_peer)
    local cells, ratios = {}, {}
    for _, lua in ipairs(luas) do
      cells[#cells + 1] = cell(lua, c)
      local r = rss[lua][c]
      ratios[#ratios + 1] = (r and node_b.kb) and fmt_ratio(node_b.kb / r.kb) or "-"
    end
    local peer_cell, ratio = "", ""
    if with_peer then
      peer_cell = node_b.kb and fmt_rss(node_b.kb, node_b.lo) or ((peer_note or rss_note) and "skipped" or "-")
      ratio = node_b.kb and table.concat(ratios, " / ") or ""
    end
    row(label, cells, peer_cell, ratio)
  end
  rss_row("b: peak RSS, a process running b once, input Lua table", "b-table", true)
  rss_row("   input JSON text", "b-json", false)
  for _, input in ipairs({ "table", "json" }) do
    local what = input == "table" and "Lua table" or "JSON text"
    rss_row("Map, MaxConcurrency 0, 10,000 items: peak RSS, input " .. what, "map10000-" .. input, false)
    rss_row("   100,000 items", "map100000-" .. input, false)
    local cells = {}
    for _, lua in ipairs(luas) do
      local r10, r100 = rss[lua]["map10000-" .. input], rss[lua]["map100000-" .. input]
      cells[#cells + 1] = (r10 and r100) and fmt_bytes((r100.kb - r10.kb) * 1024 / 90000) or "-"
    end
    row("   per item: (100k - 10k) / 90,000", cells, "", "")
  end
end

-- ---- print the table ----
local header = { "workload" }
for _, lua in ipairs(luas) do header[#header + 1] = "sfn " .. lua end
header[#header + 1] = "aws-local-stepfunctions"
header[#header + 1] = "ratio (peer / sfn)"

local lines = {}
for _, r in ipairs(rows) do
  local l = { r[1] }
  for _, c in ipairs(r[2]) do l[#l + 1] = c end
  l[#l + 1] = r[3]
  l[#l + 1] = r[4]
  lines[#lines + 1] = l
end
local widths = {}
for i, h in ipairs(header) do widths[i] = #h end
for _, l in ipairs(lines) do
  for i, c in ipairs(l) do if #c > widths[i] then widths[i] = #c end end
end
local function put(l)
  local out = {}
  for i, c in ipairs(l) do out[i] = c .. string.rep(" ", widths[i] - #c) end
  print((table.concat(out, " | "):gsub("%s+$", "")))
end
print("")
put(header)
local sep = {}
for i = 1, #header do sep[i] = string.rep("-", widths[i]) end
print(table.concat(sep, "-+-"))
for _, l in ipairs(lines) do put(l) end
print("")
if peer_version then
  print(string.format("peer: aws-local-stepfunctions %s on node %s; in-process = median of `node run-als.js W N`"
    .. " (StateMachine construction + run, first rep cold)", peer_version, peer_node or "?"))
end
if peer_note then print("peer columns skipped: " .. peer_note) end
print("cells: median (min) in ms; in-process rows are in-process, `sfn run` rows whole process")
print("sfn in-process = median after warm-up of sfn.machine(def, {type=\"EXPRESS\"}):run(input, {history=...});"
  .. " whole process = hyperfine median")
print("targets: verdicts from the medians; (min/min) is the ratio of the fastest runs, less sensitive to load")
print("ratio columns: " .. table.concat(luas, " / ") .. "; b's ratios use its input as a Lua table"
  .. " (built inside the clock, as the peer builds its JS object)")
print("b runs with payload_limit = false (its ~900 KB output is over AWS's 256 KiB payload limit);"
  .. " b with history on runs as EXPRESS, with no 25,000-event quota (b records 40,006 events)")
print("b.run_json: input as JSON text encoded before the clock starts (the engine's decode is timed)")
print("peak RSS rows: /usr/bin/time -f %M of one process that builds its input, compiles and runs once"
  .. " (history off), median (min) of the runs; MB = 1,048,576 bytes; node: `node run-als.js b`")
if rss_note then print("peak RSS rows skipped: " .. rss_note) end
for _, lua in ipairs(luas) do
  local n = note("sfn-" .. lua .. ".note")
  if n then print(lua .. ": " .. n) end
  local p = sfn[lua].process
  if p and p.clock then print(lua .. ": clock " .. p.clock .. ", " .. tostring(p.lua)) end
end
for _, n in ipairs(notes) do print("note: " .. n) end
do
  local load = note("loadavg")
  if load then
    print("load average (1 min) before/after: " .. load .. "; on a busy machine every figure is slower"
      .. " and noisier than on an idle one (compare the min)")
  end
end

-- ---- targets ----
print("")
print("targets:")
local function verdict(ok) return ok and "met" or "NOT met" end
local function target(label, per_lua)
  local parts = {}
  for _, lua in ipairs(luas) do parts[#parts + 1] = lua .. " " .. per_lua(lua) end
  print("  " .. label .. ": " .. table.concat(parts, "; "))
end
for _, w in ipairs({ "a", "b", "c" }) do
  local label = w .. " in-process at least 50x faster than aws-local-stepfunctions"
  if w == "b" then label = label .. " (input Lua table)" end
  target(label, function(lua)
    local rec = sfn[lua][w .. ".run"]
    if not (rec and rec.status == "ok") then return "NOT met (no sfn figure)" end
    if not peer_ms[w] then return "unknown (no peer figure)" end
    local r = peer_ms[w] / rec.median_ms
    local text = string.format("%s %s", fmt_ratio(r), verdict(r >= 50))
    if peer_min[w] and rec.min_ms then
      text = text .. " (min/min " .. fmt_ratio(peer_min[w] / rec.min_ms) .. ")"
    end
    return text
  end)
end
do
  local node_ms, node_lo = hyperfine_median_ms("proc-peer-a.json")
  target("`sfn run` a whole process at least 20x faster than node", function(lua)
    local ms = proc_sfn[lua]
    if not ms then return "NOT met (no sfn figure)" end
    if not node_ms then return "unknown (no peer figure)" end
    local r = node_ms / ms
    local text = string.format("%s %s", fmt_ratio(r), verdict(r >= 20))
    local _, lo = hyperfine_median_ms("proc-sfn-" .. lua .. ".json")
    if node_lo and lo then text = text .. " (min/min " .. fmt_ratio(node_lo / lo) .. ")" end
    return text
  end)
end
target("1,000-state compile under 5 ms", function(lua)
  local rec = sfn[lua]["compile.a"]
  if not (rec and rec.status == "ok") then return "NOT met (no figure)" end
  return string.format("%s %s", fmt_ms(rec.median_ms), verdict(rec.median_ms < 5))
end)
target("b peak RSS at most a fifth of node's (one run per process, input Lua table)", function(lua)
  local r = rss[lua]["b-table"]
  if not r then return "NOT met (no sfn figure)" end
  if not node_b.kb then return "unknown (no peer figure)" end
  local ratio = node_b.kb / r.kb
  return string.format("%s vs %s, %s less %s", fmt_mb(r.kb), fmt_mb(node_b.kb), fmt_ratio(ratio),
    verdict(ratio >= 5))
end)
print("  Map over 100,000 items (MaxConcurrency 0) under 1 KiB per item, (RSS100k - RSS10k) / 90,000:")
for _, lua in ipairs(luas) do
  local parts = {}
  for _, input in ipairs({ "table", "json" }) do
    local what = input == "table" and "input Lua table" or "input JSON text"
    local r10, r100 = rss[lua]["map10000-" .. input], rss[lua]["map100000-" .. input]
    if r10 and r100 then
      local per = (r100.kb - r10.kb) * 1024 / 90000
      local text = string.format("%s %s (%s at 100k, %s at 10k) %s", what, fmt_bytes(per),
        fmt_mb(r100.kb), fmt_mb(r10.kb), verdict(per < 1024))
      if r10.input_kb and r100.input_kb then
        text = text .. string.format(", of which the input built before the run %s",
          fmt_bytes((r100.input_kb - r10.input_kb) * 1024 / 90000))
      end
      parts[#parts + 1] = text
    else
      parts[#parts + 1] = what .. " NOT met (no figure)"
    end
  end
  for _, p in ipairs(parts) do print("    " .. lua .. " " .. p) end
end
