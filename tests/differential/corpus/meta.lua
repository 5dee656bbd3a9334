--- arith_mm
local mt = {} for _, e in ipairs({"add", "sub", "mul", "div", "mod", "pow", "unm", "idiv", "band", "bor", "bxor", "shl", "shr", "bnot", "concat"}) do mt["__" .. e] = function(a, b) return e end end
local o = setmetatable({}, mt)
show(o + 1, 1 - o, o * o, o / 2, o % 2, o ^ 2, -o, o // 2, o & 1, 1 | o, o ~ o, o << 1, o >> 1, ~o, o .. "x", "x" .. o, 1 .. o)
--- arith_mm_strings
local smt = getmetatable("") print(smt.__add, smt.__index == string)
E(function() return "10" + {} end)
--- comparison_mm
local mt = {__eq = function(a, b) print("eq called") return true end, __lt = function(a, b) return "yes" end, __le = function(a, b) return nil end}
local a, b = setmetatable({}, mt), setmetatable({}, mt)
show(a == b, a ~= b, a < b, a <= b, a > b, a >= b, a == a, a == 1)
local c = setmetatable({}, {__lt = function() return true end}) E(function() return c <= c end)
--- index_newindex_chain
local base = {x = 1} local mid = setmetatable({}, {__index = base}) local top = setmetatable({}, {__index = mid}) print(top.x, top.y)
local log = {} local p = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) end}) p.a = 1 p.b = 2 print(table.concat(log, ","), rawget(p, "a"))
local store = {} local q = setmetatable({}, {__newindex = store}) q.z = 5 print(rawget(q, "z"), store.z)
local loop = setmetatable({}, {}) getmetatable(loop).__index = loop E(function() return loop.x end)
local loop2 = setmetatable({}, {}) getmetatable(loop2).__newindex = loop2 E(function() loop2.x = 1 end)
local s = setmetatable({}, {__index = "string!"}) E(function() return s.len end)
--- call_mm
local c = setmetatable({}, {__call = function(self, a, b) return "called", a, b end}) show(c(1, 2)) show(pcall(c, 3))
local cc = setmetatable({}, {__call = c}) E(cc, 1)
E(function() local t = setmetatable({}, {__call = 5}) return t() end)
--- len_concat_mm
local l = setmetatable({1, 2}, {__len = function() return 42 end}) print(#l)
local cm = setmetatable({}, {__concat = function(a, b) return (type(a) == "table" and "T" or a) .. "+" .. (type(b) == "table" and "T" or b) end}) print(cm .. "x", "x" .. cm, 1 .. cm, cm .. cm, "a" .. "b" .. cm .. "c")
--- tostring_name
local t = setmetatable({}, {__name = "Point"}) print((tostring(t):gsub("0x%x+", "ADDR")))
E(function() return t + 1 end)
E(function() return #setmetatable({}, {__name = 5}) + {} end)
E(string.rep, t)
E(math.floor, t)
E(function() return t < t end)
E(function() return t .. "" end)
local n = setmetatable({}, {__name = "N", __tostring = function() return "NN" end}) print(n, tostring(n))
--- gc_mm_close
local t = setmetatable({}, {__gc = function() print("gc ran") end}) t = nil collectgarbage() collectgarbage() print("after collect")
local w = setmetatable({}, {__mode = "k"}) w[{}] = 1 local keep = {} w[keep] = 2 collectgarbage() local n = 0 for _ in pairs(w) do n = n + 1 end print(n)
local v = setmetatable({}, {__mode = "v"}) v[1] = {} v[2] = keep v[3] = "str" collectgarbage() print(v[1], v[2] == keep, v[3])
--- gc_at_exit
setmetatable({}, {__gc = function() print("finalizer at exit") end})
print("end of script")
--- gc_error_in_finalizer
setmetatable({}, {__gc = function() error("in gc") end}) collectgarbage() print("continues")
--- eq_mm_different_types
local mt = {__eq = function() return true end} print(setmetatable({}, mt) == setmetatable({}, {__eq = function() return false end}), setmetatable({}, mt) == 1)
--- index_on_numbers_strings
print(("abc").len, ("x"):rep(3))
E(function() return (1).x end)
E(function() local b = true return b.x end)
E(function() local b = true b.x = 1 end)
--- mm_via_rawequal_and_idx
local t = setmetatable({}, {__index = function(t, k) return k * 2 end}) print(t[21], t[1.5])
local s = setmetatable({}, {__index = table}) print(s.concat({1, 2}, "-"))
--- unm_len_strings
show(-"2", -"2.5", #"x", -"0x10")
E(function() return -"abc" end)
E(function() return ~"1.5" end)
show(~"3")
