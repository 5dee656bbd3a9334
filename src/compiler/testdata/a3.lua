-- gotos, closes, breaks, tbc, repeat scoping, nested closures
for i = 1, 3 do
  local x = i
  local f = function() return x end
  if i == 2 then goto continue end
  if i == 3 then break end
  ::continue::
end
do
  local a <close> = setmetatable({}, {__close = print})
  local b = 1
  ::top::
  b = b + 1
  if b < 3 then goto top end
end
while true do
  local c <close> = nil
  if c then break end
  return 1
end
for k, v in pairs({}) do
  local function h() return k end
  if v then break end
end
repeat
  local r = 1
  local g = function() return r end
until r == 1
local function rec(n) if n == 0 then return 0 end return rec(n - 1) end
local function tail(...) return select(2, ...) end
local function tbcret() local z <close> = nil; return tail(1, 2) end
local t = setmetatable({}, {__index = function(t, k) return k end})
t.x, t.y, t[1], t[t] = 1, 2, 3
local p, q, r = (f()), f(), ...
local s = {f()}, {(f())}, {...}, {..., 1}
local u = #"abc" + #t
local v = "a" .. 1 .. 2.5 .. "b"
local w = 2^53 + 1, -2^63, math.maxinteger + 1, 7 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 % 2, 5 // 0.0, -5 % 0.0
local bits = 0xff & 0x0f | 0x100 ~ 0x1, 1 << 63, 1 << 64, -1 >> 1, 2.0 << 1, 1.5 << 1
local cmp = 1 < 2, "a" < "b", 1 == 1.0, nil == false
local env = _ENV.x
local _ENV = {y = 1}
z = y
local function usesenv() return z end
