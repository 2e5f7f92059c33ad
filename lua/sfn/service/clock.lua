-- sfn.service.clock: the local service's time.
--   "real" (default): the wall clock;
--   { time_scale = s }: virtual time that runs 1/s times as fast as real time
--     (s = 0.001: an hour's Wait takes 3.6 s), starting at the wall clock;
--   "manual": virtual time that moves only when told (clock:advance(seconds)),
--     for tests; { manual = true, start_time = <epoch seconds> } fixes the start.
local core = require "sfn.core"

local floor = math.floor

local _M = {}
local Clock = {}
Clock.__index = Clock

function _M.new(spec)
  spec = spec or "real"
  local self = setmetatable({ scale = 1, manual = false }, Clock)
  if spec == "real" then
    self.kind = "real"
  elseif spec == "manual" or (type(spec) == "table" and spec.manual) then
    self.kind, self.manual = "manual", true
    local start = type(spec) == "table" and spec.start_time
    self.t = start and floor(start * 1000 + 0.5) or core.now_ms()
  elseif type(spec) == "table" and type(spec.time_scale) == "number" and spec.time_scale > 0 then
    self.kind, self.scale = "scaled", spec.time_scale
    self.base = core.now_ms()
    self.mono = core.monotonic_ms()
  else
    error("sfn.local_service: clock must be \"real\", \"manual\" or { time_scale = <positive number> }", 3)
  end
  return self
end

-- Milliseconds since the epoch, on this clock (an integer).
function Clock:now()
  local k = self.kind
  if k == "real" then return floor(core.now_ms()) end
  if k == "manual" then return self.t end
  return floor(self.base + (core.monotonic_ms() - self.mono) / self.scale)
end

-- Manual clock: move by `seconds`.
function Clock:advance(seconds)
  if not self.manual then error("sfn.local_service: advance() needs the manual clock", 3) end
  self.t = self.t + floor(seconds * 1000 + 0.5)
  return self.t
end

-- Real seconds until the clock shows `at` (ms); nil for a manual clock.
function Clock:real_delay(at)
  if self.manual then return nil end
  local d = (at - self:now()) * self.scale / 1000
  if d < 0 then d = 0 end
  return d
end

return _M
