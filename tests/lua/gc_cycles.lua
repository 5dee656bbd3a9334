-- Cycles through closures, upvalues, metatables and coroutines are reclaimed;
-- a weak-valued table observes which objects died.
local mode = collectgarbage("incremental")
collectgarbage("incremental")  -- (restore below)

local function check_reclaimed(make, what)
  local seen = setmetatable({}, {__mode = "v"})
  for i = 1, 50 do seen[i] = make(i) end
  collectgarbage()
  collectgarbage()
  assert(next(seen) == nil, what .. " not reclaimed")
end

-- table <-> table
check_reclaimed(function()
  local a, b = {}, {}
  a.b, b.a = b, a
  return a
end, "table cycle")

-- closure -> upvalue -> table -> closure
check_reclaimed(function()
  local t = {}
  local f = function() return t end
  t.f = f
  return f
end, "closure cycle")

-- table -> metatable -> __index -> table
check_reclaimed(function()
  local t = {}
  local mt = {__index = t}
  setmetatable(t, mt)
  mt.self = t
  return t
end, "metatable cycle")

-- coroutine whose stack holds a reference to itself
check_reclaimed(function()
  local co
  co = coroutine.create(function()
    local me = co
    coroutine.yield(me)
  end)
  coroutine.resume(co)
  return co
end, "suspended coroutine cycle")

-- a dead coroutine referenced from its own function's upvalue
check_reclaimed(function()
  local holder = {}
  holder.co = coroutine.wrap(function() return holder end)
  holder.co()
  return holder
end, "coroutine.wrap cycle")

-- userdata-like: a table with __gc in a cycle is finalized and then freed
do
  local finalized = 0
  local seen = setmetatable({}, {__mode = "k"})
  for i = 1, 20 do
    local a = setmetatable({}, {__gc = function() finalized = finalized + 1 end})
    a.self = a
    seen[a] = true
  end
  collectgarbage()
  assert(finalized == 20, "finalizers ran: " .. finalized)
  collectgarbage()
  assert(next(seen) == nil)
end

-- memory returns to its level after a large cyclic structure dies
do
  collectgarbage()
  local before = collectgarbage("count")
  local ring = {}
  local node = ring
  for i = 1, 100000 do
    local n = {i = i}
    node.next = n
    node = n
  end
  node.next = ring
  ring = nil; node = nil
  collectgarbage()
  assert(collectgarbage("count") < before + 64)
end

collectgarbage(mode)
print "OK"
