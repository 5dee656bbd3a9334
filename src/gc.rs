//! The garbage-collected heap: typed pointers to collectable objects, object
//! colours and ages, marking, weak tables and sweeping (PUC's `lgc.c`, the parts
//! that do not need a running thread; `collector.rs` drives the cycles).
//!
//! Every Lua object (string, table, closure, upvalue, prototype, userdata, thread)
//! lives in a `GcBox` allocated here and is reached through a `Gc<T>`, a copyable
//! pointer. The heap owns all boxes (its object lists); nothing else frees them.
//!
//! Colours (the tri-colour invariant of the incremental collector): an object
//! is *white* (not reached yet in this cycle), *gray* (reached, its references
//! not yet visited: it sits on a gray list) or *black* (reached and visited).
//! While marking, no black object may point to a white one; every store into a
//! collectable object goes through a write barrier (`barrier_back` for tables,
//! `barrier_forward` for everything else) that restores the invariant. Threads
//! are never black while marking: their stacks change without barriers, so they
//! are visited again in the atomic phase. There are two whites: the atomic
//! phase flips the current white, so objects created during the sweep (current
//! white) survive it and only objects of the other white are freed.
//!
//! Ages (generational mode): new, survival, old0 (made old by a barrier), old1,
//! old, touched1 and touched2 (old tables written since the last collection).
//! Old objects are black between collections and point only to old objects,
//! except touched ones, which sit on the gray-again list.
//!
//! Invariant the `unsafe` here rests on: an object is freed only by a sweep,
//! and only if it stayed white through a mark phase that started from every
//! root (thread stacks, registry, per-type metatables, open upvalues, values a
//! host holds) and saw every store through a barrier. Collector steps run only
//! at *safe points* (`State::check_gc`), where every live value is reachable
//! from a root, so a `Gc<T>` held by running code is valid whenever it is
//! dereferenced.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::ptr::NonNull;

use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
use crate::pool::{self, Pool};
use crate::state::{State, Thread};
use crate::string::LuaString;
use crate::table::Table;
use crate::userdata::UserData;
use crate::value::Value;

// Header bits of a `GcBox`.
const WHITE0: u8 = 1;
const WHITE1: u8 = 2;
const WHITES: u8 = WHITE0 | WHITE1;
const BLACK: u8 = 4;
const COLOURS: u8 = WHITES | BLACK;
const AGE_SHIFT: u8 = 3;
const AGE_MASK: u8 = 7 << AGE_SHIFT;
/// The object is on the finalizable or to-be-finalized list.
const FINALIZABLE: u8 = 0x40;

/// Object ages of the generational collector (PUC's `G_*`).
pub mod age {
    pub const NEW: u8 = 0;
    pub const SURVIVAL: u8 = 1;
    pub const OLD0: u8 = 2;
    pub const OLD1: u8 = 3;
    pub const OLD: u8 = 4;
    pub const TOUCHED1: u8 = 5;
    pub const TOUCHED2: u8 = 6;
    /// The age after one more collection (PUC's `nextage`).
    pub const NEXT: [u8; 7] = [SURVIVAL, OLD1, OLD1, OLD, OLD, TOUCHED1, TOUCHED2];
    /// Whether an age counts as old (not collected by young collections).
    pub fn is_old(a: u8) -> bool {
        a > SURVIVAL
    }
}

/// A heap cell: the header (colour, age, flags) and the object.
#[repr(C)]
pub struct GcBox<T> {
    header: Cell<u8>,
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

    /// The pointer whose address `addr` gave.
    ///
    /// # Safety
    /// `addr` must be `Gc::<T>::addr` of some pointer (so it is not null); the
    /// result may only be dereferenced while that object is alive.
    #[inline(always)]
    pub(crate) unsafe fn from_addr(addr: usize) -> Gc<T> {
        Gc {
            // SAFETY: an address from `addr()` is not null (see above).
            ptr: unsafe { NonNull::new_unchecked(addr as *mut GcBox<T>) },
        }
    }

    #[inline(always)]
    fn boxed(&self) -> &GcBox<T> {
        // SAFETY: see the module invariant: a reachable `Gc` points to a live box.
        unsafe { self.ptr.as_ref() }
    }

    #[inline(always)]
    fn header(&self) -> &Cell<u8> {
        &self.boxed().header
    }

    /// Black: reached and visited in the current mark phase (or old, in
    /// generational mode). Stores into a black object need a barrier.
    #[inline(always)]
    pub fn is_black(self) -> bool {
        self.header().get() & BLACK != 0
    }

    #[inline(always)]
    pub(crate) fn is_white(self) -> bool {
        self.header().get() & WHITES != 0
    }
}

impl<T> Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.boxed().value
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

/// A type-erased reference to any heap object, for the object and gray lists.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
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

    /// The collectable object a value refers to, if any.
    #[inline]
    pub fn of_value(v: Value) -> Option<GcRef> {
        match v {
            Value::Str(o) => Some(GcRef::String(o)),
            Value::Table(o) => Some(GcRef::Table(o)),
            Value::LuaFn(o) => Some(GcRef::LuaClosure(o)),
            Value::NativeFn(o) => Some(GcRef::NativeClosure(o)),
            Value::UserData(o) => Some(GcRef::UserData(o)),
            Value::Thread(o) => Some(GcRef::Thread(o)),
            Value::Nil
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::LightUserData(_)
            | Value::LightNative(_) => None,
        }
    }

    #[inline]
    fn header(&self) -> &Cell<u8> {
        match self {
            GcRef::String(o) => &o.boxed().header,
            GcRef::Table(o) => &o.boxed().header,
            GcRef::LuaClosure(o) => &o.boxed().header,
            GcRef::NativeClosure(o) => &o.boxed().header,
            GcRef::UpVal(o) => &o.boxed().header,
            GcRef::Proto(o) => &o.boxed().header,
            GcRef::UserData(o) => &o.boxed().header,
            GcRef::Thread(o) => &o.boxed().header,
        }
    }

    #[inline]
    pub fn is_white(self) -> bool {
        self.header().get() & WHITES != 0
    }
    #[inline]
    pub fn is_black(self) -> bool {
        self.header().get() & BLACK != 0
    }
    #[inline]
    pub fn is_gray(self) -> bool {
        self.header().get() & COLOURS == 0
    }
    #[inline]
    pub fn age(self) -> u8 {
        (self.header().get() & AGE_MASK) >> AGE_SHIFT
    }
    #[inline]
    pub fn set_age(self, a: u8) {
        let h = self.header();
        h.set((h.get() & !AGE_MASK) | (a << AGE_SHIFT));
    }
    #[inline]
    fn is_old(self) -> bool {
        age::is_old(self.age())
    }
    #[inline]
    fn set_colour(self, colour: u8) {
        let h = self.header();
        h.set((h.get() & !COLOURS) | colour);
    }
    #[inline]
    fn make_gray(self) {
        self.set_colour(0)
    }
    #[inline]
    fn make_black(self) {
        self.set_colour(BLACK)
    }
    #[inline]
    pub(crate) fn is_finalizable(self) -> bool {
        self.header().get() & FINALIZABLE != 0
    }
    fn set_finalizable(self, on: bool) {
        let h = self.header();
        h.set(if on {
            h.get() | FINALIZABLE
        } else {
            h.get() & !FINALIZABLE
        });
    }

    /// Frees the object.
    ///
    /// # Safety
    /// The object must be unreachable and not freed before; afterwards no `Gc` to
    /// it may be dereferenced.
    unsafe fn free(self, pool: &mut Pool) {
        // Each box was made by `Heap::alloc`, pooled or boxed as `free_box` tells.
        // SAFETY: the caller guarantees this is the only release.
        unsafe {
            match self {
                GcRef::String(o) => free_box(o.ptr, pool),
                GcRef::Table(o) => free_box(o.ptr, pool),
                GcRef::LuaClosure(o) => free_box(o.ptr, pool),
                GcRef::NativeClosure(o) => free_box(o.ptr, pool),
                GcRef::UpVal(o) => free_box(o.ptr, pool),
                GcRef::Proto(o) => free_box(o.ptr, pool),
                GcRef::UserData(o) => free_box(o.ptr, pool),
                GcRef::Thread(o) => free_box(o.ptr, pool),
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

    /// Visits the object's references (strings have none).
    fn trace(self, marker: &mut Marker) {
        match self {
            GcRef::String(_) => {}
            GcRef::Table(o) => o.trace(marker),
            GcRef::LuaClosure(o) => o.trace(marker),
            GcRef::NativeClosure(o) => o.trace(marker),
            GcRef::UpVal(o) => o.trace(marker),
            GcRef::Proto(o) => o.trace(marker),
            GcRef::UserData(o) => o.trace(marker),
            GcRef::Thread(o) => o.trace(marker),
        }
    }
}

/// Whether a `GcBox<T>` lives in a `Pool` page (else in a box of its own).
const fn pooled<T>() -> bool {
    std::mem::size_of::<GcBox<T>>() <= pool::MAX_BLOCK
        && std::mem::align_of::<GcBox<T>>() <= pool::GRANULE
}

/// Drops the object in `ptr` and gives its memory back.
///
/// # Safety
/// `ptr` came from `Heap::alloc` with this `pool`, and is freed only once.
#[inline]
unsafe fn free_box<T>(ptr: NonNull<GcBox<T>>, pool: &mut Pool) {
    if pooled::<T>() {
        // SAFETY: a pooled box, initialised by `alloc` (caller's guarantee);
        // it is dropped once, then its block goes back.
        unsafe {
            std::ptr::drop_in_place(ptr.as_ptr());
            pool.free(ptr.cast());
        }
    } else {
        // SAFETY: not pooled, so made by `Box::into_raw` in `alloc`.
        drop(unsafe { Box::from_raw(ptr.as_ptr()) });
    }
}

/// A `GcRef` in one word, for the object list (8 bytes an object instead of
/// 16): the address, with the kind in its three low bits (every box is at
/// least 8-aligned, checked below).
#[derive(Clone, Copy, PartialEq, Eq)]
struct PackedRef(usize);

const KIND_BITS: usize = 7;
const _: () = {
    use std::mem::align_of;
    assert!(align_of::<GcBox<LuaString>>() > KIND_BITS);
    assert!(align_of::<GcBox<Table>>() > KIND_BITS);
    assert!(align_of::<GcBox<LuaClosure>>() > KIND_BITS);
    assert!(align_of::<GcBox<NativeClosure>>() > KIND_BITS);
    assert!(align_of::<GcBox<UpVal>>() > KIND_BITS);
    assert!(align_of::<GcBox<Proto>>() > KIND_BITS);
    assert!(align_of::<GcBox<UserData>>() > KIND_BITS);
    assert!(align_of::<GcBox<Thread>>() > KIND_BITS);
};

impl PackedRef {
    #[inline(always)]
    fn pack(r: GcRef) -> PackedRef {
        let (kind, addr) = match r {
            GcRef::String(o) => (0, o.addr()),
            GcRef::Table(o) => (1, o.addr()),
            GcRef::LuaClosure(o) => (2, o.addr()),
            GcRef::NativeClosure(o) => (3, o.addr()),
            GcRef::UpVal(o) => (4, o.addr()),
            GcRef::Proto(o) => (5, o.addr()),
            GcRef::UserData(o) => (6, o.addr()),
            GcRef::Thread(o) => (7, o.addr()),
        };
        PackedRef(addr | kind)
    }

    #[inline(always)]
    fn unpack(self) -> GcRef {
        let addr = self.0 & !KIND_BITS;
        // SAFETY: `pack` made this word from a `Gc` of the kind in the low
        // bits, whose address has those bits clear (alignment, checked above).
        unsafe {
            match self.0 & KIND_BITS {
                0 => GcRef::String(Gc::from_addr(addr)),
                1 => GcRef::Table(Gc::from_addr(addr)),
                2 => GcRef::LuaClosure(Gc::from_addr(addr)),
                3 => GcRef::NativeClosure(Gc::from_addr(addr)),
                4 => GcRef::UpVal(Gc::from_addr(addr)),
                5 => GcRef::Proto(Gc::from_addr(addr)),
                6 => GcRef::UserData(Gc::from_addr(addr)),
                _ => GcRef::Thread(Gc::from_addr(addr)),
            }
        }
    }
}

/// An interned string's pointer with three bits of its hash in the address's
/// low bits (clear by alignment, checked above), in one word: the string
/// table compares those bits before it reads the string, and needs no second
/// array for them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaggedStr(std::num::NonZeroUsize);

impl TaggedStr {
    /// The bits a tag may use.
    pub(crate) const TAG_MASK: usize = KIND_BITS;

    #[inline(always)]
    pub(crate) fn new(s: Gc<LuaString>, tag: usize) -> TaggedStr {
        // An address is never 0, so neither is the word.
        let word = s.addr() | (tag & KIND_BITS);
        TaggedStr(std::num::NonZeroUsize::new(word).unwrap_or(std::num::NonZeroUsize::MIN))
    }

    #[inline(always)]
    pub(crate) fn tag(self) -> usize {
        self.0.get() & KIND_BITS
    }

    #[inline(always)]
    pub(crate) fn string(self) -> Gc<LuaString> {
        // SAFETY: `new` made the word from a string's address, whose low bits
        // alignment keeps clear, and a tag in those bits.
        unsafe { Gc::from_addr(self.0.get() & !KIND_BITS) }
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

/// Whether a value is a collectable object that was not marked (strings count
/// as values here: they are never removed from weak tables).
fn is_cleared(v: Value) -> bool {
    match v {
        Value::Table(o) => o.is_white(),
        Value::LuaFn(o) => o.is_white(),
        Value::NativeFn(o) => o.is_white(),
        Value::UserData(o) => o.is_white(),
        Value::Thread(o) => o.is_white(),
        _ => false,
    }
}

/// The marking state that lives across incremental steps: gray lists and the
/// weak tables met in the atomic phase.
#[derive(Default)]
pub struct Marker {
    gray: Vec<GcRef>,
    /// Objects to visit again in the atomic phase: threads, weak tables seen
    /// while propagating, tables written after being blackened, touched old
    /// tables in generational mode.
    gray_again: Vec<GcRef>,
    /// The interned "__mode" string, to recognise weak tables.
    mode_key: Option<Gc<LuaString>>,
    /// Tables with weak values only.
    weak_values: Vec<Gc<Table>>,
    /// Tables with weak keys (ephemerons) and strong values.
    ephemerons: Vec<Gc<Table>>,
    /// Tables with weak keys and values.
    all_weak: Vec<Gc<Table>>,
    /// The atomic phase is running (objects visited now become black for good).
    atomic: bool,
    /// Work done (slots visited) since the counter was last read.
    work: usize,
    /// Only record references in `gray` (heap verification), colour nothing.
    record_only: bool,
    /// Bytes objects found they use beyond what the heap accounted for.
    size_change: isize,
    /// The states of the running thread and of the threads resuming it, as
    /// pointers derived from their live `&mut State`s (see
    /// `State::publish_running_threads`).
    running_states: Vec<*mut State>,
}

impl Marker {
    #[inline]
    pub fn mark_value(&mut self, v: Value) {
        if let Some(r) = GcRef::of_value(v) {
            self.mark(r);
        }
    }

    /// Makes a white object gray (strings, which reference nothing, black).
    #[inline]
    pub fn mark(&mut self, r: GcRef) {
        if self.record_only {
            self.gray.push(r);
        } else if r.is_white() {
            if let GcRef::String(_) = r {
                r.make_black();
            } else {
                r.make_gray();
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

    /// Counts `n` units of marking work (PUC counts visited slots).
    #[inline]
    pub fn add_work(&mut self, n: usize) {
        self.work += n;
    }

    /// Tells the marker which states are in use by the running code.
    pub fn set_running_states(&mut self, states: Vec<*mut State>) {
        self.running_states = states;
    }

    /// How to reach `state`: through the pointer the running code gave (a
    /// state with a live `&mut` up the call stack may be touched only through
    /// pointers derived from it), or `state` itself for a suspended thread.
    pub fn reach_state(&self, state: *mut State) -> *mut State {
        self.running_states
            .iter()
            .copied()
            .find(|&p| std::ptr::eq(p, state))
            .unwrap_or(state)
    }

    /// Only references are being recorded (heap verification): visiting must
    /// change nothing.
    pub fn is_recording(&self) -> bool {
        self.record_only
    }

    /// An object's size changed by `delta` bytes without the heap knowing.
    pub fn add_size_change(&mut self, delta: isize) {
        self.size_change += delta;
    }

    /// Whether the atomic phase is running (a thread clears its dead stack
    /// slice only then).
    pub fn in_atomic(&self) -> bool {
        self.atomic
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

    /// Visits one gray object and decides its colour afterwards.
    fn propagate_one(&mut self, r: GcRef, generational: bool) {
        match r {
            GcRef::Table(t) => self.visit_table(t, generational),
            GcRef::Thread(_) => {
                r.trace(self);
                if self.atomic && !generational {
                    r.make_black();
                } else {
                    // Stacks change without barriers: visit again in atomic.
                    self.gray_again.push(r);
                }
                self.work += 1;
            }
            _ => {
                r.make_black();
                r.trace(self);
                self.work += 1;
                if generational {
                    self.gen_link(r);
                }
            }
        }
    }

    /// After visiting a black object in generational mode: a table touched
    /// in this cycle is visited again in the next one; one touched in the last
    /// cycle is old again (PUC's `genlink`).
    fn gen_link(&mut self, r: GcRef) {
        match r.age() {
            age::TOUCHED1 => {
                r.make_gray();
                self.gray_again.push(r);
            }
            age::TOUCHED2 => r.set_age(age::OLD),
            _ => {}
        }
    }

    fn visit_table(&mut self, t: Gc<Table>, generational: bool) {
        let r = GcRef::Table(t);
        let (weak_k, weak_v) = self.weakness(t);
        self.work += 1 + t.slot_count();
        if !weak_k && !weak_v {
            r.make_black();
            t.trace(self);
            if generational {
                self.gen_link(r);
            }
            return;
        }
        // Weak tables stay gray: they are handled in the atomic phase.
        if let Some(mt) = t.metatable() {
            self.mark_table(mt);
        }
        match (weak_k, weak_v) {
            (false, true) => {
                for (k, _) in t.live_entries() {
                    self.mark_value(k);
                }
                if self.atomic {
                    self.weak_values.push(t);
                } else {
                    self.gray_again.push(r);
                }
            }
            (true, false) => {
                // Ephemeron: a value is kept only while its key is.
                for (k, v) in t.live_entries() {
                    if !is_cleared(k) {
                        self.mark_value(v);
                    }
                }
                if self.atomic {
                    self.ephemerons.push(t);
                } else {
                    self.gray_again.push(r);
                }
            }
            _ => {
                if self.atomic {
                    self.all_weak.push(t);
                } else {
                    self.gray_again.push(r);
                }
            }
        }
    }

    /// Visits gray objects until none is left.
    fn propagate_all(&mut self, generational: bool) {
        while let Some(r) = self.gray.pop() {
            self.propagate_one(r, generational);
        }
    }

    /// Marks values of ephemeron entries whose keys became reachable, until
    /// nothing changes (PUC's `convergeephemerons`).
    fn converge_ephemerons(&mut self, generational: bool) {
        loop {
            let mut changed = false;
            for i in 0..self.ephemerons.len() {
                let t = self.ephemerons[i];
                for (k, v) in t.live_entries() {
                    if !is_cleared(k) && is_cleared(v) {
                        self.mark_value(v);
                        changed = true;
                    }
                }
            }
            self.propagate_all(generational);
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

    fn clear_lists(&mut self) {
        self.gray.clear();
        self.gray_again.clear();
        self.weak_values.clear();
        self.ephemerons.clear();
        self.all_weak.clear();
    }
}

/// Default growth factor between collections, in percent (PUC's `LUAI_GCPAUSE`).
pub const DEFAULT_PAUSE: usize = 200;
/// Default speed of the collector relative to allocation (`LUAI_GCMUL`).
pub const DEFAULT_STEPMUL: usize = 100;
/// Default log2 of the bytes allocated between steps (`LUAI_GCSTEPSIZE`).
pub const DEFAULT_STEPSIZE: usize = 13;
/// Default young-collection multiplier, percent (`LUAI_GENMINORMUL`).
pub const DEFAULT_MINORMUL: usize = 20;
/// Default major-collection multiplier, percent (`LUAI_GENMAJORMUL`).
pub const DEFAULT_MAJORMUL: usize = 100;
/// Objects swept per unit of a sweep step (`GCSWEEPMAX`).
const SWEEP_MAX: usize = 100;
/// Bytes a unit of work stands for (`WORK2MEM`: the size of a value).
pub const WORK_TO_MEM: usize = 16;

/// Where the collector is in its cycle (PUC's `GCS*` states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Pause,
    Propagate,
    Atomic,
    SweepObjects,
    SweepFinalizable,
    SweepToBeFinalized,
    SweepEnd,
    CallFinalizers,
}

/// Which collector runs (PUC's `KGC_INC` / `KGC_GEN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcKind {
    Incremental,
    Generational,
}

/// All objects of one state, with the collector's state and accounting.
pub struct Heap {
    /// Where the small objects live (the others are boxed): see `free_box`.
    pool: Pool,
    /// Every object without a finalizer (PUC's `allgc`), oldest first. In
    /// generational mode `[..old1_start]` holds only old objects,
    /// `[old1_start..survival_start]` objects that became old1 at the last
    /// collection, `[survival_start..new_start]` survivors, the rest new ones.
    objects: Vec<PackedRef>,
    old1_start: usize,
    survival_start: usize,
    new_start: usize,
    /// Objects with a finalizer not yet due, in registration order (`finobj`).
    finobj: Vec<GcRef>,
    /// Unreachable objects whose finalizers are due, in calling order (`tobefnz`).
    tobefnz: VecDeque<GcRef>,
    pub(crate) marker: Marker,
    pub(crate) phase: Phase,
    pub kind: GcKind,
    current_white: u8,
    /// Next index to sweep in the list being swept.
    sweep_cursor: usize,
    /// Bytes currently accounted for.
    total_bytes: usize,
    /// Test-only allocation-failure injection (`crate::alloc_failure`); off
    /// unless a test arms it. Next to `total_bytes`, which `alloc` touches.
    pub(crate) failures: crate::alloc_failure::FailureInjection,
    /// An object was created since the last collector step. Steps run only
    /// then (as PUC's run only where objects are created): a program that only
    /// fills a table calls no step until its next allocation, so a collection
    /// does not catch a half-built structure and take it as the live size.
    /// Checked on the slow path only (`State::check_gc`).
    pub(crate) created_since_step: bool,
    /// A step runs when `total_bytes` reaches this (`GCdebt` = total - threshold).
    pub(crate) threshold: usize,
    /// Estimate of live bytes (after the last cycle, or the last major collection).
    pub estimate: usize,
    pub pause: usize,
    pub stepmul: usize,
    pub stepsize: usize,
    pub minormul: usize,
    pub majormul: usize,
    /// `collectgarbage("stop")` was called.
    pub running: bool,
    /// Bytes above which allocation fails with "not enough memory".
    memory_limit: Option<usize>,
    /// Bytes over the limit already reported by a memory error: the object
    /// that went over exists (unlike a failed `malloc`), so only growth past
    /// it fails again, not every check until it dies.
    pub(crate) reported_overshoot: usize,
    /// `memory_limit`, or `usize::MAX`: the threshold never exceeds it, so a
    /// safe point after an object was created past the limit checks it,
    /// whatever the collector's pacing.
    limit_trigger: usize,
    /// An emergency collection is running (finalizers must not run).
    pub emergency: bool,
    /// A finalizer is running (finalizers do not nest).
    pub in_finalizer: bool,
    /// Check the heap's invariants after every collector step (tests).
    pub verify_steps: bool,
    /// Run a collector step at every safe point (tests, like `HARDMEMTESTS`).
    pub stress: bool,
    /// Work units of the longest single step so far (measurement).
    pub longest_step: usize,
    /// Steps taken in stress mode.
    pub stress_steps: usize,
    /// Wall time of the longest incremental step so far (measurement).
    pub longest_step_time: std::time::Duration,
    /// Incremental steps taken.
    pub steps: usize,
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        Heap {
            pool: Pool::default(),
            objects: Vec::with_capacity(1024),
            old1_start: 0,
            survival_start: 0,
            new_start: 0,
            finobj: Vec::new(),
            tobefnz: VecDeque::new(),
            marker: Marker::default(),
            phase: Phase::Pause,
            kind: GcKind::Incremental,
            current_white: WHITE0,
            sweep_cursor: 0,
            total_bytes: 0,
            failures: crate::alloc_failure::FailureInjection::OFF,
            created_since_step: false,
            threshold: 256 * 1024,
            estimate: 0,
            pause: DEFAULT_PAUSE,
            stepmul: DEFAULT_STEPMUL,
            stepsize: DEFAULT_STEPSIZE,
            minormul: DEFAULT_MINORMUL,
            majormul: DEFAULT_MAJORMUL,
            running: true,
            memory_limit: None,
            reported_overshoot: 0,
            limit_trigger: usize::MAX,
            emergency: false,
            in_finalizer: false,
            verify_steps: false,
            stress: false,
            longest_step: 0,
            stress_steps: 0,
            longest_step_time: std::time::Duration::ZERO,
            steps: 0,
        }
    }

    /// Moves `value` into the heap, coloured with the current white.
    #[inline]
    pub fn alloc<T: Collectable>(&mut self, value: T) -> Gc<T> {
        self.alloc_with(|| value)
    }

    /// Like `alloc`, with the object made by `make` once its block is there,
    /// so that it is written straight into it. (An object made first and
    /// passed by reference is read back with wider loads than the stores
    /// that wrote it, which stall: `Heap::alloc` took 9% of binary-trees.)
    #[inline(always)]
    pub fn alloc_with<T: Collectable>(&mut self, make: impl FnOnce() -> T) -> Gc<T> {
        let white = self.current_white;
        let ptr = if pooled::<T>() {
            let ptr: NonNull<GcBox<T>> = self.pool.alloc(std::mem::size_of::<GcBox<T>>()).cast();
            // SAFETY: a fresh block big enough for the box, aligned to
            // `GRANULE`, which `pooled` checked is enough.
            unsafe {
                ptr.as_ptr().write(GcBox {
                    header: Cell::new(white),
                    value: make(),
                })
            };
            ptr
        } else {
            let boxed = Box::new(GcBox {
                header: Cell::new(white),
                value: make(),
            });
            // SAFETY: `Box::into_raw` never returns null.
            unsafe { NonNull::new_unchecked(Box::into_raw(boxed)) }
        };
        self.register(Gc { ptr })
    }

    /// Like `alloc_with`, in a pool block with `extra` bytes after the box,
    /// which `make` gets (8-aligned) for the object to own: a table's small
    /// parts (`Table::new_in_block`).
    #[inline(always)]
    pub fn alloc_with_space<T: Collectable>(
        &mut self,
        extra: usize,
        make: impl FnOnce(NonNull<u8>) -> T,
    ) -> Gc<T> {
        let size = std::mem::size_of::<GcBox<T>>();
        assert!(pooled::<T>() && size + extra <= pool::MAX_BLOCK);
        let ptr: NonNull<GcBox<T>> = self.pool.alloc(size + extra).cast();
        // `size` is a multiple of the box's alignment, itself of `GRANULE`.
        // SAFETY: the block holds `size + extra` bytes, so this stays in it.
        let space = unsafe { NonNull::new_unchecked(ptr.as_ptr().cast::<u8>().add(size)) };
        // SAFETY: as in `alloc_with`: a fresh block, big and aligned enough.
        unsafe {
            ptr.as_ptr().write(GcBox {
                header: Cell::new(self.current_white),
                value: make(space),
            })
        };
        self.register(Gc { ptr })
    }

    /// Puts a new object on the object list and accounts for it.
    #[inline(always)]
    fn register<T: Collectable>(&mut self, gc: Gc<T>) -> Gc<T> {
        let size = gc.heap_size();
        self.objects.push(PackedRef::pack(T::into_ref(gc)));
        self.total_bytes += size;
        if self.failures.is_armed() {
            self.note_allocation();
        }
        self.created_since_step = true;
        gc
    }

    /// Accounts for `bytes` more (positive) or fewer (negative) bytes owned by an
    /// existing object, e.g. when a table grows.
    #[inline]
    pub fn adjust(&mut self, delta: isize) {
        self.total_bytes = (self.total_bytes as isize + delta).max(0) as usize;
        if delta > 0 && self.failures.is_armed() {
            self.note_allocation();
        }
    }

    /// Counts an allocation for the failure injector; at the chosen one the
    /// heap counts as over its limit until the next limit check fails, and
    /// the next safe point checks at once.
    #[cold]
    #[inline(never)]
    pub(crate) fn note_allocation(&mut self) {
        if self.failures.count_one() {
            self.threshold = 0;
        }
    }

    /// A collector step is due: the threshold is reached and an object was
    /// created since the last step (see `created_since_step`; a table that
    /// grows alone does not make steps due, and is not even looked at on
    /// every safe point), or stress mode, or an injected failure is pending.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        (self.total_bytes >= self.threshold && (self.created_since_step || self.failures.pending))
            || self.stress
    }

    /// Sets the byte count at which the next step runs, at most the memory
    /// limit.
    #[inline]
    pub fn set_threshold(&mut self, threshold: usize) {
        self.threshold = threshold.min(self.limit_trigger);
    }

    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    pub fn object_count(&self) -> usize {
        self.objects.len() + self.finobj.len() + self.tobefnz.len()
    }

    /// Sets (or removes) the most bytes the state may use.
    pub fn set_memory_limit(&mut self, limit: Option<usize>) {
        self.memory_limit = limit;
        self.reported_overshoot = 0;
        self.limit_trigger = limit.unwrap_or(usize::MAX);
        self.set_threshold(self.threshold);
    }

    pub fn memory_limit(&self) -> Option<usize> {
        self.memory_limit
    }

    /// Whether the accounted bytes, plus `extra` about to be allocated, exceed
    /// the limit.
    #[inline]
    pub fn over_limit(&self, extra: usize) -> bool {
        if self.failures.pending {
            return true;
        }
        match self.memory_limit {
            Some(limit) => {
                self.total_bytes.saturating_add(extra)
                    > limit.saturating_add(self.reported_overshoot)
            }
            None => false,
        }
    }

    /// Whether marking is under way, so the tri-colour invariant must hold
    /// (PUC's `keepinvariant`; always in generational mode).
    #[inline]
    pub fn keeps_invariant(&self) -> bool {
        matches!(self.phase, Phase::Propagate | Phase::Atomic)
    }

    // ----- write barriers -----

    /// A value was stored into table `t`. If `t` is black, it becomes gray
    /// again and is visited once more in the atomic phase (PUC's
    /// `luaC_barrierback`): cheaper than marking every value stored into a
    /// table that is written often.
    #[inline(always)]
    pub fn barrier_back(&mut self, t: Gc<Table>) {
        if t.is_black() {
            self.barrier_back_slow(GcRef::Table(t));
        }
    }

    #[cold]
    fn barrier_back_slow(&mut self, r: GcRef) {
        if self.kind == GcKind::Generational {
            if r.age() == age::TOUCHED2 {
                // Already on the gray-again list.
                r.make_gray();
            } else {
                r.make_gray();
                self.marker.gray_again.push(r);
            }
            if r.is_old() {
                r.set_age(age::TOUCHED1);
            }
        } else if self.keeps_invariant() {
            r.make_gray();
            self.marker.gray_again.push(r);
        } else {
            // Sweeping: the object will be whitened anyway.
            r.set_colour(self.current_white);
        }
    }

    /// Value `v` was stored into object `parent` (an upvalue, a userdata, a
    /// closure's upvalue list, a metatable field of a userdata). If `parent` is
    /// black and `v` white, `v` is marked now (PUC's `luaC_barrier`).
    #[inline(always)]
    pub fn barrier_forward(&mut self, parent: GcRef, v: Value) {
        if parent.is_black() {
            if let Some(child) = GcRef::of_value(v) {
                if child.is_white() {
                    self.barrier_forward_slow(parent, child);
                }
            }
        }
    }

    /// As `barrier_forward`, for a reference that is not a value (an upvalue
    /// joined into a closure).
    pub fn barrier_forward_ref(&mut self, parent: GcRef, child: GcRef) {
        if parent.is_black() && child.is_white() {
            self.barrier_forward_slow(parent, child);
        }
    }

    #[cold]
    fn barrier_forward_slow(&mut self, parent: GcRef, child: GcRef) {
        if self.kind == GcKind::Generational || self.keeps_invariant() {
            self.marker.mark(child);
            if parent.is_old() {
                // It must not be collected by a young collection.
                child.set_age(age::OLD0);
            }
        } else {
            // Sweeping: whiten the parent so no more barriers are needed.
            parent.set_colour(self.current_white);
        }
    }

    // ----- finalizers -----

    /// Moves an object whose metatable has `__gc` to the finalizable list
    /// (PUC's `luaC_checkfinalizer`). Does nothing if it is there already.
    pub fn register_finalizer(&mut self, r: GcRef) {
        if r.is_finalizable() {
            return;
        }
        // Objects given a metatable are usually young: search from the end.
        let packed = PackedRef::pack(r);
        let pos = match self.objects.iter().rposition(|&o| o == packed) {
            Some(p) => p,
            None => return,
        };
        if matches!(
            self.phase,
            Phase::SweepObjects | Phase::SweepFinalizable | Phase::SweepToBeFinalized
        ) && self.kind == GcKind::Incremental
        {
            // It may not be swept yet: sweep it now (it is alive).
            if pos >= self.sweep_cursor {
                r.set_colour(self.current_white);
            }
        }
        self.remove_object_at(pos);
        r.set_finalizable(true);
        self.finobj.push(r);
    }

    /// Removes `objects[pos]` keeping the generational regions consistent.
    fn remove_object_at(&mut self, pos: usize) {
        self.objects.remove(pos);
        if pos < self.old1_start {
            self.old1_start -= 1;
        }
        if pos < self.survival_start {
            self.survival_start -= 1;
        }
        if pos < self.new_start {
            self.new_start -= 1;
        }
        if self.sweep_cursor > pos {
            self.sweep_cursor -= 1;
        }
    }

    /// Takes the next object whose finalizer must run and returns it to the
    /// ordinary object list (PUC's `udata2finalize`): a finalizer may make it
    /// reachable again, and it may be registered again.
    pub fn next_pending_finalizer(&mut self) -> Option<GcRef> {
        let r = self.tobefnz.pop_front()?;
        r.set_finalizable(false);
        if self.is_sweeping() {
            r.set_colour(self.current_white);
        }
        self.objects.push(PackedRef::pack(r));
        Some(r)
    }

    pub fn has_pending_finalizers(&self) -> bool {
        !self.tobefnz.is_empty()
    }

    /// Moves every object with a finalizer to the pending list (state closing).
    pub fn finalize_all(&mut self) {
        while let Some(r) = self.finobj.pop() {
            self.tobefnz.push_back(r);
        }
    }

    fn is_sweeping(&self) -> bool {
        matches!(
            self.phase,
            Phase::SweepObjects
                | Phase::SweepFinalizable
                | Phase::SweepToBeFinalized
                | Phase::SweepEnd
        )
    }

    // ----- the incremental cycle -----

    /// Starts a cycle: clears the gray lists. The caller then marks the roots
    /// through `marker` (PUC's `restartcollection`).
    pub(crate) fn restart(&mut self, mode_key: Gc<LuaString>) {
        self.marker.clear_lists();
        self.marker.mode_key = Some(mode_key);
        self.marker.atomic = false;
        self.marker.work = 0;
        self.phase = Phase::Propagate;
    }

    /// Marks the objects whose finalizers are due but have not run: they must
    /// stay alive until then.
    pub(crate) fn mark_being_finalized(&mut self) {
        for i in 0..self.tobefnz.len() {
            let r = self.tobefnz[i];
            self.marker.mark(r);
        }
    }

    /// Visits gray objects until at least `budget` units of work are done or
    /// none is left; returns the work done.
    pub(crate) fn propagate_step(&mut self, budget: usize) -> usize {
        let generational = self.kind == GcKind::Generational;
        self.marker.work = 0;
        while self.marker.work < budget {
            match self.marker.gray.pop() {
                Some(r) => self.marker.propagate_one(r, generational),
                None => break,
            }
        }
        self.apply_size_change();
        self.marker.work
    }

    /// Takes into account size changes objects reported while visited.
    fn apply_size_change(&mut self) {
        let delta = std::mem::take(&mut self.marker.size_change);
        self.adjust(delta);
    }

    pub(crate) fn gray_is_empty(&self) -> bool {
        self.marker.gray.is_empty()
    }

    /// The first half of the atomic phase, after the caller marked the roots
    /// again: visits everything gray and gray-again.
    pub(crate) fn atomic_propagate(&mut self) -> usize {
        let generational = self.kind == GcKind::Generational;
        self.phase = Phase::Atomic;
        self.marker.atomic = true;
        self.marker.work = 0;
        self.marker.propagate_all(generational);
        // Everything on the gray-again list is visited again, including
        // touched tables that were blackened after the last young collection.
        let again = std::mem::take(&mut self.marker.gray_again);
        self.marker.gray.extend(again);
        self.marker.propagate_all(generational);
        self.apply_size_change();
        self.marker.work
    }

    /// The rest of the atomic phase (PUC's `atomic` after remarking): weak
    /// tables, objects to finalize. `remove_dead_strings` drops white strings
    /// from the string table. Flips the current white.
    pub(crate) fn atomic_finish(&mut self, remove_dead_strings: impl FnOnce(&Heap)) -> usize {
        let generational = self.kind == GcKind::Generational;
        let marker = &mut self.marker;
        marker.converge_ephemerons(generational);
        Marker::clear_by_values(&marker.weak_values);
        Marker::clear_by_values(&marker.all_weak);
        let weak_before = marker.weak_values.len();
        let all_before = marker.all_weak.len();
        // Unreachable objects with finalizers are resurrected until their
        // finalizer has run; the most recently registered runs first.
        let mut kept = Vec::with_capacity(self.finobj.len());
        let mut due = Vec::new();
        for &r in &self.finobj {
            if r.is_white() {
                due.push(r);
            } else {
                kept.push(r);
            }
        }
        self.finobj = kept;
        for &r in due.iter().rev() {
            self.tobefnz.push_back(r);
        }
        for &r in &due {
            self.marker.mark(r);
        }
        let marker = &mut self.marker;
        marker.propagate_all(generational);
        marker.converge_ephemerons(generational);
        Marker::clear_by_keys(&marker.ephemerons);
        Marker::clear_by_keys(&marker.all_weak);
        Marker::clear_by_values(&marker.weak_values[weak_before..]);
        Marker::clear_by_values(&marker.all_weak[all_before..]);
        marker.mark_weak_strings();
        remove_dead_strings(self);
        let marker = &mut self.marker;
        let work = marker.work;
        marker.atomic = false;
        self.current_white ^= WHITES;
        work
    }

    /// Starts sweeping (after the atomic phase, or to whiten everything when a
    /// full collection interrupts a cycle).
    pub(crate) fn enter_sweep(&mut self) {
        self.phase = Phase::SweepObjects;
        self.sweep_cursor = 0;
    }

    /// Gives up the current mark phase: every object goes back to white by a
    /// sweep that frees nothing (a full collection restarts from scratch).
    pub(crate) fn abandon_marking(&mut self) {
        self.marker.clear_lists();
        self.marker.atomic = false;
        self.enter_sweep();
    }

    /// The colour dead objects have during the sweep (the white before the flip).
    fn other_white(&self) -> u8 {
        self.current_white ^ WHITES
    }

    /// Sweeps up to `SWEEP_MAX` objects of the current list; returns the work
    /// done and moves to the next phase at the end of a list.
    pub(crate) fn sweep_step(&mut self) -> usize {
        let dead = self.other_white();
        let white = self.current_white;
        match self.phase {
            Phase::SweepObjects => {
                let mut n = 0;
                while n < SWEEP_MAX && self.sweep_cursor < self.objects.len() {
                    let r = self.objects[self.sweep_cursor].unpack();
                    if r.header().get() & dead != 0 {
                        self.total_bytes = self.total_bytes.saturating_sub(r.size());
                        self.objects.swap_remove(self.sweep_cursor);
                        // White through a whole mark phase: nothing live refers to it.
                        // SAFETY: unreachable, and removed from the list: freed once.
                        unsafe { r.free(&mut self.pool) };
                    } else {
                        r.set_colour(white);
                        self.sweep_cursor += 1;
                    }
                    n += 1;
                }
                if self.sweep_cursor >= self.objects.len() {
                    self.pool.tidy();
                    self.phase = Phase::SweepFinalizable;
                    self.sweep_cursor = 0;
                }
                n.max(1)
            }
            Phase::SweepFinalizable => {
                // Objects with finalizers are never freed here: the unreachable
                // ones moved to `tobefnz` in the atomic phase.
                for &r in &self.finobj {
                    r.set_colour(white);
                }
                self.phase = Phase::SweepToBeFinalized;
                self.finobj.len().max(1)
            }
            Phase::SweepToBeFinalized => {
                for &r in &self.tobefnz {
                    r.set_colour(white);
                }
                self.phase = Phase::SweepEnd;
                self.tobefnz.len().max(1)
            }
            _ => 0,
        }
    }

    // ----- generational mode -----

    /// Makes every surviving object old and black after a complete mark (PUC's
    /// `atomic2gen`/`sweep2old`): dead objects are freed.
    pub(crate) fn sweep_to_old(&mut self) {
        let dead = self.other_white();
        let mut freed = 0usize;
        self.objects.retain(|&p| {
            let r = p.unpack();
            if r.header().get() & dead != 0 {
                freed += r.size();
                // SAFETY: as in `sweep_step`: white after a complete mark
                // phase, and dropped from the list here.
                unsafe { r.free(&mut self.pool) };
                false
            } else {
                r.set_age(age::OLD);
                old_colour(r);
                true
            }
        });
        for &r in self.finobj.iter().chain(self.tobefnz.iter()) {
            r.set_age(age::OLD);
            old_colour(r);
        }
        self.total_bytes = self.total_bytes.saturating_sub(freed);
        self.pool.tidy();
        // Threads stay gray: their stacks change without barriers.
        self.marker.clear_lists();
        for r in self.objects.iter().map(|p| p.unpack()) {
            if let GcRef::Thread(_) = r {
                self.marker.gray_again.push(r);
            }
        }
        self.old1_start = self.objects.len();
        self.survival_start = self.objects.len();
        self.new_start = self.objects.len();
        self.phase = Phase::Propagate;
        self.kind = GcKind::Generational;
    }

    /// The short strings of the young part of the heap that marking left
    /// white: in a young collection, the only strings that can die (old ones
    /// are not swept), to be dropped from the string table before the sweep.
    pub(crate) fn dead_young_short_strings(&self) -> impl Iterator<Item = Gc<LuaString>> + '_ {
        let start = self.old1_start.min(self.objects.len());
        self.objects[start..]
            .iter()
            .filter_map(|p| match p.unpack() {
                GcRef::String(s) if s.is_short() && s.is_white() => Some(s),
                _ => None,
            })
    }

    /// Marks old1 objects again: they became old at the last collection and
    /// may point to survivors, which young collections do not otherwise reach
    /// through old objects (PUC's `markold`).
    pub(crate) fn mark_old1(&mut self) {
        // Old1 objects may sit anywhere past the old region (an object made
        // old0 by a barrier ages in place), and on the finalizer lists.
        let start = self.old1_start.min(self.objects.len());
        let young = self.objects[start..].iter().map(|p| p.unpack());
        let candidates: Vec<GcRef> = young
            .chain(self.finobj.iter().copied())
            .chain(self.tobefnz.iter().copied())
            .filter(|r| r.age() == age::OLD1 && r.is_black())
            .collect();
        for r in candidates {
            r.make_gray();
            self.marker.gray.push(r);
        }
    }

    /// Sweeps the young part of the heap after a young collection's atomic
    /// phase (PUC's `sweepgen`): frees dead young objects, whitens surviving new
    /// ones, ages the rest. Keeps list order, so the regions stay contiguous.
    pub(crate) fn sweep_young(&mut self) {
        let white = self.current_white;
        let start = self.old1_start.min(self.objects.len());
        let (old1, survival) = (self.survival_start, self.new_start);
        let mut write = start;
        let mut freed = 0usize;
        let (mut new_old1_start, mut new_survival_start) = (None, None);
        for read in start..self.objects.len() {
            if read == old1 {
                new_old1_start = Some(write);
            }
            if read == survival {
                new_survival_start = Some(write);
            }
            let r = self.objects[read].unpack();
            if r.is_white() {
                freed += r.size();
                // Old objects point only to old ones or are gray.
                // SAFETY: young and unmarked: unreachable; compaction drops it.
                unsafe { r.free(&mut self.pool) };
                continue;
            }
            age_object(r, white);
            self.objects[write] = self.objects[read];
            write += 1;
        }
        let end = write;
        self.objects.truncate(end);
        self.old1_start = new_old1_start.unwrap_or(end);
        self.survival_start = new_survival_start.unwrap_or(end);
        self.new_start = end;
        for &r in self.finobj.iter().chain(self.tobefnz.iter()) {
            age_object(r, white);
        }
        self.total_bytes = self.total_bytes.saturating_sub(freed);
        self.pool.tidy();
    }

    /// After a young collection: keeps on the gray-again list what must be
    /// visited again next time (touched tables, threads) and blackens the rest
    /// (PUC's `correctgraylists`).
    pub(crate) fn correct_gray_lists(&mut self) {
        let marker = &mut self.marker;
        let mut lists: Vec<GcRef> = std::mem::take(&mut marker.gray_again);
        lists.extend(marker.weak_values.drain(..).map(GcRef::Table));
        lists.extend(marker.ephemerons.drain(..).map(GcRef::Table));
        lists.extend(marker.all_weak.drain(..).map(GcRef::Table));
        let mut keep = Vec::new();
        for r in lists {
            if r.is_white() {
                continue;
            }
            if r.age() == age::TOUCHED1 {
                r.make_black();
                r.set_age(age::TOUCHED2);
                keep.push(r);
            } else if let GcRef::Thread(_) = r {
                r.make_gray();
                keep.push(r);
            } else {
                if r.age() == age::TOUCHED2 {
                    r.set_age(age::OLD);
                }
                r.make_black();
            }
        }
        marker.gray_again = keep;
        marker.gray.clear();
        self.phase = Phase::Propagate;
    }

    /// Leaves generational mode: every object white, no gray lists, the
    /// incremental collector starts from a pause (PUC's `enterinc`).
    pub(crate) fn whiten_all(&mut self) {
        let white = self.current_white;
        for r in self.objects.iter().map(|p| p.unpack()) {
            r.set_colour(white);
            r.set_age(age::NEW);
        }
        for &r in self.finobj.iter().chain(self.tobefnz.iter()) {
            r.set_colour(white);
            r.set_age(age::NEW);
        }
        self.marker.clear_lists();
        self.old1_start = 0;
        self.survival_start = 0;
        self.new_start = 0;
        self.phase = Phase::Pause;
    }

    // ----- verification -----

    /// Checks the collector's invariants over the whole heap (PUC's
    /// `lua_checkmemory`): while marking, no black object refers to a white
    /// one; in generational mode old objects refer only to old ones (or are
    /// gray); no object refers to a dead one during the sweep; every object is
    /// on exactly one list. Returns a description of the first violation.
    /// Checks that every string of the string table is an object of this
    /// heap (a dead string left in the table would be found freed).
    pub fn verify_strings(
        &self,
        strings: impl Iterator<Item = Gc<LuaString>>,
    ) -> Result<(), String> {
        let objects: std::collections::HashSet<usize> = self
            .objects
            .iter()
            .filter_map(|p| match p.unpack() {
                GcRef::String(s) => Some(s.addr()),
                _ => None,
            })
            .collect();
        for s in strings {
            if !objects.contains(&s.addr()) {
                return Err(format!(
                    "the string table holds {:#x}, which is on no list",
                    s.addr()
                ));
            }
        }
        Ok(())
    }

    pub fn verify(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for r in self.all_objects() {
            if !seen.insert(r) {
                return Err(format!("{r:?} is on two lists"));
            }
        }
        for &r in self.finobj.iter().chain(self.tobefnz.iter()) {
            if !r.is_finalizable() {
                return Err(format!("{r:?} on a finalizer list without its flag"));
            }
        }
        let dead = self.other_white();
        let marking = self.keeps_invariant() && self.kind == GcKind::Incremental;
        let generational = self.kind == GcKind::Generational;
        for (i, r) in self.all_objects().enumerate() {
            // A dead object not swept yet may refer to objects already freed.
            if self.is_sweeping() && r.header().get() & dead != 0 {
                continue;
            }
            let mut children = Vec::new();
            collect_children(r, &self.marker.running_states, &mut children);
            for c in children {
                if !seen.contains(&c) {
                    return Err(format!(
                        "{r:?} (age {}, header {:#x}) refers to {c:?}, which is on no list \
                         (freed), phase {:?}",
                        r.age(),
                        r.header().get(),
                        self.phase
                    ));
                }
                let swept = self.phase == Phase::SweepObjects
                    && i < self.objects.len()
                    && i < self.sweep_cursor;
                if (self.is_sweeping() || self.phase == Phase::Pause)
                    && c.header().get() & dead != 0
                    && r.header().get() & dead == 0
                    && (swept || self.phase != Phase::SweepObjects)
                {
                    return Err(format!("{r:?} refers to dead {c:?}"));
                }
                // Old1 objects and touched2 tables are visited again by the
                // next young collection, so they may refer to survivors.
                let revisited = generational && matches!(r.age(), age::OLD1 | age::TOUCHED2);
                if (marking || generational)
                    && r.is_black()
                    && c.is_white()
                    && !revisited
                    && !matches!(r, GcRef::Thread(_))
                {
                    return Err(format!(
                        "black {r:?} (age {}) refers to white {c:?} (age {})",
                        r.age(),
                        c.age()
                    ));
                }
                if generational
                    && self.phase == Phase::Propagate
                    && r.is_black()
                    && r.age() == age::OLD
                    && !c.is_old()
                {
                    return Err(format!("old {r:?} refers to young {c:?} (age {})", c.age()));
                }
            }
        }
        Ok(())
    }

    /// Every object: the object list, then the finalizer lists.
    fn all_objects(&self) -> impl Iterator<Item = GcRef> + '_ {
        self.objects
            .iter()
            .map(|p| p.unpack())
            .chain(self.finobj.iter().copied())
            .chain(self.tobefnz.iter().copied())
    }

    /// Frees everything (the state is closing).
    pub fn free_all(&mut self) {
        self.marker.clear_lists();
        // Freed as the lists drain, with no copy of them: a heap of many
        // small objects would need another 16 bytes for each at exit.
        let pool = &mut self.pool;
        let all = self.objects.drain(..).map(|p| p.unpack());
        for r in all
            .chain(self.finobj.drain(..))
            .chain(self.tobefnz.drain(..))
        {
            // SAFETY: the state is being destroyed; no `Gc` will be used again.
            unsafe { r.free(pool) };
        }
        self.total_bytes = 0;
    }
}

/// Old objects are black between collections; threads stay gray.
fn old_colour(r: GcRef) {
    if let GcRef::Thread(_) = r {
        r.make_gray();
    } else {
        r.make_black();
    }
}

/// One more collection survived (the sweep of `sweep_young`).
fn age_object(r: GcRef, white: u8) {
    if r.age() == age::NEW {
        r.set_colour(white);
        r.set_age(age::SURVIVAL);
    } else {
        r.set_age(age::NEXT[r.age() as usize]);
    }
}

/// Every object `r` refers to (for verification).
fn collect_children(r: GcRef, running_states: &[*mut State], out: &mut Vec<GcRef>) {
    let mut m = Marker {
        record_only: true,
        running_states: running_states.to_vec(),
        ..Marker::default()
    };
    r.trace(&mut m);
    out.append(&mut m.gray);
}

/// Whether a string is dead after marking (used to clear the string table).
pub(crate) fn is_dead_string(s: Gc<LuaString>) -> bool {
    s.is_white()
}
