//! The string library (PUC's `lstrlib.c`): glue between Lua values and the
//! engines in `pattern.rs` (matching), `printf.rs` (`string.format`) and
//! `pack.rs` (`string.pack`/`unpack`/`packsize`), plus the string metatable
//! (`__index` and the arithmetic metamethods that coerce numeric strings).

use crate::arith::ArithOp;
use crate::auxlib::{number_to_bytes, to_number};
use crate::debug::Operand;
use crate::error::{LuaError, LuaResult};
use crate::function::NativeClosure;
use crate::gc::Gc;
use crate::state::State;
use crate::stdlib::pack::{self, PackArgs, PackError, PackValue};
use crate::stdlib::pattern::{self, Capture, GlobalMatcher, Gsub, Match};
use crate::stdlib::printf::{self, FormatArg, FormatArgs, FormatError};
use crate::string::LuaString;
use crate::tm::TmKind;
use crate::value::{LuaType, Value};

/// Longest string `rep` builds (PUC's `MAXSIZE` as seen with a 32-bit `int`).
const MAX_STRING_SIZE: usize = i32::MAX as usize;

/// Opens the `string` library (and the string metatable).
pub fn open(l: &mut State) {
    let t = l.register_lib(
        "string",
        &[
            ("byte", byte),
            ("char", char),
            ("dump", dump),
            ("find", find),
            ("format", format),
            ("gmatch", gmatch),
            ("gsub", gsub),
            ("len", len),
            ("lower", lower),
            ("match", match_),
            ("rep", rep),
            ("reverse", reverse),
            ("sub", sub),
            ("upper", upper),
            ("pack", pack_),
            ("packsize", packsize),
            ("unpack", unpack),
        ],
    );
    let mt = l.new_table(0, 10);
    l.set_functions(
        mt,
        &[
            ("__add", arith_add),
            ("__sub", arith_sub),
            ("__mul", arith_mul),
            ("__mod", arith_mod),
            ("__pow", arith_pow),
            ("__div", arith_div),
            ("__idiv", arith_idiv),
            ("__unm", arith_unm),
        ],
    );
    l.set_field(mt, "__index", Value::Table(t));
    l.global().type_metatables[LuaType::String as usize] = Some(mt);
}

// ---------------------------------------------------------------------------
// Positions

/// Start position: 1-based, negative from the end, clipped to >= 1
/// (PUC's `posrelatI`). The result may exceed `len`.
#[inline]
fn start_pos(pos: i64, len: usize) -> usize {
    if pos > 0 {
        pos as usize
    } else if pos == 0 || pos < -(len as i64) {
        1
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// End position clipped to `[0, len]` (PUC's `getendpos`).
#[inline]
fn end_pos(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -(len as i64) {
        0
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// An optional integer argument, with a fast path for plain integers.
#[inline]
fn int_arg(l: &mut State, n: usize, default: i64) -> LuaResult<i64> {
    match l.arg(n) {
        Value::Int(i) => Ok(i),
        Value::Nil => Ok(default),
        _ => l.check_integer(n),
    }
}

/// A string argument, with a fast path for strings.
#[inline]
fn str_arg(l: &mut State, n: usize) -> LuaResult<Gc<LuaString>> {
    match l.arg(n) {
        Value::Str(s) => Ok(s),
        _ => l.check_string(n),
    }
}

// ---------------------------------------------------------------------------
// Basic functions

fn len(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    l.push(Value::Int(s.len() as i64));
    Ok(1)
}

fn sub(l: &mut State) -> LuaResult<usize> {
    // `s:sub(i, j)` with integer bounds, the usual call, read in place.
    let base = l.arg_base();
    let args = &l.stack[base..l.top.max(base)];
    let (s, i, j) = match *args {
        [Value::Str(s), Value::Int(i), Value::Int(j)] => (s, i, j),
        [Value::Str(s), Value::Int(i)] => (s, i, -1),
        _ => {
            let s = str_arg(l, 1)?;
            let i = l.check_integer(2)?;
            (s, i, int_arg(l, 3, -1)?)
        }
    };
    let n = s.len();
    let start = start_pos(i, n);
    let end = end_pos(j, n);
    let v = if start > end {
        l.new_str_value(b"")
    } else if start == 1 && end == n {
        Value::Str(s)
    } else {
        l.new_str_value(&s.as_bytes()[start - 1..end])
    };
    l.push(v);
    Ok(1)
}

fn byte(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let n = s.len();
    let raw_pi = int_arg(l, 2, 1)?;
    let pose = end_pos(int_arg(l, 3, raw_pi)?, n);
    let pi = start_pos(raw_pi, n);
    if pi > pose {
        return Ok(0);
    }
    let count = pose - pi + 1;
    if count >= i32::MAX as usize {
        return Err(l.error("string slice too long"));
    }
    if l.top() + count > crate::state::MAX_STACK {
        return Err(l.error("stack overflow (string slice too long)"));
    }
    l.check_stack(count)?;
    for &b in &s.as_bytes()[pi - 1..pose] {
        l.push(Value::Int(b as i64));
    }
    Ok(count)
}

fn char(l: &mut State) -> LuaResult<usize> {
    let base = l.arg_base();
    let n = l.arg_count();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = match l.stack[base + i - 1] {
            Value::Int(c) => c,
            _ => l.check_integer(i)?,
        };
        if !(0..=255).contains(&c) {
            return Err(l.arg_error(i, "value out of range"));
        }
        out.push(c as u8);
    }
    let v = Value::Str(l.global().new_string_owned(out));
    l.push(v);
    Ok(1)
}

fn lower(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let out = s.as_bytes().to_ascii_lowercase();
    let v = Value::Str(l.global().new_string_owned(out));
    l.push(v);
    Ok(1)
}

fn upper(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let out = s.as_bytes().to_ascii_uppercase();
    let v = Value::Str(l.global().new_string_owned(out));
    l.push(v);
    Ok(1)
}

fn reverse(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let mut out = s.as_bytes().to_vec();
    out.reverse();
    let v = Value::Str(l.global().new_string_owned(out));
    l.push(v);
    Ok(1)
}

fn rep(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let n = l.check_integer(2)?;
    let sep = l.opt_string(3)?;
    let sep_bytes: &[u8] = match &sep {
        Some(sep) => sep.as_bytes(),
        None => b"",
    };
    let s_bytes = s.as_bytes();
    if n <= 0 || (s_bytes.is_empty() && sep_bytes.is_empty()) {
        let v = l.new_str_value(b"");
        l.push(v);
        return Ok(1);
    }
    let n = n as u64;
    // As PUC: (len(s) + len(sep)) * n must fit.
    let unit = s_bytes.len() as u64 + sep_bytes.len() as u64;
    if unit > MAX_STRING_SIZE as u64 / n {
        return Err(l.error("resulting string too large"));
    }
    let total = (unit * n - sep_bytes.len() as u64) as usize;
    // Refuse a result over the memory limit before building it.
    l.check_memory_limit(total)?;
    let mut out = Vec::with_capacity(total);
    if sep_bytes.is_empty() && s_bytes.len() == 1 {
        out.resize(total, s_bytes[0]);
    } else {
        for i in 0..n {
            if i > 0 {
                out.extend_from_slice(sep_bytes);
            }
            out.extend_from_slice(s_bytes);
        }
    }
    let v = Value::Str(l.global().new_string_owned(out));
    l.push(v);
    Ok(1)
}

fn dump(l: &mut State) -> LuaResult<usize> {
    let f = l.check_type(1, LuaType::Function)?;
    let strip = !l.arg(2).is_falsy();
    match f {
        Value::LuaFn(cl) => {
            let fp = crate::dump::to_function_proto(&cl.proto);
            let bytes = crate::dump::dump(&fp, strip);
            let s = l.global().new_string_owned(bytes);
            l.push(Value::Str(s));
            Ok(1)
        }
        _ => Err(l.error("unable to dump given function")),
    }
}

// ---------------------------------------------------------------------------
// Pattern matching

/// Raises a pattern-engine error as `luaL_error` does.
fn pat_err(l: &mut State, msg: String) -> LuaError {
    l.error(msg)
}

/// The Lua value of one capture.
#[inline]
fn capture_value(l: &mut State, src: &[u8], c: Capture) -> Value {
    match c {
        Capture::Range(a, b) => l.new_str_value(&src[a..b]),
        Capture::Position(p) => Value::Int(p as i64 + 1),
        // get_capture never returns Unfinished; be safe anyway.
        Capture::Unfinished(_) => Value::Nil,
    }
}

/// Pushes the captures of a match (PUC's `push_captures`); with
/// `whole_if_none` a pattern without captures pushes the whole match.
fn push_captures(l: &mut State, src: &[u8], m: &Match, whole_if_none: bool) -> LuaResult<usize> {
    let n = if m.captures.is_empty() && whole_if_none {
        1
    } else {
        m.captures.len()
    };
    l.check_stack(n)?;
    for i in 0..n {
        let c = match m.get_capture(i) {
            Ok(c) => c,
            Err(e) => return Err(pat_err(l, e)),
        };
        let v = capture_value(l, src, c);
        l.push(v);
    }
    Ok(n)
}

fn str_find_aux(l: &mut State, find: bool) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let p = str_arg(l, 2)?;
    let src = s.as_bytes();
    let pat = p.as_bytes();
    let init = start_pos(int_arg(l, 3, 1)?, src.len());
    if init > src.len() + 1 {
        l.push(Value::Nil);
        return Ok(1);
    }
    let init = init - 1;
    if find && (!l.arg(4).is_falsy() || !pattern::has_specials(pat)) {
        return match pattern::find_plain(src, pat, init) {
            Some(start) => {
                l.push(Value::Int(start as i64 + 1));
                l.push(Value::Int((start + pat.len()) as i64));
                Ok(2)
            }
            None => {
                l.push(Value::Nil);
                Ok(1)
            }
        };
    }
    match pattern::find(src, pat, init) {
        Err(e) => Err(pat_err(l, e)),
        Ok(None) => {
            l.push(Value::Nil);
            Ok(1)
        }
        Ok(Some(m)) => {
            if find {
                l.push(Value::Int(m.start as i64 + 1));
                l.push(Value::Int(m.end as i64));
                Ok(2 + push_captures(l, src, &m, false)?)
            } else {
                push_captures(l, src, &m, true)
            }
        }
    }
}

fn find(l: &mut State) -> LuaResult<usize> {
    str_find_aux(l, true)
}

fn match_(l: &mut State) -> LuaResult<usize> {
    str_find_aux(l, false)
}

fn gmatch(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let p = str_arg(l, 2)?;
    let n = s.len();
    let mut init = start_pos(int_arg(l, 3, 1)?, n);
    if init > n + 1 {
        // past the end: no matches at all (not even an empty one)
        init = n + 2;
    }
    let upvalues: Box<[std::cell::Cell<Value>]> = vec![
        std::cell::Cell::new(Value::Str(s)),
        std::cell::Cell::new(Value::Str(p)),
        std::cell::Cell::new(Value::Int(init as i64 - 1)),
        std::cell::Cell::new(Value::Int(-1)),
    ]
    .into_boxed_slice();
    let c = l
        .global()
        .heap
        .alloc(NativeClosure::new(gmatch_aux, upvalues));
    l.push(Value::NativeFn(c));
    Ok(1)
}

fn gmatch_aux(l: &mut State) -> LuaResult<usize> {
    let (s, p) = match (l.native_upvalue(1), l.native_upvalue(2)) {
        (Value::Str(s), Value::Str(p)) => (s, p),
        _ => return Ok(0),
    };
    let pos = match l.native_upvalue(3) {
        Value::Int(i) if i >= 0 => i as usize,
        _ => return Ok(0),
    };
    let last = match l.native_upvalue(4) {
        Value::Int(i) if i >= 0 => Some(i as usize),
        _ => None,
    };
    let src = s.as_bytes();
    let mut gm = GlobalMatcher::resume(pos, last);
    let r = gm.next(src, p.as_bytes());
    let (npos, nlast) = gm.state();
    l.set_native_upvalue(3, Value::Int(npos as i64));
    l.set_native_upvalue(4, Value::Int(nlast.map(|x| x as i64).unwrap_or(-1)));
    match r {
        Err(e) => Err(pat_err(l, e)),
        Ok(None) => Ok(0),
        Ok(Some(m)) => push_captures(l, src, &m, true),
    }
}

/// How `gsub` computes replacements.
enum Repl {
    Str(Gc<LuaString>),
    Table(Gc<crate::table::Table>),
    Func(Value),
}

fn gsub(l: &mut State) -> LuaResult<usize> {
    let s = str_arg(l, 1)?;
    let p = str_arg(l, 2)?;
    let src = s.as_bytes();
    let pat = p.as_bytes();
    let repl = match l.arg(3) {
        Value::Str(r) => Repl::Str(r),
        Value::Int(_) | Value::Float(_) => Repl::Str(l.check_string(3)?),
        Value::Table(t) => Repl::Table(t),
        f @ (Value::LuaFn(_) | Value::NativeFn(_) | Value::LightNative(_)) => Repl::Func(f),
        _ => return Err(l.arg_type_error(3, "string/function/table")),
    };
    let max_s = int_arg(l, 4, src.len() as i64 + 1)?;
    let mut g = Gsub::new(pat, max_s);
    let mut out: Vec<u8> = Vec::with_capacity(src.len());
    let mut changed = false;
    // A sandbox bounds the result (else `s:gsub(".", s)` grows as #s squared).
    let max_len = l.global().limits.max_string_size.unwrap_or(usize::MAX);
    let mut next_memory_check = 0;
    loop {
        if out.len() > max_len {
            return Err(l.error("resulting string too large"));
        }
        super::check_buffer_growth(l, out.len(), &mut next_memory_check)?;
        let m = match g.next(src, pat, &mut out) {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => return Err(pat_err(l, e)),
        };
        let whole = &src[m.start..m.end];
        match repl {
            Repl::Str(r) => {
                let rb = r.as_bytes();
                changed = true;
                if !rb.contains(&b'%') {
                    out.extend_from_slice(rb);
                } else if let Err(e) = pattern::expand_replacement(rb, src, &m, &mut out) {
                    return Err(pat_err(l, e));
                }
            }
            Repl::Table(t) => {
                let c = match m.get_capture(0) {
                    Ok(c) => c,
                    Err(e) => return Err(pat_err(l, e)),
                };
                let key = capture_value(l, src, c);
                let v = l.index_value(Value::Table(t), key, Operand::None)?;
                changed |= add_value(l, &mut out, whole, v)?;
            }
            Repl::Func(f) => {
                let func = l.top();
                l.check_stack(1)?;
                l.push(f);
                push_captures(l, src, &m, true)?;
                l.call(func, 1)?;
                let v = l.at(func);
                l.set_top(func);
                changed |= add_value(l, &mut out, whole, v)?;
            }
        }
    }
    let count = g.count();
    let v = if changed {
        g.finish(src, &mut out);
        l.check_memory_limit(out.len())?;
        Value::Str(l.global().new_string_owned(out))
    } else {
        // Nothing replaced: the result is the subject itself.
        Value::Str(s)
    };
    l.push(v);
    l.push(Value::Int(count));
    Ok(2)
}

/// Appends a table/function replacement result (PUC's `add_value`); false
/// when the match was kept unchanged.
fn add_value(l: &mut State, out: &mut Vec<u8>, whole: &[u8], v: Value) -> LuaResult<bool> {
    match v {
        Value::Nil | Value::Bool(false) => {
            out.extend_from_slice(whole);
            return Ok(false);
        }
        Value::Str(s) => out.extend_from_slice(s.as_bytes()),
        Value::Int(_) | Value::Float(_) => out.extend_from_slice(&number_to_bytes(v)),
        _ => {
            let msg = format!("invalid replacement value (a {})", v.type_name());
            return Err(l.error(msg));
        }
    }
    Ok(true)
}

// ---------------------------------------------------------------------------
// string.format

struct FmtArgs<'a> {
    l: &'a mut State,
    top: usize,
    err: Option<LuaError>,
}

impl FmtArgs<'_> {
    fn stash(&mut self, e: LuaError) -> FormatError {
        self.err = Some(e);
        FormatError::Msg(Vec::new())
    }
}

impl FormatArgs for FmtArgs<'_> {
    fn top(&self) -> usize {
        self.top
    }

    fn integer(&mut self, arg: usize) -> Result<i64, FormatError> {
        match self.l.arg(arg) {
            Value::Int(i) => Ok(i),
            _ => self.l.check_integer(arg).map_err(|e| self.stash(e)),
        }
    }

    fn number(&mut self, arg: usize) -> Result<f64, FormatError> {
        match self.l.arg(arg) {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => self.l.check_number(arg).map_err(|e| self.stash(e)),
        }
    }

    fn tostring(&mut self, arg: usize) -> Result<Vec<u8>, FormatError> {
        let v = self.l.arg(arg);
        match v {
            Value::Str(s) => Ok(s.as_bytes().to_vec()),
            Value::Int(_) | Value::Float(_) => Ok(number_to_bytes(v)),
            _ => match self.l.to_display_string(v) {
                Ok(s) => Ok(s.as_bytes().to_vec()),
                Err(e) => Err(self.stash(e)),
            },
        }
    }

    fn append_tostring(&mut self, arg: usize, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let v = self.l.arg(arg);
        match v {
            Value::Str(s) => {
                // Many copies of a big string must not outgrow the memory limit.
                let len = out.len() + s.len();
                if len >= super::MEMORY_CHECK_STEP {
                    if let Err(e) = self.l.check_memory_limit(len) {
                        return Err(self.stash(e));
                    }
                }
                out.extend_from_slice(s.as_bytes())
            }
            Value::Int(_) | Value::Float(_) => out.extend_from_slice(&number_to_bytes(v)),
            _ => match self.l.to_display_string(v) {
                Ok(s) => out.extend_from_slice(s.as_bytes()),
                Err(e) => return Err(self.stash(e)),
            },
        }
        Ok(())
    }

    fn literal(&mut self, arg: usize) -> Result<FormatArg, FormatError> {
        Ok(match self.l.arg(arg) {
            Value::Nil => FormatArg::Nil,
            Value::Bool(b) => FormatArg::Bool(b),
            Value::Int(i) => FormatArg::Int(i),
            Value::Float(f) => FormatArg::Float(f),
            Value::Str(s) => FormatArg::Str(s.as_bytes().to_vec()),
            _ => FormatArg::Other,
        })
    }

    fn pointer(&mut self, arg: usize) -> Option<usize> {
        match self.l.arg(arg) {
            v @ (Value::Str(_)
            | Value::Table(_)
            | Value::LuaFn(_)
            | Value::NativeFn(_)
            | Value::LightNative(_)
            | Value::UserData(_)
            | Value::LightUserData(_)
            | Value::Thread(_)) => v.address().filter(|&a| a != 0),
            _ => None,
        }
    }
}

fn format(l: &mut State) -> LuaResult<usize> {
    let f = str_arg(l, 1)?;
    let fmt = f.as_bytes();
    // Fast path: nothing to convert.
    if !fmt.contains(&b'%') {
        l.push(Value::Str(f));
        return Ok(1);
    }
    let top = l.arg_count();
    let mut args = FmtArgs { l, top, err: None };
    let r = printf::format(fmt, &mut args);
    let pending = args.err.take();
    match r {
        Ok(out) => {
            l.check_memory_limit(out.len())?;
            let v = Value::Str(l.global().new_string_owned(out));
            l.push(v);
            Ok(1)
        }
        Err(e) => Err(match pending {
            Some(le) => le,
            None => match e {
                FormatError::BadArg { arg, msg } => l.arg_error(arg, msg),
                FormatError::Msg(m) => l.error(m),
            },
        }),
    }
}

// ---------------------------------------------------------------------------
// string.pack, string.packsize, string.unpack

struct PArgs<'a> {
    l: &'a mut State,
    err: Option<LuaError>,
    /// Result length at which the memory limit is asked next.
    next_check: usize,
}

impl PArgs<'_> {
    fn stash(&mut self, e: LuaError) -> PackError {
        self.err = Some(e);
        PackError::Msg(Vec::new())
    }
}

impl PackArgs for PArgs<'_> {
    fn integer(&mut self, arg: usize) -> Result<i64, PackError> {
        match self.l.arg(arg) {
            Value::Int(i) => Ok(i),
            _ => self.l.check_integer(arg).map_err(|e| self.stash(e)),
        }
    }

    fn number(&mut self, arg: usize) -> Result<f64, PackError> {
        match self.l.arg(arg) {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => self.l.check_number(arg).map_err(|e| self.stash(e)),
        }
    }

    fn string(&mut self, arg: usize) -> Result<Vec<u8>, PackError> {
        match self.l.check_string(arg) {
            Ok(s) => Ok(s.as_bytes().to_vec()),
            Err(e) => Err(self.stash(e)),
        }
    }

    fn reserve(&mut self, len: usize) -> Result<(), PackError> {
        crate::stdlib::check_buffer_growth(self.l, len, &mut self.next_check)
            .map_err(|e| self.stash(e))
    }
}

fn pack_error(l: &mut State, e: PackError) -> LuaError {
    match e {
        PackError::BadArg { arg, msg } => l.arg_error(arg, msg),
        PackError::Msg(m) => l.error(m),
    }
}

fn pack_(l: &mut State) -> LuaResult<usize> {
    let f = str_arg(l, 1)?;
    // PUC pushes a nil mark above the arguments: a missing first value then
    // reads as nil rather than "no value".
    l.push(Value::Nil);
    let mut args = PArgs {
        l,
        err: None,
        next_check: 0,
    };
    let r = pack::pack(f.as_bytes(), &mut args);
    let pending = args.err.take();
    match r {
        Ok(out) => {
            let v = Value::Str(l.global().new_string_owned(out));
            l.push(v);
            Ok(1)
        }
        Err(e) => Err(match pending {
            Some(le) => le,
            None => pack_error(l, e),
        }),
    }
}

fn packsize(l: &mut State) -> LuaResult<usize> {
    let f = str_arg(l, 1)?;
    match pack::packsize(f.as_bytes()) {
        Ok(n) => {
            l.push(Value::Int(n));
            Ok(1)
        }
        Err(e) => Err(pack_error(l, e)),
    }
}

fn unpack(l: &mut State) -> LuaResult<usize> {
    let f = str_arg(l, 1)?;
    let d = str_arg(l, 2)?;
    let init = int_arg(l, 3, 1)?;
    match pack::unpack(f.as_bytes(), d.as_bytes(), init) {
        Ok((vals, next)) => {
            if l.check_stack(vals.len() + 1).is_err() {
                return Err(l.error("too many results"));
            }
            let n = vals.len();
            for v in vals {
                let v = match v {
                    PackValue::Int(i) => Value::Int(i),
                    PackValue::Float(x) => Value::Float(x),
                    PackValue::Str(s) => Value::Str(l.global().new_string_owned(s)),
                };
                l.push(v);
            }
            l.push(Value::Int(next));
            Ok(n + 1)
        }
        Err(e) => Err(pack_error(l, e)),
    }
}

// ---------------------------------------------------------------------------
// Arithmetic metamethods of strings (PUC's `trymt`/`arith`)

/// A number, or a string that converts entirely to one (PUC's `tonum`).
fn tonum(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(_) => to_number(v),
        _ => None,
    }
}

fn str_arith(l: &mut State, op: ArithOp, event: TmKind) -> LuaResult<usize> {
    let a = l.arg(1);
    let b = l.arg(2);
    if let (Some(x), Some(y)) = (tonum(a), tonum(b)) {
        let r = l.arith(op, x, y, (Operand::None, Operand::None))?;
        l.push(r);
        return Ok(1);
    }
    // trymt: the second operand's metamethod, unless it is a string.
    if !matches!(b, Value::Str(_)) {
        if let Some(tm) = l.metafield(b, event) {
            let r = l.call_tm_res(tm, a, b)?;
            l.push(r);
            return Ok(1);
        }
    }
    let msg = format!(
        "attempt to {} a '{}' with a '{}'",
        event.short_name(),
        a.type_name(),
        b.type_name()
    );
    Err(l.error(msg))
}

fn arith_add(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Add, TmKind::Add)
}
fn arith_sub(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Sub, TmKind::Sub)
}
fn arith_mul(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Mul, TmKind::Mul)
}
fn arith_mod(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Mod, TmKind::Mod)
}
fn arith_pow(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Pow, TmKind::Pow)
}
fn arith_div(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Div, TmKind::Div)
}
fn arith_idiv(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::IDiv, TmKind::IDiv)
}
fn arith_unm(l: &mut State) -> LuaResult<usize> {
    str_arith(l, ArithOp::Unm, TmKind::Unm)
}
