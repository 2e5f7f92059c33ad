-- spec/concurrency_spec.lua: handlers as coroutines: ctx.sleep lets other
-- branches and iterations proceed on the (virtual) clock, task timeouts
-- fire during a handler's sleep, ctx.cancelled tells a handler it lost.
local sfn = require "sfn"

local FN = "arn:aws:lambda:us-east-1:123456789012:function:work"

local function sleeper(log)
  return { [FN] = function(input, ctx)
    log[#log + 1] = "start " .. tostring(input.n)
    ctx.sleep(input.s)
    log[#log + 1] = "end " .. tostring(input.n)
    return { n = input.n, cancelled = ctx.cancelled() }
  end }
end

describe("handlers as coroutines", function()
  it("runs Parallel branches concurrently on the virtual clock", function()
    local m = assert(sfn.machine([[{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"]] .. FN .. [[","Parameters":{"n":1,"s":5},"End":true}}},
      {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"]] .. FN .. [[","Parameters":{"n":2,"s":3},"End":true}}}]}}}]]))
    local log = {}
    local r = assert(m:run("{}", { start_time = 0, handlers = sleeper(log) }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal(5, r.stopDate)
    assert.are.same({ "start 1", "start 2", "end 2", "end 1" }, log)
    assert.are.equal('[{"cancelled":false,"n":1},{"cancelled":false,"n":2}]', r.output)
  end)

  it("keeps MaxConcurrency while iterations sleep", function()
    local m = assert(sfn.machine([[{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"End":true,
      "ItemSelector":{"n.$":"$$.Map.Item.Value","s":1},
      "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"]] .. FN .. [[","End":true}}}}}}]]))
    local log = {}
    local r = assert(m:run("[1,2,3,4]", { start_time = 0, handlers = sleeper(log) }))
    assert.are.equal("SUCCEEDED", r.status)
    assert.are.equal(2, r.stopDate)
    assert.are.same({ "start 1", "start 2", "end 1", "start 3", "end 2", "start 4", "end 3", "end 4" }, log)
  end)

  it("times a task out while its handler sleeps, and tells the handler", function()
    local m = assert(sfn.machine([[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"]] .. FN .. [[",
      "TimeoutSeconds":2,"Parameters":{"n":1,"s":10},"End":true}}}]]))
    local seen
    local r = assert(m:run("{}", { start_time = 0, handlers = { [FN] = function(input, ctx)
      ctx.sleep(input.s)
      seen = ctx.cancelled()
      return {}
    end } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("States.Timeout", r.error)
    assert.are.equal(2, r.stopDate)
    assert.is_true(seen)
  end)

  it("tells a sleeping handler its execution was stopped", function()
    local m = assert(sfn.machine([[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"]] .. FN .. [[",
      "Parameters":{"n":1,"s":10},"End":true}}}]]))
    local seen
    local ex = assert(m:start("{}", { start_time = 0, handlers = { [FN] = function(input, ctx)
      ctx.sleep(input.s)
      seen = ctx.cancelled()
      return {}
    end } }))
    assert.are.equal("RUNNING", ex:advance(4))
    assert.is_true(ex:stop())
    assert.are.equal("ABORTED", ex:status())
    assert.is_true(seen)
  end)

  it("rejects a bad sleep argument as a task failure", function()
    local m = assert(sfn.machine([[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"]] .. FN .. [[","End":true}}}]]))
    local r = assert(m:run("{}", { handlers = { [FN] = function(_, ctx) ctx.sleep(-1) end } }))
    assert.are.equal("FAILED", r.status)
    assert.are.equal("Error", r.error)
    assert.truthy(r.cause:find("non-negative number expected", 1, true))
  end)
end)
