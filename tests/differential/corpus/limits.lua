--- pattern_too_complex
print(pcall(string.find, string.rep("a", 300), string.rep("a?", 300) .. "b"))
print(pcall(string.match, string.rep("x", 100), string.rep("(x)", 32)))
print(pcall(string.match, string.rep("x", 100), string.rep("(x)", 33)))
print(pcall(string.gsub, "abc", "%f[%a]", "|"))
print(pcall(string.find, string.rep("a", 3000), ".-b"))
print(pcall(string.match, string.rep("(", 200) .. string.rep(")", 200), "%b()"))
--- too_many_results
print(pcall(table.unpack, {}, 1, 1e7))
print(pcall(string.byte, string.rep("x", 1000000), 1, -1))
print(select("#", string.byte(string.rep("x", 10000), 1, -1)))
print(pcall(function() return table.unpack({}, 1, 999999) end))
--- string_size_limits
print(pcall(string.rep, "x", math.maxinteger))
print(pcall(string.rep, "ab", 2^62))
print(pcall(string.rep, "x", 2^31, ","))
print(#string.rep("x", 2^20))
print(pcall(string.format, "%" .. string.rep("9", 5) .. "d", 1))
print(pcall(function() local s = string.rep("x", 2^20) for i = 1, 5 do s = s .. s end return #s end))
--- deep_metamethod_recursion
local t = setmetatable({}, {}) getmetatable(t).__index = function(tt, k) return tt[k] end print(pcall(function() return t.x end))
local c = setmetatable({}, {}) getmetatable(c).__call = function(self, n) if n == 0 then return "bottom" end return self(n - 1) end print(c(100), pcall(c, 250))
local e = setmetatable({}, {}) getmetatable(e).__eq = function(a, b) return a == setmetatable({}, getmetatable(a)) end print(pcall(function() return e == setmetatable({}, getmetatable(e)) end))
local co_depth = 0 local function nest() co_depth = co_depth + 1 return coroutine.wrap(nest)() end print(pcall(nest)) print(co_depth > 100)
local function tsdeep(n) return setmetatable({}, {__tostring = function() if n == 0 then return "base" end return tostring(tsdeep(n - 1)) end}) end print(tostring(tsdeep(150)), pcall(tostring, tsdeep(300)))
--- stack_overflow_messages
local function r() return 1 + r() end local ok, e = pcall(r) print(ok, e)
local function r2(...) return 1 + r2(1, 2, 3, ...) end local ok2, e2 = pcall(r2) print(ok2, e2)
local ok3, e3 = pcall(string.gsub, "x", "x", function() local function q() return q() + 1 end return q() end) print(ok3, e3)
local function sorter() local t = {3, 2, 1} table.sort(t, function(a, b) sorter() return a < b end) end print(pcall(sorter))
--- many_constants_and_registers
local parts = {} for i = 1, 300 do parts[i] = "x" .. i end print(load("local " .. table.concat(parts, ",") .. " = 1"))
local args = {} for i = 1, 300 do args[i] = tostring(i) end print(load("return f(" .. table.concat(args, ",") .. ")"))
local ks = {} for i = 1, 70000 do ks[i] = "'s" .. i .. "'" end local f = load("return {" .. table.concat(ks, ",") .. "}") print(#f())
local ups = {"local a0 = 0"} for i = 1, 260 do ups[#ups + 1] = "local a" .. i .. " = " .. i end
--- long_string_and_lines
local src = string.rep("\n", 100000) .. "error('far')" print(pcall(load(src)))
local big = "return '" .. string.rep("a", 1000000) .. "'" print(#load(big)())
print(load("return [==[\n" .. string.rep("]=]", 10) .. "]==]")())
