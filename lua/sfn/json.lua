-- sfn.json: strict JSON for sfn payloads, backed by the C codec (sfn.core).
--
--   local json = require "sfn.json"
--   local v, err = json.decode(text)   -- err = { code = "JSONError", message =, line =, column = }
--   local s, err = json.encode(value)  -- compact, keys of decoded objects in AWS-like order
--
-- Values: JSON null is json.null (a NULL lightuserdata, the same value as
-- cjson.null and sfn.null).  Arrays decode to tables with json.array_mt, so
-- `[]` encodes back as `[]`; json.array(t) marks a table as an array.  An
-- empty table without that metatable encodes as `{}` (a table carrying
-- lua-cjson's empty_array_mt or array_mt encodes as an array too).
--
-- int64: on Lua 5.4 integers are exact.  On LuaJIT, integers beyond 2^53
-- decode to an sfn.int64 userdata (tostring gives the digits, == compares)
-- that encodes back exactly; json.int64(s) builds one from a decimal string.
-- Objects decoded from text lose their key order in Lua tables (encode sorts
-- keys); keep a value in C (sfn.core) when order matters.
local core = require "sfn.core"

local type, error, getmetatable, setmetatable, pcall, require =
  type, error, getmetatable, setmetatable, pcall, require

local _M = { _VERSION = core._VERSION }

_M.null = core.null
_M.array_mt = core.array_mt

-- lua-cjson's array metatables, when lua-cjson is installed.
local cjson_mts = {}
do
  local ok, cjson = pcall(require, "cjson")
  if ok and type(cjson) == "table" then
    if cjson.empty_array_mt then cjson_mts[cjson.empty_array_mt] = true end
    if cjson.array_mt then cjson_mts[cjson.array_mt] = true end
  end
end

-- Mark t (default: a new table) as a JSON array and return it.
function _M.array(t)
  if t == nil then t = {} end
  if type(t) ~= "table" then
    error("bad argument #1 to 'array' (table expected, got " .. type(t) .. ")", 2)
  end
  return setmetatable(t, core.array_mt)
end

-- Copy tables marked with lua-cjson's array metatables onto ours; returns
-- value unchanged when there is none (the common case costs one walk).
local function has_cjson_arrays(v, depth)
  if type(v) ~= "table" or depth > 512 then return false end
  local mt = getmetatable(v)
  if mt and cjson_mts[mt] then return true end
  for _, x in pairs(v) do
    if type(x) == "table" and has_cjson_arrays(x, depth + 1) then return true end
  end
  return false
end

local function convert_cjson(v, seen)
  if type(v) ~= "table" then return v end
  if seen[v] then return seen[v] end
  local mt = getmetatable(v)
  local out = {}
  seen[v] = out
  for k, x in pairs(v) do out[k] = convert_cjson(x, seen) end
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
  if next(cjson_mts) and has_cjson_arrays(value, 0) then
    value = convert_cjson(value, {})
  end
  return core.json_encode(value)
end

return _M
