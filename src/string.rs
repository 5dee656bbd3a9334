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

/// A Lua string.
pub struct LuaString {
    hash: Cell<u32>,
    /// Short strings always have a hash; long ones get one on first use.
    has_hash: Cell<bool>,
    short: bool,
    bytes: Box<[u8]>,
}

impl LuaString {
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.short
    }

    /// The string's hash (computed now for a long string seen the first time).
    #[inline]
    pub fn hash(&self) -> u32 {
        if !self.has_hash.get() {
            self.hash.set(hash_bytes(&self.bytes, LONG_STRING_SEED));
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
        Gc::ptr_eq(a, b) || (!a.short && !b.short && a.bytes == b.bytes)
    }

    /// The contents as UTF-8 text, lossily (for messages only).
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

impl Collectable for LuaString {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::String(gc)
    }
    fn trace(&self, _marker: &mut Marker) {}
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<LuaString>>() + self.bytes.len()
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

    /// Finds an interned string with these contents.
    #[inline]
    pub fn find(&self, bytes: &[u8], hash: u32) -> Option<Gc<LuaString>> {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.slots[i] {
                (_, None) => return None,
                (h, Some(s)) if h == hash && &*s.bytes == bytes => return Some(s),
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
            bytes: bytes.into(),
        }
    } else {
        LuaString {
            hash: Cell::new(0),
            has_hash: Cell::new(false),
            short: false,
            bytes: bytes.into(),
        }
    }
}

/// Builds a long string from an owned buffer, without copying.
pub fn make_long_string(bytes: Vec<u8>) -> LuaString {
    LuaString {
        hash: Cell::new(0),
        has_hash: Cell::new(false),
        short: false,
        bytes: bytes.into_boxed_slice(),
    }
}
