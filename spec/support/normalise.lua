-- spec/support/normalise.lua: the normalisation of the asl-conformance case
-- files (spec/fixtures/asl-conformance/README.md, "The normalisation
-- algorithm, step by step"), so that a value produced by the engine can be
-- compared with what was recorded on AWS.
--
--   local normalise = require "support.normalise"
--   local v = normalise.apply(value, case.normalise)   -- ojson value
--   normalise.diff(v, expected)                        -- {} when equal
--
-- `value` is an ojson value (spec/support/ojson.lua) or a plain Lua value
-- (converted with sorted object keys, the order the recorded histories use).
-- Rules: key_value, regex (Python regex subset, spec/support/pyregex.lua),
-- cause_json_reference, uuid_reference; any other rule type raises.
-- jsonpath rules are information only in the README's algorithm and are
-- ignored by default; with opts.jsonpath they are applied too (after the
-- key_value rules, value replacement only: `$`, `.name`, `..name` paths),
-- which is how the recorder masked values such as random numbers, and the
-- only way to compare those cases.

local ojson = require "support.ojson"
local pyregex = require "support.pyregex"

local M = {}

local kind = ojson.kind
local sub, find, gsub = string.sub, string.find, string.gsub

local UUID = pyregex.compile("[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}")
local CAUSE_JSON = pyregex.compile(".*'({.*})'")
local ID_KEY = pyregex.compile("(?i)id$")
-- LocalStack's ISO-8601 pattern (also the `date` regex rule of every case).
local ISO8601 = pyregex.compile("(?:[1-9]\\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-][01]\\d:?([0-5]\\d)?)")

local function is_scalar(v)
  local k = kind(v)
  return k ~= "object" and k ~= "array"
end

-- Depth-first walk in key order: fn(key_or_index, value, parent) for every
-- member of every container (pre-order); fn may return a replacement value.
local function walk(v, fn)
  local k = kind(v)
  if k == "object" then
    for _, key in ipairs(v.keys) do
      local r = fn(key, v.map[key], v)
      if r ~= nil then v.map[key] = r end
      walk(v.map[key], fn)
    end
  elseif k == "array" then
    for i = 1, v.n do
      local r = fn(i, v[i], v)
      if r ~= nil then v[i] = r end
      walk(v[i], fn)
    end
  end
end

local function deep_copy(v)
  local k = kind(v)
  if k == "object" then
    local o = ojson.object()
    for _, key in ipairs(v.keys) do ojson.set(o, key, deep_copy(v.map[key])) end
    return o
  elseif k == "array" then
    local a = ojson.array()
    for i = 1, v.n do ojson.push(a, deep_copy(v[i])) end
    return a
  end
  return v
end

local function parse_brace_string(v)
  if type(v) == "string" and sub(v, 1, 1) == "{" then
    local parsed = ojson.decode(v)
    if parsed ~= nil then return parsed end
  end
  return nil
end

-- Step 1: every string value starting with "{" that parses becomes JSON
-- (one level: strings inside the parsed value are left as they are).
local function parse_braces(v)
  local top = parse_brace_string(v)
  if top then return top end
  local function visit(c)
    local k = kind(c)
    if k == "object" then
      for _, key in ipairs(c.keys) do
        local p = parse_brace_string(c.map[key])
        if p then c.map[key] = p else visit(c.map[key]) end
      end
    elseif k == "array" then
      for i = 1, c.n do
        local p = parse_brace_string(c[i])
        if p then c[i] = p else visit(c[i]) end
      end
    end
  end
  visit(v)
  return v
end

-- Step 2: one key_value rule.
local function apply_key_value(v, rule)
  local re = pyregex.get(rule.key_regex)
  walk(v, function(key, val, parent)
    if type(key) ~= "string" or not is_scalar(val) then return nil end
    if not re:search(key) then return nil end
    if rule.unless_iso8601 and type(val) == "string" and ISO8601:match(val) then return nil end
    return rule.replacement
  end)
end

-- Step 3: the strings S that a `cause` key holds as '...'({JSON})'...'.
local function collect_cause_json(v)
  local seen, list = {}, {}
  walk(v, function(key, val)
    if key == "cause" and type(val) == "string" then
      local e, caps = CAUSE_JSON:match(val)
      if e then
        local s = pyregex.group(val, caps, 1)
        if s and ojson.decode(s) ~= nil and not seen[s] then
          seen[s] = true
          list[#list + 1] = s
        end
      end
    end
  end)
  return list
end

-- Step 4: UUID strings under keys ending in "id" (any case).
local function collect_uuids(v)
  local seen, list = {}, {}
  walk(v, function(key, val)
    if type(key) == "string" and type(val) == "string" and ID_KEY:search(key)
        and UUID:fullmatch(val) and not seen[val] then
      seen[val] = true
      list[#list + 1] = val
    end
  end)
  return list
end

-- Locations (parent, key) that a `$(.name|..name)*` path selects in v.
local function select_path(v, path)
  if sub(path, 1, 1) ~= "$" then error("normalise: unsupported jsonpath " .. path, 3) end
  local steps, rest = {}, sub(path, 2)
  while rest ~= "" do
    local dots, name, after = rest:match("^(%.%.?)([%w_%-]+)(.*)$")
    if not dots then error("normalise: unsupported jsonpath " .. path, 3) end
    steps[#steps + 1] = { deep = dots == "..", name = name }
    rest = after
  end
  local nodes = { v }
  local locs = {}
  for idx, step in ipairs(steps) do
    local found = {}
    local function take(node)
      if kind(node) == "object" and node.map[step.name] ~= nil then
        found[#found + 1] = { parent = node, key = step.name }
      end
    end
    for _, node in ipairs(nodes) do
      if step.deep then
        take(node)
        walk(node, function(_, child) take(child) end)
      else
        take(node)
      end
    end
    if idx == #steps then locs = found end
    nodes = {}
    for _, l in ipairs(found) do nodes[#nodes + 1] = l.parent.map[l.key] end
  end
  return locs
end

local function apply_jsonpath(v, rule)
  if rule.reference then return end -- reference replacements are not reproduced
  for _, loc in ipairs(select_path(v, rule.path)) do
    loc.parent.map[loc.key] = rule.replacement
  end
end

local function plain_replace(text, old, new)
  if old == "" then return text end
  local pat = gsub(old, "[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  local rep = gsub(new, "%%", "%%%%")
  return (gsub(text, pat, rep))
end

-- Normalise `value` by the case's rule list; returns the normalised ojson
-- value and the final JSON text.  Raises on a rule it cannot apply.
function M.apply(value, rules, opts)
  local v = deep_copy(ojson.from_lua(value))
  v = parse_braces(v)
  for _, rule in ipairs(rules) do
    if rule.type == "key_value" then apply_key_value(v, rule) end
  end
  if opts and opts.jsonpath then
    for _, rule in ipairs(rules) do
      if rule.type == "jsonpath" then apply_jsonpath(v, rule) end
    end
  end
  local causes, uuids
  for _, rule in ipairs(rules) do
    if rule.type == "cause_json_reference" and not causes then causes = collect_cause_json(v) end
    if rule.type == "uuid_reference" and not uuids then uuids = collect_uuids(v) end
  end
  local text = ojson.encode_py(v)
  for _, rule in ipairs(rules) do
    local t = rule.type
    if t == "regex" then
      text = pyregex.get(rule.pattern):sub(text, rule.replacement)
    elseif t == "cause_json_reference" then
      for i, s in ipairs(causes) do
        text = plain_replace(text, (gsub(s, '"', '\\"')), "<json-input:" .. i .. ">")
      end
    elseif t == "uuid_reference" then
      for i, u in ipairs(uuids) do
        text = plain_replace(text, u, "<uuid:" .. i .. ">")
      end
    elseif t == "key_value" or t == "jsonpath" then
      -- key_value: applied above; jsonpath: information only
    else
      error("normalise: unsupported rule type " .. tostring(t), 2)
    end
  end
  local out, err = ojson.decode(text)
  if out == nil then error("normalise: result is not JSON (" .. err .. "): " .. text, 2) end
  return out, text
end

-- Differences (list of {path, actual, expected}); objects compare without
-- regard to key order, numbers by value.
M.diff = ojson.diff
M.equal = ojson.equal

-- Internals, for the normaliser's own spec.
M._parse_braces = parse_braces
M._walk = walk
M._select_path = select_path

return M
