-- spec/value_spec.lua: Lua <-> engine value conversion (sfn.core).
local core = require "sfn.core"

describe("sfn.core values", function()
  it("keeps an empty array an array", function()
    local v = core.roundtrip(setmetatable({}, core.array_mt))
    assert.are.equal(core.array_mt, getmetatable(v))
  end)
  it("turns a sequence into an array and a keyed table into an object", function()
    local v = core.roundtrip({ a = { 1, 2, 3 }, b = core.null })
    assert.are.same({ 1, 2, 3 }, setmetatable(v.a, nil))
    assert.are.equal(core.null, v.b)
  end)
  it("rejects a function with a clear error", function()
    local v, err = core.roundtrip({ f = print })
    assert.is_nil(v)
    assert.are.equal("InvalidValue", err.code)
    assert.are.equal("cannot convert a function to JSON", err.message)
  end)
  it("rejects a cycle instead of looping", function()
    local t = {}
    t.self = t
    local v, err = core.roundtrip(t)
    assert.is_nil(v)
    assert.are.equal("InvalidValue", err.code)
  end)
end)
