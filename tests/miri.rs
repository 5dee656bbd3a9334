//! The parts of the engine that use `unsafe` (the collector's heap and `Gc`
//! pointers, the value representation, the VM's register access, threads
//! reaching each other's stacks, the host APIs' rooted handles), driven by
//! small programs sized for Miri:
//!
//! ```text
//! MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-permissive-provenance" \
//!   cargo +nightly miri test --config 'build.rustc-workspace-wrapper=""' --test miri
//! ```
//!
//! (The `--config` turns off the PGO wrapper of `.cargo/config.toml`, which
//! cargo-miri, a rustc wrapper itself, cannot run.)
//!
//! Under `cargo test` they run as ordinary (fast) tests. Each program also
//! checks its own results, so a wrong answer fails here too.

use crescent::raw::{Options, RawLua, Resumed, StdLibs};
use crescent::{Lua, UserData, UserDataMethods};

/// The libraries Miri can run (the os library calls `tzset`, io opens files).
fn libs() -> StdLibs {
    StdLibs::SAFE | StdLibs::DEBUG
}

fn new_lua(generational: bool, stress: bool) -> Lua {
    let mut lua = Lua::with_options(Options {
        libs: libs(),
        memory_limit: None,
    });
    let l = lua.state();
    l.global().heap.stress = stress;
    if generational {
        l.enter_generational();
    }
    lua
}

/// Runs `code` (which returns "ok" when its own checks pass), then verifies
/// the heap and collects everything once more.
fn run(code: &str, generational: bool, stress: bool) {
    let mut lua = new_lua(generational, stress);
    assert_eq!(lua.eval(code).as_deref(), Ok("ok"));
    let l = lua.state();
    l.global().heap.stress = false;
    l.collect_garbage();
    assert!(l.global().heap.verify().is_ok());
}

/// Coroutines nested three deep that share upvalues open on their resumers'
/// stacks, collecting (steps and full cycles) while suspended resumers hold
/// the only references to some objects.
const NESTED_COROUTINES: &str = r#"
    local log = {}
    local shared = {n = 0}
    local function inner(x)
      local t = {x}
      collectgarbage("step", 1)
      shared.n = shared.n + 1
      local y = coroutine.yield(#t + x)
      collectgarbage()
      return y * 2
    end
    local middle = coroutine.wrap(function(a)
      local keep = {a, tostring(a)}
      local co = coroutine.create(inner)
      local _, r = coroutine.resume(co, a)
      log[#log + 1] = r
      collectgarbage("step", 0)
      local _, r2 = coroutine.resume(co, r)
      log[#log + 1] = r2
      return keep[2]
    end)
    local res = middle(5)
    assert(res == "5" and log[1] == 6 and log[2] == 12 and shared.n == 1)
    return "ok"
"#;

/// Weak tables of every mode, ephemerons and finalizers that resurrect.
const WEAK_AND_FINALIZERS: &str = r#"
    local kv = setmetatable({}, {__mode = "kv"})
    local k = setmetatable({}, {__mode = "k"})
    local v = setmetatable({}, {__mode = "v"})
    local kept = {}
    for i = 1, 20 do
      local key = {i}
      kv[key] = {}
      k[key] = {back = key}
      v[i] = {i}
      if i % 4 == 0 then kept[#kept + 1] = key end
    end
    local resurrected
    setmetatable({name = "r"}, {__gc = function(o) resurrected = o end})
    collectgarbage(); collectgarbage()
    local nk = 0
    for _ in pairs(k) do nk = nk + 1 end
    assert(nk == 5, nk)
    assert(next(v) == nil)
    assert(resurrected and resurrected.name == "r")
    return "ok"
"#;

/// Tables growing and shrinking in both parts, strings interned and long,
/// closures and upvalues, varargs, metamethods and errors.
const MUTATOR: &str = r##"
    local t = {}
    for i = 1, 64 do t[i] = i; t["s" .. i] = i * 2 end
    for i = 1, 64, 3 do t[i] = nil; t["s" .. i] = nil end
    local sum = 0
    for _, x in pairs(t) do sum = sum + x end
    local long = string.rep("ab", 40)
    assert(#long == 80 and long:sub(79) == "ab")
    local function counter()
      local n = 0
      return function(...) n = n + select("#", ...) return n end
    end
    local c = counter()
    c(1, 2); c(nil)
    local mt = {__index = function(_, key) return key .. "!" end,
                __add = function(a, b) return a.v + b end}
    local o = setmetatable({v = 1}, mt)
    local ok, err = pcall(function() return o + {} end)
    assert(not ok and err:find("arithmetic"))
    assert(o.x == "x!" and o + 2 == 3 and c() == 3 and sum > 0)
    local f = load(string.dump(function(a) return a * 2 end))
    assert(f(21) == 42)
    return "ok"
"##;

/// Open upvalues point into the stack: the running thread's and a suspended
/// coroutine's stacks grow (their buffers move) while closures read and
/// write variables through them.
const UPVALUES_ACROSS_STACK_GROWTH: &str = r#"
    local n = 0
    local function deep(k)
      if k == 0 then return 0 end
      n = n + 1
      local a, b, c, d = k, k, k, k
      return deep(k - 1) + a - b + c - d
    end
    assert(deep(60) == 0 and n == 60)
    local get, set
    local co = coroutine.wrap(function()
      local v = 1
      get = function() return v end
      set = function(x) v = x end
      coroutine.yield()
      deep(60)
      coroutine.yield()
      return v
    end)
    co()
    set(5)
    co()
    assert(get() == 5 and n == 120)
    set(7)
    assert(co() == 7 and get() == 7)
    return "ok"
"#;

#[test]
fn open_upvalues_follow_stack_growth() {
    run(UPVALUES_ACROSS_STACK_GROWTH, true, false);
}

#[test]
fn incremental_collector_with_nested_coroutines() {
    run(NESTED_COROUTINES, false, false);
    run(WEAK_AND_FINALIZERS, false, false);
}

#[test]
fn generational_collector_with_nested_coroutines() {
    run(NESTED_COROUTINES, true, false);
    run(WEAK_AND_FINALIZERS, true, false);
}

#[test]
fn stress_mode_both_collectors() {
    run(MUTATOR, false, true);
    run(NESTED_COROUTINES, true, true);
}

struct Account {
    balance: i64,
}

impl UserData for Account {
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.add_method_mut("deposit", |_, a, n: i64| {
            a.balance += n;
            Ok(a.balance)
        });
        m.add_method("balance", |_, a, ()| Ok(a.balance));
    }
}

#[test]
fn typed_api_handles_callbacks_and_userdata() {
    let lua = new_lua(false, false);
    let double = lua
        .create_function(|lua, f: crescent::Function| {
            // A callback calling back into Lua, and making garbage meanwhile.
            lua.gc_collect();
            let r: i64 = f.call(20)?;
            Ok(r * 2)
        })
        .unwrap();
    lua.globals().set("double", double).unwrap();
    lua.globals()
        .set("acct", lua.create_userdata(Account { balance: 1 }).unwrap())
        .unwrap();
    let t = lua.create_table().unwrap();
    t.set("k", "v").unwrap();
    lua.globals().set("t", t.clone()).unwrap();
    let (a, b, c): (i64, i64, String) = lua
        .load("return double(function(x) return x + 1 end), acct:deposit(41), t.k")
        .eval()
        .unwrap();
    assert_eq!((a, b, c.as_str()), (42, 42, "v"));
    drop(t);
    lua.gc_collect();
    let co = lua
        .load("return coroutine.create(function(x) local y = coroutine.yield(x + 1) return y * 3 end)")
        .eval::<crescent::Thread>()
        .unwrap();
    assert_eq!(co.resume::<_, i64>(1).unwrap(), 2);
    assert_eq!(co.resume::<_, i64>(5).unwrap(), 15);
}

#[test]
fn raw_api_stack_threads_and_userdata() {
    let mut lua = RawLua::new(Options {
        libs: libs(),
        memory_limit: None,
    });
    let mut l = lua.stack();
    l.new_userdata(vec![1u8, 2, 3], 1);
    l.push_string("user value");
    assert!(l.set_user_value(-2, 1).unwrap());
    assert_eq!(l.with_userdata(-1, |v: &Vec<u8>| v.len()).unwrap(), 3);
    l.pop(1);
    l.load(
        b"function gen(a) local b = coroutine.yield(a * 2) collectgarbage() return a + b end",
        "=co",
        "t",
    )
    .unwrap();
    l.call(0, Some(0)).unwrap();
    l.new_thread();
    let co = l.abs_index(-1);
    l.with_thread(co, |me, th| {
        me.get_global("gen").unwrap();
        me.xmove(th, 1).unwrap();
    })
    .unwrap();
    l.push_integer(4);
    assert_eq!(l.resume(co, 1).unwrap(), Resumed::Yield(1));
    assert_eq!(l.to_integer(-1), Some(8));
    l.pop(1);
    l.push_integer(10);
    assert_eq!(l.resume(co, 1).unwrap(), Resumed::Return(1));
    assert_eq!(l.to_integer(-1), Some(14));
}
