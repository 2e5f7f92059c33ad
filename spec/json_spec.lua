-- spec/json_spec.lua: the strict JSON codec (sfn.json over sfn.core).
local json = require "sfn.json"

local is_luajit = type(jit) == "table"
local has_integer = math.type ~= nil

-- valid text -> compact text (json.compact decodes and re-encodes in C, so
-- key order and int/double are kept).
local valid = {
  { "null", "null" },
  { "true", "true" },
  { "false", "false" },
  { " \t\r\n[ 1 , 2 ]\n ", "[1,2]" },
  { "[]", "[]" },
  { "{}", "{}" },
  { "[[],{},[[]],{\"a\":{}}]", "[[],{},[[]],{\"a\":{}}]" },
  { "{\"\":\"\"}", "{\"\":\"\"}" },
  { "{\"z\":1,\"a\":{\"y\":2,\"b\":3},\"m\":[3,2,1]}", "{\"z\":1,\"a\":{\"y\":2,\"b\":3},\"m\":[3,2,1]}" },
  { "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}" },
  -- integers
  { "0", "0" },
  { "-0", "0" },
  { "42", "42" },
  { "-42", "-42" },
  { "9223372036854775807", "9223372036854775807" },
  { "-9223372036854775808", "-9223372036854775808" },
  { "9223372036854775808", "9.223372036854776E18" },
  { "-9223372036854775809", "-9.223372036854776E18" },
  { "18446744073709551616", "1.8446744073709552E19" },
  { "123456789012345678901234567890", "1.2345678901234568E29" },
  -- doubles, printed as Java's Double.toString does
  { "0.0", "0.0" },
  { "-0.0", "-0.0" },
  { "1.0", "1.0" },
  { "-2.50", "-2.5" },
  { "0.1", "0.1" },
  { "1.5", "1.5" },
  { "3.3", "3.3" },
  { "1e2", "100.0" },
  { "1E+2", "100.0" },
  { "1e-2", "0.01" },
  { "0.001", "0.001" },
  { "0.00099", "9.9E-4" },
  { "1e-4", "1.0E-4" },
  { "9999999.0", "9999999.0" },
  { "9999999.5", "9999999.5" },
  { "1e7", "1.0E7" },
  { "123456789.0", "1.23456789E8" },
  { "1e22", "1.0E22" },
  { "1e23", "1.0E23" },
  { "0.30000000000000004", "0.30000000000000004" },
  { "0.1000000000000000055511151231257827", "0.1" },
  { "1.7976931348623157e308", "1.7976931348623157E308" },
  { "-1.7976931348623157e308", "-1.7976931348623157E308" },
  { "2.2250738585072014e-308", "2.2250738585072014E-308" },
  { "5e-324", "4.9E-324" },
  { "1e-400", "0.0" },
  { "-1e-400", "-0.0" },
  { "123.456e-789", "0.0" },
  { "0.000000000000000000000000000000000000001e39", "1.0" },
  -- strings
  { "\"\"", "\"\"" },
  { "\"\\u0041\\u00e9\"", "\"A\195\169\"" },
  { "\"\\/ a/b\"", "\"/ a/b\"" },
  { "\"\\\"\\\\\\b\\f\\n\\r\\t\"", "\"\\\"\\\\\\b\\f\\n\\r\\t\"" },
  { "\"\\u0000\\u001F\\u001f\"", "\"\\u0000\\u001f\\u001f\"" },
  { "\"\127\"", "\"\127\"" },
  { "\"\\u007f\"", "\"\127\"" },
  { "\"\\u0080\\u07FF\\u0800\\uFFFF\"", "\"\194\128\223\191\224\160\128\239\191\191\"" },
  { "\"\\ud83d\\ude00\"", "\"\240\159\152\128\"" },
  { "\"\\uD83D\\uDE00\"", "\"\240\159\152\128\"" },
  { "\"\\udbff\\udfff\"", "\"\244\143\191\191\"" },
  { "\"\194\128 \224\160\128 \239\191\191 \240\144\128\128 \244\143\191\191\"",
    "\"\194\128 \224\160\128 \239\191\191 \240\144\128\128 \244\143\191\191\"" },
  { "{\"k\\u00e9y\":1,\"k\195\169y\":2}", "{\"k\195\169y\":2}" },
}

-- invalid text -> message, line, column
local invalid = {
  { "", "empty input", 1, 1 },
  { "  \n ", "empty input", 2, 2 },
  { "[1,]", "unexpected character ']'", 1, 4 },
  { "{\"a\":1,}", "unexpected character '}'", 1, 8 },
  { "[1 2]", "unexpected character '2'", 1, 4 },
  { "{\"a\" 1}", "unexpected character '1'", 1, 6 },
  { "{a:1}", "unexpected character 'a'", 1, 2 },
  { "{'a':1}", "unexpected character '''", 1, 2 },
  { "{\"a\":1 \"b\":2}", "unexpected character '\"'", 1, 8 },
  { "{1:2}", "unexpected character '1'", 1, 2 },
  { "[,1]", "unexpected character ','", 1, 2 },
  { "[", "unexpected end of input", 1, 2 },
  { "[1", "unexpected end of input", 1, 3 },
  { "{", "unexpected end of input", 1, 2 },
  { "{\"a\"", "unexpected end of input", 1, 5 },
  { "{\"a\":", "unexpected end of input", 1, 6 },
  { "01", "leading zero in number", 1, 2 },
  { "-01", "leading zero in number", 1, 3 },
  { "+1", "unexpected character '+'", 1, 1 },
  { ".5", "unexpected character '.'", 1, 1 },
  { "1.", "unexpected end of input", 1, 3 },
  { "1.e5", "unexpected character 'e'", 1, 3 },
  { "1e", "unexpected end of input", 1, 3 },
  { "1e+", "unexpected end of input", 1, 4 },
  { "-", "unexpected end of input", 1, 2 },
  { "-a", "unexpected character 'a'", 1, 2 },
  { "0x10", "trailing characters after JSON value", 1, 2 },
  { "1e400", "number out of range", 1, 1 },
  { "[-1e400]", "number out of range", 1, 2 },
  { "NaN", "unexpected character 'N'", 1, 1 },
  { "nan", "unexpected character 'a'", 1, 2 },
  { "Infinity", "unexpected character 'I'", 1, 1 },
  { "-Infinity", "unexpected character 'I'", 1, 2 },
  { "tru", "unexpected end of input", 1, 4 },
  { "trUe", "unexpected character 'U'", 1, 3 },
  { "nul", "unexpected end of input", 1, 4 },
  { "True", "unexpected character 'T'", 1, 1 },
  { "undefined", "unexpected character 'u'", 1, 1 },
  { "// c\n1", "unexpected character '/'", 1, 1 },
  { "[1] [2]", "trailing characters after JSON value", 1, 5 },
  { "{} x", "trailing characters after JSON value", 1, 4 },
  { "1 2", "trailing characters after JSON value", 1, 3 },
  { "[1]\0", "trailing characters after JSON value", 1, 4 },
  { "[\0]", "unexpected character U+0000", 1, 2 },
  { "\239\187\191[]", "unexpected character U+FEFF", 1, 1 },
  { "[1,\n 2,\n 3 x", "unexpected character 'x'", 3, 4 },
  { "[\"\195\169\", x]", "unexpected character 'x'", 1, 7 },
  { "\195\169", "unexpected character U+00E9", 1, 1 },
  { "[\12]", "unexpected character U+000C", 1, 2 },
  -- strings
  { "\"abc", "unterminated string", 1, 5 },
  { "\"\\", "unterminated string", 1, 3 },
  { "[\"a\\\"]", "unterminated string", 1, 7 },
  { "\"\\x\"", "invalid escape '\\x'", 1, 2 },
  { "\"\\U0041\"", "invalid escape '\\U'", 1, 2 },
  { "\"\\'\"", "invalid escape '\\''", 1, 2 },
  { "\"\\\195\169\"", "invalid escape '\\\195\169'", 1, 2 },
  { "\"\\\1\"", "control character U+0001 in string", 1, 3 },
  { "\"\\\255\"", "invalid UTF-8", 1, 3 },
  { "\"\\u12\"", "invalid \\u escape", 1, 2 },
  { "\"\\u12G4\"", "invalid \\u escape", 1, 2 },
  { "\"ab\\ud800\"", "lone surrogate \\ud800", 1, 4 },
  { "\"\\uDC00\"", "lone surrogate \\uDC00", 1, 2 },
  { "\"\\ud800\\u0041\"", "lone surrogate \\ud800", 1, 2 },
  { "\"\\ud800\\ud800\"", "lone surrogate \\ud800", 1, 2 },
  { "\"\\ud800x\"", "lone surrogate \\ud800", 1, 2 },
  { "\"\\ude00\\ud83d\"", "lone surrogate \\ude00", 1, 2 },
  { "\"a\tb\"", "control character U+0009 in string", 1, 3 },
  { "\"a\nb\"", "control character U+000A in string", 1, 3 },
  { "\"\0\"", "control character U+0000 in string", 1, 2 },
  { "\"\31\"", "control character U+001F in string", 1, 2 },
  -- invalid UTF-8
  { "\"\128\"", "invalid UTF-8", 1, 2 },
  { "\"\191\"", "invalid UTF-8", 1, 2 },
  { "\"\192\128\"", "invalid UTF-8", 1, 2 },
  { "\"\193\191\"", "invalid UTF-8", 1, 2 },
  { "\"\224\128\128\"", "invalid UTF-8", 1, 2 },
  { "\"\224\159\191\"", "invalid UTF-8", 1, 2 },
  { "\"\237\160\128\"", "invalid UTF-8", 1, 2 },
  { "\"\237\191\191\"", "invalid UTF-8", 1, 2 },
  { "\"\240\128\128\128\"", "invalid UTF-8", 1, 2 },
  { "\"\240\143\191\191\"", "invalid UTF-8", 1, 2 },
  { "\"\244\144\128\128\"", "invalid UTF-8", 1, 2 },
  { "\"\245\128\128\128\"", "invalid UTF-8", 1, 2 },
  { "\"\255\"", "invalid UTF-8", 1, 2 },
  { "\"\195\"", "invalid UTF-8", 1, 2 },
  { "\"\226\130\"", "invalid UTF-8", 1, 2 },
  { "\"\240\159\152", "invalid UTF-8", 1, 2 },
  { "\"\195\169\255\"", "invalid UTF-8", 1, 3 },
  { "\255", "invalid UTF-8", 1, 1 },
}

local function show(s)
  return (s:gsub("[%z\1-\31\127-\255]", function(c) return ("\\%d"):format(c:byte()) end))
end

-- Structural equality where numbers compare by value and int64 userdata by
-- their digits.
local function same(a, b)
  if type(a) == "table" and type(b) == "table" then
    for k, v in pairs(a) do
      if not same(v, b[k]) then return false end
    end
    for k in pairs(b) do
      if a[k] == nil then return false end
    end
    return true
  end
  if type(a) == "userdata" or type(b) == "userdata" then return tostring(a) == tostring(b) end
  return a == b
end

describe("sfn.json", function()
  describe("decodes valid text", function()
    for _, c in ipairs(valid) do
      it("accepts " .. show(c[1]), function()
        local out, err = json.compact(c[1])
        assert.is_nil(err and err.message)
        assert.are.equal(c[2], out)
        assert.is_not_nil(json.decode(c[1]))
      end)
    end
  end)

  describe("rejects invalid text", function()
    for _, c in ipairs(invalid) do
      it("rejects " .. show(c[1]) .. " with '" .. c[2] .. "'", function()
        local v, err = json.decode(c[1])
        assert.is_nil(v)
        assert.are.same({ code = "JSONError", message = c[2], line = c[3], column = c[4] }, err)
        local v2, err2 = json.compact(c[1])
        assert.is_nil(v2)
        assert.are.same(err, err2)
      end)
    end
  end)

  describe("nesting", function()
    it("accepts 512 levels", function()
      local s = ("["):rep(512) .. ("]"):rep(512)
      assert.are.equal(s, json.compact(s))
      s = ("{\"a\":"):rep(511) .. "[]" .. ("}"):rep(511)
      assert.are.equal(s, json.compact(s))
    end)
    it("rejects 513 levels without crashing", function()
      local v, err = json.decode(("["):rep(513) .. ("]"):rep(513))
      assert.is_nil(v)
      assert.are.same({ code = "JSONError", message = "nesting deeper than 512", line = 1, column = 513 }, err)
    end)
    it("rejects very deep input without crashing", function()
      local v, err = json.decode(("[{\"a\":"):rep(100000))
      assert.is_nil(v)
      assert.are.equal("nesting deeper than 512", err.message)
      v, err = json.decode(("["):rep(1000000))
      assert.is_nil(v)
      assert.are.equal("nesting deeper than 512", err.message)
    end)
  end)

  describe("Lua values", function()
    it("decodes to Lua tables, null to json.null", function()
      local v = json.decode("{\"a\":[1,\"x\",null,true,false],\"b\":{\"c\":{}}}")
      assert.are.equal(json.null, v.a[3])
      assert.are.equal(json.array_mt, getmetatable(v.a))
      assert.are.same({ 1, "x", json.null, true, false }, setmetatable(v.a, nil))
      assert.is_nil(getmetatable(v.b.c))
      assert.is_nil(next(v.b.c))
    end)
    it("keeps [] an array and {} an object", function()
      assert.are.equal("[]", json.encode(json.decode("[]")))
      assert.are.equal("{}", json.encode(json.decode("{}")))
      assert.are.equal("{\"a\":[],\"b\":{}}", json.encode(json.decode("{\"b\":{},\"a\":[]}")))
      assert.are.equal("[]", json.encode(json.array()))
      assert.are.equal("{}", json.encode({}))
      assert.are.equal("[1,2]", json.encode(json.array({ 1, 2 })))
    end)
    it("marks tables with json.array", function()
      local t = {}
      assert.are.equal(t, json.array(t))
      assert.are.equal(json.array_mt, getmetatable(t))
      assert.has_error(function() json.array(1) end,
        "bad argument #1 to 'array' (table expected, got number)")
    end)
    it("json.null is a NULL lightuserdata (cjson.null)", function()
      assert.are.equal("userdata", type(json.null))
      assert.are.equal(require("sfn.core").null, json.null)
      assert.are.equal("null", json.encode(json.null))
      assert.are.equal("{\"a\":null}", json.encode({ a = json.null }))
    end)
    it("encodes object keys sorted", function()
      assert.are.equal("{\"a\":2,\"b\":1,\"c\":{\"x\":1,\"y\":2}}",
        json.encode({ b = 1, a = 2, c = { y = 2, x = 1 } }))
    end)
    it("keeps key order of text through compact", function()
      local s = "{\"zeta\":1,\"alpha\":{\"m\":1,\"b\":[{\"y\":1,\"x\":2}]},\"mid\":null}"
      assert.are.equal(s, json.compact(s))
    end)
    it("escapes only what JSON requires", function()
      assert.are.equal("\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001f\127\195\169\240\159\152\128\"",
        json.encode("a\"b\\c/d\b\f\n\r\t\1\31\127\195\169\240\159\152\128"))
      assert.are.equal("\"\\u0000\"", json.encode("\0"))
    end)
    it("round-trips every byte value of valid UTF-8 text", function()
      local parts = {}
      for i = 0, 127 do parts[#parts + 1] = string.char(i) end
      local s = table.concat(parts) .. "\194\128\223\191\224\160\128\237\159\191\238\128\128\244\143\191\191"
      assert.are.equal(s, json.decode(json.encode(s)))
    end)
    it("returns nil, err for values JSON cannot hold", function()
      local v, err = json.encode("\255")
      assert.is_nil(v)
      assert.are.same({ code = "JSONError", message = "invalid UTF-8 in string" }, err)
      v, err = json.encode({ k = "\237\160\128" })
      assert.is_nil(v)
      assert.are.equal("invalid UTF-8 in string", err.message)
      v, err = json.encode({ ["\192\128"] = 1 })
      assert.is_nil(v)
      assert.are.equal("invalid UTF-8 in string", err.message)
      v, err = json.encode(0 / 0)
      assert.is_nil(v)
      assert.are.equal("InvalidValue", err.code)
      v, err = json.encode({ math.huge })
      assert.is_nil(v)
      assert.are.equal("InvalidValue", err.code)
      v, err = json.encode({ f = print })
      assert.is_nil(v)
      assert.are.same({ code = "InvalidValue", message = "cannot convert a function to JSON" }, err)
    end)
    it("raises on a non-string to decode", function()
      assert.has_error(function() json.decode(42) end,
        "bad argument #1 to 'decode' (string expected, got number)")
      assert.has_error(function() json.decode(nil) end,
        "bad argument #1 to 'decode' (string expected, got nil)")
      assert.has_error(function() json.compact({}) end,
        "bad argument #1 to 'compact' (string expected, got table)")
    end)
  end)

  describe("numbers", function()
    it("keeps int64 extremes exact", function()
      local max = json.decode("9223372036854775807")
      local min = json.decode("-9223372036854775808")
      assert.are.equal("9223372036854775807", json.encode(max))
      assert.are.equal("-9223372036854775808", json.encode(min))
      assert.are.equal("[9223372036854775807,-9223372036854775808]", json.encode({ max, min }))
      if has_integer then
        assert.are.equal(math.maxinteger, max)
        assert.are.equal(math.mininteger, min)
        assert.are.equal("integer", math.type(json.decode("9007199254740993")))
      else
        assert.are.equal("userdata", type(max))
        assert.are.equal("9223372036854775807", tostring(max))
        assert.are.equal("-9223372036854775808", tostring(min))
        assert.are.equal("userdata", type(json.decode("9007199254740993")))
        assert.are.equal("number", type(json.decode("9007199254740992")))
        assert.are.equal(json.decode("9007199254740993"), json.int64("9007199254740993"))
      end
      assert.are.equal("9007199254740993", json.encode(json.decode("9007199254740993")))
      assert.are.equal("-9007199254740993", json.encode(json.decode("-9007199254740993")))
    end)
    it("builds int64 values with json.int64", function()
      assert.are.equal("{\"n\":-9223372036854775808}", json.encode({ n = json.int64("-9223372036854775808") }))
      assert.are.equal("12", json.encode(json.int64("12")))
      assert.has_error(function() json.int64("9223372036854775808") end,
        "bad argument #1 to 'int64' (out of int64 range)")
      assert.has_error(function() json.int64("1.5") end,
        "bad argument #1 to 'int64' (decimal integer string expected)")
      assert.has_error(function() json.int64(12) end,
        "bad argument #1 to 'int64' (decimal integer string expected)")
    end)
    it("keeps 1 and 1.0 apart", function()
      assert.are.equal("[1,1.0,-0.0,100.0]", json.compact("[1,1.0,-0.0,1e2]"))
      if has_integer then
        assert.are.equal("float", math.type(json.decode("1.0")))
        assert.are.equal("integer", math.type(json.decode("1")))
        assert.are.equal("[1,1.0,0.5]", json.encode({ 1, 1.0, 0.5 }))
      else
        -- LuaJIT has one number type: an integral number encodes as an integer.
        assert.are.equal("[1,1,0.5]", json.encode({ 1, 1.0, 0.5 }))
      end
    end)
    it("round-trips doubles exactly", function()
      local seed = 12345
      local function rnd() -- a small LCG: the same values on every Lua
        seed = (seed * 1103515245 + 12345) % 2147483648
        return seed / 2147483648
      end
      local values = { 0.1, 0.2, 0.3, 1 / 3, 2 / 3, math.pi, -math.pi, 1e-7, 1.5e-300, 4.9e-324,
                       2.2250738585072014e-308, 1.7976931348623157e308, 123456.789, 9007199254740993.5 }
      for _ = 1, 2000 do
        local e = math.floor(rnd() * 600) - 300
        values[#values + 1] = (rnd() - 0.5) * 10 ^ e
      end
      for _, d in ipairs(values) do
        local s = assert(json.encode(d))
        assert.are.equal(d, json.decode(s))
        assert.are.equal(s, json.compact(s))
      end
    end)
  end)

  describe("C locale", function()
    local saved = os.setlocale(nil, "numeric")
    local comma
    for _, name in ipairs({ "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE", "fr_FR" }) do
      if os.setlocale(name, "numeric") then
        comma = name
        break
      end
    end
    os.setlocale(saved, "numeric")
    if not comma then
      pending("no locale with a decimal comma is installed")
      return
    end
    it("does not depend on the decimal point of " .. comma, function()
      os.setlocale(comma, "numeric")
      local ok, a, b, c = pcall(function()
        return json.compact("[1.5,2.5e-5,1e300,0.1000000000000000055511151231257827]"),
               json.decode("1.25"), json.encode(0.125)
      end)
      os.setlocale(saved, "numeric")
      assert.is_true(ok, a)
      assert.are.equal("[1.5,2.5E-5,1.0E300,0.1]", a)
      assert.are.equal(1.25, b)
      assert.are.equal("0.125", c)
    end)
  end)

  describe("lua-cjson interop", function()
    local ok, cjson = pcall(require, "cjson")
    if not ok then
      pending("lua-cjson is not installed")
      return
    end
    it("shares null with cjson", function()
      assert.are.equal(cjson.null, json.null)
      assert.are.equal("{\"a\":null}", json.encode(cjson.decode("{\"a\":null}")))
      assert.are.equal(json.null, json.decode(cjson.encode(json.null)))
    end)
    it("encodes a table decoded by cjson to equal JSON", function()
      local text = "{\"s\":\"x\\u00e9\",\"n\":[1,2.5,-3],\"o\":{\"t\":true,\"f\":false,\"z\":null},\"e\":{}}"
      local v = cjson.decode(text)
      local out = assert(json.encode(v))
      assert.is_true(same(json.decode(text), json.decode(out)))
    end)
    it("encodes cjson's array markers as arrays when cjson has them", function()
      if cjson.empty_array_mt then
        assert.are.equal("{\"a\":[]}", json.encode({ a = setmetatable({}, cjson.empty_array_mt) }))
      end
      if cjson.empty_array then
        assert.are.equal("{\"a\":[]}", json.encode({ a = cjson.empty_array }))
      end
      if cjson.decode_array_with_array_mt then
        cjson.decode_array_with_array_mt(true)
        assert.are.equal("{\"a\":[]}", json.encode(cjson.decode("{\"a\":[]}")))
        cjson.decode_array_with_array_mt(false)
      end
    end)
    it("encodes OpenResty lua-cjson's markers (empty_array, array_mt, empty_array_mt)", function()
      -- A stand-in module: OpenResty's cjson.empty_array is a lightuserdata;
      -- any distinct value serves here.
      local fake = { null = json.null, empty_array = setmetatable({}, {}), array_mt = {},
                     empty_array_mt = {} }
      local saved_cjson, saved_json = package.loaded.cjson, package.loaded["sfn.json"]
      package.loaded.cjson, package.loaded["sfn.json"] = fake, nil
      local ok, j = pcall(require, "sfn.json")
      package.loaded.cjson, package.loaded["sfn.json"] = saved_cjson, saved_json
      assert.is_true(ok, j)
      local shared = { 1 }
      assert.are.equal("{\"a\":[],\"b\":[],\"c\":[1,2],\"d\":{},\"e\":[1],\"f\":[1]}", j.encode({
        a = fake.empty_array,
        b = setmetatable({}, fake.empty_array_mt),
        c = setmetatable({ 1, 2 }, fake.array_mt),
        d = {},
        e = shared,
        f = shared,
      }))
      assert.are.equal("{\"a\":{}}", j.encode({ a = {} }))
    end)
    it("produces text cjson reads back", function()
      local v = json.decode("{\"a\":[1,2,{\"b\":\"\\u2603\"}],\"c\":null}")
      local back = cjson.decode(json.encode(v))
      assert.are.equal(cjson.null, back.c)
      assert.are.equal("\226\152\131", back.a[3].b)
    end)
  end)
end)
