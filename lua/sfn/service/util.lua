-- sfn.service.util: small helpers of the local service: UUIDs, base64 for
-- pagination tokens, JSON text checks.
local core = require "sfn.core"
local json = require "sfn.json"

local byte, char, format, sub, floor = string.byte, string.char, string.format, string.sub, math.floor
local concat = table.concat

local _M = {}

-- Random bytes: a pool filled from /dev/urandom (math.random when absent).
local pool, pos = "", 1
local function random_bytes(n)
  if pos + n - 1 > #pool then
    local f = io.open("/dev/urandom", "rb")
    if f then
      pool = f:read(4096) or ""
      f:close()
    end
    if #pool < n then
      local t = {}
      for i = 1, 4096 do t[i] = char(math.random(0, 255)) end
      pool = concat(t)
    end
    pos = 1
  end
  local s = sub(pool, pos, pos + n - 1)
  pos = pos + n
  return s
end
_M.random_bytes = random_bytes

-- A random (version 4) UUID in lower case.
function _M.uuid()
  local b = { byte(random_bytes(16), 1, 16) }
  b[7] = b[7] % 16 + 0x40
  b[9] = b[9] % 64 + 0x80
  return format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15], b[16])
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64_INDEX = {}
for i = 1, 64 do B64_INDEX[byte(B64, i)] = i - 1 end

function _M.b64encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1, c2 = floor(n / 262144) % 64, floor(n / 4096) % 64
    local c3, c4 = floor(n / 64) % 64, n % 64
    out[#out + 1] = sub(B64, c1 + 1, c1 + 1) .. sub(B64, c2 + 1, c2 + 1) ..
      (b and sub(B64, c3 + 1, c3 + 1) or "=") .. (c and sub(B64, c4 + 1, c4 + 1) or "=")
  end
  return concat(out)
end

-- Decoded text, or nil when s is not canonical base64.
function _M.b64decode(s)
  if type(s) ~= "string" or #s % 4 ~= 0 then return nil end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = 0, 3 do
      local c = byte(s, i + j)
      local v = B64_INDEX[c]
      if c == 61 and i + 3 >= #s - 1 and j >= 2 then
        v, pad = 0, pad + 1
      elseif v == nil or pad > 0 then
        return nil
      end
      n = n * 64 + v
    end
    local a, b, c = floor(n / 65536), floor(n / 256) % 256, n % 256
    out[#out + 1] = pad == 0 and char(a, b, c) or pad == 1 and char(a, b) or char(a)
  end
  return concat(out)
end

-- Is text a JSON document?  Returns the decoded value or nil, err.
function _M.json_value(text)
  return json.decode(text)
end

-- Milliseconds -> epoch seconds, as the API's timestamps (numbers).
function _M.seconds(ms)
  if ms == nil then return nil end
  return ms / 1000
end

_M.now_ms = core.now_ms

return _M
