-- sfn.service.state_machines: CreateStateMachine, DescribeStateMachine,
-- UpdateStateMachine, DeleteStateMachine, ListStateMachines, revisions and
-- versions (PublishStateMachineVersion, ListStateMachineVersions,
-- DeleteStateMachineVersion).  Aliases are in sfn.service.aliases.
--
-- A state machine record: { arn, name, definition (text), role_arn, type,
-- logging, tracing, encryption, creation, update (ms), revision_id,
-- updated (revisionId shown once updated), versions = { by number },
-- version_list (ascending), next_version, aliases = { by name }, seq }.
-- A version record: { arn, machine, number, definition, role_arn, type,
-- logging, tracing, revision_id, show_revision, description, creation, seq }.
local core = require "sfn.core"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"
local names = require "sfn.service.names"
local util = require "sfn.service.util"
local pagination = require "sfn.service.pagination"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local null = json.null
local array = json.array

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return setmetatable(out, getmetatable(v))
end

-- The logging configuration as stored: what was given, with defaults.
local function logging_of(req_logging)
  local l = { level = "OFF", includeExecutionData = false }
  if present(req_logging) then
    if present(req_logging.level) then l.level = req_logging.level end
    if present(req_logging.includeExecutionData) then l.includeExecutionData = req_logging.includeExecutionData end
    if present(req_logging.destinations) then
      -- AWS keeps one copy of destinations given twice (recorded: two equal
      -- log groups are accepted and described as one)
      local seen, out = {}, {}
      for _, d in ipairs(req_logging.destinations) do
        local g = type(d) == "table" and type(d.cloudWatchLogsLogGroup) == "table" and d.cloudWatchLogsLogGroup.logGroupArn
        local k = type(g) == "string" and g or {}
        if not seen[k] then seen[k] = true; out[#out + 1] = copy(d) end
      end
      l.destinations = setmetatable(out, getmetatable(req_logging.destinations))
    end
  end
  return l
end

local function check_logging(l)
  local n = l.destinations and #l.destinations or 0
  if (l.level ~= "OFF" and n ~= 1) or n > 1 then
    return errors.fail("InvalidLoggingConfiguration",
      "Invalid Logging Configuration: Must specify exactly one Log Destination.")
  end
  return true
end

-- InvalidDefinition for a definition AWS refuses (nil when acceptable).
local function definition_error(definition, mtype)
  local msg = core.definition_error(definition, { type = mtype })
  if msg then return errors.new("InvalidDefinition", msg) end
  return nil
end
_M.definition_error = definition_error

local function check_role(role)
  if type(role) ~= "string" or role:sub(1, 4) ~= "arn:" then
    return errors.invalid_arn("Invalid ARN prefix: " .. tostring(role))
  end
  return true
end

-- The compiled machine of a record (machine or version), compiled once:
-- machine | nil, err (UnsupportedFeature for what the engine refuses).
function _M.compiled(svc, rec)
  if rec.compiled then return rec.compiled end
  if rec.compile_error then return nil, rec.compile_error end
  local base = rec.machine or rec
  local m, err = machine_mod.new(rec.definition, {
    name = base.name, type = rec.type, account = svc.account, region = svc.region,
    partition = svc.partition, role_arn = rec.role_arn })
  if not m then
    rec.compile_error = errors.new(err.code, err.message)
    return nil, rec.compile_error
  end
  rec.compiled = m
  return m
end

-- Resolve a state machine ARN (plain, version or alias) to
-- machine, version|nil, alias|nil; or nil, err.
function _M.resolve(svc, arn, allow_alias)
  local a, err = arns.expect(arn, { stateMachine = true })
  if not a then return nil, err end
  if #a.parts < 1 or #a.parts > 2 or a.parts[1] == "" then
    return errors.invalid_arn("Invalid ARN: " .. arn)
  end
  local base_arn = svc.arns:state_machine(a.parts[1])
  local sm = svc:ours(a) and svc.machines[base_arn]
  if not sm then return errors.state_machine_does_not_exist(arn) end
  local q = a.parts[2]
  if q == nil then return sm end
  local n = arns.version_number(q)
  if n then
    local v = sm.versions[n]
    if not v then return errors.state_machine_does_not_exist(arn) end
    return sm, v
  end
  local alias = sm.aliases[q]
  if not alias or not allow_alias then
    if not alias then return errors.resource_not_found(arn) end
    return errors.invalid_arn("Invalid ARN: " .. arn)
  end
  return sm, nil, alias
end

local function publish(svc, sm, description)
  local last = sm.version_list[#sm.version_list]
  if last and last.revision_id == sm.revision_id then return last end
  local n = sm.next_version
  sm.next_version = n + 1
  local v = {
    arn = svc.arns:version(sm.arn, n), machine = sm, number = n,
    definition = sm.definition, role_arn = sm.role_arn, type = sm.type,
    logging = copy(sm.logging), tracing = copy(sm.tracing), encryption = copy(sm.encryption),
    revision_id = sm.revision_id, show_revision = sm.updated, description = description,
    creation = svc:now(), seq = svc:seq(), compiled = sm.compiled,
  }
  sm.versions[n] = v
  sm.version_list[#sm.version_list + 1] = v
  return v
end

local function same_config(sm, req, mtype, logging)
  return sm.definition == req.definition and sm.role_arn == req.roleArn and sm.type == mtype
    and json.encode(sm.logging) == json.encode(logging)
end

function ops.create_state_machine(svc, req)
  if not names.valid(req.name) then return errors.invalid_name(req.name) end
  local mtype = present(req.type) and req.type or "STANDARD"
  local ok, err = check_role(req.roleArn)
  if present(req.tags) then
    local tok, terr = require("sfn.service.tags").check(req.tags)
    if not tok then return nil, terr end
  end
  if not ok then return nil, err end
  local derr = definition_error(req.definition, mtype)
  if derr then return nil, derr end
  local logging = logging_of(req.loggingConfiguration)
  ok, err = check_logging(logging)
  if not ok then return nil, err end
  local arn = svc.arns:state_machine(req.name)
  local existing = svc.machines[arn]
  if existing then
    if same_config(existing, req, mtype, logging) then
      local res = { stateMachineArn = arn, creationDate = util.seconds(existing.creation) }
      if req.publish == true and existing.version_list[1] then
        res.stateMachineVersionArn = existing.version_list[#existing.version_list].arn
      end
      return res
    end
    return errors.fail("StateMachineAlreadyExists", "State Machine Already Exists: '" .. arn .. "'")
  end
  local now = svc:now()
  local sm = {
    arn = arn, name = req.name, definition = req.definition, role_arn = req.roleArn, type = mtype,
    logging = logging,
    tracing = { enabled = present(req.tracingConfiguration) and req.tracingConfiguration.enabled == true },
    encryption = present(req.encryptionConfiguration) and copy(req.encryptionConfiguration) or { type = "AWS_OWNED_KEY" },
    creation = now, revision_id = util.uuid(), updated = false,
    versions = {}, version_list = {}, next_version = 1, aliases = {}, alias_list = {},
    seq = svc:seq(),
  }
  svc.machines[arn] = sm
  svc.machine_list[#svc.machine_list + 1] = sm
  if present(req.tags) then svc:set_tags(arn, req.tags) end
  local res = { stateMachineArn = arn, creationDate = util.seconds(now) }
  if req.publish == true then
    res.stateMachineVersionArn = publish(svc, sm, present(req.versionDescription) and req.versionDescription or nil).arn
  end
  return res
end

-- DescribeStateMachine's variableReferences for a definition record (the
-- workflow variables each state reads), computed once; nil when none.
local function variable_references(rec)
  if rec.var_refs == nil then
    local ok, refs = pcall(machine_mod.variable_references, rec.definition)
    rec.var_refs = (ok and type(refs) == "table" and next(refs) ~= nil) and refs or false
  end
  return rec.var_refs and copy(rec.var_refs) or nil
end
_M.variable_references = variable_references

-- DescribeStateMachine's fields for a machine or a version.
local function describe(rec, arn)
  local sm = rec.machine or rec
  local res = {
    stateMachineArn = arn, name = sm.name, status = "ACTIVE", definition = rec.definition,
    roleArn = rec.role_arn, type = rec.type, creationDate = util.seconds(rec.creation),
    loggingConfiguration = copy(rec.logging), tracingConfiguration = copy(rec.tracing),
  }
  if rec.encryption then res.encryptionConfiguration = copy(rec.encryption) end
  if rec.machine then
    if rec.show_revision then res.revisionId = rec.revision_id end
    res.description = rec.description
  elseif rec.updated then
    res.revisionId = rec.revision_id
  end
  if rec.label then res.label = rec.label end
  res.variableReferences = variable_references(rec)
  return res
end
_M.describe = describe

function ops.describe_state_machine(svc, req)
  local sm, v, err = _M.resolve(svc, req.stateMachineArn)
  if not sm then return nil, v end
  if v then return describe(v, v.arn) end
  return describe(sm, sm.arn)
end

function ops.update_state_machine(svc, req)
  local a, perr = arns.expect(req.stateMachineArn, { stateMachine = true })
  if not a then return nil, perr end
  if #a.parts ~= 1 then return errors.state_machine_does_not_exist(req.stateMachineArn) end
  local sm, _, err = _M.resolve(svc, req.stateMachineArn)
  if not sm then return nil, _ end
  if not present(req.definition) and not present(req.roleArn) and not present(req.loggingConfiguration)
      and not present(req.tracingConfiguration) and not present(req.encryptionConfiguration) then
    if req.publish == true then
      local v = publish(svc, sm, present(req.versionDescription) and req.versionDescription or nil)
      return { updateDate = util.seconds(svc:now()), stateMachineVersionArn = v.arn }
    end
    return errors.fail("MissingRequiredParameter",
      "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
  end
  if present(req.roleArn) then
    local ok, rerr = check_role(req.roleArn)
    if not ok then return nil, rerr end
  end
  if present(req.definition) then
    local derr = definition_error(req.definition, sm.type)
    if derr then return nil, derr end
  end
  local logging
  if present(req.loggingConfiguration) then
    logging = logging_of(req.loggingConfiguration)
    local ok, lerr = check_logging(logging)
    if not ok then return nil, lerr end
  end
  local changed = false
  if present(req.definition) and req.definition ~= sm.definition then
    sm.definition, sm.compiled, sm.compile_error, sm.stub, changed = req.definition, nil, nil, nil, true
    sm.var_refs = nil
  end
  if present(req.roleArn) and req.roleArn ~= sm.role_arn then sm.role_arn, changed = req.roleArn, true end
  if logging then sm.logging, changed = logging, true end
  if present(req.tracingConfiguration) then
    sm.tracing, changed = { enabled = req.tracingConfiguration.enabled == true }, true
  end
  if present(req.encryptionConfiguration) then sm.encryption, changed = copy(req.encryptionConfiguration), true end
  local now = svc:now()
  local res = { updateDate = util.seconds(now) }
  if changed then
    -- a new revision; an update that changes nothing keeps the revision
    -- and answers without a revisionId, as AWS does
    sm.revision_id = util.uuid()
    sm.updated = true
    sm.update = now
    res.revisionId = sm.revision_id
  end
  if req.publish == true then
    res.stateMachineVersionArn = publish(svc, sm, present(req.versionDescription) and req.versionDescription or nil).arn
  end
  return res
end

function ops.delete_state_machine(svc, req)
  local a, err = arns.expect(req.stateMachineArn, { stateMachine = true })
  if not a then return nil, err end
  if #a.parts == 2 then
    return errors.validation("Deleting a state machine version or alias is not supported by DeleteStateMachine: use DeleteStateMachineVersion or DeleteStateMachineAlias")
  end
  local sm = svc:ours(a) and svc.machines[req.stateMachineArn]
  if sm then
    svc.machines[sm.arn] = nil
    for i, x in ipairs(svc.machine_list) do
      if x == sm then table.remove(svc.machine_list, i) break end
    end
    svc:drop_tags(sm.arn)
    for _, v in ipairs(sm.version_list) do svc:drop_tags(v.arn) end
    for _, al in pairs(sm.aliases) do svc:drop_tags(al.arn) end
  end
  return {}
end

function ops.list_state_machines(svc, req)
  local page, token = pagination.page(svc.machine_list, req, { kind = "sm", default = 100 })
  if not page then return nil, token end
  local out = array{}
  for i, sm in ipairs(page) do
    out[i] = { stateMachineArn = sm.arn, name = sm.name, type = sm.type, creationDate = util.seconds(sm.creation) }
  end
  return { stateMachines = out, nextToken = token }
end

function ops.publish_state_machine_version(svc, req)
  local a, perr = arns.expect(req.stateMachineArn, { stateMachine = true })
  if not a then return nil, perr end
  local sm, v = _M.resolve(svc, req.stateMachineArn)
  if not sm then return nil, v end
  if v or #a.parts ~= 1 then return errors.state_machine_does_not_exist(req.stateMachineArn) end
  if present(req.revisionId) and req.revisionId ~= sm.revision_id then
    return errors.fail("ConflictException", "Failed to publish the State Machine version for revision " ..
      req.revisionId .. ". The current State Machine revision is " .. sm.revision_id .. ".")
  end
  local ver = publish(svc, sm, present(req.description) and req.description or nil)
  return { creationDate = util.seconds(ver.creation), stateMachineVersionArn = ver.arn }
end

function ops.list_state_machine_versions(svc, req)
  local sm, v = _M.resolve(svc, req.stateMachineArn)
  if not sm then return nil, v end
  local list = {}
  for i = #sm.version_list, 1, -1 do list[#list + 1] = sm.version_list[i] end
  local page, token = pagination.page(list, req, { kind = "versions", scope = sm.arn, desc = true })
  if not page then return nil, token end
  local out = array{}
  for i, ver in ipairs(page) do
    out[i] = { stateMachineVersionArn = ver.arn, creationDate = util.seconds(ver.creation) }
  end
  return { stateMachineVersions = out, nextToken = token }
end

function ops.delete_state_machine_version(svc, req)
  local a, err = arns.expect(req.stateMachineVersionArn, { stateMachine = true })
  if not a then return nil, err end
  local n = a.parts[2] and arns.version_number(a.parts[2])
  if #a.parts ~= 2 or not n then
    return errors.invalid_arn("Invalid ARN: " .. req.stateMachineVersionArn)
  end
  local sm = svc:ours(a) and svc.machines[svc.arns:state_machine(a.parts[1])]
  local v = sm and sm.versions[n]
  if not v then return {} end
  local users = {}
  for _, al in ipairs(sm.alias_list) do
    for _, r in ipairs(al.routing) do
      if r.stateMachineVersionArn == v.arn then users[#users + 1] = al.arn break end
    end
  end
  if #users > 0 then
    return errors.fail("ConflictException",
      "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [" ..
      table.concat(users, ", ") .. "]")
  end
  sm.versions[n] = nil
  for i, x in ipairs(sm.version_list) do
    if x == v then table.remove(sm.version_list, i) break end
  end
  svc:drop_tags(v.arn)
  return {}
end

_M.publish = publish
_M.copy = copy
return _M
