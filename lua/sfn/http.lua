-- sfn.http: HTTP/1.1 requests over libcurl (src/lsfn_http.c).
--
--   local http = require "sfn.http"
--   local res, err = http.request{
--     method = "POST", url = "https://states.us-east-1.amazonaws.com/",
--     headers = { ["Content-Type"] = "application/x-amz-json-1.0" },  -- or { {name, value}, ... }
--     body = "{}",
--     connect_timeout = 60,  -- seconds for DNS, TCP connect and TLS handshake
--     read_timeout = 60,     -- seconds with no byte sent or received (false: none)
--     timeout = nil,         -- seconds for the whole request (nil: none)
--     verify = true,         -- TLS peer and host verification
--     ca_file = nil,         -- CA bundle (default: libcurl's)
--     proxy = nil,           -- nil: from the environment as curl does; false: none; or a URL
--     no_proxy = nil,        -- hosts that bypass the proxy (default: NO_PROXY)
--     info = false,          -- true: res.info = { total_time, connect_time, num_connects,
--                            --   local_port, ... } (num_connects 0: a reused connection)
--   }
--   -- res = { status = 200, headers = { ["x-amzn-requestid"] = "..." }, body = "..." }
--   -- err = { code =, message =, retryable =, curl_code = }, tostring(err) = "code: message"
--
-- Codes: ConnectionError (refused, reset, DNS, connection closed early),
-- ConnectTimeout, ReadTimeout, Timeout (the total one), TLSError,
-- ProtocolError, InvalidURL, Cancelled, OutOfMemory, HTTPError (anything
-- else); retryable is true for connection errors, timeouts, protocol errors and
-- failed TLS handshakes, false for certificate and URL errors.  An HTTP error
-- status is not an error here: it comes back in res.status.
--
-- Every request goes through one curl multi handle per process, whose cache
-- keeps connections alive and reuses them.  Called plainly, request() blocks.
-- Called from a task of sfn.scheduler (sfn.spawn/sfn.run), it parks the task
-- and the scheduler drives all transfers at once.
--
-- Headers go out in the order given (a list) or sorted by name (a map), after
-- curl's Host (and Content-Length for a body); curl adds no Accept,
-- Content-Type or Expect of its own.  An empty value sends "Name:" with
-- nothing after it.

local core = require "sfn.core"
local scheduler = require "sfn.scheduler"

local _M = { _VERSION = "0.1.0" }

_M.defaults = { connect_timeout = 60, read_timeout = 60 }

local err_mt = {
  __tostring = function(e) return tostring(e.code) .. ": " .. tostring(e.message) end,
}
_M.error_mt = err_mt

-- An error object as sfn's modules return them.
function _M.new_error(fields)
  return setmetatable(fields, err_mt)
end

local multi            -- the process's multi handle (created on first use)
local waiting = {}     -- running request -> the task waiting for it
local nwaiting = 0
local POLL_MS = 250    -- the longest wait: read timeouts are checked at least this often

local function get_multi()
  if not multi then multi = core.http_multi() end
  return multi
end

-- Wakes the tasks whose requests finished; true when `mine` is among them.
local function finish(done, mine)
  local found = false
  for i = 1, #done do
    local r = done[i]
    if r == mine then
      found = true
    else
      local t = waiting[r]
      if t then
        waiting[r] = nil
        nwaiting = nwaiting - 1
        scheduler.wake(t)
      end
    end
  end
  return found
end

local driver = {
  busy = function() return nwaiting > 0 end,
  wait = function(fds, events, timeout_ms)
    if timeout_ms > POLL_MS then timeout_ms = POLL_MS end
    return multi:poll(timeout_ms, fds, events)
  end,
  dispatch = function()
    local _, done = multi:perform()
    finish(done)
  end,
}
scheduler.add_driver(driver)

local function check_name(name)
  if type(name) ~= "string" or name == "" or name:find("[%c:%s]") then
    error("sfn.http: bad header name " .. string.format("%q", tostring(name)), 4)
  end
end

local function header_line(name, value)
  check_name(name)
  local tv = type(value)
  if tv == "number" or tv == "boolean" then value = tostring(value)
  elseif tv ~= "string" then
    error("sfn.http: header " .. name .. " must be a string, got " .. tv, 4)
  end
  if value:find("[\r\n]") then error("sfn.http: header " .. name .. " has a line break", 4) end
  if value == "" then return name .. ";" end   -- curl: "Name;" sends an empty value
  return name .. ": " .. value
end

local function header_lines(h)
  local lines = {}
  if h == nil then return lines end
  if type(h) ~= "table" then error("sfn.http: headers must be a table", 3) end
  if h[1] ~= nil then
    for i, pair in ipairs(h) do
      if type(pair) ~= "table" then error("sfn.http: headers[" .. i .. "] must be {name, value}", 3) end
      lines[#lines + 1] = header_line(pair[1], pair[2])
    end
  else
    local names = {}
    for k in pairs(h) do
      if type(k) ~= "string" then error("sfn.http: header names must be strings", 3) end
      names[#names + 1] = k
    end
    table.sort(names, function(a, b)
      local la, lb = a:lower(), b:lower()
      if la ~= lb then return la < lb end
      return a < b
    end)
    for _, k in ipairs(names) do lines[#lines + 1] = header_line(k, h[k]) end
  end
  return lines
end

local function seconds(opts, name, default)
  local v = opts[name]
  if v == nil then v = default end
  if v == false then return nil end
  if v ~= nil and (type(v) ~= "number" or v < 0 or v ~= v) then
    error("sfn.http: " .. name .. " must be a number of seconds >= 0", 3)
  end
  if v == 0 then return nil end
  return v
end

local function build(opts)
  if type(opts) ~= "table" then error("sfn.http.request: expected a table", 3) end
  local url = opts.url
  if type(url) ~= "string" then error("sfn.http.request: url must be a string", 3) end
  local method = opts.method or "GET"
  if type(method) ~= "string" or not method:match("^%a+$") then
    error("sfn.http.request: method must be a word", 3)
  end
  local body = opts.body
  if body ~= nil and type(body) ~= "string" then error("sfn.http.request: body must be a string", 3) end
  local proxy = opts.proxy
  if proxy ~= nil and proxy ~= false and type(proxy) ~= "string" then
    error("sfn.http.request: proxy must be a string or false", 3)
  end
  local verify = opts.verify
  if verify == nil then verify = true end
  return {
    method = method:upper(), url = url, body = body,
    headers = header_lines(opts.headers),
    connect_timeout = seconds(opts, "connect_timeout", _M.defaults.connect_timeout),
    read_timeout = seconds(opts, "read_timeout", _M.defaults.read_timeout),
    timeout = seconds(opts, "timeout", _M.defaults.timeout),
    verify = verify and true or false,
    ca_file = opts.ca_file, proxy = proxy, no_proxy = opts.no_proxy,
  }
end

local function outcome(req, opts)
  local status, headers, body, retryable, curl_code = req:result()
  if status then
    local res = { status = status, headers = headers, body = body }
    if opts.info then res.info = req:info() end
    return res
  end
  return nil, setmetatable({ code = headers, message = body, retryable = retryable,
    curl_code = curl_code }, err_mt)
end

-- Sends one request; see the header comment.  Returns res, or nil, err.
-- Raises on misuse (wrong argument types).
function _M.request(opts)
  local m = get_multi()
  local req = m:add(build(opts))
  local task = scheduler.current()
  if task then
    waiting[req] = task
    nwaiting = nwaiting + 1
    scheduler.suspend()
    if not req:done() then
      -- woken by someone else: give the request up rather than leave it running
      if waiting[req] then waiting[req] = nil; nwaiting = nwaiting - 1 end
      req:cancel()
    end
    return outcome(req, opts)
  end
  while true do
    local _, done = m:perform()
    if finish(done, req) or req:done() then break end
    m:poll(POLL_MS)
  end
  return outcome(req, opts)
end

-- libcurl's version string.
function _M.curl_version()
  return core.curl_version()
end

return _M
