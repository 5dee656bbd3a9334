-- Weak tables: values, keys (ephemerons), both; what survives and what is
-- cleared, as Lua 5.4 does it.

-- weak values: dead objects go, strings, numbers and live objects stay
do
  local keep = {}
  local t = setmetatable({}, {__mode = "v"})
  t[1] = {}               -- dies
  t[2] = keep             -- lives
  t[3] = "a string"       -- strings are values: stay
  t[4] = 42
  t.f = function() end    -- a closure with no other reference dies
  t[5] = print            -- a light function is not collectable
  collectgarbage()
  assert(t[1] == nil and t[2] == keep and t[3] == "a string" and t[4] == 42)
  assert(t.f == nil and t[5] == print)
end

-- weak keys: entries go with their keys; values do not keep keys alive
do
  local k1, k2 = {}, {}
  local t = setmetatable({}, {__mode = "k"})
  t[k1] = "one"
  t[k2] = "two"
  t[{}] = "gone"
  t["str"] = {}           -- string keys stay, and so do their values
  k2 = nil
  collectgarbage()
  local n = 0
  for k, v in pairs(t) do n = n + 1 end
  assert(n == 2 and t[k1] == "one" and type(t.str) == "table")
end

-- ephemerons: a value that refers to its own key does not keep the entry
do
  local t = setmetatable({}, {__mode = "k"})
  for i = 1, 10 do
    local k = {}
    t[k] = {key = k}        -- value -> key
  end
  local live = {}
  t[live] = {key = live}
  collectgarbage()
  local n = 0
  for k in pairs(t) do n = n + 1 end
  assert(n == 1 and t[live].key == live)
end

-- chains of ephemerons: k1 -> v1 holds k2 -> v2 ...; all live while k1 lives
do
  local t = setmetatable({}, {__mode = "k"})
  local first = {}
  local k = first
  for i = 1, 20 do
    local nextk = {}
    t[k] = nextk
    k = nextk
  end
  collectgarbage()
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  assert(n == 20)
  first = nil
  collectgarbage()
  assert(next(t) == nil)
end

-- weak keys and values
do
  local k, v = {}, {}
  local t = setmetatable({}, {__mode = "kv"})
  t[k] = v
  t[{}] = v
  t[2] = {}
  collectgarbage()
  assert(t[k] == v)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  assert(n == 1)
end

-- resurrected objects: weak values are cleared before finalizers run, weak
-- keys only after
do
  local wv = setmetatable({}, {__mode = "v"})
  local wk = setmetatable({}, {__mode = "k"})
  local seen_in_values, seen_in_keys
  do
    local obj = setmetatable({}, {__gc = function(o)
      seen_in_values = (wv[1] == o)
      seen_in_keys = (wk[o] == true)
    end})
    wv[1] = obj
    wk[obj] = true
  end
  collectgarbage()
  assert(seen_in_values == false, "weak value cleared before __gc")
  assert(seen_in_keys == true, "weak key kept until after __gc")
  collectgarbage()
  assert(next(wk) == nil)
end

-- a weak table is cleared in every mode
for _, mode in ipairs{"incremental", "generational"} do
  local old = collectgarbage(mode)
  local t = setmetatable({}, {__mode = "v"})
  for i = 1, 100 do t[i] = {} end
  collectgarbage()
  assert(next(t) == nil, mode)
  collectgarbage(old)
end

print "OK"
