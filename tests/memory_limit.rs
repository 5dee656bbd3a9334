//! Memory limits through the collector: a state with a 10 MB limit running a
//! runaway allocation fails with "not enough memory" (an `Error::Memory`),
//! without first building the whole oversized object, and then runs another
//! script normally.

use crescent::raw::Options;
use crescent::sandbox::{Sandbox, SandboxError, SandboxOptions};
use crescent::{Error, Lua};

const LIMIT: usize = 10 << 20;

/// Runaway allocations of every shape the collector and the libraries see.
const BOMBS: &[&str] = &[
    "local t = {} for i = 1, 1e9 do t[i] = {i} end",
    "local s = 'x' while true do s = s .. s end",
    "local s = 'x' for i = 1, 40 do s = s .. s end",
    "return string.rep('x', 1e9)",
    "return string.rep('x', 1e8, ',')",
    "return ('x'):rep(1e6):rep(1000)",
    "local t = {} for i = 1, 1e9 do t[i] = 'xxxxxxxxxxxxxxxx' .. i end",
    "local t = {} for i = 1, 200 do t[i] = ('x'):rep(1e5) end return table.concat(t):rep(100)",
    "local t = {} for i = 1, 600 do t[i] = ('y'):rep(1e4) end \
     local s = table.concat(t) return table.concat({s, s, s, s})",
    "local s = ('x'):rep(3e6) return (s:gsub('x', 'yyyy'))",
    "local s = ('x'):rep(3e6) return string.format('%s%s%s', s, s, s)",
    "local s = ('x'):rep(3e6) return s .. s .. s .. s",
    "return string.pack('c2000000000', '')",
    "local s = ('x'):rep(4e6) return string.pack('s4s4z', s, s, s)",
    "local t = setmetatable({}, {__index = function(t, k) return k end}) \
     local a = {} for i = 1, 1e9 do a[#a + 1] = tostring(i) .. t[i] end",
];

fn limited() -> Lua {
    Lua::with_options(Options {
        memory_limit: Some(LIMIT),
        ..Options::default()
    })
}

fn assert_memory_error(r: crescent::api::Result<()>, script: &str) {
    match r {
        Err(Error::Memory { message }) => assert_eq!(message, "not enough memory", "{script}"),
        other => panic!("{script}: expected a memory error, got {other:?}"),
    }
}

#[test]
fn runaway_allocations_fail_and_the_state_stays_usable() {
    let lua = limited();
    for script in BOMBS {
        assert_memory_error(lua.load(*script).exec(), script);
        // The garbage of the failed script is collectable; the state works.
        let n: i64 = lua
            .load("local t = {} for i = 1, 1000 do t[i] = {i} end return #t")
            .eval()
            .unwrap_or_else(|e| panic!("after {script}: {e}"));
        assert_eq!(n, 1000);
        assert!(
            lua.used_memory() <= LIMIT,
            "after {script}: {}",
            lua.used_memory()
        );
    }
}

#[test]
fn a_coroutine_running_out_of_memory() {
    let lua = limited();
    let script = "local co = coroutine.create(function() local t = {} \
                  while true do t[#t + 1] = {} coroutine.yield() end end) \
                  while true do local ok, e = coroutine.resume(co) if not ok then return e end end";
    let msg: String = lua.load(script).eval().unwrap();
    assert_eq!(msg, "not enough memory");
    // `coroutine.wrap` re-raises the error as a runtime error with the
    // message unchanged (as PUC's does: no position for memory errors).
    let script = "local co = coroutine.wrap(function() local t = {} \
                  while true do t[#t + 1] = {} coroutine.yield() end end) \
                  while true do co() end";
    match lua.load(script).exec() {
        Err(Error::Runtime { message, .. }) => assert_eq!(message, "not enough memory"),
        other => panic!("expected a runtime error, got {other:?}"),
    }
    let n: i64 = lua.load("return #{1, 2, 3}").eval().unwrap();
    assert_eq!(n, 3);
}

#[test]
fn pcall_sees_the_memory_error_and_the_script_continues() {
    let lua = limited();
    let (ok, msg, after): (bool, String, i64) = lua
        .load(
            "local ok, msg = pcall(string.rep, 'x', 1e9) \
             local t = {} for i = 1, 100 do t[i] = i end \
             return ok, msg, #t",
        )
        .eval()
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "not enough memory");
    assert_eq!(after, 100);
}

#[test]
fn oversized_results_are_refused_before_they_are_built() {
    // Building a 1 GB string before noticing the limit would show up in the
    // process's peak memory; refusing early keeps the heap at the limit.
    let lua = limited();
    for script in [
        "return string.rep('x', 1e9)",
        "return string.rep('abc', 1e8, ',')",
        "local s = ('x'):rep(4e6) return s .. s .. s",
        "local t = {} for i = 1, 8 do t[i] = ('x'):rep(1e6) end return table.concat(t, ',')",
    ] {
        assert_memory_error(lua.load(script).exec(), script);
        assert!(
            lua.used_memory() <= LIMIT,
            "{script}: {}",
            lua.used_memory()
        );
    }
}

/// The process's peak resident memory in kB (Linux), to see whether a
/// refused buffer was built anyway.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn string_pack_buffers_are_refused_before_they_are_built() {
    let lua = limited();
    for script in [
        // PUC Lua builds this 2 GB padding before returning it.
        "return string.pack('c2000000000', '')",
        "return string.pack('i1 c1500000000', 1, 'abc')",
        "local s = ('x'):rep(3e6) return string.pack('s4 s4 s4 z', s, s, s, s)",
    ] {
        assert_memory_error(lua.load(script).exec(), script);
        assert!(lua.used_memory() <= LIMIT, "{script}");
    }
    if let Some(peak) = peak_rss_kb() {
        // Other tests of this file run beside this one, each under its
        // 10 MB limit; a 1.5-2 GB padding buffer would be far above.
        assert!(peak < 1_000_000, "peak RSS {peak} kB");
    }
    // Within the limit, packing still works.
    let n: i64 = lua
        .load("return #string.pack('c100000 s4', 'ab', ('y'):rep(1000))")
        .eval()
        .unwrap();
    assert_eq!(n, 101_004);
}

#[test]
fn sandbox_with_a_memory_limit() {
    let mut sb = Sandbox::new(SandboxOptions {
        memory_limit: Some(LIMIT),
        instruction_limit: None,
        ..SandboxOptions::default()
    });
    // The sandbox's pattern budget stops the `gsub` bomb before memory does.
    for script in BOMBS.iter().filter(|s| !s.contains("gsub")) {
        match sb.run(script) {
            Err(SandboxError::Memory(_)) => {}
            // The sandbox's own bound on string results (16 MB by default)
            // stops a `string.rep` bigger than it before memory does.
            Err(SandboxError::Runtime(m)) if script.contains("rep") && m.contains("too large") => {}
            other => panic!("{script}: expected a memory error, got {other:?}"),
        }
        let r = sb.run("local t = {} for i = 1, 1000 do t[i] = {i} end return #t");
        assert!(r.is_ok(), "after {script}: {r:?}");
    }
}
