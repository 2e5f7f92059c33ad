-- sfn.server_handler: the AWS JSON 1.0 request handler of the local service,
-- independent of any socket: a parsed HTTP request in, the status, headers
-- and body of the answer out.  sfn.server runs it behind luasocket; the same
-- handler can be mounted in OpenResty (content_by_lua: read the body, call
-- handle, send what it returns).
--
--   local handler = require "sfn.server_handler"
--   local h = handler.new{
--     service = svc,                      -- anything with svc:dispatch(op_name, request)
--     credentials = { [akid] = secret }   -- or function(akid) -> { secret_access_key = } | nil;
--                   or nil,               -- nil: no signature check
--     region = "us-east-1",               -- the credential scope's region must match (nil: any)
--     max_skew = 300,                     -- seconds of clock skew allowed
--     now = function() -> epoch seconds,  -- the clock signatures are checked against
--     log = function(message),            -- unexpected failures (default: stderr)
--   }
--   local status, headers, body = h:handle{ method = "POST", target = "/",
--     headers = { ["x-amz-target"] = ..., ... (lowercased names) }, body = "..." }
--   -- headers: a list of { name, value } (Content-Type, x-amzn-RequestId, and
--   -- x-amzn-ErrorType on errors)
--
-- What AWS answers, and so this handler:
--   * POST / with X-Amz-Target: AWSStepFunctions.<Operation>; another method
--     or path: 404 UnknownOperationException; a missing or unknown target:
--     400 UnknownOperationException (no message).
--   * With credentials: SigV4 checked first (sfn.sigv4.verify): 403
--     MissingAuthenticationTokenException, InvalidSignatureException (also
--     clock skew), UnrecognizedClientException; 400 IncompleteSignatureException.
--   * A body that is not a JSON object: 400 SerializationException (no
--     message, or "Start of list found where not expected" for an array); a
--     member of the wrong JSON type: SerializationException with Coral's text
--     ("NUMBER_VALUE can not be converted to a String", "Start of structure
--     or map found where not expected.", "Expected list or null", ...).
--     JSON nulls count as absent; members the model does not have are ignored.
--   * Service errors: HTTP err.status (400) and {"__type": "<namespace>#Code",
--     "message": ...}: com.amazonaws.swf.service.v2.model for the service's
--     own exceptions, com.amazon.coral.validate for ValidationException,
--     com.amazon.coral.service for the rest; x-amzn-ErrorType
--     "Code:http://internal.amazon.com/coral/<namespace>/".
--   * A Lua error in the service: 500 InternalFailure (logged).
local json = require "sfn.json"
local model = require "sfn.operations"
local shapes = require "sfn.shapes"

local type, pairs, ipairs, tostring, tonumber, pcall, xpcall, getmetatable, setmetatable, error =
  type, pairs, ipairs, tostring, tonumber, pcall, xpcall, getmetatable, setmetatable, error
local floor, huge = math.floor, math.huge
local string_sub, string_find = string.sub, string.find
local concat = table.concat

local _M = { _VERSION = "0.1.0" }

local SHAPES = model.shapes
local PREFIX = model.metadata.target_prefix .. "."
local CONTENT_TYPE = "application/x-amz-json-" .. model.metadata.json_version
local null, array_mt = json.null, json.array_mt

local SWF_NS = "com.amazonaws.swf.service.v2.model"
local VALIDATE_NS = "com.amazon.coral.validate"
local CORAL_NS = "com.amazon.coral.service"

-- Operation model name -> operation
local BY_NAME = {}
for _, op in pairs(model.operations) do BY_NAME[op.name] = op end
_M.operations_by_name = BY_NAME

local uuid4
local function request_id()
  if not uuid4 then uuid4 = require("sfn.client").uuid4 end
  return uuid4()
end
_M.request_id = function() return request_id() end

---------------------------------------------------------------------------
-- errors as AWS sends them
---------------------------------------------------------------------------

-- The namespace AWS puts before a code in __type.
local function namespace(code)
  if code == "ValidationException" then return VALIDATE_NS end
  local s = SHAPES[code]
  if s and s.exception then return SWF_NS end
  return CORAL_NS
end
_M.namespace = namespace

-- Codes whose message member is spelled "Message" (Coral's framework errors).
local CAPITAL_MESSAGE = { SerializationException = true }

-- status, headers, body of an error.  message may be nil (no message member);
-- fields: other members of the exception shape.
local function error_answer(status, code, message, fields, rid)
  local ns = namespace(code)
  local parts = { '{"__type":', json.encode(ns .. "#" .. code) }
  if message ~= nil then
    parts[#parts + 1] = CAPITAL_MESSAGE[code] and ',"Message":' or ',"message":'
    parts[#parts + 1] = json.encode(tostring(message))
  end
  local s = SHAPES[code]
  if fields and s and s.exception then
    for _, m in ipairs(s.members) do
      local v = fields[m[1]]
      if m[1] ~= "message" and v ~= nil and v ~= null then
        local ok, text = pcall(json.encode, v)
        if ok and text then
          parts[#parts + 1] = "," .. json.encode(m[1]) .. ":" .. text
        end
      end
    end
  end
  parts[#parts + 1] = "}"
  return status, {
    { "x-amzn-RequestId", rid or request_id() },
    { "x-amzn-ErrorType", code .. ":http://internal.amazon.com/coral/" .. ns .. "/" },
    { "Content-Type", CONTENT_TYPE },
  }, concat(parts)
end
_M.error_answer = error_answer

---------------------------------------------------------------------------
-- the request body against the input shape (Coral's deserializer)
---------------------------------------------------------------------------

local TYPE_NAMES = { string = "a String", integer = "an Integer", long = "a Long", boolean = "a Boolean",
  float = "a Float", double = "a Double", timestamp = "a Timestamp" }

local function is_array(v) return getmetatable(v) == array_mt end

local function is_int64(v) return shapes.is_int64(v) end

local function token_name(v)
  if v == true then return "TRUE_VALUE" end
  if v == false then return "FALSE_VALUE" end
  if type(v) == "string" then return "STRING_VALUE" end
  return "NUMBER_VALUE"
end

-- A SerializationException failure: raised as a table, caught in decode.
local function bad(message) error({ serialization = true, message = message }, 0) end

local convert

-- Converts v (decoded JSON) for shape shape_name: nulls dropped, members
-- outside the model dropped; raises bad() on a type Coral cannot convert.
function convert(shape_name, v)
  local s = SHAPES[shape_name]
  local t = s.type
  if t == "structure" or t == "map" then
    if type(v) ~= "table" then bad("Expected null") end
    if is_array(v) then bad("Start of list found where not expected") end
    local out = {}
    if t == "structure" then
      for _, m in ipairs(s.members) do
        local x = v[m[1]]
        if x ~= nil and x ~= null then out[m[1]] = convert(m[2], x) end
      end
    else
      for k, x in pairs(v) do
        if x ~= null then out[k] = convert(s.value, x) end
      end
    end
    return out
  elseif t == "list" then
    if type(v) ~= "table" then bad("Expected list or null") end
    if not is_array(v) then bad(nil) end
    local out = setmetatable({}, array_mt)
    for i = 1, #v do
      local x = v[i]
      if x ~= null then out[#out + 1] = convert(s.member, x) end
    end
    return out
  end
  -- scalars
  if type(v) == "table" then
    if is_array(v) then bad("Start of list found where not expected") end
    bad("Start of structure or map found where not expected.")
  end
  if t == "string" then
    if type(v) ~= "string" then bad(token_name(v) .. " can not be converted to a String") end
    return v
  elseif t == "integer" or t == "long" then
    if is_int64(v) then
      if t == "integer" then bad(nil) end
      return v
    end
    if type(v) ~= "number" then bad(token_name(v) .. " can not be converted to " .. TYPE_NAMES[t]) end
    if v ~= floor(v) or v == huge or v == -huge then bad(nil) end
    if t == "integer" and (v > 2147483647 or v < -2147483648) then bad(nil) end
    return v
  elseif t == "boolean" then
    if type(v) ~= "boolean" then bad(token_name(v) .. " can not be converted to a Boolean") end
    return v
  elseif t == "float" or t == "double" or t == "timestamp" then
    if is_int64(v) then return tonumber(tostring(v)) end
    if type(v) ~= "number" then bad(token_name(v) .. " can not be converted to " .. TYPE_NAMES[t]) end
    return v
  end
  return v
end

-- The request table of operation op from body text, or nil, message-or-false
-- (a SerializationException; false: no message).
function _M.decode(op, body)
  if body == nil or body == "" then return nil, false end
  local v = json.decode(body)
  if type(v) ~= "table" then return nil, false end
  if is_array(v) then return nil, "Start of list found where not expected" end
  local ok, res = pcall(convert, op.input, v)
  if ok then return res end
  if type(res) == "table" and res.serialization then return nil, res.message or false end
  error(res, 0)
end

---------------------------------------------------------------------------
-- the handler
---------------------------------------------------------------------------

local Handler = {}
Handler.__index = Handler

function _M.new(opts)
  if type(opts) ~= "table" then error("sfn.server_handler.new: expects a table of options", 2) end
  local svc = opts.service
  if svc == nil or type(svc.dispatch) ~= "function" then
    error("sfn.server_handler.new: service must have a dispatch method", 2)
  end
  local creds = opts.credentials
  local lookup
  if type(creds) == "table" then
    lookup = function(akid)
      local secret = creds[akid]
      if type(secret) == "string" then return { secret_access_key = secret } end
      if type(secret) == "table" then return secret end
      return nil
    end
  elseif type(creds) == "function" then
    lookup = creds
  elseif creds ~= nil and creds ~= false then
    error("sfn.server_handler.new: credentials must be a table or a function", 2)
  end
  local core = require "sfn.core"
  return setmetatable({
    service = svc,
    lookup = lookup,
    region = opts.region,
    max_skew = opts.max_skew or 300,
    now = opts.now or function() return floor(core.now_ms() / 1000) end,
    log = opts.log or function(msg) io.stderr:write("sfn serve: ", tostring(msg), "\n") end,
  }, Handler)
end

local function header(headers, name)
  local v = headers[name]
  if type(v) == "table" then v = v[1] end
  return v
end

-- The operation a request targets (nil when none); used by sfn.server to
-- know long polls before they are answered.
function Handler:operation(req)
  local target = header(req.headers, "x-amz-target")
  if type(target) ~= "string" or string_sub(target, 1, #PREFIX) ~= PREFIX then return nil end
  return BY_NAME[string_sub(target, #PREFIX + 1)]
end

local function success(rid, body)
  return 200, { { "x-amzn-RequestId", rid }, { "Content-Type", CONTENT_TYPE } }, body
end

-- handle(req) -> status, headers, body
function Handler:handle(req)
  local rid = request_id()
  local path = req.target or "/"
  local q = string_find(path, "?", 1, true)
  if q then path = string_sub(path, 1, q - 1) end
  if req.method ~= "POST" or path ~= "/" then
    return error_answer(404, "UnknownOperationException", nil, nil, rid)
  end
  local headers = req.headers or {}
  if self.lookup then
    local ok, info, verr = pcall(require("sfn.sigv4").verify, {
      method = req.method, url = req.target or "/", headers = headers, body = req.body or "",
      credentials = self.lookup, region = self.region, service = model.metadata.signing_name,
      time = self.now(), max_skew = self.max_skew,
    })
    if not ok then
      self.log("signature check failed: " .. tostring(info))
      return error_answer(500, "InternalFailure", nil, nil, rid)
    end
    if not info then
      return error_answer(verr.status or 403, verr.code, verr.message, nil, rid)
    end
  end
  local op = self:operation(req)
  if not op then return error_answer(400, "UnknownOperationException", nil, nil, rid) end
  local request, derr = _M.decode(op, req.body)
  if not request then
    return error_answer(400, "SerializationException", derr or nil, nil, rid)
  end
  local res, err
  local ok, perr = xpcall(function() res, err = self.service:dispatch(op.name, request) end,
    debug.traceback)
  if not ok then
    self.log(op.name .. " failed: " .. tostring(perr))
    return error_answer(500, "InternalFailure", nil, nil, rid)
  end
  if res == nil then
    if type(err) ~= "table" or type(err.code) ~= "string" then
      self.log(op.name .. " returned no response and no error table: " .. tostring(err))
      return error_answer(500, "InternalFailure", nil, nil, rid)
    end
    return error_answer(err.status or 400, err.code, err.message, err, rid)
  end
  local body, serr = shapes.serialize(op.output, res)
  if not body then
    self.log(op.name .. ": response does not serialize: " .. tostring(serr))
    return error_answer(500, "InternalFailure", nil, nil, rid)
  end
  return success(rid, body)
end

_M.CONTENT_TYPE = CONTENT_TYPE
return _M
