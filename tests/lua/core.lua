-- Core language: numbers, strings, tables, closures, control flow.
-- Expected values are what lua5.4 gives.

-- integer/float subtypes
assert(math.type(1) == "integer" and math.type(1.0) == "float")
assert(1 == 1.0 and 3 // 2 == 1 and 3.0 // 2 == 1.0 and 7 % -3 == -2)
assert(-7 // 2 == -4 and -7 % 2 == 1 and 5.5 % -2 == -0.5)
assert(1 / 2 == 0.5 and math.type(4 / 2) == "float")
assert(math.maxinteger + 1 == math.mininteger)          -- wraps
assert(2^53 == 9007199254740992.0)
assert(tostring(1e15) == "1e+15" and tostring(2^63) == "9.2233720368548e+18")
assert(tostring(-0.0) == "-0.0" and tostring(3.0) == "3.0" and tostring(1/0) == "inf")
assert(tostring(-1/0) == "-inf")
assert(0x10 == 16 and 0xffffffffffffffff == -1 and 0x1p4 == 16.0)
assert(9223372036854775808 == 2^63)                      -- overflowing decimal is a float
assert(math.type(9223372036854775807) == "integer")
assert(1 < 1.5 and 2^63 > math.maxinteger and -2^63 == math.mininteger)
assert(not (0/0 == 0/0))
assert("10" + 1 == 11 and "3.5" * 2 == 7.0 and 10 .. "" == "10")
assert(1 << 63 == math.mininteger and 1 << 64 == 0 and -1 >> 1 == math.maxinteger)
assert(5 & 3 == 1 and 5 | 3 == 7 and 5 ~ 3 == 6 and ~0 == -1)

-- strings
local s = "a\0b\x41\65\u{48}\z
           c"
assert(#s == 7 and s:byte(2) == 0 and s:sub(4, 6) == "AAH")
assert([==[a]]b]==] == "a]]b")
assert(("x"):rep(3) == "xxx")

-- tables
local t = {1, 2, 3, [10] = 10, x = "x", [2.0] = "two"}
assert(t[2] == 2 and #t == 3 and t.x == "x" and t[10] == 10)
t[#t + 1] = 4
assert(#t == 4)
local n = 0
for k, v in pairs(t) do n = n + 1 end
assert(n == 6)
local keys = {}
for i, v in ipairs({5, 6, 7}) do keys[#keys + 1] = i * v end
assert(keys[1] == 5 and keys[3] == 21)

-- closures and upvalues
local function counter()
  local c = 0
  return function() c = c + 1; return c end, function() return c end
end
local inc, get = counter()
inc(); inc()
assert(get() == 2)
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
assert(fs[1]() == 1 and fs[3]() == 3)

-- varargs and multiple results
local function va(...) return select('#', ...), ... end
local a, b, c = va(1, nil, 3)
assert(a == 3 and b == 1 and c == nil)
assert(select(-1, 1, 2, 3) == 3)
local function mr() return 1, 2, 3 end
local packed = {mr(), mr()}
assert(#packed == 4)

-- numeric for: counts precomputed, no overflow
local count = 0
for i = math.maxinteger - 2, math.maxinteger do count = count + 1 end
assert(count == 3)
count = 0
for i = 1, 0 do count = count + 1 end
assert(count == 0)
for i = 1.0, 2.0, 0.5 do count = count + 1 end
assert(count == 3)

-- goto and labels
do
  local i = 1
  ::top::
  if i < 3 then i = i + 1; goto top end
  assert(i == 3)
end

-- while / repeat scoping
local r = 0
repeat local z = r; r = r + 1 until z >= 2
assert(r == 3)

-- integer division and modulo by zero
assert(not pcall(function() return 1 // 0 end))
assert(select(2, pcall(function() local z = 0; return 1 % z end)):find("attempt to perform 'n%%0'"))
assert(1 // 0.0 == math.huge and -1 % math.huge == math.huge)

-- tail calls do not grow the stack
local function loop(k) if k == 0 then return "done" end return loop(k - 1) end
assert(loop(100000) == "done")

-- tail calls of every kind of callee: missing and extra arguments, a
-- vararg callee, `__call` chains, native functions, a callee whose frame
-- needs a larger stack
do
  local function three(a, b, c) return a, b, c end
  local function miss(x) return three(x) end
  local a, b, c = miss(1)
  assert(a == 1 and b == nil and c == nil)
  local function extra(x) return three(x, 2, 3, 4, 5) end
  assert(select("#", extra(1)) == 3 and select(3, extra(1)) == 3)
  local function va(...) return select("#", ...), ... end
  local function tova(...) return va(...) end
  local n, p, q = tova(7, nil, 9)
  assert(n == 3 and p == 7 and q == nil)
  local callable = setmetatable({}, {__call = function(self, x, y) return self, x, y end})
  local chained = setmetatable({}, {__call = callable})
  local function tocall(x) return callable(x, 2) end
  local s, x, y = tocall(1)
  assert(s == callable and x == 1 and y == 2)
  local function tochain(x) return chained(x) end
  local s1, s2, x2 = tochain(5)
  assert(s1 == callable and s2 == chained and x2 == 5)
  local function tonative(s) return string.upper(s) end
  assert(tonative("ab") == "AB")
  local function tonotfn() local t = {} return t(1) end
  local ok, msg = pcall(tonotfn)
  assert(not ok and msg:find("attempt to call a table value %(local 't'%)"))
  local big = load("local a = ... " .. string.rep("local x = a ", 150) .. " return a")
  local function tobig(k) if k == 0 then return big(42) end return tobig(k - 1) end
  assert(tobig(300) == 42)
  local function vtail(...) return three(...) end
  assert(select("#", vtail()) == 3 and vtail(1, 2) == 1)
end

-- deep recursion is a catchable error
local function rec(k) return 1 + rec(k + 1) end
local ok, msg = pcall(rec, 1)
assert(not ok and msg:find("stack overflow"))

-- Integer loops at the ends of the range, with large and negative steps
-- (FORPREP's all-integer path), and a zero step.
do
  local n = 0
  for i = 1, 0 do n = n + 1 end assert(n == 0)
  for i = 0, 0 do n = n + 1 end assert(n == 1)
  n = 0 for i = 10, 1, -3 do n = n + i end assert(n == 10 + 7 + 4 + 1)
  n = 0 for i = math.mininteger, math.mininteger + 2 do n = n + 1 end assert(n == 3)
  n = 0 for i = math.mininteger + 2, math.mininteger, -1 do n = n + 1 end assert(n == 3)
  n = 0 for i = 1, 10, math.maxinteger do n = n + 1 end assert(n == 1)
  n = 0 for i = -1, -10, math.mininteger do n = n + 1 end assert(n == 1)
  n = 0 for i = 7, 100, 31 do n = n + i end assert(n == 7 + 38 + 69 + 100)
  local ok, e = pcall(function() for i = 1, 10, 0 do end end)
  assert(not ok and e:find("'for' step is zero"))
end

print "OK"
