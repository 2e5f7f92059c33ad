-- spec/support/test_server.lua: the project's scripted HTTP/1.1 test server
-- for specs.  `start` runs a server on 127.0.0.1 in a child process (the
-- same file run as a script, with luasocket), so a spec can block in a
-- client call while the server answers.  Works under lua5.4 and LuaJIT.
--
--   local test_server = require "support.test_server"
--   local server = test_server.start{
--     port = 0,                      -- 0 (default): a free port
--     responses = {                  -- answered in order, one per request
--       { status = 200, headers = { ["Content-Type"] = "application/json" }, body = "{}" },
--       { status = 500, body = "oops", close = true },
--     },
--     cycle = false,                 -- true: start the list again when it runs out
--     handler = "path/to/handler.lua",   -- or a file returning function(req, ctx) -> response
--     handler_source = "return function(req, ctx) return { body = req.path } end",
--   }
--   server:url()         -- "http://127.0.0.1:<port>/"   (server:url("/x") for a path)
--   server.port
--   server:requests()    -- every request received so far, in order (see parse_request)
--   server:connections() -- how many TCP connections were accepted so far
--   server:stop()
--
-- A response is a table (all fields optional):
--   status (200), reason (standard text), headers (map or list of {name, value}),
--   body (""), chunked (send Transfer-Encoding: chunked), chunks (the chunks; implies
--   chunked), chunk_delay (seconds between chunks), delay (seconds before anything is
--   sent), body_delay (seconds between the header block and the body), hang (true:
--   never answer, keep the connection open), drop (true: close without an answer),
--   close (true: "Connection: close" and close after the answer), wait_for (n: hold the
--   answer until the server has received n requests in all, on any connection: a
--   barrier that only concurrent clients pass), raw (exact bytes to
--   send instead of building a response).  Content-Length is added unless chunked,
--   raw, or given in headers.  When the list is exhausted (and cycle is false) the
--   server answers 599 "test server: no response left".
--
-- A handler gets the parsed request and ctx = { index = n (1-based request number),
-- connection = n, state = {} (kept across requests) } and returns a response table.
-- An error in the handler is answered 500 with the error text as body.
--
-- A request record: { raw = exact bytes received (head and body), method, target,
-- path, query, version, headers = { lowercased name -> value (repeated names joined
-- with ", ") }, header_list = { {name, value}, ... } (as sent), body (chunked bodies
-- decoded), connection = n (1-based, in accept order), index = n }.
--
-- test_server.blackhole() gives a URL whose TCP connect never completes (a listening
-- socket whose accept queue is full), for connect-timeout tests; :stop() it after.
--
-- The child exits on stop(), when the parent process is gone, or after
-- `lifetime` seconds (default 600).

local _M = {}

local REASONS = {
  [100] = "Continue", [200] = "OK", [201] = "Created", [204] = "No Content",
  [301] = "Moved Permanently", [302] = "Found", [304] = "Not Modified",
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [408] = "Request Timeout", [409] = "Conflict", [413] = "Payload Too Large",
  [429] = "Too Many Requests", [500] = "Internal Server Error", [501] = "Not Implemented",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
  [599] = "No Response Left",
}

---------------------------------------------------------------------------
-- shared helpers (parent and child)
---------------------------------------------------------------------------

local function lower_headers(list)
  local map = {}
  for _, h in ipairs(list) do
    local k = h[1]:lower()
    if map[k] then map[k] = map[k] .. ", " .. h[2] else map[k] = h[2] end
  end
  return map
end

-- Parses the head of a request (up to and excluding the blank line).
local function parse_head(head)
  local line, rest = head:match("^([^\r\n]*)\r?\n?(.*)$")
  local method, target, version = line:match("^(%S+)%s+(%S+)%s+(HTTP/%d%.%d)$")
  if not method then return nil, "bad request line: " .. line end
  local list = {}
  for hl in (rest .. "\r\n"):gmatch("(.-)\r?\n") do
    if hl ~= "" then
      local name, value = hl:match("^([^:]+):%s*(.-)%s*$")
      if not name then return nil, "bad header line: " .. hl end
      list[#list + 1] = { name, value }
    end
  end
  local path, query = target:match("^([^?]*)%??(.*)$")
  return { method = method, target = target, path = path, query = query,
    version = version, header_list = list, headers = lower_headers(list) }
end

-- Tries to take one whole request from the front of buf.  Returns the
-- request (with raw and body) and the rest of the buffer; nil when more bytes
-- are needed; or false, message on a malformed request.  `head_only` marks the
-- point where the head is complete (for Expect: 100-continue).
local function take_request(buf)
  if #buf > 0 and not buf:match("^%u") then return false, "not an HTTP request" end
  local e = buf:find("\r\n\r\n", 1, true)
  if not e then return nil end
  local req, perr = parse_head(buf:sub(1, e - 1))
  if not req then return false, perr end
  local pos = e + 4
  local te = req.headers["transfer-encoding"]
  if te and te:lower():find("chunked", 1, true) then
    local parts = {}
    while true do
      local le = buf:find("\r\n", pos, true)
      if not le then return nil, nil, req end
      local size = tonumber(buf:sub(pos, le - 1):match("^%s*(%x+)"), 16)
      if not size then return false, "bad chunk size" end
      if size == 0 then
        -- trailers up to an empty line
        local p = le + 2
        while true do
          local te2 = buf:find("\r\n", p, true)
          if not te2 then return nil, nil, req end
          if te2 == p then pos = te2 + 2; break end
          p = te2 + 2
        end
        break
      end
      if #buf < le + 2 + size + 1 then return nil, nil, req end
      parts[#parts + 1] = buf:sub(le + 2, le + 1 + size)
      pos = le + 2 + size + 2
    end
    req.body = table.concat(parts)
  else
    local n = tonumber(req.headers["content-length"] or "0") or 0
    if #buf < pos + n - 1 then return nil, nil, req end
    req.body = buf:sub(pos, pos + n - 1)
    pos = pos + n
  end
  req.raw = buf:sub(1, pos - 1)
  return req, buf:sub(pos)
end

-- The request record of exact bytes (used by the parent on the log).
local function parse_request(raw)
  local req = take_request(raw)
  if not req then
    req = { body = "" }
    local e = raw:find("\r\n\r\n", 1, true)
    if e then
      local h = parse_head(raw:sub(1, e - 1))
      if h then req = h; req.body = raw:sub(e + 4) end
    end
  end
  req.raw = raw
  return req
end
_M.parse_request = parse_request

-- Lua source for a plain value (strings, numbers, booleans, tables).
local function serialize(v, out)
  local t = type(v)
  if t == "string" then out[#out + 1] = string.format("%q", v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("cannot serialise " .. tostring(v)) end
    out[#out + 1] = string.format("%.17g", v)
  elseif t == "boolean" or t == "nil" then out[#out + 1] = tostring(v)
  elseif t == "table" then
    out[#out + 1] = "{"
    for k, val in pairs(v) do
      out[#out + 1] = "["; serialize(k, out); out[#out + 1] = "]="
      serialize(val, out); out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  else
    error("test_server: cannot pass a " .. t .. " to the server process (use a handler file)")
  end
  return out
end

local function readfile(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

---------------------------------------------------------------------------
-- child: the server itself
---------------------------------------------------------------------------

local function build_response(r, keep)
  -- Returns a list of { after = seconds since the previous piece, data = s }
  -- and whether to close after.
  local close = r.close or not keep
  if r.raw then return { { after = r.delay or 0, data = r.raw } }, r.close end
  local status = r.status or 200
  local lines = { string.format("HTTP/1.1 %d %s", status, r.reason or REASONS[status] or "Unknown") }
  local have = {}
  local hs = r.headers or {}
  local list = {}
  if hs[1] then
    for _, h in ipairs(hs) do list[#list + 1] = h end
  else
    local names = {}
    for k in pairs(hs) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do list[#list + 1] = { k, hs[k] } end
  end
  for _, h in ipairs(list) do
    lines[#lines + 1] = h[1] .. ": " .. tostring(h[2])
    have[h[1]:lower()] = true
  end
  local body = r.body or ""
  local chunks = r.chunks
  if r.chunked and not chunks then chunks = { body } end
  if chunks then
    if not have["transfer-encoding"] then lines[#lines + 1] = "Transfer-Encoding: chunked" end
  elseif not have["content-length"] then
    lines[#lines + 1] = "Content-Length: " .. #body
  end
  if close and not have["connection"] then lines[#lines + 1] = "Connection: close" end
  local head = table.concat(lines, "\r\n") .. "\r\n\r\n"
  local pieces = {}
  if chunks then
    pieces[1] = { after = r.delay or 0, data = head }
    for i, c in ipairs(chunks) do
      local after = (i == 1) and (r.body_delay or 0) or (r.chunk_delay or 0)
      if #c > 0 then
        pieces[#pieces + 1] = { after = after, data = string.format("%x\r\n", #c) .. c .. "\r\n" }
      end
    end
    pieces[#pieces + 1] = { after = (#chunks > 0 and r.chunk_delay) or 0, data = "0\r\n\r\n" }
  elseif r.body_delay and #body > 0 then
    pieces[1] = { after = r.delay or 0, data = head }
    pieces[2] = { after = r.body_delay, data = body }
  else
    pieces[1] = { after = r.delay or 0, data = head .. body }
  end
  return pieces, close
end

local function run_child(cfg_path)
  local socket = require "socket"
  local cfg = assert(loadfile(cfg_path))()
  os.remove(cfg_path)   -- read once; nothing is left behind if the parent dies
  local log = assert(io.open(cfg.log, "ab"))
  local handler
  if cfg.handler then handler = assert(loadfile(cfg.handler))() end
  if cfg.handler_source then
    handler = assert((loadstring or load)(cfg.handler_source, "=handler"))()
  end
  local responses = cfg.responses or {}
  local next_response = 1
  local state = {}

  local listener = assert(socket.bind("127.0.0.1", cfg.port or 0, cfg.backlog or 128))
  listener:settimeout(0)
  local _, port = listener:getsockname()
  io.stdout:write("READY ", port, "\n")
  io.stdout:flush()

  local conns = {}       -- list of connection states
  local count = 0        -- connections accepted
  local nreq = 0         -- requests received
  local started = socket.gettime()
  local lifetime = cfg.lifetime or 600
  local last_check = started

  local held = {}        -- responses waiting for wait_for requests
  local send_response
  local function respond_to(req, c)
    nreq = nreq + 1
    log:write(string.format("REQ %d %d\n", c.id, #req.raw), req.raw, "\n")
    log:flush()
    local r
    if handler then
      local ok, res = pcall(handler, req, { index = nreq, connection = c.id, state = state })
      if ok then r = res or { status = 204 } else r = { status = 500, body = tostring(res) } end
    else
      r = responses[next_response]
      if r then
        next_response = next_response + 1
        if cfg.cycle and next_response > #responses then next_response = 1 end
      else
        r = { status = 599, body = "test server: no response left" }
      end
    end
    if r.drop then c.dead = true; return end
    if r.hang then c.hung = true; return end
    if r.wait_for and nreq < r.wait_for then
      held[#held + 1] = { r = r, req = req, c = c }
      c.held = true
      return
    end
    send_response(r, req, c)
  end

  function send_response(r, req, c)
    local conn_hdr = (req.headers["connection"] or ""):lower()
    local keep = req.version == "HTTP/1.1" and conn_hdr ~= "close" or conn_hdr == "keep-alive"
    local pieces, close = build_response(r, keep)
    local t = c.last_at or socket.gettime()
    if t < socket.gettime() then t = socket.gettime() end
    for _, p in ipairs(pieces) do
      t = t + (p.after or 0)
      c.out[#c.out + 1] = { at = t, data = p.data }
    end
    c.last_at = t
    if close then c.out[#c.out + 1] = { at = t, close = true } end
  end

  local process
  function process(c)
    while not c.hung and not c.dead and not c.held do
      local req, rest_or_err, partial = take_request(c.buf)
      if req == false then
        c.out[#c.out + 1] = { at = socket.gettime(), data =
          "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" }
        c.out[#c.out + 1] = { at = socket.gettime(), close = true }
        c.hung = true
        return
      end
      if not req then
        if partial and not c.continued then
          local ex = partial.headers["expect"]
          if ex and ex:lower() == "100-continue" then
            c.continued = true
            c.out[#c.out + 1] = { at = socket.gettime(), data = "HTTP/1.1 100 Continue\r\n\r\n" }
          end
        end
        return
      end
      c.continued = false
      c.buf = rest_or_err
      respond_to(req, c)
      if #held > 0 then
        local still, released = {}, {}
        for _, h in ipairs(held) do
          if nreq >= h.r.wait_for then
            h.c.held = false
            send_response(h.r, h.req, h.c)
            released[#released + 1] = h.c
          else
            still[#still + 1] = h
          end
        end
        held = still
        for _, rc in ipairs(released) do
          if rc ~= c then process(rc) end   -- requests queued behind the held one
        end
      end
    end
  end

  local function close_conn(c)
    c.sock:close()
    c.closed = true
  end

  -- The parent is the Lua process that started us (sh exec'd into this
  -- one); when it dies we are re-parented and our ppid changes.
  local function ppid()
    local st = readfile("/proc/self/stat")
    return st and st:match("^%d+ %b() %S+ (%d+)")
  end
  local first_ppid = ppid()
  local function parent_alive()
    return first_ppid == nil or ppid() == first_ppid
  end

  while true do
    local now = socket.gettime()
    if now - last_check > 1 then
      last_check = now
      if not parent_alive() or now - started > lifetime then break end
    end
    local readers, writers = { listener }, {}
    local wake = now + 1
    local live = {}
    for _, c in ipairs(conns) do
      if c.dead then close_conn(c) end
      if not c.closed then
        live[#live + 1] = c
        readers[#readers + 1] = c.sock
        local o = c.out[1]
        if o then
          if o.at <= now then writers[#writers + 1] = c.sock
          elseif o.at < wake then wake = o.at end
        end
      end
    end
    conns = live
    local timeout = wake - now
    if #writers > 0 then timeout = 0 end
    if timeout < 0 then timeout = 0 end
    local rs, ws = socket.select(readers, writers, timeout)
    if rs[listener] then
      while true do
        local s = listener:accept()
        if not s then break end
        s:settimeout(0)
        s:setoption("tcp-nodelay", true)
        count = count + 1
        log:write(string.format("CONN %d\n", count))
        log:flush()
        conns[#conns + 1] = { sock = s, id = count, buf = "", out = {} }
      end
    end
    for _, c in ipairs(conns) do
      if not c.closed and rs[c.sock] then
        local data, err, partial = c.sock:receive(65536)
        data = data or partial
        if data and #data > 0 then c.buf = c.buf .. data end
        if err == "closed" then
          close_conn(c)
        else
          process(c)
        end
      end
    end
    now = socket.gettime()
    for _, c in ipairs(conns) do
      while not c.closed and c.out[1] and c.out[1].at <= now do
        local o = c.out[1]
        if o.close then
          close_conn(c)
          break
        end
        local last, err, lastpart = c.sock:send(o.data, o.sent and o.sent + 1 or 1)
        last = last or lastpart
        if err and err ~= "timeout" then close_conn(c); break end
        if last == #o.data then
          table.remove(c.out, 1)
        else
          o.sent = last
          break
        end
      end
    end
  end
  for _, c in ipairs(conns) do if not c.closed then c.sock:close() end end
  listener:close()
  log:close()
end

---------------------------------------------------------------------------
-- parent: start / url / requests / stop
---------------------------------------------------------------------------

local Server = {}
Server.__index = Server

local function this_file()
  local src = debug.getinfo(1, "S").source
  return (src:gsub("^@", ""))
end

local function interpreter()
  local lua = os.getenv("SFN_LUA")
  if lua and lua ~= "" then return lua end
  if rawget(_G, "jit") then return "luajit" end
  return "lua5.4"
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Starts a server; see the header comment for opts.
function _M.start(opts)
  opts = opts or {}
  local cfg = {
    port = opts.port or 0, responses = opts.responses, cycle = opts.cycle,
    handler = opts.handler, handler_source = opts.handler_source,
    lifetime = opts.lifetime, backlog = opts.backlog,
  }
  local cfg_path = os.tmpname()
  local log_path = os.tmpname()
  cfg.log = log_path
  local f = assert(io.open(cfg_path, "wb"))
  f:write("return ", table.concat(serialize(cfg, {})), "\n")
  f:close()
  -- sh prints its own pid, then becomes the server (same pid).
  local cmd = string.format("echo $$; exec %s %s --child %s",
    interpreter(), shell_quote(this_file()), shell_quote(cfg_path))
  local p = assert(io.popen(cmd, "r"))
  local first = p:read("*l")
  local pid = (first or ""):match("^(%d+)$")
  local ready = p:read("*l")
  local port = ready and ready:match("^READY (%d+)")
  if not pid or not port then
    p:close()
    os.remove(cfg_path); os.remove(log_path)
    error("test_server: the server process did not start (" .. tostring(first) .. " / " ..
      tostring(ready) .. ")", 2)
  end
  return setmetatable({ pid = tonumber(pid), port = tonumber(port), host = "127.0.0.1",
    _pipe = p, _cfg = cfg_path, _log = log_path }, Server)
end

-- "http://127.0.0.1:<port>" followed by path (default "/").
function Server:url(path)
  return string.format("http://127.0.0.1:%d%s", self.port, path or "/")
end

local function read_log(self)
  local s = readfile(self._log) or ""
  local reqs, nconn = {}, 0
  local pos = 1
  while pos <= #s do
    local line_end = s:find("\n", pos, true)
    if not line_end then break end
    local line = s:sub(pos, line_end - 1)
    local cid, len = line:match("^REQ (%d+) (%d+)$")
    if cid then
      local raw = s:sub(line_end + 1, line_end + tonumber(len))
      if #raw < tonumber(len) then break end
      local req = parse_request(raw)
      req.connection = tonumber(cid)
      req.index = #reqs + 1
      reqs[#reqs + 1] = req
      pos = line_end + 1 + tonumber(len) + 1
    else
      local n = line:match("^CONN (%d+)$")
      if n then nconn = tonumber(n) end
      pos = line_end + 1
    end
  end
  return reqs, nconn
end

-- Every request received so far, in order (records described above).
function Server:requests()
  local reqs = read_log(self)
  return reqs
end

-- How many TCP connections the server has accepted so far.
function Server:connections()
  local _, n = read_log(self)
  return n
end

-- Stops the server process and removes its files.  Safe to call twice.
function Server:stop()
  if self._stopped then return end
  self._stopped = true
  os.execute("kill " .. self.pid .. " 2>/dev/null")
  self._pipe:close()
  os.remove(self._cfg); os.remove(self._log)
end

-- A URL whose TCP connect never completes: a listening socket in this
-- process that never accepts, its accept queue filled first.
function _M.blackhole()
  local socket = require "socket"
  local l = assert(socket.bind("127.0.0.1", 0, 0))
  local _, port = l:getsockname()
  local fillers = {}
  for _ = 1, 8 do
    local c = socket.tcp()
    c:settimeout(0.2)
    local ok = c:connect("127.0.0.1", port)
    fillers[#fillers + 1] = c
    if not ok then break end
  end
  return {
    port = tonumber(port),
    url = function(_, path) return string.format("http://127.0.0.1:%d%s", port, path or "/") end,
    stop = function()
      for _, c in ipairs(fillers) do c:close() end
      l:close()
    end,
  }
end

-- An HTTPS server for TLS tests: `openssl s_server -www` (answers any GET
-- with 200 and a status page) on 127.0.0.1 with a fresh self-signed
-- certificate for IP 127.0.0.1.  Returns { port, url = function, cert = path
-- of the certificate (a CA file that trusts it), stop = function }, or nil,
-- reason when the openssl command is missing.
function _M.start_tls()
  if not os.execute("command -v openssl >/dev/null 2>&1") then return nil, "openssl not installed" end
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. shell_quote(dir)))
  local cert, key = dir .. "/cert.pem", dir .. "/key.pem"
  local gen = string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes " ..
    "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
    shell_quote(key), shell_quote(cert))
  if not os.execute(gen) then return nil, "openssl req failed" end
  local socket = require "socket"
  local probe = assert(socket.bind("127.0.0.1", 0))
  local _, port = probe:getsockname()
  probe:close()
  local p = assert(io.popen(string.format("echo $$; exec openssl s_server -accept 127.0.0.1:%s " ..
    "-cert %s -key %s -www -naccept 1000 2>&1", port, shell_quote(cert), shell_quote(key)), "r"))
  local pid = tonumber(p:read("*l") or "")
  local line
  repeat line = p:read("*l") until not line or line:find("ACCEPT", 1, true)
  if not pid or not line then
    p:close()
    return nil, "openssl s_server did not start"
  end
  local stopped = false
  return {
    port = tonumber(port), cert = cert,
    url = function(_, path) return string.format("https://127.0.0.1:%s%s", port, path or "/") end,
    stop = function()
      if stopped then return end
      stopped = true
      os.execute("kill " .. pid .. " 2>/dev/null")
      p:close()
      os.execute("rm -rf " .. shell_quote(dir))
    end,
  }
end

-- Run as a script: the child.
local a1, a2 = ...
if a1 == "--child" and a2 then
  run_child(a2)
  return
end

return _M
