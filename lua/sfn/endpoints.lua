-- sfn.endpoints: the AWS endpoint rule-set language, and the Step Functions
-- endpoint for a region (partitions, FIPS, dual-stack) or a custom endpoint.
--
--   local endpoints = require "sfn.endpoints"
--   local url, ep = endpoints.resolve{ region = "us-east-1", use_fips = false,
--                                      use_dualstack = false, endpoint = nil }
--   -- url = "https://states.us-east-1.amazonaws.com"; ep = { url =, properties =, headers = }
--   -- or nil, err with err.code "EndpointResolutionError" (the rule set's error text)
--   -- or "InvalidEndpoint" (a custom endpoint that is not an http(s) URL).
--   endpoints.evaluate(ruleset, params)   -- any rule set (a decoded endpoint-rule-set-1.json)
--
-- The rule set is data (lua/sfn/endpoint_rules.lua, generated from the model
-- by tools/gen-endpoint-rules.lua).  A rule has conditions (function calls
-- whose result must be set and not false; `assign` binds the result for the
-- rule and the rules under it) and is an endpoint, an error, or a tree of
-- rules.  Once a tree's conditions hold, one of its rules must apply.
-- Strings are templates: "{Region}" is a reference, "{PartitionResult#name}"
-- an attribute of one, "{{" and "}}" literal braces.

local partitions = require "sfn.partitions"

local type, pairs, ipairs, error, tostring, tonumber, setmetatable, pcall, require =
  type, pairs, ipairs, error, tostring, tonumber, setmetatable, pcall, require
local unpack = table.unpack or unpack
local string_format, string_byte, string_sub, string_find, string_match, string_gsub =
  string.format, string.byte, string.sub, string.find, string.match, string.gsub
local table_concat = table.concat

local _M = {}

local err_mt = { __tostring = function(e) return e.code .. ": " .. e.message end }

local function fail(code, message)
  return nil, setmetatable({ code = code, message = message, retryable = false }, err_mt)
end

-- Raised inside the evaluator, caught by evaluate(): a malformed rule set.
local function bad_ruleset(fmt, ...)
  error({ sfn_endpoint_error = string_format(fmt, ...) }, 0)
end

---------------------------------------------------------------------------
-- Partitions
---------------------------------------------------------------------------

-- Does region have the shape ^<prefix>-\w+-\d+$ ?
local function matches_prefix(region, prefix)
  local n = #prefix
  if string_sub(region, 1, n + 1) ~= prefix .. "-" then return false end
  return string_find(string_sub(region, n + 2), "^[%w_]+%-%d+$") ~= nil
end

-- The outputs of region's partition: a known region's partition first, then
-- the first partition whose region pattern matches, otherwise "aws".
function _M.partition(region)
  if type(region) ~= "string" then return nil end
  local list = partitions.list
  for _, p in ipairs(list) do
    if p.regions[region] then return p.outputs end
  end
  for _, p in ipairs(list) do
    for _, prefix in ipairs(p.region_prefixes) do
      if matches_prefix(region, prefix) then return p.outputs end
    end
  end
  return list[1].outputs
end

---------------------------------------------------------------------------
-- Library functions
---------------------------------------------------------------------------

local function is_ascii(s)
  return not string_find(s, "[\128-\255]")
end

local function is_ipv4(host)
  local a, b, c, d = string_match(host, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return false end
  for _, part in ipairs { a, b, c, d } do
    if #part > 3 or tonumber(part) > 255 then return false end
  end
  return true
end

-- An RFC 1123 host label: 1 to 63 letters, digits and hyphens, not starting
-- or ending with a hyphen.
local function is_host_label(s)
  return #s >= 1 and #s <= 63 and string_find(s, "^[%w%-]+$") ~= nil
    and string_byte(s, 1) ~= 45 and string_byte(s, -1) ~= 45
end

-- getAttr's path: "a", "a.b", "a[2]", "a.b[0]".
local function get_attr(value, path)
  for part in string.gmatch(path, "[^%.]+") do
    local name, index = string_match(part, "^([^%[]*)%[(%d+)%]$")
    if not name then name = part end
    if name ~= "" then
      if type(value) ~= "table" then return nil end
      value = value[name]
    end
    if index then
      if type(value) ~= "table" then return nil end
      value = value[tonumber(index) + 1]
    end
    if value == nil then return nil end
  end
  return value
end

local fns = {}
_M.functions = fns

fns.isSet = function(v) return v ~= nil end

fns["not"] = function(v) return not v end

fns.booleanEquals = function(a, b) return a == b end

fns.stringEquals = function(a, b) return a == b end

fns.getAttr = get_attr

fns["aws.partition"] = function(region) return _M.partition(region) end

-- Bytes start..stop-1 (0-based), counted from the end when reverse is
-- true; unset for non-ASCII input or a range outside the string.
fns.substring = function(input, start, stop, reverse)
  if type(input) ~= "string" or not is_ascii(input) then return nil end
  if start >= stop or #input < stop then return nil end
  if reverse then
    start, stop = #input - stop, #input - start
  end
  return string_sub(input, start + 1, stop)
end

fns.uriEncode = function(s)
  return (string_gsub(s, "[^%w%-_%.~]", function(c)
    return string_format("%%%02X", string_byte(c))
  end))
end

fns.isValidHostLabel = function(s, allow_subdomains)
  if type(s) ~= "string" then return false end
  if not allow_subdomains then return is_host_label(s) end
  if s == "" or string_sub(s, -1) == "." then return false end
  for label in string.gmatch(s .. ".", "([^%.]*)%.") do
    if not is_host_label(label) then return false end
  end
  return true
end

-- { scheme, authority, path, normalizedPath, isIp } for an http(s) URL
-- without a query; unset otherwise.
fns.parseURL = function(url)
  if type(url) ~= "string" then return nil end
  local scheme, rest = string_match(url, "^(%a[%w+.-]*)://(.*)$")
  if not scheme then return nil end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then return nil end
  if string_find(rest, "[?#]") then return nil end
  local authority, path = string_match(rest, "^([^/]*)(.*)$")
  if authority == "" then return nil end
  local host = string_match(authority, "^%[[^%]]*%]") or string_match(authority, "^[^:]*")
  local is_ip = is_ipv4(host) or string_sub(host, 1, 1) == "["
  local normalized = path
  if string_sub(normalized, 1, 1) ~= "/" then normalized = "/" .. normalized end
  if string_sub(normalized, -1) ~= "/" then normalized = normalized .. "/" end
  return { scheme = scheme, authority = authority, path = path,
           normalizedPath = normalized, isIp = is_ip }
end

-- arn:partition:service:region:account:resource -> its parts, the resource
-- split on ":" and "/" as resourceId.
fns["aws.parseArn"] = function(arn)
  if type(arn) ~= "string" then return nil end
  local partition, service, region, account, resource =
    string_match(arn, "^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$")
  if not partition or partition == "" or service == "" or resource == "" then return nil end
  local ids = {}
  for id in string.gmatch(resource .. ":", "([^:/]*)[:/]") do ids[#ids + 1] = id end
  return { partition = partition, service = service, region = region,
           accountId = account, resourceId = ids }
end

fns["aws.isVirtualHostableS3Bucket"] = function(name, allow_subdomains)
  if type(name) ~= "string" or #name < 3 or #name > 63 then return false end
  if string_find(name, "[^a-z0-9%-%.]") or is_ipv4(name) then return false end
  if allow_subdomains then
    return fns.isValidHostLabel(name, true)
  end
  return not string_find(name, "%.", 1) and is_host_label(name)
end

---------------------------------------------------------------------------
-- Evaluation
---------------------------------------------------------------------------

local eval

local function lookup(scope, name)
  local v = scope.vars[name]
  if v == nil and scope.parent then return lookup(scope.parent, name) end
  return v
end

-- Expand a template string in scope.
local function template(s, scope)
  if not string_find(s, "[{}]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = string_sub(s, i, i)
    if c == "{" and string_sub(s, i + 1, i + 1) == "{" then
      out[#out + 1] = "{"; i = i + 2
    elseif c == "}" and string_sub(s, i + 1, i + 1) == "}" then
      out[#out + 1] = "}"; i = i + 2
    elseif c == "{" then
      local close = string_find(s, "}", i + 1, true)
      if not close then bad_ruleset("unclosed template in %q", s) end
      local expr = string_sub(s, i + 1, close - 1)
      local name, path = string_match(expr, "^([^#]+)#(.+)$")
      local v
      if name then v = get_attr(lookup(scope, name), path) else v = lookup(scope, expr) end
      if type(v) ~= "string" then
        bad_ruleset("template %q: {%s} is not a string", s, expr)
      end
      out[#out + 1] = v; i = close + 1
    else
      local j = string_find(s, "[{}]", i) or n + 1
      out[#out + 1] = string_sub(s, i, j - 1); i = j
    end
  end
  return table_concat(out)
end

local function call(fn_name, argv, scope)
  local f = fns[fn_name]
  if not f then bad_ruleset("unknown function %s", tostring(fn_name)) end
  local args, n = {}, #argv
  for i = 1, n do args[i] = eval(argv[i], scope) end
  return f(unpack(args, 1, n))
end

eval = function(x, scope)
  local t = type(x)
  if t == "string" then return template(x, scope) end
  if t ~= "table" then return x end
  if x.ref ~= nil then return lookup(scope, x.ref) end
  if x.fn ~= nil then return call(x.fn, x.argv or {}, scope) end
  local out = {}
  for k, v in pairs(x) do out[k] = eval(v, scope) end
  return out
end

local eval_rules

-- Evaluate one rule: nil when its conditions do not hold, otherwise
-- ("endpoint", ep) or ("error", message).
local function eval_rule(rule, parent)
  local scope = { vars = {}, parent = parent }
  for _, cond in ipairs(rule.conditions or {}) do
    local v = eval(cond, scope)
    if v == nil or v == false then return nil end
    if cond.assign then scope.vars[cond.assign] = v end
  end
  local kind = rule.type
  if kind == "endpoint" then
    local e = rule.endpoint
    local url = eval(e.url, scope)
    if type(url) ~= "string" then bad_ruleset("endpoint url is not a string") end
    local headers = {}
    for name, values in pairs(e.headers or {}) do
      local list = {}
      for i, v in ipairs(values) do list[i] = eval(v, scope) end
      headers[name] = list
    end
    return "endpoint", { url = url, properties = eval(e.properties or {}, scope), headers = headers }
  elseif kind == "error" then
    local msg = eval(rule.error, scope)
    return "error", tostring(msg)
  elseif kind == "tree" then
    local k, v = eval_rules(rule.rules or {}, scope)
    if not k then bad_ruleset("no rule matched in a tree whose conditions held") end
    return k, v
  end
  bad_ruleset("unknown rule type %s", tostring(kind))
end

eval_rules = function(rules, scope)
  for _, rule in ipairs(rules) do
    local k, v = eval_rule(rule, scope)
    if k then return k, v end
  end
  return nil
end

local param_types = { string = "string", boolean = "boolean", stringarray = "table" }

-- The endpoint of ruleset for params (names as in the rule set: Region,
-- UseFIPS, ...): { url =, properties =, headers = } or nil, err.
function _M.evaluate(ruleset, params)
  if type(ruleset) ~= "table" then
    error("bad argument #1 to 'evaluate' (table expected, got " .. type(ruleset) .. ")", 2)
  end
  params = params or {}
  local vars = {}
  for name, spec in pairs(ruleset.parameters or {}) do
    local v = params[name]
    if v == nil then v = spec.default end
    local want = param_types[tostring(spec.type):lower()]
    if v ~= nil and want and type(v) ~= want then
      return fail("EndpointResolutionError",
        string_format("parameter %s must be a %s, got %s", name, spec.type, type(v)))
    end
    if v == nil and spec.required then
      return fail("EndpointResolutionError", "missing required parameter " .. name)
    end
    vars[name] = v
  end
  local ok, kind, value = pcall(eval_rules, ruleset.rules or {}, { vars = vars })
  if not ok then
    if type(kind) == "table" and kind.sfn_endpoint_error then
      return fail("EndpointResolutionError", "invalid rule set: " .. kind.sfn_endpoint_error)
    end
    error(kind, 0)
  end
  if kind == "endpoint" then return value end
  if kind == "error" then return fail("EndpointResolutionError", value) end
  return fail("EndpointResolutionError", "no endpoint rule matched")
end

local default_rules

-- The Step Functions endpoint URL for opts = { region =, use_fips =,
-- use_dualstack =, endpoint = (custom URL) , rules = (another rule set) }:
-- url, endpoint or nil, err.
function _M.resolve(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bad argument #1 to 'resolve' (table expected, got " .. type(opts) .. ")", 2)
  end
  for _, k in ipairs { "region", "endpoint" } do
    if opts[k] ~= nil and type(opts[k]) ~= "string" then
      error(string_format("bad option '%s' to 'resolve' (string expected, got %s)", k, type(opts[k])), 2)
    end
  end
  local endpoint = opts.endpoint
  if endpoint ~= nil and not fns.parseURL((string_gsub(endpoint, "[?#].*$", ""))) then
    return fail("InvalidEndpoint", "Invalid endpoint: " .. endpoint)
  end
  local rules = opts.rules
  if rules == nil then
    default_rules = default_rules or require "sfn.endpoint_rules"
    rules = default_rules
  end
  local ep, err = _M.evaluate(rules, {
    Region = opts.region,
    UseFIPS = opts.use_fips and true or false,
    UseDualStack = opts.use_dualstack and true or false,
    Endpoint = endpoint,
  })
  if not ep then return nil, err end
  return ep.url, ep
end

return _M
