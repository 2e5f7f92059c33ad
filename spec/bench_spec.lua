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

describe("bench/report.lua", function()
  local dir
  before_each(function() dir = mkdir_tmp() end)
  after_each(function() sh("rm -rf '" .. dir .. "'") end)

  it("marks each target met or NOT met from the medians", function()
    write(dir .. "/sfn-lua5.4.txt", table.concat({
      "sfn-bench id=a.run status=ok median_ms=2.0000 min_ms=1.5000 max_ms=3.0000 reps=21 rss_mb=10.0",
      "sfn-bench id=b.run status=unsupported note=not supported yet (UnsupportedFeature: Map)",
      "sfn-bench id=c.run status=ok median_ms=20.0000 min_ms=19.0000 max_ms=30.0000 reps=21",
      "sfn-bench id=compile.a status=ok median_ms=4.5000 min_ms=4.0000 max_ms=5.0000 reps=51",
      "sfn-bench id=process status=ok peak_rss_mb=12.5 clock=monotime lua=Lua_5.4",
    }, "\n") .. "\n")
    write(dir .. "/peer-a.json", '{"engine":"aws-local-stepfunctions","version":"3.0.0","node":"v20",'
      .. '"workload":"a","reps":11,"median_ms":300,"min_ms":250,"max_ms":400}\n')
    write(dir .. "/peer-c.json", '{"version":"3.0.0","median_ms":500,"min_ms":450}\n')
    write(dir .. "/proc-sfn-lua5.4.json", hyperfine("0.05", "0.04"))
    write(dir .. "/proc-peer-a.json", hyperfine("0.9", "0.8"))
    local out, rc = sh(lua .. " bench/report.lua '" .. dir .. "' lua5.4")
    assert.are.equal(0, rc)
    assert.truthy(out:find("a in-process at least 50x faster than aws-local-stepfunctions: lua5.4 150x met", 1, true))
    assert.truthy(out:find("c in-process at least 50x faster than aws-local-stepfunctions: lua5.4 25x NOT met", 1, true))
    assert.truthy(out:find("`sfn run` a whole process at least 20x faster than node: lua5.4 18x NOT met", 1, true))
    assert.truthy(out:find("1,000-state compile under 5 ms: lua5.4 4.50 ms met", 1, true))
    assert.truthy(out:find("| not supported yet |", 1, true))
    assert.truthy(out:find("2.00 ms (1.50)", 1, true))
    assert.truthy(out:find("12.5 MB", 1, true))
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

  it("rejects a run that did not succeed", function()
    write(dir .. "/out.json", '{"status":"FAILED","error":"States.Runtime"}')
    local out, rc = sh(lua .. " bench/engine_bench.lua --check-sfn-run c '" .. dir .. "/out.json'")
    assert.are.equal("status is FAILED\n", out)
    assert.are.equal(1, rc)
  end)
end)
