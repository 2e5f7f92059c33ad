-- sfn.json: strict JSON (RFC 8259) for sfn payloads, backed by the C codec
-- in sfn.core.
--
--   local json = require "sfn.json"
--   local v, err = json.decode(text)   -- err = { code = "JSONError", message =, line =, column = }
--   local s, err = json.encode(value)  -- compact text, or nil, err
--   local s, err = json.compact(text)  -- decode + encode in C: keeps key order and 1 vs 1.0
--
-- Bad input gives nil, err; a wrong argument type (decode(42)) raises.
--
-- Values:
--   * JSON null is json.null, a NULL lightuserdata: the same value as
--     cjson.null and sfn.null.
--   * Arrays decode to tables with json.array_mt, so `[]` encodes back as
--     `[]`; json.array(t) marks a table as an array.  Any other empty table
--     encodes as `{}`.  Tables with lua-cjson's array_mt/empty_array_mt and
--     cjson.empty_array (OpenResty's lua-cjson) encode as arrays too.
--   * Objects decode to plain tables; Lua tables have no order, so encode
--     writes keys sorted bytewise.  json.compact keeps the text's order.
--   * Numbers: JSON integers that fit int64 are exact.  On Lua 5.4 they are
--     integers and a float stays a JSON double (1.0 encodes as "1.0", also
--     for floats that lua-cjson 2.1 decoded); on LuaJIT integers up to 2^53
--     are plain numbers, larger ones an sfn.int64 userdata (tostring gives
--     the digits, == compares) that encodes back exactly, and an integral
--     number encodes as an integer.  json.int64("9007199254740993") builds
--     such a value from its decimal digits on either Lua.
--   * Doubles encode in Java's Double.toString form, as AWS prints them:
--     "1.0", "0.001", "1.0E7", "1.5E-4".
local core = require "sfn.core"

local type, error, getmetatable, setmetatable, pairs, pcall, require, next, string_match, string_find =
  type, error, getmetatable, setmetatable, pairs, pcall, require, next, string.match, string.find

local _M = { _VERSION = core._VERSION }

_M.null = core.null
_M.array_mt = core.array_mt

-- lua-cjson's array markers, when lua-cjson is installed.
local cjson_mts, cjson_empty_array = {}, nil
do
  local ok, cjson = pcall(require, "cjson")
  if ok and type(cjson) == "table" then
    if cjson.empty_array_mt then cjson_mts[cjson.empty_array_mt] = true end
    if cjson.array_mt then cjson_mts[cjson.array_mt] = true end
    cjson_empty_array = cjson.empty_array
  end
end
local have_cjson_markers = next(cjson_mts) ~= nil or cjson_empty_array ~= nil

-- Mark t (default: a new table) as a JSON array and return it.
function _M.array(t)
  if t == nil then t = {} end
  if type(t) ~= "table" then
    error("bad argument #1 to 'array' (table expected, got " .. type(t) .. ")", 2)
  end
  return setmetatable(t, core.array_mt)
end

-- Does v contain a lua-cjson array marker?  Each table is visited once
-- (the C side reports cycles and excessive depth itself).
local function has_cjson_marker(v, seen)
  if v == cjson_empty_array then return true end
  if type(v) ~= "table" or seen[v] then return false end
  seen[v] = true
  local mt = getmetatable(v)
  if mt and cjson_mts[mt] then return true end
  for _, x in pairs(v) do
    if (type(x) == "table" or x == cjson_empty_array) and has_cjson_marker(x, seen) then
      return true
    end
  end
  return false
end

-- A copy of v with lua-cjson's array markers replaced by json.array_mt.
local function convert_cjson(v, seen)
  if v == cjson_empty_array then return setmetatable({}, core.array_mt) end
  if type(v) ~= "table" then return v end
  if seen[v] then return seen[v] end
  local out = {}
  seen[v] = out
  for k, x in pairs(v) do out[k] = convert_cjson(x, seen) end
  local mt = getmetatable(v)
  if mt and (cjson_mts[mt] or mt == core.array_mt) then setmetatable(out, core.array_mt) end
  return out
end

function _M.decode(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")", 2)
  end
  return core.json_decode(text)
end

function _M.encode(value)
  if have_cjson_markers and has_cjson_marker(value, {}) then
    value = convert_cjson(value, {})
  end
  return core.json_encode(value)
end

function _M.compact(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'compact' (string expected, got " .. type(text) .. ")", 2)
  end
  return core.json_compact(text)
end

-- An exact 64-bit integer from its decimal digits: a Lua integer on 5.4, a
-- number or an sfn.int64 userdata on LuaJIT.  Raises on anything else.
function _M.int64(s)
  if type(s) ~= "string" or not string_match(s, "^%-?%d+$") then
    error("bad argument #1 to 'int64' (decimal integer string expected)", 2)
  end
  local c = core.json_compact(s)
  if c == nil then
    error("bad argument #1 to 'int64' (decimal integer string expected)", 2)
  end
  if string_find(c, "[.E]") then
    error("bad argument #1 to 'int64' (out of int64 range)", 2)
  end
  return core.json_decode(c)
end

return _M
