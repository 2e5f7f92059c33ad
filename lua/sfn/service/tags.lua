-- sfn.service.tags: TagResource, UntagResource and ListTagsForResource on
-- state machines and activities (versions and aliases are not taggable:
-- ResourceNotFound, as AWS answers).  Tags keep their first insertion order.
local json = require "sfn.json"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"

local ipairs = ipairs
local array = json.array

local _M = {}
local ops = {}
_M.ops = ops

local MAX_TAGS = 50

-- Install the tag helpers on a service.
function _M.install(svc)
  svc.tags = {}
end

-- The tag list of a resource that exists, or nil, err.
local function resource(svc, arn)
  local a, err = arns.expect(arn, { stateMachine = true, activity = true })
  if not a then return nil, err end
  local exists = (a.type == "stateMachine" and #a.parts == 1 and svc.machines[arn])
    or (a.type == "activity" and svc.activities[arn])
  if not exists then return errors.resource_not_found(arn) end
  local t = svc.tags[arn]
  if not t then
    t = { keys = {}, values = {} }
    svc.tags[arn] = t
  end
  return t
end

-- Tags without a key (or value): AWS's "must not be null" (nil, err), or true.
function _M.check(tags, field)
  local problems = {}
  for i, tag in ipairs(tags) do
    for _, m in ipairs{ "key", "value" } do
      local v = tag[m]
      if v == nil or v == json.null then
        problems[#problems + 1] = { value = "null", path = (field or "tags") .. "." .. i .. ".member." .. m,
                                    constraint = "Member must not be null" }
      end
    end
  end
  if #problems > 0 then return errors.constraint(problems) end
  return true
end

function _M.set(svc, arn, tags)
  local t = svc.tags[arn]
  if not t then
    t = { keys = {}, values = {} }
    svc.tags[arn] = t
  end
  for _, tag in ipairs(tags) do
    if t.values[tag.key] == nil then t.keys[#t.keys + 1] = tag.key end
    t.values[tag.key] = tag.value or ""
  end
end

function ops.tag_resource(svc, req)
  local t, err = resource(svc, req.resourceArn)
  if not t then return nil, err end
  local okc, cerr = _M.check(req.tags)
  if not okc then return nil, cerr end
  local n = #t.keys
  for _, tag in ipairs(req.tags) do
    if t.values[tag.key] == nil then n = n + 1 end
  end
  if n > MAX_TAGS then
    return errors.fail("TooManyTags", "Too many tags: a resource may have at most " .. MAX_TAGS .. " tags")
  end
  _M.set(svc, req.resourceArn, req.tags)
  return {}
end

function ops.untag_resource(svc, req)
  local t, err = resource(svc, req.resourceArn)
  if not t then return nil, err end
  for _, key in ipairs(req.tagKeys) do
    if t.values[key] ~= nil then
      t.values[key] = nil
      for i, k in ipairs(t.keys) do
        if k == key then table.remove(t.keys, i) break end
      end
    end
  end
  return {}
end

function ops.list_tags_for_resource(svc, req)
  local t, err = resource(svc, req.resourceArn)
  if not t then return nil, err end
  local out = array{}
  for i, k in ipairs(t.keys) do out[i] = { key = k, value = t.values[k] } end
  return { tags = out }
end

return _M
