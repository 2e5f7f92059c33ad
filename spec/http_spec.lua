-- sfn.http against the project's test server (spec/support/test_server.lua).
local http = require "sfn.http"
local sfn = require "sfn"
local test_server = require "support.test_server"

local function host(server) return "Host: 127.0.0.1:" .. server.port .. "\r\n" end

describe("sfn.http", function()
  local server
  after_each(function()
    if server then server:stop(); server = nil end
  end)

  describe("request bytes", function()
    it("sends exactly the method, target, headers (sorted by name) and body given", function()
      server = test_server.start{ responses = { { body = "{}" } } }
      local res, err = http.request{ method = "POST", url = server:url("/a/b?x=1&y=%2F"),
        headers = { ["X-Amz-Target"] = "AWSStepFunctions.DescribeExecution",
          ["Content-Type"] = "application/x-amz-json-1.0", ["x-amz-date"] = "20240101T000000Z" },
        body = '{"executionArn":"arn"}' }
      assert.is_nil(err)
      assert.equal(200, res.status)
      local reqs = server:requests()
      assert.equal(1, #reqs)
      assert.equal("POST /a/b?x=1&y=%2F HTTP/1.1\r\n" .. host(server) ..
        "Content-Type: application/x-amz-json-1.0\r\n" ..
        "x-amz-date: 20240101T000000Z\r\n" ..
        "X-Amz-Target: AWSStepFunctions.DescribeExecution\r\n" ..
        "Content-Length: 22\r\n\r\n" ..
        '{"executionArn":"arn"}', reqs[1].raw)
    end)

    it("keeps the order of a header list and sends empty values", function()
      server = test_server.start{ responses = { {}, {}, {}, {} } }
      assert(http.request{ url = server:url(), headers = { { "B", "2" }, { "A", "1" }, { "X-Empty", "" } } })
      assert(http.request{ method = "put", url = server:url("/p"), body = "data" })
      assert(http.request{ method = "DELETE", url = server:url("/d") })
      assert(http.request{ method = "POST", url = server:url("/e") })
      local reqs = server:requests()
      assert.equal("GET / HTTP/1.1\r\n" .. host(server) .. "B: 2\r\nA: 1\r\nX-Empty:\r\n\r\n", reqs[1].raw)
      assert.equal("PUT /p HTTP/1.1\r\n" .. host(server) .. "Content-Length: 4\r\n\r\ndata", reqs[2].raw)
      assert.equal("DELETE /d HTTP/1.1\r\n" .. host(server) .. "\r\n", reqs[3].raw)
      assert.equal("POST /e HTTP/1.1\r\n" .. host(server) .. "Content-Length: 0\r\n\r\n", reqs[4].raw)
    end)

    it("sends a large body without Expect: 100-continue", function()
      server = test_server.start{ responses = { { body = "ok" } } }
      local body = string.rep("abcdefgh", 256 * 1024) -- 2 MiB
      local res = assert(http.request{ method = "POST", url = server:url(), body = body })
      assert.equal("ok", res.body)
      local req = server:requests()[1]
      assert.is_nil(req.headers["expect"])
      assert.equal(tostring(#body), req.headers["content-length"])
      assert.is_true(req.body == body)
    end)

    it("lets the caller's Accept, Content-Type and User-Agent through", function()
      server = test_server.start{ responses = { {} } }
      assert(http.request{ method = "POST", url = server:url(), body = "x",
        headers = { Accept = "application/json", ["Content-Type"] = "text/plain", ["User-Agent"] = "sfn/0.1" } })
      assert.equal("POST / HTTP/1.1\r\n" .. host(server) .. "Accept: application/json\r\n" ..
        "Content-Type: text/plain\r\nUser-Agent: sfn/0.1\r\nContent-Length: 1\r\n\r\nx", server:requests()[1].raw)
    end)
  end)

  describe("responses", function()
    it("gives status, lowercased headers (repeats joined) and body; an error status is not an error", function()
      server = test_server.start{ responses = {
        { status = 400, headers = { { "x-amzn-RequestId", "req-1" }, { "X-Amzn-ErrorType", "ValidationException" },
          { "Set-Thing", "a" }, { "set-thing", "b" } }, body = '{"message":"bad"}' },
      } }
      local res, err = http.request{ url = server:url() }
      assert.is_nil(err)
      assert.equal(400, res.status)
      assert.equal('{"message":"bad"}', res.body)
      assert.same({ ["x-amzn-requestid"] = "req-1", ["x-amzn-errortype"] = "ValidationException",
        ["set-thing"] = "a, b", ["content-length"] = "17" }, res.headers)
    end)

    it("decodes chunked bodies", function()
      server = test_server.start{ responses = { { chunks = { "hello, ", "chunked ", "world" } } } }
      local res = assert(http.request{ url = server:url() })
      assert.equal("hello, chunked world", res.body)
      assert.equal("chunked", res.headers["transfer-encoding"])
    end)

    it("reads a large body whole (8 MiB, chunked and not)", function()
      local big = string.rep("0123456789ABCDEF", 512 * 1024)
      server = test_server.start{ responses = { { body = big }, { chunks = { big:sub(1, 3000000), big:sub(3000001) } } } }
      local res = assert(http.request{ url = server:url() })
      assert.equal(#big, #res.body)
      assert.is_true(res.body == big)
      res = assert(http.request{ url = server:url() })
      assert.is_true(res.body == big)
    end)

    it("ignores an interim 100 Continue response", function()
      server = test_server.start{ responses = {
        { raw = "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok" } } }
      local res = assert(http.request{ method = "POST", url = server:url(), body = "x" })
      assert.equal(201, res.status)
      assert.equal("ok", res.body)
      assert.is_nil(res.headers["x-interim"])
    end)
  end)

  describe("keep-alive", function()
    it("sends many calls over one connection", function()
      server = test_server.start{ responses = { { body = "x" } }, cycle = true }
      for i = 1, 25 do
        local res = assert(http.request{ method = "POST", url = server:url(), body = tostring(i), info = true })
        assert.equal(i == 1 and 1 or 0, res.info.num_connects)
      end
      assert.equal(1, server:connections())
      local reqs = server:requests()
      assert.equal(25, #reqs)
      for i = 1, 25 do assert.equal(1, reqs[i].connection) end
    end)

    it("opens a new connection when the server closed the last one", function()
      server = test_server.start{ responses = { { body = "1", close = true }, { body = "2" }, { body = "3" } } }
      assert.equal("1", http.request{ url = server:url() }.body)
      assert.equal("2", http.request{ url = server:url() }.body)
      assert.equal("3", http.request{ url = server:url() }.body)
      assert.equal(2, server:connections())
    end)
  end)

  describe("errors", function()
    it("maps a refused connection to a retryable ConnectionError", function()
      server = test_server.start{}
      local port = server.port
      server:stop(); server = nil
      local res, err = http.request{ url = "http://127.0.0.1:" .. port .. "/" }
      assert.is_nil(res)
      assert.equal("ConnectionError", err.code)
      assert.is_true(err.retryable)
      assert.equal(7, err.curl_code)
      assert.equal("ConnectionError: " .. err.message, tostring(err))
      assert.truthy(err.message:find("Failed to connect to 127.0.0.1 port " .. port, 1, true))
    end)

    it("maps a connection closed without an answer to a retryable ConnectionError", function()
      server = test_server.start{ responses = { { drop = true } } }
      local _, err = http.request{ url = server:url() }
      assert.equal("ConnectionError", err.code)
      assert.is_true(err.retryable)
      assert.equal("Empty reply from server", err.message)
    end)

    it("maps a body cut short to a retryable ConnectionError", function()
      server = test_server.start{ responses = {
        { raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close = true } } }
      local _, err = http.request{ url = server:url() }
      assert.equal("ConnectionError", err.code)
      assert.is_true(err.retryable)
      assert.equal(18, err.curl_code)
    end)

    it("maps a connect that does not complete to ConnectTimeout", function()
      local hole = test_server.blackhole()
      local res, err = http.request{ url = hole:url(), connect_timeout = 0.3 }
      hole:stop()
      assert.is_nil(res)
      assert.equal("ConnectTimeout", err.code)
      assert.is_true(err.retryable)
    end)

    it("maps no byte for read_timeout seconds to ReadTimeout", function()
      server = test_server.start{ responses = { { hang = true } } }
      local _, err = http.request{ url = server:url(), read_timeout = 0.3 }
      assert.equal("ReadTimeout", err.code)
      assert.equal("no data received or sent for 0.3 seconds", err.message)
      assert.is_true(err.retryable)
    end)

    it("times out a stall between the header block and the body", function()
      server = test_server.start{ responses = { { body = "late", body_delay = 5 } } }
      local _, err = http.request{ url = server:url(), read_timeout = 0.3 }
      assert.equal("ReadTimeout", err.code)
    end)

    it("does not cut a slow but steady response (each gap under read_timeout)", function()
      server = test_server.start{ responses = { { chunks = { "a", "b", "c", "d", "e", "f" }, chunk_delay = 0.15 } } }
      local res, err = http.request{ url = server:url(), read_timeout = 2 }
      assert.is_nil(err)
      assert.equal("abcdef", res.body)
    end)

    it("bounds the whole request with timeout (Timeout)", function()
      server = test_server.start{ responses = { { chunks = { "a", "b", "c", "d", "e", "f" }, chunk_delay = 0.15 } } }
      local _, err = http.request{ url = server:url(), read_timeout = 5, timeout = 0.4 }
      assert.equal("Timeout", err.code)
      assert.is_true(err.retryable)
      assert.equal(28, err.curl_code)
    end)

    it("maps malformed and unsupported URLs to InvalidURL, not retryable", function()
      local _, err = http.request{ url = "ftp://127.0.0.1/x" }
      assert.equal("InvalidURL", err.code)
      assert.is_false(err.retryable)
      assert.equal('Protocol "ftp" not supported or disabled in libcurl', err.message)
      _, err = http.request{ url = "http://[::1/" }
      assert.equal("InvalidURL", err.code)
    end)

    it("raises on misuse", function()
      assert.has_error(function() http.request("http://x/") end, "sfn.http.request: expected a table")
      assert.has_error(function() http.request{} end, "sfn.http.request: url must be a string")
      assert.has_error(function() http.request{ url = "http://x/", body = 1 } end,
        "sfn.http.request: body must be a string")
      assert.has_error(function() http.request{ url = "http://x/", method = "GE T" } end,
        "sfn.http.request: method must be a word")
      assert.has_error(function() http.request{ url = "http://x/", headers = { A = "1\r\nB: 2" } } end,
        "sfn.http: header A has a line break")
      assert.has_error(function() http.request{ url = "http://x/", headers = { ["A B"] = "1" } } end,
        'sfn.http: bad header name "A B"')
      assert.has_error(function() http.request{ url = "http://x/", read_timeout = -1 } end,
        "sfn.http: read_timeout must be a number of seconds >= 0")
      assert.has_error(function() http.request{ url = "http://x/", proxy = 1 } end,
        "sfn.http.request: proxy must be a string or false")
    end)
  end)

  describe("the C layer (sfn.core.http_multi)", function()
    local core = require "sfn.core"

    it("raises on misuse without leaking the half-built request", function()
      local m = core.http_multi()
      assert.has_error(function() m:add{ url = "http://127.0.0.1:1/", headers = { {} } } end,
        "sfn.http: header lines must be strings")
      assert.has_error(function() m:add{ method = "GET" } end, "sfn.http: url is required")
      assert.has_error(function() m:add{ url = "http://x/", connect_timeout = "1" } end,
        "sfn.http: connect_timeout must be a number")
      assert.has_error(function() m:add{ url = "http://x/", proxy = 1 } end,
        "sfn.http: proxy must be a string or false")
      collectgarbage(); collectgarbage()
      assert.equal(0, m:running())
    end)

    it("cancels a running request, and frees one left running at exit", function()
      server = test_server.start{ responses = { { hang = true }, { hang = true } } }
      local m = core.http_multi()
      local r = m:add{ url = server:url() }
      assert.same({ nil, "Pending", "the request has not finished" }, { r:result() })
      local _, done = m:perform()
      assert.same({}, done)
      assert.equal(1, m:running())
      r:cancel()
      assert.is_true(r:done())
      assert.equal(0, m:running())
      local ok, code, msg, retryable = r:result()
      assert.same({ nil, "Cancelled", false }, { ok, code, retryable })
      assert.equal("string", type(msg))
      -- this one stays attached to its multi until the Lua state closes
      _G.__sfn_http_left_running = m:add{ url = server:url() }
      m:perform()
    end)
  end)

  describe("TLS", function()
    local tls
    setup(function() tls = test_server.start_tls() end)
    teardown(function() if tls then tls.stop() end end)

    it("verifies the peer by default and fails on a self-signed certificate", function()
      if not tls then pending("openssl not available"); return end
      local res, err = http.request{ url = tls:url() }
      assert.is_nil(res)
      assert.equal("TLSError", err.code)
      assert.is_false(err.retryable)
      assert.equal("SSL certificate problem: self-signed certificate", err.message)
    end)

    it("trusts a given CA file, or skips verification when verify = false", function()
      if not tls then pending("openssl not available"); return end
      assert.equal(200, assert(http.request{ url = tls:url(), ca_file = tls.cert }).status)
      assert.equal(200, assert(http.request{ url = tls:url(), verify = false }).status)
    end)

    it("maps a TLS handshake with a plain HTTP server to a retryable TLSError", function()
      server = test_server.start{}
      local _, err = http.request{ url = "https://127.0.0.1:" .. server.port .. "/" }
      assert.equal("TLSError", err.code)
      assert.is_true(err.retryable)
    end)
  end)

  describe("proxies", function()
    it("sends through an explicit proxy", function()
      server = test_server.start{ responses = { { body = "via proxy" } } }
      local res = assert(http.request{ url = "http://example.invalid/x?y=1", proxy = server:url() })
      assert.equal("via proxy", res.body)
      local req = server:requests()[1]
      assert.equal("GET http://example.invalid/x?y=1 HTTP/1.1", req.raw:match("^[^\r]*"))
      assert.equal("example.invalid", req.headers["host"])
    end)

    -- A child process with http_proxy set: curl's environment proxies.
    local function child(env, url, opts)
      local lua = os.getenv("SFN_LUA") or (rawget(_G, "jit") and "luajit" or "lua5.4")
      local code = string.format([[local r, e = require("sfn.http").request{ url = %q %s }
        io.write(r and ("status " .. r.status .. " " .. r.body) or tostring(e))]], url, opts or "")
      local p = io.popen(env .. " " .. lua .. " -e '" .. code .. "' 2>&1")
      local out = p:read("*a")
      p:close()
      return out
    end

    it("takes the proxy from the environment, unless proxy = false", function()
      server = test_server.start{ responses = { { body = "env proxy" } } }
      assert.equal("status 200 env proxy", child("http_proxy=" .. server:url(), "http://example.invalid/"))
      assert.equal("GET http://example.invalid/ HTTP/1.1", server:requests()[1].raw:match("^[^\r]*"))
      local out = child("http_proxy=" .. server:url(), "http://example.invalid/", ", proxy = false")
      assert.truthy(out:find("^ConnectionError: Could not resolve host: example.invalid"))
      assert.equal(1, #server:requests())
    end)
  end)

  describe("under the scheduler", function()
    it("runs 50 requests at once (the server answers none until all 50 arrived)", function()
      server = test_server.start{ handler_source = [[
        return function(req) return { wait_for = 50, body = "answer " .. req.path } end ]] }
      local results = {}
      for i = 1, 50 do
        sfn.spawn(function()
          local res, err = http.request{ url = server:url("/" .. i), read_timeout = 10 }
          results[i] = res and res.body or tostring(err)
        end)
      end
      assert.is_true(sfn.run())
      for i = 1, 50 do assert.equal("answer /" .. i, results[i]) end
      assert.equal(50, #server:requests())
      assert.equal(50, server:connections())
    end)

    it("blocks as before outside a task, and reuses the connections the tasks opened", function()
      server = test_server.start{ responses = { { body = "x" } }, cycle = true }
      local n = 0
      sfn.run(function()
        for _ = 1, 3 do assert(http.request{ url = server:url() }); n = n + 1 end
      end)
      assert.equal(3, n)
      local res = assert(http.request{ url = server:url(), info = true })
      assert.equal(0, res.info.num_connects)
      assert.equal(1, server:connections())
    end)

    it("waits on other sockets while transfers run (curl's poll takes the extra fds)", function()
      local socket = require "socket"
      local scheduler = require "sfn.scheduler"
      server = test_server.start{ responses = { { body = "x", delay = 0.3 } } }
      local l = assert(socket.bind("127.0.0.1", 0))
      local _, port = l:getsockname()
      local a = assert(socket.connect("127.0.0.1", port))
      local b = assert(l:accept())
      b:settimeout(0)
      local log = {}
      sfn.spawn(function()
        local res = assert(http.request{ url = server:url() })
        log[#log + 1] = "http " .. res.body
      end)
      sfn.spawn(function()
        assert.is_true(scheduler.wait_fd(b, "r", 5))
        log[#log + 1] = "socket " .. b:receive(4)
        a:send("pong")
      end)
      sfn.spawn(function()
        sfn.sleep(0.05)
        a:send("ping")
      end)
      sfn.run()
      a:close(); b:close(); l:close()
      assert.same({ "socket ping", "http x" }, log)
    end)

    it("interleaves requests with sleeps and returns errors to their task", function()
      server = test_server.start{ responses = { { body = "slow", delay = 0.3 }, { hang = true } } }
      local order = {}
      sfn.spawn(function()
        local res = assert(http.request{ url = server:url("/slow") })
        order[#order + 1] = res.body
      end)
      sfn.spawn(function()
        sfn.sleep(0.05)
        local _, err = http.request{ url = server:url("/hang"), read_timeout = 1 }
        order[#order + 1] = err.code
      end)
      sfn.spawn(function()
        order[#order + 1] = "first"
      end)
      sfn.run()
      assert.same({ "first", "slow", "ReadTimeout" }, order)
    end)
  end)
end)
