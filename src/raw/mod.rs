#![warn(missing_docs)]
//! The stack API: Lua's C API for Rust hosts.
//!
//! A [`RawLua`] owns a Lua state; [`RawLua::stack`] gives a [`Stack`], the
//! handle every operation goes through, as `lua_State *` is in C. Values live
//! on the stack and are named by indices:
//!
//! - positive indices count from the bottom of the running function's frame
//!   (1 is its first argument, or the first slot at the host's top level);
//! - negative indices count from the top (-1 is the top value);
//! - [`REGISTRY_INDEX`] names the registry and [`upvalue_index`]`(n)` the
//!   `n`-th upvalue of the running Rust function.
//!
//! Misuse (an index that names no slot, a value of the wrong type, a value of
//! another state) is reported as an `Err` carrying a Lua error, never as
//! undefined behaviour. An error raised outside any protected call is returned
//! to the host as `Err` after the panic handler ([`Stack::at_panic`]), if any,
//! has seen it.
//!
//! ```
//! use crescent::raw::{RawLua, Options, Stack};
//! use crescent::LuaResult;
//!
//! fn add(l: &mut Stack) -> LuaResult<usize> {
//!     let a = l.check_integer(1)?;
//!     let b = l.check_integer(2)?;
//!     l.push_integer(a + b);
//!     Ok(1)
//! }
//!
//! let mut lua = RawLua::new(Options::default());
//! let mut l = lua.stack();
//! l.push_function(add);
//! l.set_global("add").unwrap();
//! l.load(b"return add(40, 2)", "=example", "t").unwrap();
//! l.call(0, Some(1)).unwrap();
//! assert_eq!(l.to_integer(-1), Some(42));
//! ```

mod aux;
mod callback;
mod thread;

pub(crate) use callback::{is_pending_pcall, recover_pcall_k};
pub use callback::{Continuation, PcallContinuation, RustFn};
pub use thread::{Resumed, ThreadState};

use std::collections::HashMap;

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::NativeClosure;
use crate::gc::Gc;
use crate::state::{Global, State};
use crate::table::Table;
use crate::value::{LuaType, Value};

/// The pseudo-index of the registry (PUC's `LUA_REGISTRYINDEX`).
pub const REGISTRY_INDEX: i32 = -1_001_000;

/// Registry key of the main thread (`LUA_RIDX_MAINTHREAD`).
pub const RIDX_MAIN_THREAD: i64 = crate::state::REGISTRY_MAIN_THREAD;
/// Registry key of the globals table (`LUA_RIDX_GLOBALS`).
pub const RIDX_GLOBALS: i64 = crate::state::REGISTRY_GLOBALS;

/// The reference [`Stack::reference`] returns for nil (`LUA_REFNIL`).
pub const REF_NIL: i64 = -1;
/// A reference that is never returned (`LUA_NOREF`).
pub const NO_REF: i64 = -2;

/// The pseudo-index of upvalue `n` (1-based) of the running Rust function
/// (`lua_upvalueindex`).
pub fn upvalue_index(n: i32) -> i32 {
    REGISTRY_INDEX - n
}

/// Which standard libraries a new state opens (a set of flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdLibs(u32);

impl StdLibs {
    /// No library.
    pub const NONE: StdLibs = StdLibs(0);
    /// The basic library (`print`, `pcall`, `_G`, ...).
    pub const BASE: StdLibs = StdLibs(1);
    /// `package` and `require`.
    pub const PACKAGE: StdLibs = StdLibs(1 << 1);
    /// `coroutine`.
    pub const COROUTINE: StdLibs = StdLibs(1 << 2);
    /// `string` (and the string metatable).
    pub const STRING: StdLibs = StdLibs(1 << 3);
    /// `table`.
    pub const TABLE: StdLibs = StdLibs(1 << 4);
    /// `math`.
    pub const MATH: StdLibs = StdLibs(1 << 5);
    /// `utf8`.
    pub const UTF8: StdLibs = StdLibs(1 << 6);
    /// `os`.
    pub const OS: StdLibs = StdLibs(1 << 7);
    /// `io`.
    pub const IO: StdLibs = StdLibs(1 << 8);
    /// `debug`.
    pub const DEBUG: StdLibs = StdLibs(1 << 9);
    /// The libraries without access to the host system or the interpreter's
    /// internals: base, coroutine, string, table, math, utf8.
    pub const SAFE: StdLibs = StdLibs(1 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 6);
    /// Every standard library.
    pub const ALL: StdLibs = StdLibs((1 << 10) - 1);

    /// Whether every library of `other` is in this set.
    pub fn contains(self, other: StdLibs) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for StdLibs {
    type Output = StdLibs;
    fn bitor(self, rhs: StdLibs) -> StdLibs {
        StdLibs(self.0 | rhs.0)
    }
}

/// How to create a state.
#[derive(Clone, Debug)]
pub struct Options {
    /// The standard libraries to open.
    pub libs: StdLibs,
    /// The most bytes the heap may hold; `None` for no limit. Past it, an
    /// allocation raises "not enough memory" (after an emergency collection).
    pub memory_limit: Option<usize>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            libs: StdLibs::ALL,
            memory_limit: None,
        }
    }
}

/// A host callback receiving text (warnings, unprotected errors).
pub type TextHandler = Box<dyn FnMut(&[u8]) + Send>;

/// What a host installed in a state (kept in `Global::host`).
#[derive(Default)]
pub struct HostHooks {
    pub(crate) warn: Option<TextHandler>,
    pub(crate) panic: Option<TextHandler>,
    /// Continuations of Rust functions waiting for a resume, by (thread
    /// address, frame depth).
    pub(crate) continuations: HashMap<(usize, usize), Continuation>,
    /// `pcall_k` calls whose callee yielded, by the same key.
    pub(crate) pending_pcalls: HashMap<(usize, usize), callback::PendingPcall>,
    /// Identifies the state (handles of the typed API check it).
    pub(crate) id: u64,
    /// The memory limit the host asked for.
    pub(crate) memory_limit: Option<usize>,
}

/// Hands a complete warning to the host's handler; `false` when there is none.
pub(crate) fn deliver_warning_to_host(l: &mut State, msg: &[u8]) -> bool {
    let g = l.global();
    match g.host.warn.as_mut() {
        Some(h) => {
            h(msg);
            true
        }
        None => false,
    }
}

/// A fresh identifier for a state.
pub(crate) fn next_state_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Opens the libraries of `libs` into a state (`luaL_openlibs`, selectively).
pub(crate) fn open_std_libs(l: &mut State, libs: StdLibs) {
    use crate::stdlib::*;
    if libs == StdLibs::ALL {
        open_libs(l);
        return;
    }
    let loaded = l.loaded_table();
    type Opener = fn(&mut State);
    let openers: [(StdLibs, Opener); 10] = [
        (StdLibs::BASE, base::open),
        (StdLibs::PACKAGE, loadlib::open),
        (StdLibs::COROUTINE, corolib::open),
        (StdLibs::STRING, strlib::open),
        (StdLibs::TABLE, tablib::open),
        (StdLibs::MATH, mathlib::open),
        (StdLibs::UTF8, utf8lib::open),
        (StdLibs::OS, oslib::open),
        (StdLibs::IO, iolib::open),
        (StdLibs::DEBUG, dblib::open),
    ];
    for (flag, open) in openers {
        if libs.contains(flag) {
            open(l);
        }
    }
    if libs.contains(StdLibs::BASE) {
        let g = l.global().globals;
        l.set_field(loaded, "_G", Value::Table(g));
    }
}

/// An independent Lua state driven through the stack API (`lua_newstate` …
/// `lua_close`). Dropping it closes the state.
///
/// A `RawLua` is `Send` (a state may move to another OS thread, or run on
/// one of its own) but not `Sync`:
///
/// ```
/// use crescent::raw::{Options, RawLua};
/// let workers: Vec<_> = (1..=4)
///     .map(|n| {
///         let mut lua = RawLua::new(Options::default());
///         std::thread::spawn(move || {
///             let mut st = lua.stack();
///             st.load(format!("return {n} * 10").as_bytes(), "=job", "t").unwrap();
///             st.call(0, Some(1)).unwrap();
///             st.to_integer(-1)
///         })
///     })
///     .collect();
/// let results: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
/// assert_eq!(results, [Some(10), Some(20), Some(30), Some(40)]);
/// ```
pub struct RawLua {
    /// Owned (freed in `Drop`), but kept as a raw pointer: the threads point
    /// into it, and a `Box` would claim unique access whenever the `RawLua`
    /// moved, invalidating their pointers (Miri's Stacked Borrows).
    global: std::ptr::NonNull<Global>,
    closed: bool,
}

// SAFETY: a `RawLua` owns its global state alone (never shared), and
// every object of the state is reached only through it. What the heap holds
// from Rust is `Send` by construction: userdata payloads and Rust functions
// (`new_userdata`, `push_function`, `push_closure` require `Send`), text
// handlers and continuations (boxed `+ Send`). The crate's own non-`Send`
// closures (`push_function_local`) exist only in states of the typed API,
// which a `RawLua` never is. Prototypes share debug names and constant
// strings as `Rc<[u8]>` only with each other: the compiler's and
// `string.dump`'s own clones are dropped before `load`/`dump` return. The
// engine's thread-local data (pattern step
// budget, running hooks) lives only during one call, which a move cannot
// interrupt. So moving the whole state to another OS thread is sound; it is
// not `Sync` (the engine has no locks).
unsafe impl Send for RawLua {}

impl RawLua {
    /// Creates a state with `options`.
    pub fn new(options: Options) -> RawLua {
        let mut lua = RawLua {
            global: State::new_global(),
            closed: false,
        };
        let global = lua.global_mut();
        global.host.id = next_state_id();
        global.host.memory_limit = options.memory_limit;
        global.heap.set_memory_limit(options.memory_limit);
        open_std_libs(lua.state(), options.libs);
        lua
    }

    fn global_mut(&mut self) -> &mut Global {
        // SAFETY: `new_global` handed the global state over to this `RawLua`,
        // which frees it only in `Drop`; `&mut self` makes this reference the
        // only one handed out.
        unsafe { self.global.as_mut() }
    }

    fn state(&mut self) -> &mut State {
        // SAFETY: the main thread lives as long as the global state, and the
        // `&mut self` borrow makes this the only reference handed out.
        unsafe { &mut *self.global_mut().main_thread.state_ptr() }
    }

    /// The main thread's stack.
    pub fn stack(&mut self) -> Stack<'_> {
        Stack { l: self.state() }
    }

    /// The memory limit given at creation.
    pub fn memory_limit(&self) -> Option<usize> {
        // SAFETY: as in `global_mut`, for reading.
        unsafe { self.global.as_ref() }.host.memory_limit
    }

    /// Closes the state (`lua_close`): closes pending to-be-closed variables
    /// of the main thread, runs every pending finalizer, then frees all
    /// objects. Dropping the state does the same.
    pub fn close(mut self) {
        self.close_now();
    }

    fn close_now(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        close_main_thread(self.state());
        self.global_mut().heap.free_all();
    }
}

/// Closes the main thread's to-be-closed variables and runs every finalizer.
pub(crate) fn close_main_thread(l: &mut State) {
    l.frames.clear();
    l.n_ccalls = 0;
    l.nny = 0;
    let _ = l.close_level(0);
    l.set_top(0);
    l.close_state();
    crate::stdlib::flush_stdout(l);
}

impl Drop for RawLua {
    fn drop(&mut self) {
        self.close_now();
        // SAFETY: `global` came from `State::new_global` (a leaked box) and
        // is freed only here; `close_now` freed every object in its heap.
        drop(unsafe { Box::from_raw(self.global.as_ptr()) });
    }
}

/// Where an index points.
#[derive(Clone, Copy)]
enum Slot {
    Stack(usize),
    Registry,
    Upvalue(Gc<NativeClosure>, usize),
}

/// How two values are compared by [`Stack::compare`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `==` (with `__eq`).
    Eq,
    /// `<` (with `__lt`).
    Lt,
    /// `<=` (with `__le`).
    Le,
}

/// One thread's stack: the handle every stack-API operation goes through
/// (PUC's `lua_State *`).
pub struct Stack<'a> {
    pub(crate) l: &'a mut State,
}

impl<'a> Stack<'a> {
    /// Wraps a thread's state (for native functions of the internal API).
    pub fn from_state(l: &'a mut State) -> Stack<'a> {
        Stack { l }
    }

    /// The engine's state behind this stack: the internal API, where stack
    /// indices are absolute and values are unrooted `Gc` pointers.
    pub fn state(&mut self) -> &mut State {
        self.l
    }

    // ----- indices -----

    /// First slot of the running frame.
    fn base(&self) -> usize {
        self.l.arg_base()
    }

    fn slot(&self, idx: i32) -> Option<Slot> {
        let base = self.base();
        let top = self.l.top();
        if idx > 0 {
            let i = base + idx as usize - 1;
            (i < top).then_some(Slot::Stack(i))
        } else if idx > REGISTRY_INDEX {
            let back = idx.unsigned_abs() as usize;
            (idx != 0 && back <= top - base).then(|| Slot::Stack(top - back))
        } else if idx == REGISTRY_INDEX {
            Some(Slot::Registry)
        } else {
            let n = (REGISTRY_INDEX - idx) as usize;
            let closure = self.running_rust_closure()?;
            // Upvalue 1 of the closure holds the Rust function itself.
            (n < closure.upvalues.len()).then_some(Slot::Upvalue(closure, n))
        }
    }

    fn running_rust_closure(&self) -> Option<Gc<NativeClosure>> {
        let ci = self.l.frames.last()?;
        match self.l.at(ci.func) {
            Value::NativeFn(c)
                if c.function as *const () == callback::call_rust_fn as *const () =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// The value at `idx`, if `idx` names a slot.
    pub(crate) fn get(&self, idx: i32) -> Option<Value> {
        Some(match self.slot(idx)? {
            Slot::Stack(i) => self.l.at(i),
            Slot::Registry => Value::Table(self.l.global().registry),
            Slot::Upvalue(c, n) => c.upvalues[n].get(),
        })
    }

    /// The value at `idx`, or an "invalid index" error.
    pub(crate) fn value(&mut self, idx: i32) -> LuaResult<Value> {
        match self.get(idx) {
            Some(v) => Ok(v),
            None => Err(self.invalid_index(idx)),
        }
    }

    fn set(&mut self, idx: i32, v: Value) -> LuaResult<()> {
        match self.slot(idx) {
            Some(Slot::Stack(i)) => {
                self.l.stack[i] = v;
                Ok(())
            }
            Some(Slot::Upvalue(c, n)) => {
                c.upvalues[n].set(v);
                self.l
                    .global()
                    .heap
                    .barrier_forward(crate::gc::GcRef::NativeClosure(c), v);
                Ok(())
            }
            Some(Slot::Registry) => Err(self.misuse("the registry cannot be replaced")),
            None => Err(self.invalid_index(idx)),
        }
    }

    fn invalid_index(&mut self, idx: i32) -> LuaError {
        self.misuse(&format!("invalid stack index {idx}"))
    }

    /// An error for a misuse of the API (no position: the host made it).
    pub(crate) fn misuse(&mut self, msg: &str) -> LuaError {
        LuaError::runtime(self.l.new_str_value(msg.as_bytes()))
    }

    /// Requires `n` values on the running frame's part of the stack.
    fn need(&mut self, n: usize) -> LuaResult<()> {
        if self.l.top() - self.base() < n {
            return Err(self.misuse(&format!("not enough values on the stack ({n} needed)")));
        }
        Ok(())
    }

    /// Reports an error that reached the host outside any protected call to
    /// the panic handler (PUC's `lua_atpanic`), then returns it.
    pub(crate) fn unprotected<T>(&mut self, r: LuaResult<T>) -> LuaResult<T> {
        if let Err(e) = &r {
            if self.l.frames.is_empty() && e.kind != ErrorKind::Yield {
                let text = error_bytes(e.value);
                if let Some(h) = self.l.global().host.panic.as_mut() {
                    h(&text);
                }
            }
        }
        r
    }

    /// Runs an operation that may raise a Lua error. Inside a Rust function
    /// the error just propagates. At the host's top level nothing would
    /// catch it, so it is recovered from as a protected call would: frames
    /// unwound, pending to-be-closed slots above the stack's top closed, the
    /// stack cut back to where it was; then the panic handler sees it.
    pub(crate) fn guard<T>(&mut self, f: impl FnOnce(&mut State) -> LuaResult<T>) -> LuaResult<T> {
        let level = self.l.top();
        self.guard_from(level, f)
    }

    /// `guard` cutting the stack back to `level` on error.
    fn guard_from<T>(
        &mut self,
        level: usize,
        f: impl FnOnce(&mut State) -> LuaResult<T>,
    ) -> LuaResult<T> {
        let host_level = self.l.frames.is_empty();
        let saved_ccalls = self.l.n_ccalls;
        let saved_nny = self.l.nny;
        match f(self.l) {
            Ok(v) => Ok(v),
            Err(e) if !host_level || e.kind == ErrorKind::Yield => Err(e),
            Err(e) => {
                self.l.frames.clear();
                self.l.n_ccalls = saved_ccalls;
                self.l.nny = saved_nny;
                let e = self.l.close_after_error(level, e);
                self.l.frames.clear();
                self.l.set_top(level);
                self.unprotected(Err(e))
            }
        }
    }

    /// Absolute form of an index (`lua_absindex`): pseudo-indices and positive
    /// indices are returned as they are.
    pub fn abs_index(&self, idx: i32) -> i32 {
        if idx < 0 && idx > REGISTRY_INDEX {
            (self.l.top() - self.base()) as i32 + idx + 1
        } else {
            idx
        }
    }

    /// Index of the top value: the number of values in the frame (`lua_gettop`).
    pub fn top(&self) -> i32 {
        (self.l.top() - self.base()) as i32
    }

    /// Sets the top (`lua_settop`): new slots are nil; a negative index
    /// counts from the top. An index out of range is an error.
    pub fn set_top(&mut self, idx: i32) -> LuaResult<()> {
        let base = self.base();
        let new_top = if idx >= 0 {
            base + idx as usize
        } else {
            let back = idx.unsigned_abs() as usize - 1;
            if back > self.l.top() - base {
                return Err(self.invalid_index(idx));
            }
            self.l.top() - back
        };
        if new_top > self.l.top() {
            self.l.check_stack(new_top - self.l.top())?;
        }
        self.l.set_top(new_top);
        Ok(())
    }

    /// Pops `n` values (all of them if there are fewer).
    pub fn pop(&mut self, n: usize) {
        let base = self.base();
        let top = self.l.top();
        self.l.set_top(top - n.min(top - base));
    }

    /// Makes room for `n` more values (`lua_checkstack`); `false` when the
    /// stack cannot grow that much.
    pub fn check_stack(&mut self, n: usize) -> bool {
        self.l.check_stack(n).is_ok()
    }

    /// Pushes a copy of the value at `idx` (`lua_pushvalue`).
    pub fn push_value(&mut self, idx: i32) -> LuaResult<()> {
        let v = self.value(idx)?;
        self.l.push(v);
        Ok(())
    }

    /// Rotates the values from `idx` to the top `n` positions towards the
    /// top (negative `n`: towards the bottom) (`lua_rotate`).
    pub fn rotate(&mut self, idx: i32, n: i32) -> LuaResult<()> {
        let start = match self.slot(idx) {
            Some(Slot::Stack(i)) => i,
            _ => return Err(self.invalid_index(idx)),
        };
        let seg = &mut self.l.stack[start..self.l.top];
        let len = seg.len() as i64;
        if (n as i64).abs() > len {
            return Err(self.misuse("invalid rotation"));
        }
        let k = (n as i64).rem_euclid(len.max(1)) as usize;
        seg.rotate_right(k);
        Ok(())
    }

    /// Moves the top value into `idx`, shifting up the values above (`lua_insert`).
    pub fn insert(&mut self, idx: i32) -> LuaResult<()> {
        self.rotate(idx, 1)
    }

    /// Removes the value at `idx`, shifting down the values above (`lua_remove`).
    pub fn remove(&mut self, idx: i32) -> LuaResult<()> {
        self.rotate(idx, -1)?;
        self.pop(1);
        Ok(())
    }

    /// Pops the top value into `idx` (`lua_replace`).
    pub fn replace(&mut self, idx: i32) -> LuaResult<()> {
        self.need(1)?;
        let v = self.l.at(self.l.top() - 1);
        self.set(idx, v)?;
        self.pop(1);
        Ok(())
    }

    /// Copies the value at `from` into `to` (`lua_copy`).
    pub fn copy(&mut self, from: i32, to: i32) -> LuaResult<()> {
        let v = self.value(from)?;
        self.set(to, v)
    }

    // ----- pushing -----

    /// Pushes nil.
    pub fn push_nil(&mut self) {
        self.l.push(Value::Nil);
    }

    /// Pushes a boolean.
    pub fn push_boolean(&mut self, b: bool) {
        self.l.push(Value::Bool(b));
    }

    /// Pushes an integer.
    pub fn push_integer(&mut self, i: i64) {
        self.l.push(Value::Int(i));
    }

    /// Pushes a float.
    pub fn push_number(&mut self, n: f64) {
        self.l.push(Value::Float(n));
    }

    /// Pushes a string (any bytes).
    pub fn push_bytes(&mut self, s: &[u8]) {
        let v = self.l.new_str_value(s);
        self.l.push(v);
    }

    /// Pushes a string.
    pub fn push_string(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }

    /// Pushes a light userdata: a plain address-sized number with its own type.
    pub fn push_light_userdata(&mut self, p: usize) {
        self.l.push(Value::LightUserData(p));
    }

    /// Pushes the globals table (`lua_pushglobaltable`).
    pub fn push_globals(&mut self) {
        let g = self.l.global().globals;
        self.l.push(Value::Table(g));
    }

    /// Pushes this thread; `true` if it is the main thread (`lua_pushthread`).
    pub fn push_thread(&mut self) -> bool {
        let t = self.l.thread();
        self.l.push(Value::Thread(t));
        t == self.l.global().main_thread
    }

    // ----- queries -----

    /// The type of the value at `idx`; `None` when `idx` names no slot
    /// (`LUA_TNONE`).
    pub fn type_of(&self, idx: i32) -> Option<LuaType> {
        self.get(idx).map(|v| v.type_of())
    }

    /// The name of the type at `idx` ("no value" when `idx` names no slot).
    pub fn type_name(&self, idx: i32) -> &'static str {
        self.type_of(idx).map_or("no value", |t| t.name())
    }

    /// Whether `idx` names no slot.
    pub fn is_none(&self, idx: i32) -> bool {
        self.get(idx).is_none()
    }

    /// Whether the value is nil.
    pub fn is_nil(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::Nil))
    }

    /// Whether `idx` names no slot or a nil.
    pub fn is_none_or_nil(&self, idx: i32) -> bool {
        matches!(self.get(idx), None | Some(Value::Nil))
    }

    /// Whether the value is a boolean.
    pub fn is_boolean(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::Bool(_)))
    }

    /// Whether the value is a number or a string convertible to one.
    pub fn is_number(&self, idx: i32) -> bool {
        self.get(idx).and_then(crate::auxlib::to_number).is_some()
    }

    /// Whether the value is an integer (not a float with an integral value).
    pub fn is_integer(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::Int(_)))
    }

    /// Whether the value is a string or a number (which convert to strings).
    pub fn is_string(&self, idx: i32) -> bool {
        matches!(
            self.get(idx),
            Some(Value::Str(_) | Value::Int(_) | Value::Float(_))
        )
    }

    /// Whether the value is a table.
    pub fn is_table(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::Table(_)))
    }

    /// Whether the value is a function (Lua or Rust).
    pub fn is_function(&self, idx: i32) -> bool {
        self.get(idx).is_some_and(|v| v.is_function())
    }

    /// Whether the value is a native (Rust) function.
    pub fn is_rust_function(&self, idx: i32) -> bool {
        matches!(
            self.get(idx),
            Some(Value::NativeFn(_) | Value::LightNative(_))
        )
    }

    /// Whether the value is a full or light userdata.
    pub fn is_userdata(&self, idx: i32) -> bool {
        matches!(
            self.get(idx),
            Some(Value::UserData(_) | Value::LightUserData(_))
        )
    }

    /// Whether the value is a light userdata.
    pub fn is_light_userdata(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::LightUserData(_)))
    }

    /// Whether the value is a thread.
    pub fn is_thread(&self, idx: i32) -> bool {
        matches!(self.get(idx), Some(Value::Thread(_)))
    }

    // ----- conversions -----

    /// Lua truth of the value (`false` for nil, false and no value).
    pub fn to_boolean(&self, idx: i32) -> bool {
        self.get(idx).is_some_and(|v| !v.is_falsy())
    }

    /// The value as an integer: integers, integral floats, numeric strings.
    pub fn to_integer(&self, idx: i32) -> Option<i64> {
        self.get(idx).and_then(crate::auxlib::to_integer)
    }

    /// The value as a float: numbers and numeric strings.
    pub fn to_number(&self, idx: i32) -> Option<f64> {
        self.get(idx)
            .and_then(crate::auxlib::to_number)
            .and_then(|v| v.as_float())
    }

    /// The bytes of a string, or of a number, which is converted to a string
    /// in place as `lua_tolstring` does.
    pub fn to_bytes(&mut self, idx: i32) -> Option<Vec<u8>> {
        match self.get(idx)? {
            Value::Str(s) => Some(s.as_bytes().to_vec()),
            v @ (Value::Int(_) | Value::Float(_)) => {
                let bytes = crate::auxlib::number_to_bytes(v);
                let s = self.l.new_str_value(&bytes);
                let _ = self.set(idx, s);
                Some(bytes)
            }
            _ => None,
        }
    }

    /// Like [`to_bytes`](Self::to_bytes), as UTF-8 text (invalid sequences
    /// replaced).
    pub fn to_str(&mut self, idx: i32) -> Option<String> {
        self.to_bytes(idx)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The address of a light userdata.
    pub fn to_light_userdata(&self, idx: i32) -> Option<usize> {
        match self.get(idx)? {
            Value::LightUserData(p) => Some(p),
            _ => None,
        }
    }

    /// Raw length (`lua_rawlen`): string bytes, table border, 0 otherwise.
    pub fn raw_len(&self, idx: i32) -> usize {
        match self.get(idx) {
            Some(Value::Str(s)) => s.len(),
            Some(Value::Table(t)) => t.length().max(0) as usize,
            _ => 0,
        }
    }

    /// Pushes the length of the value, with `__len` (`lua_len`).
    pub fn len(&mut self, idx: i32) -> LuaResult<()> {
        let v = self.value(idx)?;
        let r = self.guard(|l| l.length(v, crate::debug::Operand::None));
        let n = r?;
        self.l.push(n);
        Ok(())
    }

    /// Primitive equality, no metamethods (`lua_rawequal`); `false` for
    /// indices naming no slot.
    pub fn raw_equal(&self, a: i32, b: i32) -> bool {
        match (self.get(a), self.get(b)) {
            (Some(x), Some(y)) => x.raw_equals(&y),
            _ => false,
        }
    }

    /// Compares two values with metamethods (`lua_compare`).
    pub fn compare(&mut self, a: i32, b: i32, op: CompareOp) -> LuaResult<bool> {
        let x = self.value(a)?;
        let y = self.value(b)?;
        self.guard(|l| match op {
            CompareOp::Eq => l.equals(x, y),
            CompareOp::Lt => l.less_than(x, y),
            CompareOp::Le => l.less_equal(x, y),
        })
    }

    /// Pops two operands (one for unary minus and bitwise not) and pushes the
    /// result of `op`, with metamethods (`lua_arith`).
    pub fn arith(&mut self, op: crate::arith::ArithOp) -> LuaResult<()> {
        use crate::arith::ArithOp;
        let unary = matches!(op, ArithOp::Unm | ArithOp::BNot);
        self.need(if unary { 1 } else { 2 })?;
        let top = self.l.top();
        let (a, b) = if unary {
            (self.l.at(top - 1), self.l.at(top - 1))
        } else {
            (self.l.at(top - 2), self.l.at(top - 1))
        };
        let none = crate::debug::Operand::None;
        let r = self.guard(|l| l.arith(op, a, b, (none, none)));
        let v = r?;
        self.pop(if unary { 1 } else { 2 });
        self.l.push(v);
        Ok(())
    }

    /// Pops `n` values and pushes their concatenation, with `__concat`
    /// (`lua_concat`); `n == 0` pushes the empty string.
    pub fn concat(&mut self, n: usize) -> LuaResult<()> {
        self.need(n)?;
        match n {
            0 => self.push_bytes(b""),
            1 => {}
            _ => {
                let first = self.l.top() - n;
                let r = self.guard(|l| l.concat(first, n));
                r?;
            }
        }
        Ok(())
    }

    // ----- tables -----

    /// Pushes a new table with room for `narray` array and `nhash` hash entries.
    pub fn create_table(&mut self, narray: usize, nhash: usize) {
        let t = self.l.new_table(narray.min(1 << 20), nhash.min(1 << 20));
        self.l.push(Value::Table(t));
    }

    /// Pushes a new empty table.
    pub fn new_table(&mut self) {
        self.create_table(0, 0);
    }

    fn table_at(&mut self, idx: i32) -> LuaResult<Gc<Table>> {
        match self.value(idx)? {
            Value::Table(t) => Ok(t),
            v => Err(self.misuse(&format!(
                "table expected at index {idx}, got {}",
                v.type_name()
            ))),
        }
    }

    /// Pushes `t[k]` for the value `t` at `idx` and the key on top, which it
    /// replaces; metamethods apply (`lua_gettable`). Returns the result's type.
    pub fn get_table(&mut self, idx: i32) -> LuaResult<LuaType> {
        let t = self.value(idx)?;
        self.need(1)?;
        let k = self.l.at(self.l.top() - 1);
        let r = self.guard(|l| l.index_value(t, k, crate::debug::Operand::None));
        let v = r?;
        let top = self.l.top();
        self.l.stack[top - 1] = v;
        Ok(v.type_of())
    }

    /// Pushes `t[k]` for the value `t` at `idx`, with metamethods (`lua_getfield`).
    pub fn get_field(&mut self, idx: i32, k: &str) -> LuaResult<LuaType> {
        let t = self.value(idx)?;
        let key = self.l.new_str_value(k.as_bytes());
        self.l.push(key);
        let r = self.guard(|l| l.index_value(t, key, crate::debug::Operand::None));
        self.pop(1);
        let v = r?;
        self.l.push(v);
        Ok(v.type_of())
    }

    /// Pushes `t[n]` for the value `t` at `idx`, with metamethods (`lua_geti`).
    pub fn get_i(&mut self, idx: i32, n: i64) -> LuaResult<LuaType> {
        let t = self.value(idx)?;
        let r = self.guard(|l| l.index_value(t, Value::Int(n), crate::debug::Operand::None));
        let v = r?;
        self.l.push(v);
        Ok(v.type_of())
    }

    /// Pushes the global `name` (`lua_getglobal`).
    pub fn get_global(&mut self, name: &str) -> LuaResult<LuaType> {
        self.push_globals();
        let r = self.get_field(-1, name);
        let top = self.l.top();
        if r.is_ok() {
            self.l.stack[top - 2] = self.l.stack[top - 1];
        }
        self.pop(1);
        r
    }

    /// `t[k] = v` for the value `t` at `idx`, with the key and the value on
    /// top (both popped); metamethods apply (`lua_settable`).
    pub fn set_table(&mut self, idx: i32) -> LuaResult<()> {
        let t = self.value(idx)?;
        self.need(2)?;
        let top = self.l.top();
        let (k, v) = (self.l.at(top - 2), self.l.at(top - 1));
        let r = self.guard(|l| l.set_index_value(t, k, v, crate::debug::Operand::None));
        r?;
        self.pop(2);
        Ok(())
    }

    /// `t[k] = v` for the value `t` at `idx` and the value on top (popped)
    /// (`lua_setfield`).
    pub fn set_field(&mut self, idx: i32, k: &str) -> LuaResult<()> {
        let t = self.value(idx)?;
        self.need(1)?;
        let key = self.l.new_str_value(k.as_bytes());
        let v = self.l.at(self.l.top() - 1);
        self.l.push(key);
        let r = self.guard(|l| l.set_index_value(t, key, v, crate::debug::Operand::None));
        r?;
        self.pop(2);
        Ok(())
    }

    /// `t[n] = v` for the value `t` at `idx` and the value on top (`lua_seti`).
    pub fn set_i(&mut self, idx: i32, n: i64) -> LuaResult<()> {
        let t = self.value(idx)?;
        self.need(1)?;
        let v = self.l.at(self.l.top() - 1);
        let r = self.guard(|l| l.set_index_value(t, Value::Int(n), v, crate::debug::Operand::None));
        r?;
        self.pop(1);
        Ok(())
    }

    /// Pops a value into the global `name` (`lua_setglobal`).
    pub fn set_global(&mut self, name: &str) -> LuaResult<()> {
        self.need(1)?;
        self.push_globals();
        self.insert(-2)?;
        let r = self.set_field(-2, name);
        self.pop(1);
        r
    }

    /// Like [`get_table`](Self::get_table) without metamethods (`lua_rawget`).
    pub fn raw_get(&mut self, idx: i32) -> LuaResult<LuaType> {
        let t = self.table_at(idx)?;
        self.need(1)?;
        let top = self.l.top();
        let v = t.get(self.l.at(top - 1));
        self.l.stack[top - 1] = v;
        Ok(v.type_of())
    }

    /// Pushes `t[n]` without metamethods (`lua_rawgeti`).
    pub fn raw_get_i(&mut self, idx: i32, n: i64) -> LuaResult<LuaType> {
        let t = self.table_at(idx)?;
        let v = t.get_int(n);
        self.l.push(v);
        Ok(v.type_of())
    }

    /// Like [`set_table`](Self::set_table) without metamethods (`lua_rawset`).
    pub fn raw_set(&mut self, idx: i32) -> LuaResult<()> {
        let t = self.table_at(idx)?;
        self.need(2)?;
        let top = self.l.top();
        let (k, v) = (self.l.at(top - 2), self.l.at(top - 1));
        let r = self.guard(|l| l.raw_set(t, k, v));
        r?;
        self.pop(2);
        Ok(())
    }

    /// Pops a value into `t[n]` without metamethods (`lua_rawseti`).
    pub fn raw_set_i(&mut self, idx: i32, n: i64) -> LuaResult<()> {
        let t = self.table_at(idx)?;
        self.need(1)?;
        let v = self.l.at(self.l.top() - 1);
        let grown = t.set_int(n, v);
        let heap = &mut self.l.global().heap;
        heap.barrier_back(t);
        heap.adjust(grown);
        self.pop(1);
        Ok(())
    }

    /// Table traversal (`lua_next`): pops a key and pushes the next key and
    /// its value, or pushes nothing and returns `false` at the end.
    pub fn next(&mut self, idx: i32) -> LuaResult<bool> {
        let t = self.table_at(idx)?;
        self.need(1)?;
        let k = self.l.at(self.l.top() - 1);
        match t.next(k) {
            Ok(Some((k2, v))) => {
                let top = self.l.top();
                self.l.stack[top - 1] = k2;
                self.l.push(v);
                Ok(true)
            }
            Ok(None) => {
                self.pop(1);
                Ok(false)
            }
            Err(()) => {
                let e = self.misuse("invalid key to 'next'");
                self.unprotected(Err(e))
            }
        }
    }

    // ----- metatables -----

    /// Pushes the metatable of the value at `idx`; `false` (nothing pushed)
    /// when it has none (`lua_getmetatable`).
    pub fn get_metatable(&mut self, idx: i32) -> bool {
        match self.get(idx).and_then(|v| self.l.metatable_of(v)) {
            Some(mt) => {
                self.l.push(Value::Table(mt));
                true
            }
            None => false,
        }
    }

    /// Pops a table (or nil) and makes it the metatable of the value at
    /// `idx` (`lua_setmetatable`). Values other than tables and userdata
    /// share one metatable per type.
    pub fn set_metatable(&mut self, idx: i32) -> LuaResult<()> {
        let obj = self.value(idx)?;
        self.need(1)?;
        let mt = match self.l.at(self.l.top() - 1) {
            Value::Table(t) => Some(t),
            Value::Nil => None,
            v => {
                return Err(self.misuse(&format!(
                    "metatable must be a table or nil, got {}",
                    v.type_name()
                )))
            }
        };
        let heap = &mut self.l.global().heap;
        match obj {
            Value::Table(t) => {
                t.set_metatable(mt);
                heap.barrier_back(t);
            }
            Value::UserData(u) => {
                u.set_metatable(mt);
                let mt_value = mt.map_or(Value::Nil, Value::Table);
                heap.barrier_forward(crate::gc::GcRef::UserData(u), mt_value);
            }
            v => self.l.global().type_metatables[v.type_of() as usize] = mt,
        }
        self.l.check_finalizer(obj, mt);
        self.pop(1);
        Ok(())
    }

    // ----- userdata -----

    /// Pushes a new full userdata holding `payload`, with `user_values` user
    /// values (all nil) (`lua_newuserdatauv`). When it is collected, its
    /// `__gc` runs first, then `payload` is dropped.
    pub fn new_userdata<T: 'static + Send>(&mut self, payload: T, user_values: usize) {
        let ud = crate::userdata::UserData::new(Box::new(payload), user_values);
        let u = self.l.global().heap.alloc(ud);
        self.l.push(Value::UserData(u));
    }

    fn userdata_at(&mut self, idx: i32) -> LuaResult<Gc<crate::userdata::UserData>> {
        match self.value(idx)? {
            Value::UserData(u) => Ok(u),
            v => Err(self.misuse(&format!(
                "userdata expected at index {idx}, got {}",
                v.type_name()
            ))),
        }
    }

    /// Pushes user value `n` of the userdata at `idx` (nil, and `None`, when
    /// it has fewer) (`lua_getiuservalue`).
    pub fn get_user_value(&mut self, idx: i32, n: usize) -> LuaResult<Option<LuaType>> {
        let u = self.userdata_at(idx)?;
        let v = u.user_value(n);
        self.l.push(v.unwrap_or(Value::Nil));
        Ok(v.map(|v| v.type_of()))
    }

    /// Pops a value into user value `n` of the userdata at `idx`; `false`
    /// when it has fewer (`lua_setiuservalue`).
    pub fn set_user_value(&mut self, idx: i32, n: usize) -> LuaResult<bool> {
        let u = self.userdata_at(idx)?;
        self.need(1)?;
        let v = self.l.at(self.l.top() - 1);
        let ok = u.set_user_value(n, v);
        self.l
            .global()
            .heap
            .barrier_forward(crate::gc::GcRef::UserData(u), v);
        self.pop(1);
        Ok(ok)
    }

    /// Whether the value at `idx` is a full userdata whose payload is a `T`.
    pub fn is_userdata_of<T: 'static>(&self, idx: i32) -> bool {
        match self.get(idx) {
            Some(Value::UserData(u)) => u.payload().is_some_and(|p| p.is::<T>()),
            _ => false,
        }
    }

    /// Runs `f` on the payload of the userdata at `idx`, borrowed. Errors:
    /// not a userdata, payload not a `T`, payload mutably borrowed.
    pub fn with_userdata<T: 'static, R>(
        &mut self,
        idx: i32,
        f: impl FnOnce(&T) -> R,
    ) -> LuaResult<R> {
        let u = self.userdata_at(idx)?;
        let r = match u.payload() {
            Some(p) => p
                .downcast_ref::<T>()
                .map(f)
                .ok_or("userdata of another type"),
            None => Err("userdata already mutably borrowed"),
        };
        r.map_err(|m| self.misuse(m))
    }

    /// Runs `f` on the payload of the userdata at `idx`, mutably borrowed.
    /// Errors as [`with_userdata`](Self::with_userdata), and when the payload
    /// is borrowed.
    pub fn with_userdata_mut<T: 'static, R>(
        &mut self,
        idx: i32,
        f: impl FnOnce(&mut T) -> R,
    ) -> LuaResult<R> {
        let u = self.userdata_at(idx)?;
        let r = match u.payload_mut() {
            Some(mut p) => p
                .downcast_mut::<T>()
                .map(f)
                .ok_or("userdata of another type"),
            None => Err("userdata already borrowed"),
        };
        r.map_err(|m| self.misuse(m))
    }

    // ----- calls -----

    fn func_index(&mut self, nargs: usize) -> LuaResult<usize> {
        self.need(nargs + 1)?;
        Ok(self.l.top() - nargs - 1)
    }

    /// Calls the function below the `nargs` arguments on top; its results
    /// replace them, adjusted to `nresults` (`None`: all) (`lua_call`).
    /// The callee may not yield (see [`call_k`](Self::call_k)).
    pub fn call(&mut self, nargs: usize, nresults: Option<usize>) -> LuaResult<()> {
        let func = self.func_index(nargs)?;
        let host_level = self.l.frames.is_empty();
        let r = self.guard_from(func, |l| l.call(func, wanted(nresults)));
        if let (Err(e), true) = (&r, host_level) {
            self.l.push(e.value);
        }
        r
    }

    /// Calls like [`call`](Self::call) in protected mode (`lua_pcall`). On
    /// error, the function and arguments are replaced by the error value
    /// (after the message handler at index `handler`, if not 0, has
    /// transformed it), and the error is returned too.
    pub fn pcall(&mut self, nargs: usize, nresults: Option<usize>, handler: i32) -> LuaResult<()> {
        let h = if handler == 0 {
            None
        } else {
            Some(self.value(handler)?)
        };
        let func = self.func_index(nargs)?;
        match self.l.pcall(func, wanted(nresults), h) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.l.push(e.value);
                Err(e)
            }
        }
    }

    /// Loads a chunk (source or binary, as `mode` allows: "t", "b" or "bt")
    /// and pushes it as a function; on a syntax error, pushes and returns the
    /// message (`luaL_loadbufferx`).
    pub fn load(&mut self, chunk: &[u8], name: &str, mode: &str) -> LuaResult<()> {
        match self
            .l
            .load_chunk(chunk, name.as_bytes(), mode.as_bytes(), None)
        {
            Ok(f) => {
                self.l.push(f);
                Ok(())
            }
            Err(e) => {
                self.l.push(e.value);
                Err(e)
            }
        }
    }

    /// Reads a whole chunk from `reader`, then loads it as [`load`](Self::load)
    /// does (`lua_load` with a reader). A read error is reported as an error
    /// value "cannot read NAME: REASON".
    pub fn load_reader(
        &mut self,
        mut reader: impl std::io::Read,
        name: &str,
        mode: &str,
    ) -> LuaResult<()> {
        let mut buf = Vec::new();
        if let Err(e) = reader.read_to_end(&mut buf) {
            let msg = format!("cannot read {name}: {}", crate::stdlib::os_error_text(&e));
            let v = self.l.new_str_value(msg.as_bytes());
            self.l.push(v);
            return Err(LuaError::runtime(v));
        }
        self.load(&buf, name, mode)
    }

    /// Loads and runs a source string, keeping all its results (`luaL_dostring`).
    pub fn do_string(&mut self, src: &str) -> LuaResult<()> {
        self.load(src.as_bytes(), src, "t")?;
        self.pcall(0, None, 0)
    }

    /// Pops the top value and returns it as an error to raise (`lua_error`):
    /// `return Err(l.error())`.
    pub fn error(&mut self) -> LuaError {
        let v = if self.top() > 0 {
            self.l.pop()
        } else {
            Value::Nil
        };
        LuaError::runtime(v)
    }

    /// Marks the slot at `idx` as a to-be-closed variable (`lua_toclose`):
    /// its value's `__close` runs when the slot is closed by
    /// [`close_slot`](Self::close_slot), popped by a protected call's error
    /// recovery, or when the state closes. The value must have `__close` or
    /// be nil or false, and slots must be marked in increasing order.
    pub fn to_close(&mut self, idx: i32) -> LuaResult<()> {
        let i = match self.slot(idx) {
            Some(Slot::Stack(i)) => i,
            _ => return Err(self.invalid_index(idx)),
        };
        if self.l.tbc_slots.last().is_some_and(|&s| s >= i) {
            return Err(self.misuse("to-be-closed slots must be marked in increasing order"));
        }
        let v = self.l.at(i);
        let r = self.guard(|l| l.check_closable(v, i));
        r?;
        if !v.is_falsy() {
            self.l.tbc_slots.push(i);
        }
        Ok(())
    }

    /// Closes the to-be-closed slot at `idx` (and any above it) and sets it
    /// to nil (`lua_closeslot`).
    pub fn close_slot(&mut self, idx: i32) -> LuaResult<()> {
        let i = match self.slot(idx) {
            Some(Slot::Stack(i)) => i,
            _ => return Err(self.invalid_index(idx)),
        };
        let r = self.guard(|l| l.close_level(i));
        r?;
        self.l.stack[i] = Value::Nil;
        Ok(())
    }

    /// Runs a full garbage collection (`lua_gc(L, LUA_GCCOLLECT)`).
    pub fn gc_collect(&mut self) {
        self.l.collect_garbage();
    }

    /// Bytes the heap holds now (`lua_gc(L, LUA_GCCOUNT)`, in bytes).
    pub fn gc_count(&self) -> usize {
        self.l.global().heap.total_bytes()
    }

    // ----- host hooks -----

    /// Installs the handler for errors that reach the host outside any
    /// protected call (`lua_atpanic`), or removes it. It receives the error
    /// message; the error is still returned as `Err` afterwards. Without a
    /// handler, such errors are just returned.
    pub fn at_panic(&mut self, handler: Option<TextHandler>) {
        self.l.global().host.panic = handler;
    }

    /// Sends warnings to `handler` (`lua_setwarnf`), or back to standard
    /// error when `None`. The handler receives every complete message of
    /// `warn` (control messages such as "@on" included) and the warnings of
    /// the runtime ("error in __gc ..."), whatever the on/off state.
    pub fn set_warn_handler(&mut self, handler: Option<TextHandler>) {
        self.l.global().host.warn = handler;
    }

    /// Emits a warning as `warn` does (`lua_warning`).
    pub fn warning(&mut self, msg: &[u8]) {
        crate::stdlib::emit_warning(self.l, msg);
    }
}

/// The `nresults` of the internal call functions.
fn wanted(nresults: Option<usize>) -> i32 {
    nresults.map_or(-1, |n| n.min(i32::MAX as usize) as i32)
}

/// The text of an error value (strings and numbers as they are).
pub(crate) fn error_bytes(v: Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Int(_) | Value::Float(_) => crate::auxlib::number_to_bytes(v),
        Value::Nil => b"nil".to_vec(),
        v => format!("(error object is a {} value)", v.type_name()).into_bytes(),
    }
}
