-- Short strings that die young leave the string table one by one (a young
-- collection does not visit the old strings); survivors stay interned and
-- equal strings made later are found again. Under CRESCENT_GC_STRESS=1
-- (tests/gc_stress.sh) the heap verification also checks that the string
-- table holds no freed string.
collectgarbage("generational")
local keep = {}
for i = 1, 20000 do
  local s = "k" .. i
  if i % 100 == 0 then keep[#keep + 1] = s end
end
for round = 1, 3 do
  for i = 1, 5000 do
    local t = {"r" .. round .. "_" .. i}
    assert(#t[1] > 3)
  end
  collectgarbage("step", 0)
end
for n, s in ipairs(keep) do
  assert(s == "k" .. n * 100)
end
-- Strings that died are made again as new, equal strings.
local again = {}
for i = 1, 1000 do again[i] = "r1_" .. i end
for i = 1, 1000 do assert(again[i] == "r1_" .. i) end
-- Table keys built from dead-then-remade strings still match.
local t = {}
for i = 1, 1000 do t["r2_" .. i] = i end
for i = 1, 1000 do assert(t["r2_" .. i] == i) end
collectgarbage("incremental")
collectgarbage()
for n, s in ipairs(keep) do assert(s == "k" .. n * 100) end
