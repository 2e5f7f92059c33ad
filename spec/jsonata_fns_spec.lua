-- spec/jsonata_fns_spec.lua: JSONata's plain built-in functions and regular
-- expressions (src/sfn_jsonata_fns*.c, src/sfn_jsonata_regex.c) through
-- core.jsonata_builtin / core.jsonata_regex.  Results are compared as the
-- JSON text JavaScript's JSON.stringify would print.
local core = require "sfn.core"

-- Call name with the JSON array args; returns the result text or nil.
local function call(name, args, opts)
  local out, err = core.jsonata_builtin(name, args, opts)
  assert(out ~= nil or err == nil, err and (err.code .. ": " .. tostring(err.message)))
  return out
end

-- A call that must fail: returns code, message.
local function fails(name, args, opts)
  local out, err = core.jsonata_builtin(name, args, opts)
  assert(out == nil and err, "expected an error, got " .. tostring(out))
  return err.code, err.message
end

-- Table-driven cases: { name, args_json, expected_json | nil, opts }.
local function run_cases(cases)
  for _, c in ipairs(cases) do
    assert.are.equal(c[3], call(c[1], c[2], c[4]), c[1] .. c[2])
  end
end

describe("sfn.jsonata built-ins", function()
  it("finds built-ins by name with JSONata's signatures", function()
    -- the table is exercised through the hook; an unknown name raises
    assert.has_error(function() core.jsonata_builtin("eval", "[]") end)
    assert.has_error(function() core.jsonata_builtin("map", "[]") end)
  end)

  describe("strings", function()
    it("$string prints values as JSONata does", function()
      run_cases {
        { "string", '["abc"]', '"abc"' },
        { "string", '[5]', '"5"' },
        { "string", '[1e21]', '"1e+21"' },
        { "string", '[1.5e-7]', '"1.5e-7"' },
        { "string", '[0.000001]', '"0.000001"' },
        { "string", '[0.30000000000000004]', '"0.3"' },
        { "string", '[123456789012345678]', '"123456789012346000"' },
        { "string", '[null]', '"null"' },
        { "string", '[true]', '"true"' },
        { "string", '[[1,"a",{"b":0.1}]]', '"[1,\\"a\\",{\\"b\\":0.1}]"' },
        { "string", '[{"a":[1],"b":{}}, true]', '"{\\n  \\"a\\": [\\n    1\\n  ],\\n  \\"b\\": {}\\n}"' },
        { "string", '[]', nil },
      }
    end)

    it("$length, $substring, $substringBefore/After count characters", function()
      run_cases {
        { "length", '["héllo😀"]', "6" },
        { "length", '[""]', "0" },
        { "substring", '["hello world", 0, 5]', '"hello"' },
        { "substring", '["hello world", -5, 2]', '"wo"' },
        { "substring", '["hello world", 6]', '"world"' },
        { "substring", '["hello world", -20, 3]', '"hel"' },
        { "substring", '["hello world", 3, -1]', '""' },
        { "substring", '["😀a😀b", 1, 2]', '"a😀"' },
        { "substringBefore", '["hello world", " "]', '"hello"' },
        { "substringBefore", '["hello world", "x"]', '"hello world"' },
        { "substringAfter", '["hello world", "o"]', '" world"' },
        { "substringAfter", '["hello world", ""]', '"hello world"' },
      }
    end)

    it("$uppercase, $lowercase, $trim, $pad", function()
      run_cases {
        { "uppercase", '["straße àé ωσ"]', '"STRASSE ÀÉ ΩΣ"' },
        { "lowercase", '["ÀÉ ДЖ Hello"]', '"àé дж hello"' },
        { "trim", '["  a \\t\\n b  "]', '"a b"' },
        { "trim", '["   "]', '""' },
        { "pad", '["foo", 5]', '"foo  "' },
        { "pad", '["foo", -5, "#"]', '"##foo"' },
        { "pad", '["foo", -7, "#*"]', '"#*#*foo"' },
        { "pad", '["foo", 2]', '"foo"' },
        { "pad", '["😀", 3, "é"]', '"😀éé"' },
      }
    end)

    it("$contains, $split, $join with strings", function()
      run_cases {
        { "contains", '["abracadabra", "bra"]', "true" },
        { "contains", '["abracadabra", "xyz"]', "false" },
        { "split", '["a,b,,c", ","]', '["a","b","","c"]' },
        { "split", '["a,b,,c", ",", 2]', '["a","b"]' },
        { "split", '["abc", ""]', '["a","b","c"]' },
        { "split", '["abc", "x", 0]', "[]" },
        { "join", '[["a","b","c"], ", "]', '"a, b, c"' },
        { "join", '[["a","b"]]', '"ab"' },
      }
      assert.are.same({ "D3020", "Third argument of split function must evaluate to a positive number" },
        { fails("split", '["a", ",", -1]') })
    end)

    it("$match, $replace, $split, $contains with a regex", function()
      run_cases {
        { "match", '["ababbabbcc"]',
          '[{"match":"ab","index":0,"groups":["b"]},{"match":"abb","index":2,"groups":["bb"]},'
            .. '{"match":"abb","index":5,"groups":["bb"]}]', { regex = { [2] = "/a(b+)/" } } },
        { "match", '["ababbabbcc", null, 1]', '{"match":"ab","index":0,"groups":["b"]}',
          { regex = { [2] = "/a(b+)/" } } },
        { "match", '["😀ab"]', '{"match":"a","index":2,"groups":[]}', { regex = { [2] = "/a/" } } },
        { "match", '["xyz"]', nil, { regex = { [2] = "/a/" } } },
        { "replace", '["John Smith", null, "$2, $1"]', '"Smith, John"',
          { regex = { [2] = "/(\\w+)\\s(\\w+)/" } } },
        { "replace", '["265USD", null, "$$$1"]', '"$265"', { regex = { [2] = "/([0-9]+)USD/" } } },
        { "replace", '["abc", null, "[$0]"]', '"[a]bc"', { regex = { [2] = "/a/" } } },
        { "replace", '["abcabc", "b", "X", 1]', '"aXcabc"' },
        { "replace", '["abcabc", "b", "$0"]', '"a$0ca$0c"' },
        { "split", '["a1b22c"]', '["a","b","c"]', { regex = { [2] = "/[0-9]+/" } } },
        { "contains", '["abracadabra"]', "true", { regex = { [2] = "/a.*a/" } } },
        { "contains", '["abracadabra"]', "false", { regex = { [2] = "/ar/" } } },
      }
      assert.are.same({ "D3010", "Second argument of replace function cannot be an empty string" },
        { fails("replace", '["abc", "", "x"]') })
      assert.are.same({ "D1004", "Regular expression matches zero length string" },
        { fails("match", '["abc"]', { regex = { [2] = "/x*/" } }) })
    end)

    it("base64 and URL coding", function()
      run_cases {
        { "base64encode", '["hello:world"]', '"aGVsbG86d29ybGQ="' },
        { "base64decode", '["aGVsbG86d29ybGQ="]', '"hello:world"' },
        { "encodeUrlComponent", '["?x=test"]', '"%3Fx%3Dtest"' },
        { "encodeUrl", '["https://mozilla.org/?x=шеллы"]', '"https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B"' },
        { "decodeUrl", '["https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B"]', '"https://mozilla.org/?x=шеллы"' },
        { "decodeUrl", '["a%3Fb"]', '"a%3Fb"' },
        { "decodeUrlComponent", '["a%3Fb"]', '"a?b"' },
      }
      assert.are.same({ "D3140", 'Malformed URL passed to $decodeUrlComponent(): "%E0%A4%A"' },
        { fails("decodeUrlComponent", '["%E0%A4%A"]') })
    end)
  end)

  describe("numbers", function()
    it("$number casts strings and booleans", function()
      run_cases {
        { "number", '["0x12"]', "18" },
        { "number", '["0B101"]', "5" },
        { "number", '["-007"]', "-7" },
        { "number", '["1.0e-2"]', "0.01" },
        { "number", '[true]', "1" },
      }
      assert.are.same({ "D3030", 'Unable to cast value to a number: "10e500"' }, { fails("number", '["10e500"]') })
      assert.are.same({ "D3030", 'Unable to cast value to a number: "1 x"' }, { fails("number", '["1 x"]') })
    end)

    it("$round rounds half to even at a precision", function()
      run_cases {
        { "round", "[2.5]", "2" },
        { "round", "[3.5]", "4" },
        { "round", "[-0.5]", "0" },
        { "round", "[1.005, 2]", "1" },
        { "round", "[3.14159, 3]", "3.142" },
        { "round", "[12345, -2]", "12300" },
        { "floor", "[-1.5]", "-2" },
        { "ceil", "[1.2]", "2" },
        { "abs", "[-3]", "3" },
        { "power", "[2, 10]", "1024" },
        { "sqrt", "[16]", "4" },
      }
      assert.are.same({ "D3060", "The sqrt function cannot be applied to a negative number: -1" },
        { fails("sqrt", "[-1]") })
      assert.are.same({ "D3061",
        "The power function has resulted in a value that cannot be represented as a JSON number: base=10, exponent=400" },
        { fails("power", "[10, 400]") })
    end)

    it("aggregates", function()
      run_cases {
        { "sum", "[[1,2,3.5]]", "6.5" },
        { "sum", "[[]]", "0" },
        { "max", "[[1,7,3]]", "7" },
        { "min", "[[4,-2,3]]", "-2" },
        { "max", "[[]]", nil },
        { "average", "[[1,2,3,4]]", "2.5" },
      }
    end)
  end)

  describe("arrays and objects", function()
    it("count, append, reverse, distinct, zip, shuffle", function()
      run_cases {
        { "count", "[[1,2,3]]", "3" },
        { "count", "[]", "0" },
        { "append", "[[1,2],3]", "[1,2,3]" },
        { "append", "[1,[2,3]]", "[1,2,3]" },
        { "append", "[1]", "1" },
        { "reverse", "[[1,2,3]]", "[3,2,1]" },
        { "distinct", '[[1,2,1,{"a":1},{"a":1}]]', '[1,2,{"a":1}]' },
        { "zip", "[[1,2,3],[4,5]]", "[[1,4],[2,5]]" },
      }
      local s = call("shuffle", "[[1,2,3,4,5,6]]", { seed = 7 })
      local seen = {}
      for d in s:gmatch("%d") do seen[#seen + 1] = d end
      table.sort(seen)
      assert.are.equal("123456", table.concat(seen))
    end)

    it("keys, merge, spread (sequences of one are the item)", function()
      run_cases {
        { "keys", '[{"a":1,"b":2}]', '["a","b"]' },
        { "keys", '[{"a":1}]', '"a"' },
        { "keys", '[[{"a":1},{"b":2,"a":3}]]', '["a","b"]' },
        { "keys", '[{}]', nil },
        { "merge", '[[{"a":1},{"b":2,"a":3}]]', '{"a":3,"b":2}' },
        { "spread", '[{"a":1,"b":2}]', '[{"a":1},{"b":2}]' },
        { "spread", '[5]', "5" },
      }
    end)
  end)

  describe("AWS additions", function()
    it("$partition, $range, $hash, $parse", function()
      run_cases {
        { "partition", "[[0,1,2,3],3]", "[[0,1,2],[3]]" },
        { "partition", "[[0],2]", "[[0]]" },
        { "range", "[0,10,3]", "[0,3,6,9]" },
        { "range", "[1,9,9]", "1" },
        { "range", "[0,10,2]", "[0,2,4,6,8,10]" },
        { "range", "[5,1,-2]", "[5,3,1]" },
        { "hash", '["input data","SHA-256"]', '"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"' },
        { "hash", '["input data","MD5"]', '"812f45842bc6d66ee14572ce20db8e86"' },
        { "parse", '["{\\"Arg1\\": 1, \\"Arg2\\": []}"]', '{"Arg1":1,"Arg2":[]}' },
        { "parse", '["\\"HelloWorld\\""]', '"HelloWorld"' },
      }
      assert.are.equal("T0410", (fails("partition", "[[1,2],0]")))
      assert.are.equal("T0410", (fails("hash", '["x","SHA-3"]')))
      assert.are.equal("D3120", (fails("parse", '["{"]')))
    end)

    it("$random with a seed repeats; $uuid is a version 4 UUID", function()
      local a, b = call("random", "[42]"), call("random", "[42]")
      assert.are.equal(a, b)
      local r = tonumber(call("random", "[]", { seed = 3 }))
      assert.is_true(r >= 0 and r < 1)
      local u = call("uuid", "[]", { seed = 9 })
      assert.truthy(u:match('^"%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x"$'), u)
    end)
  end)

  describe("regular expressions", function()
    local function rx(p, f, s)
      local a, b, g = core.jsonata_regex(p, f, s)
      if not a then return a, b end
      local gs = {}
      for i, x in ipairs(g) do gs[i] = x and s:sub(x[1], x[2]) or false end
      return s:sub(a, b), gs
    end

    it("matches JavaScript's syntax", function()
      local cases = {
        { "(\\w+)\\s(\\w+)", "", "John Smith", "John Smith", { "John", "Smith" } },
        { "^abc$", "m", "x\nabc\ny", "abc", {} },
        { "^abc$", "", "x\nabc\ny", false },
        { "(a)|b", "", "b", "b", { false } },
        { "(?:(a)|b)+", "", "ab", "ab", { false } },
        { "(a*)*b", "", "aaab", "aaab", { "aaa" } },
        { "a{2,3}", "", "caaaad", "aaa", {} },
        { "a{2,3}?", "", "caaaad", "aa", {} },
        { "x(?=y)", "", "xzxy", "x", {} },
        { "x(?!y)", "", "xyxz", "x", {} },
        { "(a)\\1", "", "xaab", "aa", { "a" } },
        { "[a-c]+", "i", "xABCd", "ABC", {} },
        { "\\bfoo\\b", "", "a foo b", "foo", {} },
        { "[^\\d\\s]+", "", "12 ab3", "ab", {} },
        { "\\u00e9|\\x41", "", "cafAé", "A", {} },
        { ".", "", "😀x", "😀", {} },
        { "a{", "", "a{", "a{", {} },
        { "\\/", "", "a/b", "/", {} },
        { "[\\w-]+", "", "!a-b!", "a-b", {} },
        { "é+", "i", "CAFÉÉ", "ÉÉ", {} },
        { "a.c", "", "a\nc", false },
        { "a.c", "s", "a\nc", "a\nc", {} },
        { "(?<=\\$)\\d+", "", "cost $42", "42", {} },
        { "(?<!\\$)\\b\\d+", "", "$42 or 17", "17", {} },
        { "(?<=a(b))c", "", "xabc", "c", { "b" } },
        { "(?<y>\\d{4})-\\k<y>", "", "x 2020-2020", "2020-2020", { "2020" } },
        { "\\k<y>", "", "k<y>", "k<y>", {} },
      }
      for _, c in ipairs(cases) do
        local m, g = rx(c[1], c[2], c[3])
        assert.are.same(c[4], m, c[1])
        if m then assert.are.same(c[5], g, c[1]) end
      end
    end)

    it("rejects bad patterns", function()
      for _, p in ipairs { "(", "a**", "[z-a]", "a)", "(?<n>a)\\k<m>", "[a" } do
        local ok, err = core.jsonata_regex(p, "", "a")
        assert.is_nil(ok)
        assert.are.equal("S0303", err.code, p)
      end
    end)

    it("gives up on a catastrophic pattern instead of hanging", function()
      local ok, err = core.jsonata_regex("(a+)+$", "", string.rep("a", 60) .. "b")
      assert.is_nil(ok)
      assert.are.equal("D1004", err.code)
      assert.are.equal("Regular expression matching exceeded its step budget", err.message)
    end)

    it("does not overflow the C stack on long subjects", function()
      local s = string.rep("ab", 200000)
      local a, b = core.jsonata_regex("(?:a|b)*$", "", s)
      assert.are.equal(1, a)
      assert.are.equal(#s, b)
    end)
  end)
end)

describe("sfn.jsonata formatting and dates", function()
  local function run(cases)
    for _, c in ipairs(cases) do
      local out, err = core.jsonata_builtin(c[1], c[2], c[4])
      assert.are.equal(c[3], out, c[1] .. c[2] .. (err and (" " .. err.code .. " " .. err.message) or ""))
    end
  end

  it("$formatNumber follows XPath picture strings", function()
    run {
      { "formatNumber", '[12345.6, "#,###.00"]', '"12,345.60"' },
      { "formatNumber", '[1234.56789, "9,999.999,999"]', '"1,234.567,890"' },
      { "formatNumber", '[123.9, "9999"]', '"0124"' },
      { "formatNumber", '[0.14, "01%"]', '"14%"' },
      { "formatNumber", '[-6, "000"]', '"-006"' },
      { "formatNumber", '[1234.5678, "00.000e0"]', '"12.346e2"' },
      { "formatNumber", '[0.234, "#.00e0"]', '"0.23e0"' },
      { "formatNumber", '[0.14, "###pm", {"per-mille": "pm"}]', '"140pm"' },
      { "formatNumber", '[1E20, "#,######"]', '"100,000000,000000,000000"' },
    }
    local code, msg = fails("formatNumber", '[20, "#;#;#"]')
    assert.are.same({ "D3080", "The picture string must only contain a maximum of two sub-pictures" }, { code, msg })
    assert.are.equal("D3087", (fails("formatNumber", '[20, "0,.e0"]')))
  end)

  it("$formatBase, $formatInteger, $parseInteger", function()
    run {
      { "formatBase", "[100, 2]", '"1100100"' },
      { "formatBase", "[-100, 36]", '"-2s"' },
      { "formatBase", "[99.5, 2.5]", '"1100100"' },
      { "formatInteger", '[1234567890, "#,##0"]', '"1,234,567,890"' },
      { "formatInteger", '[1234567890, "#:###,##0"]', '"1234:567,890"' },
      { "formatInteger", '[-3, "0000"]', '"-0003"' },
      { "formatInteger", '[123, "000;o"]', '"123rd"' },
      { "formatInteger", '[12340, "###\u{661}"]', '"\u{661}\u{662}\u{663}\u{664}\u{660}"' },
      { "formatInteger", '[1984, "I"]', '"MCMLXXXIV"' },
      { "formatInteger", '[300, "A"]', '"KN"' },
      { "formatInteger", '[555, "Ww"]', '"Five Hundred and Fifty-Five"' },
      { "formatInteger", '[4327732, "w;o"]', '"four million, three hundred and twenty-seven thousand, seven hundred and thirty-second"' },
      { "parseInteger", '["12,345,678", "#,##0"]', "12345678" },
      { "parseInteger", '["xcix", "i"]', "99" },
      { "parseInteger", '["FIVE HUNDRED AND FIFTY-FIVE", "W"]', "555" },
      { "parseInteger", '["1234th", "###0;o"]', "1234" },
    }
    assert.are.same({ "D3100", "The radix of the formatBase function must be between 2 and 36.  It was given 37" },
      { fails("formatBase", "[100, 37]") })
    assert.are.equal("D3131", (fails("formatInteger", '[12340, "##0\u{ff10}"]')))
  end)

  it("$fromMillis and $now format dates with pictures and time zones", function()
    run {
      { "fromMillis", "[1509380732935]", '"2017-10-30T16:25:32.935Z"' },
      { "fromMillis", '[1521801216617, "[D#1]/[M#1]/[Y0001]"]', '"23/3/2018"' },
      { "fromMillis", '[1522616700000, "[F0] [FNn]"]', '"7 Sunday"' },
      { "fromMillis", '[1521801216617, "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]", "+0100"]',
        '"2018-03-23T11:33:36.617+0100"' },
      { "fromMillis", '[1531310400000, "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]", "+0530"]', '"2018-07-11T17:30:00+5:30"' },
      { "fromMillis", '[1531310400000, "[Y]-[M01]-[D01]T[H01]:[m]:[s][z]", "-0500"]', '"2018-07-11T07:00:00GMT-05:00"' },
      { "fromMillis", '[1521801216617, "[[Year]]: [[[Y0001]]]"]', '"[Year]: [2018]"' },
      { "fromMillis", '[1521801216617, "[D1] [M01] [YI]"]', '"23 03 MMXVIII"' },
      { "fromMillis", '[1521801216617, "[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]"]', '"friday, 23/3/2018 10:33:36 AM"' },
      { "now", "[]", '"2017-07-14T02:40:00.000Z"', { now = 1500000000000 } },
      { "millis", "[]", "1500000000000", { now = 1500000000000 } },
    }
    assert.are.same({ "D3135", "No matching closing bracket ']' in date/time picture string" },
      { fails("fromMillis", '[0, "[Y"]') })
    assert.are.equal("D3134", (fails("fromMillis", '[0, "[Z010101t]", "+0530"]')))
  end)

  it("$toMillis reads ISO 8601 and picture strings", function()
    run {
      { "toMillis", '["2018-02-01T09:42:13.123+0000"]', "1517478133123" },
      { "toMillis", '["2017-10-30"]', "1509321600000" },
      { "toMillis", '["2018"]', "1514764800000" },
      { "toMillis", '["20180205", "[Y0001][M01][D01]"]', "1517788800000" },
      { "toMillis", '["27th April 2008", "[D1o] [MNn] [Y0001]"]', "1209254400000" },
      { "toMillis", '["one thousand, nine hundred and eighty-four", "[Yw]"]', "441763200000" },
      { "toMillis", '["4/4/2018 12:06 pm", "[D1]/[M1]/[Y0001] [h]:[m] [P]"]', "1522843560000" },
      { "toMillis", '["2018-094", "[Y0001]-[d001]"]', "1522800000000" },
      { "toMillis", '["2020-09-09 12:00:00 +05:30", "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"]', "1599633000000" },
      { "toMillis", '["irrelevent string", "[Y]-[M]-[D]"]', nil },
    }
    assert.are.same({ "D3110",
      'The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given "2018-02-03 11:15:33"' },
      { fails("toMillis", '["2018-02-03 11:15:33"]') })
    assert.are.equal("D3136", (fails("toMillis", '["2018-22", "[Y]-[D]"]')))
    assert.are.equal("D3132", (fails("toMillis", '["2018-05-22", "[Y]-[M]-[q]"]')))
  end)
end)
