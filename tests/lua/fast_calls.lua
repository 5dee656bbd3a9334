-- math.floor, math.sin and the other pure one-argument functions, and
-- assert, which CALL applies without a call frame (see `FastCall`): the same
-- results, errors and hook events as a real call.

local floor, ceil, sin, cos, tan, sqrt, exp = math.floor, math.ceil, math.sin,
  math.cos, math.tan, math.sqrt, math.exp

-- Integers stay integers in the rounding functions; floats become integers
-- when they fit.
assert(math.type(floor(3)) == "integer" and floor(3) == 3)
assert(math.type(floor(3.7)) == "integer" and floor(3.7) == 3)
assert(floor(-3.5) == -4 and ceil(-3.5) == -3 and ceil(3.2) == 4)
assert(math.type(floor(-0.0)) == "integer" and floor(-0.0) == 0)
assert(math.type(floor(2^70)) == "float" and floor(2^70) == 2^70)
assert(floor(math.huge) == math.huge and ceil(-math.huge) == -math.huge)
local nan = floor(0/0)
assert(nan ~= nan)
assert(floor(math.mininteger) == math.mininteger)

-- Float functions convert integers.
assert(math.type(sqrt(16)) == "float" and sqrt(16) == 4.0)
assert(sin(0) == 0.0 and cos(0) == 1.0 and tan(0) == 0.0 and exp(0) == 1.0)
assert(math.type(sin(0)) == "float")

-- Numeric strings convert (through the function itself).
assert(floor("3.7") == 3 and sqrt("4") == 2.0)

-- Extra arguments are ignored; results adjust to every context.
assert(sin(0, "x") == 0.0)
assert(select("#", floor(1.5)) == 1)
local t = { floor(2.5), floor(3.5) }
assert(#t == 2 and t[1] == 2 and t[2] == 3)
local a, b = floor(1.5)
assert(a == 1 and b == nil)
local function tail(x) return floor(x) end
assert(tail(4.5) == 4)

-- Errors name the function as a call does.
local ok, msg = pcall(function () return floor({}) end)
assert(not ok and msg:find("bad argument #1 to 'floor' %(number expected, got table%)"))
ok, msg = pcall(function () local x = sin(nil) return x end)
assert(not ok and msg:find("bad argument #1 to 'sin' %(number expected, got nil%)"))
ok, msg = pcall(sqrt, "abc")
assert(not ok and msg:find("number expected, got string"))

-- A call hook sees every call.
local calls = 0
debug.sethook(function (event)
  if debug.getinfo(2, "f").func == sin then calls = calls + 1 end
end, "c")
for i = 1, 10 do local _ = sin(i) end
debug.sethook()
assert(calls == 10, calls)

-- Loops mixing integers and floats give what arithmetic gives.
local s = 0
for i = 1, 100 do s = s + floor(i / 3) + ceil(i / 7) end
local s2 = 0
for i = 1, 100 do s2 = s2 + i // 3 + -(-i // 7) end
assert(s == s2 and math.type(s) == "integer")

-- Still functions of their own.
assert(type(floor) == "function" and debug.getinfo(floor).what == "C")
assert(math.floor == floor and floor ~= ceil)

-- assert: a true first argument passes, its results are its arguments.
assert(true)
assert(1, "unused")
local x = assert(5, "m")
assert(x == 5)
local p, q = assert(1, 2)
assert(p == 1 and q == 2)
assert(select("#", assert(1, nil, nil)) == 3)
local all = { assert(7, 8) }
assert(#all == 2 and all[2] == 8)
local function pass_on(...) assert(...) return select("#", ...) end
assert(pass_on(1, 2) == 2)
ok, msg = pcall(function () assert(false, "custom") end)
assert(not ok and msg:find(":%d+: custom$"))
ok, msg = pcall(function () local y = assert(nil) return y end)
assert(not ok and msg:find(":%d+: assertion failed!$"))
ok, msg = pcall(function () assert() end)
assert(not ok and msg:find("bad argument #1 to 'assert' %(value expected%)"))
local err = {}
ok, msg = pcall(function () assert(false, err) end)
assert(not ok and msg == err)
calls = 0
debug.sethook(function ()
  if debug.getinfo(2, "f").func == assert then calls = calls + 1 end
end, "c")
for i = 1, 5 do assert(i) end
debug.sethook()
assert(calls == 5, calls)
assert(debug.getinfo(assert).what == "C")

print("OK")
