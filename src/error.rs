//! The library's error type: a Lua error value travelling up as a Rust `Err`.
//!
//! Errors propagate with `?` through the VM and native functions until a protected
//! call (`pcall`, `xpcall`, a host's `pcall`) catches them. The value is whatever
//! `error` was given (usually a string with a "chunk:line:" prefix); while an error
//! travels, code that might collect garbage keeps the value on the Lua stack.

use crate::value::Value;

/// Why a call failed (PUC's status codes `LUA_ERRRUN` … `LUA_ERRERR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A runtime error (`error`, a failed operation).
    Runtime,
    /// A syntax error while compiling a chunk.
    Syntax,
    /// A memory allocation failed or the state's memory limit was reached.
    Memory,
    /// An error while running the message handler of `xpcall`.
    ErrorHandler,
    /// Not an error: a coroutine yielding, unwinding the native stack.
    Yield,
}

/// A Lua error: its kind and the error value.
#[derive(Clone, Copy, Debug)]
pub struct LuaError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// The error value (what `error` was given; a message string for
    /// errors the engine raises).
    pub value: Value,
}

impl LuaError {
    /// A runtime error with this value.
    pub fn runtime(value: Value) -> LuaError {
        LuaError {
            kind: ErrorKind::Runtime,
            value,
        }
    }
}

/// The result of anything that can raise a Lua error.
pub type LuaResult<T> = Result<T, LuaError>;
