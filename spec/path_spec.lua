-- spec/path_spec.lua: ASL JSONPath (sfn.core.path_eval / path_set /
-- path_compile / path_explain): Reference Paths, full Paths as AWS's
-- Jayway-based evaluator reads them, the context object, ResultPath
-- placement and the exact error texts.
local core = require "sfn.core"

local DOC = [[{"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword","price":12.99,"isbn":null},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553","price":8},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"Lord","isbn":"0-395","price":22.99}],
  "bicycle":{"color":"red","price":19.95}},
  "a":{"b":{"c":[10,20,30]}},"sp ace":1,"ü":"u","int-literal":0,"dot.key":"d","q'uote":"q",
  "nul":null,"f":false,"s":"str","empty":[],"nums":[3,1,2]}]]

local function eval(path, input, context, kind)
  return core.path_eval(path, input or DOC, context, kind)
end

local function fails(path, kind)
  local ok, err = core.path_compile(path, kind)
  assert.is_nil(ok)
  return err
end

describe("sfn.path", function()
  describe("Reference Paths", function()
    it("selects single nodes with dots, brackets and indexes", function()
      assert.equal(DOC:gsub("%s*\n%s*", ""), eval("$"))
      assert.equal('{"c":[10,20,30]}', eval("$.a.b"))
      assert.equal("20", eval("$.a.b.c[1]"))
      assert.equal("30", eval("$['a']['b']['c'][2]"))
      assert.equal("30", eval('$["a"]["b"]["c"][-1]'))
      assert.equal("20", eval("$.a.b.c[1]", nil, nil, "reference"))
    end)

    it("reads names with spaces, unicode, dashes and quotes", function()
      assert.equal("1", eval("$['sp ace']"))
      assert.equal('"u"', eval("$.ü"))
      assert.equal("0", eval("$.int-literal"))
      assert.equal('"d"', eval("$['dot.key']"))
      assert.equal('"q"', eval([=[$['q\'uote']]=]))
    end)

    it("returns null members as null, and nil when nothing is selected", function()
      assert.equal("null", eval("$.nul"))
      assert.equal("false", eval("$.f"))
      local v, err = eval("$.missing")
      assert.is_nil(v)
      assert.is_nil(err)
      assert.is_nil((eval("$.a.missing.deeper")))
      assert.is_nil((eval("$.a.b.c[3]")))
      assert.is_nil((eval("$.a.b.c[-4]")))
      assert.is_nil((eval("$.s.x")))
      assert.is_nil((eval("$.s[0]")))
      assert.is_nil((eval("$.nul.x")))
      assert.is_nil((eval("$[0]")))
    end)

    it("rejects operators in a reference path", function()
      local msg = "Invalid JSONPath '%s': a reference path selects a single node: only .name, "
        .. "['name'] and [index] steps are allowed"
      for _, p in ipairs({ "$.a[*]", "$..a", "$.a[0,1]", "$.a[1:2]", "$.a[?(@.x)]", "$.a.*",
                           "$['a','b']", "$.a.length()" }) do
        local err = fails(p, "reference")
        assert.equal("InvalidPath", err.code)
        assert.equal(msg:format(p), err.message)
      end
    end)
  end)

  describe("syntax errors", function()
    it("reports the problem and its position", function()
      local cases = {
        { "", "a path must start with '$'" },
        { "a.b", "a path must start with '$'" },
        { "$-a", "unexpected character '-' at position 1, expected '.' or '['" },
        { "$.", "a path must not end with '.' or '..'" },
        { "$..", "a path must not end with '.' or '..'" },
        { "$.a.", "a path must not end with '.' or '..'" },
        { "$...a", "unexpected '.' at position 3" },
        { "$.sp ace", "use bracket notation ['my prop'] for names with blank characters (position 4)" },
        { "$['a'", "expected ',' or ']' at position 5" },
        { "$['a]", "unterminated string starting at position 2" },
        { "$[a]", "could not parse the bracket at position 2" },
        { "$[", "unterminated '['" },
        { "$[1", "unterminated '['" },
        { "$[1x]", "unexpected character 'x' at position 3" },
        { "$[:]", "empty slice at position 3" },
        { "$.a.nope()", "unknown function 'nope()'" },
        { "$.a.length().b", "a function must be the last step (position 12)" },
        { "$.a[?(@.x <)]", "expected a value at position 11" },
        { "$.a[?(@.x == 1]", "expected ')' at position 14" },
        { "$.a[?@.x]", "expected '(' after '?' at position 5" },
      }
      for _, c in ipairs(cases) do
        local err = fails(c[1])
        assert.equal("InvalidPath", err.code)
        assert.equal(("Invalid JSONPath '%s': %s"):format(c[1], c[2]), err.message)
      end
    end)

    it("ignores whitespace around the path, as Jayway does", function()
      assert.equal("$['a']", core.path_compile("$.a  "))
    end)
  end)

  describe("normalized form", function()
    it("prints paths as AWS quotes them in causes", function()
      assert.equal("$['NoSuchInputPath']", core.path_compile("$.NoSuchInputPath"))
      assert.equal("$['a']['b'][0]", core.path_compile("$.a['b'][0]"))
      assert.equal("$$['Execution']['Id']", core.path_compile("$$.Execution.Id"))
      assert.equal("$['a'][*]..['b'][1:][?]", core.path_compile("$.a[*]..b[1:][?(@.x)]"))
    end)

    it("explains a miss the way Jayway words it", function()
      assert.equal("No results for path: $['NoSuchInputPath']",
        core.path_explain("$.NoSuchInputPath", '{"a":1}'))
      assert.equal("Missing property in path $['q']", core.path_explain("$.q.r", '{"a":1}'))
      assert.equal("No results for path: $['a'][5]", core.path_explain("$.a[5]", '{"a":[1]}'))
    end)
  end)

  describe("Paths", function()
    it("returns every match of a wildcard as an array", function()
      assert.equal('["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]',
        eval("$.store.book[*].author"))
      assert.equal('[10,20,30]', eval("$.a.b.c[*]"))
      assert.equal('[{"c":[10,20,30]}]', eval("$.a.*"))
      assert.equal('["red",19.95]', eval("$.store.bicycle[*]"))
    end)

    it("gives [] (not a failure) when an indefinite path selects nothing", function()
      -- Recorded on AWS: $.item.items[1:5] on {} is [].
      assert.equal("[]", eval("$.item.items[1:5]", "{}"))
      assert.equal("[]", eval("$.items[*].itemValue", "{}"))
      assert.equal("[]", eval("$.item.items[*]", "{}"))
      assert.equal("[]", eval("$.s[*]"))
      assert.equal("[]", eval("$..nothing"))
    end)

    it("slices arrays like Jayway", function()
      local arr = '{"x":[0,1,2,3,4]}'
      assert.equal("[1,2]", eval("$.x[1:3]", arr))
      assert.equal("[3,4]", eval("$.x[3:]", arr))
      assert.equal("[0,1]", eval("$.x[:2]", arr))
      assert.equal("[4]", eval("$.x[-1:]", arr))
      assert.equal("[0,1,2,3]", eval("$.x[:-1]", arr))
      assert.equal("[1,2,3,4]", eval("$.x[1:99]", arr))
      assert.equal("[]", eval("$.x[3:1]", arr))
    end)

    it("takes index and name unions", function()
      assert.equal('[8.95,8]', eval("$.store.book[0,2].price"))
      assert.equal('[22.99]', eval("$.store.book[-1,9].price"))
      -- Jayway merges a final name union into one object (members present only).
      assert.equal('{"s":"str","f":false}', eval("$['s','f','zz']"))
      assert.equal('{"color":"red","price":19.95}', eval("$.store.bicycle['color','price']"))
      -- Not last: the union is iterated.
      assert.equal('["red",19.95]', eval("$.store['bicycle','x'].*"))
    end)

    it("scans recursively, pre-order", function()
      assert.equal('[8.95,12.99,8,22.99,19.95]', eval("$..price"))
      assert.equal('[{"b":1},2,1]', eval("$..*", '{"a":{"b":1},"c":2}'))
      assert.equal('[1,3]', eval("$..x", '{"x":1,"y":{"z":[{"x":3}]}}'))
      assert.equal('[[10,20,30]]', eval("$.a..c"))
      assert.equal('[10]', eval("$.a..[0]"))
      assert.equal('["Moby Dick"]', eval("$..book[?(@.price == 8)].title"))
    end)

    it("filters with comparisons, && , || and !", function()
      assert.equal('["Sayings","Moby Dick"]', eval("$.store.book[?(@.price < 10)].title"))
      assert.equal('["Sayings","Moby Dick"]', eval("$.store.book[?(@.price <= 8.95)].title"))
      assert.equal('["Lord"]', eval("$.store.book[?(@.price > 20)].title"))
      assert.equal('["Sword","Lord"]', eval("$.store.book[?(@.price >= 12.99)].title"))
      assert.equal('["Sword","Moby Dick","Lord"]', eval("$.store.book[?(@.category == 'fiction')].title"))
      assert.equal('["Sayings"]', eval('$.store.book[?(@.category != "fiction")].title'))
      assert.equal('["Moby Dick"]', eval("$.store.book[?(@.category == 'fiction' && @.price < 10)].title"))
      assert.equal('["Sayings","Lord"]', eval("$.store.book[?(@.price > 20 || @.category == 'reference')].title"))
      assert.equal('["Sword","Lord"]',
        eval("$.store.book[?(@.price < 9 && @.category == 'x' || @.price > 12)].title"))
      assert.equal('["Sayings","Sword","Lord"]', eval("$.store.book[?(!(@.price == 8))].title"))
      -- Recorded on AWS: $.users[?(@.status == 0)].
      assert.equal('[{"year":1997,"status":0}]',
        eval("$.users[?(@.status == 0)]", '{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}'))
    end)

    it("tests existence (a null member exists) and compares with the root", function()
      assert.equal('["Sword","Moby Dick","Lord"]', eval("$.store.book[?(@.isbn)].title"))
      assert.equal('["Sayings"]', eval("$.store.book[?(!@.isbn)].title"))
      assert.equal('["Sayings","Moby Dick"]', eval("$.store.book[?(@.price < $.a.b.c[0])].title"))
    end)

    it("treats a missing operand as undefined: == is false, != is true", function()
      assert.equal('["Sayings","Sword","Moby Dick","Lord"]', eval("$.store.book[?(@.nope != 1)].title"))
      assert.equal('[]', eval("$.store.book[?(@.nope == null)].title"))
      assert.equal('[]', eval("$.store.book[?(@.nope < 1)].title"))
    end)

    it("compares numbers by value and strings with numbers as Jayway does", function()
      local d = '{"x":[{"v":1},{"v":1.0},{"v":"1"},{"v":true}]}'
      assert.equal('[{"v":1},{"v":1.0},{"v":"1"}]', eval("$.x[?(@.v == 1)]", d))
      assert.equal('[{"v":1},{"v":1.0}]', eval("$.x[?(@.v >= 1)]", d))
      assert.equal('[{"v":true}]', eval("$.x[?(@.v == true)]", d))
      assert.equal('["a","b"]', eval("$.x[?(@ >= 'a')]", '{"x":["a","b","B"]}'))
    end)

    it("supports in, nin, contains, size, empty, anyof, noneof, subsetof and =~", function()
      local d = '{"x":[{"n":"a","t":["p","q"]},{"n":"b","t":[]},{"n":"cc","t":["q"]}]}'
      assert.equal('["b","cc"]', eval("$.x[?(@.n in ['b','cc'])].n", d))
      assert.equal('["a"]', eval("$.x[?(@.n nin ['b','cc'])].n", d))
      assert.equal('["a","cc"]', eval("$.x[?(@.t contains 'q')].n", d))
      assert.equal('["a"]', eval("$.x[?(@.t size 2)].n", d))
      assert.equal('["cc"]', eval("$.x[?(@.n size 2)].n", d))
      assert.equal('["b"]', eval("$.x[?(@.t empty true)].n", d))
      assert.equal('["a","cc"]', eval("$.x[?(@.t anyof ['q','z'])].n", d))
      assert.equal('["b"]', eval("$.x[?(@.t noneof ['q'])].n", d))
      assert.equal('["b","cc"]', eval("$.x[?(@.t subsetof ['q'])].n", d))
      assert.equal('["cc"]', eval("$.x[?(@.n =~ /c+/)].n", d))
      assert.equal('[]', eval("$.x[?(@.n =~ /c/)].n", d)) -- the whole string must match
      assert.equal('["a"]', eval("$.x[?(@.n =~ /A/i)].n", d))
      assert.equal('["a","b"]', eval("$.x[?(@.n =~ /[ab]|x(y)?/)].n", d))
      assert.equal('["cc"]', eval("$.x[?(@.n =~ /\\w{2,}/)].n", d))
      -- A pattern past the matcher's size limit matches nothing (and does not crash).
      assert.equal('[]', eval("$.x[?(@.n =~ /" .. ("a."):rep(600) .. "/)].n", d))
    end)

    it("applies a filter on an object to the object itself", function()
      assert.equal('[{"color":"red","price":19.95}]', eval("$.store.bicycle[?(@.color == 'red')]"))
      assert.equal('[]', eval("$.store.bicycle[?(@.color == 'blue')]"))
    end)

    it("calls length() and the aggregate functions", function()
      assert.equal("4", eval("$.store.book.length()"))
      assert.equal("2", eval("$.store.bicycle.length()"))
      assert.equal("3", eval("$.s.length()"))
      assert.equal("3", eval("$.nums.size()"))
      assert.equal("0", eval("$.empty.length()"))
      assert.equal("1.0", eval("$.nums.min()"))
      assert.equal("3.0", eval("$.nums.max()"))
      assert.equal("6.0", eval("$.nums.sum()"))
      assert.equal("2.0", eval("$.nums.avg()"))
      assert.equal('["color","price"]', eval("$.store.bicycle.keys()"))
      assert.equal("3", eval("$.nums.first()"))
      assert.equal("2", eval("$.nums.last()"))
      assert.equal("4", eval("$.store.book[*].length()"))
      assert.equal('["Lord"]', eval("$.x[?(@.t.length() > 1)].n",
        '{"x":[{"n":"Lord","t":[1,2]},{"n":"b","t":[1]}]}'))
      assert.is_nil((eval("$.missing.length()")))
      assert.is_nil((eval("$.f.length()")))
    end)
  end)

  describe("context object", function()
    local ctx = '{"Execution":{"Id":"arn:x","Input":{"k":[1,2]}},"State":{"Name":"S"}}'
    it("reads $$ paths from the context object", function()
      assert.equal('"arn:x"', eval("$$.Execution.Id", "{}", ctx))
      assert.equal('2', eval("$$.Execution.Input.k[1]", "{}", ctx))
      assert.equal('["S"]', eval("$$..Name", "{}", ctx))
      assert.equal(ctx, eval("$$", "{}", ctx))
      assert.is_nil((eval("$$.Nope", "{}", ctx)))
    end)

    it("reads an absent context object as {}", function()
      assert.equal("{}", eval("$$", "{}"))
      assert.is_nil((eval("$$.Execution", "{}")))
    end)
  end)

  describe("ResultPath (path_set)", function()
    it("replaces the whole document at $", function()
      assert.equal('"r"', core.path_set("$", '{"a":1}', '"r"'))
    end)

    it("adds or replaces members, keeping the order", function()
      assert.equal('{"a":1,"b":2,"r":{"x":1}}', core.path_set("$.r", '{"a":1,"b":2}', '{"x":1}'))
      assert.equal('{"a":"new","b":2}', core.path_set("$.a", '{"a":1,"b":2}', '"new"'))
      assert.equal('{"a":{"k":1,"t":true}}', core.path_set("$['a'].t", '{"a":{"k":1}}', "true"))
    end)

    it("creates missing intermediate objects", function()
      assert.equal('{"a":1,"x":{"y":{"z":null}}}', core.path_set("$.x.y.z", '{"a":1}', "null"))
    end)

    it("replaces array elements in range", function()
      assert.equal('{"a":[1,{"b":5},3]}', core.path_set("$.a[1].b", '{"a":[1,{"b":2},3]}', "5"))
      assert.equal('{"a":[1,2,"z"]}', core.path_set("$.a[-1]", '{"a":[1,2,3]}', '"z"'))
    end)

    it("fails with States.ReferencePathConflict through a non-object", function()
      local cases = {
        { "$.a", '"input1"', 'Unable to apply ReferencePath $.a to input "input1"' },
        { "$.a", "[1]", "Unable to apply ReferencePath $.a to input [1]" },
        { "$.a.b", '{"a":"s"}', 'Unable to apply step "b" to input {"a":"s"}' },
        { "$.a.b", '{"a":null}', 'Unable to apply step "b" to input {"a":null}' },
        { "$.a.b.c", '{"a":{"b":7}}', 'Unable to apply step "c" to input {"a":{"b":7}}' },
        { "$.a[5]", '{"a":[1]}', 'Unable to apply step "[5]" to input {"a":[1]}' },
        { "$.a[0]", '{"a":{}}', 'Unable to apply step "[0]" to input {"a":{}}' },
      }
      for _, c in ipairs(cases) do
        local out, err = core.path_set(c[1], c[2], "1")
        assert.is_nil(out)
        assert.equal("States.ReferencePathConflict", err.code)
        assert.equal(c[3], err.message)
      end
    end)

    it("only accepts reference paths", function()
      local out, err = core.path_set("$.a[*]", "{}", "1")
      assert.is_nil(out)
      assert.equal("InvalidPath", err.code)
    end)
  end)
end)
