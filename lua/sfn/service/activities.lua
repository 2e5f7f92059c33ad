-- sfn.service.activities: CreateActivity, DescribeActivity, DeleteActivity,
-- ListActivities, GetActivityTask (a long poll: up to poll_seconds, 60 by
-- default, then an empty answer; handing a task over records ActivityStarted
-- with the poller's workerName), and the task-token operations
-- SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat for activity tasks
-- and `.waitForTaskToken` callbacks.
--
-- Tokens: the engine's task tokens (64 hex digits).  svc.tokens[token] =
-- { rec, id (engine task id), kind = "activity"|"callback", input }.  An
-- unknown token of that form is TaskDoesNotExist, any other text
-- InvalidToken; a token whose task is no longer waiting (answered, timed
-- out, execution closed) is TaskTimedOut, as AWS answers.
local json = require "sfn.json"
local scheduler = require "sfn.scheduler"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"
local names = require "sfn.service.names"
local util = require "sfn.service.util"
local pagination = require "sfn.service.pagination"
local runner = require "sfn.service.runner"

local type, ipairs, tostring, pcall = type, ipairs, tostring, pcall
local find = string.find
local null = json.null
local array = json.array

local _M = {}
local ops = {}
_M.ops = ops

local function present(v) return v ~= nil and v ~= null end

function ops.create_activity(svc, req)
  if not names.valid(req.name) then return errors.invalid_name(req.name) end
  if present(req.tags) then
    local tok, terr = require("sfn.service.tags").check(req.tags)
    if not tok then return nil, terr end
  end
  local arn = svc.arns:activity(req.name)
  local act = svc.activities[arn]
  if not act then
    act = { arn = arn, name = req.name, creation = svc:now(), seq = svc:seq(),
            encryption = present(req.encryptionConfiguration) and req.encryptionConfiguration or nil }
    svc.activities[arn] = act
    svc.activity_list[#svc.activity_list + 1] = act
    if present(req.tags) then svc:set_tags(arn, req.tags) end
  end
  return { activityArn = arn, creationDate = util.seconds(act.creation) }
end

local function find_activity(svc, arn)
  local a, err = arns.expect(arn, { activity = true })
  if not a then return nil, err end
  local act = svc.activities[arn]
  if not act then return errors.activity_does_not_exist(arn) end
  return act
end

function ops.describe_activity(svc, req)
  local act, err = find_activity(svc, req.activityArn)
  if not act then return nil, err end
  return { activityArn = act.arn, name = act.name, creationDate = util.seconds(act.creation),
           encryptionConfiguration = act.encryption or { type = "AWS_OWNED_KEY" } }
end

function ops.delete_activity(svc, req)
  local a, err = arns.expect(req.activityArn, { activity = true })
  if not a then return nil, err end
  local act = svc.activities[req.activityArn]
  if act then
    svc.activities[act.arn] = nil
    for i, x in ipairs(svc.activity_list) do
      if x == act then table.remove(svc.activity_list, i) break end
    end
    svc:drop_tags(act.arn)
  end
  return {}
end

function ops.list_activities(svc, req)
  local page, token = pagination.page(svc.activity_list, req, { kind = "activities" })
  if not page then return nil, token end
  local out = array{}
  for i, act in ipairs(page) do
    out[i] = { activityArn = act.arn, name = act.name, creationDate = util.seconds(act.creation) }
  end
  return { activities = out, nextToken = token }
end

-- Is the task behind a token entry still waiting for its answer?
local function alive(entry)
  local rec = entry.rec
  if rec.closed then return false end
  local exec = rec.exec
  if exec.task_alive then return exec:task_alive(entry.id) end
  return true
end

-- Hand a task to a worker: the engine records ActivityStarted (with the
-- worker's name) at `now`.  nil when the task is no longer waiting.
local function task_of(entry, token, worker, now)
  local exec = entry.rec.exec
  if exec.task_started and not exec:task_started(entry.id, worker, now) then return nil end
  entry.started = true
  return { taskToken = token, input = json.encode(entry.input) }
end

-- The first live queued task of an activity (removed from the queue), or nil.
local function pop(svc, arn, worker)
  local now = svc:now()
  runner.catch_up(svc, now) -- timeouts due by now fire before the hand-over
  local q = svc.activity_queues[arn]
  if not q then return nil end
  while q.head <= q.tail do
    local token = q[q.head]
    q[q.head] = nil
    q.head = q.head + 1
    local entry = svc.tokens[token]
    local t = entry and alive(entry) and task_of(entry, token, worker, now)
    if t then return t end
  end
  svc.activity_queues[arn] = nil
  return nil
end

-- An activity task was scheduled: hand it to a waiting poller, or queue it.
function _M.queue(svc, arn, token)
  local pollers = svc.pollers[arn]
  while pollers and #pollers > 0 do
    local p = table.remove(pollers, 1)
    if not p.result and not p.gone then
      local entry = svc.tokens[token]
      -- at the execution's own time: the engine is between two of its steps
      local t = task_of(entry, token, p.worker, entry.rec.t or svc:now())
      if not t then -- no longer waiting: nothing to hand over or queue
        table.insert(pollers, 1, p)
        return
      end
      p.result = t
      scheduler.wake(p.task)
      return
    end
  end
  local q = svc.activity_queues[arn]
  if not q then
    q = { head = 1, tail = 0 }
    svc.activity_queues[arn] = q
  end
  q.tail = q.tail + 1
  q[q.tail] = token
end

function ops.get_activity_task(svc, req)
  local act, err = find_activity(svc, req.activityArn)
  if not act then return nil, err end
  local worker = present(req.workerName) and req.workerName or nil
  local t = pop(svc, act.arn, worker)
  if t then return t end
  local me = scheduler.current()
  if not me then
    if scheduler.running() then return {} end
    local res
    local ok, rerr = pcall(scheduler.run, function()
      svc:kick()
      res = { ops.get_activity_task(svc, req) }
    end)
    if not ok then error(rerr, 0) end
    return res[1], res[2]
  end
  local p = { task = me, worker = worker }
  local list = svc.pollers[act.arn] or {}
  svc.pollers[act.arn] = list
  list[#list + 1] = p
  svc.open_polls[p] = true
  svc:kick()
  scheduler.sleep(svc.poll_seconds)
  svc.open_polls[p] = nil
  p.gone = true
  if p.result then return p.result end
  for i, x in ipairs(list) do
    if x == p then table.remove(list, i) break end
  end
  return {}
end

-- The token's entry, or nil, err (InvalidToken / TaskDoesNotExist / TaskTimedOut).
local function token_entry(svc, token)
  local entry = svc.tokens[token]
  if not entry then
    if type(token) == "string" and #token == 64 and not find(token, "[^0-9a-f]") then
      return errors.fail("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist anymore'")
    end
    return errors.invalid_token()
  end
  return entry
end

local function timed_out()
  return errors.fail("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
end

local function answered(svc, entry, ok)
  if not ok then return timed_out() end
  entry.done = true
  runner.settle(svc, entry.rec, svc:now())
  return {}
end

function ops.send_task_success(svc, req)
  local entry, err = token_entry(svc, req.taskToken)
  if not entry then return nil, err end
  local _, jerr = json.decode(req.output)
  if jerr then
    return errors.fail("InvalidOutput", "Invalid Output: '" .. tostring(type(jerr) == "table" and jerr.message or jerr) .. "'")
  end
  if entry.done or entry.rec.closed then return timed_out() end
  local exec, now = entry.rec.exec, svc:now()
  local ok
  if entry.kind == "callback" then
    ok = exec:send_success(req.taskToken, req.output, now, true)
  else
    ok = exec:task_succeeded(entry.id, req.output, now, true)
  end
  return answered(svc, entry, ok)
end

function ops.send_task_failure(svc, req)
  local entry, err = token_entry(svc, req.taskToken)
  if not entry then return nil, err end
  if entry.done or entry.rec.closed then return timed_out() end
  local exec, now = entry.rec.exec, svc:now()
  local e = present(req.error) and req.error or nil
  local c = present(req.cause) and req.cause or nil
  local ok
  if entry.kind == "callback" then
    ok = exec:send_failure(req.taskToken, e, c, now)
  else
    ok = exec:task_failed(entry.id, e, c, now)
  end
  return answered(svc, entry, ok)
end

function ops.send_task_heartbeat(svc, req)
  local entry, err = token_entry(svc, req.taskToken)
  if not entry then return nil, err end
  if entry.done or entry.rec.closed then return timed_out() end
  local rec, now = entry.rec, svc:now()
  runner.catch_up(svc, now)
  if rec.closed then return timed_out() end
  -- the engine restarts HeartbeatSeconds for callback and activity tokens alike
  if not rec.exec:send_heartbeat(req.taskToken, now) then return timed_out() end
  runner.settle(svc, rec, now)
  return {}
end

return _M
