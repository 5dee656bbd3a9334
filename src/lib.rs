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
//! Every Lua object lives in the garbage-collected heap (`gc`). These engine
//! modules are public for the `crescent` command and the tests but hidden
//! from this reference: embedders use [`api`] (typed), [`raw`] (the stack
//! API), [`sandbox`], [`host`], [`plain`], [`stdlib`] (including
//! [`stdlib::lproc`]), [`interrupt`] (Ctrl-C), [`error`], [`State`] and
//! [`Value`]. See ARCHITECTURE.md, and docs/EMBEDDING.md for the embedding
//! guide (threads, sandboxes, host features).

#![warn(missing_docs)]

#[doc(hidden)]
pub mod alloc_failure;
pub mod api;
#[doc(hidden)]
pub mod arith;
#[doc(hidden)]
pub mod auxlib;
#[doc(hidden)]
pub mod call;
#[doc(hidden)]
pub mod collector;
#[doc(hidden)]
pub mod compiler;
#[doc(hidden)]
pub mod coroutine;
#[doc(hidden)]
pub mod cstack;
#[doc(hidden)]
pub mod debug;
#[doc(hidden)]
pub mod dump;
pub mod error;
#[doc(hidden)]
pub mod function;
#[doc(hidden)]
pub mod gc;
pub mod host;
#[doc(hidden)]
pub mod index_cache;
pub mod interrupt;
#[doc(hidden)]
pub mod load;
#[doc(hidden)]
pub mod numfmt;
#[doc(hidden)]
pub mod opcodes;
pub mod plain;
mod pool;
pub mod raw;
pub mod sandbox;
#[doc(hidden)]
pub mod state;
pub mod stdlib;
#[doc(hidden)]
pub mod string;
#[doc(hidden)]
pub mod table;
#[doc(hidden)]
pub mod tm;
#[doc(hidden)]
pub mod traceback;
#[doc(hidden)]
pub mod userdata;
#[doc(hidden)]
pub mod value;
#[doc(hidden)]
pub mod vm;

pub use api::{
    AnyUserData, Chunk, Error, FromLua, FromLuaMulti, Function, IntoLua, IntoLuaMulti, Lua,
    LuaString, MetaMethod, MultiValue, SendableLua, Table, Thread, UserData, UserDataFields,
    UserDataMethods, Variadic,
};
pub use error::{ErrorKind, LuaError, LuaResult};
/// The engine-level interface, below the typed and stack APIs: native
/// functions ([`NativeFn`]) read their arguments and push results through
/// it, and the [`sandbox`], [`host`], [`plain`] and [`stdlib`] helpers take
/// it. Stack indices are absolute and values are not rooted: a value held
/// across anything that may collect garbage must stay on the stack or in
/// the registry. Prefer [`raw::Stack`] (checked indices) or [`Lua`].
pub use state::State;
/// A native function: arguments on the stack from the frame base (read
/// them with [`State::arg`] and the `check_*` methods), results pushed,
/// their count returned.
pub use value::NativeFn;
/// A Lua value as the engine stores it (16 bytes, `Copy`, not rooted);
/// the typed API's rooted counterpart is [`api::Value`].
pub use value::Value;
