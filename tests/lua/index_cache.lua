-- The cache of metatables' `__index` tables (src/index_cache.rs): every way of
-- changing a metatable's `__index` entry is seen by the next lookup.

local function class(fields, base)
  if base then setmetatable(fields, { __index = base }) end
  return fields
end

local Base = class({ kind = "base", hello = function() return "base hello" end })
local Derived = class({ kind = "derived" }, Base)
local Other = class({ kind = "other", hello = function() return "other hello" end })

local mt = { __index = Derived }
local obj = setmetatable({}, mt)

-- Lookups through one and two levels (the second fills the entry of
-- Derived's metatable).
assert(obj.kind == "derived")
assert(obj:hello() == "base hello")
assert(obj.missing == nil)

-- The VM's in-place overwrite of an existing field (SETFIELD fast path),
-- inside a loop that already looked it up.
for i = 1, 6 do
  if i % 2 == 1 then
    assert(obj.kind == "derived" and obj:hello() == "base hello", i)
    mt.__index = Other
  else
    assert(obj.kind == "other" and obj:hello() == "other hello", i)
    mt.__index = Derived
  end
end

-- The same through a string key held in a variable (SETTABLE).
local name = "__index"
mt[name] = Other
assert(obj.kind == "other")
mt[name] = Derived
assert(obj.kind == "derived")

-- rawset.
rawset(mt, "__index", Other)
assert(obj.kind == "other")
rawset(mt, "__index", Derived)
assert(obj.kind == "derived")

-- Removed, then back.
mt.__index = nil
assert(obj.kind == nil and obj.hello == nil)
mt.__index = Other
assert(obj.kind == "other")
rawset(mt, "__index", nil)
assert(obj.kind == nil)
rawset(mt, "__index", Derived)
assert(obj.kind == "derived")

-- A function, then a table again.
mt.__index = function(_, k) return "fn " .. k end
assert(obj.kind == "fn kind")
mt.__index = Derived
assert(obj.kind == "derived")

-- A non-table, non-function __index value: an error, as in PUC Lua.
mt.__index = 42
assert(not pcall(function() return obj.kind end))
mt.__index = Derived
assert(obj.kind == "derived")

-- A deeper level changes: Derived's own metatable gets a new __index.
getmetatable(Derived).__index = Other
assert(obj.kind == "derived" and obj:hello() == "other hello")
getmetatable(Derived).__index = Base
assert(obj:hello() == "base hello")
-- ... or a new metatable altogether.
setmetatable(Derived, { __index = Other })
assert(obj:hello() == "other hello")
setmetatable(Derived, { __index = Base })
assert(obj:hello() == "base hello")

-- The class's own fields change (they are never cached).
Derived.kind = "changed"
assert(obj.kind == "changed")
Derived.kind = nil
assert(obj.kind == "base")
Derived.kind = "derived"

-- Cleared through next: every key of the metatable removed while traversing.
do
  local m = { __index = Derived, a = 1, b = 2, c = 3 }
  local o = setmetatable({}, m)
  assert(o.kind == "derived")
  for k in pairs(m) do m[k] = nil end
  assert(o.kind == nil)
  m.__index = Other
  assert(o.kind == "other")
end

-- New string keys added to the metatable (rehashing it) keep __index right.
do
  local m = { __index = Derived }
  local o = setmetatable({}, m)
  assert(o.kind == "derived")
  for i = 1, 100 do m["k" .. i] = i end
  assert(o.kind == "derived")
  for i = 1, 100 do m["k" .. i] = nil end
  assert(o.kind == "derived")
  m.__index = Other
  assert(o.kind == "other")
end

-- A class that is its own metatable's __index (`Class.__index = Class`).
do
  local C = { name = "C" }
  C.__index = C
  local o = setmetatable({}, C)
  assert(o.name == "C")
  C.__index = Other
  assert(o.name == nil and o.kind == "other")
  C.__index = C
  assert(o.name == "C")
end

-- Many metatables at once (more than the cache's entries), each with its
-- own __index, changed and looked up again.
do
  local objs, metas = {}, {}
  for i = 1, 2000 do
    metas[i] = { __index = { v = i } }
    objs[i] = setmetatable({}, metas[i])
  end
  for round = 1, 3 do
    for i = 1, #objs do
      assert(objs[i].v == i + (round - 1) * 10000, i)
    end
    for i = 1, #metas, 2 do
      metas[i].__index = { v = i + round * 10000 }
    end
    for i = 2, #metas, 2 do
      rawset(metas[i], "__index", { v = i + round * 10000 })
    end
  end
end

-- Metatables freed and new ones made (likely at the same addresses), each
-- with a different __index.
for round = 1, 20 do
  for i = 1, 50 do
    local o = setmetatable({}, { __index = { v = round * 100 + i } })
    assert(o.v == round * 100 + i)
  end
  collectgarbage()
end

-- A weak-valued metatable whose __index table is collected: the entry is
-- cleared by the collector, and the lookup sees it.
do
  local m = setmetatable({}, { __mode = "v" })
  m.__index = { x = 1 }
  local o = setmetatable({}, m)
  assert(o.x == 1 or o.x == nil)
  collectgarbage()
  collectgarbage()
  assert(rawget(m, "__index") == nil)
  assert(o.x == nil)
  m.__index = { x = 2 }
  assert(o.x == 2)
end

-- Globals through an environment with an __index (GETTABUP).
do
  local env_mt = { __index = { answer = 42 } }
  local function get(env) return load("return answer", "=get", "t", env)() end
  local env = setmetatable({}, env_mt)
  assert(get(env) == 42)
  env_mt.__index = { answer = 43 }
  assert(get(env) == 43)
  local f = load("local r = {} for i = 1, 4 do r[i] = answer end return r", "=loop", "t", env)
  local r = f()
  assert(r[1] == 43 and r[4] == 43)
  env_mt.__index = nil
  assert(get(env) == nil)
end

-- String methods through the string metatable's __index.
do
  local smt = getmetatable("")
  local string_lib = smt.__index
  assert(("abc"):upper() == "ABC")
  smt.__index = { upper = function() return "patched" end }
  assert(("abc"):upper() == "patched")
  smt.__index = string_lib
  assert(("abc"):upper() == "ABC")
end

-- Seen from another coroutine (the cache is shared by every thread).
do
  local m = { __index = Derived }
  local o = setmetatable({}, m)
  local co = coroutine.wrap(function()
    while true do coroutine.yield(o.kind) end
  end)
  assert(co() == "derived")
  m.__index = Other
  assert(co() == "other")
end

-- Keys other than short strings take the general path (also cached).
do
  local m = { __index = { [1] = "one", [2.5] = "float", [true] = "bool" } }
  local o = setmetatable({}, m)
  local long = string.rep("k", 60)
  m.__index[long] = "long"
  for _ = 1, 2 do
    assert(o[1] == "one" and o[2.5] == "float" and o[true] == "bool")
    assert(o[long] == "long")
  end
  m.__index = { [1] = "uno", [long] = "lungo" }
  assert(o[1] == "uno" and o[long] == "lungo" and o[2.5] == nil)
  rawset(m, "__index", nil)
  assert(o[1] == nil and o[long] == nil)
end

-- Chains longer than the fast walk goes.
do
  local top = { deep = "found" }
  local t = top
  for _ = 1, 10 do t = setmetatable({}, { __index = t }) end
  assert(t.deep == "found" and t.nothing == nil)
  getmetatable(t).__index = { deep = "near" }
  assert(t.deep == "near")
end


-- `__index` functions (now cached too): called with the table whose
-- metatable holds them, at the head of a chain or behind tables, through
-- GETFIELD, SELF, GETTABUP and GETTABLE; replaced or removed, the next
-- lookup sees it.
do
  local seen = {}
  local function handler(t, k) seen[#seen + 1] = t; return "fn:" .. k end
  local m = { __index = handler }
  local o = setmetatable({}, m)
  for _ = 1, 3 do
    assert(o.x == "fn:x" and seen[#seen] == o)
    local key = "y"
    assert(o[key] == "fn:y")
  end
  local class = setmetatable({ m = function(self) return "method" end }, m)
  local obj = setmetatable({}, { __index = class })
  assert(obj:m() == "method")
  assert(obj.z == "fn:z" and seen[#seen] == class)
  local ok, err = pcall(function() return obj:w() end)
  assert(not ok and err:find("attempt to call a string value"))
  m.__index = function(t, k) return k .. "!" end
  assert(o.x == "x!" and obj.q == "q!")
  m.__index = nil
  assert(o.x == nil and obj.q == nil)
  local env = setmetatable({}, { __index = function(_, k) return "global " .. k end })
  local f = load("return undefined_name", "=env", "t", env)
  assert(f() == "global undefined_name")
  -- An error inside the handler carries its own message and position.
  local bad = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
  ok, err = pcall(function() return bad.field end)
  assert(not ok and err:find("no field field", 1, true))
  -- A handler that yields.
  local co = coroutine.wrap(function()
    local y = setmetatable({}, { __index = function(_, k) return coroutine.yield(k) end })
    return y.asked
  end)
  assert(co() == "asked" and co("answer") == "answer")
  -- The string metatable's __index as a function.
  local smt = getmetatable("")
  local saved = smt.__index
  smt.__index = function(s, k) return #s .. k end
  local okk, v = pcall(function() return ("abc").len end)
  smt.__index = saved
  assert(okk and v == "3len")
  assert(("abc"):upper() == "ABC")
end

print("OK")
