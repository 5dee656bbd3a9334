//! What a metatable's `__index` is (a table or a function), remembered per
//! metatable.
//!
//! A method call through a class (`obj:m()` with `m` in `getmetatable(obj).__index`)
//! looks up the string `"__index"` in the metatable at every level of the class
//! chain: a hash, a chain walk and three dependent loads before the class is
//! known. This cache answers from a small direct-mapped array indexed by the
//! metatable's address instead, without looking into the metatable's hash part.
//!
//! An entry for metatable `mt` is trusted only while `mt` carries its
//! "index cached" flag (`Table::index_cached`), which every store that can change
//! `mt`'s `"__index"` entry clears (any string-keyed store, the VM's in-place
//! overwrite of an existing field included). The flag lives in the table, so the
//! cache costs the table no memory. An entry whose metatable was freed is
//! harmless: a new table at the same address starts without the flag, and
//! entries are compared by address, never dereferenced, until validated.

use crate::gc::Gc;
use crate::table::Table;
use crate::value::Value;

/// Number of entries: a power of two. 12 KiB. DeltaBlue, which gives each
/// new object a new metatable, misses in 37% of its walks up a class chain
/// with 256 entries, 28% with 512, 20% with 1024 (the first lookup through a
/// new metatable always misses).
const SLOTS: usize = 512;

#[derive(Clone, Copy)]
struct Entry {
    /// Address of the metatable (0: none).
    metatable: usize,
    /// Its `__index` entry (never nil).
    index: Value,
}

const EMPTY: Entry = Entry {
    metatable: 0,
    index: Value::Nil,
};

/// The cache (one per global state).
pub struct IndexCache {
    entries: [Entry; SLOTS],
}

impl Default for IndexCache {
    fn default() -> Self {
        IndexCache {
            entries: [EMPTY; SLOTS],
        }
    }
}

/// The slot of the metatable at `addr`: table objects are 64-byte blocks.
#[inline(always)]
fn slot(addr: usize) -> usize {
    (addr >> 6) % SLOTS
}

impl IndexCache {
    /// `mt`'s raw `__index` entry when it is cached (then it is not nil).
    #[inline(always)]
    pub fn get(&self, mt: Gc<Table>) -> Option<Value> {
        let entry = &self.entries[slot(mt.addr())];
        if entry.metatable == mt.addr() && mt.index_cached() {
            Some(entry.index)
        } else {
            None
        }
    }

    /// Records that `mt`'s raw `__index` entry is `index` (not nil).
    #[inline]
    pub fn insert(&mut self, mt: Gc<Table>, index: Value) {
        debug_assert!(!index.is_nil());
        self.entries[slot(mt.addr())] = Entry {
            metatable: mt.addr(),
            index,
        };
        mt.set_index_cached();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gc::Heap;
    use crate::string::make_string;

    #[test]
    fn cached_until_a_string_key_is_stored() {
        let mut heap = Heap::new();
        let mt = heap.alloc(Table::new(0, 1));
        let class = heap.alloc(Table::new(0, 0));
        let other = heap.alloc(Table::new(0, 0));
        let index = heap.alloc(make_string(b"__index", 0));
        let mut cache = Box::<IndexCache>::default();
        assert!(cache.get(mt).is_none());
        mt.set_str(index, Value::Table(class));
        cache.insert(mt, Value::Table(class));
        assert!(matches!(cache.get(mt), Some(Value::Table(t)) if t == class));
        // The VM's in-place overwrite of an existing key.
        assert!(mt.try_set_existing_str(index, Value::Table(other)));
        assert!(cache.get(mt).is_none());
        cache.insert(mt, Value::Table(other));
        assert!(matches!(cache.get(mt), Some(Value::Table(t)) if t == other));
        // Any raw store of a string key.
        mt.set_str(index, Value::Nil);
        assert!(cache.get(mt).is_none());
        // Integer keys name no metamethod.
        cache.insert(mt, Value::Table(other));
        mt.set_int(1, Value::Bool(true));
        assert!(matches!(cache.get(mt), Some(Value::Table(t)) if t == other));
        // Another table's flag does not make `mt`'s entry its own.
        let twin = heap.alloc(Table::new(0, 0));
        twin.set_index_cached();
        assert!(cache.get(twin).is_none());
        // A table taking the slot evicts `mt`'s entry.
        let mut evicted = false;
        for _ in 0..4 * SLOTS {
            let t = heap.alloc(Table::new(0, 0));
            if slot(t.addr()) == slot(mt.addr()) {
                cache.insert(t, Value::Table(class));
                assert!(matches!(cache.get(t), Some(Value::Table(t)) if t == class));
                evicted = true;
                break;
            }
        }
        assert!(!evicted || cache.get(mt).is_none());
    }
}
