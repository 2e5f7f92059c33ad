-- spec/normalise_spec.lua: the conformance normaliser (spec/support/):
-- the Python regex subset, Python-style JSON text, the README's
-- normalisation steps, and a round trip over every recorded history.
local pyregex = require "support.pyregex"
local ojson = require "support.ojson"
local normalise = require "support.normalise"
local cases = require "support.cases"

local DATE = "(?:[1-9]\\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-][01]\\d:?([0-5]\\d)?)"

local function sub(pat, s, repl) return (pyregex.compile(pat):sub(s, repl or "R")) end

local function raises(fn, msg)
  local ok, err = pcall(fn)
  assert.is_false(ok)
  assert.are.equal(msg, err)
end

describe("support.pyregex", function()
  it("replaces escaped literals everywhere", function()
    assert.are.equal("a <region> b <region>", sub("us\\-east\\-1", "a us-east-1 b us-east-1", "<region>"))
  end)
  it("treats an unescaped dot as any character", function()
    assert.are.equal("R R state\nmachine", sub("state.machine", "state.machine stateXmachine state\nmachine"))
  end)
  it("reads a class with ranges and a literal dash after a range", function()
    assert.are.equal("Extended Request ID: X!",
      sub("Extended Request ID: [a-zA-Z0-9-/=+]+", "Extended Request ID: aZ9-/=+!", "Extended Request ID: X"))
    assert.are.equal("Request ID: X;", sub("Request ID: [a-zA-Z0-9-]+", "Request ID: ab-12;", "Request ID: X"))
  end)
  it("matches the ISO-8601 pattern with its calendar rules", function()
    local re = pyregex.compile(DATE)
    for _, ok in ipairs({ "2024-02-29T10:00:00Z", "2000-02-29T23:59:59+01:00", "2024-12-31T23:59:59.123456789Z",
                          "2023-06-30T00:00:00.5-05:30", "2023-06-30T00:00:00+0530" }) do
      assert.is_true(re:fullmatch(ok), ok)
    end
    for _, bad in ipairs({ "2023-02-29T10:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                           "2024-04-31T00:00:00Z", "2024-04-30T24:00:00Z", "0999-01-01T00:00:00Z",
                           "2024-01-01T00:00:00" }) do
      assert.is_false(re:fullmatch(bad), bad)
    end
    assert.are.equal('{"t": "date", "u": "xdatey"}',
      sub(DATE, '{"t": "2024-01-02T03:04:05.678Z", "u": "x2024-01-02T03:04:05+00:00y"}', "date"))
  end)
  it("does not match a date with ten fraction digits anywhere", function()
    assert.are.equal("2024-01-02T03:04:05.1234567890Z", sub(DATE, "2024-01-02T03:04:05.1234567890Z"))
  end)
  it("tries alternatives in order and backtracks into groups", function()
    assert.are.equal("R", sub("(a|ab)(c|bcd)(d*)", "abcd"))
    local e, caps = pyregex.compile("(a|ab)(c|bcd)(d*)"):match("abcd")
    assert.are.equal(5, e)
    assert.are.equal("a", pyregex.group("abcd", caps, 1))
    assert.are.equal("bcd", pyregex.group("abcd", caps, 2))
    assert.are.equal("", pyregex.group("abcd", caps, 3))
  end)
  it("supports lazy repeats, bounded repeats and a literal brace", function()
    assert.are.equal("RRR", sub("a*?b", "abbb"))
    assert.are.equal("aRR", sub("a{,2}b", "aaabb"))
    assert.are.equal("R", sub("x{}", "x{}"))
    assert.are.equal("R", sub("{a", "{a"))
  end)
  it("applies (?i) and anchors to keys", function()
    local re = pyregex.compile("(?i)^.*timestamp.*$|^creationTime$|^ingestionTime$")
    assert.truthy(re:search("eventTimeStamp"))
    assert.truthy(re:search("creationTime"))
    assert.truthy(re:search("creationTime\n"))
    assert.falsy(re:search("xcreationTime"))
    assert.truthy(re:search("ingestiontime"))
    assert.falsy(re:search("ingestionTimes"))
  end)
  it("finds the last quoted JSON object in a cause", function()
    local s = "could not be found in the input '{\"a\": 1}' or '{\"b\": 2}'"
    local e, caps = pyregex.compile(".*'({.*})'"):match(s)
    assert.truthy(e)
    assert.are.equal('{"b": 2}', pyregex.group(s, caps, 1))
  end)
  it("advances past an empty match as re.sub does", function()
    assert.are.equal("RRbRcR", sub("a?", "abc"))
  end)
  it("refuses what it does not support", function()
    raises(function() pyregex.compile("a(?=b)") end, 'pyregex: unsupported group extension (?= in pattern "a(?=b)"')
    raises(function() pyregex.compile("(a)\\1") end, 'pyregex: unsupported escape \\1 in pattern "(a)\\\\1"')
    raises(function() pyregex.compile("\\bword") end, 'pyregex: unsupported escape \\b in pattern "\\\\bword"')
    raises(function() pyregex.compile("(?P<n>x)") end, 'pyregex: unsupported group extension (?P in pattern "(?P<n>x)"')
    raises(function() pyregex.compile("(?m)^x") end, 'pyregex: unsupported flags (?m) in pattern "(?m)^x"')
    raises(function() pyregex.compile("*x") end, 'pyregex: unsupported nothing to repeat in pattern "*x"')
    raises(function() pyregex.compile("a++") end, 'pyregex: unsupported possessive repeat in pattern "a++"')
    raises(function() pyregex.compile("x"):sub("x", "\\g<0>") end,
      'pyregex: unsupported replacement template "\\\\g<0>"')
  end)
end)

describe("support.ojson", function()
  it("writes json.dumps's separators and keeps key order", function()
    local v = assert(ojson.decode('{"b":1,"a":[true,false,null,{}],"c":{"z":"y"}}'))
    assert.are.equal('{"b": 1, "a": [true, false, null, {}], "c": {"z": "y"}}', ojson.encode_py(v))
    assert.are.equal('{"b":1,"a":[true,false,null,{}],"c":{"z":"y"}}', ojson.encode(v))
  end)
  it("escapes non-ASCII and control characters as ensure_ascii does", function()
    local v = assert(ojson.decode('"caf\\u00e9 \\ud83d\\ude00 \\u007f \\u0001 \\"q\\" \\\\ / \\n"'))
    assert.are.equal('"caf\\u00e9 \\ud83d\\ude00 \\u007f \\u0001 \\"q\\" \\\\ / \\n"', ojson.encode_py(v))
    assert.are.equal('"\\u00e9\\u4e2d"', ojson.encode_py("\195\169\228\184\173"))
  end)
  it("prints numbers as Python does", function()
    local function py(t) return ojson.encode_py(assert(ojson.decode(t))) end
    assert.are.equal("[1, -0.5, 1.0, 100.0, 1e+16, 1.5e-05, 0.0001, 0.1, 12345678901234567890, 0]",
      py("[1, -0.5, 1.0, 1E2, 1e16, 0.000015, 0.0001, 0.1, 12345678901234567890, -0]"))
    assert.are.equal("1.7e+308", ojson.pyfloat(1.7e308))
    assert.are.equal("123456789012345.6", ojson.pyfloat(123456789012345.6))
  end)
  it("keeps the first position and the last value of a duplicate key", function()
    assert.are.equal('{"a": 3, "b": 2}', ojson.encode_py(assert(ojson.decode('{"a":1,"b":2,"a":3}'))))
  end)
  it("rejects what json.loads rejects", function()
    assert.are.same({ nil, "extra data at character 2" }, { ojson.decode("01") })
    assert.are.same({ nil, "invalid control character at character 3" }, { ojson.decode('"a\nb"') })
    assert.are.same({ nil, "expecting value at character 5" }, { ojson.decode('[1, ]') })
  end)
  it("compares objects without key order and numbers by value", function()
    local a = assert(ojson.decode('{"x": 1, "y": [1.0, 2]}'))
    local b = assert(ojson.decode('{"y": [1, 2.0], "x": 1.0}'))
    assert.is_true(ojson.equal(a, b))
    local d = ojson.diff(assert(ojson.decode('{"x": 1, "z": 2}')), b)
    assert.are.same({ { path = "$.y", actual = "(absent)", expected = "[1,2.0]" },
                      { path = "$.z", actual = "2", expected = "(absent)" } }, d)
  end)
end)

describe("support.normalise", function()
  local base = {
    { type = "key_value", key_regex = "(?i)^.*timestamp.*$|^creationTime$|^ingestionTime$",
      replacement = "timestamp", unless_iso8601 = true },
    { type = "cause_json_reference" },
    { type = "regex", pattern = "arn:aws:iam::111111111111:role/r1", replacement = "snf_role_arn" },
    { type = "regex", pattern = "sm_1", replacement = "<ArnPart_0idx>" },
    { type = "regex", pattern = "us\\-east\\-1", replacement = "<region>" },
    { type = "regex", pattern = "arn:aws:", replacement = "arn:<partition>:" },
    { type = "uuid_reference" },
    { type = "regex", pattern = DATE, replacement = "date" },
  }
  local function norm(v) return (ojson.encode_py((normalise.apply(v, base)))) end

  it("parses strings that start with { one level deep", function()
    local out = norm({ output = '{"a": "{\\"b\\": 1}", "c": [1]}', other = "[1]", bad = "{nope" })
    assert.are.equal('{"bad": "{nope", "other": "[1]", "output": {"a": "{\\"b\\": 1}", "c": [1]}}', out)
  end)
  it("replaces scalar timestamp values but keeps ISO-8601 ones for the date rule", function()
    local out = norm({ timestamp = 1700000000.5, eventTimestamp = "2024-01-02T03:04:05Z",
                       creationTime = { a = 1 }, TimestampValue = "soon", x = "2024-01-02T03:04:05Z" })
    assert.are.equal('{"TimestampValue": "timestamp", "creationTime": {"a": 1}, "eventTimestamp": "date", '
      .. '"timestamp": "timestamp", "x": "date"}', out)
  end)
  it("numbers the JSON quoted in causes and the UUIDs under id keys by first appearance", function()
    local v = ojson.object()
    ojson.set(v, "events", ojson.from_lua({
      { cause = "The JSONPath '$.x' could not be found in the input '{\"b\": 2}'" },
      { cause = "again in the input '{\"a\": \"us-east-1\"}'", executionId = "0A1b2c3d-0000-4000-8000-00000000000f" },
      { cause = "once more '{\"b\": 2}'", requestId = "0a1b2c3d-0000-4000-8000-000000000001",
        value = "0a1b2c3d-0000-4000-8000-000000000002" },
    }))
    assert.are.equal('{"events": [{"cause": "The JSONPath \'$.x\' could not be found in the input \'<json-input:1>\'"}, '
      .. '{"cause": "again in the input \'<json-input:2>\'", "executionId": "<uuid:1>"}, '
      .. '{"cause": "once more \'<json-input:1>\'", "requestId": "<uuid:2>", "value": "0a1b2c3d-0000-4000-8000-000000000002"}]}', norm(v))
  end)
  it("rewrites names, region, partition and role inside JSON payload text", function()
    local out = norm({ stateMachineArn = "arn:aws:states:us-east-1:111111111111:stateMachine:sm_1",
                       executionStartedEventDetails = { roleArn = "arn:aws:iam::111111111111:role/r1",
                                                        input = '{"where":"us-east-1"}' } })
    assert.are.equal('{"executionStartedEventDetails": {"input": {"where": "<region>"}, "roleArn": "snf_role_arn"}, '
      .. '"stateMachineArn": "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>"}', out)
  end)
  it("refuses a rule type it does not know", function()
    local ok, err = pcall(normalise.apply, {}, { { type = "mystery" } })
    assert.is_false(ok)
    assert.truthy(err:find("normalise: unsupported rule type mystery", 1, true))
  end)

  -- The recorded histories, turned back into what the engine hands out
  -- (payload fields as JSON text, real names, region, role ARN, epoch
  -- timestamps, ISO dates), must normalise to exactly what was recorded.
  local payload = { input = true, output = true, parameters = true, cause = true }
  local function denormalise(v, ctx, key, parent_key, depth)
    local k = ojson.kind(v)
    if k == "object" then
      local o = ojson.object()
      for _, kk in ipairs(v.keys) do ojson.set(o, kk, denormalise(v.map[kk], ctx, kk, key, depth + 1)) end
      local detail = type(parent_key) == "string" and parent_key:match("EventDetails$")
      if depth == 3 and (detail and payload[key]) or parent_key == "assignedVariables" then
        return ojson.encode(o)
      end
      return o
    elseif k == "array" then
      local a = ojson.array()
      for i = 1, v.n do ojson.push(a, denormalise(v[i], ctx, i, key, depth + 1)) end
      return a
    elseif k == "string" then
      if key == "timestamp" and v == "timestamp" then return ojson.number(1700000000.25) end
      if v == "date" then return "2024-02-29T23:59:59.999Z" end
      local s = v:gsub("snf_role_arn", ctx.roleArn):gsub("<ArnPart_0idx>", ctx.stateMachineName)
                 :gsub("<ExecArnPart_0idx>", ctx.executionName):gsub("<region>", "us-east-1")
                 :gsub("arn:<partition>:", "arn:aws:")
      return s
    end
    return v
  end

  it("gives every recorded history back from an engine-like history", function()
    local n, failures = 0, {}
    for _, entry in ipairs(cases.list()) do
      local case = cases.load(entry)
      if ojson.kind(case.history) == "array" then
        n = n + 1
        local engine_like = denormalise(case.history, case.context, nil, nil, 0)
        local got = normalise.apply(engine_like, case.rules)
        local d = normalise.diff(got, case.history)
        if #d > 0 then
          failures[#failures + 1] = case.id .. ": " .. d[1].path .. " " .. d[1].actual .. " ~= " .. d[1].expected
        end
      end
    end
    assert.is_true(n > 300)
    assert.are.same({}, failures)
  end)
end)
