-- sfn.server: the local service over HTTP/1.1 (AWS JSON 1.0), on
-- sfn.scheduler with luasocket.  Requests are parsed by the C parser
-- (core.httpreq_new) and answered by sfn.server_handler.
--
--   local server = require("sfn.server").new{
--     service = svc,                    -- svc:dispatch(op_name, request) (sfn.local_service)
--     host = "127.0.0.1", port = 8083,  -- port 0: any free port (server.port after start)
--     credentials = { [akid] = secret } or nil,   -- nil: no signature check
--     region = nil,                     -- the signature's region must be this one (nil: any)
--     max_skew = 300,                   -- seconds
--     max_body = 1048576 + 65536,       -- request body bytes (413 above)
--     max_header_bytes = 16384, max_headers = 100,   -- (431 above)
--     max_connections = 1024,           -- open connections; more wait in the backlog
--     idle_timeout = 60,                -- seconds a kept-alive connection may idle
--     request_timeout = 30,             -- seconds to receive a whole request (408 after)
--     shutdown_grace = 10,              -- seconds stop() lets requests in flight finish
--     log = function(message),          -- default: stderr
--   }
--   server:start()           -- inside sfn.run(): listens, then accepts in a task
--   server:stop()            -- stops accepting, answers long polls, closes; inside a
--                            -- task it returns once every connection is closed
--   server:handle_signals{"TERM", "INT"}   -- stop() on those signals (a task waits
--                            -- on a self-pipe); on_signal(name) is called first
--   server.port, server.host
--
-- Each connection is a task; each request on it is handled in a task of its
-- own, so a long poll or a StartSyncExecution waits without holding up other
-- connections.  Responses go out in request order (pipelining works).
-- On stop(), GetActivityTask polls in flight are answered at once with the
-- empty answer (after service:close() when the service has one); other
-- requests get shutdown_grace seconds, then 503 ServiceUnavailable.
local core = require "sfn.core"
local scheduler = require "sfn.scheduler"
local handler_mod = require "sfn.server_handler"

local type, pairs, tostring, tonumber, setmetatable, error, pcall, xpcall, ipairs =
  type, pairs, tostring, tonumber, setmetatable, error, pcall, xpcall, ipairs
local concat = table.concat
local os_date = os.date
local now_ms = core.monotonic_ms

local _M = { _VERSION = "0.1.0" }

local REASONS = {
  [100] = "Continue", [200] = "OK", [400] = "Bad Request", [403] = "Forbidden", [404] = "Not Found",
  [408] = "Request Timeout", [413] = "Payload Too Large", [431] = "Request Header Fields Too Large",
  [500] = "Internal Server Error", [501] = "Not Implemented", [503] = "Service Unavailable",
  [505] = "HTTP Version Not Supported",
}

local LONG_POLLS = { GetActivityTask = true }
local STOPPED = {}   -- a wake value: the server is stopping

local Server = {}
Server.__index = Server

function _M.new(opts)
  if type(opts) ~= "table" then error("sfn.server.new: expects a table of options", 2) end
  local self = setmetatable({
    host = opts.host or "127.0.0.1",
    port = opts.port or 8083,
    max_body = opts.max_body or (1048576 + 65536),
    max_header_bytes = opts.max_header_bytes or 16384,
    max_headers = opts.max_headers or 100,
    max_connections = opts.max_connections or 1024,
    idle_timeout = opts.idle_timeout or 60,
    request_timeout = opts.request_timeout or 30,
    shutdown_grace = opts.shutdown_grace or 10,
    send_timeout = opts.send_timeout or 30,
    service = opts.service,
    log = opts.log or function(msg) io.stderr:write("sfn serve: ", tostring(msg), "\n") end,
    conns = {},          -- connection -> true
    nconns = 0,
    stopping = false,
    stats = { connections = 0, requests = 0 },
  }, Server)
  self.handler = handler_mod.new{ service = opts.service, credentials = opts.credentials,
    region = opts.region, max_skew = opts.max_skew, now = opts.now, log = self.log }
  return self
end

---------------------------------------------------------------------------
-- sending
---------------------------------------------------------------------------

local function http_date()
  return os_date("!%a, %d %b %Y %H:%M:%S GMT")
end

-- The bytes of a response.
local function response_bytes(status, headers, body, close, version)
  local out = { "HTTP/1.1 ", tostring(status), " ", REASONS[status] or "Unknown", "\r\n" }
  for _, h in ipairs(headers) do
    out[#out + 1] = h[1] .. ": " .. h[2] .. "\r\n"
  end
  out[#out + 1] = "Date: " .. http_date() .. "\r\nContent-Length: " .. #body .. "\r\n"
  if close then
    out[#out + 1] = "Connection: close\r\n"
  elseif version == "1.0" then
    out[#out + 1] = "Connection: keep-alive\r\n"
  end
  out[#out + 1] = "\r\n"
  out[#out + 1] = body
  return concat(out)
end

-- Sends all of data; false when the peer is gone or too slow.
local function send_all(conn, data, timeout)
  local sock, i, n = conn.sock, 1, #data
  while i <= n do
    local last, err, partial = sock:send(data, i)
    if last then
      i = last + 1
    elseif err == "timeout" then
      i = (partial or i - 1) + 1
      if i <= n then
        local ok = scheduler.wait_fd(sock, "w", timeout)
        if not ok then return false end
      end
    else
      return false
    end
  end
  return true
end

-- A plain HTTP error (from the parser or the connection), then close.
local function http_error(conn, status, message)
  local body = '{"message":' .. require("sfn.json").encode(message or REASONS[status] or "error") .. "}"
  local headers = { { "x-amzn-RequestId", handler_mod.request_id() },
                    { "Content-Type", "application/json" } }
  send_all(conn, response_bytes(status, headers, body, true), 5)
end

---------------------------------------------------------------------------
-- connections
---------------------------------------------------------------------------

local function close_conn(self, conn)
  if conn.closed then return end
  conn.closed = true
  conn.sock:close()
  self.conns[conn] = nil
  self.nconns = self.nconns - 1
  -- a slot is free: the accept loop may go on; stop() may be done
  if self.accept_parked then
    local t = self.accept_parked
    self.accept_parked = nil
    scheduler.wake(t)
  end
  if self.stop_waiter and self.nconns == 0 then
    local t = self.stop_waiter
    self.stop_waiter = nil
    scheduler.wake(t)
  end
end

-- Answers one parsed request; returns whether the connection stays open.
local function serve_request(self, conn, req)
  self.stats.requests = self.stats.requests + 1
  local op = self.handler:operation(req)
  local inf = { token = {}, op = op and op.name, task = scheduler.current() }
  conn.inflight = inf
  local htask = scheduler.spawn(function()
    local ok, status, headers, body = pcall(self.handler.handle, self.handler, req)
    if not ok then
      self.log("request failed: " .. tostring(status))
      status, headers, body = handler_mod.error_answer(500, "InternalFailure")
    end
    if not inf.result then
      inf.result = { status, headers, body }
      scheduler.wake(inf.task, inf.token)
    end
  end)
  if LONG_POLLS[op and op.name] and htask then
    -- parked until answered; meanwhile a client that hangs up cancels its
    -- poll, so no activity task is handed to a dead connection
    while not inf.result do
      local r = scheduler.wait_fd(conn.sock, "r")
      if not inf.result and r == true then
        local data, err, partial = conn.sock:receive(65536)
        local chunk = data or partial
        if chunk and #chunk > 0 then
          conn.parser:feed(chunk) -- a pipelined request: kept for later
        elseif err == "closed" then
          if self.service.cancel_poll then self.service:cancel_poll(htask) end
          while not inf.result do scheduler.suspend() end
          conn.inflight = nil
          return false
        end
      end
    end
  end
  -- parked until the handler task (or stop()) answers
  while not inf.result do scheduler.suspend() end
  local result = inf.result
  conn.inflight = nil
  local close = not req.keep_alive or self.stopping
  local data = response_bytes(result[1], result[2], result[3], close, req.version)
  if not send_all(conn, data, self.send_timeout) then return false end
  return not close
end

-- The connection's task: read, parse, answer, until closed.
local function serve_conn(self, conn)
  local parser = conn.parser
  local sock = conn.sock
  local state, status, message = "more", nil, nil
  while true do
    -- read until a request is complete
    while state == "more" do
      local pending = parser:pending()
      if self.stopping and pending == 0 then return close_conn(self, conn) end
      local data, err, partial = sock:receive(65536)
      local chunk = data or partial
      if chunk and #chunk > 0 then
        state, status, message = parser:feed(chunk)
      elseif err == "closed" then
        if pending > 0 then http_error(conn, 400, "request truncated") end
        return close_conn(self, conn)
      elseif err ~= "timeout" then
        return close_conn(self, conn)
      end
      if state == "more" and not data then
        if parser:take_continue() then
          if not send_all(conn, "HTTP/1.1 100 Continue\r\n\r\n", self.send_timeout) then
            return close_conn(self, conn)
          end
        end
        pending = parser:pending()
        local timeout = pending > 0 and self.request_timeout or self.idle_timeout
        conn.idle = pending == 0
        if conn.idle then conn.idle_since = now_ms() end
        local ok, why = scheduler.wait_fd(sock, "r", timeout)
        conn.idle = false
        if ok == STOPPED then
          if parser:pending() == 0 then return close_conn(self, conn) end
        elseif not ok and why == "timeout" then
          if parser:pending() > 0 then http_error(conn, 408, "request not received in time") end
          return close_conn(self, conn)
        end
      end
    end
    if state == "error" then
      http_error(conn, status, message)
      return close_conn(self, conn)
    end
    -- a whole request
    local keep = serve_request(self, conn, parser:request())
    if not keep then return close_conn(self, conn) end
    state, status, message = parser:next()
  end
end

local function accept_loop(self)
  local listener = self.listener
  while not self.stopping do
    if self.nconns >= self.max_connections then
      -- at the bound: once a new connection waits, the longest idle kept-alive
      -- connection is closed for it; with none idle, wait for one to close
      local ok = scheduler.wait_fd(listener, "r")
      if ok == STOPPED then break end
      if self.nconns >= self.max_connections then
        local idle
        for c in pairs(self.conns) do
          if c.idle and (not idle or c.idle_since < idle.idle_since) then idle = c end
        end
        if idle then
          scheduler.wake(idle.task, STOPPED)
          scheduler.sleep(0)
        else
          self.accept_parked = scheduler.current()
          local v = scheduler.suspend()
          self.accept_parked = nil
          if v == STOPPED then break end
        end
      end
    else
      local sock, err = listener:accept()
      if sock then
        sock:settimeout(0)
        sock:setoption("tcp-nodelay", true)
        local conn = { sock = sock, parser = core.httpreq_new(self.max_header_bytes, self.max_headers, self.max_body) }
        self.conns[conn] = true
        self.nconns = self.nconns + 1
        self.stats.connections = self.stats.connections + 1
        conn.task = scheduler.spawn(function()
          -- a failure on one connection must not end the server's scheduler
          local ok, err = xpcall(serve_conn, debug.traceback, self, conn)
          if not ok then
            self.log("connection failed: " .. tostring(err))
            close_conn(self, conn)
          end
        end)
      elseif err == "timeout" then
        local ok = scheduler.wait_fd(listener, "r")
        if ok == STOPPED then break end
      else
        self.log("accept: " .. tostring(err))
        scheduler.sleep(0.05)
      end
    end
  end
  listener:close()
  self.listener = nil
end

-- Listens and starts accepting (in a task).  true, or nil and an error text.
function Server:start()
  local socket = require "socket"
  -- socket.bind sets SO_REUSEADDR on a socket of the address's family (a
  -- bare socket.tcp() has no descriptor yet, so setoption would fail): a
  -- restarted server can listen again while old connections linger
  local listener, err = socket.bind(self.host, self.port, 1024)
  if not listener then
    return nil, "cannot listen on " .. self.host .. ":" .. tostring(self.port) .. ": " .. tostring(err)
  end
  listener:settimeout(0)
  self.stopping = false     -- a stopped server may start again (on the same port)
  local _, port = listener:getsockname()
  self.port = tonumber(port)
  self.listener = listener
  self.accept_task = scheduler.spawn(accept_loop, self)
  return true
end

-- Stops: no new connections, idle ones closed, long polls answered, the
-- rest answered (or given 503 after shutdown_grace) and closed.  Inside a
-- task, returns once every connection is closed.  opts.keep_service: do not
-- close the service (service:close() answers its long polls and ends it).
function Server:stop(opts)
  if self.stopping then
    if scheduler.current() and self.nconns > 0 then
      self.stop_waiter = scheduler.current()
      scheduler.suspend()
    end
    return true
  end
  self.stopping = true
  if self.accept_task then scheduler.wake(self.accept_task, STOPPED) end
  local svc = self.service
  if svc and not (opts and opts.keep_service) then
    local close = type(svc.close) == "function" and svc.close or type(svc.shutdown) == "function" and svc.shutdown
    if close then
      local ok, err = pcall(close, svc)
      if not ok then self.log("service close failed: " .. tostring(err)) end
    end
  end
  local function answer(conn, status, headers, body)
    local inf = conn.inflight
    if inf and not inf.result then
      -- the connection task is parked in serve_request; hand it the answer
      inf.result = { status, headers, body }
      scheduler.wake(inf.task, inf.token)
    end
  end
  for conn in pairs(self.conns) do
    local inf = conn.inflight
    if inf and LONG_POLLS[inf.op] and not inf.result then
      answer(conn, 200, { { "x-amzn-RequestId", handler_mod.request_id() },
        { "Content-Type", handler_mod.CONTENT_TYPE } }, "{}")
    elseif not inf then
      scheduler.wake(conn.task, STOPPED)   -- idle (or reading): closes when nothing is pending
    end
  end
  if scheduler.current() then
    local deadline = now_ms() + self.shutdown_grace * 1000
    while self.nconns > 0 and now_ms() < deadline do
      scheduler.sleep(0.02)
      for conn in pairs(self.conns) do
        if not conn.inflight and conn.idle then scheduler.wake(conn.task, STOPPED) end
      end
    end
    for conn in pairs(self.conns) do
      if conn.inflight then
        answer(conn, handler_mod.error_answer(503, "ServiceUnavailable", "The service is shutting down."))
      else
        close_conn(self, conn)
      end
    end
    if self.nconns > 0 then
      self.stop_waiter = scheduler.current()
      scheduler.suspend()
    end
  end
  return true
end

-- stop() when one of the signals arrives.  opts.on_signal(name) is called
-- first; opts.after_stop() once stopped.
function Server:handle_signals(names, opts)
  opts = opts or {}
  names = names or { "TERM", "INT" }
  local fd, err = core.signal_fd(names)
  if not fd then return nil, err end
  self.signal_task = scheduler.spawn(function()
    while not self.stopping do
      local ok = scheduler.wait_fd(fd, "r")
      if ok == STOPPED then return end
      local got = core.signal_take()
      if #got > 0 then
        if opts.on_signal then opts.on_signal(got[1]) end
        core.signal_restore(names)   -- a second signal ends the process at once
        self:stop()
        if opts.after_stop then opts.after_stop() end
        return
      end
    end
  end)
  return true
end

_M.response_bytes = response_bytes
return _M
