-- sfn.service.redrive: RedriveExecution (placeholder until written).
local errors = require "sfn.service.errors"
local _M = { ops = {} }
function _M.ops.redrive_execution(svc, req)
  return errors.validation("RedriveExecution is not implemented yet")
end
return _M
