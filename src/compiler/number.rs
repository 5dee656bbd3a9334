//! Numerals and the pure arithmetic of Lua numbers.
//!
//! `str_to_number` follows PUC's `luaO_str2num`: an optional sign, decimal or
//! hexadecimal integers (hex wraps around, decimal overflow falls back to a float),
//! decimal floats and hex floats with `p` exponents, surrounding whitespace allowed,
//! no `inf`/`nan`. The arithmetic helpers follow `luaO_rawarith` and `lvm.c`, so
//! the compiler's constant folding and the VM agree on every result.

/// A Lua number: integer or float subtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// The value as a float (integers convert as C does).
    pub fn to_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// Lua's notion of whitespace (`lisspace`): space, \t, \n, \v, \f, \r.
pub fn is_space(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

fn hex_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'f' => (c - b'a' + 10) as u32,
        b'A'..=b'F' => (c - b'A' + 10) as u32,
        _ => 0,
    }
}

/// Converts a numeral to a number exactly as `luaO_str2num` does; the whole
/// string must be consumed (leading and trailing whitespace allowed). Strings
/// with embedded zero bytes are rejected, as PUC rejects them by length.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if s.contains(&0) {
        return None;
    }
    if let Some(i) = str_to_int(s) {
        return Some(Number::Int(i));
    }
    str_to_float(s).map(Number::Float)
}

fn str_to_int(s: &[u8]) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut a: u64 = 0;
    let mut empty = true;
    if i + 1 < s.len() && s[i] == b'0' && (s[i + 1] == b'x' || s[i + 1] == b'X') {
        i += 2;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            a = a.wrapping_mul(16).wrapping_add(hex_value(s[i]) as u64);
            empty = false;
            i += 1;
        }
    } else {
        const MAXBY10: u64 = (i64::MAX / 10) as u64;
        const MAXLASTD: u64 = (i64::MAX % 10) as u64;
        while i < s.len() && s[i].is_ascii_digit() {
            let d = (s[i] - b'0') as u64;
            if a >= MAXBY10 && (a > MAXBY10 || d > MAXLASTD + neg as u64) {
                return None; // overflow: not accepted as an integer
            }
            a = a * 10 + d;
            empty = false;
            i += 1;
        }
    }
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    if empty || i != s.len() {
        return None;
    }
    Some(if neg {
        0u64.wrapping_sub(a) as i64
    } else {
        a as i64
    })
}

fn str_to_float(s: &[u8]) -> Option<f64> {
    // PUC rejects 'inf' and 'nan' by looking at the first of ".xXnN".
    if let Some(&c) = s.iter().find(|c| b".xXnN".contains(c)) {
        if c == b'n' || c == b'N' {
            return None;
        }
    }
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let (v, end) = if i + 1 < s.len() && s[i] == b'0' && (s[i + 1] == b'x' || s[i + 1] == b'X') {
        parse_hex_float(s, i + 2)?
    } else {
        parse_dec_float(s, i)?
    };
    let mut j = end;
    while j < s.len() && is_space(s[j]) {
        j += 1;
    }
    if j != s.len() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Scans a decimal float starting at `i`; returns the value and the end index.
fn parse_dec_float(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    let mut ndig = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
        ndig += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
            ndig += 1;
        }
    }
    if ndig == 0 {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some((v, i))
}

/// Scans the digits of a hex float after "0x"; returns the value and end index.
fn parse_hex_float(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    let mut m: u64 = 0; // significant digits (at most 16)
    let mut sigdig = 0; // significant digits read into m
    let mut sticky = false; // nonzero digits dropped
    let mut exp: i64 = 0; // binary exponent adjustment
    let mut any = false;
    let mut seen_dot = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if seen_dot {
                break;
            }
            seen_dot = true;
        } else if c.is_ascii_hexdigit() {
            any = true;
            let d = hex_value(c) as u64;
            if sigdig == 0 && d == 0 {
                // leading zero: only moves the point
                if seen_dot {
                    exp -= 4;
                }
            } else if sigdig < 16 {
                m = (m << 4) | d;
                sigdig += 1;
                if seen_dot {
                    exp -= 4;
                }
            } else {
                if d != 0 {
                    sticky = true;
                }
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] == b'p' || s[i] == b'P') {
        let mut j = i + 1;
        let mut eneg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            eneg = s[j] == b'-';
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            let mut e: i64 = 0;
            while j < s.len() && s[j].is_ascii_digit() {
                e = (e * 10 + (s[j] - b'0') as i64).min(1 << 40);
                j += 1;
            }
            exp += if eneg { -e } else { e };
            i = j;
        }
    }
    Some((make_float(m, exp, sticky), i))
}

/// Builds the float nearest to `m * 2^exp` (plus a sticky fraction), rounding
/// half to even as strtod does.
fn make_float(m: u64, exp: i64, sticky: bool) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let lz = m.leading_zeros();
    let m = m << lz;
    let e = exp - lz as i64 + 63; // value = 1.xxx * 2^e
    if e > 1023 {
        return f64::INFINITY;
    }
    // number of low bits of m to drop
    let shift: u32 = if e >= -1022 {
        11
    } else {
        (11 + (-1022 - e)).min(100) as u32
    };
    let wide = (m as u128) << 64; // keep everything to the right of the point
    let kept = if shift + 64 >= 128 {
        0
    } else {
        wide >> (shift + 64)
    };
    let rest = if shift + 64 >= 128 {
        wide
    } else {
        wide & ((1u128 << (shift + 64)) - 1)
    };
    let mut mant = kept as u64;
    let round_up = if shift + 63 > 127 {
        false // below half of the smallest subnormal
    } else {
        let half = 1u128 << (shift + 63);
        rest > half || (rest == half && (sticky || mant & 1 == 1))
    };
    if round_up {
        mant += 1;
    }
    if e >= -1022 {
        let mut e = e;
        if mant >= 1 << 53 {
            mant >>= 1;
            e += 1;
            if e > 1023 {
                return f64::INFINITY;
            }
        }
        f64::from_bits((((e + 1023) as u64) << 52) | (mant & ((1 << 52) - 1)))
    } else {
        // subnormal (a carry into bit 52 yields the smallest normal)
        f64::from_bits(mant)
    }
}

// ---------------------------------------------------------------------------
// Arithmetic (PUC's luaO_rawarith and the helpers of lvm.c)

pub use crate::arith::ArithOp;

// The number semantics themselves live in `crate::arith` (shared with the VM);
// these wrappers give them the shapes constant folding wants.

/// Float to integer only when the float has an exact integer value (`F2Ieq`).
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    crate::value::float_to_integer(f)
}

/// Float to integer rounding down (`F2Ifloor`); `None` if out of range or NaN.
pub fn float_to_int_floor(f: f64) -> Option<i64> {
    float_to_int_exact(f.floor())
}

/// A number as an integer if it has an exact integer representation.
pub fn number_to_int_exact(n: Number) -> Option<i64> {
    match n {
        Number::Int(i) => Some(i),
        Number::Float(f) => float_to_int_exact(f),
    }
}

/// Integer modulo with Lua semantics (result has the sign of the divisor);
/// `None` on division by zero.
pub fn int_mod(m: i64, n: i64) -> Option<i64> {
    (n != 0).then(|| crate::arith::int_mod(m, n))
}

/// Integer floor division; `None` on division by zero.
pub fn int_idiv(m: i64, n: i64) -> Option<i64> {
    (n != 0).then(|| crate::arith::int_floor_div(m, n))
}

/// Float modulo with Lua semantics (`luai_nummod`).
pub fn float_mod(a: f64, b: f64) -> f64 {
    crate::arith::float_mod(a, b)
}

/// Float floor division (`luai_numidiv`).
pub fn float_idiv(a: f64, b: f64) -> f64 {
    crate::arith::float_floor_div(a, b)
}

/// Float exponentiation (`luai_numpow`).
pub fn float_pow(a: f64, b: f64) -> f64 {
    crate::arith::float_arith(crate::arith::ArithOp::Pow, a, b)
}

/// Logical left shift; negative counts shift right; |y| >= 64 gives 0.
pub fn shift_left(x: i64, y: i64) -> i64 {
    crate::arith::shift_left(x, y)
}

/// Logical right shift (`luaV_shiftr`).
pub fn shift_right(x: i64, y: i64) -> i64 {
    shift_left(x, 0i64.wrapping_sub(y))
}

/// Integer arithmetic (`intarith`); `None` only for division/modulo by zero.
/// `Pow` and `Div` are not integer operations and return `None`.
pub fn int_arith(op: ArithOp, a: i64, b: i64) -> Option<i64> {
    Some(match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Mod => return int_mod(a, b),
        ArithOp::IDiv => return int_idiv(a, b),
        ArithOp::BAnd => a & b,
        ArithOp::BOr => a | b,
        ArithOp::BXor => a ^ b,
        ArithOp::Shl => shift_left(a, b),
        ArithOp::Shr => shift_right(a, b),
        ArithOp::Unm => 0i64.wrapping_sub(a),
        ArithOp::BNot => !a,
        ArithOp::Pow | ArithOp::Div => return None,
    })
}

/// Float arithmetic (`numarith`); bitwise operators return `None`.
pub fn float_arith(op: ArithOp, a: f64, b: f64) -> Option<f64> {
    Some(match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Pow => float_pow(a, b),
        ArithOp::IDiv => float_idiv(a, b),
        ArithOp::Unm => -a,
        ArithOp::Mod => float_mod(a, b),
        _ => return None,
    })
}

/// PUC's `luaO_rawarith` on two numbers (the second is ignored by unary ops).
/// `None` when the operation cannot be done without metamethods or errors:
/// bitwise operations on floats without an exact integer value, and integer
/// division or modulo by zero.
pub fn raw_arith(op: ArithOp, a: Number, b: Number) -> Option<Number> {
    match op {
        ArithOp::BAnd
        | ArithOp::BOr
        | ArithOp::BXor
        | ArithOp::Shl
        | ArithOp::Shr
        | ArithOp::BNot => {
            let i1 = number_to_int_exact(a)?;
            let i2 = number_to_int_exact(b)?;
            int_arith(op, i1, i2).map(Number::Int)
        }
        ArithOp::Div | ArithOp::Pow => float_arith(op, a.to_f64(), b.to_f64()).map(Number::Float),
        _ => match (a, b) {
            (Number::Int(x), Number::Int(y)) => int_arith(op, x, y).map(Number::Int),
            _ => float_arith(op, a.to_f64(), b.to_f64()).map(Number::Float),
        },
    }
}

/// `ceil(log2(x))` for x >= 1 (`luaO_ceillog2`).
pub fn ceil_log2(x: u32) -> u32 {
    if x <= 1 {
        0
    } else {
        32 - (x - 1).leading_zeros()
    }
}
