-- spec/jsonata_spec.lua: the JSONata evaluator (src/sfn_jsonata*.c) through
-- core.jsonata_eval: every case of JSONata's own test suite (v2.0.6, in
-- spec/fixtures/jsonata-suite/), and the evaluator's limits.
--
-- Cases listed in spec/fixtures/jsonata-known-failures.txt (one id a line,
-- "group/caseNNN" or "group/caseNNN#k" for the k-th case of a file holding
-- an array) may fail; a listed case that passes fails the spec, so the list
-- stays honest.  Results compare as JSON values (objects regardless of key
-- order, numbers by value).  The suite's time limits become step limits, and
-- the suite's U1001 for a timed-out case is met by U1002 (steps exhausted).
local core = require "sfn.core"
local ojson = require "support.ojson"

local ROOT = "spec/fixtures/jsonata-suite/"

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function list(dir, pattern)
  local names = {}
  local p = io.popen('ls "' .. dir .. '"')
  for name in p:lines() do
    if not pattern or name:match(pattern) then names[#names + 1] = name end
  end
  p:close()
  table.sort(names)
  return names
end

local function field(o, k)
  if o == nil or ojson.kind(o) ~= "object" then return nil end
  return o.map[k]
end

local known = {}
for line in readfile("spec/fixtures/jsonata-known-failures.txt"):gmatch("[^\n]+") do
  local id = line:match("^%s*([^#%s][^%s]*)")
  if id then known[id] = true end
end

local datasets = {}
local function dataset(name)
  if datasets[name] == nil then datasets[name] = readfile(ROOT .. "datasets/" .. name .. ".json") end
  return datasets[name]
end

-- Run one case; returns true or false, reason.
local function run_case(dir, case)
  local expr = field(case, "expr")
  if expr == nil then expr = readfile(dir .. field(case, "expr-file")) end
  local input
  local data = field(case, "data")
  if data ~= nil then
    input = ojson.encode(data)
  else
    local ds = field(case, "dataset")
    if type(ds) == "string" then input = dataset(ds) end
  end
  local bindings = field(case, "bindings")
  bindings = bindings ~= nil and ojson.encode(bindings) or nil
  local opts = {}
  local depth, timelimit = field(case, "depth"), field(case, "timelimit")
  if depth then opts.max_depth = tonumber(depth.text) end
  if timelimit then opts.max_steps = 5000 * tonumber(timelimit.text) end
  local out, err = core.jsonata_eval(expr, input, bindings, opts)
  local code = field(case, "code") or field(field(case, "error"), "code")
  if code ~= nil then
    if out ~= nil then return false, "expected error " .. code .. ", got " .. out end
    if out == nil and err == nil then return false, "expected error " .. code .. ", got undefined" end
    if err.code == code or (code == "U1001" and timelimit and err.code == "U1002") then return true end
    return false, "expected error " .. code .. ", got " .. err.code .. ": " .. tostring(err.message)
  end
  if err then return false, "error " .. err.code .. ": " .. tostring(err.message) end
  if field(case, "undefinedResult") then
    if out == nil then return true end
    return false, "expected undefined, got " .. out
  end
  local expected = field(case, "result")
  if out == nil then return false, "got undefined, expected " .. ojson.encode(expected) end
  local ok, got = pcall(ojson.decode, out)
  if not ok then return false, "result is not JSON: " .. out end
  if ojson.equal(got, expected) then return true end
  return false, "got " .. out .. ", expected " .. ojson.encode(expected)
end

local cases = {}
for _, group in ipairs(list(ROOT .. "groups")) do
  local dir = ROOT .. "groups/" .. group .. "/"
  for _, file in ipairs(list(dir, "%.json$")) do
    local doc = ojson.decode(readfile(dir .. file))
    local base = group .. "/" .. file:gsub("%.json$", "")
    if ojson.kind(doc) == "array" then
      for i = 1, doc.n do cases[#cases + 1] = { id = base .. "#" .. (i - 1), dir = dir, case = doc[i] } end
    else
      cases[#cases + 1] = { id = base, dir = dir, case = doc }
    end
  end
end

describe("sfn.jsonata", function()
  describe("JSONata test suite", function()
    local pass = 0
    for _, c in ipairs(cases) do
      it(c.id, function()
        local ok, why = run_case(c.dir, c.case)
        if ok then pass = pass + 1 end
        if known[c.id] then
          assert(not ok, c.id .. " passes now: remove it from jsonata-known-failures.txt")
        else
          assert(ok, why)
        end
      end)
    end
    it("reports its figures", function()
      print(string.format("\njsonata suite: %d of %d pass", pass, #cases))
      assert.is_true(#cases == 1625)
    end)
  end)

  describe("core.jsonata_eval", function()
    it("takes bindings as a table or as JSON text", function()
      assert.are.equal("42", core.jsonata_eval("$x + $y.z", nil, { x = 40, y = { z = 2 } }))
      assert.are.equal('["a",3]', core.jsonata_eval("[$s, $count($a)]", nil, '{"s":"a","a":[1,2,3]}'))
    end)

    it("returns nil for an undefined result and for a function", function()
      assert.is_nil(core.jsonata_eval("nothing.here", '{"a":1}'))
      assert.is_nil(core.jsonata_eval("function($x){$x}"))
      assert.is_nil(core.jsonata_eval("$sum"))
    end)

    it("gives integral numbers as integers and keeps the input's key order", function()
      assert.are.equal('{"b":3,"a":0.5,"c":1e+21}',
        core.jsonata_eval('{"b": 1 + 2, "a": 1 / 2, "c": 1e21}'):gsub("1%.0E21", "1e+21"))
      assert.are.equal('["z","y","x"]', core.jsonata_eval("$keys($)", '{"z":1,"y":2,"x":3}'))
    end)

    it("reads $$ as the whole input, also inside a path", function()
      assert.are.equal("[2,3]", core.jsonata_eval("a.($ + $$.k)", '{"a":[1,2],"k":1}'))
    end)

    it("fails an unbalanced expression at compile time", function()
      local out, err = core.jsonata_eval("{'a': 1")
      assert.is_nil(out)
      assert.are.equal("S0203", err.code)
    end)
  end)

  describe("limits", function()
    it("stops runaway recursion with U1001", function()
      local out, err = core.jsonata_eval("($f := function($n){ 1 + $f($n + 1) }; $f(0))")
      assert.is_nil(out)
      assert.are.equal("U1001", err.code)
    end)

    it("stops an endless tail-recursive loop with U1002", function()
      local out, err = core.jsonata_eval("($f := function($n){ $f($n + 1) }; $f(0))", nil, nil, { max_steps = 100000 })
      assert.is_nil(out)
      assert.are.equal("U1002", err.code)
    end)

    it("runs deep tail recursion in constant depth", function()
      assert.are.equal("true", core.jsonata_eval(
        "($even := function($n){ $n = 0 ? true : $odd($n - 1) }; $odd := function($n){ $n = 0 ? false : $even($n - 1) }; $even(20000))"))
    end)

    it("rejects an expression nested too deeply", function()
      local out, err = core.jsonata_eval(string.rep("(", 5000) .. "1" .. string.rep(")", 5000))
      assert.is_nil(out)
      assert.are.equal("U1001", err.code)
      out, err = core.jsonata_eval(string.rep("[", 5000) .. string.rep("]", 5000))
      assert.is_nil(out)
      assert.are.equal("U1001", err.code)
      out, err = core.jsonata_eval(string.rep("-", 5000) .. "1")
      assert.are.equal("U1001", err.code)
    end)

    it("rejects a value nested too deeply instead of overflowing the stack", function()
      local out, err = core.jsonata_eval("$reduce([1..5000], function($acc, $v){ {\"a\": $acc} }, {})")
      assert.is_nil(out)
      assert.are.equal("U1001", err.code)
    end)

    it("reports syntax errors with JSONata's codes and position", function()
      local out, err = core.jsonata_eval("(1 + ")
      assert.is_nil(out)
      assert.are.equal("S0207", err.code)
      assert.are.equal("Unexpected end of expression", err.message)
      out, err = core.jsonata_eval("a.)")
      assert.are.equal("S0211", err.code)
      assert.are.equal('The symbol ")" cannot be used as a unary operator', err.message)
    end)

    it("does not know $eval (Step Functions offers $parse)", function()
      local out, err = core.jsonata_eval("$eval('1')")
      assert.is_nil(out)
      assert.are.equal("T1006", err.code)
    end)
  end)
end)
