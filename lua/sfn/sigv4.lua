-- sfn.sigv4: AWS Signature Version 4 (AWS4-HMAC-SHA256), signing in C
-- (src/sfn_sigv4.c, OpenSSL) and checking incoming requests for a local
-- server.
--
--   local sigv4 = require "sfn.sigv4"
--   local r, err = sigv4.sign{
--     method = "POST", url = "https://states.us-east-1.amazonaws.com/",
--     headers = { ["Content-Type"] = "application/x-amz-json-1.0" },  -- a list value repeats a header
--     body = "{}", region = "us-east-1", service = "states",
--     credentials = { access_key_id =, secret_access_key =, session_token = },
--     time = 1700000000,          -- epoch seconds (default: now)
--     presign = { expires = 900 },-- query signing: r.url is the presigned URL (expires default 3600)
--     unsigned_payload = false,   -- payload hash "UNSIGNED-PAYLOAD"
--     content_sha256 = false,     -- add and sign X-Amz-Content-Sha256
--     payload_hash = nil,         -- a precomputed hex SHA-256 of the body
--     normalize = true,           -- remove "." "..", "//" from the path (false for S3)
--     double_encode = true,       -- encode the (already encoded) path again (false for S3)
--     omit_session_token = false, -- sign without the token, then add it (a few services)
--   }
--   -- r.headers: the request's headers plus Host (when absent), X-Amz-Date,
--   -- X-Amz-Security-Token, X-Amz-Content-Sha256 (when asked) and Authorization;
--   -- r.url, r.signature, r.authorization, r.canonical_request,
--   -- r.string_to_sign, r.signed_headers, r.credential_scope, r.amz_date,
--   -- r.payload_hash.
--
-- Wrong argument types raise; a request that cannot be signed (bad URL, time
-- out of range, bad expires) gives nil, err with err.code and err.message.
-- Derived signing keys are cached per secret, date, region and service.
--
--   local info, err = sigv4.verify{ method =, url = "/?a=b" (target or URL),
--     headers =, body =, credentials = function(access_key_id) -> { secret_access_key =,
--     session_token = } | nil, region = nil | "us-east-1", service = nil | "states",
--     time = now, max_skew = 300, codes = "json" | "query" }
--   -- info = { access_key_id =, region =, service =, signed_headers = {...},
--   --          amz_date =, time =, credentials = <what the lookup returned>, presigned = bool }
--   -- A request without Authorization is checked as a presigned URL when its
--   -- query has X-Amz-Algorithm (X-Amz-Expires counts from X-Amz-Date).
--   -- err = { code =, message =, status =, retryable = false } with AWS's codes:
--   -- MissingAuthenticationTokenException, IncompleteSignatureException,
--   -- InvalidSignatureException (bad signature, scope, clock skew),
--   -- UnrecognizedClientException (unknown key or token); with codes = "query":
--   -- MissingAuthenticationToken, IncompleteSignature, SignatureDoesNotMatch,
--   -- InvalidClientTokenId, RequestTimeTooSkewed.
local core = require "sfn.core"

local type, pairs, ipairs, tostring, tonumber, setmetatable, error =
  type, pairs, ipairs, tostring, tonumber, setmetatable, error
local floor, abs = math.floor, math.abs
local ssub, slower, sformat, sgsub, smatch, schar = string.sub, string.lower, string.format, string.gsub,
  string.match, string.char
local concat = table.concat

local sign_c = core.sigv4_sign
local parse_date, format_date, equal = core.sigv4_parse_date, core.sigv4_format_date, core.sigv4_equal

local _M = { _VERSION = core._VERSION }

local error_mt = {
  __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end,
}

local function new_error(code, message, status)
  return setmetatable({ code = code, message = message, status = status, retryable = false }, error_mt)
end
_M.error_mt = error_mt

-- sigv4.sign(opts) -> result | nil, err
function _M.sign(opts)
  if type(opts) ~= "table" then error("sigv4.sign: expects a table of options", 2) end
  local r, code, message = sign_c(opts)
  if not r then return nil, new_error(code, message) end
  return r
end

-- ---- verify ----

local CODES = {
  json = { missing = "MissingAuthenticationTokenException", incomplete = "IncompleteSignatureException",
           invalid = "InvalidSignatureException", skewed = "InvalidSignatureException",
           unknown = "UnrecognizedClientException" },
  query = { missing = "MissingAuthenticationToken", incomplete = "IncompleteSignature",
            invalid = "SignatureDoesNotMatch", skewed = "RequestTimeTooSkewed",
            unknown = "InvalidClientTokenId" },
}
local STATUS = { missing = 403, incomplete = 400, invalid = 403, skewed = 403, unknown = 403 }
local MISMATCH = "The request signature we calculated does not match the signature you provided. "
  .. "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
local BAD_TOKEN = "The security token included in the request is invalid."

-- The value of a header (any case); a list value gives its first element.
local function header(headers, name)
  if not headers then return nil end
  local v = headers[name]
  if v == nil then
    for k, x in pairs(headers) do
      if type(k) == "string" and slower(k) == name then v = x; break end
    end
  end
  if type(v) == "table" then v = v[1] end
  if v ~= nil then v = tostring(v) end
  return v
end

local function trim(s) return (sgsub(s, "^%s+", ""):gsub("%s+$", "")) end

-- The parts of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...":
-- a table, or nil and the IncompleteSignature message.
local function parse_authorization(auth)
  local rest = smatch(auth, "^AWS4%-HMAC%-SHA256%s+(.*)$")
  local parts = {}
  if rest then
    for piece in (rest .. ","):gmatch("([^,]*),") do
      piece = trim(piece)
      if piece ~= "" then
        local k, v = smatch(piece, "^([^=]*)=(.*)$")
        if not k then
          return nil, sformat("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.",
            piece, auth)
        end
        parts[k] = v
      end
    end
  end
  return parts
end

local function fmt_skew_message(amz_date, now, skew)
  local minutes = floor(skew / 60)
  if parse_date(amz_date) < now then
    return sformat("Signature expired: %s is now earlier than %s (%s - %d min.)", amz_date,
      format_date(now - skew) or "?", format_date(now) or "?", minutes)
  end
  return sformat("Signature not yet current: %s is still later than %s (%s + %d min.)", amz_date,
    format_date(now + skew) or "?", format_date(now) or "?", minutes)
end

local function unescape(s)
  return (sgsub(s, "%%(%x%x)", function(h) return schar(tonumber(h, 16)) end))
end

-- What the Authorization header claims: { credential =, signed_headers =,
-- signature =, amz_date = }, or nil, kind, message.
local function claim_from_header(auth, headers)
  local parts, perr = parse_authorization(auth)
  if not parts then return nil, "incomplete", perr end
  local amz_date = header(headers, "x-amz-date")
  local missing = {}
  if not parts.Credential then missing[#missing + 1] = "Authorization header requires 'Credential' parameter." end
  if not parts.Signature then missing[#missing + 1] = "Authorization header requires 'Signature' parameter." end
  if not parts.SignedHeaders then
    missing[#missing + 1] = "Authorization header requires 'SignedHeaders' parameter."
  end
  if not amz_date then
    missing[#missing + 1] = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
  end
  if #missing > 0 then return nil, "incomplete", concat(missing, " ") .. " Authorization=" .. auth end
  return { credential = parts.Credential, signed_headers = parts.SignedHeaders, signature = parts.Signature,
           amz_date = amz_date, token = header(headers, "x-amz-security-token") }
end

local PRESIGN_PARAMS = { ["X-Amz-Algorithm"] = true, ["X-Amz-Credential"] = true, ["X-Amz-Date"] = true,
  ["X-Amz-Expires"] = true, ["X-Amz-SignedHeaders"] = true, ["X-Amz-Signature"] = true,
  ["X-Amz-Security-Token"] = true }

-- What a presigned URL claims (the claim also carries expires, token and the
-- URL without the signing parameters), or nil when the query has no
-- X-Amz-Algorithm, or nil, kind, message.
local function claim_from_query(url)
  local base, query = smatch(url, "^([^?#]*)%?([^#]*)")
  if not query then return nil end
  local params, kept = {}, {}
  for piece in (query .. "&"):gmatch("([^&]*)&") do
    local k, v = smatch(piece, "^([^=]*)=?(.*)$")
    k = unescape(k)
    if PRESIGN_PARAMS[k] then params[k] = unescape(v) elseif piece ~= "" then kept[#kept + 1] = piece end
  end
  if not params["X-Amz-Algorithm"] then return nil end
  if params["X-Amz-Algorithm"] ~= "AWS4-HMAC-SHA256" then
    return nil, "incomplete", sformat("Unsupported AWS 'algorithm': '%s'.", params["X-Amz-Algorithm"])
  end
  for _, k in ipairs{ "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires" } do
    if not params[k] then
      return nil, "incomplete", "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
        .. "'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires'. "
        .. "Re-examine the query-string parameters."
    end
  end
  local expires = tonumber(params["X-Amz-Expires"])
  if not expires or expires ~= floor(expires) or expires < 1 or expires > 604800 then
    return nil, "incomplete", "X-Amz-Expires must be a number of seconds between 1 and 604800."
  end
  return { credential = params["X-Amz-Credential"], signed_headers = params["X-Amz-SignedHeaders"],
           signature = params["X-Amz-Signature"], amz_date = params["X-Amz-Date"], expires = expires,
           token = params["X-Amz-Security-Token"],
           url = #kept > 0 and (base .. "?" .. concat(kept, "&")) or base }
end

-- sigv4.verify(opts) -> info | nil, err
function _M.verify(opts)
  if type(opts) ~= "table" then error("sigv4.verify: expects a table of options", 2) end
  if type(opts.credentials) ~= "function" then
    error("sigv4.verify: credentials must be a function(access_key_id)", 2)
  end
  if type(opts.url) ~= "string" then error("sigv4.verify: url must be a string", 2) end
  local codes = CODES[opts.codes or "json"]
  if not codes then error("sigv4.verify: codes must be \"json\" or \"query\"", 2) end
  local function fail(kind, message)
    return nil, new_error(codes[kind], message, STATUS[kind])
  end
  local headers = opts.headers or {}
  local now = opts.time or (core.now_ms and floor(core.now_ms() / 1000)) or os.time()
  local skew = opts.max_skew or 300

  local claim, kind, message
  local auth = header(headers, "authorization")
  if auth then
    claim, kind, message = claim_from_header(auth, headers)
  else
    claim, kind, message = claim_from_query(opts.url)
    if not claim and not kind then return fail("missing", "Missing Authentication Token") end
  end
  if not claim then return fail(kind, message) end
  local amz_date = claim.amz_date

  local akid, cdate, cregion, cservice, term = smatch(claim.credential, "^(.*)/([^/]*)/([^/]*)/([^/]*)/([^/]*)$")
  if not akid or akid == "" then
    return fail("incomplete", sformat("Credential should be scoped to a valid region, not '%s'. ",
      cregion or claim.credential))
  end
  if term ~= "aws4_request" then
    return fail("incomplete", sformat("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ",
      term))
  end
  local t = parse_date(amz_date)
  if not t then
    return fail("incomplete", sformat("Date must be in ISO-8601 'basic format'. Got '%s'. "
      .. "See http://en.wikipedia.org/wiki/ISO_8601", amz_date))
  end
  if cdate ~= ssub(amz_date, 1, 8) then
    return fail("invalid", sformat("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
      .. "from HTTP: '%s' != '%s', from '%s'.", cdate, ssub(amz_date, 1, 8), amz_date))
  end
  if opts.region and cregion ~= opts.region then
    return fail("invalid", sformat("Credential should be scoped to a valid region, not '%s'. ", cregion))
  end
  if opts.service and cservice ~= opts.service then
    return fail("invalid", sformat("Credential should be scoped to correct service: '%s'. ", opts.service))
  end
  local signed = {}
  local has_host = false
  for name in (claim.signed_headers .. ";"):gmatch("([^;]*);") do
    if name ~= "" then
      signed[#signed + 1] = name
      if name == "host" then has_host = true end
    end
  end
  if not has_host then
    return fail("invalid", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
  end
  if #signed > 64 then return fail("incomplete", "Too many signed headers.") end
  if claim.expires then
    if now > t + claim.expires then
      return fail("skewed", sformat("Signature expired: %s is now earlier than %s (%s - %d sec.)", amz_date,
        format_date(now - claim.expires) or "?", format_date(now) or "?", claim.expires))
    elseif t - now > skew then
      return fail("skewed", fmt_skew_message(amz_date, now, skew))
    end
  elseif abs(now - t) > skew then
    return fail("skewed", fmt_skew_message(amz_date, now, skew))
  end

  local creds = opts.credentials(akid)
  if type(creds) ~= "table" or type(creds.secret_access_key) ~= "string" then
    return fail("unknown", BAD_TOKEN)
  end
  if (creds.session_token or claim.token) and creds.session_token ~= claim.token then
    return fail("unknown", BAD_TOKEN)
  end

  local r, err
  if claim.expires then
    r, err = _M.sign{
      method = opts.method, url = claim.url, headers = headers, body = opts.body,
      region = cregion, service = cservice, time = t, presign = { expires = claim.expires },
      credentials = { access_key_id = akid, secret_access_key = creds.secret_access_key,
                      session_token = claim.token },
      only_headers = signed, unsigned_payload = opts.unsigned_payload,
      normalize = opts.normalize, double_encode = opts.double_encode,
    }
  else
    local sha = header(headers, "x-amz-content-sha256")
    r, err = _M.sign{
      method = opts.method, url = opts.url, headers = headers, body = opts.body,
      region = cregion, service = cservice, time = t,
      credentials = { access_key_id = akid, secret_access_key = creds.secret_access_key },
      only_headers = signed,
      payload_hash = (sha == "UNSIGNED-PAYLOAD") and sha or nil,
      normalize = opts.normalize, double_encode = opts.double_encode,
    }
    if r and sha and sha ~= "UNSIGNED-PAYLOAD" and sha ~= r.payload_hash then
      return fail("invalid", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    end
  end
  if not r then return fail("invalid", err.message) end
  if r.amz_date ~= amz_date then
    return fail("incomplete", sformat("Date must be in ISO-8601 'basic format'. Got '%s'. "
      .. "See http://en.wikipedia.org/wiki/ISO_8601", amz_date))
  end
  if not equal(r.signature, slower(claim.signature)) then
    local e = new_error(codes.invalid, MISMATCH, STATUS.invalid)
    e.canonical_request, e.string_to_sign = r.canonical_request, r.string_to_sign
    return nil, e
  end
  return { access_key_id = akid, region = cregion, service = cservice, signed_headers = signed,
           amz_date = amz_date, time = t, credentials = creds, presigned = claim.expires ~= nil }
end

return _M
