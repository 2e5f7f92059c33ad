-- sfn.service.names: AWS's rules for resource names (state machines,
-- executions, activities): 1-80 characters, none of whitespace, brackets
-- < > { } [ ], wildcards ? *, the characters " # % \ ^ | ~ ` $ & , ; : /,
-- nor control characters (U+0000-001F, U+007F-009F).
local byte, find = string.byte, string.find

local _M = {}

local FORBIDDEN = "[%s<>{}%[%]%?%*\"#%%\\%^|~`%$&,;:/%c\127]"

-- Is `name` acceptable?  (Length is checked by the model: 1-80.)
function _M.valid(name)
  if type(name) ~= "string" or #name == 0 then return false end
  if find(name, FORBIDDEN) then return false end
  -- U+0080-009F: C2 80 .. C2 9F in UTF-8; U+0085 and U+00A0 are whitespace-like too
  if find(name, "\194[\128-\159]") then return false end
  -- other Unicode white space AWS refuses (NBSP, U+2000-200A, U+2028/9, U+3000)
  if find(name, "\194\160") or find(name, "\226\128[\128-\138\168\169\175]") or find(name, "\227\128\128") then
    return false
  end
  return true
end

-- Alias names: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$
_M.ALIAS_PATTERN = "^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"
function _M.valid_alias(name)
  return type(name) == "string" and find(name, "^[%w_%-%.]+$") ~= nil and find(name, "[%a_%-%.]") ~= nil
end

return _M
