-- spec/mockconfig_spec.lua: Step Functions Local mock configuration files
-- loaded into machine:run's `mocks` option (sfn.mockconfig).
local mockconfig = require "sfn.mockconfig"
local json = require "sfn.json"

local FILE = "spec/fixtures/mockconfig/MockConfigFile.json"

local function config_with(responses, case)
  return {
    StateMachines = { M = { TestCases = { T = case or { S = "R" } } } },
    MockedResponses = responses,
  }
end

local function load_error(source, sm, tc)
  local mocks, err = mockconfig.load(source, sm or "M", tc or "T")
  assert.is_nil(mocks)
  assert.are.equal("InvalidMockConfig", err.code)
  return err.message
end

describe("sfn.mockconfig", function()
  it("loads one test case of a file into per-state responses", function()
    local mocks = assert(mockconfig.load(FILE, "OrderFlow", "Happy"))
    assert.are.same({ "Charge", "Notify" }, (function()
      local k = {}
      for name in pairs(mocks) do k[#k + 1] = name end
      table.sort(k)
      return k
    end)())
    assert.are.equal(1, #mocks.Charge)
    local v = mocks.Charge[1].Return
    assert.are.equal(42, v.charged)
    assert.are.equal(json.null, v.note)
    assert.are.equal(json.array_mt, getmetatable(v.items))
    assert.are.same({ "a", "b" }, setmetatable(v.tags, nil))
    assert.are.same({ { Return = "sent" } }, mocks.Notify)
  end)

  it("expands invocation ranges in order", function()
    local mocks = assert(mockconfig.load(FILE, "OrderFlow", "FlakyCharge"))
    assert.are.same({
      { Throw = { Error = "Payments.Busy", Cause = "try again" } },
      { Throw = { Error = "Payments.Timeout", Cause = "no answer" } },
      { Throw = { Error = "Payments.Timeout", Cause = "no answer" } },
      { Return = { charged = 42 } },
    }, mocks.Charge)
    assert.are_not.equal(mocks.Charge[2], mocks.Charge[3])
  end)

  it("takes an already decoded table", function()
    local mocks = assert(mockconfig.load(config_with({ R = { ["0-1"] = { Return = { ok = true } } } }), "M", "T"))
    assert.are.same({ { Return = { ok = true } }, { Return = { ok = true } } }, mocks.S)
  end)

  it("decodes JSON text", function()
    local mocks = assert(mockconfig.decode(
      '{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{"R":{"0":{"Throw":{"Error":"E"}}}}}',
      "M", "T"))
    assert.are.same({ { Throw = { Error = "E" } } }, mocks.S)
  end)

  it("drives a run: retries through the ranges, then succeeds", function()
    local sfn = require "sfn"
    local machine = assert(sfn.machine({
      StartAt = "Charge",
      States = {
        Charge = { Type = "Task", Resource = "arn:aws:states:::lambda:invoke", Next = "Notify",
                   Retry = { { ErrorEquals = { "Payments.Busy", "Payments.Timeout" }, MaxAttempts = 3,
                              IntervalSeconds = 1 } } },
        Notify = { Type = "Task", Resource = "arn:aws:states:::sns:publish", ResultPath = "$.notified", End = true },
      },
    }, { name = "OrderFlow" }))
    local run = assert(machine:run("{}", { mocks = assert(mockconfig.load(FILE, "OrderFlow", "FlakyCharge")) }))
    assert.are.equal("SUCCEEDED", run.status)
    assert.are.same({ charged = 42, notified = "sent" }, json.decode(run.output))
    local declined = assert(machine:run("{}", { mocks = assert(mockconfig.load(FILE, "OrderFlow", "Declined")) }))
    assert.are.equal("FAILED", declined.status)
    assert.are.equal("Payments.Declined", declined.error)
    assert.are.equal("card refused", declined.cause)
  end)

  it("reports a missing file and bad JSON", function()
    local msg = load_error("spec/fixtures/mockconfig/no-such-file.json")
    assert.are.equal("cannot open the mock configuration: spec/fixtures/mockconfig/no-such-file.json: "
      .. "No such file or directory", msg)
    local mocks, err = mockconfig.decode("{", "M", "T")
    assert.is_nil(mocks)
    assert.are.equal("InvalidMockConfig", err.code)
    assert.truthy(err.message:find("^the mock configuration is not valid JSON: "))
  end)

  it("reports an unknown state machine, test case or response", function()
    assert.are.equal("state machine 'Other' is not in the mock configuration",
      load_error(FILE, "Other", "Happy"))
    assert.are.equal("test case 'Sad' is not defined for state machine 'OrderFlow'",
      load_error(FILE, "OrderFlow", "Sad"))
    assert.are.equal("mocked response 'R' (state 'S') is not defined", load_error(config_with({})))
    assert.are.equal("the mock configuration has no StateMachines object", load_error({}))
  end)

  it("rejects gaps, overlaps and bad invocation indexes", function()
    local ok = { Return = 1 }
    assert.are.equal("mocked response 'R': invocation 1 is not defined",
      load_error(config_with({ R = { ["0"] = ok, ["2"] = ok } })))
    assert.are.equal("mocked response 'R': invocation 0 is not defined",
      load_error(config_with({ R = { ["1"] = ok } })))
    assert.are.equal("mocked response 'R': invocation 2 is defined twice",
      load_error(config_with({ R = { ["0-2"] = ok, ["2"] = ok } })))
    assert.are.equal("mocked response 'R': invalid invocation index 'first'",
      load_error(config_with({ R = { first = ok } })))
    assert.are.equal("mocked response 'R': invalid invocation range '3-1'",
      load_error(config_with({ R = { ["3-1"] = ok } })))
    assert.are.equal("mocked response 'R' defines no invocation", load_error(config_with({ R = {} })))
  end)

  it("rejects entries that are not exactly one Return or Throw", function()
    assert.are.equal("mocked response 'R' invocation '0' must hold exactly one of Return or Throw",
      load_error(config_with({ R = { ["0"] = { Return = 1, Throw = { Error = "E" } } } })))
    assert.are.equal("mocked response 'R' invocation '0' must hold exactly one of Return or Throw",
      load_error(config_with({ R = { ["0"] = {} } })))
    assert.are.equal("mocked response 'R' invocation '0': Throw.Error must be a string",
      load_error(config_with({ R = { ["0"] = { Throw = { Cause = "c" } } } })))
    assert.are.equal("mocked response 'R' invocation '0': unknown field 'Retrun'",
      load_error(config_with({ R = { ["0"] = { Retrun = 1 } } })))
  end)

  it("raises on misuse", function()
    assert.has_error(function() mockconfig.load(42, "M", "T") end,
      "bad argument #1 to 'load' (string or table expected, got number)")
    assert.has_error(function() mockconfig.load(FILE, nil, "T") end,
      "bad argument #2 to 'load' (string expected, got nil)")
  end)
end)
