-- sfn.service.test_state: TestState.  The state under test (a state
-- definition, or `stateName` in a whole state machine) runs on the engine in
-- a small machine of its own: the state, named "StateName" (the name AWS
-- reports locations and $$.State.Name with), plus a Pass state standing in
-- for each state it can move to (Next, Default, Choices, Catch), after a
-- Pass state assigning the request's `variables` when there are any.  The
-- state entered after it is `nextState`; the execution's output is the
-- state's.
--
-- A mock's `result` or `errorOutput` answers the state's task (a Parallel or
-- Map state with a mock becomes a Task whose result is the mock, keeping its
-- data flow fields); a mocked result is first checked against the output
-- shape of the API the Task calls (sfn.service.test_state_mock).  Without a
-- mock the service's Lua handlers run, as for executions.
--
-- The state runs once without its Retry and Catch.  When it fails, what
-- AWS would do next is decided here: the first retrier matching the error
-- with attempts left (stateConfiguration.retrierRetryCount of them used)
-- makes it RETRIABLE; else the first matching catcher makes it
-- CAUGHT_ERROR, and the state runs again, answered by the same error, to
-- give the catcher's output and next state; else it FAILED.  inspectionData
-- gets errorDetails (retryIndex, retryBackoffIntervalSeconds, catchIndex).
-- stateConfiguration.mapIterationFailureCount fails a mocked Map with
-- States.ExceedToleratedFailureThreshold when it exceeds the state's
-- tolerated failures.  The state's context object (`$$`, $states.context) is
-- the request's `context` (checked for the fields AWS allows) or the one
-- AWS's TestState shows, given to the engine as its `context` option; the
-- same object feeds inspectionData.
-- inspectionData (DEBUG and TRACE) is rebuilt by
-- sfn.service.test_state_inspect.  Status: SUCCEEDED, FAILED, CAUGHT_ERROR
-- or RETRIABLE.
local core = require "sfn.core"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"
local errors = require "sfn.service.errors"
local mockcheck = require "sfn.service.test_state_mock"
local inspect = require "sfn.service.test_state_inspect"

local type, pairs, ipairs, tostring, getmetatable, next = type, pairs, ipairs, tostring, getmetatable, next
local floor = math.floor
local null = json.null

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

local function invalid(msg) return errors.validation(msg) end

local NO_MOCK_TYPES = { Pass = true, Fail = true, Succeed = true, Wait = true, Choice = true }

local THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
local THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"

-- The fields a context object may have, per node.
local CONTEXT_FIELDS = {
  Execution = { Id = true, Input = true, Name = true, RoleArn = true, StartTime = true,
                RedriveCount = true, RedriveTime = true },
  State = { EnteredTime = true, Name = true, RetryCount = true },
  StateMachine = { Id = true, Name = true },
  Task = { Token = true },
  Map = { Item = true },
}

local function is_object(v) return type(v) == "table" and getmetatable(v) ~= json.array_mt end

-- nil, or why the context object cannot be used for this state.
local function context_error(ctx, state)
  local prefix = "Invalid Context object provided: "
  if not is_object(ctx) then return prefix .. "The context object must be a JSON object" end
  for k, v in pairs(ctx) do
    local allowed = CONTEXT_FIELDS[k]
    if not allowed then return prefix .. "Field '" .. tostring(k) .. "' is not allowed" end
    if is_object(v) then
      for f in pairs(v) do
        if not allowed[f] then return prefix .. "Field '" .. tostring(f) .. "' is not allowed" end
      end
    end
  end
  if ctx.Task ~= nil then
    local r = state.Type == "Task" and type(state.Resource) == "string" and state.Resource or ""
    if not (r:find("%.sync") or r:find("%.waitForTaskToken$")) then
      return prefix .. "Context object contains 'Task' when state is not a Task state with a '.sync' " ..
        "or '.waitForTaskToken' service integration pattern"
    end
  end
  return nil
end

-- The states a state can move to.
local function targets(state)
  local out, seen = {}, {}
  local function add(t) if type(t) == "string" and not seen[t] then seen[t] = true out[#out + 1] = t end end
  add(state.Next)
  add(state.Default)
  if type(state.Choices) == "table" then for _, c in ipairs(state.Choices) do add(c.Next) end end
  if type(state.Catch) == "table" then for _, c in ipairs(state.Catch) do add(c.Next) end end
  return out
end

local function copy(t)
  local o = {}
  for k, v in pairs(t) do o[k] = v end
  return o
end

-- A Parallel or Map state answered by a mock: a Task with the same data flow.
local function as_task(state)
  local t = { Type = "Task", Resource = "arn:aws:states:::sfn:testState.mock" }
  for _, k in ipairs{ "InputPath", "ResultSelector", "ResultPath", "OutputPath", "Retry", "Catch", "Next", "End",
                      "Comment", "QueryLanguage", "Output", "Assign" } do
    t[k] = state[k]
  end
  if state.Type == "Parallel" then
    t.Parameters = state.Parameters
    t.Arguments = state.Arguments
  end
  return t
end

local function error_matches(list, name)
  if type(list) ~= "table" then return false end
  for _, n in ipairs(list) do
    if n == "States.ALL" or n == name then return true end
    if n == "States.TaskFailed" and name ~= "States.Timeout" then return true end
  end
  return false
end

-- Seconds before retry number count + 1 of retrier r.
local function backoff(r, count)
  local interval = type(r.IntervalSeconds) == "number" and r.IntervalSeconds or 1
  local rate = type(r.BackoffRate) == "number" and r.BackoffRate or 2.0
  local d = interval * rate ^ count
  if type(r.MaxDelaySeconds) == "number" and d > r.MaxDelaySeconds then d = r.MaxDelaySeconds end
  return floor(d)
end

-- What follows an error of the state: "RETRIABLE" | "CAUGHT_ERROR" |
-- "FAILED", errorDetails (or nil).
local function decide(state, name, retry_count)
  local details = {}
  if name ~= "States.Runtime" then
    if type(state.Retry) == "table" then
      for i, r in ipairs(state.Retry) do
        if type(r) == "table" and error_matches(r.ErrorEquals, name) then
          local max = type(r.MaxAttempts) == "number" and r.MaxAttempts or 3
          details.retryIndex = i - 1
          if retry_count < max then
            details.retryBackoffIntervalSeconds = backoff(r, retry_count)
            return "RETRIABLE", details
          end
          break
        end
      end
    end
    if type(state.Catch) == "table" then
      for j, c in ipairs(state.Catch) do
        if type(c) == "table" and error_matches(c.ErrorEquals, name) then
          details.catchIndex = j - 1
          return "CAUGHT_ERROR", details
        end
      end
    end
  end
  return "FAILED", next(details) and details or nil
end

local VARS_STATE = "TestStateVariables"

-- States whose context object has State.RetryCount on AWS's TestState.
local RETRYING_TYPES = { Task = true, Map = true, Parallel = true }

-- The context nodes the engine gives the state (its `context` option, JSON
-- text): the request's context as it is (a node it leaves out is absent,
-- except Task: a callback task keeps the engine's token), or TestState's
-- own (ictx).
local function engine_context(given, ictx)
  if not given then return ictx end
  local c = json.decode(given)
  return json.encode{ Execution = c.Execution or null, State = c.State or null,
    StateMachine = c.StateMachine or null, Task = c.Task }
end

-- The engine run of `state` in its small machine: run | nil, err (an error
-- response).  The state runs under the name "StateName" (what AWS shows as
-- $$.State.Name, also for a `stateName` of a whole definition) unless a
-- state it moves to has that name.  Given variables are assigned by a Pass
-- state before it.  o: name, mocked (a mock response or nil), svc, req,
-- whole, def, input, variables (a table or nil).
local function run_state(state, o)
  local list = targets(state)
  local run_name = "StateName"
  for _, t in ipairs(list) do if t == run_name and o.name ~= run_name then run_name = o.name end end
  o.run_name = run_name
  local states = { [run_name] = state }
  for _, t in ipairs(list) do
    if t ~= run_name then states[t] = { Type = "Pass", End = true } end
  end
  local start = run_name
  if o.variables then
    start = VARS_STATE
    states[VARS_STATE] = { Type = "Pass", QueryLanguage = "JSONPath", Assign = o.variables, Next = run_name }
  end
  local wrapper = json.encode{ StartAt = start, States = states,
    QueryLanguage = o.whole and o.def.QueryLanguage or nil }
  local msg = core.definition_error(wrapper, { type = "STANDARD" })
  if msg then return nil, errors.new("InvalidDefinition", msg) end
  local svc, req = o.svc, o.req
  -- EXPRESS as on AWS (the context's Execution.Id is an express one), but
  -- EXPRESS machines refuse callback and .sync integrations
  local r = state.Type == "Task" and type(state.Resource) == "string" and state.Resource or ""
  local mtype = (r:find("%.sync") or r:find("%.waitForTaskToken$")) and "STANDARD" or "EXPRESS"
  local m, merr = machine_mod.new(wrapper, { name = "TestStateMachine", type = mtype, account = svc.account,
    region = svc.region, partition = svc.partition, role_arn = present(req.roleArn) and req.roleArn or nil })
  if not m then
    return nil, errors.new(merr.code == "UnsupportedFeature" and "ValidationException" or merr.code, merr.message)
  end
  local mocks
  if o.mocked then mocks = { [run_name] = { o.mocked } } end
  local run, rerr = m:run(o.input, { name = "TestState", mocks = mocks, handlers = svc.handlers, history = true,
    context = o.ctx })
  if not run then return nil, errors.new(rerr.code, rerr.message) end
  return run
end

-- Path and template evaluation that sees the request's workflow variables:
-- a Pass state (after the one assigning them) with the path as InputPath or
-- the template as Parameters.
local function variable_eval(o)
  local function value(fields, doc)
    if doc == nil then return nil end
    fields.Type, fields.End, fields.QueryLanguage = "Pass", true, "JSONPath"
    local def = json.encode{ StartAt = VARS_STATE, States = {
      [VARS_STATE] = { Type = "Pass", QueryLanguage = "JSONPath", Assign = o.variables, Next = "E" }, E = fields } }
    local m = machine_mod.new(def, { type = "EXPRESS", account = o.svc.account, region = o.svc.region,
      partition = o.svc.partition })
    local run = m and m:run(doc, { name = "TestStateValue", history = false, context = o.ctx })
    if run and run.status == "SUCCEEDED" then return run.output end
    return nil
  end
  return {
    path = function(p, doc) return value({ InputPath = p }, doc) end,
    template = function(t, doc) return value({ Parameters = t }, doc) end,
  }
end

-- In a run's history: the state entered after the tested one, the
-- Arguments/Parameters its task got (JSON text) and the variables it
-- assigned (a table or nil).
local function after_run(history, run_name)
  local next_state, params, assigned, seen = nil, nil, nil, false
  for _, e in ipairs(history or {}) do
    local en = e.stateEnteredEventDetails
    if en then
      if seen and next_state == nil then next_state = en.name end
      if en.name == run_name then seen = true end
    end
    local ex = e.stateExitedEventDetails
    if ex and ex.name == run_name and type(ex.assignedVariables) == "table" then assigned = ex.assignedVariables end
    if e.taskScheduledEventDetails and params == nil then params = e.taskScheduledEventDetails.parameters end
  end
  return next_state, params, assigned
end

-- The last result a task (or iteration, or branch) of the run returned.
local function task_result(history)
  for i = #(history or {}), 1, -1 do
    for k, v in pairs(history[i]) do
      if type(v) == "table" and k:find("SucceededEventDetails$") and v.output ~= nil and not k:find("^execution") then
        return v.output
      end
    end
  end
  return nil
end

local function without(state, ...)
  local s = copy(state)
  for _, k in ipairs{ ... } do s[k] = nil end
  return s
end

function ops.test_state(svc, req)
  local def = json.decode(req.definition)
  if type(def) ~= "table" then
    return errors.fail("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: the definition is not a JSON object'")
  end
  local whole = present(req.stateName)
  local name, state = "StateName", def
  if whole then
    local msg = core.definition_error(req.definition, {})
    if msg then return errors.fail("InvalidDefinition", msg) end
    state = type(def.States) == "table" and def.States[req.stateName]
    if type(state) ~= "table" then return invalid("State not found in definition") end
    name = req.stateName
  end
  local ql = state.QueryLanguage or (whole and def.QueryLanguage) or "JSONPath"
  local jsonata = ql == "JSONata"
  local T = state.Type
  local mock = present(req.mock) and req.mock or nil
  if mock and present(mock.result) and present(mock.errorOutput) then
    return invalid("A test mock should have only one of the following fields: [result, errorOutput].")
  end
  if mock and NO_MOCK_TYPES[T] then
    return invalid("State type '" .. tostring(T) .. "' is not supported when a mock is specified")
  end
  if mock and req.revealSecrets == true then
    return invalid("TestState does not support RevealSecrets when a mock is specified.")
  end
  local conf = present(req.stateConfiguration) and req.stateConfiguration or {}
  local failures = present(conf.mapIterationFailureCount) and conf.mapIterationFailureCount or nil
  if failures and not mock then
    return invalid("TestState does not support MapIterationFailureCount when a mock is not specified.")
  end
  local retry_count = present(conf.retrierRetryCount) and conf.retrierRetryCount or 0
  local ctx
  if present(req.context) then
    local c = json.decode(req.context)
    local msg = context_error(c, state)
    if msg then return invalid(msg) end
    ctx = req.context
  end
  if T == "Parallel" and type(state.Branches) == "table" and next(state.Branches) == nil then
    return errors.fail("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: " ..
      "Value cannot be empty at /States/" .. name .. "/Branches'")
  end
  local mocked, mock_value
  if mock and present(mock.result) then
    local v, jerr = json.decode(mock.result)
    if jerr then return invalid("Mocked result must be valid JSON") end
    if T == "Map" or T == "Parallel" then
      if type(v) ~= "table" or getmetatable(v) ~= json.array_mt then return invalid("Mocked result must be an array.") end
      if T == "Parallel" and type(state.Branches) == "table" and #v ~= #state.Branches then
        return invalid("Mocked result must contain the same number of items as number of Parallel branches.")
      end
      if T == "Map" and failures and failures > #v then
        return invalid("Map iteration failure count must be less than or equal to the number of Map iterations")
      end
    elseif T == "Task" then
      local msg = mockcheck.validate(state.Resource, v, present(mock.fieldValidationMode) and mock.fieldValidationMode or nil)
      if msg then return invalid(msg) end
    end
    mocked, mock_value = { Return = v }, v
  elseif mock and present(mock.errorOutput) then
    mocked = { Throw = { Error = mock.errorOutput.error, Cause = mock.errorOutput.cause } }
  end
  local input = present(req.input) and req.input or "{}"
  local _, ierr = json.decode(input)
  if ierr then
    return errors.fail("InvalidExecutionInput", "Invalid State Machine Execution Input: '" ..
      tostring(type(ierr) == "table" and ierr.message or ierr) .. "'")
  end
  local level = present(req.inspectionLevel) and req.inspectionLevel or "INFO"
  local ictx = ctx or inspect.default_context{ account = svc.account, region = svc.region, partition = svc.partition,
    role_arn = present(req.roleArn) and req.roleArn or nil, state = "StateName", input = input,
    retry_count = RETRYING_TYPES[T] and retry_count or nil }
  local variables
  if present(req.variables) then
    local v = json.decode(req.variables)
    if not is_object(v) then return invalid("Variables must be a JSON object") end
    if next(v) ~= nil then variables = v end
  end
  local o = { name = name, mocked = mocked, svc = svc, req = req, whole = whole, def = def, input = input,
              variables = variables, ctx = engine_context(ctx, ictx) }
  local eval = variables and variable_eval(o) or nil
  local map = T == "Map" and inspect.map_settings(state, input, ictx, jsonata, eval) or nil

  -- the state as it runs: without Retry and Catch (decided here), a mocked
  -- Map or Parallel as a Task
  local base = state
  if mocked and (T == "Parallel" or T == "Map") then base = as_task(base) end

  local res, err_name, err_cause, run, arguments = {}, nil, nil, nil, nil
  if T == "Map" and mock_value and failures and map and
     ((map.toleratedFailureCount and failures > map.toleratedFailureCount) or
      (map.toleratedFailurePercentage and #mock_value > 0 and failures * 100 / #mock_value > map.toleratedFailurePercentage)) then
    err_name, err_cause = THRESHOLD_ERROR, THRESHOLD_CAUSE
  else
    local rerr
    run, rerr = run_state(without(base, "Retry", "Catch"), o)
    if not run then
      -- a mocked error needs no run to be known (e.g. the engine cannot run
      -- this state's query language yet)
      if not (mocked and mocked.Throw and rerr.code == "ValidationException") then return nil, rerr end
      err_name, err_cause = mocked.Throw.Error, mocked.Throw.Cause
    elseif run.status ~= "SUCCEEDED" then
      err_name, err_cause = run.error, run.cause
    end
  end
  if run then
    local nxt, params, assigned = after_run(run.history, o.run_name)
    arguments = params
    if assigned then
      variables = variables or {}
      for k, v in pairs(assigned) do variables[k] = json.decode(v) end
    end
    if not err_name then
      res.status = "SUCCEEDED"
      res.nextState = nxt
      res.output = run.output
    end
  end
  local details
  if err_name then
    local status
    status, details = decide(state, err_name, retry_count)
    res.status, res.error, res.cause = status, err_name, err_cause
    if status == "CAUGHT_ERROR" then
      o.mocked = { Throw = { Error = err_name, Cause = err_cause } }
      local caught = base
      if (T == "Parallel" or T == "Map") and caught.Type ~= "Task" then caught = as_task(caught) end
      local run2, rerr2 = run_state(without(caught, "Retry"), o)
      if not run2 then return nil, rerr2 end
      res.nextState = after_run(run2.history, o.run_name)
      res.output = run2.output
    end
  end
  if level ~= "INFO" then
    if jsonata and T == "Task" and arguments == nil then arguments = inspect.jsonata_value(state.Arguments or "{% $states.input %}", input) end
    local result
    if res.status == "SUCCEEDED" and (T == "Task" or T == "Map" or T == "Parallel") then
      result = mock_value ~= nil and mock.result or (run and task_result(run.history))
    end
    res.inspectionData = inspect.build(state, { input = input, ctx = ictx, result = result, jsonata = jsonata,
      arguments = arguments, map = map, error_details = details, eval = eval })
    if variables then res.inspectionData.variables = json.encode(variables) end
  end
  return res
end

return _M
