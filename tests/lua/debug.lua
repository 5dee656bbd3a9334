-- The debug library: getinfo, locals, upvalues, metatables, user values,
-- hook bookkeeping, traceback. Runs identically under PUC Lua 5.4.
local function check_err(msg, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error")
  assert(string.find(e, msg, 1, true), e)
end

-- getinfo: errors and levels
check_err("bad argument #2 to 'debug.getinfo' (invalid option)", debug.getinfo, 1, "X")
check_err("(invalid option '>')", debug.getinfo, 1, ">S")
check_err("(invalid option)", debug.getinfo, 1, "S>")
check_err("(invalid option)", debug.getinfo, print, "X")
check_err("bad argument #1 to 'debug.getinfo' (number expected, got table)", debug.getinfo, {})
assert(debug.getinfo(1000) == nil and debug.getinfo(-1) == nil)
assert(debug.getinfo(2^40) == debug.getinfo(0) or true)   -- no crash

-- getinfo on a C function
local t = debug.getinfo(print)
assert(t.what == "C" and t.short_src == "[C]" and t.source == "=[C]")
assert(t.linedefined == -1 and t.lastlinedefined == -1 and t.currentline == -1)
assert(t.isvararg == true and t.nparams == 0 and t.nups == 0)
assert(t.func == print and t.namewhat == "" and t.name == nil)
assert(t.istailcall == false and t.ftransfer == 0 and t.ntransfer == 0)
assert(debug.getinfo(print, "L").activelines == nil)
assert(debug.getinfo(string.gmatch("x", "x"), "u").nups > 0)

-- getinfo on Lua functions
local function f3(a, b, c)
  local x = a
  return x
end
t = debug.getinfo(f3, "SuL")
assert(t.what == "Lua" and t.nparams == 3 and t.isvararg == false and t.nups == 0)
assert(t.lastlinedefined == t.linedefined + 3)
assert(t.activelines[t.linedefined + 1] and t.activelines[t.linedefined + 2]
       and t.activelines[t.linedefined + 3] and not t.activelines[t.linedefined])
local function vf(...)
  -- empty
  local a = 1
end
t = debug.getinfo(vf, "SL")
assert(t.activelines[t.linedefined + 2] and t.activelines[t.linedefined + 3])
assert(not t.activelines[t.linedefined] and next(t.activelines, next(t.activelines, next(t.activelines))) == nil)
t = debug.getinfo(function(a, b, ...) end, "SL")
assert(t.activelines[t.linedefined] and next(t.activelines, t.linedefined) == nil)

t = debug.getinfo(1)
assert(t.what == "main" and t.isvararg == true and t.nups == 1)
assert(debug.getupvalue(t.func, 1) == "_ENV")

-- short_src from chunk names
local function src_of(name)
  return debug.getinfo(load("return function() end", name)(), "S").short_src
end
assert(src_of("=xuxu") == "xuxu")
assert(src_of("@file.lua") == "file.lua")
assert(src_of("return 1") == '[string "return 1"]')
assert(src_of("") == '[string ""]')

-- names
local g = {x = function()
  local a = debug.getinfo(2, "n")
  assert(a.name == "caller" and a.namewhat == "local")
  a = debug.getinfo(1, "n")
  assert(a.name == "x" and a.namewhat == "field")
  return "ok"
end}
local function caller() return (g.x()) end
assert(caller() == "ok")
local obj = {}
function obj:m() return debug.getinfo(1, "n") end
t = obj:m()
assert(t.name == "m" and t.namewhat == "method")
function GLOBALF() return debug.getinfo(1, "n") end
t = GLOBALF()
assert(t.name == "GLOBALF" and t.namewhat == "global")
GLOBALF = nil
for _ in function() assert(debug.getinfo(1, "n").name == "for iterator") end do end
local mt = {__index = function() return debug.getinfo(1, "n").name end,
            __add = function() return debug.getinfo(1, "n").namewhat end}
local mo = setmetatable({}, mt)
assert(mo.foo == "index" and mo + 1 == "metamethod")

-- currentline
local line = debug.getinfo(1, "l").currentline
assert(debug.getinfo(1, "l").currentline == line + 1)

-- tail calls
local function tailee() return debug.getinfo(1, "t").istailcall end
local function tailer() return tailee() end
assert(tailer() == true)
assert(debug.getinfo(1, "t").istailcall == false)

-- getlocal / setlocal
check_err("bad argument #1 to 'debug.getlocal' (level out of range)", debug.getlocal, 100, 1)
check_err("bad argument #1 to 'debug.setlocal' (level out of range)", debug.setlocal, -1, 1, 10)
check_err("number expected, got no value", debug.getlocal, 1)
local function params(a, b, ...) local d, e end
assert(debug.getlocal(params, 1) == "a" and debug.getlocal(params, 2) == "b")
assert(debug.getlocal(params, 3) == nil and debug.getlocal(params, 0) == nil)
assert(debug.getlocal(print, 1) == nil)
do
  local aa, bb = 10, 20
  local n, v = debug.getlocal(1, 1)
  -- locals of the main chunk before this block
  assert(type(n) == "string")
  local i = 1
  local found = {}
  while true do
    local name, val = debug.getlocal(1, i)
    if not name then break end
    found[name] = val
    i = i + 1
  end
  assert(found.aa == 10 and found.bb == 20)
  local idx
  for j = 1, i - 1 do if debug.getlocal(1, j) == "bb" then idx = j end end
  assert(debug.setlocal(1, idx, 99) == "bb" and bb == 99)
end
-- C temporaries: the arguments of getlocal itself
local n, v = debug.getlocal(0, 1)
assert(n == "(C temporary)" and v == 0)
n, v = debug.getlocal(0, 2)
assert(n == "(C temporary)" and v == 2)
assert(debug.getlocal(0, 3) == nil and debug.getlocal(0, 0) == nil)
-- Lua temporaries
local function tf()
  assert(select(2, debug.getlocal(2, 3)) == 1)
  assert(debug.getlocal(2, 3) == "(temporary)")
  assert(not debug.getlocal(2, 4))
  debug.setlocal(2, 3, 10)
  return 20
end
local function tg(a, b) return (a + 1) + tf() end
assert(tg(0, 0) == 30)
-- varargs
local function va(a, ...)
  local tt = table.pack(...)
  for i = 1, tt.n do
    local nm, vv = debug.getlocal(1, -i)
    assert(nm == "(vararg)" and vv == tt[i])
  end
  assert(not debug.getlocal(1, -(tt.n + 1)))
  assert(not debug.setlocal(1, -(tt.n + 1), 30))
  if tt.n > 0 then
    assert(debug.setlocal(1, -1, 430) == "(vararg)")
    assert(... == 430)
  end
end
va(); va(print); va(200, 3, 4)
local function novarargs() return (debug.getlocal(1, -1)) end
assert(novarargs(10) == nil)

-- coroutines
local co = coroutine.create(function(x)
  local a = 1
  coroutine.yield(debug.getinfo(1, "l"))
  return a
end)
local _, l = coroutine.resume(co, 10)
local info = debug.getinfo(co, 1, "lfS")
assert(info.currentline == l.currentline and type(info.func) == "function")
assert(debug.getinfo(co, 0, "S").what == "C")
assert(debug.getinfo(co, 2) == nil)
local a, b = debug.getlocal(co, 1, 1)
assert(a == "x" and b == 10)
a, b = debug.getlocal(co, 1, 2)
assert(a == "a" and b == 1)
assert(debug.setlocal(co, 1, 2, "hi") == "a")
assert(not debug.setlocal(co, 1, 5, 40))
assert(debug.getlocal(co, params, 1) == "a")
local ok, r = coroutine.resume(co)
assert(ok and r == "hi")
assert(debug.getinfo(co, 0) == nil)
check_err("level out of range", debug.getlocal, co, 0, 1)

-- upvalues
local u1, u2, u3 = 1, 2, 3
local function foo1(x) u2 = x; return u3 end
local function foo2(x) u1 = x; return u3 + u2 end
assert(debug.getupvalue(foo1, 3) == nil and debug.getupvalue(foo1, 0) == nil)
assert(select("#", debug.getupvalue(foo1, 3)) == 0)
assert(debug.setupvalue(foo1, 3, "xuxu") == nil)
local nm, vl = debug.getupvalue(foo1, 1)
assert(nm == "u2" and vl == 2)
assert(debug.setupvalue(foo1, 1, "xuxu") == "u2" and u2 == "xuxu")
assert(select(2, debug.getupvalue(foo2, 3)) == "xuxu")
local gm = string.gmatch("x", "x")
nm, vl = debug.getupvalue(gm, 1)
assert(nm == "")
assert(debug.getupvalue(print, 1) == nil)
check_err("bad argument #1 to 'debug.getupvalue' (function expected, got number)", debug.getupvalue, 1, 1)
-- stripped function: no names
local stripped = load(string.dump(function() return u3 end, true))
assert(debug.getupvalue(stripped, 1) == "(no name)")

-- upvalueid / upvaluejoin
assert(debug.upvalueid(foo1, 2) == debug.upvalueid(foo2, 2))   -- both u3
assert(debug.upvalueid(foo1, 1) ~= debug.upvalueid(foo1, 2))
assert(type(debug.upvalueid(foo1, 1)) == "userdata")
assert(debug.upvalueid(foo1, 5) == nil and debug.upvalueid(print, 1) == nil)
assert(debug.upvalueid(gm, 1) ~= nil)
check_err("bad argument #2 to 'debug.upvaluejoin' (invalid upvalue index)", debug.upvaluejoin, foo1, 5, foo2, 1)
check_err("bad argument #4 to 'debug.upvaluejoin' (invalid upvalue index)", debug.upvaluejoin, foo1, 1, foo2, 9)
check_err("bad argument #1 to 'debug.upvaluejoin' (Lua function expected)", debug.upvaluejoin, gm, 1, foo2, 1)
debug.upvaluejoin(foo1, 1, foo2, 1)   -- foo1's 'u2' is now foo2's 'u1'
assert(debug.upvalueid(foo1, 1) == debug.upvalueid(foo2, 1))
foo1(77)
assert(u1 == 77)

-- metatables
assert(debug.getmetatable("abc").__index == string)
local prot = setmetatable({}, {__metatable = "locked"})
assert(type(debug.getmetatable(prot)) == "table")
assert(debug.setmetatable(10, {__index = {twice = function(x) return 2 * x end}}) == 10)
assert((5):twice() == 10)
debug.setmetatable(10, nil)
assert(debug.getmetatable(1) == nil)
assert(debug.setmetatable(prot, nil) == prot and getmetatable(prot) == nil)
check_err("bad argument #2 to 'debug.setmetatable' (nil or table expected, got no value)", debug.setmetatable, 1)
check_err("bad argument #1 to 'debug.getmetatable' (value expected)", debug.getmetatable)

-- registry
local reg = debug.getregistry()
assert(type(reg) == "table" and reg._LOADED and reg._LOADED.debug == debug)

-- user values
if io and io.stdin then
  assert(debug.setuservalue(io.stdin, 10) == nil)
  local x, y = debug.getuservalue(io.stdin, 10)
  assert(x == nil and y == nil)
end
assert(debug.getuservalue(1) == nil and select("#", debug.getuservalue({})) == 1)
check_err("bad argument #1 to 'debug.setuservalue' (userdata expected, got table)", debug.setuservalue, {}, 1)

-- hooks (bookkeeping only)
assert(debug.gethook() == nil)
local function hk() end
debug.sethook(hk, "crl", 5)
local hf, hm, hc = debug.gethook()
assert(hf == hk and hm == "crl" and hc == 5)
debug.sethook(hk, "lc")
hf, hm, hc = debug.gethook()
assert(hm == "cl" and hc == 0)
debug.sethook()
assert(debug.gethook() == nil)
debug.sethook(hk, "", 0)   -- empty mask: no hook
assert(debug.gethook() == nil)
debug.sethook(hk, "", 3)
assert(select(2, debug.gethook()) == "" and select(3, debug.gethook()) == 3)
debug.sethook()
assert(getmetatable(debug.getregistry()._HOOKKEY).__mode == "k")
local co2 = coroutine.create(function() end)
debug.sethook(co2, hk, "r")
assert(debug.gethook(co2) == hk and debug.gethook() == nil)
debug.sethook(co2)
assert(debug.gethook(co2) == nil)
check_err("bad argument #2 to 'debug.sethook' (string expected, got no value)", debug.sethook, hk)
check_err("bad argument #1 to 'debug.sethook' (function expected, got number)", debug.sethook, 1, "l")

-- traceback
assert(debug.traceback(print) == print)
assert(debug.traceback({}, 4) ~= nil)
assert(string.find(debug.traceback("hi", 4), "^hi\n"))
assert(string.find(debug.traceback(), "^stack traceback:\n"))
assert(not string.find(debug.traceback("hi"), "'debug.traceback'"))
assert(string.find(debug.traceback("hi", 0), "'debug.traceback'"))
assert(string.find(debug.traceback(12), "^12\nstack traceback:"))
do
  local st, msg = (function() return pcall end)()(debug.traceback)
  assert(st == true and string.find(msg, "pcall"))
end
local function rec(n) if n > 0 then coroutine.yield() ; rec(n - 1) end end
local co3 = coroutine.create(function() rec(1) end)
coroutine.resume(co3)
local tb = debug.traceback(co3)
assert(string.find(tb, "^stack traceback:\n\t%[C%]: in function 'coroutine.yield'"))
assert(string.find(debug.traceback(co3, "msg", 1), "^msg\nstack traceback:\n\t[^\n]*in "))
local function deep(n) if n == 0 then return debug.traceback("m", 1) end return (deep(n - 1)) end
local long = deep(40)
assert(string.find(long, "\n\t...\t(skipping ", 1, true))
local lines = select(2, string.gsub(long, "\n", ""))
assert(lines == 1 + 10 + 1 + 11)

-- setcstacklimit (compatibility only)
assert(debug.setcstacklimit(100) == 200)

print "OK"
