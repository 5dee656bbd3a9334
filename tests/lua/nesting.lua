-- Hostile nesting gives lua5.4's error, never a crash.
local function fails(src)
  local f, msg = load(src)
  assert(f == nil, "should not compile")
  return msg
end
local N = 100000
assert(fails(string.rep("(", N) .. "1" .. string.rep(")", N)):find("overflow"))
assert(fails("return " .. string.rep("{", N) .. string.rep("}", N)):find("overflow"))
assert(fails(string.rep("function f() ", N) .. string.rep("end ", N)):find("overflow"))
assert(fails(string.rep("do ", N) .. string.rep("end ", N)):find("overflow"))
assert(fails("x = " .. string.rep("a .. ", N) .. "a"):find("overflow"))
assert(fails("x = " .. string.rep("a .. ", N) .. "a") == nil or true)
-- deep runtime recursion through metamethods is a C stack overflow
local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end})
local ok, msg = pcall(function() return t[1] end)
assert(not ok and msg:find("stack overflow"))
-- and through pcall chains
local function nest(n) if n == 0 then return 0 end return select(2, pcall(nest, n - 1)) end
assert(pcall(nest, 10000))
print "OK"
