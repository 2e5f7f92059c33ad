-- sfn.config: the shared config and credentials files and the AWS_* environment.
local config = require "sfn.config"

local tmpdir
local function path(name) return tmpdir .. "/" .. name end

local function write(name, text)
  local f = assert(io.open(path(name), "wb"))
  f:write(text)
  f:close()
  return path(name)
end

local function env_of(t)
  return function(k) return t[k] end
end

setup(function()
  tmpdir = os.tmpname()
  os.remove(tmpdir)
  assert(os.execute("mkdir -p '" .. tmpdir .. "/home/.aws'"))
end)

teardown(function()
  os.execute("rm -rf '" .. tmpdir .. "'")
end)

describe("sfn.config", function()
  describe("parse_ini", function()
    it("reads sections, keys and values as botocore's configparser does", function()
      local ini = assert(config.parse_ini(table.concat({
        "# a comment",
        "[default]",
        "  ; an indented comment",
        "Region = us-west-2   ",
        "output: json",
        "note = a value # not a comment",
        "empty =",
        "[ profile dev ]",
        "region=eu-west-1",
      }, "\n")))
      assert.are.same({ "default", "profile dev" }, ini.order)
      assert.are.same({ region = "us-west-2", output = "json", note = "a value # not a comment", empty = "" },
        ini.sections.default)
      assert.are.same({ region = "eu-west-1" }, ini.sections["profile dev"])
    end)

    it("reads nested sections and multi-line values", function()
      local ini = assert(config.parse_ini(table.concat({
        "[services local]",
        "sfn =",
        "  endpoint_url = http://127.0.0.1:8083",
        "",
        "  Other = x = y",
        "sts =",
        "  endpoint_url = http://127.0.0.1:9000",
        "[profile p]",
        "text = first",
        "   second",
        "  deeper = continues too",
        "[profile q]",
        "  indented = key",
        "  next = own key",
        "    deeper = continues",
      }, "\n")))
      assert.are.same({ sfn = { endpoint_url = "http://127.0.0.1:8083", Other = "x = y" },
                        sts = { endpoint_url = "http://127.0.0.1:9000" } }, ini.sections["services local"])
      assert.are.same({ text = "first\nsecond\ndeeper = continues too" }, ini.sections["profile p"])
      assert.are.same({ indented = "key", next = "own key\ndeeper = continues" }, ini.sections["profile q"])
    end)

    it("accepts CRLF line ends and a byte order mark", function()
      local ini = assert(config.parse_ini("\239\187\191[default]\r\nregion = us-east-2\r\n"))
      assert.are.same({ region = "us-east-2" }, ini.sections.default)
    end)

    it("rejects what configparser rejects, naming the line and never the value", function()
      local cases = {
        { "[a]\nx = 1\n[a]\ny = 2\n", "line 3: duplicate section" },
        { "[a]\nx = 1\nX = 2\n", "line 3: duplicate key" },
        { "x = 1\n[a]\n", "line 1: not in a section" },
        { "[a]\njust-a-secret-word\n", "line 2: expected 'key = value'" },
        { "[a]\ns3 =\n  no-equals-sign\n", "line 2: the nested section s3 has a line without '='" },
      }
      for _, case in ipairs(cases) do
        local ini, why = config.parse_ini(case[1])
        assert.is_nil(ini)
        assert.are.equal(case[2], why)
      end
    end)

    it("raises on a non-string argument", function()
      assert.has_error(function() config.parse_ini(42) end,
        "bad argument #1 to 'parse_ini' (string expected, got number)")
    end)
  end)

  describe("read_files", function()
    it("maps [profile x] and [default] in the config file; a plain [x] there is no profile", function()
      local files = assert(config.read_files{ env = env_of {},
        config_file = write("c1", table.concat({
          "[default]", "region = us-east-1",
          "[profile dev]", "region = eu-west-1",
          "[plain]", "region = ap-south-1",
          "[profile \"with space\"]", "region = sa-east-1",
          "[profile a b]", "region = never",
          "[services local]", "sfn =", "  endpoint_url = http://x",
          "[sso-session corp]", "sso_region = us-east-1",
        }, "\n")),
        credentials_file = path("none") })
      assert.are.same({ "default", "dev", "with space" }, (function()
        local names = {}
        for k in pairs(files.profiles) do names[#names + 1] = k end
        table.sort(names)
        return names
      end)())
      assert.are.equal("eu-west-1", files.profiles.dev.region)
      assert.are.same({ sfn = { endpoint_url = "http://x" } }, files.services["local"])
      assert.are.same({ sso_region = "us-east-1" }, files.sso_sessions.corp)
    end)

    it("merges the credentials file's [x] over the config file's [profile x]", function()
      local files = assert(config.read_files{ env = env_of {},
        config_file = write("c2", "[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n"),
        credentials_file = write("k2", "[dev]\naws_access_key_id = FROMCREDS\n[profile dev]\nx = 1\n[other]\ny = 2\n") })
      assert.are.same({ region = "eu-west-1", aws_access_key_id = "FROMCREDS" }, files.profiles.dev)
      assert.are.same({ x = "1" }, files.profiles["profile dev"])
      assert.are.same({ y = "2" }, files.profiles.other)
    end)

    it("finds ~/.aws/config and ~/.aws/credentials under HOME by default", function()
      write("home/.aws/config", "[profile h]\nregion = us-west-1\n")
      write("home/.aws/credentials", "[h]\naws_access_key_id = AKIDHOME\n")
      local files = assert(config.read_files{ env = env_of { HOME = path("home") } })
      assert.are.equal(path("home") .. "/.aws/config", files.config_file)
      assert.are.same({ region = "us-west-1", aws_access_key_id = "AKIDHOME" }, files.profiles.h)
    end)

    it("reports an unreadable file with its path and line", function()
      local bad = write("bad", "[a]\nsecret-value-here\n")
      local files, err = config.read_files{ env = env_of { AWS_CONFIG_FILE = bad } }
      assert.is_nil(files)
      assert.are.equal("ConfigParseError", err.code)
      assert.are.equal("Unable to parse config file: " .. bad .. " (line 2: expected 'key = value')",
        err.message)
      assert.is_nil(tostring(err):find("secret-value-here", 1, true))
    end)
  end)

  describe("load", function()
    local cfile, kfile
    setup(function()
      cfile = write("config", table.concat({
        "[default]", "region = us-east-1", "max_attempts = 5", "retry_mode = adaptive",
        "[profile dev]", "region = eu-west-1", "services = local", "endpoint_url = http://global:1",
        "use_fips_endpoint = TRUE", "use_dualstack_endpoint = false",
        "[profile plain-endpoint]", "endpoint_url = http://global:2",
        "[profile ignoring]", "endpoint_url = http://global:3", "ignore_configured_endpoint_urls = true",
        "[profile bad-attempts]", "max_attempts = many",
        "[profile bad-bool]", "use_fips_endpoint = yes",
        "[services local]", "sfn =", "  endpoint_url = http://127.0.0.1:8083",
        "sts =", "  endpoint_url = http://127.0.0.1:9000",
      }, "\n"))
      kfile = write("credentials", "[creds-only]\nregion = ca-central-1\n")
    end)
    local function load(env, opts)
      env.AWS_CONFIG_FILE = cfile
      env.AWS_SHARED_CREDENTIALS_FILE = kfile
      opts = opts or {}
      opts.env = env_of(env)
      return config.load(opts)
    end

    it("uses the default profile unless one is named", function()
      local cfg = assert(load {})
      assert.are.equal("default", cfg.profile)
      assert.are.equal("us-east-1", cfg.region)
      assert.are.equal(5, cfg.max_attempts)
      assert.are.equal("adaptive", cfg.retry_mode)
      assert.is_nil(cfg.endpoint_url)
    end)

    it("picks the profile from the option, AWS_DEFAULT_PROFILE, then AWS_PROFILE", function()
      assert.are.equal("dev", assert(load({ AWS_PROFILE = "creds-only" }, { profile = "dev" })).profile)
      assert.are.equal("dev", assert(load { AWS_DEFAULT_PROFILE = "dev", AWS_PROFILE = "creds-only" }).profile)
      local cfg = assert(load { AWS_PROFILE = "creds-only" })
      assert.are.equal("creds-only", cfg.profile)
      assert.are.equal("ca-central-1", cfg.region)
    end)

    it("fails for a named profile that does not exist, but not for a missing default", function()
      local cfg, err = load({}, { profile = "nope" })
      assert.is_nil(cfg)
      assert.are.equal("ProfileNotFound", err.code)
      assert.are.equal("ProfileNotFound: The config profile (nope) could not be found", tostring(err))
      _, err = load { AWS_PROFILE = "gone" }
      assert.are.equal("The config profile (gone) could not be found", err.message)
      cfg = assert(config.load{ env = env_of { AWS_CONFIG_FILE = path("missing"),
                                              AWS_SHARED_CREDENTIALS_FILE = path("missing") } })
      assert.are.equal("default", cfg.profile)
      assert.are.same({}, cfg.values)
      assert.is_nil(cfg.region)
    end)

    it("takes the region from AWS_REGION, AWS_DEFAULT_REGION, then the profile", function()
      assert.are.equal("us-west-2", assert(load { AWS_REGION = "us-west-2", AWS_DEFAULT_REGION = "x" }).region)
      assert.are.equal("ap-east-1", assert(load { AWS_DEFAULT_REGION = "ap-east-1" }).region)
      assert.are.equal("eu-west-1", assert(load({ AWS_REGION = "" }, { profile = "dev" })).region)
    end)

    it("takes the endpoint from AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL, services, endpoint_url", function()
      local cfg = assert(load({ AWS_ENDPOINT_URL_SFN = "http://sfn:1", AWS_ENDPOINT_URL = "http://all:1" },
                              { profile = "dev" }))
      assert.are.equal("http://sfn:1", cfg.endpoint_url)
      assert.are.equal("http://all:1", assert(load({ AWS_ENDPOINT_URL = "http://all:1" }, { profile = "dev" })).endpoint_url)
      cfg = assert(load({}, { profile = "dev" }))
      assert.are.equal("http://127.0.0.1:8083", cfg.endpoint_url)
      assert.are.equal("http://127.0.0.1:9000", config.endpoint_url(cfg, "STS"))
      assert.are.equal("http://global:1", config.endpoint_url(cfg, "Lambda"))
      assert.are.equal("http://global:2", assert(load({}, { profile = "plain-endpoint" })).endpoint_url)
    end)

    it("ignores configured endpoints when asked to", function()
      assert.is_nil(assert(load({}, { profile = "ignoring" })).endpoint_url)
      assert.is_nil(assert(load({ AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true",
                                  AWS_ENDPOINT_URL = "http://all:1" }, { profile = "dev" })).endpoint_url)
    end)

    it("reads booleans and numbers, the environment first", function()
      local cfg = assert(load({}, { profile = "dev" }))
      assert.is_true(cfg.use_fips_endpoint)
      assert.is_false(cfg.use_dualstack_endpoint)
      cfg = assert(load({ AWS_USE_FIPS_ENDPOINT = "false", AWS_MAX_ATTEMPTS = "2" }, { profile = "dev" }))
      assert.is_false(cfg.use_fips_endpoint)
      assert.are.equal(2, cfg.max_attempts)
    end)

    it("rejects settings of the wrong type", function()
      local cfg, err = load({}, { profile = "bad-attempts" })
      assert.is_nil(cfg)
      assert.are.equal("InvalidConfigError", err.code)
      assert.are.equal("max_attempts (from profile key max_attempts) must be an integer", err.message)
      _, err = load({}, { profile = "bad-bool" })
      assert.are.equal("use_fips_endpoint (from profile key use_fips_endpoint) must be true or false",
        err.message)
      _, err = load { AWS_MAX_ATTEMPTS = "1.5" }
      assert.are.equal("max_attempts (from AWS_MAX_ATTEMPTS) must be an integer", err.message)
    end)

    it("raises on misuse", function()
      assert.has_error(function() config.load{ profile = 1 } end,
        "bad option 'profile' to 'load' (string expected, got number)")
      assert.has_error(function() config.load("dev") end,
        "bad argument #1 to 'load' (table expected, got string)")
    end)
  end)
end)
