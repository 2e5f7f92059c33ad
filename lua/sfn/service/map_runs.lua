-- sfn.service.map_runs: ListMapRuns, DescribeMapRun and UpdateMapRun.
-- The engine runs inline Map states only; a Distributed Map (which creates
-- map runs) is refused at StartExecution, so no map run ever exists: these
-- operations answer as AWS does for an execution without map runs and for
-- a map run that does not exist.
local json = require "sfn.json"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"

local _M = {}
local ops = {}
_M.ops = ops

function ops.list_map_runs(svc, req)
  local a, err = arns.expect(req.executionArn, { execution = true })
  if not a then return nil, err end
  if not svc.executions[req.executionArn] then return errors.execution_does_not_exist(req.executionArn) end
  return { mapRuns = json.array{} }
end

local function map_run(svc, arn)
  local a, err = arns.expect(arn, { mapRun = true })
  if not a then return nil, err end
  return errors.resource_not_found(arn)
end

function ops.describe_map_run(svc, req)
  return map_run(svc, req.mapRunArn)
end

function ops.update_map_run(svc, req)
  if req.maxConcurrency == nil and req.toleratedFailurePercentage == nil and req.toleratedFailureCount == nil then
    return errors.validation("Must specify at least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount")
  end
  return map_run(svc, req.mapRunArn)
end

return _M
