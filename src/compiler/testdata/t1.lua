local a, b = 1, 2.5
local t = {1, 2, x = 3, [a] = 4, f(), ...}
print(a + b, a - 1, 1 - a, a * 2, t.x, t[1], t[a], "s" .. a .. b)
function t:m(x) return self, x end
for i = 1, 10 do local function g() return i end end
for k, v in pairs(t) do print(k, v) end
while a < 10 do a = a + 1 if a == 5 then break end end
repeat local z = a until z > 3
goto l
::l::
local c <close> = nil
return f(a)
