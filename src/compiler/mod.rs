//! The Lua 5.4 compiler: a one-pass scanner + parser + code generator in the
//! style of PUC-Rio's `llex.c`, `lparser.c` and `lcode.c` (no AST). Its output
//! is a plain-data `FunctionProto` whose bytecode follows PUC's opcode semantics
//! (and, for the cases tested, is identical to `luac5.4 -l -l`).

pub mod code;
pub mod dump;
pub mod fast_hash;
pub mod interner;
pub mod lexer;
pub mod line_info;
pub mod number;
pub mod ops;
pub mod parser;
pub mod proto;
pub mod scope;

#[cfg(test)]
mod tests;

pub use dump::disassemble;
pub use number::{str_to_number, Number};
pub use proto::{Constant, FunctionProto, LocalVarInfo, UpvalueDesc};

/// Reproduce Lua 5.4.4's code generation where later 5.4 releases changed or
/// fixed it. With `false` (the default) the compiler follows 5.4.8:
/// - block exit: the block's variables end before the `break` label and its
///   CLOSE (5.4.4 could leave a generic `for`'s closing value open on `break`);
/// - bitwise operators with a constant first operand (5.4.5 fix);
/// - a call's line (for errors and line hooks) is the line of its arguments,
///   also in "')' expected (to close '(' at line N)" (5.4.7 fix);
/// - `up[a < b]` evaluates the comparison before loading the upvalue (5.4.8).
///
/// `true` exists only to byte-compare listings with the installed `luac5.4`
/// (5.4.4); with it, every listing tested is identical.
pub const COMPAT_5_4_4: bool = false;

/// PUC's `LUA_IDSIZE`: the size of a chunk id, including the final zero.
pub const LUA_IDSIZE: usize = 60;

/// Nesting depth already in use when a chunk is parsed from `load` called by
/// a Lua main chunk in lua5.4 (its `nCcalls`); parsing fails with
/// "C stack overflow" when the depth reaches `MAX_C_CALLS`, as PUC does.
pub const C_CALLS_BASE: u32 = 2;
/// PUC's `LUAI_MAXCCALLS`.
pub const MAX_C_CALLS: u32 = 200;

/// Compiles a chunk. `chunkname` is PUC's chunk name ("@file.lua", "=stdin" or
/// the source text itself); errors are complete PUC messages
/// (`x.lua:3: 'end' expected near <eof>`). Message bytes that are not UTF-8
/// (quoted from the source) are replaced; `compile_bytes` keeps them exact.
pub fn compile(source: &[u8], chunkname: &[u8]) -> Result<FunctionProto, String> {
    parser::parse(source, chunkname, C_CALLS_BASE).map_err(lexer::bytes_to_string)
}

/// Like `compile`, with the caller's current C-call nesting level (PUC's
/// `nCcalls`), which counts against the parser's nesting limit.
pub fn compile_at_depth(
    source: &[u8],
    chunkname: &[u8],
    c_calls: u32,
) -> Result<FunctionProto, String> {
    parser::parse(source, chunkname, c_calls).map_err(lexer::bytes_to_string)
}

/// Like `compile_at_depth`, with the error message as the exact bytes lua5.4
/// produces (source text quoted in "near '...'" may be any bytes).
pub fn compile_bytes(
    source: &[u8],
    chunkname: &[u8],
    c_calls: u32,
) -> Result<FunctionProto, Vec<u8>> {
    parser::parse(source, chunkname, c_calls)
}

/// PUC's `luaO_chunkid`: the name of a chunk as shown in messages.
/// "@name" → name (keeping the end, with "..." in front, if too long),
/// "=name" → name (truncated), otherwise `[string "first line..."]`.
pub fn chunk_id(chunkname: &[u8]) -> Vec<u8> {
    // C strings stop at the first zero byte.
    let src = match chunkname.iter().position(|&c| c == 0) {
        Some(n) => &chunkname[..n],
        None => chunkname,
    };
    let srclen = src.len();
    let mut out = Vec::with_capacity(LUA_IDSIZE);
    match src.first() {
        Some(b'=') => {
            let rest = &src[1..];
            if srclen <= LUA_IDSIZE {
                out.extend_from_slice(rest);
            } else {
                out.extend_from_slice(&rest[..LUA_IDSIZE - 1]);
            }
        }
        Some(b'@') => {
            let rest = &src[1..];
            if srclen <= LUA_IDSIZE {
                out.extend_from_slice(rest);
            } else {
                out.extend_from_slice(b"...");
                let keep = LUA_IDSIZE - 3 - 1; // last bytes of the name
                out.extend_from_slice(&rest[rest.len() - keep..]);
            }
        }
        _ => {
            const PRE: &[u8] = b"[string \"";
            const RETS: &[u8] = b"...";
            const POS: &[u8] = b"\"]";
            let bufflen = LUA_IDSIZE - (PRE.len() + RETS.len() + POS.len()) - 1;
            out.extend_from_slice(PRE);
            let nl = src.iter().position(|&c| c == b'\n');
            if srclen < bufflen && nl.is_none() {
                out.extend_from_slice(src);
            } else {
                let mut len = nl.unwrap_or(srclen);
                if len > bufflen {
                    len = bufflen;
                }
                out.extend_from_slice(&src[..len]);
                out.extend_from_slice(RETS);
            }
            out.extend_from_slice(POS);
        }
    }
    out
}
