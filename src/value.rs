//! Lua values (PUC's `TValue`): a 16-byte tagged union.
//!
//! Reference types hold a `Gc` pointer into the heap; numbers and booleans are
//! stored inline. Integer and float are distinct subtypes of number, as in 5.4.

use std::mem::MaybeUninit;

use crate::error::LuaResult;
use crate::function::{LuaClosure, NativeClosure};
use crate::gc::Gc;
use crate::state::{State, Thread};
use crate::string::LuaString;
use crate::table::Table;
use crate::userdata::UserData;

/// A native (Rust) function callable from Lua (PUC's `lua_CFunction`).
///
/// It finds its arguments in its frame of the state's stack (`State::arg`), pushes
/// its results, and returns how many it pushed: the last that many values on the
/// stack are the results.
pub type NativeFn = fn(&mut State) -> LuaResult<usize>;

/// A Lua value.
///
/// `repr(u64)`: a full-word tag with every payload at offset 8. Tags and
/// payloads are then written and read as whole words, which the CPU can
/// forward from its store buffer to the next instruction's reads (a one-byte
/// tag with a bool payload at offset 1 made the compiler copy values as odd
/// overlapping pieces that stall).
#[derive(Clone, Copy, Default)]
#[repr(u64)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer (subtype of number).
    Int(i64),
    /// A float (subtype of number).
    Float(f64),
    /// A string.
    Str(Gc<LuaString>),
    /// A table.
    Table(Gc<Table>),
    /// A Lua function (closure).
    LuaFn(Gc<LuaClosure>),
    /// A native function with upvalues (a C closure).
    NativeFn(Gc<NativeClosure>),
    /// A native function without upvalues (a light C function): no allocation.
    LightNative(NativeFn),
    /// A full userdata.
    UserData(Gc<UserData>),
    /// A light userdata (a bare address).
    LightUserData(usize),
    /// A thread (coroutine).
    Thread(Gc<Thread>),
}

/// A value's payload word as a table node stores it: pointer-typed, so that
/// an object's address copied through it keeps its provenance (what Miri
/// checks; an integer would lose it), and compared by its bits.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Payload(*const u8);

impl Payload {
    /// The payload of nil.
    pub(crate) const ZERO: Payload = Payload(std::ptr::null());

    /// A payload that is no address (a boolean's).
    #[inline(always)]
    pub(crate) fn from_bits(bits: u64) -> Payload {
        Payload(std::ptr::without_provenance(bits as usize))
    }

    /// The payload's bits (an address, an integer, a float's bits).
    #[inline(always)]
    pub(crate) fn bits(self) -> u64 {
        self.0.addr() as u64
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.bits() == other.bits()
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.bits())
    }
}

/// Numbers of the variants of `Value`, as `Value::to_parts` gives them (the
/// declaration order: `to_parts` reads them from the tag word).
// On little-endian targets `from_parts` needs no match on them.
#[cfg_attr(target_endian = "little", allow(dead_code))]
pub(crate) mod key_tag {
    pub const NIL: u8 = 0;
    pub const BOOL: u8 = 1;
    pub const INT: u8 = 2;
    pub const FLOAT: u8 = 3;
    pub const STR: u8 = 4;
    pub const TABLE: u8 = 5;
    pub const LUA_FN: u8 = 6;
    pub const NATIVE_FN: u8 = 7;
    pub const LIGHT_NATIVE: u8 = 8;
    pub const USER_DATA: u8 = 9;
    pub const LIGHT_USER_DATA: u8 = 10;
    pub const THREAD: u8 = 11;
}

/// The basic types, numbered as `lua.h` numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LuaType {
    Nil = 0,
    Boolean = 1,
    LightUserData = 2,
    Number = 3,
    String = 4,
    Table = 5,
    Function = 6,
    UserData = 7,
    Thread = 8,
}

pub const NUM_TYPES: usize = 9;

impl LuaType {
    /// The name `type()` returns.
    pub fn name(self) -> &'static str {
        match self {
            LuaType::Nil => "nil",
            LuaType::Boolean => "boolean",
            LuaType::LightUserData => "userdata",
            LuaType::Number => "number",
            LuaType::String => "string",
            LuaType::Table => "table",
            LuaType::Function => "function",
            LuaType::UserData => "userdata",
            LuaType::Thread => "thread",
        }
    }
}

impl Value {
    /// The value's Lua type.
    #[inline(always)]
    pub fn type_of(&self) -> LuaType {
        match self {
            Value::Nil => LuaType::Nil,
            Value::Bool(_) => LuaType::Boolean,
            Value::Int(_) | Value::Float(_) => LuaType::Number,
            Value::Str(_) => LuaType::String,
            Value::Table(_) => LuaType::Table,
            Value::LuaFn(_) | Value::NativeFn(_) | Value::LightNative(_) => LuaType::Function,
            Value::UserData(_) => LuaType::UserData,
            Value::LightUserData(_) => LuaType::LightUserData,
            Value::Thread(_) => LuaType::Thread,
        }
    }

    /// The type's name, as `type` returns it.
    pub fn type_name(&self) -> &'static str {
        self.type_of().name()
    }

    /// Whether it is nil.
    #[inline(always)]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truth: everything but `nil` and `false` is true.
    #[inline(always)]
    pub fn is_falsy(&self) -> bool {
        matches!(self, Value::Nil | Value::Bool(false))
    }

    /// Whether it is a number (integer or float).
    #[inline(always)]
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    /// Whether it is a function (Lua or native).
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::LuaFn(_) | Value::NativeFn(_) | Value::LightNative(_)
        )
    }

    /// The number as a float, without string coercion.
    #[inline(always)]
    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The value as an integer, without string coercion: floats with an exact
    /// integer value convert (PUC's `luaV_tointegerns` in mode F2Ieq).
    #[inline(always)]
    pub fn as_integer(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) => float_to_integer(f),
            _ => None,
        }
    }

    /// The string, if it is one (no number coercion).
    pub fn as_str(&self) -> Option<Gc<LuaString>> {
        match *self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The table, if it is one.
    pub fn as_table(&self) -> Option<Gc<Table>> {
        match *self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Raw equality (`rawequal`): no metamethods; 1 == 1.0.
    #[inline]
    pub fn raw_equals(&self, other: &Value) -> bool {
        // Matched in place: an operand just written as two words and copied
        // whole would stall on store forwarding (see `ValueWords`).
        match (self, other) {
            (&Value::Nil, &Value::Nil) => true,
            (&Value::Bool(a), &Value::Bool(b)) => a == b,
            (&Value::Int(a), &Value::Int(b)) => a == b,
            (&Value::Float(a), &Value::Float(b)) => a == b,
            (&Value::Int(a), &Value::Float(b)) | (&Value::Float(b), &Value::Int(a)) => {
                float_to_integer(b) == Some(a)
            }
            (&Value::Str(a), &Value::Str(b)) => LuaString::equals(a, b),
            (&Value::Table(a), &Value::Table(b)) => a == b,
            (&Value::LuaFn(a), &Value::LuaFn(b)) => a == b,
            (&Value::NativeFn(a), &Value::NativeFn(b)) => a == b,
            (&Value::LightNative(a), &Value::LightNative(b)) => a as usize == b as usize,
            (&Value::UserData(a), &Value::UserData(b)) => a == b,
            (&Value::LightUserData(a), &Value::LightUserData(b)) => a == b,
            (&Value::Thread(a), &Value::Thread(b)) => a == b,
            _ => false,
        }
    }

    /// The value as a variant number (`key_tag`) and a payload word (0 for
    /// nil, 0 or 1 for a boolean): a table node stores its key and value so,
    /// in 9 bytes each instead of 16. Two keys (normalised as tables normalise
    /// them: no NaN, no integral float) are the same key exactly when their
    /// parts are equal, except long strings, equal by contents.
    #[inline(always)]
    pub(crate) fn to_parts(self) -> (u8, Payload) {
        match self {
            Value::Nil => (key_tag::NIL, Payload::ZERO),
            Value::Bool(b) => (key_tag::BOOL, Payload::from_bits(b as u64)),
            _ => {
                let words = &self as *const Value as *const u64;
                // SAFETY: `Value` is `repr(u64)`: the tag is the first word, and
                // every variant but nil and boolean has an 8-byte payload (an
                // integer, a float's bits, an address) as the second word, read
                // at pointer type so that an address keeps its provenance.
                unsafe { (words.read() as u8, words.add(1).cast::<Payload>().read()) }
            }
        }
    }

    /// The value's tag (a `key_tag`) and payload word as they are: the
    /// payload of nil, and all but the first byte of a boolean's, are
    /// padding. Cheaper than `to_parts` (no branch), for stored values that
    /// are never compared by their bits.
    #[inline(always)]
    pub(crate) fn to_words(self) -> (u8, MaybeUninit<u64>) {
        // SAFETY: `Value` is `repr(u64)`, 16 bytes: a tag word, then the
        // payload; `MaybeUninit` may hold padding.
        let [tag, payload] = unsafe { std::mem::transmute::<Value, [MaybeUninit<u64>; 2]>(self) };
        // SAFETY: the tag word is always initialised.
        (unsafe { tag.assume_init() } as u8, payload)
    }

    /// The value `to_words` split.
    ///
    /// # Safety
    /// `tag` and `payload` must come from `to_words` of some value (or be
    /// nil's tag with any payload). A reference value rebuilt so may only be
    /// dereferenced while its object is alive.
    #[inline(always)]
    pub(crate) unsafe fn from_words(tag: u8, payload: MaybeUninit<u64>) -> Value {
        // SAFETY: the words of a value (see above): a valid tag and that
        // variant's payload.
        unsafe {
            std::mem::transmute::<[MaybeUninit<u64>; 2], Value>([
                MaybeUninit::new(tag as u64),
                payload,
            ])
        }
    }

    /// The value `to_parts` split.
    ///
    /// # Safety
    /// `tag` and `bits` must come from `to_parts` of some value. A reference
    /// value rebuilt so may only be dereferenced while its object is alive.
    #[inline(always)]
    pub(crate) unsafe fn from_parts(tag: u8, payload: Payload) -> Value {
        #[cfg(target_endian = "little")]
        {
            #[repr(C)]
            struct Words(u64, Payload);
            // SAFETY: `Value` is `repr(u64)`: a tag word then the payload. The
            // tag is one `to_parts` gave, so a valid variant number, and the
            // payload that variant's: a non-null address (with its provenance)
            // for references and native functions, 0 or 1 in the first byte for
            // a boolean.
            unsafe { std::mem::transmute::<Words, Value>(Words(tag as u64, payload)) }
        }
        #[cfg(not(target_endian = "little"))]
        let bits = payload.bits();
        #[cfg(not(target_endian = "little"))]
        // SAFETY (all arms): `bits` is what `to_parts` made of a value with
        // this tag: an address of an object of the tag's type, or a function
        // pointer for `LIGHT_NATIVE`.
        unsafe {
            match tag {
                key_tag::BOOL => Value::Bool(bits != 0),
                key_tag::INT => Value::Int(bits as i64),
                key_tag::FLOAT => Value::Float(f64::from_bits(bits)),
                key_tag::STR => Value::Str(Gc::from_addr(bits as usize)),
                key_tag::TABLE => Value::Table(Gc::from_addr(bits as usize)),
                key_tag::LUA_FN => Value::LuaFn(Gc::from_addr(bits as usize)),
                key_tag::NATIVE_FN => Value::NativeFn(Gc::from_addr(bits as usize)),
                key_tag::LIGHT_NATIVE => {
                    Value::LightNative(std::mem::transmute::<usize, NativeFn>(bits as usize))
                }
                key_tag::USER_DATA => Value::UserData(Gc::from_addr(bits as usize)),
                key_tag::LIGHT_USER_DATA => Value::LightUserData(bits as usize),
                key_tag::THREAD => Value::Thread(Gc::from_addr(bits as usize)),
                _ => Value::Nil,
            }
        }
    }

    /// An address identifying a reference value (for `%p` and `tostring`).
    pub fn address(&self) -> Option<usize> {
        match *self {
            Value::Str(o) => Some(o.addr()),
            Value::Table(o) => Some(o.addr()),
            Value::LuaFn(o) => Some(o.addr()),
            Value::NativeFn(o) => Some(o.addr()),
            Value::LightNative(f) => Some(f as usize),
            Value::UserData(o) => Some(o.addr()),
            Value::LightUserData(p) => Some(p),
            Value::Thread(o) => Some(o.addr()),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s.as_bytes())),
            other => write!(
                f,
                "{}: {:#x}",
                other.type_name(),
                other.address().unwrap_or(0)
            ),
        }
    }
}

/// Converts a float with an exact integer value to that integer.
#[inline(always)]
pub fn float_to_integer(f: f64) -> Option<i64> {
    // -2^63 <= f < 2^63, and integral.
    if (-9223372036854775808.0..9223372036854775808.0).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Floor of a float as an integer, if it fits (PUC's F2Ifloor mode).
pub fn float_floor_to_integer(f: f64) -> Option<i64> {
    float_to_integer(f.floor())
}

/// Ceiling of a float as an integer, if it fits (PUC's F2Iceil mode).
pub fn float_ceil_to_integer(f: f64) -> Option<i64> {
    float_to_integer(f.ceil())
}

/// A value copied as two machine words, one load and one store each.
///
/// A plain copy of a `Value` is one 16-byte load, which the CPU cannot serve
/// from its store buffer when the value was just written as two words (an
/// arithmetic result: tag, then payload): it stalls until the stores retire.
/// Word-sized loads are forwarded. Volatile accesses keep the compiler from
/// merging the two words back into one vector load.
#[derive(Clone, Copy)]
pub(crate) struct ValueWords([MaybeUninit<u64>; 2]);

impl ValueWords {
    /// # Safety
    /// `p` must point to a live `Value`.
    #[inline(always)]
    pub(crate) unsafe fn read(p: *const Value) -> ValueWords {
        let w = p as *const MaybeUninit<u64>;
        // SAFETY: a `Value` is 16 bytes, 8-aligned: two words (the second may
        // hold uninitialised padding, which `MaybeUninit` allows).
        unsafe { ValueWords([w.read_volatile(), w.add(1).read_volatile()]) }
    }

    /// The words of `v`.
    #[inline(always)]
    pub(crate) fn of(v: &Value) -> ValueWords {
        // SAFETY: a reference points to a live `Value`.
        unsafe { ValueWords::read(v) }
    }

    /// The value these words make up (read word by word, see above).
    #[inline(always)]
    pub(crate) fn value(self) -> Value {
        // SAFETY: the words were read from a valid `Value` (`read`).
        unsafe { std::mem::transmute::<[MaybeUninit<u64>; 2], Value>(self.0) }
    }

    #[inline(always)]
    pub(crate) fn write_to(self, dst: &mut Value) {
        let w = dst as *mut Value as *mut MaybeUninit<u64>;
        // SAFETY: the words are those of a valid `Value`, so `dst` stays valid.
        unsafe {
            w.write_volatile(self.0[0]);
            w.add(1).write_volatile(self.0[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn parts_round_trip() {
        fn native(_: &mut State) -> LuaResult<usize> {
            Ok(0)
        }
        let values = [
            Value::Nil,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(-7),
            Value::Int(i64::MIN),
            Value::Float(-0.5),
            Value::LightNative(native),
            Value::LightUserData(12345),
        ];
        let tags = [0, 1, 1, 2, 2, 3, 8, 10];
        for (v, tag) in values.into_iter().zip(tags) {
            let (t, bits) = v.to_parts();
            assert_eq!(t, tag);
            // SAFETY: parts just made by `to_parts`.
            let back = unsafe { Value::from_parts(t, bits) };
            assert_eq!(back.to_parts(), (t, bits));
            assert!(back.raw_equals(&v) || matches!(v, Value::Nil));
        }
    }

    #[test]
    fn float_integer_conversion() {
        assert_eq!(float_to_integer(3.0), Some(3));
        assert_eq!(float_to_integer(3.5), None);
        assert_eq!(float_to_integer(9223372036854775808.0), None);
        assert_eq!(float_to_integer(-9223372036854775808.0), Some(i64::MIN));
        assert_eq!(float_to_integer(f64::NAN), None);
    }
}
