-- sfn.service.pagination: nextToken/maxResults over the service's lists.
--
-- Every listed item carries a sequence number `seq` that never changes and
-- grows with creation.  A token names the kind of list, its scope (e.g. the
-- state machine whose executions are listed) and the seq of the last item
-- returned; the next page starts after that item in the list's order, so
-- items created (or deleted) between two calls never shift a page.
local util = require "sfn.service.util"
local errors = require "sfn.service.errors"

local match, tonumber = string.match, tonumber

local _M = {}

local function encode(kind, scope, seq)
  return util.b64encode("sfn1|" .. kind .. "|" .. seq .. "|" .. (scope or ""))
end

-- The seq a token resumes after, or nil, err (InvalidToken).
local function decode(token, kind, scope)
  local text = util.b64decode(token)
  if not text then return errors.invalid_token() end
  local k, seq, sc = match(text, "^sfn1|([^|]*)|(%-?%d+)|(.*)$")
  if k ~= kind or sc ~= (scope or "") then return errors.invalid_token() end
  return tonumber(seq)
end

-- pagination.page(items, req, opts) -> page, next_token | nil, err
-- items: in output order (ascending seq, or descending when opts.desc);
-- req.maxResults (0 or absent: opts.default, 100 unless given), req.nextToken;
-- opts.kind, opts.scope name the list; opts.filter(item) keeps an item.
function _M.page(items, req, opts)
  local after
  if req.nextToken ~= nil then
    local seq, err = decode(req.nextToken, opts.kind, opts.scope)
    if not seq then return nil, err end
    after = seq
  end
  local limit = req.maxResults
  if limit == nil or limit == 0 then limit = opts.default or 100 end
  local desc, filter = opts.desc, opts.filter
  local out, n, token = {}, 0, nil
  for i = 1, #items do
    local it = items[i]
    if (after == nil or (desc and it.seq < after) or (not desc and it.seq > after))
        and (filter == nil or filter(it)) then
      if n == limit then
        token = encode(opts.kind, opts.scope, out[n].seq)
        break
      end
      n = n + 1
      out[n] = it
    end
  end
  return out, token
end

_M.encode = encode
_M.decode = decode
return _M
