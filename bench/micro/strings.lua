-- String building: concatenation, tostring, string.format, field access.
local parts = {}
local obj = { name = "x", value = 0 }
for i = 1, 100000 do
  obj.value = obj.value + i
  parts[#parts + 1] = "k" .. i .. "=" .. tostring(i * 0.5) .. ";"
  if i % 10 == 0 then parts[#parts] = string.format("%d:%s", i, obj.name) end
end
print(#table.concat(parts))
