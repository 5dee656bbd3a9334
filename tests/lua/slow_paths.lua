-- Instructions whose fast path fails continue in `vm::slow_instruction`
-- (through the hook arm): metamethods, new keys, comparisons of strings,
-- errors, with and without hooks set.

local function checks()
  -- GETTABUP, GETTABLE, GETI, GETFIELD through __index
  local mt = {__index = function(_, k) return "idx:" .. tostring(k) end}
  local t = setmetatable({}, mt)
  assert(t[1] == "idx:1" and t.x == "idx:x" and t[2.5] == "idx:2.5")
  local k = "y"
  assert(t[k] == "idx:y")
  local plain = {}
  assert(plain[1] == nil and plain.x == nil and plain[k] == nil and plain[1.5] == nil)
  assert(nosuchglobal == nil)
  -- long string keys (not interned): looked up by contents
  a_global_whose_name_is_longer_than_forty_bytes_for_the_test = 7
  assert(a_global_whose_name_is_longer_than_forty_bytes_for_the_test == 7)
  local long = string.rep("k", 50)
  local lt = {[long] = 1}
  assert(lt[string.rep("k", 50)] == 1 and lt[long .. "x"] == nil)
  assert(setmetatable({}, {__index = lt})[long] == 1)
  a_global_whose_name_is_longer_than_forty_bytes_for_the_test = nil
  -- SETTABUP, SETTABLE, SETI, SETFIELD: new keys and __newindex
  local log = {}
  local w = setmetatable({}, {__newindex = function(_, key, v) log[#log + 1] = key .. "=" .. v end})
  w[1] = "a"; w.f = "b"; w[k] = "c"; w[3.5] = "d"
  assert(table.concat(log, ",") == "1=a,f=b,y=c,3.5=d")
  local grow = {}
  for i = 1, 100 do grow[i] = i; grow["k" .. i] = i end
  assert(#grow == 100 and grow.k50 == 50)
  newglobal = 1
  assert(newglobal == 1)
  newglobal = nil
  -- comparisons: strings and metamethods, both jump directions
  local n = 0
  if "a" < "b" then n = n + 1 end
  if not ("b" < "a") then n = n + 1 end
  if "a" <= "a" then n = n + 1 end
  local s = "b"
  if s > "a" then n = n + 1 end
  assert(n == 4)
  local cmt = {__lt = function(a, b) return a.v < b.v end, __le = function(a, b) return a.v <= b.v end,
               __eq = function(a, b) return a.v == b.v end}
  local a, b = setmetatable({v = 1}, cmt), setmetatable({v = 2}, cmt)
  assert(a < b and a <= b and not (b < a) and a ~= b)
  assert(a == setmetatable({v = 1}, cmt))
  local ok, e = pcall(function() return {} < 1 end)
  assert(not ok and e:find("attempt to compare table with number"), e)
  ok, e = pcall(function() local x = {} return x > 1 end)
  assert(not ok and e:find("attempt to compare number with table"), e)
  -- LEN, UNM, BNOT through metamethods and strings
  local u = setmetatable({}, {__len = function() return 42 end, __unm = function() return "neg" end,
                              __bnot = function() return "not" end})
  assert(#u == 42 and -u == "neg" and ~u == "not")
  assert(-"2" == -2)
  ok, e = pcall(function() return ~"3" end)
  assert(not ok and e:find("attempt to perform bitwise operation on a string value"), e)
  -- integer division by zero
  ok, e = pcall(function() local z = 0 return 1 % z end)
  assert(not ok and e:find("attempt to perform 'n%%0'"), e)
  ok, e = pcall(function() local z = 0 return 1 // z end)
  assert(not ok and e:find("attempt to divide by zero"), e)
  ok, e = pcall(function() local x = 5 return x % 0 end)
  assert(not ok and e:find("attempt to perform 'n%%0'"), e)
  -- SETUPVAL of a closed upvalue (after a collection makes its holder black)
  local up = 0
  local function bump(v) up = v end
  for i = 1, 1000 do bump({i}) if i % 100 == 0 then collectgarbage("step") end end
  assert(up[1] == 1000)
  -- errors name the operand
  ok, e = pcall(function() local q return q.x end)
  assert(not ok and e:find("attempt to index a nil value %(local 'q'%)"), e)
  ok, e = pcall(function() local q; q[1] = 2 end)
  assert(not ok and e:find("attempt to index a nil value %(local 'q'%)"), e)
  return true
end

assert(checks())
-- the same with a count hook on every instruction, then a line hook
local events = 0
debug.sethook(function() events = events + 1 end, "", 1)
assert(checks())
debug.sethook()
assert(events > 100)
local lines = 0
debug.sethook(function() lines = lines + 1 end, "l")
assert(checks())
debug.sethook()
assert(lines > 50)
-- a metamethod that yields from inside a slow path: resumed, the
-- instruction finishes (a comparison's jump included)
local Y = coroutine.yield
local ymt = {
  __lt = function(a, b) Y("lt") return a.v < b.v end,
  __le = function(a, b) Y("le") return a.v <= b.v end,
  __eq = function(a, b) Y("eq") return a.v == b.v end,
  __index = function(_, k) Y("index") return k .. "!" end,
  __newindex = function(t, k, v) Y("newindex") rawset(t, k, v) end,
  __len = function() Y("len") return 7 end,
  __unm = function() Y("unm") return "neg" end,
}
local co = coroutine.wrap(function()
  local a, b = setmetatable({v = 1}, ymt), setmetatable({v = 2}, ymt)
  local r = {}
  if a < b then r[#r + 1] = "lt-yes" else r[#r + 1] = "lt-no" end
  if b <= a then r[#r + 1] = "le-yes" else r[#r + 1] = "le-no" end
  if a == b then r[#r + 1] = "eq-yes" else r[#r + 1] = "eq-no" end
  r[#r + 1] = a.foo
  r[#r + 1] = a[5]
  a.bar = "set"; r[#r + 1] = rawget(a, "bar")
  r[#r + 1] = #a
  r[#r + 1] = -a
  if a > b then r[#r + 1] = "gt-yes" else r[#r + 1] = "gt-no" end
  return "done " .. table.concat(r, " ")
end)
local out = {}
repeat out[#out + 1] = co() until out[#out]:find("^done")
assert(table.concat(out, ",") == "lt,le,eq,index,index,newindex,len,unm,lt,"
  .. "done lt-yes le-no eq-no foo! 5! set 7 neg gt-no", table.concat(out, ","))

-- Objects of a class compared for identity: after a comparison found no
-- `__eq`, the arm answers; a `__eq` set later is still seen.
do
  local C = {}
  C.__index = C
  local a, b = setmetatable({}, C), setmetatable({}, C)
  local same = 0
  for _ = 1, 10 do if a == b then same = same + 1 end end
  assert(same == 0 and a == a and not (a ~= a))
  C.__eq = function() return true end
  assert(a == b and not (a ~= b))
  C.__eq = nil
  assert(a ~= b)
  -- The second operand's `__eq` when the first has none.
  local c = setmetatable({}, {__eq = function() return true end})
  assert(a == c and c == b)
  rawset(getmetatable(c), "__eq", nil)
  assert(a ~= c and c ~= b)
end

print("ok")
