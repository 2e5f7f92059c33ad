-- spec/support/pyregex.lua: the subset of Python's `re` that the conformance
-- case files use, as a small backtracking matcher over bytes.
--
-- Supported: literals and escaped punctuation (`\-`, `\.`), `.`, `\d \D \w
-- \W \s \S \n \r \t \f \v`, classes `[...]` (ranges, negation, escapes, the
-- literal `-` rules of Python), groups `(...)` and `(?:...)`, alternation,
-- greedy and lazy `* + ? {n} {n,} {,m} {n,m}`, a literal `{` where it is not
-- a repeat (as Python), anchors `^ $` (no MULTILINE: `$` also before a final
-- newline), and a leading `(?i)` (ASCII case-insensitive).  Anything else
-- (look-around, back-references, named groups, \b, other flags ...) raises
-- "pyregex: unsupported ..." so that no rule is ever silently skipped.
--
-- Python's semantics kept: leftmost match, alternatives tried in order,
-- greedy/lazy backtracking, re.sub's non-overlapping left-to-right
-- replacement (an empty match advances by one character).

local M = {}

local byte, sub, find, lower, upper, char = string.byte, string.sub, string.find, string.lower, string.upper, string.char
local concat = table.concat

local function unsupported(what, pat)
  error("pyregex: unsupported " .. what .. " in pattern " .. string.format("%q", pat), 0)
end

---------------------------------------------------------------- parsing

local function set_range(set, a, b) for c = a, b do set[c] = true end end

local function class_escape(set, e, pat)
  if e == "d" then set_range(set, 48, 57)
  elseif e == "w" then set_range(set, 48, 57); set_range(set, 65, 90); set_range(set, 97, 122); set[95] = true
  elseif e == "s" then for _, c in ipairs({ 32, 9, 10, 11, 12, 13 }) do set[c] = true end
  else return false end
  return true
end

local function negate(set)
  local out = {}
  for c = 0, 255 do if not set[c] then out[c] = true end end
  return out
end

local simple_escapes = { n = 10, r = 13, t = 9, f = 12, v = 11, a = 7 }

-- Single-character escape (after the backslash) -> a set, or a byte.
local function escape_atom(e, pat)
  local set = {}
  if class_escape(set, e, pat) then return set end
  if e == "D" or e == "W" or e == "S" then
    class_escape(set, lower(e), pat)
    return negate(set)
  end
  if simple_escapes[e] then return simple_escapes[e] end
  if e == "" then unsupported("trailing backslash", pat) end
  if find(e, "^[%w]$") then unsupported("escape \\" .. e, pat) end
  return byte(e)
end

local Parser = {}
Parser.__index = Parser

function Parser:peek() return sub(self.pat, self.i, self.i) end
function Parser:next() local c = sub(self.pat, self.i, self.i); self.i = self.i + 1; return c end

function Parser:parse_class()
  -- at the char after '['
  local set, neg = {}, false
  if self:peek() == "^" then neg = true; self.i = self.i + 1 end
  local first = true
  while true do
    local c = self:next()
    if c == "" then unsupported("unterminated class", self.pat) end
    if c == "]" and not first then break end
    first = false
    local lo, loset
    if c == "\\" then
      local e = self:next()
      local a = escape_atom(e, self.pat)
      if type(a) == "table" then loset = a else lo = a end
    elseif c == "[" and find(sub(self.pat, self.i, self.i), "[:=.]") then
      unsupported("POSIX class syntax", self.pat)
    else
      lo = byte(c)
    end
    if loset then
      for k in pairs(loset) do set[k] = true end
    elseif self:peek() == "-" and sub(self.pat, self.i + 1, self.i + 1) ~= "]"
        and sub(self.pat, self.i + 1, self.i + 1) ~= "" then
      self.i = self.i + 1
      local h = self:next()
      local hi
      if h == "\\" then
        local a = escape_atom(self:next(), self.pat)
        if type(a) == "table" then unsupported("class escape as range end", self.pat) end
        hi = a
      else
        hi = byte(h)
      end
      if hi < lo then unsupported("bad character range", self.pat) end
      set_range(set, lo, hi)
    else
      set[lo] = true
    end
  end
  if self.icase then
    for c = 65, 90 do if set[c] or set[c + 32] then set[c] = true; set[c + 32] = true end end
  end
  if neg then set = negate(set) end
  return { t = "set", set = set }
end

function Parser:parse_atom()
  local c = self:next()
  if c == "(" then
    local cap
    if self:peek() == "?" then
      if sub(self.pat, self.i + 1, self.i + 1) == ":" then
        self.i = self.i + 2
      else
        unsupported("group extension (?" .. sub(self.pat, self.i + 1, self.i + 1), self.pat)
      end
    else
      self.ngroups = self.ngroups + 1
      cap = self.ngroups
    end
    local node = self:parse_alt()
    if self:next() ~= ")" then unsupported("unbalanced parenthesis", self.pat) end
    return { t = "group", cap = cap, node = node }
  elseif c == "[" then
    return self:parse_class()
  elseif c == "." then
    local set = negate({ [10] = true })
    return { t = "set", set = set }
  elseif c == "^" then
    return { t = "bol" }
  elseif c == "$" then
    return { t = "eol" }
  elseif c == "\\" then
    local e = self:next()
    local a = escape_atom(e, self.pat)
    if type(a) == "table" then return { t = "set", set = a } end
    return self:literal(a)
  elseif c == "*" or c == "+" or c == "?" then
    unsupported("nothing to repeat", self.pat)
  else
    return self:literal(byte(c))
  end
end

function Parser:literal(b)
  if self.icase and ((b >= 65 and b <= 90) or (b >= 97 and b <= 122)) then
    local l = byte(lower(char(b)))
    return { t = "set", set = { [l] = true, [l - 32] = true } }
  end
  return { t = "char", c = b }
end

-- A `{...}` repeat at the current position: min, max (nil = unbounded), or nil if literal.
function Parser:parse_brace()
  local lo, comma, hi = self.pat:match("^{(%d*)(,?)(%d*)}", self.i)
  if not lo then return nil end
  if comma == "" and lo == "" then return nil end
  if comma == "" and hi ~= "" then return nil end
  local whole = self.pat:match("^{%d*,?%d*}", self.i)
  self.i = self.i + #whole
  local mn = lo ~= "" and tonumber(lo) or 0
  local mx
  if comma == "" then mx = mn elseif hi ~= "" then mx = tonumber(hi) end
  if mx and mx < mn then unsupported("min repeat greater than max repeat", self.pat) end
  return mn, mx
end

function Parser:parse_seq()
  local list = {}
  while true do
    local c = self:peek()
    if c == "" or c == "|" or c == ")" then break end
    local atom
    if c == "{" then
      if self:try_brace_peek() then unsupported("nothing to repeat", self.pat) end
      self.i = self.i + 1
      atom = { t = "char", c = 123 }
    else
      atom = self:parse_atom()
    end
    -- quantifiers
    while true do
      local q = self:peek()
      local mn, mx
      if q == "*" then mn, mx = 0, nil; self.i = self.i + 1
      elseif q == "+" then mn, mx = 1, nil; self.i = self.i + 1
      elseif q == "?" then mn, mx = 0, 1; self.i = self.i + 1
      elseif q == "{" then
        mn, mx = self:parse_brace()
        if not mn then break end
      else break end
      if atom.t == "rep" then unsupported("multiple repeat", self.pat) end
      if atom.t == "bol" or atom.t == "eol" then unsupported("repeat of an anchor", self.pat) end
      local greedy = true
      if self:peek() == "?" then greedy = false; self.i = self.i + 1
      elseif self:peek() == "+" then unsupported("possessive repeat", self.pat) end
      atom = { t = "rep", node = atom, min = mn, max = mx, greedy = greedy }
    end
    list[#list + 1] = atom
  end
  if #list == 1 then return list[1] end
  return { t = "seq", list = list }
end

function Parser:try_brace_peek()
  local lo, comma, hi = self.pat:match("^{(%d*)(,?)(%d*)}", self.i)
  if not lo then return false end
  if comma == "" and lo == "" then return false end
  return true
end

function Parser:parse_alt()
  local alts = { self:parse_seq() }
  while self:peek() == "|" do
    self.i = self.i + 1
    alts[#alts + 1] = self:parse_seq()
  end
  if #alts == 1 then return alts[1] end
  return { t = "alt", list = alts }
end

---------------------------------------------------------------- matching

-- Each node compiles to m(s, i, caps, k): try to match at i, then call the
-- continuation k(j); return what k returned (end index) or nil.

local compile

local function single(node)
  -- a one-byte matcher test for simple repeats, or nil
  if node.t == "char" then local c = node.c; return function(b) return b == c end end
  if node.t == "set" then local set = node.set; return function(b) return set[b] == true end end
  return nil
end

function compile(node)
  local t = node.t
  if t == "char" then
    local c = node.c
    return function(s, i, caps, k) if byte(s, i) == c then return k(i + 1) end end
  elseif t == "set" then
    local set = node.set
    return function(s, i, caps, k) local b = byte(s, i); if b and set[b] then return k(i + 1) end end
  elseif t == "bol" then
    return function(s, i, caps, k) if i == 1 then return k(i) end end
  elseif t == "eol" then
    return function(s, i, caps, k)
      local n = #s
      if i == n + 1 or (i == n and byte(s, n) == 10) then return k(i) end
    end
  elseif t == "seq" then
    local ms = {}
    for idx, sub_node in ipairs(node.list) do ms[idx] = compile(sub_node) end
    local n = #ms
    local function step(idx, s, i, caps, k)
      if idx > n then return k(i) end
      return ms[idx](s, i, caps, function(j) return step(idx + 1, s, j, caps, k) end)
    end
    return function(s, i, caps, k) return step(1, s, i, caps, k) end
  elseif t == "alt" then
    local ms = {}
    for idx, sub_node in ipairs(node.list) do ms[idx] = compile(sub_node) end
    return function(s, i, caps, k)
      for idx = 1, #ms do
        local r = ms[idx](s, i, caps, k)
        if r then return r end
      end
    end
  elseif t == "group" then
    local m, cap = compile(node.node), node.cap
    if not cap then return m end
    return function(s, i, caps, k)
      return m(s, i, caps, function(j)
        local os, oe = caps[2 * cap - 1], caps[2 * cap]
        caps[2 * cap - 1], caps[2 * cap] = i, j
        local r = k(j)
        if not r then caps[2 * cap - 1], caps[2 * cap] = os, oe end
        return r
      end)
    end
  elseif t == "rep" then
    local mn, mx, greedy = node.min, node.max, node.greedy
    local test = single(node.node)
    if test then
      -- iterative: count how far the byte class runs, then backtrack
      return function(s, i, caps, k)
        local limit = mx and (i + mx - 1) or #s
        if limit > #s then limit = #s end
        local j = i
        while j <= limit and test(byte(s, j)) do j = j + 1 end
        local count = j - i
        if count < mn then return nil end
        if greedy then
          for e = j, i + mn, -1 do
            local r = k(e)
            if r then return r end
          end
        else
          for e = i + mn, j do
            local r = k(e)
            if r then return r end
          end
        end
      end
    end
    local m = compile(node.node)
    local function try(s, i, caps, k, count)
      if greedy then
        if not mx or count < mx then
          local r = m(s, i, caps, function(j)
            if j == i then return nil end -- an empty iteration ends the loop
            return try(s, j, caps, k, count + 1)
          end)
          if r then return r end
        end
        if count >= mn then return k(i) end
      else
        if count >= mn then
          local r = k(i)
          if r then return r end
        end
        if not mx or count < mx then
          return m(s, i, caps, function(j)
            if j == i then return nil end
            return try(s, j, caps, k, count + 1)
          end)
        end
      end
    end
    return function(s, i, caps, k) return try(s, i, caps, k, 0) end
  end
  error("pyregex: internal: unknown node " .. tostring(t))
end

-- Bytes that can start a match, or nil if a match may be empty or start anywhere.
local function first_set(node)
  local t = node.t
  if t == "char" then return { [node.c] = true } end
  if t == "set" then return node.set end
  if t == "group" then return first_set(node.node) end
  if t == "alt" then
    local out = {}
    for _, a in ipairs(node.list) do
      local f = first_set(a)
      if not f then return nil end
      for c in pairs(f) do out[c] = true end
    end
    return out
  end
  if t == "seq" then return first_set(node.list[1]) end
  if t == "rep" then
    if node.min == 0 then return nil end
    return first_set(node.node)
  end
  return nil
end

-- A Lua pattern class for a byte set (nil if the set holds NUL or is too large).
local function lua_class(set)
  local parts, count = {}, 0
  for c = 1, 255 do
    if set[c] then
      count = count + 1
      local ch = char(c)
      if find(ch, "%W") then ch = "%" .. ch end
      parts[#parts + 1] = ch
    end
  end
  if set[0] or count == 0 or count > 200 then return nil end
  return "[" .. concat(parts) .. "]"
end

-- The literal bytes of a pattern made only of plain characters, else nil.
local function literal_of(node)
  if node.t == "char" then return char(node.c) end
  if node.t == "seq" then
    local out = {}
    for _, n in ipairs(node.list) do
      if n.t ~= "char" then return nil end
      out[#out + 1] = char(n.c)
    end
    return concat(out)
  end
  return nil
end

local Regex = {}
Regex.__index = Regex

-- Compile a Python regex.  Raises "pyregex: unsupported ..." on anything
-- outside the subset.
function M.compile(pat)
  if type(pat) ~= "string" then error("pyregex: pattern must be a string", 2) end
  local icase = false
  local body_start = 1
  local flags = pat:match("^%(%?([aiLmsux]+)%)")
  if flags then
    if flags ~= "i" then unsupported("flags (?" .. flags .. ")", pat) end
    icase = true
    body_start = #flags + 4
  end
  local p = setmetatable({ pat = pat, i = body_start, icase = icase, ngroups = 0 }, Parser)
  local ast = p:parse_alt()
  if p.i <= #pat then unsupported("unbalanced parenthesis", pat) end
  local self = setmetatable({ pattern = pat, ngroups = p.ngroups, matcher = compile(ast) }, Regex)
  local fs = first_set(ast)
  self.first_class = fs and lua_class(fs)
  self.literal = (not icase) and literal_of(ast) or nil
  return self
end

local function done(j) return j end

-- Match anchored at i (re.match from position i): end index (exclusive), caps.
function Regex:match_at(s, i)
  local caps = {}
  local e = self.matcher(s, i, caps, done)
  if e then return e, caps end
  return nil
end

-- re.search from position init: start, end (exclusive), caps; or nil.
function Regex:search(s, init)
  local i = init or 1
  local n = #s
  if self.literal then
    local a, b = find(s, self.literal, i, true)
    if a then return a, b + 1, {} end
    return nil
  end
  while i <= n + 1 do
    if self.first_class then
      i = find(s, self.first_class, i)
      if not i then return nil end
    end
    local e, caps = self:match_at(s, i)
    if e then return i, e, caps end
    i = i + 1
  end
  return nil
end

-- re.match: a match at the start of s (not necessarily to its end).
function Regex:match(s)
  local e, caps = self:match_at(s, 1)
  if not e then return nil end
  return e, caps
end

-- re.fullmatch.
function Regex:fullmatch(s)
  local caps = {}
  local n = #s
  local e = self.matcher(s, 1, caps, function(j) if j == n + 1 then return j end end)
  return e ~= nil
end

-- Captured group g of a match (nil if it did not take part).
function M.group(s, caps, g)
  local a, b = caps[2 * g - 1], caps[2 * g]
  if a then return sub(s, a, b - 1) end
  return nil
end

-- re.sub(pattern, repl, s) with a plain replacement (a replacement using
-- Python's backslash templates is refused).  Returns the text and the count.
function Regex:sub(s, repl)
  if find(repl, "\\", 1, true) then
    error("pyregex: unsupported replacement template " .. string.format("%q", repl), 0)
  end
  local out, n, count = {}, 0, 0
  local i, len = 1, #s
  while i <= len + 1 do
    local a, e = self:search(s, i)
    if not a then break end
    n = n + 1; out[n] = sub(s, i, a - 1)
    n = n + 1; out[n] = repl
    count = count + 1
    if e == a then
      n = n + 1; out[n] = sub(s, a, a)
      i = a + 1
    else
      i = e
    end
  end
  if i <= len then n = n + 1; out[n] = sub(s, i) end
  return concat(out), count
end

local cache = setmetatable({}, { __mode = "v" })

-- Compiled form of pat, cached.
function M.get(pat)
  local r = cache[pat]
  if not r then r = M.compile(pat); cache[pat] = r end
  return r
end

return M
