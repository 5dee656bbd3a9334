--- basic
local co = coroutine.create(function(a, b) print("start", a, b) local c = coroutine.yield(a + b) print("got", c) local d, e = coroutine.yield(c * 2) return d + e end)
show(coroutine.resume(co, 1, 2)) show(coroutine.status(co)) show(coroutine.resume(co, 10)) show(coroutine.resume(co, 3, 4)) show(coroutine.status(co)) show(coroutine.resume(co))
--- wrap
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end return "done" end)
print(gen(), gen(), gen(), gen()) E(gen)
local w = coroutine.wrap(function() error("inside") end) E(w)
local w2 = coroutine.wrap(function() error({}) end) E(w2)
local w3 = coroutine.wrap(function() local x = nil; return x.f end) E(w3)
--- errors
local co = coroutine.create(function() error("oops") end) show(coroutine.resume(co)) show(coroutine.status(co)) show(coroutine.resume(co))
E(coroutine.create, 1)
E(coroutine.resume, 1)
E(coroutine.yield, 1)
E(coroutine.status, nil)
E(coroutine.wrap)
local co2 = coroutine.create(function() error({code = 5}) end) local ok, e = coroutine.resume(co2) print(ok, type(e), e.code)
local co3 = coroutine.create(function() error("lvl", 2) end) print(coroutine.resume(co3))
--- running_isyieldable
local m, ismain = coroutine.running() print(type(m), ismain, coroutine.isyieldable())
local co = coroutine.create(function() local c, im = coroutine.running() print(type(c), im, coroutine.isyieldable(), coroutine.status(c)) end) coroutine.resume(co)
print(coroutine.status(m))
local outer outer = coroutine.create(function() local inner = coroutine.create(function() print(coroutine.status(outer)) end) coroutine.resume(inner) end) coroutine.resume(outer)
print(coroutine.isyieldable(co))
--- resume_self_dead
local co co = coroutine.create(function() print(coroutine.resume(co)) end) coroutine.resume(co)
print(coroutine.resume(coroutine.running()))
local w w = coroutine.wrap(function() w() end) E(w)
--- close
local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) show(coroutine.close(co), coroutine.status(co))
local co2 = coroutine.create(function() error("x") end) coroutine.resume(co2) show(coroutine.close(co2))
show(coroutine.close(coroutine.create(print)))
E(coroutine.close, coroutine.running())
local co3 = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() print("closed") end}) coroutine.yield() end) coroutine.resume(co3) show(coroutine.close(co3))
local co4 = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() error("in close") end}) coroutine.yield() end) coroutine.resume(co4) show(coroutine.close(co4))
--- yield_across
local co = coroutine.create(function() local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end}) return t.foo .. "!" end)
show(coroutine.resume(co)) show(coroutine.resume(co, "bar"))
local co2 = coroutine.create(function() return pcall(function() coroutine.yield(1) error("after") end) end)
show(coroutine.resume(co2)) show(coroutine.resume(co2))
local co3 = coroutine.create(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end)
show(coroutine.resume(co3))
local co4 = coroutine.create(function() for k in pairs(setmetatable({}, {__pairs = function() coroutine.yield("p") return next, {}, nil end})) do end return "end" end)
show(coroutine.resume(co4)) show(coroutine.resume(co4))
local co5 = coroutine.wrap(function(...) local a = {...} while true do a = {coroutine.yield(#a)} end end) show(co5(1, 2, 3), co5(), co5(nil, nil))
--- yield_main
coroutine.yield(1)
--- deep_recursion
local function f(n) return n == 0 and 0 or 1 + f(n - 1) end print(f(10000))
local function g() return g() end
local co = coroutine.wrap(function() local function r(n) if n > 0 then coroutine.yield(n) return r(n - 1) end end r(3) end) print(co(), co(), co())
--- stack_overflow
local function inf(n) return 1 + inf(n) end
local ok, e = pcall(inf, 1) print(ok, (e:gsub("^.-:%d+: ", "")))
local function cnt(n) local ok = pcall(cnt, n + 1) return n end
--- tailcall_depth
local function t(n) if n == 0 then return "done" end return t(n - 1) end print(t(1000000))
