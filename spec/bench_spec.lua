-- spec/bench_spec.lua: the `make bench` scaffolding (bench/report.lua's table
-- and target verdicts, bench/engine_bench.lua's check of `sfn run` output),
-- on made-up figures: nothing here is timed.
local lua = os.getenv("SFN_LUA") or "lua5.4"

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return out:gsub("rc=%d+%s*$", ""), rc
end

local function mkdir_tmp()
  local out = sh("mktemp -d")
  return (out:gsub("%s+$", ""))
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function hyperfine(median_s, min_s)
  return string.format('{"results":[{"command":"x","mean":%s,"median":%s,"min":%s,"max":%s}]}',
    median_s, median_s, min_s, median_s)
end

-- rss-<name>.kb with one peak RSS (KiB) a line
local function write_rss(dir, name, ...)
  write(dir .. "/rss-" .. name .. ".kb", table.concat({ ... }, "\n") .. "\n")
end

describe("bench/report.lua", function()
  local dir
  before_each(function() dir = mkdir_tmp() end)
  after_each(function() sh("rm -rf '" .. dir .. "'") end)

  it("marks each target met or NOT met from the medians", function()
    write(dir .. "/sfn-lua5.4.txt", table.concat({
      "sfn-bench id=a.run status=ok median_ms=2.0000 min_ms=1.5000 max_ms=3.0000 reps=21 rss_mb=10.0",
      "sfn-bench id=b.run status=ok median_ms=40.0000 min_ms=35.0000 max_ms=60.0000 reps=21 rss_mb=30.0",
      "sfn-bench id=b.run_json status=ok median_ms=20.0000 min_ms=18.0000 max_ms=30.0000 reps=21",
      "sfn-bench id=b.history status=unsupported note=not supported yet (UnsupportedFeature: Map)",
      "sfn-bench id=c.run status=ok median_ms=20.0000 min_ms=19.0000 max_ms=30.0000 reps=21",
      "sfn-bench id=compile.a status=ok median_ms=4.5000 min_ms=4.0000 max_ms=5.0000 reps=51",
      "sfn-bench id=process status=ok peak_rss_mb=12.5 clock=monotime lua=Lua_5.4",
    }, "\n") .. "\n")
    write(dir .. "/peer-a.json", '{"engine":"aws-local-stepfunctions","version":"3.0.0","node":"v20",'
      .. '"workload":"a","reps":11,"median_ms":300,"min_ms":250,"max_ms":400}\n')
    write(dir .. "/peer-b.json", '{"version":"3.0.0","median_ms":1800,"min_ms":1700}\n')
    write(dir .. "/peer-c.json", '{"version":"3.0.0","median_ms":500,"min_ms":450}\n')
    write(dir .. "/proc-sfn-lua5.4.json", hyperfine("0.05", "0.04"))
    write(dir .. "/proc-peer-a.json", hyperfine("0.9", "0.8"))
    local out, rc = sh(lua .. " bench/report.lua '" .. dir .. "' lua5.4")
    assert.are.equal(0, rc)
    assert.truthy(out:find("a in-process at least 50x faster than aws-local-stepfunctions: lua5.4 150x met (min/min 167x)\n", 1, true))
    assert.truthy(out:find("c in-process at least 50x faster than aws-local-stepfunctions: lua5.4 25x NOT met", 1, true))
    assert.truthy(out:find("b in-process at least 50x faster than aws-local-stepfunctions (input Lua table):"
      .. " lua5.4 45x NOT met", 1, true))
    assert.truthy(out:find("input Lua table%)%s*| 40%.0 ms %(35%.0%)%s*| 1800 ms %(1700%)%s*| 45x"))
    assert.truthy(out:find("compile%+run, history off, input JSON text%s*| 20%.0 ms %(18%.0%)%s*|%s*|\n"))
    assert.truthy(out:find("`sfn run` a whole process at least 20x faster than node: lua5.4 18x NOT met (min/min 20x)\n", 1, true))
    assert.truthy(out:find("1,000-state compile under 5 ms: lua5.4 4.50 ms met", 1, true))
    assert.truthy(out:find("| not supported yet |", 1, true))
    assert.truthy(out:find("2.00 ms (1.50)", 1, true))
    assert.truthy(out:find("12.5 MB", 1, true))
  end)

  it("compares b's peak RSS with node's and marks the per-item memory of the 100,000-item Map", function()
    write(dir .. "/sfn-lua5.4.txt",
      "sfn-bench id=b.run status=ok median_ms=20.0000 min_ms=18.0000 max_ms=30.0000 reps=21\n")
    write(dir .. "/sfn-luajit.txt",
      "sfn-bench id=b.run status=ok median_ms=10.0000 min_ms=9.0000 max_ms=12.0000 reps=21\n")
    write(dir .. "/peer-b.json", '{"version":"3.0.0","median_ms":1500,"min_ms":1400}\n')
    write_rss(dir, "peer-b", 163840, 160100, 170000)           -- node: 160.0 MB (156.3)
    write_rss(dir, "sfn-lua5.4-b-table", 24576, 24000, 25000)  -- 24.0 MB: 6.7x less
    write_rss(dir, "sfn-lua5.4-b-json", 20480)
    write_rss(dir, "sfn-luajit-b-table", 40960)                -- 40.0 MB: 4.0x less
    -- lua5.4: (112640 - 20480) KiB * 1024 / 90,000 = 1,048.6 B per item; JSON text: 910.2 B
    write_rss(dir, "sfn-lua5.4-map10000-table", 20480, 20400, 20600)
    write_rss(dir, "sfn-lua5.4-map100000-table", 112640, 112000, 113000)
    write(dir .. "/rss-sfn-lua5.4-map10000-table.out",
      "sfn-once id=map items=10000 input=table status=ok rss_input_kb=14000 hwm_run_kb=20480\n")
    write(dir .. "/rss-sfn-lua5.4-map100000-table.out",
      "sfn-once id=map items=100000 input=table status=ok rss_input_kb=38000 hwm_run_kb=112640\n")
    write_rss(dir, "sfn-lua5.4-map10000-json", 20000)
    write_rss(dir, "sfn-lua5.4-map100000-json", 100000)
    write(dir .. "/rss-sfn-luajit-map10000-table.note", "luajit bench/engine_bench.lua exited 1: out of memory\n")
    local out, rc = sh(lua .. " bench/report.lua '" .. dir .. "' lua5.4 luajit")
    assert.are.equal(0, rc)
    assert.truthy(out:find("b peak RSS at most a fifth of node's (one run per process, input Lua table):"
      .. " lua5.4 24.0 MB vs 160.0 MB, 6.7x less met; luajit 40.0 MB vs 160.0 MB, 4.0x less NOT met", 1, true))
    assert.truthy(out:find("b in-process at least 50x faster than aws-local-stepfunctions (input Lua table):"
      .. " lua5.4 75x met (min/min 78x); luajit 150x met (min/min 156x)\n", 1, true))
    assert.truthy(out:find("Map over 100,000 items (MaxConcurrency 0) under 1 KiB per item,"
      .. " (RSS100k - RSS10k) / 90,000:\n"
      .. "    lua5.4 input Lua table 1,049 B (110.0 MB at 100k, 20.0 MB at 10k) NOT met,"
      .. " of which the input built before the run 273 B\n"
      .. "    lua5.4 input JSON text 910 B (97.7 MB at 100k, 19.5 MB at 10k) met\n"
      .. "    luajit input Lua table NOT met (no figure)\n"
      .. "    luajit input JSON text NOT met (no figure)\n", 1, true))
    -- the rows: both RSS figures, median (min), node's and the ratio on b's Lua-table row only
    assert.truthy(out:find("input Lua table%s*| 24%.0 MB %(23%.4%)%s*| 40%.0 MB%s*| 160%.0 MB %(156%.3%)%s*"
      .. "| 6%.7x / 4%.0x"))
    assert.truthy(out:find("   input JSON text%s*| 20%.0 MB%s*| %-%s*|%s*|?\n"))
    assert.truthy(out:find("10,000 items: peak RSS, input Lua table%s*| 20%.0 MB %(19%.9%)%s*| FAILED"))
    assert.truthy(out:find("   100,000 items%s*| 110%.0 MB %(109%.4%)"))
    assert.truthy(out:find("   per item: %(100k %- 10k%) / 90,000%s*| 1,049 B%s*| %-"))
    assert.truthy(out:find("note: luajit peak RSS map10000-table: luajit bench/engine_bench.lua exited 1: out of memory",
      1, true))
    assert.truthy(out:find("b's ratios use its input as a Lua table", 1, true))
    assert.truthy(out:find("payload_limit = false", 1, true))
  end)

  it("shows the peer columns as skipped with the reason", function()
    write(dir .. "/sfn-lua5.4.txt",
      "sfn-bench id=a.run status=ok median_ms=2.0000 min_ms=1.5000 max_ms=3.0000 reps=21\n")
    write(dir .. "/peer.note", "node or npm not installed\n")
    local out, rc = sh(lua .. " bench/report.lua '" .. dir .. "' lua5.4")
    assert.are.equal(0, rc)
    assert.truthy(out:find("peer columns skipped: node or npm not installed", 1, true))
    assert.truthy(out:find("lua5.4 unknown (no peer figure)", 1, true))
    assert.truthy(out:find("| skipped", 1, true))
    assert.truthy(out:find("b peak RSS at most a fifth of node's (one run per process, input Lua table):"
      .. " lua5.4 NOT met (no sfn figure)", 1, true))
  end)

  it("marks b's memory target unknown without node's figure", function()
    write_rss(dir, "sfn-lua5.4-b-table", 24576)
    write(dir .. "/rss.note", "/usr/bin/time not installed\n")
    local out, rc = sh(lua .. " bench/report.lua '" .. dir .. "' lua5.4")
    assert.are.equal(0, rc)
    assert.truthy(out:find("b peak RSS at most a fifth of node's (one run per process, input Lua table):"
      .. " lua5.4 unknown (no peer figure)", 1, true))
    assert.truthy(out:find("peak RSS rows skipped: /usr/bin/time not installed", 1, true))
  end)
end)

describe("bench/engine_bench.lua --check-sfn-run", function()
  local dir
  before_each(function() dir = mkdir_tmp() end)
  after_each(function() sh("rm -rf '" .. dir .. "'") end)

  it("accepts workload a's result as `sfn run` prints it", function()
    write(dir .. "/out.json", '{"status":"SUCCEEDED","output":"{\\"x\\":42,\\"tag\\":\\"bench\\",'
      .. '\\"last\\":{\\"step\\":999,\\"x\\":42,\\"tag\\":\\"bench\\",\\"const\\":\\"c\\"}}"}\n')
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run a '" .. dir .. "/out.json'")
    assert.are.equal("", out)
    assert.are.equal(0, rc)
  end)

  it("rejects a wrong result with the check's message", function()
    write(dir .. "/out.json", '{"status":"SUCCEEDED","output":{"x":42,"last":{"step":998,"x":42,"tag":"bench"}}}')
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run a '" .. dir .. "/out.json'")
    assert.are.equal("result check failed: a: x=42, last={step=999, x=42, tag=bench}\n", out)
    assert.are.equal(1, rc)
  end)

  -- workload b's output: the input's items and out = the n results
  local function b_output(extra)
    local items, out = {}, {}
    for i = 0, 9999 do
      items[#items + 1] = string.format('{"id":%d,"name":"item-%d","pad":"xxxxxxxx"}', i, i)
      out[#out + 1] = string.format('{"id":%d,"name":"item-%d","seen":true%s}', i, i, i == 9999 and extra or "")
    end
    return '{"items":[' .. table.concat(items, ",") .. '],"out":[' .. table.concat(out, ",") .. "]}"
  end

  it("accepts workload b's result", function()
    write(dir .. "/out.json", '{"status":"SUCCEEDED","output":' .. b_output("") .. "}")
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run b '" .. dir .. "/out.json'")
    assert.are.equal("", out)
    assert.are.equal(0, rc)
  end)

  it("rejects b's result when the iterations kept the pad", function()
    write(dir .. "/out.json", '{"status":"SUCCEEDED","output":' .. b_output(',"pad":"xxxxxxxx"') .. "}")
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run b '" .. dir .. "/out.json'")
    assert.are.equal("result check failed: b: out[9999]={id=9999, name=item-9999, seen=true, no pad}\n", out)
    assert.are.equal(1, rc)
  end)

  it("rejects a run that did not succeed", function()
    write(dir .. "/out.json", '{"status":"FAILED","error":"States.Runtime"}')
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run c '" .. dir .. "/out.json'")
    assert.are.equal("status is FAILED\n", out)
    assert.are.equal(1, rc)
  end)
end)

describe("bench/engine_bench.lua --once", function()
  it("runs the Map once over N items and prints its memory figures", function()
    for _, input in ipairs({ "json", "table" }) do
      local out, rc = sh(lua .. " bench/engine_bench.lua --once map --items 1000 --input " .. input)
      assert.are.equal(0, rc)
      assert.truthy(out:match("^sfn%-once id=map items=1000 input=" .. input .. " status=ok rss_input_kb=%d+"
        .. " hwm_run_kb=%d+ hwm_kb=%d+ run_ms=[%d.]+ lua=%S+\n$"), out)
    end
  end)

  it("runs workload b only at its 10,000 items", function()
    local out, rc = sh(lua .. " bench/engine_bench.lua --once b --items 5")
    assert.are.equal("--once b runs 10,000 items; --once map --items N for other counts\n", out)
    assert.are.equal(2, rc)
  end)

  it("rejects an unknown input kind", function()
    local out, rc = sh(lua .. " bench/engine_bench.lua --once map --input xml")
    assert.are.equal("--once b|map [--items N] [--input table|json]\n", out)
    assert.are.equal(2, rc)
  end)
end)
