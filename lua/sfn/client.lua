-- sfn.client: the remote Step Functions client.  One method per operation of
-- the API model (lua/sfn/operations.lua, generated), the AWS JSON 1.0
-- protocol, SigV4 (sfn.sigv4), libcurl (sfn.http), the AWS SDKs' standard
-- retry mode, pagination.
--
--   local client = assert(sfn.client{
--     region = "us-east-1",                 -- else AWS_REGION / profile (sfn.config)
--     endpoint = "http://127.0.0.1:8083",   -- else AWS_ENDPOINT_URL_SFN ... or the rule set
--     credentials = { access_key_id =, secret_access_key =, session_token = },
--                                           -- or a provider with :get(); else the default chain
--     profile = nil, use_fips = false, use_dualstack = false,
--     retry = { mode = "standard", max_attempts = 3 },
--     connect_timeout = 60, read_timeout = 60,   -- seconds (botocore's defaults)
--     long_poll_read_timeout = 70,          -- GetActivityTask's read timeout is at least this
--     inject_host_prefix = true,            -- "sync-" for StartSyncExecution and TestState
--     verify = true, proxy = nil, ca_file = nil,   -- passed to sfn.http
--     config = nil,                         -- false: do not read AWS_* / ~/.aws (sfn.config)
--     env = os.getenv,                      -- the environment sfn.config and the chain read
--     timeout = nil,                        -- seconds for a whole attempt (sfn.http)
--   })
--   local res, meta = client:start_execution{ stateMachineArn = arn, input = "{}" }
--   -- res: the response with the API's field names; meta = { status, request_id, attempts, headers }
--   -- or nil, err: err.code, err.message, err.status, err.request_id, err.retryable, err.attempts
--   for page, err in client:paginate("list_executions", { stateMachineArn = arn }) do ... end
--   for item, err in client:each("list_executions", { stateMachineArn = arn }) do ... end
--   -- a failed page ends the loop with (false, err)
--
-- Requests are validated against the model before anything is sent: a bad
-- request gives err.code == "ParamValidationError" and err.errors (one
-- { path =, message = } per problem), and no request.
--
-- Retries (botocore's "standard" mode): at most max_attempts attempts in all;
-- retried are the throttling error codes, the transient codes, HTTP 500, 502,
-- 503, 504 and transport errors (connection, timeouts).  Before attempt i+1
-- the client sleeps random() * min(2^(i-1), 20) seconds (full jitter).  Each
-- client has a retry quota of 500: a retry takes 5 (10 after a connect or
-- read timeout) and, when none is left, the error is returned at once
-- (err.retry_quota_exceeded); a success gives back what its call's last
-- retry took, or 1 when it needed no retry.
--
-- Test hooks (options): http = an sfn.http-like module, sleep = function(s),
-- random = function() -> [0, 1), uuid = function() -> string, now = function()
-- -> epoch seconds for signing, user_agent = string.
local core = require "sfn.core"
local json = require "sfn.json"
local model = require "sfn.operations"
local shapes = require "sfn.shapes"

local type, pairs, ipairs, tostring, tonumber, error, pcall, require, setmetatable, getmetatable =
  type, pairs, ipairs, tostring, tonumber, error, pcall, require, setmetatable, getmetatable
local floor, min, max = math.floor, math.min, math.max
local string_format, string_find, string_match, string_sub, string_byte, string_lower =
  string.format, string.find, string.match, string.sub, string.byte, string.lower
local concat = table.concat

local _M = { _VERSION = core._VERSION }

local OPERATIONS = model.operations
local PAGINATORS = model.paginators
local META = model.metadata
local CONTENT_TYPE = "application/x-amz-json-" .. META.json_version

-- model name -> snake name
local BY_MODEL_NAME = {}
for sn, op in pairs(OPERATIONS) do BY_MODEL_NAME[op.name] = sn end

---------------------------------------------------------------------------
-- errors
---------------------------------------------------------------------------

local error_mt = {
  __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end,
}
_M.error_mt = error_mt

local function new_error(t)
  if t.retryable == nil then t.retryable = false end
  return setmetatable(t, error_mt)
end

---------------------------------------------------------------------------
-- retry policy (botocore/retries/standard.py, "standard" mode)
---------------------------------------------------------------------------

local THROTTLING_CODES = {}
for _, c in ipairs{ "Throttling", "ThrottlingException", "ThrottledException",
  "RequestThrottledException", "TooManyRequestsException",
  "ProvisionedThroughputExceededException", "TransactionInProgressException",
  "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
  "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException" } do
  THROTTLING_CODES[c] = true
end
local TRANSIENT_CODES = { RequestTimeout = true, RequestTimeoutException = true,
  PriorRequestNotComplete = true }
local TRANSIENT_STATUS = { [500] = true, [502] = true, [503] = true, [504] = true }
local TIMEOUT_CODES = { ConnectTimeout = true, ReadTimeout = true }

local DEFAULT_MAX_ATTEMPTS = 3
local MAX_BACKOFF = 20
local INITIAL_QUOTA = 500
local RETRY_COST = 5
local TIMEOUT_RETRY_COST = 10
local NO_RETRY_INCREMENT = 1

_M.retry_constants = { max_attempts = DEFAULT_MAX_ATTEMPTS, max_backoff = MAX_BACKOFF,
  quota = INITIAL_QUOTA, retry_cost = RETRY_COST, timeout_retry_cost = TIMEOUT_RETRY_COST,
  no_retry_increment = NO_RETRY_INCREMENT }

-- Is a service error (code, HTTP status) retryable in standard mode?
local function service_error_retryable(code, status)
  return THROTTLING_CODES[code] or TRANSIENT_CODES[code] or TRANSIENT_STATUS[status] or false
end
_M.service_error_retryable = service_error_retryable

---------------------------------------------------------------------------
-- entropy: /dev/urandom for UUIDs, math.random seeded from it for jitter
---------------------------------------------------------------------------

-- n random bytes from /dev/urandom, read 4 KiB at a time (math.random
-- where there is no /dev/urandom)
local pool, pool_pos = "", 1
local function random_bytes(n)
  if pool_pos + n - 1 > #pool then
    local f = io.open("/dev/urandom", "rb")
    local b = f and f:read(4096)
    if f then f:close() end
    if not b or #b < n then
      local t = {}
      for i = 1, n do t[i] = string.char(math.random(0, 255)) end
      return concat(t)
    end
    pool, pool_pos = b, 1
  end
  local out = string_sub(pool, pool_pos, pool_pos + n - 1)
  pool_pos = pool_pos + n
  return out
end

-- (read apart from the pool, so that loading this module in a process that
-- forks afterwards, as nginx's master does, leaves the pool empty)
do
  local f = io.open("/dev/urandom", "rb")
  local b = f and f:read(4)
  if f then f:close() end
  if b and #b == 4 then
    local a1, a2, a3, a4 = string_byte(b, 1, 4)
    math.randomseed(((a1 * 256 + a2) * 256 + a3) * 128 + a4 % 128)
  else
    math.randomseed(os.time())
  end
end

-- A random (version 4) UUID.
local function uuid4()
  local b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16 =
    string_byte(random_bytes(16), 1, 16)
  return string_format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    b1, b2, b3, b4, b5, b6, b7 % 16 + 0x40, b8, b9 % 64 + 0x80, b10, b11, b12, b13, b14, b15, b16)
end
_M.uuid4 = uuid4

-- sfn.scheduler's sleep: yields inside a task, blocks outside.
local function default_sleep(seconds)
  return require("sfn.scheduler").sleep(seconds)
end

---------------------------------------------------------------------------
-- construction
---------------------------------------------------------------------------

local Client = {}
Client.__index = Client

local function opt_number(opts, name, default)
  local v = opts[name]
  if v == nil then return default end
  if type(v) ~= "number" or v <= 0 then
    error("sfn.client: option '" .. name .. "' must be a positive number", 3)
  end
  return v
end

local function is_ip_or_localhost(host)
  return host == "localhost" or string_find(host, "^%d+%.%d+%.%d+%.%d+$") ~= nil
    or string_sub(host, 1, 1) == "["
end

-- "http://h:1/x" -> scheme "http://", host "h", rest ":1/x" (path ends with "/")
local function split_endpoint(url)
  local scheme, authority, path = string_match(url, "^(%a[%w+.-]*://)([^/?#]+)([^?#]*)")
  if not scheme then return nil end
  if path == "" then path = "/" elseif string_sub(path, -1) ~= "/" then path = path .. "/" end
  local host = string_match(authority, "^([^@]*)@") and string_match(authority, "@(.*)$") or authority
  local hostname = string_match(host, "^(%[.-%])") or string_match(host, "^([^:]+)")
  return scheme, hostname, authority, path
end

local function truthy_setting(v)
  if v == nil then return nil end
  if type(v) == "boolean" then return v end
  v = string_lower(tostring(v))
  return v == "true" or v == "1"
end

-- sfn.client{...}: a client, or nil, err when no region/endpoint can be found.
-- Misuse (wrong option types) raises.
function _M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error("bad argument #1 to 'client' (table expected, got " .. type(opts) .. ")", 2)
  end
  local self = setmetatable({}, Client)

  -- shared config (AWS_* environment, config files), only when something is missing
  local cfg = {}
  local need_cfg = opts.region == nil or opts.endpoint == nil or opts.retry == nil
    or opts.credentials == nil
  if need_cfg and opts.config ~= false then
    local ok, config = pcall(require, "sfn.config")
    if ok and type(config) == "table" and config.load then
      local c, cerr = config.load{ profile = opts.profile, env = opts.env }
      if not c then
        if type(cerr) == "table" then return nil, new_error(cerr) end
        return nil, new_error{ code = "ConfigError", message = tostring(cerr) }
      end
      cfg = c
      self._config = c
    end
  end

  self.region = opts.region or cfg.region
  if opts.endpoint ~= nil and type(opts.endpoint) ~= "string" then
    error("sfn.client: option 'endpoint' must be a URL string", 2)
  end
  if opts.region ~= nil and type(opts.region) ~= "string" then
    error("sfn.client: option 'region' must be a string", 2)
  end
  -- a region must be a host label, as botocore checks (validate_region_name)
  if self.region ~= nil and (type(self.region) ~= "string" or #self.region > 63
      or not string_find(self.region, "^%w[%w%-]*$") or string_sub(self.region, -1) == "-") then
    return nil, new_error{ code = "InvalidRegionError",
      message = "region " .. string_format("%q", tostring(self.region)) .. " is not a valid region name" }
  end
  local endpoint = opts.endpoint or cfg.endpoint_url
  if endpoint == nil and not self.region then
    return nil, new_error{ code = "NoRegionError",
      message = "no region: pass region=, or set AWS_REGION or a profile's region" }
  end
  -- the model's rule set: partitions, FIPS, dual-stack, or the custom endpoint
  local endpoints = require "sfn.endpoints"
  local url, eerr = endpoints.resolve{ region = self.region, endpoint = endpoint,
    use_fips = opts.use_fips or truthy_setting(cfg.use_fips_endpoint) or false,
    use_dualstack = opts.use_dualstack or truthy_setting(cfg.use_dualstack_endpoint) or false }
  if not url then
    if type(eerr) == "table" then return nil, new_error(eerr) end
    return nil, new_error{ code = "EndpointResolutionError", message = tostring(eerr) }
  end
  endpoint = url
  local scheme, hostname, authority, path = split_endpoint(endpoint)
  if not scheme then
    return nil, new_error{ code = "InvalidEndpoint", message = "not a URL: " .. endpoint }
  end
  self.endpoint = scheme .. authority .. path
  self._scheme, self._hostname, self._authority, self._path = scheme, hostname, authority, path
  -- signing needs a region; with a custom endpoint and none configured, us-east-1
  self.signing_region = self.region or "us-east-1"

  local inject = opts.inject_host_prefix
  if inject == nil then
    local disable = truthy_setting(cfg.disable_host_prefix_injection)
    if disable == nil then disable = truthy_setting(os.getenv("AWS_DISABLE_HOST_PREFIX_INJECTION")) end
    inject = not disable
  end
  -- a prefixed IP literal or "sync-localhost" can never resolve: no prefix there
  self.inject_host_prefix = inject and not is_ip_or_localhost(hostname)

  -- credentials: static keys, a provider, or the default chain (built on first use)
  local creds = opts.credentials
  if creds ~= nil then
    if type(creds) ~= "table" then
      error("sfn.client: option 'credentials' must be a table", 2)
    end
    if type(creds.get) == "function" then
      self._credentials = creds
    else
      if type(creds.access_key_id) ~= "string" or type(creds.secret_access_key) ~= "string" then
        error("sfn.client: credentials need access_key_id and secret_access_key strings", 2)
      end
      local static = { access_key_id = creds.access_key_id,
        secret_access_key = creds.secret_access_key, session_token = creds.session_token }
      self._credentials = { get = function() return static end }
    end
  end
  self.profile = opts.profile
  self._env = opts.env

  -- retries
  local retry = opts.retry or {}
  if type(retry) ~= "table" then error("sfn.client: option 'retry' must be a table", 2) end
  local mode = retry.mode
  if mode ~= nil and mode ~= "standard" then
    error("sfn.client: retry mode '" .. tostring(mode) .. "' is not supported (only \"standard\")", 2)
  end
  local attempts = retry.max_attempts or tonumber(cfg.max_attempts) or DEFAULT_MAX_ATTEMPTS
  if type(attempts) ~= "number" or attempts < 1 or attempts ~= floor(attempts) then
    error("sfn.client: retry.max_attempts must be an integer >= 1", 2)
  end
  self.max_attempts = attempts
  self.quota = INITIAL_QUOTA
  self.max_quota = INITIAL_QUOTA

  self.connect_timeout = opt_number(opts, "connect_timeout", 60)
  self.read_timeout = opt_number(opts, "read_timeout", 60)
  self.long_poll_read_timeout = opt_number(opts, "long_poll_read_timeout", 70)
  self.timeout = opt_number(opts, "timeout", nil)
  self.verify = opts.verify
  self.ca_file = opts.ca_file or cfg.ca_bundle
  self.proxy = opts.proxy

  self._http = opts.http
  self._sleep = opts.sleep or default_sleep
  self._random = opts.random or math.random
  self._uuid = opts.uuid or uuid4
  self._now = opts.now
  self.user_agent = opts.user_agent or ("sfn-lua/" .. tostring(core._VERSION) .. " " ..
    (jit and jit.version or _VERSION):gsub(" ", "/"))
  return self
end

---------------------------------------------------------------------------
-- one call
---------------------------------------------------------------------------

-- The headers to send, as a list in a fixed order: the signed ones, then
-- User-Agent (unsigned, as proxies may rewrite it).
local HEADER_ORDER = { "Host", "Content-Type", "X-Amz-Target", "X-Amz-Date",
  "X-Amz-Security-Token", "Authorization", "amz-sdk-invocation-id", "amz-sdk-request" }
local HEADER_RANK = {}
for i, n in ipairs(HEADER_ORDER) do
  HEADER_RANK[n] = i
  HEADER_RANK[string_lower(n)] = i
end

local function by_name(a, b) return a[1] < b[1] end

local function header_list(signed, user_agent)
  local ranked, extra = {}, nil
  for k, v in pairs(signed) do
    local r = HEADER_RANK[k] or HEADER_RANK[string_lower(k)]
    if r then
      ranked[r] = { k, v }
    else
      extra = extra or {}
      extra[#extra + 1] = { k, v }
    end
  end
  local list = {}
  for i = 1, #HEADER_ORDER do
    if ranked[i] then list[#list + 1] = ranked[i] end
  end
  if extra then
    table.sort(extra, by_name)
    for _, h in ipairs(extra) do list[#list + 1] = h end
  end
  list[#list + 1] = { "User-Agent", user_agent }
  return list
end

function Client:_get_credentials()
  if not self._credentials then
    local credentials = require "sfn.credentials"
    self._credentials = credentials.chain{ profile = self.profile, http = self._http, env = self._env,
      config = self._config }
  end
  local creds, err = self._credentials:get()
  if not creds then
    if type(err) == "table" then return nil, new_error(err) end
    return nil, new_error{ code = "NoCredentialsError",
      message = err and tostring(err) or "Unable to locate credentials" }
  end
  return creds
end

function Client:_url(op)
  if op.host_prefix and self.inject_host_prefix then
    return self._scheme .. op.host_prefix .. self._authority .. self._path
  end
  return self.endpoint
end

-- Strip a namespace ("aws.protocoltests#Foo") and a ":suffix" ("Foo:http://...")
local function sanitize_code(code)
  if type(code) ~= "string" then return nil end
  local colon = string_find(code, ":", 1, true)
  if colon then code = string_sub(code, 1, colon - 1) end
  local hash = string_match(code, "^.*#(.*)$")
  if hash then code = hash end
  if code == "" then return nil end
  return code
end
_M.sanitize_code = sanitize_code

local function header(res, name)
  local h = res.headers
  if not h then return nil end
  return h[name]
end

-- err for an HTTP response that is not 2xx
local function decode_error(op_name, res)
  local body = res.body or ""
  local data
  if body ~= "" then
    local ok, v = pcall(json.decode, body)
    if ok and type(v) == "table" then data = v end
  end
  local code = sanitize_code(header(res, "x-amzn-errortype"))
  if not code and data then code = sanitize_code(data.__type) or sanitize_code(data.code) end
  if not code then code = tostring(res.status) end
  local message
  if data then
    message = data.message
    if type(message) ~= "string" then message = data.Message end
  end
  if type(message) ~= "string" then message = header(res, "x-amzn-errormessage") end
  if type(message) ~= "string" then message = "" end
  local err = new_error{ code = code, message = message, status = res.status,
    request_id = header(res, "x-amzn-requestid") or header(res, "x-amz-request-id"),
    operation = op_name }
  if data and model.shapes[code] and model.shapes[code].exception then
    local fields = shapes.error_fields(code, data)
    if fields then
      for k, v in pairs(fields) do
        if err[k] == nil then err[k] = v end
      end
    end
  end
  err.retryable = service_error_retryable(code, res.status) and true or false
  err.throttling = THROTTLING_CODES[code] or nil
  return err
end
_M.decode_error = function(res, op_name) return decode_error(op_name, res) end

local function validation_error(op, problems)
  local msgs = {}
  for i, p in ipairs(problems) do msgs[i] = p.message end
  return new_error{ code = "ParamValidationError", operation = op.name,
    message = "invalid " .. op.name .. " request: " .. concat(msgs, "; "),
    member = problems[1].path, errors = problems, retryable = false }
end

-- client:call(name, req): the operation by snake_case or model name.
function Client:call(name, req)
  local sn = OPERATIONS[name] and name or BY_MODEL_NAME[name]
  local op = sn and OPERATIONS[sn]
  if not op then error("sfn.client: unknown operation '" .. tostring(name) .. "'", 2) end
  if req == nil then req = {} end
  if type(req) ~= "table" then
    error("bad argument #1 to '" .. sn .. "' (table expected, got " .. type(req) .. ")", 2)
  end

  -- idempotency tokens the caller left out (RedriveExecution's clientToken)
  local input = model.shapes[op.input]
  for _, m in ipairs(input.members) do
    if m.idempotency_token and req[m[1]] == nil then
      local copy = {}
      for k, v in pairs(req) do copy[k] = v end
      copy[m[1]] = self._uuid()
      req = copy
    end
  end

  local problems = shapes.validate(op.input, req)
  if problems then return nil, validation_error(op, problems) end
  local body, serr = shapes.serialize(op.input, req)
  if not body then
    return nil, new_error{ code = "ParamValidationError", operation = op.name,
      message = "invalid " .. op.name .. " request: " .. serr }
  end
  return self:_send(sn, op, body)
end

function Client:_send(sn, op, body)
  local http = self._http
  if not http then
    http = require "sfn.http"
    self._http = http
  end
  local sigv4 = require "sfn.sigv4"
  local url = self:_url(op)
  local read_timeout = self.read_timeout
  local total = self.timeout
  if sn == "get_activity_task" then
    -- the 60-second long poll: neither timeout may cut it short
    read_timeout = max(read_timeout, self.long_poll_read_timeout)
    if total then total = max(total, self.long_poll_read_timeout + self.connect_timeout) end
  end
  local invocation_id = self._uuid()
  local attempt, acquired, delays = 0, nil, {}
  local err
  while true do
    attempt = attempt + 1
    local creds, cerr = self:_get_credentials()
    if not creds then return nil, cerr end
    local headers = {
      ["Content-Type"] = CONTENT_TYPE,
      ["X-Amz-Target"] = op.target,
      ["amz-sdk-invocation-id"] = invocation_id,
      ["amz-sdk-request"] = "attempt=" .. attempt .. "; max=" .. self.max_attempts,
    }
    local signed, sgerr = sigv4.sign{ method = "POST", url = url, headers = headers, body = body,
      region = self.signing_region, service = META.signing_name, credentials = creds,
      time = self._now and self._now() or nil }
    if not signed then
      if type(sgerr) == "table" then return nil, new_error(sgerr) end
      return nil, new_error{ code = "SigningError", message = tostring(sgerr) }
    end
    local send_headers = header_list(signed.headers, self.user_agent)
    local res, terr = http.request{ method = "POST", url = url, headers = send_headers, body = body,
      connect_timeout = self.connect_timeout, read_timeout = read_timeout, timeout = total,
      verify = self.verify, proxy = self.proxy, ca_file = self.ca_file }
    local timeout = false
    if not res then
      terr = type(terr) == "table" and terr or { code = "ConnectionError", message = tostring(terr) }
      err = new_error{ code = terr.code or "ConnectionError", message = terr.message or "",
        operation = op.name, retryable = terr.retryable ~= false }
      timeout = TIMEOUT_CODES[err.code] or false
    elseif res.status >= 200 and res.status < 300 then
      -- success: give quota back (what the last retry took, else 1)
      self.quota = min(self.max_quota, self.quota + (acquired or NO_RETRY_INCREMENT))
      local text = res.body or ""
      local data
      if text ~= "" then
        local derr
        data, derr = json.decode(text)
        if data == nil then
          return nil, new_error{ code = "InvalidResponse", operation = op.name, status = res.status,
            message = "response body is not JSON: " .. tostring(derr and derr.message or derr),
            request_id = header(res, "x-amzn-requestid") }
        end
      end
      local out = shapes.decode(op.output, data)
      return out, { status = res.status, request_id = header(res, "x-amzn-requestid"),
        attempts = attempt, headers = res.headers, retry_delays = delays }
    else
      err = decode_error(op.name, res)
    end
    err.attempts = attempt
    if not err.retryable then return nil, err end
    if attempt >= self.max_attempts then
      err.max_attempts_reached = true
      return nil, err
    end
    local cost = timeout and TIMEOUT_RETRY_COST or RETRY_COST
    if cost > self.quota then
      err.retry_quota_exceeded = true
      return nil, err
    end
    self.quota = self.quota - cost
    acquired = cost
    local delay = self._random() * min(2 ^ (attempt - 1), MAX_BACKOFF)
    delays[#delays + 1] = delay
    self._sleep(delay)
  end
end

-- The retry quota left (of 500).
function Client:retry_quota()
  return self.quota
end

-- One method per operation.
for sn in pairs(OPERATIONS) do
  Client[sn] = function(self, req)
    if getmetatable(self) ~= Client then
      error("bad self to '" .. sn .. "' (call it as client:" .. sn .. "{...})", 2)
    end
    return self:call(sn, req)
  end
end

---------------------------------------------------------------------------
-- pagination (paginators-1.json)
---------------------------------------------------------------------------

local function paginator_of(name)
  local sn = OPERATIONS[name] and name or BY_MODEL_NAME[name]
  local p = sn and PAGINATORS[sn]
  if not p then
    error("sfn.client: '" .. tostring(name) .. "' is not a paginated operation", 3)
  end
  return sn, p
end

-- for page, err in client:paginate(op, req): each response page in turn;
-- a failure ends the loop with (false, err).
function Client:paginate(name, req)
  local sn, p = paginator_of(name)
  if req ~= nil and type(req) ~= "table" then
    error("bad argument #2 to 'paginate' (table expected, got " .. type(req) .. ")", 2)
  end
  local base = {}
  for k, v in pairs(req or {}) do base[k] = v end
  local token, done, seen = base[p.input_token], false, {}
  return function()
    if done then return nil end
    local r = {}
    for k, v in pairs(base) do r[k] = v end
    r[p.input_token] = token
    local page, err = self:call(sn, r)
    if not page then
      done = true
      return false, err
    end
    local next_token = page[p.output_token]
    if next_token == nil or next_token == json.null or next_token == "" then
      done = true
    elseif seen[next_token] then
      done = true
      return false, new_error{ code = "PaginationError", operation = OPERATIONS[sn].name,
        message = "the service returned the same " .. p.output_token .. " twice" }
    else
      seen[next_token] = true
      token = next_token
    end
    return page
  end
end

-- for item, err in client:each(op, req): every item of every page (the
-- paginator's result key); a failure ends the loop with (false, err).
function Client:each(name, req)
  local _, p = paginator_of(name)
  local pages = self:paginate(name, req)
  local items, i = nil, 0
  return function()
    while true do
      if items then
        i = i + 1
        local item = items[i]
        if item ~= nil then return item end
        items = nil
      end
      local page, err = pages()
      if page == nil then return nil end
      if page == false then return false, err end
      items, i = page[p.result_key] or {}, 0
    end
  end
end

_M.operations = model.names
_M.Client = Client

return _M
