-- spec/choice_spec.lua: Choice state rules (sfn.core.choice_eval), one
-- group per operator family, then every recorded AWS choice_operators case
-- in spec/fixtures/choice_operators/.
local core = require "sfn.core"

local FIXTURES = "spec/fixtures/choice_operators/"

-- Evaluate one rule (a Lua table of rule fields, encoded as JSON) against
-- input (JSON text); true/false for match/no match, or nil, err.
local function rule(fields, input, context)
  fields.Next = "Yes"
  local idx, err = core.choice_eval(core.json_encode({ fields }), input, context)
  if idx == nil then return nil, err end
  return idx == 0
end

-- Same with the rule given as JSON text (to keep 1 vs 1.0 and escapes exact).
local function rule_text(json, input, context)
  local idx, err = core.choice_eval("[" .. json:gsub("}%s*$", ',"Next":"Yes"}') .. "]", input, context)
  if idx == nil then return nil, err end
  return idx == 0
end

local INVALID = "Invalid path '%s': The choice state's condition path references an invalid value."

describe("sfn.choice", function()
  describe("String comparisons", function()
    it("compares for equality exactly", function()
      assert.is_true(rule({ Variable = "$.v", StringEquals = "Hello" }, '{"v":"Hello"}'))
      assert.is_false(rule({ Variable = "$.v", StringEquals = "Hello" }, '{"v":"hello"}'))
      assert.is_false(rule({ Variable = "$.v", StringEquals = "\t\r\n" }, '{"v":"\\t\\n"}'))
      assert.is_true(rule({ Variable = "$.v", StringEquals = "" }, '{"v":""}'))
    end)

    it("orders strings", function()
      assert.is_true(rule({ Variable = "$.v", StringLessThan = "AB" }, '{"v":"A"}'))
      assert.is_false(rule({ Variable = "$.v", StringLessThan = "" }, '{"v":""}'))
      assert.is_true(rule({ Variable = "$.v", StringGreaterThan = "A" }, '{"v":"B"}'))
      assert.is_false(rule({ Variable = "$.v", StringGreaterThan = "A\t" }, '{"v":"A"}'))
      assert.is_true(rule({ Variable = "$.v", StringLessThanEquals = "A" }, '{"v":"A"}'))
      assert.is_true(rule({ Variable = "$.v", StringGreaterThanEquals = "A" }, '{"v":"AB"}'))
      assert.is_false(rule({ Variable = "$.v", StringGreaterThanEquals = "AB" }, '{"v":"A"}'))
    end)

    it("orders by UTF-16 code units, as Java does, not by code points", function()
      -- U+1F600 is the surrogate pair D83D DE00, below U+FF61 in UTF-16.
      assert.is_true(rule_text('{"Variable":"$.v","StringLessThan":"\\uff61"}', '{"v":"\\ud83d\\ude00"}'))
      assert.is_false(rule_text('{"Variable":"$.v","StringGreaterThan":"\\uff61"}', '{"v":"\\ud83d\\ude00"}'))
      assert.is_true(rule_text('{"Variable":"$.v","StringLessThan":"\\u00e9"}', '{"v":"z"}'))
      assert.is_true(rule_text('{"Variable":"$.v","StringLessThan":"a\\u0800"}', '{"v":"a\\u07ff"}'))
    end)

    it("reads the right operand through a path", function()
      assert.is_true(rule({ Variable = "$.v", StringEqualsPath = "$.w" }, '{"v":"x","w":"x"}'))
      assert.is_true(rule({ Variable = "$.v", StringLessThanPath = "$.w" }, '{"v":"A","w":"AB"}'))
      assert.is_false(rule({ Variable = "$.v", StringGreaterThanPath = "$.w" }, '{"v":"AB","w":"ABC"}'))
      assert.is_true(rule({ Variable = "$.v", StringLessThanEqualsPath = "$.w" }, '{"v":"","w":""}'))
      assert.is_true(rule({ Variable = "$.v", StringGreaterThanEqualsPath = "$.w" }, '{"v":"B","w":"A"}'))
    end)

    it("does not match other types", function()
      assert.is_false(rule({ Variable = "$.v", StringEquals = "1" }, '{"v":1}'))
      assert.is_false(rule({ Variable = "$.v", StringEquals = "null" }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", StringLessThan = "z" }, '{"v":["a"]}'))
      assert.is_false(rule({ Variable = "$.v", StringEqualsPath = "$.w" }, '{"v":"1","w":1}'))
    end)
  end)

  describe("StringMatches", function()
    local function m(pattern_json, value_json)
      return rule_text('{"Variable":"$.v","StringMatches":' .. pattern_json .. "}", '{"v":' .. value_json .. "}")
    end

    it("matches * against any run of characters, also an empty one", function()
      assert.is_true(m('"log-*.txt"', '"log-2024.txt"'))
      assert.is_true(m('"log-*.txt"', '"log-.txt"'))
      assert.is_false(m('"log-*.txt"', '"log-2024.txt.gz"'))
      assert.is_true(m('"*"', '""'))
      assert.is_true(m('"*.log"', '"a.b.log"'))
      assert.is_true(m('"a*b*c"', '"aXXbYYbZc"'))
      assert.is_false(m('"a*b*c"', '"aXXbYY"'))
      assert.is_true(m('"**x**"', '"x"'))
      assert.is_true(m('"h*o"', '"h\\u00e9llo"'))
    end)

    it("matches the whole string and is case sensitive", function()
      assert.is_false(m('"abc"', '"abcd"'))
      assert.is_false(m('"abc"', '"xabc"'))
      assert.is_false(m('"ABC"', '"abc"'))
      assert.is_true(m('""', '""'))
      assert.is_false(m('""', '"a"'))
    end)

    it("reads \\* as a literal star and \\\\ as a literal backslash", function()
      assert.is_true(m('"a\\\\*b"', '"a*b"'))
      assert.is_false(m('"a\\\\*b"', '"aXb"'))
      assert.is_true(m('"a\\\\\\\\b"', '"a\\\\b"'))
      assert.is_true(m('"a\\\\\\\\*"', '"a\\\\anything"'))
      assert.is_true(m('"\\\\**"', '"*xyz"'))
    end)

    it("does not match other types", function()
      assert.is_false(m('"*"', "1"))
      assert.is_false(m('"*"', "null"))
    end)
  end)

  describe("Numeric comparisons", function()
    it("compares int and double by value", function()
      assert.is_true(rule_text('{"Variable":"$.v","NumericEquals":0}', '{"v":0.0}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericEquals":1.0}', '{"v":1}'))
      assert.is_false(rule_text('{"Variable":"$.v","NumericEquals":1}', '{"v":1.1}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericEquals":2.22}', '{"v":2.22}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericEquals":100}', '{"v":1e2}'))
    end)

    it("orders numbers", function()
      assert.is_true(rule({ Variable = "$.v", NumericLessThan = 1 }, '{"v":0}'))
      assert.is_false(rule({ Variable = "$.v", NumericLessThan = 1 }, '{"v":1}'))
      assert.is_true(rule({ Variable = "$.v", NumericGreaterThan = 0 }, '{"v":0.5}'))
      assert.is_false(rule({ Variable = "$.v", NumericGreaterThan = 0 }, '{"v":-0.5}'))
      assert.is_true(rule({ Variable = "$.v", NumericLessThanEquals = 0 }, '{"v":0}'))
      assert.is_true(rule({ Variable = "$.v", NumericGreaterThanEquals = 1 }, '{"v":1}'))
      assert.is_false(rule({ Variable = "$.v", NumericGreaterThanEquals = 1 }, '{"v":0.999}'))
    end)

    it("is exact for integers beyond 2^53", function()
      assert.is_false(rule_text('{"Variable":"$.v","NumericEquals":9007199254740993}', '{"v":9007199254740992}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericGreaterThan":9007199254740992.0}', '{"v":9007199254740993}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericLessThan":9223372036854775807}', '{"v":-9223372036854775808}'))
      assert.is_true(rule_text('{"Variable":"$.v","NumericLessThan":1e300}', '{"v":9223372036854775807}'))
    end)

    it("reads the right operand through a path", function()
      assert.is_true(rule({ Variable = "$.v", NumericEqualsPath = "$.w" }, '{"v":0.0,"w":0}'))
      assert.is_true(rule({ Variable = "$.v", NumericLessThanPath = "$.w" }, '{"v":0,"w":1}'))
      assert.is_false(rule({ Variable = "$.v", NumericGreaterThanPath = "$.w" }, '{"v":1,"w":1}'))
      assert.is_true(rule({ Variable = "$.v", NumericLessThanEqualsPath = "$.w" }, '{"v":0.0,"w":0}'))
      assert.is_true(rule({ Variable = "$.v", NumericGreaterThanEqualsPath = "$.w" }, '{"v":1,"w":0}'))
    end)

    it("does not match other types", function()
      assert.is_false(rule({ Variable = "$.v", NumericEquals = 1 }, '{"v":"1"}'))
      assert.is_false(rule({ Variable = "$.v", NumericEquals = 1 }, '{"v":true}'))
      assert.is_false(rule({ Variable = "$.v", NumericEquals = 0 }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", NumericEquals = 0 }, '{"v":[]}'))
      assert.is_false(rule({ Variable = "$.v", NumericEqualsPath = "$.w" }, '{"v":1,"w":"1"}'))
    end)
  end)

  describe("BooleanEquals", function()
    it("matches booleans only", function()
      assert.is_true(rule({ Variable = "$.v", BooleanEquals = true }, '{"v":true}'))
      assert.is_true(rule({ Variable = "$.v", BooleanEquals = false }, '{"v":false}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEquals = true }, '{"v":false}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEquals = true }, '{"v":1}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEquals = false }, '{"v":""}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEquals = false }, '{"v":null}'))
    end)

    it("reads the right operand through a path", function()
      assert.is_true(rule({ Variable = "$.v", BooleanEqualsPath = "$.w" }, '{"v":false,"w":false}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEqualsPath = "$.w" }, '{"v":false,"w":true}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEqualsPath = "$.w" }, '{"v":0,"w":false}'))
      assert.is_false(rule({ Variable = "$.v", BooleanEqualsPath = "$.w" }, '{"v":true,"w":"true"}'))
    end)
  end)

  describe("Timestamp comparisons", function()
    local T = "2012-10-09T19:00:55Z"

    it("compares instants, applying offsets", function()
      assert.is_true(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":"2012-10-09T19:00:55Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":"2012-10-09T20:00:55+01:00"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":"2012-10-09T19:00:55.000Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":"2012-10-09T19:00:56Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampLessThan = T }, '{"v":"2012-10-09T19:00:54Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampGreaterThan = T }, '{"v":"2012-10-09T19:00:56Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampGreaterThan = T }, '{"v":"2012-10-09T19:00:55Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampLessThanEquals = T }, '{"v":"2012-10-09T19:00:55Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampGreaterThanEquals = T }, '{"v":"2012-10-09T19:00:55Z"}'))
    end)

    it("compares below the millisecond", function()
      assert.is_true(rule({ Variable = "$.v", TimestampGreaterThan = "2012-10-09T19:00:55.000000001Z" },
        '{"v":"2012-10-09T19:00:55.000000002Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampEquals = "2012-10-09T19:00:55.0001Z" },
        '{"v":"2012-10-09T19:00:55Z"}'))
    end)

    it("reads the right operand through a path", function()
      assert.is_true(rule({ Variable = "$.v", TimestampEqualsPath = "$.w" }, '{"v":"' .. T .. '","w":"' .. T .. '"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampLessThanPath = "$.w" },
        '{"v":"2012-10-09T19:00:55Z","w":"2012-10-09T19:00:56Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampGreaterThanPath = "$.w" },
        '{"v":"2012-10-09T19:00:55Z","w":"2012-10-09T19:00:56Z"}'))
      assert.is_true(rule({ Variable = "$.v", TimestampLessThanEqualsPath = "$.w" },
        '{"v":"2012-10-09T19:00:55Z","w":"2012-10-09T19:00:55Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampGreaterThanEqualsPath = "$.w" },
        '{"v":"2012-10-09T19:00:55Z","w":"2012-10-09T19:00:56Z"}'))
    end)

    it("does not match values that are not timestamps", function()
      assert.is_false(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":"2012-10-09T19:00:55"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampLessThanEquals = T }, '{"v":"2012-10-09 19:00:55Z"}'))
      assert.is_false(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":1349809255000}'))
      assert.is_false(rule({ Variable = "$.v", TimestampEquals = T }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", TimestampEqualsPath = "$.w" }, '{"v":"' .. T .. '","w":"soon"}'))
    end)
  end)

  describe("type tests", function()
    it("IsNull", function()
      assert.is_true(rule({ Variable = "$.v", IsNull = true }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", IsNull = true }, '{"v":0}'))
      assert.is_true(rule({ Variable = "$.v", IsNull = false }, '{"v":""}'))
    end)

    it("IsPresent is false, not an error, for a missing path", function()
      assert.is_true(rule({ Variable = "$.v", IsPresent = true }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", IsPresent = false }, '{"v":null}'))
      assert.is_false(rule({ Variable = "$.v", IsPresent = true }, '{}'))
      assert.is_true(rule({ Variable = "$.v", IsPresent = false }, '{}'))
      assert.is_true(rule({ Variable = "$.a.b", IsPresent = false }, '{"a":1}'))
    end)

    it("IsNumeric", function()
      assert.is_true(rule({ Variable = "$.v", IsNumeric = true }, '{"v":1.1}'))
      assert.is_true(rule({ Variable = "$.v", IsNumeric = true }, '{"v":0}'))
      assert.is_false(rule({ Variable = "$.v", IsNumeric = true }, '{"v":"1"}'))
      assert.is_true(rule({ Variable = "$.v", IsNumeric = false }, '{"v":null}'))
    end)

    it("IsString", function()
      assert.is_true(rule({ Variable = "$.v", IsString = true }, '{"v":""}'))
      assert.is_false(rule({ Variable = "$.v", IsString = true }, '{"v":[""]}'))
      assert.is_true(rule({ Variable = "$.v", IsString = false }, '{"v":1}'))
    end)

    it("IsBoolean", function()
      assert.is_true(rule({ Variable = "$.v", IsBoolean = true }, '{"v":false}'))
      assert.is_false(rule({ Variable = "$.v", IsBoolean = true }, '{"v":0}'))
      assert.is_true(rule({ Variable = "$.v", IsBoolean = false }, '{"v":"true"}'))
    end)

    it("IsTimestamp", function()
      assert.is_true(rule({ Variable = "$.v", IsTimestamp = true }, '{"v":"2012-10-09T19:00:55Z"}'))
      assert.is_true(rule({ Variable = "$.v", IsTimestamp = true }, '{"v":"2012-10-09T19:00:55+01:00"}'))
      assert.is_false(rule({ Variable = "$.v", IsTimestamp = true }, '{"v":"2012-10-09T19:00:55"}'))
      assert.is_false(rule({ Variable = "$.v", IsTimestamp = true }, '{"v":"2023-02-24"}'))
      assert.is_true(rule({ Variable = "$.v", IsTimestamp = false }, '{"v":0}'))
    end)
  end)

  describe("And, Or, Not", function()
    it("combine nested rules", function()
      local r = { And = {
        { Variable = "$.n", NumericGreaterThanEquals = 20 },
        { Variable = "$.n", NumericLessThan = 30 },
        { Not = { Variable = "$.t", StringEquals = "Private" } },
      } }
      assert.is_true(rule(r, '{"n":25,"t":"Public"}'))
      assert.is_false(rule(r, '{"n":25,"t":"Private"}'))
      assert.is_false(rule(r, '{"n":30,"t":"Public"}'))
      local o = { Or = { { Variable = "$.a", BooleanEquals = true }, { Not = { Or = {
        { Variable = "$.b", IsPresent = true }, { Variable = "$.c", IsNull = true } } } } } }
      assert.is_true(rule(o, '{"a":true}'))
      assert.is_true(rule(o, '{"a":false,"c":1}'))
      assert.is_false(rule(o, '{"a":false,"b":1,"c":1}'))
      assert.is_false(rule(o, '{"a":false,"c":null}'))
    end)

    it("stop at the operand that decides", function()
      assert.is_true(rule({ Or = { { Variable = "$.a", IsPresent = true }, { Variable = "$.x", IsNull = true } } }, '{"a":1}'))
      assert.is_false(rule({ And = { { Variable = "$.a", IsPresent = false }, { Variable = "$.x", IsNull = true } } }, '{"a":1}'))
    end)
  end)

  describe("rule order", function()
    it("returns the first matching rule, or -1", function()
      local choices = core.json_encode({
        { Variable = "$.n", NumericLessThan = 0, Next = "Neg" },
        { Variable = "$.n", NumericLessThan = 10, Next = "Small" },
        { Variable = "$.n", NumericLessThan = 100, Next = "Medium" },
      })
      assert.are.equal(0, core.choice_eval(choices, '{"n":-1}'))
      assert.are.equal(1, core.choice_eval(choices, '{"n":5}'))
      assert.are.equal(2, core.choice_eval(choices, '{"n":10}'))
      assert.are.equal(-1, core.choice_eval(choices, '{"n":100}'))
    end)

    it("reads $$ paths from the context object", function()
      local choices = '[{"Variable":"$$.Execution.Name","StringEquals":"exec-1","Next":"A"}]'
      assert.are.equal(0, core.choice_eval(choices, "{}", '{"Execution":{"Name":"exec-1"}}'))
      assert.are.equal(-1, core.choice_eval(choices, "{}", '{"Execution":{"Name":"exec-2"}}'))
    end)
  end)

  describe("errors", function()
    it("fails with States.Runtime when the Variable selects nothing", function()
      local ok, err = rule({ Variable = "$.missing", StringEquals = "x" }, '{"v":1}')
      assert.is_nil(ok)
      assert.are.equal("States.Runtime", err.code)
      assert.are.equal(INVALID:format("$.missing"), err.message)
      ok, err = rule({ Not = { Variable = "$.a.b", IsNull = true } }, '{"a":{}}')
      assert.is_nil(ok)
      assert.are.equal(INVALID:format("$.a.b"), err.message)
    end)

    it("fails when a ...Path operand selects nothing", function()
      local ok, err = rule({ Variable = "$.v", NumericEqualsPath = "$.w" }, '{"v":1}')
      assert.is_nil(ok)
      assert.are.equal("States.Runtime", err.code)
      assert.are.equal(INVALID:format("$.w"), err.message)
    end)

    it("fails only when the failing rule is reached", function()
      local choices = '[{"Variable":"$.a","IsPresent":true,"Next":"A"},' ..
        '{"Variable":"$.b","BooleanEquals":true,"Next":"B"}]'
      assert.are.equal(0, core.choice_eval(choices, '{"a":1}'))
      local idx, err = core.choice_eval(choices, '{}')
      assert.is_nil(idx)
      assert.are.equal(INVALID:format("$.b"), err.message)
    end)

    it("rejects malformed rules instead of crashing", function()
      local bad = {
        '[]', '{}', '[1]', '[{"Next":"A"}]', '[{"Variable":"$.a","Next":"A"}]',
        '[{"Variable":"$.a","StringEquals":1,"Next":"A"}]',
        '[{"Variable":"$.a","NumericEquals":"1","Next":"A"}]',
        '[{"Variable":"$.a","BooleanEquals":"true","Next":"A"}]',
        '[{"Variable":"$.a","IsNull":1,"Next":"A"}]',
        '[{"Variable":"$.a","TimestampEquals":"yesterday","Next":"A"}]',
        '[{"Variable":"$.a","StringEqualsPath":1,"Next":"A"}]',
        '[{"Variable":1,"StringEquals":"x","Next":"A"}]',
        '[{"StringEquals":"x","Next":"A"}]',
        '[{"Variable":"$.a","StringEquals":"x","NumericEquals":1,"Next":"A"}]',
        '[{"Variable":"$.a","StringEquals":"x"}]',
        '[{"And":[],"Next":"A"}]', '[{"And":{},"Next":"A"}]', '[{"Or":[1],"Next":"A"}]',
        '[{"Not":[],"Next":"A"}]', '[{"Not":{"Not":{}},"Next":"A"}]',
      }
      for _, choices in ipairs(bad) do
        local idx, err = core.choice_eval(choices, "{}")
        assert.is_nil(idx, choices)
        assert.are.equal("InvalidDefinition", err.code, choices)
      end
      local deep = '{"Variable":"$.a","IsPresent":true}'
      for _ = 1, 100 do deep = '{"Not":' .. deep .. "}" end
      local idx, err = core.choice_eval("[" .. deep:sub(1, -2) .. ',"Next":"A"}]', "{}")
      assert.is_nil(idx)
      assert.are.equal("Choice rule: nested too deeply", err.message)
    end)
  end)

  -- Speed is measured by `make bench`, never asserted here.
  it("gives the same answer when one compiled rule is evaluated 10,000 times", function()
    local choices = '[{"Variable":"$.n","NumericGreaterThanEquals":10,"Next":"A"}]'
    assert.are.equal(0, core.choice_eval_repeat(choices, '{"n":25}', 10000))
    assert.are.equal(-1, core.choice_eval_repeat(choices, '{"n":5}', 10000))
  end)

  describe("recorded AWS cases (spec/fixtures/choice_operators)", function()
    local f = assert(io.open(FIXTURES .. "index.txt"))
    local names = {}
    for line in f:lines() do
      if line ~= "" then names[#names + 1] = line end
    end
    f:close()

    it("has all 240 cases", function()
      assert.are.equal(240, #names)
    end)

    for _, name in ipairs(names) do
      it("gives AWS's result for " .. name, function()
        local fh = assert(io.open(FIXTURES .. name))
        local case = core.json_decode(fh:read("*a"))
        fh:close()
        local states = case.definition.States
        local choice = states[case.definition.StartAt]
        assert.are.equal("Choice", choice.Type)
        local idx, err = core.choice_eval(core.json_encode(choice.Choices), case.input_text)
        if case.expected.status == "FAILED" then
          assert.is_nil(idx)
          assert.are.equal(case.expected.error, err.code)
          assert.is_truthy(case.expected.cause:find(err.message, 1, true))
          return
        end
        assert.are.equal("SUCCEEDED", case.expected.status)
        assert.is_not_nil(idx, err and err.message)
        local next_name = idx >= 0 and choice.Choices[idx + 1].Next or choice.Default
        local reached = states[next_name]
        assert.are.equal("Pass", reached.Type)
        assert.are.same(case.expected.output, reached.Result)
      end)
    end
  end)
end)
