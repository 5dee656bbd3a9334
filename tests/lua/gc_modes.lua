-- collectgarbage: modes, steps, parameters, counting.
collectgarbage("incremental")   -- the command starts in generational mode
assert(collectgarbage("incremental") == "incremental")
assert(collectgarbage("generational") == "incremental")
assert(collectgarbage("generational") == "generational")
assert(collectgarbage("incremental") == "generational")

-- "step" returns true when a cycle ends; big steps finish a cycle at once
collectgarbage()
assert(collectgarbage("step", 100000) == true)
collectgarbage("stop")   -- only explicit steps from here
collectgarbage()
local garbage = {}
for i = 1, 200 do garbage[i] = {{}} end
garbage = nil
local before = collectgarbage("count")
local steps = 0
repeat
  steps = steps + 1
until collectgarbage("step", 1) or steps > 100000
assert(steps < 100000, steps)
assert(collectgarbage("count") < before)
collectgarbage("restart")

-- stop and step: stepping still works while stopped
collectgarbage("stop")
assert(not collectgarbage("isrunning"))
local done = false
for _ = 1, 10000 do
  if collectgarbage("step", 0) then done = true; break end
end
assert(done)
assert(not collectgarbage("isrunning"))
collectgarbage("restart")
assert(collectgarbage("isrunning"))

-- parameters (kept as PUC keeps them)
local p = collectgarbage("setpause", 100)
assert(collectgarbage("setpause", p) == 100)
local m = collectgarbage("setstepmul", 400)
assert(collectgarbage("setstepmul", m) == 400)
assert(collectgarbage("incremental", 150, 300, 12) == "incremental")
collectgarbage("incremental", 200, 100, 13)

-- count: grows with allocation, shrinks after a collection
collectgarbage()
local base = collectgarbage("count")
local big = {}
for i = 1, 100000 do big[i] = {} end
assert(collectgarbage("count") > base + 1000)
big = nil
collectgarbage()
assert(collectgarbage("count") < base + 100)

-- data survives many incremental cycles while being mutated (barriers)
do
  local keep = {}
  for i = 1, 200 do keep[i] = {n = i} end
  for round = 1, 200 do
    for i = 1, 200 do
      keep[i] = {n = keep[i].n, pad = {}}
    end
    collectgarbage("step", 1)
  end
  for i = 1, 200 do assert(keep[i].n == i) end
end

-- the same in generational mode (old tables pointing to new ones)
do
  collectgarbage("generational")
  local old = {}
  collectgarbage()
  for round = 1, 300 do
    old[round % 50 + 1] = {round = round, inner = {round}}
    collectgarbage("step", 0)
  end
  for k, v in pairs(old) do assert(v.inner[1] == v.round) end
  collectgarbage("incremental")
end

print "OK"
