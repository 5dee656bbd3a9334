//! The UTF-8 library (PUC's `lutf8lib.c`). Strings are byte strings; decoding
//! accepts sequences of up to six bytes (code points below 2^31) in lax mode,
//! and only proper Unicode scalar values (no surrogates, at most 10FFFF) in
//! strict mode.

use crate::auxlib::to_integer;
use crate::error::LuaResult;
use crate::state::State;
use crate::value::Value;

const MAX_UNICODE: u32 = 0x10FFFF;
const MAX_UTF: u32 = 0x7FFF_FFFF;
const MSG_INVALID: &str = "invalid UTF-8 code";

/// Opens the `utf8` library.
pub fn open(l: &mut State) {
    let t = l.register_lib(
        "utf8",
        &[
            ("offset", offset),
            ("codepoint", codepoint),
            ("char", char_),
            ("len", len),
            ("codes", codes),
        ],
    );
    let pat = l.new_str_value(b"[\x00-\x7F\xC2-\xFD][\x80-\xBF]*");
    l.set_field(t, "charpattern", pat);
}

#[inline]
fn is_cont(c: u8) -> bool {
    c & 0xC0 == 0x80
}

/// Byte `i` of `s`, or 0 past its end (as the terminating NUL of a C string).
#[inline]
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// A relative string position: negative means from the end (PUC's `u_posrelat`).
fn pos_relative(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// Decodes the sequence starting at `s[i]`: the code point and the index just
/// past it, or `None` for an invalid sequence.
fn decode(s: &[u8], i: usize, strict: bool) -> Option<(u32, usize)> {
    // smallest code point for each number of continuation bytes (overlongs)
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let first = byte_at(s, i) as u32;
    let (code, next) = if first < 0x80 {
        (first, i + 1)
    } else {
        let mut c = first;
        let mut count = 0usize;
        let mut res: u32 = 0;
        while c & 0x40 != 0 {
            count += 1;
            if count > 5 {
                return None;
            }
            let cc = byte_at(s, i + count);
            if !is_cont(cc) {
                return None;
            }
            res = (res << 6) | (cc & 0x3F) as u32;
            c <<= 1;
        }
        res |= (c & 0x7F) << (count * 5);
        if res > MAX_UTF || res < LIMITS[count] {
            return None;
        }
        (res, i + count + 1)
    };
    if strict && (code > MAX_UNICODE || (0xD800..=0xDFFF).contains(&code)) {
        return None;
    }
    Some((code, next))
}

/// Encodes a code point (at most 2^31 - 1) as PUC's `luaO_utf8esc` does.
fn encode(x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = [0u8; 6];
    let mut n = 0;
    let mut x = x;
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        tail[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    out.extend(tail[..n].iter().rev());
}

/// Whether argument `n` is true (`lua_toboolean`).
fn arg_true(l: &State, n: usize) -> bool {
    !l.arg(n).is_falsy()
}

/// `utf8.len(s [, i [, j [, lax]]])`: the number of characters in s[i..j], or
/// fail and the position of the first invalid byte.
fn len(l: &mut State) -> LuaResult<usize> {
    let s = l.check_string(1)?;
    let bytes = s.as_bytes();
    let n = bytes.len();
    let posi = pos_relative(l.opt_integer(2, 1)?, n);
    let posj = pos_relative(l.opt_integer(3, -1)?, n);
    let lax = arg_true(l, 4);
    if !(1 <= posi && posi - 1 <= n as i64) {
        return Err(l.arg_error(2, "initial position out of bounds"));
    }
    let mut posi = posi - 1;
    let posj = posj - 1;
    if posj >= n as i64 {
        return Err(l.arg_error(3, "final position out of bounds"));
    }
    let mut count: i64 = 0;
    while posi <= posj {
        match decode(bytes, posi as usize, !lax) {
            Some((_, next)) => posi = next as i64,
            None => {
                l.push(Value::Nil);
                l.push(Value::Int(posi + 1));
                return Ok(2);
            }
        }
        count += 1;
    }
    l.push(Value::Int(count));
    Ok(1)
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`: the code points of the characters
/// starting in s[i..j].
fn codepoint(l: &mut State) -> LuaResult<usize> {
    let s = l.check_string(1)?;
    let bytes = s.as_bytes();
    let n = bytes.len();
    let posi = pos_relative(l.opt_integer(2, 1)?, n);
    let pose = pos_relative(l.opt_integer(3, posi)?, n);
    let lax = arg_true(l, 4);
    if posi < 1 {
        return Err(l.arg_error(2, "out of bounds"));
    }
    if pose > n as i64 {
        return Err(l.arg_error(3, "out of bounds"));
    }
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i32::MAX as i64 {
        return Err(l.error("string slice too long"));
    }
    let most = (pose - posi) as usize + 1;
    if l.top() + most > crate::state::MAX_STACK || l.check_stack(most).is_err() {
        return Err(l.error("stack overflow (string slice too long)"));
    }
    let end = pose as usize;
    let mut i = posi as usize - 1;
    let mut pushed = 0;
    while i < end {
        match decode(bytes, i, !lax) {
            Some((code, next)) => {
                l.push(Value::Int(code as i64));
                pushed += 1;
                i = next;
            }
            None => return Err(l.error(MSG_INVALID)),
        }
    }
    Ok(pushed)
}

/// `utf8.char(...)`: the string with these code points.
fn char_(l: &mut State) -> LuaResult<usize> {
    let n = l.arg_count();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let code = l.check_integer(i)? as u64;
        if code > MAX_UTF as u64 {
            return Err(l.arg_error(i, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    let s = l.global().new_string_owned(out);
    l.push(Value::Str(s));
    Ok(1)
}

/// `utf8.offset(s, n [, i])`: the byte position where the n-th character
/// (counting from position i) starts.
fn offset(l: &mut State) -> LuaResult<usize> {
    let s = l.check_string(1)?;
    let bytes = s.as_bytes();
    let len = bytes.len() as i64;
    let mut n = l.check_integer(2)?;
    let default = if n >= 0 { 1 } else { len + 1 };
    let posi = pos_relative(l.opt_integer(3, default)?, bytes.len());
    if !(1 <= posi && posi - 1 <= len) {
        return Err(l.arg_error(3, "position out of bounds"));
    }
    let mut posi = posi - 1; // 0-based, in [0, len]
    let cont_at = |p: i64| is_cont(byte_at(bytes, p as usize));
    if n == 0 {
        // the start of the character containing byte posi
        while posi > 0 && cont_at(posi) {
            posi -= 1;
        }
    } else {
        if cont_at(posi) {
            return Err(l.error("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                // find the start of the previous character
                posi -= 1;
                while posi > 0 && cont_at(posi) {
                    posi -= 1;
                }
                n += 1;
            }
        } else {
            n -= 1; // do not move for the first character
            while n > 0 && posi < len {
                // find the start of the next character
                posi += 1;
                while cont_at(posi) {
                    posi += 1;
                }
                n -= 1;
            }
        }
    }
    if n == 0 {
        l.push(Value::Int(posi + 1));
    } else {
        l.push(Value::Nil);
    }
    Ok(1)
}

fn iter_step(l: &mut State, strict: bool) -> LuaResult<usize> {
    let s = l.check_string(1)?;
    let bytes = s.as_bytes();
    let len = bytes.len() as u64;
    // the previous character's position (1-based), i.e. the 0-based index
    // just past its first byte; 0 at the start
    let mut n = to_integer(l.arg(2)).unwrap_or(0) as u64;
    if n < len {
        while is_cont(byte_at(bytes, n as usize)) {
            n += 1;
        }
    }
    if n >= len {
        return Ok(0); // no more code points (also for a negative control)
    }
    match decode(bytes, n as usize, strict) {
        Some((code, next)) if !is_cont(byte_at(bytes, next)) => {
            l.push(Value::Int(n as i64 + 1));
            l.push(Value::Int(code as i64));
            Ok(2)
        }
        _ => Err(l.error(MSG_INVALID)),
    }
}

fn iter_strict(l: &mut State) -> LuaResult<usize> {
    iter_step(l, true)
}

fn iter_lax(l: &mut State) -> LuaResult<usize> {
    iter_step(l, false)
}

/// `utf8.codes(s [, lax])`: an iterator over (position, code point).
fn codes(l: &mut State) -> LuaResult<usize> {
    let lax = arg_true(l, 2);
    let s = l.check_string(1)?;
    if is_cont(byte_at(s.as_bytes(), 0)) {
        return Err(l.arg_error(1, MSG_INVALID));
    }
    let f: crate::value::NativeFn = if lax { iter_lax } else { iter_strict };
    l.push(Value::LightNative(f));
    l.push(Value::Str(s));
    l.push(Value::Int(0));
    Ok(3)
}
