//! Interning of the compiler's strings: every name and string literal of a
//! chunk is one shared `LStr` per contents (as PUC interns them as Lua
//! strings), so a name used again costs a reference count, not an
//! allocation, and tables keyed by strings can hash and compare addresses.

use super::fast_hash::FastHasher;
use super::lexer::LStr;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::rc::Rc;

/// The set of strings read so far.
#[derive(Default)]
pub struct Interner {
    strings: HashSet<LStr, BuildHasherDefault<FastHasher>>,
}

impl Interner {
    pub fn with_capacity(n: usize) -> Interner {
        Interner {
            strings: HashSet::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// The shared string with the contents `bytes`.
    pub fn intern(&mut self, bytes: &[u8]) -> LStr {
        if let Some(s) = self.strings.get(bytes) {
            return s.clone();
        }
        let s: LStr = bytes.into();
        self.strings.insert(s.clone());
        s
    }
}

/// An interned string as a map key: identified by its address, which for
/// strings of one `Interner` is the same as by its contents (and much
/// cheaper to hash and compare). A string from elsewhere is only a distinct
/// key, never a wrong match, since the key keeps it alive.
#[derive(Clone, Debug)]
pub struct StrKey(pub LStr);

impl StrKey {
    fn address(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }
}

impl PartialEq for StrKey {
    fn eq(&self, other: &StrKey) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StrKey {}

impl Hash for StrKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.address());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_contents_share_one_string() {
        let mut interner = Interner::default();
        let a = interner.intern(b"name");
        let b = interner.intern(b"name");
        let c = interner.intern(b"other");
        assert!(Rc::ptr_eq(&a, &b));
        assert_eq!(StrKey(a.clone()), StrKey(b));
        assert_ne!(StrKey(a), StrKey(c));
        let outsider: LStr = (&b"name"[..]).into();
        assert_ne!(StrKey(outsider), StrKey(interner.intern(b"name")));
    }
}
