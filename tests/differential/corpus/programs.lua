--- json_encoder
local function enc(v, ind)
  ind = ind or ""
  local t = type(v)
  if t == "table" then
    if #v > 0 then local p = {} for i, x in ipairs(v) do p[i] = enc(x, ind .. "  ") end return "[" .. table.concat(p, ",") .. "]" end
    local keys = {} for k in pairs(v) do keys[#keys + 1] = tostring(k) end table.sort(keys)
    local p = {} for _, k in ipairs(keys) do p[#p + 1] = ind .. "  " .. string.format("%q", k) .. ": " .. enc(v[k] == nil and v[tonumber(k)] or v[k], ind .. "  ") end
    return "{\n" .. table.concat(p, ",\n") .. "\n" .. ind .. "}"
  elseif t == "string" then return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  else return tostring(v) end
end
print(enc({name = "x\n\"y\"", list = {1, 2.5, true, {a = 1}}, nested = {deep = {deeper = {1e100, -0.0, 2^63}}}}))
--- class_system
local Animal = {} Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({name = name, sound = sound}, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
local Dog = setmetatable({}, {__index = Animal}) Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof") return setmetatable(d, Dog) end
function Dog:fetch() return self.name .. " fetches" end
Dog.__tostring = function(d) return "Dog<" .. d.name .. ">" end
Dog.__eq = function(a, b) return a.name == b.name end
Dog.__lt = function(a, b) return a.name < b.name end
Dog.__le = function(a, b) return a.name <= b.name end
Dog.__concat = function(a, b) return tostring(a) .. "&" .. tostring(b) end
Dog.__len = function(d) return #d.name end
Dog.__call = function(d, x) return d.name .. " called with " .. tostring(x) end
local a, b = Dog.new("rex"), Dog.new("ace")
print(a:speak(), a:fetch(), tostring(a), a == Dog.new("rex"), a < b, b <= a, a .. b, #a, a(42))
local list = {Dog.new("zed"), a, b} table.sort(list) for _, d in ipairs(list) do io.write(tostring(d), " ") end print()
print(pcall(function() return a.nosuch() end))
--- string_builder_and_split
local function split(s, sep) local out = {} for piece in (s .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do out[#out + 1] = piece end return out end
local parts = split("a,b,,c,", ",") print(#parts, table.concat(parts, "|"))
local csv = "name,age\nalice,30\nbob,25\n" local rows = {}
for line in csv:gmatch("[^\n]+") do rows[#rows + 1] = split(line, ",") end
for i, r in ipairs(rows) do print(i, r[1], r[2], tonumber(r[2])) end
local buf = {} for i = 1, 100 do buf[#buf + 1] = string.format("%03d", i) end local s = table.concat(buf) print(#s, s:sub(1, 12), s:sub(-6))
print(("%s=%d"):rep(3, "; "):format("a", 1, "b", 2, "c", 3))
--- memo_fib_bigloop
local memo = setmetatable({}, {__mode = "k"})
local function fib(n) if n < 2 then return n end local m = memo[n] if m then return m end local r = fib(n - 1) + fib(n - 2) memo[n] = r return r end
print(fib(80), fib(90), fib(92))
local sum = 0 for i = 1, 1000000 do sum = sum + i % 7 end print(sum)
local fsum = 0.0 for i = 1, 100000 do fsum = fsum + 1 / i end print(fsum, string.format("%.17g", fsum))
--- sieve_and_queens
local function sieve(n) local is = {} for i = 2, n do is[i] = true end for i = 2, math.floor(math.sqrt(n)) do if is[i] then for j = i * i, n, i do is[j] = false end end end local c = 0 for i = 2, n do if is[i] then c = c + 1 end end return c end
print(sieve(100000))
local N, count = 8, 0 local cols, d1, d2 = {}, {}, {}
local function place(r) if r > N then count = count + 1 return end for c = 1, N do if not cols[c] and not d1[r + c] and not d2[r - c + N] then cols[c], d1[r + c], d2[r - c + N] = true, true, true place(r + 1) cols[c], d1[r + c], d2[r - c + N] = nil, nil, nil end end end
place(1) print(count)
--- coroutine_pipeline
local function producer() return coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i) end end) end
local function filter(src, pred) return coroutine.wrap(function() for v in src do if pred(v) then coroutine.yield(v) end end end) end
local function map(src, f) return coroutine.wrap(function() for v in src do coroutine.yield(f(v)) end end) end
for v in map(filter(producer(), function(x) return x % 2 == 1 end), function(x) return x * x end) do io.write(v, " ") end print()
local function perm(a, n) n = n or #a if n <= 1 then coroutine.yield(a) else for i = 1, n do a[n], a[i] = a[i], a[n] perm(a, n - 1) a[n], a[i] = a[i], a[n] end end end
local c = 0 for p in coroutine.wrap(function() perm({1, 2, 3, 4}) end) do c = c + 1 if c <= 3 then io.write(table.concat(p), " ") end end print(c)
--- gsub_template_engine
local tpl = "Hello ${name}, you are ${age} years old. ${missing} ${name:upper}"
local env = {name = "Ann", age = 33}
print((tpl:gsub("%${(%w+):?(%w*)}", function(k, f) local v = env[k] if v == nil then return nil end v = tostring(v) if f ~= "" then v = string[f](v) end return v end)))
print(("hello world from lua"):gsub("(%w+)", string.upper), ("hello"):gsub(".", {h = "H", o = 0}))
--- varargs_and_select_heavy
local function count(...) return select("#", ...) end
local t = {} for i = 1, 250 do t[i] = i end print(count(table.unpack(t)))
local function sum(...) local s = 0 for i = 1, select("#", ...) do s = s + (select(i, ...)) end return s end print(sum(table.unpack(t)))
print(pcall(table.unpack, {}, 1, 1e6))
local function pass(...) return ... end print(select("#", pass(nil, nil, nil)), (pass(1, 2)))
print(string.char(table.unpack({72, 105, 33})))
--- integer_float_table_keys
local t = {} t[1] = "a" t[1.0] = "b" t[-0.0] = "z" t[0] = "zero" t[2^63] = "big" t[math.mininteger] = "min"
show(t[1], t[0], t[0.0], t[-0], t[2^63], t[-2^63], t[math.mininteger])
local k = {} for key in pairs({[1.0] = 1, [2.5] = 2, [3] = 3}) do k[#k + 1] = math.type(key) end table.sort(k) print(table.concat(k, ","))
--- weak_and_finalizers
local order = {}
for i = 1, 3 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
collectgarbage() collectgarbage() table.sort(order) print(table.concat(order, ","))
local resurrect
do local o = setmetatable({name = "res"}, {__gc = function(x) resurrect = x end}) end
collectgarbage() collectgarbage() print(resurrect and resurrect.name)
local eph = setmetatable({}, {__mode = "k"}) do local key = {} eph[key] = {ref = key} end collectgarbage() collectgarbage() print(next(eph))
local wv = setmetatable({}, {__mode = "v"}) wv.a = "string stays" wv.b = 42 wv.c = function() end collectgarbage() print(wv.a, wv.b)
--- string_dump_roundtrip
local function mk() local up = 10 return function(x) return x + up end end
local f = mk() local d = string.dump(f) local g = load(d, "dumped", "b") print(type(d), pcall(g, 1))
print(debug.setupvalue(g, 1, 5), g(1))
local s = string.dump(function(...) local t = {...} return #t, ... end, true) print(load(s)(1, 2, 3))
print(load(string.dump(load("return 1 + 2")))())
print(pcall(string.dump, print))
print(load("\27Lua garbage"))
print(load(string.dump(function() end):sub(1, 10)))
--- load_env_and_upvalues
local env = setmetatable({}, {__index = _G}) local f = load("x = 42 return x + (y or 0)", "chunk", "t", env) print(f(), env.x, rawget(_G, "x"))
local g = load("local a = ... return function() return a end") print(g(7)())
local h = load("return _ENV") print(h() == _G)
local c = 0 local r = load(function() c = c + 1 if c == 1 then return "return " elseif c == 2 then return "'pieces'" end end) print(r())
print(load("return 1", "=name", "b"))
print(pcall(load, "return 1", "x", "q"))
local ff = load("return x", nil, nil, {x = "from env"}) print(ff())
print(debug.getupvalue(ff, 1))
