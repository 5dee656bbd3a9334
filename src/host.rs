//! Host features in the manner of OpenResty's `lua-nginx-module`:
//!
//! * **Preload hooks** ([`preload`], [`preload_module`]): Rust module loaders
//!   registered in `package.preload` (the registry's `_PRELOAD`), so
//!   `require "host.mod"` finds them, in full and sandboxed states alike.
//! * **Global write guard** ([`set_global_guard`]): a metatable on `_G`
//!   whose `__newindex` warns about or refuses writes to undeclared globals
//!   (declared: present when the guard was set, or declared later with the
//!   global function `declare(name, value)`).
//! * **Close hooks** ([`HostState::on_close`]): host code run when a state
//!   closes, before its objects are finalized.
//! * **State policy** ([`Worker`]): one cached state per worker (code loaded
//!   once, OpenResty's `lua_code_cache on`) or a fresh state per request
//!   (`lua_code_cache off`).
//! * Protected calls from Rust with plain values in and out ([`call_global`]).
//!
//! ```
//! use std::sync::Arc;
//! use crescent::host::{self, HostOptions, HostState, StatePolicy, Worker};
//! use crescent::plain::PlainValue;
//! use crescent::{LuaResult, State};
//!
//! /// A Rust module function: `require("host.text").shout(s)`.
//! fn shout(l: &mut State) -> LuaResult<usize> {
//!     let s = l.check_string(1)?;
//!     let loud = s.to_str_lossy().to_uppercase();
//!     let v = l.new_str_value(loud.as_bytes());
//!     l.push(v);
//!     Ok(1)
//! }
//!
//! // Runs once per new state: preload hooks, the handler code, close hooks.
//! let setup = Arc::new(|st: &mut HostState| {
//!     host::preload_module(st.state(), "host.text", &[("shout", shout)]);
//!     let code = "local text = require 'host.text'
//!                 served = 0
//!                 function handle(name)
//!                   served = served + 1
//!                   return text.shout('hello ' .. name), served
//!                 end
//!                 function leak() oops = 1 end";
//!     host::exec(st.state(), code, "handler").map_err(|e| e.to_string())?;
//!     st.on_close(|_lua| { /* flush logs, release host resources ... */ });
//!     Ok(())
//! });
//! let options = HostOptions { instruction_limit: Some(1_000_000), ..HostOptions::default() };
//! let moon = [PlainValue::Str(b"moon".to_vec())];
//!
//! // One cached state: globals persist between requests.
//! let mut worker = Worker::new(StatePolicy::Cached, options.clone(), setup.clone());
//! for expected in 1..=2 {
//!     let out = worker.with_state(|st| st.call("handle", &moon))??;
//!     assert_eq!(out, vec![PlainValue::Str(b"HELLO MOON".to_vec()), PlainValue::Int(expected)]);
//! }
//! assert_eq!(worker.states_created, 1);
//! // The write guard (on by default) refuses undeclared globals.
//! let err = worker.with_state(|st| st.call("leak", &[]))?.unwrap_err();
//! assert!(err.to_string().contains("assignment to undeclared global 'oops'"));
//!
//! // A fresh state per request: nothing persists.
//! let mut worker = Worker::new(StatePolicy::FreshPerRequest, options, setup);
//! for _ in 0..2 {
//!     let out = worker.with_state(|st| st.call("handle", &moon))??;
//!     assert_eq!(out[1], PlainValue::Int(1));
//! }
//! assert_eq!(worker.states_created, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write;
use std::sync::Arc;

use crate::api::{error_text, Lua};
use crate::error::LuaResult;
use crate::gc::Gc;
use crate::plain::PlainValue;
use crate::sandbox::{
    classify_error, native_closure, open_safe_libs, SandboxError, SandboxOptions,
};
use crate::state::State;
use crate::table::Table;
use crate::value::{NativeFn, Value};

// ----- preload hooks -----

/// Registers `loader` for `require(name)` (`package.preload[name]`). The
/// loader is called with the module name and returns the module.
pub fn preload(l: &mut State, name: &str, loader: NativeFn) {
    let preload = preload_table(l);
    l.set_field(preload, name, Value::LightNative(loader));
}

/// Registers a module made of native functions: `require(name)` returns a
/// table of them (built on first `require`).
pub fn preload_module(l: &mut State, name: &str, functions: &[(&str, NativeFn)]) {
    let module = l.new_table(0, functions.len());
    l.set_functions(module, functions);
    let loader = native_closure(l, return_upvalue, &[Value::Table(module)]);
    let preload = preload_table(l);
    l.set_field(preload, name, loader);
}

fn return_upvalue(l: &mut State) -> LuaResult<usize> {
    let v = l.native_upvalue(1);
    l.push(v);
    Ok(1)
}

/// The registry's `_PRELOAD` table, created on demand.
fn preload_table(l: &mut State) -> Gc<Table> {
    let reg = l.global().registry;
    match l.get_field(reg, "_PRELOAD") {
        Value::Table(t) => t,
        _ => {
            let t = l.new_table(0, 4);
            l.set_field(reg, "_PRELOAD", Value::Table(t));
            t
        }
    }
}

// ----- global write guard -----

/// What the guard does with a write to an undeclared global.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardMode {
    /// Print a warning on standard error (once per name) and allow it.
    Warn,
    /// Raise an error.
    Error,
}

/// Guards `_G` against writes to undeclared globals and adds `declare`.
pub fn set_global_guard(l: &mut State, mode: GuardMode) {
    let g = l.global().globals;
    let declared = l.new_table(0, 8);
    let warned = l.new_table(0, 8);
    let mode_value = Value::Bool(mode == GuardMode::Error);
    let declare = native_closure(l, declare_global, &[Value::Table(declared)]);
    l.set_field(g, "declare", declare);
    let mt = match g.metatable() {
        Some(mt) => mt,
        None => l.new_table(0, 1),
    };
    let guard = native_closure(
        l,
        guarded_newindex,
        &[Value::Table(declared), mode_value, Value::Table(warned)],
    );
    l.set_field(mt, "__newindex", guard);
    g.set_metatable(Some(mt));
    l.global().heap.barrier_back(g);
}

/// `declare(name [, value])`: declares a global (even as nil) and sets it.
fn declare_global(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let value = l.arg(2);
    if let Value::Table(declared) = l.native_upvalue(1) {
        let grown = declared
            .set(Value::Str(name), Value::Bool(true))
            .unwrap_or(0);
        l.global().heap.barrier_back(declared);
        l.global().heap.adjust(grown);
    }
    let g = l.global().globals;
    l.raw_set(g, Value::Str(name), value)?;
    Ok(0)
}

/// `_G.__newindex`: reached only for names absent from `_G`.
fn guarded_newindex(l: &mut State) -> LuaResult<usize> {
    let (t, key, value) = (l.arg(1), l.arg(2), l.arg(3));
    let declared = match (l.native_upvalue(1), key) {
        (Value::Table(d), k @ Value::Str(_)) => !d.get(k).is_nil(),
        _ => false,
    };
    if !declared {
        let name = match key {
            Value::Str(s) => s.to_str_lossy().into_owned(),
            other => format!("({})", other.type_name()),
        };
        if !l.native_upvalue(2).is_falsy() {
            return Err(l.error(format!(
                "assignment to undeclared global '{name}' (use declare)"
            )));
        }
        if let Value::Table(warned) = l.native_upvalue(3) {
            if warned.get(key).is_nil() {
                let grown = warned.set(key, Value::Bool(true)).unwrap_or(0);
                l.global().heap.barrier_back(warned);
                l.global().heap.adjust(grown);
                let position = String::from_utf8_lossy(&l.where_(1)).into_owned();
                let _ = writeln!(
                    std::io::stderr(),
                    "crescent: {position}writing a global Lua variable ('{name}')"
                );
            }
        }
    }
    if let Value::Table(g) = t {
        l.raw_set(g, key, value)?;
    }
    Ok(0)
}

// ----- calling Lua from the host -----

/// Calls global function `name` with plain arguments, protected; results
/// come back as plain values, errors classified (limits, memory, runtime).
pub fn call_global(
    l: &mut State,
    name: &str,
    args: &[PlainValue],
) -> Result<Vec<PlainValue>, SandboxError> {
    let g = l.global().globals;
    let f = l.get_field(g, name);
    call_function(l, f, args)
}

/// Calls a function value with plain arguments, protected.
pub fn call_function(
    l: &mut State,
    f: Value,
    args: &[PlainValue],
) -> Result<Vec<PlainValue>, SandboxError> {
    let base = l.top();
    if l.check_stack(args.len() + 1).is_err() {
        return Err(SandboxError::Runtime("stack overflow".into()));
    }
    l.push(f);
    for a in args {
        let v = a.to_value(l);
        l.push(v);
    }
    let result = match l.pcall(base, -1, None) {
        Ok(()) => (base..l.top())
            .map(|i| PlainValue::from_value(l.at(i)).map_err(SandboxError::Runtime))
            .collect(),
        Err(e) => Err(classify_error(l, e)),
    };
    crate::sandbox::clear_stack_from(l, base);
    result
}

/// Runs a chunk in the state's globals, protected (syntax errors included).
pub fn exec(l: &mut State, source: &str, name: &str) -> Result<Vec<PlainValue>, SandboxError> {
    let chunk_name = format!("={name}");
    let f = match l.load_chunk(source.as_bytes(), chunk_name.as_bytes(), b"t", None) {
        Ok(f) => f,
        Err(e) => return Err(SandboxError::Syntax(error_text(l, e))),
    };
    call_function(l, f, &[])
}

// ----- states for workers -----

/// Which libraries a host state opens.
#[derive(Clone, Debug)]
pub enum Libraries {
    /// Every standard library.
    All,
    /// The sandbox's safe set (read-only library tables).
    Safe(SandboxOptions),
}

/// How a host state is set up.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// The libraries to open.
    pub libraries: Libraries,
    /// The global write guard to set by [`HostState::guard_globals`] (none: off).
    pub global_guard: Option<GuardMode>,
    /// Per-call instruction budget (see [`HostState::begin_request`]).
    pub instruction_limit: Option<u64>,
    /// Bytes the state's heap may hold ("not enough memory" beyond).
    pub memory_limit: Option<usize>,
}

impl Default for HostOptions {
    fn default() -> HostOptions {
        HostOptions {
            libraries: Libraries::All,
            global_guard: Some(GuardMode::Error),
            instruction_limit: None,
            memory_limit: None,
        }
    }
}

type CloseHook = Box<dyn FnOnce(&mut Lua) + Send>;

/// A state owned by a host, with close hooks.
pub struct HostState {
    lua: Option<Lua>,
    options: HostOptions,
    close_hooks: Vec<CloseHook>,
}

impl HostState {
    /// A state set up as `options` asks. Preload hooks and host code are
    /// added afterwards; call [`HostState::guard_globals`] after loading the
    /// code whose globals should count as declared.
    pub fn new(options: HostOptions) -> HostState {
        let mut lua = match &options.libraries {
            Libraries::All => Lua::new(),
            Libraries::Safe(sandbox) => {
                let mut lua = Lua::new_bare();
                open_safe_libs(lua.state(), sandbox);
                lua
            }
        };
        lua.set_memory_limit(options.memory_limit);
        lua.set_instruction_limit(None);
        HostState {
            lua: Some(lua),
            options,
            close_hooks: Vec::new(),
        }
    }

    /// The state.
    pub fn lua(&mut self) -> &mut Lua {
        // `lua` is taken only while dropping.
        self.lua.get_or_insert_with(Lua::new_bare)
    }

    /// The state's main thread (the engine-level interface).
    pub fn state(&mut self) -> &mut State {
        self.lua().state()
    }

    /// Turns the global write guard on, if the options ask for it.
    pub fn guard_globals(&mut self) {
        if let Some(mode) = self.options.global_guard {
            set_global_guard(self.state(), mode);
        }
    }

    /// Runs `hook` when the state closes (hooks run last-registered first).
    pub fn on_close(&mut self, hook: impl FnOnce(&mut Lua) + Send + 'static) {
        self.close_hooks.push(Box::new(hook));
    }

    /// Starts a request: a fresh instruction budget.
    pub fn begin_request(&mut self) {
        let limit = self.options.instruction_limit;
        self.lua().set_instruction_limit(limit);
    }

    /// Calls global function `name` as one request (fresh budget).
    pub fn call(
        &mut self,
        name: &str,
        args: &[PlainValue],
    ) -> Result<Vec<PlainValue>, SandboxError> {
        self.begin_request();
        call_global(self.state(), name, args)
    }
}

impl Drop for HostState {
    fn drop(&mut self) {
        if let Some(mut lua) = self.lua.take() {
            lua.reset_limits();
            while let Some(hook) = self.close_hooks.pop() {
                hook(&mut lua);
            }
        }
    }
}

/// Whether a worker keeps its state between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatePolicy {
    /// One state per worker, set up once (OpenResty's `lua_code_cache on`).
    Cached,
    /// A fresh state per request (`lua_code_cache off`): slower, isolated.
    FreshPerRequest,
}

type Setup = Arc<dyn Fn(&mut HostState) -> Result<(), String> + Send + Sync>;

/// Hands out states to one worker thread according to a [`StatePolicy`].
pub struct Worker {
    policy: StatePolicy,
    options: HostOptions,
    setup: Setup,
    cached: Option<HostState>,
    /// States created so far (setups run).
    pub states_created: usize,
}

impl Worker {
    /// `setup` registers preload hooks and loads the host's code in a new state.
    pub fn new(policy: StatePolicy, options: HostOptions, setup: Setup) -> Worker {
        Worker {
            policy,
            options,
            setup,
            cached: None,
            states_created: 0,
        }
    }

    fn fresh(&mut self) -> Result<HostState, String> {
        let mut state = HostState::new(self.options.clone());
        (self.setup)(&mut state)?;
        state.guard_globals();
        self.states_created += 1;
        Ok(state)
    }

    /// Runs `f` with the state for one request.
    pub fn with_state<R>(&mut self, f: impl FnOnce(&mut HostState) -> R) -> Result<R, String> {
        match self.policy {
            StatePolicy::FreshPerRequest => {
                let mut state = self.fresh()?;
                Ok(f(&mut state))
            }
            StatePolicy::Cached => {
                if self.cached.is_none() {
                    self.cached = Some(self.fresh()?);
                }
                match self.cached.as_mut() {
                    Some(state) => Ok(f(state)),
                    None => Err("no state".into()),
                }
            }
        }
    }
}
