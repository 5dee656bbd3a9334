-- The os library: dates and times, processes, environment, files (as PUC-Rio Lua 5.4).

-- natives called straight from pcall raise messages without a position
local function checkerr (msg, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "no error")
  assert(err == msg, err)
end

local function rep (s, n)
  local r = ""
  for i = 1, n do r = r .. s end
  return r
end

-- os.date: C-locale strftime, "!" for UTC
assert(os.date("") == "" and os.date("!") == "")
assert(os.date("\0\0") == "\0\0" and os.date("!\0\0") == "\0\0")
local long = rep("a", 10000)
assert(os.date(long) == long)
assert(os.date(rep("%", 200)) == rep("%", 100))

local t0 = 0x7fffffff   -- Tue Jan 19 03:14:07 2038 UTC
assert(os.date("!%c", 0) == "Thu Jan  1 00:00:00 1970")
assert(os.date("!%a|%A|%b|%B|%h|%d|%e|%D|%F|%H|%I|%j|%m|%M|%p|%S|%y|%Y|%C", t0) ==
       "Tue|Tuesday|Jan|January|Jan|19|19|01/19/38|2038-01-19|03|03|019|01|14|AM|07|38|2038|20")
assert(os.date("!%r|%R|%T|%x|%X|%u|%w|%U|%W|%V|%g|%G|%z|%Z|%%|%n|%t", t0) ==
       "03:14:07 AM|03:14|03:14:07|01/19/38|03:14:07|2|2|03|03|03|38|2038|+0000|GMT|%|\n|\t")
assert(os.date("!%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy", t0) ==
       "Tue Jan 19 03:14:07 2038|20|01/19/38|03:14:07|38|2038|19|19|03|03|01|14|07|2|03|03|2|03|38")
assert(os.date("!%I %p", 12 * 3600) == "12 PM" and os.date("!%I %p", 0) == "12 AM")
assert(os.date("!%I %p", 13 * 3600) == "01 PM")

-- ISO 8601 weeks around new year, weeks of the year, years of any size
local function utc (y, m, d)
  -- seconds since the epoch of a UTC date (days from civil)
  y = m <= 2 and y - 1 or y
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return (era * 146097 + doe - 719468) * 86400
end
assert(utc(1970, 1, 1) == 0 and utc(2038, 1, 19) == t0 - 3 * 3600 - 14 * 60 - 7)
assert(os.date("!%G-W%V-%u", utc(2005, 1, 1)) == "2004-W53-6")
assert(os.date("!%G-W%V-%u", utc(2007, 12, 31)) == "2008-W01-1")
assert(os.date("!%G-W%V-%u", utc(2010, 1, 3)) == "2009-W53-7")
assert(os.date("!%G-W%V-%u %g", utc(2021, 1, 1)) == "2020-W53-5 20")
assert(os.date("!%U %W %j", utc(2023, 12, 31)) == "53 52 365")
assert(os.date("!%U %W %j", utc(2024, 12, 31)) == "52 53 366")
assert(os.date("!%Y|%C|%y|%G|%g|%F", utc(999, 1, 1)) == "999|9|99|999|99|999-01-01")
assert(os.date("!%Y|%C|%y|%G|%g", utc(-5, 1, 1)) == "-5|-1|95|-6|94")
assert(os.date("!%Y|%C|%y|%c", utc(123456, 1, 1)) ==
       "123456|1234|56|Tue Jan  1 00:00:00 123456")

for _, c in ipairs{"%", "%9", "%O", "%E", "%Ea", "%Ez", "%Oz", "%Q", "%5d", "%-d"} do
  checkerr("bad argument #1 to 'os.date' (invalid conversion specifier '" .. c .. "')",
           os.date, c)
end
checkerr("bad argument #1 to 'os.date' (invalid conversion specifier '%Ezabc')",
         os.date, "%Ezabc")
checkerr("bad argument #2 to 'os.date' (number has no integer representation)",
         os.date, "%c", 1.5)
checkerr("date result cannot be represented in this installation", os.date, "%Y", 2^60)
assert(os.date("!%Y", 2^40) == "36812")
assert(os.date("!%c", "10") == "Thu Jan  1 00:00:10 1970")

-- date tables
local D = os.date("!*t", t0)
assert(D.year == 2038 and D.month == 1 and D.day == 19 and D.hour == 3 and D.min == 14
       and D.sec == 7 and D.wday == 3 and D.yday == 19 and D.isdst == false)
assert(os.date("!*t\0ignored", 0).year == 1970)

local function checkDateTable (t)
  local D = os.date("*t", t)
  assert(os.time(D) == t)
  assert(D.year == tonumber(os.date("%Y", t)) and D.month == tonumber(os.date("%m", t))
         and D.day == tonumber(os.date("%d", t)) and D.hour == tonumber(os.date("%H", t))
         and D.min == tonumber(os.date("%M", t)) and D.sec == tonumber(os.date("%S", t))
         and D.wday == tonumber(os.date("%w", t)) + 1
         and D.yday == tonumber(os.date("%j", t)))
  assert(type(D.isdst) == "boolean")
end
checkDateTable(os.time())
checkDateTable(0)
checkDateTable(1)
checkDateTable(1000)
checkDateTable(0x7fffffff)
checkDateTable(0x80000000)

-- os.time: fields normalised like mktime, written back into the table
do
  local t1 = {year = 2005, month = 1, day = 1, hour = 1, min = 0, sec = -3602}
  os.time(t1)
  assert(t1.day == 31 and t1.month == 12 and t1.year == 2004 and t1.hour == 23
         and t1.min == 59 and t1.sec == 58 and t1.yday == 366 and t1.wday == 6)
  local a = os.time{year = 2000, month = 10, day = 1, hour = 23, min = 12}
  local b = os.time{year = 2000, month = 10, day = 1, hour = 23, min = 10, sec = 19}
  assert(os.difftime(a, b) == 60 * 2 - 19)
  -- hour defaults to 12, strings convert
  assert(os.time{year = 2000, month = 1, day = 1} ==
         os.time{year = "2000", month = " 0x1 ", day = 1.0, hour = "12"})
  local D = os.date("*t")
  local t = os.time(D)
  D.isdst = nil
  assert(os.time(D) == t)
  D.year = D.year - 1
  local days = os.difftime(t, os.time(D)) / (24 * 3600)
  assert(days > 363 and days < 367)
  -- large dates
  local s0 = os.time{year = 1970, month = 1, day = 0}
  local s1 = os.time{year = 1970, month = 1, day = 0, sec = (1 << 31) - 1}
  assert(s1 - s0 == (1 << 31) - 1)
  s0 = os.time{year = 1970, month = 1, day = 1}
  s1 = os.time{year = 1970, month = 1, day = 1, sec = -(1 << 31)}
  assert(s1 - s0 == -(1 << 31))
  assert(os.time{year = (1 << 31) + 1899, month = 12, day = 31, hour = 23, min = 59, sec = 59})
  -- __index is honoured
  local proxy = setmetatable({}, {__index = {year = 2001, month = 2, day = 3}})
  assert(os.time(proxy) == os.time{year = 2001, month = 2, day = 3})
  assert(rawget(proxy, "yday") == 34)
end
checkerr("field 'hour' is not an integer", os.time, {year = 1000, month = 1, day = 1, hour = 'x'})
checkerr("field 'hour' is not an integer", os.time, {year = 1000, month = 1, day = 1, hour = 1.5})
checkerr("field 'year' missing in date table", os.time, {hour = 12})
checkerr("field 'month' missing in date table", os.time, {year = 2000})
checkerr("field 'day' missing in date table", os.time, {year = 2000, month = 1})
checkerr("field 'year' is out-of-bound", os.time, {year = -(1 << 31) + 1899, month = 1, day = 1})
checkerr("field 'year' is out-of-bound", os.time, {year = (1 << 31) + 1900, month = 1, day = 1})
checkerr("field 'year' is out-of-bound", os.time, {year = -0x7fffffffffffffff, month = 1, day = 1})
checkerr("field 'day' is out-of-bound", os.time, {year = 0, month = 1, day = 2^32})
checkerr("field 'month' is out-of-bound", os.time, {year = 0, month = -((1 << 31) + 1), day = 1})
checkerr("time result cannot be represented in this installation", os.time,
         {year = (1 << 31) + 1899, month = 12, day = 31, hour = 23, min = 59, sec = 60})
checkerr("bad argument #1 to 'os.time' (table expected, got number)", os.time, 1)

-- now, clock, difftime
do
  local t = os.time()
  assert(t == t // 1 and t > 1600000000)
  local t1 = os.time(os.date("*t"))
  assert(0 <= os.difftime(t1, t) and os.difftime(t1, t) <= 1)
  local c = os.clock()
  assert(type(c) == "number" and c >= 0)
  local x = 0
  for i = 1, 1e5 do x = x + i end
  assert(os.clock() >= c)
  assert(os.difftime(10, 5) == 5.0)
  checkerr("bad argument #2 to 'os.difftime' (number expected, got no value)", os.difftime, 10)
  checkerr("bad argument #1 to 'os.difftime' (number has no integer representation)",
           os.difftime, 1.5, 1)
end

-- environment and locale
assert(type(os.getenv("PATH")) == "string")
assert(os.getenv("SURELY_NOT_A_VARIABLE_NAME_12345") == nil)
checkerr("bad argument #1 to 'os.getenv' (string expected, got no value)", os.getenv)
assert(os.setlocale() == "C" and os.setlocale("C") == "C" and type(os.setlocale("")) == "string")
os.setlocale("C")
assert(os.setlocale("C", "all") == "C" and os.setlocale(nil, "numeric") == "C")
assert(os.setlocale("xx_YY") == nil)
checkerr("bad argument #2 to 'os.setlocale' (invalid option 'bad')", os.setlocale, "C", "bad")

-- files
do
  local name = os.tmpname()
  local f = assert(io.open(name))   -- tmpname creates the file
  f:close()
  local other = os.tmpname()
  assert(name ~= other)
  assert(os.remove(other))
  assert(os.rename(name, other) == true)
  local a, b, c = os.rename(name, other)
  assert(a == nil and b == "No such file or directory" and c == 2)
  assert(os.remove(other) == true)
  a, b, c = os.remove(other)
  assert(a == nil and b == other .. ": No such file or directory" and c == 2)
  checkerr("bad argument #1 to 'os.remove' (string expected, got no value)", os.remove)
end

-- processes
do
  assert(os.execute() == true)
  local a, b, c = os.execute("exit 3")
  assert(a == nil and b == "exit" and c == 3)
  a, b, c = os.execute("true")
  assert(a == true and b == "exit" and c == 0)
  a, b, c = os.execute("kill -s KILL $$")
  assert(a == nil and b == "signal" and c == 9)
  a, b, c = os.execute("not-a-command-anywhere 2> /dev/null")
  assert(a == nil and b == "exit" and c == 127)
  local prog = arg and arg[-1]
  if prog then
    local function run (code)
      return os.execute(prog .. " -e \"" .. code .. "\"")
    end
    a, b, c = run("os.exit(true)")
    assert(a == true and b == "exit" and c == 0)
    a, b, c = run("os.exit(false)")
    assert(a == nil and b == "exit" and c == 1)
    a, b, c = run("os.exit(20, true)")
    assert(a == nil and b == "exit" and c == 20)
    a, b, c = run("os.exit()")
    assert(a == true and c == 0)
    local p = io.popen(prog .. " -e \"io.write('unflushed'); print(' out'); os.exit(0)\"")
    assert(p:read("a") == "unflushed out\n")
    p:close()
  end
end

print "OK"
