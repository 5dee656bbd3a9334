//! Crescent: Lua 5.4 in Rust.
//!
//! Source goes through the compiler (`compiler`: lexer, parser and code
//! generator in one pass) to a prototype of 32-bit Lua 5.4 instructions, which
//! the register VM (`vm`) runs on a thread's stack (`state`, `call`). Every Lua
//! object lives in the garbage-collected heap (`gc`). See ARCHITECTURE.md.
//!
//! ```
//! let mut lua = crescent::Lua::new();
//! let out = lua.eval("return 6 * 7").unwrap();
//! assert_eq!(out, "42");
//! ```

pub mod api;
pub mod arith;
pub mod auxlib;
pub mod call;
pub mod compiler;
pub mod coroutine;
pub mod debug;
pub mod dump;
pub mod error;
pub mod function;
pub mod gc;
pub mod interrupt;
pub mod load;
pub mod numfmt;
pub mod opcodes;
pub mod state;
pub mod stdlib;
pub mod string;
pub mod table;
pub mod tm;
pub mod traceback;
pub mod userdata;
pub mod value;
pub mod vm;

pub use api::Lua;
pub use error::{ErrorKind, LuaError, LuaResult};
pub use state::State;
pub use value::Value;
