-- spec/intrinsic_spec.lua: the 18 intrinsic functions (src/sfn_intrinsic*.c)
-- through core.intrinsic_eval / core.intrinsic_compile, plus every JSONPath
-- case of the recorded AWS `intrinsic_functions` category
-- (spec/fixtures/intrinsic/cases.json).
local core = require "sfn.core"

local FIXTURES = "spec/fixtures/intrinsic/"

-- Deep equality of decoded JSON values (objects regardless of key order).
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- Evaluate and return the result JSON text; fail the test on an error.
local function ev(call, input, context, seed)
  local out, err = core.intrinsic_eval(call, input or "{}", context, seed)
  assert(out, err and (err.code .. ": " .. tostring(err.message)))
  return out
end

-- Evaluate a call that must fail; return code, message.
local function fails(call, input, context)
  local out, err = core.intrinsic_eval(call, input or "{}", context)
  assert(out == nil, "expected a failure, got " .. tostring(out))
  return err.code, err.message
end

local function invalid(name)
  return "Invalid arguments in " .. name
end

describe("sfn.intrinsic", function()
  describe("syntax", function()
    it("accepts literals of every kind", function()
      assert.are.equal([=[["a",1,-2,3.5,-0.25,1000.0,true,false,null]]=],
        ev([[States.Array('a', 1, -2, 3.5, -0.25, 1e3, true, false, null)]]))
    end)

    it("keeps int64 integers exact", function()
      assert.are.equal("[9007199254740993,-9223372036854775808]",
        ev("States.Array(9007199254740993, -9223372036854775808)"))
    end)

    it("decodes the four string escapes", function()
      assert.are.equal([["it's {x} \\ done"]], ev([[States.Format('it\'s \{x\} \\ done')]]))
    end)

    it("allows blanks around arguments, commas and parentheses", function()
      assert.are.equal("[1,2]", ev("States.Array (  1 ,\t2\n)  "))
      assert.are.equal("[]", ev("States.Array( )"))
    end)

    it("accepts paths with brackets, quotes and filters as arguments", function()
      local input = [[{"a b": {"c,d": [10, 20]}, "xs": [{"v": 1}, {"v": 5}]}]]
      assert.are.equal("20", ev([[States.ArrayGetItem($['a b']['c,d'], 1)]], input))
      assert.are.equal("[[{\"v\":5}]]", ev("States.Array($.xs[?(@.v > 2)])", input))
    end)

    it("evaluates nested calls", function()
      assert.are.equal([["a-1"]], ev("States.Format('{}-{}', States.ArrayGetItem(States.StringSplit('a,b', ','), 0), "
        .. "States.MathAdd(0, 1))"))
    end)

    it("recognises a call only by its States. prefix", function()
      local ok, err = core.intrinsic_compile("$.a")
      assert.is_nil(ok)
      assert.are.equal("InvalidIntrinsic", err.code)
      assert.are.equal("Invalid intrinsic function call '$.a': must start with 'States.'", err.message)
    end)

    local bad = {
      { "States.Nope()", "unknown function 'States.Nope'" },
      { "States.format('x')", "unknown function 'States.format'" },
      { "States.Array(1", "missing ')' at position 15" },
      { "States.Array 1)", "expected '(' after the function name at position 14" },
      { "States.Array(1 2)", "expected ',' or ')' after an argument at position 16" },
      { "States.Array(1,)", "missing argument after ',' at position 16" },
      { "States.Array(,1)", "unexpected character at position 14" },
      { "States.Array('abc)", "unterminated string literal at position 19" },
      { [[States.Array('a\"b')]], [[invalid escape sequence in string literal (only \', \{, \} and \\ are allowed) at position 16]] },
      { [[States.Array('a\nb')]], [[invalid escape sequence in string literal (only \', \{, \} and \\ are allowed) at position 16]] },
      { "States.Array(01)", "expected ',' or ')' after an argument at position 15" },
      { "States.Array(1.)", "invalid number at position 14" },
      { "States.Array(yes)", "unexpected word (arguments are 'strings', numbers, true, false, null, paths or calls) at position 14" },
      { "States.Array(1) x", "unexpected text after the call at position 17" },
      { "States.Array(\"a\")", "unexpected character at position 14" },
    }
    for _, case in ipairs(bad) do
      it("rejects " .. case[1], function()
        local ok, err = core.intrinsic_compile(case[1])
        assert.is_nil(ok)
        assert.are.equal("InvalidIntrinsic", err.code)
        assert.are.equal("Invalid intrinsic function call '" .. case[1] .. "': " .. case[2], err.message)
      end)
    end

    it("rejects an invalid path argument at compile time", function()
      local ok, err = core.intrinsic_compile("States.Array($.a[)")
      assert.is_nil(ok)
      assert.are.equal("InvalidIntrinsic", err.code)
      assert.truthy(err.message:find("Invalid intrinsic function call 'States.Array($.a[)': ", 1, true))
    end)

    it("accepts a wrong argument count and fails it when the call runs, as AWS does", function()
      assert.is_true(core.intrinsic_compile("States.Hash()"))
      assert.is_true(core.intrinsic_compile("States.UUID(1)"))
      local code, msg = fails("States.Hash('x')")
      assert.are.equal("States.Runtime", code)
      assert.are.equal(invalid("States.Hash"), msg)
    end)
  end)

  describe("path arguments", function()
    it("reads the input and the context object", function()
      assert.are.equal([=[[1,"m"]]=], ev("States.Array($.a, $$.StateMachine.Name)", [[{"a":1}]],
        [[{"StateMachine":{"Name":"m"}}]]))
    end)

    it("compiles workflow variable references; an undefined one selects nothing when run", function()
      assert.is_true(core.intrinsic_compile("States.Format('{} {}', $name, $info.role)"))
      local code, msg = fails("States.Base64Encode($rawString.x)")
      assert.are.equal("States.Runtime", code)
      assert.are.equal("The function 'States.Base64Encode($rawString.x)' had the following error: "
        .. "The JsonPath argument for the field '$rawString.x' could not be found in the input '{}'", msg)
    end)

    it("passes an explicit null through", function()
      assert.are.equal([["null"]], ev("States.Format('{}', $.n)", [[{"n":null}]]))
    end)

    it("fails a path that selects nothing with the whole call in the cause", function()
      local code, msg = fails("States.Format('{} {}', $.other, $.a.b)", [[{"other":1}]])
      assert.are.equal("States.Runtime", code)
      assert.are.equal("The function 'States.Format('{} {}', $.other, $.a.b)' had the following error: "
        .. "The JsonPath argument for the field '$.a.b' could not be found in the input '{\"other\":1}'", msg)
    end)

    it("names the outermost call when a nested argument is missing", function()
      local _, msg = fails("States.Format('{}', States.Format('{}', $.nope))", [[{"other":1}]])
      assert.are.equal("The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: "
        .. "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'", msg)
    end)

    it("reports a missing $$ argument as $. against the state input", function()
      local _, msg = fails("States.Format('{}', $$.Nope.Deep)", [[{"other":1}]], "{}")
      assert.are.equal("The function 'States.Format('{}', $$.Nope.Deep)' had the following error: "
        .. "The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'", msg)
    end)
  end)

  describe("States.Format", function()
    it("fills placeholders with strings as they are and other values as JSON", function()
      assert.are.equal([["x 2 true null 3.5 [1,{\"k\":\"v\"}]"]],
        ev("States.Format('{} {} {} {} {} {}', $.s, $.i, $.b, $.n, $.d, $.a)",
          [[{"s":"x","i":2,"b":true,"n":null,"d":3.5,"a":[1,{"k":"v"}]}]]))
    end)

    it("takes the template from a path", function()
      assert.are.equal([["Hello Ada"]], ev("States.Format($.t, $.n)", [[{"t":"Hello {}","n":"Ada"}]]))
    end)

    it("keeps escaped braces literal", function()
      assert.are.equal([["{} x"]], ev([[States.Format('\{\} {}', 'x')]]))
    end)

    for _, call in ipairs({ "States.Format('{} {}', 1)", "States.Format('{}', 1, 2)", "States.Format('Hello {', 1)",
      "States.Format('}')", "States.Format('Hello {{}}', 1)", "States.Format(1)", "States.Format()",
      "States.Format($.t)" }) do
      it("rejects " .. call, function()
        local code, msg = fails(call, [[{"t":5}]])
        assert.are.equal("States.Runtime", code)
        assert.are.equal(invalid("States.Format"), msg)
      end)
    end
  end)

  describe("States.StringToJson / States.JsonToString", function()
    it("parses JSON text", function()
      assert.are.equal([[{"a":[1,2.5,"x"],"b":null}]], ev("States.StringToJson($.s)", [[{"s":"{\"a\": [1, 2.5, \"x\"], \"b\": null}"}]]))
      assert.are.equal("0", ev("States.StringToJson('-0')"))
    end)

    it("rejects text that is not JSON, and non-strings", function()
      for _, call in ipairs({ "States.StringToJson('{a}')", "States.StringToJson('')", "States.StringToJson(1)",
        "States.StringToJson('1 2')" }) do
        local code, msg = fails(call)
        assert.are.equal("States.Runtime", code)
        assert.are.equal(invalid("States.StringToJson"), msg)
      end
    end)

    it("prints compact JSON in input order", function()
      assert.are.equal([["{\"b\":1,\"a\":[true,null,\"x\"]}"]], ev("States.JsonToString($)", [[{"b":1,"a":[true,null,"x"]}]]))
      assert.are.equal([["\"s\""]], ev("States.JsonToString('s')"))
    end)
  end)

  describe("array functions", function()
    it("States.Array collects its arguments", function()
      assert.are.equal([=[[{"a":1},[2],"x"]]=], ev("States.Array($.o, $.l, 'x')", [[{"o":{"a":1},"l":[2]}]]))
    end)

    it("States.ArrayPartition chunks, dropping the fraction of the size", function()
      assert.are.equal("[[1,2,3,4],[5,6,7,8],[9]]", ev("States.ArrayPartition($.a, 4)", "{\"a\":[1,2,3,4,5,6,7,8,9]}"))
      assert.are.equal("[[1,2],[3,4],[5]]", ev("States.ArrayPartition($.a, 2.6)", "{\"a\":[1,2,3,4,5]}"))
      assert.are.equal("[[1,2,3]]", ev("States.ArrayPartition($.a, 2147483647)", "{\"a\":[1,2,3]}"))
      assert.are.equal("[]", ev("States.ArrayPartition($.a, 3)", "{\"a\":[]}"))
    end)

    for _, call in ipairs({ "States.ArrayPartition($.a, 0)", "States.ArrayPartition($.a, 0.6)",
      "States.ArrayPartition($.a, -1)", "States.ArrayPartition($.a, '2')", "States.ArrayPartition($.a, null)",
      "States.ArrayPartition('x', 2)", "States.ArrayPartition($.a)", "States.ArrayPartition($.a, 2, 3)",
      "States.ArrayPartition($.a, 2147483648)" }) do
      it("States.ArrayPartition rejects " .. call, function()
        local code, msg = fails(call, [[{"a":[1,2,3]}]])
        assert.are.equal("States.Runtime", code)
        assert.are.equal(invalid("States.ArrayPartition"), msg)
      end)
    end

    it("States.ArrayContains compares deeply, numbers by value", function()
      assert.are.equal("true", ev("States.ArrayContains($.a, $.v)", [[{"a":[1,{"x":[1,2],"y":null}],"v":{"y":null,"x":[1,2]}}]]))
      assert.are.equal("true", ev("States.ArrayContains($.a, 1.0)", [[{"a":[1]}]]))
      assert.are.equal("false", ev("States.ArrayContains($.a, '1')", [[{"a":[1]}]]))
      assert.are.equal(invalid("States.ArrayContains"), select(2, fails("States.ArrayContains('a', 'a')")))
    end)

    it("States.ArrayRange counts up and down, truncating fractions", function()
      assert.are.equal("[1,3,5,7,9]", ev("States.ArrayRange(1, 9, 2)"))
      assert.are.equal("[5,3,1]", ev("States.ArrayRange(5, 1, -2)"))
      assert.are.equal("[3]", ev("States.ArrayRange(3, 3, -1)"))
      assert.are.equal("[]", ev("States.ArrayRange(5, 1, 1)"))
      assert.are.equal("[1,3,5]", ev("States.ArrayRange(1.4, 5.6, 2.2)"))
      assert.are.equal("[1]", ev("States.ArrayRange(1.6, 1.4, 1)"))
      local r = core.json_decode(ev("States.ArrayRange(1000, 1, -1)"))
      assert.are.equal(1000, #r)
    end)

    for _, call in ipairs({ "States.ArrayRange(1, 10, 0)", "States.ArrayRange(1, 10, 0.49)",
      "States.ArrayRange(1, 1001, 1)", "States.ArrayRange('a', 5, 1)", "States.ArrayRange(1, 5)" }) do
      it("States.ArrayRange rejects " .. call, function()
        assert.are.equal(invalid("States.ArrayRange"), select(2, fails(call)))
      end)
    end

    it("States.ArrayGetItem indexes from 0, truncating a fractional index", function()
      assert.are.equal("6", ev("States.ArrayGetItem($.a, 5)", "{\"a\":[1,2,3,4,5,6,7,8,9]}"))
      assert.are.equal("20", ev("States.ArrayGetItem($.a, 1.2)", "{\"a\":[10,20,30]}"))
      assert.are.equal("null", ev("States.ArrayGetItem($.a, 999)", "{\"a\":[]}"))
      for _, call in ipairs({ "States.ArrayGetItem($.a, 3)", "States.ArrayGetItem($.a, -1)",
        "States.ArrayGetItem($.a, '1')", "States.ArrayGetItem('a', 0)" }) do
        assert.are.equal(invalid("States.ArrayGetItem"), select(2, fails(call, "{\"a\":[10,20,30]}")))
      end
    end)

    it("States.ArrayLength counts items", function()
      assert.are.equal("0", ev("States.ArrayLength($.a)", "{\"a\":[]}"))
      assert.are.equal("3", ev("States.ArrayLength(States.Array(1, 2, 3))"))
      assert.are.equal(invalid("States.ArrayLength"), select(2, fails("States.ArrayLength('abc')")))
    end)

    it("States.ArrayUnique keeps the first of equal items", function()
      assert.are.equal([=[[null,true,false,1,1.1,0,"HelloWorld",[],[null],{"a":1,"b":2},{"a":1,"b":1}]]=],
        ev("States.ArrayUnique($)", [=[[null,null,true,true,false,false,1,1,1.1,0,0,"HelloWorld","HelloWorld",[],[],
          [null],[null],{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":1}]]=]))
      assert.are.equal(invalid("States.ArrayUnique"), select(2, fails("States.ArrayUnique(1)")))
    end)

    it("States.ArrayUnique handles large arrays quickly", function()
      local parts = {}
      for i = 1, 20000 do parts[i] = tostring(i % 5000) end
      local r = core.json_decode(ev("States.ArrayUnique($)", "[" .. table.concat(parts, ",") .. "]"))
      assert.are.equal(5000, #r)
    end)
  end)

  describe("encoding and hashing", function()
    it("States.Base64Encode / Base64Decode round-trip UTF-8", function()
      assert.are.equal([["RGF0YSB0byBlbmNvZGU="]], ev("States.Base64Encode('Data to encode')"))
      assert.are.equal([["Pj4+Pz8/"]], ev("States.Base64Encode('>>>???')"))
      assert.are.equal([["w6k="]], ev("States.Base64Encode($.s)", "{\"s\":\"\195\169\"}"))
      assert.are.equal("\"\195\169\"", ev("States.Base64Decode('w6k=')"))
      assert.are.equal([["Data"]], ev("States.Base64Decode('RGF0YQ')"))
      assert.are.equal([[""]], ev("States.Base64Decode('')"))
    end)

    it("States.Base64Decode replaces bytes that are not UTF-8", function()
      assert.are.equal("\"\239\191\189a\"", ev("States.Base64Decode('/2E=')"))
    end)

    it("limits Base64 input to 10000 characters", function()
      local a10000, a10001 = string.rep("a", 10000), string.rep("a", 10001)
      assert.are.equal(13336 + 2, #ev("States.Base64Encode($.s)", '{"s":"' .. a10000 .. '"}'))
      assert.are.equal(invalid("States.Base64Encode"), select(2, fails("States.Base64Encode($.s)", '{"s":"' .. a10001 .. '"}')))
      assert.are.equal(invalid("States.Base64Decode"), select(2, fails("States.Base64Decode($.s)",
        '{"s":"' .. string.rep("A", 10004) .. '"}')))
    end)

    for _, call in ipairs({ "States.Base64Decode('not base64!')", "States.Base64Decode('A')",
      "States.Base64Decode('QQ=')", "States.Base64Decode(1)" }) do
      it("States.Base64Decode rejects " .. call, function()
        assert.are.equal(invalid("States.Base64Decode"), select(2, fails(call)))
      end)
    end

    it("States.Hash computes the five digests", function()
      assert.are.equal([["5d41402abc4b2a76b9719d911017c592"]], ev("States.Hash('hello', 'MD5')"))
      assert.are.equal([["aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"]], ev("States.Hash('hello', 'SHA-1')"))
      assert.are.equal([["2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"]],
        ev("States.Hash('hello', 'SHA-256')"))
      assert.are.equal([["59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"]],
        ev("States.Hash('hello', 'SHA-384')"))
      assert.are.equal([["9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"]],
        ev("States.Hash('hello', 'SHA-512')"))
      assert.are.equal([["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]], ev("States.Hash('', 'SHA-256')"))
      assert.are.equal([["ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5"]],
        ev("States.Hash($.s, 'SHA-256')", "{\"s\":\"\240\159\154\128\"}"))
    end)

    it("States.Hash hashes a non-string as its JSON text", function()
      assert.are.equal(ev("States.Hash('123', 'MD5')"), ev("States.Hash(123, 'MD5')"))
    end)

    for _, call in ipairs({ "States.Hash('x', 'sha-256')", "States.Hash('x', 'SHA256')", "States.Hash('x', 'MD-5')",
      "States.Hash('x', '')", "States.Hash('x', 123)", "States.Hash('x', 'SHA-256', 'extra')" }) do
      it("States.Hash rejects " .. call, function()
        assert.are.equal(invalid("States.Hash"), select(2, fails(call)))
      end)
    end

    it("limits States.Hash input to 10000 characters", function()
      assert.are.equal(66, #ev("States.Hash($.s, 'SHA-256')", '{"s":"' .. string.rep("a", 10000) .. '"}'))
      assert.are.equal(invalid("States.Hash"), select(2, fails("States.Hash($.s, 'SHA-256')",
        '{"s":"' .. string.rep("a", 10001) .. '"}')))
    end)
  end)

  describe("States.JsonMerge", function()
    it("merges shallowly, the second object winning", function()
      local out = core.json_decode(ev("States.JsonMerge($.a, $.b, false)",
        [[{"a":{"a":{"a1":1,"a2":2},"b":2},"b":{"a":{"a3":1,"a4":2},"c":3}}]]))
      assert.is_true(same({ a = { a3 = 1, a4 = 2 }, b = 2, c = 3 }, out))
    end)

    for _, call in ipairs({ "States.JsonMerge($.a, $.b, true)", "States.JsonMerge($.a, $.l, false)",
      "States.JsonMerge($.a, $.b)", "States.JsonMerge($.a, $.b, 0)" }) do
      it("rejects " .. call, function()
        assert.are.equal(invalid("States.JsonMerge"), select(2, fails(call, [[{"a":{"x":1},"b":{"y":2},"l":[1]}]])))
      end)
    end
  end)

  describe("math", function()
    it("States.MathAdd rounds halves up before adding", function()
      local cases = { { 1, 2, 3 }, { -1.5, 0, -1 }, { -1.51, 0, -2 }, { 2.5, 0, 3 }, { -0.5, 0.5, 1 },
        { 1.49, -1.49, 0 }, { 111, -1, 110 }, { 2147483647, 2147483647, 4294967294 } }
      for _, c in ipairs(cases) do
        assert.are.equal(tostring(c[3]), ev("States.MathAdd($.a, $.b)", string.format('{"a":%s,"b":%s}',
          tostring(c[1]), tostring(c[2]))))
      end
    end)

    for _, call in ipairs({ "States.MathAdd(1, '2')", "States.MathAdd(1, null)", "States.MathAdd(2147483648, 0)",
      "States.MathAdd(-2147483649, 0)", "States.MathAdd(1)", "States.MathAdd(1, 2, 3)" }) do
      it("States.MathAdd rejects " .. call, function()
        assert.are.equal(invalid("States.MathAdd"), select(2, fails(call)))
      end)
    end

    it("States.MathRandom stays in [start, end)", function()
      for seed = 1, 200 do
        local v = tonumber(ev("States.MathRandom(-3, 4)", "{}", nil, seed))
        assert.is_true(v >= -3 and v < 4 and v == math.floor(v))
      end
      local v = tonumber(ev("States.MathRandom(1.6, 5.4)"))
      assert.is_true(v >= 1 and v < 5)
    end)

    it("States.MathRandom with a seed is deterministic", function()
      local first = ev("States.MathRandom(1, 1000, 42)", "{}", nil, 1)
      assert.are.equal(first, ev("States.MathRandom(1, 1000, 42)", "{}", nil, 2))
      assert.are.equal(ev("States.Array(States.MathRandom(1, 1000, 42), States.MathRandom(1, 1000, 42))"),
        "[" .. first .. "," .. first .. "]")
      local v = tonumber(ev("States.MathRandom($.s, $.e, 1)", [[{"s":2147483640,"e":2147483647}]]))
      assert.is_true(v >= 2147483640 and v < 2147483647)
    end)

    for _, call in ipairs({ "States.MathRandom(1, 1)", "States.MathRandom(10, 5)", "States.MathRandom(1.4, 1.6)",
      "States.MathRandom('a', 10)", "States.MathRandom(1, 10, 'seed')", "States.MathRandom(1, 10, null)",
      "States.MathRandom(1)", "States.MathRandom(1, 10, 5, 99)" }) do
      it("States.MathRandom rejects " .. call, function()
        assert.are.equal(invalid("States.MathRandom"), select(2, fails(call)))
      end)
    end
  end)

  describe("States.StringSplit", function()
    it("splits on every delimiter character and drops empty pieces", function()
      assert.are.equal([=[["This","is","a","test","string"]]=], ev("States.StringSplit('This.is+a,test=string', '.+,=')"))
      assert.are.equal([=[["a","b"]]=], ev("States.StringSplit(',,a,,b,,', ',')"))
      assert.are.equal("[]", ev("States.StringSplit('...', '.')"))
      assert.are.equal("[]", ev("States.StringSplit('', ',')"))
      assert.are.equal([=[["abc"]]=], ev("States.StringSplit('abc', '')"))
    end)

    it("works on code points", function()
      assert.are.equal("[\"a\",\"b\",\"\240\159\152\129\"]",
        ev("States.StringSplit($.s, $.d)", "{\"s\":\"a\240\159\152\128b\240\159\152\128\240\159\152\129\",\"d\":\"\240\159\152\128\"}"))
    end)

    for _, call in ipairs({ "States.StringSplit(1, ',')", "States.StringSplit('a', 1)", "States.StringSplit('a')" }) do
      it("rejects " .. call, function()
        assert.are.equal(invalid("States.StringSplit"), select(2, fails(call)))
      end)
    end
  end)

  describe("States.UUID", function()
    it("returns a version 4 UUID from the random source", function()
      local seen = {}
      for seed = 1, 50 do
        local u = core.json_decode(ev("States.UUID()", "{}", nil, seed))
        assert.truthy(u:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"), u)
        assert.is_nil(seen[u])
        seen[u] = true
      end
      assert.are.equal(ev("States.UUID()", "{}", nil, 7), ev("States.UUID()", "{}", nil, 7))
    end)

    it("takes no arguments", function()
      assert.are.equal(invalid("States.UUID"), select(2, fails("States.UUID(1)")))
    end)
  end)

  -- Speed is measured by `make bench`, never asserted here.
  describe("repeated evaluation", function()
    it("gives the same result when one compiled call is evaluated 10,000 times", function()
      assert.are.equal("42", core.intrinsic_repeat("States.MathAdd($.counter, 1)", [[{"counter":41}]], 10000))
    end)
  end)

  describe("recorded AWS cases (spec/fixtures/intrinsic)", function()
    local fh = assert(io.open(FIXTURES .. "cases.json"))
    local data = core.json_decode(fh:read("*a"))
    fh:close()
    for _, case in ipairs(data.cases) do
      it(case.id, function()
        local context = string.format([[{"StateMachine":{"Name":"%s"},"Execution":{"Name":"%s","Input":%s}}]],
          case.state_machine_name, case.execution_name, case.input_text)
        for _, c in ipairs(case.calls) do
          local expected = case.output[c.field]
          local out, err = core.intrinsic_eval(c.call, case.input_text, context, 1)
          assert.is_truthy(out, err and err.message)
          if expected == "RandomNumberGenerated" then
            local args = core.json_decode(case.input_text).FunctionInput
            local v = core.json_decode(out)
            assert.is_true(v >= args.fst and v < args.snd and v == math.floor(v), out)
          else
            out = out:gsub(case.state_machine_name, "<ArnPart_0idx>")
            assert.is_true(same(expected, core.json_decode(out)), c.call .. " gave " .. out)
          end
        end
      end)
    end
  end)
end)
