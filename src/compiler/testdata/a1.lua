local a, b, c = ...
local x <const> = 10
local s <const> = "str"
local y = x * 2 + 1
print(x, s, y, -x, ~x, x // 3, x % 3, x / 4, 2^10, 1 << 70, 1 >> -3, 3 & 5.0, 3.5 | 1)
print(1/0, -1/0, 0/0, 1//0, 1%0, -(0), -0.0, 3 // 0.0)
local t = {a.b.c, a[b], a[1], a[300], a["x"], a[x], a[s], a[2.0], a[-1], a[true]}
a.b.c = a[b]; a[1] = 2; a[300] = nil; a.x = true; a[x] = 1.5
a, b = b, a
a[b], b = 1, 2
local i = 1
i, a[i] = i+1, 20
c = a and b or c
c = a or b and c
c = not a
c = not not a
if a == 1 then print(1) elseif a ~= "x" then print(2) elseif a == nil then print(3) else print(4) end
if a < 1 or a > 2.0 or a <= -5 or 1 < a or 2.5 > a or a >= b then end
if not (a and b) then print("n") end
while a do if b then break end a = a.next end
repeat local z = a; local function f() return z end until z
for i = 10, 1, -1 do print(i) end
for i = 1.0, 3 do end
for k, v, w in next, t do end
goto done
do local q = 1; print(q) end
::done::
print(a .. b .. c, a .. (b .. c), (a .. b) .. c)
print(#t, t[#t], ...)
local function v(...) local n = select('#', ...); return ... end
local function m(...) return 1, ... end
return v(1, 2, ...)
