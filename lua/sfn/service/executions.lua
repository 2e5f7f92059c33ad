-- sfn.service.executions: StartExecution, StartSyncExecution,
-- DescribeExecution, GetExecutionHistory, ListExecutions, StopExecution,
-- DescribeStateMachineForExecution and RedriveExecution.
--
-- An execution record: { arn, name, machine (record), source (the machine or
-- version record whose definition runs), version_arn, alias_arn, type,
-- input (text), exec (core execution), start, stop (ms), status, closed,
-- seq, mocks, counts, pending (handlers running), tokens (list), wake,
-- waiters, redrive_count, redrive_date, segments (earlier runs, for redrive) }.
local core = require "sfn.core"
local json = require "sfn.json"
local scheduler = require "sfn.scheduler"
local mockconfig = require "sfn.mockconfig"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"
local names = require "sfn.service.names"
local util = require "sfn.service.util"
local pagination = require "sfn.service.pagination"
local runner = require "sfn.service.runner"
local sm_mod = require "sfn.service.state_machines"
local aliases = require "sfn.service.aliases"

local type, pairs, ipairs, tostring, pcall = type, pairs, ipairs, tostring, pcall
local find, sub, match = string.find, string.sub, string.match
local floor, ceil = math.floor, math.ceil
local null = json.null
local array = json.array

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

local MAX_INPUT = 262144

-- The record an execution ARN names, or nil, err.
local function find_execution(svc, arn, allow_express)
  local a, err = arns.expect(arn, allow_express and { execution = true, express = true } or { execution = true })
  if not a then return nil, err end
  local rec = svc.executions[arn]
  if not rec then return errors.execution_does_not_exist(arn) end
  return rec
end
_M.find = find_execution

local function input_error(text)
  local v, err = json.decode(text)
  if v == nil and err ~= nil then
    local msg = type(err) == "table" and (err.message or tostring(err)) or tostring(err)
    return errors.new("InvalidExecutionInput", "Invalid State Machine Execution Input: '" .. msg .. "'")
  end
  return nil
end

-- A definition the engine does not run yet (JSONata, Assign, distributed
-- Map ...): the execution starts, as on AWS, and fails at once with
-- sfn.UnsupportedFeature and the engine's message, in a state of that name.
local machine_mod = require "sfn.machine"
local function unsupported(svc, sm, source, message)
  if source.stub then return source.stub end
  local def = json.encode{ StartAt = "UnsupportedFeature", States = { UnsupportedFeature = {
    Type = "Fail", Error = "sfn.UnsupportedFeature", Cause = message } } }
  source.stub = assert(machine_mod.new(def, { name = sm.name, type = source.type, account = svc.account,
    region = svc.region, partition = svc.partition, role_arn = source.role_arn }))
  return source.stub
end

-- Start an execution (the common part of StartExecution and
-- StartSyncExecution): the record, or nil, err.
local function start(svc, req, sync)
  local sm_arn, test_case = req.stateMachineArn, nil
  local hash = find(sm_arn, "#", 1, true)
  if hash then sm_arn, test_case = sub(sm_arn, 1, hash - 1), sub(sm_arn, hash + 1) end
  local sm, v, al = sm_mod.resolve(svc, sm_arn, true)
  if not sm then return nil, v end
  local alias_arn
  if al then
    alias_arn = al.arn
    local vn = tonumber(match(aliases.pick(al), ":(%d+)$"))
    v = sm.versions[vn]
  end
  local source = v or sm
  if sync and source.type ~= "EXPRESS" then
    return errors.fail("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
  end
  local name = present(req.name) and req.name or util.uuid()
  if not names.valid(name) then return errors.invalid_name(name) end
  local input = present(req.input) and req.input or "{}"
  if #input > MAX_INPUT then
    return errors.constraint{ { value = "", path = "input",
      constraint = "Member must have length less than or equal to " .. MAX_INPUT } }
  end
  local ierr = input_error(input)
  if ierr then return nil, ierr end
  local express = source.type == "EXPRESS"
  local arn
  if express then
    arn = svc.arns:express_execution(sm.name, name, util.uuid())
  else
    arn = svc.arns:execution(sm.name, name)
    local old = svc.executions[arn]
    if old then
      if not old.closed and old.input == input then return old, true end
      return errors.fail("ExecutionAlreadyExists", "Execution Already Exists: '" .. arn .. "'")
    end
  end
  local compiled, cerr = sm_mod.compiled(svc, source)
  if not compiled then
    if cerr.code ~= "UnsupportedFeature" then return nil, cerr end
    compiled = unsupported(svc, sm, source, cerr.message)
  end
  local mocks
  if test_case then
    if not svc.mock_config then
      return errors.validation("No mock configuration was given to the service: test case '" .. test_case .. "' cannot be used")
    end
    local merr
    mocks, merr = mockconfig.load(svc.mock_config, sm.name, test_case)
    if not mocks then return errors.validation(merr.message) end
  end
  local now = svc:now()
  local exec, eerr = core.exec_new(compiled._compiled, input, {
    name = name, state_machine_name = sm.name, account = svc.account, region = svc.region,
    partition = svc.partition, role_arn = source.role_arn, express = express, start_ms = now,
    history = not express, seed = svc:seq() * 7919 + now, payload_limit = svc.payload_limit,
  })
  if not exec then
    if eerr.code == "JSONError" then eerr.code = "InvalidExecutionInput" end
    return errors.fail(eerr.code, eerr.message)
  end
  local rec = {
    arn = arn, name = name, machine = sm, source = source, version_arn = v and v.arn or nil,
    alias_arn = alias_arn, type = source.type, express = express, input = input, exec = exec,
    start = now, status = "RUNNING", closed = false, seq = svc:seq(), mocks = mocks, counts = {},
    pending = 0, tokens = {}, waiters = {}, redrive_count = 0, trace_header = req.traceHeader,
    -- what DescribeStateMachineForExecution shows: the machine as it was at the start
    snapshot = { definition = source.definition, role_arn = source.role_arn, logging = source.logging,
                 tracing = source.tracing, encryption = source.encryption,
                 update = source.update or source.creation,
                 revision_id = (source.machine and source.show_revision or source.updated) and source.revision_id or nil },
  }
  svc:add_execution(rec)
  runner.settle(svc, rec, now)
  return rec
end
_M.start = start

function ops.start_execution(svc, req)
  local rec, err = start(svc, req, false)
  if not rec then return nil, err end
  return { executionArn = rec.arn, startDate = util.seconds(rec.start) }
end

-- Wait until the execution closes (or nothing can move it any more).
local function wait_closed(svc, rec)
  if rec.closed then return true end
  if scheduler.current() then
    local me = scheduler.current()
    rec.waiters[#rec.waiters + 1] = me
    svc:kick()
    while not rec.closed do scheduler.suspend() end
    return true
  end
  if scheduler.running() then return false end
  local ok = pcall(scheduler.run, function()
    svc:kick()
    wait_closed(svc, rec)
  end)
  return ok and rec.closed
end

local function redrive_fields(rec, res)
  res.redriveCount = rec.redrive_count
  if rec.redrive_date then res.redriveDate = util.seconds(rec.redrive_date) end
  if rec.express then
    res.redriveStatus = "NOT_REDRIVABLE"
    res.redriveStatusReason = "Execution is an EXPRESS execution and cannot be redriven"
  elseif rec.status == "RUNNING" or rec.status == "SUCCEEDED" then
    res.redriveStatus = "NOT_REDRIVABLE"
    res.redriveStatusReason = "Execution is " .. rec.status .. " and cannot be redriven"
  else
    res.redriveStatus = "REDRIVABLE"
  end
end

-- DescribeExecution's fields.
local function describe(svc, rec)
  local d = rec.exec:describe()
  local res = {
    executionArn = rec.arn, stateMachineArn = rec.machine.arn, name = rec.name, status = d.status,
    startDate = util.seconds(rec.start), stopDate = rec.closed and util.seconds(rec.stop) or nil,
    input = rec.input, inputDetails = { included = true },
    output = d.output, outputDetails = d.output and { included = true } or nil,
    error = d.error, cause = d.cause,
    stateMachineVersionArn = rec.version_arn, stateMachineAliasArn = rec.alias_arn,
    traceHeader = rec.trace_header,
  }
  redrive_fields(rec, res)
  return res
end
_M.describe = describe

function ops.start_sync_execution(svc, req)
  local rec, err = start(svc, req, true)
  if not rec then return nil, err end
  if not wait_closed(svc, rec) then
    return errors.fail("ServiceException",
      "The execution is still running: it waits on a callback, an activity or the manual clock", 500)
  end
  local d = describe(svc, rec)
  local ms = rec.stop - rec.start
  local billed = ceil(ms / 100) * 100
  if billed < 100 then billed = 100 end
  return {
    executionArn = rec.arn, stateMachineArn = rec.machine.arn, name = rec.name,
    startDate = d.startDate, stopDate = d.stopDate, status = d.status,
    error = d.error, cause = d.cause, input = d.input, inputDetails = d.inputDetails,
    output = d.output, outputDetails = d.outputDetails, traceHeader = rec.trace_header,
    billingDetails = { billedMemoryUsedInMB = 64, billedDurationInMilliseconds = billed },
  }
end

function ops.describe_execution(svc, req)
  local rec, err = find_execution(svc, req.executionArn, true)
  if not rec then return nil, err end
  return describe(svc, rec)
end

function ops.stop_execution(svc, req)
  local rec, err = find_execution(svc, req.executionArn, true)
  if not rec then return nil, err end
  if not rec.closed then
    local now = svc:now()
    rec.exec:stop(present(req.error) and req.error or nil, present(req.cause) and req.cause or nil, now)
    svc:close_execution(rec, rec.exec:status())
  end
  return { stopDate = util.seconds(rec.stop) }
end

function ops.describe_state_machine_for_execution(svc, req)
  local rec, err = find_execution(svc, req.executionArn, true)
  if not rec then return nil, err end
  local src, sm = rec.snapshot, rec.machine
  return {
    stateMachineArn = sm.arn, name = sm.name, definition = src.definition, roleArn = src.role_arn,
    updateDate = util.seconds(src.update), revisionId = src.revision_id,
    loggingConfiguration = sm_mod.copy(src.logging), tracingConfiguration = sm_mod.copy(src.tracing),
    encryptionConfiguration = src.encryption and sm_mod.copy(src.encryption) or nil,
    variableReferences = sm_mod.variable_references(src),
  }
end

local DATA_KEYS = { input = true, output = true, inputDetails = true, outputDetails = true }

local function strip_data(ev)
  for k, v in pairs(ev) do
    if type(v) == "table" and sub(k, -12) == "EventDetails" then
      for dk in pairs(DATA_KEYS) do v[dk] = nil end
    end
  end
end

local function all_events(rec)
  local evs = {}
  if rec.segments then
    for _, seg in ipairs(rec.segments) do
      for _, e in ipairs(seg) do evs[#evs + 1] = e end
    end
    local offset = #evs
    local tail = rec.exec:history(2)
    for _, e in ipairs(tail) do
      e.id = e.id - 1 + offset
      if e.previousEventId and e.previousEventId > 0 then
        e.previousEventId = e.previousEventId - 1 + offset
      elseif e.previousEventId == 0 then
        e.previousEventId = offset
      end
      evs[#evs + 1] = e
    end
    return evs
  end
  return rec.exec:history(1)
end

function ops.get_execution_history(svc, req)
  local rec, err = find_execution(svc, req.executionArn, false)
  if not rec then return nil, err end
  local evs = all_events(rec)
  local ordered = evs
  for _, e in ipairs(evs) do e.seq = e.id end
  if req.reverseOrder == true then
    ordered = {}
    for i = #evs, 1, -1 do ordered[#ordered + 1] = evs[i] end
  end
  local page, token = pagination.page(ordered, req, { kind = "history", scope = rec.arn,
    desc = req.reverseOrder == true, default = 100 })
  if not page then return nil, token end
  local out = array{}
  local strip = req.includeExecutionData == false
  for i, e in ipairs(page) do
    e.seq = nil
    if strip then strip_data(e) end
    out[i] = e
  end
  return { events = out, nextToken = token }
end

local function list_item(rec)
  return {
    executionArn = rec.arn, stateMachineArn = rec.machine.arn, name = rec.name, status = rec.status,
    startDate = util.seconds(rec.start), stopDate = rec.closed and util.seconds(rec.stop) or nil,
    stateMachineVersionArn = rec.version_arn, stateMachineAliasArn = rec.alias_arn,
    redriveCount = rec.redrive_count, redriveDate = rec.redrive_date and util.seconds(rec.redrive_date) or nil,
  }
end

function ops.list_executions(svc, req)
  if present(req.mapRunArn) then
    if present(req.stateMachineArn) then
      return errors.validation("Only one of stateMachineArn or mapRunArn may be specified")
    end
    local a, err = arns.expect(req.mapRunArn, { mapRun = true })
    if not a then return nil, err end
    return errors.resource_not_found(req.mapRunArn)
  end
  if not present(req.stateMachineArn) then
    return errors.validation("Must provide a StateMachine ARN or MapRun ARN")
  end
  local sm, v, al = sm_mod.resolve(svc, req.stateMachineArn, true)
  if not sm then return nil, v end
  if (v or sm).type == "EXPRESS" then
    return errors.fail("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
  end
  local list = {}
  local recs = sm.exec_list or {}
  for i = #recs, 1, -1 do
    local rec = recs[i]
    if not rec.dropped then list[#list + 1] = rec end
  end
  local status = present(req.statusFilter) and req.statusFilter or nil
  local redrive = present(req.redriveFilter) and req.redriveFilter or nil
  local page, token = pagination.page(list, req, {
    kind = "executions", scope = req.stateMachineArn, desc = true, default = 100,
    filter = function(rec)
      if status and rec.status ~= status then return false end
      if v and rec.version_arn ~= v.arn then return false end
      if al and rec.alias_arn ~= al.arn then return false end
      if redrive == "REDRIVEN" and rec.redrive_count == 0 then return false end
      if redrive == "NOT_REDRIVEN" and rec.redrive_count > 0 then return false end
      return true
    end,
  })
  if not page then return nil, token end
  local out = array{}
  for i, rec in ipairs(page) do out[i] = list_item(rec) end
  return { executions = out, nextToken = token }
end

_M.wait_closed = wait_closed
_M.all_events = all_events
return _M
