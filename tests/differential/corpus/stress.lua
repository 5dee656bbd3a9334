--- float_format_sweep
local vals = {0, 1, -1, 0.1, 0.5, 1/3, 2/3, 1e-300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 123456789, 1234567890123, 0.000123456, 9.999999999999999e22, 1e21, 1e22, 1e23, 2^63, 2^64, 3.14159, 2.5, 0.125, 1e15 / 7, 100, 1e100 / 3, -0.0}
for _, v in ipairs(vals) do
  print(v, string.format("%.14g|%g|%e|%.3f|%a|%.0e|%10.4g|%-12.6G|%.20g", v, v, v, v, v, v, v, v, v))
end
--- float_tostring_sweep
local x = 1.0 for i = 1, 60 do x = x * 3.7 io.write(tostring(x), " ", tostring(1 / x), " ", tostring(-x / 7), "\n") end
--- int_format_sweep
local vals = {0, 1, -1, 255, -255, math.maxinteger, math.mininteger, 1 << 31, 65535, 123456789}
for _, v in ipairs(vals) do print(string.format("%d|%5d|%-5d|%05d|%x|%X|%#x|%o|%+d|% d|%.3d|%c", v, v, v, v, v, v, v, v, v, v, v, v % 256)) end
--- number_parse_sweep
local strs = {"0", "-0", "+1", "1e+", "1e-2", "0x1P+4", "0x1.8", "0X.8P1", "1.e1", ".e1", "0x1e", "1_000", "1,5", "0b101", "١", "infinity", "-nan", "0x7FFFFFFFFFFFFFFF", "0x8000000000000000", "-0x8000000000000001", "18446744073709551615", "1e400", "-1e400", "4.9e-324", "2e-324", "  \t\n12\v\f\r", "12a", "0x", "0x.", "."}
for _, s in ipairs(strs) do local n = tonumber(s) io.write(string.format("%q", s), " -> ", tostring(n), " ", tostring(math.type(n)), "\n") end
--- arith_sweep
local vals = {0, 1, -1, 2, -3, 7, math.maxinteger, math.mininteger, 0.0, -0.0, 0.5, -2.5, 1e308, 1/0, -1/0}
local ops = {"+", "-", "*", "/", "//", "%", "^"}
for _, op in ipairs(ops) do
  local f = load("local a, b = ... return a " .. op .. " b")
  local row = {}
  for _, a in ipairs(vals) do for _, b in ipairs(vals) do
    local ok, r = pcall(f, a, b)
    row[#row + 1] = ok and (math.type(r) == "integer" and tostring(r) or string.format("%.17g", r)) or "E"
  end end
  print(op, table.concat(row, " "))
end
--- bitwise_sweep
local vals = {0, 1, -1, 2, 63, 64, -64, 0x7f, math.maxinteger, math.mininteger, 3.0, -2.0}
for _, op in ipairs({"&", "|", "~", "<<", ">>"}) do
  local f = load("local a, b = ... return a " .. op .. " b") local row = {}
  for _, a in ipairs(vals) do for _, b in ipairs(vals) do row[#row + 1] = tostring(f(a, b)) end end
  print(op, table.concat(row, " "))
end
--- compare_sweep
local vals = {0, -0.0, 1, 1.0, 2^53, 2^53 + 1, math.maxinteger, math.maxinteger + 0.0, math.mininteger, -2^63, 1/0, -1/0, 0/0, 0.5}
local out = {}
for _, a in ipairs(vals) do for _, b in ipairs(vals) do out[#out + 1] = (a < b and "<" or "") .. (a <= b and "l" or "") .. (a == b and "=" or "") end end
print(table.concat(out, ","))
--- for_loop_sweep
local cases = {{1, 3, 1}, {3, 1, -1}, {1, 3, 0.5}, {1, 2, 0.1}, {math.maxinteger - 1, math.maxinteger, 1}, {math.mininteger, math.mininteger + 1, 1}, {math.mininteger + 1, math.mininteger, -1}, {1, math.maxinteger, math.maxinteger}, {-1, math.mininteger, math.mininteger}, {0, 1, 2^62}, {1.0, 3, 1}, {1, 3.5, 1}, {3, 1.5, -0.5}, {1, 1/0, 2^60}, {0.1, 0.3, 0.1}}
for _, c in ipairs(cases) do local r = {} for i = c[1], c[2], c[3] do r[#r + 1] = tostring(i) if #r > 12 then break end end print(table.concat(r, " ")) end
--- string_ops_sweep
local s = "Hello, World! 123 abc"
local pats = {"%a+", "%d", "[aeiou]", "[^%s]+", "%p", "(%w)(%w)", "^H", "d$", "l*", "l-o", ".-!", "%u%l+", "[%a%d]+", "%s+", "o.", "%bHd", "%f[%w]%w+", "()%d()", "x?H", "[A-Z][a-z]*"}
for _, p in ipairs(pats) do
  local r = {} for m in s:gmatch(p) do r[#r + 1] = tostring(m) end
  local g, n = s:gsub(p, "<%0>")
  print(p, s:find(p), table.concat(r, "|"), g, n)
end
--- sort_stability_checks
local t = {} for i = 1, 100 do t[i] = {k = i % 7, i = i} end
table.sort(t, function(a, b) if a.k ~= b.k then return a.k < b.k end return a.i < b.i end)
local o = {} for i = 1, 100 do o[i] = t[i].k .. ":" .. t[i].i end print(table.concat(o, " "))
local words = {} for w in ("the quick brown fox jumps over the lazy dog again and again"):gmatch("%a+") do words[#words + 1] = w end table.sort(words) print(table.concat(words, " "))
--- error_names
local t = {} local up = nil
E(function() return t.a.b end)
E(function() return up.x end)
E(function() return up() end)
E(function() t:nomethod() end)
E(function() t.field() end)
E(function() globalvar.x = 1 end)
E(function() local l; l.x = 1 end)
E(function() return t[1][2] end)
E(function() return ("abc"):bad() end)
E(function() return string.bad() end)
E(function() local a = "x" return a < 1 end)
E(function() return t .. "x" end)
E(function() return -t end)
E(function() return #up end)
E(function() return up + 1 end)
E(function() return t.x + t.y end)
E(function() return 1 + t.y end)
E(function() return math.huge // up end)
E(function() for i = 1, up do end end)
E(function() local a = {} a[up] = 1 end)
E(function() return _ENV.nothing.x end)
E(function() return nothing:method() end)
E(function() setmetatable(t, {__index = function(_, k) return k.x end}) return t.q end)
--- error_values_through_coroutines
local co = coroutine.create(function() local ok, e = pcall(error, {v = 1}) coroutine.yield(type(e), e.v) error(setmetatable({}, {__tostring = function() return "E!" end})) end)
print(coroutine.resume(co)) local ok, e = coroutine.resume(co) print(ok, tostring(e))
print(pcall(coroutine.wrap(function() error("wrapped", 2) end)))
print(pcall(coroutine.wrap(function() error() end)))
print(select("#", coroutine.resume(coroutine.create(function() return end))))
local co2 = coroutine.wrap(function(...) print("args", ...) while true do print("got", coroutine.yield()) end end) co2(1, nil) co2() co2(nil, nil, 3)
--- tbc_order_errors
do
  local ok, e = pcall(function()
    local a <close> = setmetatable({}, {__close = function(_, err) print("a sees", err) error("from a", 0) end})
    local b <close> = setmetatable({}, {__close = function(_, err) print("b sees", err) end})
    error("body", 0)
  end)
  print(ok, e)
end
local function gen() local x <close> = setmetatable({}, {__close = function() print("gen closed") end}) coroutine.yield(1) return 2 end
local co = coroutine.wrap(gen) print(co()) print(co())
--- goto_closures
local fs = {} do local i = 1 ::top:: local j = i fs[#fs + 1] = function() return j end i = i + 1 if i <= 3 then goto top end end print(fs[1](), fs[2](), fs[3]())
local r = {} for i = 1, 3 do local x = i * 2 r[i] = function() x = x + 1 return x end end print(r[1](), r[1](), r[2](), r[3]())
--- string_misc_edges
print(("abc"):rep(2, "-"), ("x"):rep(3, ""), (""):rep(5, "ab"))
print(("%"):rep(3), ("a%"):gsub("%%", "%%%%"))
print(string.format("%s|%s", "a\0b", 1):len(), ("a\0b"):upper():len(), ("A\0B"):lower():byte(1, -1))
print(("hello"):find("l", 1, true), ("hello"):find("", 3, true), ("a.b.c"):gsub("%.", "/"), ("abc"):gsub("", "-", 2))
print(("key = value # comment"):match("^(%w+)%s*=%s*([^#]-)%s*#"), ("  x  "):match("^%s*(.-)%s*$"), ("[test]"):match("^%[(.*)%]$"))
print(tostring(("x"):find("x", 0)), ("abc"):find("c", -1), ("abc"):find("a", -10, true), ("abc"):match(".", 4), ("abc"):match("()", 4), ("abc"):match("()", 5))
print(("x = 1, y = 2"):gsub("(%w+) = (%w+)", "%2 = %1"), ("abc"):gsub(".", {a = "1", c = false}), ("hello world"):gsub("o", "0", 1.0))
print(("%d"):rep(3, " "):format(1, 2, 3), ("CamelCaseString"):gsub("(%u)", " %1"), ("  multiple   spaces  "):gsub("%s+", " "))
print(string.format("%-5d|%-5s|%5.1f|%-8.3f|", 42, "ab", 3.14159, 2.5))
--- utf8_more
print(utf8.char(97, 0x3B1, 0x10FFFF):byte(1, -1))
print(utf8.len("\xF0\x9F\x98\x80"), utf8.codepoint("\xF0\x9F\x98\x80"), utf8.offset("a\xF0\x9F\x98\x80b", 3), utf8.offset("a\xF0\x9F\x98\x80b", -1), utf8.offset("a\xF0\x9F\x98\x80b", -2))
print(pcall(utf8.offset, "a\xF0\x9F\x98\x80b", 1, 3))
print(utf8.len("\xF0\x9F\x98"), utf8.len("abc\xE4"), utf8.len("\xED\xA0\x80"), utf8.len("\xC2\x80"), utf8.len("\xE0\x80\x80"))
for _, s in ipairs({"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) do io.write(utf8.codepoint(s), " ") end print()
print(#utf8.char(0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x1FFFFF, 0x200000, 0x3FFFFFF, 0x4000000, 0x7FFFFFFF))
print(string.format("%q", utf8.char(0x80, 0x10FFFF)))
print(("héllo"):upper(), ("ÀB"):lower(), ("日本語"):len(), utf8.len("日本語"), ("日本語"):sub(1, 3), ("x日"):reverse():len())
--- os_date_all_formats
local t = 1700000000
for c in ("aAbBcdHIjmMpSUwWxXyYZ%"):gmatch(".") do io.write(c, "=", os.date("!%" .. c, t), " ") end print()
for c in ("CDeFgGhnrRtTuV"):gmatch(".") do io.write(c, "=", os.date("!%" .. c, t), " ") end print()
for c in ("EcExEXEyEYOdOeOHOIOmOMOSOuOUOVOwOWOy"):gmatch("..") do io.write(c, "=", os.date("!%" .. c, t), " ") end print()
show(os.date("!*t", t))
show(os.time({year = 2023, month = 11, day = 14, hour = 22, min = 13, sec = 20, isdst = false}) - t)
print(pcall(os.date, "%"))
print(pcall(os.date, "%5"))
print(os.date("!%Y-%m-%dT%H:%M:%SZ", 0), os.date("!%d/%m/%y", -86400))
