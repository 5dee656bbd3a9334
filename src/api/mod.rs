#![warn(missing_docs)]
//! The typed API: a [`Lua`] handle, rooted handles to Lua objects
//! ([`Table`], [`Function`], [`Thread`], [`AnyUserData`], [`LuaString`]),
//! conversions between Rust and Lua values ([`IntoLua`], [`FromLua`]),
//! Rust closures as Lua functions and Rust types as userdata ([`UserData`]).
//!
//! Handles keep their object alive (each holds a slot of a reference table
//! in the registry, freed on drop) and remember their state: using one with
//! another state is an [`Error::StateMismatch`], and using one after its
//! state was dropped is an [`Error::StateClosed`].
//!
//! The stack API ([`crate::raw`]) is underneath; [`Lua::with_raw`] reaches it.

mod conv;
mod error;
mod userdata;
mod value;

pub use conv::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, MultiValue, Variadic};
pub use error::{Error, Result};
pub use userdata::{
    MetaMethod, UserData, UserDataFields, UserDataMethods, UserDataRef, UserDataRefMut,
};
pub use value::{AnyUserData, Function, LuaString, Table, TablePairs, Thread, ThreadStatus, Value};

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};

use crate::error::{ErrorKind, LuaError};
use crate::gc::Gc;
use crate::raw::{Options, Stack};
use crate::state::{Global, State};
use crate::table::Table as RawTable;
use crate::value::Value as RawValue;

/// What every handle shares: the state and the reference table.
pub(crate) struct Inner {
    global: NonNull<Global>,
    /// The thread typed operations run on: the main thread, or the thread
    /// running the innermost Rust callback.
    current: Cell<*mut State>,
    /// Slots rooting the objects of live handles (a table in the registry).
    refs: Gc<RawTable>,
    free_slots: RefCell<Vec<i64>>,
    next_slot: Cell<i64>,
    closed: Cell<bool>,
    id: u64,
    /// Metatables of userdata types, by payload type (slots of `refs`).
    userdata_metatables: RefCell<HashMap<TypeId, i64>>,
}

impl Inner {
    /// Handles rooting an object of this state now.
    fn live_handles(&self) -> usize {
        (self.next_slot.get() - 1) as usize - self.free_slots.borrow().len()
    }

    /// The running thread.
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn state(&self) -> &mut State {
        // SAFETY: `current` points to a live thread of this state: the main
        // thread, or the thread of the innermost running Rust callback (set
        // from its `&mut State`, which is not used while the callback runs).
        // Lua is single-threaded and callers use the reference briefly,
        // never holding two at once.
        unsafe { &mut *self.current.get() }
    }

    /// Roots `v` in a fresh slot.
    pub(crate) fn root(&self, v: RawValue) -> i64 {
        let slot = self.free_slots.borrow_mut().pop().unwrap_or_else(|| {
            let n = self.next_slot.get();
            self.next_slot.set(n + 1);
            n
        });
        let grown = self.refs.set_int(slot, v);
        // The reference table is old in generational mode: without the
        // barrier a young collection would free `v` under its handle.
        let heap = &mut self.state().global().heap;
        heap.barrier_back(self.refs);
        heap.adjust(grown);
        slot
    }

    /// Releases a slot (nothing once the state is closed).
    pub(crate) fn unroot(&self, slot: i64) {
        if self.closed.get() {
            return;
        }
        self.refs.set_int(slot, RawValue::Nil);
        self.free_slots.borrow_mut().push(slot);
    }

    fn close(&self) {
        if self.closed.get() {
            return;
        }
        // SAFETY: as in `state`; the state is closing and nothing else runs.
        let main = unsafe { &mut *self.global_ref().main_thread.state_ptr() };
        self.current.set(main);
        crate::raw::close_main_thread(main);
        self.closed.set(true);
        // SAFETY: the global state outlives this call; nothing uses the heap
        // afterwards (`closed` stops handles).
        unsafe { (*self.global.as_ptr()).heap.free_all() };
    }

    fn global_ref(&self) -> &Global {
        // SAFETY: the global state lives until `Inner` is dropped.
        unsafe { self.global.as_ref() }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close();
        // SAFETY: `global` came from `Box::into_raw` in `Lua::with_options`
        // and is freed only here.
        drop(unsafe { Box::from_raw(self.global.as_ptr()) });
    }
}

/// A Lua state, for Rust hosts.
///
/// Dropping it closes the state (pending finalizers and to-be-closed
/// variables run), unless a borrow of a userdata payload is still alive;
/// then the state closes when the last one ends.
pub struct Lua {
    pub(crate) inner: Rc<Inner>,
}

impl Default for Lua {
    fn default() -> Self {
        Lua::new()
    }
}

/// A [`Lua`] on its way to another OS thread: see [`Lua::into_sendable`].
///
/// `Lua` itself is neither `Send` nor `Sync`: handles ([`Table`],
/// [`Function`], ...) share its bookkeeping without synchronisation, so a
/// state may change threads only while no handle to it exists outside it.
pub struct SendableLua(Lua);

// SAFETY: `into_sendable` builds a `SendableLua` only when the `Lua` is the
// sole owner of its shared part (no other strong reference) and no handle is
// alive (no rooted slot), so nothing outside the state refers to it. What is
// left inside — the heap's objects, weak references captured by the crate's
// own callbacks, userdata payloads (which must be `Send`), Rust functions
// (whose public constructors require `Send`), the `Rc<[u8]>` names that
// prototypes share with each other only — is reached only through the
// state and moves with it. Nothing in a state is shared with another state or
// with thread-local storage between calls.
unsafe impl Send for SendableLua {}

impl SendableLua {
    /// The state, on the thread that received it.
    pub fn into_lua(self) -> Lua {
        self.0
    }
}

impl Drop for Lua {
    fn drop(&mut self) {
        if Rc::strong_count(&self.inner) == 1 {
            self.inner.close();
        }
    }
}

impl Lua {
    /// A state with the standard libraries open.
    pub fn new() -> Lua {
        Lua::with_options(Options::default())
    }

    /// A state with no libraries.
    pub fn new_bare() -> Lua {
        Lua::with_options(Options {
            libs: crate::raw::StdLibs::NONE,
            ..Options::default()
        })
    }

    /// A state with `options` (libraries, memory limit).
    pub fn with_options(options: Options) -> Lua {
        let global_ptr = State::new_global();
        // SAFETY: the global state was just created; this is the only
        // reference to it until `Inner` takes the pointer below.
        let global = unsafe { &mut *global_ptr.as_ptr() };
        let id = crate::raw::next_state_id();
        global.host.id = id;
        global.host.memory_limit = options.memory_limit;
        global.heap.set_memory_limit(options.memory_limit);
        let main = global.main_thread.state_ptr();
        let refs = global.new_table(0, 0);
        let registry = global.registry;
        let key = global.new_string(b"crescent.handles");
        registry.set_str(key, RawValue::Table(refs));
        let global = global_ptr;
        let lua = Lua {
            inner: Rc::new(Inner {
                global,
                current: Cell::new(main),
                refs,
                free_slots: RefCell::new(Vec::new()),
                next_slot: Cell::new(1),
                closed: Cell::new(false),
                id,
                userdata_metatables: RefCell::new(HashMap::new()),
            }),
        };
        crate::raw::open_std_libs(lua.inner.state(), options.libs);
        lua
    }

    /// The main thread's state: the engine's internal API (absolute stack
    /// indices, unrooted values). Do not keep it across typed-API calls.
    pub fn state(&mut self) -> &mut State {
        // SAFETY: the main thread lives as long as the state, and the
        // `&mut self` borrow keeps the typed API of this handle unused meanwhile.
        unsafe { &mut *self.inner.global_ref().main_thread.state_ptr() }
    }

    /// Runs `f` on the stack of the running thread (the stack API).
    pub fn with_raw<R>(&self, f: impl FnOnce(&mut Stack) -> R) -> R {
        let l = self.inner.state();
        let base = l.top();
        let mut st = Stack::from_state(l);
        let r = f(&mut st);
        if st.state().top() < base {
            st.state().set_top(base);
        }
        r
    }

    /// Runs a chunk and returns its results converted with `tostring`,
    /// separated by tabs (a convenience for tests and examples).
    pub fn eval(&mut self, source: &str) -> std::result::Result<String, String> {
        let l = self.state();
        let f = l
            .load_chunk(source.as_bytes(), b"=eval", b"t", None)
            .map_err(|e| error_text(l, e))?;
        let base = l.top();
        l.push(f);
        l.pcall(base, -1, None).map_err(|e| error_text(l, e))?;
        let mut parts = Vec::new();
        for i in base..l.top() {
            let v = l.at(i);
            let s = l.to_display_string(v).map_err(|e| error_text(l, e))?;
            parts.push(s.to_str_lossy().into_owned());
        }
        l.set_top(base);
        Ok(parts.join("\t"))
    }

    /// Prepares the state to move to another OS thread. Fails (giving the
    /// state back) while any handle to it is alive.
    ///
    /// ```
    /// let lua = crescent::Lua::new();
    /// let sendable = lua.into_sendable().ok().expect("no handles are alive");
    /// let answer = std::thread::spawn(move || {
    ///     let mut lua = sendable.into_lua();
    ///     lua.eval("return 6 * 7").unwrap()
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(answer, "42");
    /// ```
    pub fn into_sendable(self) -> std::result::Result<SendableLua, Lua> {
        if Rc::strong_count(&self.inner) == 1 && self.inner.live_handles() == 0 {
            Ok(SendableLua(self))
        } else {
            Err(self)
        }
    }

    /// A handle for a temporary `Lua` (inside callbacks).
    pub(crate) fn from_inner(inner: Rc<Inner>) -> Lua {
        Lua { inner }
    }

    pub(crate) fn weak(&self) -> Weak<Inner> {
        Rc::downgrade(&self.inner)
    }

    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    /// The globals table.
    pub fn globals(&self) -> Table {
        let g = self.inner.state().global().globals;
        Table(self.handle(RawValue::Table(g)))
    }

    /// A new empty table.
    pub fn create_table(&self) -> Result<Table> {
        let t = self.inner.state().new_table(0, 0);
        Ok(Table(self.handle(RawValue::Table(t))))
    }

    /// A new table with the pairs of `iter`.
    pub fn create_table_from<K: IntoLua, V: IntoLua>(
        &self,
        iter: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Table> {
        let t = self.create_table()?;
        for (k, v) in iter {
            t.raw_set(k, v)?;
        }
        Ok(t)
    }

    /// A new sequence (array) with the values of `iter`.
    pub fn create_sequence_from<V: IntoLua>(
        &self,
        iter: impl IntoIterator<Item = V>,
    ) -> Result<Table> {
        let t = self.create_table()?;
        for (i, v) in iter.into_iter().enumerate() {
            t.raw_set(i as i64 + 1, v)?;
        }
        Ok(t)
    }

    /// A Lua string with these bytes.
    pub fn create_string(&self, s: impl AsRef<[u8]>) -> Result<LuaString> {
        let v = self.inner.state().new_str_value(s.as_ref());
        Ok(LuaString(self.handle(v)))
    }

    /// A Lua function running the Rust closure `f`: its arguments convert
    /// to `A` (an error becomes "bad argument #n"), its `Ok` result converts
    /// to the function's results, its `Err` is raised as a Lua error.
    pub fn create_function<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + Send + 'static,
    {
        self.create_function_raw(move |lua, args| {
            let a = A::from_lua_multi_at(args, lua, 1)?;
            f(lua, a)?.into_lua_multi(lua)
        })
    }

    /// Like [`create_function`](Self::create_function) for `FnMut` closures;
    /// a recursive call while it runs is an error.
    pub fn create_function_mut<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: FnMut(&Lua, A) -> Result<R> + Send + 'static,
    {
        let f = RefCell::new(f);
        self.create_function(move |lua, a: A| {
            let mut f = f
                .try_borrow_mut()
                .map_err(|_| Error::runtime("mutable callback called recursively"))?;
            f(lua, a)
        })
    }

    /// A Lua function running `f` on the raw arguments (no `Send` bound:
    /// the crate's own callbacks hold handles).
    pub(crate) fn create_function_raw<F>(&self, f: F) -> Result<Function>
    where
        F: Fn(&Lua, MultiValue) -> Result<MultiValue> + 'static,
    {
        let weak = self.weak();
        let v = self.with_raw(|st| {
            st.push_function_local(move |st: &mut Stack| run_callback(&weak, st, &f));
            let top = st.state().top();
            st.state().at(top - 1)
        });
        let h = self.handle(v);
        self.inner.state().pop();
        Ok(Function(h))
    }

    /// A coroutine running `f`.
    pub fn create_thread(&self, f: Function) -> Result<Thread> {
        let fv = f.0.raw_for(self)?;
        let l = self.inner.state();
        let th = l.new_thread();
        // SAFETY: the thread was just created; no other reference to its state exists.
        let ts = unsafe { &mut *th.state_ptr() };
        ts.push(fv);
        Ok(Thread(self.handle(RawValue::Thread(th))))
    }

    /// Starts loading a chunk of Lua source (or a binary chunk).
    pub fn load<'a>(&'a self, chunk: impl AsRef<[u8]> + 'a) -> Chunk<'a> {
        Chunk {
            lua: self,
            source: chunk.as_ref().to_vec(),
            name: None,
            env: None,
            mode: "bt",
        }
    }

    /// Runs a full garbage collection.
    pub fn gc_collect(&self) {
        self.inner.state().collect_garbage();
    }

    /// Bytes the heap holds now.
    pub fn used_memory(&self) -> usize {
        self.inner.state().global().heap.total_bytes()
    }

    /// Stores `v` in the registry under `name`.
    pub fn set_named_registry_value(&self, name: &str, v: impl IntoLua) -> Result<()> {
        let v = v.into_lua(self)?.to_raw(self)?;
        let l = self.inner.state();
        let reg = l.global().registry;
        l.set_field(reg, name, v);
        Ok(())
    }

    /// The registry's value under `name`.
    pub fn named_registry_value<T: FromLua>(&self, name: &str) -> Result<T> {
        let l = self.inner.state();
        let reg = l.global().registry;
        let v = l.get_field(reg, name);
        T::from_lua(self.wrap(v), self)
    }

    /// Sends warnings to `handler` (see [`Stack::set_warn_handler`]).
    pub fn set_warn_handler(&self, handler: Option<crate::raw::TextHandler>) {
        self.inner.state().global().host.warn = handler;
    }

    // ----- internal conversions -----

    /// A rooted handle for `v`.
    pub(crate) fn handle(&self, v: RawValue) -> value::Handle {
        let slot = self.inner.root(v);
        value::Handle {
            lua: self.weak(),
            id: self.id(),
            slot,
            value: v,
        }
    }

    /// The typed form of a raw value (rooting reference types).
    pub(crate) fn wrap(&self, v: RawValue) -> Value {
        match v {
            RawValue::Nil => Value::Nil,
            RawValue::Bool(b) => Value::Boolean(b),
            RawValue::Int(i) => Value::Integer(i),
            RawValue::Float(f) => Value::Number(f),
            RawValue::LightUserData(p) => Value::LightUserData(p),
            RawValue::Str(_) => Value::String(LuaString(self.handle(v))),
            RawValue::Table(_) => Value::Table(Table(self.handle(v))),
            RawValue::LuaFn(_) | RawValue::NativeFn(_) | RawValue::LightNative(_) => {
                Value::Function(Function(self.handle(v)))
            }
            RawValue::Thread(_) => Value::Thread(Thread(self.handle(v))),
            RawValue::UserData(_) => Value::UserData(AnyUserData(self.handle(v))),
        }
    }

    /// Calls `stack[func]` with the arguments above it in protected mode with
    /// a traceback handler; returns the results (typed) or the error.
    pub(crate) fn protected_call(&self, func: usize) -> Result<MultiValue> {
        let l = self.inner.state();
        // The handler goes below the function.
        l.push(RawValue::Nil);
        for i in (func..l.top() - 1).rev() {
            l.stack[i + 1] = l.stack[i];
        }
        l.stack[func] = RawValue::LightNative(traceback_handler);
        let h = RawValue::LightNative(traceback_handler);
        let r = l.pcall(func + 1, -1, Some(h));
        let out = match r {
            Ok(()) => {
                let l = self.inner.state();
                let vals: Vec<RawValue> = l.stack[func + 1..l.top()].to_vec();
                // (Wrapping reaches the state again: `l` is not used after.)
                Ok(MultiValue::from_vec(
                    vals.into_iter().map(|v| self.wrap(v)).collect(),
                ))
            }
            Err(e) => Err(lua_error_to_error(e)),
        };
        self.inner.state().set_top(func);
        out
    }
}

/// The message handler of the typed API's calls: wraps the error with the
/// traceback at the error point.
fn traceback_handler(l: &mut State) -> crate::LuaResult<usize> {
    let v = l.arg(1);
    let tb = l.traceback(None, 1);
    let tb = String::from_utf8_lossy(&tb).into_owned();
    let tb = tb.trim_start_matches('\n').to_string();
    let ud = crate::userdata::UserData::new(Box::new(TracedError(tb)), 1);
    ud.set_user_value(1, v);
    let u = l.global().heap.alloc(ud);
    l.push(RawValue::UserData(u));
    Ok(1)
}

/// An error value with the traceback where it was raised.
struct TracedError(String);

/// The typed error for a Lua error value.
pub(crate) fn lua_error_to_error(e: LuaError) -> Error {
    let (value, traceback) = match e.value {
        RawValue::UserData(u) => match u
            .payload()
            .and_then(|p| p.downcast_ref::<TracedError>().map(|t| t.0.clone()))
        {
            Some(tb) => (u.user_value(1).unwrap_or(RawValue::Nil), Some(tb)),
            None => (e.value, None),
        },
        v => (v, None),
    };
    let message = String::from_utf8_lossy(&crate::raw::error_bytes(value)).into_owned();
    match e.kind {
        ErrorKind::Syntax => Error::Syntax { message },
        ErrorKind::Memory => Error::Memory { message },
        ErrorKind::ErrorHandler => Error::MessageHandler { message },
        _ => Error::Runtime { message, traceback },
    }
}

/// Runs a typed Rust callback on the frame of `st`.
fn run_callback<F>(weak: &Weak<Inner>, st: &mut Stack, f: &F) -> crate::LuaResult<usize>
where
    F: Fn(&Lua, MultiValue) -> Result<MultiValue>,
{
    let inner = match weak.upgrade() {
        Some(i) if !i.closed.get() => i,
        _ => return Err(st.error_msg("the Lua state is closed")),
    };
    let lua = Lua::from_inner(inner);
    let l = st.state();
    let base = l.arg_base();
    // The arguments stay on the stack (rooted) while they become handles.
    let raw_args: Vec<RawValue> = (base..l.top()).map(|i| l.at(i)).collect();
    let r = {
        // Typed operations inside run on this thread, through the pointer
        // the guard derives from `l`, which is not used meanwhile: handles
        // are made, used, dropped and the results pushed under the guard.
        // The guard puts the previous thread back even if `f` panics.
        let _running = RunningThread::enter(&lua.inner, l);
        let args = raw_args.into_iter().map(|v| lua.wrap(v)).collect();
        f(&lua, MultiValue::from_vec(args)).and_then(|vals| {
            lua.inner
                .state()
                .check_stack(vals.len())
                .map_err(|_| Error::runtime("too many results"))?;
            let n = vals.len();
            for v in vals {
                // Pushed before the handle `v` lets go of its object.
                let raw = v.to_raw(&lua)?;
                lua.inner.state().push(raw);
            }
            Ok(n)
        })
    };
    let l = st.state();
    match r {
        Ok(n) => Ok(n),
        Err(Error::BadArgument { pos, cause }) => Err(l.arg_error(pos, cause.lua_message())),
        Err(e) => {
            let v = l.new_str_value(e.lua_message().as_bytes());
            Err(LuaError::runtime(v))
        }
    }
}

/// Makes a thread the one typed operations run on, until dropped.
struct RunningThread<'a> {
    inner: &'a Inner,
    previous: *mut State,
}

impl<'a> RunningThread<'a> {
    fn enter(inner: &'a Inner, l: &mut State) -> RunningThread<'a> {
        let previous = inner.current.replace(l as *mut State);
        RunningThread { inner, previous }
    }
}

impl Drop for RunningThread<'_> {
    fn drop(&mut self) {
        self.inner.current.set(self.previous);
    }
}

/// The text of an error value (for hosts that want a message).
pub fn error_text(_l: &mut State, e: LuaError) -> String {
    match e.value {
        RawValue::Str(s) => s.to_str_lossy().into_owned(),
        v => format!("(error object is a {} value)", v.type_name()),
    }
}

/// A chunk being loaded: [`Lua::load`], then options, then run it.
pub struct Chunk<'a> {
    lua: &'a Lua,
    source: Vec<u8>,
    name: Option<String>,
    env: Option<Table>,
    mode: &'static str,
}

impl Chunk<'_> {
    /// The chunk's name, as error messages show it: "=name" shows "name",
    /// "@file" shows "file", anything else shows `[string "name"]`.
    pub fn set_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Runs the chunk with `env` as its `_ENV` (its globals): a sandbox.
    pub fn set_environment(mut self, env: Table) -> Self {
        self.env = Some(env);
        self
    }

    /// Accepts only source text (no binary chunks).
    pub fn text_only(mut self) -> Self {
        self.mode = "t";
        self
    }

    fn chunk_name(&self) -> Vec<u8> {
        match &self.name {
            Some(n) => n.as_bytes().to_vec(),
            None => self.source.clone(),
        }
    }

    fn compile(&self, source: &[u8]) -> Result<Function> {
        let env = match &self.env {
            Some(t) => Some(t.0.raw_for(self.lua)?),
            None => None,
        };
        let l = self.lua.inner.state();
        let f = l
            .load_chunk(source, &self.chunk_name(), self.mode.as_bytes(), env)
            .map_err(lua_error_to_error)?;
        Ok(Function(self.lua.handle(f)))
    }

    /// The chunk as a function, without running it.
    pub fn into_function(self) -> Result<Function> {
        self.compile(&self.source)
    }

    /// Runs the chunk, discarding its results.
    pub fn exec(self) -> Result<()> {
        self.into_function()?.call::<_, ()>(())
    }

    /// Runs the chunk with arguments, converting its results.
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(self, args: A) -> Result<R> {
        self.into_function()?.call(args)
    }

    /// Evaluates the chunk: as an expression if it is one (`return <src>`),
    /// else as statements; converts the results.
    pub fn eval<R: FromLuaMulti>(self) -> Result<R> {
        let mut expr = b"return ".to_vec();
        expr.extend_from_slice(&self.source);
        let f = match self.compile(&expr) {
            Ok(f) => f,
            Err(_) => self.compile(&self.source)?,
        };
        f.call(())
    }
}
#[cfg(test)]
mod tests {
    use super::Lua;

    /// A small program through every part that uses `unsafe` (heap and
    /// `Gc` pointers, tables, closures and upvalues, threads, the VM's
    /// register access, finalizers, weak tables, string interning), sized
    /// so that Miri (`cargo +nightly miri test --lib miri_`, with the PGO
    /// wrapper off as `tests/miri.rs` says) runs it in
    /// minutes.
    #[test]
    fn miri_smoke_program() {
        // The libraries it needs (Miri cannot run the os library's `tzset`).
        let mut lua = Lua::new_bare();
        {
            use crate::stdlib::{base, corolib, strlib, tablib};
            let l = lua.state();
            let _ = l.loaded_table();
            base::open(l);
            corolib::open(l);
            strlib::open(l);
            tablib::open(l);
        }
        let out = lua
            .eval(
                r#"
                local log = {}
                local function counter()
                  local n = 0
                  return function() n = n + 1; return n end
                end
                local c1, c2 = counter(), counter()
                c1(); c1(); c2()
                local t = {}
                for i = 1, 40 do t[i] = i * i; t["k" .. i] = i end
                for i = 1, 40, 2 do t[i] = nil end
                local sum = 0
                for k, v in pairs(t) do if type(k) == "number" then sum = sum + v end end
                local co = coroutine.wrap(function(a)
                  local b = coroutine.yield(a + 1)
                  local s <close> = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
                  return b * 2
                end)
                local y1, y2 = co(1), co(10)
                local weak = setmetatable({}, {__mode = "k"})
                weak[{}] = 1
                setmetatable({}, {__gc = function() log[#log + 1] = "gc" end})
                collectgarbage()
                local n = 0
                for _ in pairs(weak) do n = n + 1 end
                local s = {}
                for i = 1, 20 do s[#s + 1] = tostring(i / 3) end
                local ok, err = pcall(error, {code = 7})
                local f = load(string.dump(function(x) return x .. "!" end))
                return c1(), c2(), sum, y1, y2, n, #table.concat(s), err.code, f("d"), table.concat(log, ",")
                "#,
            )
            .unwrap();
        assert_eq!(out, "3\t2\t11480\t2\t20\t0\t230\t7\td!\tclosed,gc");
    }
}
