-- sfn.service.errors: the local service's errors, with AWS's codes and texts.
--
-- Every failure of an operation is `nil, err` with err.code (the AWS error
-- name), err.message (AWS's text) and err.status (HTTP).  The constructors
-- below hold the texts AWS sends, so each operation names the case only.
local setmetatable, tostring = setmetatable, tostring

local _M = {}

local error_mt = {
  __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end,
}
_M.error_mt = error_mt

-- A new error: code, message, HTTP status (400 unless given).
function _M.new(code, message, status)
  return setmetatable({ code = code, message = message, status = status or 400 }, error_mt)
end
local new = _M.new

-- `nil, err` in one call, for `return errors.fail(...)`.
function _M.fail(code, message, status)
  return nil, new(code, message, status)
end

function _M.invalid_arn(reason)
  return nil, new("InvalidArn", "Invalid Arn: '" .. reason .. "'")
end

function _M.invalid_name(name)
  return nil, new("InvalidName", "Invalid Name: '" .. tostring(name) .. "'")
end

function _M.invalid_token()
  return nil, new("InvalidToken", "Invalid Token: 'Invalid token'")
end

function _M.state_machine_does_not_exist(arn)
  return nil, new("StateMachineDoesNotExist", "State Machine Does Not Exist: '" .. arn .. "'")
end

function _M.execution_does_not_exist(arn)
  return nil, new("ExecutionDoesNotExist", "Execution Does Not Exist: '" .. arn .. "'")
end

function _M.activity_does_not_exist(arn)
  return nil, new("ActivityDoesNotExist", "Activity Does Not Exist: '" .. arn .. "'")
end

function _M.resource_not_found(arn)
  return nil, new("ResourceNotFound", "Resource not found: '" .. arn .. "'")
end

function _M.validation(message)
  return nil, new("ValidationException", message)
end

-- "1 validation error detected: Value 'v' at 'path' failed to satisfy
-- constraint: Member must ..." for one or more problems (AWS's format).
function _M.constraint(problems)
  local n = #problems
  local parts = {}
  for i, p in ipairs(problems) do
    parts[i] = "Value " .. p.value .. " at '" .. p.path .. "' failed to satisfy constraint: " .. p.constraint
  end
  local head = n == 1 and "1 validation error detected: " or (n .. " validation errors detected: ")
  return nil, new("ValidationException", head .. table.concat(parts, "; "))
end

return _M
