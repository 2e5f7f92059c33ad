-- spec/cli_spec.lua: the sfn command (bin/sfn run / validate) from a checkout.
local json = require "sfn.json"

local LUA = os.getenv("SFN_LUA") or "lua5.4"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, (out:gsub("rc=%d+%s*$", ""))
end

local function sfn(args)
  return sh(LUA .. " bin/sfn " .. args)
end

local function tmpfile(text)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(text)
  f:close()
  return name
end

describe("sfn run", function()
  it("prints the execution's result as JSON and exits 1 when it FAILED", function()
    local rc, out = sfn("run examples/orders.asl.json --input '{\"orderId\":1,\"amount\":0}' --name e1")
    assert.are.equal(1, rc)
    local r = assert(json.decode(out))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("OrderRejected", r.error)
    assert.are.equal("e1", r.name)
    assert.is_nil(r.history)
  end)

  it("takes mocks and prints the history with --history", function()
    local mocks = tmpfile('{"Charge":[{"Return":{"id":"c1","amount":5}}],"Notify":[{"Return":{}}]}')
    local rc, out = sfn("run examples/orders.asl.json --input '{\"orderId\":7,\"amount\":5}' --history --mocks " .. mocks)
    os.remove(mocks)
    assert.are.equal(0, rc, out)
    local r = assert(json.decode(out))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal('{"orderId":7,"amount":5,"payment":{"chargeId":"c1","charged":5}}', r.output)
    assert.are.equal("ExecutionStarted", r.history[1].type)
    assert.are.equal("ExecutionSucceeded", r.history[#r.history].type)
  end)

  it("loads an AWS Step Functions Local mock-config file with --test-case", function()
    local cfg = tmpfile([[{"StateMachines":{"orders":{"TestCases":{"HappyPath":{"Charge":"ChargeOk","Notify":"Sent"}}}},
      "MockedResponses":{"ChargeOk":{"0":{"Return":{"id":"c9","amount":3}}},"Sent":{"0":{"Return":{}}}}}]])
    local rc, out = sfn("run examples/orders.asl.json --state-machine orders --test-case HappyPath --input @" ..
      "spec/fixtures/cli/order3.json --mocks " .. cfg)
    os.remove(cfg)
    assert.are.equal(0, rc, out)
    assert.are.equal("SUCCEEDED", json.decode(out).status)
  end)

  it("reports an invalid definition with AWS's message", function()
    local def = tmpfile('{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}')
    local rc, out = sfn("run " .. def)
    os.remove(def)
    assert.are.equal(1, rc)
    local r = assert(json.decode(out))
    assert.are.equal("InvalidDefinition", r.error)
  end)
end)

describe("sfn validate", function()
  it("answers in ValidateStateMachineDefinition's shape", function()
    local rc, out = sfn("validate examples/orders.asl.json")
    assert.are.equal(0, rc)
    assert.are.equal('{"diagnostics":[],"result":"OK","truncated":false}', out:gsub("%s+$", ""))
  end)

  it("lists the diagnostics of an invalid definition and exits 1", function()
    local def = tmpfile('{"States":{}}')
    local rc, out = sfn("validate " .. def)
    os.remove(def)
    assert.are.equal(1, rc)
    local r = assert(json.decode(out))
    assert.are.equal("FAIL", r.result)
    assert.are.equal("SCHEMA_VALIDATION_FAILED", r.diagnostics[1].code)
  end)
end)
