-- spec/support/ojson.lua: an order-keeping JSON representation for the
-- conformance tools.  The normaliser must walk objects in their insertion
-- order and serialise them the way Python's json.dumps does, which plain Lua
-- tables cannot give; so values here are:
--   object  -> table with metatable OBJECT: { keys = {k1, k2, ...}, map = {k = v} }
--   array   -> table with metatable ARRAY:  { n = N, [1..N] = v }
--   number  -> table with metatable NUMBER: { text = <Python repr of the number> }
--   string  -> Lua string (UTF-8 bytes);  true/false -> Lua booleans
--   null    -> ojson.null (a unique sentinel)
-- decode() follows Python's json.loads (strict: no control characters inside
-- strings; duplicate keys keep the first position and the last value; NaN
-- and Infinity are accepted as Python does); encode_py() follows json.dumps
-- with its defaults (", " and ": " separators, ensure_ascii).

local M = {}

local byte, char, sub, find, format = string.byte, string.char, string.sub, string.find, string.format
local concat, sort = table.concat, table.sort
local floor, huge = math.floor, math.huge
local setmetatable, getmetatable, type, tostring, tonumber = setmetatable, getmetatable, type, tostring, tonumber

local OBJECT = { __name = "ojson.object" }
local ARRAY = { __name = "ojson.array" }
local NUMBER = { __name = "ojson.number" }
M.null = setmetatable({}, { __name = "ojson.null", __tostring = function() return "null" end })
local null = M.null

function M.object() return setmetatable({ keys = {}, map = {} }, OBJECT) end
function M.array() return setmetatable({ n = 0 }, ARRAY) end

-- Set key k of object o to v (a new key goes last; an existing one keeps its place).
function M.set(o, k, v)
  if o.map[k] == nil then o.keys[#o.keys + 1] = k end
  o.map[k] = v
end

function M.push(a, v) a.n = a.n + 1; a[a.n] = v end

-- Kind of an ojson value: "object", "array", "number", "string", "boolean", "null".
function M.kind(v)
  local t = type(v)
  if t == "table" then
    local mt = getmetatable(v)
    if mt == OBJECT then return "object" end
    if mt == ARRAY then return "array" end
    if mt == NUMBER then return "number" end
    if v == null then return "null" end
  elseif t == "string" or t == "boolean" then
    return t
  end
  error("not an ojson value: " .. tostring(v), 2)
end
local kind = M.kind

-- Python's repr() of a float.
local function pyfloat(x)
  if x ~= x then return "NaN" end
  if x == huge then return "Infinity" end
  if x == -huge then return "-Infinity" end
  if x == 0 then return (1 / x < 0) and "-0.0" or "0.0" end
  local s
  for p = 0, 16 do
    s = format("%." .. p .. "e", x)
    if tonumber(s) == x then break end
  end
  local sign, d1, drest, e = s:match("^(%-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = (d1 .. drest):gsub("0+$", "")
  if digits == "" then digits = "0" end
  local exp = tonumber(e)
  if exp >= -4 and exp < 16 then
    local out
    if exp >= 0 then
      if #digits <= exp + 1 then
        out = digits .. string.rep("0", exp + 1 - #digits) .. ".0"
      else
        out = sub(digits, 1, exp + 1) .. "." .. sub(digits, exp + 2)
      end
    else
      out = "0." .. string.rep("0", -exp - 1) .. digits
    end
    return sign .. out
  end
  local mant = sub(digits, 1, 1)
  if #digits > 1 then mant = mant .. "." .. sub(digits, 2) end
  local es = exp < 0 and "-" or "+"
  local ea = exp < 0 and -exp or exp
  return sign .. mant .. "e" .. es .. (ea < 10 and "0" .. ea or tostring(ea))
end
M.pyfloat = pyfloat

-- A number node from JSON number text (as Python would parse and print it).
function M.number_from_text(text)
  if find(text, "^%-?%d+$") then
    if text == "-0" then text = "0" end
    return setmetatable({ text = text }, NUMBER)
  end
  return setmetatable({ text = pyfloat(tonumber(text)) }, NUMBER)
end

-- A number node from a Lua number (integers print as integers).
function M.number(x)
  local isint
  if math.type then
    isint = math.type(x) == "integer"
  else
    isint = x == floor(x) and x > -2 ^ 63 and x < 2 ^ 63
  end
  if isint then return setmetatable({ text = format("%d", x) }, NUMBER) end
  return setmetatable({ text = pyfloat(x) }, NUMBER)
end

---------------------------------------------------------------- decoding

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function utf8enc(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64, 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end
M.utf8enc = utf8enc

local function decode_error(msg, pos) error({ ojson_error = msg .. " at character " .. pos }, 0) end

local decode_value

local function skip_ws(s, i)
  local _, e = find(s, "^[ \t\n\r]*", i)
  return e + 1
end

local function decode_string(s, i) -- s[i] == '"'
  local parts, n = {}, 0
  local j = i + 1
  while true do
    local a = find(s, '["\\%c]', j)
    if not a then decode_error("unterminated string", i) end
    if a > j then n = n + 1; parts[n] = sub(s, j, a - 1) end
    local c = sub(s, a, a)
    if c == '"' then return concat(parts), a + 1 end
    if c ~= "\\" then decode_error("invalid control character", a) end
    local e = sub(s, a + 1, a + 1)
    if escapes[e] then
      n = n + 1; parts[n] = escapes[e]; j = a + 2
    elseif e == "u" then
      local hex = sub(s, a + 2, a + 5)
      if not find(hex, "^%x%x%x%x$") then decode_error("invalid \\uXXXX escape", a) end
      local cp = tonumber(hex, 16)
      j = a + 6
      if cp >= 0xD800 and cp <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
        local hex2 = sub(s, j + 2, j + 5)
        local lo = find(hex2, "^%x%x%x%x$") and tonumber(hex2, 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
          j = j + 6
        end
      end
      n = n + 1; parts[n] = utf8enc(cp)
    else
      decode_error("invalid escape", a)
    end
  end
end

local literals = { ["true"] = true, ["false"] = false, ["null"] = null }

function decode_value(s, i, depth)
  if depth > 1000 then decode_error("too deep", i) end
  i = skip_ws(s, i)
  local c = sub(s, i, i)
  if c == "{" then
    local o = M.object()
    i = skip_ws(s, i + 1)
    if sub(s, i, i) == "}" then return o, i + 1 end
    while true do
      if sub(s, i, i) ~= '"' then decode_error("expecting property name", i) end
      local k
      k, i = decode_string(s, i)
      i = skip_ws(s, i)
      if sub(s, i, i) ~= ":" then decode_error("expecting ':'", i) end
      local v
      v, i = decode_value(s, i + 1, depth + 1)
      M.set(o, k, v)
      i = skip_ws(s, i)
      c = sub(s, i, i)
      if c == "}" then return o, i + 1 end
      if c ~= "," then decode_error("expecting ',' or '}'", i) end
      i = skip_ws(s, i + 1)
    end
  elseif c == "[" then
    local a = M.array()
    i = skip_ws(s, i + 1)
    if sub(s, i, i) == "]" then return a, i + 1 end
    while true do
      local v
      v, i = decode_value(s, i, depth + 1)
      M.push(a, v)
      i = skip_ws(s, i)
      c = sub(s, i, i)
      if c == "]" then return a, i + 1 end
      if c ~= "," then decode_error("expecting ',' or ']'", i) end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  end
  -- Python's grammar: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
  local int = s:match("^%-?0", i) or s:match("^%-?[1-9]%d*", i)
  if int then
    local j = i + #int
    local frac = s:match("^%.%d+", j) or ""
    j = j + #frac
    local exp = s:match("^[eE][-+]?%d+", j) or ""
    local num = int .. frac .. exp
    return M.number_from_text(num), i + #num
  end
  for lit, v in pairs(literals) do
    if sub(s, i, i + #lit - 1) == lit then return v, i + #lit end
  end
  if sub(s, i, i + 2) == "NaN" then return setmetatable({ text = "NaN" }, NUMBER), i + 3 end
  if sub(s, i, i + 7) == "Infinity" then return setmetatable({ text = "Infinity" }, NUMBER), i + 8 end
  if sub(s, i, i + 8) == "-Infinity" then return setmetatable({ text = "-Infinity" }, NUMBER), i + 9 end
  decode_error("expecting value", i)
end

-- Parse JSON text (as Python's json.loads).  Returns value, or nil, message.
function M.decode(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local ok, v, i = pcall(decode_value, s, 1, 0)
  if not ok then
    if type(v) == "table" and v.ojson_error then return nil, v.ojson_error end
    error(v, 0)
  end
  i = skip_ws(s, i)
  if i <= #s then return nil, "extra data at character " .. i end
  return v
end

---------------------------------------------------------------- encoding

-- Decode one UTF-8 sequence at i: code point and next index (an invalid
-- byte stands for itself, as a latin-1 code point).
local function utf8dec(s, i)
  local c = byte(s, i)
  if c < 0x80 then return c, i + 1 end
  local n, cp
  if c >= 0xF0 and c < 0xF8 then n, cp = 3, c - 0xF0
  elseif c >= 0xE0 then n, cp = 2, c - 0xE0
  elseif c >= 0xC0 then n, cp = 1, c - 0xC0
  else return c, i + 1 end
  for k = 1, n do
    local b = byte(s, i + k)
    if not b or b < 0x80 or b >= 0xC0 then return c, i + 1 end
    cp = cp * 64 + (b - 0x80)
  end
  return cp, i + n + 1
end

local short = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
                ["\b"] = "\\b", ["\f"] = "\\f" }

-- A string as json.dumps(ensure_ascii=True) writes it.
local function py_string(s)
  if not find(s, '[%c"\\\128-\255]') then return '"' .. s .. '"' end
  local out, n, i = {}, 0, 1
  local len = #s
  while i <= len do
    local a = find(s, '[%c"\\\128-\255]', i)
    if not a then n = n + 1; out[n] = sub(s, i); break end
    if a > i then n = n + 1; out[n] = sub(s, i, a - 1) end
    local c = sub(s, a, a)
    if short[c] then
      n = n + 1; out[n] = short[c]; i = a + 1
    else
      local cp
      cp, i = utf8dec(s, a)
      if cp >= 0x10000 then
        local v = cp - 0x10000
        n = n + 1; out[n] = format("\\u%04x\\u%04x", 0xD800 + floor(v / 1024), 0xDC00 + v % 1024)
      else
        n = n + 1; out[n] = format("\\u%04x", cp)
      end
    end
  end
  return '"' .. concat(out) .. '"'
end
M.py_string = py_string

local function encode(v, buf, itemsep, keysep)
  local k = kind(v)
  if k == "object" then
    buf[#buf + 1] = "{"
    for idx, key in ipairs(v.keys) do
      if idx > 1 then buf[#buf + 1] = itemsep end
      buf[#buf + 1] = py_string(key)
      buf[#buf + 1] = keysep
      encode(v.map[key], buf, itemsep, keysep)
    end
    buf[#buf + 1] = "}"
  elseif k == "array" then
    buf[#buf + 1] = "["
    for idx = 1, v.n do
      if idx > 1 then buf[#buf + 1] = itemsep end
      encode(v[idx], buf, itemsep, keysep)
    end
    buf[#buf + 1] = "]"
  elseif k == "number" then
    buf[#buf + 1] = v.text
  elseif k == "string" then
    buf[#buf + 1] = py_string(v)
  elseif k == "boolean" then
    buf[#buf + 1] = v and "true" or "false"
  else
    buf[#buf + 1] = "null"
  end
end

-- JSON text as Python's json.dumps(v) writes it.
function M.encode_py(v)
  local buf = {}
  encode(v, buf, ", ", ": ")
  return concat(buf)
end

-- Compact JSON text (no spaces), as AWS writes payloads.
function M.encode(v)
  local buf = {}
  encode(v, buf, ",", ":")
  return concat(buf)
end

---------------------------------------------------------------- Lua values

local function is_null_like(v)
  if type(v) ~= "userdata" then return false end
  local mt = getmetatable(v)
  return mt == nil -- lightuserdata NULL: sfn.null / cjson.null
end

-- Convert a plain Lua value (as the engine hands them out: tables, numbers,
-- strings, booleans, sfn.null/cjson.null, sfn.int64 userdata) into ojson.
-- Objects get their keys in sorted order (Lua tables keep none).  An ojson
-- value passes through unchanged.
function M.from_lua(v)
  local t = type(v)
  if t == "string" or t == "boolean" then return v end
  if t == "number" then return M.number(v) end
  if t == "nil" then return null end
  if t == "userdata" then
    if is_null_like(v) then return null end
    local mt = getmetatable(v)
    local name = type(mt) == "table" and mt.__name
    if name == "sfn.int64" then return M.number_from_text(tostring(v)) end
    error("cannot convert userdata " .. tostring(name or v) .. " to JSON", 2)
  end
  if t ~= "table" then error("cannot convert a " .. t .. " to JSON", 2) end
  local mt = getmetatable(v)
  if mt == OBJECT or mt == ARRAY or mt == NUMBER or v == null then return v end
  local n = #v
  local name = type(mt) == "table" and mt.__name
  local arrayish = name == "sfn.array_mt" or (mt ~= nil and mt == M.cjson_array_mt)
  if not arrayish and n > 0 then
    local count = 0
    for _ in pairs(v) do count = count + 1 end
    arrayish = count == n
  end
  if arrayish then
    local a = M.array()
    for i = 1, n do M.push(a, M.from_lua(v[i])) end
    return a
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" then error("cannot convert a table with a " .. type(k) .. " key to JSON", 2) end
    keys[#keys + 1] = k
  end
  sort(keys)
  local o = M.object()
  for _, k in ipairs(keys) do M.set(o, k, M.from_lua(v[k])) end
  return o
end

do
  local ok, cjson = pcall(require, "cjson")
  if ok and type(cjson) == "table" then M.cjson_array_mt = cjson.array_mt end
end

---------------------------------------------------------------- comparison

local function int_text(t) return find(t, "^%-?%d+$") ~= nil end

local function num_equal(a, b)
  if a.text == b.text then return true end
  if int_text(a.text) and int_text(b.text) then return false end
  local x, y = tonumber(a.text), tonumber(b.text)
  if a.text == "NaN" or b.text == "NaN" then return false end
  if x == nil then x = (a.text == "Infinity") and huge or -huge end
  if y == nil then y = (b.text == "Infinity") and huge or -huge end
  return x == y
end

-- Differences between a (actual) and b (expected): a list of
-- { path = "$.a[0].b", actual = <json>, expected = <json> } (empty when
-- equal).  Objects compare without regard to key order, numbers by value.
function M.diff(a, b, path, out, limit)
  out = out or {}
  limit = limit or 20
  path = path or "$"
  if #out >= limit then return out end
  local ka, kb = kind(a), kind(b)
  local function add()
    out[#out + 1] = { path = path, actual = M.encode(a), expected = M.encode(b) }
  end
  if ka ~= kb then add(); return out end
  if ka == "object" then
    for _, k in ipairs(b.keys) do
      local p = path .. "." .. k
      if a.map[k] == nil then
        out[#out + 1] = { path = p, actual = "(absent)", expected = M.encode(b.map[k]) }
      else
        M.diff(a.map[k], b.map[k], p, out, limit)
      end
    end
    for _, k in ipairs(a.keys) do
      if b.map[k] == nil then
        out[#out + 1] = { path = path .. "." .. k, actual = M.encode(a.map[k]), expected = "(absent)" }
      end
    end
  elseif ka == "array" then
    if a.n ~= b.n then add(); return out end
    for i = 1, a.n do M.diff(a[i], b[i], path .. "[" .. (i - 1) .. "]", out, limit) end
  elseif ka == "number" then
    if not num_equal(a, b) then add() end
  elseif a ~= b then
    add()
  end
  return out
end

function M.equal(a, b) return #M.diff(a, b, "$", {}, 1) == 0 end

return M
