-- PGO training: generators, producer/consumer pipelines, coroutine.wrap,
-- yields across calls, many live coroutines.
local function generators(n)
  local function range(k) return coroutine.wrap(function() for i = 1, k do coroutine.yield(i) end end) end
  local s = 0
  for v in range(n) do s = s + v end
  return s
end

local function pipeline(n)
  local producer = coroutine.create(function()
    for i = 1, n do coroutine.yield(i, i * 2) end
    return nil
  end)
  local filter = coroutine.create(function()
    while true do
      local ok, a, b = coroutine.resume(producer)
      if not a then return nil end
      if a % 3 ~= 0 then coroutine.yield(a + b) end
    end
  end)
  local s = 0
  while true do
    local ok, v = coroutine.resume(filter)
    if not v then break end
    s = s + v
  end
  return s
end

local function ring(n)
  local threads = {}
  for i = 1, 200 do
    threads[i] = coroutine.create(function(token)
      while true do token = coroutine.yield(token + 1) end
    end)
  end
  local token = 0
  for _ = 1, n // 200 do
    for i = 1, 200 do
      local _, t = coroutine.resume(threads[i], token)
      token = t
    end
  end
  return token, coroutine.status(threads[1]), coroutine.isyieldable()
end

local scale = tonumber(arg and arg[1]) or 1
print(generators(300000 * scale), pipeline(200000 * scale), ring(400000 * scale))
