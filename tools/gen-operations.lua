#!/usr/bin/env lua5.4
-- tools/gen-operations.lua: generates lua/sfn/operations.lua, the table that
-- drives sfn.client, from the Step Functions API model (botocore's JSON form)
-- kept in spec/fixtures/api-model/ (see SOURCE.md there).
--
--   lua5.4 tools/gen-operations.lua [MODEL_DIR] [OUT_FILE]
--
-- The output is committed; nothing regenerates it at build time.  Rerun this
-- script after updating the model copy and commit both.
--
-- What is kept from the model: per operation its snake_case name, the
-- X-Amz-Target, the endpoint host prefix, input/output/error shapes and the
-- idempotent flag; per shape (every shape reachable from an operation) its
-- type, required members, members in model order (with idempotencyToken),
-- list member / map key and value, enum values, min/max (lengths for strings,
-- lists and maps; ranges for numbers), sensitive and exception flags; and the
-- paginators.  Documentation and patterns are dropped.

local MODEL_DIR = arg[1] or "spec/fixtures/api-model/botocore-stepfunctions-2016-11-23"
local OUT_FILE = arg[2] or "lua/sfn/operations.lua"

---------------------------------------------------------------------------
-- A small JSON reader that keeps object key order (the model's member order
-- becomes the order members are written in request bodies).
---------------------------------------------------------------------------

local OBJ = {}   -- metatable marking decoded objects; keys in t[OBJ] order

local function json_decode(text)
  local pos = 1
  local function fail(msg)
    error(string.format("JSON: %s at byte %d", msg, pos), 0)
  end
  local function ws()
    pos = text:find("[^ \t\r\n]", pos) or #text + 1
  end
  local value
  local function utf8_of(cp) return utf8.char(cp) end
  local function str()
    pos = pos + 1
    local out = {}
    while true do
      local s, e = text:find('["\\]', pos)
      if not s then fail("unterminated string") end
      out[#out + 1] = text:sub(pos, s - 1)
      if text:sub(s, s) == '"' then pos = e + 1; break end
      local c = text:sub(s + 1, s + 1)
      local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
      if map[c] then
        out[#out + 1] = map[c]; pos = s + 2
      elseif c == "u" then
        local cp = tonumber(text:sub(s + 2, s + 5), 16) or fail("bad \\u escape")
        pos = s + 6
        if cp >= 0xD800 and cp <= 0xDBFF and text:sub(pos, pos + 1) == "\\u" then
          local lo = tonumber(text:sub(pos + 2, pos + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00); pos = pos + 6
          end
        end
        out[#out + 1] = utf8_of(cp)
      else
        fail("bad escape")
      end
    end
    return table.concat(out)
  end
  function value()
    ws()
    local c = text:sub(pos, pos)
    if c == "{" then
      local t, order = {}, {}
      pos = pos + 1; ws()
      if text:sub(pos, pos) == "}" then pos = pos + 1; return setmetatable(t, { [OBJ] = order }) end
      while true do
        ws()
        if text:sub(pos, pos) ~= '"' then fail("expected key") end
        local k = str(); ws()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        if t[k] == nil then order[#order + 1] = k end
        t[k] = value(); ws()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "}" then break elseif d ~= "," then fail("expected ',' or '}'") end
      end
      return setmetatable(t, { [OBJ] = order })
    elseif c == "[" then
      local t = {}
      pos = pos + 1; ws()
      if text:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value(); ws()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "]" then break elseif d ~= "," then fail("expected ',' or ']'") end
      end
      return t
    elseif c == '"' then
      return str()
    elseif text:find("^true", pos) then pos = pos + 4; return true
    elseif text:find("^false", pos) then pos = pos + 5; return false
    elseif text:find("^null", pos) then pos = pos + 4; return nil
    else
      local s, e = text:find("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if not s then fail("unexpected character") end
      pos = e + 1
      return math.tointeger(tonumber(text:sub(s, e))) or tonumber(text:sub(s, e))
    end
  end
  local v = value(); ws()
  if pos <= #text then fail("trailing data") end
  return v
end

local function keys_in_order(t)
  local mt = getmetatable(t)
  return mt and mt[OBJ] or {}
end

local function read_json(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return json_decode(text)
end

---------------------------------------------------------------------------
-- Model -> tables
---------------------------------------------------------------------------

-- botocore's xform_name for these operation names: split before each capital.
local function snake(name)
  local s = name:gsub("(%l)(%u)", "%1_%2"):gsub("(%u)(%u%l)", "%1_%2")
  return s:lower()
end

local service = read_json(MODEL_DIR .. "/service-2.json")
local paginators = read_json(MODEL_DIR .. "/paginators-1.json")
local meta = service.metadata

local ops = {}          -- snake name -> op table
local op_names = {}     -- snake names in model order
local shapes_used = {}  -- shape name -> true
local function use_shape(name)
  if shapes_used[name] then return end
  local s = service.shapes[name] or error("unknown shape " .. name)
  shapes_used[name] = true
  if s.type == "structure" then
    for _, m in ipairs(keys_in_order(s.members)) do use_shape(s.members[m].shape) end
  elseif s.type == "list" then
    use_shape(s.member.shape)
  elseif s.type == "map" then
    use_shape(s.key.shape); use_shape(s.value.shape)
  end
end

for _, opname in ipairs(keys_in_order(service.operations)) do
  local o = service.operations[opname]
  assert(o.http.method == "POST" and o.http.requestUri == "/", opname .. ": not POST /")
  local sn = snake(opname)
  local errors = {}
  for _, e in ipairs(o.errors or {}) do errors[#errors + 1] = e.shape; use_shape(e.shape) end
  ops[sn] = {
    name = opname,
    target = meta.targetPrefix .. "." .. opname,
    host_prefix = o.endpoint and o.endpoint.hostPrefix or nil,
    input = o.input and o.input.shape or nil,
    output = o.output and o.output.shape or nil,
    errors = errors,
    idempotent = o.idempotent or nil,
  }
  if o.input then use_shape(o.input.shape) end
  if o.output then use_shape(o.output.shape) end
  op_names[#op_names + 1] = sn
end

local pages = {}
for _, opname in ipairs(keys_in_order(paginators.pagination)) do
  local p = paginators.pagination[opname]
  local sn = snake(opname)
  assert(ops[sn], "paginator for unknown operation " .. opname)
  pages[sn] = { input_token = p.input_token, output_token = p.output_token,
                limit_key = p.limit_key, result_key = p.result_key }
end

---------------------------------------------------------------------------
-- Writer: stable, sorted output so a rerun gives the same bytes.
---------------------------------------------------------------------------

local out = {}
local function w(s) out[#out + 1] = s end

local function q(s) return string.format("%q", s) end

local function ident_or_key(k)
  if k:match("^[%a_][%w_]*$") then return k end
  return "[" .. q(k) .. "]"
end

local function num(v)
  if math.type(v) == "integer" then return tostring(v) end
  return string.format("%.17g", v)
end

local function sorted(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

w("-- lua/sfn/operations.lua: GENERATED by tools/gen-operations.lua from the AWS\n")
w("-- Step Functions API model (spec/fixtures/api-model/, botocore's service-2.json\n")
w("-- and paginators-1.json, Apache-2.0).  Do not edit; rerun the generator.\n")
w("--\n")
w("-- operations[snake_name] = { name, target (X-Amz-Target), host_prefix, input,\n")
w("--   output (shape names), errors, idempotent }\n")
w("-- shapes[name] = { type, required, members = { { name, shape, idempotency_token } },\n")
w("--   member (list), key/value (map), enum, min, max, sensitive, exception }\n")
w("-- paginators[snake_name] = { input_token, output_token, limit_key, result_key }\n")
w("return {\n")
w("  metadata = {\n")
w("    api_version = " .. q(meta.apiVersion) .. ",\n")
w("    endpoint_prefix = " .. q(meta.endpointPrefix) .. ",\n")
w("    json_version = " .. q(meta.jsonVersion) .. ",\n")
w("    protocol = " .. q(meta.protocol) .. ",\n")
w("    service_id = " .. q(meta.serviceId) .. ",\n")
w("    signing_name = " .. q(meta.signingName or meta.endpointPrefix) .. ",\n")
w("    target_prefix = " .. q(meta.targetPrefix) .. ",\n")
w("  },\n")

w("  -- the operations in the model's order\n")
w("  names = {\n")
for _, sn in ipairs(op_names) do w("    " .. q(sn) .. ",\n") end
w("  },\n")

w("  operations = {\n")
for _, sn in ipairs(sorted(ops)) do
  local o = ops[sn]
  w("    " .. sn .. " = {\n")
  w("      name = " .. q(o.name) .. ",\n")
  w("      target = " .. q(o.target) .. ",\n")
  if o.host_prefix then w("      host_prefix = " .. q(o.host_prefix) .. ",\n") end
  if o.input then w("      input = " .. q(o.input) .. ",\n") end
  if o.output then w("      output = " .. q(o.output) .. ",\n") end
  if o.idempotent then w("      idempotent = true,\n") end
  local es = {}
  for _, e in ipairs(o.errors) do es[#es + 1] = q(e) end
  w("      errors = { " .. table.concat(es, ", ") .. " },\n")
  w("    },\n")
end
w("  },\n")

w("  shapes = {\n")
for _, name in ipairs(sorted(shapes_used)) do
  local s = service.shapes[name]
  w("    " .. ident_or_key(name) .. " = { type = " .. q(s.type))
  if s.min ~= nil then w(", min = " .. num(s.min)) end
  if s.max ~= nil then w(", max = " .. num(s.max)) end
  if s.sensitive then w(", sensitive = true") end
  if s.exception then w(", exception = true") end
  if s.type == "list" then w(", member = " .. q(s.member.shape)) end
  if s.type == "map" then w(", key = " .. q(s.key.shape) .. ", value = " .. q(s.value.shape)) end
  if s.enum then
    local vs = {}
    for _, v in ipairs(s.enum) do vs[#vs + 1] = q(v) end
    w(",\n      enum = { " .. table.concat(vs, ", ") .. " }")
  end
  if s.type == "structure" then
    if s.required and #s.required > 0 then
      local rs = {}
      for _, r in ipairs(s.required) do rs[#rs + 1] = q(r) end
      w(",\n      required = { " .. table.concat(rs, ", ") .. " }")
    end
    w(",\n      members = {")
    local ms = keys_in_order(s.members)
    if #ms == 0 then
      w(" },\n    },\n")
    else
      w("\n")
      for _, m in ipairs(ms) do
        local mm = s.members[m]
        w("        { " .. q(m) .. ", " .. q(mm.shape))
        if mm.idempotencyToken then w(", idempotency_token = true") end
        w(" },\n")
      end
      w("      },\n    },\n")
    end
  else
    w(" },\n")
  end
end
w("  },\n")

w("  paginators = {\n")
for _, sn in ipairs(sorted(pages)) do
  local p = pages[sn]
  w("    " .. sn .. " = { input_token = " .. q(p.input_token) .. ", output_token = " ..
    q(p.output_token) .. ", limit_key = " .. q(p.limit_key) .. ", result_key = " ..
    q(p.result_key) .. " },\n")
end
w("  },\n")
w("}\n")

local f = assert(io.open(OUT_FILE, "wb"))
f:write(table.concat(out))
f:close()
io.stderr:write(string.format("gen-operations: %d operations, %d shapes, %d paginators -> %s\n",
  #op_names, #sorted(shapes_used), #sorted(pages), OUT_FILE))
