-- sfn.service.validation: a request checked against the API model
-- (sfn.operations) as the service checks it, with AWS's messages:
--   ValidationException "1 validation error detected: Value 'x' at 'name'
--   failed to satisfy constraint: Member must have length less than or
--   equal to 80" (required members, string/list/map lengths, number ranges,
--   enums; list members named `<list>.<n>.member`, 1-based, as AWS does);
--   SerializationException when a member has the wrong JSON type.
local model = require "sfn.operations"
local json = require "sfn.json"
local core = require "sfn.core"
local errors = require "sfn.service.errors"
local shapes_mod = require "sfn.shapes"

local type, pairs, ipairs, tostring, getmetatable = type, pairs, ipairs, tostring, getmetatable
local concat = table.concat
local floor = math.floor

local _M = {}

local SHAPES = model.shapes
local null = json.null
local utf8_length = shapes_mod.utf8_length
local is_int64 = shapes_mod.is_int64

local function num_text(v)
  if is_int64(v) then return tostring(v) end
  if v == floor(v) and v > -1e15 and v < 1e15 then return string.format("%d", v) end
  return tostring(v)
end

-- A value as AWS's (Java) validator prints it: structures as
-- Shape(member=value, ...), lists as [a, b], strings bare.
local function java_text(shape_name, v)
  local s = SHAPES[shape_name]
  if v == nil or v == null then return "null" end
  if s and s.type == "structure" and type(v) == "table" then
    local parts = {}
    for _, m in ipairs(s.members) do
      if v[m[1]] ~= nil and v[m[1]] ~= null then parts[#parts + 1] = m[1] .. "=" .. java_text(m[2], v[m[1]]) end
    end
    return shape_name .. "(" .. concat(parts, ", ") .. ")"
  elseif s and s.type == "list" and type(v) == "table" then
    local parts = {}
    for i = 1, #v do parts[i] = java_text(s.member, v[i]) end
    return "[" .. concat(parts, ", ") .. "]"
  elseif type(v) == "number" or is_int64(v) then
    return num_text(v)
  end
  return tostring(v)
end

local function value_text(v, shape_name)
  if v == nil or v == null then return "null" end
  if type(v) == "table" and shape_name then return "'" .. java_text(shape_name, v) .. "'" end
  if type(v) == "number" or is_int64(v) then return "'" .. num_text(v) .. "'" end
  if type(v) == "string" then return "'" .. v .. "'" end
  if type(v) == "boolean" then return "'" .. tostring(v) .. "'" end
  return "'" .. tostring(json.encode(v) or "?") .. "'"
end

local function is_array(v)
  if type(v) ~= "table" then return false end
  if getmetatable(v) == json.array_mt then return true end
  if next(v) == nil then return true end
  return v[1] ~= nil
end

local function problem(out, v, path, constraint, shape_name)
  out[#out + 1] = { value = value_text(v, shape_name), path = path, constraint = constraint }
end

local check

local function join(path, name)
  if path == "" then return name end
  return path .. "." .. name
end

-- Walks value v of shape `name`; problems go to out, a type mismatch raises
-- a SerializationException through `bad`.
function check(out, bad, name, v, path)
  local s = SHAPES[name]
  if not s then return end
  local t = s.type
  if t == "structure" then
    if type(v) ~= "table" or is_array(v) and next(v) ~= nil then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a structure was expected"
      return
    end
    local req = {}
    for _, r in ipairs(s.required or {}) do req[r] = true end
    for _, m in ipairs(s.members) do
      local x = v[m[1]]
      local p = join(path, m[1])
      if x == nil or x == null then
        if req[m[1]] then problem(out, nil, p, "Member must not be null") end
      else
        check(out, bad, m[2], x, p)
      end
    end
  elseif t == "list" then
    if not is_array(v) then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a list was expected"
      return
    end
    local n = #v
    if s.max and n > s.max then
      problem(out, v, path, "Member must have length less than or equal to " .. s.max, name)
    elseif s.min and n < s.min then
      problem(out, v, path, "Member must have length greater than or equal to " .. s.min, name)
    end
    for i = 1, n do
      local x = v[i]
      local p = path .. "." .. i .. ".member"
      if x == null then
        problem(out, nil, p, "Member must not be null")
      else
        check(out, bad, s.member, x, p)
      end
    end
  elseif t == "map" then
    if type(v) ~= "table" then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a map was expected"
      return
    end
    for k, x in pairs(v) do check(out, bad, s.value, x, path .. "." .. tostring(k)) end
  elseif t == "string" then
    if type(v) ~= "string" then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a string was expected"
      return
    end
    if s.enum then
      local ok = false
      for _, e in ipairs(s.enum) do if e == v then ok = true break end end
      if not ok then
        problem(out, v, path, "Member must satisfy enum value set: [" .. concat(s.enum, ", ") .. "]")
      end
      return
    end
    local n = utf8_length(v) or #v
    if s.max and n > s.max then
      problem(out, v, path, "Member must have length less than or equal to " .. s.max)
    elseif s.min and n < s.min then
      problem(out, v, path, "Member must have length greater than or equal to " .. s.min)
    end
  elseif t == "integer" or t == "long" or t == "float" or t == "double" then
    if type(v) ~= "number" and not is_int64(v) then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a number was expected"
      return
    end
    local x = is_int64(v) and tonumber(tostring(v)) or v
    if s.max and x > s.max then
      problem(out, v, path, "Member must have value less than or equal to " .. num_text(s.max))
    elseif s.min and x < s.min then
      problem(out, v, path, "Member must have value greater than or equal to " .. num_text(s.min))
    end
  elseif t == "boolean" then
    if type(v) ~= "boolean" then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a boolean was expected"
    end
  elseif t == "timestamp" then
    if type(v) ~= "number" and type(v) ~= "string" then
      bad[#bad + 1] = "Unexpected value at '" .. path .. "': a timestamp was expected"
    end
  end
end

-- validation.request(op, req) -> true | nil, err   (op: sfn.operations entry)
function _M.request(op, req)
  if req == nil or req == null then req = {} end
  local out, bad = {}, {}
  check(out, bad, op.input, req, "")
  if #bad > 0 then
    return errors.fail("SerializationException", bad[1])
  end
  if #out > 0 then return errors.constraint(out) end
  return true
end

return _M
