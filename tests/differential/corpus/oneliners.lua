--- l000
error("plain")
--- l001
error("no pos", 0)
--- l002
error({})
--- l003
error(nil)
--- l004
error(true)
--- l005
error(12)
--- l006
local t = nil; t.x = 1
--- l007
local t = {}; t.x.y = 1
--- l008
undefined_function()
--- l009
local s = "x" + 1
--- l010
local a = {} < {}
--- l011
return 1 + {}
--- l012
x = = 1
--- l013
print("unterminated
--- l014
for i = 1 do end
--- l015
local x <const> = 1; x = 2
--- l016
goto nowhere
--- l017
break
--- l018
return return
--- l019
print(1)) 
--- l020
local function f() return f() + 1 end f()
--- l021
local function f() f() end f()
--- l022
string.rep("x", -1):len()
--- l023
setmetatable({}, {__index = function() error("from index") end}).x = nil; print(setmetatable({}, {__index = function() error("from index") end}).x)
--- l024
coroutine.wrap(function() error("co err") end)()
--- l025
assert(false)
--- l026
assert(nil, "assertion message")
--- l027
assert(false, {})
--- l028
os.exit(0)
--- l029
os.exit(1)
--- l030
os.exit(255)
--- l031
os.exit(256)
--- l032
os.exit(-1)
--- l033
os.exit(true, true)
--- l034
io.write("no newline")
--- l035
io.stderr:write("to stderr\n") os.exit(2)
--- l036
print(("x"):rep(3, ", "))
--- l037
return 1, 2, 3
--- l038
local a <close> = setmetatable({}, {__close = function() print("closed at exit") end}) error("err with tbc")
--- l039
local a <close> = setmetatable({}, {__close = function() print("closed normally") end})
--- l040
setmetatable({}, {__gc = function() print("gc at close") end}) os.exit(0, true)
--- l041
setmetatable({}, {__gc = function() print("gc at exit false") end}) os.exit(0, false)
--- l042
print(#arg, arg[0], arg[-1] ~= nil)
--- l043
print(...)
--- l044
error(setmetatable({}, {__tostring = function() return "tostring'd error" end}))
--- l045
error(setmetatable({}, {__tostring = function() return 42 end}))
--- l046
local t = setmetatable({}, {__index = function(t, k) return t[k] end}) print(t.x)
--- l047
string.format("%d", "x")
--- l048
math.floor({})
--- l049
("x"):bad()
--- l050
print(math.pow, math.ldexp, math.frexp, math.cosh, math.sinh, math.tanh, math.log10)
--- l051
print(pcall(function() return math.pow(2, 10), math.ldexp(1, 4), math.frexp(8), math.log10(1000), math.cosh(0) end))
--- l052
print(pcall(string.format, "%5.1f|%-8.3e|%+g", 3.14159, 2.5, 1e-10))
--- l053
print(string.format("%.14g", 0.1), string.format("%.17g", 0.1), string.format("%.3g", 1234567))
--- l054
print(string.format("[%10.4s]", "abcdefgh"), string.format("%-+6d|", 5), string.format("%x", 3.0))
--- l055
print(tostring(1e14), tostring(1e15), tostring(-1e15), tostring(123456.789e3))
--- l056
print(2^53 + 1, (2^53 + 1) // 1, math.tointeger(2^53), 2^-1074, 2^-1075)
--- l057
print(8 % 3.5, -8 % 3.5, 2^0.5 * 2^0.5 == 2, 1e15 + 0.5)
--- l058
print(string.byte(tostring(0/0)), tostring(-(0/0)))
--- l059
print(("%5s|%-5s|"):format(true, nil))
--- l060
print(table.concat({}, ",", 1, 0), table.concat({"a"}, ",", 1, 1))
--- l061
print(next({}, nil), type(next), rawequal(next, pairs({})))
--- l062
print(select('#', table.unpack({n = 3}, 1, 3)))
--- l063
print(string.find("abc", "b", -10), string.find("abc", "c", 10))
--- l064
print(("abc"):sub(-2, -1), ("abc"):sub(4), ("abc"):sub(0, 0), ("abc"):sub(-1, -3))
--- l065
print(math.abs(-0.0), 0.0 == -0.0, 1/(-0.0), 1/math.abs(-0.0))
--- l066
print(string.format("%q", "\r\n\0001"), string.format("%q", "\xff\x80"))
--- l067
print(tostring(print):match("^builtin") or tostring(print):match("^function"))
--- l068
print(tonumber("  -0x8000000000000000  "), tonumber("-9223372036854775809"), math.type(tonumber("-9223372036854775808")))
--- l069
print(#{n = nil}, #{nil}, #{1, nil}, #{nil, 2} >= 0)
--- l070
print(string.rep("ab", 3, ""), ("a"):rep(0, "x"), ("a"):rep(1, "x"))
--- l071
print(utf8.char(0x10FFFF, 0x110000):len(), utf8.len("\u{10FFFF}\u{110000}"), utf8.len("\u{110000}", 1, -1, true))
--- l072
print(utf8.codepoint("\u{110000}", 1, 1, true))
--- l073
print(pcall(utf8.codepoint, "\u{110000}"))
--- l074
print(math.tointeger("0x10"), math.tointeger("  5  "), math.tointeger(" 5.0 "))
--- l075
print(table.unpack({1, 2, 3}, -1, 1))
--- l076
print(pcall(setmetatable, {}, nil), getmetatable(setmetatable({}, nil)))
--- l077
print(load("return 1", "=(load)", "t", {})(), load(""), load("")())
--- l078
print(type(os.getenv("HOME")), os.getenv("HOME") ~= nil)
--- l079
print(string.format("%-20s|", "left"), string.format("%20s|", "right"))
--- l080
print(("test"):find("t", 2), ("test"):match("(t)(e)"), ("test"):gsub("t", "T"))
--- l081
print(string.len(string.rep("a", 1000, "bb")))
--- l082
print(collectgarbage("setpause", 100), collectgarbage("setstepmul", 200))
--- l083
print(pcall(collectgarbage, "setpause", "x"))
--- l084
print(tostring(nil), tostring(false), tostring(-0), tostring(0x10), tostring(1e-300))
--- l085
print(10 == 10.0, math.type(10 // 1.0), 2^31 | 0, 1 << 31, -1 // 2 , -1 % 2, 3 // -2.0)
--- l086
print(string.format("%5.2f %5.2f %5.2f", 0.125, 0.375, -0.125))
--- l087
print(string.format("%.0f %.1f %.2f", 2.5, 0.05, 1.005))
--- l088
print(string.format("%e", 0.0), string.format("%.0e", 12345), string.format("%G", 1e-20))
--- l089
print(string.format("%a", 0.0), string.format("%a", -0.0), string.format("%a", 1/0), string.format("%a", 2^-1074))
--- l090
print(math.fmod(-6, 4), math.fmod(6, -4), math.fmod(-6.0, 4), math.fmod(math.mininteger, math.maxinteger))
--- l091
print(math.max(math.mininteger, -1/0), math.min(math.maxinteger, 1/0), math.max(1, 2, 3.0))
--- l092
print(math.ceil(2^53 + 0.5), math.floor(-2^63), math.ceil(2^63), math.type(math.ceil(2^63)))
--- l093
print(#select(2, pcall(string.rep, "x", 1 << 40)) > 0)
--- l094
print(("%s"):rep(3, "|"):format(1, 2, 3))
--- l095
print(tostring(setmetatable({}, {__tostring = function() return "a\0b" end})):len())
--- l096
print(rawlen({1, 2, nil, 4}) >= 2, rawlen(setmetatable({}, {__len = function() return 7 end})))
--- l097
print(pcall(next, {}, 1))
--- l098
local t = {1, 2, 3} for k in pairs(t) do t[k] = nil end print(next(t))
--- l099
local t = {} t[1] = 1 t[2] = 2 t[4] = 4 print(#t == 2 or #t == 4)
--- l100
print(string.format("%s %s", 1, 2, 3))
--- l101
print(select(-1, 1, 2, 3), select(-3, 1, 2, 3))
--- l102
print(pcall(select, -4, 1, 2, 3))
--- l103
print(pcall(string.char, 65, 66.0, "67"))
--- l104
print(pcall(string.char, 65.5))
--- l105
print(("x"):byte(0), ("x"):byte(2), ("abc"):byte(-1, -2))
--- l106
print(os.time{year=1970, month=1, day=1, hour=0, sec=0, min=0, isdst=false} ~= nil)
--- l107
print(os.date("!%Y", 2^31), os.date("!%Y", -1))
--- l108
print(pcall(os.date, "!%Y", 1e100))
--- l109
print(load(function() return nil end), (load("return 1", nil, "x")))
--- l110
print(pcall(load, "return 1", "n", "x"))
--- l111
print(string.format("%10.3q", "x"))
--- idiv_zero_line
local f = 0


local x = f // f
--- mod_zero_line
local f = 0
print("x")
local x = 2 % f
--- fmod_two_bad_args
print(pcall(math.fmod, true, false))
--- tointeger_string
print(math.tointeger("34"), math.tointeger("3.0"), math.tointeger(" 0x10 "))
--- remove_bad_pos
print(pcall(table.remove, {1, 2, 3}, 7))
--- toint_error_names
local x = 1.5 local t = {f = 2.5} print(pcall(function() return x | 0 end)) print(pcall(function() return t.f << 1 end)) print(pcall(function() local y = 3.5 return y & 1 end)) print(pcall(function() return 2^53 * 4 | 0 end))
--- concat_bad_value
print(pcall(table.concat, {1, 2, {}}))
print(pcall(table.concat, {"a", nil, "c"}, ",", 1, 3))
--- assert_message_position
local ok, e = pcall(function() assert(false, "boom") end) print(e)
local ok, e = pcall(function() assert(1 == 2, "math is broken") end) print(e)
assert(false, "uncaught assert")
--- yield_outside
print(pcall(coroutine.yield, 1))
