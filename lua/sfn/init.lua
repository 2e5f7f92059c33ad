-- sfn: AWS Step Functions for Lua, with a C core.
--
--   local sfn = require "sfn"
--   local machine = assert(sfn.machine(definition, { name = "orders" }))
--   local run = machine:run('{"orderId": 42}', { handlers = { [arn] = fn }, mocks = { ... } })
--
-- See README.md for the whole API.
local core = require "sfn.core"
local json = require "sfn.json"
local machine = require "sfn.machine"
local scheduler = require "sfn.scheduler"

local _M = {
  _VERSION = core._VERSION,
  null = core.null,
  json = json,
}

_M.machine = machine.new
_M.validate = machine.validate
-- coroutines under sfn's scheduler: sfn.http requests in them run at once
_M.spawn = scheduler.spawn
_M.run = scheduler.run
_M.sleep = scheduler.sleep
-- sfn.client{...}: the remote client (lua/sfn/client.lua), loaded on first use
_M.client = function(opts) return require("sfn.client").new(opts) end
-- sfn.worker{...}: an activity worker (lua/sfn/worker.lua), loaded on first use
_M.worker = function(opts) return require("sfn.worker").new(opts) end
-- sfn.local_service{...}: the API in-process (lua/sfn/local_service.lua), loaded on first use
_M.local_service = function(opts) return require("sfn.local_service").new(opts) end

return _M
