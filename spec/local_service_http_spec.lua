-- spec/local_service_http_spec.lua: the local service's behaviour cases
-- (spec/support/service_behaviour.lua, also run directly by
-- spec/local_service_spec.lua) through sfn.client -> sfn.server ->
-- sfn.local_service over loopback, with signatures checked.
--
-- The server runs in this process, on sfn.scheduler, while a call is in
-- flight: a call made outside sfn.run runs the scheduler until it is
-- answered; calls made inside tasks share one server, stopped when the last
-- one returns (so sfn.run can end).  Requests the client's own validation
-- refuses (ParamValidationError) are sent as they are, as botocore does with
-- parameter_validation off, so the service's answers are what is compared.
local sfn = require "sfn"
local scheduler = require "sfn.scheduler"
local model = require "sfn.operations"
local shapes = require "sfn.shapes"
local json = require "sfn.json"
local server_mod = require "sfn.server"
local behaviour = require "support.service_behaviour"

local AKID, SECRET = "AKIDLOCAL", "local-secret"

local function through_http(opts)
  local svc = sfn.local_service(opts)
  local logs = {}
  local server = server_mod.new{ service = svc, host = "127.0.0.1", port = 0,
    credentials = { [AKID] = SECRET }, log = function(m) logs[#logs + 1] = m end }
  local active = 0
  local client
  local function enter()
    if active == 0 and not server.listener then
      -- a new port each time: the closed connections of the last one may
      -- still hold its port (FIN_WAIT2 until the client's pool lets go)
      server.port = 0
      assert(server:start())
      client = sfn.client{ endpoint = "http://127.0.0.1:" .. server.port, region = "us-east-1",
        credentials = { access_key_id = AKID, secret_access_key = SECRET }, config = false,
        retry = { max_attempts = 1 } }
    end
    active = active + 1
  end
  local function leave()
    active = active - 1
    if active == 0 then server:stop{ keep_service = true } end
  end
  local function call(sn, req)
    local res, err = client:call(sn, req)
    if res == nil and err and err.code == "ParamValidationError" then
      local op = model.operations[sn]
      local ok, body = pcall(shapes.serialize, op.input, req or {})
      if not ok or not body then body = assert(json.encode(req or {})) end
      res, err = client:_send(sn, op, body)
    end
    if logs[1] then error("server: " .. logs[1]) end
    return res, err
  end
  local proxy = { service = svc, server = server }
  for _, sn in ipairs(model.names) do
    proxy[sn] = function(_, req)
      local res, err
      if scheduler.current() then
        enter()
        local ok, e = pcall(function() res, err = call(sn, req) end)
        leave()
        if not ok then error(e, 0) end
      else
        sfn.run(function()
          enter()
          local ok, e = pcall(function() res, err = call(sn, req) end)
          leave()
          if not ok then error(e, 0) end
        end)
      end
      return res, err
    end
  end
  proxy.advance = function(_, seconds) return svc:advance(seconds) end
  return proxy
end

behaviour(through_http, { label = "sfn.client -> sfn serve", describe = describe, it = it,
  pending = pending, assert = assert })
