-- spec/conformance_spec.lua: run the execution cases recorded on real AWS
-- (spec/fixtures/asl-conformance, see its README.md) through sfn.machine and
-- compare, after the README's normalisation, the result (status, output,
-- error, cause) and the recorded history (event types, then event details).
--
-- One `it` per case, named by its id.  Cases that need a feature a later
-- issue brings (callbacks, activities, distributed Map, Credentials, ...) or a task result that was not
-- recorded are reported as pending with the reason; ids listed in
-- spec/fixtures/conformance-known-failures.txt ("<id> <reason>") are pending
-- while they fail.  A table of figures per category is printed at the end
-- and written to build/conformance-report.txt.
--
-- Beyond the README's algorithm, to compare what can be compared: the
-- recorder's jsonpath rules are applied (value replacements, e.g. a random
-- number -> "RandomNumberGenerated"), and where the recorded history shows
-- that AWS was started with another input (checks.input_matches_recorded
-- false) or a role ARN the recorder masked differently, the execution is
-- started with the recorded ones; the report lists those cases.  Each case
-- starts its virtual clock at the case's recorded date.
local ojson = require "support.ojson"
local normalise = require "support.normalise"
local cases = require "support.cases"

local have_sfn, sfn = pcall(require, "sfn")

-- The engine runs Retry, Catch, task timeouts, Parallel, Map, workflow variables (Assign) and JSONata
-- states (Output, Arguments), so their cases run.  SFN_CONFORMANCE_RUN="callback" runs the cases of
-- further features that are otherwise skipped (names as in the report), for an engine that has them.
local RUN_ANYWAY = { Retry = true, Catch = true, timeout = true, Parallel = true, Map = true,
                     JSONata = true, Assign = true, Output = true, Arguments = true }
for name in (os.getenv("SFN_CONFORMANCE_RUN") or ""):gmatch("[^,%s]+") do RUN_ANYWAY[name] = true end

local KNOWN_FILE = "spec/fixtures/conformance-known-failures.txt"
local REPORT_FILE = "build/conformance-report.txt"

local function load_known()
  local known = {}
  local f = io.open(KNOWN_FILE, "r")
  if not f then return known end
  for line in f:lines() do
    local id, reason = line:match("^%s*(%S+)%s*(.-)%s*$")
    if id and id:sub(1, 1) ~= "#" then known[id] = reason ~= "" and reason or "known failure" end
  end
  f:close()
  return known
end

-- LocalStack's recorded-date ("DD-MM-YYYY, HH:MM:SS", UTC) as epoch seconds.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function recorded_epoch(case)
  local s = case.source and case.source.recorded_date
  local d, mo, y, h, mi, se = tostring(s):match("^(%d+)%-(%d+)%-(%d+), (%d+):(%d+):(%d+)$")
  if not d then return 1700000000 end
  return days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + tonumber(h) * 3600
    + tonumber(mi) * 60 + tonumber(se)
end

---------------------------------------------------------------- figures

local stats = { categories = {}, order = {}, features = {}, detail_keys = {}, failing = {},
                known_passing = {}, no_mock = {}, recorded_start = {}, total = 0 }

---------------------------------------------------------------- comparison

local function short(s, n)
  n = n or 160
  s = tostring(s)
  if #s > n then return s:sub(1, n) .. "..." end
  return s
end

local RESULT_FIELDS = { "status", "output", "error", "cause" }

-- Compare the run's status/output/error/cause with case.expected.
-- Returns ok, list of problem lines.
local function compare_result(case, run)
  local w = ojson.object()
  for _, k in ipairs(RESULT_FIELDS) do
    if run[k] ~= nil then ojson.set(w, k, ojson.from_lua(run[k])) end
  end
  local got = normalise.apply(w, case.result_rules, { jsonpath = true })
  local exp = case.expected.map
  local problems = {}
  for _, k in ipairs(RESULT_FIELDS) do
    local g, e = got.map[k], exp[k]
    if k == "output" and g ~= nil and e ~= nil and type(g) == "string" and
        (exp.output_text ~= nil or type(e) ~= "string") then
      -- a non-object output stays JSON text: compare it as JSON
      local parsed = ojson.decode(g)
      if parsed ~= nil then g = parsed end
    end
    if g == nil and e ~= nil then
      problems[#problems + 1] = k .. ": absent, expected " .. short(ojson.encode(e))
    elseif g ~= nil and e == nil then
      problems[#problems + 1] = k .. ": " .. short(ojson.encode(g)) .. ", expected it absent"
    elseif g ~= nil then
      local d = normalise.diff(g, e, "$", nil, 3)
      for _, x in ipairs(d) do
        problems[#problems + 1] = k .. " " .. x.path .. ": got " .. short(x.actual) .. ", expected " .. short(x.expected)
      end
    end
  end
  return #problems == 0, problems
end

-- "stateExitedEventDetails.output" from a diff path "$[3].stateExitedEventDetails.output.a.b".
local function detail_key(path)
  local rest = path:match("^%$%[%d+%]%.?(.*)$") or path
  local a, b = rest:match("^([^.%[]+)%.?([^.%[]*)")
  if not a then return rest ~= "" and rest or "(event)" end
  if b and b ~= "" and a:match("EventDetails$") then return a .. "." .. b end
  return a
end

-- Compare the run's history with the recorded one.  Returns types_ok,
-- details_ok, problem lines, the set of differing detail keys.
local function compare_history(case, run)
  local exp = case.history
  if run.history == nil then return false, false, { "history: none recorded by the engine" }, {} end
  -- normalised as GetExecutionHistory's response, {"events": [...]}, which
  -- the recorder's jsonpath rules ($..events..) refer to
  local wrapped = ojson.object()
  ojson.set(wrapped, "events", ojson.from_lua(run.history))
  local got = normalise.apply(wrapped, case.rules, { jsonpath = true }).map.events
  local problems, keys = {}, {}
  local gt, et = {}, {}
  for i = 1, got.n do gt[i] = ojson.kind(got[i]) == "object" and got[i].map.type or "?" end
  for i = 1, exp.n do et[i] = exp[i].map.type end
  local checks = case.checks or {}
  if checks.history_parallel_events_reordered then
    -- LocalStack's recorder sorted the branch events of Parallel states (ids
    -- masked as [0]) and left out ParallelStateSucceeded (its id is missing
    -- from the recording): compare the event types as multisets, and the
    -- details not at all.
    local has_succeeded = false
    for _, t in ipairs(et) do if t == "ParallelStateSucceeded" then has_succeeded = true end end
    local a, b = {}, {}
    for _, t in ipairs(gt) do
      if has_succeeded or t ~= "ParallelStateSucceeded" then a[#a + 1] = t end
    end
    for _, t in ipairs(et) do b[#b + 1] = t end
    table.sort(a)
    table.sort(b)
    local same = #a == #b
    for i = 1, #a do if a[i] ~= b[i] then same = false end end
    if not same then
      problems[#problems + 1] = "history event types differ (compared as multisets: Parallel events reordered by the recorder)"
      problems[#problems + 1] = "  got:      " .. short(table.concat(a, " "), 400)
      problems[#problems + 1] = "  expected: " .. short(table.concat(b, " "), 400)
    end
    return same, same, problems, keys
  end
  local types_ok = #gt == #et
  local first
  for i = 1, math.max(#gt, #et) do
    if gt[i] ~= et[i] then types_ok = false; first = first or i end
  end
  if not types_ok then
    problems[#problems + 1] = string.format("history types differ at event %d: got %s, expected %s "
      .. "(%d events, expected %d)", first, tostring(gt[first]), tostring(et[first]), #gt, #et)
    problems[#problems + 1] = "  got:      " .. short(table.concat(gt, " "), 400)
    problems[#problems + 1] = "  expected: " .. short(table.concat(et, " "), 400)
    return false, false, problems, keys
  end
  local d = normalise.diff(got, exp, "$", nil, 1000)
  local shown = 0
  for _, x in ipairs(d) do
    local k = detail_key(x.path)
    if not keys[k] then
      keys[k] = true
      if shown < 8 then
        shown = shown + 1
        problems[#problems + 1] = "history " .. x.path .. ": got " .. short(x.actual) .. ", expected " .. short(x.expected)
      end
    end
  end
  if #d > 0 then
    local list = {}
    for k in pairs(keys) do list[#list + 1] = k end
    table.sort(list)
    table.insert(problems, 1, "history details differ in: " .. table.concat(list, ", "))
  end
  return true, #d == 0, problems, keys
end

---------------------------------------------------------------- running

-- The result's rules: the history's jsonpath rules for the
-- ExecutionSucceeded output apply to DescribeExecution's output.
local function result_rules(rules)
  local out = {}
  for _, r in ipairs(rules) do
    if r.type == "jsonpath" and r.path:match("^%$%.%.events%.%.") then
      local rest = r.path:match("^%$%.%.events%.%.executionSucceededEventDetails%.output(%..*)$")
      if rest then
        local copy = {}
        for k, v in pairs(r) do copy[k] = v end
        copy.path = "$.output" .. rest
        out[#out + 1] = copy
      end
    else
      out[#out + 1] = r
    end
  end
  return out
end

-- What the recorded history says AWS started the execution with, where
-- the case's traced input or role differ from it (checks.input_matches_recorded
-- false: a fixture's resource name leaked in as <stub:...>; a role ARN the
-- recorder masked as a resource).  Returns input text or nil, role ARN or nil.
local function recorded_start(case)
  if ojson.kind(case.history) ~= "array" or case.history.n == 0 then return nil, nil end
  local first = case.history[1]
  local d = first.map.executionStartedEventDetails
  if first.map.type ~= "ExecutionStarted" or ojson.kind(d) ~= "object" then return nil, nil end
  local input, role
  if case.checks.input_matches_recorded == false and d.map.input ~= nil then
    input = d.map.input
    input = type(input) == "string" and input or ojson.encode(input)
  end
  local r = d.map.roleArn
  if type(r) == "string" and r ~= "snf_role_arn" then
    role = r:gsub("arn:<partition>:", "arn:aws:"):gsub("<region>", case.context.region)
  end
  return input, role
end

local function run_case(case, mocks)
  local ctx = case.context
  local rec_input, rec_role = recorded_start(case)
  if rec_input or rec_role then
    stats.recorded_start[#stats.recorded_start + 1] = case.id .. ":" .. (rec_input and " input" or "")
      .. (rec_role and " roleArn" or "")
  end
  local machine, err = sfn.machine(ojson.encode(case.definition), {
    name = ctx.stateMachineName, type = case.state_machine_type,
    account = ctx.account, region = ctx.region, role_arn = rec_role or ctx.roleArn,
  })
  if not machine then
    return nil, "sfn.machine: " .. tostring(err and err.code) .. ": " .. tostring(err and err.message)
  end
  local run, rerr = machine:run(rec_input or case.input_text, {
    name = ctx.executionName, mocks = mocks, history = true, start_time = recorded_epoch(case),
  })
  if not run then
    return nil, "machine:run: " .. tostring(rerr and rerr.code) .. ": " .. tostring(rerr and rerr.message)
  end
  return run
end

local function cat_row(case)
  local exact = case.checks.expected_exact and "exact" or "inexact"
  local key = case.category
  local row = stats.categories[key]
  if not row then
    row = {}
    for _, kind in ipairs({ "exact", "inexact" }) do
      row[kind] = { cases = 0, run = 0, result = 0, hist = 0, types = 0, details = 0, feature = 0, nomock = 0 }
    end
    stats.categories[key] = row
    stats.order[#stats.order + 1] = key
  end
  return row[exact]
end

local function pad(s, n, right)
  s = tostring(s)
  if #s >= n then return s end
  if right then return string.rep(" ", n - #s) .. s end
  return s .. string.rep(" ", n - #s)
end

local function report_lines()
  local lines = {}
  local function add(s) lines[#lines + 1] = s end
  local version = (type(jit) == "table" and jit.version) or _VERSION
  add("sfn conformance report (" .. version .. "): " .. stats.total .. " execution cases from "
    .. "spec/fixtures/asl-conformance")
  add("run = executed by the engine; result = status/output/error/cause matched; hist = cases with a "
    .. "recorded history among those run;")
  add("types = history event types matched; details = history events matched in full; "
    .. "feature/nomock = skipped (needs a later feature / a task result was not recorded)")
  table.sort(stats.order)
  for _, kind in ipairs({ "exact", "inexact" }) do
    add("")
    add(kind == "exact" and "Cases with checks.expected_exact = true"
      or "Cases with checks.expected_exact = false (expected values hold placeholders)")
    local head = pad("category", 24) .. pad("cases", 7, true) .. pad("run", 6, true) .. pad("result", 8, true)
      .. pad("hist", 6, true) .. pad("types", 7, true) .. pad("details", 9, true) .. pad("feature", 9, true)
      .. pad("nomock", 8, true)
    add(head)
    local tot = { cases = 0, run = 0, result = 0, hist = 0, types = 0, details = 0, feature = 0, nomock = 0 }
    for _, cat in ipairs(stats.order) do
      local r = stats.categories[cat][kind]
      if r.cases > 0 then
        add(pad(cat, 24) .. pad(r.cases, 7, true) .. pad(r.run, 6, true) .. pad(r.result, 8, true)
          .. pad(r.hist, 6, true) .. pad(r.types, 7, true) .. pad(r.details, 9, true) .. pad(r.feature, 9, true)
          .. pad(r.nomock, 8, true))
        for k, v in pairs(r) do tot[k] = tot[k] + v end
      end
    end
    add(pad("TOTAL", 24) .. pad(tot.cases, 7, true) .. pad(tot.run, 6, true) .. pad(tot.result, 8, true)
      .. pad(tot.hist, 6, true) .. pad(tot.types, 7, true) .. pad(tot.details, 9, true) .. pad(tot.feature, 9, true)
      .. pad(tot.nomock, 8, true))
  end
  add("")
  add("Skipped by feature (a case counts once per feature it uses):")
  for _, f in ipairs(cases.feature_order) do
    if stats.features[f] then add("  " .. pad(f, 14) .. pad(stats.features[f], 5, true)) end
  end
  if #stats.no_mock > 0 then
    add("")
    add("Skipped for want of a recorded task result:")
    for _, s in ipairs(stats.no_mock) do add("  " .. s) end
  end
  local dk = {}
  for k, n in pairs(stats.detail_keys) do dk[#dk + 1] = { k, n } end
  if #dk > 0 then
    table.sort(dk, function(a, b) if a[2] ~= b[2] then return a[2] > b[2] end return a[1] < b[1] end)
    add("")
    add("History detail keys that differ (number of cases, among those whose event types match):")
    for _, x in ipairs(dk) do add("  " .. pad(x[2], 5, true) .. "  " .. x[1]) end
  end
  if #stats.recorded_start > 0 then
    add("")
    add("Started with the input/role ARN of the recorded history instead of the traced ones:")
    for _, s in ipairs(stats.recorded_start) do add("  " .. s) end
  end
  if #stats.failing > 0 then
    add("")
    add("Failing cases (id: first problem):")
    table.sort(stats.failing)
    for _, s in ipairs(stats.failing) do add("  " .. s) end
  end
  if #stats.known_passing > 0 then
    add("")
    add("Listed as known failures but passing now (remove them from " .. KNOWN_FILE .. "):")
    for _, s in ipairs(stats.known_passing) do add("  " .. s) end
  end
  return lines
end

local function write_report(lines)
  pcall(function()
    local ok, lfs = pcall(require, "lfs")
    if ok then lfs.mkdir("build") end
  end)
  local f = io.open(REPORT_FILE, "w")
  if f then
    f:write(table.concat(lines, "\n"), "\n")
    f:close()
  end
end

---------------------------------------------------------------- the spec

describe("conformance with recorded AWS executions", function()
  local known = load_known()

  for _, entry in ipairs(cases.list()) do
    local case = cases.load(entry)
    case.result_rules = result_rules(case.rules)
    stats.total = stats.total + 1
    it(case.id, function()
      local row = cat_row(case)
      row.cases = row.cases + 1
      local features = {}
      for _, f in ipairs(cases.features(case)) do
        if not RUN_ANYWAY[f] then features[#features + 1] = f end
      end
      if #features > 0 then
        row.feature = row.feature + 1
        for _, f in ipairs(features) do stats.features[f] = (stats.features[f] or 0) + 1 end
        pending("needs " .. table.concat(features, ", "))
        return
      end
      local mocks, why = cases.mocks(case)
      if not mocks then
        row.nomock = row.nomock + 1
        stats.no_mock[#stats.no_mock + 1] = case.id .. ": " .. why
        pending(why)
        return
      end
      if not have_sfn then
        pending("the engine (require \"sfn\") does not load: " .. short(sfn, 200))
        return
      end

      row.run = row.run + 1
      local problems = {}
      local ok_run, run, rerr = pcall(run_case, case, mocks)
      if not ok_run then rerr = "raised: " .. tostring(run); run = nil end
      local result_ok, types_ok, details_ok = false, false, false
      local has_history = ojson.kind(case.history) == "array"
      if has_history then row.hist = row.hist + 1 end
      if not run then
        problems[1] = rerr
      else
        local p
        result_ok, p = compare_result(case, run)
        for _, x in ipairs(p) do problems[#problems + 1] = x end
        if has_history then
          local keys
          types_ok, details_ok, p, keys = compare_history(case, run)
          for _, x in ipairs(p) do problems[#problems + 1] = x end
          for k in pairs(keys) do stats.detail_keys[k] = (stats.detail_keys[k] or 0) + 1 end
        end
      end
      if result_ok then row.result = row.result + 1 end
      if types_ok then row.types = row.types + 1 end
      if details_ok then row.details = row.details + 1 end

      local passed = result_ok and (not has_history or details_ok)
      if known[case.id] then
        if passed then
          stats.known_passing[#stats.known_passing + 1] = case.id
        else
          pending("known failure: " .. known[case.id] .. " (" .. short(problems[1], 200) .. ")")
        end
        return
      end
      if not passed then
        stats.failing[#stats.failing + 1] = case.id .. ": " .. short(problems[1], 200)
        error(case.category .. (case.checks.expected_exact and "" or " (expected_exact=false)")
          .. ": " .. #problems .. " problem(s)\n  " .. table.concat(problems, "\n  "), 0)
      end
    end)
  end

  teardown(function()
    local lines = report_lines()
    io.write("\n", table.concat(lines, "\n"), "\n\n")
    io.flush()
    write_report(lines)
  end)
end)
