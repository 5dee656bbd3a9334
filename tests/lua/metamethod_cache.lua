-- The "no such metamethod" cache of a metatable (PUC's `flags`): stores that
-- cannot add a metamethod keep it, every store that can clears it.

local mt = {}
local t = setmetatable({}, mt)

-- A miss caches "__index absent" in mt.
assert(t.x == nil)
-- Integer keys name no metamethod: the cache may stay, and nothing changes.
mt[1] = true
mt[2] = "x"
assert(t.x == nil)
-- Setting __index afterwards is seen at once.
mt.__index = function(_, k) return k .. "!" end
assert(t.x == "x!")

-- __newindex, after misses cached its absence.
local log = {}
local u = setmetatable({}, mt)
u.a = 1
assert(rawget(u, "a") == 1)
mt[3] = 3
mt.__newindex = function(_, k, v) log[#log + 1] = k .. "=" .. tostring(v) end
u.b = 2
assert(rawget(u, "b") == nil and log[1] == "b=2")

-- Overwriting an existing metamethod (the fast path) takes effect.
mt.__index = function() return "second" end
assert(t.y == "second")
-- Removing it and adding it back.
mt.__index = nil
assert(t.z == nil)
mt.__index = function() return "third" end
assert(t.z == "third")

-- rawset with an integer key into a metatable's array part.
local mt2 = {}
local v = setmetatable({}, mt2)
assert(v.q == nil)
for i = 1, 10 do rawset(mt2, i, i) end
rawset(mt2, "__index", { q = "found" })
assert(v.q == "found")

-- Arithmetic metamethods cached absent, then added.
local mt3 = {}
local w = setmetatable({}, mt3)
assert(not pcall(function() return w + 1 end))
mt3[1] = 0
mt3.__add = function() return "added" end
assert(w + 1 == "added")

-- A field set to nil keeps its node; setting it again is a new key: a
-- metatable's __newindex runs, and a metamethod name stored so is seen.
local seen = {}
local obj = setmetatable({}, { __newindex = function(t, k, v) seen[#seen + 1] = k; rawset(t, k, v) end })
rawset(obj, "f", 1)
obj.f = nil
assert(rawget(obj, "f") == nil and #seen == 0)
obj.f = 2
assert(obj.f == 2 and seen[1] == "f")
local plain = { g = 1 }
plain.g = nil
plain.g = 3
assert(plain.g == 3)
local mt4 = { __add = false }
local x = setmetatable({}, mt4)
assert(not pcall(function() return x + 1 end))
mt4.__add = nil
assert(not pcall(function() return x + 1 end))
mt4.__add = function() return "back" end
assert(x + 1 == "back")

print("OK")
