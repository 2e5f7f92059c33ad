-- sfn.credentials: AWS credential providers and boto3's default chain.
--
--   local credentials = require "sfn.credentials"
--   local provider = credentials.chain{ profile = nil, http = <sfn.http-like>, env = os.getenv }
--   local creds, err = provider:get()
--   -- creds = { access_key_id, secret_access_key, session_token, expiration (epoch s or nil),
--   --           source = "env" | "shared-credentials-file" | ... }
--   credentials.static{ access_key_id =, secret_access_key =, session_token = }
--   credentials.from(x)  -- a provider for x: a provider, a credentials table, or nil (the chain)
--
-- The chain, in botocore's order (the first source that has credentials wins
-- and is kept): environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
-- AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION; skipped when opts.profile is
-- given), assume-role profile (role_arn + source_profile or
-- credential_source, STS AssumeRole), web identity (AWS_WEB_IDENTITY_TOKEN_FILE
-- + AWS_ROLE_ARN, or the profile's web_identity_token_file; STS
-- AssumeRoleWithWebIdentity), (IAM Identity Center profiles: an error, not
-- supported), the shared credentials file, the profile's
-- credential_process, the config file's keys, ECS/EKS container credentials,
-- EC2 instance metadata (unless AWS_EC2_METADATA_DISABLED=true).
--
-- Credentials with an expiration are cached and fetched again from the same
-- source 15 minutes before they expire (if that fails, the cached ones are
-- used until 10 minutes before expiry).  Errors are { code, message, ... }
-- printable with tostring; no error, log line or tostring(creds) ever holds a
-- secret.  Options common to all constructors: env (function, default
-- os.getenv), http (default require "sfn.http"), sigv4 (default require
-- "sfn.sigv4"), now (function returning epoch seconds), log (function(message)),
-- sleep (function(seconds), between container retries).

local type, pairs, ipairs, error, tostring, tonumber, setmetatable, require, pcall =
  type, pairs, ipairs, error, tostring, tonumber, setmetatable, require, pcall
local string_format, string_match, string_find, string_sub, string_gsub, string_lower =
  string.format, string.match, string.find, string.sub, string.gsub, string.lower
local table_concat, math_floor, os_time, os_getenv = table.concat, math.floor, os.time, os.getenv

local config = require "sfn.config"
local iso8601 = require "sfn.iso8601"
local metadata = require "sfn.metadata"
local sts = require "sfn.sts"

local _M = {}

_M.ADVISORY_REFRESH = 15 * 60
_M.MANDATORY_REFRESH = 10 * 60

local err_mt = { __tostring = function(e) return e.code .. ": " .. e.message end }

local function new_error(code, message)
  return setmetatable({ code = code, message = message, retryable = false }, err_mt)
end

-- Credentials print without their keys.
local creds_mt = {
  __tostring = function(c)
    local s = "sfn.credentials (" .. tostring(c.source)
    if c.expiration then s = s .. ", expires " .. iso8601.format(c.expiration) end
    return s .. ")"
  end,
}

local function make_creds(t, source)
  return setmetatable({ access_key_id = t.access_key_id, secret_access_key = t.secret_access_key,
    session_token = t.session_token, expiration = t.expiration, source = source }, creds_mt)
end

local function nonempty(v)
  if type(v) == "string" and v ~= "" then return v end
  return nil
end

---------------------------------------------------------------------------
-- Providers: load() fetches, get() caches and refreshes
---------------------------------------------------------------------------

local Provider = {}
Provider.__index = Provider

-- sfn.scheduler when it can be loaded (tasks waiting for one fetch).
local sched_module
local function scheduler()
  if sched_module == nil then
    local ok, m = pcall(require, "sfn.scheduler")
    sched_module = ok and type(m) == "table" and m.current and m or false
  end
  return sched_module or nil
end

-- Fresh credentials from the source: creds, or nil (none there), or nil, err.
function Provider:load()
  return self._load(self)
end

function Provider:get()
  local now = self.now()
  local c = self.cached
  if c and (not c.expiration or now < c.expiration - _M.ADVISORY_REFRESH) then return c end
  -- Another task is fetching: the cached credentials do until the mandatory
  -- window; otherwise a scheduler task waits for that fetch and looks again.
  while self.refreshing do
    if c and c.expiration and now < c.expiration - _M.MANDATORY_REFRESH then return c end
    local sched = scheduler()
    local task = sched and sched.current()
    if not task then break end
    self.waiters[#self.waiters + 1] = task
    sched.suspend()
    now, c = self.now(), self.cached
    if c and (not c.expiration or now < c.expiration - _M.ADVISORY_REFRESH) then return c end
  end
  self.refreshing = true
  local ok, fresh, err = pcall(self.load, self)
  self.refreshing = false
  local waiters = self.waiters
  if #waiters > 0 then
    self.waiters = {}
    local sched = scheduler()
    for _, task in ipairs(waiters) do sched.wake(task) end
  end
  if not ok then error(fresh, 0) end
  if fresh then
    if fresh.expiration and fresh.expiration <= now then
      err = new_error("CredentialRetrievalError",
        "credentials from " .. tostring(fresh.source) .. " have already expired")
    else
      self.cached = fresh
      return fresh
    end
  end
  if c and now < c.expiration - _M.MANDATORY_REFRESH then
    self:log(string_format("refreshing credentials from %s failed (%s); using the cached ones",
      tostring(c.source), err and tostring(err) or "none found"))
    return c
  end
  self.cached = nil
  if not err then err = new_error("NoCredentialsError", "Unable to locate credentials") end
  return nil, err
end

-- Forget the cached credentials (the next get() fetches).
function Provider:invalidate()
  self.cached = nil
  self.active = nil
end

function Provider:log(message)
  if self.ctx.log then self.ctx.log("sfn.credentials: " .. message) end
end

local function check_opts(opts, fname)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string_format("bad argument #1 to '%s' (table expected, got %s)", fname, type(opts)), 3)
  end
  for _, k in ipairs { "env", "now", "log", "sleep", "mfa_token" } do
    if opts[k] ~= nil and type(opts[k]) ~= "function" then
      error(string_format("bad option '%s' to '%s' (function expected, got %s)", k, fname, type(opts[k])), 3)
    end
  end
  if opts.profile ~= nil and type(opts.profile) ~= "string" then
    error(string_format("bad option 'profile' to '%s' (string expected, got %s)", fname, type(opts.profile)), 3)
  end
  return opts
end

-- The shared context of one chain: options, and the config files loaded once.
local function new_ctx(opts)
  local ctx = {
    env = opts.env or os_getenv, now = opts.now or os_time, log = opts.log, sleep = opts.sleep,
    profile = opts.profile, config_file = opts.config_file, credentials_file = opts.credentials_file,
    ecs_endpoint = opts.ecs_endpoint, mfa_token = opts.mfa_token, cfg = opts.config,
    _http = opts.http, _sigv4 = opts.sigv4,
  }
  function ctx.http() return ctx._http or require "sfn.http" end
  function ctx.sigv4() return ctx._sigv4 or require "sfn.sigv4" end
  function ctx.config()
    if not ctx.cfg then
      local cfg, err = config.load{ profile = ctx.profile, env = ctx.env,
        config_file = ctx.config_file, credentials_file = ctx.credentials_file }
      if not cfg then return nil, err end
      ctx.cfg = cfg
    end
    return ctx.cfg
  end
  return ctx
end

local function new_provider(name, ctx, load)
  return setmetatable({ name = name, ctx = ctx, now = ctx.now, _load = load, waiters = {} }, Provider)
end

---------------------------------------------------------------------------
-- Sources
---------------------------------------------------------------------------

local function from_env(ctx)
  local env = ctx.env
  local akid = nonempty(env("AWS_ACCESS_KEY_ID"))
  if not akid then return nil end
  local secret = nonempty(env("AWS_SECRET_ACCESS_KEY"))
  if not secret then
    return nil, new_error("PartialCredentialsError",
      "Partial credentials found in the environment, missing: AWS_SECRET_ACCESS_KEY")
  end
  local expiration
  local exp_text = nonempty(env("AWS_CREDENTIAL_EXPIRATION"))
  if exp_text then
    expiration = iso8601.parse(exp_text)
    if not expiration then
      return nil, new_error("CredentialRetrievalError",
        "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 timestamp")
    end
  end
  return make_creds({ access_key_id = akid, secret_access_key = secret,
    session_token = nonempty(env("AWS_SESSION_TOKEN")) or nonempty(env("AWS_SECURITY_TOKEN")),
    expiration = expiration }, "env")
end

-- Static keys of a profile's section (values), or nil, or nil, err.
local function from_section(values, source, profile_name)
  if not values then return nil end
  local akid = nonempty(values.aws_access_key_id)
  if not akid then return nil end
  local secret = nonempty(values.aws_secret_access_key)
  if not secret then
    return nil, new_error("PartialCredentialsError", string_format(
      "Partial credentials found in %s (profile %s), missing: aws_secret_access_key", source, profile_name))
  end
  return make_creds({ access_key_id = akid, secret_access_key = secret,
    session_token = nonempty(values.aws_session_token) or nonempty(values.aws_security_token) }, source)
end

local function has_static(values)
  return values and nonempty(values.aws_access_key_id) ~= nil
end

-- Run a credential_process command: its stdout, or nil, reason.
local PROCESS_MARK = "\n__sfn_credential_process_status="

local function run_process(command)
  local errfile = os.tmpname()
  local p = io.popen("( " .. command .. "\n) 2>'" .. errfile .. "'; printf '"
    .. string_gsub(PROCESS_MARK, "\n", "\\n") .. "%d' $?", "r")
  if not p then
    os.remove(errfile)
    return nil, "could not be started"
  end
  local out = p:read("*a") or ""
  p:close()
  local ef = io.open(errfile, "rb")
  local stderr = ef and ef:read("*a") or ""
  if ef then ef:close() end
  os.remove(errfile)
  local at = nil
  local from = 1
  while true do
    local i = string_find(out, PROCESS_MARK, from, true)
    if not i then break end
    at, from = i, i + 1
  end
  local status = at and tonumber(string_match(string_sub(out, at + #PROCESS_MARK), "^(%d+)")) or -1
  local stdout = at and string_sub(out, 1, at - 1) or out
  if status ~= 0 then
    stderr = string_gsub(stderr, "%s+$", "")
    if #stderr > 512 then stderr = string_sub(stderr, 1, 512) .. "..." end
    return nil, string_format("exited with status %d%s", status, stderr ~= "" and (": " .. stderr) or "")
  end
  return stdout
end

local function from_process(ctx, values, profile_name)
  local command = values and nonempty(values.credential_process)
  if not command then return nil end
  local function fail(why)
    return nil, new_error("CredentialRetrievalError", string_format(
      "Error when retrieving credentials from the credential_process of profile %s: %s", profile_name, why))
  end
  local out, why = run_process(command)
  if not out then return fail(why) end
  local json = require "sfn.json"
  local doc = json.decode(out)
  if type(doc) ~= "table" then return fail("its output is not a JSON object") end
  if doc.Version ~= 1 then
    return fail(string_format("unsupported Version %s (supported: 1)", tostring(doc.Version)))
  end
  for _, k in ipairs { "AccessKeyId", "SecretAccessKey" } do
    if not nonempty(doc[k]) then return fail("its output has no " .. k) end
  end
  local expiration
  if doc.Expiration ~= nil then
    expiration = iso8601.parse(doc.Expiration)
    if not expiration then return fail("its Expiration is not an ISO 8601 timestamp") end
  end
  return make_creds({ access_key_id = doc.AccessKeyId, secret_access_key = doc.SecretAccessKey,
    session_token = nonempty(doc.SessionToken), expiration = expiration }, "custom-process")
end

local function session_name(ctx, given)
  return nonempty(given) or ("sfn-session-" .. tostring(math_floor(ctx.now())))
end

local function sts_opts(ctx, cfg)
  local region = cfg and cfg.region
  return { http = ctx.http(), endpoint = sts.endpoint(region, cfg), region = region or "us-east-1",
           now = ctx.now }
end

-- Web identity, from the environment (use_env) and/or the profile's values.
local function from_web_identity(ctx, values, use_env)
  local env = ctx.env
  local function get(env_name, key)
    if use_env then
      local v = nonempty(env(env_name))
      if v then return v end
    end
    return values and nonempty(values[key])
  end
  local token_file = get("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")
  if not token_file then return nil end
  local role_arn = get("AWS_ROLE_ARN", "role_arn")
  if not role_arn then
    return nil, new_error("InvalidConfigError",
      "web identity is configured (a token file) but no role ARN is: set AWS_ROLE_ARN or the profile's role_arn")
  end
  local f = io.open(token_file, "rb")
  if not f then
    return nil, new_error("CredentialRetrievalError", "cannot read the web identity token file " .. token_file)
  end
  local token = f:read("*a") or ""
  f:close()
  local cfg = ctx.config()
  local o = sts_opts(ctx, cfg)
  o.params = { RoleArn = role_arn, RoleSessionName = session_name(ctx, get("AWS_ROLE_SESSION_NAME", "role_session_name")),
               WebIdentityToken = token }
  local creds, err = sts.assume_role_with_web_identity(o)
  if not creds then return nil, err end
  return make_creds(creds, "assume-role-with-web-identity")
end

local from_assume_role

-- Credentials of a credential_source.
local function from_credential_source(ctx, source, profile_name)
  local creds, err
  if source == "Environment" then
    creds, err = from_env(ctx)
  elseif source == "Ec2InstanceMetadata" then
    local why
    creds, why = _M._imds(ctx)
  elseif source == "EcsContainer" then
    creds, err = metadata.container{ http = ctx.http(), env = ctx.env, ecs_endpoint = ctx.ecs_endpoint,
                                     sleep = ctx.sleep }
  else
    return nil, new_error("InvalidConfigError", string_format(
      "The credential_source %q of profile %s is not supported (Environment, Ec2InstanceMetadata, EcsContainer)",
      source, profile_name))
  end
  if err then return nil, err end
  if not creds then
    return nil, new_error("CredentialRetrievalError", string_format(
      "No credentials found in credential_source %s referenced in profile %s", source, profile_name))
  end
  return creds
end

local function is_role_profile(values)
  return values and nonempty(values.role_arn) and not nonempty(values.web_identity_token_file)
end

-- The credentials a source profile provides (botocore: its static keys, or
-- the profile providers, or another assume-role).
local function from_source_profile(ctx, cfg, name, visited)
  local values = cfg.profiles[name]
  if has_static(values) or not is_role_profile(values) then
    local providers = {
      function() return from_web_identity(ctx, values, false) end,
      function() return from_section(cfg.credentials_profiles[name], "shared-credentials-file", name) end,
      function() return from_process(ctx, values, name) end,
      function() return from_section(cfg.config_profiles[name], "config-file", name) end,
    }
    for _, load in ipairs(providers) do
      local creds, err = load()
      if err then return nil, err end
      if creds then return creds end
    end
    return nil, new_error("InvalidConfigError",
      string_format("The source profile %s must have credentials", name))
  end
  return from_assume_role(ctx, cfg, name, visited)
end

from_assume_role = function(ctx, cfg, name, visited)
  local values = cfg.profiles[name]
  visited[#visited + 1] = name
  visited[name] = true
  local source_profile = nonempty(values.source_profile)
  local credential_source = nonempty(values.credential_source)
  if source_profile and credential_source then
    return nil, new_error("InvalidConfigError", string_format(
      "The profile %s contains both source_profile and credential_source", name))
  end
  if not source_profile and not credential_source then
    return nil, new_error("PartialCredentialsError", string_format(
      "Partial credentials found in assume-role (profile %s), missing: source_profile or credential_source", name))
  end
  local source_creds, err
  if credential_source then
    source_creds, err = from_credential_source(ctx, credential_source, name)
  else
    if not cfg.profiles[source_profile] then
      return nil, new_error("InvalidConfigError", string_format(
        "The source_profile %s referenced in the profile %s does not exist", source_profile, name))
    end
    if visited[source_profile] and (source_profile ~= name or not has_static(cfg.profiles[source_profile])) then
      return nil, new_error("InfiniteLoopConfigError", string_format(
        "Infinite loop in credential configuration detected: profile %s was already visited (%s)",
        source_profile, table_concat(visited, " -> ")))
    end
    source_creds, err = from_source_profile(ctx, cfg, source_profile, visited)
  end
  if not source_creds then return nil, err end

  local params = { RoleArn = values.role_arn, RoleSessionName = session_name(ctx, values.role_session_name) }
  if nonempty(values.external_id) then params.ExternalId = values.external_id end
  if nonempty(values.duration_seconds) then
    local d = tonumber(values.duration_seconds)
    if not d or d ~= math_floor(d) then
      return nil, new_error("InvalidConfigError", string_format(
        "duration_seconds of profile %s must be an integer", name))
    end
    params.DurationSeconds = d
  end
  if nonempty(values.mfa_serial) then
    if not ctx.mfa_token then
      return nil, new_error("InvalidConfigError", string_format(
        "profile %s needs an MFA code (mfa_serial); pass an mfa_token function", name))
    end
    params.SerialNumber = values.mfa_serial
    params.TokenCode = ctx.mfa_token(values.mfa_serial)
  end
  local o = sts_opts(ctx, cfg)
  o.sigv4 = ctx.sigv4()
  o.credentials = source_creds
  o.params = params
  local creds
  creds, err = sts.assume_role(o)
  if not creds then return nil, err end
  return make_creds(creds, "assume-role")
end

-- IMDS credentials for ctx, or nil, reason (a string, for the log).
function _M._imds(ctx)
  local env = ctx.env
  local disabled = nonempty(env("AWS_EC2_METADATA_DISABLED"))
  if disabled and string_lower(disabled) == "true" then return nil, "disabled by AWS_EC2_METADATA_DISABLED" end
  local cfg = ctx.config() or {}
  local creds, why = metadata.imds{
    http = ctx.http(),
    endpoint = cfg.ec2_metadata_service_endpoint,
    mode = cfg.ec2_metadata_service_endpoint_mode,
    timeout = cfg.metadata_service_timeout,
    attempts = cfg.metadata_service_num_attempts,
    v1_disabled = cfg.ec2_metadata_v1_disabled,
  }
  if not creds then return nil, why end
  return make_creds(creds, "iam-role")
end

---------------------------------------------------------------------------
-- Public constructors
---------------------------------------------------------------------------

-- Each source as a provider on ctx: name -> load(provider).
local sources = {}

sources.env = function(p) return from_env(p.ctx) end

sources["assume-role"] = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  if not is_role_profile(cfg.values) then return nil end
  return from_assume_role(p.ctx, cfg, cfg.profile, {})
end

sources["assume-role-with-web-identity"] = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  return from_web_identity(p.ctx, cfg.values, true)
end

-- IAM Identity Center (SSO) profiles are not supported: say so rather than
-- fall through to the next source.
sources.sso = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  local v = cfg.values
  if nonempty(v.sso_session) or nonempty(v.sso_start_url) or nonempty(v.sso_account_id) then
    return nil, new_error("InvalidConfigError", string_format(
      "profile %s uses IAM Identity Center (sso_* settings), which sfn.credentials does not support; "
      .. "use credential_process (for example `aws configure export-credentials`) instead", cfg.profile))
  end
  return nil
end

sources["shared-credentials-file"] = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  return from_section(cfg.credentials_profiles[cfg.profile], "shared-credentials-file", cfg.profile)
end

sources["custom-process"] = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  return from_process(p.ctx, cfg.values, cfg.profile)
end

sources["config-file"] = function(p)
  local cfg, err = p.ctx.config()
  if not cfg then return nil, err end
  return from_section(cfg.config_profiles[cfg.profile], "config-file", cfg.profile)
end

sources["container-role"] = function(p)
  local ctx = p.ctx
  local creds, err = metadata.container{ http = ctx.http(), env = ctx.env, ecs_endpoint = ctx.ecs_endpoint,
                                         sleep = ctx.sleep }
  if not creds then return nil, err end
  return make_creds(creds, "container-role")
end

sources["iam-role"] = function(p)
  local creds, why = _M._imds(p.ctx)
  if not creds then
    p:log("no credentials from EC2 instance metadata: " .. tostring(why))
    return nil
  end
  return creds
end

_M.CHAIN = { "env", "assume-role", "assume-role-with-web-identity", "sso", "shared-credentials-file",
             "custom-process", "config-file", "container-role", "iam-role" }

-- A provider for one source by name (see _M.CHAIN), with the chain's options.
function _M.source(name, opts)
  opts = check_opts(opts, "source")
  local load = sources[name]
  if not load then error("unknown credential source '" .. tostring(name) .. "'", 2) end
  return new_provider(name, new_ctx(opts), load)
end

-- The default chain (see the header).  opts: profile, env, http, sigv4, now,
-- log, sleep, config (an sfn.config.load result to use instead of reading
-- the files), config_file, credentials_file, ecs_endpoint (instead of
-- http://169.254.170.2), mfa_token (function(serial) -> code), sources (names,
-- instead of _M.CHAIN).
function _M.chain(opts)
  opts = check_opts(opts, "chain")
  local ctx = new_ctx(opts)
  local names = opts.sources or _M.CHAIN
  local list = {}
  for _, name in ipairs(names) do
    if not (name == "env" and opts.profile ~= nil) then
      if not sources[name] then error("unknown credential source '" .. tostring(name) .. "'", 2) end
      list[#list + 1] = new_provider(name, ctx, sources[name])
    end
  end
  local chain = new_provider("chain", ctx, function(self)
    if self.active then
      -- refresh from the source that answered before
      return self.active:load()
    end
    for _, p in ipairs(list) do
      local creds, err = p:load()
      if err then
        self:log(string_format("%s: %s", p.name, tostring(err)))
        return nil, err
      end
      if creds then
        self.active = p
        self:log("found credentials in " .. p.name)
        return creds
      end
    end
    return nil
  end)
  chain.providers = list
  return chain
end

-- Fixed credentials.
function _M.static(t)
  if type(t) ~= "table" then
    error("bad argument #1 to 'static' (table expected, got " .. type(t) .. ")", 2)
  end
  for _, k in ipairs { "access_key_id", "secret_access_key" } do
    if type(t[k]) ~= "string" or t[k] == "" then
      error(string_format("bad field '%s' to 'static' (non-empty string expected, got %s)", k, type(t[k])), 2)
    end
  end
  if t.session_token ~= nil and type(t.session_token) ~= "string" then
    error("bad field 'session_token' to 'static' (string expected, got " .. type(t.session_token) .. ")", 2)
  end
  local creds = make_creds({ access_key_id = t.access_key_id, secret_access_key = t.secret_access_key,
    session_token = t.session_token, expiration = t.expiration }, "explicit")
  return new_provider("explicit", new_ctx({}), function() return creds end)
end

-- A provider for x: x itself if it has a get method, static credentials for
-- a table of keys, the default chain (with opts) for nil.
function _M.from(x, opts)
  if x == nil then return _M.chain(opts) end
  if type(x) == "table" then
    if type(x.get) == "function" then return x end
    return _M.static(x)
  end
  error("bad argument #1 to 'from' (table or nil expected, got " .. type(x) .. ")", 2)
end

return _M
