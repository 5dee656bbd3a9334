--- numeric_for
for i = 1, 3 do io.write(i, " ") end print()
for i = 3, 1, -1 do io.write(i, " ") end print()
for i = 1, 2, 0.5 do io.write(i, " ") end print()
for i = 1.0, 3 do io.write(i, " ") end print()
for i = math.maxinteger - 2, math.maxinteger do io.write(i, " ") end print()
for i = math.mininteger, math.mininteger + 2 do io.write(i, " ") end print()
for i = math.mininteger + 2, math.mininteger, -1 do io.write(i, " ") end print()
for i = 1, 0 do print("never") end
for i = 1, math.huge do if i > 3 then break end io.write(i, " ") end print()
for i = 0.1, 0.35, 0.1 do io.write(i, " ") end print()
for i = 3, 2.5 do print("no") end for i = 1, 1.5 do io.write(i, ";") end print()
E(function() for i = 1, 10, 0 do end end)
E(function() for i = 1.0, 10, 0.0 do end end)
E(function() for i = "a", 2 do end end)
E(function() for i = 1, "x" do end end)
E(function() for i = 1, 2, {} do end end)
E(function() for i = "1", 2 do io.write(i) end end)
E(function() local t = {} for i = 1, 2 do t[i] = function() return i end end return t[1](), t[2]() end)
--- generic_for
local function iter(s, c) if c < s then return c + 1, c * 2 end end
for a, b in iter, 3, 0 do io.write(a, ":", b, " ") end print()
E(function() for x in 5 do end end)
E(function() for x in nil do end end)
local t = setmetatable({}, {__call = function(self, s, c) c = c + 1 if c <= 2 then return c end end}) for x in t, nil, 0 do io.write(x) end print()
do local log = {} for k in next, {a = 1}, nil, setmetatable({}, {__close = function() log[1] = "closed" end}) do end print(log[1]) end
--- while_repeat_goto
local i = 0 while i < 3 do i = i + 1 end print(i)
repeat local z = i; i = i - 1 until z <= 1 print(i)
for i = 1, 3 do for j = 1, 3 do if j == 2 then goto continue end io.write(i, j, " ") ::continue:: end end print()
do goto skip print("skipped") ::skip:: print("after") end
local k = 0 ::top:: k = k + 1 if k < 3 then goto top end print(k)
--- closures_upvalues
local function counter() local c = 0 return function() c = c + 1 return c end end
local c1, c2 = counter(), counter() print(c1(), c1(), c2())
local fs = {} for i = 1, 3 do local j = i * 10 fs[i] = function() j = j + 1 return j end end print(fs[1](), fs[1](), fs[2]())
local a = 1 local function g() a = a + 1 end g() g() print(a)
local t = {} do local x = 5 t.get = function() return x end t.set = function(v) x = v end end t.set(9) print(t.get())
--- varargs
local function f(...) return select("#", ...), ... end show(f()) show(f(nil)) show(f(1, nil, nil))
local function g(...) local a, b = ... return a, b end show(g(1)) show(g(1, 2, 3))
local function h(...) return {...}, {n = select("#", ...), ...} end show(h(1, nil, 3))
local function m(...) local t = table.pack(...) return t.n end print(m(table.unpack({1, 2, 3}, 1, 250)))
print((f(1, 2, 3)))
local function tail(...) return select(2, ...) end show(tail(1, 2, 3))
E(function(...) return ... + 1 end, 5)
--- multiple_assignment
local a, b, c = 1, 2 show(a, b, c)
local x, y = 1, 2, 3 show(x, y)
a, b = b, a show(a, b)
local t = {} local i = 1 i, t[i] = i + 1, 20 show(i, t)
local function mr() return 1, 2, 3 end local p, q, r, s = mr() show(p, q, r, s) local u, v = mr(), 10 show(u, v)
show({mr(), mr()}, {mr(), (mr())}, {(mr())})
--- string_compare_eq
show("a" == "a", "a" ~= "b", 1 == "1", {} == {}, nil == false, 0 == -0, 1/0 == math.huge, "abc" < "abd", "abc" < "ab", "" == "")
--- and_or_not
show(nil and 1, false or nil, 1 and 2, nil or "d", not nil, not 0, not "", false and error("x"), true or error("x"), 1 and nil or 3)
--- integer_division_semantics
show(7 // 0.0, -7 // 0.0, 0/0 ~= 0/0, -7 % 0.0 ~= -7 % 0.0, 3 % math.mininteger, math.mininteger % 3, math.mininteger // 3, 5.0 // 0, -5 // 0.0)
--- integer_overflow_literals
show(9223372036854775807 + 1, -9223372036854775807 - 2, 0x8000000000000000, 9223372036854775808 - 1, 2^63 // 1, math.tointeger(2^62 * 2.0))
--- tbc
do local a <close> = setmetatable({}, {__close = function(o, e) print("close a", e) end}) local b <close> = setmetatable({}, {__close = function(o, e) print("close b", e) end}) print("body") end
E(function() local x <close> = setmetatable({}, {__close = function(o, e) print("closing with", e) end}) error("boom") end)
E(function() local x <close> = 42 end)
E(function() local x <close> = {} end)
do local n <close> = nil local f <close> = false print("nil/false ok") end
E(function() local x <close> = setmetatable({}, {__close = function() error("close err") end}) return 1 end)
E(function() local a <close> = setmetatable({}, {__close = function() error("A") end}) local b <close> = setmetatable({}, {__close = function() error("B") end}) error("body") end)
local function ret() local x <close> = setmetatable({}, {__close = function() print("closed before return") end}) return "value" end print(ret())
for i = 1, 2 do local c <close> = setmetatable({}, {__close = function() io.write("c", i, " ") end}) if i == 2 then break end end print()
--- const
local K <const> = 10 local S <const> = "str" print(K * 2, S .. "!")
print(load("local a <const> = 1; a = 2"))
print(load("local a <const> = {}; a.x = 1; return a.x")())
--- integer_keys_normalisation
local t = {} t[1] = "int" t[1.0] = "float" t[2^53] = "big" show(t, t[1], #t)
E(function() local t = {} t[0/0] = 1 end)
E(function() local t = {} t[nil] = 1 end)
show(({[0/0 ~= 0/0] = 1})[true], ({})[0/0], ({})[nil])
--- long_strings_comments
print([[
first newline skipped]], [==[with ]] inside]==], #[[

]]) --[==[ block
comment ]==] print("after comment")
--- method_calls
local obj = {n = 0} function obj:inc(k) self.n = self.n + (k or 1) return self end obj:inc():inc(5) print(obj.n)
local s = "abc" print(s:upper():lower():len())
E(function() local o = {} o:nomethod() end)
E(function() local o = {m = 5} o:m() end)
--- calls_errors
E(function() local x; x() end)
E(function() undefinedglobal() end)
E(function() local t = {} t.a.b = 1 end)
E(function() local t = {} t.f() end)
E(function() local t = {} t:g() end)
E(function() return ("x")() end)
E(function() local up = 1; return (function() return up() end)() end)
E(function() return math.nope() end)
E(function() local a = {} return a.b.c.d end)
E(function() return 1 + nil end)
E(function() local s = "x"; return s + 1 end)
E(function() return -{} end)
E(function() local t = {} return t.x + 1 end)
E(function() return unknownvar .. "x" end)
E(function() return #unknownvar end)
E(function() local a = {} return a < 1 end)
E(function() return {} < "x" end)
E(function() return 1 < {} end)
E(function() return {} <= {} end)
E(function() return print < print end)
E(function() return true > false end)
E(function() x.y = 1 end)
E(function() return string.nope.x end)
E(function() local t = setmetatable({}, {__index = function(t, k) return nil + k end}) return t.x end)
--- error_positions
local function lvl1() error("at level 1") end local function lvl2() error("at level 2", 2) end
E(lvl1) E(lvl2) E(function() lvl2() end)
E(function() error("no position", 0) end)
E(function()
  local t = nil
  return
    t.x
end)
--- deep_nesting_parse
local s = "return " .. string.rep("(", 100) .. "1" .. string.rep(")", 100) print(load(s)())
local s2 = "return " .. string.rep("{", 100) .. string.rep("}", 100) print(type(load(s2)()))
local f, e = load("return " .. string.rep("(", 300) .. "1" .. string.rep(")", 300)) print(f, e)
local f2, e2 = load(string.rep("do ", 300) .. string.rep("end ", 300)) print(f2 ~= nil, e2)
--- many_locals_upvalues
local src = {} for i = 1, 201 do src[#src + 1] = "local v" .. i .. " = " .. i end print(load(table.concat(src, "\n")))
local src2 = {} for i = 1, 200 do src2[#src2 + 1] = "local v" .. i .. " = " .. i end src2[#src2 + 1] = "return v200" print(load(table.concat(src2, "\n"))())
--- long_concat
local parts = {} for i = 1, 300 do parts[i] = "'x'" end print(#load("return " .. table.concat(parts, ".."))())
--- integer_float_strings
show(10 // 3, 10.0 / 2, 3 | 0, 2^31, 1 << 31, 0xff, 1e2, 100 // 1.0, -0.0 == 0, tostring(-0.0))
--- shadowing
local x = 1 do local x = 2 print(x) end print(x)
local function f(x) local x = x + 1 return x end print(f(1))
--- recursion_local_function
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end print(fact(20), fact(21), fact(25.0))
local fib fib = function(n) return n < 2 and n or fib(n - 1) + fib(n - 2) end print(fib(20))
--- semicolons_and_empty
;;; local a = 1; ; print(a);
--- goto_errors
print(load("goto l1; local x; ::l1:: print(x)"))
print(load("do ::l:: end goto l"))
print(load("::l:: ::l::"))
print(load("repeat goto cont; local x ::cont:: until x"))
print(load("for i=1,2 do goto e end ::e::") ~= nil)
--- attribs
print(load("local x <close>, y <close> = 1, 2"))
print(load("local function f() end local x <const> = f; x = 1"))
