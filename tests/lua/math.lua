-- The math library. Expected values are what Lua 5.4 gives.

local function checkerror(msg, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(err == msg, err)
end

local function eqT(a, b)
  return a == b and math.type(a) == math.type(b)
end

local maxI, minI = math.maxinteger, math.mininteger

-- constants
assert(eqT(maxI, 0x7fffffffffffffff) and eqT(minI, -0x8000000000000000))
assert(math.huge == 1/0 and -math.huge == -1/0 and math.type(math.huge) == "float")
assert(math.pi > 3.14159265358979 and math.pi < 3.1415926535898)

-- type, tointeger, ult
assert(math.type(1) == "integer" and math.type(1.0) == "float" and math.type("1") == nil)
assert(math.type({}) == nil)
checkerror("bad argument #1 to 'math.type' (value expected)", math.type)
assert(eqT(math.tointeger(3.0), 3) and math.tointeger(3.5) == nil)
assert(eqT(math.tointeger("8"), 8) and eqT(math.tointeger("0x10"), 16))
assert(eqT(math.tointeger(" 34.0 "), 34) and math.tointeger("34.3") == nil)
assert(math.tointeger({}) == nil and math.tointeger(0/0) == nil and math.tointeger(2^63) == nil)
assert(eqT(math.tointeger(-2^63), minI))
checkerror("bad argument #1 to 'math.tointeger' (value expected)", math.tointeger)
assert(math.ult(1, -1) and not math.ult(-1, 1) and math.ult(maxI, minI))
checkerror("bad argument #2 to 'math.ult' (number has no integer representation)", math.ult, 1, 1.5)

-- abs
assert(eqT(math.abs(-3), 3) and eqT(math.abs(-3.5), 3.5) and eqT(math.abs(minI), minI))
assert(eqT(math.abs("-3"), 3.0) and eqT(math.abs(-0.0), 0.0))
checkerror("bad argument #1 to 'math.abs' (number expected, got no value)", math.abs)

-- floor / ceil: integers when representable
assert(eqT(math.floor(3.7), 3) and eqT(math.floor(-3.7), -4) and eqT(math.floor(5), 5))
assert(eqT(math.ceil(3.2), 4) and eqT(math.ceil(-3.2), -3) and eqT(math.ceil(-0.5), 0))
assert(eqT(math.floor("3.7"), 3) and eqT(math.floor(-0.0), 0))
assert(eqT(math.floor(2^70), 2^70) and eqT(math.ceil(-2^70), -2^70))
assert(eqT(math.floor(-2^63), minI) and eqT(math.ceil(2^63), 2^63))
assert(math.floor(1/0) == 1/0 and math.ceil(-1/0) == -1/0)
checkerror("bad argument #1 to 'math.floor' (number expected, got table)", math.floor, {})

-- fmod
assert(eqT(math.fmod(7, 3), 1) and eqT(math.fmod(-7, 3), -1) and eqT(math.fmod(7, -3), 1))
assert(eqT(math.fmod(minI, -1), 0) and eqT(math.fmod(minI, minI), 0))
assert(eqT(math.fmod(7.5, 2), 1.5) and eqT(math.fmod(-7.5, 2), -1.5) and eqT(math.fmod(7, 2.0), 1.0))
assert(eqT(math.fmod("7", 3), 1.0))            -- strings take the float path
local nan = math.fmod(5, 0.0)
assert(nan ~= nan)
assert(eqT(math.fmod(3, 1/0), 3.0))
checkerror("bad argument #2 to 'math.fmod' (zero)", math.fmod, 1, 0)
checkerror("bad argument #2 to 'math.fmod' (number expected, got no value)", math.fmod, 1)

-- modf
local a, b = math.modf(3.5)
assert(eqT(a, 3) and eqT(b, 0.5))
a, b = math.modf(-2.5)
assert(a == -2 and eqT(b, -0.5))
a, b = math.modf(5)
assert(eqT(a, 5) and eqT(b, 0.0))
a, b = math.modf(1/0)
assert(a == 1/0 and eqT(b, 0.0))
a, b = math.modf(-3e23)
assert(eqT(a, -3e23) and eqT(b, 0.0))
a, b = math.modf(0/0)
assert(a ~= a and b ~= b)

-- sqrt, exp, log
assert(eqT(math.sqrt(16), 4.0) and math.sqrt(-1) ~= math.sqrt(-1))
assert(math.exp(0) == 1.0 and math.log(1) == 0.0)
assert(eqT(math.log(8, 2), 3.0) and eqT(math.log(1000, 10), 3.0) and eqT(math.log(2^50, 2), 50.0))
assert(math.abs(math.log(27, 3) - 3) < 1e-14)
assert(math.log(0) == -1/0)
assert(math.abs(math.exp(1) - 2.718281828459045) < 1e-15)

-- trigonometry
assert(math.sin(0) == 0.0 and math.cos(0) == 1.0 and math.tan(0) == 0.0)
assert(math.abs(math.sin(math.pi / 2) - 1) < 1e-15)
assert(math.abs(math.atan(1) - math.pi / 4) < 1e-15)
assert(math.abs(math.atan(1, -1) - 3 * math.pi / 4) < 1e-15)
assert(math.abs(math.asin(1) - math.pi / 2) < 1e-15 and math.acos(1) == 0.0)
assert(eqT(math.deg(math.pi), 180.0) and eqT(math.rad(180), math.pi))

-- min / max keep the original value (and subtype)
assert(eqT(math.max(1, 2.5), 2.5) and eqT(math.max(2, 2.0), 2) and eqT(math.max(2.0, 2), 2.0))
assert(eqT(math.min(3, 1, 2), 1) and eqT(math.min(1.0), 1.0))
assert(eqT(math.max(minI, maxI), maxI) and eqT(math.min(maxI, -1/0), -1/0))
assert(math.max("10", "9") == "9")        -- compared as strings, as in Lua 5.4
checkerror("bad argument #1 to 'math.max' (value expected)", math.max)
checkerror("bad argument #1 to 'math.min' (value expected)", math.min)
checkerror("attempt to compare number with string", math.max, 1, "x")

-- random: PUC's xoshiro256**, so seeded sequences are the reference ones
math.randomseed(42)
assert(math.random(1, 100) == 50)
math.randomseed(1007)
assert(math.random(0) == 0x7a7040a5a323c9d6)
math.randomseed(1007, 0)
assert(math.random() == 0x0.7a7040a5a323c8p0)
do
  local x, y = math.randomseed(7)
  assert(eqT(x, 7) and eqT(y, 0))
  x, y = math.randomseed()
  assert(math.type(x) == "integer" and math.type(y) == "integer")
  local r = math.random(0)
  math.randomseed(x, y)
  assert(math.random(0) == r)
end
for _ = 1, 1000 do
  local f = math.random()
  assert(0 <= f and f < 1 and f * 2^53 % 1 == 0)
  local d = math.random(6)
  assert(1 <= d and d <= 6 and math.type(d) == "integer")
  local r = math.random(-3, 3)
  assert(-3 <= r and r <= 3)
  local big = math.random(minI, maxI)
  assert(math.type(big) == "integer")
end
assert(math.random(maxI, maxI) == maxI and math.random(minI, minI) == minI)
assert(math.random(3.0) <= 3)
checkerror("bad argument #1 to 'math.random' (interval is empty)", math.random, 2, 1)
checkerror("bad argument #1 to 'math.random' (interval is empty)", math.random, -5)
checkerror("wrong number of arguments", math.random, 1, 2, 3)
checkerror("bad argument #1 to 'math.random' (number has no integer representation)", math.random, 1.5)
checkerror("bad argument #1 to 'math.randomseed' (number has no integer representation)", math.randomseed, 1.5)

-- Integer % and // (the VM's fast paths: both non-negative, other signs,
-- -1, the extremes) and bitwise operators on integral floats.
do
  local function m(a, b) return a % b, a // b end
  local function check(a, b, r, q)
    local x, y = m(a, b)
    assert(x == r and y == q and math.type(x) == "integer" and math.type(y) == "integer")
  end
  check(42, 139968, 42, 0)
  check(139970, 139968, 2, 1)
  check(-7, 3, 2, -3)
  check(7, -3, -2, -3)
  check(-7, -3, -1, 2)
  check(7, -1, 0, -7)
  check(math.mininteger, -1, 0, math.mininteger)
  check(math.maxinteger, 2, 1, math.maxinteger // 2)
  check(math.mininteger, 3, math.mininteger % 3, math.mininteger // 3)
  assert(5.5 % 2 == 1.5 and -5.5 // 2 == -3.0)
  local last = 42
  for _ = 1, 1000 do last = (last * 3877 + 29573) % 139968 end
  assert(last == 11426)
  local f = 6.0
  assert(f & 3 == 2 and 3 | f == 7 and f ~ 1 == 7 and f << 1 == 12 and f >> 1 == 3)
  assert(-f == -6.0 and ~5 == -6)
  assert(select(2, pcall(m, 1, 0)):find("attempt to perform 'n%0'", 1, true))
end

print "OK"
