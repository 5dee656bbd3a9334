-- Error values and messages, as lua5.4 reports them.
local function err(f, ...)
  local ok, m = pcall(f, ...)
  assert(not ok)
  return m
end

local function check(f, pat)
  local m = err(f)
  assert(string.find(m, pat, 1, true), m)
end

check(function() local x; return x.y end, "attempt to index a nil value (local 'x')")
check(function() return undefinedglobal.y end, "attempt to index a nil value (global 'undefinedglobal')")
check(function() local t = {} ; return t.a.b end, "attempt to index a nil value (field 'a')")
local up
check(function() return up.x end, "attempt to index a nil value (upvalue 'up')")
check(function() undefinedfn() end, "attempt to call a nil value (global 'undefinedfn')")
check(function() local t = {} t:nomethod() end, "attempt to call a nil value (method 'nomethod')")
check(function() return 1 + {} end, "attempt to perform arithmetic on a table value")
check(function() return {} < 1 end, "attempt to compare table with number")
check(function() return {} < {} end, "attempt to compare two table values")
check(function() local t = {} return "a" .. t end, "attempt to concatenate a table value (local 't')")
check(function() return #nil end, "attempt to get length of a nil value")
check(function() return 1.5 | 1 end, "number has no integer representation")
check(function() local t = setmetatable({}, {__index = function(t, k) error("idx " .. k) end}); return t.foo end, "idx foo")
check(function() error("msg") end, "errors.lua:")

-- error with levels and non-string values
assert(err(error, "plain", 0) == "plain")
local e = {}
assert(err(error, e) == e)
assert(err(error) == nil)

-- xpcall with a message handler
local ok, m = xpcall(function() error("x") end, function(m) return "handled: " .. m end)
assert(not ok and m:find("handled: .*x"))
ok, m = xpcall(function(a, b) return a + b end, print, 1, 2)
assert(ok and m == 3)

-- syntax errors from load
local f, msg = load("x = = 1")
assert(f == nil and msg == [[[string "x = = 1"]:1: unexpected symbol near '=']])
f, msg = load("function f() return 1", "=src")
assert(msg == "src:1: 'end' expected near <eof>")
f, msg = load("x = 3x")
assert(msg:find("malformed number near '3x'"))
f, msg = load("x = \"abc\ny")
assert(msg:find([[unfinished string near '"abc']]))
f, msg = load(string.rep("(", 300) .. "1" .. string.rep(")", 300))
assert(f == nil and msg:find("overflow"))

-- runtime errors keep the state usable
for i = 1, 3 do assert(not pcall(error, i)) end


-- Messages as in 5.4.8 (`ltable.c`, `ldebug.c`): a nil or NaN key; a value
-- reached through a metamethod has no name (only registers and upvalues are
-- named); `next`'s invalid key has no position (raised inside `next`).
do
  local function msg(f) local ok, m = pcall(f) assert(not ok) return m end
  assert(msg(function() local t = {} t[nil] = 1 end):find(":%d+: table index is nil$"))
  assert(msg(function() local t = {} t[0/0] = 1 end):find(":%d+: table index is NaN$"))
  assert(msg(function() rawset({}, nil, 1) end):find("table index is nil$"))
  local viaindex = setmetatable({}, {__index = 5})
  assert(msg(function() return viaindex.k end):find(":%d+: attempt to index a number value$"))
  local vianew = setmetatable({}, {__newindex = "oops"})
  assert(msg(function() vianew.k = 1 end):find(":%d+: attempt to index a string value$"))
  local t = {}
  assert(msg(function() return t.x.y end):find("attempt to index a nil value %(field 'x'%)$"))
  assert(msg(function() return next({}, "nokey") end) == "invalid key to 'next'")
  assert(msg(function() local k = next({}, "nokey") return k end) == "invalid key to 'next'")
  assert(msg(function() coroutine.resume(1) end):find("%(thread expected, got number%)$"))
  assert(msg(function() coroutine.status({}) end):find("%(thread expected, got table%)$"))
end

print "OK"
