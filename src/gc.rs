//! The garbage-collected heap: typed pointers to collectable objects and a tracing
//! mark-and-sweep collector.
//!
//! Every Lua object (string, table, closure, upvalue, prototype, userdata, thread)
//! lives in a `GcBox` allocated here and is reached through a `Gc<T>`, a copyable
//! pointer. The heap owns all boxes (the `objects` list); nothing else frees them.
//!
//! Invariant (the one every `unsafe` here rests on): an object is freed only by
//! `Heap::sweep`, and a sweep only follows a mark phase that started from every
//! root (thread stacks, registry, per-type metatables, open upvalues, values a host
//! holds). Collection runs only at *safe points* (`State::check_gc`), where every
//! live value is reachable from a root — so a `Gc<T>` held by running code is valid
//! whenever it is dereferenced. Native functions keep the values they still need on
//! the Lua stack before calling back into Lua.
//!
//! Mutation: objects give out `&T` only; types that change after creation keep
//! their state in `Cell`s or in an `UnsafeCell` behind a small API that never hands
//! out references into it. Every store of a collectable value into an object goes
//! through those APIs, which is where the incremental collector will put its barriers.

use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::ptr::NonNull;

use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
use crate::state::Thread;
use crate::string::LuaString;
use crate::table::Table;
use crate::userdata::UserData;
use crate::value::Value;

/// A heap cell: the mark bit and the object.
pub struct GcBox<T> {
    marked: Cell<bool>,
    value: T,
}

/// A pointer to a collectable object. Copying it does not keep the object alive;
/// reachability from the roots does.
pub struct Gc<T> {
    ptr: NonNull<GcBox<T>>,
}

impl<T> Clone for Gc<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}

impl<T> Gc<T> {
    /// Identity comparison (Lua's raw equality for reference types).
    #[inline(always)]
    pub fn ptr_eq(a: Gc<T>, b: Gc<T>) -> bool {
        a.ptr == b.ptr
    }

    /// The address, for `%p`, `tostring` and hashing.
    #[inline(always)]
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }

    #[inline(always)]
    fn header(&self) -> &GcBox<T> {
        // SAFETY: see the module invariant: a reachable `Gc` points to a live box.
        unsafe { self.ptr.as_ref() }
    }

    #[inline(always)]
    pub(crate) fn is_marked(self) -> bool {
        self.header().marked.get()
    }
}

impl<T> Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.header().value
    }
}

impl<T> PartialEq for Gc<T> {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<T> Eq for Gc<T> {}
impl<T> Hash for Gc<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ptr.hash(state)
    }
}
impl<T> fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gc({:p})", self.ptr)
    }
}

/// A type-erased reference to any heap object, for the object list and gray stack.
#[derive(Clone, Copy, PartialEq)]
pub enum GcRef {
    String(Gc<LuaString>),
    Table(Gc<Table>),
    LuaClosure(Gc<LuaClosure>),
    NativeClosure(Gc<NativeClosure>),
    UpVal(Gc<UpVal>),
    Proto(Gc<Proto>),
    UserData(Gc<UserData>),
    Thread(Gc<Thread>),
}

impl GcRef {
    /// The object as a Lua value (finalizers receive it).
    pub fn to_value(self) -> Value {
        match self {
            GcRef::String(o) => Value::Str(o),
            GcRef::Table(o) => Value::Table(o),
            GcRef::LuaClosure(o) => Value::LuaFn(o),
            GcRef::NativeClosure(o) => Value::NativeFn(o),
            GcRef::UserData(o) => Value::UserData(o),
            GcRef::Thread(o) => Value::Thread(o),
            GcRef::UpVal(_) | GcRef::Proto(_) => Value::Nil,
        }
    }

    fn is_marked(self) -> bool {
        match self {
            GcRef::String(o) => o.is_marked(),
            GcRef::Table(o) => o.is_marked(),
            GcRef::LuaClosure(o) => o.is_marked(),
            GcRef::NativeClosure(o) => o.is_marked(),
            GcRef::UpVal(o) => o.is_marked(),
            GcRef::Proto(o) => o.is_marked(),
            GcRef::UserData(o) => o.is_marked(),
            GcRef::Thread(o) => o.is_marked(),
        }
    }

    fn set_marked(self, m: bool) {
        match self {
            GcRef::String(o) => o.header().marked.set(m),
            GcRef::Table(o) => o.header().marked.set(m),
            GcRef::LuaClosure(o) => o.header().marked.set(m),
            GcRef::NativeClosure(o) => o.header().marked.set(m),
            GcRef::UpVal(o) => o.header().marked.set(m),
            GcRef::Proto(o) => o.header().marked.set(m),
            GcRef::UserData(o) => o.header().marked.set(m),
            GcRef::Thread(o) => o.header().marked.set(m),
        }
    }

    /// Frees the object.
    ///
    /// # Safety
    /// The object must be unreachable and not freed before; afterwards no `Gc` to
    /// it may be dereferenced.
    unsafe fn free(self) {
        // SAFETY: each box was made by `Box::into_raw` in `Heap::alloc`, and the
        // caller guarantees this is the only release.
        unsafe {
            match self {
                GcRef::String(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::Table(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::LuaClosure(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::NativeClosure(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::UpVal(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::Proto(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::UserData(o) => drop(Box::from_raw(o.ptr.as_ptr())),
                GcRef::Thread(o) => drop(Box::from_raw(o.ptr.as_ptr())),
            }
        }
    }

    fn size(self) -> usize {
        match self {
            GcRef::String(o) => o.heap_size(),
            GcRef::Table(o) => o.heap_size(),
            GcRef::LuaClosure(o) => o.heap_size(),
            GcRef::NativeClosure(o) => o.heap_size(),
            GcRef::UpVal(_) => std::mem::size_of::<GcBox<UpVal>>(),
            GcRef::Proto(o) => o.heap_size(),
            GcRef::UserData(o) => o.heap_size(),
            GcRef::Thread(o) => o.heap_size(),
        }
    }
}

/// Types that live in the heap: how to register them and what they reference.
pub trait Collectable: Sized {
    fn into_ref(gc: Gc<Self>) -> GcRef;
    /// Marks every object this one references.
    fn trace(&self, marker: &mut Marker);
    /// Bytes the object accounts for (box plus owned buffers).
    fn heap_size(&self) -> usize;
}

/// The mark phase's worklist, and the weak tables met while marking.
pub struct Marker {
    gray: Vec<GcRef>,
    /// The interned "__mode" string, to recognise weak tables.
    mode_key: Option<Gc<LuaString>>,
    /// Tables with weak values only.
    weak_values: Vec<Gc<Table>>,
    /// Tables with weak keys (ephemerons) and strong values.
    ephemerons: Vec<Gc<Table>>,
    /// Tables with weak keys and values.
    all_weak: Vec<Gc<Table>>,
}

/// Whether a value is a collectable object (strings count as values here: they
/// are never removed from weak tables) that was not marked.
fn is_cleared(v: Value) -> bool {
    match v {
        Value::Table(o) => !o.is_marked(),
        Value::LuaFn(o) => !o.is_marked(),
        Value::NativeFn(o) => !o.is_marked(),
        Value::UserData(o) => !o.is_marked(),
        Value::Thread(o) => !o.is_marked(),
        _ => false,
    }
}

impl Marker {
    #[inline]
    pub fn mark_value(&mut self, v: Value) {
        match v {
            Value::Str(s) => self.mark(GcRef::String(s)),
            Value::Table(t) => self.mark(GcRef::Table(t)),
            Value::LuaFn(f) => self.mark(GcRef::LuaClosure(f)),
            Value::NativeFn(f) => self.mark(GcRef::NativeClosure(f)),
            Value::UserData(u) => self.mark(GcRef::UserData(u)),
            Value::Thread(t) => self.mark(GcRef::Thread(t)),
            Value::Nil
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::LightUserData(_)
            | Value::LightNative(_) => {}
        }
    }

    #[inline]
    pub fn mark(&mut self, r: GcRef) {
        if !r.is_marked() {
            r.set_marked(true);
            // Strings reference nothing: no need to visit them again.
            if !matches!(r, GcRef::String(_)) {
                self.gray.push(r);
            }
        }
    }

    pub fn mark_table(&mut self, t: Gc<Table>) {
        self.mark(GcRef::Table(t))
    }
    pub fn mark_string(&mut self, s: Gc<LuaString>) {
        self.mark(GcRef::String(s))
    }
    pub fn mark_upval(&mut self, u: Gc<UpVal>) {
        self.mark(GcRef::UpVal(u))
    }
    pub fn mark_proto(&mut self, p: Gc<Proto>) {
        self.mark(GcRef::Proto(p))
    }
    pub fn mark_thread(&mut self, t: Gc<Thread>) {
        self.mark(GcRef::Thread(t))
    }

    /// The weakness of a table: (weak keys, weak values).
    fn weakness(&self, t: Gc<Table>) -> (bool, bool) {
        let (mt, key) = match (t.metatable(), self.mode_key) {
            (Some(mt), Some(key)) => (mt, key),
            _ => return (false, false),
        };
        match mt.get_str(key) {
            Value::Str(mode) => {
                let m = mode.as_bytes();
                (m.contains(&b'k'), m.contains(&b'v'))
            }
            _ => (false, false),
        }
    }

    fn trace_table(&mut self, t: Gc<Table>) {
        let (weak_k, weak_v) = self.weakness(t);
        if !weak_k && !weak_v {
            t.trace(self);
            return;
        }
        if let Some(mt) = t.metatable() {
            self.mark_table(mt);
        }
        match (weak_k, weak_v) {
            (false, true) => {
                for (k, _) in t.live_entries() {
                    self.mark_value(k);
                }
                self.weak_values.push(t);
            }
            (true, false) => {
                // Ephemeron: a value is kept only while its key is.
                for (k, v) in t.live_entries() {
                    if !is_cleared(k) {
                        self.mark_value(k);
                        self.mark_value(v);
                    }
                }
                self.ephemerons.push(t);
            }
            _ => self.all_weak.push(t),
        }
    }

    /// Marks values of ephemeron entries whose keys became reachable, until
    /// nothing changes (PUC's `convergeephemerons`).
    fn converge_ephemerons(&mut self) {
        loop {
            let mut changed = false;
            for i in 0..self.ephemerons.len() {
                let t = self.ephemerons[i];
                for (k, v) in t.live_entries() {
                    if !is_cleared(k) && is_cleared(v) {
                        self.mark_value(v);
                        changed = true;
                    } else if !is_cleared(k) {
                        self.mark_value(v);
                    }
                }
            }
            self.propagate();
            if !changed {
                break;
            }
        }
    }

    /// Removes entries whose value is a dead object from weak-value tables.
    fn clear_by_values(tables: &[Gc<Table>]) {
        for &t in tables {
            for (k, v) in t.live_entries() {
                if is_cleared(v) {
                    let _ = t.set(k, Value::Nil);
                }
            }
        }
    }

    /// Removes entries whose key is a dead object from weak-key tables.
    fn clear_by_keys(tables: &[Gc<Table>]) {
        for &t in tables {
            for (k, _) in t.live_entries() {
                if is_cleared(k) {
                    let _ = t.set(k, Value::Nil);
                }
            }
        }
    }

    /// Strings in surviving entries of weak tables stay alive.
    fn mark_weak_strings(&mut self) {
        let tables: Vec<Gc<Table>> = self
            .weak_values
            .iter()
            .chain(self.ephemerons.iter())
            .chain(self.all_weak.iter())
            .copied()
            .collect();
        for t in tables {
            for (k, v) in t.live_entries() {
                if let Value::Str(s) = k {
                    self.mark_string(s);
                }
                if let Value::Str(s) = v {
                    self.mark_string(s);
                }
            }
        }
    }

    /// Visits gray objects until none is left.
    fn propagate(&mut self) {
        while let Some(r) = self.gray.pop() {
            match r {
                GcRef::String(_) => {}
                GcRef::Table(o) => self.trace_table(o),
                GcRef::LuaClosure(o) => o.trace(self),
                GcRef::NativeClosure(o) => o.trace(self),
                GcRef::UpVal(o) => o.trace(self),
                GcRef::Proto(o) => o.trace(self),
                GcRef::UserData(o) => o.trace(self),
                GcRef::Thread(o) => o.trace(self),
            }
        }
    }
}

/// Default growth factor between collections, in percent (PUC's `LUAI_GCPAUSE`).
pub const DEFAULT_PAUSE: usize = 200;

/// All objects of one state, with the collector's accounting.
pub struct Heap {
    objects: Vec<GcRef>,
    /// Bytes currently accounted for.
    total_bytes: usize,
    /// A collection runs when `total_bytes` exceeds this.
    threshold: usize,
    pub pause: usize,
    pub stepmul: usize,
    pub running: bool,
    /// Whether the collector is in generational mode (else incremental).
    pub generational: bool,
    /// Estimate of live bytes after the last collection.
    pub estimate: usize,
    /// Objects with a `__gc` metamethod, in the order they were registered.
    finalizable: Vec<GcRef>,
    /// Unreachable objects whose finalizers are due, in calling order.
    pending_finalizers: Vec<GcRef>,
    /// A finalizer is running (finalizers do not nest).
    pub in_finalizer: bool,
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        Heap {
            objects: Vec::with_capacity(1024),
            total_bytes: 0,
            threshold: 1 << 20,
            pause: DEFAULT_PAUSE,
            stepmul: 100,
            running: true,
            generational: false,
            estimate: 0,
            finalizable: Vec::new(),
            pending_finalizers: Vec::new(),
            in_finalizer: false,
        }
    }

    /// Moves `value` into the heap.
    pub fn alloc<T: Collectable>(&mut self, value: T) -> Gc<T> {
        let size = value.heap_size();
        let boxed = Box::new(GcBox {
            marked: Cell::new(false),
            value,
        });
        // SAFETY: `Box::into_raw` never returns null.
        let ptr = unsafe { NonNull::new_unchecked(Box::into_raw(boxed)) };
        let gc = Gc { ptr };
        self.objects.push(T::into_ref(gc));
        self.total_bytes += size;
        gc
    }

    /// Accounts for `bytes` more (positive) or fewer (negative) bytes owned by an
    /// existing object, e.g. when a table grows.
    #[inline]
    pub fn adjust(&mut self, delta: isize) {
        self.total_bytes = (self.total_bytes as isize + delta).max(0) as usize;
    }

    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        self.total_bytes >= self.threshold
    }

    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Starts a mark phase. The caller marks the roots through the returned
    /// marker, then calls `finish_collection`.
    pub fn begin_mark(&self, mode_key: Gc<LuaString>) -> Marker {
        Marker {
            gray: Vec::with_capacity(256),
            mode_key: Some(mode_key),
            weak_values: Vec::new(),
            ephemerons: Vec::new(),
            all_weak: Vec::new(),
        }
    }

    /// Registers an object whose metatable has `__gc` for finalization.
    pub fn register_finalizer(&mut self, r: GcRef) {
        self.finalizable.push(r);
    }

    /// Completes marking (PUC's `atomic`: weak tables, objects to finalize)
    /// and frees every unmarked object. `before_sweep` runs between marking and
    /// sweeping (to drop dead strings from the string table).
    pub fn finish_collection(&mut self, mut marker: Marker, before_sweep: impl FnOnce()) {
        marker.propagate();
        marker.converge_ephemerons();
        Marker::clear_by_values(&marker.weak_values);
        Marker::clear_by_values(&marker.all_weak);
        let weak_before = marker.weak_values.len();
        let all_before = marker.all_weak.len();
        // Unreachable objects with finalizers are resurrected until their
        // finalizer has run; the most recently registered runs first.
        let mut i = 0;
        let mut resurrected = Vec::new();
        while i < self.finalizable.len() {
            let r = self.finalizable[i];
            if r.is_marked() {
                i += 1;
            } else {
                resurrected.push(self.finalizable.remove(i));
            }
        }
        for &r in resurrected.iter().rev() {
            self.pending_finalizers.push(r);
        }
        for &r in &self.pending_finalizers {
            marker.mark(r);
        }
        marker.propagate();
        marker.converge_ephemerons();
        Marker::clear_by_keys(&marker.ephemerons);
        Marker::clear_by_keys(&marker.all_weak);
        let later_weak: Vec<Gc<Table>> = marker.weak_values[weak_before..].to_vec();
        let later_all: Vec<Gc<Table>> = marker.all_weak[all_before..].to_vec();
        Marker::clear_by_values(&later_weak);
        Marker::clear_by_values(&later_all);
        marker.mark_weak_strings();
        before_sweep();
        self.sweep();
    }

    /// Takes the next object whose finalizer must run.
    pub fn next_pending_finalizer(&mut self) -> Option<GcRef> {
        if self.pending_finalizers.is_empty() {
            None
        } else {
            Some(self.pending_finalizers.remove(0))
        }
    }

    /// Moves every object with a finalizer to the pending list (state closing).
    pub fn finalize_all(&mut self) {
        let all: Vec<GcRef> = self.finalizable.drain(..).rev().collect();
        self.pending_finalizers.extend(all);
    }

    /// Marks reachable objects from additional gray roots (used when the caller
    /// needs several propagation rounds, e.g. for ephemerons).
    pub fn propagate(&self, marker: &mut Marker) {
        marker.propagate();
    }

    fn sweep(&mut self) {
        let mut live = 0usize;
        let mut freed = Vec::new();
        self.objects.retain(|&r| {
            if r.is_marked() {
                r.set_marked(false);
                live += r.size();
                true
            } else {
                freed.push(r);
                false
            }
        });
        for r in freed {
            // SAFETY: `r` was not reached from any root in the mark phase that
            // just ended, so no live object or running code refers to it, and it
            // was removed from `objects`, so it is freed exactly once.
            unsafe { r.free() };
        }
        self.total_bytes = live;
        self.estimate = live;
        self.threshold = (live / 100).saturating_mul(self.pause).max(256 * 1024);
    }

    /// Frees everything (the state is closing).
    pub fn free_all(&mut self) {
        for r in self.objects.drain(..) {
            // SAFETY: the state is being destroyed; no `Gc` will be used again.
            unsafe { r.free() };
        }
        self.total_bytes = 0;
    }
}

/// Whether a string is dead after marking (used to clear the string table).
pub(crate) fn is_dead_string(s: Gc<LuaString>) -> bool {
    !s.is_marked()
}
