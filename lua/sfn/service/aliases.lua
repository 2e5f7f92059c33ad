-- sfn.service.aliases: state machine aliases (CreateStateMachineAlias,
-- DescribeStateMachineAlias, UpdateStateMachineAlias, DeleteStateMachineAlias,
-- ListStateMachineAliases) with routing configurations: one or two versions
-- of one state machine whose weights add up to 100.  StartExecution on an
-- alias picks a version at random by weight (sfn.service.executions).
local json = require "sfn.json"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"
local names = require "sfn.service.names"
local util = require "sfn.service.util"
local pagination = require "sfn.service.pagination"

local ipairs, tostring = ipairs, tostring
local null = json.null
local array = json.array
local concat = table.concat

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

-- Check a routing configuration: the machine its versions belong to and a
-- normalised copy, or nil, err.
local function check_routing(svc, routing)
  local weights, seen, sm = {}, {}, nil
  for i, r in ipairs(routing) do weights[i] = tostring(r.weight) end
  for _, r in ipairs(routing) do
    if seen[r.stateMachineVersionArn] then
      return errors.validation("Routing configuration must contain distinct state machine version ARNs. Received: [" ..
        concat(weights, ", ") .. "]")
    end
    seen[r.stateMachineVersionArn] = true
  end
  local sum = 0
  for _, r in ipairs(routing) do sum = sum + r.weight end
  if sum ~= 100 then
    return errors.validation("Sum of routing configuration weights must equal 100. Received: [" .. concat(weights, ", ") .. "]")
  end
  local out = array{}
  for i, r in ipairs(routing) do
    local a, err = arns.expect(r.stateMachineVersionArn, { stateMachine = true })
    if not a then return nil, err end
    local n = a.parts[2] and arns.version_number(a.parts[2])
    if not n or #a.parts ~= 2 then
      return errors.invalid_arn("Invalid ARN: " .. r.stateMachineVersionArn)
    end
    local m = svc:ours(a) and svc.machines[svc.arns:state_machine(a.parts[1])]
    if not m or not m.versions[n] then return errors.resource_not_found(r.stateMachineVersionArn) end
    if sm and sm ~= m then
      return errors.validation("Routing configuration must contain state machine version ARNs of the same state machine")
    end
    sm = m
    out[i] = { stateMachineVersionArn = r.stateMachineVersionArn, weight = r.weight }
  end
  return sm, out
end

local function same_routing(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i].stateMachineVersionArn ~= b[i].stateMachineVersionArn or a[i].weight ~= b[i].weight then return false end
  end
  return true
end

local function routing_copy(r)
  local out = array{}
  for i, x in ipairs(r) do out[i] = { stateMachineVersionArn = x.stateMachineVersionArn, weight = x.weight } end
  return out
end

function ops.create_state_machine_alias(svc, req)
  if not names.valid_alias(req.name) then
    return errors.constraint{ { value = "'" .. tostring(req.name) .. "'", path = "name",
      constraint = "Member must satisfy regular expression pattern: " .. names.ALIAS_PATTERN } }
  end
  local sm, routing = check_routing(svc, req.routingConfiguration)
  if not sm then return nil, routing end
  local existing = sm.aliases[req.name]
  if existing then
    if same_routing(existing.routing, routing) and (existing.description == (present(req.description) and req.description or nil)) then
      return { stateMachineAliasArn = existing.arn, creationDate = util.seconds(existing.creation) }
    end
    return errors.fail("ConflictException",
      "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
  end
  local al = { arn = svc.arns:alias(sm.arn, req.name), name = req.name, machine = sm, routing = routing,
               description = present(req.description) and req.description or nil,
               creation = svc:now(), seq = svc:seq() }
  sm.aliases[req.name] = al
  sm.alias_list[#sm.alias_list + 1] = al
  return { stateMachineAliasArn = al.arn, creationDate = util.seconds(al.creation) }
end

-- The alias an ARN names, or nil, err.
local function find(svc, arn)
  local a, err = arns.expect(arn, { stateMachine = true })
  if not a then return nil, err end
  if #a.parts ~= 2 or arns.version_number(a.parts[2]) then
    return errors.invalid_arn("Invalid ARN: " .. arn)
  end
  local sm = svc:ours(a) and svc.machines[svc.arns:state_machine(a.parts[1])]
  local al = sm and sm.aliases[a.parts[2]]
  if not al then return errors.resource_not_found(arn) end
  return al
end
_M.find = find

function ops.describe_state_machine_alias(svc, req)
  local al, err = find(svc, req.stateMachineAliasArn)
  if not al then return nil, err end
  return { stateMachineAliasArn = al.arn, name = al.name, description = al.description,
           routingConfiguration = routing_copy(al.routing), creationDate = util.seconds(al.creation),
           updateDate = util.seconds(al.update) }
end

function ops.update_state_machine_alias(svc, req)
  local al, err = find(svc, req.stateMachineAliasArn)
  if not al then return nil, err end
  if not present(req.description) and not present(req.routingConfiguration) then
    return errors.validation("Either description or routingConfiguration must be specified")
  end
  if present(req.routingConfiguration) then
    local sm, routing = check_routing(svc, req.routingConfiguration)
    if not sm then return nil, routing end
    if sm ~= al.machine then
      return errors.validation("Routing configuration must contain state machine version ARNs of the same state machine")
    end
    al.routing = routing
  end
  if present(req.description) then al.description = req.description end
  al.update = svc:now()
  return { updateDate = util.seconds(al.update) }
end

function ops.delete_state_machine_alias(svc, req)
  local al, err = find(svc, req.stateMachineAliasArn)
  if not al then
    if err.code == "ResourceNotFound" then return {} end
    return nil, err
  end
  local sm = al.machine
  sm.aliases[al.name] = nil
  for i, x in ipairs(sm.alias_list) do
    if x == al then table.remove(sm.alias_list, i) break end
  end
  svc:drop_tags(al.arn)
  return {}
end

function ops.list_state_machine_aliases(svc, req)
  local sm_mod = require "sfn.service.state_machines"
  local sm, v = sm_mod.resolve(svc, req.stateMachineArn)
  if not sm then return nil, v end
  local page, token = pagination.page(sm.alias_list, req, { kind = "aliases", scope = sm.arn })
  if not page then return nil, token end
  local out = array{}
  for i, al in ipairs(page) do
    out[i] = { stateMachineAliasArn = al.arn, creationDate = util.seconds(al.creation) }
  end
  return { stateMachineAliases = out, nextToken = token }
end

-- The version an alias routes this execution to (by weight, at random).
function _M.pick(al)
  local r = al.routing
  if #r == 1 then return r[1].stateMachineVersionArn end
  local x = math.random(1, 100)
  if x <= r[1].weight then return r[1].stateMachineVersionArn end
  return r[2].stateMachineVersionArn
end

return _M
