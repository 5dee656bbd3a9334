-- The basic library, with values and messages as lua5.4 gives them.
assert(_VERSION == "Lua 5.4" and _G._G == _G)
assert(type(nil) == "nil" and type(print) == "function" and type(io.stdout) == "userdata")
assert(not pcall(type))

-- tonumber, with and without a base
assert(tonumber("0x10") == 16 and tonumber("  12  ") == 12 and tonumber("1e2") == 100.0)
assert(tonumber("z", 36) == 35 and tonumber("  -ff ", 16) == -255 and tonumber("+10", 2) == 2)
assert(tonumber("8", 8) == nil and tonumber("") == nil and tonumber("0x") == nil)
assert(tonumber(nil) == nil and tonumber({}) == nil)
assert(select(2, pcall(tonumber, "10", 99)):find("base out of range"))

-- tostring and __name
assert(tostring(12) == "12" and tostring(1.5) == "1.5" and tostring(true) == "true")
assert(tostring(setmetatable({}, {__name = "MyType"})):find("^MyType: 0x"))

-- select
assert(select("#") == 0 and select("#", nil, nil) == 2)
assert(select(2, "a", "b", "c") == "b" and select(-2, "a", "b", "c") == "b")
assert(select(2, pcall(select, 0)):find("index out of range"))

-- rawequal, rawlen, rawget, rawset bypass metamethods
local mt = {__index = function() return "meta" end, __newindex = function() error("no") end,
            __len = function() return 99 end, __eq = function() return true end}
local a, b = setmetatable({}, mt), setmetatable({}, mt)
assert(a == b and not rawequal(a, b))
assert(#a == 99 and rawlen(a) == 0 and a.x == "meta" and rawget(a, "x") == nil)
rawset(a, "x", 1)
assert(rawget(a, "x") == 1)
assert(select(2, pcall(rawlen, 5)):find("table or string expected"))

-- next and pairs: assigning existing fields during traversal is allowed
local t = {a = 1, b = 2, c = 3, 10, 20}
for k in pairs(t) do t[k] = nil end
assert(next(t) == nil)
assert(select(2, pcall(next, {}, "nokey")):find("invalid key to 'next'"))

-- ipairs stops at the first nil and honours __index
local proxy = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 2 end end})
local sum = 0
for i, v in ipairs(proxy) do sum = sum + v end
assert(sum == 12)

-- load: strings, reader functions, chunk names, modes, environments
assert(load("return 1 + 1")() == 2)
local parts = {"return ", "'pie", "ce'"}
local i = 0
assert(load(function() i = i + 1; return parts[i] end)() == "piece")
local env = {y = 5}
assert(load("return y", "chunk", "t", env)() == 5)
local f, msg = load("return 1", "=name", "b")
assert(f == nil and msg:find("attempt to load a text chunk"))
f, msg = load("error('x')", "=mychunk")
assert(select(2, pcall(f)) == "mychunk:1: x")
assert(load(string.dump(function() return 42 end), "bin", "b")() == 42)
f, msg = load("\27Lua garbage")
assert(f == nil and msg:find("bad binary format"))

-- loadfile / dofile
local name = os.tmpname()
local fh = io.open(name, "w"); fh:write("#!/usr/bin/env lua\nreturn ...\n"); fh:close()
assert(loadfile(name)(7) == 7)
assert(dofile(name) == nil)
os.remove(name)
f, msg = loadfile("/nonexistent/file.lua")
assert(f == nil and msg:find("cannot open /nonexistent/file.lua"))

-- error, assert, pcall, xpcall
assert(select(2, pcall(assert, false)) == "assertion failed!")
assert(select(2, pcall(assert, nil, "custom")) == "custom")
assert(select(3, pcall(assert, 1 == 1, "unused")) == "unused")
local function lvl() error("deep", 2) end
local ok, m = pcall(function() lvl() end)
assert(m:find("^base.lua:%d+: deep"))
assert(select(2, xpcall(error, function(e) return "H:" .. tostring(e) end, "e")) == "H:e")

-- getmetatable / setmetatable
assert(getmetatable("x").__index == string)
assert(select(2, pcall(setmetatable, {}, 1)):find("nil or table expected"))

-- collectgarbage options
assert(collectgarbage("collect") == 0 and type(collectgarbage("step")) == "boolean")
assert(math.type(collectgarbage("count")) == "float")
local mode = collectgarbage("incremental")
assert(mode == "incremental" or mode == "generational")
assert(collectgarbage("incremental") == "incremental")
assert(select(2, pcall(collectgarbage, "bogus")):find("invalid option 'bogus'"))

-- warn is off by default and does not fail
warn("not shown")
warn("@on"); warn("@off")

print "OK"
