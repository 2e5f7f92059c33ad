-- sfn.credentials: each provider against fake STS, IMDS and container
-- endpoints on 127.0.0.1 (spec/support/test_server.lua) and real
-- credential_process commands; the default chain's order; caching and
-- refresh; no secret in any error or log line.
local credentials = require "sfn.credentials"
local iso8601 = require "sfn.iso8601"
local sigv4 = require "sfn.sigv4"
local http = require "sfn.http"
local test_server = require "support.test_server"

local NOW = 1700000000                       -- 2023-11-14T22:13:20Z
local IN_AN_HOUR = iso8601.format(NOW + 3600)

-- Every error string and log line the spec sees, checked for secrets at the end.
local seen = {}
local SECRETS = { "envsecret", "filesecret", "configsecret", "procsecret", "STSSECRET", "STSTOKEN",
                  "imdssecret", "IMDSTOKEN", "ecssecret", "ECSTOKEN", "sourcesecret", "webtoken-",
                  "ecs-auth-", "stdoutsecret" }

local function log(line) seen[#seen + 1] = line end

local function expect_error(err, code, message)
  assert.is_table(err)
  seen[#seen + 1] = tostring(err)
  assert.are.equal(code, err.code)
  if message then assert.are.equal(message, err.message) end
end

local tmpdir
local function path(name) return tmpdir .. "/" .. name end
local function write(name, text)
  local f = assert(io.open(path(name), "wb"))
  f:write(text)
  f:close()
  return path(name)
end

-- A chain or source over env table t (no real files, no real IMDS).
local function opts_for(t, extra)
  local env = {
    AWS_CONFIG_FILE = path("none"), AWS_SHARED_CREDENTIALS_FILE = path("none"),
    AWS_EC2_METADATA_DISABLED = "true",
  }
  for k, v in pairs(t or {}) do env[k] = v end
  local o = { env = function(k) return env[k] end, now = function() return NOW end, log = log, http = http }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function doc(akid, secret, token, expiration)
  return string.format('{"Code":"Success","AccessKeyId":"%s","SecretAccessKey":"%s","Token":"%s",'
    .. '"Expiration":"%s"}', akid, secret, token, expiration)
end

setup(function()
  tmpdir = os.tmpname()
  os.remove(tmpdir)
  assert(os.execute("mkdir -p '" .. tmpdir .. "'"))
end)

teardown(function()
  os.execute("rm -rf '" .. tmpdir .. "'")
end)

describe("sfn.credentials", function()
  describe("static", function()
    it("returns the keys it was given", function()
      local p = credentials.static{ access_key_id = "AKIDSTATIC", secret_access_key = "s", session_token = "t" }
      local c = assert(p:get())
      assert.are.equal("AKIDSTATIC", c.access_key_id)
      assert.are.equal("s", c.secret_access_key)
      assert.are.equal("t", c.session_token)
      assert.are.equal("explicit", c.source)
      assert.are.equal("sfn.credentials (explicit)", tostring(c))
    end)

    it("raises on misuse", function()
      assert.has_error(function() credentials.static{ access_key_id = "A" } end,
        "bad field 'secret_access_key' to 'static' (non-empty string expected, got nil)")
      assert.has_error(function() credentials.static("A") end,
        "bad argument #1 to 'static' (table expected, got string)")
      assert.has_error(function() credentials.chain{ profile = 3 } end,
        "bad option 'profile' to 'chain' (string expected, got number)")
      assert.has_error(function() credentials.chain{ env = {} } end,
        "bad option 'env' to 'chain' (function expected, got table)")
    end)

    it("from() accepts a provider, a table of keys or nothing", function()
      local p = credentials.static{ access_key_id = "A", secret_access_key = "S" }
      assert.are.equal(p, credentials.from(p))
      assert.are.equal("A", assert(credentials.from{ access_key_id = "A", secret_access_key = "S" }:get()).access_key_id)
      assert.are.equal("chain", credentials.from(nil, opts_for {}).name)
    end)
  end)

  describe("environment", function()
    it("reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN", function()
      local c = assert(credentials.chain(opts_for { AWS_ACCESS_KEY_ID = "AKIDENV",
        AWS_SECRET_ACCESS_KEY = "envsecret1", AWS_SESSION_TOKEN = "envtoken" }):get())
      assert.are.same({ "AKIDENV", "envsecret1", "envtoken", "env" },
        { c.access_key_id, c.secret_access_key, c.session_token, c.source })
      assert.is_nil(c.expiration)
      c = assert(credentials.source("env", opts_for { AWS_ACCESS_KEY_ID = "AKIDENV",
        AWS_SECRET_ACCESS_KEY = "envsecret1", AWS_SECURITY_TOKEN = "legacy",
        AWS_CREDENTIAL_EXPIRATION = IN_AN_HOUR }):get())
      assert.are.equal("legacy", c.session_token)
      assert.are.equal(NOW + 3600, c.expiration)
    end)

    it("reports partial credentials without the key", function()
      local c, err = credentials.chain(opts_for { AWS_ACCESS_KEY_ID = "AKIDENV" }):get()
      assert.is_nil(c)
      expect_error(err, "PartialCredentialsError",
        "Partial credentials found in the environment, missing: AWS_SECRET_ACCESS_KEY")
      _, err = credentials.chain(opts_for { AWS_ACCESS_KEY_ID = "AKIDENV", AWS_SECRET_ACCESS_KEY = "envsecret2",
        AWS_CREDENTIAL_EXPIRATION = "tomorrow" }):get()
      expect_error(err, "CredentialRetrievalError", "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 timestamp")
    end)

    it("is skipped when a profile is named explicitly", function()
      local creds_file = write("env-skip-creds", "[dev]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret1\n")
      local o = opts_for { AWS_ACCESS_KEY_ID = "AKIDENV", AWS_SECRET_ACCESS_KEY = "envsecret3",
                           AWS_SHARED_CREDENTIALS_FILE = creds_file }
      o.profile = "dev"
      assert.are.equal("AKIDFILE", assert(credentials.chain(o):get()).access_key_id)
      -- AWS_PROFILE does not skip it
      local c = assert(credentials.chain(opts_for { AWS_ACCESS_KEY_ID = "AKIDENV",
        AWS_SECRET_ACCESS_KEY = "envsecret3", AWS_SHARED_CREDENTIALS_FILE = creds_file, AWS_PROFILE = "dev" }):get())
      assert.are.equal("AKIDENV", c.access_key_id)
    end)
  end)

  describe("shared files", function()
    local cfile, kfile
    setup(function()
      kfile = write("credentials", table.concat({
        "[default]", "aws_access_key_id = AKIDDEFAULT", "aws_secret_access_key = filesecret2",
        "[dev]", "aws_access_key_id = AKIDDEV", "aws_secret_access_key = filesecret3",
        "aws_session_token = filetoken",
        "[partial]", "aws_access_key_id = AKIDPARTIAL",
      }, "\n"))
      cfile = write("config", table.concat({
        "[profile dev]", "aws_access_key_id = AKIDFROMCONFIG", "aws_secret_access_key = configsecret1",
        "[profile cfg-only]", "aws_access_key_id = AKIDCONFIG", "aws_secret_access_key = configsecret2",
        "[cfg-plain]", "aws_access_key_id = AKIDPLAIN", "aws_secret_access_key = configsecret3",
      }, "\n"))
    end)
    local function files(t)
      t = t or {}
      t.AWS_CONFIG_FILE, t.AWS_SHARED_CREDENTIALS_FILE = cfile, kfile
      return opts_for(t)
    end

    it("reads the default profile and AWS_PROFILE's", function()
      local c = assert(credentials.chain(files()):get())
      assert.are.same({ "AKIDDEFAULT", "filesecret2", "shared-credentials-file" },
        { c.access_key_id, c.secret_access_key, c.source })
      c = assert(credentials.chain(files { AWS_PROFILE = "dev" }):get())
      assert.are.same({ "AKIDDEV", "filetoken" }, { c.access_key_id, c.session_token })
    end)

    it("prefers the credentials file to the config file, and reads [profile x] from the config file", function()
      assert.are.equal("AKIDDEV", assert(credentials.chain(files { AWS_PROFILE = "dev" }):get()).access_key_id)
      local c = assert(credentials.chain(files { AWS_PROFILE = "cfg-only" }):get())
      assert.are.same({ "AKIDCONFIG", "config-file" }, { c.access_key_id, c.source })
      local _, err = credentials.chain(files { AWS_PROFILE = "cfg-plain" }):get()
      expect_error(err, "ProfileNotFound", "The config profile (cfg-plain) could not be found")
    end)

    it("reports partial keys and unknown profiles", function()
      local _, err = credentials.chain(files { AWS_PROFILE = "partial" }):get()
      expect_error(err, "PartialCredentialsError",
        "Partial credentials found in shared-credentials-file (profile partial), missing: aws_secret_access_key")
      local o = files()
      o.profile = "nope"
      _, err = credentials.chain(o):get()
      expect_error(err, "ProfileNotFound", "The config profile (nope) could not be found")
    end)
  end)

  describe("credential_process", function()
    local function profile(command, extra)
      local cfile = write("proc-config-" .. tostring(#seen) .. "-" .. tostring(math.random(1e9)),
        "[default]\ncredential_process = " .. command .. "\n" .. (extra or ""))
      return opts_for { AWS_CONFIG_FILE = cfile }
    end

    it("runs the command and reads its Version 1 JSON", function()
      local c = assert(credentials.chain(profile(
        [[printf '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "procsecret1", "SessionToken": "proctoken", "Expiration": "]]
        .. IN_AN_HOUR .. [["}']])):get())
      assert.are.same({ "AKIDPROC", "procsecret1", "proctoken", NOW + 3600, "custom-process" },
        { c.access_key_id, c.secret_access_key, c.session_token, c.expiration, c.source })
      assert.are.equal("sfn.credentials (custom-process, expires " .. IN_AN_HOUR .. ")", tostring(c))
    end)

    it("reports a failing command with its status and stderr", function()
      local _, err = credentials.chain(profile("echo 'token expired, run login' >&2; exit 3")):get()
      expect_error(err, "CredentialRetrievalError", "Error when retrieving credentials from the "
        .. "credential_process of profile default: exited with status 3: token expired, run login")
    end)

    it("rejects other versions, missing keys and output that is not JSON, never quoting it", function()
      local _, err = credentials.chain(profile(
        [[printf '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "procsecret2"}']])):get()
      expect_error(err, "CredentialRetrievalError", "Error when retrieving credentials from the "
        .. "credential_process of profile default: unsupported Version 2 (supported: 1)")
      _, err = credentials.chain(profile([[printf '{"Version": 1, "AccessKeyId": "A"}']])):get()
      expect_error(err, "CredentialRetrievalError", "Error when retrieving credentials from the "
        .. "credential_process of profile default: its output has no SecretAccessKey")
      _, err = credentials.chain(profile([[printf 'AccessKeyId=A SecretAccessKey=stdoutsecret']])):get()
      expect_error(err, "CredentialRetrievalError", "Error when retrieving credentials from the "
        .. "credential_process of profile default: its output is not a JSON object")
      _, err = credentials.chain(profile(
        [[printf '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "procsecret3", "Expiration": "soon"}']])):get()
      expect_error(err, "CredentialRetrievalError", "Error when retrieving credentials from the "
        .. "credential_process of profile default: its Expiration is not an ISO 8601 timestamp")
    end)

    it("comes after the credentials file and before the config file's keys", function()
      local kfile = write("proc-creds", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret4\n")
      local o = profile([[printf '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "procsecret4"}']],
        "aws_access_key_id = AKIDCONFIG\naws_secret_access_key = configsecret4\n")
      assert.are.equal("AKIDPROC", assert(credentials.chain(o):get()).access_key_id)
      local env = o.env
      o.env = function(k) if k == "AWS_SHARED_CREDENTIALS_FILE" then return kfile end return env(k) end
      assert.are.equal("AKIDFILE", assert(credentials.chain(o):get()).access_key_id)
    end)
  end)

  describe("caching and refresh", function()
    -- A command that answers new keys each run, expiring an hour after NOW.
    local counter, command
    setup(function()
      counter = path("counter")
      command = string.format([[n=$(cat '%s' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '%s'; ]]
        .. [[printf '{"Version": 1, "AccessKeyId": "AKID%%s", "SecretAccessKey": "procsecret-%%s", "Expiration": "%s"}' $n $n]],
        counter, counter, IN_AN_HOUR)
    end)

    it("keeps credentials until 15 minutes before expiry, then fetches again", function()
      os.remove(counter)
      local t = NOW
      local o = opts_for { AWS_CONFIG_FILE = write("refresh-config", "[default]\ncredential_process = " .. command .. "\n") }
      o.now = function() return t end
      local p = credentials.chain(o)
      assert.are.equal("AKID1", assert(p:get()).access_key_id)
      t = NOW + 3600 - 901
      assert.are.equal("AKID1", assert(p:get()).access_key_id)
      t = NOW + 3600 - 899
      -- the command still answers the old expiry, which is in the future: taken
      assert.are.equal("AKID2", assert(p:get()).access_key_id)
      assert.are.equal("AKID3", assert(p:get()).access_key_id)
      p:invalidate()
      assert.are.equal("AKID4", assert(p:get()).access_key_id)
    end)

    it("uses cached credentials when a refresh fails before the mandatory window, not after", function()
      os.remove(counter)
      local t = NOW
      local cfile = write("refresh-config2", "[default]\ncredential_process = " .. command .. "\n")
      local o = opts_for { AWS_CONFIG_FILE = cfile }
      o.now = function() return t end
      local p = credentials.chain(o)
      assert.are.equal("AKID1", assert(p:get()).access_key_id)
      write("refresh-config2", "[default]\ncredential_process = exit 1\n")
      -- the chain keeps the config it read; break the command itself instead
      os.remove(counter)
      write("counter", "not a number")
      t = NOW + 3600 - 800
      local c = assert(p:get())
      assert.are.equal("AKID1", c.access_key_id)
      t = NOW + 3600 - 500
      local none, err = p:get()
      assert.is_nil(none)
      expect_error(err, "CredentialRetrievalError")
      assert.is_truthy(err.message:find("exited with status", 1, true))
    end)

    it("rejects credentials that are already expired", function()
      local o = opts_for { AWS_ACCESS_KEY_ID = "AKIDOLD", AWS_SECRET_ACCESS_KEY = "envsecret4",
                           AWS_CREDENTIAL_EXPIRATION = iso8601.format(NOW - 1) }
      local _, err = credentials.chain(o):get()
      expect_error(err, "CredentialRetrievalError", "credentials from env have already expired")
    end)
  end)

  describe("assume role (fake STS on loopback)", function()
    local sts_server
    setup(function()
      sts_server = test_server.start{ handler_source = [[
        return function(req, ctx)
          local body = req.body or ""
          local action = body:match("Action=([^&]+)")
          if body:find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdenied", 1, true) then
            return { status = 403, headers = { ["Content-Type"] = "text/xml" }, body =
              "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>" ..
              "<Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole &amp; more</Message>" ..
              "</Error><RequestId>req-denied</RequestId></ErrorResponse>" }
          end
          local n = ctx.index
          return { status = 200, headers = { ["Content-Type"] = "text/xml", ["x-amzn-RequestId"] = "req-" .. n },
            body = "<" .. action .. "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" .. action ..
              "Result><Credentials><AccessKeyId>ASIA" .. n .. "</AccessKeyId><SecretAccessKey>STSSECRET" .. n ..
              "</SecretAccessKey><SessionToken>STSTOKEN" .. n .. "</SessionToken><Expiration>]] .. IN_AN_HOUR ..
              [[</Expiration></Credentials></" .. action .. "Result></" .. action .. "Response>" }
        end]] }
    end)
    teardown(function() sts_server:stop() end)

    local function form(body)
      local t = {}
      for k, v in body:gmatch("([^&=]+)=([^&]*)") do
        t[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
      end
      return t
    end

    local function config_opts(text, env)
      env = env or {}
      env.AWS_CONFIG_FILE = write("sts-config-" .. tostring(math.random(1e9)), text)
      env.AWS_ENDPOINT_URL_STS = sts_server:url()
      return opts_for(env)
    end

    local function last_request()
      local reqs = sts_server:requests()
      return reqs[#reqs], #reqs
    end

    it("assumes role_arn with a source_profile's keys, signed with them", function()
      local c = assert(credentials.chain(config_opts(table.concat({
        "[default]", "role_arn = arn:aws:iam::123456789012:role/app", "source_profile = base",
        "role_session_name = my-session", "external_id = ext-1", "duration_seconds = 1800",
        "region = eu-west-1",
        "[profile base]", "aws_access_key_id = AKIDSOURCE", "aws_secret_access_key = sourcesecret1",
      }, "\n"))):get())
      local req, n = last_request()
      assert.are.same({ "ASIA" .. n, "STSSECRET" .. n, "STSTOKEN" .. n, NOW + 3600, "assume-role" },
        { c.access_key_id, c.secret_access_key, c.session_token, c.expiration, c.source })
      assert.are.equal("POST", req.method)
      assert.are.equal("application/x-www-form-urlencoded; charset=utf-8", req.headers["content-type"])
      assert.are.same({ Action = "AssumeRole", Version = "2011-06-15", RoleArn = "arn:aws:iam::123456789012:role/app",
        RoleSessionName = "my-session", ExternalId = "ext-1", DurationSeconds = "1800" }, form(req.body))
      local info, err = sigv4.verify{ method = req.method, url = req.target, headers = req.headers,
        body = req.body, time = NOW, service = "sts", region = "eu-west-1",
        credentials = function(akid)
          if akid == "AKIDSOURCE" then return { secret_access_key = "sourcesecret1" } end
        end }
      assert.is_nil(err)
      assert.are.equal("AKIDSOURCE", info.access_key_id)
    end)

    it("follows a chain of roles, and names a default session", function()
      local c = assert(credentials.chain(config_opts(table.concat({
        "[default]", "role_arn = arn:aws:iam::123456789012:role/outer", "source_profile = middle",
        "[profile middle]", "role_arn = arn:aws:iam::123456789012:role/inner", "source_profile = base",
        "[profile base]", "aws_access_key_id = AKIDSOURCE", "aws_secret_access_key = sourcesecret2",
      }, "\n"))):get())
      local reqs = sts_server:requests()
      local inner, outer = reqs[#reqs - 1], reqs[#reqs]
      assert.are.equal("arn:aws:iam::123456789012:role/inner", form(inner.body).RoleArn)
      assert.are.equal("arn:aws:iam::123456789012:role/outer", form(outer.body).RoleArn)
      assert.are.equal("sfn-session-" .. NOW, form(outer.body).RoleSessionName)
      -- the outer call is signed with the inner call's credentials
      assert.is_truthy(outer.headers.authorization:find("Credential=ASIA" .. (#reqs - 1) .. "/", 1, true))
      assert.are.equal("STSTOKEN" .. (#reqs - 1), outer.headers["x-amz-security-token"])
      assert.are.equal("ASIA" .. #reqs, c.access_key_id)
    end)

    it("accepts a profile that is its own source when it has keys", function()
      assert(credentials.chain(config_opts(table.concat({
        "[default]", "role_arn = arn:aws:iam::123456789012:role/self", "source_profile = default",
        "aws_access_key_id = AKIDSOURCE", "aws_secret_access_key = sourcesecret3",
      }, "\n"))):get())
      assert.is_truthy(last_request().headers.authorization:find("Credential=AKIDSOURCE/", 1, true))
    end)

    it("takes the source from credential_source = Environment", function()
      local text = table.concat({
        "[profile ci]", "role_arn = arn:aws:iam::123456789012:role/ci", "credential_source = Environment",
      }, "\n")
      local env = { AWS_ACCESS_KEY_ID = "AKIDSOURCE", AWS_SECRET_ACCESS_KEY = "sourcesecret4", AWS_PROFILE = "ci" }
      -- with AWS_PROFILE, the environment's keys come first in the chain, as in botocore
      assert.are.equal("env", assert(credentials.chain(config_opts(text, env)):get()).source)
      -- a profile named explicitly takes the environment source out of the chain
      local o = config_opts(text, env)
      o.profile = "ci"
      local c = assert(credentials.chain(o):get())
      assert.are.equal("assume-role", c.source)
      assert.is_truthy(last_request().headers.authorization:find("Credential=AKIDSOURCE/", 1, true))
    end)

    it("reports STS errors with STS's code, message and request id", function()
      local _, err = credentials.chain(config_opts(table.concat({
        "[default]", "role_arn = arn:aws:iam::123456789012:role/denied", "source_profile = base",
        "[profile base]", "aws_access_key_id = AKIDSOURCE", "aws_secret_access_key = sourcesecret5",
      }, "\n"))):get()
      expect_error(err, "AccessDenied", "User is not authorized to perform: sts:AssumeRole & more")
      assert.are.equal(403, err.status)
      assert.are.equal("req-denied", err.request_id)
      assert.is_false(err.retryable)
    end)

    it("reports configuration mistakes", function()
      local cases = {
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\n[profile a]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = default\n",
          "InfiniteLoopConfigError",
          "Infinite loop in credential configuration detected: profile default was already visited (default -> a)" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = gone\n",
          "InvalidConfigError", "The source_profile gone referenced in the profile default does not exist" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\ncredential_source = Environment\n[profile a]\n",
          "InvalidConfigError", "The profile default contains both source_profile and credential_source" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\n",
          "PartialCredentialsError",
          "Partial credentials found in assume-role (profile default), missing: source_profile or credential_source" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Laptop\n",
          "InvalidConfigError",
          "The credential_source \"Laptop\" of profile default is not supported (Environment, Ec2InstanceMetadata, EcsContainer)" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\n",
          "CredentialRetrievalError", "No credentials found in credential_source Environment referenced in profile default" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = empty\n[profile empty]\nregion = us-east-1\n",
          "InvalidConfigError", "The source profile empty must have credentials" },
        { "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\nmfa_serial = arn:aws:iam::1:mfa/me\n"
          .. "[profile a]\naws_access_key_id = A\naws_secret_access_key = sourcesecret6\n",
          "InvalidConfigError", "profile default needs an MFA code (mfa_serial); pass an mfa_token function" },
      }
      for _, case in ipairs(cases) do
        local c, err = credentials.chain(config_opts(case[1])):get()
        assert.is_nil(c)
        expect_error(err, case[2], case[3])
      end
    end)

    it("passes an MFA code from mfa_token", function()
      local o = config_opts("[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\n"
        .. "mfa_serial = arn:aws:iam::1:mfa/me\n[profile a]\naws_access_key_id = A\naws_secret_access_key = sourcesecret7\n")
      o.mfa_token = function(serial) assert.are.equal("arn:aws:iam::1:mfa/me", serial) return "123456" end
      assert(credentials.chain(o):get())
      local f = form(last_request().body)
      assert.are.same({ "arn:aws:iam::1:mfa/me", "123456" }, { f.SerialNumber, f.TokenCode })
    end)

    describe("web identity", function()
      it("reads AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME; unsigned", function()
        local token_file = write("web-token", "webtoken-abc")
        local c = assert(credentials.chain(opts_for { AWS_WEB_IDENTITY_TOKEN_FILE = token_file,
          AWS_ROLE_ARN = "arn:aws:iam::123456789012:role/web", AWS_ROLE_SESSION_NAME = "pod-1",
          AWS_ENDPOINT_URL_STS = sts_server:url() }):get())
        local req, n = last_request()
        assert.are.same({ "ASIA" .. n, "assume-role-with-web-identity" }, { c.access_key_id, c.source })
        assert.are.same({ Action = "AssumeRoleWithWebIdentity", Version = "2011-06-15",
          RoleArn = "arn:aws:iam::123456789012:role/web", RoleSessionName = "pod-1",
          WebIdentityToken = "webtoken-abc" }, form(req.body))
        assert.is_nil(req.headers.authorization)
      end)

      it("reads the profile's web_identity_token_file and role_arn, before the credentials file", function()
        local token_file = write("web-token2", "webtoken-def")
        local o = config_opts("[default]\nweb_identity_token_file = " .. token_file ..
          "\nrole_arn = arn:aws:iam::123456789012:role/web2\n")
        local kfile = write("web-creds", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret5\n")
        local env = o.env
        o.env = function(k) if k == "AWS_SHARED_CREDENTIALS_FILE" then return kfile end return env(k) end
        local c = assert(credentials.chain(o):get())
        assert.are.equal("assume-role-with-web-identity", c.source)
        assert.are.equal("webtoken-def", form(last_request().body).WebIdentityToken)
      end)

      it("reports a missing role ARN and an unreadable token file", function()
        local _, err = credentials.chain(opts_for { AWS_WEB_IDENTITY_TOKEN_FILE = path("web-token") }):get()
        expect_error(err, "InvalidConfigError",
          "web identity is configured (a token file) but no role ARN is: set AWS_ROLE_ARN or the profile's role_arn")
        _, err = credentials.chain(opts_for { AWS_WEB_IDENTITY_TOKEN_FILE = path("no-such-token"),
          AWS_ROLE_ARN = "arn:aws:iam::1:role/x" }):get()
        expect_error(err, "CredentialRetrievalError",
          "cannot read the web identity token file " .. path("no-such-token"))
      end)
    end)
  end)

  describe("STS endpoint", function()
    local sts = require "sfn.sts"
    it("is regional when a region is known, global otherwise", function()
      assert.are.equal("https://sts.eu-west-1.amazonaws.com", sts.endpoint("eu-west-1"))
      assert.are.equal("https://sts.cn-north-1.amazonaws.com.cn", sts.endpoint("cn-north-1"))
      assert.are.equal("https://sts.amazonaws.com", sts.endpoint(nil))
      assert.are.equal("https://sts-fips.us-east-2.amazonaws.com",
        sts.endpoint("us-east-2", { use_fips_endpoint = true, values = {}, env = function() end }))
      local legacy = { sts_regional_endpoints = "legacy", values = {}, env = function() end }
      assert.are.equal("https://sts.amazonaws.com", sts.endpoint("eu-west-1", legacy))
      assert.are.equal("https://sts.ap-east-1.amazonaws.com", sts.endpoint("ap-east-1", legacy))
      assert.are.equal("http://127.0.0.1:9", sts.endpoint("eu-west-1",
        { values = {}, env = function(k) if k == "AWS_ENDPOINT_URL_STS" then return "http://127.0.0.1:9" end end }))
    end)
  end)

  describe("container credentials (fake endpoint on loopback)", function()
    local server
    setup(function()
      server = test_server.start{ handler_source = [[
        return function(req, ctx)
          if req.path == "/flaky" then
            ctx.state.n = (ctx.state.n or 0) + 1
            if ctx.state.n < 3 then return { status = 500, body = "busy" } end
          elseif req.path == "/missing" then
            return { status = 404, body = "no such role" }
          elseif req.path == "/full" and req.headers.authorization ~= "ecs-auth-token" then
            return { status = 401, body = "unauthorized" }
          end
          return { status = 200, headers = { ["Content-Type"] = "application/json" },
            body = ']] .. doc("AKIDECS", "ecssecret1", "ECSTOKEN1", IN_AN_HOUR) .. [[' }
        end]] }
    end)
    teardown(function() server:stop() end)

    it("fetches AWS_CONTAINER_CREDENTIALS_RELATIVE_URI from the ECS agent address", function()
      local o = opts_for { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = "/v2/credentials/abc" }
      o.ecs_endpoint = "http://127.0.0.1:" .. server.port
      local c = assert(credentials.chain(o):get())
      assert.are.same({ "AKIDECS", "ecssecret1", "ECSTOKEN1", NOW + 3600, "container-role" },
        { c.access_key_id, c.secret_access_key, c.session_token, c.expiration, c.source })
      local reqs = server:requests()
      assert.are.equal("GET", reqs[#reqs].method)
      assert.are.equal("/v2/credentials/abc", reqs[#reqs].path)
      assert.are.equal("application/json", reqs[#reqs].headers.accept)
    end)

    it("fetches AWS_CONTAINER_CREDENTIALS_FULL_URI with the authorization token", function()
      local c = assert(credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = server:url("/full"),
        AWS_CONTAINER_AUTHORIZATION_TOKEN = "ecs-auth-token" }):get())
      assert.are.equal("AKIDECS", c.access_key_id)
      local token_file = write("ecs-token", "ecs-auth-token\n")
      c = assert(credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = server:url("/full"),
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = token_file, AWS_CONTAINER_AUTHORIZATION_TOKEN = "ignored" }):get())
      assert.are.equal("AKIDECS", c.access_key_id)
      local reqs = server:requests()
      assert.are.equal("ecs-auth-token", reqs[#reqs].headers.authorization)
    end)

    it("retries a failing endpoint three times", function()
      local before = #server:requests()
      local c = assert(credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = server:url("/flaky") }):get())
      assert.are.equal("AKIDECS", c.access_key_id)
      assert.are.equal(before + 3, #server:requests())
    end)

    it("reports errors, and refuses plain http to other hosts", function()
      local _, err = credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = server:url("/missing") }):get()
      expect_error(err, "CredentialRetrievalError",
        "the container credentials endpoint answered HTTP 404 at " .. server:url("/missing"))
      _, err = credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = server:url("/full"),
        AWS_CONTAINER_AUTHORIZATION_TOKEN = "ecs-auth-\r\ninjected" }):get()
      expect_error(err, "CredentialRetrievalError", "the container authorization token is not a legal header value")
      _, err = credentials.chain(opts_for { AWS_CONTAINER_CREDENTIALS_FULL_URI = "http://example.com/creds" }):get()
      expect_error(err, "CredentialRetrievalError", "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http "
        .. "to a loopback address or an ECS/EKS container agent address (host example.com is not)")
    end)
  end)

  describe("EC2 instance metadata (fake IMDS on loopback)", function()
    local imds, imds_v1
    setup(function()
      local creds_doc = doc("AKIDIMDS", "imdssecret1", "IMDSTOKEN1", IN_AN_HOUR)
      imds = test_server.start{ handler_source = [[
        return function(req)
          if req.method == "PUT" and req.path == "/latest/api/token" then
            if req.headers["x-aws-ec2-metadata-token-ttl-seconds"] ~= "21600" then return { status = 400 } end
            return { body = "imds-session-token" }
          end
          if req.headers["x-aws-ec2-metadata-token"] ~= "imds-session-token" then return { status = 401 } end
          if req.path == "/latest/meta-data/iam/security-credentials/" then return { body = "my-role\n" } end
          if req.path == "/latest/meta-data/iam/security-credentials/my-role" then
            return { body = ']] .. creds_doc .. [[' }
          end
          return { status = 404 }
        end]] }
      imds_v1 = test_server.start{ handler_source = [[
        return function(req)
          if req.method == "PUT" then return { status = 403 } end
          if req.path == "/latest/meta-data/iam/security-credentials/" then return { body = "v1-role" } end
          if req.path == "/latest/meta-data/iam/security-credentials/v1-role" then
            return { body = ']] .. creds_doc .. [[' }
          end
          return { status = 404 }
        end]] }
    end)
    teardown(function()
      imds:stop()
      imds_v1:stop()
    end)

    it("gets a token, the role name, then the role's credentials (IMDSv2)", function()
      local c = assert(credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "false",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = imds:url("/") }):get())
      assert.are.same({ "AKIDIMDS", "imdssecret1", "IMDSTOKEN1", NOW + 3600, "iam-role" },
        { c.access_key_id, c.secret_access_key, c.session_token, c.expiration, c.source })
      local reqs = imds:requests()
      assert.are.same({ "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                        "GET /latest/meta-data/iam/security-credentials/my-role" },
        { reqs[1].method .. " " .. reqs[1].path, reqs[2].method .. " " .. reqs[2].path,
          reqs[3].method .. " " .. reqs[3].path })
    end)

    it("falls back to IMDSv1 when the token request is refused, unless v1 is disabled", function()
      local c = assert(credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = imds_v1:url("") }):get())
      assert.are.equal("AKIDIMDS", c.access_key_id)
      local _, err = credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = imds_v1:url(""), AWS_EC2_METADATA_V1_DISABLED = "true" }):get()
      expect_error(err, "NoCredentialsError", "Unable to locate credentials")
      assert.are.equal("sfn.credentials: no credentials from EC2 instance metadata: "
        .. "IMDS token request answered HTTP 403 and IMDSv1 is disabled", seen[#seen - 1])
    end)

    it("is skipped when AWS_EC2_METADATA_DISABLED is true", function()
      local before = #imds:requests()
      local _, err = credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "TRUE",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = imds:url("") }):get()
      expect_error(err, "NoCredentialsError", "Unable to locate credentials")
      assert.are.equal(before, #imds:requests())
    end)

    it("gives no credentials when IMDS cannot be reached", function()
      local socket = require "socket"
      local l = assert(socket.bind("127.0.0.1", 0))
      local _, port = l:getsockname()
      l:close()
      local _, err = credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:" .. port }):get()
      expect_error(err, "NoCredentialsError", "Unable to locate credentials")
      assert.are.equal("sfn.credentials: no credentials from EC2 instance metadata: "
        .. "IMDS could not be reached (ConnectionError)", seen[#seen - 1])
    end)

    it("is fetched once for many scheduler tasks asking at the same time", function()
      local scheduler = require "sfn.scheduler"
      local before = #imds:requests()
      local p = credentials.chain(opts_for { AWS_EC2_METADATA_DISABLED = "false",
        AWS_EC2_METADATA_SERVICE_ENDPOINT = imds:url("") })
      local got = {}
      for i = 1, 5 do
        scheduler.spawn(function()
          got[i] = assert(p:get()).access_key_id
        end)
      end
      scheduler.run()
      assert.are.same({ "AKIDIMDS", "AKIDIMDS", "AKIDIMDS", "AKIDIMDS", "AKIDIMDS" }, got)
      assert.are.equal(before + 3, #imds:requests())
    end)

    it("comes last in the chain, after the container", function()
      local o = opts_for { AWS_EC2_METADATA_DISABLED = "false", AWS_EC2_METADATA_SERVICE_ENDPOINT = imds:url(""),
        AWS_ACCESS_KEY_ID = "AKIDENV", AWS_SECRET_ACCESS_KEY = "envsecret5" }
      assert.are.equal("env", assert(credentials.chain(o):get()).source)
      assert.are.same({ "env", "assume-role", "assume-role-with-web-identity", "sso", "shared-credentials-file",
        "custom-process", "config-file", "container-role", "iam-role" }, credentials.CHAIN)
    end)
  end)

  describe("IAM Identity Center profiles", function()
    it("are reported as unsupported instead of falling through", function()
      local o = opts_for { AWS_CONFIG_FILE = write("sso-config",
        "[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = dev\n"
        .. "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n") }
      local _, err = credentials.chain(o):get()
      expect_error(err, "InvalidConfigError", "profile default uses IAM Identity Center (sso_* settings), "
        .. "which sfn.credentials does not support; use credential_process (for example "
        .. "`aws configure export-credentials`) instead")
    end)
  end)

  describe("sfn.iso8601", function()
    it("parses the forms credential sources send, independent of the time zone", function()
      assert.are.equal(NOW + 3600, iso8601.parse("2023-11-14T23:13:20Z"))
      assert.are.equal(NOW + 3600.5, iso8601.parse("2023-11-14T23:13:20.500Z"))
      assert.are.equal(NOW, iso8601.parse("2023-11-15T00:13:20+02:00"))
      assert.are.equal(NOW, iso8601.parse("2023-11-14T17:13:20-0500"))
      assert.are.equal(951868799, iso8601.parse("2000-02-29T23:59:59Z"))
      assert.is_nil(iso8601.parse("2023-11-14 23:13"))
      assert.is_nil(iso8601.parse("2023-13-01T00:00:00Z"))
      assert.is_nil(iso8601.parse("2023-11-14T23:13:20"))
      assert.are.equal("2023-11-14T22:13:20Z", iso8601.format(NOW))
      assert.are.equal("1970-01-01T00:00:00Z", iso8601.format(0))
    end)
  end)

  it("never put a secret in an error or a log line", function()
    assert.is_true(#seen > 20)
    for _, line in ipairs(seen) do
      for _, secret in ipairs(SECRETS) do
        if line:find(secret, 1, true) then
          error("secret " .. secret .. " appears in: " .. line)
        end
      end
    end
  end)
end)
