//! The typed API's error type.

use std::fmt;
use std::sync::Arc;

/// An error of the typed API: a Lua error (with the message and traceback
/// Lua produced), a failed conversion, a borrow conflict, or a misuse.
#[derive(Clone, Debug)]
pub enum Error {
    /// A runtime error raised by Lua code or a Rust function.
    Runtime {
        /// The error message ("chunk:line: text" for errors of Lua code).
        message: String,
        /// The stack traceback at the error, when it was caught by the host.
        traceback: Option<String>,
    },
    /// A chunk failed to compile.
    Syntax {
        /// The compiler's message ("chunk:line: text near 'x'").
        message: String,
    },
    /// Memory ran out, or the state's memory limit was reached.
    Memory {
        /// The message.
        message: String,
    },
    /// The message handler itself failed ("error in error handling").
    MessageHandler {
        /// The message.
        message: String,
    },
    /// A Lua value could not be converted to the Rust type asked for.
    FromLua {
        /// The Lua type of the value.
        from: &'static str,
        /// What was expected (a Lua type name, or a description).
        to: &'static str,
        /// A more specific reason, if any.
        message: Option<String>,
    },
    /// A Rust value could not be converted to a Lua value.
    ToLua {
        /// The Rust type.
        from: &'static str,
        /// The reason.
        message: String,
    },
    /// An argument of a Rust function called from Lua was bad; reported to
    /// Lua as "bad argument #pos to 'name' (cause)".
    BadArgument {
        /// The argument's position (1-based).
        pos: usize,
        /// Why it was bad.
        cause: Box<Error>,
    },
    /// A userdata's payload was borrowed in a conflicting way (mutably while
    /// borrowed, or at all while mutably borrowed).
    Borrow {
        /// The payload's type.
        type_name: &'static str,
        /// "already borrowed" or "already mutably borrowed".
        message: &'static str,
    },
    /// A userdata does not hold the type asked for.
    UserDataType {
        /// The type asked for.
        expected: &'static str,
    },
    /// A handle or value of one Lua state was used with another.
    StateMismatch,
    /// The Lua state behind a handle was closed.
    StateClosed,
    /// A coroutine cannot be resumed (dead or running).
    CoroutineUnresumable {
        /// Why.
        message: String,
    },
    /// An error from Rust code, carried through Lua as its message.
    External(Arc<dyn std::error::Error + Send + Sync>),
}

/// The typed API's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A runtime error with `message` (what `error(message)` raises, without
    /// a position).
    pub fn runtime(message: impl Into<String>) -> Error {
        Error::Runtime {
            message: message.into(),
            traceback: None,
        }
    }

    /// Wraps any Rust error.
    pub fn external(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::External(Arc::from(e.into()))
    }

    /// The traceback of a runtime error caught by the host, if any.
    pub fn traceback(&self) -> Option<&str> {
        match self {
            Error::Runtime { traceback, .. } => traceback.as_deref(),
            _ => None,
        }
    }

    /// The text given to Lua when this error travels through Lua code.
    pub(crate) fn lua_message(&self) -> String {
        match self {
            Error::Runtime { message, .. }
            | Error::Syntax { message }
            | Error::Memory { message }
            | Error::MessageHandler { message } => message.clone(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Runtime { message, traceback } => {
                write!(f, "{message}")?;
                if let Some(tb) = traceback {
                    write!(f, "\n{tb}")?;
                }
                Ok(())
            }
            Error::Syntax { message } => write!(f, "syntax error: {message}"),
            Error::Memory { message } => write!(f, "memory error: {message}"),
            Error::MessageHandler { message } => write!(f, "error in error handling: {message}"),
            Error::FromLua { from, to, message } => match message {
                Some(m) => write!(f, "{m}"),
                None => write!(f, "{to} expected, got {from}"),
            },
            Error::ToLua { from, message } => {
                write!(f, "cannot convert {from} to a Lua value: {message}")
            }
            Error::BadArgument { pos, cause } => write!(f, "bad argument #{pos} ({cause})"),
            Error::Borrow { type_name, message } => write!(f, "userdata {type_name} {message}"),
            Error::UserDataType { expected } => write!(f, "userdata is not a {expected}"),
            Error::StateMismatch => write!(f, "value belongs to another Lua state"),
            Error::StateClosed => write!(f, "the Lua state is closed"),
            Error::CoroutineUnresumable { message } => write!(f, "{message}"),
            Error::External(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::external(e)
    }
}
