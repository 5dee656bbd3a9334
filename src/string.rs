//! Lua strings (PUC's `lstring.c`): immutable byte strings, short ones interned.
//!
//! Strings up to `MAX_SHORT_LEN` bytes are interned in the global string table, so
//! two short strings are equal exactly when they are the same object and their hash
//! is computed once, at creation. Long strings are created without interning and
//! hash lazily, the first time they are used as a table key.

use std::cell::Cell;
use std::ptr::NonNull;

use crate::gc::{Collectable, Gc, GcBox, GcRef, Marker, TaggedStr};

/// Longest string that is interned (PUC's `LUAI_MAXSHORTLEN`).
pub const MAX_SHORT_LEN: usize = 40;

/// Longest contents kept inside the string object itself.
const INLINE_LEN: usize = 22;

/// A string's contents: inside the object when short enough (one allocation
/// per string, like PUC's), else after it in its pool block (`in_block`),
/// else in a box of their own.
enum Bytes {
    Inline {
        len: u8,
        data: [u8; INLINE_LEN],
    },
    /// A boxed slice taken apart (`boxed`), or bytes in the string's block.
    Outside {
        ptr: NonNull<u8>,
        len: usize,
        boxed: bool,
    },
}

impl Bytes {
    #[inline]
    fn new(bytes: &[u8]) -> Bytes {
        if bytes.len() <= INLINE_LEN {
            let mut data = [0; INLINE_LEN];
            data[..bytes.len()].copy_from_slice(bytes);
            Bytes::Inline {
                len: bytes.len() as u8,
                data,
            }
        } else {
            Bytes::from_box(bytes.into())
        }
    }

    fn from_box(bytes: Box<[u8]>) -> Bytes {
        let len = bytes.len();
        // SAFETY: `Box::into_raw` never returns null.
        let ptr = unsafe { NonNull::new_unchecked(Box::into_raw(bytes).cast::<u8>()) };
        Bytes::Outside {
            ptr,
            len,
            boxed: true,
        }
    }

    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => &data[..(*len as usize).min(INLINE_LEN)],
            // SAFETY: `len` bytes at `ptr`, owned by this string: a box taken
            // apart by `from_box`, or the space `make_string_in_block` filled.
            Bytes::Outside { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts(ptr.as_ptr(), *len)
            },
        }
    }

    /// Bytes allocated outside the object.
    fn outside_len(&self) -> usize {
        match self {
            Bytes::Inline { .. } => 0,
            Bytes::Outside { len, .. } => *len,
        }
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        if let Bytes::Outside {
            ptr,
            len,
            boxed: true,
        } = *self
        {
            let slice = std::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), len);
            // SAFETY: made by `Box::into_raw` in `from_box`, freed once.
            drop(unsafe { Box::from_raw(slice) });
        }
    }
}

/// A Lua string.
pub struct LuaString {
    hash: Cell<u32>,
    /// Short strings always have a hash; long ones get one on first use.
    has_hash: Cell<bool>,
    short: bool,
    bytes: Bytes,
}

impl LuaString {
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.short
    }

    /// The string's hash (computed now for a long string seen the first time).
    #[inline]
    pub fn hash(&self) -> u32 {
        if !self.has_hash.get() {
            self.hash.set(hash_bytes(self.as_bytes(), LONG_STRING_SEED));
            self.has_hash.set(true);
        }
        self.hash.get()
    }

    /// The hash of a short string (always computed at creation).
    #[inline(always)]
    pub fn short_hash(&self) -> u32 {
        self.hash.get()
    }

    /// String equality: identity for short strings, contents for long ones.
    #[inline(always)]
    pub fn equals(a: Gc<LuaString>, b: Gc<LuaString>) -> bool {
        Gc::ptr_eq(a, b) || (!a.short && !b.short && a.as_bytes() == b.as_bytes())
    }

    /// The contents as UTF-8 text, lossily (for messages only).
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
}

impl Collectable for LuaString {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::String(gc)
    }
    fn trace(&self, _marker: &mut Marker) {}
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<LuaString>>() + self.bytes.outside_len()
    }
}

const LONG_STRING_SEED: u32 = 0x2545_F491;

/// PUC's `luaS_hash`: cheap, and good enough for identifiers and text.
#[inline]
pub fn hash_bytes(bytes: &[u8], seed: u32) -> u32 {
    let mut h = seed ^ (bytes.len() as u32);
    for &b in bytes.iter().rev() {
        h ^= (h << 5).wrapping_add(h >> 2).wrapping_add(b as u32);
    }
    h
}

/// The set of interned short strings (PUC's `stringtable`): an open-addressing
/// hash set with linear probing, at most three quarters full.
///
/// Memory matters here (one slot per live short string, and every string
/// created since the last collection): a slot is one word, the string's
/// pointer with a three-bit *tag* (bits of the hash) in its low bits, so a
/// probe looks into a string only when its tag matches, and a lookup touches
/// the slot array and the string, as PUC's chained table does. Dead strings
/// are deleted in place (backward-shift deletion), so a collection allocates
/// nothing here unless the table shrinks.
pub struct StringTable {
    slots: Vec<Option<TaggedStr>>,
    /// 32 - log2 of the number of slots: a string's first slot is the
    /// scrambled hash shifted right by this.
    shift: u32,
    count: usize,
    seed: u32,
}

/// Slots of a new (or fully shrunk) table.
const MIN_SLOTS: usize = 256;

/// The hash scrambled (Fibonacci hashing): strings differing in their last
/// byte have neighbouring hashes, which would make long runs of occupied
/// slots under linear probing; the high bits of the product depend on all
/// bits of the hash.
#[inline(always)]
fn scramble(hash: u32) -> u32 {
    hash.wrapping_mul(0x9E37_79B1)
}

/// The tag of a hash: low bits of the scrambled hash (the slot comes from
/// its high bits).
#[inline(always)]
fn tag_of(hash: u32) -> usize {
    scramble(hash) as usize & TaggedStr::TAG_MASK
}

impl StringTable {
    pub fn new(seed: u32) -> StringTable {
        StringTable {
            slots: vec![None; MIN_SLOTS],
            shift: 32 - MIN_SLOTS.trailing_zeros(),
            count: 0,
            seed,
        }
    }

    pub fn seed(&self) -> u32 {
        self.seed
    }

    /// Bytes of the slot array (the heap accounts for them).
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.slots.as_slice())
    }

    /// Finds an interned string with these contents.
    #[inline]
    pub fn find(&self, bytes: &[u8], hash: u32) -> Option<Gc<LuaString>> {
        let mask = self.slots.len() - 1;
        let tag = tag_of(hash);
        let mut i = self.home(hash);
        loop {
            let entry = self.slots[i]?;
            if entry.tag() == tag {
                let s = entry.string();
                if s.hash.get() == hash && s.as_bytes() == bytes {
                    return Some(s);
                }
            }
            i = (i + 1) & mask;
        }
    }

    pub fn insert(&mut self, s: Gc<LuaString>) {
        if (self.count + 1) * 4 > self.slots.len() * 3 {
            self.rebuild(self.slots.len() * 2);
        }
        self.place(s);
        self.count += 1;
    }

    fn place(&mut self, s: Gc<LuaString>) {
        let hash = s.hash.get();
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some(TaggedStr::new(s, tag_of(hash)));
    }

    /// The first slot probed for a hash.
    #[inline(always)]
    fn home(&self, hash: u32) -> usize {
        // A u64 shift: `shift` is 32 when there is one slot.
        (scramble(hash) as u64 >> self.shift) as usize
    }

    /// Moves every string into a table of `size` slots (a power of two).
    fn rebuild(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        self.shift = 32 - size.trailing_zeros();
        for entry in old.into_iter().flatten() {
            self.place(entry.string());
        }
    }

    /// Empties slot `hole` and shifts back the entries after it that probing
    /// would no longer reach (backward-shift deletion).
    fn delete_at(&mut self, mut hole: usize) {
        let mask = self.slots.len() - 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(entry) = self.slots[j] else { break };
            let home = self.home(entry.string().hash.get());
            // The entry at `j` may move to `hole` unless its home lies
            // cyclically in (hole, j]: then probing from home reaches j first.
            let home_in_between = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !home_in_between {
                self.slots[hole] = self.slots[j];
                hole = j;
            }
        }
        self.slots[hole] = None;
    }

    /// Every interned string (for heap verification).
    pub fn strings(&self) -> impl Iterator<Item = Gc<LuaString>> + '_ {
        self.slots.iter().flatten().map(|entry| entry.string())
    }

    /// Drops `s` from the table, if it is there (a young collection removes
    /// the young strings that died one by one: visiting the whole table,
    /// mostly old strings, would cost every young collection O(strings)).
    pub fn remove(&mut self, s: Gc<LuaString>) {
        let mask = self.slots.len() - 1;
        let hash = s.hash.get();
        let wanted = TaggedStr::new(s, tag_of(hash));
        let mut i = self.home(hash);
        while let Some(entry) = self.slots[i] {
            if entry == wanted {
                self.delete_at(i);
                self.count -= 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Drops strings the collector found dead (before they are freed), and
    /// shrinks the table when it is mostly empty.
    pub fn remove_dead(&mut self) {
        self.retain(|s| !crate::gc::is_dead_string(s));
    }

    /// Keeps only the strings `keep` accepts; shrinks the table when it is
    /// mostly empty.
    fn retain(&mut self, keep: impl Fn(Gc<LuaString>) -> bool) {
        let len = self.slots.len();
        // Start at an empty slot, so that no run of entries wraps around the
        // starting point: a deletion only shifts entries not yet visited.
        let Some(start) = self.slots.iter().position(|e| e.is_none()) else {
            return; // never full: at most three quarters
        };
        let mask = len - 1;
        let mut visited = 0;
        let mut i = (start + 1) & mask;
        while visited < len - 1 {
            match self.slots[i] {
                Some(entry) if !keep(entry.string()) => {
                    self.delete_at(i);
                    self.count -= 1;
                    // Slot `i` may hold a shifted entry now: look again.
                }
                _ => {
                    i = (i + 1) & mask;
                    visited += 1;
                }
            }
        }
        let mut size = len;
        while size > MIN_SLOTS && self.count * 8 < size {
            size /= 2;
        }
        if size < len {
            self.rebuild(size);
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Builds a string object (not yet in the heap).
pub fn make_string(bytes: &[u8], seed: u32) -> LuaString {
    if bytes.len() <= MAX_SHORT_LEN {
        make_short_string(bytes, hash_bytes(bytes, seed))
    } else {
        LuaString {
            hash: Cell::new(0),
            has_hash: Cell::new(false),
            short: false,
            bytes: Bytes::new(bytes),
        }
    }
}

/// A short string whose hash (`hash_bytes` with the table's seed) is known.
pub fn make_short_string(bytes: &[u8], hash: u32) -> LuaString {
    debug_assert!(bytes.len() <= MAX_SHORT_LEN);
    LuaString {
        hash: Cell::new(hash),
        has_hash: Cell::new(true),
        short: true,
        bytes: Bytes::new(bytes),
    }
}

/// Builds a long string from an owned buffer, without copying.
pub fn make_long_string(bytes: Vec<u8>) -> LuaString {
    LuaString {
        hash: Cell::new(0),
        has_hash: Cell::new(false),
        short: false,
        bytes: Bytes::from_box(bytes.into_boxed_slice()),
    }
}

/// Whether a string of `len` bytes keeps them in its own pool block
/// (`make_string_in_block`): too long for the object, short enough for a
/// block.
#[inline]
pub(crate) fn fits_in_block(len: usize) -> bool {
    len > INLINE_LEN && std::mem::size_of::<GcBox<LuaString>>() + len <= crate::pool::MAX_BLOCK
}

/// `make_string` (or `make_short_string` with `hash`), with the bytes copied
/// to `space`.
///
/// # Safety
/// `space` is `bytes.len()` bytes that nothing else uses for as long as the
/// string lives (the rest of the string's own block).
#[inline]
pub(crate) unsafe fn make_string_in_block(
    bytes: &[u8],
    hash: Option<u32>,
    space: NonNull<u8>,
) -> LuaString {
    debug_assert!(bytes.len() > INLINE_LEN);
    // SAFETY: the caller gives `bytes.len()` bytes at `space`, apart from
    // `bytes` (a fresh block).
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), space.as_ptr(), bytes.len()) };
    LuaString {
        hash: Cell::new(hash.unwrap_or(0)),
        has_hash: Cell::new(hash.is_some()),
        short: hash.is_some(),
        bytes: Bytes::Outside {
            ptr: space,
            len: bytes.len(),
            boxed: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_contents() {
        for n in [
            0,
            1,
            INLINE_LEN - 1,
            INLINE_LEN,
            INLINE_LEN + 1,
            MAX_SHORT_LEN,
            100,
        ] {
            let text: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            let s = make_string(&text, 7);
            assert_eq!(s.as_bytes(), &text[..]);
            assert_eq!(s.len(), n);
            assert_eq!(s.bytes.outside_len(), if n <= INLINE_LEN { 0 } else { n });
        }
        let long = make_long_string(vec![b'x'; 50]);
        assert_eq!(long.as_bytes(), &[b'x'; 50][..]);
    }

    #[test]
    fn string_object_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<GcBox<LuaString>>(), 40);
    }

    #[test]
    fn contents_in_the_block() {
        let mut heap = crate::gc::Heap::new();
        assert!(!fits_in_block(INLINE_LEN));
        assert!(fits_in_block(INLINE_LEN + 1));
        let most = crate::pool::MAX_BLOCK - std::mem::size_of::<GcBox<LuaString>>();
        assert!(fits_in_block(most) && !fits_in_block(most + 1));
        for (n, hash) in [
            (INLINE_LEN + 1, Some(5)),
            (MAX_SHORT_LEN, Some(9)),
            (most, None),
        ] {
            let text: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            // SAFETY: the space is `n` bytes, in the string's own block.
            let s = heap.alloc_with_space(n, |space| unsafe {
                make_string_in_block(&text, hash, space)
            });
            assert_eq!(s.as_bytes(), &text[..]);
            assert_eq!(s.is_short(), hash.is_some());
            assert_eq!(s.heap_size(), std::mem::size_of::<GcBox<LuaString>>() + n);
        }
        heap.free_all();
    }

    /// Every string is found from its hash, and tags match their strings.
    fn check_table(t: &StringTable) {
        let mut n = 0;
        for entry in t.slots.iter().flatten() {
            n += 1;
            let s = entry.string();
            assert_eq!(entry.tag(), tag_of(s.hash.get()));
            let found = t.find(s.as_bytes(), s.hash.get()).unwrap();
            assert!(Gc::ptr_eq(found, s));
        }
        assert_eq!(n, t.len());
    }

    #[test]
    fn string_table_insert_retain_shrink() {
        let mut heap = crate::gc::Heap::new();
        // A seed of 0 and few slots: many collisions and wrapped runs.
        let mut t = StringTable::new(0);
        let mut all = Vec::new();
        for i in 0..5000 {
            let text = format!("s{}", i * 7919 % 10007);
            let s = heap.alloc(make_string(text.as_bytes(), 0));
            assert!(t.find(text.as_bytes(), s.hash.get()).is_none());
            t.insert(s);
            all.push(s);
        }
        check_table(&t);
        for round in 0..4u8 {
            t.retain(|s| s.as_bytes().last().copied().unwrap_or(0) % 4 != round);
            check_table(&t);
            for s in &all {
                let digit = s.as_bytes().last().copied().unwrap_or(0) % 4;
                let kept = digit > round;
                assert_eq!(t.find(s.as_bytes(), s.hash.get()).is_some(), kept);
            }
        }
        assert_eq!(t.len(), 0);
        assert_eq!(t.slots.len(), MIN_SLOTS);
        heap.free_all();
    }
}
