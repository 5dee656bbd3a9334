-- PGO training: the collector under many short-lived objects, long-lived
-- structures, weak tables, finalizers and both collector modes.
local function churn(n)
  local keep, s = {}, 0
  for i = 1, n do
    local t = { i, i + 1, name = "n" .. (i % 100) }
    s = s + #t
    if i % 100 == 0 then keep[#keep + 1] = t end
    local f = function() return t[1] end
    s = s + f()
  end
  return s + #keep
end

local function trees(depth, iterations)
  local function make(d) if d == 0 then return { false, false } end return { make(d - 1), make(d - 1) } end
  local function check(t) if not t[1] then return 1 end return 1 + check(t[1]) + check(t[2]) end
  local long = make(depth + 2)
  local s = 0
  for _ = 1, iterations do s = s + check(make(depth)) end
  return s + check(long)
end

local function weak(n)
  local cache = setmetatable({}, { __mode = "v" })
  local keys = setmetatable({}, { __mode = "k" })
  local finalized = 0
  for i = 1, n do
    local obj = { i }
    cache[i % 1000] = obj
    keys[obj] = i
    if i % 1000 == 0 then setmetatable({}, { __gc = function() finalized = finalized + 1 end }) end
  end
  collectgarbage()
  local live = 0
  for _ in pairs(cache) do live = live + 1 end
  return live, finalized
end

local scale = tonumber(arg and arg[1]) or 1
print(churn(500000 * scale), trees(12, 20 * scale), weak(200000 * scale))
collectgarbage("incremental")
print(churn(200000 * scale), trees(10, 20 * scale))
collectgarbage("generational")
print(collectgarbage("count") > 0)
