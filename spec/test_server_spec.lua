-- The project's scripted HTTP test server (spec/support/test_server.lua),
-- driven by a raw luasocket client so the bytes on both sides are known.
local socket = require "socket"
local test_server = require "support.test_server"

local function connect(server, timeout)
  local c = assert(socket.tcp())
  c:settimeout(timeout or 5)
  assert(c:connect("127.0.0.1", server.port))
  return c
end

-- Reads one response: status line, header block, body (Content-Length or
-- chunked, raw chunk framing kept in `wire`).  Returns nil, err on failure.
local function read_response(c)
  local wire = {}
  local line, err = c:receive("*l")
  if not line then return nil, err end
  wire[#wire + 1] = line .. "\r\n"
  local status = tonumber(line:match("^HTTP/1%.1 (%d+)"))
  local headers = {}
  while true do
    local l, e = c:receive("*l")
    if not l then return nil, e end
    wire[#wire + 1] = l .. "\r\n"
    if l == "" then break end
    local k, v = l:match("^([^:]+):%s*(.*)$")
    headers[k:lower()] = v
  end
  local body = ""
  if headers["transfer-encoding"] == "chunked" then
    local parts = {}
    while true do
      local l, e = c:receive("*l")
      if not l then return nil, e end
      wire[#wire + 1] = l .. "\r\n"
      local n = tonumber(l, 16)
      if n == 0 then
        local crlf = c:receive("*l"); wire[#wire + 1] = crlf .. "\r\n"
        break
      end
      local data = c:receive(n + 2)
      wire[#wire + 1] = data
      parts[#parts + 1] = data:sub(1, n)
    end
    body = table.concat(parts)
  elseif headers["content-length"] then
    local n = tonumber(headers["content-length"])
    if n > 0 then
      local e
      body, e = c:receive(n)
      if not body then return nil, e end
    end
    wire[#wire + 1] = body
  end
  return { status = status, headers = headers, body = body, wire = table.concat(wire) }
end

local function request(c, method, path, body, extra)
  local s = method .. " " .. path .. " HTTP/1.1\r\nHost: 127.0.0.1\r\n" .. (extra or "")
  if body then s = s .. "Content-Length: " .. #body .. "\r\n\r\n" .. body else s = s .. "\r\n" end
  assert(c:send(s))
  return s
end

describe("spec/support/test_server", function()
  local server
  after_each(function()
    if server then server:stop(); server = nil end
  end)

  it("answers canned responses in order and records each request's exact bytes", function()
    server = test_server.start{ responses = {
      { status = 200, headers = { ["Content-Type"] = "application/json" }, body = "{}" },
      { status = 400, headers = { { "x-amzn-ErrorType", "ValidationException" } }, body = "bad" },
    } }
    assert.is_true(server.port > 0)
    assert.equal("http://127.0.0.1:" .. server.port .. "/", server:url())
    assert.equal("http://127.0.0.1:" .. server.port .. "/x?y", server:url("/x?y"))
    local c = connect(server)
    local sent1 = request(c, "POST", "/", '{"a":1}', "X-Amz-Target: AWSStepFunctions.ListActivities\r\n")
    local r1 = assert(read_response(c))
    assert.equal("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", r1.wire)
    local sent2 = request(c, "GET", "/path?q=1%202")
    local r2 = assert(read_response(c))
    assert.equal("HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ValidationException\r\nContent-Length: 3\r\n\r\nbad",
      r2.wire)
    c:close()
    local reqs = server:requests()
    assert.equal(2, #reqs)
    assert.equal(sent1, reqs[1].raw)
    assert.equal("POST", reqs[1].method)
    assert.equal("/", reqs[1].path)
    assert.equal('{"a":1}', reqs[1].body)
    assert.equal("AWSStepFunctions.ListActivities", reqs[1].headers["x-amz-target"])
    assert.same({ "X-Amz-Target", "AWSStepFunctions.ListActivities" }, reqs[1].header_list[2])
    assert.equal(sent2, reqs[2].raw)
    assert.equal("/path", reqs[2].path)
    assert.equal("q=1%202", reqs[2].query)
    assert.equal("/path?q=1%202", reqs[2].target)
    assert.equal("", reqs[2].body)
    assert.equal(1, reqs[1].connection)
    assert.equal(1, reqs[2].connection)
    assert.equal(1, server:connections())
  end)

  it("answers 599 when the list runs out, or starts again with cycle", function()
    server = test_server.start{ responses = { { body = "one" } } }
    local c = connect(server)
    request(c, "GET", "/")
    assert.equal("one", read_response(c).body)
    request(c, "GET", "/")
    local r = read_response(c)
    assert.equal(599, r.status)
    assert.equal("test server: no response left", r.body)
    server:stop()
    server = test_server.start{ responses = { { body = "a" }, { body = "b" } }, cycle = true }
    c = connect(server)
    local got = {}
    for _ = 1, 5 do
      request(c, "GET", "/")
      got[#got + 1] = read_response(c).body
    end
    assert.equal("ababa", table.concat(got))
  end)

  it("counts connections: one per client connection, closes on close = true", function()
    server = test_server.start{ responses = { { body = "x", close = true }, { body = "y" } } }
    local c = connect(server)
    request(c, "GET", "/")
    local r = read_response(c)
    assert.equal("close", r.headers["connection"])
    assert.equal(nil, (c:receive(1)))
    c:close()
    c = connect(server)
    request(c, "GET", "/")
    assert.equal("y", read_response(c).body)
    c:close()
    assert.equal(2, server:connections())
    local reqs = server:requests()
    assert.equal(1, reqs[1].connection)
    assert.equal(2, reqs[2].connection)
  end)

  it("sends chunked bodies, with the chunks given", function()
    server = test_server.start{ responses = {
      { chunks = { "hello ", "world" } },
      { chunked = true, body = "whole" },
    } }
    local c = connect(server)
    request(c, "GET", "/")
    local r = read_response(c)
    assert.equal("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", r.wire)
    assert.equal("hello world", r.body)
    request(c, "GET", "/")
    assert.equal("whole", read_response(c).body)
  end)

  it("reads chunked request bodies and answers Expect: 100-continue", function()
    server = test_server.start{ responses = { { body = "ok" }, { body = "ok2" } } }
    local c = connect(server)
    local raw = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    c:send(raw)
    assert.equal("ok", read_response(c).body)
    c:send("PUT /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
    assert.equal("HTTP/1.1 100 Continue", c:receive("*l"))
    assert.equal("", c:receive("*l"))
    c:send("body")
    assert.equal("ok2", read_response(c).body)
    local reqs = server:requests()
    assert.equal(raw, reqs[1].raw)
    assert.equal("abcde", reqs[1].body)
    assert.equal("body", reqs[2].body)
  end)

  it("sends a large body whole", function()
    local big = string.rep("0123456789abcdef", 4 * 65536) -- 4 MiB
    server = test_server.start{ responses = { { body = big } } }
    local c = connect(server)
    request(c, "POST", "/", string.rep("z", 1000000))
    local r = read_response(c)
    assert.equal(#big, #r.body)
    assert.is_true(r.body == big)
    assert.equal(1000000, #server:requests()[1].body)
  end)

  it("runs a handler given as source, with state across requests", function()
    server = test_server.start{ handler_source = [[
      return function(req, ctx)
        ctx.state.n = (ctx.state.n or 0) + 1
        if req.path == "/boom" then error("boom", 0) end
        return { status = 200, body = req.method .. " " .. req.path .. " " .. ctx.index .. " " .. ctx.state.n
          .. " conn " .. ctx.connection .. " " .. req.body }
      end ]] }
    local c = connect(server)
    request(c, "POST", "/a", "xyz")
    assert.equal("POST /a 1 1 conn 1 xyz", read_response(c).body)
    request(c, "GET", "/b")
    assert.equal("GET /b 2 2 conn 1 ", read_response(c).body)
    request(c, "GET", "/boom")
    local r = read_response(c)
    assert.equal(500, r.status)
    assert.equal("boom", r.body)
  end)

  it("runs a handler file", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write('return function(req) return { status = 201, headers = { ["X-Echo"] = req.headers["x-in"] } } end\n')
    f:close()
    server = test_server.start{ handler = path }
    local c = connect(server)
    request(c, "GET", "/", nil, "X-In: 42\r\n")
    local r = read_response(c)
    os.remove(path)
    assert.equal(201, r.status)
    assert.equal("42", r.headers["x-echo"])
  end)

  it("delays, hangs and drops on demand", function()
    server = test_server.start{ responses = {
      { body = "late", delay = 0.5 },
      { hang = true },
    } }
    local c = connect(server, 0.05)
    request(c, "GET", "/")
    local _, err = c:receive("*l")
    assert.equal("timeout", err)        -- nothing yet
    c:settimeout(5)
    assert.equal("late", read_response(c).body)
    request(c, "GET", "/")
    c:settimeout(0.3)
    _, err = c:receive("*l")
    assert.equal("timeout", err)        -- never answered
    c:close()
    server:stop()
    server = test_server.start{ responses = { { drop = true } } }
    c = connect(server)
    request(c, "GET", "/")
    _, err = c:receive("*l")
    assert.equal("closed", err)
  end)

  it("stalls between the header block and the body, and between chunks", function()
    server = test_server.start{ responses = {
      { body = "body", body_delay = 0.5 },
      { chunks = { "a", "b" }, chunk_delay = 0.5 },
    } }
    local c = connect(server)
    request(c, "GET", "/")
    assert.equal("HTTP/1.1 200 OK", c:receive("*l"))
    assert.equal("Content-Length: 4", c:receive("*l"))
    assert.equal("", c:receive("*l"))
    c:settimeout(0.05)
    local _, err = c:receive(4)
    assert.equal("timeout", err)
    c:settimeout(5)
    assert.equal("body", c:receive(4))
    request(c, "GET", "/")
    for _ = 1, 3 do c:receive("*l") end   -- status, TE, blank
    assert.equal("1", c:receive("*l"))
    assert.equal("a", c:receive("*l"))
    c:settimeout(0.05)
    _, err = c:receive("*l")
    assert.equal("timeout", err)
  end)

  it("sends raw bytes as given", function()
    server = test_server.start{ responses = { { raw = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", close = true } } }
    local c = connect(server)
    request(c, "GET", "/")
    assert.equal("HTTP/1.1 200 OK", c:receive("*l"))
    c:receive("*l"); c:receive("*l")
    local data, err, partial = c:receive(10)
    assert.equal(nil, data)
    assert.equal("closed", err)
    assert.equal("short", partial)
  end)

  it("listens on a given port", function()
    local probe = assert(socket.bind("127.0.0.1", 0))
    local _, port = probe:getsockname()
    probe:close()
    server = test_server.start{ port = tonumber(port), responses = { { body = "p" } } }
    assert.equal(tonumber(port), server.port)
    local c = connect(server)
    request(c, "GET", "/")
    assert.equal("p", read_response(c).body)
  end)

  it("gives a blackhole address whose connect does not complete", function()
    local b = test_server.blackhole()
    local c = socket.tcp()
    c:settimeout(0.3)
    local ok, err = c:connect("127.0.0.1", b.port)
    c:close()
    b:stop()
    assert.equal(nil, ok)
    assert.equal("timeout", err)
  end)

  it("stops twice without harm and the port is free afterwards", function()
    server = test_server.start{}
    local port = server.port
    server:stop(); server:stop()
    server = nil
    local c = socket.tcp()
    c:settimeout(1)
    local ok = c:connect("127.0.0.1", port)
    c:close()
    assert.equal(nil, ok)
  end)
end)
