-- Compile-speed benchmark: generates a 50,000-line Lua chunk and loads it.
-- Usage: crescent bench/compile.lua [lines]   (prints the load time)
local lines = tonumber(arg and arg[1]) or 50000
local parts = {}
for i = 1, lines do
  local k = i % 5
  if k == 0 then
    parts[i] = ("local v%d = %d + %d * (%d - 1) // 3"):format(i, i, i, i)
  elseif k == 1 then
    parts[i] = ("t[%d] = { name = 'item%d', value = %d.5, flag = %s }"):format(i, i, i, tostring(i % 2 == 0))
  elseif k == 2 then
    parts[i] = ("if x > %d then x = x - %d else x = x + 1 end"):format(i, i)
  elseif k == 3 then
    parts[i] = ("f = function(a, b) return a .. b .. %q end"):format("s" .. i)
  else
    parts[i] = ("for j = 1, 2 do s = s + j * %d end"):format(i)
  end
end
-- Locals are limited to 200 per function: every 150 lines form a function.
local out = {"local t, x, s, f = {}, 0, 0, nil"}
for i = 1, lines, 150 do
  out[#out + 1] = "t[#t + 1] = function()"
  for j = i, math.min(i + 149, lines) do out[#out + 1] = parts[j] end
  out[#out + 1] = "end"
end
local src = table.concat(out, "\n")
local t0 = os.clock()
local f = assert(load(src, "=generated"))
local t1 = os.clock()
print(("loaded %d lines (%d bytes) in %.3f s"):format(lines, #src, t1 - t0))
