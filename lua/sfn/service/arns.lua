-- sfn.service.arns: AWS's ARN formats for the local service's resources, for
-- one partition, region and account:
--   arn:aws:states:<region>:<account>:stateMachine:<name>[:<version>|:<alias>]
--   arn:aws:states:<region>:<account>:execution:<machine>:<execution>
--   arn:aws:states:<region>:<account>:express:<machine>:<execution>:<uuid>
--   arn:aws:states:<region>:<account>:activity:<name>
--   arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<uuid>
local errors = require "sfn.service.errors"

local find, sub, match, gmatch = string.find, string.sub, string.match, string.gmatch

local _M = {}
local Arns = {}
Arns.__index = Arns

-- arns.new{ partition =, region =, account = }
function _M.new(opts)
  local self = setmetatable({
    partition = opts.partition or "aws",
    region = opts.region or "us-east-1",
    account = opts.account or "123456789012",
  }, Arns)
  self.prefix = "arn:" .. self.partition .. ":states:" .. self.region .. ":" .. self.account .. ":"
  return self
end

function Arns:state_machine(name) return self.prefix .. "stateMachine:" .. name end
function Arns:version(sm_arn, n) return sm_arn .. ":" .. n end
function Arns:alias(sm_arn, name) return sm_arn .. ":" .. name end
function Arns:execution(sm_name, name) return self.prefix .. "execution:" .. sm_name .. ":" .. name end
function Arns:express_execution(sm_name, name, uuid)
  return self.prefix .. "express:" .. sm_name .. ":" .. name .. ":" .. uuid
end
function Arns:activity(name) return self.prefix .. "activity:" .. name end
function Arns:map_run(sm_name, label, uuid) return self.prefix .. "mapRun:" .. sm_name .. "/" .. label .. ":" .. uuid end

local function split(s)
  local parts = {}
  for p in gmatch(s .. ":", "([^:]*):") do parts[#parts + 1] = p end
  return parts
end

-- Parse an ARN of the states service.  Returns
-- { partition, region, account, type, parts = { after the type } }, or
-- nil, reason (the text AWS puts in InvalidArn's message).
function _M.parse(arn)
  if type(arn) ~= "string" or sub(arn, 1, 4) ~= "arn:" then
    return nil, "Invalid ARN prefix: " .. tostring(arn)
  end
  local p = split(arn)
  if #p < 7 or p[3] ~= "states" then
    return nil, "Invalid ARN: " .. arn
  end
  local rest = {}
  for i = 7, #p do rest[#rest + 1] = p[i] end
  return { partition = p[2], region = p[4], account = p[5], type = p[6], parts = rest, arn = arn }
end

-- Parse and require one of the resource types (a set); otherwise AWS's
-- InvalidArn: nil, err.
function _M.expect(arn, types)
  local a, reason = _M.parse(arn)
  if not a then return errors.invalid_arn(reason) end
  if not types[a.type] then
    return errors.invalid_arn("Resource type not valid in this context: " .. a.type)
  end
  return a
end

-- Is this ARN in our partition/region/account?
function Arns:ours(a)
  return a.partition == self.partition and a.region == self.region and a.account == self.account
end

-- Version number of a qualifier ("3" -> 3), or nil.
function _M.version_number(q)
  if q and match(q, "^[1-9]%d*$") then return tonumber(q) end
  return nil
end

_M.split = split
_M.Arns = Arns
return _M
