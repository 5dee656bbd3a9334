//! Global and per-thread state (PUC's `lstate.c`).
//!
//! `Global` is shared by all threads of one Lua state: the heap, the string
//! table, the registry, per-type metatables and metamethod names. `State` is one
//! thread (PUC's `lua_State`): its value stack, its chain of call frames
//! (`CallInfo`), its open upvalues and to-be-closed variables. A `Thread` is the
//! collectable object that owns a `State`, so coroutines are ordinary values.
//!
//! Stack discipline: `stack` is a `Vec<Value>` addressed by index (never by
//! pointer), so growing it cannot leave dangling references. `top` is the first
//! free slot; every slot below `stack.len()` is a root for the collector.

use std::cell::{Cell, UnsafeCell};
use std::ptr::NonNull;

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::{LuaClosure, UpVal};
use crate::gc::{Collectable, Gc, GcBox, GcRef, Heap, Marker};
use crate::string::{
    fits_in_block, make_long_string, make_short_string, make_string, make_string_in_block,
    LuaString, StringTable, MAX_SHORT_LEN,
};
use crate::table::Table;
use crate::tm::{TmKind, TM_NAMES};
use crate::value::{LuaType, Value, NUM_TYPES};

/// Most slots a thread's stack may have (PUC's `LUAI_MAXSTACK`).
pub const MAX_STACK: usize = 1_000_000;
/// Extra room kept to handle a stack overflow error (PUC's `EXTRA_STACK` + error slots).
pub const ERROR_STACK_EXTRA: usize = 200;
/// Most nested native calls (PUC's `LUAI_MAXCCALLS`).
pub const MAX_CCALLS: u32 = 200;
/// Slots a native function may use without asking (PUC's `LUA_MINSTACK`).
pub const MIN_STACK: usize = 20;

/// Registry index of the main thread and of the globals table (`LUA_RIDX_*`).
pub const REGISTRY_MAIN_THREAD: i64 = 1;
pub const REGISTRY_GLOBALS: i64 = 2;

/// One activation record (PUC's `CallInfo`).
#[derive(Clone, Copy, Debug)]
pub struct CallInfo {
    /// Stack index of the called function.
    pub func: usize,
    /// First register (func + 1; for vararg Lua functions, past the copied varargs).
    pub base: usize,
    /// Limit of the frame's registers.
    pub top: usize,
    /// Next instruction of a Lua frame: its address in the closure's code
    /// (PUC's `savedpc`), so a return continues the caller without looking
    /// up the code through the closure and its prototype first. Never read
    /// through outside `vm.rs`; `pc_index` gives the index.
    pub pc: *const u32,
    /// Results the caller wants (`-1` for all of them).
    pub nresults: i32,
    /// The running closure for Lua frames.
    pub closure: Option<Gc<LuaClosure>>,
    /// Number of extra (vararg) arguments of a vararg Lua function.
    pub n_extra_args: usize,
    pub status: u8,
    /// For a native frame that called Lua with `call_yieldable`: how to finish
    /// after a coroutine resumes it (PUC's continuation `k`). It returns the
    /// number of results, as the native function itself would.
    pub k: Option<crate::value::NativeFn>,
    /// Results of a `RETURN` interrupted by a yielding `__close`.
    pub saved_nres: usize,
}

impl CallInfo {
    /// The index of the next instruction in the running closure's code (0
    /// for a native frame).
    pub fn pc_index(&self) -> usize {
        match self.closure {
            Some(cl) => (self.pc as usize).wrapping_sub(cl.code() as usize) / 4,
            None => 0,
        }
    }

    /// Moves the next instruction `by` instructions on (back when negative).
    pub fn advance_pc(&mut self, by: isize) {
        self.pc = self.pc.wrapping_offset(by);
    }

    /// Sets the next instruction by its index in the running closure's code.
    pub fn set_pc_index(&mut self, index: usize) {
        if let Some(cl) = self.closure {
            self.pc = cl.code().wrapping_add(index);
        }
    }
}

/// `CallInfo::status` bits.
pub mod call_status {
    /// The frame runs Lua code.
    pub const LUA: u8 = 1;
    /// `execute` was entered for this frame: returning from it leaves `execute`.
    pub const FRESH: u8 = 2;
    /// The frame was reached by a tail call.
    pub const TAIL: u8 = 4;
    /// The frame is a protected call (`pcall`/`xpcall`).
    pub const YIELDABLE_PCALL: u8 = 8;
    /// A hook is running.
    pub const HOOKED: u8 = 16;
    /// The frame runs a finalizer.
    pub const FINALIZER: u8 = 32;
    /// The protected call is an `xpcall` (its handler sits below the function).
    pub const XPCALL: u8 = 64;
    /// A yieldable `pcall` is closing variables after an error.
    pub const CLOSING_ERROR: u8 = 128;
}

/// Status of a thread as a coroutine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    Ok,
    Yielded,
    Dead,
}

/// A thread's value stack: slices of it are read and written freely, but
/// its buffer moves only in `State::resize_stack`, which keeps the open
/// upvalues pointing into it (so the type has no method that reallocates).
pub struct ValueStack(Vec<Value>);

impl ValueStack {
    /// The buffer's start. Taken from the vector itself, not through a slice:
    /// pointers kept across later accesses (registers, open upvalues) must
    /// not be derived from a reference that the next access invalidates.
    #[inline(always)]
    pub(crate) fn as_mut_ptr(&mut self) -> *mut Value {
        self.0.as_mut_ptr()
    }

    /// Slots allocated (for memory accounting).
    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl std::ops::Deref for ValueStack {
    type Target = [Value];
    #[inline(always)]
    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl std::ops::DerefMut for ValueStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Value] {
        &mut self.0
    }
}

/// A thread of execution (PUC's `lua_State`).
pub struct State {
    global: NonNull<Global>,
    pub(crate) stack: ValueStack,
    pub(crate) top: usize,
    pub(crate) frames: Vec<CallInfo>,
    /// Open upvalues, sorted by stack index.
    pub(crate) open_upvalues: Vec<Gc<UpVal>>,
    /// Stack slots of to-be-closed variables, ascending.
    pub(crate) tbc_slots: Vec<usize>,
    /// Nested native (non-yieldable) calls.
    pub(crate) n_ccalls: u32,
    pub(crate) status: ThreadStatus,
    /// The object owning this state (set right after creation).
    pub(crate) thread: Option<Gc<Thread>>,
    /// Whether the thread may yield now (non-zero: no).
    pub(crate) nny: u32,
    /// Values a coroutine passes across `resume`/`yield`.
    pub(crate) transfer: Vec<Value>,
    /// Whether the thread is being resumed (running, or resuming another).
    pub(crate) active: bool,
    /// The coroutine died with an error (its value is kept in `transfer`).
    pub(crate) errored: bool,
    /// Events the thread's hook wants (`dblib::MASK_*`); 0 when no hook.
    pub(crate) hook_mask: u8,
    /// Instructions between count events, and the countdown to the next.
    pub(crate) base_hook_count: i64,
    pub(crate) hook_count: i64,
    /// Instruction of the last line event (PUC's `oldpc`).
    pub(crate) old_pc: usize,
    /// `vm::execute` sent the instruction it redispatches to its slow path.
    pub(crate) slow_pending: bool,
    /// Status bits for the next frame pushed (marks a finalizer's frame).
    pub(crate) next_call_status: u8,
    /// While this thread runs as a coroutine: the state resuming it, as a
    /// pointer derived from the resumer's live `&mut State` (null otherwise).
    /// Code running here reaches the resumer's state only through it.
    pub(crate) resumer: *mut State,
}

/// The collectable object owning a thread's `State`.
pub struct Thread {
    state: UnsafeCell<State>,
    /// Bytes the heap accounts for this thread. Growing the stack tells the
    /// heap at once (`State::resize_stack`); the frame list grows without
    /// telling it, and shrinking neither: the collector re-measures them when
    /// it visits the thread, so the total stays exact when the thread is freed.
    accounted_size: Cell<usize>,
}

impl Thread {
    pub(crate) fn new(state: State) -> Thread {
        let t = Thread {
            state: UnsafeCell::new(state),
            accounted_size: Cell::new(0),
        };
        t.accounted_size.set(t.measure());
        t
    }

    /// Bytes the thread uses now.
    fn measure(&self) -> usize {
        // SAFETY: reads the capacities only; no reference escapes. Called only
        // while no `&mut` to the state is live (creation).
        Self::measure_state(unsafe { &*self.state.get() })
    }

    fn measure_state(state: &State) -> usize {
        std::mem::size_of::<GcBox<Thread>>() + state.buffers_size()
    }
}

impl Thread {
    /// Raw access to the thread's state.
    ///
    /// # Safety
    /// The caller must not create a reference that overlaps another live mutable
    /// reference to the same state. Threads are single-threaded and only the
    /// running thread (and the coroutine code resuming it) touches a state.
    pub(crate) fn state_ptr(&self) -> *mut State {
        self.state.get()
    }
}

impl Collectable for Thread {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::Thread(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        // SAFETY: marking runs at a safe point where no other reference into
        // this state is in use. A running thread, or one resuming it, has a
        // live `&mut State` up the call stack: it is reached through the
        // pointer derived from that reference (`Marker::reach_state`).
        let state = unsafe { &mut *marker.reach_state(self.state.get()) };
        // Slots at and above `top` are dead: clear them so they can never hold
        // a reference to a freed object (PUC clears the dead stack slice too).
        let top = state.top.min(state.stack.len());
        for &v in &state.stack[..top] {
            marker.mark_value(v);
        }
        for slot in &mut state.stack[top..] {
            *slot = Value::Nil;
        }
        for &uv in &state.open_upvalues {
            marker.mark_upval(uv);
        }
        for &v in &state.transfer {
            marker.mark_value(v);
        }
        for ci in &state.frames {
            if let Some(c) = ci.closure {
                marker.mark(GcRef::LuaClosure(c));
            }
        }
        if !marker.is_recording() {
            let now = Self::measure_state(state);
            marker.add_size_change(now as isize - self.accounted_size.get() as isize);
            self.accounted_size.set(now);
        }
    }
    fn heap_size(&self) -> usize {
        self.accounted_size.get()
    }
}

/// State shared by every thread of one Lua state (PUC's `global_State`).
pub struct Global {
    pub heap: Heap,
    pub strings: StringTable,
    pub registry: Gc<Table>,
    pub globals: Gc<Table>,
    pub type_metatables: [Option<Gc<Table>>; NUM_TYPES],
    /// Interned metamethod names, indexed by `TmKind`.
    pub tm_names: Vec<Gc<LuaString>>,
    /// Metatables' `__index` tables, for lookups through classes.
    pub index_cache: crate::index_cache::IndexCache,
    pub main_thread: Gc<Thread>,
    /// Whether `warn` output is on (`@on`/`@off`).
    pub warnings_on: bool,
    /// A warning being assembled from pieces (`warn` with several arguments).
    pub warning_buffer: Vec<u8>,
    /// Strings a native function keeps alive across calls (memoised names).
    pub name_cache: Vec<Gc<LuaString>>,
    /// "not enough memory", made in advance (PUC's `memerrmsg`).
    pub memory_error_message: Gc<LuaString>,
    /// Buffered standard output shared by `print` and `io.write`.
    pub out_buffer: Vec<u8>,
    /// Whether standard output is a terminal (then output is flushed per line).
    pub stdout_is_tty: bool,
    /// What an embedding host installed: warning and panic handlers, pending
    /// continuations of Rust functions (see `crate::raw`).
    pub host: crate::raw::HostHooks,
    /// A host's instruction budget, interrupt flag and sandbox bounds.
    pub limits: crate::sandbox::Limits,
    /// The state is closing (`lua_close`): objects given a `__gc` metatable
    /// from now on are not finalized (PUC's `GCSTPCLS`).
    pub closing: bool,
    /// Where `..` builds a result that ends up copied into a string (one
    /// that fits in a pool block), kept from one concatenation to the next.
    pub(crate) concat_buffer: Vec<u8>,
}

impl Global {
    /// The metatable for values of a basic type other than table and userdata.
    pub fn type_metatable(&self, t: LuaType) -> Option<Gc<Table>> {
        self.type_metatables[t as usize]
    }

    pub fn tm_name(&self, tm: TmKind) -> Gc<LuaString> {
        self.tm_names[tm as usize]
    }

    /// Interns or creates a string.
    pub fn new_string(&mut self, bytes: &[u8]) -> Gc<LuaString> {
        if bytes.len() <= MAX_SHORT_LEN {
            let seed = self.strings.seed();
            let h = crate::string::hash_bytes(bytes, seed);
            if let Some(s) = self.strings.find(bytes, h) {
                return s;
            }
            // Hashed once: the lookup's hash is the new string's.
            let s = if fits_in_block(bytes.len()) {
                self.alloc_string_in_block(bytes, Some(h))
            } else {
                self.heap.alloc(make_short_string(bytes, h))
            };
            let before = self.strings.bytes();
            self.strings.insert(s);
            let grown = self.strings.bytes() - before;
            if grown != 0 {
                self.heap.adjust(grown as isize);
            }
            s
        } else if fits_in_block(bytes.len()) {
            self.alloc_string_in_block(bytes, None)
        } else {
            self.heap.alloc(make_string(bytes, 0))
        }
    }

    /// A string whose bytes live in its own pool block; short (interned by
    /// the caller) when `hash` is given.
    fn alloc_string_in_block(&mut self, bytes: &[u8], hash: Option<u32>) -> Gc<LuaString> {
        // SAFETY: the space is `bytes.len()` long, in the string's own block.
        self.heap.alloc_with_space(bytes.len(), |space| unsafe {
            make_string_in_block(bytes, hash, space)
        })
    }

    /// Creates a string from an owned buffer (no copy for long strings that
    /// do not fit in a pool block).
    pub fn new_string_owned(&mut self, bytes: Vec<u8>) -> Gc<LuaString> {
        if bytes.len() <= MAX_SHORT_LEN || fits_in_block(bytes.len()) {
            self.new_string(&bytes)
        } else {
            self.heap.alloc(make_long_string(bytes))
        }
    }

    /// A table with room for `narray` and `nhash` entries; small parts live
    /// in the table's own block (one allocation). Out of line, with the
    /// table's construction and `Heap::alloc_with` inlined into it.
    #[inline(never)]
    pub fn new_table(&mut self, narray: usize, nhash: usize) -> Gc<Table> {
        match Table::inline_bytes(narray, nhash) {
            // SAFETY: the space is `bytes` long, in the table's own block.
            Some(bytes) => self.heap.alloc_with_space(bytes, |space| unsafe {
                Table::new_in_block(narray, nhash, space)
            }),
            None => self.heap.alloc_with(|| Table::new(narray, nhash)),
        }
    }
}

impl State {
    fn new(global: NonNull<Global>) -> State {
        State {
            global,
            stack: ValueStack(vec![Value::Nil; 2 * MIN_STACK]),
            top: 0,
            frames: Vec::with_capacity(4),
            open_upvalues: Vec::new(),
            tbc_slots: Vec::new(),
            n_ccalls: 0,
            status: ThreadStatus::Ok,
            thread: None,
            nny: 0,
            transfer: Vec::new(),
            active: false,
            errored: false,
            hook_mask: 0,
            base_hook_count: 0,
            hook_count: 0,
            old_pc: 0,
            slow_pending: false,
            next_call_status: 0,
            resumer: std::ptr::null_mut(),
        }
    }

    /// Creates a new Lua state: its global part and its main thread (which
    /// lives in the global part's heap). The caller owns the global state and
    /// frees it with `Box::from_raw`. It is handed out as a raw pointer, as
    /// every thread reaches it: a `Box` would claim unique access whenever it
    /// moved, invalidating the threads' pointers (Miri's Stacked Borrows).
    pub fn new_global() -> NonNull<Global> {
        let mut heap = Heap::new();
        let seed = random_seed();
        let mut strings = StringTable::new(seed);
        let registry = heap.alloc(Table::new(2, 0));
        let globals = heap.alloc(Table::new(0, 64));
        let mut tm_names = Vec::with_capacity(TM_NAMES.len());
        for name in TM_NAMES {
            let h = crate::string::hash_bytes(name.as_bytes(), seed);
            let s = match strings.find(name.as_bytes(), h) {
                Some(s) => s,
                None => {
                    let s = heap.alloc(make_string(name.as_bytes(), seed));
                    strings.insert(s);
                    s
                }
            };
            tm_names.push(s);
        }
        let memory_error_message = {
            let text = b"not enough memory";
            let s = heap.alloc(make_string(text, seed));
            strings.insert(s);
            s
        };
        let main_thread = heap.alloc(Thread::new(State::new(NonNull::dangling())));
        heap.adjust(strings.bytes() as isize);
        let global = Box::new(Global {
            heap,
            strings,
            registry,
            globals,
            type_metatables: [None; NUM_TYPES],
            tm_names,
            index_cache: Default::default(),
            main_thread,
            warnings_on: false,
            warning_buffer: Vec::new(),
            name_cache: Vec::new(),
            memory_error_message,
            out_buffer: Vec::with_capacity(8192),
            stdout_is_tty: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            host: crate::raw::HostHooks::default(),
            limits: crate::sandbox::Limits::default(),
            closing: false,
            concat_buffer: Vec::new(),
        });
        let gptr = NonNull::from(Box::leak(global));
        // SAFETY: the main thread was just created and nothing else refers to its
        // state yet.
        let main = unsafe { &mut *main_thread.state_ptr() };
        main.global = gptr;
        main.thread = Some(main_thread);
        registry.set_int(REGISTRY_MAIN_THREAD, Value::Thread(main_thread));
        registry.set_int(REGISTRY_GLOBALS, Value::Table(globals));
        gptr
    }

    /// Creates a new thread sharing this state's global part (`lua_newthread`).
    pub fn new_thread(&mut self) -> Gc<Thread> {
        let gptr = self.global;
        let th = self.global().heap.alloc(Thread::new(State::new(gptr)));
        // SAFETY: the thread was just created; no other reference to its state exists.
        let new = unsafe { &mut *th.state_ptr() };
        new.thread = Some(th);
        // A coroutine stays under the host's instruction budget.
        new.hook_mask = crate::sandbox::budget_bits(self.hook_mask);
        th
    }

    /// The shared global state.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub fn global(&self) -> &mut Global {
        // SAFETY: the global state outlives every thread (it owns them through its
        // heap), and Lua runs single-threaded: callers use the returned reference
        // briefly and never hold two at once.
        unsafe { &mut *self.global.as_ptr() }
    }

    /// The thread object owning this state.
    pub fn thread(&self) -> Gc<Thread> {
        match self.thread {
            Some(t) => t,
            None => self.global().main_thread,
        }
    }

    // ----- the stack -----

    /// Makes sure `n` more slots above `top` exist ("stack overflow" past the limit).
    #[inline]
    pub fn check_stack(&mut self, n: usize) -> LuaResult<()> {
        if self.top + n > self.stack.len() {
            self.grow_stack(self.top + n)?;
        }
        Ok(())
    }

    /// Grows the stack to hold at least `needed` slots.
    pub(crate) fn grow_stack(&mut self, needed: usize) -> LuaResult<()> {
        if needed > MAX_STACK {
            if self.stack.len() < MAX_STACK + ERROR_STACK_EXTRA {
                self.resize_stack(MAX_STACK + ERROR_STACK_EXTRA);
                return Err(self.rt_error_msg("stack overflow"));
            }
            return Err(LuaError {
                kind: ErrorKind::ErrorHandler,
                value: Value::Str(self.global().new_string(b"error in error handling")),
            });
        }
        let new_len = needed.max(self.stack.len() * 2).min(MAX_STACK);
        self.resize_stack(new_len);
        Ok(())
    }

    /// Resizes the stack (new slots are nil; a smaller stack also gives its
    /// memory back) and accounts for the thread's growth (stack and frame
    /// list): the memory limit sees it at the next check, and the
    /// allocation-failure injector counts it. The only place where the
    /// stack's buffer moves: open upvalues are re-pointed here.
    pub(crate) fn resize_stack(&mut self, len: usize) {
        let before = self.stack.0.as_ptr();
        if len < self.stack.len() {
            self.stack.0.truncate(len);
            self.stack.0.shrink_to_fit();
        } else {
            self.stack.0.resize(len, Value::Nil);
        }
        if self.stack.0.as_ptr() != before {
            let stack = self.stack.as_mut_ptr();
            for uv in &self.open_upvalues {
                uv.relocate(stack);
            }
        }
        if let Some(th) = self.thread {
            let now = std::mem::size_of::<GcBox<Thread>>() + self.buffers_size();
            let before = th.accounted_size.replace(now);
            self.global().heap.adjust(now as isize - before as isize);
        }
    }

    /// Bytes of the stack and frame list.
    fn buffers_size(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<Value>()
            + self.frames.capacity() * std::mem::size_of::<CallInfo>()
    }

    /// Pushes a value.
    #[inline]
    pub fn push(&mut self, v: Value) {
        if self.top >= self.stack.len() {
            // Natives get MIN_STACK free slots; past that the stack grows
            // (ignoring the limit here keeps `push` infallible).
            let n = (self.stack.len() * 2).max(2 * MIN_STACK);
            self.resize_stack(n);
        }
        self.stack[self.top] = v;
        self.top += 1;
    }

    /// Removes and returns the top value (nil on an empty stack).
    #[inline]
    pub fn pop(&mut self) -> Value {
        if self.top == 0 {
            return Value::Nil;
        }
        self.top -= 1;
        self.stack[self.top]
    }

    /// The value at absolute stack index `i`.
    #[inline(always)]
    pub fn at(&self, i: usize) -> Value {
        self.stack.get(i).copied().unwrap_or(Value::Nil)
    }

    /// The absolute index one past the top value.
    pub fn top(&self) -> usize {
        self.top
    }

    /// Sets the top (absolute index); new slots are nil.
    pub fn set_top(&mut self, top: usize) {
        if top > self.stack.len() {
            self.resize_stack(top);
        }
        for slot in &mut self.stack[self.top.min(top)..top] {
            *slot = Value::Nil;
        }
        self.top = top;
    }

    // ----- objects -----

    /// A new (or interned) string.
    pub fn new_string(&mut self, bytes: &[u8]) -> Gc<LuaString> {
        self.global().new_string(bytes)
    }

    /// A new string as a value.
    pub fn new_str_value(&mut self, bytes: &[u8]) -> Value {
        Value::Str(self.global().new_string(bytes))
    }

    /// A new table with room for `narray` array and `nhash` hash entries.
    pub fn new_table(&mut self, narray: usize, nhash: usize) -> Gc<Table> {
        self.global().new_table(narray, nhash)
    }

    /// Registers `obj` for finalization if its new metatable has `__gc`.
    pub fn check_finalizer(&mut self, obj: Value, mt: Option<Gc<Table>>) {
        let mt = match mt {
            Some(mt) => mt,
            None => return,
        };
        if self.global().closing || self.get_tm_from(mt, TmKind::Gc).is_nil() {
            return;
        }
        let r = match obj {
            Value::Table(t) => GcRef::Table(t),
            Value::UserData(u) => GcRef::UserData(u),
            _ => return,
        };
        self.global().heap.register_finalizer(r);
    }

    // ----- errors -----

    /// A runtime error with the current Lua frame's position (PUC's `luaG_runerror`).
    pub fn rt_error_msg(&mut self, msg: &str) -> LuaError {
        self.rt_error_bytes(msg.as_bytes())
    }

    /// Like `rt_error_msg`, with a message of bytes.
    pub fn rt_error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.current_position();
        full.extend_from_slice(msg);
        let s = self.global().new_string(&full);
        LuaError::runtime(Value::Str(s))
    }

    /// "chunk:line: " for the running frame if it runs Lua code, else "".
    pub fn current_position(&self) -> Vec<u8> {
        match self.frames.last() {
            Some(ci) => crate::debug::frame_position(ci),
            None => Vec::new(),
        }
    }

    /// An error with the position of the function calling the running native one
    /// (PUC's `luaL_error`, which uses `luaL_where(L, 1)`).
    pub fn error(&mut self, msg: impl AsRef<[u8]>) -> LuaError {
        let mut full = self.where_(1);
        full.extend_from_slice(msg.as_ref());
        let s = self.global().new_string(&full);
        LuaError::runtime(Value::Str(s))
    }

    /// "chunk:line: " of the function at `level` (0 = running), "" if not Lua.
    pub fn where_(&self, level: usize) -> Vec<u8> {
        let n = self.frames.len();
        if level < n {
            crate::debug::frame_position(&self.frames[n - 1 - level])
        } else {
            Vec::new()
        }
    }
}

/// A seed for string hashing, different per state.
fn random_seed() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let local = 0u8;
    let addr = &local as *const u8 as u64;
    ((t ^ addr.rotate_left(17)) as u32) ^ ((t >> 32) as u32)
}
