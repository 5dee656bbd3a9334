-- Small objects live in pages of same-size blocks (src/pool.rs), and pages
-- emptied by a sweep pass to other sizes. Objects of every size, made and
-- dropped in waves across many collections in both modes, keep their
-- contents: a block handed out twice, or reused while live, shows up here.

local function make(i)
  -- strings of every inline and heap length, tables with and without
  -- array or hash parts, closures with their upvalues
  local s = string.rep(string.char(65 + i % 26), i % 40)
  local t = { i, s, x = i, [s] = i }
  local f = function() return i, s end
  return { s = s, t = t, f = f }
end

local function check(o, i)
  local s = string.rep(string.char(65 + i % 26), i % 40)
  assert(o.s == s and #o.s == i % 40)
  assert(o.t[1] == i and o.t[2] == s and o.t.x == i and o.t[s] == i)
  local fi, fs = o.f()
  assert(fi == i and fs == s)
end

for _, mode in ipairs { "generational", "incremental" } do
  collectgarbage(mode)
  local keep = {}
  for wave = 1, 6 do
    -- garbage of one size class, then of another: pages change hands
    local junk = {}
    for i = 1, 3000 do
      junk[i] = wave % 2 == 0 and { i } or ("j" .. i .. string.rep("x", wave * 7))
    end
    junk = nil
    for i = 1, 400 do
      local n = wave * 1000 + i
      keep[n] = make(n)
    end
    collectgarbage()
    for n, o in pairs(keep) do check(o, n) end
    -- drop every other survivor, so pages end up partly free
    for n in pairs(keep) do
      if n % 2 == wave % 2 then keep[n] = nil end
    end
    collectgarbage("step", 0)
  end
  for n, o in pairs(keep) do check(o, n) end
end

-- The count stays sane while pages are reused.
collectgarbage()
local before = collectgarbage("count")
for _ = 1, 5 do
  local t = {}
  for i = 1, 20000 do t[i] = { i } end
  t = nil
  collectgarbage()
end
assert(collectgarbage("count") < before * 1.5 + 64)
