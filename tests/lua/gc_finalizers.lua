-- Finalizers: order, registration time, resurrection, errors.

-- run in reverse order of registration (when collected in the same cycle:
-- the collector is stopped while they are created, in a function of their
-- own so that no stale register keeps the last one alive)
do
  local order = {}
  local function make()
    for i = 1, 5 do
      setmetatable({}, {__gc = function() order[#order + 1] = i end})
    end
  end
  collectgarbage("stop")
  make()
  collectgarbage("restart")
  collectgarbage()
  assert(table.concat(order, ",") == "5,4,3,2,1", table.concat(order, ","))
end

-- __gc must be in the metatable when it is set
do
  local called = false
  local mt = {}
  setmetatable({}, mt)
  mt.__gc = function() called = true end
  collectgarbage()
  assert(not called, "__gc added later must not count")
  -- setting the metatable again registers it
  local t = setmetatable({}, mt)
  t = nil
  collectgarbage()
  assert(called)
end

-- resurrection: the object stays alive until the next cycle, and its
-- finalizer runs only once
do
  local saved
  local count = 0
  setmetatable({name = "x"}, {__gc = function(o) saved = o; count = count + 1 end})
  collectgarbage()
  assert(saved and saved.name == "x" and count == 1)
  saved = nil
  collectgarbage()
  collectgarbage()
  assert(count == 1)
end

-- an object can ask to be finalized again from its finalizer
do
  local count = 0
  local mt = {}
  mt.__gc = function(o)
    count = count + 1
    if count < 3 then setmetatable(o, mt) end
  end
  setmetatable({}, mt)
  for _ = 1, 5 do collectgarbage() end
  assert(count == 3, count)
end

-- errors in finalizers become warnings; the collector goes on
do
  local ran = false
  setmetatable({}, {__gc = function() error("boom") end})
  setmetatable({}, {__gc = function() ran = true end})
  collectgarbage()
  assert(ran)
end

-- collectgarbage inside a finalizer does nothing harmful
do
  local result = "unset"
  setmetatable({}, {__gc = function() result = collectgarbage("count") end})
  collectgarbage()
  assert(result ~= "unset")
end

-- finalizers run in generational mode too
do
  local old = collectgarbage("generational")
  local n = 0
  for i = 1, 10 do setmetatable({}, {__gc = function() n = n + 1 end}) end
  collectgarbage()
  assert(n == 10)
  collectgarbage(old)
end

print "OK"
