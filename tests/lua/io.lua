-- The io library: files, formats, buffering, pipes, errors (as PUC-Rio Lua 5.4).

local file = os.tmpname()
local other = os.tmpname()

local function writefile (name, s)
  local f = assert(io.open(name, "wb"))
  assert(f:write(s) == f)
  assert(f:close())
end

local function readfile (name)
  local f = assert(io.open(name, "rb"))
  local s = f:read("a")
  assert(f:close())
  return s
end

local function unpack (t, i, n)
  i = i or 1; n = n or #t
  if i <= n then return t[i], unpack(t, i + 1, n) end
end

local function rep (s, n)
  local r = ""
  for i = 1, n do r = r .. s end
  return r
end

local maxint = 0x7fffffffffffffff

-- natives called straight from pcall raise messages without a position
local function checkerr (msg, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(err == msg, err)
end

-- handles and types
assert(io.type(io.stdin) == "file" and io.type(io.stdout) == "file")
assert(io.type(8) == nil and io.type({}) == nil and io.type(nil) == nil)
assert(getmetatable(io.stdout).__name == "FILE*")
assert(io.input() == io.stdin and io.output() == io.stdout)
assert(io.input(io.stdin) == io.stdin)
do
  local a, b = io.close(io.stdin)
  assert(a == nil and b == "cannot close standard file")
  a, b = io.stdout:close()
  assert(a == nil and b == "cannot close standard file")
  assert(io.type(io.stdout) == "file")
end
checkerr("bad argument #1 to 'io.type' (value expected)", io.type)

-- open errors and modes
do
  local a, b, c = io.open("/non/existent/file")
  assert(a == nil and b == "/non/existent/file: No such file or directory" and c == 2)
  a, b, c = io.open("/non/existent/file", "w")
  assert(a == nil and c == 2)
  for _, m in ipairs{"rw", "rb+", "r+bk", "", "+", "b", "x"} do
    checkerr("bad argument #2 to 'io.open' (invalid mode)", io.open, file, m)
  end
  for _, m in ipairs{"r", "rb", "r+", "r+b", "w", "wb", "w+", "a", "a+b", "rbb"} do
    assert(io.open(file, m)):close()
  end
end

-- writing: strings and numbers (integers "%d", floats "%.14g")
do
  local f = assert(io.open(file, "w"))
  assert(tostring(f) ~= "file (closed)")
  assert(f:write("hello\n", 12, " ", 1.5, " ", 1.0, " ", -0.0, " ", 2^63, "\n") == f)
  assert(f:write() == f)
  assert(f:close() == true)
  assert(io.type(f) == "closed file" and tostring(f) == "file (closed)")
  checkerr("attempt to use a closed file", f.write, f, "x")
  checkerr("attempt to use a closed file", io.close, f)
  assert(readfile(file) == "hello\n12 1.5 1 -0 9.2233720368548e+18\n")
  f = assert(io.open(file, "w"))
  checkerr("bad argument #2 to '?' (string expected, got table)", f.write, f, {})
  f:close()
  checkerr("bad argument #1 to 'io.write' (string expected, got table)", io.write, {})
end

-- reading formats
writefile(file, "a line\nanother line\n1234\n3.45\none\ntwo\nthree\n")
do
  local f = assert(io.open(file))
  local l1, l2, n1, n2, dummy = f:read("l", "L", "n", "n")
  assert(l1 == "a line" and l2 == "another line\n" and n1 == 1234 and n2 == 3.45
         and dummy == nil)
  assert(f:close())
  f = assert(io.open(file))
  local c, l3, l4
  l1, l2, n1, n2, c, l3, l4, dummy = f:read(7, "l", "n", "n", 1, "l", "l")
  assert(l1 == "a line\n" and l2 == "another line" and c == "\n" and n1 == 1234
         and n2 == 3.45 and l3 == "one" and l4 == "two" and dummy == nil)
  assert(f:read("*l") == "three")
  assert(f:read(0) == nil and f:read("a") == "" and f:read("a") == "")
  assert(f:read() == nil and f:read("n") == nil and f:read(1) == nil)
  assert(select("#", f:read()) == 1)
  checkerr("bad argument #2 to '?' (invalid format)", f.read, f, "x")
  checkerr("bad argument #3 to '?' (invalid format)", f.read, f, "a", "*")
  checkerr("bad argument #2 to '?' (number has no integer representation)",
           f.read, f, 1.5)
  checkerr("bad argument #2 to '?' (string expected, got table)", f.read, f, {})
  checkerr("bad argument #1 to 'io.read' (invalid format)", io.read, "x")
  assert(f:close())
  f = assert(io.open(file))
  -- second item failing stops reading
  l1, n1, n2, dummy = f:read("l", "n", "n", "l")
  assert(l1 == "a line" and n1 == nil and n2 == nil and dummy == nil)
  assert(f:read("L") == "another line\n")
  f:close()
end

-- reading numbers like PUC's read_number
do
  local z = "1234" .. rep("0", 300)
  writefile(file, "-12.3-\t-0xffff+  .3|5.E-3X  +234e+13E 0xDEADBEEFDEADBEEFx\n" ..
                  "0x1.13Ap+3e\n" .. z .. "\n.e+\t0.e;\t--;  0xX;\n" ..
                  maxint .. " -0x7fffffffffffffff nan 0x 1e")
  local f = assert(io.open(file))
  assert(f:read("n") == -12.3 and f:read(1) == "-")
  assert(f:read("n") == -0xffff and f:read(2) == "+ ")
  assert(f:read("n") == 0.3 and f:read(1) == "|")
  assert(f:read("n") == 5e-3 and f:read(1) == "X")
  assert(f:read("n") == 234e13 and f:read(1) == "E")
  assert(f:read("*n") == 0Xdeadbeefdeadbeef and f:read(2) == "x\n")
  assert(f:read("n") == 0x1.13aP3 and f:read(1) == "e")
  assert(f:read("n") == nil)              -- too long: 200 characters at most
  local rest = f:read("L")
  assert(rest == rep("0", 4 + 300 - 200) .. "\n")
  assert(not f:read("n") and f:read(2) == "e+")
  assert(not f:read("n") and f:read(1) == ";")
  assert(not f:read("n") and f:read(2) == "-;")
  assert(not f:read("n") and f:read(1) == "X")
  assert(not f:read("n") and f:read(1) == ";")
  local n = f:read("n")
  assert(n == maxint)
  assert(f:read("n") == -maxint)
  assert(f:read("n") == nil and f:read(3) == "nan")
  assert(f:read("n") == nil and f:read(1) == " ")
  assert(f:read("n") == nil and f:read(1) == nil)   -- "1e" is not a numeral
  assert(f:close())
end

-- lines
writefile(file, "\n\nline\nother")
do
  local s = ""
  for l in io.lines(file, "L") do s = s .. l end
  assert(s == "\n\nline\nother")
  s = ""
  for l in io.lines(file) do s = s .. "[" .. l .. "]" end
  assert(s == "[][][line][other]")
  local f = assert(io.open(file))
  s = ""
  for l in f:lines("L") do s = s .. l end
  assert(s == "\n\nline\nother" and io.type(f) == "file")
  f:close()
  local it = io.lines(file)
  local n = 0
  while it() do n = n + 1 end
  assert(n == 4)
  checkerr("file is already closed", it)
  checkerr("file is already closed", it)
  local a, b, c, d = io.lines(file)
  assert(type(a) == "function" and b == nil and c == nil and io.type(d) == "file")
  d:close()
  checkerr("cannot open file '/non/existent/file' (No such file or directory)",
           io.lines, "/non/existent/file")
  -- with the default input
  io.input(file)
  s = ""
  for l in io.lines(nil, "L") do s = s .. l end
  assert(s == "\n\nline\nother")
  io.input():close()
  checkerr("attempt to use a closed file", io.lines)
  io.input(io.stdin)
end

writefile(file, "0123456789\n")
for a, b in io.lines(file, 1, 1) do
  if a == "\n" then assert(b == nil) else assert(tonumber(a) == tonumber(b) - 1) end
end
for a, b, c in io.lines(file, 1, 2, "a") do
  assert(a == "0" and b == "12" and c == "3456789\n")
end
writefile(file, "00\n10\n20\n30\n40\n")
for a, b in io.lines(file, "n", "n") do
  if a == 40 then assert(b == nil) else assert(a == b - 10) end
end
do
  local t = {}
  for i = 1, 250 do t[i] = 1 end
  assert(select("#", io.lines(file, unpack(t))) == 4)
  local r = {io.lines(file, unpack(t))()}
  assert(#r == 15 and r[1] == "0" and r[3] == "\n" and r[4] == "1" and r[15] == "\n")
  t[251] = 1
  checkerr("bad argument #252 to 'io.lines' (too many arguments)", io.lines, file,
           unpack(t))
end

-- the to-be-closed file of a generic for is closed on break and on error
do
  local saved
  local function grab (...) saved = select(4, ...); return ... end
  for l in grab(io.lines(file)) do break end
  assert(io.type(saved) == "closed file")
  local ok, e = pcall(function ()
    for l in grab(io.lines(file)) do error("stop") end
  end)
  assert(not ok and io.type(saved) == "closed file")
  do
    local f <close> = assert(io.open(file))
    saved = f
  end
  assert(tostring(saved) == "file (closed)")
end

-- read and write errors are returned, not raised
do
  local f = assert(io.open(file, "w"))
  local r, m, c = f:read()
  assert(r == nil and m == "Bad file descriptor" and c == 9)
  r, m, c = f:read("a")
  assert(r == nil and m == "Bad file descriptor" and c == 9)
  checkerr("Bad file descriptor", f:lines())
  assert(f:close())
  f = assert(io.open(file, "r"))
  r, m, c = f:write("whatever")
  assert(r == nil and m == "Bad file descriptor" and c == 9)
  r, m, c = f:seek("set", -1)
  assert(r == nil and m == "Invalid argument" and c == 22)
  checkerr("bad argument #2 to '?' (invalid option 'bad')", f.seek, f, "bad")
  checkerr("bad argument #2 to '?' (invalid option 'big')", f.setvbuf, f, "big")
  checkerr("bad argument #1 to '?' (FILE* expected, got no value)", f.close)
  assert(f:close())
  r, m, c = io.stdin:write("x")
  assert(r == nil and m == "Bad file descriptor" and c == 9)
end

-- seek, and mixing reads and writes
do
  local f = assert(io.open(file, "w"))
  assert(f:seek() == 0)
  assert(f:write("alo alo"):seek() == 7)
  assert(f:seek("cur", -3) == 4)
  assert(f:write("joao"))
  assert(f:seek("end") == 8)
  assert(f:seek("set") == 0)
  f:close()
  assert(readfile(file) == "alo joao")
  f = assert(io.open(file, "r+"))
  assert(f:read(3) == "alo")
  assert(f:seek() == 3)
  f:write("X")
  assert(f:seek("set", 0) == 0 and f:read("a") == "aloXjoao")
  f:close()
  f = assert(io.open(file, "a+"))
  f:write("!")
  assert(f:seek("set") == 0 and f:read("a") == "aloXjoao!")
  f:close()
  f = assert(io.open(file, "w+"))
  f:write("abc")
  assert(f:seek("cur") == 3 and f:seek("set") == 0 and f:read("a") == "abc")
  f:close()
end

-- buffering modes
do
  local f = assert(io.open(file, "w"))
  local fr = assert(io.open(file, "r"))
  assert(f:setvbuf("full", 2000))
  f:write("x")
  assert(fr:read("a") == "")          -- still in the buffer
  assert(f:flush() == true)
  fr:seek("set")
  assert(fr:read("a") == "x")
  f:close()
  f = assert(io.open(file, "w"))
  assert(f:setvbuf("no"))
  f:write("y")
  fr:seek("set")
  assert(fr:read("a") == "y")         -- no buffer
  f:close()
  f = assert(io.open(file, "a"))
  assert(f:setvbuf("line"))
  f:write("x")
  fr:seek("set", 1)
  assert(fr:read("a") == "")          -- no newline yet
  f:write("a\n"):seek("set", 1)
  assert(fr:read("a") == "xa\n")
  f:close(); fr:close()
end

-- default files
do
  io.output(file)
  assert(io.output() ~= io.stdout)
  assert(io.write("alo", 1, " ", 2.5) == io.output())
  assert(io.close() == true)
  checkerr("default output file is closed", io.write, "x")
  checkerr("default output file is closed", io.flush)
  io.output(io.stdout)
  io.input(file)
  assert(io.read("a") == "alo1 2.5")
  assert(io.close(io.input()))
  checkerr("default input file is closed", io.read)
  io.input(io.stdin)
  checkerr("cannot open file '/non/existent/file' (No such file or directory)",
           io.input, "/non/existent/file")
  checkerr("bad argument #1 to 'io.input' (FILE* expected, got table)", io.input, {})
  assert(io.input() == io.stdin)
end

-- large files
do
  local f = assert(io.open(file, "w"))
  for i = 1, 5001 do f:write("0123456789123") end
  f:write("\n12346"):close()
  f = assert(io.open(file))
  local x = f:read("a")
  f:seek("set", 0)
  local y = f:read(30001) .. f:read(1005) .. f:read(0) .. f:read(1) .. f:read(100003)
  assert(x == y and #x == 5001 * 13 + 6)
  f:seek("set", 0)
  y = f:read()
  assert(x == y .. "\n" .. f:read())
  assert(f:read() == nil)
  f:close()
end

-- binary data
writefile(file, "outra coisa\0\1\3\0\0\0\0\255\0")
do
  local f = assert(io.open(file, "rb"))
  assert(f:read(11) == "outra coisa")
  assert(f:read(4) == "\0\1\3\0" and f:read(3) == "\0\0\0")
  assert(f:read(0) == "" and f:read(1) == "\255" and f:read("a") == "\0")
  assert(f:read(0) == nil)
  f:close()
end

-- files closed by the collector have their output written
do
  local function leak () local f = io.open(file, "w"); f:write("by gc") end
  leak()
  local function clobber () local a, b, c, d, e, f, g, h = 1, 2, 3, 4, 5, 6, 7, 8 return a end
  clobber()
  collectgarbage()
  assert(readfile(file) == "by gc")
end

-- temporary files
do
  local f = assert(io.tmpfile())
  assert(io.type(f) == "file")
  f:write("alo")
  f:seek("set")
  assert(f:read("a") == "alo")
  f:close()
end

-- pipes: read and write modes, exit statuses like os.execute
do
  checkerr("bad argument #2 to 'io.popen' (invalid mode)", io.popen, "cat", "")
  checkerr("bad argument #2 to 'io.popen' (invalid mode)", io.popen, "cat", "r+")
  local f = assert(io.popen("cat - > " .. other, "w"))
  f:write("a line")
  assert(f:close() == true)
  f = assert(io.popen("cat - < " .. other, "r"))
  assert(f:read("a") == "a line")
  local a, b, c = f:close()
  assert(a == true and b == "exit" and c == 0)
  local tests = {
    {"true", true, "exit", 0},
    {"exit 3", nil, "exit", 3},
    {"exit 129", nil, "exit", 129},
    -- (not HUP: `nohup` makes it ignored in every child)
    {"kill -s TERM $$", nil, "signal", 15},
    {"kill -s KILL $$", nil, "signal", 9},
  }
  for _, t in ipairs(tests) do
    local x, y, z = io.popen(t[1]):close()
    assert(x == t[2] and y == t[3] and z == t[4])
    x, y, z = os.execute(t[1])
    assert(x == t[2] and y == t[3] and z == t[4])
  end
  f = assert(io.popen("echo one; echo two"))
  local s = ""
  for l in f:lines() do s = s .. l .. ";" end
  assert(s == "one;two;")
  assert(f:close())
  assert(io.popen("true"):seek() == nil)
end

-- standard input and output in a child interpreter
do
  local prog = arg and arg[-1]
  if prog then
    local p = assert(io.popen("printf '1 2 3\\nrest\\n' | " .. prog ..
      [[ -e "io.write('n: '); local a, b, c = io.read('n', 'n', 'n'); io.write(a + b + c, '|', io.read('L'), io.read(), '|'); print(io.read('a'), io.read())"]]))
    local out = p:read("a")
    p:close()
    assert(out == "n: 6|\nrest|\tnil\n", out)
    -- os.exit writes out buffered output of open files
    p = assert(io.popen(prog .. [[ -e "local f = io.open(']] .. other ..
      [[', 'w'); f:write('flushed'); io.write('out'); os.exit(3)"]]))
    assert(p:read("a") == "out")
    local a, b, c = p:close()
    assert(a == nil and b == "exit" and c == 3)
    assert(readfile(other) == "flushed")
  end
end

assert(os.remove(file))
assert(os.remove(other))
print "OK"
