-- Array reads and writes with integer keys in a numeric for loop.
local n = tonumber(arg and arg[1]) or 200000
local t = {}
for i = 1, n do t[i] = i end
local s = 0
for _ = 1, 5 do
  for i = 1, n do s = s + t[i] end
end
print(s)
