//! Stack tracebacks (PUC's `luaL_traceback` in `lauxlib.c`) and the native
//! behind `debug.traceback`.
//!
//! Levels count down the frame list: level 0 is the running function
//! (`frames.last()`), level 1 its caller, and so on. Each level prints as
//! `"\n\tshort_src:line: in <name>"`, where the name is, in order of preference,
//! a global name found in `package.loaded` ("function 'string.format'"), the
//! name the calling instruction used ("local 'f'", "method 'm'", ...), "main
//! chunk", "function <file:line>", or "?" for natives. Long tracebacks keep
//! the first `LEVELS1` and the last `LEVELS2` levels.

use crate::error::LuaResult;
use crate::gc::Gc;
use crate::state::{call_status, CallInfo, State, Thread};
use crate::table::Table;
use crate::value::Value;

/// Levels shown before the "..." line of a long traceback.
const LEVELS1: i64 = 10;
/// Levels shown after it.
const LEVELS2: i64 = 11;

/// PUC's `findfield`: a dotted name ("lib.name", at most `level` parts) under
/// which `f` is stored in table `t`, searching string keys only.
fn find_field(t: Gc<Table>, f: Value, level: u32) -> Option<Vec<u8>> {
    if level == 0 {
        return None;
    }
    let mut k = Value::Nil;
    while let Ok(Some((key, v))) = t.next(k) {
        k = key;
        if let Value::Str(name) = key {
            if v.raw_equals(&f) {
                return Some(name.as_bytes().to_vec());
            }
            if let Value::Table(sub) = v {
                if let Some(rest) = find_field(sub, f, level - 1) {
                    return Some([name.as_bytes(), b".", &rest].concat());
                }
            }
        }
    }
    None
}

/// PUC's `pushglobalfuncname`: the name of `f` in `package.loaded`, with a
/// leading "_G." removed.
fn global_func_name(l: &State, f: Value) -> Option<Vec<u8>> {
    let g = l.global();
    let key = g.new_string(b"_LOADED");
    let loaded = g.registry.get_str(key).as_table()?;
    let name = find_field(loaded, f, 2)?;
    if name.starts_with(b"_G.") {
        Some(name[3..].to_vec())
    } else {
        Some(name)
    }
}

/// The frame at `level` of `st` (0 = running function).
fn frame_at(st: &State, level: i64) -> Option<&CallInfo> {
    let n = st.frames.len() as i64;
    if level < 0 || level >= n {
        None
    } else {
        Some(&st.frames[(n - 1 - level) as usize])
    }
}

/// "function 'name'", "local 'f'", "main chunk", "function <src:line>" or "?"
/// for the function running at `level` (PUC's `pushfuncname`).
fn func_description(l: &State, st: &State, level: i64, ci: &CallInfo) -> Vec<u8> {
    let f = st.at(ci.func);
    if let Some(name) = global_func_name(l, f) {
        return [b"function '".as_slice(), &name, b"'"].concat();
    }
    if let Some((namewhat, name)) = st.frame_func_name(level as usize) {
        if !namewhat.is_empty() {
            return [namewhat.as_bytes(), b" '", &name, b"'"].concat();
        }
    }
    match ci.closure {
        Some(cl) => {
            let p = cl.proto;
            if p.line_defined == 0 {
                b"main chunk".to_vec()
            } else {
                let src = crate::compiler::chunk_id(p.source.as_bytes());
                [
                    b"function <".as_slice(),
                    &src,
                    b":",
                    p.line_defined.to_string().as_bytes(),
                    b">",
                ]
                .concat()
            }
        }
        None => b"?".to_vec(),
    }
}

/// The traceback text of thread `st` from `level` on, preceded by `msg` and a
/// newline when given. `l` is the thread asking (for the global names).
pub fn traceback_of(l: &State, st: &State, msg: Option<&[u8]>, level: i64) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(m) = msg {
        out.extend_from_slice(m);
        out.push(b'\n');
    }
    out.extend_from_slice(b"stack traceback:");
    let last = st.frames.len() as i64 - 1;
    let mut level = level;
    let mut limit2show: i64 = if last - level > LEVELS1 + LEVELS2 {
        LEVELS1
    } else {
        -1
    };
    while let Some(ci) = frame_at(st, level) {
        let cur = level;
        level += 1;
        let show = limit2show != 0;
        limit2show -= 1;
        if !show {
            let n = last - level - LEVELS2 + 1;
            out.extend_from_slice(format!("\n\t...\t(skipping {n} levels)").as_bytes());
            level += n;
            continue;
        }
        let ci = *ci;
        out.extend_from_slice(b"\n\t");
        match ci.closure {
            Some(cl) => {
                out.extend_from_slice(&crate::compiler::chunk_id(cl.proto.source.as_bytes()));
                let line = crate::debug::current_line(&ci);
                if line > 0 {
                    out.push(b':');
                    out.extend_from_slice(line.to_string().as_bytes());
                }
            }
            None => out.extend_from_slice(b"[C]"),
        }
        out.extend_from_slice(b": in ");
        out.extend_from_slice(&func_description(l, st, cur, &ci));
        if ci.status & call_status::TAIL != 0 {
            out.extend_from_slice(b"\n\t(...tail calls...)");
        }
    }
    out
}

impl State {
    /// The text of `luaL_traceback(L, L, msg, level)` for this thread: level 0
    /// is the running function, 1 its caller, and so on.
    pub fn traceback(&mut self, msg: Option<&[u8]>, level: usize) -> Vec<u8> {
        traceback_of(self, self, msg, level as i64)
    }
}

/// The state of a thread object.
fn thread_state(th: Gc<Thread>) -> &'static State {
    // SAFETY: only read, while the thread asking runs; the other thread is
    // suspended, dead or resuming us, so nothing mutates it meanwhile.
    unsafe { &*th.state_ptr() }
}

/// `debug.traceback([thread,] [message [, level]])` (PUC's `db_traceback`).
/// A message that is neither a string, a number nor nil is returned untouched.
pub fn traceback_native(l: &mut State) -> LuaResult<usize> {
    let (other, arg) = match l.arg(1) {
        Value::Thread(t) if Some(t) != l.thread => (Some(t), 1),
        Value::Thread(_) => (None, 1),
        _ => (None, 0),
    };
    let msg_v = l.arg(arg + 1);
    let msg: Option<Vec<u8>> = match msg_v {
        Value::Str(s) => Some(s.as_bytes().to_vec()),
        Value::Int(_) | Value::Float(_) => Some(crate::auxlib::number_to_bytes(msg_v)),
        Value::Nil => None,
        _ => {
            l.push(msg_v);
            return Ok(1);
        }
    };
    let default_level = if other.is_some() { 0 } else { 1 };
    let level = l.opt_integer(arg + 2, default_level)?;
    let text = match other {
        Some(t) => traceback_of(l, thread_state(t), msg.as_deref(), level),
        None => traceback_of(l, l, msg.as_deref(), level),
    };
    let s = l.new_str_value(&text);
    l.push(s);
    Ok(1)
}
