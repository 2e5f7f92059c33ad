-- examples/demo.lua: runs examples/orders.asl.json locally: a Lua function
-- stands in for the Lambda, a mock for the SNS call, and the one-hour Wait
-- takes no time on the virtual clock.  Run: make demo
local sfn = require "sfn"

local f = assert(io.open((arg and arg[0] and arg[0]:match("^(.*)/") or "examples") .. "/orders.asl.json"))
local definition = f:read("*a")
f:close()

local machine = assert(sfn.machine(definition, { name = "orders" }))

local handlers = {
  ["arn:aws:lambda:us-east-1:123456789012:function:charge"] = function(input, ctx)
    print(string.format("  charge handler: order %s, %s, attempt %d", input.orderId, input.reference, ctx.attempt))
    return { id = "ch_" .. input.orderId, amount = input.amount }
  end,
}
local mocks = { Notify = { { Return = { MessageId = "m-1" } } } }

local t0 = os.clock()
local run = assert(machine:run('{"orderId": 42, "amount": 1999}', { name = "exec-1", handlers = handlers, mocks = mocks }))
local cpu = (os.clock() - t0) * 1000

print("status: " .. run.status)
print("output: " .. tostring(run.output))
print(string.format("virtual time elapsed: %d s, real CPU time: %.2f ms", run.stopDate - run.startDate, cpu))
print("history:")
for _, e in ipairs(run.history) do
  print(string.format("  %2d %-26s (previous %d)", e.id, e.type, e.previousEventId))
end

local rejected = assert(machine:run('{"orderId": 43, "amount": 0}', { handlers = handlers, mocks = mocks }))
print("a zero-amount order: " .. rejected.status .. " " .. rejected.error .. ": " .. rejected.cause)
