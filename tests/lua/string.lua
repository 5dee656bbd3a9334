-- string library: basic functions, format, pack, the string metatable

local function err(f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error")
  return msg
end

local function checkerr(pat, f, ...)
  local msg = err(f, ...)
  assert(string.find(msg, pat, 1, true), msg)
end

-- len, sub
assert(string.len("") == 0 and string.len("a\0b") == 3 and #"abc" == 3)
assert(("hello"):len() == 5)
assert(string.sub("hello", 2, 4) == "ell")
assert(string.sub("hello", -3) == "llo")
assert(string.sub("hello", 0) == "hello")
assert(string.sub("hello", 10) == "")
assert(string.sub("hello", 3, 2) == "")
assert(string.sub("hello", -100, 2) == "he")
assert(string.sub("hello", 2, 100) == "ello")
assert(string.sub("hello", math.mininteger, math.maxinteger) == "hello")
assert(string.sub("hello", 2.0, 3) == "el")
assert(string.sub("hello", "2", "3") == "el")
assert(string.sub(12345, 2, 3) == "23")
checkerr("bad argument #2 to 'string.sub' (number has no integer representation)", string.sub, "x", 1.5)
checkerr("bad argument #1 to 'string.sub' (string expected, got nil)", string.sub, nil, 1)

-- byte, char
assert(string.byte("A") == 65)
assert(select("#", string.byte("abc", 1, -1)) == 3)
local a, b, c = string.byte("abc", 1, 3)
assert(a == 97 and b == 98 and c == 99)
assert(string.byte("") == nil)
assert(string.byte("hi", -3) == nil)
assert(string.byte("hi", 3) == nil)
assert(string.byte("hi", -1) == 105)
assert(select("#", string.byte("hello", 4, 2)) == 0)
assert(string.char() == "")
assert(string.char(72, 105, 0, 255) == "Hi\0\255")
checkerr("bad argument #1 to 'string.char' (value out of range)", string.char, 256)
checkerr("bad argument #2 to 'string.char' (value out of range)", string.char, 1, -1)
checkerr("number has no integer representation", string.char, 1.5)

-- upper, lower, reverse, rep
assert(string.upper("abC\0z") == "ABC\0Z")
assert(string.lower("ABc\0Z\200") == "abc\0z\200")
assert(string.reverse("") == "" and string.reverse("abc") == "cba")
assert(string.rep("ab", 3) == "ababab")
assert(string.rep("ab", 3, ",") == "ab,ab,ab")
assert(string.rep("x", 0) == "" and string.rep("x", -5) == "")
assert(string.rep("x", 1, "sep") == "x")
assert(string.rep("", 5, ".") == "....")
assert(string.rep("", math.maxinteger) == "")
checkerr("resulting string too large", string.rep, "aa", 1 << 30)
checkerr("resulting string too large", string.rep, "x", math.maxinteger)
checkerr("resulting string too large", string.rep, "", math.maxinteger // 2, "ab")
checkerr("bad argument #2 to 'string.rep' (number expected, got no value)", string.rep, "x")

-- dump
checkerr("unable to dump given function", string.dump, print)
checkerr("bad argument #1 to 'string.dump' (function expected, got no value)", string.dump)

-- methods and the string metatable
local s = "hello"
assert(s:upper() == "HELLO" and s:sub(2, 2) == "e" and ("x"):rep(3) == "xxx")
assert(getmetatable("").__index == string)
assert("10" + 1 == 11 and math.type("10" + 1) == "integer")
assert("3" * "4" == 12 and "10" / 4 == 2.5 and "7" // 2 == 3 and "7" % 3 == 1)
assert("2" ^ 3 == 8.0 and -"2" == -2 and "0x10" + 0 == 16 and " 1e1 " - 1 == 9.0)
assert("1.5" + 1 == 2.5)
local ok, msg = pcall(function() return "abc" + 1 end)
assert(not ok and string.find(msg, "attempt to add a 'string' with a 'number'", 1, true), msg)
ok, msg = pcall(function() return 1 - "x" end)
assert(not ok and string.find(msg, "attempt to sub a 'number' with a 'string'", 1, true), msg)
ok, msg = pcall(function() return -"x" end)
assert(not ok and string.find(msg, "attempt to unm a 'string' with a 'string'", 1, true), msg)
ok, msg = pcall(function() return "1" // "0" end)
assert(not ok and string.find(msg, "divide by zero"), msg)
-- a table operand's metamethod is used
local mt = {__add = function(a, b) return "added" end}
local t = setmetatable({}, mt)
assert("1" + t == "added" and t + "1" == "added")

-- format
assert(string.format("%d", 3.0) == "3")
assert(string.format("%5d|%-5d|%05d|%+d", 42, 42, 42, 42) == "   42|42   |00042|+42")
assert(string.format("%x %X %o %#x", 255, 255, 8, 255) == "ff FF 10 0xff")
assert(string.format("%c%c", 72, 105) == "Hi")
assert(string.format("%5.2f|%.3e|%g|%g", 3.14159, 1234.5, 1e20, 0.1) == " 3.14|1.234e+03|1e+20|0.1")
assert(string.format("%.14g", 1 / 3) == "0.33333333333333")
assert(string.format("%g %g %g", 100000, 1000000, 1e-5) == "100000 1e+06 1e-05")
assert(string.format("%.3g|%10.4g|%-10g|", 2 / 3, 12345.678, 1.5) == "0.667| 1.235e+04|1.5       |")
assert(string.format("%a", 1.0) == "0x1p+0")
assert(string.format("%s %s %s", 1, 2.5, true) == "1 2.5 true")
assert(string.format("%10s|%-10s|%.2s", "abc", "abc", "abc") == "       abc|abc       |ab")
assert(string.format("%s", setmetatable({}, {__tostring = function() return "OBJ" end})) == "OBJ")
assert(string.format("%s", setmetatable({}, {__name = "MyType"})):find("^MyType: "))
assert(string.format("%%") == "%")
assert(string.format("no conversions") == "no conversions")
assert(string.format("%q", "a\nb\0c\"\\") == '"a\\\nb\\0c\\"\\\\"')
assert(string.format("%q", "\0001") == '"\\0001"')
assert(string.format("%q", 1 / 0) == "1e9999" and string.format("%q", -1 / 0) == "-1e9999")
assert(string.format("%q", 0 / 0) == "(0/0)")
assert(string.format("%q", math.mininteger) == "0x8000000000000000")
assert(string.format("%q", 255) == "255" and string.format("%q", 0.5) == "0x1p-1")
assert(string.format("%q", nil) == "nil" and string.format("%q", false) == "false")
assert(load("return " .. string.format("%q", "\r\n\t\0\1\2\255"))() == "\r\n\t\0\1\2\255")
assert(string.format("%p", 1) == "(null)")
assert(string.format("%p", {}) ~= string.format("%p", {}))
do
  local t = {}
  assert(string.format("%p", t) == string.format("%p", t))
end
assert(string.format("%i", 10) == "10")
assert(string.format("%.0f", 0.5) == "0" and string.format("%.0f", 1.5) == "2")
assert(string.format("%5.1s|", "xyz") == "    x|")
assert(string.format("%-5c|", 65) == "A    |")
checkerr("bad argument #2 to 'string.format' (number has no integer representation)", string.format, "%d", 3.5)
checkerr("bad argument #2 to 'string.format' (number expected, got string)", string.format, "%d", "x")
checkerr("bad argument #2 to 'string.format' (no value)", string.format, "%d")
checkerr("bad argument #3 to 'string.format' (no value)", string.format, "%d %s", 1)
checkerr("invalid conversion '%y' to 'format'", string.format, "%y", 1)
checkerr("specifier '%q' cannot have modifiers", string.format, "%10.3q", 1)
checkerr("invalid conversion specification: '%#d'", string.format, "%#d", 1)
checkerr("invalid conversion specification: '%123d'", string.format, "%123d", 1)
checkerr("invalid format (too long)", string.format, "%0000000000000000000000000000000000d", 1)
checkerr("value has no literal form", string.format, "%q", {})
checkerr("string contains zeros", string.format, "%10s", "a\0b")
checkerr("'__tostring' must return a string", string.format, "%s",
  setmetatable({}, {__tostring = function() return {} end}))
-- errors raised by __tostring propagate unchanged
do
  local e = {}
  local ok, v = pcall(string.format, "%s", setmetatable({}, {__tostring = function() error(e) end}))
  assert(not ok and v == e)
end
-- method call: argument numbers shift
ok, msg = pcall(function() return ("%d"):format("x") end)
assert(not ok and string.find(msg, "bad argument #1 to 'format'", 1, true), msg)
-- long results
assert(#string.format("%s", string.rep("x", 10000)) == 10000)
assert(#string.format("%099.90f", 1e300) > 300)

-- pack / unpack / packsize
assert(string.packsize("i4i8") == 12 and string.packsize("!8i1i8") == 16)
assert(string.pack("<i4", 1) == "\1\0\0\0" and string.pack(">i2", 258) == "\1\2")
assert(string.unpack("<i4", "\1\0\0\0") == 1)
do
  local p = string.pack("z s1 d n j", "hi", "abc", 1.5, 2.25, -7)
  local z, s1, d, n, j, nxt = string.unpack("z s1 d n j", p)
  assert(z == "hi" and s1 == "abc" and d == 1.5 and n == 2.25 and j == -7 and nxt == #p + 1)
end
assert(select("#", string.unpack("i1i1i1", "\1\2\3")) == 4)
assert(string.unpack("B", "\200\201", 2) == 201)
assert(string.unpack("B", "\200\201", -1) == 201)
checkerr("bad argument #2 to 'string.pack' (number expected, got nil)", string.pack, "i4")
checkerr("bad argument #2 to 'string.pack' (number expected, got string)", string.pack, "i4", "x")
checkerr("integer overflow", string.pack, "i1", 200)
checkerr("data string too short", string.unpack, "i4", "\1\2")
checkerr("out of limits", string.pack, "i17", 1)
checkerr("invalid format option 'y'", string.packsize, "y")
checkerr("variable-length format", string.packsize, "s")
checkerr("initial position out of string", string.unpack, "i4", "\1\2\3\4", 10)

-- coercions of numbers to strings in string functions
assert(string.len(123) == 3 and string.upper(1.5) == "1.5" and string.rep(1, 3) == "111")

-- string.sub: integer bounds read in place, other argument forms converted.
do
  local s = "hello world"
  assert(s:sub(2) == "ello world" and s:sub(-5) == "world" and s:sub(3, 4) == "ll")
  assert(s:sub(0) == s and s:sub(5, 2) == "" and s:sub(2.0, 3) == "el" and s:sub("2", "3") == "el")
  assert(s:sub(-100, 100) == s and s:sub(4, nil) == "lo world")
  assert(select(2, pcall(string.sub, s)):find("bad argument #2 to 'string.sub'", 1, true))
  assert(select(2, pcall(string.sub, s, 1, {})):find("bad argument #3 to 'string.sub'", 1, true))
end

print "OK"
