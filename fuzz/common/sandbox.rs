//! Shared by the fuzz targets: a Lua state whose scripts cannot touch the
//! file system, exit the process, block on stdin or run forever.

#![allow(dead_code)]

use crescent::{Lua, Value};

/// Lua run before any fuzz input. A count hook ends runaway loops and
/// memory hogs: after `BUDGET` instructions (in all threads), or once the
/// heap passes `MEMORY_KB`, the hook errors, and from then on it fires (and
/// errors) on every instruction of that thread, so a `pcall` loop cannot
/// swallow the error forever. Coroutines get the same hook when created
/// (new threads do not inherit hooks). Libraries that reach outside the
/// process are removed; `string.rep` refuses results over 1 MiB.
pub const PRELUDE: &str = r#"
local sethook, cocreate, cowrap = debug.sethook, coroutine.create, coroutine.wrap
local type, error = type, error
local collectgarbage = collectgarbage
-- The count hook runs every STEP instructions: after BUDGET instructions in
-- all, or once the heap passes MEMORY_KB, the run is over.
local STEP, BUDGET, MEMORY_KB = 1000, 100000, 256 * 1024
local steps = BUDGET // STEP
local function hard() error("fuzz budget", 0) end
local function soft()
  steps = steps - 1
  local kb = collectgarbage("count")   -- nil inside a finalizer
  if steps <= 0 or (kb and kb > MEMORY_KB) then
    sethook(hard, "", 1)
    error("fuzz budget", 0)
  end
end
coroutine.create = function(f)
  local co = cocreate(f)
  sethook(co, soft, "", STEP)
  return co
end
coroutine.wrap = function(f)
  if type(f) ~= "function" then return cowrap(f) end
  return cowrap(function(...) sethook(soft, "", STEP); return f(...) end)
end
debug.sethook = function() end
local rep = string.rep
string.rep = function(s, n, sep)
  if type(n) == "number" and n > 0 then
    local len = (type(s) == "string" or type(s) == "number") and #tostring(s) or 0
    local seplen = (type(sep) == "string" or type(sep) == "number") and #tostring(sep) or 0
    if (len + seplen) * n > 1048576 then error("fuzz: string.rep too large") end
  end
  return rep(s, n, sep)
end
local os = os
_G.os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }
package.loaded.os = _G.os
_G.io = nil
package.loaded.io = nil
package.loadlib = nil
print, dofile, loadfile, require, warn = function() end, nil, nil, nil, function() end
--ARM--
"#;

/// A fresh state with the sandbox prelude applied (its hook is armed).
pub fn new_lua() -> Lua {
    new_lua_with(true)
}

/// Like `new_lua`; `arm` false leaves the main thread without the budget
/// hook (for drivers that are bounded themselves and reuse the state).
pub fn new_lua_with(arm: bool) -> Lua {
    new_lua_budget(arm, 100_000)
}

/// Like `new_lua_with`, with an instruction budget of `budget`.
pub fn new_lua_budget(arm: bool, budget: u32) -> Lua {
    // A real per-state limit: a script may ask for a huge buffer (for
    // instance `string.pack("c2226222222")`, 2 GB in PUC Lua too), which
    // must end in "not enough memory", not in the fuzzer's RSS limit.
    let mut lua = Lua::with_options(crescent::raw::Options {
        memory_limit: Some(512 << 20),
        ..Default::default()
    });
    let arm_code = if arm { "sethook(soft, \"\", STEP)" } else { "" };
    let prelude = PRELUDE.replace("--ARM--", arm_code).replace(
        "BUDGET, MEMORY_KB = 1000, 100000,",
        &format!("BUDGET, MEMORY_KB = 1000, {budget},"),
    );
    if let Err(e) = lua.eval(&prelude) {
        panic!("fuzz prelude failed: {e}");
    }
    lua
}

/// Gives this thread's pattern matcher a fresh step budget for one input.
/// Patterns backtrack exponentially in PUC Lua too (for instance
/// `string.find(s, "-8+++...+zz")` ran 85 s): past the budget the match fails
/// with "pattern too complex" instead of ending in a libFuzzer timeout.
pub fn reset_pattern_budget() {
    crescent::stdlib::pattern::set_step_budget(2_000_000);
}

/// Loads `chunk` with `mode` and, if that gives a function, calls it under
/// `pcall`. Errors are fine; only panics (and memory errors) are bugs.
pub fn load_and_run(lua: &mut Lua, chunk: &[u8], mode: &[u8]) {
    reset_pattern_budget();
    let l = lua.state();
    let base = l.top();
    if let Ok(f) = l.load_chunk(chunk, b"=fuzz", mode, None) {
        if let Value::Nil = f {
            return;
        }
        l.push(f);
        let _ = l.pcall(base, 0, None);
    }
    l.set_top(base);
}
