-- spec/template_spec.lua: payload templates (sfn.core.template_eval):
-- `.$` fields from paths, the context object and intrinsic calls, nesting,
-- the exact failure texts, and the recorded AWS cases in
-- spec/fixtures/path/cases.json (single Pass states with Parameters).
local core = require "sfn.core"

local function tpl(template, input, context)
  return core.template_eval(template, input or "{}", context)
end

-- Structural equality of two JSON texts (objects regardless of key order,
-- numbers by value), through the codec.
local function same(a, b)
  local function eq(x, y)
    if type(x) ~= type(y) then return false end
    if type(x) ~= "table" then return x == y end
    for k, v in pairs(x) do if not eq(v, y[k]) then return false end end
    for k in pairs(y) do if x[k] == nil then return false end end
    return true
  end
  return eq(core.json_decode(a), core.json_decode(b))
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

describe("sfn.template", function()
  it("copies literals and drops the .$ suffix of dynamic keys, in template order", function()
    assert.equal('{"a":"X","b":1,"c":[true,null]}', tpl('{"a.$":"$.x","b":1,"c":[true,null]}', '{"x":"X"}'))
    assert.equal('{"z":1,"a":2}', tpl('{"z.$":"$.one","a":2}', '{"one":1}'))
  end)

  it("returns a template without dynamic fields unchanged", function()
    assert.equal('{"k":{"deep":[1,2.5,"s"]}}', tpl('{"k":{"deep":[1,2.5,"s"]}}'))
    assert.equal('[]', tpl('[]'))
    assert.equal('"s"', tpl('"s"'))
  end)

  it("evaluates nested objects and arrays of objects", function()
    assert.equal('{"o":{"p":{"q":5}},"arr":[1,{"v":5},[{"w":[5]}]]}',
      tpl('{"o":{"p":{"q.$":"$.n"}},"arr":[1,{"v.$":"$.n"},[{"w.$":"$.l"}]]}', '{"n":5,"l":[5]}'))
  end)

  it("keeps a `.$` string that is not a field name key as a literal inside arrays", function()
    -- AWS does not evaluate paths in array elements: only keys ending in .$ are dynamic.
    assert.equal('{"a":["$.x"]}', tpl('{"a":["$.x"]}', '{"x":1}'))
  end)

  it("selects with full Paths, including indefinite ones", function()
    local input = '{"items":[{"p":1},{"p":12}],"m":{"k":"v"}}'
    assert.equal('{"all":[1,12],"cheap":[{"p":1}],"whole":' .. input .. ',"n":2}',
      tpl('{"all.$":"$.items[*].p","cheap.$":"$.items[?(@.p < 10)]","whole.$":"$","n.$":"$.items.length()"}',
        input))
    assert.equal('{"none":[]}', tpl('{"none.$":"$.nope[*]"}', input))
  end)

  it("reads $$ from the context object", function()
    local ctx = '{"Execution":{"Id":"arn:e","Name":"n"},"Map":{"Item":{"Index":3,"Value":{"v":1}}}}'
    assert.equal('{"id":"arn:e","i":3,"v":{"v":1},"all":' .. ctx .. '}',
      tpl('{"id.$":"$$.Execution.Id","i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","all.$":"$$"}',
        "{}", ctx))
  end)

  it("calls intrinsic functions", function()
    assert.equal('{"msg":"Hello, W","arr":[1,"W"]}',
      tpl([[{"msg.$":"States.Format('Hello, {}', $.who)","arr.$":"States.Array(1, $.who)"}]], '{"who":"W"}'))
  end)

  it("fails with AWS's message when a path selects nothing", function()
    local out, err = tpl('{"value.$":"$.no_such_jsonpath"}', '{"int-literal": 0}')
    assert.is_nil(out)
    assert.equal("States.Runtime", err.code)
    assert.equal([[The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}']],
      err.message)
    out, err = tpl('{"a":{"b":[{"deep.$":"$.x.y"}]}}', '{"x":{}}')
    assert.is_nil(out)
    assert.equal([[The JSONPath '$.x.y' specified for the field 'deep.$' could not be found in the input '{"x":{}}']],
      err.message)
  end)

  it("rejects bad .$ fields when compiling", function()
    local cases = {
      { '{"x.$":"nope"}', "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call" },
      { '{"x.$":"$.a b"}', "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call" },
      { '{"x.$":"States.Nope()"}', "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call" },
      { '{"o":{"arrayField.$":["$.a"]}}', "The value for the field 'arrayField.$' must be a STRING that contains a JSONPath but was an ARRAY" },
      { '{"x.$":1}', "The value for the field 'x.$' must be a STRING that contains a JSONPath but was an NUMBER" },
    }
    for _, c in ipairs(cases) do
      local out, err = tpl(c[1])
      assert.is_nil(out)
      assert.equal("InvalidDefinition", err.code)
      assert.equal(c[2], err.message)
    end
  end)

  describe("recorded AWS cases", function()
    local cases = core.json_decode(read_file("spec/fixtures/path/cases.json"))
    for _, c in ipairs(cases) do
      it(c.id, function()
        -- The context object holds what these definitions read from it.
        local ctx = '{"Execution":{"Input":' .. c.input .. '}}'
        local out, err = core.template_eval(c.parameters, c.input, ctx)
        if c.output then
          assert.is_nil(err and err.message)
          assert.is_true(same(c.output, out), "got " .. tostring(out) .. ", expected " .. c.output)
        else
          assert.is_nil(out)
          assert.equal(c.error, err.code)
          local input = core.json_encode(core.json_decode(c.input))
          assert.equal(c.cause:gsub("<json%-input:1>", function() return input end), err.message)
        end
      end)
    end
  end)
end)
