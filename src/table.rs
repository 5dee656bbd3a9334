//! Lua tables (the design of PUC's `ltable.c`).
//!
//! A table has two parts:
//!
//! * an *array part*: a vector holding the values of the keys `1..=n`;
//! * a *hash part*: a power-of-two vector of nodes, a chained scatter table with
//!   Brent's variation. Every key lives either in its *main position* (the node its
//!   hash selects) or in a node chained (by relative `next` offsets) from it. When a
//!   new key's main position is taken by a key that is *not* in its own main
//!   position, that intruder moves to a free node and the new key takes its place;
//!   otherwise the new key goes to a free node chained after the main position. So
//!   chains only ever hold keys with the same main position (give or take reused
//!   nodes, see below) and the load factor can reach 100%.
//!
//! Free nodes are found by `last_free`, which only scans downwards. When it reaches
//! the bottom the table is *rehashed*: the integer keys are counted and the array
//! part gets the largest power-of-two size `n` such that more than half of `1..=n`
//! are in use (PUC's `computesizes`); the hash part is sized for the other keys.
//!
//! Removing a key means assigning nil to it: the node keeps its key, so that `next`
//! still finds it when a field is cleared during a traversal. Such a node is reused
//! when a new key has it as main position, and dropped at the next rehash. When the
//! collector traverses the table it marks nil-valued nodes *dead* instead of marking
//! their keys: a dead key may point to a freed object, so it is only ever compared by
//! address (as `next` needs), never dereferenced.
//!
//! Mutation goes through `&self`: the parts live in an `UnsafeCell` and no method
//! hands out a reference into them (values are returned by copy). Each method takes
//! the only reference to the contents for its own duration and calls nothing that
//! could reach the same table (hashing and comparing strings only reads strings).

use std::cell::{Cell, UnsafeCell};
use std::mem::{size_of, MaybeUninit};
use std::ptr::NonNull;

use crate::gc::{Collectable, Gc, GcBox, GcRef, Marker};
use crate::string::LuaString;
use crate::value::{float_to_integer, key_tag, Payload, Value, ValueWords};

/// Why a key cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    /// The key is nil ("table index is nil").
    NilKey,
    /// The key is a float NaN ("table index is NaN").
    NanKey,
}

/// Largest power of two of the array part's size (PUC's `MAXABITS`).
const MAX_ABITS: usize = 31;
/// Largest array part (PUC's `MAXASIZE`).
const MAX_ASIZE: u64 = 1 << MAX_ABITS;
/// Largest power of two of the hash part's size: `next` offsets must fit an `i32`.
const MAX_HBITS: u32 = 30;

/// A hash-part slot: 24 bytes, as PUC's (two `Value`s would make it 40): the
/// key is stored as `Value::to_parts` splits it (canonical bits, compared),
/// the value as `Value::to_words` does (copied as they are).
#[derive(Clone, Copy)]
struct Node {
    key_bits: Payload,
    val_word: MaybeUninit<u64>,
    /// Nil only in a node that was never used since the last rehash (a free
    /// node).
    key_tag: u8,
    /// Nil when the node is free or its key was removed.
    val_tag: u8,
    /// The key was not marked by the collector (the value was nil when the table
    /// was traversed): it may point to a freed object and is compared by address
    /// only.
    dead: bool,
    /// Offset of the next node in the chain; 0 ends the chain.
    next: i32,
}

const FREE_NODE: Node = Node {
    key_bits: Payload::ZERO,
    val_word: MaybeUninit::new(0),
    key_tag: key_tag::NIL,
    val_tag: key_tag::NIL,
    dead: false,
    next: 0,
};

impl Node {
    /// The key as a value. A dead key's object may be gone: such a key is
    /// only compared by address, never dereferenced.
    #[inline(always)]
    fn key(&self) -> Value {
        // SAFETY: the parts were made by `to_parts` in `set_key`.
        unsafe { Value::from_parts(self.key_tag, self.key_bits) }
    }

    #[inline(always)]
    fn set_key(&mut self, key: Value) {
        let (tag, bits) = key.to_parts();
        self.key_tag = tag;
        self.key_bits = bits;
    }

    #[inline(always)]
    fn val(&self) -> Value {
        // SAFETY: the words were made by `to_words` in `set_val` (or are a
        // free node's nil).
        unsafe { Value::from_words(self.val_tag, self.val_word) }
    }

    #[inline(always)]
    fn set_val(&mut self, val: Value) {
        let (tag, word) = val.to_words();
        self.val_tag = tag;
        self.val_word = word;
    }

    /// Stores `val` under `key`, which was found at this node by address:
    /// a dead key there may be an earlier object freed at the same address,
    /// so the live key is stored as well.
    #[inline(always)]
    fn revive(&mut self, key: Value, val: Value) {
        self.set_val(val);
        self.set_key(key);
        self.dead = false;
    }

    #[inline(always)]
    fn val_is_nil(&self) -> bool {
        self.val_tag == key_tag::NIL
    }

    #[inline(always)]
    fn key_is_nil(&self) -> bool {
        self.key_tag == key_tag::NIL
    }

    #[inline(always)]
    fn has_int_key(&self, k: i64) -> bool {
        self.key_tag == key_tag::INT && self.key_bits.bits() == k as u64
    }

    #[inline(always)]
    fn has_str_key_at(&self, s: Gc<LuaString>) -> bool {
        self.key_tag == key_tag::STR && self.key_bits.bits() == s.addr() as u64
    }
}

/// The mutable contents of a table.
///
/// Kept small, since programs make millions of small tables: the two parts
/// are thin pointers to boxed slices whose lengths are kept as `array_len`
/// and `node_count` (the parts are at most 2^31 and 2^30 long), so that a table
/// object is 56 bytes with its header (a 56-byte pool block). A table made
/// with small parts has them in its own block, after the object (`inline`):
/// one allocation instead of three.
struct Inner {
    /// The array part: a `Box<[Value]>` of `array_len` values, taken apart,
    /// or the values in the table's block (`INLINE_ARRAY`).
    array_ptr: NonNull<Value>,
    /// The hash part: a `Box<[Node]>` of `node_count` nodes taken apart, or
    /// the nodes in the table's block (`INLINE_NODES`); dangling when there
    /// are none.
    nodes_ptr: NonNull<Node>,
    array_len: u32,
    /// 0, or a power of two.
    node_count: u32,
    /// Every node at or above this index is in use.
    last_free: u32,
    /// log2 of `node_count` (0 when there are no nodes).
    log2: u8,
    /// `INLINE_ARRAY`/`INLINE_NODES`: that part lives in the table's own
    /// block (`Table::new_in_block`), not in a box.
    inline: u8,
}

const INLINE_ARRAY: u8 = 1;
const INLINE_NODES: u8 = 2;

impl Inner {
    fn new(array: Box<[Value]>, nodes: Box<[Node]>, log2: u8) -> Inner {
        let mut inner = Inner {
            array_ptr: NonNull::dangling(),
            nodes_ptr: NonNull::dangling(),
            array_len: 0,
            node_count: 0,
            last_free: 0,
            log2: 0,
            inline: 0,
        };
        inner.set_array(array);
        inner.set_nodes(nodes, log2);
        inner
    }

    #[inline(always)]
    fn array(&self) -> &[Value] {
        // SAFETY: `array_ptr` and `array_len` are this table's: a boxed slice
        // taken apart by `set_array`, or the inline part of `new_in_block`.
        unsafe { std::slice::from_raw_parts(self.array_ptr.as_ptr(), self.array_len as usize) }
    }

    #[inline(always)]
    fn array_mut(&mut self) -> &mut [Value] {
        // SAFETY: as in `array`; `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.array_ptr.as_ptr(), self.array_len as usize) }
    }

    #[inline(always)]
    fn nodes(&self) -> &[Node] {
        // SAFETY: as in `array`, from `set_nodes` or `new_in_block` (or
        // dangling, with length 0).
        unsafe { std::slice::from_raw_parts(self.nodes_ptr.as_ptr(), self.node_count as usize) }
    }

    #[inline(always)]
    fn nodes_mut(&mut self) -> &mut [Node] {
        // SAFETY: as in `nodes`; `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.nodes_ptr.as_ptr(), self.node_count as usize) }
    }

    /// Takes the array part out (leaving it empty), with room for at least
    /// `capacity` values. An inline part is copied out (into a vector of that
    /// room at once); its space in the block stays unused.
    fn take_array(&mut self, capacity: usize) -> Vec<Value> {
        let ptr =
            std::ptr::slice_from_raw_parts_mut(self.array_ptr.as_ptr(), self.array_len as usize);
        self.array_ptr = NonNull::dangling();
        self.array_len = 0;
        if self.inline & INLINE_ARRAY != 0 {
            self.inline &= !INLINE_ARRAY;
            // SAFETY: `new_in_block` made the inline part: initialised values
            // in the table's block, which outlives this call.
            let values = unsafe { &*ptr };
            let mut array = Vec::with_capacity(capacity.max(values.len()));
            array.extend_from_slice(values);
            return array;
        }
        // SAFETY: the pointer and length came from `Box::into_raw` in
        // `set_array`, and this table no longer refers to them.
        let mut array = unsafe { Box::from_raw(ptr) }.into_vec();
        // Grown in place when the allocator can (a large block is remapped,
        // not copied).
        array.reserve_exact(capacity.saturating_sub(array.len()));
        array
    }

    /// Installs `array` as the array part (which must be empty).
    fn set_array(&mut self, array: Box<[Value]>) {
        debug_assert_eq!(self.array_len, 0);
        let len = u32::try_from(array.len()).expect("array part over 2^32");
        let raw = Box::into_raw(array) as *mut Value;
        // SAFETY: `Box::into_raw` never returns null.
        self.array_ptr = unsafe { NonNull::new_unchecked(raw) };
        self.array_len = len;
    }

    /// Takes the hash part out (leaving none). An inline part is copied out;
    /// its space in the block stays unused.
    fn take_nodes(&mut self) -> Box<[Node]> {
        let len = self.node_count as usize;
        if len == 0 {
            return Box::new([]);
        }
        let ptr = std::ptr::slice_from_raw_parts_mut(self.nodes_ptr.as_ptr(), len);
        self.nodes_ptr = NonNull::dangling();
        self.node_count = 0;
        self.log2 = 0;
        if self.inline & INLINE_NODES != 0 {
            self.inline &= !INLINE_NODES;
            // SAFETY: as in `take_array`.
            return unsafe { &*ptr }.into();
        }
        // SAFETY: the pointer and length came from `Box::into_raw` in
        // `set_nodes`, and this table no longer refers to them.
        unsafe { Box::from_raw(ptr) }
    }

    /// Installs `nodes` (empty, or `1 << log2` long) as the hash part (which
    /// must be absent).
    fn set_nodes(&mut self, nodes: Box<[Node]>, log2: u8) {
        debug_assert_eq!(self.node_count, 0);
        if nodes.is_empty() {
            return;
        }
        debug_assert_eq!(nodes.len(), 1usize << log2);
        let raw = Box::into_raw(nodes) as *mut Node;
        // SAFETY: `Box::into_raw` never returns null.
        self.nodes_ptr = unsafe { NonNull::new_unchecked(raw) };
        self.node_count = 1 << log2;
        self.log2 = log2;
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Inline parts go with the block; only boxed ones are freed here.
        if self.inline & INLINE_ARRAY == 0 {
            drop(self.take_array(0));
        }
        if self.inline & INLINE_NODES == 0 {
            drop(self.take_nodes());
        }
    }
}

/// A Lua table.
pub struct Table {
    inner: UnsafeCell<Inner>,
    /// Bit `e` (below `ABSENT_TM_EVENTS`) set: this table, used as a
    /// metatable, has no metamethod for event `e` (PUC's `flags`). Bit
    /// `INDEX_CACHED`: `crate::index_cache` knows this table's `__index`.
    /// Every store of a string key clears `INDEX_CACHED`, and all bits but
    /// for the VM's overwrite of a present key (which adds no metamethod).
    flags: Cell<u8>,
    metatable: Cell<Option<Gc<Table>>>,
    /// The border `length` found last time in the array part (a starting
    /// guess). Here rather than in `Inner`, where it would not fit in the
    /// 32 bytes.
    border_hint: Cell<u32>,
}

/// Events (`TmKind` numbers) whose absence `flags` records.
const ABSENT_TM_EVENTS: u8 = 7;

/// The `flags` bit that validates this table's `crate::index_cache` entry.
const INDEX_CACHED: u8 = 1 << ABSENT_TM_EVENTS;

/// Fibonacci hashing: the top `log2` bits of `x` times 2^64/φ. Depends on all
/// bits of `x`, and spreads consecutive integers evenly.
#[inline(always)]
fn fib_hash(x: u64, log2: u8) -> usize {
    // `>> 1 >> (63 - log2)` is `>> (64 - log2)` without overflowing at log2 == 0.
    ((x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1) >> (63 - log2)) as usize
}

/// `ceil(log2(x))` for `x >= 1`.
#[inline]
fn ceil_log2(x: u64) -> u32 {
    debug_assert!(x >= 1);
    64 - (x - 1).leading_zeros()
}

/// Index of the node `off` steps from node `i`.
#[inline(always)]
fn step(i: usize, off: i32) -> usize {
    (i as isize + off as isize) as usize
}

/// Offset from node `from` to node `to`.
#[inline(always)]
fn offset(from: usize, to: usize) -> i32 {
    (to as isize - from as isize) as i32
}

/// Checks a key and converts floats with an integer value to integers.
#[inline]
fn normalise_key(key: Value) -> Result<Value, TableError> {
    match key {
        Value::Nil => Err(TableError::NilKey),
        Value::Float(f) => match float_to_integer(f) {
            Some(i) => Ok(Value::Int(i)),
            None if f.is_nan() => Err(TableError::NanKey),
            None => Ok(key),
        },
        _ => Ok(key),
    }
}

/// Whether `node` holds `key` (normalised and not nil). A dead string key is
/// compared by address only: it may be gone.
#[inline]
fn node_has_key(node: &Node, key: &Value) -> bool {
    let (tag, bits) = key.to_parts();
    if node.key_tag != tag {
        return false;
    }
    if node.key_bits == bits {
        return true;
    }
    // Normalised keys are equal exactly when their parts are (no NaN, and
    // floats with an integral value became integers), except long strings.
    match (node.key(), *key) {
        (Value::Str(a), Value::Str(b)) => {
            // `b` is live; test it and `dead` before looking into `a`.
            !b.is_short() && !node.dead && LuaString::equals(a, b)
        }
        _ => false,
    }
}

/// A hash part able to hold `n` keys: the nodes and their log2 size.
fn make_nodes(n: usize) -> (Box<[Node]>, u8) {
    if n == 0 {
        return (Box::new([]), 0);
    }
    let log2 = ceil_log2(n as u64);
    assert!(log2 <= MAX_HBITS, "table overflow");
    (
        vec![FREE_NODE; 1usize << log2].into_boxed_slice(),
        log2 as u8,
    )
}

/// Counts an integer key that could go to the array part in `nums` (PUC's
/// `countint`): `nums[i]` is the number of keys `k` with `2^(i-1) < k <= 2^i`.
#[inline]
fn count_int(k: i64, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
    if k >= 1 && (k as u64) <= MAX_ASIZE {
        nums[ceil_log2(k as u64) as usize] += 1;
        1
    } else {
        0
    }
}

/// PUC's `computesizes`: the largest power of two `n` such that more than half of
/// `1..=n` are keys, given `na` integer keys counted in `nums`. Returns `n` and the
/// number of keys that go to the array part.
fn compute_sizes(nums: &[usize; MAX_ABITS + 1], na: usize) -> (usize, usize) {
    let mut a = 0; // keys <= 2^i
    let mut in_array = 0;
    let mut optimal = 0;
    let mut two_to_i: usize = 1;
    for &count in nums.iter() {
        if na <= two_to_i / 2 {
            break; // the remaining keys cannot fill half of a bigger array
        }
        a += count;
        if a > two_to_i / 2 {
            optimal = two_to_i;
            in_array = a;
        }
        two_to_i *= 2;
    }
    debug_assert!((optimal == 0 || optimal / 2 < in_array) && in_array <= optimal);
    (optimal, in_array)
}

impl Inner {
    /// Bytes owned besides the table object itself.
    #[inline]
    fn byte_size(&self) -> usize {
        std::mem::size_of_val(self.array()) + std::mem::size_of_val(self.nodes())
    }

    /// The main position of a (normalised, non-nil) key. Meaningless when the hash
    /// part is empty (the caller then finds no node there).
    #[inline(always)]
    fn main_position(&self, key: &Value) -> usize {
        match *key {
            Value::Str(s) => s.hash() as usize & self.nodes().len().wrapping_sub(1),
            Value::Int(i) => fib_hash(i as u64, self.log2),
            Value::Float(f) => fib_hash(f.to_bits(), self.log2),
            Value::Bool(b) => fib_hash(b as u64 + 1, self.log2),
            Value::LightNative(f) => fib_hash(f as usize as u64, self.log2),
            other => fib_hash(other.address().unwrap_or(0) as u64, self.log2),
        }
    }

    /// The node holding the integer key `k`.
    #[inline]
    fn find_int(&self, k: i64) -> Option<usize> {
        let nodes = self.nodes();
        let mut i = fib_hash(k as u64, self.log2);
        let mut n = nodes.get(i)?;
        loop {
            if n.has_int_key(k) {
                return Some(i);
            }
            if n.next == 0 {
                return None;
            }
            i = step(i, n.next);
            n = &nodes[i];
        }
    }

    /// The node holding the short (interned) string `s`: compared by address.
    #[inline]
    fn find_short_str(&self, s: Gc<LuaString>) -> Option<usize> {
        let nodes = self.nodes();
        let mut i = s.short_hash() as usize & nodes.len().wrapping_sub(1);
        let mut n = nodes.get(i)?;
        loop {
            if n.has_str_key_at(s) {
                return Some(i);
            }
            if n.next == 0 {
                return None;
            }
            i = step(i, n.next);
            n = &nodes[i];
        }
    }

    /// The node holding `key` (normalised, non-nil), dead or not.
    fn find(&self, key: &Value) -> Option<usize> {
        match *key {
            Value::Int(k) => self.find_int(k),
            Value::Str(s) if s.is_short() => self.find_short_str(s),
            _ => {
                let nodes = self.nodes();
                let mut i = self.main_position(key);
                let mut n = nodes.get(i)?;
                loop {
                    if node_has_key(n, key) {
                        return Some(i);
                    }
                    if n.next == 0 {
                        return None;
                    }
                    i = step(i, n.next);
                    n = &nodes[i];
                }
            }
        }
    }

    #[inline]
    fn get_int(&self, k: i64) -> Value {
        let idx = (k as u64).wrapping_sub(1);
        if idx < self.array().len() as u64 {
            return self.array()[idx as usize];
        }
        match self.find_int(k) {
            Some(i) => self.nodes()[i].val(),
            None => Value::Nil,
        }
    }

    /// Raw get of a normalised, non-nil key.
    fn get(&self, key: &Value) -> Value {
        if let Value::Int(k) = *key {
            return self.get_int(k);
        }
        match self.find(key) {
            Some(i) => self.nodes()[i].val(),
            None => Value::Nil,
        }
    }

    /// A free node, scanning down from `last_free` (PUC's `getfreepos`).
    #[inline]
    fn free_pos(&mut self) -> Option<usize> {
        while self.last_free > 0 {
            self.last_free -= 1;
            if self.nodes()[self.last_free as usize].key_is_nil() {
                return Some(self.last_free as usize);
            }
        }
        None
    }

    /// Puts an absent key (normalised, non-nil) with a non-nil value in the hash
    /// part; `false` when there is no room (the table must be rehashed).
    #[inline]
    fn try_insert_node(&mut self, key: Value, value: Value) -> bool {
        if self.nodes().is_empty() {
            return false;
        }
        let mut mp = self.main_position(&key);
        if !self.nodes()[mp].val_is_nil() {
            // The main position is taken: a free node is needed.
            let Some(f) = self.free_pos() else {
                return false;
            };
            // The intruder's key is live: its value is not nil.
            let other = self.main_position(&self.nodes()[mp].key());
            if other != mp {
                // The intruder is not in its main position: move it to the free node
                // (relinking its predecessor) and take its place.
                let mut prev = other;
                loop {
                    let nx = step(prev, self.nodes()[prev].next);
                    if nx == mp {
                        break;
                    }
                    prev = nx;
                }
                self.nodes_mut()[prev].next = offset(prev, f);
                let moved = self.nodes()[mp];
                self.nodes_mut()[f] = moved;
                if moved.next != 0 {
                    self.nodes_mut()[f].next = offset(f, step(mp, moved.next));
                }
                self.nodes_mut()[mp].next = 0;
            } else {
                // The intruder is in its main position: the new key goes to the free
                // node, chained right after it.
                let mp_next = self.nodes()[mp].next;
                self.nodes_mut()[f].next = if mp_next != 0 {
                    offset(f, step(mp, mp_next))
                } else {
                    0
                };
                self.nodes_mut()[mp].next = offset(mp, f);
                mp = f;
            }
        }
        // A free node, or one whose key was removed (its chain link stays valid: the
        // chains through it still reach their keys).
        let n = &mut self.nodes_mut()[mp];
        n.set_key(key);
        n.set_val(value);
        n.dead = false;
        true
    }

    /// Stores an absent key (normalised, non-nil) with a non-nil value in the
    /// array part or a free node; `false` when the table must be rehashed.
    #[inline]
    fn try_insert(&mut self, key: Value, value: Value) -> bool {
        if let Value::Int(k) = key {
            let idx = (k as u64).wrapping_sub(1);
            if idx < self.array().len() as u64 {
                self.array_mut()[idx as usize] = value;
                return true;
            }
        }
        self.try_insert_node(key, value)
    }

    /// Stores an absent key (normalised, non-nil) with a non-nil value, rehashing
    /// when the hash part is full.
    fn insert_absent(&mut self, key: Value, value: Value) {
        while !self.try_insert(key, value) {
            self.rehash(&key);
        }
    }

    /// Like `insert_absent`, returning the growth in bytes (none unless the
    /// table is rehashed, so that is the only case that measures).
    #[inline(never)]
    fn insert_absent_sized(&mut self, key: Value, value: Value) -> isize {
        if self.try_insert(key, value) {
            return 0;
        }
        let before = self.byte_size();
        self.rehash(&key);
        self.insert_absent(key, value);
        self.byte_size() as isize - before as isize
    }

    /// Counts the keys in the array part into `nums` (PUC's `numusearray`).
    fn count_array(&self, nums: &mut [usize; MAX_ABITS + 1]) -> usize {
        let mut total = 0;
        let mut lo = 0; // 0-based index of key 2^(lg-1) + 1
        for (lg, slot) in nums.iter_mut().enumerate() {
            let hi = (1usize << lg).min(self.array().len());
            if lo >= hi {
                break;
            }
            let c = self.array()[lo..hi].iter().filter(|v| !v.is_nil()).count();
            *slot += c;
            total += c;
            lo = hi;
        }
        total
    }

    /// Resizes both parts for the present keys plus `extra` (PUC's `rehash`).
    fn rehash(&mut self, extra: &Value) {
        let mut nums = [0usize; MAX_ABITS + 1];
        let mut na = self.count_array(&mut nums);
        let mut total = na;
        for n in self.nodes().iter() {
            if !n.val_is_nil() {
                total += 1;
                if let Value::Int(k) = n.key() {
                    na += count_int(k, &mut nums);
                }
            }
        }
        if let Value::Int(k) = *extra {
            na += count_int(k, &mut nums);
        }
        total += 1;
        let (asize, in_array) = compute_sizes(&nums, na);
        self.resize_exact(asize, total - in_array);
    }

    /// Gives the parts the sizes `asize` and (at least) `hsize`, moving the entries
    /// (PUC's `luaH_resize`). Removed keys are dropped.
    fn resize_exact(&mut self, asize: usize, hsize: usize) {
        let (nodes, log2) = make_nodes(hsize);
        let old_nodes = self.take_nodes();
        self.set_nodes(nodes, log2);
        self.last_free = self.nodes().len() as u32;
        let old_asize = self.array().len();
        if asize < old_asize {
            let mut array = self.take_array(0);
            let tail = array.split_off(asize);
            self.set_array(array.into_boxed_slice());
            for (j, v) in tail.into_iter().enumerate() {
                if !v.is_nil() {
                    self.insert_absent(Value::Int((asize + j + 1) as i64), v);
                }
            }
        } else if asize > old_asize {
            let mut array = self.take_array(asize);
            array.resize(asize, Value::Nil);
            self.set_array(array.into_boxed_slice());
        }
        for n in old_nodes.iter() {
            if !n.val_is_nil() {
                self.insert_absent(n.key(), n.val());
            }
        }
    }

    /// A border inside the array part, whose last element is nil, found near
    /// `hint` when it can be.
    fn array_border(&self, hint: usize) -> usize {
        let a = self.array();
        let n = a.len();
        debug_assert!(n > 0 && a[n - 1].is_nil());
        // `b` is a border when t[b] is present (or b == 0) and t[b+1] is absent,
        // i.e. a[b] is nil.
        let present = |b: usize| b == 0 || !a[b - 1].is_nil();
        let h = hint.min(n - 1);
        if a[h].is_nil() {
            if present(h) {
                h
            } else if h >= 1 && present(h - 1) {
                h - 1 // an element was removed at the end
            } else {
                bin_search(a, 0, h)
            }
        } else if a[h + 1].is_nil() {
            h + 1 // an element was appended (h + 1 < n since a[n - 1] is nil)
        } else {
            bin_search(a, h + 1, n)
        }
    }

    /// Some `j >= n` with t[j] present and t[j+1] absent, given t[n+1] present
    /// (PUC's `hash_search`): doubling, then binary search.
    fn hash_search(&self, n: u64) -> u64 {
        let mut j = n.max(1);
        let mut i;
        loop {
            i = j; // present
            if j <= i64::MAX as u64 / 2 {
                j *= 2;
            } else {
                j = i64::MAX as u64;
                if self.get_int(j as i64).is_nil() {
                    break;
                }
                return j; // every key up to maxinteger? it is a border anyway
            }
            if self.get_int(j as i64).is_nil() {
                break;
            }
        }
        // t[i] present, t[j] absent
        while j - i > 1 {
            let m = i + (j - i) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }
}

/// A border in `a` (1-based: t[k] is `a[k-1]`) between `i` and `j`, where t[i] is
/// present (or i == 0) and t[j] absent.
fn bin_search(a: &[Value], mut i: usize, mut j: usize) -> usize {
    while j - i > 1 {
        let m = i + (j - i) / 2;
        if a[m - 1].is_nil() {
            j = m;
        } else {
            i = m;
        }
    }
    i
}

impl Table {
    /// A table with room for `array_size` keys `1..=array_size` and `hash_size`
    /// other keys.
    /// The bytes that the parts of `Table::new(array_size, hash_size)` take
    /// when they fit in a pool block with the table (`new_in_block`); `None`
    /// when there are none, or too many.
    #[inline]
    pub(crate) fn inline_bytes(array_size: usize, hash_size: usize) -> Option<usize> {
        const ROOM: usize = crate::pool::MAX_BLOCK - size_of::<GcBox<Table>>();
        if array_size > ROOM / size_of::<Value>() || hash_size > ROOM / size_of::<Node>() {
            return None;
        }
        let nodes = if hash_size == 0 {
            0
        } else {
            hash_size.next_power_of_two()
        };
        let bytes = array_size * size_of::<Value>() + nodes * size_of::<Node>();
        (bytes > 0 && bytes <= ROOM).then_some(bytes)
    }

    /// `Table::new(array_size, hash_size)` with its parts in `space` (the
    /// array, then the nodes), where `inline_bytes` said they fit.
    ///
    /// # Safety
    /// `space` is `inline_bytes(array_size, hash_size)` bytes, 8-aligned,
    /// used by nothing else for as long as the table lives (the rest of the
    /// table's own block).
    #[inline]
    pub(crate) unsafe fn new_in_block(
        array_size: usize,
        hash_size: usize,
        space: NonNull<u8>,
    ) -> Table {
        debug_assert!(Table::inline_bytes(array_size, hash_size).is_some());
        let log2 = if hash_size == 0 {
            0
        } else {
            ceil_log2(hash_size as u64)
        };
        let nodes = if hash_size == 0 { 0 } else { 1usize << log2 };
        let array_ptr = space.cast::<Value>();
        // SAFETY: the caller gives room for `array_size` values and then
        // `nodes` nodes; both are 8-aligned (values are 16 bytes).
        let nodes_ptr = unsafe {
            for i in 0..array_size {
                array_ptr.as_ptr().add(i).write(Value::Nil);
            }
            let nodes_ptr = array_ptr.as_ptr().add(array_size).cast::<Node>();
            for i in 0..nodes {
                nodes_ptr.add(i).write(FREE_NODE);
            }
            NonNull::new_unchecked(nodes_ptr)
        };
        let mut inline = 0;
        if array_size > 0 {
            inline |= INLINE_ARRAY;
        }
        if nodes > 0 {
            inline |= INLINE_NODES;
        }
        let inner = Inner {
            array_ptr: if array_size > 0 {
                array_ptr
            } else {
                NonNull::dangling()
            },
            nodes_ptr: if nodes > 0 {
                nodes_ptr
            } else {
                NonNull::dangling()
            },
            array_len: array_size as u32,
            node_count: nodes as u32,
            last_free: nodes as u32,
            log2: log2 as u8,
            inline,
        };
        Table {
            inner: UnsafeCell::new(inner),
            flags: Cell::new(0),
            metatable: Cell::new(None),
            border_hint: Cell::new(0),
        }
    }

    #[inline]
    pub fn new(array_size: usize, hash_size: usize) -> Table {
        // The sizes are hints (`lua_createtable`, a constructor's counts):
        // past what a table can index they only make it grow later.
        let array_size = array_size.min(MAX_ASIZE as usize);
        let hash_size = hash_size.min(1 << MAX_HBITS);
        let (nodes, log2) = make_nodes(hash_size);
        let mut inner = Inner::new(vec![Value::Nil; array_size].into_boxed_slice(), nodes, log2);
        inner.last_free = inner.nodes().len() as u32;
        Table {
            inner: UnsafeCell::new(inner),
            flags: Cell::new(0),
            metatable: Cell::new(None),
            border_hint: Cell::new(0),
        }
    }

    /// The contents, for reading.
    ///
    /// # Safety
    /// The caller must not hold a reference from `inner_mut` at the same time, and
    /// must drop the reference before the method that took it returns.
    #[inline(always)]
    unsafe fn inner(&self) -> &Inner {
        // SAFETY: forwarded to the caller (see above).
        unsafe { &*self.inner.get() }
    }

    /// The contents, for writing.
    ///
    /// # Safety
    /// The caller must hold no other reference to the contents while this one
    /// lives, and must drop it before the method that took it returns.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn inner_mut(&self) -> &mut Inner {
        // SAFETY: forwarded to the caller (see above).
        unsafe { &mut *self.inner.get() }
    }

    /// Raw get (`rawget`): nil when absent.
    #[inline]
    pub fn get(&self, key: Value) -> Value {
        match key {
            Value::Int(k) => self.get_int(k),
            Value::Str(s) => self.get_str(s),
            Value::Nil => Value::Nil,
            Value::Float(f) => match float_to_integer(f) {
                Some(k) => self.get_int(k),
                // NaN is never found: it equals nothing.
                None => {
                    // SAFETY: the reference lives in this call only, which calls
                    // nothing that reaches this table (single-threaded).
                    let inner = unsafe { self.inner() };
                    inner.get(&key)
                }
            },
            _ => {
                // SAFETY: as above.
                let inner = unsafe { self.inner() };
                inner.get(&key)
            }
        }
    }

    /// Raw get of an integer key: the array part first.
    #[inline]
    pub fn get_int(&self, key: i64) -> Value {
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (single-threaded).
        let inner = unsafe { self.inner() };
        let idx = (key as u64).wrapping_sub(1);
        if idx < inner.array().len() as u64 {
            return inner.array()[idx as usize];
        }
        match inner.find_int(key) {
            Some(i) => inner.nodes()[i].val(),
            None => Value::Nil,
        }
    }

    /// Raw get of a short (interned) string key: compares addresses along
    /// the chain from the main position. (A long string is never found.)
    #[inline(always)]
    pub fn get_short_str(&self, key: Gc<LuaString>) -> Value {
        debug_assert!(key.is_short());
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (hashing only reads the string).
        let inner = unsafe { self.inner() };
        let nodes = inner.nodes();
        let mut i = key.short_hash() as usize & nodes.len().wrapping_sub(1);
        while let Some(n) = nodes.get(i) {
            if n.has_str_key_at(key) {
                return n.val();
            }
            if n.next == 0 {
                break;
            }
            i = step(i, n.next);
        }
        Value::Nil
    }

    /// Raw get of a string key.
    #[inline(always)]
    pub fn get_str(&self, key: Gc<LuaString>) -> Value {
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (hashing and comparing strings only reads strings).
        let inner = unsafe { self.inner() };
        if key.is_short() {
            // Interned: compare pointers along the chain from the main position.
            // (As `get_short_str`: written out again, as sharing its code
            // made `vm::execute`, where this is inlined, run 5% more
            // instructions.)
            let nodes = inner.nodes();
            let mut i = key.short_hash() as usize & nodes.len().wrapping_sub(1);
            while let Some(n) = nodes.get(i) {
                if n.has_str_key_at(key) {
                    return n.val();
                }
                if n.next == 0 {
                    break;
                }
                i = step(i, n.next);
            }
            return Value::Nil;
        }
        let found = if key.is_short() {
            inner.find_short_str(key)
        } else {
            inner.find(&Value::Str(key))
        };
        match found {
            Some(i) => inner.nodes()[i].val(),
            None => Value::Nil,
        }
    }

    /// Raw set (`rawset`); assigning nil removes the key. Returns the growth of the
    /// table's heap size in bytes (nonzero only when it was resized).
    #[inline]
    pub fn set(&self, key: Value, value: Value) -> Result<isize, TableError> {
        match key {
            Value::Int(k) => Ok(self.set_int(k, value)),
            Value::Str(s) => Ok(self.set_str(s, value)),
            _ => {
                let key = normalise_key(key)?;
                if let Value::Int(k) = key {
                    return Ok(self.set_int(k, value));
                }
                self.flags.set(0);
                // SAFETY: the reference lives in this call only, which calls nothing
                // that reaches this table (single-threaded).
                let inner = unsafe { self.inner_mut() };
                Ok(set_in_hash(inner, key, value))
            }
        }
    }

    /// Stores into the node of a short-string key when that needs no
    /// metamethod: the key holds a value, or the table has no metatable.
    /// Returns false (and stores nothing) when the key has no node, is long,
    /// or may call `__newindex`. The VM's fast path for `t.name = v`.
    #[inline(always)]
    pub fn try_set_existing_str(&self, key: Gc<LuaString>, value: Value) -> bool {
        if !key.is_short() {
            return false;
        }
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner_mut() };
        match inner.find_short_str(key) {
            Some(i) if !inner.nodes()[i].val_is_nil() => {
                // A present key was not cached as an absent metamethod:
                // those bits stay valid (PUC's fast set does not clear
                // them). The key may be `__index`, though.
                let flags = self.flags.get();
                if flags & INDEX_CACHED != 0 {
                    self.flags.set(flags & !INDEX_CACHED);
                }
                inner.nodes_mut()[i].set_val(value);
                true
            }
            // A field set to nil earlier (`obj.next = nil`) keeps its node:
            // with no metatable, so no `__newindex`, it is set again here.
            Some(i) if self.metatable.get().is_none() => {
                inner.nodes_mut()[i].revive(Value::Str(key), value);
                // The key may name a metamethod, now present.
                self.flags.set(0);
                true
            }
            _ => false,
        }
    }

    /// Stores into an existing array slot when that needs no metamethod: the
    /// slot holds a value, or the table has no metatable. Returns false (and
    /// stores nothing) otherwise. The VM's fast path for `t[i] = v`.
    /// The value is copied word by word (`ValueWords`): it is often a
    /// register that the previous instruction just wrote.
    #[inline(always)]
    pub fn try_set_array(&self, key: i64, value: &Value) -> bool {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner_mut() };
        let idx = (key as u64).wrapping_sub(1);
        if let Some(slot) = inner.array_mut().get_mut(idx as usize) {
            if !slot.is_nil() || self.metatable.get().is_none() {
                // (No metamethod is named by an integer: `flags` stays.)
                ValueWords::of(value).write_to(slot);
                return true;
            }
        }
        false
    }

    /// Raw `t[dest + i] = t[first + i]` for every `i` in `0..=last - first`
    /// (the ranges may overlap, as when `table.insert` makes room) in one
    /// copy, when all those keys are in the array part; false (nothing
    /// moved) otherwise. No write barrier: the values are this table's
    /// already, and the collector has seen them through it.
    pub fn move_in_array(&self, first: i64, last: i64, dest: i64) -> bool {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner_mut() };
        let array = inner.array_mut();
        let len = array.len() as i64;
        let fits = |k: i64| 1 <= k && k <= len;
        if last < first
            || !fits(first)
            || !fits(last)
            || !fits(dest)
            || !fits(dest + (last - first))
        {
            return false;
        }
        array.copy_within((first - 1) as usize..last as usize, (dest - 1) as usize);
        true
    }

    /// Raw store into the array part, word by word like `try_set_array`;
    /// false (nothing stored) when `key` is outside it.
    #[inline(always)]
    pub fn set_in_array(&self, key: i64, value: &Value) -> bool {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner_mut() };
        let idx = (key as u64).wrapping_sub(1);
        match inner.array_mut().get_mut(idx as usize) {
            Some(slot) => {
                ValueWords::of(value).write_to(slot);
                true
            }
            None => false,
        }
    }

    #[inline]
    pub fn set_int(&self, key: i64, value: Value) -> isize {
        // `flags` caches absent metamethods, which are named by strings only:
        // an integer key leaves it alone (as PUC's `luaH_setint`).
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (single-threaded).
        let inner = unsafe { self.inner_mut() };
        let idx = (key as u64).wrapping_sub(1);
        if idx < inner.array().len() as u64 {
            inner.array_mut()[idx as usize] = value;
            return 0;
        }
        match inner.find_int(key) {
            Some(i) => {
                inner.nodes_mut()[i].set_val(value);
                0
            }
            None if value.is_nil() => 0,
            None => inner.insert_absent_sized(Value::Int(key), value),
        }
    }

    /// Raw set of a string key; returns the growth in bytes.
    #[inline]
    pub fn set_str(&self, key: Gc<LuaString>, value: Value) -> isize {
        self.flags.set(0);
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (hashing and comparing strings only reads strings).
        let inner = unsafe { self.inner_mut() };
        if key.is_short() {
            match inner.find_short_str(key) {
                Some(i) => {
                    inner.nodes_mut()[i].revive(Value::Str(key), value);
                    0
                }
                None if value.is_nil() => 0,
                None => inner.insert_absent_sized(Value::Str(key), value),
            }
        } else {
            set_in_hash(inner, Value::Str(key), value)
        }
    }

    /// The length operator without metamethods (PUC's `luaH_getn`): a border, that
    /// is some `n >= 0` with `t[n]` present (or n == 0) and `t[n+1]` absent.
    pub fn length(&self) -> i64 {
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (single-threaded).
        let inner = unsafe { self.inner() };
        let n = inner.array().len();
        if n > 0 && inner.array()[n - 1].is_nil() {
            let border = inner.array_border(self.border_hint.get() as usize);
            self.border_hint.set(border as u32);
            return border as i64;
        }
        // The array part is full (or empty).
        if inner.nodes().is_empty() {
            return n as i64;
        }
        match inner.find_int(n as i64 + 1) {
            Some(i) if !inner.nodes()[i].val_is_nil() => inner.hash_search(n as u64) as i64,
            _ => n as i64,
        }
    }

    /// Traversal (`next`): the entry after `key` (nil: the first one), skipping nil
    /// values; `Ok(None)` after the last; `Err(())` when `key` is not in the table
    /// ("invalid key to 'next'"). Keys removed during the traversal are still found.
    /// Order: the array part, then the nodes.
    #[allow(clippy::result_unit_err)]
    pub fn next(&self, key: Value) -> Result<Option<(Value, Value)>, ()> {
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (single-threaded).
        let inner = unsafe { self.inner() };
        let asize = inner.array().len();
        let mut i = match key {
            Value::Nil => 0,
            _ => {
                let key = normalise_key(key).map_err(|_| ())?;
                match key {
                    Value::Int(k) if (k as u64).wrapping_sub(1) < asize as u64 => k as usize,
                    _ => asize + inner.find(&key).ok_or(())? + 1,
                }
            }
        };
        while i < asize {
            let v = inner.array()[i];
            if !v.is_nil() {
                return Ok(Some((Value::Int(i as i64 + 1), v)));
            }
            i += 1;
        }
        for n in &inner.nodes()[i - asize..] {
            if !n.val_is_nil() {
                return Ok(Some((n.key(), n.val())));
            }
        }
        Ok(None)
    }

    /// Size of the array part: keys `1..=array_len()` live there.
    #[inline]
    pub fn array_len(&self) -> usize {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner() };
        inner.array().len()
    }

    /// Sets the array part to `array_size` and the hash part to room for at least
    /// `hash_size` keys (more if the present keys need it), like `luaH_resize`.
    /// Returns the growth in bytes.
    pub fn resize(&self, array_size: usize, hash_size: usize) -> isize {
        // SAFETY: the reference lives in this call only, which calls nothing that
        // reaches this table (single-threaded).
        let inner = unsafe { self.inner_mut() };
        let before = inner.byte_size();
        // Keys that will be in the hash part.
        let mut needed = 0;
        if array_size < inner.array().len() {
            needed += inner.array()[array_size..]
                .iter()
                .filter(|v| !v.is_nil())
                .count();
        }
        for n in inner.nodes().iter() {
            if !n.val_is_nil() {
                match n.key() {
                    Value::Int(k) if (k as u64).wrapping_sub(1) < array_size as u64 => {}
                    _ => needed += 1,
                }
            }
        }
        inner.resize_exact(array_size, hash_size.max(needed));
        inner.byte_size() as isize - before as isize
    }

    #[inline]
    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable.get()
    }

    #[inline]
    pub fn set_metatable(&self, mt: Option<Gc<Table>>) {
        self.metatable.set(mt)
    }

    /// Whether this table, as a metatable, is known to lack the metamethod of event
    /// number `bit` (below `ABSENT_TM_EVENTS`; always false for others).
    #[inline(always)]
    pub fn tm_absent(&self, bit: u8) -> bool {
        bit < ABSENT_TM_EVENTS && self.flags.get() & (1 << bit) != 0
    }

    /// Records that the metamethod of event number `bit` (below
    /// `ABSENT_TM_EVENTS`, else nothing is recorded) is absent, until the next
    /// raw set.
    #[inline(always)]
    pub fn set_tm_absent(&self, bit: u8) {
        if bit < ABSENT_TM_EVENTS {
            self.flags.set(self.flags.get() | 1 << bit)
        }
    }

    /// Whether `crate::index_cache`'s entry for this table is valid: no store
    /// of a string key happened since `set_index_cached`.
    #[inline(always)]
    pub fn index_cached(&self) -> bool {
        self.flags.get() & INDEX_CACHED != 0
    }

    /// Validates `crate::index_cache`'s entry for this table (just made).
    #[inline(always)]
    pub fn set_index_cached(&self) {
        self.flags.set(self.flags.get() | INDEX_CACHED)
    }
}

/// Sets a normalised key that is not an integer or a short string.
fn set_in_hash(inner: &mut Inner, key: Value, value: Value) -> isize {
    match inner.find(&key) {
        Some(i) => {
            inner.nodes_mut()[i].revive(key, value);
            0
        }
        None if value.is_nil() => 0,
        None => inner.insert_absent_sized(key, value),
    }
}

impl Table {
    /// Slots the collector visits when it traverses the table (its work unit).
    pub(crate) fn slot_count(&self) -> usize {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner() };
        inner.array().len() + 2 * inner.nodes().len()
    }

    /// Every live entry, for the collector's weak-table handling. Also marks
    /// removed keys dead, as `trace` does.
    pub(crate) fn live_entries(&self) -> Vec<(Value, Value)> {
        // SAFETY: called by the collector between table operations; the
        // reference does not escape this function.
        let inner = unsafe { self.inner_mut() };
        let mut out = Vec::new();
        for (i, &v) in inner.array().iter().enumerate() {
            if !v.is_nil() {
                out.push((Value::Int(i as i64 + 1), v));
            }
        }
        for n in inner.nodes_mut().iter_mut() {
            if n.val_is_nil() {
                n.dead = true;
            } else {
                out.push((n.key(), n.val()));
            }
        }
        out
    }
}

impl Collectable for Table {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::Table(gc)
    }

    fn trace(&self, marker: &mut Marker) {
        if let Some(mt) = self.metatable.get() {
            marker.mark_table(mt);
        }
        // SAFETY: the collector runs between table operations, so no other
        // reference to the contents exists; marking only sets mark bits and pushes
        // to the gray list, it does not reach into this table.
        let inner = unsafe { self.inner_mut() };
        for &v in inner.array().iter() {
            marker.mark_value(v);
        }
        for n in inner.nodes_mut().iter_mut() {
            if n.val_is_nil() {
                // A removed key is not kept alive; from now on it is compared by
                // address only.
                n.dead = true;
            } else {
                marker.mark_value(n.key());
                marker.mark_value(n.val());
            }
        }
    }

    fn heap_size(&self) -> usize {
        // SAFETY: the reference lives in this call only.
        let inner = unsafe { self.inner() };
        size_of::<GcBox<Table>>() + inner.byte_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gc::Heap;
    use crate::string::make_string;
    use std::collections::HashMap;

    fn s(heap: &mut Heap, text: &str) -> Gc<LuaString> {
        heap.alloc(make_string(text.as_bytes(), 0))
    }

    /// A tiny deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn is_border(t: &Table, n: i64) -> bool {
        n >= 0 && (n == 0 || !t.get_int(n).is_nil()) && t.get_int(n + 1).is_nil()
    }

    /// Chains are disjoint paths, every live key is found from its main position,
    /// and everything at or above `last_free` is in use.
    fn check_invariants(t: &Table) {
        // SAFETY: test only; no other reference is live.
        let inner = unsafe { t.inner() };
        let n = inner.nodes().len();
        assert!(n == 0 || n.is_power_of_two());
        assert_eq!(n, if n == 0 { 0 } else { 1 << inner.log2 });
        let mut indegree = vec![0u32; n];
        for (i, node) in inner.nodes().iter().enumerate() {
            if node.next != 0 {
                let j = step(i, node.next);
                assert!(j < n);
                indegree[j] += 1;
            }
            if i >= inner.last_free as usize {
                assert!(!node.key_is_nil());
            }
            if node.key_is_nil() {
                assert!(node.val_is_nil());
            }
        }
        assert!(indegree.iter().all(|&d| d <= 1));
        for (i, node) in inner.nodes().iter().enumerate() {
            if !node.val_is_nil() {
                assert_eq!(inner.find(&node.key()), Some(i));
                if let Value::Int(k) = node.key() {
                    assert!((k as u64).wrapping_sub(1) >= inner.array().len() as u64);
                }
            }
        }
    }

    fn int_of(v: Value) -> i64 {
        match v {
            Value::Int(i) => i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    fn total_growth_consistent(t: &Table, base: usize, grown: isize) {
        assert_eq!(t.heap_size() as isize, base as isize + grown);
    }

    #[test]
    fn node_is_twenty_four_bytes() {
        assert_eq!(size_of::<Node>(), 24);
    }

    #[test]
    fn table_object_is_fifty_six_bytes() {
        assert_eq!(size_of::<GcBox<Table>>(), 56);
    }

    #[test]
    fn empty_table() {
        let t = Table::new(0, 0);
        assert!(t.get_int(1).is_nil());
        assert!(t.get(Value::Bool(true)).is_nil());
        assert!(t.get(Value::Nil).is_nil());
        assert_eq!(t.length(), 0);
        assert!(t.next(Value::Nil).unwrap().is_none());
        assert!(t.next(Value::Int(1)).is_err());
        assert_eq!(t.array_len(), 0);
    }

    #[test]
    fn sequential_inserts_go_to_array() {
        let t = Table::new(0, 0);
        let base = t.heap_size();
        let mut grown = 0;
        for i in 1..=1000 {
            grown += t.set_int(i, Value::Int(i * 10));
            assert_eq!(t.length(), i);
        }
        total_growth_consistent(&t, base, grown);
        assert!(t.array_len() >= 1000 && t.array_len() <= 1024);
        for i in 1..=1000 {
            assert_eq!(int_of(t.get_int(i)), i * 10);
            assert_eq!(int_of(t.get(Value::Float(i as f64))), i * 10);
        }
        assert!(t.get_int(0).is_nil());
        assert!(t.get_int(1001).is_nil());
        assert!(t.get_int(-1).is_nil());
        assert!(t.get_int(i64::MIN).is_nil());
    }

    #[test]
    fn reverse_inserts_migrate_to_array() {
        let t = Table::new(0, 0);
        for i in (1..=100).rev() {
            t.set_int(i, Value::Int(i));
        }
        // After the last rehash the dense keys are in the array part.
        for i in 1..=100 {
            assert_eq!(int_of(t.get_int(i)), i);
        }
        assert_eq!(t.length(), 100);
        // Adding one more key forces growth: all keys move to the array part.
        t.set_int(101, Value::Int(101));
        let mut grown = 0;
        for i in 102..=300 {
            grown += t.set_int(i, Value::Int(i));
        }
        let _ = grown;
        assert!(t.array_len() >= 256);
        assert_eq!(t.length(), 300);
    }

    #[test]
    fn array_shrinks_to_hash_on_sparse_rehash() {
        let t = Table::new(64, 0);
        for i in 1..=64 {
            t.set_int(i, Value::Int(i));
        }
        for i in 3..=64 {
            t.set_int(i, Value::Nil);
        }
        assert_eq!(t.length(), 2);
        // Many non-integer keys: rehashes shrink the array part to what is used.
        let mut heap = Heap::new();
        let keys: Vec<_> = (0..100).map(|i| s(&mut heap, &format!("k{i}"))).collect();
        for (i, k) in keys.iter().enumerate() {
            t.set_str(*k, Value::Int(i as i64));
        }
        assert!(t.array_len() <= 2);
        assert_eq!(int_of(t.get_int(1)), 1);
        assert_eq!(int_of(t.get_int(2)), 2);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(int_of(t.get_str(*k)), i as i64);
            assert_eq!(int_of(t.get(Value::Str(*k))), i as i64);
        }
        assert_eq!(t.length(), 2);
    }

    #[test]
    fn inline_parts_grow_out_and_keep_their_entries() {
        let mut heap = Heap::new();
        let keys: Vec<_> = (0..40).map(|i| s(&mut heap, &format!("f{i}"))).collect();
        for (narray, nhash) in [(2, 0), (0, 2), (3, 3), (12, 0), (0, 8), (4, 4)] {
            let bytes = Table::inline_bytes(narray, nhash).expect("fits in a block");
            // SAFETY: the space is `bytes` long, in the table's own block.
            let t = heap.alloc_with_space(bytes, |space| unsafe {
                Table::new_in_block(narray, nhash, space)
            });
            assert_eq!(t.array_len(), narray);
            for i in 1..=narray as i64 {
                t.set_int(i, Value::Int(i));
            }
            for (i, k) in keys.iter().take(nhash).enumerate() {
                t.set_str(*k, Value::Int(i as i64));
            }
            // Growing both parts moves them out of the block.
            for i in narray as i64 + 1..=100 {
                t.set_int(i, Value::Int(i));
            }
            for (i, k) in keys.iter().enumerate() {
                t.set_str(*k, Value::Int(i as i64));
            }
            for i in 1..=100 {
                assert_eq!(int_of(t.get_int(i)), i);
            }
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(int_of(t.get_str(*k)), i as i64);
            }
        }
        // Too big for a block, or nothing to put there.
        assert_eq!(Table::inline_bytes(13, 0), None);
        assert_eq!(Table::inline_bytes(0, 9), None);
        assert_eq!(Table::inline_bytes(0, 0), None);
        heap.free_all();
    }

    #[test]
    fn float_keys() {
        let t = Table::new(0, 0);
        t.set(Value::Float(2.0), Value::Int(20)).unwrap();
        assert_eq!(int_of(t.get_int(2)), 20);
        assert_eq!(int_of(t.get(Value::Int(2))), 20);
        t.set(Value::Float(-0.0), Value::Int(1)).unwrap();
        assert_eq!(int_of(t.get_int(0)), 1);
        t.set(Value::Float(2.5), Value::Int(25)).unwrap();
        assert_eq!(int_of(t.get(Value::Float(2.5))), 25);
        assert!(t.get(Value::Float(3.5)).is_nil());
        t.set(Value::Float(1e300), Value::Int(7)).unwrap();
        assert_eq!(int_of(t.get(Value::Float(1e300))), 7);
        t.set(Value::Float(f64::INFINITY), Value::Int(8)).unwrap();
        assert_eq!(int_of(t.get(Value::Float(f64::INFINITY))), 8);
        // 2^63 is not an integer key.
        t.set(Value::Float(9223372036854775808.0), Value::Int(9))
            .unwrap();
        assert!(t.get_int(i64::MAX).is_nil());
        assert_eq!(int_of(t.get(Value::Float(9223372036854775808.0))), 9);
        t.set(Value::Float(-9223372036854775808.0), Value::Int(10))
            .unwrap();
        assert_eq!(int_of(t.get_int(i64::MIN)), 10);
        // Traversal gives the normalised key.
        let mut k = Value::Nil;
        let mut saw_two = false;
        while let Some((nk, _)) = t.next(k).unwrap() {
            if let Value::Int(2) = nk {
                saw_two = true;
            }
            assert!(!matches!(nk, Value::Float(f) if f == 2.0));
            k = nk;
        }
        assert!(saw_two);
        assert!(t.next(Value::Float(2.0)).is_ok());
    }

    #[test]
    fn nil_and_nan_keys() {
        let t = Table::new(0, 0);
        assert_eq!(t.set(Value::Nil, Value::Int(1)), Err(TableError::NilKey));
        assert_eq!(t.set(Value::Nil, Value::Nil), Err(TableError::NilKey));
        assert_eq!(
            t.set(Value::Float(f64::NAN), Value::Int(1)),
            Err(TableError::NanKey)
        );
        assert_eq!(
            t.set(Value::Float(f64::NAN), Value::Nil),
            Err(TableError::NanKey)
        );
        assert!(t.get(Value::Float(f64::NAN)).is_nil());
        assert!(t.get(Value::Nil).is_nil());
        assert!(t.next(Value::Float(f64::NAN)).is_err());
        assert_eq!(t.next(Value::Nil).unwrap().map(|_| ()), None);
    }

    #[test]
    fn other_key_types() {
        let mut heap = Heap::new();
        let t = Table::new(0, 0);
        let inner_t = heap.alloc(Table::new(0, 0));
        fn f(_: &mut crate::state::State) -> crate::error::LuaResult<usize> {
            Ok(0)
        }
        let keys = [
            Value::Bool(true),
            Value::Bool(false),
            Value::Table(inner_t),
            Value::LightUserData(0x1234),
            Value::LightNative(f),
        ];
        for (i, k) in keys.iter().enumerate() {
            t.set(*k, Value::Int(i as i64)).unwrap();
            assert_eq!(t.set(*k, Value::Int(i as i64)), Ok(0));
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(int_of(t.get(*k)), i as i64);
        }
        assert!(t.get(Value::LightUserData(0x1235)).is_nil());
        // A table as a key of itself.
        let tt = heap.alloc(Table::new(0, 0));
        tt.set(Value::Table(tt), Value::Bool(true)).unwrap();
        assert!(matches!(tt.get(Value::Table(tt)), Value::Bool(true)));
    }

    #[test]
    fn borders() {
        let t = Table::new(0, 0);
        // {1, 2, nil, 4}
        t.resize(4, 0);
        t.set_int(1, Value::Int(1));
        t.set_int(2, Value::Int(2));
        t.set_int(4, Value::Int(4));
        let n = t.length();
        assert!(n == 4 || n == 2, "{n}");
        assert!(is_border(&t, n));
        // Holes everywhere: always a border.
        let mut rng = Rng(0x1234_5678);
        for round in 0..200 {
            let t = Table::new(rng.below(20) as usize, rng.below(4) as usize);
            for _ in 0..rng.below(60) {
                let k = rng.below(40) as i64;
                let v = if rng.below(3) == 0 {
                    Value::Nil
                } else {
                    Value::Int(k)
                };
                t.set_int(k, v);
                let n = t.length();
                assert!(is_border(&t, n), "round {round}: {n}");
            }
        }
        // Border in the hash part (array part full).
        let t = Table::new(2, 0);
        for i in 1..=2 {
            t.set_int(i, Value::Int(i));
        }
        t.set_int(3, Value::Int(3));
        assert!(is_border(&t, t.length()));
        // Unbound search with huge keys.
        let t = Table::new(0, 0);
        t.set_int(1, Value::Int(1));
        t.set_int(i64::MAX, Value::Int(1));
        assert_eq!(t.length(), 1);
        let t = Table::new(0, 4);
        for k in [1, 2, 3, 4] {
            t.set_int(k, Value::Bool(true));
        }
        assert_eq!(t.length(), 4);
        // Pop and push patterns use the hint.
        let t = Table::new(0, 0);
        for i in 1..=100 {
            t.set_int(t.length() + 1, Value::Int(i));
        }
        assert_eq!(t.length(), 100);
        for i in (0..100).rev() {
            t.set_int(t.length(), Value::Nil);
            assert_eq!(t.length(), i);
        }
    }

    #[test]
    fn hash_search_overflow_guard() {
        // Every power of two up to 2^62 present, and maxinteger present.
        let t = Table::new(0, 0);
        t.set_int(1, Value::Bool(true));
        let mut k: i64 = 1;
        while k <= i64::MAX / 2 {
            k *= 2;
            t.set_int(k, Value::Bool(true));
        }
        t.set_int(i64::MAX, Value::Bool(true));
        let n = t.length();
        assert!(is_border(&t, n) || n == i64::MAX, "{n}");
    }

    #[test]
    fn next_with_deletions() {
        let mut heap = Heap::new();
        let t = Table::new(0, 0);
        for i in 1..=10 {
            t.set_int(i, Value::Int(i));
        }
        let names: Vec<_> = (0..50).map(|i| s(&mut heap, &format!("name{i}"))).collect();
        for (i, k) in names.iter().enumerate() {
            t.set_str(*k, Value::Int(i as i64));
        }
        t.set(Value::Float(0.5), Value::Int(-1)).unwrap();
        t.set_int(1000, Value::Int(1000));
        let total = 10 + 50 + 2;
        // Delete every visited key during the traversal.
        let mut seen = 0;
        let mut k = Value::Nil;
        while let Some((nk, v)) = t.next(k).unwrap() {
            assert!(!v.is_nil());
            assert!(t.get(nk).raw_equals(&v));
            t.set(nk, Value::Nil).unwrap();
            seen += 1;
            k = nk;
        }
        assert_eq!(seen, total);
        assert!(t.next(Value::Nil).unwrap().is_none());
        // Deleting keys ahead of the traversal skips them.
        let t = Table::new(0, 0);
        for (i, k) in names.iter().enumerate() {
            t.set_str(*k, Value::Int(i as i64));
        }
        let mut seen = 0;
        let mut k = Value::Nil;
        while let Some((nk, _)) = t.next(k).unwrap() {
            seen += 1;
            // Clear everything else too.
            for n in &names {
                if !Value::Str(*n).raw_equals(&nk) {
                    t.set_str(*n, Value::Nil);
                }
            }
            k = nk;
        }
        assert_eq!(seen, 1);
        // An unknown key is an error.
        let other = s(&mut heap, "other");
        assert!(t.next(Value::Str(other)).is_err());
        // A removed key still works.
        assert!(t.next(Value::Str(names[3])).is_ok());
    }

    #[test]
    fn long_string_keys_by_content() {
        let mut heap = Heap::new();
        let text = "a long string key that is well over forty bytes long";
        let a = s(&mut heap, text);
        let b = s(&mut heap, text);
        assert!(!a.is_short() && !Gc::ptr_eq(a, b));
        let t = Table::new(0, 0);
        t.set_str(a, Value::Int(1));
        assert_eq!(int_of(t.get_str(b)), 1);
        assert_eq!(int_of(t.get(Value::Str(b))), 1);
        t.set_str(b, Value::Int(2));
        assert_eq!(int_of(t.get_str(a)), 2);
        // One entry only.
        let (k, _) = t.next(Value::Nil).unwrap().unwrap();
        assert!(t.next(k).unwrap().is_none());
        assert!(t.next(Value::Str(b)).unwrap().is_none());
        // A short string with the same hash is a different key.
        let c = s(&mut heap, "short");
        assert!(t.get_str(c).is_nil());
        t.set(Value::Str(b), Value::Nil).unwrap();
        assert!(t.get_str(a).is_nil());
    }

    #[test]
    fn dead_keys_after_trace() {
        let mut heap = Heap::new();
        let text = "another long string key, also over forty bytes";
        let a = s(&mut heap, text);
        let b = s(&mut heap, text);
        let t = Table::new(0, 0);
        t.set_str(a, Value::Int(1));
        t.set_str(a, Value::Nil);
        let mut m = crate::gc::Marker::default();
        t.trace(&mut m);
        // The removed key is compared by address only now.
        assert!(t.get_str(b).is_nil());
        assert!(t.next(Value::Str(a)).unwrap().is_none());
        // Revived by address.
        t.set_str(a, Value::Int(3));
        assert_eq!(int_of(t.get_str(b)), 3);
        let _ = m;
    }

    #[test]
    fn random_against_model() {
        let mut heap = Heap::new();
        let strs: Vec<_> = (0..300).map(|i| s(&mut heap, &format!("s{i}"))).collect();
        let longs: Vec<_> = (0..20).map(|i| s(&mut heap, &format!("{i:060}"))).collect();
        #[derive(PartialEq, Eq, Hash, Clone, Copy, Debug)]
        enum K {
            I(i64),
            F(u64),
            S(usize),
            L(usize),
            B(bool),
        }
        let to_value = |k: K| match k {
            K::I(i) => Value::Int(i),
            K::F(b) => Value::Float(f64::from_bits(b)),
            K::S(i) => Value::Str(strs[i]),
            K::L(i) => Value::Str(longs[i]),
            K::B(b) => Value::Bool(b),
        };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..30 {
            let t = Table::new(rng.below(8) as usize, rng.below(8) as usize);
            let base = t.heap_size();
            let mut grown: isize = 0;
            let mut model: HashMap<K, i64> = HashMap::new();
            let ops = 200 + rng.below(3000);
            let int_range = [10, 100, 1000, 100000][round % 4];
            for op in 0..ops {
                let k = match rng.below(10) {
                    0..=3 => K::I(rng.below(int_range) as i64 - 5),
                    4 => K::I(rng.next() as i64),
                    5 => K::F((rng.below(1000) as f64 + 0.5).to_bits()),
                    6..=7 => K::S(rng.below(strs.len() as u64) as usize),
                    8 => K::L(rng.below(longs.len() as u64) as usize),
                    _ => K::B(rng.below(2) == 0),
                };
                let kv = to_value(k);
                if rng.below(3) == 0 {
                    model.remove(&k);
                    grown += t.set(kv, Value::Nil).unwrap();
                } else {
                    let v = op as i64;
                    model.insert(k, v);
                    grown += match kv {
                        Value::Int(i) if rng.below(2) == 0 => t.set_int(i, Value::Int(v)),
                        Value::Str(s) if rng.below(2) == 0 => t.set_str(s, Value::Int(v)),
                        _ => t.set(kv, Value::Int(v)).unwrap(),
                    };
                }
                if op % 97 == 0 {
                    assert!(is_border(&t, t.length()));
                    check_invariants(&t);
                }
            }
            total_growth_consistent(&t, base, grown);
            check_invariants(&t);
            // Every model key is present.
            for (k, v) in &model {
                assert_eq!(int_of(t.get(to_value(*k))), *v, "{k:?}");
                if let K::I(i) = k {
                    assert_eq!(int_of(t.get_int(*i)), *v);
                }
            }
            // Traversal yields exactly the model, once each.
            let mut count = 0;
            let mut key = Value::Nil;
            while let Some((nk, v)) = t.next(key).unwrap() {
                count += 1;
                let found = model
                    .iter()
                    .find(|(k, _)| to_value(**k).raw_equals(&nk))
                    .map(|(_, v)| *v);
                assert_eq!(found, Some(int_of(v)));
                key = nk;
            }
            assert_eq!(count, model.len());
            // Explicit resize keeps everything.
            let g = t.resize(rng.below(64) as usize, 0);
            total_growth_consistent(&t, base, grown + g);
            for (k, v) in &model {
                assert_eq!(int_of(t.get(to_value(*k))), *v, "{k:?}");
            }
        }
    }

    #[test]
    fn metatable_and_flags() {
        let mut heap = Heap::new();
        let mt = heap.alloc(Table::new(0, 0));
        let t = Table::new(0, 0);
        assert!(t.metatable().is_none());
        t.set_metatable(Some(mt));
        assert!(t.metatable() == Some(mt));
        assert!(!mt.tm_absent(0));
        mt.set_tm_absent(0);
        mt.set_tm_absent(3);
        assert!(mt.tm_absent(0) && mt.tm_absent(3) && !mt.tm_absent(1));
        assert!(!mt.tm_absent(9));
        mt.set_tm_absent(9);
        let k = s(&mut heap, "__index");
        mt.set_str(k, Value::Bool(true));
        assert!(!mt.tm_absent(0) && !mt.tm_absent(3));
        mt.set_tm_absent(2);
        // Integer keys name no metamethod: the cache stays.
        mt.set_int(5, Value::Int(1));
        assert!(mt.tm_absent(2));
        // A string key set from absent clears it.
        let k = s(&mut heap, "__newindex");
        mt.set_str(k, Value::Bool(true));
        assert!(!mt.tm_absent(2));
        t.set_metatable(None);
        assert!(t.metatable().is_none());
    }

    #[test]
    fn resize_preserves_and_sizes() {
        let t = Table::new(0, 0);
        let base = t.heap_size();
        let g = t.resize(100, 0);
        assert_eq!(g, 100 * size_of::<Value>() as isize);
        assert_eq!(t.array_len(), 100);
        for i in 1..=100 {
            assert_eq!(t.set_int(i, Value::Int(i)), 0);
        }
        let g2 = t.resize(10, 0);
        assert!(t.array_len() == 10);
        total_growth_consistent(&t, base, g + g2);
        for i in 1..=100 {
            assert_eq!(int_of(t.get_int(i)), i);
        }
        assert_eq!(t.length(), 100);
    }

    #[test]
    fn existing_keys_never_resize() {
        let mut heap = Heap::new();
        let t = Table::new(0, 0);
        let keys: Vec<_> = (0..64).map(|i| s(&mut heap, &format!("f{i}"))).collect();
        for k in &keys {
            t.set_str(*k, Value::Bool(true));
        }
        for i in 1..=64 {
            t.set_int(i * 1000, Value::Bool(true));
        }
        for round in 0..10 {
            for k in &keys {
                assert_eq!(t.set_str(*k, Value::Int(round)), 0);
                assert_eq!(t.set_str(*k, Value::Nil), 0);
                assert_eq!(t.set_str(*k, Value::Int(round)), 0);
            }
            for i in 1..=64 {
                assert_eq!(t.set_int(i * 1000, Value::Nil), 0);
                assert_eq!(t.set_int(i * 1000, Value::Int(round)), 0);
            }
        }
    }
}
