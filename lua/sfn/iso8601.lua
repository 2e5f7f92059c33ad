-- sfn.iso8601: ISO 8601 / RFC 3339 timestamps, as credential sources send
-- them ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z",
-- "2024-05-01T12:00:00+02:00"), to epoch seconds and back; no dependence on
-- the local time zone.
--
--   local iso8601 = require "sfn.iso8601"
--   iso8601.parse("2024-05-01T12:00:00Z")  --> 1714564800 (fractions kept), or nil
--   iso8601.format(1714564800)             --> "2024-05-01T12:00:00Z"

local tonumber, math_floor, string_match, string_format =
  tonumber, math.floor, string.match, string.format

local _M = {}

-- Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math_floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math_floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math_floor(yoe / 4) - math_floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = math_floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math_floor((doe - math_floor(doe / 1460) + math_floor(doe / 36524) - math_floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math_floor(yoe / 4) - math_floor(yoe / 100))
  local mp = math_floor((5 * doy + 2) / 153)
  local d = doy - math_floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local month_days = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

function _M.parse(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = string_match(s,
    "^(%d%d%d%d)-(%d%d)-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d, h, mi, sec = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(sec)
  if mo < 1 or mo > 12 or d < 1 or d > month_days[mo] or h > 23 or mi > 59 or sec > 60 then
    return nil
  end
  local frac = 0
  local f, after = string_match(rest, "^%.(%d+)(.*)$")
  if f then frac, rest = tonumber("0." .. f), after end
  local offset
  if rest == "Z" or rest == "z" then
    offset = 0
  else
    local sign, oh, om = string_match(rest, "^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then offset = -offset end
  end
  local t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
  if frac ~= 0 then t = t + frac end
  return t
end

function _M.format(t)
  t = math_floor(t)
  local days = math_floor(t / 86400)
  local secs = t - days * 86400
  local y, m, d = civil_from_days(days)
  return string_format("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
    math_floor(secs / 3600), math_floor(secs / 60) % 60, secs % 60)
end

return _M
