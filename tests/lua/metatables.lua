-- Metatables and metamethods.
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__eq = function(a, b) return a.x == b.x end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__len = function(a) return a.x end
V.__call = function(self, y) return self.x + y end
V.__concat = function(a, b) return "V" .. (type(a) == "table" and a.x or a) .. (type(b) == "table" and b.x or b) end
V.__unm = function(a) return setmetatable({x = -a.x}, V) end
V.__tostring = function(a) return "V(" .. a.x .. ")" end
V.__name = "Vec"
function V.get(self) return self.x end
local function new(x) return setmetatable({x = x}, V) end

local a, b = new(1), new(2)
assert((a + b).x == 3 and a ~= b and new(1) == a and a < b and a <= b and not (b < a))
assert(#b == 2 and a(10) == 11 and a:get() == 1)
assert(a .. "s" == "V1s" and "s" .. b == "Vs2")
assert((-a).x == -1 and tostring(a) == "V(1)")

-- __index / __newindex functions and chains
local log = {}
local proxy = setmetatable({}, {
  __index = function(t, k) return k .. "!" end,
  __newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v) end,
})
assert(proxy.foo == "foo!")
proxy.bar = 1
assert(log[1] == "bar" and proxy.bar == 1)
local base = {greet = "hi"}
local mid = setmetatable({}, {__index = base})
local top = setmetatable({}, {__index = mid})
assert(top.greet == "hi")

-- __metatable protection
local prot = setmetatable({}, {__metatable = "locked"})
assert(getmetatable(prot) == "locked")
assert(not pcall(setmetatable, prot, {}))

-- __close
local order = {}
do
  local x <close> = setmetatable({}, {__close = function() order[#order + 1] = "x" end})
  local y <close> = setmetatable({}, {__close = function() order[#order + 1] = "y" end})
end
assert(order[1] == "y" and order[2] == "x")
local ok = pcall(function()
  local z <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = e end})
  error("E", 0)
end)
assert(not ok and order[3] == "E")

-- __pairs
local pt = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(pt) do assert(k == 1 and v == "one") end

-- string metatable
assert(("abc"):upper() == "ABC" and ("10") + 5 == 15)
print "OK"
