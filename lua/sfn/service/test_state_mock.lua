-- sfn.service.test_state_mock: TestState's check of a mocked result against
-- the output shape of the API the Task state calls (mock.fieldValidationMode:
-- STRICT, the default: every required field is there and every field present
-- has its type and constraints; PRESENT: only the fields present are checked;
-- NONE: nothing is).  Fields the API does not define are accepted, as AWS
-- does.  The shapes come from botocore's models, extracted by
-- tools/gen-service-shapes.py into sfn/service/test_state_shapes/<service>.lua
-- (loaded on first use); a resource whose service is not there, a callback
-- (.waitForTaskToken) or a .sync pattern, a Lambda function ARN and
-- activities are not validated.
local json = require "sfn.json"
local is_int64 = require("sfn.shapes").is_int64

local type, pairs, ipairs, pcall, require, tostring, tonumber, getmetatable =
  type, pairs, ipairs, pcall, require, tostring, tonumber, getmetatable
local floor, huge = math.floor, math.huge
local null = json.null

local _M = {}

-- The aws-sdk integration's service names that differ from botocore's.
local SDK_SERVICE = {
  sfn = "stepfunctions", eventbridge = "events", emr = "emr", bedrockruntime = "bedrock-runtime",
}

-- Optimized integrations (arn:aws:states:::<name>:<action>): the botocore
-- service whose operation answers, and actions whose operation name differs.
local OPTIMIZED = {
  lambda = { service = "lambda", ops = { invoke = "Invoke" } },
  dynamodb = { service = "dynamodb" },
  events = { service = "events" },
  states = { service = "stepfunctions" },
  sqs = { service = "sqs" },
  sns = { service = "sns" },
  ecs = { service = "ecs" },
  glue = { service = "glue" },
  batch = { service = "batch" },
  athena = { service = "athena" },
  eks = { service = "eks" },
  codebuild = { service = "codebuild" },
  elasticmapreduce = { service = "emr", ops = { addStep = "AddJobFlowSteps", createCluster = "RunJobFlow",
    terminateCluster = "TerminateJobFlows" } },
  bedrock = { service = "bedrock-runtime" },
}

-- Members whose value Step Functions hands over as JSON rather than as the
-- API's type (Lambda's Payload is the function's result).
local AS_JSON = { lambda = { Invoke = { Payload = true } } }

local loaded = {}

local function shapes_of(service)
  local m = loaded[service]
  if m == nil then
    local ok, data = pcall(require, "sfn.service.test_state_shapes." .. service:gsub("%-", "_"))
    m = ok and type(data) == "table" and data or false
    loaded[service] = m
  end
  return m or nil
end

local function upper_first(s) return (s:gsub("^%l", string.upper)) end

-- The botocore service and operation a Task resource calls, or nil.
function _M.operation_of(resource)
  if type(resource) ~= "string" then return nil end
  local rest = resource:match("^arn:[%w%-]+:states:::(.+)$")
  if not rest then return nil end
  if rest:find("%.waitForTaskToken$") or rest:find("%.sync") then return nil end
  local sdk, action = rest:match("^aws%-sdk:([%w%-]+):([%w]+)$")
  if sdk then return SDK_SERVICE[sdk] or sdk, upper_first(action) end
  local name, act = rest:match("^([%w%-]+):([%w]+)$")
  local o = name and OPTIMIZED[name]
  if not o then return nil end
  return o.service, (o.ops and o.ops[act]) or upper_first(act)
end

local function is_array(v) return type(v) == "table" and getmetatable(v) == json.array_mt end
local function is_object(v) return type(v) == "table" and getmetatable(v) ~= json.array_mt and v ~= null end

local function fail(field, what) return "Field '" .. field .. "' " .. what end

local NUMBER = { integer = true, long = true, float = true, double = true }
local INTEGRAL = { integer = true, long = true }

-- Check value v (present, not null) against shape s; nil or the message.
local check

local function check_structure(shapes, s, v, strict, as_json)
  local m = s.m
  local req = {}
  for _, r in ipairs(s.r or {}) do req[r] = true end
  for i = 1, #m, 2 do
    local name, ref = m[i], m[i + 1]
    local field = upper_first(name)
    local x = v[field]
    if x == nil or x == null then
      if strict and req[name] then return "Required field '" .. field .. "' is missing" end
    elseif not (as_json and as_json[field]) then
      local msg = check(shapes, shapes[ref], x, field, strict)
      if msg then return msg end
    end
  end
  return nil
end

function check(shapes, s, v, field, strict)
  if s == nil then return nil end
  local k = s[1]
  if k == "structure" then
    if not is_object(v) then return fail(field, "must be an object") end
    return check_structure(shapes, s, v, strict)
  elseif k == "list" then
    if not is_array(v) then return fail(field, "must be an array") end
    for i = 1, #v do
      local x = v[i]
      if x ~= null then
        local msg = check(shapes, shapes[s[2]], x, field, strict)
        if msg then return msg end
      end
    end
  elseif k == "map" then
    if not is_object(v) then return fail(field, "must be an object") end
    for _, x in pairs(v) do
      if x ~= null then
        local msg = check(shapes, shapes[s[3]], x, field, strict)
        if msg then return msg end
      end
    end
  elseif k == "string" or k == "blob" or k == "timestamp" then
    if type(v) ~= "string" then return fail(field, "must be a string") end
    if s.enum then
      local found = false
      for _, e in ipairs(s.enum) do if e == v then found = true break end end
      if not found then return fail(field, "is not an expected value") end
    end
    if s.min and #v < s.min then return fail(field, "is smaller than the minimum length") end
    if s.max and #v > s.max then return fail(field, "is larger than the maximum length") end
  elseif NUMBER[k] then
    if is_int64(v) then v = tonumber(tostring(v)) end
    if type(v) ~= "number" then return fail(field, "must be a number") end
    if INTEGRAL[k] and (v ~= floor(v) or v == huge or v == -huge) then return fail(field, "must be an integer") end
    if s.min and v < s.min then return fail(field, "is less than the minimum value") end
    if s.max and v > s.max then return fail(field, "is greater than the maximum value") end
  elseif k == "boolean" then
    if type(v) ~= "boolean" then return fail(field, "must be a boolean") end
  end
  return nil
end

-- validate(resource, result, mode) -> nil | message.  result: the decoded
-- mock result; mode: "STRICT" (default), "PRESENT" or "NONE".
function _M.validate(resource, result, mode)
  mode = mode or "STRICT"
  if mode == "NONE" then return nil end
  local service, op = _M.operation_of(resource)
  if not service then return nil end
  local data = shapes_of(service)
  local out = data and data.ops[op]
  if not out then return nil end
  local shape = data.shapes[out]
  if not shape or shape[1] ~= "structure" or not is_object(result) then return nil end
  local as_json = AS_JSON[service] and AS_JSON[service][op]
  local msg = check_structure(data.shapes, shape, result, mode == "STRICT", as_json)
  if msg then return "Mock result schema validation error: " .. msg end
  return nil
end

return _M
