//! Loading chunks: compile source (or read a binary chunk) and build the
//! closure that runs it, with `_ENV` as its first upvalue (PUC's `lua_load`).

use crate::compiler::fast_hash::FastMap;
use crate::compiler::interner::StrKey;
use std::cell::Cell;

use crate::compiler::proto::{Constant, FunctionProto};
use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::{LuaClosure, Proto, UpVal};
use crate::gc::Gc;
use crate::state::State;
use crate::string::{LuaString, MAX_SHORT_LEN};
use crate::value::Value;

/// The signature that starts every binary chunk (`LUA_SIGNATURE`).
pub const BINARY_SIGNATURE: &[u8] = b"\x1bLua";

impl State {
    /// Turns the compiler's plain prototype into a collectable one. All
    /// functions of a chunk share its source name, and equal string constants
    /// of a chunk are one object (as PUC's loader makes them): short strings
    /// through the global string table, long ones through `long_strings`,
    /// keyed by address (the compiler and the undumper intern their strings).
    pub fn make_proto(&mut self, fp: FunctionProto) -> Gc<Proto> {
        let source = fp.source.clone();
        self.make_proto_named(fp, &source)
    }

    /// `make_proto` for a compiled chunk named `chunkname` (the compiler
    /// records a shortened name; see `compiler::parser::parse`).
    pub fn make_proto_named(&mut self, fp: FunctionProto, chunkname: &[u8]) -> Gc<Proto> {
        let source = self.new_string(chunkname);
        let mut long_strings = FastMap::default();
        self.make_proto_in(fp, source, &mut long_strings)
    }

    fn make_proto_in(
        &mut self,
        fp: FunctionProto,
        source: Gc<LuaString>,
        long_strings: &mut FastMap<StrKey, Gc<LuaString>>,
    ) -> Gc<Proto> {
        let constants: Vec<Value> = fp
            .constants
            .into_iter()
            .map(|k| match k {
                Constant::Nil => Value::Nil,
                Constant::Bool(b) => Value::Bool(b),
                Constant::Int(i) => Value::Int(i),
                Constant::Float(f) => Value::Float(f),
                // Short strings are one object per contents anyway.
                Constant::Str(s) if s.len() <= MAX_SHORT_LEN => Value::Str(self.new_string(&s)),
                Constant::Str(s) => {
                    let key = StrKey(s);
                    if let Some(&g) = long_strings.get(&key) {
                        Value::Str(g)
                    } else {
                        let g = self.new_string(&key.0);
                        long_strings.insert(key, g);
                        Value::Str(g)
                    }
                }
            })
            .collect();
        let protos: Vec<Gc<Proto>> = fp
            .protos
            .into_iter()
            .map(|p| self.make_proto_in(p, source, long_strings))
            .collect();
        self.global().heap.alloc(Proto {
            code: fp.code.into_boxed_slice(),
            constants: constants.into_boxed_slice(),
            protos: protos.into_boxed_slice(),
            upvalues: fp.upvalues.into_boxed_slice(),
            num_params: fp.num_params,
            is_vararg: fp.is_vararg,
            max_stack_size: fp.max_stack_size,
            line_info: fp.line_info,
            local_vars: fp.local_vars.into_boxed_slice(),
            source,
            line_defined: fp.line_defined,
            last_line_defined: fp.last_line_defined,
        })
    }

    /// Compiles or undumps a chunk and returns its closure. `mode` is "t", "b"
    /// or "bt"; the closure's first upvalue is the globals table, or `env`.
    pub fn load_chunk(
        &mut self,
        chunk: &[u8],
        chunkname: &[u8],
        mode: &[u8],
        env: Option<Value>,
    ) -> LuaResult<Value> {
        // The compiler's (or undumper's) working memory grows with the chunk:
        // reserve that much first, so a huge chunk fails as out of memory.
        self.check_memory_limit(chunk.len())?;
        let is_binary = chunk.starts_with(&BINARY_SIGNATURE[..1]);
        let fp = if is_binary {
            if !mode.contains(&b'b') {
                return Err(self.syntax_error(format!(
                    "attempt to load a binary chunk (mode is '{}')",
                    String::from_utf8_lossy(mode)
                )));
            }
            match crate::dump::undump(chunk, chunkname) {
                Ok(fp) => fp,
                Err(msg) => return Err(self.syntax_error(msg)),
            }
        } else {
            if !mode.contains(&b't') {
                return Err(self.syntax_error(format!(
                    "attempt to load a text chunk (mode is '{}')",
                    String::from_utf8_lossy(mode)
                )));
            }
            match crate::compiler::compile_at_depth(chunk, chunkname, self.n_ccalls + 2) {
                Ok(fp) => fp,
                Err(msg) => {
                    let v = self.new_str_value(msg.as_bytes());
                    return Err(LuaError {
                        kind: ErrorKind::Syntax,
                        value: v,
                    });
                }
            }
        };
        let nup = fp.upvalues.len();
        let proto = if is_binary {
            self.make_proto(fp)
        } else {
            self.make_proto_named(fp, chunkname)
        };
        let env = env.unwrap_or(Value::Table(self.global().globals));
        let mut upvalues = Vec::with_capacity(nup);
        for i in 0..nup {
            let v = if i == 0 { env } else { Value::Nil };
            let uv = UpVal::alloc_closed(&mut self.global().heap, v);
            upvalues.push(Cell::new(uv));
        }
        let cl = self
            .global()
            .heap
            .alloc(LuaClosure::new(proto, upvalues.into_boxed_slice()));
        Ok(Value::LuaFn(cl))
    }

    fn syntax_error(&mut self, msg: String) -> LuaError {
        let v = self.new_str_value(msg.as_bytes());
        LuaError {
            kind: ErrorKind::Syntax,
            value: v,
        }
    }
}
