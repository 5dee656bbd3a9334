-- The utf8 library. Expected values are what Lua 5.4 gives (5.4.8 for
-- utf8.codes' check of a leading continuation byte).

local function checkerror(msg, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(err == msg, err)
end

local function same(t, ...)
  local n = select("#", ...)
  if #t ~= n then return false end
  for i = 1, n do
    if t[i] ~= select(i, ...) then return false end
  end
  return true
end

assert(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")

-- char
assert(utf8.char() == "")
assert(utf8.char(72, 233, 0x20AC, 0x1D11E) == "H\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E")
assert(utf8.char(0) == "\0" and utf8.char(0x7F) == "\x7F" and utf8.char(0x80) == "\xC2\x80")
assert(utf8.char(0x7FF) == "\xDF\xBF" and utf8.char(0x800) == "\xE0\xA0\x80")
assert(utf8.char(0xFFFF) == "\xEF\xBF\xBF" and utf8.char(0x10FFFF) == "\xF4\x8F\xBF\xBF")
assert(utf8.char(0x200000) == "\xF8\x88\x80\x80\x80")
assert(utf8.char(0x7FFFFFFF) == "\xFD\xBF\xBF\xBF\xBF\xBF")
assert(utf8.char(0x7FFFFFFF) == "\u{7FFFFFFF}" and utf8.char(0xD800) == "\u{D800}")
checkerror("bad argument #1 to 'utf8.char' (value out of range)", utf8.char, -1)
checkerror("bad argument #2 to 'utf8.char' (value out of range)", utf8.char, 1, 0x80000000)
checkerror("bad argument #1 to 'utf8.char' (number expected, got table)", utf8.char, {})

-- len
assert(utf8.len("") == 0 and utf8.len("abc") == 3 and utf8.len("h\u{E9}llo") == 5)
assert(utf8.len("h\u{E9}llo", -3) == 3 and utf8.len("h\u{E9}llo", 4) == 3)
assert(utf8.len("abc", 4) == 0 and utf8.len("abc", 1, 0) == 0)
do
  local n, p = utf8.len("\xffabc")
  assert(n == nil and p == 1)
  n, p = utf8.len("abc\xE4")
  assert(n == nil and p == 4)
  n, p = utf8.len("ab\u{D800}")            -- surrogate: invalid unless lax
  assert(n == nil and p == 3)
  assert(utf8.len("ab\u{D800}", 1, -1, true) == 3)
  n, p = utf8.len("\u{110000}")
  assert(n == nil and p == 1)
  assert(utf8.len("\u{7FFFFFFF}", 1, -1, true) == 1)
  n, p = utf8.len("\xC0\x80")              -- overlong
  assert(n == nil and p == 1)
  n, p = utf8.len("\xE0\x9F\xBF")          -- overlong
  assert(n == nil and p == 1)
  n, p = utf8.len("hel\x80lo")
  assert(n == nil and p == 4)
  n, p = utf8.len("\xFE\x80\x80\x80\x80\x80\x80", 1, -1, true)
  assert(n == nil and p == 1)
end
checkerror("bad argument #2 to 'utf8.len' (initial position out of bounds)", utf8.len, "abc", 5)
checkerror("bad argument #2 to 'utf8.len' (initial position out of bounds)", utf8.len, "abc", 0, 2)
checkerror("bad argument #3 to 'utf8.len' (final position out of bounds)", utf8.len, "abc", 1, 4)

-- codepoint
assert(same({utf8.codepoint("h\u{E9}llo", 1, -1)}, 104, 233, 108, 108, 111))
assert(utf8.codepoint("abc") == 97 and utf8.codepoint("abc", -1) == 99)
assert(select("#", utf8.codepoint("abc", 3, 2)) == 0)
assert(select("#", utf8.codepoint("", 1, 0)) == 0)
assert(utf8.codepoint("\u{10FFFF}") == 0x10FFFF)
assert(utf8.codepoint("\u{D800}", 1, 1, true) == 0xD800)
assert(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true) == 0x7FFFFFFF)
checkerror("invalid UTF-8 code", utf8.codepoint, "\u{D800}")
checkerror("invalid UTF-8 code", utf8.codepoint, "\u{110000}")
checkerror("invalid UTF-8 code", utf8.codepoint, "ab\xff", 1, -1)
checkerror("invalid UTF-8 code", utf8.codepoint, "\xE4", 1)
checkerror("bad argument #3 to 'utf8.codepoint' (out of bounds)", utf8.codepoint, "abc", 5)
checkerror("bad argument #2 to 'utf8.codepoint' (out of bounds)", utf8.codepoint, "abc", -4, 1)
checkerror("bad argument #3 to 'utf8.codepoint' (out of bounds)", utf8.codepoint, "abc", 1, 4)

-- offset
local s = "h\u{E9}llo"   -- bytes: h C3 A9 l l o
assert(utf8.offset(s, 1) == 1 and utf8.offset(s, 2) == 2 and utf8.offset(s, 3) == 4)
assert(utf8.offset(s, 6) == 7 and utf8.offset(s, 7) == nil)
assert(utf8.offset(s, -1) == 6 and utf8.offset(s, -5) == 1 and utf8.offset(s, -6) == nil)
assert(utf8.offset(s, 0, 3) == 2 and utf8.offset(s, 0, 2) == 2 and utf8.offset(s, 0, 7) == 7)
assert(utf8.offset(s, 2, 2) == 4 and utf8.offset(s, -1, 4) == 2)
assert(utf8.offset("alo", 5) == nil and utf8.offset("alo", -4) == nil)
assert(utf8.offset("", 1) == 1 and utf8.offset("", -1) == nil)
checkerror("initial position is a continuation byte", utf8.offset, s, 1, 3)
checkerror("initial position is a continuation byte", utf8.offset, "\x80", 1)
checkerror("bad argument #3 to 'utf8.offset' (position out of bounds)", utf8.offset, "abc", 1, 5)
checkerror("bad argument #3 to 'utf8.offset' (position out of bounds)", utf8.offset, "abc", 1, -4)
checkerror("bad argument #3 to 'utf8.offset' (position out of bounds)", utf8.offset, "", 1, 2)

-- codes
do
  local ps, cs = {}, {}
  for p, c in utf8.codes("h\u{E9}l\u{20AC}\u{1D11E}") do
    ps[#ps + 1] = p; cs[#cs + 1] = c
  end
  assert(same(ps, 1, 2, 4, 5, 8))
  assert(same(cs, 104, 233, 108, 0x20AC, 0x1D11E))
  local n = 0
  for _ in utf8.codes("") do n = n + 1 end
  assert(n == 0)
  for _, c in utf8.codes("\u{D800}\u{7FFFFFFF}", true) do n = n + 1; assert(c >= 0xD800) end
  assert(n == 2)
end
local function codes_error(s, lax)
  -- drive the iterator by hand so the error has no position prefix
  local f, st, ctl = utf8.codes(s, lax)
  while true do
    local ok, p = pcall(f, st, ctl)
    if not ok then assert(p == "invalid UTF-8 code", p) return end
    assert(p ~= nil, "no error")
    ctl = p
  end
end
codes_error("ab\xff")
codes_error("\u{110000}")
codes_error("in\x80valid")
codes_error("\u{D800}")
codes_error("a\xE4")
codes_error("\xC3\xA9\xA9")
checkerror("bad argument #1 to 'utf8.codes' (invalid UTF-8 code)", utf8.codes, "\x80")
do
  local f = utf8.codes("")
  assert(f("", 2) == nil and f("", -1) == nil and f("", math.mininteger) == nil)
  local p, c = f("abc", 1)
  assert(p == 2 and c == 98)
end

print "OK"
