//! The collector from the host's side: heap verification after stress
//! scenarios in both modes, the memory limit, and accounting.

use crescent::Lua;

/// Runs `code` on a fresh state in the given collector mode and checks the
/// heap's invariants afterwards (and after every step, via `verify_steps`).
fn run_verified(code: &str, generational: bool) {
    let mut lua = Lua::new();
    let l = lua.state();
    l.global().heap.verify_steps = true;
    if generational {
        l.enter_generational();
    }
    let out = lua.eval(code);
    assert!(out.is_ok(), "{out:?}");
    let l = lua.state();
    if let Err(e) = l.global().heap.verify() {
        panic!("heap invariant broken: {e}");
    }
    l.collect_garbage();
    if let Err(e) = l.global().heap.verify() {
        panic!("heap invariant broken after a full collection: {e}");
    }
}

const MUTATOR: &str = r#"
    local keep, weak = {}, setmetatable({}, {__mode = "v"})
    local eph = setmetatable({}, {__mode = "k"})
    for round = 1, 300 do
        local t = {round = round, list = {}}
        for i = 1, 20 do t.list[i] = {i, tostring(i * round)} end
        keep[round % 37 + 1] = t
        weak[round] = t.list
        eph[t] = {back = t}
        local co = coroutine.wrap(function(a) local b = coroutine.yield(a) return b end)
        co(t); co(round)
        if round % 50 == 0 then
            setmetatable({}, {__gc = function(o) keep.resurrected = o end})
        end
        collectgarbage("step", 1)
    end
    for i, t in pairs(keep) do
        if i ~= "resurrected" then assert(#t.list == 20 and t.list[3][1] == 3) end
    end
    return "done"
"#;

#[test]
fn heap_invariants_hold_in_incremental_mode() {
    run_verified(MUTATOR, false);
}

#[test]
fn heap_invariants_hold_in_generational_mode() {
    run_verified(MUTATOR, true);
}

#[test]
fn stress_mode_keeps_invariants() {
    let mut lua = Lua::new();
    lua.state().global().heap.stress = true;
    assert!(lua.eval(MUTATOR).is_ok());
    assert!(lua.state().global().heap.verify().is_ok());
}

#[test]
fn memory_limit_stops_runaway_allocation() {
    let mut lua = Lua::new();
    lua.state().global().heap.set_memory_limit(Some(10 << 20));
    // Table growth, many small objects, string doubling: each is stopped.
    let bombs = [
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "local t = {} for i = 1, 1e9 do t[i] = {i} end",
        "local s = 'x' for i = 1, 40 do s = s .. s end",
        "local t = {} for i = 1, 1e9 do t[#t + 1] = tostring(i) .. 'padding' end",
    ];
    for bomb in bombs {
        let code = format!(
            "local ok, err = pcall(function() {bomb} end)
             return tostring(ok) .. ' ' .. tostring(err)"
        );
        let out = lua.eval(&code).expect("pcall catches the memory error");
        assert_eq!(out, "false not enough memory", "{bomb}");
        // The state goes on running, with memory back under the limit.
        let after = lua
            .eval("collectgarbage() local t = {} for i = 1, 1000 do t[i] = {i} end return #t")
            .expect("the state is usable");
        assert_eq!(after, "1000");
        assert!(lua.state().global().heap.total_bytes() < 10 << 20);
    }
}

#[test]
fn count_is_exact_to_the_accounting() {
    let mut lua = Lua::new();
    let out = lua
        .eval(
            "collectgarbage() local a = collectgarbage('count')
             local t = {} for i = 1, 100000 do t[i] = {} end
             local b = collectgarbage('count')
             t = nil collectgarbage()
             local c = collectgarbage('count')
             return b > a + 3000, c < a + 50",
        )
        .unwrap();
    assert_eq!(out, "true\ttrue");
    let bytes = lua.state().global().heap.total_bytes();
    let kib: f64 = lua
        .eval("return collectgarbage('count')")
        .unwrap()
        .parse()
        .unwrap();
    assert!((kib * 1024.0 - bytes as f64).abs() < 4096.0);
}
