-- spec/support/cases.lua: loading the asl-conformance execution cases
-- (spec/fixtures/asl-conformance/{executions,executions_mocked}/*.json) for
-- the conformance spec: the case in order-keeping form (ojson), the features
-- that put a case out of scope for now, and the case's recorded task results
-- converted to the engine's `mocks` option.

local ojson = require "support.ojson"

local M = {}

M.root = "spec/fixtures/asl-conformance"
M.folders = { "executions", "executions_mocked" }

local function readfile(path)
  local f, err = io.open(path, "rb")
  if not f then error(err, 2) end
  local s = f:read("*a")
  f:close()
  return s
end
M.readfile = readfile

local function list_dir(dir)
  local names = {}
  local ok, lfs = pcall(require, "lfs")
  if ok then
    for name in lfs.dir(dir) do
      if name:match("%.json$") then names[#names + 1] = name end
    end
  else
    local p = io.popen('ls "' .. dir .. '"')
    for name in p:lines() do
      if name:match("%.json$") then names[#names + 1] = name end
    end
    p:close()
  end
  table.sort(names)
  return names
end

-- All case files: list of { folder =, path = }.
function M.list()
  local out = {}
  for _, folder in ipairs(M.folders) do
    for _, name in ipairs(list_dir(M.root .. "/" .. folder)) do
      out[#out + 1] = { folder = folder, path = M.root .. "/" .. folder .. "/" .. name }
    end
  end
  return out
end

-- ojson -> plain Lua (objects as tables, arrays as sequences, numbers as
-- Lua numbers, null as nil), for small metadata only.
local function plain(v)
  local k = ojson.kind(v)
  if k == "object" then
    local t = {}
    for _, key in ipairs(v.keys) do t[key] = plain(v.map[key]) end
    return t
  elseif k == "array" then
    local t = {}
    for i = 1, v.n do t[i] = plain(v[i]) end
    return t
  elseif k == "number" then
    return tonumber(v.text)
  elseif k == "null" then
    return nil
  end
  return v
end
M.plain = plain

-- Load one case file.  Fields: id, category, folder, path, kind,
-- state_machine_type, input_text, context/checks/analysis/rules (plain Lua),
-- definition/expected/history/mocks (ojson; history and mocks may be ojson.null).
function M.load(entry)
  local raw = assert(ojson.decode(readfile(entry.path)))
  local m = raw.map
  local case = {
    id = m.id, category = m.category, kind = m.kind, folder = entry.folder, path = entry.path,
    state_machine_type = m.state_machine_type, input_text = m.input_text,
    context = plain(m.context), checks = plain(m.checks), analysis = plain(m.analysis),
    rules = plain(m.normalise), source = plain(m.source),
    definition = m.definition, expected = m.expected, history = m.history, mocks = m.mocks,
  }
  return case
end

---------------------------------------------------------------- features

-- Every state of a definition (ojson), nested ones included: list of {name, state}.
local function states_of(def, out)
  out = out or {}
  if ojson.kind(def) ~= "object" then return out end
  local states = def.map.States
  if not states or ojson.kind(states) ~= "object" then return out end
  for _, name in ipairs(states.keys) do
    local st = states.map[name]
    if ojson.kind(st) == "object" then
      out[#out + 1] = { name = name, state = st }
      local branches = st.map.Branches
      if branches and ojson.kind(branches) == "array" then
        for i = 1, branches.n do states_of(branches[i], out) end
      end
      if st.map.Iterator then states_of(st.map.Iterator, out) end
      if st.map.ItemProcessor then states_of(st.map.ItemProcessor, out) end
    end
  end
  return out
end
M.states_of = states_of

-- Features a case uses, with the rule that spots them (the report counts cases per feature;
-- conformance_spec.lua skips those the engine does not run yet).
M.feature_order = { "JSONata", "Assign", "Output", "Arguments", "Parallel", "Map", "distributed",
                    "Retry", "Catch", "callback", "activity", "timeout", "Credentials", "test_state" }

-- The out-of-scope features a case uses: sorted list of names (empty = runnable).
function M.features(case)
  local f = {}
  local an = case.analysis or {}
  local feats = {}
  for _, x in ipairs(an.features or {}) do feats[x] = true end
  for _, q in ipairs(an.query_languages or {}) do if q == "JSONata" then f.JSONata = true end end
  if feats.jsonata_expr then f.JSONata = true end
  if feats["field:Assign"] then f.Assign = true end
  if feats["field:Output"] then f.Output = true end
  if feats["field:Arguments"] then f.Arguments = true end
  if feats["type:Parallel"] then f.Parallel = true end
  if feats["type:Map"] or feats["map:inline"] then f.Map = true end
  if feats["map:distributed"] then f.distributed = true end
  if feats["field:Retry"] then f.Retry = true end
  if feats["field:Catch"] then f.Catch = true end
  if case.kind == "test_state" then f.test_state = true end
  for _, r in ipairs(an.resources or {}) do
    if r:match("%.waitForTaskToken$") then f.callback = true end
    if r:match(":activity:") or r:match("create_activity") then f.activity = true end
  end
  local def = case.definition
  if ojson.kind(def) == "object" then
    if def.map.QueryLanguage == "JSONata" then f.JSONata = true end
    if def.map.TimeoutSeconds ~= nil then f.timeout = true end
    for _, s in ipairs(states_of(def)) do
      local st = s.state.map
      if st.QueryLanguage == "JSONata" then f.JSONata = true end
      if st.Assign ~= nil then f.Assign = true end
      if st.Output ~= nil then f.Output = true end
      if st.Arguments ~= nil then f.Arguments = true end
      if st.Type == "Parallel" then f.Parallel = true end
      if st.Type == "Map" then f.Map = true end
      if st.ItemReader ~= nil or st.ResultWriter ~= nil or st.ItemBatcher ~= nil
          or st.ToleratedFailurePercentage ~= nil or st.ToleratedFailureCount ~= nil
          or st.ToleratedFailurePercentagePath ~= nil or st.ToleratedFailureCountPath ~= nil then
        f.distributed = true
      end
      if st.ItemProcessor and ojson.kind(st.ItemProcessor) == "object" then
        local cfg = st.ItemProcessor.map.ProcessorConfig
        if cfg and ojson.kind(cfg) == "object" and cfg.map.Mode == "DISTRIBUTED" then f.distributed = true end
      end
      if st.Retry ~= nil then f.Retry = true end
      if st.Catch ~= nil then f.Catch = true end
      if st.TimeoutSeconds ~= nil or st.TimeoutSecondsPath ~= nil or st.HeartbeatSeconds ~= nil
          or st.HeartbeatSecondsPath ~= nil then
        f.timeout = true
      end
      if st.Credentials ~= nil then f.Credentials = true end
      local res = st.Resource
      if type(res) == "string" then
        if res:match("%.waitForTaskToken$") then f.callback = true end
        if res:match(":activity:") or res:match("create_activity") then f.activity = true end
      end
    end
  end
  local out = {}
  for _, name in ipairs(M.feature_order) do if f[name] then out[#out + 1] = name end end
  return out
end

---------------------------------------------------------------- mocks

-- Convert an ojson value to the Lua value the engine takes: through
-- sfn.json when it is there (exact int64, arrays that stay arrays), else
-- built with sfn.core's null and array metatable.
local function to_lua(v)
  local ok, sjson = pcall(require, "sfn.json")
  if ok and type(sjson) == "table" and sjson.decode then
    local r, err = sjson.decode(ojson.encode(v))
    if r == nil and err ~= nil then error("sfn.json.decode: " .. tostring(err and err.message or err)) end
    return r
  end
  local core = require "sfn.core"
  local function conv(x)
    local k = ojson.kind(x)
    if k == "object" then
      local t = {}
      for _, key in ipairs(x.keys) do t[key] = conv(x.map[key]) end
      return t
    elseif k == "array" then
      local t = setmetatable({}, core.array_mt)
      for i = 1, x.n do t[i] = conv(x[i]) end
      return t
    elseif k == "number" then
      local n = tonumber(x.text)
      if math.tointeger and x.text:match("^%-?%d+$") then n = math.tointeger(n) or n end
      return n
    elseif k == "null" then
      return core.null
    end
    return x
  end
  return conv(v)
end
M.to_lua = to_lua

-- The Task states the execution reaches: from the recorded history when
-- there is one, else every Task state of the definition.
local function reached_tasks(case)
  local tasks, order = {}, {}
  for _, s in ipairs(states_of(case.definition)) do
    if s.state.map.Type == "Task" and not tasks[s.name] then
      tasks[s.name] = true
      order[#order + 1] = s.name
    end
  end
  if ojson.kind(case.history) == "array" then
    local entered = {}
    for i = 1, case.history.n do
      local ev = case.history[i]
      local d = ev.map.stateEnteredEventDetails
      if ev.map.type == "TaskStateEntered" and d and ojson.kind(d) == "object" then
        entered[d.map.name] = true
      end
    end
    local out = {}
    for _, name in ipairs(order) do if entered[name] then out[#out + 1] = name end end
    return out
  end
  return order
end

-- The case's recorded task results as the engine's `mocks` option:
-- { [state] = { {Return = v} | {Throw = {Error =, Cause =}} ... } }, or
-- nil, "no mock for state X".
function M.mocks(case)
  local rec = case.mocks
  local have = ojson.kind(rec) == "object" and rec or nil
  for _, name in ipairs(reached_tasks(case)) do
    if not have or not have.map[name] then return nil, "no mock for state " .. name end
  end
  local out = {}
  if not have then return out end
  for _, name in ipairs(have.keys) do
    local list = have.map[name]
    local responses = {}
    for i = 1, list.n do
      local r = list[i].map.result
      if r == nil or ojson.kind(r) ~= "object" then return nil, "no mock for state " .. name end
      if r.map.output ~= nil then
        local v = r.map.output
        if type(v) == "string" then
          local parsed = ojson.decode(v)
          if parsed ~= nil then v = parsed end
        end
        responses[#responses + 1] = { Return = to_lua(v) }
      else
        local throw = {}
        local e, c = r.map.error, r.map.cause
        if type(e) == "string" then throw.Error = e end
        if c ~= nil and c ~= ojson.null then
          -- the recorder parsed a JSON cause; write it back as AWS passed it
          -- on: a Lambda function's own error text (the legacy
          -- arn:aws:lambda resource, Python runtime) has ", " and ": "
          -- separators; service integrations write compact JSON
          if type(c) == "string" then
            throw.Cause = c
          elseif list[i].map.event == "LambdaFunctionScheduled" then
            throw.Cause = ojson.encode_py(c)
          else
            throw.Cause = ojson.encode(c)
          end
        end
        responses[#responses + 1] = { Throw = throw }
      end
    end
    out[name] = responses
  end
  return out
end

return M
