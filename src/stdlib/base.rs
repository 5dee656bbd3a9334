//! The basic library (PUC's `lbaselib.c`).

use std::io::Write;

use crate::auxlib::{str_to_value, to_number};
use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::{FastCall, NativeClosure};
use crate::gc::{Gc, GcKind};
use crate::state::State;
use crate::table::Table;
use crate::tm::TmKind;
use crate::value::{LuaType, Value};

/// Opens the basic library (`print`, `pairs`, `pcall`, ...) into the globals.
pub fn open(l: &mut State) {
    let g = l.global().globals;
    l.set_functions(
        g,
        &[
            ("collectgarbage", collectgarbage),
            ("dofile", dofile),
            ("error", error),
            ("getmetatable", getmetatable),
            ("ipairs", ipairs),
            ("load", load),
            ("loadfile", loadfile),
            ("next", next),
            ("pairs", pairs),
            ("pcall", pcall),
            ("print", print),
            ("rawequal", rawequal),
            ("rawget", rawget),
            ("rawlen", rawlen),
            ("rawset", rawset),
            ("select", select),
            ("setmetatable", setmetatable),
            ("tonumber", tonumber),
            ("tostring", tostring),
            ("type", type_),
            ("warn", warn),
            ("xpcall", xpcall),
        ],
    );
    // A passing `assert` is done by `CALL` itself.
    let assert_fn = l
        .global()
        .heap
        .alloc(NativeClosure::with_fast(assert, FastCall::Assert));
    l.set_field(g, "assert", Value::NativeFn(assert_fn));
    l.set_field(g, "_G", Value::Table(g));
    let v = l.new_str_value(b"Lua 5.4");
    l.set_field(g, "_VERSION", v);
}

fn print(l: &mut State) -> LuaResult<usize> {
    let n = l.arg_count();
    let mut line = Vec::new();
    for i in 1..=n {
        let s = match l.to_display_string(l.arg(i)) {
            Ok(s) => s,
            Err(e) => {
                // PUC writes each value as it goes: what came before stays written.
                crate::stdlib::write_stdout(l, &line);
                return Err(e);
            }
        };
        if i > 1 {
            line.push(b'\t');
        }
        line.extend_from_slice(s.as_bytes());
    }
    line.push(b'\n');
    crate::stdlib::write_stdout(l, &line);
    // PUC's `print` flushes standard output (`lua_writeline`): a reader on
    // the other end of a pipe sees each line at once.
    crate::stdlib::flush_stdout(l);
    Ok(0)
}

fn type_(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    let s = l.new_str_value(v.type_name().as_bytes());
    l.push(s);
    Ok(1)
}

fn tostring(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    let s = l.to_display_string(v)?;
    l.push(Value::Str(s));
    Ok(1)
}

fn tonumber(l: &mut State) -> LuaResult<usize> {
    if l.arg(2).is_nil() {
        let v = l.check_any(1)?;
        let r = match v {
            Value::Int(_) | Value::Float(_) => v,
            Value::Str(s) => str_to_value(s.as_bytes()).unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
        l.push(r);
        return Ok(1);
    }
    let base = l.check_integer(2)?;
    let s = match l.arg(1) {
        Value::Str(s) => s,
        _ => return Err(l.arg_type_error(1, "string")),
    };
    if !(2..=36).contains(&base) {
        return Err(l.arg_error(2, "base out of range"));
    }
    let r = parse_in_base(s.as_bytes(), base as u32)
        .map(Value::Int)
        .unwrap_or(Value::Nil);
    l.push(r);
    Ok(1)
}

/// `tonumber(s, base)`: an optionally negative integer in `base`, with spaces around.
fn parse_in_base(s: &[u8], base: u32) -> Option<i64> {
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = s.iter().position(|c| !is_space(c))?;
    let mut s = &s[start..];
    let neg = match s.first() {
        Some(&b'-') => {
            s = &s[1..];
            true
        }
        Some(&b'+') => {
            s = &s[1..];
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    let mut digits = 0;
    while let Some(&c) = s.first() {
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 10,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => break,
        };
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(base as i64).wrapping_add(d as i64);
        digits += 1;
        s = &s[1..];
    }
    if digits == 0 || !s.iter().all(is_space) {
        return None;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

fn rawequal(l: &mut State) -> LuaResult<usize> {
    let a = l.check_any(1)?;
    let b = l.check_any(2)?;
    l.push(Value::Bool(a.raw_equals(&b)));
    Ok(1)
}

fn rawlen(l: &mut State) -> LuaResult<usize> {
    let n = match l.arg(1) {
        Value::Table(t) => t.length(),
        Value::Str(s) => s.len() as i64,
        _ => return Err(l.arg_type_error(1, "table or string")),
    };
    l.push(Value::Int(n));
    Ok(1)
}

fn rawget(l: &mut State) -> LuaResult<usize> {
    let t = l.check_table(1)?;
    let k = l.check_any(2)?;
    l.push(t.get(k));
    Ok(1)
}

fn rawset(l: &mut State) -> LuaResult<usize> {
    let t = l.check_table(1)?;
    let k = l.check_any(2)?;
    let v = l.check_any(3)?;
    l.raw_set(t, k, v)?;
    l.push(Value::Table(t));
    Ok(1)
}

fn getmetatable(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    match l.metatable_of(v) {
        None => l.push(Value::Nil),
        Some(mt) => {
            let protected = mt.get_str(l.global().tm_name(TmKind::Metatable));
            if protected.is_nil() {
                l.push(Value::Table(mt));
            } else {
                l.push(protected);
            }
        }
    }
    Ok(1)
}

fn setmetatable(l: &mut State) -> LuaResult<usize> {
    let t = l.check_table(1)?;
    let mt = match l.arg(2) {
        Value::Nil if l.arg_count() >= 2 => None,
        Value::Table(m) => Some(m),
        _ => return Err(l.arg_type_error(2, "nil or table")),
    };
    if let Some(old) = t.metatable() {
        if !old.get_str(l.global().tm_name(TmKind::Metatable)).is_nil() {
            return Err(l.error("cannot change a protected metatable"));
        }
    }
    t.set_metatable(mt);
    l.global().heap.barrier_back(t);
    l.check_finalizer(Value::Table(t), mt);
    l.push(Value::Table(t));
    Ok(1)
}

fn assert(l: &mut State) -> LuaResult<usize> {
    // The passing case is a hot path of many programs: kept lean.
    let n = l.arg_count();
    if n > 0 && !l.arg(1).is_falsy() {
        return Ok(n);
    }
    assertion_failed(l)
}

/// `assert`'s error: "value expected" without arguments, else its message.
#[cold]
#[inline(never)]
fn assertion_failed(l: &mut State) -> LuaResult<usize> {
    l.check_any(1)?;
    if l.arg_count() >= 2 {
        // As `error(msg)`: a string message gets the caller's position.
        let msg = l.arg(2);
        if let Value::Str(s) = msg {
            let mut full = l.where_(1);
            full.extend_from_slice(s.as_bytes());
            let v = l.new_str_value(&full);
            return Err(LuaError::runtime(v));
        }
        return Err(LuaError::runtime(msg));
    }
    Err(l.error("assertion failed!"))
}

fn error(l: &mut State) -> LuaResult<usize> {
    let v = l.arg(1);
    let level = l.opt_integer(2, 1)?;
    if let Value::Str(s) = v {
        if level > 0 {
            let mut msg = l.where_(level as usize);
            msg.extend_from_slice(s.as_bytes());
            let s = l.new_str_value(&msg);
            return Err(LuaError::runtime(s));
        }
    }
    Err(LuaError::runtime(v))
}

fn pcall(l: &mut State) -> LuaResult<usize> {
    l.check_any(1)?;
    let func = l.arg_base();
    mark_protected(l, false);
    match l.pcall_yieldable(func, -1, None) {
        Ok(()) => {
            let n = l.top - func;
            insert_true(l, func);
            Ok(n + 1)
        }
        Err(e) if e.kind == ErrorKind::Yield => Err(e),
        Err(e) => {
            l.top = func;
            l.push(Value::Bool(false));
            l.push(e.value);
            Ok(2)
        }
    }
}

/// Marks the running `pcall`/`xpcall` frame as a recovery point for errors
/// raised after a coroutine resumes inside it.
fn mark_protected(l: &mut State, xpcall: bool) {
    use crate::state::call_status;
    if let Some(ci) = l.frames.last_mut() {
        ci.status |= call_status::YIELDABLE_PCALL;
        if xpcall {
            ci.status |= call_status::XPCALL;
        }
        ci.k = Some(finish_pcall);
    }
}

/// Continuation of `pcall`/`xpcall` when the protected function returns after
/// a coroutine resume: the results become `true, ...`.
fn finish_pcall(l: &mut State) -> LuaResult<usize> {
    let ci = match l.frames.last() {
        Some(ci) => *ci,
        None => return Ok(0),
    };
    let level = crate::coroutine::protected_level(&ci);
    if ci.status & crate::state::call_status::CLOSING_ERROR != 0 {
        // Resumed while closing variables after an error: finish that.
        let p = l.frames.len() - 1;
        l.continue_error_close(p, level)?;
        l.frames[p].status &= !crate::state::call_status::CLOSING_ERROR;
        let err = l.stack[level];
        l.top = level;
        l.push(Value::Bool(false));
        l.push(err);
        return Ok(2);
    }
    let n = l.top.saturating_sub(level);
    insert_true(l, level);
    Ok(n + 1)
}

/// Continuation of `pairs` with `__pairs`: the three values it returned.
fn finish_pairs(_l: &mut State) -> LuaResult<usize> {
    Ok(3)
}

/// Continuation of `dofile`: all values the chunk returned.
fn finish_dofile(l: &mut State) -> LuaResult<usize> {
    let base = l.arg_base() + 1;
    Ok(l.top.saturating_sub(base))
}

/// Shifts the results at `func..top` up and puts `true` before them.
fn insert_true(l: &mut State, func: usize) {
    l.push(Value::Nil);
    for i in (func..l.top - 1).rev() {
        l.stack[i + 1] = l.stack[i];
    }
    l.stack[func] = Value::Bool(true);
}

fn xpcall(l: &mut State) -> LuaResult<usize> {
    l.check_type(2, LuaType::Function)?;
    let base = l.arg_base();
    let f = l.arg(1);
    let handler = l.arg(2);
    // [handler, f, args...]: the handler stays below the call as a root.
    l.stack[base] = handler;
    l.stack[base + 1] = f;
    let func = base + 1;
    mark_protected(l, true);
    match l.pcall_yieldable(func, -1, Some(handler)) {
        Ok(()) => {
            let n = l.top - func;
            insert_true(l, func);
            Ok(n + 1)
        }
        Err(e) if e.kind == ErrorKind::Yield => Err(e),
        Err(e) => {
            l.top = func;
            l.push(Value::Bool(false));
            l.push(e.value);
            Ok(2)
        }
    }
}

fn next(l: &mut State) -> LuaResult<usize> {
    let t = l.check_table(1)?;
    let k = l.arg(2);
    push_next(l, t, k)
}

/// Pushes the entry of `t` after `key` (`lua_next`'s results for `next`):
/// the key and value, or a single nil at the end.
pub(crate) fn push_next(l: &mut State, t: Gc<Table>, key: Value) -> LuaResult<usize> {
    match t.next(key) {
        Ok(Some((k, v))) => {
            l.push(k);
            l.push(v);
            Ok(2)
        }
        Ok(None) => {
            l.push(Value::Nil);
            Ok(1)
        }
        Err(()) => Err(l.rt_error_msg("invalid key to 'next'")),
    }
}

fn pairs(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    if let Some(tm) = l.metafield(v, TmKind::Pairs) {
        let base = l.top;
        l.push(tm);
        l.push(v);
        if let Some(ci) = l.frames.last_mut() {
            ci.k = Some(finish_pairs);
        }
        l.call_yieldable(base, 3)?;
        return Ok(3);
    }
    l.push(Value::LightNative(next));
    l.push(v);
    l.push(Value::Nil);
    Ok(3)
}

fn ipairs_aux(l: &mut State) -> LuaResult<usize> {
    let t = l.arg(1);
    let i = match l.arg(2) {
        Value::Int(i) => i.wrapping_add(1),
        _ => 1,
    };
    let v = match t {
        Value::Table(tab) => {
            let v = tab.get_int(i);
            if v.is_nil() && tab.metatable().is_some() {
                l.index_value(t, Value::Int(i), crate::debug::Operand::None)?
            } else {
                v
            }
        }
        _ => l.index_value(t, Value::Int(i), crate::debug::Operand::None)?,
    };
    if v.is_nil() {
        l.push(Value::Nil);
        Ok(1)
    } else {
        l.push(Value::Int(i));
        l.push(v);
        Ok(2)
    }
}

fn ipairs(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    l.push(Value::LightNative(ipairs_aux));
    l.push(v);
    l.push(Value::Int(0));
    Ok(3)
}

fn select(l: &mut State) -> LuaResult<usize> {
    let n = l.arg_count() as i64;
    if let Value::Str(s) = l.arg(1) {
        if s.as_bytes() == b"#" {
            l.push(Value::Int(n - 1));
            return Ok(1);
        }
    }
    let i = l.check_integer(1)?;
    let i = if i < 0 {
        n + i
    } else if i > n {
        n
    } else {
        i
    };
    if i < 1 {
        return Err(l.arg_error(1, "index out of range"));
    }
    Ok((n - i) as usize)
}

fn collectgarbage(l: &mut State) -> LuaResult<usize> {
    const OPTS: &[&str] = &[
        "stop",
        "restart",
        "collect",
        "count",
        "step",
        "setpause",
        "setstepmul",
        "isrunning",
        "generational",
        "incremental",
    ];
    let opt = l.check_option(1, Some("collect"), OPTS)?;
    if l.global().heap.in_finalizer {
        // The collector is not reentrant: every option fails inside `__gc`.
        l.push(Value::Nil);
        return Ok(1);
    }
    match OPTS[opt] {
        "stop" => {
            l.global().heap.running = false;
            l.push(Value::Int(0));
        }
        "restart" => {
            let heap = &mut l.global().heap;
            heap.running = true;
            // Resume as if the debt were paid (PUC's `luaE_setdebt(g, 0)`).
            heap.threshold = heap.total_bytes();
            l.push(Value::Int(0));
        }
        "collect" => {
            l.collect_garbage();
            l.push(Value::Int(0));
        }
        "count" => {
            let bytes = l.global().heap.total_bytes();
            l.push(Value::Float(bytes as f64 / 1024.0));
        }
        "step" => {
            let kib = l.opt_integer(2, 0)?;
            let done = l.gc_user_step(kib);
            l.push(Value::Bool(done));
        }
        "setpause" => {
            let p = l.opt_integer(2, 0)?;
            let old = set_gc_param(&mut l.global().heap.pause, p);
            l.push(Value::Int(old));
        }
        "setstepmul" => {
            let p = l.opt_integer(2, 0)?;
            let old = set_gc_param(&mut l.global().heap.stepmul, p);
            l.push(Value::Int(old));
        }
        "isrunning" => {
            let r = l.global().heap.running;
            l.push(Value::Bool(r));
        }
        "generational" => {
            let minor = l.opt_integer(2, 0)?;
            let major = l.opt_integer(3, 0)?;
            let heap = &mut l.global().heap;
            if minor != 0 {
                set_gc_param(&mut heap.minormul, minor);
            }
            if major != 0 {
                set_gc_param(&mut heap.majormul, major);
            }
            let previous = heap.kind;
            if previous != GcKind::Generational {
                l.enter_generational();
            }
            push_mode_name(l, previous);
        }
        _ => {
            let pause = l.opt_integer(2, 0)?;
            let stepmul = l.opt_integer(3, 0)?;
            let stepsize = l.opt_integer(4, 0)?;
            let heap = &mut l.global().heap;
            if pause != 0 {
                set_gc_param(&mut heap.pause, pause);
            }
            if stepmul != 0 {
                set_gc_param(&mut heap.stepmul, stepmul);
            }
            if stepsize != 0 {
                heap.stepsize = stepsize.clamp(0, 62) as usize;
            }
            let previous = heap.kind;
            l.enter_incremental();
            push_mode_name(l, previous);
        }
    }
    Ok(1)
}

/// Sets a collector parameter, kept as PUC keeps it (a quarter of the value,
/// in a byte), and returns the previous value.
fn set_gc_param(slot: &mut usize, value: i64) -> i64 {
    let old = *slot as i64;
    *slot = (value.clamp(0, 1023) / 4 * 4) as usize;
    old
}

fn push_mode_name(l: &mut State, kind: GcKind) {
    let name: &[u8] = match kind {
        GcKind::Generational => b"generational",
        GcKind::Incremental => b"incremental",
    };
    let v = l.new_str_value(name);
    l.push(v);
}

/// Reads a whole chunk from a reader function (`load` with a function).
fn read_with_reader(l: &mut State, f: Value) -> LuaResult<Vec<u8>> {
    let mut chunk = Vec::new();
    loop {
        let base = l.top;
        l.push(f);
        // Protected, so a failing reader leaves this frame intact.
        l.pcall(base, 1, None)?;
        let piece = l.stack[base];
        l.top = base;
        match piece {
            Value::Nil => break,
            Value::Str(s) => {
                if s.is_empty() {
                    break;
                }
                chunk.extend_from_slice(s.as_bytes());
            }
            _ => return Err(l.error("reader function must return a string")),
        }
    }
    Ok(chunk)
}

fn load(l: &mut State) -> LuaResult<usize> {
    let chunk_arg = l.arg(1);
    let mode = match l.opt_string(3)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if l.arg_count() >= 4 {
        Some(l.arg(4))
    } else {
        None
    };
    // A string chunk, and the chunk name, are read in place: they are the
    // call's arguments, so they stay alive (a 2.5 MB chunk is not copied,
    // and neither is its default name, the chunk itself).
    let read_chunk: Vec<u8>;
    let chunk_str: Gc<crate::string::LuaString>;
    let (chunk, default_name): (&[u8], &[u8]) = match chunk_arg {
        Value::Str(s) => {
            chunk_str = s;
            (chunk_str.as_bytes(), chunk_str.as_bytes())
        }
        v if v.is_function() => match read_with_reader(l, v) {
            Ok(c) => {
                read_chunk = c;
                (&read_chunk, b"=(load)")
            }
            Err(e) => {
                l.push(Value::Nil);
                l.push(e.value);
                return Ok(2);
            }
        },
        _ => return Err(l.arg_type_error(1, "function")),
    };
    let name_arg = l.opt_string(2)?;
    let name = match &name_arg {
        Some(s) => s.as_bytes(),
        None => default_name,
    };
    let loaded = l.load_chunk(chunk, name, &mode, env);
    Ok(push_load_result(l, loaded))
}

/// Reads a file for `loadfile`/`dofile`; `None` reads standard input.
pub fn load_file(
    l: &mut State,
    path: Option<&[u8]>,
    mode: &[u8],
    env: Option<Value>,
) -> LuaResult<Value> {
    let (data, chunkname) = match path {
        Some(p) => {
            let pstr = String::from_utf8_lossy(p).into_owned();
            match std::fs::read(&pstr) {
                Ok(d) => (d, [b"@".as_slice(), p].concat()),
                Err(e) => {
                    let msg = format!("cannot open {}: {}", pstr, crate::stdlib::os_error_text(&e));
                    let v = l.new_str_value(msg.as_bytes());
                    return Err(LuaError {
                        kind: ErrorKind::Runtime,
                        value: v,
                    });
                }
            }
        }
        None => {
            let mut d = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut d);
            (d, b"=stdin".to_vec())
        }
    };
    let mut body: &[u8] = &data;
    // Skip a UTF-8 BOM and a first line starting with '#'.
    if body.starts_with(b"\xEF\xBB\xBF") {
        body = &body[3..];
    }
    let owned;
    if body.first() == Some(&b'#') {
        let nl = body.iter().position(|&c| c == b'\n').unwrap_or(body.len());
        // Keep the newline so line numbers stay right, unless a binary chunk
        // follows the comment.
        let rest = &body[nl..];
        owned = if rest.get(1) == Some(&0x1b) {
            rest[1..].to_vec()
        } else {
            rest.to_vec()
        };
        body = &owned;
    }
    l.load_chunk(body, &chunkname, mode, env)
}

fn loadfile(l: &mut State) -> LuaResult<usize> {
    let path = l.opt_string(1)?.map(|s| s.as_bytes().to_vec());
    let mode = match l.opt_string(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if l.arg_count() >= 3 {
        Some(l.arg(3))
    } else {
        None
    };
    let loaded = load_file(l, path.as_deref(), &mode, env);
    Ok(push_load_result(l, loaded))
}

/// Pushes what `load` returns: the function, or nil and the error message.
pub(crate) fn push_load_result(l: &mut State, loaded: LuaResult<Value>) -> usize {
    match loaded {
        Ok(f) => {
            l.push(f);
            1
        }
        Err(e) => {
            l.push(Value::Nil);
            l.push(e.value);
            2
        }
    }
}

fn dofile(l: &mut State) -> LuaResult<usize> {
    let path = l.opt_string(1)?.map(|s| s.as_bytes().to_vec());
    let f = load_file(l, path.as_deref(), b"bt", None)?;
    // Keep exactly one argument slot, so the chunk's results follow it.
    let base = l.arg_base() + 1;
    l.set_top(base);
    l.push(f);
    if let Some(ci) = l.frames.last_mut() {
        ci.k = Some(finish_dofile);
    }
    l.call_yieldable(base, -1)?;
    Ok(l.top - base)
}

fn warn(l: &mut State) -> LuaResult<usize> {
    let n = l.arg_count();
    l.check_string(1)?;
    for i in 2..=n {
        l.check_string(i)?;
    }
    let mut msg = Vec::new();
    for i in 1..=n {
        if let Value::Str(s) = l.arg(i) {
            msg.extend_from_slice(s.as_bytes());
        }
    }
    if crate::raw::deliver_warning_to_host(l, &msg) {
        return Ok(0);
    }
    let g = l.global();
    if n == 1 && msg.first() == Some(&b'@') {
        match &msg[..] {
            b"@on" => g.warnings_on = true,
            b"@off" => g.warnings_on = false,
            _ => {}
        }
        return Ok(0);
    }
    if g.warnings_on {
        crate::stdlib::flush_stdout(l);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"Lua warning: ");
        let _ = err.write_all(&msg);
        let _ = err.write_all(b"\n");
    }
    Ok(0)
}

#[allow(dead_code)]
fn to_num(v: Value) -> Option<Value> {
    to_number(v)
}
