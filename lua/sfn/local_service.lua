-- sfn.local_service: the AWS Step Functions API in-process, over the local
-- engine.  Every operation of the API model (37) is a snake_case method
-- taking a request table with the API's member names and returning the
-- response table, or nil, err with err.code (AWS's error name), err.message
-- (AWS's text) and err.status (HTTP):
--
--   local service = sfn.local_service{
--     account = "123456789012", region = "us-east-1", partition = "aws",
--     clock = "real" | { time_scale = 0.001 } | "manual",
--     handlers = { [resourceArn] = function(input, ctx) ... end },
--     mock_config = "/path/MockConfigFile.json" or a decoded table,
--     retention = 10000,        -- closed executions kept, oldest dropped first
--     poll_seconds = 60,        -- GetActivityTask's long poll
--   }
--   service:start_execution{ stateMachineArn = arn, input = "{}" }
--   service:dispatch("StartExecution", req)    -- by the API's operation name
--   service:operations()                       -- the operation names
--   service:advance(seconds)                   -- manual clock: move time
--
-- The bookkeeping (state machines, versions, aliases, executions,
-- activities, tokens, tags) is Lua; executions run on the C engine.  Long
-- polls and StartSyncExecution yield inside sfn.scheduler tasks; called
-- outside the scheduler they run it until they can answer.
-- One file per concern under lua/sfn/service/.
local model = require "sfn.operations"
local json = require "sfn.json"
local machine_mod = require "sfn.machine"
local scheduler = require "sfn.scheduler"
local errors = require "sfn.service.errors"
local arns = require "sfn.service.arns"
local clock_mod = require "sfn.service.clock"
local validation = require "sfn.service.validation"
local runner = require "sfn.service.runner"
local tags = require "sfn.service.tags"
local activities = require "sfn.service.activities"

local type, pairs, ipairs, error, tostring, setmetatable = type, pairs, ipairs, error, tostring, setmetatable
local null = json.null

local _M = { _VERSION = "0.1.0" }

local Service = {}
Service.__index = Service

-- Every operation: snake name -> function(svc, req).
local OPS = {}
for _, mod in ipairs{ "state_machines", "aliases", "executions", "activities", "tags", "map_runs",
                      "test_state", "redrive" } do
  for name, fn in pairs(require("sfn.service." .. mod).ops) do OPS[name] = fn end
end

function OPS.validate_state_machine_definition(svc, req)
  local res = machine_mod.validate(req.definition, { type = (req.type ~= null and req.type) or "STANDARD" })
  local sev = req.severity ~= null and req.severity or "ERROR"
  local keep = json.array{}
  for _, d in ipairs(res.diagnostics) do
    if sev == "WARNING" or d.severity == "ERROR" then keep[#keep + 1] = d end
  end
  local max = req.maxResults ~= null and req.maxResults or 0
  local truncated = false
  if max > 0 and #keep > max then
    local cut = json.array{}
    for i = 1, max do cut[i] = keep[i] end
    keep, truncated = cut, true
  end
  return { result = res.result, diagnostics = keep, truncated = truncated }
end

local BY_NAME = {}
for sn, op in pairs(model.operations) do BY_NAME[op.name] = sn end

-- sfn.local_service(opts) -> service
function _M.new(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #1 to 'local_service' (table expected, got " .. type(opts) .. ")", 2)
  end
  opts = opts or {}
  if opts.handlers ~= nil and type(opts.handlers) ~= "table" then
    error("sfn.local_service: handlers must be a table", 2)
  end
  local mc = opts.mock_config
  if mc ~= nil and type(mc) ~= "string" and type(mc) ~= "table" then
    error("sfn.local_service: mock_config must be a path or a table", 2)
  end
  local svc = setmetatable({
    account = opts.account or "123456789012",
    region = opts.region or "us-east-1",
    partition = opts.partition or "aws",
    handlers = opts.handlers or {},
    mock_config = mc,
    retention = opts.retention or 10000,
    poll_seconds = opts.poll_seconds or 60,
    payload_limit = opts.payload_limit,
    clock = clock_mod.new(opts.clock),
    machines = {}, machine_list = {},
    executions = {}, running = {},
    closed_head = 1, closed_tail = 0, closed_queue = {},
    activities = {}, activity_list = {}, activity_queues = {}, pollers = {}, open_polls = {},
    tokens = {},
    _seq = 0,
  }, Service)
  svc.arns = arns.new(svc)
  tags.install(svc)
  return svc
end

---------------------------------------------------------------------------
-- shared bookkeeping, used by the operation modules
---------------------------------------------------------------------------

function Service:now() return self.clock:now() end

function Service:seq()
  self._seq = self._seq + 1
  return self._seq
end

function Service:ours(a) return self.arns:ours(a) end

function Service:set_tags(arn, list) tags.set(self, arn, list) end
function Service:drop_tags(arn) self.tags[arn] = nil end

function Service:kick() runner.kick(self) end

function Service:register_token(token, rec, task, kind)
  if not token then return end
  self.tokens[token] = { rec = rec, id = task.id, kind = kind, input = task.input }
  rec.tokens[#rec.tokens + 1] = token
end

function Service:queue_activity_task(arn, token) activities.queue(self, arn, token) end

function Service:add_execution(rec)
  self.executions[rec.arn] = rec
  self.running[rec] = true
  local sm = rec.machine
  local list = sm.exec_list
  if not list then
    list = {}
    sm.exec_list = list
    sm.exec_dropped = 0
  end
  list[#list + 1] = rec
end

-- Drop the oldest closed execution (retention).
local function drop_oldest(self)
  local h = self.closed_head
  local entry = self.closed_queue[h]
  self.closed_queue[h] = nil
  self.closed_head = h + 1
  local rec = entry.rec
  -- a redriven execution closes again later: only its latest entry counts
  if rec.close_seq ~= entry.seq or rec.dropped then return end
  rec.dropped = true
  if self.executions[rec.arn] == rec then self.executions[rec.arn] = nil end
  for _, t in ipairs(rec.tokens) do self.tokens[t] = nil end
  local sm = rec.machine
  sm.exec_dropped = sm.exec_dropped + 1
  local list = sm.exec_list
  if sm.exec_dropped > 64 and sm.exec_dropped * 2 > #list then
    local keep = {}
    for _, r in ipairs(list) do
      if not r.dropped then keep[#keep + 1] = r end
    end
    sm.exec_list, sm.exec_dropped = keep, 0
  end
end

function Service:close_execution(rec, status)
  if rec.closed then return end
  rec.closed = true
  rec.status = status
  local d = rec.exec:describe()
  rec.stop = d.stopDate and math.floor(d.stopDate * 1000 + 0.5) or self:now()
  rec.wake = nil
  self.running[rec] = nil
  local t = self.closed_tail + 1
  self.closed_tail = t
  rec.close_seq = self:seq()
  self.closed_queue[t] = { rec = rec, seq = rec.close_seq }
  while self.closed_tail - self.closed_head + 1 > self.retention do drop_oldest(self) end
  local waiters = rec.waiters
  rec.waiters = {}
  for _, task in ipairs(waiters) do scheduler.wake(task) end
end

---------------------------------------------------------------------------
-- the public face
---------------------------------------------------------------------------

-- service:dispatch(op_name, req) -> response | nil, err
function Service:dispatch(name, req)
  local sn = BY_NAME[name]
  if not sn then
    return errors.fail("UnknownOperationException", "Unknown operation " .. tostring(name))
  end
  return self:call(sn, req)
end

function Service:call(sn, req)
  local op = model.operations[sn]
  local fn = OPS[sn]
  if req == nil or req == null then req = {} end
  if type(req) ~= "table" then
    return errors.fail("SerializationException", "The request must be a JSON object")
  end
  local ok, err = validation.request(op, req)
  if not ok then return nil, err end
  runner.catch_up(self)
  return fn(self, req)
end

-- service:operations() -> the API's operation names, in the model's order
function Service:operations()
  local out = {}
  for i, sn in ipairs(model.names) do out[i] = model.operations[sn].name end
  return out
end

-- service:advance(seconds): the manual clock moves; timers due fire.
function Service:advance(seconds)
  if type(seconds) ~= "number" or seconds < 0 then
    error("bad argument #1 to 'advance' (non-negative number expected)", 2)
  end
  self.clock:advance(seconds)
  runner.catch_up(self)
end

-- service:cancel_poll(task): the client of the long poll running in `task`
-- went away: the poll gives up with an empty answer, and no activity task is
-- handed to it (the task stays queued for the next poller).
function Service:cancel_poll(task)
  for p in pairs(self.open_polls) do
    if p.task == task and not p.result then
      p.gone = true
      scheduler.wake(p.task)
    end
  end
end

-- service:close(): answer open long polls (empty), for a server's shutdown.
function Service:close()
  self._stopped = true
  for p in pairs(self.open_polls) do
    if not p.result then scheduler.wake(p.task) end
  end
end

for _, sn in ipairs(model.names) do
  Service[sn] = function(self, req)
    if req ~= nil and type(req) ~= "table" then
      error("bad argument #1 to '" .. sn .. "' (table expected, got " .. type(req) .. ")", 2)
    end
    return self:call(sn, req)
  end
end

_M.Service = Service
return _M
