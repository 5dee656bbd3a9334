//! Deep native recursion on a thread with a small stack: every script ends in a
//! Lua error ("stack overflow"), never in a crash of the process.

use crescent::Lua;

/// Scripts that nest native (Rust) calls as deep as the state allows.
const DEEP: &[&str] = &[
    // pcall inside pcall
    "local function f() return pcall(f) end return f()",
    // __index functions calling back into indexing
    "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]",
    // metamethods re-entering arithmetic
    "local mt = {} mt.__add = function(a, b) return a + b end \
     local x = setmetatable({}, mt) return x + 1",
    // string.gsub with a function replacement recursing
    "local function f(s) return (s:gsub('.', f)) end return f('x')",
    // table.sort comparator recursing
    "local function cmp(a, b) table.sort({3, 2, 1}, cmp) return a < b end \
     table.sort({3, 2, 1}, cmp)",
    // coroutines resuming coroutines
    "local function f() local co = coroutine.wrap(f) return co() end return f()",
    // tostring through __tostring
    "local mt = {} mt.__tostring = function(x) return tostring(x) end \
     return tostring(setmetatable({}, mt))",
    // load of a deeply nested chunk
    "return load(string.rep('(', 10000) .. '1' .. string.rep(')', 10000))",
];

/// Runs every script; those that do not catch the overflow themselves (the
/// first, a pcall chain, and the last, a `load` that returns its error) must
/// fail with "C stack overflow". The state stays usable after each.
fn run_all() {
    let lua = Lua::new();
    for (n, script) in DEEP.iter().enumerate() {
        let r = lua.load(*script).exec();
        if n == 0 || n == DEEP.len() - 1 {
            assert!(r.is_ok(), "{script}: {r:?}");
        } else {
            let msg = r.expect_err(script).to_string();
            assert!(msg.contains("C stack overflow"), "{script}: {msg}");
        }
        let two: i64 = lua.load("return 1 + 1").eval().unwrap();
        assert_eq!(two, 2);
    }
}

/// Runs every script, asking only that none crashes the process: on a stack
/// smaller than the debug build's reserve, every call fails at once.
fn run_all_without_crashing() {
    let lua = Lua::new();
    for script in DEEP {
        let _ = lua.load(*script).exec();
    }
}

#[test]
fn deep_native_recursion_on_a_default_thread() {
    // Rust's default thread stack: 2 MiB.
    std::thread::spawn(run_all).join().expect("no crash");
}

#[test]
fn deep_native_recursion_on_a_small_thread() {
    // Before the stack check, release builds crashed here (frames of 200
    // nested native calls need more than 256 KiB).
    let run = if cfg!(debug_assertions) {
        run_all_without_crashing
    } else {
        run_all
    };
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(run)
        .unwrap()
        .join()
        .expect("no crash");
}
