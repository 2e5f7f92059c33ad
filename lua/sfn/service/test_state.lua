-- sfn.service.test_state: TestState (placeholder until written).
local errors = require "sfn.service.errors"
local _M = { ops = {} }
function _M.ops.test_state(svc, req)
  return errors.validation("TestState is not implemented yet")
end
return _M
