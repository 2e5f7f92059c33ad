-- sfn.mockconfig: AWS Step Functions Local's mock configuration file
-- (MockConfigFile.json) loaded into the `mocks` option of machine:run.
--
--   local mockconfig = require "sfn.mockconfig"
--   local mocks, err = mockconfig.load("MockConfigFile.json", "LambdaSQSIntegration", "RetryPath")
--   local run = machine:run(input, { mocks = mocks })
--
-- The file's shape (AWS: "Configuration file for mocked service integrations"):
--   { "StateMachines": { "<machine>": { "TestCases": { "<case>": { "<state>": "<response>" } } } },
--     "MockedResponses": { "<response>": { "0": { "Return": <value> },
--                                          "1-2": { "Throw": { "Error": "E", "Cause": "C" } } } } }
-- Invocation keys are zero-based; "1-2" covers invocations 1 and 2.  The keys
-- of one response must cover 0..N without a gap or an overlap, and each
-- entry holds exactly one of Return or Throw.
--
-- Result: { [state] = { { Return = v } | { Throw = { Error =, Cause = } }, ... } }
-- in invocation order; Return values are Lua values as sfn.json decodes them.
-- Failures return nil, err with err.code == "InvalidMockConfig" and
-- err.message saying what is wrong.

local json = require "sfn.json"

local type, pairs, ipairs, tonumber, tostring, getmetatable, error =
  type, pairs, ipairs, tonumber, tostring, getmetatable, error
local io_open, string_match, string_format, table_sort = io.open, string.match, string.format, table.sort

local _M = { _VERSION = "0.1" }

local function fail(fmt, ...)
  return nil, { code = "InvalidMockConfig", message = string_format(fmt, ...) }
end

local function is_object(v)
  return type(v) == "table" and getmetatable(v) ~= json.array_mt
end

-- One mocked response ({ "0": {...}, "1-2": {...} }) as a list in invocation order.
local function expand(name, resp)
  if not is_object(resp) then
    return fail("mocked response '%s' must be an object of invocation indexes", name)
  end
  local slots, max = {}, -1
  local keys = {}
  for key in pairs(resp) do
    if type(key) ~= "string" then
      return fail("mocked response '%s': invocation index %s is not a string", name, tostring(key))
    end
    keys[#keys + 1] = key
  end
  table_sort(keys)
  for _, key in ipairs(keys) do
    local lo, hi
    local a = string_match(key, "^(%d+)$")
    if a then
      lo, hi = tonumber(a), tonumber(a)
    else
      local b, c = string_match(key, "^(%d+)%-(%d+)$")
      if not b then
        return fail("mocked response '%s': invalid invocation index '%s'", name, key)
      end
      lo, hi = tonumber(b), tonumber(c)
      if hi < lo then
        return fail("mocked response '%s': invalid invocation range '%s'", name, key)
      end
    end
    local entry = resp[key]
    if not is_object(entry) then
      return fail("mocked response '%s' invocation '%s' must be an object", name, key)
    end
    for field in pairs(entry) do
      if field ~= "Return" and field ~= "Throw" then
        return fail("mocked response '%s' invocation '%s': unknown field '%s'", name, key, tostring(field))
      end
    end
    local has_return, has_throw = entry.Return ~= nil, entry.Throw ~= nil
    if has_return == has_throw then
      return fail("mocked response '%s' invocation '%s' must hold exactly one of Return or Throw", name, key)
    end
    local item
    if has_return then
      item = { Return = entry.Return }
    else
      local t = entry.Throw
      if not is_object(t) then
        return fail("mocked response '%s' invocation '%s': Throw must be an object", name, key)
      end
      if type(t.Error) ~= "string" then
        return fail("mocked response '%s' invocation '%s': Throw.Error must be a string", name, key)
      end
      if t.Cause ~= nil and type(t.Cause) ~= "string" then
        return fail("mocked response '%s' invocation '%s': Throw.Cause must be a string", name, key)
      end
      item = { Throw = { Error = t.Error, Cause = t.Cause } }
    end
    for i = lo, hi do
      if slots[i] then
        return fail("mocked response '%s': invocation %d is defined twice", name, i)
      end
      slots[i] = item
    end
    if hi > max then max = hi end
  end
  if max < 0 then
    return fail("mocked response '%s' defines no invocation", name)
  end
  local list = {}
  for i = 0, max do
    if not slots[i] then
      return fail("mocked response '%s': invocation %d is not defined", name, i)
    end
    -- each invocation gets its own entry table (the Return value is shared)
    local s = slots[i]
    list[i + 1] = s.Return ~= nil and { Return = s.Return } or { Throw = { Error = s.Throw.Error, Cause = s.Throw.Cause } }
  end
  return list
end

-- The mocks of one test case from a decoded configuration table.
function _M.select(config, state_machine_name, test_case_name)
  if not is_object(config) then return fail("the mock configuration must be a JSON object") end
  local machines = config.StateMachines
  if not is_object(machines) then return fail("the mock configuration has no StateMachines object") end
  local sm = machines[state_machine_name]
  if sm == nil then
    return fail("state machine '%s' is not in the mock configuration", tostring(state_machine_name))
  end
  if not is_object(sm) or not is_object(sm.TestCases) then
    return fail("state machine '%s' has no TestCases object", state_machine_name)
  end
  local tc = sm.TestCases[test_case_name]
  if tc == nil then
    return fail("test case '%s' is not defined for state machine '%s'", tostring(test_case_name), state_machine_name)
  end
  if not is_object(tc) then
    return fail("test case '%s' of state machine '%s' must be an object", test_case_name, state_machine_name)
  end
  local responses = config.MockedResponses
  if responses ~= nil and not is_object(responses) then
    return fail("MockedResponses must be an object")
  end
  local mocks = {}
  for state, rname in pairs(tc) do
    if type(rname) ~= "string" then
      return fail("test case '%s': state '%s' must name a mocked response", test_case_name, tostring(state))
    end
    local resp = responses and responses[rname]
    if resp == nil then
      return fail("mocked response '%s' (state '%s') is not defined", rname, tostring(state))
    end
    local list, err = expand(rname, resp)
    if not list then return nil, err end
    mocks[state] = list
  end
  return mocks
end

-- mockconfig.decode(json_text, state_machine_name, test_case_name) -> mocks | nil, err
function _M.decode(text, state_machine_name, test_case_name)
  if type(text) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")", 2)
  end
  local config, jerr = json.decode(text)
  if config == nil then
    return fail("the mock configuration is not valid JSON: %s", tostring(jerr and jerr.message or jerr))
  end
  return _M.select(config, state_machine_name, test_case_name)
end

-- mockconfig.load(path_or_table, state_machine_name, test_case_name) -> mocks | nil, err
-- A string is the path of a MockConfigFile.json; a table is the decoded file.
function _M.load(source, state_machine_name, test_case_name)
  local ts = type(source)
  if type(state_machine_name) ~= "string" then
    error("bad argument #2 to 'load' (string expected, got " .. type(state_machine_name) .. ")", 2)
  end
  if type(test_case_name) ~= "string" then
    error("bad argument #3 to 'load' (string expected, got " .. type(test_case_name) .. ")", 2)
  end
  if ts == "table" then return _M.select(source, state_machine_name, test_case_name) end
  if ts ~= "string" then
    error("bad argument #1 to 'load' (string or table expected, got " .. ts .. ")", 2)
  end
  local f, oerr = io_open(source, "rb")
  if not f then return fail("cannot open the mock configuration: %s", tostring(oerr)) end
  local text = f:read("*a")
  f:close()
  local config, jerr = json.decode(text)
  if config == nil then
    return fail("%s is not valid JSON: %s", source, tostring(jerr and jerr.message or jerr))
  end
  return _M.select(config, state_machine_name, test_case_name)
end

return _M
