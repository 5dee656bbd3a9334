-- The package library: require, package.loaded/preload/searchers/path/cpath,
-- package.searchpath, package.loadlib, package.config, error messages.
-- Runs unchanged on PUC-Rio Lua 5.4. Uses no string library functions.
-- Module files are created next to a temporary file name: their module names
-- are full paths (no dots), found through the template "?" / "?.lua".

local tmp = os.tmpname()
local dir = tmp .. "_dir"   -- never created: paths under it do not exist
local base = tmp

-- "chunk:line: " of the caller's caller (as error(msg, 3) places it)
local function where() local _, m = pcall(error, "", 3) return m end

local created = {}
local function writefile(name, text)
  local f = assert(io.open(name, "w"))
  f:write(text)
  f:close()
  created[#created + 1] = name
end

local saved_path, saved_cpath = package.path, package.cpath
package.path = "?.lua;" .. dir .. "/?/init.lua"
package.cpath = "?.so"

-- package.config and the library table
assert(package.config == "/\n;\n?\n!\n-\n")
assert(type(package.searchers) == "table" and #package.searchers == 4)
assert(package.loaded._G == _G and package.loaded.package == package)
assert(package.loaded.string == string)
assert(type(package.preload) == "table")

-- a module file: receives its name and file name, result is cached
local modname = base
local modfile = modname .. ".lua"
writefile(modfile, [[
  local name, file = ...
  COUNT = (COUNT or 0) + 1
  return {name = name, file = file}
]])
local m, data = require(modname)
assert(type(m) == "table" and m.name == modname and m.file == modfile)
assert(data == modfile)
assert(package.loaded[modname] == m)
local m2, data2 = require(modname)
assert(m2 == m and data2 == nil and COUNT == 1)
assert(select("#", require(modname)) == 1)

-- a module returning nothing is recorded as true
local nothing = base .. "_nothing"
writefile(nothing .. ".lua", "X_NOTHING = true")
local r, d = require(nothing)
assert(r == true and d == nothing .. ".lua" and X_NOTHING)
assert(package.loaded[nothing] == true)

-- a module that sets package.loaded itself
local selfset = base .. "_self"
writefile(selfset .. ".lua", "package.loaded[...] = 'mine'")
assert(require(selfset) == "mine")

-- preload
package.preload.pre_mod = function (name, extra)
  return {name = name, extra = extra}
end
local p, pd = require("pre_mod")
assert(p.name == "pre_mod" and p.extra == ":preload:" and pd == ":preload:")
package.preload.pre_false = function () return false end
assert(require("pre_false") == false)

-- not found: every path tried, in order
local ok, msg = pcall(require, "no_such_mod")
assert(not ok)
local expected = "module 'no_such_mod' not found:" ..
  "\n\tno field package.preload['no_such_mod']" ..
  "\n\tno file 'no_such_mod.lua'" ..
  "\n\tno file '" .. dir .. "/no_such_mod/init.lua'" ..
  "\n\tno file 'no_such_mod.so'"
assert(msg == expected, msg)

local expected_plain = expected

-- dotted names: '.' becomes '/', and the C root searcher adds a line
ok, msg = pcall(require, "a.b")
expected = "module 'a.b' not found:" ..
  "\n\tno field package.preload['a.b']" ..
  "\n\tno file 'a/b.lua'" ..
  "\n\tno file '" .. dir .. "/a/b/init.lua'" ..
  "\n\tno file 'a/b.so'" ..
  "\n\tno file 'a.so'"
assert(msg == expected, msg)

-- the error has the position of the Lua caller
local w, req = where(), function () return require("no_such_mod") end
ok, msg = pcall(req)
assert(msg == w .. expected_plain, msg)

-- errors while loading a module file
local bad = base .. "_bad"
writefile(bad .. ".lua", "x = = 1")
ok, msg = pcall(require, bad)
assert(not ok)
assert(msg == "error loading module '" .. bad .. "' from file '" .. bad ..
       ".lua':\n\t" .. bad .. ".lua:1: unexpected symbol near '='", msg)

-- errors raised by the module propagate
local raising = base .. "_raise"
writefile(raising .. ".lua", "error('inside module')")
ok, msg = pcall(require, raising)
assert(not ok and msg == raising .. ".lua:1: inside module", msg)
assert(package.loaded[raising] == nil)

-- a native library found on cpath cannot be loaded
local clib = base .. "_clib"
writefile(clib .. ".so", "not really a library")
ok, msg = pcall(require, clib)
assert(not ok)
local prefix = "error loading module '" .. clib .. "' from file '" .. clib ..
               ".so':\n\t"
assert(msg == prefix .. "dynamic libraries not enabled; check your Lua installation"
       or #msg > #prefix, msg)

-- package.searchpath
assert(package.searchpath(modname, package.path) == modfile)
local f, e = package.searchpath("x.y", dir .. "/?.lua;" .. dir .. "/?.luac")
assert(package.searchpath(modname, "?.lua") == modfile)
assert(f == nil and e == "no file '" .. dir .. "/x/y.lua'\n\tno file '" ..
       dir .. "/x/y.luac'", e)
f, e = package.searchpath("x.y", "?.z;", "", "")
assert(f == nil and e == "no file 'x.y.z'\n\tno file ''", e)
f, e = package.searchpath("a_b", "@?@", "_", "-")
assert(f == nil and e == "no file '@a-b@'", e)

-- package.loadlib: no dynamic libraries
local lf, lmsg, where = package.loadlib("/no/lib.so", "luaopen_x")
assert(lf == nil and (where == "absent" or where == "open"), where)
if where == "absent" then
  assert(lmsg == "dynamic libraries not enabled; check your Lua installation")
end

-- custom searchers
local searchers = package.searchers
package.searchers = {searchers[1], function (name)
  if name == "virtual" then
    return function (n, d) return "virtual:" .. n .. ":" .. d end, "vdata"
  end
  return "\n\tno virtual module '" .. name .. "'"
end}
assert(require("virtual") == "virtual:virtual:vdata")
ok, msg = pcall(require, "no_virtual")
assert(msg == "module 'no_virtual' not found:" ..
  "\n\tno field package.preload['no_virtual']\n\t\n\tno virtual module 'no_virtual'", msg)

-- searchers returning nothing add no line; a number is a message
package.searchers = {function () end, function () return 42 end, searchers[1]}
ok, msg = pcall(require, "nothing_here")
assert(msg == "module 'nothing_here' not found:\n\t42" ..
  "\n\tno field package.preload['nothing_here']", msg)
package.searchers = searchers

-- bad arguments and bad package fields
ok, msg = pcall(require)
assert(msg == "bad argument #1 to 'require' (string expected, got no value)", msg)
package.path = nil
ok, msg = pcall(require, "zzz")
assert(msg == "'package.path' must be a string", msg)
package.path = dir .. "/?.lua"
package.searchers = nil
ok, msg = pcall(require, "zzz")
assert(msg == "'package.searchers' must be a table", msg)
package.searchers = searchers

-- require still works with a number as name
package.preload["42"] = function (n) return n end
assert(require(42) == "42")

package.path, package.cpath = saved_path, saved_cpath
for _, name in ipairs(created) do os.remove(name) end
os.remove(tmp)
print "OK"
