-- sfn.endpoints: the endpoint rule-set interpreter, run on every case of the
-- Step Functions model's endpoint-tests-1.json, and its library functions.
local json = require "sfn.json"
local endpoints = require "sfn.endpoints"

local MODEL = "spec/fixtures/api-model/botocore-stepfunctions-2016-11-23/"

local function read_json(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return assert(json.decode(text))
end

local tests = read_json(MODEL .. "endpoint-tests-1.json")
local fixture_rules = read_json(MODEL .. "endpoint-rule-set-1.json")

describe("sfn.endpoints", function()
  describe("endpoint-tests-1.json through resolve (the built-in rule set)", function()
    for i, case in ipairs(tests.testCases) do
      it(string.format("case %d: %s", i, case.documentation), function()
        local p = case.params or {}
        local url, ep = endpoints.resolve{ region = p.Region, use_fips = p.UseFIPS,
                                           use_dualstack = p.UseDualStack, endpoint = p.Endpoint }
        if case.expect.error then
          assert.is_nil(url)
          assert.are.equal("EndpointResolutionError", ep.code)
          assert.are.equal(case.expect.error, ep.message)
          assert.are.equal("EndpointResolutionError: " .. case.expect.error, tostring(ep))
        else
          assert.are.equal(case.expect.endpoint.url, url)
          assert.are.equal(case.expect.endpoint.url, ep.url)
        end
      end)
    end
  end)

  describe("endpoint-tests-1.json through evaluate (the fixture's JSON rule set)", function()
    for i, case in ipairs(tests.testCases) do
      it(string.format("case %d: %s", i, case.documentation), function()
        local ep, err = endpoints.evaluate(fixture_rules, case.params or {})
        if case.expect.error then
          assert.is_nil(ep)
          assert.are.equal(case.expect.error, err.message)
        else
          assert.are.equal(case.expect.endpoint.url, ep.url)
        end
      end)
    end
  end)

  it("has the generated rule set equal to the fixture's", function()
    local function strip(v)
      if type(v) ~= "table" then return v end
      local out = {}
      for k, x in pairs(v) do out[k] = strip(x) end
      return out
    end
    assert.are.same(strip(fixture_rules), strip(require "sfn.endpoint_rules"))
  end)

  describe("resolve", function()
    it("returns a custom endpoint as given", function()
      assert.are.equal("http://127.0.0.1:8083",
        endpoints.resolve{ region = "us-east-1", endpoint = "http://127.0.0.1:8083" })
      assert.are.equal("https://example.com/base/path",
        endpoints.resolve{ endpoint = "https://example.com/base/path" })
    end)

    it("rejects a custom endpoint that is not an http(s) URL", function()
      local url, err = endpoints.resolve{ region = "us-east-1", endpoint = "localhost:8083" }
      assert.is_nil(url)
      assert.are.equal("InvalidEndpoint", err.code)
      assert.are.equal("Invalid endpoint: localhost:8083", err.message)
      url, err = endpoints.resolve{ endpoint = "ftp://example.com" }
      assert.are.equal("Invalid endpoint: ftp://example.com", err.message)
    end)

    it("uses a region's partition for regions it does not list", function()
      assert.are.equal("https://states.eu-central-9.amazonaws.com",
        endpoints.resolve{ region = "eu-central-9" })
      assert.are.equal("https://states.cn-south-7.amazonaws.com.cn",
        endpoints.resolve{ region = "cn-south-7" })
      assert.are.equal("https://states-fips.us-gov-east-4.amazonaws.com",
        endpoints.resolve{ region = "us-gov-east-4", use_fips = true })
      assert.are.equal("https://states.us-isob-west-2.sc2s.sgov.gov",
        endpoints.resolve{ region = "us-isob-west-2" })
      -- a name no partition matches falls back to aws
      assert.are.equal("https://states.localhost.amazonaws.com",
        endpoints.resolve{ region = "localhost" })
    end)

    it("reports dual-stack in a partition without it", function()
      local url, err = endpoints.resolve{ region = "us-iso-east-1", use_dualstack = true }
      assert.is_nil(url)
      assert.are.equal("DualStack is enabled but this partition does not support DualStack", err.message)
      url, err = endpoints.resolve{ region = "eusc-de-east-1", use_dualstack = true, use_fips = true }
      assert.are.equal("FIPS and DualStack are enabled, but this partition does not support one or both",
        err.message)
    end)

    it("raises on wrong option types", function()
      assert.has_error(function() endpoints.resolve{ region = 42 } end,
        "bad option 'region' to 'resolve' (string expected, got number)")
      assert.has_error(function() endpoints.resolve("us-east-1") end,
        "bad argument #1 to 'resolve' (table expected, got string)")
    end)
  end)

  describe("evaluate", function()
    local function rules(list, params)
      return { version = "1.0", parameters = params or {
        Region = { type = "String" }, Flag = { type = "Boolean", default = false, required = true },
      }, rules = list }
    end

    it("expands templates with attributes and escaped braces", function()
      local ep = assert(endpoints.evaluate(rules {
        { conditions = { { fn = "aws.partition", argv = { { ref = "Region" } }, assign = "P" } },
          type = "endpoint",
          endpoint = { url = "https://x.{Region}.{P#dnsSuffix}/{{literal}}",
                       properties = { authSchemes = { { name = "sigv4", signingRegion = "{Region}" } } },
                       headers = { ["x-h"] = { "{P#name}", "b" } } } },
      }, { Region = "cn-north-1" }))
      assert.are.equal("https://x.cn-north-1.amazonaws.com.cn/{literal}", ep.url)
      assert.are.same({ authSchemes = { { name = "sigv4", signingRegion = "cn-north-1" } } }, ep.properties)
      assert.are.same({ ["x-h"] = { "aws-cn", "b" } }, ep.headers)
    end)

    it("scopes assignments to their rule", function()
      local ep = assert(endpoints.evaluate(rules {
        { conditions = { { fn = "aws.partition", argv = { "us-east-1" }, assign = "P" },
                         { fn = "booleanEquals", argv = { { ref = "Flag" }, true } } },
          type = "endpoint", endpoint = { url = "https://never" } },
        { conditions = { { fn = "isSet", argv = { { ref = "P" } } } },
          type = "endpoint", endpoint = { url = "https://leaked" } },
        { conditions = {}, type = "endpoint", endpoint = { url = "https://fallback" } },
      }))
      assert.are.equal("https://fallback", ep.url)
    end)

    it("returns an error rule's templated message", function()
      local ep, err = endpoints.evaluate(rules {
        { conditions = {}, type = "error", error = "no endpoint for {Region}" } }, { Region = "r-1" })
      assert.is_nil(ep)
      assert.are.equal("no endpoint for r-1", err.message)
    end)

    it("fails when a tree whose conditions held has no matching rule", function()
      local _, err = endpoints.evaluate(rules {
        { conditions = {}, type = "tree", rules = {
          { conditions = { { fn = "isSet", argv = { { ref = "Region" } } } }, type = "error", error = "x" } } } })
      assert.are.equal("invalid rule set: no rule matched in a tree whose conditions held", err.message)
    end)

    it("checks parameter types and required parameters", function()
      local _, err = endpoints.evaluate(rules {}, { Region = true })
      assert.are.equal("parameter Region must be a String, got boolean", err.message)
      _, err = endpoints.evaluate(rules({}, { Region = { type = "String", required = true } }), {})
      assert.are.equal("missing required parameter Region", err.message)
      _, err = endpoints.evaluate(rules {}, {})
      assert.are.equal("no endpoint rule matched", err.message)
    end)

    it("reports unknown functions", function()
      local _, err = endpoints.evaluate(rules {
        { conditions = { { fn = "nope", argv = {} } }, type = "error", error = "x" } })
      assert.are.equal("invalid rule set: unknown function nope", err.message)
    end)
  end)

  describe("functions", function()
    local fns = endpoints.functions

    it("substring", function()
      assert.are.equal("abc", fns.substring("abcdef", 0, 3, false))
      assert.are.equal("def", fns.substring("abcdef", 0, 3, true))
      assert.are.equal("cd", fns.substring("abcdef", 2, 4, false))
      assert.is_nil(fns.substring("abc", 0, 4, false))
      assert.is_nil(fns.substring("abc", 2, 2, false))
      assert.is_nil(fns.substring("ab\195\169", 0, 2, false))
    end)

    it("parseURL", function()
      assert.are.same({ scheme = "https", authority = "example.com:8443", path = "/a/b",
                        normalizedPath = "/a/b/", isIp = false },
        fns.parseURL("https://example.com:8443/a/b"))
      assert.are.same({ scheme = "http", authority = "127.0.0.1:8083", path = "",
                        normalizedPath = "/", isIp = true }, fns.parseURL("http://127.0.0.1:8083"))
      assert.is_true(fns.parseURL("http://[::1]:80/").isIp)
      assert.is_false(fns.parseURL("http://300.1.1.1/").isIp)
      assert.is_nil(fns.parseURL("https://example.com/?q=1"))
      assert.is_nil(fns.parseURL("ftp://example.com"))
      assert.is_nil(fns.parseURL("example.com"))
    end)

    it("uriEncode", function()
      assert.are.equal("a%20b%2Fc~d-e_f.g%3A%E2%82%AC", fns.uriEncode("a b/c~d-e_f.g:\226\130\172"))
    end)

    it("isValidHostLabel", function()
      assert.is_true(fns.isValidHostLabel("us-east-1", false))
      assert.is_false(fns.isValidHostLabel("a.b", false))
      assert.is_true(fns.isValidHostLabel("a.b", true))
      assert.is_false(fns.isValidHostLabel("-a", false))
      assert.is_false(fns.isValidHostLabel("a-", false))
      assert.is_false(fns.isValidHostLabel("", false))
      assert.is_false(fns.isValidHostLabel(string.rep("a", 64), false))
      assert.is_false(fns.isValidHostLabel("a..b", true))
      assert.is_false(fns.isValidHostLabel("a_b", false))
    end)

    it("aws.parseArn", function()
      assert.are.same({ partition = "aws", service = "states", region = "us-east-1",
                        accountId = "123456789012", resourceId = { "stateMachine", "orders" } },
        fns["aws.parseArn"]("arn:aws:states:us-east-1:123456789012:stateMachine:orders"))
      assert.are.same({ "bucket", "key", "x" }, fns["aws.parseArn"]("arn:aws:s3:::bucket/key:x").resourceId)
      assert.is_nil(fns["aws.parseArn"]("arn:aws:s3:::"))
      assert.is_nil(fns["aws.parseArn"]("nope:aws:s3:::x"))
    end)

    it("aws.isVirtualHostableS3Bucket", function()
      local f = fns["aws.isVirtualHostableS3Bucket"]
      assert.is_true(f("my-bucket", false))
      assert.is_false(f("my.bucket", false))
      assert.is_true(f("my.bucket", true))
      assert.is_false(f("My-Bucket", false))
      assert.is_false(f("ab", false))
      assert.is_false(f("192.168.1.1", true))
    end)

    it("aws.partition", function()
      assert.are.equal("aws", endpoints.partition("us-east-1").name)
      assert.are.equal("aws-us-gov", endpoints.partition("us-gov-west-1").name)
      assert.are.equal("aws-iso-f", endpoints.partition("us-isof-south-1").name)
      assert.are.equal("aws-eusc", endpoints.partition("eusc-de-east-1").name)
      assert.are.equal("aws", endpoints.partition("aws-global").name)
      assert.are.equal("aws-iso-e", endpoints.partition("eu-isoe-west-9").name)
      assert.are.equal("api.amazonwebservices.com.cn", endpoints.partition("cn-north-1").dualStackDnsSuffix)
    end)
  end)
end)
