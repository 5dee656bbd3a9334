//! Plain values: Lua data copied out of one state as ordinary Rust data, so it
//! can cross to another state or thread (`lproc` messages, host results).
//!
//! Only nil, booleans, numbers, strings and tables of those convert; a table
//! is copied (its metatable is not), so nothing of the source state's heap
//! leaks. Functions, userdata, threads, cycles and over-deep nesting are
//! errors: values never leak between states.

use std::fmt;

use crate::gc::Gc;
use crate::state::State;
use crate::table::Table;
use crate::value::Value;

/// Deepest table nesting a plain value may have.
pub const MAX_DEPTH: usize = 64;

/// A Lua value as owned Rust data.
#[derive(Clone, Debug, PartialEq)]
pub enum PlainValue {
    /// `nil`.
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string's bytes.
    Str(Vec<u8>),
    /// The pairs of a table, in traversal order.
    Table(Vec<(PlainValue, PlainValue)>),
}

impl PlainValue {
    /// Copies a value out of a state; an error names what cannot be copied.
    pub fn from_value(v: Value) -> Result<PlainValue, String> {
        let mut path = Vec::new();
        copy_out(v, &mut path)
    }

    /// Builds the value in a state (tables are created fresh).
    pub fn to_value(&self, l: &mut State) -> Value {
        match self {
            PlainValue::Nil => Value::Nil,
            PlainValue::Bool(b) => Value::Bool(*b),
            PlainValue::Int(i) => Value::Int(*i),
            PlainValue::Float(f) => Value::Float(*f),
            PlainValue::Str(s) => l.new_str_value(s),
            PlainValue::Table(pairs) => {
                let t = l.new_table(0, pairs.len());
                for (k, v) in pairs {
                    // Allocation never collects, so the fresh objects below
                    // stay alive until the caller roots the result.
                    let key = k.to_value(l);
                    let value = v.to_value(l);
                    if let Ok(grown) = t.set(key, value) {
                        l.global().heap.adjust(grown);
                    }
                }
                Value::Table(t)
            }
        }
    }

    /// The string's text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PlainValue::Str(s) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    /// `t[key]` for a table with a string key.
    pub fn field(&self, key: &str) -> Option<&PlainValue> {
        match self {
            PlainValue::Table(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

fn copy_out(v: Value, path: &mut Vec<Gc<Table>>) -> Result<PlainValue, String> {
    Ok(match v {
        Value::Nil => PlainValue::Nil,
        Value::Bool(b) => PlainValue::Bool(b),
        Value::Int(i) => PlainValue::Int(i),
        Value::Float(f) => PlainValue::Float(f),
        Value::Str(s) => PlainValue::Str(s.as_bytes().to_vec()),
        Value::Table(t) => {
            if path.contains(&t) {
                return Err("cannot copy a table that contains itself".to_string());
            }
            if path.len() >= MAX_DEPTH {
                return Err("table nested too deeply to copy".to_string());
            }
            path.push(t);
            let mut pairs = Vec::new();
            let mut key = Value::Nil;
            while let Ok(Some((k, val))) = t.next(key) {
                pairs.push((copy_out(k, path)?, copy_out(val, path)?));
                key = k;
            }
            path.pop();
            PlainValue::Table(pairs)
        }
        other => return Err(format!("cannot copy a {} value", other.type_name())),
    })
}

impl fmt::Display for PlainValue {
    /// Like `tostring` for scalars; tables as `{k=v, ...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlainValue::Nil => write!(f, "nil"),
            PlainValue::Bool(b) => write!(f, "{b}"),
            PlainValue::Int(i) => write!(f, "{i}"),
            PlainValue::Float(x) => {
                let text = crate::numfmt::fmt_float_lua(*x);
                write!(f, "{}", String::from_utf8_lossy(&text))
            }
            PlainValue::Str(s) => write!(f, "{}", String::from_utf8_lossy(s)),
            PlainValue::Table(pairs) => {
                write!(f, "{{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                write!(f, "}}")
            }
        }
    }
}
