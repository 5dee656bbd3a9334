--- getinfo_fields_various
local function show_info(i) local keys = {} for k, v in pairs(i) do if type(v) ~= "function" and type(v) ~= "table" then keys[#keys + 1] = k .. "=" .. tostring(v) end end table.sort(keys) print(table.concat(keys, " ")) end
show_info(debug.getinfo(1))
show_info(debug.getinfo(print))
show_info(debug.getinfo(function(a, ...) end))
local co = coroutine.create(function(x) coroutine.yield() end) coroutine.resume(co, 1) show_info(debug.getinfo(co, 1)) print(debug.getinfo(co, 2))
show_info(debug.getinfo(load("return 1"), "S"))
show_info(debug.getinfo(load("\n\nreturn function() end", "=custom")(), "S"))
show_info(debug.getinfo(load("return function() end", "@some/path/file.lua")(), "S"))
show_info(debug.getinfo(load("return function() end", "a very long string chunk name that is longer than the sixty character limit for ids")(), "S"))
show_info(debug.getinfo(load("x = 1\nreturn function() end", "multi\nline")(), "S"))
--- getlocal_special
local function f(a, ...) local b = 2 for i = 1, 1 do for k, v in pairs({1}) do local names = {} local n = 1 while true do local name, val = debug.getlocal(1, n) if not name then break end names[#names + 1] = name n = n + 1 end print(table.concat(names, ",")) end end end
f(1, 2, 3)
local function g(...) print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3)) end g("va1", "va2")
print(pcall(debug.getlocal, 50, 1))
local co = coroutine.create(function(p) local q = p * 2 coroutine.yield() end) coroutine.resume(co, 21) print(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2))
print(debug.setlocal(co, 1, 2, 99), debug.getlocal(co, 1, 2))
--- hooks_detailed
local ev = {}
local function hook(e, l) local i = debug.getinfo(2, "nS") ev[#ev + 1] = e .. ":" .. tostring(l or i.name or i.what) end
local function target(x) return x + 1 end
debug.sethook(hook, "crl") target(1) debug.sethook()
print(table.concat(ev, " "))
ev = {} debug.sethook(hook, "c") local s = ("x"):rep(2) debug.sethook() print(table.concat(ev, " "))
ev = {} local co = coroutine.create(function() local a = 1 coroutine.yield() local b = 2 end) debug.sethook(co, hook, "l") coroutine.resume(co) coroutine.resume(co) print(table.concat(ev, " "))
print(debug.gethook(co))
ev = {} debug.sethook(hook, "r") target(1) debug.sethook() print(table.concat(ev, " "))
local tail = {} debug.sethook(function(e) tail[#tail + 1] = e end, "c") local function t2() return target(1) end t2() debug.sethook() print(table.concat(tail, ","))
--- traceback_formats
local function lvl3() return debug.traceback("msg", 1) end local function lvl2() return lvl3() end print(lvl2())
print(debug.traceback("m", 0))
local t = setmetatable({}, {__index = function() return debug.traceback() end}) print(t.x)
print(debug.traceback(coroutine.create(function() end)))
print(xpcall(function() local x = nil; x() end, debug.traceback))
local co = coroutine.create(function() error("in co") end) coroutine.resume(co) print(debug.traceback(co)) print(debug.traceback(co, "msg"))
local function rec(n) if n == 0 then return debug.traceback() end return (rec(n - 1)) end print(rec(30))
--- error_in_error_handling
print(xpcall(function() error("first") end, function(m) error("handler fails") end))
print(xpcall(function() error("x") end, function(m) return nil end))
print(xpcall(function() return "no error" end, error))
print(pcall(error, setmetatable({}, {__tostring = function() error("tostring fails") end})))
print(select("#", xpcall(function() error() end, function(...) return select("#", ...), ... end)))
local function deep(n) if n == 0 then error("deep") end deep(n - 1) end print(xpcall(deep, function(m) return (m:gsub("^.-:%d+: ", "")) end, 50))
print(pcall(string.rep))
print(pcall(setmetatable({}, {__index = function(t, k) error("idx " .. k, 2) end}).get, 1))
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) error("idx " .. k, 2) end}) return t.foo end))
--- error_levels_positions
local function thrower(level) error("lvl" .. level, level) end
local function mid(level) thrower(level) end
for l = 0, 4 do print(pcall(mid, l)) end
print(pcall(error, "msg", 3))
local function w() local ok, e = pcall(error, "inner", 2) return e end print(w())
--- uncaught_in_coroutine_wrap_nested
local outer = coroutine.wrap(function() local inner = coroutine.wrap(function() error("innermost") end) inner() end)
print(pcall(outer))
local o2 = coroutine.wrap(function() local inner = coroutine.wrap(function() error({}) end) inner() end) print(pcall(o2))
local dead = coroutine.wrap(function() end) dead() print(pcall(dead))
local co = coroutine.create(function() end) coroutine.resume(co) print(coroutine.resume(co))
