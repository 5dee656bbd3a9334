//! Sandboxing untrusted scripts, in the manner of Luau's sandbox.
//!
//! * **Limits** ([`Limits`], kept in `Global::limits`): an instruction budget
//!   and an interrupt flag another OS thread can raise ([`InterruptHandle`]).
//!   Both ride on the VM's hook path: the `MASK_BUDGET` bit of a thread's
//!   `hook_mask` makes the dispatch loop call `charge_instruction` before
//!   each instruction, a decrement that looks at the budget and the flag every
//!   `POLL_INTERVAL` instructions. Once tripped, every further instruction
//!   fails again, so a script cannot catch its way past a limit with `pcall`.
//!   Coroutines inherit the bit from the thread creating them.
//! * **Safe libraries** ([`open_safe_libs`]): no `io`, `debug`, `package`,
//!   `dofile`, `loadfile`, `string.dump`; `os` only tells time; `load` takes
//!   text only; `collectgarbage` only counts and collects; `string.rep` results
//!   are bounded; pattern matching has a step budget (backtracking bombs) and
//!   `table.move` is charged to the instruction budget.
//! * **Read-only libraries and per-script environments**: every library table
//!   seen by scripts is an empty proxy whose metatable forwards reads, refuses
//!   writes and is itself hidden (`__metatable`); `rawset` refuses proxies. Each
//!   script runs with its own `_ENV` (`new_env`) whose reads fall back to the
//!   shared globals, so scripts in one state cannot see or spoil each other's
//!   globals, and no script can reach the real globals table.
//!
//! [`Sandbox`] puts these together for a host: a state with the safe set and
//! limits, running each script in a fresh environment and reporting which
//! limit stopped it. The memory limit is the collector's (see
//! `Lua::set_memory_limit`): past it, an emergency collection, then "not
//! enough memory"; big string results are refused before they are built.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use crescent::plain::PlainValue;
//! use crescent::sandbox::{Sandbox, SandboxError, SandboxOptions};
//!
//! let mut sb = Sandbox::new(SandboxOptions {
//!     instruction_limit: Some(1_000_000),
//!     memory_limit: Some(10 << 20),
//!     ..SandboxOptions::default()
//! });
//! assert_eq!(sb.run("return 6 * 7")?, vec![PlainValue::Int(42)]);
//! // Only the safe libraries, and library tables are read-only.
//! assert!(matches!(sb.run("return io.open('/etc/passwd')"), Err(SandboxError::Runtime(_))));
//! assert!(matches!(sb.run("string.upper = nil"), Err(SandboxError::Runtime(_))));
//! // Limits stop runaway scripts; the state serves the next script.
//! assert_eq!(sb.run("while true do end"), Err(SandboxError::InstructionLimit));
//! assert!(matches!(
//!     sb.run("local t = {} for i = 1, 1e9 do t[i] = {} end"),
//!     Err(SandboxError::Memory(_))
//! ));
//! assert_eq!(sb.run("return 'still here'")?, vec![PlainValue::Str(b"still here".to_vec())]);
//!
//! // Another thread can stop a script (here one with no instruction limit).
//! let mut sb = Sandbox::new(SandboxOptions { instruction_limit: None, ..SandboxOptions::default() });
//! let handle = sb.interrupt_handle();
//! let done = Arc::new(AtomicBool::new(false));
//! let stopper = std::thread::spawn({
//!     let done = done.clone();
//!     move || {
//!         // `run` clears the flag when it starts: raise it until it ends.
//!         while !done.load(Ordering::Relaxed) {
//!             std::thread::sleep(Duration::from_millis(10));
//!             handle.interrupt();
//!         }
//!     }
//! });
//! let r = sb.run("while true do end");
//! done.store(true, Ordering::Relaxed);
//! stopper.join().unwrap();
//! assert_eq!(r, Err(SandboxError::Interrupted));
//! # Ok::<(), SandboxError>(())
//! ```

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::api::{error_text, Lua};
use crate::error::{ErrorKind, LuaResult};
use crate::function::NativeClosure;
use crate::gc::Gc;
use crate::plain::PlainValue;
use crate::state::State;
use crate::stdlib::pattern;
use crate::table::Table;
use crate::value::{NativeFn, Value};

/// `hook_mask` bit: the thread runs under the host's instruction budget.
/// It always comes with `MASK_COUNT`, so the dispatch loop's existing test
/// for line and count hooks sends it to `trace_exec`; with no debug count
/// hook the count never reaches zero there (it starts at 0 and counts down).
pub(crate) const MASK_BUDGET: u8 = 16;
const BUDGET_BITS: u8 = MASK_BUDGET | crate::stdlib::dblib::MASK_COUNT;

/// The budget bits of a hook mask, to carry over to a new mask or thread.
pub(crate) fn budget_bits(hook_mask: u8) -> u8 {
    if hook_mask & MASK_BUDGET != 0 {
        BUDGET_BITS
    } else {
        0
    }
}
/// Instructions between looks at the budget and the interrupt flag.
const POLL_INTERVAL: u64 = 1024;
/// Registry key of the metatable shared by script environments.
const ENV_METATABLE_KEY: &str = "crescent.sandbox.env_metatable";
/// Marker field of read-only proxies' metatables.
const READONLY_MARK: &str = "__readonly";
/// What `getmetatable` returns for protected tables and strings.
const LOCKED: &[u8] = b"locked";

/// Which limit stopped a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// The instruction budget ran out.
    Instructions,
    /// Another thread raised the interrupt flag.
    Interrupted,
}

/// Per-state limits (part of `Global`).
#[derive(Debug)]
pub struct Limits {
    /// Instructions left before the next look at the limits (at least 1).
    countdown: u64,
    /// The countdown's starting value at the last look.
    slice: u64,
    /// Instructions (and charged native work) counted at the last look.
    used: u64,
    instruction_limit: Option<u64>,
    interrupt: Arc<AtomicBool>,
    tripped: Option<LimitKind>,
    /// Largest string `string.rep` may build (sandboxed states).
    pub max_string_size: Option<usize>,
    /// Matcher steps one pattern-matching call may take (sandboxed states).
    pub pattern_step_limit: Option<u64>,
    /// Heap bytes allowed (`usize::MAX`: unbounded); see `check_memory`.
    memory_limit: usize,
    /// A collection for the memory limit is running.
    collecting: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            countdown: POLL_INTERVAL,
            slice: POLL_INTERVAL,
            used: 0,
            instruction_limit: None,
            interrupt: Arc::new(AtomicBool::new(false)),
            tripped: None,
            max_string_size: None,
            pattern_step_limit: None,
            memory_limit: usize::MAX,
            collecting: false,
        }
    }
}

impl Limits {
    fn refill(&mut self) {
        let slice = match self.instruction_limit {
            Some(limit) => limit.saturating_sub(self.used).clamp(1, POLL_INTERVAL),
            None => POLL_INTERVAL,
        };
        self.slice = slice;
        self.countdown = slice;
    }

    /// Starts a fresh budget: nothing used, nothing tripped, no interrupt.
    pub fn reset(&mut self) {
        self.used = 0;
        self.tripped = None;
        self.interrupt.store(false, Ordering::Relaxed);
        self.refill();
    }

    /// Instructions run (plus native work charged) since the last reset.
    pub fn used(&self) -> u64 {
        self.used + (self.slice - self.countdown)
    }

    /// Whether the interrupt flag is up.
    pub fn interrupt_raised(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
    }

    /// The limit that stopped the state, if any, since the last reset.
    pub fn tripped(&self) -> Option<LimitKind> {
        self.tripped
    }

    fn over_limit(&self) -> Option<LimitKind> {
        if self.interrupt.load(Ordering::Relaxed) {
            Some(LimitKind::Interrupted)
        } else if self.instruction_limit.is_some_and(|n| self.used >= n) {
            Some(LimitKind::Instructions)
        } else {
            None
        }
    }
}

/// Called by the VM before each instruction of a thread under the budget.
#[inline]
pub(crate) fn charge_instruction(l: &mut State) -> LuaResult<()> {
    let g = l.global();
    g.limits.countdown -= 1;
    if g.limits.countdown == 0 || g.heap.total_bytes() > g.limits.memory_limit {
        return check_limits(l);
    }
    Ok(())
}

#[cold]
fn check_limits(l: &mut State) -> LuaResult<()> {
    let limits = &mut l.global().limits;
    if limits.countdown == 0 {
        if limits.tripped.is_none() {
            limits.used += limits.slice;
        }
        match limits.over_limit() {
            None => limits.refill(),
            Some(kind) => return trip(l, kind),
        }
    }
    if l.global().heap.total_bytes() > l.global().limits.memory_limit {
        return check_memory(l);
    }
    Ok(())
}

/// The memory limit, checked before each instruction: past it, a full
/// collection, and if the heap is still above 15/16 of the limit, "not
/// enough memory" (a
/// catchable error, as in PUC; the next instruction checks again). Between
/// two instructions one operation may overshoot the limit by what it
/// allocates (a concatenation, one library call; `string.rep` and
/// `string.gsub` results are bounded by `max_string_size` in a sandbox).
/// The collector's own limit, enforced at allocation, makes this exact.
#[cold]
fn check_memory(l: &mut State) -> LuaResult<()> {
    if l.global().limits.collecting {
        return Ok(());
    }
    // Collect as a hook would run: the frame's whole register window is live.
    let saved_top = l.top;
    if let Some(ci) = l.frames.last().copied() {
        if ci.closure.is_some() && l.top < ci.top {
            l.check_stack(ci.top - l.top)?;
            l.top = ci.top;
        }
    }
    l.global().limits.collecting = true;
    l.collect_garbage();
    l.global().limits.collecting = false;
    l.top = saved_top;
    // Too little room left after a full collection counts as full: else a
    // script living just under the limit would collect at every step.
    let limit = l.global().limits.memory_limit;
    if l.global().heap.total_bytes() > limit - limit / 16 {
        let msg = l.new_str_value(b"not enough memory");
        return Err(crate::error::LuaError {
            kind: ErrorKind::Memory,
            value: msg,
        });
    }
    Ok(())
}

/// Records a tripped limit and raises its error; the next instruction will
/// raise it again.
fn trip(l: &mut State, kind: LimitKind) -> LuaResult<()> {
    let limits = &mut l.global().limits;
    limits.tripped = Some(kind);
    limits.slice = 1;
    limits.countdown = 1;
    let msg = match kind {
        LimitKind::Instructions => "instruction limit exceeded",
        LimitKind::Interrupted => "interrupted",
    };
    Err(l.rt_error_msg(msg))
}

/// Charges `work` units of native work (pattern steps, moved elements) to
/// the instruction budget, failing if it runs out.
pub(crate) fn charge_work(l: &mut State, work: u64) -> LuaResult<()> {
    let limits = &mut l.global().limits;
    limits.used = limits.used.saturating_add(work);
    match limits.over_limit() {
        None => Ok(()),
        Some(kind) => trip(l, kind),
    }
}

/// A handle another OS thread can use to stop a running script: the script
/// fails with "interrupted" within `POLL_INTERVAL` instructions.
#[derive(Clone, Debug)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Asks the running script to stop (it fails with "interrupted").
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether an interrupt is pending.
    pub fn is_interrupted(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Lua {
    /// Puts the main thread (and coroutines created from now on) under the
    /// instruction budget and interrupt flag.
    pub fn enable_limits(&mut self) {
        let l = self.state();
        l.hook_mask |= BUDGET_BITS;
    }

    /// Sets the instruction budget (`None`: unlimited, but still
    /// interruptible) and starts counting afresh.
    pub fn set_instruction_limit(&mut self, limit: Option<u64>) {
        self.enable_limits();
        let limits = &mut self.state().global().limits;
        limits.instruction_limit = limit;
        limits.reset();
    }

    /// Starts a fresh budget (used count, tripped limit and interrupt cleared).
    pub fn reset_limits(&mut self) {
        self.state().global().limits.reset();
    }

    /// Instructions run since the last reset.
    pub fn instructions_used(&mut self) -> u64 {
        self.state().global().limits.used()
    }

    /// The limit that stopped the last script, if one did.
    pub fn limit_hit(&mut self) -> Option<LimitKind> {
        self.state().global().limits.tripped()
    }

    /// A handle to interrupt this state from another thread.
    pub fn interrupt_handle(&mut self) -> InterruptHandle {
        self.enable_limits();
        InterruptHandle(self.state().global().limits.interrupt.clone())
    }
}

// ----- safe libraries -----

/// Bounds of a sandboxed state.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// Instructions one script (or one call) may run.
    pub instruction_limit: Option<u64>,
    /// Bytes the state's heap may hold.
    pub memory_limit: Option<usize>,
    /// Largest string `string.rep` may build.
    pub max_string_size: usize,
    /// Matcher steps one pattern-matching call may take.
    pub pattern_step_limit: u64,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            instruction_limit: Some(10_000_000),
            memory_limit: Some(64 << 20),
            max_string_size: 1 << 24,
            pattern_step_limit: 1_000_000,
        }
    }
}

/// Opens the safe library set into the state's globals, with read-only
/// library tables, and makes the string metatable unreachable.
pub fn open_safe_libs(l: &mut State, options: &SandboxOptions) {
    use crate::stdlib::{base, corolib, mathlib, oslib, strlib, tablib, utf8lib};
    let limits = &mut l.global().limits;
    limits.max_string_size = Some(options.max_string_size);
    limits.pattern_step_limit = Some(options.pattern_step_limit);

    base::open(l);
    corolib::open(l);
    strlib::open(l);
    tablib::open(l);
    mathlib::open(l);
    utf8lib::open(l);
    oslib::open(l);
    let g = l.global().globals;
    for name in ["dofile", "loadfile", "load", "_G"] {
        l.set_field(g, name, Value::Nil);
    }
    wrap_field(l, g, "collectgarbage", safe_collectgarbage);
    wrap_field(l, g, "rawset", safe_rawset);
    l.set_functions(g, &[("require", safe_require)]);

    if let Value::Table(os) = l.get_field(g, "os") {
        for name in [
            "execute",
            "exit",
            "getenv",
            "remove",
            "rename",
            "setlocale",
            "tmpname",
        ] {
            l.set_field(os, name, Value::Nil);
        }
    }
    if let Value::Table(string) = l.get_field(g, "string") {
        l.set_field(string, "dump", Value::Nil);
        wrap_field(l, string, "rep", bounded_rep);
        for name in ["find", "match", "gsub"] {
            wrap_field(l, string, name, with_pattern_budget);
        }
        wrap_field(l, string, "gmatch", bounded_gmatch);
    }
    if let Value::Table(table) = l.get_field(g, "table") {
        wrap_field(l, table, "move", charged_move);
        wrap_field(l, table, "concat", bounded_concat);
    }
    // Strings index the real string table, but no script can get at it.
    if let Some(mt) = l.global().type_metatable(crate::value::LuaType::String) {
        let locked = l.new_str_value(LOCKED);
        l.set_field(mt, "__metatable", locked);
    }
    let loaded = l.loaded_table();
    for name in ["string", "table", "math", "utf8", "coroutine", "os"] {
        if let Value::Table(t) = l.get_field(g, name) {
            let proxy = readonly_proxy(l, t);
            l.set_field(g, name, Value::Table(proxy));
            l.set_field(loaded, name, Value::Table(proxy));
        }
    }
}

/// A native closure with the given upvalues.
pub(crate) fn native_closure(l: &mut State, f: NativeFn, upvalues: &[Value]) -> Value {
    let c = l.global().heap.alloc(NativeClosure::new(
        f,
        upvalues.iter().map(|&v| Cell::new(v)).collect(),
    ));
    Value::NativeFn(c)
}

/// Replaces `t[name]` by `wrapper`, a closure whose upvalue 1 is the original.
fn wrap_field(l: &mut State, t: Gc<Table>, name: &str, wrapper: NativeFn) {
    let original = l.get_field(t, name);
    if original.is_function() {
        let w = native_closure(l, wrapper, &[original]);
        l.set_field(t, name, w);
    }
}

/// Calls upvalue 1 of the running closure with the running function's
/// arguments, leaving all its results on the stack; returns their count.
fn call_original(l: &mut State) -> LuaResult<usize> {
    let original = l.native_upvalue(1);
    let base = l.arg_base();
    let n = l.arg_count();
    let func = l.top();
    l.check_stack(n + 1)?;
    l.push(original);
    for i in 0..n {
        let v = l.at(base + i);
        l.push(v);
    }
    l.call(func, -1)?;
    Ok(l.top() - func)
}

// ----- read-only tables -----

/// An empty table that reads through to `t` and refuses writes; `pairs`
/// walks `t`, and its metatable is hidden.
pub(crate) fn readonly_proxy(l: &mut State, t: Gc<Table>) -> Gc<Table> {
    let proxy = l.new_table(0, 0);
    let mt = l.new_table(0, 5);
    l.set_field(mt, "__index", Value::Table(t));
    l.set_field(mt, "__newindex", Value::LightNative(readonly_error));
    let pairs = native_closure(l, readonly_pairs, &[Value::Table(t)]);
    l.set_field(mt, "__pairs", pairs);
    let locked = l.new_str_value(LOCKED);
    l.set_field(mt, "__metatable", locked);
    l.set_field(mt, READONLY_MARK, Value::Bool(true));
    proxy.set_metatable(Some(mt));
    proxy
}

/// Whether `t` is a read-only proxy.
pub(crate) fn is_readonly(l: &mut State, t: Gc<Table>) -> bool {
    match t.metatable() {
        Some(mt) => matches!(l.get_field(mt, READONLY_MARK), Value::Bool(true)),
        None => false,
    }
}

fn readonly_error(l: &mut State) -> LuaResult<usize> {
    Err(l.error("attempt to modify a read-only table"))
}

/// `__pairs` of a proxy: iterates the real table without handing it out.
fn readonly_pairs(l: &mut State) -> LuaResult<usize> {
    let t = l.native_upvalue(1);
    let iter = native_closure(l, readonly_next, &[t]);
    l.push(iter);
    l.push(Value::Nil);
    l.push(Value::Nil);
    Ok(3)
}

fn readonly_next(l: &mut State) -> LuaResult<usize> {
    let Value::Table(t) = l.native_upvalue(1) else {
        return Ok(0);
    };
    let key = l.arg(2);
    crate::stdlib::base::push_next(l, t, key)
}

fn safe_rawset(l: &mut State) -> LuaResult<usize> {
    if let Value::Table(t) = l.arg(1) {
        if is_readonly(l, t) {
            return readonly_error(l);
        }
    }
    call_original(l)
}

// ----- environments -----

/// A fresh global environment for one script: its own table (with `_G` and
/// a text-only `load` bound to it) reading through to the shared globals.
pub(crate) fn new_env(l: &mut State) -> Gc<Table> {
    let env = l.new_table(0, 4);
    l.set_field(env, "_G", Value::Table(env));
    let load = native_closure(l, env_load, &[Value::Table(env)]);
    l.set_field(env, "load", load);
    let mt = env_metatable(l);
    env.set_metatable(Some(mt));
    env
}

fn env_metatable(l: &mut State) -> Gc<Table> {
    let reg = l.global().registry;
    if let Value::Table(mt) = l.get_field(reg, ENV_METATABLE_KEY) {
        return mt;
    }
    let mt = l.new_table(0, 2);
    let g = l.global().globals;
    l.set_field(mt, "__index", Value::Table(g));
    let locked = l.new_str_value(LOCKED);
    l.set_field(mt, "__metatable", locked);
    l.set_field(reg, ENV_METATABLE_KEY, Value::Table(mt));
    mt
}

/// `load(chunk [, name [, mode [, env]]])` for sandboxed scripts: text only,
/// and the default environment is the script's own.
fn env_load(l: &mut State) -> LuaResult<usize> {
    let chunk = l.arg(1);
    let source: Vec<u8> = match chunk {
        Value::Str(s) => s.as_bytes().to_vec(),
        v if v.is_function() => {
            // Gather the pieces a reader function returns.
            let mut out = Vec::new();
            loop {
                let r = l.call_value(v, &[])?;
                match r.first() {
                    Some(Value::Str(s)) if !s.as_bytes().is_empty() => {
                        out.extend_from_slice(s.as_bytes())
                    }
                    Some(Value::Str(_)) | Some(Value::Nil) | None => break,
                    Some(_) => return Err(l.error("reader function must return a string")),
                }
            }
            out
        }
        _ => return Err(l.arg_type_error(1, "string")),
    };
    let name = match l.opt_string(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => match chunk {
            Value::Str(_) => source.clone(),
            _ => b"=(load)".to_vec(),
        },
    };
    let env = if l.arg_count() >= 4 {
        l.arg(4)
    } else {
        l.native_upvalue(1)
    };
    let loaded = l.load_chunk(&source, &name, b"t", Some(env));
    Ok(crate::stdlib::base::push_load_result(l, loaded))
}

// ----- bounded library functions -----

fn safe_collectgarbage(l: &mut State) -> LuaResult<usize> {
    let option = match l.arg(1) {
        Value::Str(s) => s.as_bytes().to_vec(),
        _ => b"collect".to_vec(),
    };
    match option.as_slice() {
        b"collect" | b"count" | b"step" | b"isrunning" => call_original(l),
        _ => Err(l.error("collectgarbage option not allowed in the sandbox")),
    }
}

/// Looks modules up in `package.loaded` and the host's preload table only.
fn safe_require(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let loaded = l.loaded_table();
    let cached = loaded.get_str(name);
    if !cached.is_nil() {
        l.push(cached);
        return Ok(1);
    }
    let reg = l.global().registry;
    let loader = match l.get_field(reg, "_PRELOAD") {
        Value::Table(preload) => preload.get_str(name),
        _ => Value::Nil,
    };
    if !loader.is_function() {
        let msg = [b"module '".as_slice(), name.as_bytes(), b"' not found"].concat();
        return Err(l.error(msg));
    }
    let results = l.call_value(loader, &[Value::Str(name), Value::Nil])?;
    let module = match results.first() {
        Some(v) if !v.is_nil() => *v,
        _ => Value::Bool(true),
    };
    let grown = loaded.set(Value::Str(name), module).unwrap_or(0);
    l.global().heap.barrier_back(loaded);
    l.global().heap.adjust(grown);
    l.push(module);
    Ok(1)
}

fn bounded_rep(l: &mut State) -> LuaResult<usize> {
    let max = l.global().limits.max_string_size.unwrap_or(usize::MAX) as u128;
    let len = |v: Value| match v {
        Value::Str(s) => s.as_bytes().len() as u128,
        Value::Int(_) | Value::Float(_) => 24,
        _ => 0,
    };
    let unit = len(l.arg(1)) + len(l.arg(3));
    if let Some(n) = crate::auxlib::to_integer(l.arg(2)) {
        if n > 0 && unit * n as u128 > max {
            return Err(l.error("resulting string too large"));
        }
    }
    call_original(l)
}

/// Restores the thread's unlimited pattern budget however the call ends.
struct PatternBudget {
    owner: bool,
    limit: u64,
}

impl PatternBudget {
    fn start(l: &mut State) -> PatternBudget {
        let limit = l.global().limits.pattern_step_limit.unwrap_or(u64::MAX);
        let owner = pattern::step_budget() == pattern::UNLIMITED_STEPS;
        if owner {
            pattern::set_step_budget(limit);
        }
        PatternBudget { owner, limit }
    }

    /// Steps used so far (for the outermost call).
    fn used(&self) -> u64 {
        if self.owner {
            self.limit.saturating_sub(pattern::step_budget())
        } else {
            0
        }
    }
}

impl Drop for PatternBudget {
    fn drop(&mut self) {
        if self.owner {
            pattern::set_step_budget(pattern::UNLIMITED_STEPS);
        }
    }
}

fn with_pattern_budget(l: &mut State) -> LuaResult<usize> {
    let budget = PatternBudget::start(l);
    let r = call_original(l);
    let used = budget.used();
    drop(budget);
    let n = r?;
    charge_work(l, used / 16)?;
    Ok(n)
}

/// `string.gmatch` whose iterator runs under the pattern budget.
fn bounded_gmatch(l: &mut State) -> LuaResult<usize> {
    let n = call_original(l)?;
    if n == 0 {
        return Ok(0);
    }
    let iter = l.at(l.top() - n);
    let wrapped = native_closure(l, with_pattern_budget, &[iter]);
    l.set_top(l.top() - n);
    l.push(wrapped);
    Ok(1)
}

/// `table.concat` whose separators alone cannot exceed the string bound
/// (the pieces themselves are already in memory).
fn bounded_concat(l: &mut State) -> LuaResult<usize> {
    let max = l.global().limits.max_string_size.unwrap_or(usize::MAX) as i128;
    if let (Value::Table(t), Value::Str(sep)) = (l.arg(1), l.arg(2)) {
        let first = crate::auxlib::to_integer(l.arg(3)).unwrap_or(1);
        let last = crate::auxlib::to_integer(l.arg(4)).unwrap_or_else(|| t.length());
        let pieces = (last as i128 - first as i128).max(0);
        if pieces * sep.as_bytes().len() as i128 > max {
            return Err(l.error("resulting string too large"));
        }
    }
    call_original(l)
}

/// Largest element count one `table.move` may copy in a sandbox.
const MAX_MOVE: i64 = 1 << 26;

fn charged_move(l: &mut State) -> LuaResult<usize> {
    if let (Some(f), Some(e)) = (
        crate::auxlib::to_integer(l.arg(2)),
        crate::auxlib::to_integer(l.arg(3)),
    ) {
        if e >= f {
            let count = e.saturating_sub(f).saturating_add(1);
            if count > MAX_MOVE {
                return Err(l.error("too many elements to move"));
            }
            charge_work(l, count as u64)?;
        }
    }
    call_original(l)
}

// ----- a sandbox for hosts -----

/// Why a sandboxed script failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SandboxError {
    /// The script did not compile.
    Syntax(String),
    /// The script raised an error.
    Runtime(String),
    /// The instruction budget ran out.
    InstructionLimit,
    /// The host interrupted it.
    Interrupted,
    /// The memory limit was reached.
    Memory(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::Syntax(m) => write!(f, "syntax error: {m}"),
            SandboxError::Runtime(m) => write!(f, "runtime error: {m}"),
            SandboxError::InstructionLimit => write!(f, "instruction limit exceeded"),
            SandboxError::Interrupted => write!(f, "interrupted"),
            SandboxError::Memory(m) => write!(f, "memory limit: {m}"),
        }
    }
}

impl std::error::Error for SandboxError {}

/// A state for untrusted scripts: the safe library set, read-only library
/// tables, limits, and a fresh `_ENV` per script.
pub struct Sandbox {
    lua: Lua,
    options: SandboxOptions,
}

impl Sandbox {
    /// A sandboxed state with these limits.
    pub fn new(options: SandboxOptions) -> Sandbox {
        let mut lua = Lua::new_bare();
        open_safe_libs(lua.state(), &options);
        lua.set_memory_limit(options.memory_limit);
        lua.set_instruction_limit(options.instruction_limit);
        Sandbox { lua, options }
    }

    /// The underlying state (for hosts adding functions or preload hooks).
    pub fn lua(&mut self) -> &mut Lua {
        &mut self.lua
    }

    /// The options it was made with.
    pub fn options(&self) -> &SandboxOptions {
        &self.options
    }

    /// A handle that stops the running script from another thread.
    pub fn interrupt_handle(&mut self) -> InterruptHandle {
        self.lua.interrupt_handle()
    }

    /// Runs a script in a fresh environment with a fresh instruction budget;
    /// its results come back as plain values.
    pub fn run(&mut self, source: &str) -> Result<Vec<PlainValue>, SandboxError> {
        self.run_named(source, "=sandbox")
    }

    /// Like [`run`](Self::run), with a chunk name for error messages
    /// ("=name" shows as "name").
    pub fn run_named(&mut self, source: &str, name: &str) -> Result<Vec<PlainValue>, SandboxError> {
        self.lua.reset_limits();
        let l = self.lua.state();
        let base = l.top();
        let env = new_env(l);
        l.push(Value::Table(env));
        let chunk = match l.load_chunk(
            source.as_bytes(),
            name.as_bytes(),
            b"t",
            Some(Value::Table(env)),
        ) {
            Ok(f) => f,
            Err(e) => {
                let msg = error_text(l, e);
                l.set_top(base);
                return Err(SandboxError::Syntax(msg));
            }
        };
        let func = l.top();
        l.push(chunk);
        let outcome = l.pcall(func, -1, None);
        let result = match outcome {
            Ok(()) => {
                let mut out = Vec::new();
                for i in func..l.top() {
                    out.push(
                        PlainValue::from_value(l.at(i))
                            .unwrap_or_else(|e| PlainValue::Str(format!("<{e}>").into_bytes())),
                    );
                }
                Ok(out)
            }
            Err(e) => Err(classify_error(l, e)),
        };
        clear_stack_from(l, base);
        result
    }
}

/// Drops the stack from `base` on, including dead slots above the top: a
/// later frame's register window may cover them, and the memory check keeps
/// a whole window alive, so old values there would count against the limit.
pub(crate) fn clear_stack_from(l: &mut State, base: usize) {
    l.set_top(base);
    let end = l.stack.len();
    for slot in &mut l.stack[base.min(end)..] {
        *slot = Value::Nil;
    }
}

/// Turns a failed call's error into a `SandboxError`.
pub(crate) fn classify_error(l: &mut State, e: crate::error::LuaError) -> SandboxError {
    let tripped = l.global().limits.tripped();
    let kind = e.kind;
    let msg = error_text(l, e);
    match (tripped, kind) {
        (Some(LimitKind::Instructions), _) => SandboxError::InstructionLimit,
        (Some(LimitKind::Interrupted), _) => SandboxError::Interrupted,
        (None, ErrorKind::Memory) => SandboxError::Memory(msg),
        _ if msg.ends_with("not enough memory") => SandboxError::Memory(msg),
        _ => SandboxError::Runtime(msg),
    }
}

impl Lua {
    /// A state with the safe library set (no limits set yet).
    pub fn new_sandboxed(options: &SandboxOptions) -> Lua {
        let mut lua = Lua::new_bare();
        open_safe_libs(lua.state(), options);
        lua
    }

    /// Bounds the state's heap (`None`: unbounded), checked before each
    /// instruction (see `check_memory`); puts the state under limits.
    pub fn set_memory_limit(&mut self, limit: Option<usize>) {
        self.enable_limits();
        let g = self.state().global();
        g.limits.memory_limit = limit.unwrap_or(usize::MAX);
        g.heap.set_memory_limit(limit);
    }
}
