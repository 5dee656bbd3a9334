local t = {}
function t.a.b.c:f(x, y) return self, x + y end
function t:g() end
local obj = {}
obj:method(1, 2):other "str" {tab = 1}
local f = function(a, b, ...) local c <close> = a; return a, b end
local g = function() local c <close> = nil; do local d <close> = 1 end return f() end
local up1, up2 = 1, 2
local function outer()
  local function inner() up1 = up1 + up2; return function() return up1, up2 end end
  return inner
end
local big = {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60, x=1, y=2, [3]=4, f()}
local s = "a\tb\nc\\d\"e\'f\x41\65\u{7FF}\u{FFFF}\u{10FFFF}\u{7FFFFFFF}\z
           g"
local ls = [==[
line1
]]line2]==]
local n = {0x10, 0xA.8p1, 1e10, 1E-3, .5, 3., 0x7fffffffffffffff, 0xffffffffffffffff, 9223372036854775807, 9223372036854775808, 1e308*10}
local e = a == 1, 1 == a, a == "s", a ~= nil, a == true, a == 1.5, a == 300, a == -1.0
local cmp = a < b, a <= b, a > b, a >= b, a < 127, a < 128, a > -128, a >= -129.0, 3 < a, 2.0 <= a
local ar = a + 1, a + 127, a + 128, a - 1, a - 128, a - -127, 1 + a, a * 1.5, 2 * a, a % 2, a ^ 2, a / 2, a // 2, 2 - a, 2 / a
local bw = a & 1, 1 & a, a | 0xff, a ~ b, a << 1, a >> 1, 1 << a, a << b, a << -1, a >> 200, ~a, -a, #a, not a
