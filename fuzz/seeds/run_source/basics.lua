local a, b <const>, c <close> = 1, 2.5, nil
local function f(x, ...) return x // 2, x % 3, x ^ 2, -x, ~x, ... end
for i = 1, 10, 2 do a = a + i end
for k, v in pairs({x = 1, [2] = 'y'}) do goto continue ::continue:: end
while a > 0 do a = a - 1 if a == 5 then break end end
repeat local z = a until z <= 0
local t = {f(1, 2, 3), [[long
string]], "esc\x41\u{48}\z
   \065\n", 0x1p4, 1e-3, 0xffffffffffffffff}
t.x, t[1] = t[1], t.x
return t, #t, a and b or c, a == b, a ~= b, a < b, a .. b, (f)(1)
