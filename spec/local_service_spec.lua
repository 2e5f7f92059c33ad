-- spec/local_service_spec.lua: sfn.local_service's behaviour
-- (spec/support/service_behaviour.lua), called directly; the same cases run
-- through sfn.client -> sfn serve elsewhere.
local sfn = require "sfn"
local behaviour = require "support.service_behaviour"

behaviour(function(opts) return sfn.local_service(opts) end, { label = "direct",
  describe = describe, it = it, pending = pending, assert = assert })

describe("sfn.local_service", function()
  it("lists the API's 37 operations and dispatches by operation name", function()
    local svc = sfn.local_service{}
    local names = svc:operations()
    assert.are.equal(37, #names)
    assert.are.equal("CreateActivity", names[1])
    local res = assert(svc:dispatch("CreateActivity", { name = "a" }))
    assert.are.equal("arn:aws:states:us-east-1:123456789012:activity:a", res.activityArn)
    local r, err = svc:dispatch("Nope", {})
    assert.is_nil(r)
    assert.are.equal("UnknownOperationException", err.code)
    r, err = svc:dispatch("CreateActivity", { name = 5 })
    assert.are.equal("SerializationException", err.code)
  end)

  it("uses the configured account, region and partition in its ARNs", function()
    local svc = sfn.local_service{ account = "111111111111", region = "eu-west-3", partition = "aws" }
    local res = assert(svc:create_activity{ name = "a" })
    assert.are.equal("arn:aws:states:eu-west-3:111111111111:activity:a", res.activityArn)
  end)

  it("raises on misuse of the Lua API", function()
    assert.has_error(function() sfn.local_service(5) end,
      "bad argument #1 to 'local_service' (table expected, got number)")
    local svc = sfn.local_service{}
    assert.has_error(function() svc:start_execution("x") end,
      "bad argument #1 to 'start_execution' (table expected, got string)")
    assert.has_error(function() svc:advance(1) end, "sfn.local_service: advance() needs the manual clock")
  end)

  it("runs Wait states on a scaled clock under sfn.run", function()
    local svc = sfn.local_service{ clock = { time_scale = 0.001 } }
    local arn = assert(svc:create_state_machine{ name = "m", roleArn = "arn:aws:iam::123456789012:role/r",
      definition = '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}' }).stateMachineArn
    local t0 = require("sfn.core").monotonic_ms()
    local d
    sfn.run(function()
      local e = assert(svc:start_execution{ stateMachineArn = arn })
      while true do
        d = assert(svc:describe_execution{ executionArn = e.executionArn })
        if d.status ~= "RUNNING" then break end
        sfn.sleep(0.01)
      end
    end)
    local real = require("sfn.core").monotonic_ms() - t0
    assert.are.equal("SUCCEEDED", d.status)
    assert.is_true(real < 2000)
    assert.is_true(d.stopDate - d.startDate >= 100)
  end)

  it("long-polls GetActivityTask inside sfn.run until a task arrives", function()
    local svc = sfn.local_service{ clock = { time_scale = 0.001 } }
    local act = assert(svc:create_activity{ name = "w" }).activityArn
    local arn = assert(svc:create_state_machine{ name = "m", roleArn = "arn:aws:iam::123456789012:role/r",
      definition = '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":50,"Next":"A"},"A":{"Type":"Task","Resource":"' ..
        act .. '","End":true}}}' }).stateMachineArn
    local got, status
    sfn.run(function()
      sfn.spawn(function()
        got = assert(svc:get_activity_task{ activityArn = act })
        assert(svc:send_task_success{ taskToken = got.taskToken, output = '"ok"' })
      end)
      local e = assert(svc:start_execution{ stateMachineArn = arn, input = '{"x":1}' })
      while true do
        status = assert(svc:describe_execution{ executionArn = e.executionArn }).status
        if status ~= "RUNNING" then break end
        sfn.sleep(0.01)
      end
    end)
    assert.are.equal('{"x":1}', got.input)
    assert.are.equal("SUCCEEDED", status)
  end)

  it("answers open long polls when closed", function()
    local svc = sfn.local_service{}
    local act = assert(svc:create_activity{ name = "w" }).activityArn
    local res
    local t0 = require("sfn.core").monotonic_ms()
    sfn.run(function()
      sfn.spawn(function() res = assert(svc:get_activity_task{ activityArn = act }) end)
      sfn.sleep(0.02)
      svc:close()
    end)
    assert.is_nil(res.taskToken)
    assert.is_true(require("sfn.core").monotonic_ms() - t0 < 5000)
  end)
end)
