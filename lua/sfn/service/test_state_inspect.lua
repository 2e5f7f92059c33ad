-- sfn.service.test_state_inspect: what TestState reports about a state's
-- data flow (inspectionData for DEBUG and TRACE) and the Map settings it
-- shows (maxConcurrency, toleratedFailureCount, toleratedFailurePercentage).
-- JSONPath steps are recomputed with the engine's path and template
-- evaluation (core.path_eval, core.template_eval, core.path_set) against the
-- input and the context object; JSONata values come from the engine too, by
-- running a one-state machine whose Output is the expression (jsonata_value).
-- Every value is JSON text, as the API returns it.
local core = require "sfn.core"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"

local type, pairs, ipairs, pcall, tostring, tonumber, getmetatable =
  type, pairs, ipairs, pcall, tostring, tonumber, getmetatable
local null = json.null

local _M = {}

local function present(v) return v ~= nil and v ~= null end

-- A path over doc (JSON text) with the context object ctx (JSON text); nil
-- when it selects nothing or fails.  A null path selects {}.
local function path(p, doc, ctx)
  if p == null then return "{}" end
  if doc == nil then return nil end
  local ok, v = pcall(core.path_eval, p or "$", doc, ctx)
  if ok then return v end
  return nil
end
_M.path = path

local function template(t, doc, ctx)
  if doc == nil then return nil end
  local ok, v = pcall(core.template_eval, json.encode(t), doc, ctx)
  if ok then return v end
  return nil
end
_M.template = template

local function result_path(rp, raw, result)
  if rp == null then return raw end
  if rp == nil or rp == "$" then return result end
  local ok, v = pcall(core.path_set, rp, raw, result)
  if ok then return v end
  return nil
end

local function iso_now()
  local ms = core.now_ms()
  local s = math.floor(ms / 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%03dZ", ms - s * 1000)
end

-- The context object the state sees when the request gives none, as AWS's
-- TestState shows it: no Execution.RedriveCount, Execution.RoleArn null
-- without a roleArn, State.RetryCount only for states that can retry.
-- o: account, region, partition, role_arn, state (name), input (JSON
-- text), retry_count (nil: no RetryCount).
function _M.default_context(o)
  local base = "arn:" .. o.partition .. ":states:" .. o.region .. ":" .. o.account
  local now = iso_now()
  return json.encode{
    Execution = { Id = base .. ":express:TestStateMachine:TestState", Input = json.decode(o.input),
      Name = "TestState", RoleArn = o.role_arn or null, StartTime = now },
    State = { EnteredTime = now, Name = o.state, RetryCount = o.retry_count },
    StateMachine = { Id = base .. ":stateMachine:TestStateMachine", Name = "TestStateMachine" },
  }
end

-- Is t free of JSONata expressions (so it is its own value)?
local function literal(t)
  if type(t) == "string" then return not t:find("^%s*{%%") end
  if type(t) == "table" then
    for _, v in pairs(t) do if not literal(v) then return false end end
  end
  return true
end

-- The value of a JSONata template (a `{% %}` string, or a table holding
-- them) over input: JSON text, or nil when the engine cannot evaluate it.
function _M.jsonata_value(t, input)
  if literal(t) then return json.encode(t) end
  local def = json.encode{ QueryLanguage = "JSONata", StartAt = "E",
    States = { E = { Type = "Pass", Output = t, End = true } } }
  local m = machine_mod.new(def, { type = "EXPRESS" })
  if not m then return nil end
  local run = m:run(input, { name = "TestStateValue", history = false })
  if run and run.status == "SUCCEEDED" then return run.output end
  return nil
end

local function number_of(text)
  if text == nil then return nil end
  local v = json.decode(text)
  if type(v) == "number" then return v end
  if v ~= nil and v ~= null and tonumber(tostring(v)) then return tonumber(tostring(v)) end
  return nil
end

-- A Map state's settings: maxConcurrency (0 when unset),
-- toleratedFailureCount, toleratedFailurePercentage (nil when unset).
function _M.map_settings(state, input, ctx, jsonata, eval)
  local path = eval and eval.path or path
  local function value(field)
    local v = state[field]
    if v == nil then
      local p = state[field .. "Path"]
      if type(p) == "string" then return number_of(path(p, input, ctx)) end
      return nil
    end
    if type(v) == "number" then return v end
    if jsonata and type(v) == "string" then return number_of(_M.jsonata_value(v, input)) end
    return nil
  end
  local out = { maxConcurrency = value("MaxConcurrency") or 0 }
  out.toleratedFailureCount = value("ToleratedFailureCount")
  local pct = value("ToleratedFailurePercentage")
  if pct then out.toleratedFailurePercentage = pct + 0.0 end
  return out
end

-- inspectionData for a state that ran.  o: input (JSON text), ctx (JSON
-- text), result (the task's result text or nil), jsonata (bool),
-- arguments (JSONata: the Arguments the task got, JSON text), map (Map
-- settings), error_details, eval (path and template functions to use
-- instead of the plain ones, e.g. ones that see workflow variables).
function _M.build(state, o)
  local input, ctx, result = o.input, o.ctx, o.result
  local path = o.eval and o.eval.path or path
  local template = o.eval and o.eval.template or template
  local d = { input = input }
  local T = state.Type
  if o.error_details then d.errorDetails = o.error_details end
  if T == "Map" and o.map then
    d.maxConcurrency = o.map.maxConcurrency
    d.toleratedFailureCount = o.map.toleratedFailureCount
    d.toleratedFailurePercentage = o.map.toleratedFailurePercentage
  end
  if o.jsonata then
    if T == "Task" then
      d.afterArguments = o.arguments
      if result then d.result = result end
    end
    return d
  end
  if T == "Fail" then return d end
  local ip = path(state.InputPath, input, ctx)
  if T == "Choice" or T == "Succeed" or T == "Wait" then
    d.afterInputPath = ip
    return d
  end
  if T == "Parallel" or T == "Map" then
    if T == "Map" then
      d.afterInputPath = ip
      d.afterItemsPath = ip and path(state.ItemsPath, ip, ctx)
    end
    if result then
      local rs = state.ResultSelector and template(state.ResultSelector, result, ctx) or result
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
    params = ip and (state.Parameters and template(state.Parameters, ip, ctx) or ip)
    d.afterParameters = params
    if T == "Pass" then result = params end
  end
  if T == "Task" or (T == "Pass" and state.Result ~= nil) then d.result = result end
  if result then
    local rs = (T == "Task" and state.ResultSelector) and template(state.ResultSelector, result, ctx) or result
    d.afterResultSelector = rs
    d.afterResultPath = rs and result_path(state.ResultPath, input, rs)
  end
  return d
end

return _M
