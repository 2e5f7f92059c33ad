-- spec/server_spec.lua: sfn.server and sfn.server_handler (the HTTP front of
-- the local service) with exact bytes over loopback: AWS JSON 1.0 answers
-- and errors, request limits, keep-alive, concurrency of long polls, stop,
-- signatures, and `sfn serve` stopped by SIGTERM with a long poll open.
-- The service behind is a stub (spec/support/stub_service.lua) except for
-- the `sfn serve` case.
local sfn = require "sfn"
local core = require "sfn.core"
local json = require "sfn.json"
local scheduler = require "sfn.scheduler"
local sigv4 = require "sfn.sigv4"
local server_mod = require "sfn.server"
local handler_mod = require "sfn.server_handler"
local stub = require "support.stub_service"
local socket = require "socket"

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
local MISMATCH = "The request signature we calculated does not match the signature you provided. "
  .. "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

---------------------------------------------------------------------------
-- a raw HTTP client for tasks
---------------------------------------------------------------------------

local function connect(port)
  local s = socket.tcp()
  s:settimeout(0)
  local ok, err = s:connect("127.0.0.1", port)
  if not ok and err == "timeout" then assert(scheduler.wait_fd(s, "w", 5)) end
  return { sock = s, buf = "" }
end

local function send(c, data)
  local i = 1
  while i <= #data do
    local last, err, partial = c.sock:send(data, i)
    if last then i = last + 1
    elseif err == "timeout" then
      i = partial + 1
      scheduler.wait_fd(c.sock, "w", 5)
    else
      return nil, err
    end
  end
  return true
end

-- more bytes into c.buf; false when closed or after timeout seconds
local function fill(c, timeout)
  local data, err, partial = c.sock:receive(65536)
  local chunk = data or partial
  if chunk and #chunk > 0 then c.buf = c.buf .. chunk return true end
  if err == "closed" then c.closed = true return false end
  local ok = scheduler.wait_fd(c.sock, "r", timeout or 10)
  if not ok then return false end
  return fill(c, 0.001) or not c.closed
end

-- The next response: { status =, headers = { lowercased -> value }, body = },
-- or nil, "closed" / "timeout".
local function read_response(c, timeout)
  local deadline = core.monotonic_ms() + (timeout or 10) * 1000
  while not c.buf:find("\r\n\r\n", 1, true) do
    if c.closed or core.monotonic_ms() > deadline then return nil, c.closed and "closed" or "timeout" end
    fill(c, (deadline - core.monotonic_ms()) / 1000)
  end
  local e = c.buf:find("\r\n\r\n", 1, true)
  local head = c.buf:sub(1, e - 1)
  c.buf = c.buf:sub(e + 4)
  local status = tonumber(head:match("^HTTP/1%.1 (%d%d%d)"))
  local headers = {}
  for name, value in head:gmatch("\r\n([^:\r\n]+): ([^\r\n]*)") do headers[name:lower()] = value end
  local n = tonumber(headers["content-length"] or "0")
  while #c.buf < n do
    if c.closed or core.monotonic_ms() > deadline then return nil, "truncated body" end
    fill(c, (deadline - core.monotonic_ms()) / 1000)
  end
  local body = c.buf:sub(1, n)
  c.buf = c.buf:sub(n + 1)
  return { status = status, headers = headers, body = body, head = head }
end

-- true when the server closed the connection (within timeout seconds)
local function closed_by_server(c, timeout)
  local deadline = core.monotonic_ms() + (timeout or 5) * 1000
  while not c.closed and core.monotonic_ms() < deadline do fill(c, 0.05) end
  return c.closed == true
end

local function post(op, body, extra)
  body = body or "{}"
  local h = { "POST / HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/x-amz-json-1.0",
    "Content-Length: " .. #body }
  if op then h[#h + 1] = "X-Amz-Target: AWSStepFunctions." .. op end
  for _, x in ipairs(extra or {}) do h[#h + 1] = x end
  return table.concat(h, "\r\n") .. "\r\n\r\n" .. body
end

-- Runs fn(server, svc, port) in a task with a started server; stops it after.
local function with_server(opts, fn)
  opts = opts or {}
  local svc = opts.service or stub.new{ poll_seconds = opts.poll_seconds }
  local logs = {}
  opts.service = svc
  opts.host, opts.port = "127.0.0.1", 0
  opts.log = function(m) logs[#logs + 1] = m end
  local server = server_mod.new(opts)
  local err
  sfn.run(function()
    assert(server:start())
    local ok, e = pcall(fn, server, svc, server.port, logs)
    if not ok then err = e end
    server:stop()
  end)
  if err then error(err, 0) end
  return server, svc, logs
end

-- One request on a new connection; the response.
local function exchange(port, bytes)
  local c = connect(port)
  assert(send(c, bytes))
  local r, err = read_response(c)
  c.sock:close()
  return assert(r, err)
end

local function assert_error(r, status, typ, message, errortype)
  assert.are.equal(status, r.status)
  local body = assert(json.decode(r.body))
  assert.are.equal(typ, body.__type)
  if message == false then
    assert.is_nil(body.message)
    assert.is_nil(body.Message)
  elseif message then
    assert.are.equal(message, body.message or body.Message)
  end
  assert.are.equal("application/x-amz-json-1.0", r.headers["content-type"])
  assert.truthy(r.headers["x-amzn-requestid"]:match(UUID))
  if errortype then assert.are.equal(errortype, r.headers["x-amzn-errortype"]) end
  return body
end

---------------------------------------------------------------------------

describe("sfn.server: AWS JSON 1.0", function()
  it("answers an operation with its JSON, the content type and a request id", function()
    with_server({}, function(_, svc, port)
      local r = exchange(port, post("CreateActivity", '{"name":"w"}'))
      assert.are.equal(200, r.status)
      assert.are.equal('{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:w","creationDate":1.70000000025E9}',
        r.body)
      assert.are.equal("application/x-amz-json-1.0", r.headers["content-type"])
      assert.truthy(r.headers["x-amzn-requestid"]:match(UUID))
      assert.truthy(r.headers["date"]:match("^%a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d GMT$"))
      assert.are.equal("CreateActivity", svc.calls[1][1])
      assert.are.same({ name = "w" }, svc.calls[1][2])
    end)
  end)

  it("sends the service's errors as AWS does: __type with the namespace, message, x-amzn-ErrorType", function()
    with_server({}, function(_, _, port)
      local arn = "arn:aws:states:us-east-1:123456789012:execution:m:e"
      local r = exchange(port, post("DescribeExecution", '{"executionArn":"' .. arn .. '"}'))
      assert_error(r, 400, "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",
        "Execution Does Not Exist: '" .. arn .. "'",
        "ExecutionDoesNotExist:http://internal.amazon.com/coral/com.amazonaws.swf.service.v2.model/")
      r = exchange(port, post("StartExecution", '{"stateMachineArn":"a","name":"' .. string.rep("n", 81) .. '"}'))
      assert_error(r, 400, "com.amazon.coral.validate#ValidationException", nil,
        "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/")
    end)
  end)

  it("answers unknown or missing targets, other methods and paths with UnknownOperationException", function()
    with_server({}, function(_, _, port)
      assert_error(exchange(port, post("Nope")), 400, "com.amazon.coral.service#UnknownOperationException", false,
        "UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/")
      assert_error(exchange(port, post(nil)), 400, "com.amazon.coral.service#UnknownOperationException", false)
      assert_error(exchange(port, post(nil, "{}", { "X-Amz-Target: Other.ListActivities" })), 400,
        "com.amazon.coral.service#UnknownOperationException", false)
      assert_error(exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 404,
        "com.amazon.coral.service#UnknownOperationException", false)
      assert_error(exchange(port, (post("ListActivities"):gsub("^POST / ", "POST /other "))), 404,
        "com.amazon.coral.service#UnknownOperationException", false)
    end)
  end)

  it("answers malformed JSON with SerializationException", function()
    with_server({}, function(_, svc, port)
      for _, body in ipairs{ "", "{", '{"name":"x"', "null", '"x"', "5", '{"name":"x",}', "{}{}", "\255" } do
        assert_error(exchange(port, post("CreateActivity", body)), 400,
          "com.amazon.coral.service#SerializationException", false,
          "SerializationException:http://internal.amazon.com/coral/com.amazon.coral.service/")
      end
      assert_error(exchange(port, post("CreateActivity", "[]")), 400,
        "com.amazon.coral.service#SerializationException", "Start of list found where not expected")
      assert.are.equal(0, #svc.calls)
    end)
  end)

  it("answers members of the wrong type with Coral's SerializationException texts", function()
    local cases = {
      { "CreateActivity", '{"name":5}', "NUMBER_VALUE can not be converted to a String" },
      { "CreateActivity", '{"name":true}', "TRUE_VALUE can not be converted to a String" },
      { "CreateActivity", '{"name":false}', "FALSE_VALUE can not be converted to a String" },
      { "CreateActivity", '{"name":{}}', "Start of structure or map found where not expected." },
      { "CreateActivity", '{"name":["x"]}', "Start of list found where not expected" },
      { "CreateActivity", '{"name":"a","tags":"x"}', "Expected list or null" },
      { "CreateActivity", '{"name":"a","tags":[{"key":1}]}', "NUMBER_VALUE can not be converted to a String" },
      { "ListExecutions", '{"maxResults":"1"}', "STRING_VALUE can not be converted to an Integer" },
      { "ListExecutions", '{"maxResults":true}', "TRUE_VALUE can not be converted to an Integer" },
      { "ListExecutions", '{"maxResults":[1]}', "Start of list found where not expected" },
      { "GetExecutionHistory", '{"executionArn":"a","includeExecutionData":"yes"}',
        "STRING_VALUE can not be converted to a Boolean" },
      { "StartExecution", '{"stateMachineArn":"a","input":{"x":1}}',
        "Start of structure or map found where not expected." },
      { "CreateStateMachine", '{"name":"a","definition":"{}","roleArn":"r","loggingConfiguration":"x"}',
        "Expected null" },
      { "ListExecutions", '{"maxResults":1.5}', false },
      { "ListExecutions", '{"maxResults":99999999999}', false },
    }
    with_server({}, function(_, svc, port)
      for _, c in ipairs(cases) do
        local r = exchange(port, post(c[1], c[2]))
        assert_error(r, 400, "com.amazon.coral.service#SerializationException", c[3])
      end
      assert.are.equal(0, #svc.calls)
    end)
  end)

  it("treats JSON nulls as absent and ignores members the model does not have", function()
    with_server({}, function(_, svc, port)
      local r = exchange(port, post("ListExecutions", '{"stateMachineArn":"a","nextToken":null,"maxResults":null,"foo":[1]}'))
      assert.are.equal(200, r.status)
      assert.are.same({ stateMachineArn = "a" }, svc.calls[1][2])
      assert.are.equal('{"executions":[]}', r.body)
    end)
  end)

  it("answers a failing service call with 500 InternalFailure and logs it", function()
    with_server({}, function(_, _, port, logs)
      local r = exchange(port, post("DeleteActivity", '{"activityArn":"a"}'))
      assert_error(r, 500, "com.amazon.coral.service#InternalFailure", false)
      assert.truthy(logs[1]:find("DeleteActivity failed: ", 1, true))
      assert.truthy(logs[1]:find("stub: boom", 1, true))
    end)
  end)

  it("decodes requests for an OpenResty mount without a socket (sfn.server_handler)", function()
    local h = handler_mod.new{ service = stub.new() }
    local status, headers, body = h:handle{ method = "POST", target = "/", body = '{"name":"z"}',
      headers = { ["x-amz-target"] = "AWSStepFunctions.CreateActivity" } }
    assert.are.equal(200, status)
    assert.are.same({ "Content-Type", "application/x-amz-json-1.0" }, headers[2])
    assert.are.equal('{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:z","creationDate":1.70000000025E9}', body)
    local op = handler_mod.operations_by_name.ListExecutions
    assert.are.same({ nil, "STRING_VALUE can not be converted to an Integer" },
      { handler_mod.decode(op, '{"maxResults":"2"}') })
    assert.are.same({ nil, false }, { handler_mod.decode(op, "{") })
  end)
end)

describe("sfn.server: HTTP", function()
  it("refuses bodies over max_body with 413 and closes", function()
    with_server({ max_body = 100 }, function(_, svc, port)
      local c = connect(port)
      send(c, post("CreateActivity", '{"name":"' .. string.rep("x", 200) .. '"}'))
      local r = assert(read_response(c))
      assert.are.equal(413, r.status)
      assert.are.equal("close", r.headers["connection"])
      assert.are.equal('{"message":"request body too large"}', r.body)
      assert.truthy(r.headers["x-amzn-requestid"]:match(UUID))
      assert.is_true(closed_by_server(c))
      -- chunked: refused once the chunks pass the limit
      c = connect(port)
      send(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" .. string.rep("x", 80)
        .. "\r\n50\r\n")
      assert.are.equal(413, assert(read_response(c)).status)
      assert.are.equal(0, #svc.calls)
    end)
  end)

  it("answers malformed heads with 400, 431, 501 and 505", function()
    with_server({ max_header_bytes = 300, max_headers = 5 }, function(_, _, port)
      local function status_of(bytes)
        local r = exchange(port, bytes)
        assert.are.equal("close", r.headers["connection"])
        return r.status, json.decode(r.body).message
      end
      assert.are.same({ 400, "malformed request line" }, { status_of("POST  / HTTP/1.1\r\n\r\n") })
      assert.are.same({ 400, "malformed HTTP version" }, { status_of("POST / HTTQ/1.1\r\nHost: x\r\n\r\n") })
      assert.are.same({ 505, "HTTP version not supported" }, { status_of("POST / HTTP/2.0\r\nHost: x\r\n\r\n") })
      assert.are.same({ 400, "no Host field" }, { status_of("POST / HTTP/1.1\r\n\r\n") })
      assert.are.same({ 400, "malformed header field" }, { status_of("POST / HTTP/1.1\r\nHost : x\r\n\r\n") })
      assert.are.same({ 400, "obsolete line folding" }, { status_of("POST / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n") })
      assert.are.same({ 400, "invalid Content-Length" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n") })
      assert.are.same({ 400, "invalid Content-Length" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") })
      assert.are.same({ 400, "both Content-Length and Transfer-Encoding" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") })
      assert.are.same({ 501, "transfer coding not implemented" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") })
      assert.are.same({ 400, "chunked is not the final transfer coding" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") })
      assert.are.same({ 400, "malformed chunk size" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") })
      assert.are.same({ 431, "request head too large" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nX-Big: " .. string.rep("b", 400) .. "\r\n\r\n") })
      assert.are.same({ 431, "too many header fields" },
        { status_of("POST / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n") })
    end)
  end)

  it("answers truncated requests: 400 when the client closes its side, 408 when it stalls", function()
    with_server({ request_timeout = 0.3 }, function(_, svc, port)
      local c = connect(port)
      send(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"na")
      c.sock:shutdown("send")
      local r = assert(read_response(c))
      assert.are.equal(400, r.status)
      assert.are.equal('{"message":"request truncated"}', r.body)
      c = connect(port)
      send(c, "POST / HTTP/1.1\r\nHost: x\r\n")
      r = assert(read_response(c, 5))
      assert.are.equal(408, r.status)
      assert.is_true(closed_by_server(c))
      -- a truncated JSON body with a right Content-Length is a SerializationException
      r = exchange(port, post("CreateActivity", '{"name":"x'))
      assert_error(r, 400, "com.amazon.coral.service#SerializationException", false)
      assert.are.equal(0, #svc.calls)
    end)
  end)

  it("keeps connections alive, answers pipelined requests in order, closes when asked", function()
    with_server({}, function(server, _, port)
      local c = connect(port)
      send(c, post("CreateActivity", '{"name":"a"}'))
      assert.are.equal(200, assert(read_response(c)).status)
      send(c, post("CreateActivity", '{"name":"b"}') .. post("CreateActivity", '{"name":"c"}'))
      local r1, r2 = assert(read_response(c)), assert(read_response(c))
      assert.truthy(r1.body:find("activity:b", 1, true))
      assert.truthy(r2.body:find("activity:c", 1, true))
      assert.is_nil(r2.headers["connection"])
      send(c, post("CreateActivity", '{"name":"d"}', { "Connection: close" }))
      local r = assert(read_response(c))
      assert.are.equal("close", r.headers["connection"])
      assert.is_true(closed_by_server(c))
      assert.are.equal(1, server.stats.connections)
      -- HTTP/1.0: closed unless keep-alive is asked for
      c = connect(port)
      send(c, (post("CreateActivity", '{"name":"e"}'):gsub("HTTP/1.1", "HTTP/1.0")))
      assert.are.equal("close", assert(read_response(c)).headers["connection"])
      assert.is_true(closed_by_server(c))
      c = connect(port)
      send(c, (post("CreateActivity", '{"name":"f"}', { "Connection: keep-alive" }):gsub("HTTP/1.1", "HTTP/1.0")))
      assert.are.equal("keep-alive", assert(read_response(c)).headers["connection"])
      send(c, (post("CreateActivity", '{"name":"g"}', { "Connection: keep-alive" }):gsub("HTTP/1.1", "HTTP/1.0")))
      assert.are.equal(200, assert(read_response(c)).status)
      c.sock:close()
    end)
  end)

  it("reads chunked bodies and answers Expect: 100-continue", function()
    with_server({}, function(_, svc, port)
      local c = connect(port)
      send(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.CreateActivity\r\n"
        .. "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"nam\r\n7;x=y\r\ne\":\"ch\"\r\n1\r\n}\r\n0\r\nT: 1\r\n\r\n")
      assert.are.equal(200, assert(read_response(c)).status)
      assert.are.same({ name = "ch" }, svc.calls[1][2])
      send(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.CreateActivity\r\n"
        .. "Expect: 100-continue\r\nContent-Length: 12\r\n\r\n")
      local r = assert(read_response(c))
      assert.are.equal(100, r.status)
      send(c, '{"name":"e"}')
      assert.are.equal(200, assert(read_response(c)).status)
      assert.are.same({ name = "e" }, svc.calls[2][2])
      c.sock:close()
    end)
  end)

  it("closes idle connections to stay within max_connections", function()
    with_server({ max_connections = 2 }, function(server, _, port)
      local a, b = connect(port), connect(port)
      send(a, post("CreateActivity", '{"name":"a"}'))
      send(b, post("CreateActivity", '{"name":"b"}'))
      assert(read_response(a))
      assert(read_response(b))
      local c = connect(port)
      send(c, post("CreateActivity", '{"name":"c"}'))
      assert.are.equal(200, assert(read_response(c)).status)
      assert.is_true(closed_by_server(a, 2) or closed_by_server(b, 2))
      assert.is_true(server.nconns <= 2)
      c.sock:close()
    end)
  end)
end)

describe("sfn.server: restart", function()
  it("listens again on the same port while a closed connection lingers (SO_REUSEADDR)", function()
    local server = server_mod.new{ service = stub.new(), host = "127.0.0.1", port = 0, log = function() end }
    local c
    sfn.run(function()
      assert(server:start())
      c = connect(server.port)
      send(c, post("CreateActivity", '{"name":"a"}'))
      assert(read_response(c))
      server:stop()
    end)
    -- the client has not closed its end: the server's end waits in FIN_WAIT
    local port = server.port
    sfn.run(function()
      assert(server:start())
      assert.are.equal(port, server.port)
      local d = connect(port)
      send(d, post("CreateActivity", '{"name":"b"}'))
      assert.are.equal(200, assert(read_response(d)).status)
      d.sock:close()
      server:stop()
    end)
    c.sock:close()
  end)
end)

describe("sfn.server: concurrency and stop", function()
  it("answers other connections while a GetActivityTask long poll waits", function()
    with_server({ poll_seconds = 30 }, function(_, _, port)
      local poll = connect(port)
      send(poll, post("GetActivityTask", '{"activityArn":"a"}'))
      scheduler.sleep(0.05)
      local t0 = core.monotonic_ms()
      local other = connect(port)
      for i = 1, 5 do
        send(other, post("CreateActivity", '{"name":"n' .. i .. '"}'))
        assert.are.equal(200, assert(read_response(other)).status)
      end
      send(other, post("SendTaskSuccess", '{"taskToken":"tok","output":"{\\"v\\":1}"}'))
      assert.are.equal(200, assert(read_response(other)).status)
      local r = assert(read_response(poll))
      assert.is_true(core.monotonic_ms() - t0 < 2000)
      assert.are.equal('{"taskToken":"tok","input":"{\\"v\\":1}"}', r.body)
      poll.sock:close()
      other.sock:close()
    end)
  end)

  it("runs two StartSyncExecution calls at once", function()
    with_server({}, function(_, _, port)
      local t0 = core.monotonic_ms()
      local results = {}
      local tasks = {}
      for i = 1, 2 do
        tasks[i] = scheduler.spawn(function()
          results[i] = exchange(port, post("StartSyncExecution", '{"stateMachineArn":"a","input":"{\\"sleep\\":0.5}"}'))
        end)
      end
      while not (results[1] and results[2]) do scheduler.sleep(0.02) end
      local took = core.monotonic_ms() - t0
      assert.is_true(took < 900, "took " .. took .. " ms")
      assert.are.equal(200, results[1].status)
      assert.are.equal("SUCCEEDED", json.decode(results[2].body).status)
    end)
  end)

  it("stop() answers an open long poll with the empty answer and closes connections", function()
    local server, svc = with_server({ poll_seconds = 30 }, function(server, svc, port)
      local poll = connect(port)
      send(poll, post("GetActivityTask", '{"activityArn":"a"}'))
      local idle = connect(port)
      send(idle, post("CreateActivity", '{"name":"x"}'))
      assert(read_response(idle))
      scheduler.sleep(0.05)
      local t0 = core.monotonic_ms()
      scheduler.spawn(function() server:stop() end)
      local r = assert(read_response(poll))
      assert.is_true(core.monotonic_ms() - t0 < 1000)
      assert.are.equal(200, r.status)
      assert.are.equal("{}", r.body)
      assert.are.equal("close", r.headers["connection"])
      assert.is_true(closed_by_server(poll))
      assert.is_true(closed_by_server(idle))
      assert.are.equal(1, svc.shutdowns)
    end)
    assert.are.equal(0, server.nconns)
    assert.is_nil(server.listener)
    assert.are.equal(1, svc.shutdowns)
  end)
end)

describe("sfn.server: signatures", function()
  local AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

  local function signed(port, op, body, creds, time)
    local r = assert(sigv4.sign{ method = "POST", url = "http://127.0.0.1:" .. port .. "/",
      headers = { ["Content-Type"] = "application/x-amz-json-1.0", ["X-Amz-Target"] = "AWSStepFunctions." .. op },
      body = body, region = "us-east-1", service = "states", credentials = creds, time = time })
    local lines = { "POST / HTTP/1.1" }
    for k, v in pairs(r.headers) do lines[#lines + 1] = k .. ": " .. v end
    lines[#lines + 1] = "Content-Length: " .. #body
    return table.concat(lines, "\r\n") .. "\r\n\r\n" .. body
  end

  it("checks SigV4 and answers AWS's 403 errors", function()
    with_server({ credentials = { [AKID] = SECRET } }, function(_, svc, port)
      local good = { access_key_id = AKID, secret_access_key = SECRET }
      local r = exchange(port, signed(port, "CreateActivity", '{"name":"s"}', good))
      assert.are.equal(200, r.status)
      assert_error(exchange(port, post("CreateActivity", '{"name":"s"}')), 403,
        "com.amazon.coral.service#MissingAuthenticationTokenException", "Missing Authentication Token",
        "MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/")
      assert_error(exchange(port, signed(port, "CreateActivity", '{"name":"s"}',
        { access_key_id = AKID, secret_access_key = "wrong" })), 403,
        "com.amazon.coral.service#InvalidSignatureException", MISMATCH)
      assert_error(exchange(port, signed(port, "CreateActivity", '{"name":"s"}',
        { access_key_id = "AKIDOTHER", secret_access_key = SECRET })), 403,
        "com.amazon.coral.service#UnrecognizedClientException", "The security token included in the request is invalid.")
      local now = math.floor(core.now_ms() / 1000)
      local b = assert_error(exchange(port, signed(port, "CreateActivity", '{"name":"s"}', good, now - 900)), 403,
        "com.amazon.coral.service#InvalidSignatureException")
      assert.truthy(b.message:match("^Signature expired: %d+T%d+Z is now earlier than %d+T%d+Z %(%d+T%d+Z %- 5 min%.%)$"))
      b = assert_error(exchange(port, signed(port, "CreateActivity", '{"name":"s"}', good, now + 900)), 403,
        "com.amazon.coral.service#InvalidSignatureException")
      assert.truthy(b.message:match("^Signature not yet current: "))
      -- a body changed after signing
      local bytes = signed(port, "CreateActivity", '{"name":"s"}', good):gsub('"s"}$', '"t"}')
      assert_error(exchange(port, bytes), 403, "com.amazon.coral.service#InvalidSignatureException", MISMATCH)
      -- the signature is checked before the target and the body
      assert_error(exchange(port, post("Nope", "{")), 403,
        "com.amazon.coral.service#MissingAuthenticationTokenException")
      assert.are.equal(1, #svc.calls)
    end)
  end)
end)

describe("sfn serve", function()
  local lua = os.getenv("SFN_LUA") or "lua5.4"

  it("stops on SIGTERM: an open long poll is answered, the process exits 0", function()
    local log = os.tmpname()
    local cmd = string.format("%s bin/sfn serve --port 0 2>%s & echo $!", lua, log)
    local p = io.popen(cmd)
    local pid = tonumber(p:read("*l"))
    p:close()
    local port
    for _ = 1, 200 do
      local f = io.open(log)
      local text = f and f:read("*a") or ""
      if f then f:close() end
      port = tonumber(text:match("listening on http://127%.0%.0%.1:(%d+)"))
      if port then break end
      socket.sleep(0.05)
    end
    assert(port, "sfn serve did not start")
    local function blocking_post(c, op, body)
      assert(c:send(post(op, body)))
      local head = {}
      while true do
        local line = assert(c:receive("*l"))
        if line == "" then break end
        head[#head + 1] = line
      end
      local n = tonumber(table.concat(head, "\n"):match("[Cc]ontent%-[Ll]ength: (%d+)"))
      return head[1], assert(c:receive(n)), table.concat(head, "\n")
    end
    local c = socket.tcp()
    c:settimeout(10)
    assert(c:connect("127.0.0.1", port))
    local status, body = blocking_post(c, "CreateActivity", '{"name":"w"}')
    assert.are.equal("HTTP/1.1 200 OK", status)
    local arn = json.decode(body).activityArn
    assert(c:send(post("GetActivityTask", '{"activityArn":"' .. arn .. '"}')))
    socket.sleep(0.2)
    local t0 = socket.gettime()
    os.execute("kill -TERM " .. pid)
    local head = {}
    while true do
      local line = assert(c:receive("*l"))
      if line == "" then break end
      head[#head + 1] = line
    end
    local n = tonumber(table.concat(head, "\n"):match("Content%-Length: (%d+)"))
    body = assert(c:receive(n))
    assert.is_true(socket.gettime() - t0 < 3)
    assert.are.equal("HTTP/1.1 200 OK", head[1])
    assert.are.equal("{}", body)
    assert.truthy(table.concat(head, "\n"):find("Connection: close", 1, true))
    local _, err = c:receive(1)
    assert.are.equal("closed", err)
    c:close()
    -- the process is gone
    local gone = false
    for _ = 1, 100 do
      local r = os.execute("kill -0 " .. pid .. " 2>/dev/null")
      if not (r == true or r == 0) then gone = true break end
      socket.sleep(0.05)
    end
    local f = io.open(log)
    local text = f:read("*a")
    f:close()
    os.remove(log)
    assert.is_true(gone)
    assert.truthy(text:find("sfn serve: SIGTERM: stopping\nsfn serve: stopped\n", 1, true))
  end)
end)

describe("sfn.server_handler: random requests", function()
  local model = require "sfn.operations"
  local ROLE = "arn:aws:iam::123456789012:role/r"

  -- A deterministic generator (Park-Miller, exact in doubles): the same
  -- requests on every run and under both Luas.
  -- SFN_RANDOM_SEED and SFN_RANDOM_ROUNDS (per operation) run other or longer campaigns.
  local seed = tonumber(os.getenv("SFN_RANDOM_SEED") or "") or 12345
  local ROUNDS = tonumber(os.getenv("SFN_RANDOM_ROUNDS") or "") or 120
  local function rnd(n)
    seed = (seed * 16807) % 2147483647
    return seed % n + 1
  end


  it("answers requests of every operation with members of random types and values, never a 500", function()
    local svc = sfn.local_service{ clock = "manual" }
    local logs = {}
    local h = handler_mod.new{ service = svc, log = function(m) logs[#logs + 1] = m end }
    local sm = assert(svc:create_state_machine{ name = "m", roleArn = ROLE,
      definition = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}' }).stateMachineArn
    local act = assert(svc:create_activity{ name = "a" }).activityArn
    local ex = assert(svc:start_execution{ stateMachineArn = sm, name = "e" }).executionArn
    local strings = { "", "x", sm, act, ex, sm .. ":1", sm .. ":alias", "arn:aws:states:us-east-1:123456789012:nope",
      '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}', '{"a":1}', "{", "STANDARD", "EXPRESS",
      "ERROR", "TRACE", "ALL", "RUNNING", "DEBUG", "OFF", string.rep("z", 90), "\226\130\172", "null" }
    local function wrong()
      local k = rnd(6)
      if k == 1 then return 7 elseif k == 2 then return true elseif k == 3 then return "s"
      elseif k == 4 then return {} elseif k == 5 then return json.array{ 1 } end
      return 1.5
    end
    local gen
    function gen(shape_name, depth)
      if rnd(10) == 1 then return wrong() end
      local s = model.shapes[shape_name]
      local t = s.type
      if t == "structure" then
        local out = {}
        for _, m in ipairs(s.members) do
          if rnd(3) > 1 and depth < 5 then out[m[1]] = gen(m[2], depth + 1) end
        end
        return out
      elseif t == "list" then
        local out = json.array{}
        for i = 1, rnd(4) - 1 do out[i] = gen(s.member, depth + 1) end
        return out
      elseif t == "map" then
        return { k = gen(s.value, depth + 1) }
      elseif t == "string" then
        if s.enum and rnd(2) == 1 then return s.enum[rnd(#s.enum)] end
        return strings[rnd(#strings)]
      elseif t == "integer" or t == "long" then
        local vals = { 0, 1, -1, 2, 1000, 2147483647, 100000000 }
        return vals[rnd(#vals)]
      elseif t == "boolean" then
        return rnd(2) == 1
      elseif t == "float" or t == "double" then
        return rnd(100) / 3
      elseif t == "timestamp" then
        return 1700000000
      end
      return nil
    end
    local count = 0
    local failures, seen = {}, {}
    for _, sn in ipairs(model.names) do
      local op = model.operations[sn]
      -- a long poll and a synchronous run could wait on the manual clock
      if op.name ~= "GetActivityTask" and op.name ~= "StartSyncExecution" then
        for _ = 1, ROUNDS do
          local text = assert(json.encode(gen(op.input, 0)))
          local cut = rnd(12)
          if cut == 1 then text = text:sub(1, rnd(#text + 1) - 1)
          elseif cut == 2 then text = text:gsub('"', "", 1) end
          local status, _, body = h:handle{ method = "POST", target = "/", body = text,
            headers = { ["x-amz-target"] = op.target } }
          count = count + 1
          if status ~= 200 and status ~= 400 then
            local where = tostring(logs[#logs]):match("^[^\n]*") or "?"
            if not seen[where] then
              seen[where] = true
              failures[#failures + 1] = op.name .. " " .. text .. " -> " .. status .. ": " .. where
            end
          end
          local res = assert(json.decode(body))
          if status ~= 200 then
            assert.truthy(res.__type:match("^[%w%.]+#%w+$"), body)
          end
        end
      end
    end
    assert.are.equal(35 * ROUNDS, count)
    assert.are.same({}, failures)
  end)

  it("answers a tag without a key (the first failure these campaigns found) with ValidationException", function()
    local h = handler_mod.new{ service = sfn.local_service{ clock = "manual" }, log = function() end }
    local status, _, body = h:handle{ method = "POST", target = "/", body = '{"name":"k","tags":[{"value":"v"}]}',
      headers = { ["x-amz-target"] = "AWSStepFunctions.CreateActivity" } }
    assert.are.equal(400, status)
    assert.are.equal("com.amazon.coral.validate#ValidationException", json.decode(body).__type)
  end)
end)

describe("sfn.server: long polls and dead clients", function()
  it("does not hand an activity task to a poll whose client hung up", function()
    local svc = sfn.local_service{ clock = "manual" }
    local srv = server_mod.new{ service = svc, host = "127.0.0.1", port = 0, quiet = true }
    local got
    sfn.run(function()
      srv:start()
      local port = srv.port
      local act = assert(svc:create_activity{ name = "pack" })
      local sm = assert(svc:create_state_machine{ name = "packing", roleArn = "arn:aws:iam::123456789012:role/r",
        definition = '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"' .. act.activityArn .. '","End":true}}}' })
      -- a poll over HTTP whose client goes away
      local c = connect(port)
      local body = json.encode({ activityArn = act.activityArn })
      assert(send(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.GetActivityTask\r\n" ..
        "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body))
      sfn.sleep(0.2)
      c.sock:close()
      sfn.sleep(0.2)
      assert(svc:start_execution{ stateMachineArn = sm.stateMachineArn, input = '{"n":1}' })
      -- the task waits for the next poller instead of going to the dead connection
      got = svc:get_activity_task{ activityArn = act.activityArn }
      srv:stop()
    end)
    assert.is_table(got)
    assert.is_string(got.taskToken)
    assert.are.equal('{"n":1}', got.input)
  end)
end)
