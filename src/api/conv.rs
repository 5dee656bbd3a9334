//! Conversions between Rust values and Lua values.

use std::collections::HashMap;
use std::hash::Hash;

use super::{AnyUserData, Error, Function, Lua, LuaString, Result, Table, Thread, Value};

/// A Rust value that converts to one Lua value.
pub trait IntoLua {
    /// Converts `self` for the state `lua`.
    fn into_lua(self, lua: &Lua) -> Result<Value>;
}

/// A Rust value that converts from one Lua value.
pub trait FromLua: Sized {
    /// Converts `value` (of the state `lua`).
    fn from_lua(value: Value, lua: &Lua) -> Result<Self>;
}

/// Several Lua values: arguments or results.
#[derive(Clone, Debug, Default)]
pub struct MultiValue(Vec<Value>);

impl MultiValue {
    /// No values.
    pub fn new() -> MultiValue {
        MultiValue(Vec::new())
    }

    /// The values of `v`, in order.
    pub fn from_vec(v: Vec<Value>) -> MultiValue {
        MultiValue(v)
    }

    /// The values, in order.
    pub fn into_vec(self) -> Vec<Value> {
        self.0
    }
}

impl std::ops::Deref for MultiValue {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for MultiValue {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

impl IntoIterator for MultiValue {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Any number of values of one type, as trailing arguments or results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(pub Vec<T>);

impl<T> std::ops::Deref for Variadic<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

/// A Rust value that converts to several Lua values (arguments, results).
pub trait IntoLuaMulti {
    /// Converts `self` for the state `lua`.
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue>;
}

/// A Rust value that converts from several Lua values.
pub trait FromLuaMulti: Sized {
    /// Converts `values`; `first_pos` is the argument position of the first
    /// one, for "bad argument #n" errors.
    fn from_lua_multi_at(values: MultiValue, lua: &Lua, first_pos: usize) -> Result<Self>;

    /// Converts `values`.
    fn from_lua_multi(values: MultiValue, lua: &Lua) -> Result<Self> {
        Self::from_lua_multi_at(values, lua, 1)
    }
}

/// Converts argument `pos`, reporting failures as bad arguments.
fn arg<T: FromLua>(v: Value, lua: &Lua, pos: usize) -> Result<T> {
    T::from_lua(v, lua).map_err(|e| match e {
        e @ Error::BadArgument { .. } => e,
        cause => Error::BadArgument {
            pos,
            cause: Box::new(cause),
        },
    })
}

fn type_error(v: &Value, to: &'static str) -> Error {
    Error::FromLua {
        from: v.type_name(),
        to,
        message: None,
    }
}

// ----- single values -----

impl IntoLua for Value {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(self)
    }
}

impl FromLua for Value {
    fn from_lua(v: Value, _: &Lua) -> Result<Value> {
        Ok(v)
    }
}

impl IntoLua for &Value {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(self.clone())
    }
}

impl IntoLua for bool {
    fn into_lua(self, _: &Lua) -> Result<Value> {
        Ok(Value::Boolean(self))
    }
}

impl FromLua for bool {
    /// Lua truth: only nil and false are false.
    fn from_lua(v: Value, _: &Lua) -> Result<bool> {
        Ok(!matches!(v, Value::Nil | Value::Boolean(false)))
    }
}

macro_rules! integer_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                match i64::try_from(self) {
                    Ok(i) => Ok(Value::Integer(i)),
                    Err(_) => Ok(Value::Number(self as f64)),
                }
            }
        }

        impl FromLua for $t {
            fn from_lua(v: Value, _: &Lua) -> Result<$t> {
                let i = match &v {
                    Value::Integer(i) => Some(*i),
                    Value::Number(f) => crate::value::float_to_integer(*f),
                    Value::String(s) => {
                        let bytes = s.as_bytes_vec()?;
                        crate::auxlib::str_to_value(&bytes).and_then(|n| n.as_integer())
                    }
                    _ => return Err(type_error(&v, "number")),
                };
                let i = i.ok_or_else(|| Error::FromLua {
                    from: v.type_name(),
                    to: "number",
                    message: Some("number has no integer representation".into()),
                })?;
                <$t>::try_from(i).map_err(|_| Error::FromLua {
                    from: "number",
                    to: stringify!($t),
                    message: Some(format!("integer {i} out of range for {}", stringify!($t))),
                })
            }
        }
    )*};
}

integer_conversions!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! float_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::Number(self as f64))
            }
        }

        impl FromLua for $t {
            fn from_lua(v: Value, _: &Lua) -> Result<$t> {
                match &v {
                    Value::Integer(i) => Ok(*i as $t),
                    Value::Number(f) => Ok(*f as $t),
                    Value::String(s) => crate::auxlib::str_to_value(&s.as_bytes_vec()?)
                        .and_then(|n| n.as_float())
                        .map(|f| f as $t)
                        .ok_or_else(|| type_error(&v, "number")),
                    _ => Err(type_error(&v, "number")),
                }
            }
        }
    )*};
}

float_conversions!(f32, f64);

impl IntoLua for &str {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}

impl IntoLua for String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}

impl IntoLua for &String {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}

impl IntoLua for &[u8] {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::String(lua.create_string(self)?))
    }
}

/// Strings, and numbers converted as `tostring` does; invalid UTF-8 is an error.
impl FromLua for String {
    fn from_lua(v: Value, _: &Lua) -> Result<String> {
        match &v {
            Value::String(s) => s.to_str(),
            Value::Integer(_) | Value::Number(_) => {
                let raw = match v {
                    Value::Integer(i) => crate::value::Value::Int(i),
                    Value::Number(f) => crate::value::Value::Float(f),
                    _ => crate::value::Value::Nil,
                };
                Ok(String::from_utf8_lossy(&crate::auxlib::number_to_bytes(raw)).into_owned())
            }
            _ => Err(type_error(&v, "string")),
        }
    }
}

macro_rules! handle_conversions {
    ($($t:ident => $variant:ident, $name:literal);*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self))
            }
        }

        impl IntoLua for &$t {
            fn into_lua(self, _: &Lua) -> Result<Value> {
                Ok(Value::$variant(self.clone()))
            }
        }

        impl FromLua for $t {
            fn from_lua(v: Value, _: &Lua) -> Result<$t> {
                match v {
                    Value::$variant(h) => Ok(h),
                    v => Err(type_error(&v, $name)),
                }
            }
        }
    )*};
}

handle_conversions!(
    LuaString => String, "string";
    Table => Table, "table";
    Function => Function, "function";
    Thread => Thread, "thread";
    AnyUserData => UserData, "userdata"
);

/// `None` is nil; nil converts to `None`.
impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        match self {
            Some(v) => v.into_lua(lua),
            None => Ok(Value::Nil),
        }
    }
}

impl<T: FromLua> FromLua for Option<T> {
    fn from_lua(v: Value, lua: &Lua) -> Result<Option<T>> {
        match v {
            Value::Nil => Ok(None),
            v => T::from_lua(v, lua).map(Some),
        }
    }
}

/// A sequence (a table with keys 1..n).
impl<T: IntoLua> IntoLua for Vec<T> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_sequence_from(self)?))
    }
}

impl<T: FromLua> FromLua for Vec<T> {
    fn from_lua(v: Value, _: &Lua) -> Result<Vec<T>> {
        match v {
            Value::Table(t) => t.sequence_values().collect(),
            v => Err(type_error(&v, "table")),
        }
    }
}

impl<K: IntoLua, V: IntoLua> IntoLua for HashMap<K, V> {
    fn into_lua(self, lua: &Lua) -> Result<Value> {
        Ok(Value::Table(lua.create_table_from(self)?))
    }
}

impl<K: FromLua + Eq + Hash, V: FromLua> FromLua for HashMap<K, V> {
    fn from_lua(v: Value, _: &Lua) -> Result<HashMap<K, V>> {
        match v {
            Value::Table(t) => t.pairs().collect(),
            v => Err(type_error(&v, "table")),
        }
    }
}

// ----- multiple values -----

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        Ok(MultiValue(vec![self.into_lua(lua)?]))
    }
}

impl<T: FromLua> FromLuaMulti for T {
    fn from_lua_multi_at(values: MultiValue, lua: &Lua, first_pos: usize) -> Result<T> {
        let v = values.0.into_iter().next().unwrap_or(Value::Nil);
        arg(v, lua, first_pos)
    }
}

impl IntoLuaMulti for MultiValue {
    fn into_lua_multi(self, _: &Lua) -> Result<MultiValue> {
        Ok(self)
    }
}

impl FromLuaMulti for MultiValue {
    fn from_lua_multi_at(values: MultiValue, _: &Lua, _: usize) -> Result<MultiValue> {
        Ok(values)
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        self.0
            .into_iter()
            .map(|v| v.into_lua(lua))
            .collect::<Result<Vec<_>>>()
            .map(MultiValue)
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi_at(values: MultiValue, lua: &Lua, first_pos: usize) -> Result<Variadic<T>> {
        values
            .0
            .into_iter()
            .enumerate()
            .map(|(i, v)| arg(v, lua, first_pos + i))
            .collect::<Result<Vec<_>>>()
            .map(Variadic)
    }
}

/// `Ok(())` returns no values; `()` as arguments passes none.
impl IntoLuaMulti for () {
    fn into_lua_multi(self, _: &Lua) -> Result<MultiValue> {
        Ok(MultiValue::new())
    }
}

impl FromLuaMulti for () {
    fn from_lua_multi_at(_: MultiValue, _: &Lua, _: usize) -> Result<()> {
        Ok(())
    }
}

macro_rules! tuple_conversions {
    ($($name:ident)+ ; $last:ident) => {
        /// The elements as consecutive values; the last one may be a
        /// `Variadic` or `MultiValue` taking the rest.
        impl<$($name: IntoLua,)+ $last: IntoLuaMulti> IntoLuaMulti for ($($name,)+ $last,) {
            #[allow(non_snake_case)]
            fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
                let ($($name,)+ $last,) = self;
                let mut out = vec![$($name.into_lua(lua)?,)+];
                out.extend($last.into_lua_multi(lua)?.0);
                Ok(MultiValue(out))
            }
        }

        impl<$($name: FromLua,)+ $last: FromLuaMulti> FromLuaMulti for ($($name,)+ $last,) {
            #[allow(non_snake_case, unused_assignments)]
            fn from_lua_multi_at(values: MultiValue, lua: &Lua, first_pos: usize) -> Result<Self> {
                let mut it = values.0.into_iter();
                let mut pos = first_pos;
                $(
                    let $name = arg::<$name>(it.next().unwrap_or(Value::Nil), lua, pos)?;
                    pos += 1;
                )+
                let $last = $last::from_lua_multi_at(MultiValue(it.collect()), lua, pos)?;
                Ok(($($name,)+ $last,))
            }
        }
    };
}

impl<A: IntoLuaMulti> IntoLuaMulti for (A,) {
    fn into_lua_multi(self, lua: &Lua) -> Result<MultiValue> {
        self.0.into_lua_multi(lua)
    }
}

impl<A: FromLuaMulti> FromLuaMulti for (A,) {
    fn from_lua_multi_at(values: MultiValue, lua: &Lua, first_pos: usize) -> Result<(A,)> {
        Ok((A::from_lua_multi_at(values, lua, first_pos)?,))
    }
}

tuple_conversions!(A; B);
tuple_conversions!(A B; C);
tuple_conversions!(A B C; D);
tuple_conversions!(A B C D; E);
tuple_conversions!(A B C D E; F);
tuple_conversions!(A B C D E F; G);
tuple_conversions!(A B C D E F G; H);
