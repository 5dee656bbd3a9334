local mt = {__index = function(t, k) return k * 2 end, __newindex = rawset,
  __call = function(self, a) return a end, __concat = function() return "c" end,
  __len = function() return 7 end, __eq = function() return true end,
  __lt = function() return true end, __le = function() return false end,
  __close = function() end, __gc = function() end, __mode = "k"}
local t = setmetatable({}, mt)
local r = {t[3], t(4), t .. "x", #t, t == setmetatable({}, mt), t < t, t <= t}
do local c <close> = t end
collectgarbage()
local co = coroutine.wrap(function(a) while true do a = coroutine.yield(a + 1) end end)
co(1) co(2)
local ok, e = pcall(error, {code = 1})
local s = string.format("%5.2f %d %s %q", 1.5, 3, "x", "a\0b")
return table.concat({s, tostring(ok)}, ","), select(2, load("return 1"))
