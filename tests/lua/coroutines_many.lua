-- 100,000 coroutines alive at once, each suspended mid-function, then all
-- resumed to completion.
local N = 100000
local cos = {}
for i = 1, N do
  cos[i] = coroutine.create(function(a)
    local b = coroutine.yield(a * 2)
    return a + b
  end)
  local ok, v = coroutine.resume(cos[i], i)
  assert(ok and v == i * 2)
end
for i = 1, N do assert(coroutine.status(cos[i]) == "suspended") end
local sum = 0
for i = 1, N do
  local ok, v = coroutine.resume(cos[i], 1)
  assert(ok and v == i + 1)
  sum = sum + v
end
assert(sum == N * (N + 1) // 2 + N)
for i = 1, N do assert(coroutine.status(cos[i]) == "dead") end
print "OK"
