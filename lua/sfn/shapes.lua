-- sfn.shapes: the API model's shapes at work for sfn.client: client-side
-- validation of a request, its AWS JSON 1.0 body, and the decoding of a
-- response body, all driven by the generated tables in sfn.operations.
--
--   local shapes = require "sfn.shapes"
--   local problems = shapes.validate("StartExecutionInput", req)  -- nil or { {path=, message=}, ... }
--   local body, err = shapes.serialize("StartExecutionInput", req)  -- JSON text, members in model order
--   local res = shapes.decode("DescribeExecutionOutput", json.decode(text))
--   shapes.parse_timestamp("2024-01-02T03:04:05.5Z")  -- 1704164645.5, or nil
--
-- Validation checks what the model says: required members, unknown members,
-- Lua types against the model's types (string, boolean, integer, long,
-- float, timestamp, structure, list, map), enum values, min/max lengths
-- (Unicode characters for strings, entries for lists and maps) and min/max
-- ranges for numbers.  Patterns are left to the service.  Messages name the
-- member by its path (`loggingConfiguration.destinations[1].cloudWatchLogsLogGroup`,
-- list positions 1-based as in Lua) and never quote a member's value except
-- for enums, which are not secret.
local core = require "sfn.core"
local json = require "sfn.json"
local model = require "sfn.operations"
local iso8601 = require "sfn.iso8601"

local type, pairs, ipairs, tostring, tonumber, getmetatable, setmetatable, pcall, error =
  type, pairs, ipairs, tostring, tonumber, getmetatable, setmetatable, pcall, error
local floor, huge = math.floor, math.huge
local concat, sort = table.concat, table.sort
local string_format, string_byte, string_find, string_match =
  string.format, string.byte, string.find, string.match
local math_tointeger = math.tointeger   -- nil on LuaJIT

local _M = { _VERSION = core._VERSION }

local SHAPES = model.shapes
local null = json.null
local int64_mt = core.int64_mt
local array_mt = core.array_mt

-- member lookup tables, built once: shape name -> { member name -> shape name }
local member_index = {}
for name, s in pairs(SHAPES) do
  if s.type == "structure" then
    local idx = {}
    for _, m in ipairs(s.members) do idx[m[1]] = m[2] end
    member_index[name] = idx
  end
end
local enum_index = {}
for name, s in pairs(SHAPES) do
  if s.enum then
    local idx = {}
    for _, v in ipairs(s.enum) do idx[v] = true end
    enum_index[name] = idx
  end
end

---------------------------------------------------------------------------
-- helpers
---------------------------------------------------------------------------

local function is_int64(v)
  return type(v) == "userdata" and getmetatable(v) == int64_mt
end

-- Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF);
-- returns the number of characters, or nil when s is not valid UTF-8.
local function utf8_length(s)
  if not string_find(s, "[\128-\255]") then return #s end
  local i, n, len = 1, #s, 0
  while i <= n do
    local c = string_byte(s, i)
    local need, lo, hi = 0, 0x80, 0xBF
    if c < 0x80 then need = 0
    elseif c >= 0xC2 and c <= 0xDF then need = 1
    elseif c == 0xE0 then need, lo = 2, 0xA0
    elseif c == 0xED then need, hi = 2, 0x9F
    elseif c >= 0xE1 and c <= 0xEF then need = 2
    elseif c == 0xF0 then need, lo = 3, 0x90
    elseif c == 0xF4 then need, hi = 3, 0x8F
    elseif c >= 0xF1 and c <= 0xF3 then need = 3
    else return nil end
    for k = 1, need do
      local b = string_byte(s, i + k)
      if not b then return nil end
      if k == 1 then
        if b < lo or b > hi then return nil end
      elseif b < 0x80 or b > 0xBF then
        return nil
      end
    end
    i = i + need + 1
    len = len + 1
  end
  return len
end
_M.utf8_length = utf8_length

-- Is t a sequence 1..n (an empty table counts)?  Returns n or nil.
local function array_length(t)
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k ~= floor(k) then return nil end
    if k > n then n = k end
  end
  for i = 1, n do
    if t[i] == nil then return nil end
  end
  return n
end

local function type_name(v)
  if v == null then return "null" end
  if is_int64(v) then return "integer" end
  if type(v) == "number" and v == floor(v) and v > -huge and v < huge then return "integer" end
  return type(v)
end

local function integral(v)
  if math_tointeger then return math_tointeger(v) or v end
  return v
end

-- Epoch seconds of an ISO 8601 date-time (UTC "Z" or a +hh:mm offset), or
-- of a decimal number in a string; nil when the text is neither.
function _M.parse_timestamp(s)
  if type(s) ~= "string" then return nil end
  if string_match(s, "^%s*%-?%d+%.?%d*%s*$") then return integral(tonumber(s)) end
  -- sfn.iso8601 parses the date-time; one without a zone is taken as UTC
  local t = iso8601.parse(s)
  if not t and string_match(s, "[%d%.]$") then t = iso8601.parse(s .. "Z") end
  return t and integral(t)
end

---------------------------------------------------------------------------
-- validation
---------------------------------------------------------------------------

local check

local function problem(out, path, fmt, ...)
  out[#out + 1] = { path = path, message = path .. ": " .. string_format(fmt, ...) }
end

local function check_length(out, path, s, n)
  if s.min and n < s.min then
    problem(out, path, "length %d is below the minimum of %d", n, s.min)
  elseif s.max and n > s.max then
    problem(out, path, "length %d is above the maximum of %d", n, s.max)
  end
end

local function fmt_num(v)
  if v == floor(v) and v > -1e15 and v < 1e15 then return string_format("%d", v) end
  return string_format("%.17g", v)
end

local function check_range(out, path, s, v)
  if s.min and v < s.min then
    problem(out, path, "%s is below the minimum of %s", fmt_num(v), fmt_num(s.min))
  elseif s.max and v > s.max then
    problem(out, path, "%s is above the maximum of %s", fmt_num(v), fmt_num(s.max))
  end
end

local function child(path, name)
  if path == "" then return name end
  return path .. "." .. name
end

local function check_structure(out, shape_name, s, v, path)
  local idx = member_index[shape_name]
  for _, r in ipairs(s.required or {}) do
    if v[r] == nil then problem(out, child(path, r), "required member is missing") end
  end
  -- unknown members, in a stable order
  local unknown
  for k in pairs(v) do
    if type(k) ~= "string" or not idx[k] then
      unknown = unknown or {}
      unknown[#unknown + 1] = tostring(k)
    end
  end
  if unknown then
    sort(unknown)
    for _, k in ipairs(unknown) do
      problem(out, child(path, k), "not a member of %s", shape_name)
    end
  end
  for _, m in ipairs(s.members) do
    local x = v[m[1]]
    if x ~= nil then check(out, m[2], x, child(path, m[1])) end
  end
end

function check(out, shape_name, v, path)
  local s = SHAPES[shape_name]
  local t = s.type
  if t == "structure" then
    if type(v) ~= "table" or getmetatable(v) == array_mt then
      return problem(out, path, "expected a table (structure), got %s", type_name(v))
    end
    return check_structure(out, shape_name, s, v, path)
  elseif t == "string" then
    if type(v) ~= "string" then
      return problem(out, path, "expected a string, got %s", type_name(v))
    end
    local n = utf8_length(v)
    if not n then return problem(out, path, "not valid UTF-8") end
    local enum = enum_index[shape_name]
    if enum and not enum[v] then
      if s.sensitive then return problem(out, path, "not one of %s", concat(s.enum, ", ")) end
      return problem(out, path, "%q is not one of %s", v, concat(s.enum, ", "))
    end
    return check_length(out, path, s, n)
  elseif t == "boolean" then
    if type(v) ~= "boolean" then
      return problem(out, path, "expected a boolean, got %s", type_name(v))
    end
  elseif t == "integer" or t == "long" then
    if is_int64(v) then
      if t == "integer" then
        return problem(out, path, "expected an integer from -2147483648 to 2147483647")
      end
      if s.min and s.min >= 0 and string_find(tostring(v), "^%-") then
        return problem(out, path, "%s is below the minimum of %s", tostring(v), fmt_num(s.min))
      end
      return
    end
    if type(v) ~= "number" or v ~= floor(v) or v == huge or v == -huge then
      return problem(out, path, "expected an integer, got %s", type(v) == "number" and "a fraction" or type_name(v))
    end
    if t == "integer" and (v < -2147483648 or v > 2147483647) then
      return problem(out, path, "expected an integer from -2147483648 to 2147483647")
    end
    return check_range(out, path, s, v)
  elseif t == "float" or t == "double" then
    if type(v) ~= "number" or v ~= v or v == huge or v == -huge then
      return problem(out, path, "expected a finite number, got %s", type(v) == "number" and "a non-finite number" or type_name(v))
    end
    return check_range(out, path, s, v)
  elseif t == "timestamp" then
    if type(v) == "number" then return end
    if type(v) == "string" and _M.parse_timestamp(v) then return end
    return problem(out, path, "expected a timestamp (epoch seconds or ISO 8601 text), got %s", type_name(v))
  elseif t == "list" then
    local n = type(v) == "table" and array_length(v)
    if not n then
      return problem(out, path, "expected a list (a sequence table), got %s", type(v) == "table" and "a table with other keys" or type_name(v))
    end
    check_length(out, path, s, n)
    for i = 1, n do check(out, s.member, v[i], path .. "[" .. i .. "]") end
  elseif t == "map" then
    if type(v) ~= "table" or getmetatable(v) == array_mt then
      return problem(out, path, "expected a table (map), got %s", type_name(v))
    end
    local n, keys = 0, {}
    for k in pairs(v) do
      n = n + 1
      keys[n] = k
    end
    check_length(out, path, s, n)
    sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local kp = path .. "[" .. string_format("%q", tostring(k)) .. "]"
      if type(k) ~= "string" then
        problem(out, kp, "map keys must be strings, got %s", type(k))
      else
        local before = #out
        check(out, s.key, k, kp .. " (key)")
        if #out == before then check(out, s.value, v[k], kp) end
      end
    end
  else
    return problem(out, path, "shape type %s is not supported", t)
  end
end

-- Problems with request v for input shape shape_name: nil when there are
-- none, else a list of { path =, message = } in a stable order.
function _M.validate(shape_name, v)
  local out = {}
  check(out, shape_name, v, "")
  if #out == 0 then return nil end
  return out
end

---------------------------------------------------------------------------
-- serialization (after validation): members in the model's order
---------------------------------------------------------------------------

local encode_value

local function enc_leaf(v)
  local s, err = json.encode(v)
  if not s then error(err, 0) end
  return s
end

function encode_value(out, shape_name, v)
  local s = SHAPES[shape_name]
  local t = s.type
  if t == "structure" then
    out[#out + 1] = "{"
    local first = true
    for _, m in ipairs(s.members) do
      local x = v[m[1]]
      if x ~= nil then
        if not first then out[#out + 1] = "," end
        first = false
        out[#out + 1] = enc_leaf(m[1])
        out[#out + 1] = ":"
        encode_value(out, m[2], x)
      end
    end
    out[#out + 1] = "}"
  elseif t == "list" then
    out[#out + 1] = "["
    for i = 1, #v do
      if i > 1 then out[#out + 1] = "," end
      encode_value(out, s.member, v[i])
    end
    out[#out + 1] = "]"
  elseif t == "map" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = enc_leaf(k)
      out[#out + 1] = ":"
      encode_value(out, s.value, v[k])
    end
    out[#out + 1] = "}"
  elseif t == "timestamp" then
    if type(v) == "string" then v = _M.parse_timestamp(v) end
    out[#out + 1] = enc_leaf(v)
  else
    out[#out + 1] = enc_leaf(v)
  end
end

-- The JSON body of a (validated) request.  Returns text, or nil, message.
function _M.serialize(shape_name, v)
  local out = {}
  local ok, err = pcall(encode_value, out, shape_name, v or {})
  if not ok then return nil, tostring(err) end
  return concat(out)
end

---------------------------------------------------------------------------
-- response decoding
---------------------------------------------------------------------------

local decode_value

function decode_value(shape_name, v)
  local s = SHAPES[shape_name]
  if not s or v == null then return v end
  local t = s.type
  if t == "structure" then
    if type(v) ~= "table" then return v end
    local out = {}
    for _, m in ipairs(s.members) do
      local x = v[m[1]]
      if x ~= nil and x ~= null then out[m[1]] = decode_value(m[2], x) end
    end
    return out
  elseif t == "list" then
    if type(v) ~= "table" then return v end
    local out = setmetatable({}, array_mt)
    for i = 1, #v do out[i] = decode_value(s.member, v[i]) end
    return out
  elseif t == "map" then
    if type(v) ~= "table" then return v end
    local out = {}
    for k, x in pairs(v) do out[k] = decode_value(s.value, x) end
    return out
  elseif t == "timestamp" then
    if type(v) == "number" then return integral(v) end
    return _M.parse_timestamp(v) or v
  end
  return v
end

-- The response table for output shape shape_name from a decoded JSON body:
-- only modeled members (as botocore does), JSON nulls dropped from
-- structures, timestamps as epoch seconds (numbers; ISO 8601 text converted).
function _M.decode(shape_name, v)
  if v == nil or v == null then v = {} end
  return decode_value(shape_name, v)
end

-- Members of exception shape shape_name other than message, from body v.
function _M.error_fields(shape_name, v)
  local s = SHAPES[shape_name]
  if not s or not s.exception or type(v) ~= "table" then return nil end
  local out
  for _, m in ipairs(s.members) do
    local x = v[m[1]]
    if m[1] ~= "message" and x ~= nil and x ~= null then
      out = out or {}
      out[m[1]] = decode_value(m[2], x)
    end
  end
  return out
end

_M.shapes = SHAPES
_M.is_int64 = is_int64
_M.array_length = array_length

return _M
