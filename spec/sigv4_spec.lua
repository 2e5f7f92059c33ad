-- spec/sigv4_spec.lua: SigV4 signing (sfn.sigv4 over src/sfn_sigv4.c).
-- Every case of the AWS SigV4 test suite (spec/fixtures/sigv4/v4, header and
-- query signing: canonical request, string to sign, signature, signed
-- request), the smithy-rs double-encoding cases, then the Lua API: options,
-- results, errors, and sigv4.verify.
local sigv4 = require "sfn.sigv4"
local json = require "sfn.json"
local core = require "sfn.core"

local ROOT = "spec/fixtures/sigv4"

local function readfile(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function list_dir(dir)
  local names = {}
  local p = io.popen('ls "' .. dir .. '"')
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  table.sort(names)
  return names
end

-- request.txt -> method, target, headers (name -> value or list, in order),
-- header order, body.  A line starting with blanks continues the previous
-- header's value (kept with its newline, as sent).
local function parse_request(text)
  local head, body = text:match("^(.-)\n\n(.*)$")
  if not head then head, body = text:gsub("\n$", ""), "" end
  local lines = {}
  for line in (head .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  local method, target = lines[1]:match("^(%S+) (.-) HTTP/1%.1$")
  if not method then method, target = lines[1]:match("^(%S+) (.-)$") end
  local headers, order, last = {}, {}, nil
  for i = 2, #lines do
    local line = lines[i]
    if line:match("^[ \t]") and last then
      local v = headers[last]
      if type(v) == "table" then v[#v] = v[#v] .. "\n" .. line else headers[last] = v .. "\n" .. line end
    elseif line ~= "" then
      local name, value = line:match("^([^:]+):(.*)$")
      local old = headers[name]
      if old == nil then
        headers[name] = value
        order[#order + 1] = name
      elseif type(old) == "table" then
        old[#old + 1] = value
      else
        headers[name] = { old, value }
      end
      last = name
    end
  end
  return method, target, headers, body
end

local function epoch(iso) -- "2015-08-30T12:36:00Z"
  local y, mo, d, h, mi, s = iso:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z$")
  return core.sigv4_parse_date(y .. mo .. d .. "T" .. h .. mi .. s .. "Z")
end

local function chomp(s) return (s:gsub("\n$", "")) end

-- The Authorization (and X-Amz-Security-Token) lines of a *-signed-request.txt.
local function signed_request_line(text, name)
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local n, v = line:match("^([^:]+):%s*(.*)$")
    if n and n:lower() == name then return v end
  end
end

local function sign_case(dir, ctx, presign)
  local method, target, headers, body = parse_request(readfile(dir .. "/request.txt"))
  local creds = ctx.credentials
  return sigv4.sign{
    method = method,
    url = "https://" .. (type(headers.Host) == "table" and headers.Host[1] or headers.Host) .. target,
    headers = headers, body = body, region = ctx.region, service = ctx.service,
    credentials = { access_key_id = creds.access_key_id, secret_access_key = creds.secret_access_key,
                    session_token = creds.token },
    time = epoch(ctx.timestamp),
    presign = presign and { expires = ctx.expiration_in_seconds } or nil,
    content_sha256 = ctx.sign_body and not presign or nil,
    normalize = ctx.normalize,
    omit_session_token = ctx.omit_session_token or nil,
  }, target
end

describe("sfn.sigv4 test suite (v4)", function()
  local cases = list_dir(ROOT .. "/v4")

  it("has all 38 cases", function()
    assert.are.equal(38, #cases)
  end)

  for _, name in ipairs(cases) do
    local dir = ROOT .. "/v4/" .. name
    local ctx = json.decode(readfile(dir .. "/context.json"))

    it(name .. ": header signing", function()
      local r = assert(sign_case(dir, ctx, false))
      assert.are.equal(readfile(dir .. "/header-canonical-request.txt"), r.canonical_request)
      assert.are.equal(readfile(dir .. "/header-string-to-sign.txt"), r.string_to_sign)
      assert.are.equal(chomp(readfile(dir .. "/header-signature.txt")), r.signature)
      local signed = readfile(dir .. "/header-signed-request.txt")
      assert.are.equal(signed_request_line(signed, "authorization"), r.headers.Authorization)
      assert.are.equal(signed_request_line(signed, "x-amz-date"), r.headers["X-Amz-Date"])
      assert.are.equal(signed_request_line(signed, "x-amz-security-token"), r.headers["X-Amz-Security-Token"])
      assert.are.equal(signed_request_line(signed, "x-amz-content-sha256"), r.headers["X-Amz-Content-Sha256"])
    end)

    it(name .. ": query signing", function()
      local r, target = sign_case(dir, ctx, true)
      assert.are.equal(readfile(dir .. "/query-canonical-request.txt"), r.canonical_request)
      assert.are.equal(readfile(dir .. "/query-string-to-sign.txt"), r.string_to_sign)
      assert.are.equal(chomp(readfile(dir .. "/query-signature.txt")), r.signature)
      local line = readfile(dir .. "/query-signed-request.txt"):match("^[^\n]*")
      local want = line:match("^%S+ (.-) HTTP/1%.1$")
      local host = r.url:match("^https://([^/]+)")
      assert.are.equal("https://" .. host .. want, r.url)
      assert.is_nil(r.headers.Authorization)
      assert.is_nil(r.headers["X-Amz-Date"])
      assert.is_nil(r.authorization)
      assert.is_truthy(target)
    end)
  end
end)

describe("sfn.sigv4 double encoding (smithy-rs cases)", function()
  local base = ROOT .. "/smithy-rs-extra/v4/"
  local creds = { access_key_id = "AKIDEXAMPLE", secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }

  it("double-url-encode: canonical request, string to sign, signature", function()
    local dir = base .. "double-url-encode"
    local method, target, headers, body = parse_request(readfile(dir .. "/request.txt"))
    local r = assert(sigv4.sign{ method = method, url = "https://" .. headers.Host .. target, headers = headers,
      body = body, region = "us-east-2", service = "lambda", credentials = creds,
      time = epoch("2021-05-11T15:40:45Z") })
    assert.are.equal(readfile(dir .. "/header-canonical-request.txt"), r.canonical_request)
    assert.are.equal(chomp(readfile(dir .. "/header-string-to-sign.txt")), r.string_to_sign)
    assert.are.equal(signed_request_line(readfile(dir .. "/header-signed-request.txt"), "authorization"),
      r.headers.Authorization)
  end)

  it("double-encode-path: canonical request", function()
    local dir = base .. "double-encode-path"
    local method, target, headers, body = parse_request(readfile(dir .. "/request.txt"))
    local r = assert(sigv4.sign{ method = method, url = "https://" .. headers.Host .. target, headers = headers,
      body = body, region = "us-east-1", service = "service", credentials = creds,
      time = epoch("2021-05-11T15:40:45Z") })
    assert.are.equal(readfile(dir .. "/header-canonical-request.txt"), r.canonical_request)
  end)
end)

local CREDS = { access_key_id = "AKID", secret_access_key = "SECRET" }
local T = 1700000000 -- 2023-11-14T22:13:20Z

local function states_request(extra)
  local o = {
    method = "POST", url = "https://states.us-east-1.amazonaws.com/",
    headers = { ["Content-Type"] = "application/x-amz-json-1.0",
                ["X-Amz-Target"] = "AWSStepFunctions.ListActivities" },
    body = "{}", region = "us-east-1", service = "states", credentials = CREDS, time = T,
  }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

describe("sfn.sigv4.sign", function()
  it("signs a Step Functions request as botocore's SigV4Auth does", function()
    -- expected value from botocore 1.43 SigV4Auth with the same request and time
    local r = assert(sigv4.sign(states_request()))
    assert.are.equal("AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/states/aws4_request, "
      .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
      .. "Signature=fe70ffb29a858ab3283807c9909addadafa46458461cc7438c7b479ef1bd81b8", r.headers.Authorization)
    assert.are.equal(r.headers.Authorization, r.authorization)
    assert.are.equal("fe70ffb29a858ab3283807c9909addadafa46458461cc7438c7b479ef1bd81b8", r.signature)
    assert.are.equal("20231114T221320Z", r.headers["X-Amz-Date"])
    assert.are.equal("states.us-east-1.amazonaws.com", r.headers.Host)
    assert.are.equal("application/x-amz-json-1.0", r.headers["Content-Type"])
    assert.are.equal("content-type;host;x-amz-date;x-amz-target", r.signed_headers)
    assert.are.equal("20231114/us-east-1/states/aws4_request", r.credential_scope)
    assert.are.equal("20231114T221320Z", r.amz_date)
    assert.are.equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", r.payload_hash)
    assert.are.equal("https://states.us-east-1.amazonaws.com/", r.url)
    assert.are.equal("POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:states.us-east-1.amazonaws.com\n"
      .. "x-amz-date:20231114T221320Z\nx-amz-target:AWSStepFunctions.ListActivities\n\n"
      .. "content-type;host;x-amz-date;x-amz-target\n"
      .. "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", r.canonical_request)
  end)

  it("gives the same signature from the key cache and across many secrets", function()
    local a = sigv4.sign(states_request()).signature
    for i = 1, 20 do
      local r = sigv4.sign(states_request{ credentials = { access_key_id = "AKID", secret_access_key = "S" .. i } })
      assert.are_not.equal(a, r.signature)
    end
    assert.are.equal(a, sigv4.sign(states_request()).signature)
    local other_day = sigv4.sign(states_request{ time = T + 86400 })
    assert.are.equal("20231115/us-east-1/states/aws4_request", other_day.credential_scope)
    assert.are.equal(a, sigv4.sign(states_request()).signature)
  end)

  it("adds the session token header and signs it", function()
    local r = sigv4.sign(states_request{ credentials = { access_key_id = "AKID", secret_access_key = "SECRET",
      session_token = "TOKEN" } })
    assert.are.equal("TOKEN", r.headers["X-Amz-Security-Token"])
    assert.are.equal("content-type;host;x-amz-date;x-amz-security-token;x-amz-target", r.signed_headers)
    local empty = sigv4.sign(states_request{ credentials = { access_key_id = "AKID", secret_access_key = "SECRET",
      session_token = "" } })
    assert.is_nil(empty.headers["X-Amz-Security-Token"])
  end)

  it("replaces stale signing headers whatever their case", function()
    local r = sigv4.sign(states_request{ headers = { ["x-amz-date"] = "19990101T000000Z", authorization = "old",
      ["X-AMZ-SECURITY-TOKEN"] = "old", ["X-Amz-Target"] = "AWSStepFunctions.ListActivities" },
      credentials = { access_key_id = "AKID", secret_access_key = "SECRET", session_token = "new" } })
    assert.is_nil(r.headers["x-amz-date"])
    assert.is_nil(r.headers.authorization)
    assert.is_nil(r.headers["X-AMZ-SECURITY-TOKEN"])
    assert.are.equal("new", r.headers["X-Amz-Security-Token"])
    assert.are.equal("host;x-amz-date;x-amz-security-token;x-amz-target", r.signed_headers)
  end)

  it("leaves User-Agent and hop-by-hop headers unsigned", function()
    local r = sigv4.sign(states_request{ headers = { ["User-Agent"] = "sfn", Connection = "keep-alive",
      Expect = "100-continue", ["X-Amzn-Trace-Id"] = "Root=1", ["Transfer-Encoding"] = "chunked" } })
    assert.are.equal("host;x-amz-date", r.signed_headers)
    assert.are.equal("sfn", r.headers["User-Agent"])
  end)

  it("takes numbers and lists as header values", function()
    local r = sigv4.sign(states_request{ headers = { ["Content-Length"] = 2, ["X-Multi"] = { "b", " a ", 3 } } })
    assert.is_truthy(r.canonical_request:find("\ncontent-length:2\n", 1, true))
    assert.is_truthy(r.canonical_request:find("\nx-multi:b,a,3\n", 1, true))
    assert.are.equal(2, r.headers["Content-Length"])
  end)

  it("keeps a non-default port in Host and drops the default one", function()
    assert.are.equal("127.0.0.1:8083", sigv4.sign(states_request{ url = "http://127.0.0.1:8083/" }).headers.Host)
    assert.are.equal("example.com", sigv4.sign(states_request{ url = "https://example.com:443/" }).headers.Host)
    assert.are.equal("example.com", sigv4.sign(states_request{ url = "http://example.com:80" }).headers.Host)
    assert.are.equal("example.com:443", sigv4.sign(states_request{ url = "http://example.com:443/" }).headers.Host)
    assert.are.equal("[::1]:8083", sigv4.sign(states_request{ url = "http://user:pw@[::1]:8083/x" }).headers.Host)
    local given = sigv4.sign(states_request{ headers = { host = "other.example" } })
    assert.is_nil(given.headers.Host)
    assert.are.equal("other.example", given.headers.host)
    assert.is_truthy(given.canonical_request:find("\nhost:other.example\n", 1, true))
  end)

  it("double-encodes and normalises the path by default, and not when told", function()
    local arn = "/executions/arn%3Aaws%3Astates%3Aus-east-1%3A1%3Aexecution%3Am%3Ae"
    local r = sigv4.sign(states_request{ url = "https://h" .. arn .. "/./a//b/../c?x=1#frag" })
    assert.are.equal("/executions/arn%253Aaws%253Astates%253Aus-east-1%253A1%253Aexecution%253Am%253Ae/a/c",
      r.canonical_request:match("^POST\n([^\n]*)"))
    local s3 = sigv4.sign(states_request{ url = "https://h/a%3Ab/./c d//", normalize = false, double_encode = false })
    assert.are.equal("/a%3Ab/./c%20d//", s3.canonical_request:match("^POST\n([^\n]*)"))
    assert.are.equal("/", sigv4.sign(states_request{ url = "https://h" }).canonical_request:match("^POST\n([^\n]*)"))
    assert.are.equal("/a/", sigv4.sign(states_request{ url = "https://h/a/b/.." }).canonical_request:match("^POST\n([^\n]*)"))
  end)

  it("decodes, strictly re-encodes and sorts the query", function()
    local r = sigv4.sign(states_request{ url = "https://h/?b=2&a=x+y&a=%7e%2f&flag&&c=%zz&=v" })
    assert.are.equal("=v&a=x%2By&a=~%2F&b=2&c=%25zz&flag=", r.canonical_request:match("^POST\n/\n([^\n]*)"))
    assert.are.equal("https://h/?b=2&a=x+y&a=%7e%2f&flag&&c=%zz&=v", r.url)
  end)

  it("hashes the payload, or uses UNSIGNED-PAYLOAD or a given hash", function()
    local empty = sigv4.sign(states_request{ body = "" })
    assert.are.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", empty.payload_hash)
    local u = sigv4.sign(states_request{ unsigned_payload = true, content_sha256 = true })
    assert.are.equal("UNSIGNED-PAYLOAD", u.payload_hash)
    assert.are.equal("UNSIGNED-PAYLOAD", u.headers["X-Amz-Content-Sha256"])
    assert.are.equal("UNSIGNED-PAYLOAD", u.canonical_request:match("([^\n]*)$"))
    assert.are.equal("content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target", u.signed_headers)
    local given = sigv4.sign(states_request{ payload_hash = string.rep("ab", 32) })
    assert.are.equal(string.rep("ab", 32), given.payload_hash)
  end)

  it("presigns a URL, keeping the request's own query first", function()
    local r = assert(sigv4.sign{ method = "GET", url = "https://h.example/p?z=1&a=2", region = "us-east-1",
      service = "states", credentials = { access_key_id = "AKID", secret_access_key = "SECRET",
      session_token = "T/k+n" }, time = T, presign = { expires = 900 } })
    assert.are.equal("https://h.example/p?z=1&a=2&X-Amz-Algorithm=AWS4-HMAC-SHA256"
      .. "&X-Amz-Credential=AKID%2F20231114%2Fus-east-1%2Fstates%2Faws4_request&X-Amz-Date=20231114T221320Z"
      .. "&X-Amz-SignedHeaders=host&X-Amz-Expires=900&X-Amz-Security-Token=T%2Fk%2Bn&X-Amz-Signature="
      .. r.signature, r.url)
    assert.are.equal("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20231114%2Fus-east-1%2F"
      .. "states%2Faws4_request&X-Amz-Date=20231114T221320Z&X-Amz-Expires=900&X-Amz-Security-Token=T%2Fk%2Bn"
      .. "&X-Amz-SignedHeaders=host&a=2&z=1", r.canonical_request:match("^GET\n/p\n([^\n]*)"))
    local d = sigv4.sign{ method = "GET", url = "https://h.example", region = "r", service = "s",
      credentials = CREDS, time = T, presign = true }
    assert.is_truthy(d.url:find("^https://h%.example%?X%-Amz%-Algorithm="))
    assert.is_truthy(d.url:find("&X-Amz-Expires=3600&", 1, true))
  end)

  it("returns nil, err for requests it cannot sign", function()
    local cases = {
      { { url = "states.us-east-1.amazonaws.com/" }, "InvalidURL", "URL must be scheme://host/path or /path" },
      { { url = "https:///x" }, "InvalidURL", "URL has no host" },
      { { url = "https://a b/" }, "InvalidURL", "URL host has a space or control character" },
      { { time = -1 }, "InvalidParameter", "time is out of range (years 1970 to 9999)" },
      { { time = 253402300800 }, "InvalidParameter", "time is out of range (years 1970 to 9999)" },
      { { region = "" }, "InvalidParameter", "region and service must not be empty" },
      { { service = "a/b" }, "InvalidParameter", "region and service must not contain '/'" },
      { { presign = { expires = 604801 } }, "InvalidParameter", "expires must be between 1 and 604800 seconds" },
      { { presign = { expires = 0 } }, "InvalidParameter", "expires must be between 1 and 604800 seconds" },
      { { payload_hash = "not a hash" }, "InvalidParameter", "payload_hash must be a hex digest or UNSIGNED-PAYLOAD" },
    }
    for _, c in ipairs(cases) do
      local r, err = sigv4.sign(states_request(c[1]))
      assert.is_nil(r)
      assert.are.equal(c[2], err.code)
      assert.are.equal(c[3], err.message)
      assert.is_false(err.retryable)
      assert.are.equal(c[2] .. ": " .. c[3], tostring(err))
    end
  end)

  it("raises on wrong argument types", function()
    local cases = {
      { nil, "sigv4.sign: expects a table of options" },
      { { method = 1 }, "sigv4.sign: method must be a string" },
      { { url = false }, "sigv4.sign: url must be a string" },
      { { region = 1 }, "sigv4.sign: region must be a string" },
      { { body = {} }, "sigv4.sign: body must be a string" },
      { { credentials = "x" }, "sigv4.sign: credentials must be a table" },
      { { credentials = { secret_access_key = "s" } }, "sigv4.sign: credentials.access_key_id must be a string" },
      { { credentials = { access_key_id = "a" } }, "sigv4.sign: credentials.secret_access_key must be a string" },
      { { credentials = { access_key_id = "a", secret_access_key = "s", session_token = 1 } },
        "sigv4.sign: credentials.session_token must be a string" },
      { { time = "now" }, "sigv4.sign: time must be a number" },
      { { headers = "x" }, "sigv4.sign: headers must be a table" },
      { { headers = { "x" } }, "sigv4.sign: header names must be strings" },
      { { headers = { A = true } }, "sigv4.sign: header A must be a string" },
      { { presign = 5 }, "sigv4.sign: presign must be a table or a boolean" },
      { { unsigned_payload = 1 }, "sigv4.sign: unsigned_payload must be a boolean" },
    }
    for _, c in ipairs(cases) do
      local ok, msg = pcall(sigv4.sign, c[1] and states_request(c[1]) or nil)
      assert.is_false(ok)
      assert.are.equal(c[2], tostring(msg):gsub("^[^:]*:%d+: ", ""))
    end
  end)

  it("defaults the time to now", function()
    local o = states_request()
    o.time = nil
    local r = sigv4.sign(o)
    local now = os.time()
    local t = core.sigv4_parse_date(r.amz_date)
    assert.is_true(math.abs(t - now) <= 5)
  end)
end)

describe("sfn.sigv4.verify", function()
  local SECRETS = { AKID = { secret_access_key = "SECRET" },
                    ASIA = { secret_access_key = "S2", session_token = "TOK" } }
  local function lookup(akid) return SECRETS[akid] end

  -- A request as a server sees it: target, lowercase names, the signed headers.
  local function incoming(extra, creds)
    local r = assert(sigv4.sign(states_request{ credentials = creds or CREDS, url = "http://127.0.0.1:8083/",
      headers = { ["Content-Type"] = "application/x-amz-json-1.0", ["X-Amz-Target"] = "AWSStepFunctions.ListActivities",
                  ["User-Agent"] = "test" } }))
    local h = {}
    for k, v in pairs(r.headers) do h[k:lower()] = v end
    local o = { method = "POST", url = "/", headers = h, body = "{}", credentials = lookup, time = T + 10 }
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end

  local function fails(o, code, message, status)
    local info, err = sigv4.verify(o)
    assert.is_nil(info)
    assert.are.equal(code, err.code)
    assert.are.equal(message, err.message)
    if status then assert.are.equal(status, err.status) end
    return err
  end

  it("accepts a request signed by sigv4.sign", function()
    local info = assert(sigv4.verify(incoming{ region = "us-east-1", service = "states" }))
    assert.are.equal("AKID", info.access_key_id)
    assert.are.equal("us-east-1", info.region)
    assert.are.equal("states", info.service)
    assert.are.same({ "content-type", "host", "x-amz-date", "x-amz-target" }, info.signed_headers)
    assert.are.equal(T, info.time)
  end)

  it("accepts session credentials with their token", function()
    assert(sigv4.verify(incoming(nil, { access_key_id = "ASIA", secret_access_key = "S2", session_token = "TOK" })))
    fails(incoming(nil, { access_key_id = "ASIA", secret_access_key = "S2" }), "UnrecognizedClientException",
      "The security token included in the request is invalid.", 403)
  end)

  it("rejects a changed body, header or method", function()
    local o = incoming{ body = "{\"a\":1}" }
    local err = fails(o, "InvalidSignatureException", "The request signature we calculated does not match the "
      .. "signature you provided. Check your AWS Secret Access Key and signing method. Consult the service "
      .. "documentation for details.", 403)
    assert.is_truthy(err.canonical_request:find("^POST\n/\n"))
    o = incoming()
    o.headers["x-amz-target"] = "AWSStepFunctions.DeleteActivity"
    fails(o, "InvalidSignatureException", err.message)
    fails(incoming{ method = "PUT" }, "InvalidSignatureException", err.message)
    o = incoming()
    o.headers["user-agent"] = "changed" -- not signed
    assert(sigv4.verify(o))
  end)

  it("rejects a missing or malformed Authorization header", function()
    local o = incoming()
    o.headers.authorization = nil
    fails(o, "MissingAuthenticationTokenException", "Missing Authentication Token", 403)
    o.headers.authorization = "AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/states/aws4_request"
    fails(o, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter. "
      .. "Authorization header requires 'SignedHeaders' parameter. Authorization="
      .. "AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/states/aws4_request", 400)
    o.headers.authorization = "AWS4-HMAC-SHA256 Credential=AKID /20231114/us-east-1/states/aws4_request, "
      .. "SignedHeaders=host, Signature=00"
    assert.is_nil(sigv4.verify(o)) -- the space makes the key id "AKID " (unknown)
    o.headers.authorization = "AWS4-HMAC-SHA256 Credential AKID, SignedHeaders=host, Signature=00"
    fails(o, "IncompleteSignatureException", "'Credential AKID' not a valid key=value pair (missing equal-sign) "
      .. "in Authorization header: 'AWS4-HMAC-SHA256 Credential AKID, SignedHeaders=host, Signature=00'.")
    o = incoming()
    o.headers["x-amz-date"] = nil
    fails(o, "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' "
      .. "or a 'Date' header. Authorization=" .. o.headers.authorization)
  end)

  it("rejects an unknown key, a wrong scope and a skewed clock", function()
    local o = incoming()
    o.headers.authorization = o.headers.authorization:gsub("Credential=AKID", "Credential=NOPE")
    fails(o, "UnrecognizedClientException", "The security token included in the request is invalid.", 403)
    fails(incoming{ region = "eu-west-1" }, "InvalidSignatureException",
      "Credential should be scoped to a valid region, not 'us-east-1'. ")
    fails(incoming{ service = "lambda" }, "InvalidSignatureException",
      "Credential should be scoped to correct service: 'lambda'. ")
    fails(incoming{ time = T + 301 }, "InvalidSignatureException",
      "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z (20231114T221821Z - 5 min.)")
    fails(incoming{ time = T - 400 }, "InvalidSignatureException",
      "Signature not yet current: 20231114T221320Z is still later than 20231114T221140Z (20231114T220640Z + 5 min.)")
    fails(incoming{ time = T + 301, codes = "query" }, "RequestTimeTooSkewed",
      "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z (20231114T221821Z - 5 min.)")
    o = incoming()
    o.headers["x-amz-date"] = "20231115T221320Z"
    fails(o, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
      .. "of date from HTTP: '20231114' != '20231115', from '20231115T221320Z'.")
  end)

  it("checks presigned URLs", function()
    local r = assert(sigv4.sign{ method = "GET", url = "http://127.0.0.1:8083/p?z=1&a=%7E", region = "us-east-1",
      service = "states", credentials = { access_key_id = "ASIA", secret_access_key = "S2", session_token = "TOK" },
      time = T, presign = { expires = 60 } })
    local target = r.url:match("^http://[^/]+(.*)$")
    local function req(url, time) return { method = "GET", url = url, headers = { host = "127.0.0.1:8083" },
      credentials = lookup, time = time or T + 30 } end
    local info = assert(sigv4.verify(req(target)))
    assert.is_true(info.presigned)
    assert.are.equal("ASIA", info.access_key_id)
    fails(req((target:gsub("z=1", "z=2"))), "InvalidSignatureException", "The request signature we calculated does "
      .. "not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
      .. "service documentation for details.")
    fails(req(target, T + 61), "InvalidSignatureException",
      "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z (20231114T221421Z - 60 sec.)")
    fails(req((target:gsub("X%-Amz%-Security%-Token=TOK", "X-Amz-Security-Token=BAD"))), "UnrecognizedClientException",
      "The security token included in the request is invalid.")
    fails(req((target:gsub("&X%-Amz%-Expires=60", ""))), "IncompleteSignatureException", "AWS query-string parameters "
      .. "must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', "
      .. "'X-Amz-SignedHeaders', and 'X-Amz-Expires'. Re-examine the query-string parameters.")
    fails(req("/p?z=1"), "MissingAuthenticationTokenException", "Missing Authentication Token")
  end)

  it("uses the query-protocol codes when asked", function()
    fails(incoming{ codes = "query", body = "x" }, "SignatureDoesNotMatch", "The request signature we calculated "
      .. "does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult "
      .. "the service documentation for details.")
  end)
end)
