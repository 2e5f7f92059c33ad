-- sfn.metadata: credentials from the two metadata services: the ECS/EKS
-- container credentials endpoint and EC2's instance metadata service (IMDSv2,
-- with botocore's IMDSv1 fallback).
--
--   local metadata = require "sfn.metadata"
--   local creds, err = metadata.container{ http =, env =, ecs_endpoint = "http://169.254.170.2" }
--   local creds, err = metadata.imds{ http =, endpoint =, timeout = 1, attempts = 1, v1_disabled = false }
--   -- creds = { access_key_id, secret_access_key, session_token, expiration (epoch s) };
--   -- nil (no error) when the source is not configured / not there.
--
-- Container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to
-- http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http
-- to a loopback address or the ECS/EKS agent addresses), with an
-- Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on
-- each fetch) or AWS_CONTAINER_AUTHORIZATION_TOKEN.  Three attempts.
--
-- IMDS: PUT /latest/api/token (TTL header), then GET
-- /latest/meta-data/iam/security-credentials/ for the role name and GET
-- .../<role> for the credentials, each with the token header.  A token
-- request answered 403/404/405 falls back to IMDSv1 (no token) unless v1 is
-- disabled.  Any failure means "no credentials here" (nil plus a reason for
-- the log), so the chain ends with NoCredentialsError, as in botocore.

local type, ipairs, tostring, setmetatable, require, pcall =
  type, ipairs, tostring, setmetatable, require, pcall
local string_format, string_match, string_lower, string_find, string_sub, string_gsub =
  string.format, string.match, string.lower, string.find, string.sub, string.gsub

local iso8601 = require "sfn.iso8601"

local _M = {}

local err_mt = { __tostring = function(e) return e.code .. ": " .. e.message end }

local function new_error(code, message, status)
  return setmetatable({ code = code, message = message, status = status, retryable = false }, err_mt)
end

-- Credentials from a metadata JSON document (AccessKeyId, SecretAccessKey,
-- Token, Expiration), or nil, reason.  The reason never quotes the document.
local function from_document(body, what)
  local ok, json = pcall(require, "sfn.json")
  if not ok then return nil, "sfn.json is not available" end
  local doc = json.decode(body or "")
  if type(doc) ~= "table" then return nil, what .. " answered a body that is not a JSON object" end
  for _, k in ipairs { "AccessKeyId", "SecretAccessKey" } do
    if type(doc[k]) ~= "string" or doc[k] == "" then
      return nil, what .. " answered without " .. k
    end
  end
  local expiration
  if doc.Expiration ~= nil then
    expiration = iso8601.parse(doc.Expiration)
    if not expiration then return nil, what .. " answered an unreadable Expiration" end
  end
  local token = doc.Token
  if type(token) ~= "string" or token == "" then token = nil end
  return { access_key_id = doc.AccessKeyId, secret_access_key = doc.SecretAccessKey,
           session_token = token, expiration = expiration }
end
_M.from_document = from_document

---------------------------------------------------------------------------
-- Container credentials
---------------------------------------------------------------------------

local ECS_HOST = "http://169.254.170.2"
local allowed_http_hosts = {
  ["localhost"] = true, ["169.254.170.2"] = true, ["169.254.170.23"] = true,
  ["[fd00:ec2::23]"] = true, ["[::1]"] = true,
}

local function url_host(url)
  local rest = string_match(url, "^%a[%w+.-]*://(.*)$")
  if not rest then return nil end
  local authority = string_match(rest, "^([^/?#]*)")
  authority = string_gsub(authority, "^.*@", "")
  local host = string_match(authority, "^(%[[^%]]*%])") or string_match(authority, "^([^:]*)")
  return string_lower(host)
end

local function full_uri_allowed(url)
  local scheme = string_lower(string_match(url, "^(%a[%w+.-]*)://") or "")
  if scheme == "https" then return url_host(url) ~= nil and url_host(url) ~= "" end
  if scheme ~= "http" then return false end
  local host = url_host(url)
  if not host then return false end
  if allowed_http_hosts[host] then return true end
  return string_find(host, "^127%.%d+%.%d+%.%d+$") ~= nil
end

local function env_value(env, name)
  local v = env(name)
  if v == "" then return nil end
  return v
end

-- Credentials from the container endpoint, nil when the environment names
-- none, or nil, err.
function _M.container(opts)
  opts = opts or {}
  local env = opts.env or os.getenv
  local rel = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
  local full = env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
  local url
  if rel then
    if string_sub(rel, 1, 1) ~= "/" then rel = "/" .. rel end
    url = (opts.ecs_endpoint or ECS_HOST) .. rel
  elseif full then
    if not full_uri_allowed(full) then
      return nil, new_error("CredentialRetrievalError", string_format(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or an "
        .. "ECS/EKS container agent address (host %s is not)", tostring(url_host(full))))
    end
    url = full
  else
    return nil
  end
  local headers = { Accept = "application/json" }
  local token_file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
  local token
  if token_file then
    local f = io.open(token_file, "rb")
    if not f then
      return nil, new_error("CredentialRetrievalError",
        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " .. token_file)
    end
    token = f:read("*a") or ""
    f:close()
    token = string_gsub(token, "%s+$", "")
  else
    token = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")
  end
  if token then
    if string_find(token, "[\r\n]") then
      return nil, new_error("CredentialRetrievalError",
        "the container authorization token is not a legal header value")
    end
    headers.Authorization = token
  end
  local http = opts.http or require "sfn.http"
  local attempts = opts.attempts or 3
  local reason
  for attempt = 1, attempts do
    local res, err = http.request{ method = "GET", url = url, headers = headers,
      connect_timeout = opts.timeout or 2, read_timeout = opts.timeout or 2, timeout = (opts.timeout or 2) * 2 }
    if res and res.status == 200 then
      local creds, why = from_document(res.body, "the container credentials endpoint")
      if creds then return creds end
      reason = why
    elseif res then
      reason = string_format("the container credentials endpoint answered HTTP %d", res.status)
      if res.status < 500 then break end
    else
      reason = string_format("the container credentials endpoint could not be reached (%s)",
        tostring(err and err.code or err))
    end
    if attempt < attempts and opts.sleep then opts.sleep(opts.retry_delay or 1) end
  end
  return nil, new_error("CredentialRetrievalError", reason .. " at " .. url)
end

---------------------------------------------------------------------------
-- EC2 instance metadata
---------------------------------------------------------------------------

local IMDS_IPV4 = "http://169.254.169.254"
local IMDS_IPV6 = "http://[fd00:ec2::254]"
local TOKEN_TTL = "21600"
local CREDS_PATH = "/latest/meta-data/iam/security-credentials/"

-- The IMDS base URL for opts (endpoint, mode), without a trailing slash.
function _M.imds_endpoint(opts)
  local url = opts.endpoint
  if not url or url == "" then
    url = (opts.mode and string_lower(opts.mode) == "ipv6") and IMDS_IPV6 or IMDS_IPV4
  end
  return (string_gsub(url, "/+$", ""))
end

-- Credentials from IMDS, or nil, reason (a string) when there are none.
function _M.imds(opts)
  opts = opts or {}
  local http = opts.http or require "sfn.http"
  local base = _M.imds_endpoint(opts)
  local timeout = opts.timeout or 1
  local attempts = opts.attempts or 1

  local function request(method, path, headers)
    local res, err
    for _ = 1, attempts do
      res, err = http.request{ method = method, url = base .. path, headers = headers,
        connect_timeout = timeout, read_timeout = timeout, timeout = timeout * 2 }
      if res and res.status < 500 then return res end
    end
    return res, err
  end

  local res, err = request("PUT", "/latest/api/token",
    { ["x-aws-ec2-metadata-token-ttl-seconds"] = TOKEN_TTL })
  local token
  if res and res.status == 200 and res.body and res.body ~= "" then
    token = res.body
  elseif res and (res.status == 403 or res.status == 404 or res.status == 405) then
    if opts.v1_disabled then
      return nil, string_format("IMDS token request answered HTTP %d and IMDSv1 is disabled", res.status)
    end
  elseif res then
    return nil, string_format("IMDS token request answered HTTP %d", res.status)
  else
    return nil, string_format("IMDS could not be reached (%s)", tostring(err and err.code or err))
  end
  local headers = token and { ["x-aws-ec2-metadata-token"] = token } or {}

  res, err = request("GET", CREDS_PATH, headers)
  if not res then
    return nil, string_format("IMDS could not be reached (%s)", tostring(err and err.code or err))
  end
  if res.status ~= 200 then
    return nil, string_format("IMDS role name request answered HTTP %d", res.status)
  end
  local role = string_match(res.body or "", "^%s*([^\r\n]-)%s*\n") or string_match(res.body or "", "^%s*(.-)%s*$")
  if not role or role == "" then return nil, "IMDS has no instance role" end

  res, err = request("GET", CREDS_PATH .. role, headers)
  if not res then
    return nil, string_format("IMDS could not be reached (%s)", tostring(err and err.code or err))
  end
  if res.status ~= 200 then
    return nil, string_format("IMDS credentials request answered HTTP %d", res.status)
  end
  return from_document(res.body, "IMDS")
end

return _M
