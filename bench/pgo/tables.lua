-- PGO training: array and hash parts, the table library, traversal, nested
-- tables, integer and string keys, length, sorting.
local function arrays(n)
  local t = {}
  for i = 1, n do t[#t + 1] = i end
  for i = 1, n // 10 do table.insert(t, i) end
  for _ = 1, n // 10 do table.remove(t) end
  local s = 0
  for i = 1, #t do s = s + t[i] end
  for _, v in ipairs(t) do s = s + v end
  local flags = {}
  for i = 1, n do flags[i] = true end
  for i = 2, n do
    if flags[i] then for j = i * i, n, i do flags[j] = false end end
  end
  for i = 1, n do if flags[i] then s = s + 1 end end
  local grid = {}
  for i = 1, 200 do grid[i] = {} for j = 1, 200 do grid[i][j] = (i + j) % 3 end end
  for _ = 1, 5 do
    local nxt = {}
    for i = 1, 200 do
      local row, up, down, out = grid[i], grid[i - 1] or grid[200], grid[i + 1] or grid[1], {}
      for j = 1, 200 do out[j] = (row[j] + up[j] + down[j] + (row[j - 1] or 0)) % 3 end
      nxt[i] = out
    end
    grid = nxt
  end
  return s + grid[1][1]
end

local function hashes(n)
  local h, words = {}, {}
  for i = 1, 500 do words[i] = "key" .. i end
  for i = 1, n do
    local k = words[i % 500 + 1]
    h[k] = (h[k] or 0) + 1
  end
  local ih = {}
  for i = 1, n do ih[i * 7919 % 100003] = i end
  local s = 0
  for k, v in pairs(h) do s = s + v + #k end
  for k, v in next, ih do s = s + k - v end
  local rec = {}
  for i = 1, n // 10 do
    local r = { name = words[i % 500 + 1], id = i, score = i * 0.5, tags = { "a", "b" } }
    rec[#rec + 1] = r
    rec[#rec].score = rec[#rec].score + r.id
  end
  for i = 1, #rec, 3 do s = s + rec[i].id + #rec[i].tags end
  for i = 1, n // 10 do h[words[i % 500 + 1]] = nil end
  return s
end

local function sorting(n)
  local t, seed = {}, 42
  for i = 1, n do seed = (seed * 16807) % 2147483647; t[i] = seed end
  table.sort(t)
  local u = {}
  for i = 1, n // 2 do u[i] = { v = t[n - i + 1] % 1000, i = i } end
  table.sort(u, function(a, b) if a.v ~= b.v then return a.v < b.v end return a.i < b.i end)
  local strs = {}
  for i = 1, n // 4 do strs[i] = tostring(t[i] % 9973) end
  table.sort(strs)
  return t[1] + u[1].v + #table.concat(strs, ",", 1, 10)
end

local function queue(n)
  local q, first, last, s = {}, 1, 0, 0
  for i = 1, n do
    last = last + 1; q[last] = i
    if i % 3 == 0 then s = s + q[first]; q[first] = nil; first = first + 1 end
  end
  local list = nil
  for i = 1, n // 4 do list = { value = i, next = list } end
  while list do s = s + list.value; list = list.next end
  local perm = {}
  for i = 1, 8 do perm[i] = i end
  local function permute(k)
    if k == 1 then s = s + perm[1]; return end
    for i = 1, k do
      permute(k - 1)
      local j = (k % 2 == 0) and i or 1
      perm[j], perm[k] = perm[k], perm[j]
    end
  end
  permute(8)
  return s
end

local scale = tonumber(arg and arg[1]) or 1
print(arrays(300000 * scale), hashes(300000 * scale), sorting(100000 * scale), queue(300000 * scale))
