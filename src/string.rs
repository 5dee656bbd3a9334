//! Lua strings (PUC's `lstring.c`): immutable byte strings, short ones interned.
//!
//! Strings up to `MAX_SHORT_LEN` bytes are interned in the global string table, so
//! two short strings are equal exactly when they are the same object and their hash
//! is computed once, at creation. Long strings are created without interning and
//! hash lazily, the first time they are used as a table key.

use std::cell::Cell;

use crate::gc::{Collectable, Gc, GcBox, GcRef, Marker};

/// Longest string that is interned (PUC's `LUAI_MAXSHORTLEN`).
pub const MAX_SHORT_LEN: usize = 40;

/// Longest contents kept inside the string object itself.
const INLINE_LEN: usize = 22;

/// A string's contents: inside the object when short enough (one allocation
/// per string, like PUC's), else in their own buffer.
enum Bytes {
    Inline { len: u8, data: [u8; INLINE_LEN] },
    Heap(Box<[u8]>),
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
            Bytes::Heap(bytes.into())
        }
    }

    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => &data[..(*len as usize).min(INLINE_LEN)],
            Bytes::Heap(b) => b,
        }
    }

    /// Bytes allocated outside the object.
    fn outside_len(&self) -> usize {
        match self {
            Bytes::Inline { .. } => 0,
            Bytes::Heap(b) => b.len(),
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
/// hash set with linear probing, at most half full. Each slot keeps the hash
/// beside the pointer, so a lookup only touches strings whose hash matches.
pub struct StringTable {
    slots: Vec<(u32, Option<Gc<LuaString>>)>,
    count: usize,
    seed: u32,
}

impl StringTable {
    pub fn new(seed: u32) -> StringTable {
        StringTable {
            slots: vec![(0, None); 256],
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
        let mut i = hash as usize & mask;
        loop {
            match self.slots[i] {
                (_, None) => return None,
                (h, Some(s)) if h == hash && s.as_bytes() == bytes => return Some(s),
                _ => i = (i + 1) & mask,
            }
        }
    }

    pub fn insert(&mut self, s: Gc<LuaString>) {
        if (self.count + 1) * 2 > self.slots.len() {
            self.rebuild(self.slots.len() * 2);
        }
        self.place(s.hash.get(), s);
        self.count += 1;
    }

    fn place(&mut self, hash: u32, s: Gc<LuaString>) {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        while self.slots[i].1.is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = (hash, Some(s));
    }

    /// Re-inserts the strings `keep` accepts into a table of `size` slots.
    fn rebuild_with(&mut self, size: usize, keep: impl Fn(Gc<LuaString>) -> bool) {
        let old = std::mem::replace(&mut self.slots, vec![(0, None); size]);
        self.count = 0;
        for (h, s) in old {
            if let Some(s) = s {
                if keep(s) {
                    self.place(h, s);
                    self.count += 1;
                }
            }
        }
    }

    fn rebuild(&mut self, size: usize) {
        self.rebuild_with(size, |_| true);
    }

    /// Drops strings the collector found dead (before they are freed), and
    /// shrinks the table when it is mostly empty.
    pub fn remove_dead(&mut self) {
        let live = self
            .slots
            .iter()
            .filter(|(_, s)| s.is_some_and(|s| !crate::gc::is_dead_string(s)))
            .count();
        let mut size = self.slots.len();
        while size > 256 && live * 8 < size {
            size /= 2;
        }
        self.rebuild_with(size, |s| !crate::gc::is_dead_string(s));
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
        LuaString {
            hash: Cell::new(hash_bytes(bytes, seed)),
            has_hash: Cell::new(true),
            short: true,
            bytes: Bytes::new(bytes),
        }
    } else {
        LuaString {
            hash: Cell::new(0),
            has_hash: Cell::new(false),
            short: false,
            bytes: Bytes::new(bytes),
        }
    }
}

/// Builds a long string from an owned buffer, without copying.
pub fn make_long_string(bytes: Vec<u8>) -> LuaString {
    LuaString {
        hash: Cell::new(0),
        has_hash: Cell::new(false),
        short: false,
        bytes: Bytes::Heap(bytes.into_boxed_slice()),
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
}
