-- The table library: concat, insert, move, pack, remove, sort, unpack.
-- Expected values are what Lua 5.4 gives (messages as in 5.4.8).

local function checkerror(msg, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(err == msg, err)
end

local function same(t, ...)
  local n = select("#", ...)
  if #t ~= n then return false end
  for i = 1, n do
    if t[i] ~= select(i, ...) then return false end
  end
  return true
end

local maxI, minI = math.maxinteger, math.mininteger

-- concat
assert(table.concat({}) == "")
assert(table.concat({}, "x") == "")
assert(table.concat({1, 2, "x", 3.5}, ", ") == "1, 2, x, 3.5")
assert(table.concat({1, 2, 3}, "-", 2, 3) == "2-3")
assert(table.concat({1, 2, 3}, "-", 3, 2) == "")
assert(table.concat({"a", "b"}, 1) == "a1b")                -- numeric separator
assert(table.concat({2^63, -0.0, 10 // 1}) == "9.2233720368548e+18-0.010")
assert(table.concat({"a\0b", "c"}, "\0") == "a\0b\0c")
checkerror("invalid value (table) at index 2 in table for 'concat'", table.concat, {1, {}})
checkerror("invalid value (nil) at index 1 in table for 'concat'", table.concat, {}, "", 1, 1)
checkerror("bad argument #1 to 'table.concat' (table expected, got no value)", table.concat)
checkerror("bad argument #2 to 'table.concat' (string expected, got table)", table.concat, {}, {})
assert(table.concat({[maxI] = "z"}, "", maxI, maxI) == "z")
assert(table.concat({[minI] = "y"}, "", minI, minI) == "y")

-- insert
local t = {1, 2, 3}
table.insert(t, 4)
table.insert(t, 1, 0)
table.insert(t, #t + 1, 5)
assert(same(t, 0, 1, 2, 3, 4, 5))
checkerror("wrong number of arguments to 'insert'", table.insert, {}, 2, 3, 4)
checkerror("wrong number of arguments to 'insert'", table.insert, {})
checkerror("bad argument #2 to 'table.insert' (position out of bounds)", table.insert, {1, 2}, 4, 1)
checkerror("bad argument #2 to 'table.insert' (position out of bounds)", table.insert, {1, 2}, 0, 1)
checkerror("bad argument #2 to 'table.insert' (position out of bounds)", table.insert, {}, minI, 1)
checkerror("bad argument #2 to 'table.insert' (number expected, got string)", table.insert, {}, "x", 1)
checkerror("bad argument #1 to 'table.insert' (table expected, got nil)", table.insert, nil, 1)
t = {}
table.insert(t, nil)   -- inserting nil at the end is allowed
assert(#t == 0)

-- remove
t = {1, 2, 3, 4}
assert(table.remove(t) == 4 and same(t, 1, 2, 3))
assert(table.remove(t, 1) == 1 and same(t, 2, 3))
assert(table.remove(t, #t + 1) == nil and same(t, 2, 3))
assert(select("#", table.remove({})) == 1)
assert(table.remove({}, 0) == nil)
t = {[0] = "zero"}
assert(table.remove(t, 0) == "zero" and t[0] == nil)
checkerror("bad argument #2 to 'table.remove' (position out of bounds)", table.remove, {1, 2, 3}, 7)
checkerror("bad argument #2 to 'table.remove' (position out of bounds)", table.remove, {1, 2, 3}, -1)

-- insert and remove in the middle of a large array part (moved in one copy
-- when the table has no metatable), with holes, against a plain loop; and
-- through a proxy whose metamethods see every element move
do
  local function model_insert(m, pos, v) for i = #m + 1, pos + 1, -1 do m[i] = m[i - 1] end m[pos] = v end
  local function model_remove(m, pos) local r = m[pos] for i = pos, #m - 1 do m[i] = m[i + 1] end m[#m] = nil return r end
  local a, m = {}, {}
  for i = 1, 100 do a[i] = i * 10; m[i] = i * 10 end
  for step = 1, 300 do
    local pos = (step * 37) % (#a + 1) + 1
    if step % 3 == 0 then
      local pr = (step * 11) % #a + 1
      assert(table.remove(a, pr) == model_remove(m, pr))
    else
      table.insert(a, pos, step); model_insert(m, pos, step)
    end
    assert(#a == #m)
  end
  for i = 1, #m do assert(a[i] == m[i]) end
  local h = {1, 2, 3, 4, 5}
  h[3] = nil
  table.insert(h, 1, 0)
  assert(h[1] == 0 and h[2] == 1 and h[3] == 2 and h[4] == nil and h[5] == 4 and h[6] == 5)
  local log, store = {}, {1, 2, 3, 4}
  local proxy = setmetatable({}, {
    __index = function(_, k) log[#log + 1] = "get" .. k; return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "set" .. k; store[k] = v end,
    __len = function() return #store end,
  })
  table.insert(proxy, 2, "x")
  assert(table.concat(log, " ") == "get4 set5 get3 set4 get2 set3 set2")
  assert(table.concat(store, ",") == "1,x,2,3,4")
  log = {}
  assert(table.remove(proxy, 1) == 1)
  assert(table.concat(log, " ") == "get1 get2 set1 get3 set2 get4 set3 get5 set4 set5")
  assert(table.concat(store, ",") == "x,2,3,4")
end

-- move
local function list(t, n) local r = {} for i = 1, n do r[i] = tostring(t[i]) end return table.concat(r, ",") end
assert(list(table.move({1, 2, 3, 4, 5}, 2, 4, 1), 5) == "2,3,4,4,5")
assert(list(table.move({1, 2, 3, 4, 5}, 1, 3, 3), 5) == "1,2,1,2,3")
local dst = {}
assert(table.move({1, 2, 3}, 1, 3, 2, dst) == dst and list(dst, 4) == "nil,1,2,3")
assert(list(table.move({1, 2}, 1, 0, 1), 2) == "1,2")         -- empty range
checkerror("bad argument #3 to 'table.move' (too many elements to move)", table.move, {}, 0, maxI, 1)
checkerror("bad argument #3 to 'table.move' (too many elements to move)", table.move, {}, minI, -1, 1)
checkerror("bad argument #4 to 'table.move' (destination wrap around)", table.move, {}, 1, maxI, 2)
checkerror("bad argument #4 to 'table.move' (destination wrap around)", table.move, {}, 1, 2, maxI)
checkerror("bad argument #1 to 'table.move' (table expected, got number)", table.move, 1, 2, 3, 4)
checkerror("bad argument #5 to 'table.move' (table expected, got number)", table.move, {}, 2, 3, 4, 5)
t = table.move({[maxI - 1] = "a", [maxI] = "b"}, maxI - 1, maxI, 1, {})
assert(t[1] == "a" and t[2] == "b")

-- pack / unpack
local p = table.pack(1, nil, 3, nil)
assert(p.n == 4 and p[1] == 1 and p[2] == nil and p[3] == 3)
assert(table.pack().n == 0)
-- Ranges past the array part, into the hash part, and long ones.
do
  local a, b, c, d = table.unpack({1, 2, 3}, 2, 5)
  assert(a == 2 and b == 3 and c == nil and d == nil)
  local t = {} for i = 1, 300 do t[i] = i end
  assert(select("#", table.unpack(t)) == 300 and select(300, table.unpack(t)) == 300)
  local x, y, z = table.unpack({[1] = 1, [2] = 2, [100] = 100}, 99, 101)
  assert(x == nil and y == 100 and z == nil)
end
assert(select("#", table.unpack({1, 2, 3})) == 3)
assert(select("#", table.unpack({1, 2, 3}, 2)) == 2)
assert(select("#", table.unpack({1, 2, 3}, -1, 1)) == 3)
assert(select("#", table.unpack({}, 3, 2)) == 0)
local a, b, c = table.unpack({1, 2, 3}, 2, 4)
assert(a == 2 and b == 3 and c == nil)
a, b = table.unpack({[maxI - 1] = 1, [maxI] = 2}, maxI - 1, maxI)
assert(a == 1 and b == 2)
a, b = table.unpack({[minI] = 1, [minI + 1] = 2}, minI, minI + 1)
assert(a == 1 and b == 2)
checkerror("too many results to unpack", table.unpack, {}, 1, 1e7)
checkerror("too many results to unpack", table.unpack, {}, minI, maxI)
checkerror("too many results to unpack", table.unpack, {}, 0, maxI)
checkerror("attempt to get length of a nil value", table.unpack, nil)

-- metamethods: a proxy with __index/__newindex/__len
do
  local store = {10, 20, 30}
  local log = {}
  local proxy = setmetatable({}, {
    __index = function(_, k) log[#log + 1] = "get" .. k; return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "set" .. k; store[k] = v end,
    __len = function() return #store end,
  })
  table.insert(proxy, 40)
  assert(store[4] == 40 and log[1] == "set4")
  table.insert(proxy, 1, 5)
  assert(same(store, 5, 10, 20, 30, 40))
  assert(table.remove(proxy, 1) == 5 and same(store, 10, 20, 30, 40))
  assert(table.concat(proxy, ",") == "10,20,30,40")
  assert(select("#", table.unpack(proxy)) == 4)
  table.sort(proxy, function(x, y) return x > y end)
  assert(same(store, 40, 30, 20, 10))
  table.move(proxy, 1, 2, 3)
  assert(same(store, 40, 30, 40, 30))
  -- a non-integer length
  local bad = setmetatable({}, {__len = function() return 1.5 end})
  checkerror("object length is not an integer", table.insert, bad, 1)
  local ok = setmetatable({}, {__len = function() return "2" end})
  table.insert(ok, "x")
  assert(rawget(ok, 3) == "x")
end

-- a userdata-like value: not a table but with the needed metamethods
do
  local u = setmetatable({}, {})   -- a plain table with an empty metatable is fine
  table.insert(u, 1)
  assert(u[1] == 1)
end

-- sort
local function check_sorted(t, lt)
  lt = lt or function(x, y) return x < y end
  for i = 2, #t do assert(not lt(t[i], t[i - 1])) end
end

t = {5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
table.sort(t)
assert(table.concat(t, " ") == "0 1 2 3 4 5 6 7 8 9")
table.sort(t, function(x, y) return x > y end)
assert(table.concat(t, " ") == "9 8 7 6 5 4 3 2 1 0")
t = {"banana", "apple", "Cherry", "date", "apple"}
table.sort(t)
assert(table.concat(t, " ") == "Cherry apple apple banana date")
t = {3.5, 1, -2, 2^53, -1/0, 1/0, 0}
table.sort(t)
check_sorted(t)
assert(t[1] == -1/0 and t[7] == 1/0)
table.sort({})
table.sort({1})
table.sort({2, 1}, nil)

-- larger arrays, including sorted, reversed and constant inputs
for _, n in ipairs({10, 100, 1000, 5000}) do
  local x = {}
  for i = 1, n do x[i] = (i * 7919) % 1009 end
  table.sort(x)
  check_sorted(x)
  for i = 1, n do x[i] = i end
  table.sort(x)
  check_sorted(x)
  table.sort(x, function(p, q) return p > q end)
  check_sorted(x, function(p, q) return p > q end)
  for i = 1, n do x[i] = 42 end
  table.sort(x)
  check_sorted(x)
end

-- comparator that allocates (the collector may run during the sort)
do
  local x = {}
  for i = 1, 2000 do x[i] = {v = (i * 31) % 997, s = "k" .. i} end
  table.sort(x, function(p, q)
    local _ = {p, q, tostring(p.v)}
    return p.v < q.v
  end)
  for i = 2, #x do assert(x[i - 1].v <= x[i].v) end
  collectgarbage()
  for i = 1, #x do assert(type(x[i].s) == "string") end
end

-- tables with __lt
do
  local mt = {__lt = function(p, q) return p.k < q.k end}
  local x = {}
  for i = 1, 200 do x[i] = setmetatable({k = (i * 13) % 101}, mt) end
  table.sort(x)
  for i = 2, #x do assert(x[i - 1].k <= x[i].k) end
end

checkerror("invalid order function for sorting", table.sort, {1, 2, 3, 4, 5}, function() return true end)
checkerror("attempt to compare string with number", table.sort, {1, "x"})
checkerror("attempt to compare two table values", table.sort, {{}, {}})
checkerror("bad argument #2 to 'table.sort' (function expected, got number)", table.sort, {3, 2, 1}, 1)
checkerror("bad argument #1 to 'table.sort' (array too big)", table.sort,
           setmetatable({}, {__len = function() return maxI end}))
-- an order function that errors
checkerror("boom", table.sort, {3, 2, 1}, function() error("boom", 0) end)

-- a comparator that changes the table must not break anything (result unspecified)
do
  local x = {}
  for i = 1, 300 do x[i] = i % 17 end
  pcall(table.sort, x, function(p, q)
    x[math.random(1, 300)] = nil
    collectgarbage("step")
    return (p or 0) < (q or 0)
  end)
end

print "OK"
