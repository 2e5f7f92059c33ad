-- sfn.sts: the two AWS STS calls credential providers need, over STS's Query
-- protocol: AssumeRole (SigV4-signed with sfn.sigv4) and
-- AssumeRoleWithWebIdentity (unsigned).
--
--   local sts = require "sfn.sts"
--   local creds, err = sts.assume_role{ http =, sigv4 =, endpoint =, region =,
--     credentials = { access_key_id =, secret_access_key =, session_token = },
--     params = { RoleArn =, RoleSessionName =, ExternalId =, DurationSeconds = } }
--   local creds, err = sts.assume_role_with_web_identity{ http =, endpoint =,
--     params = { RoleArn =, RoleSessionName =, WebIdentityToken = } }
--   -- creds = { access_key_id, secret_access_key, session_token, expiration (epoch s) }
--   sts.endpoint(region, cfg)   -- the STS URL for a region (AWS_ENDPOINT_URL_STS & co. first)
--
-- Errors are { code = STS's code (AccessDenied, ExpiredToken, ...) or
-- "CredentialRetrievalError", message, status, request_id, retryable }; a
-- message never holds a credential (requests carry them, errors do not echo
-- the request).

local type, pairs, ipairs, tostring, tonumber, setmetatable, require, pcall =
  type, pairs, ipairs, tostring, tonumber, setmetatable, require, pcall
local string_format, string_match, string_gsub, string_byte, string_char, table_concat, table_sort =
  string.format, string.match, string.gsub, string.byte, string.char, table.concat, table.sort

local iso8601 = require "sfn.iso8601"

local _M = {}

local err_mt = { __tostring = function(e) return e.code .. ": " .. e.message end }

local function new_error(code, message, status, request_id, retryable)
  return setmetatable({ code = code, message = message, status = status, request_id = request_id,
                        retryable = retryable or false }, err_mt)
end

-- AWS query encoding: everything but unreserved characters percent-encoded.
local function encode(s)
  return (string_gsub(tostring(s), "[^%w%-_%.~]", function(c)
    return string_format("%%%02X", string_byte(c))
  end))
end

local function form_body(action, params)
  local names = {}
  for k in pairs(params) do names[#names + 1] = k end
  table_sort(names)
  local parts = { "Action=" .. action, "Version=2011-06-15" }
  for _, k in ipairs(names) do parts[#parts + 1] = encode(k) .. "=" .. encode(params[k]) end
  return table_concat(parts, "&")
end
_M.form_body = form_body

local entities = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }

local function xml_unescape(s)
  return (string_gsub(s, "&(#?x?)(%w+);", function(kind, name)
    if kind == "" then return entities[name] end
    local n = tonumber(name, kind == "#x" and 16 or 10)
    if n and n < 128 then return string_char(n) end
  end))
end

-- The text of the first <tag>...</tag> in xml (namespaces prefixes ignored).
local function xml_text(xml, tag)
  local v = string_match(xml, "<[%w]*:?" .. tag .. "[^>]*>(.-)</[%w]*:?" .. tag .. ">")
  if v then return xml_unescape(v) end
  return nil
end
_M.xml_text = xml_text

-- The regions whose STS requests went to the global endpoint before
-- regional endpoints were the default (sts_regional_endpoints = legacy).
local legacy_global = {}
for r in ([[ap-northeast-1 ap-south-1 ap-southeast-1 ap-southeast-2 aws-global ca-central-1
  eu-central-1 eu-north-1 eu-west-1 eu-west-2 eu-west-3 sa-east-1 us-east-1 us-east-2 us-west-1
  us-west-2]]):gmatch("%S+") do legacy_global[r] = true end

-- The default STS endpoint for region: the configured one (cfg: an
-- sfn.config result) if any, the regional one when a region is known (or
-- the global one for a legacy region when cfg.sts_regional_endpoints is
-- "legacy"), the global one otherwise.
function _M.endpoint(region, cfg)
  if cfg then
    local url = require("sfn.config").endpoint_url(cfg, "STS")
    if url then return url end
  end
  if not region or region == "" or region == "aws-global" then return "https://sts.amazonaws.com" end
  if cfg and cfg.sts_regional_endpoints == "legacy" and legacy_global[region] and not cfg.use_fips_endpoint then
    return "https://sts.amazonaws.com"
  end
  local p = require("sfn.endpoints").partition(region)
  local host = (cfg and cfg.use_fips_endpoint) and "sts-fips." or "sts."
  return "https://" .. host .. region .. "." .. p.dnsSuffix
end

local function default_http()
  return require "sfn.http"
end

local function call(opts, action, signed)
  local http = opts.http or default_http()
  local url = opts.endpoint or _M.endpoint(opts.region)
  if url:sub(-1) ~= "/" and not url:match("^https?://[^/]+/") then url = url .. "/" end
  local body = form_body(action, opts.params)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8",
  }
  if signed then
    local sigv4 = opts.sigv4 or require "sfn.sigv4"
    local signed_req, err = sigv4.sign{ method = "POST", url = url, headers = headers, body = body,
      region = opts.region or "us-east-1", service = "sts", credentials = opts.credentials,
      time = opts.now and opts.now() or nil }
    if not signed_req then
      return nil, new_error("CredentialRetrievalError",
        "could not sign the STS " .. action .. " request: " .. tostring(err and err.message or err))
    end
    headers = signed_req.headers
  end
  local res, err = http.request{ method = "POST", url = url, headers = headers, body = body,
    connect_timeout = opts.connect_timeout or 5, read_timeout = opts.read_timeout or 30 }
  if not res then
    return nil, new_error(err and err.code or "ConnectionError",
      string_format("STS %s request to %s failed: %s", action, url, tostring(err and err.message or err)),
      nil, nil, true)
  end
  local xml = res.body or ""
  local request_id = (res.headers or {})["x-amzn-requestid"] or xml_text(xml, "RequestId")
  if res.status ~= 200 then
    local code = xml_text(xml, "Code") or ("HTTP" .. tostring(res.status))
    local message = xml_text(xml, "Message") or ("STS answered HTTP " .. tostring(res.status))
    local retryable = res.status >= 500 or code == "Throttling" or code == "IDPCommunicationError"
    return nil, new_error(code, message, res.status, request_id, retryable)
  end
  local creds_xml = string_match(xml, "<Credentials>(.-)</Credentials>")
  local akid = creds_xml and xml_text(creds_xml, "AccessKeyId")
  local secret = creds_xml and xml_text(creds_xml, "SecretAccessKey")
  if not akid or not secret then
    return nil, new_error("CredentialRetrievalError",
      "STS " .. action .. " answered without credentials", res.status, request_id)
  end
  local expiration = xml_text(creds_xml, "Expiration")
  local epoch = expiration and iso8601.parse(expiration)
  if expiration and not epoch then
    return nil, new_error("CredentialRetrievalError",
      "STS " .. action .. " answered an unreadable Expiration", res.status, request_id)
  end
  return {
    access_key_id = akid,
    secret_access_key = secret,
    session_token = xml_text(creds_xml, "SessionToken"),
    expiration = epoch,
  }
end

function _M.assume_role(opts)
  return call(opts, "AssumeRole", true)
end

function _M.assume_role_with_web_identity(opts)
  return call(opts, "AssumeRoleWithWebIdentity", false)
end

return _M
