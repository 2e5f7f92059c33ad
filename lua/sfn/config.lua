-- sfn.config: the AWS shared config and credentials files and the AWS_*
-- environment, read the way the AWS CLI and boto3 (botocore) read them.
--
--   local config = require "sfn.config"
--   local cfg, err = config.load{ profile = nil, env = os.getenv }
--   -- cfg.profile ("default" unless named), cfg.region, cfg.endpoint_url (for Step
--   -- Functions), cfg.use_fips_endpoint, cfg.use_dualstack_endpoint, cfg.max_attempts,
--   -- cfg.retry_mode, cfg.ca_bundle, ...; cfg.values = the profile's own keys;
--   -- cfg.profiles = every profile by name (config_profiles and credentials_profiles:
--   -- each file's own); cfg.services = the [services x] sections.
--   config.endpoint_url(cfg, "STS")   -- the configured endpoint for another service
--
-- Files: AWS_CONFIG_FILE (default ~/.aws/config) holds [default] and
-- [profile NAME] sections (a plain [NAME] there is not a profile), plus
-- [services NAME] and [sso-session NAME]; AWS_SHARED_CREDENTIALS_FILE (default
-- ~/.aws/credentials) holds [NAME] sections whose keys override the config
-- file's for that profile.  A missing file is empty.  The profile is
-- opts.profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE (botocore's order),
-- else "default"; a named profile that no file has is an error
-- (ProfileNotFound).
--
-- INI syntax as Python's configparser reads it for botocore: `key = value` or
-- `key: value` (keys lowercased, values trimmed, no inline comments), full-line
-- comments with # or ;, lines indented deeper than their key continue its value; a value that
-- starts on the next line (`s3 =` then indented `key = value` lines) is a
-- nested section and becomes a table.  A duplicate section or key, or a line
-- outside any section, makes the file unreadable (ConfigParseError), as in
-- botocore.  Errors name the file and line, never a value.

local type, pairs, ipairs, error, tostring, tonumber, setmetatable, io_open, os_getenv =
  type, pairs, ipairs, error, tostring, tonumber, setmetatable, io.open, os.getenv
local string_format, string_match, string_find, string_sub, string_gsub, string_lower, string_upper =
  string.format, string.match, string.find, string.sub, string.gsub, string.lower, string.upper

local _M = {}

local err_mt = { __tostring = function(e) return e.code .. ": " .. e.message end }
_M.error_mt = err_mt

local function fail(code, message)
  return nil, setmetatable({ code = code, message = message, retryable = false }, err_mt)
end

local function trim(s)
  return (string_gsub(s, "^%s+", ""):gsub("%s+$", ""))
end

---------------------------------------------------------------------------
-- INI
---------------------------------------------------------------------------

-- A nested section's lines: `key = value` each (blank lines skipped).
local function parse_nested(text)
  local t = {}
  for line in string.gmatch(text, "[^\n]+") do
    if string_find(line, "%S") then
      local k, v = string_match(line, "^([^=]*)=(.*)$")
      if not k then return nil end
      t[trim(k)] = trim(v)
    end
  end
  return t
end

-- Parse INI text.  Returns { order = { section names in file order },
-- sections = { [name] = { key = value or nested table } } } or nil, reason
-- (with the line number).
function _M.parse_ini(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'parse_ini' (string expected, got " .. type(text) .. ")", 2)
  end
  local order, sections = {}, {}
  local current, key, key_indent, lineno = nil, nil, 0, 0
  local raw = {}           -- key -> raw (possibly multi-line) value, per section
  local key_line = {}      -- key -> its line number, per section
  local function finish()
    if not current then return true end
    for k, v in pairs(raw) do
      if string_sub(v, 1, 1) == "\n" then
        local nested = parse_nested(v)
        if not nested then
          return nil, string_format("line %d: the nested section %s has a line without '='", key_line[k], k)
        end
        current[k] = nested
      else
        current[k] = v
      end
    end
    return true
  end
  text = string_gsub(text, "\r\n?", "\n")
  if string_sub(text, 1, 3) == "\239\187\191" then text = string_sub(text, 4) end
  for line in string.gmatch(text .. "\n", "([^\n]*)\n") do
    lineno = lineno + 1
    local stripped = trim(line)
    local first = string_sub(stripped, 1, 1)
    if stripped == "" or first == "#" or first == ";" then
      -- blank or comment: skipped
    elseif key and #string_match(line, "^%s*") > key_indent then
      raw[key] = raw[key] .. "\n" .. stripped
    elseif first == "[" and string_match(stripped, "^%[(.+)%]$") then
      local ok, why = finish()
      if not ok then return nil, why end
      local name = trim(string_match(stripped, "^%[(.+)%]$"))
      if sections[name] then
        return nil, string_format("line %d: duplicate section", lineno)
      end
      current, key, raw, key_line = {}, nil, {}, {}
      sections[name] = current
      order[#order + 1] = name
    else
      if not current then return nil, string_format("line %d: not in a section", lineno) end
      local k, v = string_match(line, "^%s*([^=:]-)%s*[=:](.*)$")
      if not k or k == "" then
        return nil, string_format("line %d: expected 'key = value'", lineno)
      end
      k = string_lower(k)
      if raw[k] then return nil, string_format("line %d: duplicate key", lineno) end
      key, key_indent = k, #string_match(line, "^%s*")
      key_line[k] = lineno
      raw[k] = trim(v)
    end
  end
  local ok, why = finish()
  if not ok then return nil, why end
  return { order = order, sections = sections }
end

-- Split a section name the way shlex does for the few forms config files
-- use: words separated by blanks, single or double quotes around a word.
local function split_words(s)
  local words, i, n = {}, 1, #s
  while i <= n do
    local c = string_sub(s, i, i)
    if string_find(c, "%s") then
      i = i + 1
    else
      local word = {}
      while i <= n and not string_find(string_sub(s, i, i), "%s") do
        c = string_sub(s, i, i)
        if c == '"' or c == "'" then
          local close = string_find(s, c, i + 1, true)
          if not close then return nil end
          word[#word + 1] = string_sub(s, i + 1, close - 1)
          i = close + 1
        else
          word[#word + 1] = c
          i = i + 1
        end
      end
      words[#words + 1] = table.concat(word)
    end
  end
  return words
end

---------------------------------------------------------------------------
-- Files
---------------------------------------------------------------------------

local function expand_home(path, env)
  if string_sub(path, 1, 1) ~= "~" then return path end
  local home = env("HOME")
  if not home or home == "" then return nil end
  return home .. string_sub(path, 2)
end

-- The parsed file at path, or an empty one when there is no such file.
local function read_ini(path)
  if not path then return { order = {}, sections = {} } end
  local f = io_open(path, "rb")
  if not f then return { order = {}, sections = {} } end
  local text = f:read("*a")
  f:close()
  if not text then return fail("ConfigParseError", "Unable to parse config file: " .. path) end
  local ini, why = _M.parse_ini(text)
  if not ini then
    return fail("ConfigParseError", string_format("Unable to parse config file: %s (%s)", path, why))
  end
  return ini
end

-- The two files' paths for env.
function _M.paths(env)
  env = env or os_getenv
  local cfg = env("AWS_CONFIG_FILE")
  if cfg == nil or cfg == "" then cfg = "~/.aws/config" end
  local creds = env("AWS_SHARED_CREDENTIALS_FILE")
  if creds == nil or creds == "" then creds = "~/.aws/credentials" end
  return expand_home(cfg, env), expand_home(creds, env)
end

-- Both files as { profiles = (merged), config_profiles =, credentials_profiles =,
-- services =, sso_sessions =, config_file =, credentials_file = }, or nil, err.
function _M.read_files(opts)
  opts = opts or {}
  local env = opts.env or os_getenv
  local config_path, credentials_path = _M.paths(env)
  config_path = opts.config_file or config_path
  credentials_path = opts.credentials_file or credentials_path
  local conf, err = read_ini(config_path)
  if not conf then return nil, err end
  local creds
  creds, err = read_ini(credentials_path)
  if not creds then return nil, err end

  local out = { profiles = {}, services = {}, sso_sessions = {},
                config_profiles = {}, credentials_profiles = creds.sections,
                config_file = config_path, credentials_file = credentials_path }
  for _, name in ipairs(conf.order) do
    local values = conf.sections[name]
    local words = split_words(name)
    if name == "default" then
      out.config_profiles.default = values
    elseif words and #words == 2 then
      if words[1] == "profile" then out.config_profiles[words[2]] = values
      elseif words[1] == "services" then out.services[words[2]] = values
      elseif words[1] == "sso-session" then out.sso_sessions[words[2]] = values
      end
    end
  end
  -- profiles: each config profile, with its credentials-file keys on top
  for name, values in pairs(out.config_profiles) do
    local merged = {}
    for k, v in pairs(values) do merged[k] = v end
    out.profiles[name] = merged
  end
  for _, name in ipairs(creds.order) do
    local target = out.profiles[name]
    if not target then
      target = {}
      out.profiles[name] = target
    end
    for k, v in pairs(creds.sections[name]) do target[k] = v end
  end
  return out
end

---------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------

-- Each setting: its environment variables (first set wins), its profile key,
-- its type.  The environment wins over the profile.
local settings = {
  region = { env = { "AWS_REGION", "AWS_DEFAULT_REGION" }, key = "region" },
  use_fips_endpoint = { env = { "AWS_USE_FIPS_ENDPOINT" }, key = "use_fips_endpoint", type = "boolean" },
  use_dualstack_endpoint = { env = { "AWS_USE_DUALSTACK_ENDPOINT" }, key = "use_dualstack_endpoint",
                             type = "boolean" },
  ignore_configured_endpoint_urls = { env = { "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" },
                                      key = "ignore_configured_endpoint_urls", type = "boolean" },
  max_attempts = { env = { "AWS_MAX_ATTEMPTS" }, key = "max_attempts", type = "integer" },
  retry_mode = { env = { "AWS_RETRY_MODE" }, key = "retry_mode" },
  ca_bundle = { env = { "AWS_CA_BUNDLE" }, key = "ca_bundle" },
  metadata_service_timeout = { env = { "AWS_METADATA_SERVICE_TIMEOUT" }, key = "metadata_service_timeout",
                               type = "number" },
  metadata_service_num_attempts = { env = { "AWS_METADATA_SERVICE_NUM_ATTEMPTS" },
                                    key = "metadata_service_num_attempts", type = "integer" },
  ec2_metadata_service_endpoint = { env = { "AWS_EC2_METADATA_SERVICE_ENDPOINT" },
                                    key = "ec2_metadata_service_endpoint" },
  ec2_metadata_service_endpoint_mode = { env = { "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE" },
                                         key = "ec2_metadata_service_endpoint_mode" },
  ec2_metadata_v1_disabled = { env = { "AWS_EC2_METADATA_V1_DISABLED" }, key = "ec2_metadata_v1_disabled",
                               type = "boolean" },
  sts_regional_endpoints = { env = { "AWS_STS_REGIONAL_ENDPOINTS" }, key = "sts_regional_endpoints" },
}
_M.settings = settings

local function convert(name, kind, v, source)
  if kind == "boolean" then
    local l = string_lower(v)
    if l == "true" then return true end
    if l == "false" then return false end
    return fail("InvalidConfigError", string_format("%s (from %s) must be true or false", name, source))
  elseif kind == "integer" or kind == "number" then
    local n = tonumber(v)
    if not n or (kind == "integer" and n ~= math.floor(n)) then
      return fail("InvalidConfigError", string_format("%s (from %s) must be a%s", name, source,
        kind == "integer" and "n integer" or " number"))
    end
    return n
  end
  return v
end

local function setting(name, env, values)
  local spec = settings[name]
  for _, var in ipairs(spec.env) do
    local v = env(var)
    if v ~= nil and v ~= "" then return convert(name, spec.type, v, var) end
  end
  local v = values[spec.key]
  if type(v) == "string" and v ~= "" then
    return convert(name, spec.type, v, "profile key " .. spec.key)
  end
  return nil
end

-- The configured endpoint URL for the service whose SDK service id is
-- service_id ("SFN", "STS", ...): AWS_ENDPOINT_URL_<ID>, AWS_ENDPOINT_URL,
-- the profile's services section, the profile's endpoint_url; none when
-- configured endpoints are ignored.
function _M.endpoint_url(cfg, service_id)
  if cfg.ignore_configured_endpoint_urls then return nil end
  local env = cfg.env or os_getenv
  local id = string_gsub(service_id, "[%s%-]", "_")
  for _, var in ipairs { "AWS_ENDPOINT_URL_" .. string_upper(id), "AWS_ENDPOINT_URL" } do
    local v = env(var)
    if v ~= nil and v ~= "" then return v end
  end
  local values = cfg.values or {}
  local services_name = values.services
  if type(services_name) == "string" and cfg.services and cfg.services[services_name] then
    local section = cfg.services[services_name][string_lower(id)]
    if type(section) == "table" and section.endpoint_url and section.endpoint_url ~= "" then
      return section.endpoint_url
    end
  end
  if type(values.endpoint_url) == "string" and values.endpoint_url ~= "" then
    return values.endpoint_url
  end
  return nil
end

-- The profile name opts select (see the header).
function _M.profile_name(opts)
  opts = opts or {}
  local env = opts.env or os_getenv
  if opts.profile ~= nil then return opts.profile, true end
  for _, var in ipairs { "AWS_DEFAULT_PROFILE", "AWS_PROFILE" } do
    local v = env(var)
    if v ~= nil and v ~= "" then return v, true end
  end
  return "default", false
end

-- The effective configuration for opts = { profile =, env =, config_file =,
-- credentials_file = } (see the header), or nil, err.
function _M.load(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bad argument #1 to 'load' (table expected, got " .. type(opts) .. ")", 2)
  end
  if opts.profile ~= nil and type(opts.profile) ~= "string" then
    error("bad option 'profile' to 'load' (string expected, got " .. type(opts.profile) .. ")", 2)
  end
  local env = opts.env or os_getenv
  local files, err = _M.read_files(opts)
  if not files then return nil, err end
  local name, named = _M.profile_name(opts)
  local values = files.profiles[name]
  if not values then
    if named and name ~= "default" then
      return fail("ProfileNotFound", string_format("The config profile (%s) could not be found", name))
    end
    values = {}
  end
  local cfg = {
    profile = name, values = values, profiles = files.profiles, services = files.services,
    sso_sessions = files.sso_sessions, config_profiles = files.config_profiles,
    credentials_profiles = files.credentials_profiles, config_file = files.config_file,
    credentials_file = files.credentials_file, env = env,
  }
  for key in pairs(settings) do
    local v, e = setting(key, env, values)
    if e then return nil, e end
    cfg[key] = v
  end
  cfg.endpoint_url = _M.endpoint_url(cfg, "SFN")
  return cfg
end

return _M
