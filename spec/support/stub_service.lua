-- spec/support/stub_service.lua: a tiny stand-in with sfn.local_service's
-- dispatch(op, request) signature, for the HTTP front's specs.  It knows a
-- few operations: enough for long polls, slow calls, errors and failures.
--
--   local svc = require("support.stub_service").new{ poll_seconds = 60 }
--   svc:dispatch("GetActivityTask", { activityArn = arn })   -- waits (in a task)
--   svc.calls  -- { { op, request }, ... }
local scheduler = require "sfn.scheduler"
local json = require "sfn.json"

local _M = {}

local Stub = {}
Stub.__index = Stub

function _M.new(opts)
  opts = opts or {}
  return setmetatable({ calls = {}, queue = {}, pollers = {}, poll_seconds = opts.poll_seconds or 60,
    executions = {}, shutdowns = 0 }, Stub)
end

local ACT = "arn:aws:states:us-east-1:123456789012:activity:"

function Stub:dispatch(op, req)
  self.calls[#self.calls + 1] = { op, req }
  if op == "ListStateMachines" then
    return { stateMachines = json.array{} }
  elseif op == "CreateActivity" then
    return { activityArn = ACT .. req.name, creationDate = 1700000000.25 }
  elseif op == "GetActivityTask" then
    if #self.queue > 0 then return table.remove(self.queue, 1) end
    local me = { task = scheduler.current() }
    self.pollers[#self.pollers + 1] = me
    scheduler.sleep(self.poll_seconds)   -- woken early by SendTaskSuccess or shutdown
    for i, p in ipairs(self.pollers) do if p == me then table.remove(self.pollers, i) end end
    return me.answer or {}
  elseif op == "SendTaskSuccess" then
    local answer = { taskToken = req.taskToken, input = req.output }
    local p = table.remove(self.pollers, 1)
    if p then
      p.answer = answer
      scheduler.wake(p.task)
    else
      self.queue[#self.queue + 1] = answer
    end
    return {}
  elseif op == "StartSyncExecution" then
    local input = json.decode(req.input or "{}") or {}
    if type(input) == "table" and input.sleep then scheduler.sleep(input.sleep) end
    return { executionArn = "arn:aws:states:us-east-1:123456789012:express:m:x:y", startDate = 1700000000,
      stopDate = 1700000001.5, status = "SUCCEEDED", input = req.input or "{}", output = req.input or "{}",
      billingDetails = { billedMemoryUsedInMB = 64, billedDurationInMilliseconds = 100 } }
  elseif op == "DescribeExecution" then
    return nil, { code = "ExecutionDoesNotExist", message = "Execution Does Not Exist: '"
      .. tostring(req.executionArn) .. "'", status = 400 }
  elseif op == "StartExecution" then
    if req.name and #req.name > 80 then
      return nil, { code = "ValidationException", status = 400, message = "1 validation error detected: "
        .. "Value '" .. req.name .. "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80" }
    end
    return { executionArn = "arn:aws:states:us-east-1:123456789012:execution:m:" .. (req.name or "x"),
      startDate = 1700000000 }
  elseif op == "ListExecutions" then
    return { executions = json.array{}, nextToken = req.nextToken }
  elseif op == "DeleteActivity" then
    error("stub: boom")
  end
  return nil, { code = "UnsupportedOperation", message = "stub: " .. op, status = 400 }
end

-- answers every poll at once (what sfn.local_service's shutdown does)
function Stub:close()
  self.shutdowns = self.shutdowns + 1
  for _, p in ipairs(self.pollers) do scheduler.wake(p.task) end
end

return _M
