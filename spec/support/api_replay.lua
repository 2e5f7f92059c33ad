-- spec/support/api_replay.lua: replaying the recorded API cases
-- (spec/fixtures/asl-conformance-api/{api,test_state,validate}) against
-- sfn.local_service, and judging the answer against AWS's recording.
--
-- Each recorded case is one call taken out of a LocalStack test; the calls
-- before it (creating the state machine, publishing versions, starting the
-- execution ...) are not recorded with it.  replay() rebuilds that context
-- in a fresh service from what the case and the other cases of the same test
-- say (the state machine's name, definition, role and type; version and
-- alias qualifiers; execution names and inputs; activities), makes the call,
-- and returns the answer.  judge() normalises the answer with the case's own
-- rules (spec/support/normalise.lua) and compares it with the recording:
-- LocalStack's placeholders (`<ArnPart_0idx>`, `<uuid:2>`, `datetime`,
-- `activity_arn`, ...) match any value; everything else must be equal.
-- Errors compare code and message.  A recorded botocore client-side
-- "Parameter validation failed" (the request never reached AWS) matches
-- when the service refuses the request too.
local ojson = require "support.ojson"
local normalise = require "support.normalise"
local json = require "sfn.json"
local sfn = require "sfn"

local M = {}

local ACCOUNT, REGION = "111111111111", "us-east-1"
local ROLE = "arn:aws:iam::111111111111:role/sfn_role_fake0001"
local PASS = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function list_dir(dir)
  local names = {}
  local p = io.popen('ls "' .. dir .. '"')
  for name in p:lines() do
    if name:match("%.json$") then names[#names + 1] = name end
  end
  p:close()
  table.sort(names)
  return names
end

-- A plain Lua value (sfn.json's shapes: json.array_mt marks arrays, json.null)
-- as ojson, objects with sorted keys.
function M.to_ojson(v)
  local t = type(v)
  if t == "table" then
    if getmetatable(v) == json.array_mt or (v[1] ~= nil) then
      local a = ojson.array()
      for i = 1, #v do ojson.push(a, M.to_ojson(v[i])) end
      return a
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    local o = ojson.object()
    for _, k in ipairs(keys) do ojson.set(o, k, M.to_ojson(v[k])) end
    return o
  end
  return ojson.from_lua(v)
end

-- All cases of a kind ("api", "test_state", "validate"): list of
-- { path, id, test_id, key, op, raised, request (plain), expected (ojson),
--   normalise (plain), doc (plain) }.
function M.load(root, kind)
  local out = {}
  for _, name in ipairs(list_dir(root .. "/" .. kind)) do
    local path = root .. "/" .. kind .. "/" .. name
    local text = readfile(path)
    local doc = assert(json.decode(text))
    -- ojson (Python's strict json.loads) refuses raw control characters that
    -- a few files hold; those go through sfn.json (key order is not needed
    -- for the comparison)
    local o = ojson.decode(text) or M.to_ojson(doc)
    local req = doc.request
    req.definition_parsed = nil
    out[#out + 1] = {
      path = path, id = doc.id, test_id = doc.source.test_id, key = doc.source.snapshot_keys[1],
      op = doc.operation, raised = doc.raised, request = req, doc = doc,
      expected = o.map.expected_response, normalise = doc.normalise,
    }
  end
  return out
end

-- Cases grouped by test id.
function M.groups(cases)
  local g = {}
  for _, c in ipairs(cases) do
    g[c.test_id] = g[c.test_id] or {}
    table.insert(g[c.test_id], c)
  end
  return g
end

---------------------------------------------------------------------------
-- rebuilding the context
---------------------------------------------------------------------------

local function is_stub(s)
  return type(s) == "string" and (s:find("<stub:", 1, true) ~= nil or s:find("[()>]") ~= nil)
end

-- The value a placeholder of the case's normalisation stands for (a regex
-- rule replacing a literal, e.g. the role ARN -> "snf_role_arn_t2").
local function unmask(case, placeholder)
  for _, r in ipairs(case.normalise) do
    if r.type == "regex" and r.replacement == placeholder and not r.pattern:find("[%[%(%*%+%?]") then
      return (r.pattern:gsub("\\(.)", "%1"))
    end
  end
  return nil
end

local LOG_GROUP = "arn:aws:logs:us-east-1:111111111111:log-group:log_group_name:*"

-- A request's loggingConfiguration with LocalStack's stubs replaced.
local function logging_of(l)
  if l == nil then return nil end
  local text = json.encode(l):gsub('"<stub:[^"]*>"', '"' .. LOG_GROUP .. '"')
  return json.decode(text)
end

local function ok(res, err)
  if res == nil then error("setup failed: " .. tostring(err and err.code) .. ": " .. tostring(err and err.message), 2) end
  return res
end

local function arn_parts(arn)
  if type(arn) ~= "string" or arn:sub(1, 4) ~= "arn:" or is_stub(arn) then return nil end
  local p = {}
  for x in (arn .. ":"):gmatch("([^:]*):") do p[#p + 1] = x end
  return p
end

-- The state machine creation request the test used (from its cases).
local function creation(case, group)
  local best
  for _, c in ipairs(group) do
    if c.op == "create_state_machine" and not c.raised then
      if not best or c.request.name == case.request.name then best = c.request end
    end
  end
  return best
end

-- A definition recorded in a describe answer of the group.
local function described_definition(group)
  for _, c in ipairs(group) do
    if (c.op == "describe_state_machine" or c.op == "describe_state_machine_for_execution") and not c.raised then
      local d = c.expected.map and c.expected.map.definition
      if d and ojson.kind(d) == "object" then return ojson.encode(d) end
    end
  end
  return nil
end

local function start_input(group, name, key)
  local prefix = key and key:match("^(.-)__")
  if prefix then
    for _, c in ipairs(group) do
      if c.op == "start_execution" and c.request.input and c.key:match("^(.-)__") == prefix then
        return c.request.input
      end
    end
    for _, c in ipairs(group) do
      if c.op == "describe_execution" and not c.raised and c.key:match("^(.-)__") == prefix then
        local v = c.expected.map.input
        if v and ojson.kind(v) == "object" then return ojson.encode(v) end
      end
    end
  end
  for _, c in ipairs(group) do
    if c.op == "start_execution" and c.request.input and (c.request.name == name or not c.request.name) then
      return c.request.input
    end
  end
  for _, c in ipairs(group) do
    if c.op == "describe_execution" and not c.raised and c.expected.map and c.expected.map.input then
      local v = c.expected.map.input
      if ojson.kind(v) == "object" then return ojson.encode(v) end
    end
  end
  return "{}"
end

-- Make the state machine `name` exist (with versions up to `versions`).
local shape_machine

local function ensure_machine(svc, case, group, name, versions)
  local arn = "arn:aws:states:" .. REGION .. ":" .. ACCOUNT .. ":stateMachine:" .. name
  local have = svc:describe_state_machine{ stateMachineArn = arn }
  if not have then
    local cr = creation(case, group) or {}
    local def = cr.definition or described_definition(group) or PASS
    local req = { name = name, definition = def, roleArn = cr.roleArn or ROLE, type = cr.type,
                  loggingConfiguration = logging_of(cr.loggingConfiguration), tracingConfiguration = cr.tracingConfiguration }
    local res, err = svc:create_state_machine(req)
    if not res then
      req.definition = PASS
      req.loggingConfiguration = nil
      res = ok(svc:create_state_machine(req))
    end
  end
  local l = ok(svc:list_state_machine_versions{ stateMachineArn = arn })
  local n = #l.stateMachineVersions
  while n < (versions or 0) do
    local d = ok(svc:describe_state_machine{ stateMachineArn = arn })
    if n > 0 then
      local def = json.decode(d.definition)
      def.Comment = (def.Comment or "") .. " "
      ok(svc:update_state_machine{ stateMachineArn = arn, definition = json.encode(def) })
    end
    ok(svc:publish_state_machine_version{ stateMachineArn = arn })
    n = n + 1
  end
  return arn
end

local function ensure_alias(svc, sm_arn, alias, group, case)
  local arn = sm_arn .. ":" .. alias
  if not svc:describe_state_machine_alias{ stateMachineAliasArn = arn } then
    local req = { name = alias, routingConfiguration = { { stateMachineVersionArn = sm_arn .. ":1", weight = 100 } } }
    for _, c in ipairs(group or {}) do
      if c.op == "create_state_machine_alias" and not c.raised and c.request.name == alias then
        req.description = c.request.description
        local rc = c.request.routingConfiguration
        if type(rc) == "table" and rc[1] and not is_stub(rc[1].stateMachineVersionArn) then
          local ok_all = true
          for _, r in ipairs(rc) do
            local name, v = tostring(r.stateMachineVersionArn):match(":stateMachine:([^:]+):(%d+)$")
            if name then ensure_machine(svc, case, group, name, tonumber(v)) else ok_all = false end
          end
          if ok_all then req.routingConfiguration = rc end
        end
      end
    end
    ok(svc:create_state_machine_alias(req))
  end
  return arn
end

-- Resolve a state machine (or qualified) ARN of the request: make it exist.
local function ensure_sm_arn(svc, case, group, arn, create_alias)
  local p = arn_parts(arn)
  if not p or p[6] ~= "stateMachine" or not p[7] then return end
  local q = p[8]
  local vn = q and q:match("^%d+$") and tonumber(q)
  local sm = ensure_machine(svc, case, group, p[7], vn or (q and 1) or 0)
  if q and not vn and create_alias then ensure_alias(svc, sm, q, group, case) end
end

local function stub_machine(svc, case, group)
  local cr = creation(case, group)
  local name = cr and cr.name or "state_machine"
  return ensure_machine(svc, case, group, name, 0)
end

local function ensure_execution(svc, case, group, arn)
  local p = arn_parts(arn)
  if not p or p[6] ~= "execution" or not p[8] then return end
  local sm = ensure_machine(svc, case, group, p[7], 0)
  if not svc:describe_execution{ executionArn = arn } then
    svc:start_execution{ stateMachineArn = sm, name = p[8], input = start_input(group, p[8], case.key) }
  end
end

local function activity_name(group)
  for _, c in ipairs(group) do
    if c.op == "create_activity" and not c.raised then return c.request.name end
  end
  return "activity"
end

-- DescribeStateMachine: bring the machine (or version) to the state the
-- recorded answer shows: its definition, role, logging, description and
-- whether it was updated (revisionId).
function shape_machine(svc, case, arn) -- luacheck: ignore
  local e = case.expected.map
  if not e or not e.definition or ojson.kind(e.definition) ~= "object" then return end
  local base = arn:match("^(.-:stateMachine:[^:]+)")
  local name = base:match(":stateMachine:(.*)$")
  local version = arn:match(":stateMachine:[^:]+:(%d+)$")
  local old = svc.machines[base]
  local mtype = old and old.type or nil
  svc:delete_state_machine{ stateMachineArn = base }
  local logging
  if e.loggingConfiguration then logging = logging_of(json.decode(ojson.encode(e.loggingConfiguration))) end
  local def = ojson.encode(e.definition)
  local first = def
  if e.revisionId then
    local d = json.decode(def)
    d.Comment = (d.Comment or "") .. "~"
    first = json.encode(d)
  end
  ok(svc:create_state_machine{ name = name, definition = first, roleArn = ROLE, type = mtype,
                               loggingConfiguration = logging })
  if e.revisionId then ok(svc:update_state_machine{ stateMachineArn = base, definition = def }) end
  if version then
    svc.machines[base].next_version = tonumber(version)
    ok(svc:publish_state_machine_version{ stateMachineArn = base,
      description = type(e.description) == "string" and e.description or nil })
  end
end

-- Rebuild the case's context in svc; returns the request to send.
local function setup(svc, case, group)
  local req = {}
  for k, v in pairs(case.request) do req[k] = v end
  local op, key = case.op, case.key or ""
  if req.loggingConfiguration then req.loggingConfiguration = logging_of(req.loggingConfiguration) end
  if op == "update_state_machine" and not case.raised then
    local p = arn_parts(req.stateMachineArn)
    local cr = creation(case, group) or {}
    local changes = case.expected.map and case.expected.map.revisionId ~= nil
    local def = (not changes and req.definition) or cr.definition or PASS
    local role = req.roleArn or cr.roleArn or ROLE
    if changes and not (req.definition and req.definition ~= def) then role = ROLE .. "_before" end
    ok(svc:create_state_machine{ name = p[7], definition = def, roleArn = role, type = cr.type })
    if req.publish and key:match("_2$") then svc:publish_state_machine_version{ stateMachineArn = req.stateMachineArn } end
    return req
  end
  if op == "create_state_machine" then
    if key:match("_2$") or key:match("duplicate") then
      for _, c in ipairs(group) do
        if c.op == "create_state_machine" and c ~= case and not c.raised and c.request.name == req.name then
          svc:create_state_machine(c.request)
          break
        end
      end
    end
    return req
  end
  if op == "create_activity" then
    if key:match("duplicate") then svc:create_activity{ name = req.name } end
    return req
  end
  if req.activityArn and is_stub(req.activityArn) then
    local name = activity_name(group)
    local arn = "arn:aws:states:" .. REGION .. ":" .. ACCOUNT .. ":activity:" .. name
    if not (key:match("no_such") or key:match("_2$")) then svc:create_activity{ name = name } end
    req.activityArn = arn
  end
  if op == "list_activities" then
    local exp = case.expected.map and case.expected.map.activities
    for i = 1, exp and exp.n or 0 do svc:create_activity{ name = "activity_" .. (i - 1) } end
  end
  for _, f in ipairs{ "stateMachineArn", "resourceArn", "stateMachineVersionArn", "stateMachineAliasArn" } do
    local v = req[f]
    if is_stub(v) then
      req[f] = stub_machine(svc, case, group)
    elseif v then
      local create_alias = not (op == "create_state_machine_alias")
      local missing = key:match("nonexistent") or key:match("no_such") or (case.raised and case.id:match("no_such"))
      if not (op:match("^describe") and case.raised) and not missing then
        ensure_sm_arn(svc, case, group, v, create_alias)
      end
    end
  end
  if req.routingConfiguration then
    for _, r in ipairs(req.routingConfiguration) do
      ensure_sm_arn(svc, case, group, r.stateMachineVersionArn, false)
    end
  end
  if op == "describe_state_machine_alias" and not case.raised and case.expected.map then
    if key:match("update_routing") then
      for _, c in ipairs(group) do
        if c.op == "update_state_machine_alias" and not c.raised and c.request.routingConfiguration then
          for _, r in ipairs(c.request.routingConfiguration) do
            ensure_sm_arn(svc, case, group, r.stateMachineVersionArn, false)
          end
          svc:update_state_machine_alias{ stateMachineAliasArn = req.stateMachineAliasArn,
                                          routingConfiguration = c.request.routingConfiguration }
        end
      end
    end
    local d = case.expected.map.description
    if type(d) == "string" then
      svc:update_state_machine_alias{ stateMachineAliasArn = req.stateMachineAliasArn, description = d }
    end
  end
  if op == "list_tags_for_resource" and not case.raised then
    for _, c in ipairs(group) do
      if c.op == "tag_resource" and not c.raised then
        svc:tag_resource{ resourceArn = req.resourceArn, tags = c.request.tags }
      end
    end
    for _, c in ipairs(group) do
      if c.op == "untag_resource" and not c.raised and key:match("list_resources_res") then
        svc:untag_resource{ resourceArn = req.resourceArn, tagKeys = c.request.tagKeys }
      end
    end
    local exp = case.expected.map and case.expected.map.tags
    if exp and exp.n > 0 and #(svc:list_tags_for_resource{ resourceArn = req.resourceArn }.tags) == 0 then
      local tags = {}
      for i = 1, exp.n do tags[i] = { key = exp[i].map.key, value = exp[i].map.value } end
      svc:tag_resource{ resourceArn = req.resourceArn, tags = tags }
    end
  end
  if op == "create_state_machine_alias" and key:match("not_idempotent") then
    svc:create_state_machine_alias{ name = req.name, description = "another description",
      routingConfiguration = req.routingConfiguration }
  end
  if op == "create_state_machine_alias" and case.raised and key:match("conflict") then
    svc:create_state_machine_alias{ name = req.name, routingConfiguration = {
      { stateMachineVersionArn = req.routingConfiguration[1].stateMachineVersionArn, weight = 100 } } }
  end
  if req.executionArn then
    if is_stub(req.executionArn) or req.executionArn:find("deploy_cfn_template", 1, true) then
      local sm = stub_machine(svc, case, group)
      local name = req.executionArn:match(":([^:]+)$") or "exec"
      svc:start_execution{ stateMachineArn = sm, name = name, input = start_input(group, name, case.key) }
      req.executionArn = sm:gsub(":stateMachine:", ":execution:") .. ":" .. name
    elseif not case.raised then
      ensure_execution(svc, case, group, req.executionArn)
    end
  end
  if op == "describe_state_machine" and not case.raised then
    shape_machine(svc, case, req.stateMachineArn)
  end
  if (op == "list_state_machine_aliases" or op == "list_state_machine_versions") and not case.raised then
    local field = op == "list_state_machine_aliases" and "stateMachineAliases" or "stateMachineVersions"
    local exp = case.expected.map and case.expected.map[field]
    local n = exp and exp.n or 0
    if case.expected.map and case.expected.map.nextToken then n = n + 1 end
    for i = 1, exp and exp.n or 0 do
      local x = exp[i].map and exp[i].map.stateMachineVersionArn
      local v = type(x) == "string" and tonumber(x:match(":(%d+)$"))
      if v and v > n then n = v end
    end
    ensure_machine(svc, case, group, req.stateMachineArn:match("stateMachine:([^:]+)"), n)
    if op == "list_state_machine_aliases" then
      for i = 1, n do
        local x = exp and exp[i] and exp[i].map.stateMachineAliasArn
        local alias = type(x) == "string" and x:match(":([^:]+)$") or ("alias-" .. i)
        alias = alias:gsub("state_machine_alias_base_name", "alias"):gsub("state_machine_alias_name", "alias")
        svc:create_state_machine_alias{ name = alias,
          routingConfiguration = { { stateMachineVersionArn = req.stateMachineArn .. ":1", weight = 100 } } }
      end
    end
  end
  if op == "list_executions" and not case.raised then
    local exp = case.expected.map and case.expected.map.executions
    local n = exp and exp.n or 0
    if case.expected.map and case.expected.map.nextToken then n = n + 1 end
    local page = is_stub(req.nextToken) and req.maxResults or 0
    for i = 1, n + page do svc:start_execution{ stateMachineArn = req.stateMachineArn, name = "exec_" .. i } end
    if page > 0 then
      -- the recorded call asked for the second page: fetch the first one
      req.nextToken = ok(svc:list_executions{ stateMachineArn = req.stateMachineArn, maxResults = page }).nextToken
    end
  end
  if op == "publish_state_machine_version" and not case.raised then
    local v = tonumber(key:match("^publish_v(%d+)$"))
    if v and v > 1 then
      -- versions 1..v-1 exist, and the definition changed since the last one
      local arn = ensure_machine(svc, case, group, req.stateMachineArn:match("stateMachine:([^:]+)"), v - 1)
      local def = json.decode(ok(svc:describe_state_machine{ stateMachineArn = arn }).definition)
      def.Comment = (def.Comment or "") .. " "
      ok(svc:update_state_machine{ stateMachineArn = arn, definition = json.encode(def) })
    end
  end
  if op == "test_state" and type(req.mock) == "table" and type(req.mock.result) == "string"
      and req.mock.result:find("<stub:", 1, true) and case.expected.map then
    -- a mocked result holding a LocalStack stub: the recorded output shows
    -- the value the mock passed through under the same key
    local function find_key(v, k)
      local kind = ojson.kind(v)
      if kind == "object" then
        if v.map[k] ~= nil and type(v.map[k]) == "string" then return v.map[k] end
        for _, name in ipairs(v.keys) do
          local x = find_key(v.map[name], k)
          if x then return x end
        end
      elseif kind == "array" then
        for i = 1, v.n do
          local x = find_key(v[i], k)
          if x then return x end
        end
      end
      return nil
    end
    local mock = {}
    for k, v in pairs(req.mock) do mock[k] = v end
    req.mock = mock
    mock.result = req.mock.result:gsub('"([%w_]+)"%s*:%s*"(<stub:[^"]*>)"', function(k, stub)
      local v = find_key(case.expected.map.output or ojson.object(), k)
      if not v then return nil end
      v = v:gsub("arn:<partition>:", "arn:aws:"):gsub("<region>", REGION)
      return '"' .. k .. '": "' .. v .. '"'
    end)
  end
  if op == "start_execution" and case.raised and key:match("already_exists") then
    svc:start_execution{ stateMachineArn = req.stateMachineArn, name = req.name, input = "{}" }
  end
  return req
end
M.setup = setup

-- Replay one case: { ok = response } or { err = err }.
function M.replay(case, group)
  local svc = sfn.local_service{ account = ACCOUNT, region = REGION, poll_seconds = 0 }
  local okp, req = pcall(setup, svc, case, group)
  if not okp then return { setup_error = tostring(req) } end
  local res, err = svc[case.op](svc, req)
  if res == nil then return { err = err } end
  return { ok = res }
end

---------------------------------------------------------------------------
-- judging
---------------------------------------------------------------------------

local WHOLE = { datetime = true, timestamp = true, date = true, ["creation-date"] = true,
  ["start-date"] = true, ["stop-date"] = true }
local WORDS = { "state_machine_alias_base_name", "state_machine_alias_name", "activity_arn", "activity_name",
  "snf_role_arn", "sfn_role_arn", "state_machine_role_arn" }

local function pattern_of(s)
  local out, i = {}, 1
  local n = #s
  while i <= n do
    local a, b = s:find("<[^<>]*>", i)
    local wa, wb, wlen
    for _, w in ipairs(WORDS) do
      local x = s:find(w, i, true)
      if x and (not wa or x < wa) then wa, wb = x, x + #w - 1 end
    end
    if wa and (not a or wa < a) then a, b = wa, wb end
    if not a then
      out[#out + 1] = s:sub(i):gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
      break
    end
    out[#out + 1] = s:sub(i, a - 1):gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    out[#out + 1] = ".-"
    i = b + 1
  end
  return "^" .. table.concat(out) .. "$"
end

local function has_placeholder(s)
  if s:find("<[^<>]*>") then return true end
  for _, w in ipairs(WORDS) do if s:find(w, 1, true) then return true end end
  return false
end

-- Members AWS added to its answers after some cases were recorded: a
-- recording older than the feature cannot show them, so there they are not
-- counted as unexpected.  (Redrive: 2023-11-15; encryption configuration:
-- 2024-07; the recordings here show it from 2024-11 on.)
local LATER = {
  { date = "2023-11-15", keys = { redriveCount = true, redriveStatus = true, redriveStatusReason = true,
                                  redriveDate = true } },
  { date = "2024-07-01", keys = { encryptionConfiguration = true } },
}

local function later_keys(case)
  local src = case.doc.source
  local d = src.last_validated_date
  if type(d) ~= "string" then
    local dd, mm, yy = tostring(src.recorded_date):match("^(%d%d)%-(%d%d)%-(%d%d%d%d)")
    d = dd and (yy .. "-" .. mm .. "-" .. dd) or ""
  end
  local out = {}
  for _, f in ipairs(LATER) do
    if d < f.date then for k in pairs(f.keys) do out[k] = true end end
  end
  return out
end

local extra_ok = {}

-- Does actual (ojson) match expected (ojson)?  Returns true or false, path.
local function match(a, e, path)
  local ke = ojson.kind(e)
  if ke == "string" then
    if WHOLE[e] or e:find("^snf_role_arn") or e:find("^sfn_role_arn") then
      return a ~= nil and ojson.kind(a) ~= "null", path
    end
    if ojson.kind(a) ~= "string" then return false, path end
    if a == e then return true end
    if has_placeholder(e) and a:find(pattern_of(e)) then return true end
    -- JSON text (arrays and scalars stay text after normalisation): the same
    -- document with other white space matches
    local pa, pe = ojson.decode(a), ojson.decode(e)
    if pa ~= nil and pe ~= nil and (ojson.kind(pe) == "array" or ojson.kind(pe) == "object") then
      return match(pa, pe, path)
    end
    return false, path
  end
  local ka = ojson.kind(a)
  if ke == "object" then
    if ka ~= "object" then return false, path end
    for _, k in ipairs(e.keys) do
      if k ~= "ResponseMetadata" then
        if a.map[k] == nil then return false, path .. "." .. k .. " (absent)" end
        local r, p = match(a.map[k], e.map[k], path .. "." .. k)
        if not r then return false, p end
      end
    end
    for _, k in ipairs(a.keys) do
      if e.map[k] == nil and not extra_ok[k] then return false, path .. "." .. k .. " (unexpected)" end
    end
    return true
  elseif ke == "array" then
    if ka ~= "array" or a.n ~= e.n then return false, path end
    for i = 1, e.n do
      local r, p = match(a[i], e[i], path .. "[" .. (i - 1) .. "]")
      if not r then return false, p end
    end
    return true
  end
  if ojson.equal(a, e) then return true end
  return false, path
end
M.match = match

-- The recorded error: code, message (or code "ParamValidationError").
local function recorded_error(e)
  local k = ojson.kind(e)
  if k == "string" then
    if e:find("^Parameter validation failed") then return "ParamValidationError", e end
    local code, msg = e:match("^An error occurred %(([%w%.]+)%) when calling the %w+ operation: (.*)$")
    return code, msg
  end
  if e.map.Error then return e.map.Error.map.Code, e.map.Error.map.Message end
  local v = e.map.exception_value
  local code = e.map.exception_typename
  if type(v) == "string" then
    if v:find("^Parameter validation failed") then return "ParamValidationError", v end
    local msg = v:match("^An error occurred %([%w%.]+%) when calling the %w+ operation: (.*)$")
    return code, msg or v
  end
  return code, nil
end

-- The case's rules that the normaliser can apply (a few regex rules of
-- LocalStack's use replacement templates pyregex does not take; they only
-- mask request ids, which the local service's answers do not hold).
local pyregex = require "support.pyregex"
local function usable_rules(rules)
  local out = {}
  for _, r in ipairs(rules) do
    if r.type ~= "regex" or pcall(function() return pyregex.get(r.pattern):sub("x", r.replacement) end) then
      out[#out + 1] = r
    end
  end
  return out
end

-- judge(case, answer) -> true | false, reason
function M.judge(case, ans)
  if ans.setup_error then return false, "setup: " .. ans.setup_error end
  if case.raised then
    local code, msg = recorded_error(case.expected)
    if not ans.err then return false, "expected error " .. tostring(code) .. ", got a response" end
    if code == "ParamValidationError" then
      if ans.err.code == "ValidationException" or ans.err.code == "SerializationException" then return true end
      return false, "client-side validation error expected, got " .. ans.err.code
    end
    if ans.err.code ~= code then
      return false, "code " .. tostring(ans.err.code) .. " ~= " .. tostring(code) .. " (" .. tostring(ans.err.message) .. ")"
    end
    local actual = normalise.apply({ m = ans.err.message }, usable_rules(case.normalise))
    local r = match(actual.map.m, msg, "$")
    if not r then return false, "message: " .. tostring(actual.map.m) .. "  ~=  " .. tostring(msg) end
    return true
  end
  if ans.err then return false, "error " .. ans.err.code .. ": " .. tostring(ans.err.message) end
  local actual = normalise.apply(M.to_ojson(ans.ok), usable_rules(case.normalise))
  extra_ok = later_keys(case)
  local r, p = match(actual, case.expected, "$")
  if not r then
    return false, "at " .. tostring(p) .. ": got " .. ojson.encode(actual):sub(1, 400)
  end
  return true
end

return M
