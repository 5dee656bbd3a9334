-- Coroutines: resume/yield, status, wrap, yields across pcall and iterators.
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local ok, v = pcall(function()
    local x = coroutine.yield("in pcall")
    error("boom " .. x, 0)
  end)
  assert(not ok and v == "boom y")
  return "done", c
end)
assert(coroutine.status(co) == "suspended")
local ok, v = coroutine.resume(co, 1, 2)
assert(ok and v == 3)
ok, v = coroutine.resume(co, "x")
assert(ok and v == "in pcall")
local ok2, d, c = coroutine.resume(co, "y")
assert(ok2 and d == "done" and c == "x")
assert(coroutine.status(co) == "dead")
ok, v = coroutine.resume(co)
assert(not ok and v == "cannot resume dead coroutine")

-- generators through wrap and generic for
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local sum = 0
for i in range(10) do sum = sum + i end
assert(sum == 55)

-- running / isyieldable
local main, ismain = coroutine.running()
assert(ismain and not coroutine.isyieldable())
coroutine.wrap(function()
  assert(coroutine.isyieldable())
  local me, im = coroutine.running()
  assert(not im and coroutine.status(me) == "running")
end)()

-- errors
ok, v = pcall(coroutine.yield)
assert(not ok and v:find("outside a coroutine"))
local co2 = coroutine.wrap(function() error("oops") end)
ok, v = pcall(co2)
assert(not ok and v:find("oops"))
ok, v = coroutine.resume(coroutine.create(function()
  table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end)
end))
assert(not ok and v:find("attempt to yield across a C%-call boundary"))

-- many coroutines alive at once
local cos = {}
for i = 1, 1000 do
  cos[i] = coroutine.create(function(x) local y = coroutine.yield(x) return x + y end)
  assert(coroutine.resume(cos[i], i))
end
local total = 0
for i = 1, 1000 do local _, r = coroutine.resume(cos[i], 1); total = total + r end
assert(total == 500500 + 1000)

-- close
local closed = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closed)
assert(coroutine.close(closed) and coroutine.status(closed) == "dead")

print "OK"
