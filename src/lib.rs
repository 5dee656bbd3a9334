//! Crescent: Lua 5.4 in Rust.
//!
//! Embedding it, with the typed API ([`api`]; the stack API is [`raw`]):
//!
//! ```
//! use crescent::{Lua, UserData, UserDataMethods};
//!
//! struct Counter(i64);
//! impl UserData for Counter {
//!     fn add_methods(m: &mut UserDataMethods<Self>) {
//!         m.add_method_mut("add", |_, c, n: i64| { c.0 += n; Ok(c.0) });
//!     }
//! }
//!
//! let lua = Lua::new();
//! let greet = lua.create_function(|_, name: String| Ok(format!("hello, {name}")))?;
//! lua.globals().set("greet", greet)?;
//! lua.globals().set("counter", lua.create_userdata(Counter(0))?)?;
//! let (text, total): (String, i64) = lua
//!     .load("greet('moon'), counter:add(40) + counter:add(1) - 40")
//!     .set_name("=example")
//!     .eval()?;
//! assert_eq!((text.as_str(), total), ("hello, moon", 41));
//! let err = lua.load("counter:add('x')").set_name("=example").exec().unwrap_err();
//! assert!(err.to_string().starts_with("example:1: bad argument #1 to 'add'"));
//! # Ok::<(), crescent::Error>(())
//! ```
//!
//! Inside, source goes through the compiler (`compiler`: lexer, parser and
//! code generator in one pass) to a prototype of 32-bit Lua 5.4 instructions,
//! which the register VM (`vm`) runs on a thread's stack (`state`, `call`).
//! Every Lua object lives in the garbage-collected heap (`gc`). See
//! ARCHITECTURE.md, and docs/EMBEDDING.md for the embedding API.

pub mod api;
pub mod arith;
pub mod auxlib;
pub mod call;
pub mod collector;
pub mod compiler;
pub mod coroutine;
pub mod debug;
pub mod dump;
pub mod error;
pub mod function;
pub mod gc;
pub mod host;
pub mod interrupt;
pub mod load;
pub mod numfmt;
pub mod opcodes;
pub mod plain;
pub mod raw;
pub mod sandbox;
pub mod state;
pub mod stdlib;
pub mod string;
pub mod table;
pub mod tm;
pub mod traceback;
pub mod userdata;
pub mod value;
pub mod vm;

pub use api::{
    AnyUserData, Chunk, Error, FromLua, FromLuaMulti, Function, IntoLua, IntoLuaMulti, Lua,
    LuaString, MetaMethod, MultiValue, SendableLua, Table, Thread, UserData, UserDataFields,
    UserDataMethods, Variadic,
};
pub use error::{ErrorKind, LuaError, LuaResult};
pub use state::State;
pub use value::Value;
