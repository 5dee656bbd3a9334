-- The collector reclaims cycles: memory stays bounded.
collectgarbage()
local before = collectgarbage("count")
for i = 1, 200000 do
  local a, b = {}, {}
  a.other, b.other = b, a
  local f = function() return a end
  a.f = f
end
collectgarbage()
local after = collectgarbage("count")
assert(after < before + 1024, "cycles not collected: " .. before .. " -> " .. after)
assert(type(collectgarbage("count")) == "number")
assert(collectgarbage("isrunning") == true)
collectgarbage("stop")
assert(collectgarbage("isrunning") == false)
collectgarbage("restart")
print "OK"
