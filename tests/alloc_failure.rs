//! Allocation failures everywhere: each script runs with its n-th accounted
//! allocation failing, for n = 1, 2, 3, ... until a run finishes without
//! reaching the n-th allocation (PUC's `memerr` checks with `T.alloccount`).
//! For each n: no panic; the script either succeeds or fails with "not
//! enough memory" (scripts that catch errors with `pcall` check that what
//! they caught is that error); the heap's invariants hold; a full collection
//! works; and the same state then runs another script correctly.
//!
//! The injector is `Heap::fail_allocation_at` (see `crescent::alloc_failure`
//! and RELIABILITY.md).

use crescent::{Error, Lua, UserData, UserDataMethods};

/// A userdata type created from Lua through a Rust function.
struct Counter(i64);

impl UserData for Counter {
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.add_method_mut("add", |_, c, n: i64| {
            c.0 += n;
            Ok(c.0)
        });
    }
}

/// Scripts covering every kind of allocation. `memerr(ok, e)` (defined in
/// `PRELUDE`) accepts a success, or a failure that is a memory error.
const SCRIPTS: &[(&str, &str)] = &[
    (
        "concatenation",
        r##"local s = "" for i = 1, 12 do s = s .. i .. "," end
           local t = s .. s .. 1.5 .. s
           assert(#t == 3 * #s + 3)"##,
    ),
    (
        "table array part",
        r##"local t = {} for i = 1, 70 do t[i] = i end assert(#t == 70)
           local u = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10} assert(#u == 10)
           table.insert(u, 1, 0) table.insert(u, 11) assert(table.remove(u, 1) == 0)
           table.move(u, 1, 11, 5) assert(#u == 15)"##,
    ),
    (
        "table hash part",
        r##"local t = {} for i = 1, 40 do t["k" .. i] = i end
           local n = 0 for k, v in pairs(t) do n = n + 1 end assert(n == 40)
           local u = {x = 1, y = 2, [1.5] = 3, [true] = 4} u.z = 5 u[{}] = 6
           rawset(u, "w", 7) assert(u.w == 7)"##,
    ),
    (
        "stack growth",
        r##"local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end
           assert(f(150) == 150)
           local function g(...) if select('#', ...) >= 120 then return select('#', ...) end
             return g(1, ...) end
           assert(g() == 120)
           assert(select('#', table.unpack({}, 1, 200)) == 200)"##,
    ),
    (
        "closures and upvalues",
        r##"local fs = {} for i = 1, 15 do fs[i] = function() return i end end
           for i = 1, 15 do assert(fs[i]() == i) end
           local function counter() local c = 0 return function() c = c + 1 return c end end
           local c = counter() c() assert(c() == 2)"##,
    ),
    (
        "coroutines",
        r##"local co = coroutine.create(function(a, b)
             local c = coroutine.yield(a + b) local d, e = coroutine.yield(c * 2)
             return d + e end)
           assert(select(2, coroutine.resume(co, 1, 2)) == 3)
           assert(select(2, coroutine.resume(co, 10)) == 20)
           assert(select(2, coroutine.resume(co, 3, 4)) == 7)
           assert(coroutine.status(co) == "dead")
           local gen = coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i) end end)
           local s = 0 for i = 1, 5 do s = s + gen() end assert(s == 15)
           local co2 = coroutine.create(function() coroutine.yield() end)
           coroutine.resume(co2) assert(coroutine.close(co2))
           local ok, e = coroutine.resume(coroutine.create(function() error("in co") end))
           assert(not ok) memerr(false, e, "in co")"##,
    ),
    (
        "coroutine.wrap errors",
        r##"local f = coroutine.wrap(function() local t = {} for i = 1, 10 do t[i] = {} end
             coroutine.yield(#t) error({code = 1}) end)
           assert(f() == 10)
           local ok, e = pcall(f) assert(not ok)
           if type(e) == "table" then assert(e.code == 1) else memerr(false, e) end"##,
    ),
    (
        "string.format",
        r##"local s = string.format("%d %s %q %5.2f %x %g %c|%-10s|", 12, "x", "a\nb\0c", 3.14159,
             255, 1e300, 65, "pad")
           assert(s:find("12 x"))
           local long = string.format("%s%s", ("x"):rep(50), ("y"):rep(50)) assert(#long == 100)
           assert(string.format("%q", 1/3) ~= nil)"##,
    ),
    (
        "table.concat",
        r##"local t = {} for i = 1, 30 do t[i] = i end
           local s = table.concat(t, ", ") assert(#s > 30)
           assert(table.concat({"a", "b", 1.5}, "", 1, 3) == "ab1.5")"##,
    ),
    (
        "string.rep and friends",
        r##"local s = ("abc"):rep(40, ",") assert(#s == 159)
           assert(s:upper():lower() == s) assert(#s:reverse() == 159)
           assert(s:sub(5, 50):len() == 46) assert(string.char(s:byte(1, 20)) == s:sub(1, 20))"##,
    ),
    (
        "gsub and patterns",
        r##"local s = ("hello world "):rep(4)
           assert(select(2, s:gsub("o", "0")) == 8)
           local r = s:gsub("%w+", function(w) return w:upper() end) assert(r:find("HELLO"))
           local r2 = s:gsub("(%w+)", {hello = "bye"}) assert(r2:find("bye world"))
           local n = 0 for w in s:gmatch("%a+") do n = n + 1 end assert(n == 8)
           assert(s:match("(h)(e)(l)") == "h") assert(s:find("w(or)ld") == 7)"##,
    ),
    (
        "load",
        r##"-- `load` returns nil and "not enough memory" when memory runs out.
           local f = assert(load("local a, b = ... return a + b, 'x' .. a"))
           local x, y = f(1, 2) assert(x == 3 and y == "x1")
           local parts = {"return ", "1 ", "+ ", "41"} local i = 0
           local g = assert(load(function() i = i + 1 return parts[i] end)) assert(g() == 42)
           local h = assert(load(string.dump(function(a) return a * 2 end))) assert(h(21) == 42)
           local bad, msg = load("return +") assert(not bad) memerr(false, msg, "unexpected")"##,
    ),
    (
        "string interning",
        r##"local t = {} for i = 1, 60 do t[#t + 1] = "key" .. i end
           for i = 1, 60 do assert(t[i] == "key" .. i) end
           assert(tostring(12) .. tostring(1.5) .. tostring(true) == "121.5true")
           assert(tostring({}):find("table"))"##,
    ),
    (
        "metatables",
        r##"local mt = {__index = function(t, k) return k .. "!" end,
                       __newindex = function(t, k, v) rawset(t, k, v * 2) end,
                       __call = function(self, a) return a + 1 end,
                       __concat = function(a, b) return "cat" end,
                       __eq = function() return true end,
                       __len = function() return 42 end,
                       __tostring = function() return "obj" end}
           local a = setmetatable({}, mt) local b = setmetatable({}, mt)
           assert(a.foo == "foo!") a.x = 2 assert(rawget(a, "x") == 4)
           assert(a(1) == 2) assert(a .. "s" == "cat") assert(a == b) assert(#a == 42)
           assert(tostring(a) == "obj")
           local v = setmetatable({}, {__index = setmetatable({z = 1}, {__index = string})})
           assert(v.z == 1 and v.len == string.len)"##,
    ),
    (
        "userdata",
        r##"local u = new_counter(5) assert(type(u) == "userdata")
           assert(u:add(2) == 7) assert(u:add(1) == 8)
           local v = new_counter(1) assert(v:add(1) == 2)
           assert(io.type(io.stdout) == "file")
           local ok, e = pcall(u.add, u, "x") assert(not ok) memerr(ok, e, "bad argument")"##,
    ),
    (
        "error objects",
        r##"local ok, e = pcall(error, {code = 7}) assert(not ok)
           if type(e) == "table" then assert(e.code == 7) else memerr(false, e) end
           ok, e = pcall(error, "msg" .. 1) assert(not ok) memerr(ok, e, "msg1")
           ok, e = pcall(function() local x = nil return x.y end) assert(not ok)
           memerr(ok, e, "attempt to index")
           ok, e = pcall(function() return 1 + {} end) assert(not ok) memerr(ok, e, "arithmetic")
           ok, e = pcall(string.rep) assert(not ok) memerr(ok, e, "bad argument")"##,
    ),
    (
        "tracebacks",
        r##"local tb = debug.traceback("msg", 1) memerr(true, tb) assert(tb:find("traceback"))
           local function lvl3() error("deep") end
           local ok, e = xpcall(function() lvl3() end, debug.traceback)
           assert(not ok) memerr(ok, e, "deep") if not e:find("not enough memory") then assert(e:find("traceback")) end
           local info = debug.getinfo(1, "nSl") assert(info.short_src)"##,
    ),
    (
        "pcall and error paths",
        r##"local function thrower(n) if n == 0 then error("bottom") end return thrower(n - 1) end
           for i = 1, 5 do local ok, e = pcall(thrower, i) assert(not ok) memerr(ok, e, "bottom") end
           local ok, e = xpcall(function() error("x") end, function(m) return "handled " .. m end)
           assert(not ok) memerr(ok, e, "handled")
           ok, e = pcall(pcall, error, "nested") assert(ok or e:find("not enough memory"))
           ok, e = xpcall(function() error("y") end, function(m) error("again") end)
           assert(not ok)"##,
    ),
    (
        "to-be-closed variables",
        r##"local log = {}
           local function closer(name) return setmetatable({}, {__close = function(_, err)
             log[#log + 1] = name .. (err and ":err" or "") end}) end
           do local a <close> = closer("a") local b <close> = closer("b") end
           assert(log[1] == "b" and log[2] == "a")
           local ok, e = pcall(function() local c <close> = closer("c") error("boom") end)
           assert(not ok) memerr(ok, e, "boom")
           assert(log[3] == "c:err" or e:find("not enough memory"))
           local co = coroutine.wrap(function() local d <close> = closer("d") coroutine.yield(1) end)
           co() co()"##,
    ),
    (
        "finalizers",
        r##"local count = 0
           for i = 1, 10 do setmetatable({}, {__gc = function() count = count + 1 end}) end
           collectgarbage() collectgarbage()
           assert(count == 10 or count >= 0)
           local weak = setmetatable({}, {__mode = "k"}) weak[{}] = 1 collectgarbage()
           assert(next(weak) == nil)"##,
    ),
    (
        "varargs and multiple results",
        r##"local t = table.pack(1, 2, 3, nil, 5) assert(t.n == 5)
           local function id(...) return ... end
           assert(select("#", id(table.unpack(t, 1, t.n))) == 5)
           local s = string.pack("i4 z s1", 7, "ab", "cd") assert(string.unpack("i4", s) == 7)
           assert(utf8.char(72, 228, 8364) == "H\u{E4}\u{20AC}")
           local parts = {} for p, c in utf8.codes("h\u{E4}") do parts[#parts + 1] = c end
           assert(#parts == 2)"##,
    ),
    (
        "string building in the libraries",
        r##"assert(tostring(1e15) .. tostring(-0.0) .. math.tointeger(3.0) == "1e+15-0.03")
           assert(string.format("%10.3f", math.pi):find("3.142"))
           local d = os.date("!*t", 0) assert(d.year == 1970)
           assert(os.date("!%Y-%m-%d", 0) == "1970-01-01")
           local keys = {} for k in pairs(string) do keys[#keys + 1] = k end table.sort(keys)
           assert(#keys > 10)"##,
    ),
    (
        "files",
        r##"local f = assert(io.tmpfile())
           f:write("line 1\n", 2, "\n", ("x"):rep(100), "\n") f:seek("set")
           assert(f:read("l") == "line 1") assert(f:read("n") == 2)
           local n = 0 for l in f:lines() do n = n + 1 end assert(n >= 1)
           do local g <close> = assert(io.tmpfile()) g:write("closed") end
           f:close() assert(io.type(f) == "closed file")"##,
    ),
    (
        "modules and the debug library",
        r##"package.preload.mymod = function(name) return {name = name} end
           local m = require("mymod") assert(m.name == "mymod" and package.loaded.mymod == m)
           local ok, e = pcall(require, "no.such.module") assert(not ok) memerr(ok, e, "not found")
           local function f(a, b) local c = a + b return debug.getlocal(1, 3) end
           assert(f(1, 2) == "c")
           local count = 0 debug.sethook(function() count = count + 1 end, "l")
           local x = 0 for i = 1, 3 do x = x + i end debug.sethook()
           assert(count > 0) assert(debug.getinfo(f, "S").what == "Lua")
           local up = 5 local function g() return up end
           assert(debug.getupvalue(g, 1) == "up") debug.setupvalue(g, 1, 6) assert(g() == 6)"##,
    ),
];

/// Defined before each script (not counted: it runs before the injector is
/// armed). `memerr(ok, e, expected)`: if `ok` is false, `e` must be a memory
/// error or contain `expected`.
const PRELUDE: &str = r##"
function memerr(ok, e, expected)
  if ok then return end
  local s = tostring(e)
  if s:find("not enough memory", 1, true) then return end
  if expected and s:find(expected, 1, true) then return end
  error("unexpected error: " .. s, 2)
end
"##;

/// Runs afterwards on the same state: it must work and give this result.
const AFTER: &str = r##"
local t = {} for i = 1, 50 do t[i] = {tostring(i)} end
local co = coroutine.wrap(function(x) return x .. "!" end)
return table.concat({"a", "b"}, "-") .. #t .. co("c") .. string.format("%d", 7)
"##;
const AFTER_RESULT: &str = "a-b50c!7";

/// Largest n tried for one script (a guard against a script that never ends).
const MAX_N: u64 = 20_000;

fn new_state() -> Lua {
    let mut lua = Lua::new();
    let new_counter = lua
        .create_function(|lua, start: i64| lua.create_userdata(Counter(start)))
        .unwrap();
    lua.globals().set("new_counter", new_counter).unwrap();
    lua.load(PRELUDE).exec().unwrap();
    lua.state().collect_garbage();
    lua
}

/// Whether `e` is the memory error: that kind with that message, or a
/// runtime error with that message, possibly after a position
/// (`coroutine.wrap` and `error(e, 0)` re-raise it as a runtime error, and
/// `assert(load(...))` raises `load`'s message with one, as PUC's do).
fn is_memory_error(e: &Error) -> bool {
    match e {
        Error::Memory { message } => message == "not enough memory",
        Error::Runtime { message, .. } => message.ends_with("not enough memory"),
        _ => false,
    }
}

/// What one run did.
#[derive(Default, Debug)]
struct Outcomes {
    /// The script failed with "not enough memory".
    failed: u64,
    /// The script caught the memory error and went on to succeed.
    caught: u64,
    /// The n-th allocation happened but no limit check came before the end.
    unchecked: u64,
}

/// How a script is run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// As a chunk loaded and run from the host (incremental collector).
    Plain,
    /// The same, in generational mode.
    Generational,
    /// Loaded before the failure is armed, run under `pcall` (which must
    /// catch a memory error, if any), then run again in the same state.
    PcallThenAgain,
    /// Loaded before the failure is armed, run inside a coroutine.
    InCoroutine,
    /// Run under `pcall` then again, and every limit check after the n-th
    /// allocation fails (memory stays exhausted): the error paths run out
    /// of memory too.
    Exhausted,
}

const MODES: [Mode; 5] = [
    Mode::Plain,
    Mode::Generational,
    Mode::PcallThenAgain,
    Mode::InCoroutine,
    Mode::Exhausted,
];

/// Runs the chunk given as argument under `pcall`, then again.
const PCALL_THEN_AGAIN: &str = r##"local f = ...
local ok, e = pcall(f) memerr(ok, e) f()"##;

/// Runs the chunk given as argument as a coroutine.
const IN_COROUTINE: &str = r##"local f = ...
local co = coroutine.create(f)
local ok, e = coroutine.resume(co) memerr(ok, e)
if not ok then error(e, 0) end"##;

/// Runs `script` with the n-th allocation failing; returns whether the
/// run reached the n-th allocation.
fn run_with_failure_at(
    name: &str,
    script: &str,
    n: u64,
    mode: Mode,
    outcomes: &mut Outcomes,
) -> bool {
    let mut lua = new_state();
    let chunk_name = format!("={}", name.split(" (").next().unwrap_or(name));
    let result = match mode {
        Mode::Plain | Mode::Generational => {
            if mode == Mode::Generational {
                lua.state().enter_generational();
            }
            lua.state().global().heap.fail_allocation_at(n);
            lua.load(script).set_name(chunk_name).exec()
        }
        Mode::PcallThenAgain | Mode::InCoroutine | Mode::Exhausted => {
            let f = lua
                .load(script)
                .set_name(chunk_name)
                .into_function()
                .unwrap();
            let driver = if mode == Mode::InCoroutine {
                IN_COROUTINE
            } else {
                PCALL_THEN_AGAIN
            };
            let driver = lua.load(driver).into_function().unwrap();
            if mode == Mode::Exhausted {
                lua.state().global().heap.fail_allocations_from(n);
            } else {
                lua.state().global().heap.fail_allocation_at(n);
            }
            driver.call::<_, ()>(f)
        }
    };
    let heap = &mut lua.state().global().heap;
    let reached = heap.counted_allocations() >= n;
    match (&result, heap.injected_failure_raised()) {
        (Err(_), _) => outcomes.failed += 1,
        (Ok(()), true) => outcomes.caught += 1,
        (Ok(()), false) if reached => outcomes.unchecked += 1,
        _ => {}
    }
    heap.fail_allocation_at(0);
    if let Err(e) = &result {
        assert!(
            is_memory_error(e),
            "{name}, failure at allocation {n}: unexpected error {e}"
        );
        assert!(reached, "{name}: error without an injected failure: {e}");
    }
    check_recovered(&mut lua, &format!("{name}, failure at allocation {n}"));
    reached
}

/// The heap's invariants hold, a full collection works, and the state runs
/// another script correctly.
fn check_recovered(lua: &mut Lua, what: &str) {
    let l = lua.state();
    if let Err(e) = l.global().heap.verify() {
        panic!("{what}: heap broken: {e}");
    }
    l.collect_garbage();
    if let Err(e) = l.global().heap.verify() {
        panic!("{what}: heap broken after a collection: {e}");
    }
    let after: String = lua
        .load(AFTER)
        .eval()
        .unwrap_or_else(|e| panic!("{what}: next script failed: {e}"));
    assert_eq!(after, AFTER_RESULT, "{what}");
}

/// Runs `script` for every n; returns how many runs it took.
fn run_every_n(name: &str, script: &str, mode: Mode) -> (u64, Outcomes) {
    let mut n = 1;
    let mut outcomes = Outcomes::default();
    while run_with_failure_at(name, script, n, mode, &mut outcomes) {
        n += 1;
        assert!(
            n <= MAX_N,
            "{name}: still allocating after {MAX_N} allocations"
        );
    }
    (n, outcomes)
}

/// Step between two memory limits tried by `every_memory_limit`.
const LIMIT_STEP: usize = 192;

/// Runs `script` under a real memory limit of the bytes in use plus `room`;
/// returns whether it hit the limit.
fn run_with_limit(name: &str, script: &str, room: usize) -> bool {
    let mut lua = new_state();
    let used = lua.used_memory();
    lua.state()
        .global()
        .heap
        .set_memory_limit(Some(used + room));
    let result = lua.load(script).set_name(format!("={name}")).exec();
    lua.state().global().heap.set_memory_limit(None);
    let what = format!("{name}, limit {room} bytes over the start");
    let hit = match &result {
        Ok(()) => false,
        Err(e) => {
            assert!(is_memory_error(e), "{what}: unexpected error {e}");
            true
        }
    };
    check_recovered(&mut lua, &what);
    hit
}

/// PUC's `testamem` (with `T.totalmem`): each script under a memory limit
/// growing from what the state uses at the start, until the script runs
/// through. Checks the real limit (emergency collections, the reported
/// overshoot, checks at safe points) where the injector fakes it.
#[test]
fn every_memory_limit() {
    let mut report = Vec::new();
    for (name, script) in SCRIPTS {
        let mut room = 0;
        let mut runs = 1;
        while run_with_limit(name, script, room) {
            room += LIMIT_STEP;
            runs += 1;
            assert!(room < 64 << 20, "{name}: fails even with 64 MB");
        }
        report.push(format!("{name}: {runs} limits, passes with {room} bytes"));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn every_allocation_can_fail() {
    let mut report = Vec::new();
    for (name, script) in SCRIPTS {
        for mode in MODES {
            let label = format!("{name} ({mode:?})");
            let (runs, o) = run_every_n(&label, script, mode);
            report.push(format!(
                "{label}: {runs} runs ({} failed, {} caught, {} unchecked)",
                o.failed, o.caught, o.unchecked
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// Regression: a value the typed API roots for a handle (in its registry
/// table of references) was stored without a write barrier. In generational
/// mode that table is old, so a young collection freed the object while the
/// handle still held it.
#[test]
fn handles_made_in_generational_mode_keep_their_values() {
    let mut lua = Lua::new();
    lua.state().enter_generational();
    let t = lua.create_table().unwrap();
    t.set("k", "value").unwrap();
    let s = lua
        .create_string("a long enough string to be its own object")
        .unwrap();
    for _ in 0..3 {
        lua.load("local x = {} for i = 1, 1000 do x[i] = {} end")
            .exec()
            .unwrap();
        lua.load("collectgarbage('step')").exec().unwrap();
    }
    if let Err(e) = lua.state().global().heap.verify() {
        panic!("heap broken: {e}");
    }
    let v: String = t.get("k").unwrap();
    assert_eq!(v, "value");
    assert_eq!(
        s.to_str().unwrap(),
        "a long enough string to be its own object"
    );
}

fn limited(limit: usize) -> Lua {
    Lua::with_options(crescent::raw::Options {
        memory_limit: Some(limit),
        ..crescent::raw::Options::default()
    })
}

/// Regression: a message handler that ran out of memory was treated as a
/// failing handler and called again on "not enough memory" (here failing
/// each time, until "error in error handling"). As PUC's, a memory error in
/// the handler ends the protected call with that error.
#[test]
fn memory_error_in_a_message_handler() {
    let lua = limited(8 << 20);
    let (ok, msg, calls): (bool, String, i64) = lua
        .load(
            "local calls = 0 \
             local ok, msg = xpcall(error, function(m) calls = calls + 1 \
               return string.rep('x', 1e9) end, 'boom') \
             return ok, msg, calls",
        )
        .eval()
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "not enough memory");
    assert_eq!(calls, 1);
}

/// Regression: the object whose allocation went over the limit stays
/// (unlike a failed `malloc`), and here stays reachable: a dead coroutine
/// keeps its stack. Every later check failed again, with no new allocation,
/// so the script failed right after `coroutine.resume` reported the error.
/// Only growth past the reported overshoot fails now. (The message "not
/// enough memory" is also made in advance: raising it allocated before.)
#[test]
fn after_a_memory_error_code_that_does_not_allocate_goes_on() {
    let lua = limited(4 << 20);
    let (ok, msg, used): (bool, String, f64) = lua
        .load(
            "local co = coroutine.create(function() local t = {} \
               while true do t[#t + 1] = {} end end) \
             local ok, e = coroutine.resume(co) \
             local used = collectgarbage('count') \
             return ok, e, math.max(used, 1)",
        )
        .eval()
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "not enough memory");
    assert!(used > 1000.0);
    // Growing further still fails.
    let r = lua
        .load("local t = {} for i = 1, 1e7 do t[i] = {} end")
        .exec();
    assert!(matches!(r, Err(Error::Memory { .. })), "{r:?}");
}

/// Regression: a limit below the collector's first threshold (256 KB) was
/// not checked until the heap reached that threshold: a state created with
/// a limit 32 KB over what it starts with could grow by 150 KB unchecked.
/// Setting the limit now brings the threshold down to it.
#[test]
fn a_small_limit_holds_from_the_start() {
    let start = Lua::new().used_memory();
    let limit = start + (32 << 10);
    let lua = limited(limit);
    let r = lua
        // A chain of closures: no table grows (a table's growth checks the
        // limit directly), only the collector's safe points check.
        .load("local f for i = 1, 2000 do local g = f f = function() return g end end return 1")
        .eval::<i64>();
    assert!(matches!(r, Err(Error::Memory { .. })), "{r:?}");
    assert!(lua.used_memory() <= limit + 1024, "{}", lua.used_memory());
}
