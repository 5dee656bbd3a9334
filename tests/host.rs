//! OpenResty-style host features: preload hooks, the global write guard,
//! close hooks, cached or fresh states per worker.

use std::sync::{Arc, Mutex};

use crescent::host::{self, GuardMode, HostOptions, HostState, Libraries, StatePolicy, Worker};
use crescent::plain::PlainValue;
use crescent::sandbox::{Sandbox, SandboxError, SandboxOptions};
use crescent::{LuaResult, State, Value};

fn twice(l: &mut State) -> LuaResult<usize> {
    let n = l.check_integer(1)?;
    l.push(Value::Int(n * 2));
    Ok(1)
}

fn version_loader(l: &mut State) -> LuaResult<usize> {
    let t = l.new_table(0, 1);
    let v = l.new_str_value(b"1.0");
    l.set_field(t, "version", v);
    l.push(Value::Table(t));
    Ok(1)
}

#[test]
fn preload_hooks_are_found_by_require() {
    let mut state = HostState::new(HostOptions::default());
    host::preload_module(state.state(), "host.math", &[("twice", twice)]);
    host::preload(state.state(), "host.info", version_loader);
    let out = host::exec(
        state.state(),
        "local m = require 'host.math' local i = require 'host.info'
         return m.twice(21), i.version, require('host.math') == m",
        "t",
    )
    .unwrap();
    assert_eq!(
        out,
        vec![
            PlainValue::Int(42),
            PlainValue::Str(b"1.0".to_vec()),
            PlainValue::Bool(true)
        ]
    );
    // The sandbox's `require` finds them too, and nothing else.
    let mut sb = Sandbox::new(SandboxOptions::default());
    host::preload_module(sb.lua().state(), "host.math", &[("twice", twice)]);
    assert_eq!(
        sb.run("return require('host.math').twice(5)").unwrap(),
        vec![PlainValue::Int(10)]
    );
    assert!(matches!(
        sb.run("return require('io')"),
        Err(SandboxError::Runtime(_))
    ));
}

#[test]
fn the_global_write_guard_refuses_undeclared_globals() {
    let mut state = HostState::new(HostOptions::default());
    host::exec(
        state.state(),
        "counter = 0 function handler() counter = counter + 1 return counter end",
        "init",
    )
    .unwrap();
    state.guard_globals();
    // Declared globals (present when guarded) stay writable.
    assert_eq!(
        state.call("handler", &[]).unwrap(),
        vec![PlainValue::Int(1)]
    );
    let err = host::exec(state.state(), "leak = 1", "req").unwrap_err();
    match err {
        SandboxError::Runtime(m) => assert!(m.contains("undeclared global 'leak'"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Locals are fine; declare() makes a global legal, even as nil.
    host::exec(
        state.state(),
        "local x = 1 declare('config') config = {port = 80}",
        "req",
    )
    .unwrap();
    assert_eq!(
        host::exec(
            state.state(),
            "config = nil config = 5 return config, leak",
            "req"
        )
        .unwrap(),
        vec![PlainValue::Int(5), PlainValue::Nil]
    );
}

#[test]
fn the_warning_guard_allows_the_write() {
    let mut state = HostState::new(HostOptions {
        global_guard: Some(GuardMode::Warn),
        ..HostOptions::default()
    });
    state.guard_globals();
    assert_eq!(
        host::exec(
            state.state(),
            "sloppy = 7 sloppy = sloppy + 1 return sloppy",
            "req"
        )
        .unwrap(),
        vec![PlainValue::Int(8)]
    );
}

#[test]
fn close_hooks_run_last_first_with_the_state() {
    let log = Arc::new(Mutex::new(Vec::new()));
    {
        let mut state = HostState::new(HostOptions::default());
        host::exec(state.state(), "requests = 3", "init").unwrap();
        let first = log.clone();
        state.on_close(move |_| first.lock().unwrap().push("first".to_string()));
        let second = log.clone();
        state.on_close(move |lua| {
            let n = lua.eval("return requests").unwrap();
            second.lock().unwrap().push(format!("second saw {n}"));
        });
    }
    assert_eq!(*log.lock().unwrap(), vec!["second saw 3", "first"]);
}

fn counting_worker(policy: StatePolicy) -> Worker {
    let options = HostOptions {
        instruction_limit: Some(100_000),
        ..HostOptions::default()
    };
    Worker::new(
        policy,
        options,
        Arc::new(|state: &mut HostState| {
            host::exec(
                state.state(),
                "hits = 0
                 function handle(spin)
                   hits = hits + 1
                   if spin then while true do end end
                   return hits
                 end",
                "app",
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        }),
    )
}

#[test]
fn a_cached_state_keeps_its_globals_and_survives_limits() {
    let mut worker = counting_worker(StatePolicy::Cached);
    for expected in 1..=3 {
        let out = worker.with_state(|s| s.call("handle", &[])).unwrap();
        assert_eq!(out.unwrap(), vec![PlainValue::Int(expected)]);
    }
    let out = worker
        .with_state(|s| s.call("handle", &[PlainValue::Bool(true)]))
        .unwrap();
    assert_eq!(out, Err(SandboxError::InstructionLimit));
    let out = worker.with_state(|s| s.call("handle", &[])).unwrap();
    assert_eq!(out.unwrap(), vec![PlainValue::Int(5)]);
    assert_eq!(worker.states_created, 1);
}

#[test]
fn a_fresh_state_per_request_starts_clean() {
    let mut worker = counting_worker(StatePolicy::FreshPerRequest);
    for _ in 0..3 {
        let out = worker.with_state(|s| s.call("handle", &[])).unwrap();
        assert_eq!(out.unwrap(), vec![PlainValue::Int(1)]);
    }
    assert_eq!(worker.states_created, 3);
}

#[test]
fn a_safe_host_state_has_no_io() {
    let mut state = HostState::new(HostOptions {
        libraries: Libraries::Safe(SandboxOptions::default()),
        ..HostOptions::default()
    });
    assert_eq!(
        host::exec(
            state.state(),
            "return io, os.execute, string.upper('x')",
            "t"
        )
        .unwrap(),
        vec![
            PlainValue::Nil,
            PlainValue::Nil,
            PlainValue::Str(b"X".to_vec())
        ]
    );
}
