-- string.find, string.match, string.gmatch, string.gsub

local function checkerr(pat, f, ...)
  local ok, msg = pcall(f, ...)
  assert(not ok, "expected an error")
  assert(string.find(msg, pat, 1, true), msg)
end

local function eq(t1, t2)
  if #t1 ~= #t2 then return false end
  for i = 1, #t1 do if t1[i] ~= t2[i] then return false end end
  return true
end

-- find
assert(string.find("hello world", "o") == 5)
assert(select(2, string.find("hello world", "wor")) == 9)
assert(string.find("hello", "l", 1) == 3 and string.find("hello", "l", 4) == 4)
assert(string.find("hello", "l", -2) == 4)
assert(string.find("hello", "xyz") == nil)
assert(string.find("hello", "", 10) == nil)
assert(string.find("hello", "", 6) == 6)
assert(string.find("", "") == 1)
assert(string.find("a.b", ".", 1, true) == 2)
assert(string.find("a+b", "+", 1, true) == 2)
assert(string.find("a(b", "(", 1, true) == 2)
do
  local s, e, c1, c2 = string.find("key = value", "(%w+)%s*=%s*(%w+)")
  assert(s == 1 and e == 11 and c1 == "key" and c2 == "value")
end
assert(select("#", string.find("abc", "b")) == 2)
assert(select("#", string.find("abc", "(b)()")) == 4)
assert(string.find("abc", "^b") == nil and string.find("abc", "^a") == 1)
assert(string.find("abc", "c$") == 3 and string.find("ab$c", "$c") == 3)
assert(string.find("a\0b", "\0") == 2 and string.find("a\0b", "%z") == 2)
assert(string.find("aXb", "%u") == 2)
-- a long subject (exercises the first-character prefilter)
do
  local s = string.rep("abcdefgh", 10000) .. "xyz"
  assert(string.find(s, "xyz") == 80001)
  assert(string.find(s, "x[y]z") == 80001)
  assert(string.find(s, "[xq]yz") == 80001)
  assert(string.find(s, "(x)yz") == 80001)
  assert(string.find(s, "%a*z", 79990) == 79990)
  assert(string.find(s, "hx") == 80000)
end

-- match
assert(string.match("hello 123 world", "%d+") == "123")
assert(string.match("  trim  ", "^%s*(.-)%s*$") == "trim")
assert(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)") == "2024")
do
  local y, m, d = string.match("2024-01-15", "(%d+)-(%d+)-(%d+)")
  assert(y == "2024" and m == "01" and d == "15")
end
assert(string.match("hello", "()ll()") == 3)
assert(select(2, string.match("hello", "()ll()")) == 5)
assert(string.match("abc", "x") == nil)
assert(string.match("f(a(b)c)d", "%b()") == "(a(b)c)")
assert(string.match("THE (quick) fox", "%f[%a]%a+") == "THE")
assert(string.match("hello world", "%f[%w]%w+", 2) == "world")
assert(string.match("abcabc", "(abc)%1") == "abc")
assert(string.match("aaa", "a-") == "" and string.match("aaa", "a-$") == "aaa")
assert(string.match("aaab", "a*") == "aaa" and string.match("b", "a+") == nil)
assert(string.match("ab", "a?b") == "ab" and string.match("b", "a?b") == "b")
assert(string.match("[]", "[]]") == "]" and string.match("a-b", "[a%-]+") == "a-")
assert(string.match("x^y", "[%^x]+") == "x^" and string.match("^", "[^^]") == nil)
assert(string.match("hello", ".", -1) == "o")
assert(string.match("hello", "^(h)(e)") == "h")

-- gmatch
do
  local words = {}
  for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
  assert(eq(words, {"one", "two", "three"}))
  local keys, vals = {}, {}
  for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do keys[#keys + 1] = k; vals[#vals + 1] = v end
  assert(eq(keys, {"a", "b"}) and eq(vals, {"1", "2"}))
  local n = 0
  for _ in string.gmatch("abc", "") do n = n + 1 end
  assert(n == 4)
  local t = {}
  for w in string.gmatch("hello world", "%a+", 3) do t[#t + 1] = w end
  assert(eq(t, {"llo", "world"}))
  t = {}
  for w in string.gmatch("hello", ".", -2) do t[#t + 1] = w end
  assert(eq(t, {"l", "o"}))
  n = 0
  for _ in string.gmatch("abc", ".", 10) do n = n + 1 end
  assert(n == 0)
  -- '^' is not an anchor in gmatch
  t = {}
  for w in string.gmatch("a^b^", "%^") do t[#t + 1] = w end
  assert(#t == 2)
  -- empty match right after a match is skipped (5.4)
  t = {}
  for p in string.gmatch("abc", "%a*()") do t[#t + 1] = p end
  assert(eq(t, {4}))
  t = {}
  for a, p in string.gmatch("ab", "()") do t[#t + 1] = a end
  assert(eq(t, {1, 2, 3}))
end

-- gsub
assert(string.gsub("hello world", "o", "0") == "hell0 w0rld")
assert(select(2, string.gsub("hello world", "o", "0")) == 2)
assert(string.gsub("hello", "", "-") == "-h-e-l-l-o-")
assert(string.gsub("hello world", "(%w+)", "<%1>") == "<hello> <world>")
assert(string.gsub("hello world", "%w+", "%0 %0", 1) == "hello hello world")
assert(string.gsub("abc", "%w", "%%") == "%%%")
assert(string.gsub("abc", "b", "%0%0") == "abbc")
assert(string.gsub("abc", "()b", "%1") == "a2c")
assert(string.gsub("hello", "l+", function(s) return #s end) == "he2o")
assert(string.gsub("hello", "l", function() return nil end) == "hello")
assert(string.gsub("hello", "l", function() return false end) == "hello")
assert(string.gsub("$x + $y", "%$(%w+)", {x = 10, y = "why"}) == "10 + why")
assert(string.gsub("$x + $z", "%$(%w+)", {x = 1.5}) == "1.5 + $z")
assert(string.gsub("abc", "%w", setmetatable({}, {__index = function(_, k) return k:upper() end})) == "ABC")
assert(string.gsub("hello world", "^h", "H") == "Hello world")
assert(string.gsub("hello", "^", ">") == ">hello")
assert(string.gsub("hello", "$", "<") == "hello<")
assert(string.gsub("abc", ".", "x", 0) == "abc")
assert(string.gsub("abc", ".", "x", 2) == "xxc")
assert(string.gsub("abc", ".", "x", -1) == "abc")
assert(string.gsub("abc", "b", 5) == "a5c")
assert(string.gsub("a,b,,c", ",", ";") == "a;b;;c")
assert(string.gsub("abc", "%w*", "-") == "-")
assert(string.gsub("abc def", "%w*", "-") == "- -")
assert(string.gsub(123, 2, 9) == "193")
do -- with no replacement made, the subject itself comes back
  local s = string.rep("a", 100)
  assert(string.format("%p", string.gsub(s, "b", "c")) == string.format("%p", s))
  assert(string.format("%p", string.gsub(s, "a", {})) == string.format("%p", s))
end
do -- the callback gets all captures
  local r = string.gsub("k1=v1;k2=v2", "(%w+)=(%w+)", function(k, v) return v .. "=" .. k end)
  assert(r == "v1=k1;v2=k2")
end
do -- collecting garbage inside callbacks is safe
  local s = string.rep("word ", 200) .. tostring(os.time())
  local r = string.gsub(s, "%w+", function(w)
    collectgarbage()
    return w:upper()
  end)
  assert(r:sub(1, 9) == "WORD WORD")
  local n = 0
  for w in (string.rep("xy ", 30) .. tostring(os.time())):gmatch("%a+") do
    collectgarbage()
    n = n + #w
  end
  assert(n == 60)
end

-- errors
checkerr("malformed pattern (ends with '%')", string.find, "abc", "%")
checkerr("malformed pattern (missing ']')", string.find, "abc", "[a")
checkerr("malformed pattern (missing arguments to '%b')", string.find, "abc", "%b")
checkerr("missing '[' after '%f' in pattern", string.find, "abc", "%fa")
checkerr("invalid capture index %1", string.find, "abc", "%1")
checkerr("invalid capture index %2", string.gsub, "abc", "(a)", "%2")
checkerr("invalid pattern capture", string.match, "abc", "a)")
checkerr("unfinished capture", string.match, "abc", "(a")
checkerr("invalid use of '%' in replacement string", string.gsub, "abc", "a", "%x")
checkerr("invalid replacement value (a table)", string.gsub, "abc", "a", {a = {}})
checkerr("invalid replacement value (a boolean)", string.gsub, "abc", "a", function() return true end)
checkerr("bad argument #3 to 'string.gsub' (string/function/table expected, got boolean)",
  string.gsub, "abc", "a", true)
checkerr("bad argument #3 to 'string.gsub' (string/function/table expected, got no value)",
  string.gsub, "abc", "a")
checkerr("pattern too complex", string.match, string.rep("a", 300), string.rep("a?", 300) .. string.rep("a", 300))
checkerr("too many captures", string.match, "a", string.rep("()", 33))
do -- errors inside a callback propagate
  local ok, msg = pcall(string.gsub, "abc", "b", function() error("boom") end)
  assert(not ok and msg:find("boom"))
end
do -- position of a pattern error raised from Lua code
  local ok, msg = pcall(function() return ("x"):find("[") end)
  assert(not ok and msg:find("^[^:]*patterns%.lua:%d+: malformed pattern"), msg)
end

print "OK"
