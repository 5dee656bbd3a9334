-- Upvalues read and write their variable through a pointer into the stack
-- while open: it must follow the stack when the stack is reallocated (grown,
-- or shrunk after a deep recursion), in the running thread and in others.

-- Deep recursion grows the stack while `count` is captured open.
do
  local count = 0
  local function bump() count = count + 1 end
  local function deep(n)
    if n == 0 then return 0 end
    bump()
    local a, b, c, d, e, f, g, h = n, n, n, n, n, n, n, n
    return deep(n - 1) + a - b + c - d + e - f + g - h
  end
  assert(deep(5000) == 0)
  assert(count == 5000)
  count = count + 1
  bump()
  assert(count == 5002)
end

-- Many open upvalues at different depths while the stack grows.
do
  local getters, setters = {}, {}
  local function capture(n)
    local v = n
    getters[n] = function() return v end
    setters[n] = function(x) v = x end
    if n < 300 then
      capture(n + 1)
    end
    -- Still open here: the recursion above moved the stack.
    assert(getters[n]() == n)
    setters[n](n * 2)
    assert(v == n * 2)
  end
  capture(1)
  for n = 1, 300 do
    assert(getters[n]() == n * 2)
  end
end

-- An error past a huge recursion shrinks the stack afterwards.
do
  local x = "before"
  local function get() return x end
  local function set(v) x = v end
  local function overflow(n) return overflow(n + 1) + 1 end
  for _ = 1, 3 do
    local ok, msg = pcall(overflow, 1)
    assert(not ok and string.find(msg, "stack overflow"))
    collectgarbage()
    assert(get() == x)
    set("after")
    assert(x == "after")
    x = "again"
    assert(get() == "again")
  end
end

-- A coroutine's open upvalue, read and written from another thread while
-- the coroutine's stack grows between resumes.
do
  local get, set
  local co = coroutine.wrap(function()
    local v = 1
    get = function() return v end
    set = function(x) v = x end
    coroutine.yield()
    local function deep(n)
      if n == 0 then return v end
      local a, b, c, d, e, f = n, n, n, n, n, n
      return deep(n - 1) + a + b + c + d + e + f - 6 * n
    end
    assert(deep(3000) == v)
    coroutine.yield()
    return v
  end)
  co()
  assert(get() == 1)
  set(10)
  co()
  assert(get() == 10)
  set(20)
  assert(co() == 20)
  -- Closed now: the last value stays.
  assert(get() == 20)
  set(30)
  assert(get() == 30)
end

-- The main thread's open upvalue used from a coroutine that grows its own
-- stack and the main one's (through a resume from inside).
do
  local shared = 0
  local function deep(n)
    if n == 0 then return end
    shared = shared + 1
    local a, b, c, d = n, n, n, n
    deep(n - 1)
    return a + b + c + d
  end
  local co = coroutine.create(function()
    deep(2000)
    coroutine.yield(shared)
    deep(2000)
    return shared
  end)
  local ok, v = coroutine.resume(co)
  assert(ok and v == 2000 and shared == 2000)
  deep(3000)
  assert(shared == 5000)
  ok, v = coroutine.resume(co)
  assert(ok and v == 7000 and shared == 7000)
end

-- Upvalues closed at the end of a loop iteration keep each iteration's value.
do
  local fs = {}
  for i = 1, 10 do
    local j = i * 3
    fs[i] = function() j = j + 1; return j end
  end
  for i = 1, 10 do
    assert(fs[i]() == i * 3 + 1)
    assert(fs[i]() == i * 3 + 2)
  end
end

-- debug.setupvalue / getupvalue on open and closed upvalues.
do
  local a = 1
  local function f() return a end
  assert(debug.setupvalue(f, 1, 5) == "a")
  assert(a == 5 and f() == 5)
  local n, v = debug.getupvalue(f, 1)
  assert(n == "a" and v == 5)
end

print("OK")
