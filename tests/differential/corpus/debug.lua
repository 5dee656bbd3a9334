--- traceback
print(debug.traceback("msg"))
print(debug.traceback("msg", 2))
print(debug.traceback(42))
print(debug.traceback(nil) == nil, type(debug.traceback()))
local function inner() return debug.traceback("in") end local function outer() return inner() .. "" end print(outer())
print(debug.traceback(coroutine.create(print)))
local co = coroutine.create(function() local function deep() coroutine.yield() end deep() end) coroutine.resume(co) print(debug.traceback(co, "co", 0))
--- traceback_uncaught
local function a() error("deep error") end local function b() a() end local t = {f = function() b() end} t.f()
--- traceback_uncaught_runtime
local function g(x) return x.field end local function h() return g(nil) + 1 end h()
--- traceback_coroutine_wrap
local f = coroutine.wrap(function() error("in coroutine") end) f()
--- getinfo
local function f(a, b, ...) return debug.getinfo(1, "nSlutf") end local i = f()
print(i.what, i.short_src, i.source, i.linedefined, i.lastlinedefined, i.currentline, i.nups, i.nparams, i.isvararg, i.name, i.namewhat, i.istailcall, i.func == f)
local p = debug.getinfo(print) print(p.what, p.short_src, p.source, p.linedefined, p.currentline, p.nparams, p.isvararg)
local m = debug.getinfo(1) print(m.what, m.currentline, m.linedefined)
print(debug.getinfo(100))
E(debug.getinfo, 1, ">")
E(debug.getinfo, "x")
local function tc() return debug.getinfo(1, "t").istailcall end local function caller() return tc() end print(caller())
local L = debug.getinfo(f, "L").activelines local ks = {} for k in pairs(L) do ks[#ks+1] = k end table.sort(ks) print(table.concat(ks, ","))
local function named() return debug.getinfo(1, "n") end local r = named() print(r.name, r.namewhat)
local obj = {} function obj.meth() return debug.getinfo(1, "n") end local r2 = obj.meth() print(r2.name, r2.namewhat)
function globalfn() return debug.getinfo(1, "n") end local r3 = globalfn() print(r3.name, r3.namewhat)
--- getlocal_setlocal
local function f(a, b) local c = 3 print(debug.getlocal(1, 1), debug.getlocal(1, 2), debug.getlocal(1, 3), debug.getlocal(1, 4)) debug.setlocal(1, 3, 30) return c end print(f(1, 2))
print(debug.getlocal(f, 1), debug.getlocal(f, 3))
local function v(...) return debug.getlocal(1, -1), debug.getlocal(1, -3) end print(v("x", "y"))
E(debug.getlocal, 100, 1)
E(debug.getlocal, 1)
--- upvalues
local x, y = 1, 2 local function f() return x + y end
print(debug.getupvalue(f, 1), debug.getupvalue(f, 2), debug.getupvalue(f, 3))
print(debug.setupvalue(f, 1, 10), f())
print(debug.getupvalue(print, 1), debug.getupvalue(string.gmatch("a", "a"), 1))
local function g() return x end print(debug.upvalueid(f, 1) == debug.upvalueid(g, 1), debug.upvalueid(f, 2) == debug.upvalueid(g, 1))
debug.upvaluejoin(f, 2, g, 1) print(f())
E(debug.upvalueid, f, 5)
E(debug.upvaluejoin, f, 5, g, 1)
--- hooks
local lines = {} debug.sethook(function(e, l) lines[#lines + 1] = l end, "l")
local a = 1
local b = 2
debug.sethook() print(table.concat(lines, ","))
print(debug.gethook())
local calls = 0 debug.sethook(function(e) calls = calls + 1 end, "c") local function z() end z() z() debug.sethook() print(calls > 0)
local cnt = 0 debug.sethook(function() cnt = cnt + 1 end, "", 100) for i = 1, 1000 do end debug.sethook() print(cnt > 0)
--- metatable_registry
print(type(debug.getregistry()), debug.getmetatable("").__index == string)
debug.setmetatable(10, {__index = {double = function(n) return n * 2 end}}) print((5):double()) debug.setmetatable(10, nil)
E(function() return (5):double() end)
local t = setmetatable({}, {__metatable = "locked"}) print(type(debug.getmetatable(t)))
print(debug.getuservalue(io.stdout), debug.setuservalue ~= nil)
E(debug.setmetatable, {}, 1)
--- debug_misc
print(pcall(debug.debug ~= nil))
E(debug.sethook, 1, 2, 3)
print(debug.getinfo(1, "S").short_src)
print(debug.getinfo(print, "S").short_src)
print(select("#", debug.gethook()))
