-- sfn.service.test_state: TestState.  The state under test (a state
-- definition, or `stateName` in a whole state machine) runs on the engine in
-- a small machine of its own: the state, named "StateName" when given alone
-- (the name AWS reports locations under), plus a Pass state standing in for
-- each state it can move to (Next, Default, Choices, Catch).  The first of
-- those entered is `nextState`; the execution's output is the state's.
-- A mock's `result` or `errorOutput` answers the state's task (a Parallel or
-- Map state with a mock becomes a Task whose result is the mock, keeping its
-- InputPath, ResultSelector, ResultPath and OutputPath); without a mock the
-- service's Lua handlers run, as for executions.  inspectionData (DEBUG and
-- TRACE) is rebuilt with the engine's path and template evaluation: input,
-- afterInputPath, afterParameters, result, afterResultSelector,
-- afterResultPath (and afterItemsPath, maxConcurrency for Map), as AWS lists
-- them per state type.  Status: SUCCEEDED, FAILED, CAUGHT_ERROR (a Catch took
-- the error) or RETRIABLE (a Retry would run the state again).
-- Not yet: JSONata, variables, context overrides, stateConfiguration, and
-- mock validation against the integrated services' API schemas.
local core = require "sfn.core"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"
local errors = require "sfn.service.errors"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local null = json.null

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

local function invalid(msg) return errors.validation(msg) end

local NO_MOCK_TYPES = { Pass = true, Fail = true, Succeed = true, Wait = true, Choice = true }

-- The states a state can move to.
local function targets(state)
  local out, seen = {}, {}
  local function add(t) if type(t) == "string" and not seen[t] then seen[t] = true out[#out + 1] = t end end
  add(state.Next)
  add(state.Default)
  if type(state.Choices) == "table" then for _, c in ipairs(state.Choices) do add(c.Next) end end
  if type(state.Catch) == "table" then for _, c in ipairs(state.Catch) do add(c.Next) end end
  return out, seen
end

-- A Parallel or Map state answered by a mock: a Task with the same data flow.
local function as_task(state)
  local t = { Type = "Task", Resource = "arn:aws:states:::sfn:testState.mock" }
  for _, k in ipairs{ "InputPath", "ResultSelector", "ResultPath", "OutputPath", "Retry", "Catch", "Next", "End", "Comment" } do
    t[k] = state[k]
  end
  if state.Type == "Parallel" then t.Parameters = state.Parameters end
  return t
end

local function path(p, doc)
  if p == null then return "{}" end
  local ok, v = pcall(core.path_eval, p or "$", doc)
  if ok then return v end
  return nil
end

local function template(t, doc)
  local ok, v = pcall(core.template_eval, json.encode(t), doc)
  if ok then return v end
  return nil
end

local function result_path(rp, raw, result)
  if rp == null then return raw end
  if rp == nil or rp == "$" then return result end
  local ok, v = pcall(core.path_set, rp, raw, result)
  if ok then return v end
  return nil
end

-- inspectionData for a state that ran (result: the task's result text, or nil).
local function inspection(state, input, result)
  local d = { input = input }
  local T = state.Type
  if T == "Fail" then return d end
  local ip = path(state.InputPath, input)
  if T == "Choice" or T == "Succeed" or T == "Wait" then
    d.afterInputPath = ip
    return d
  end
  if T == "Parallel" or T == "Map" then
    if T == "Map" then
      d.afterInputPath = ip
      d.afterItemsPath = ip and path(state.ItemsPath, ip)
      if type(state.MaxConcurrency) == "number" then d.maxConcurrency = state.MaxConcurrency end
    end
    if result then
      local rs = state.ResultSelector and template(state.ResultSelector, result) or result
      d.afterResultSelector = rs
      d.afterResultPath = rs and result_path(state.ResultPath, input, rs)
    end
    return d
  end
  local params
  if T == "Pass" and state.Result ~= nil then
    result = json.encode(state.Result)
  else
    d.afterInputPath = ip
    params = ip and (state.Parameters and template(state.Parameters, ip) or ip)
    d.afterParameters = params
    if T == "Pass" then
      result = params
    end
  end
  if T == "Task" or (T == "Pass" and state.Result ~= nil) then d.result = result end
  if result then
    local rs = (T == "Task" and state.ResultSelector) and template(state.ResultSelector, result) or result
    d.afterResultSelector = rs
    d.afterResultPath = rs and result_path(state.ResultPath, input, rs)
  end
  return d
end

-- The error and cause of the state's last failure event.
local function last_failure(history)
  for i = #history, 1, -1 do
    for k, v in pairs(history[i]) do
      if type(v) == "table" and k:find("EventDetails$") and v.error ~= nil and not k:find("^execution") then
        return v.error, v.cause
      end
    end
  end
  return nil
end

local function task_result(history)
  for i = #history, 1, -1 do
    local e = history[i]
    for k, v in pairs(e) do
      if type(v) == "table" and k:find("SucceededEventDetails$") and v.output ~= nil and not k:find("^execution") then
        return v.output
      end
    end
  end
  return nil
end

function ops.test_state(svc, req)
  local def = json.decode(req.definition)
  if type(def) ~= "table" then
    return errors.fail("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: the definition is not a JSON object'")
  end
  local name, state = "StateName", def
  if present(req.stateName) then
    local msg = core.definition_error(req.definition, {})
    if msg then return errors.fail("InvalidDefinition", msg) end
    state = type(def.States) == "table" and def.States[req.stateName]
    if type(state) ~= "table" then return invalid("State not found in definition") end
    name = req.stateName
  end
  local mock = present(req.mock) and req.mock or nil
  if mock and present(mock.result) and present(mock.errorOutput) then
    return invalid("A test mock should have only one of the following fields: [result, errorOutput].")
  end
  if mock and NO_MOCK_TYPES[state.Type] then
    return invalid("State type '" .. tostring(state.Type) .. "' is not supported when a mock is specified")
  end
  if mock and req.revealSecrets == true then
    return invalid("TestState does not support RevealSecrets when a mock is specified.")
  end
  local conf = present(req.stateConfiguration) and req.stateConfiguration or nil
  if conf and present(conf.mapIterationFailureCount) and not mock then
    return invalid("TestState does not support MapIterationFailureCount when a mock is not specified.")
  end
  local mocked
  if mock and present(mock.result) then
    local v, jerr = json.decode(mock.result)
    if jerr then return invalid("Mocked result must be valid JSON") end
    if state.Type == "Map" or state.Type == "Parallel" then
      if type(v) ~= "table" or getmetatable(v) ~= json.array_mt then return invalid("Mocked result must be an array.") end
      if state.Type == "Parallel" and type(state.Branches) == "table" and #v ~= #state.Branches then
        return invalid("Mocked result must contain the same number of items as number of Parallel branches.")
      end
    end
    mocked = { Return = v }
  elseif mock and present(mock.errorOutput) then
    mocked = { Throw = { Error = mock.errorOutput.error, Cause = mock.errorOutput.cause } }
  end
  local run_state = state
  if mocked and (state.Type == "Parallel" or state.Type == "Map") then run_state = as_task(state) end
  -- the small machine: the state and a stand-in for each state it can move to
  local states = { [name] = run_state }
  local list = targets(state)
  for _, t in ipairs(list) do
    if t ~= name then states[t] = { Type = "Pass", End = true } end
  end
  local wrapper = json.encode{ StartAt = name, States = states,
    QueryLanguage = present(req.stateName) and def.QueryLanguage or nil }
  local msg = core.definition_error(wrapper, {})
  if msg then return errors.fail("InvalidDefinition", msg) end
  local m, merr = machine_mod.new(wrapper, { name = "TestStateMachine", type = "EXPRESS", account = svc.account,
    region = svc.region, partition = svc.partition, role_arn = present(req.roleArn) and req.roleArn or nil })
  if not m then return errors.fail(merr.code == "UnsupportedFeature" and "ValidationException" or merr.code, merr.message) end
  local input = present(req.input) and req.input or "{}"
  local _, ierr = json.decode(input)
  if ierr then
    return errors.fail("InvalidExecutionInput", "Invalid State Machine Execution Input: '" ..
      tostring(type(ierr) == "table" and ierr.message or ierr) .. "'")
  end
  local mocks
  if mocked then
    mocks = { [name] = {} }
    for i = 1, 100 do mocks[name][i] = mocked end
  end
  local run, rerr = m:run(input, { name = "TestState", mocks = mocks, handlers = svc.handlers, history = true })
  if not run then return errors.fail(rerr.code, rerr.message) end
  local history = run.history
  -- what happened: entered states after ours, retries, failures
  local entered, scheduled = {}, 0
  for _, e in ipairs(history) do
    if e.stateEnteredEventDetails then entered[#entered + 1] = e.stateEnteredEventDetails.name end
    if e.type:find("Scheduled$") then scheduled = scheduled + 1 end
  end
  local res = {}
  local level = present(req.inspectionLevel) and req.inspectionLevel or "INFO"
  local result = task_result(history)
  if mocked and mocked.Return ~= nil and (state.Type == "Parallel" or state.Type == "Map" or state.Type == "Task") then
    result = json.encode(mocked.Return)
  end
  if scheduled > 1 then
    res.status = "RETRIABLE"
    res.error, res.cause = last_failure(history)
  elseif run.status == "SUCCEEDED" then
    local nxt = entered[2]
    local caught = false
    if nxt and type(state.Catch) == "table" and nxt ~= state.Next then
      for _, c in ipairs(state.Catch) do if c.Next == nxt then caught = true end end
    end
    if caught then
      res.status = "CAUGHT_ERROR"
      res.error, res.cause = last_failure(history)
    else
      res.status = "SUCCEEDED"
    end
    res.nextState = nxt
    res.output = run.output
  else
    res.status = "FAILED"
    res.error, res.cause = run.error, run.cause
  end
  if level ~= "INFO" then
    res.inspectionData = inspection(state, input, res.status ~= "FAILED" and result or nil)
  end
  return res
end

return _M
