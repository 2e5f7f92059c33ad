-- sfn.service.redrive: RedriveExecution.  A STANDARD execution that ended
-- FAILED, TIMED_OUT or ABORTED runs again from the top-level state that was
-- running when it ended (a Parallel or Map state as a whole), with that
-- state's input, under the same name and ARN.  The history goes on: the
-- earlier events, ExecutionRedriven (redriveCount), then the new run's
-- events numbered after them; redriveCount and redriveDate show in
-- DescribeExecution and ListExecutions.
local core = require "sfn.core"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"
local errors = require "sfn.service.errors"
local util = require "sfn.service.util"
local runner = require "sfn.service.runner"
local executions = require "sfn.service.executions"

local ipairs, pairs = ipairs, pairs

local _M = {}
local ops = {}
_M.ops = ops

local REDRIVABLE = { FAILED = true, TIMED_OUT = true, ABORTED = true }

local function not_redrivable(rec, why)
  return errors.fail("ExecutionNotRedrivable", "Execution " .. rec.arn .. " " .. why)
end

function ops.redrive_execution(svc, req)
  local rec, err = executions.find(svc, req.executionArn, true)
  if not rec then return nil, err end
  if rec.express then return not_redrivable(rec, "is an EXPRESS execution and cannot be redriven") end
  if not rec.closed or not REDRIVABLE[rec.status] then
    return not_redrivable(rec, "is " .. rec.status .. " and cannot be redriven")
  end
  local def = json.decode(rec.snapshot.definition)
  local top = type(def) == "table" and type(def.States) == "table" and def.States or {}
  local events = executions.all_events(rec)
  local restart, input
  for _, e in ipairs(events) do
    local d = e.stateEnteredEventDetails
    if d and top[d.name] then restart, input = d.name, d.input end
  end
  if not restart then return not_redrivable(rec, "never entered a state and cannot be redriven") end
  -- the states reachable from the restart state (validation refuses others)
  local keep, todo = {}, { restart }
  while #todo > 0 do
    local n = table.remove(todo)
    local st = top[n]
    if st and not keep[n] then
      keep[n] = st
      local nexts = { st.Next, st.Default }
      for _, c in ipairs(type(st.Choices) == "table" and st.Choices or {}) do nexts[#nexts + 1] = c.Next end
      for _, c in ipairs(type(st.Catch) == "table" and st.Catch or {}) do nexts[#nexts + 1] = c.Next end
      for i = 1, 2 + #(st.Choices or {}) + #(st.Catch or {}) do
        if type(nexts[i]) == "string" then todo[#todo + 1] = nexts[i] end
      end
    end
  end
  def.States = keep
  def.StartAt = restart
  local m, merr = machine_mod.new(json.encode(def), { name = rec.machine.name, type = rec.type,
    account = svc.account, region = svc.region, partition = svc.partition, role_arn = rec.snapshot.role_arn })
  if not m then return errors.fail(merr.code, merr.message) end
  local now = svc:now()
  local exec, eerr = core.exec_new(m._compiled, input, {
    name = rec.name, state_machine_name = rec.machine.name, account = svc.account, region = svc.region,
    partition = svc.partition, role_arn = rec.snapshot.role_arn, express = false, start_ms = now,
    history = true, seed = svc:seq() * 7919 + now, payload_limit = svc.payload_limit,
  })
  if not exec then return errors.fail(eerr.code, eerr.message) end
  rec.redrive_count = rec.redrive_count + 1
  rec.redrive_date = now
  events[#events + 1] = { id = #events + 1, previousEventId = #events, timestamp = util.seconds(now),
    type = "ExecutionRedriven", executionRedrivenEventDetails = { redriveCount = rec.redrive_count } }
  rec.segments = { events }
  rec.exec = exec
  rec.closed, rec.status, rec.stop, rec.close_seq = false, "RUNNING", nil, nil
  svc.running[rec] = true
  runner.settle(svc, rec, now)
  return { redriveDate = util.seconds(now) }
end

return _M
