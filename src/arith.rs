//! Number semantics of Lua 5.4 (PUC's `lobject.c`/`lvm.c` arithmetic): wrapping
//! integer arithmetic, floor division and modulo for both subtypes, shifts, and
//! exact comparisons between integers and floats.

use crate::value::{float_to_integer, Value};

/// Arithmetic and bitwise operators, numbered as PUC's `LUA_OP*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add = 0,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    /// Every operator, in PUC's `LUA_OPADD..LUA_OPBNOT` order.
    pub const ALL: [ArithOp; 14] = {
        use ArithOp::*;
        [
            Add, Sub, Mul, Mod, Pow, Div, IDiv, BAnd, BOr, BXor, Shl, Shr, Unm, BNot,
        ]
    };

    /// The operator numbered `n` (`LUA_OP*`).
    pub fn from_u8(n: u8) -> Option<ArithOp> {
        Self::ALL.get(n as usize).copied()
    }

    pub fn is_bitwise(self) -> bool {
        use ArithOp::*;
        matches!(self, BAnd | BOr | BXor | Shl | Shr | BNot)
    }
}

/// Floor division of integers; the caller checks `b != 0`.
#[inline]
pub fn int_floor_div(a: i64, b: i64) -> i64 {
    // Operands of the same sign need no rounding fix-up: non-negative
    // ones, the usual case, divide unsigned (no sign extension either).
    if a >= 0 && b > 0 {
        return ((a as u64) / (b as u64)) as i64;
    }
    if b == -1 {
        return a.wrapping_neg();
    }
    let q = a / b;
    if (a % b != 0) && ((a ^ b) < 0) {
        q - 1
    } else {
        q
    }
}

/// Modulo of integers with the sign of the divisor; the caller checks `b != 0`.
#[inline]
pub fn int_mod(a: i64, b: i64) -> i64 {
    // Non-negative operands, the usual case: no sign fix-up.
    if a >= 0 && b > 0 {
        return ((a as u64) % (b as u64)) as i64;
    }
    if b == -1 {
        return 0;
    }
    let r = a % b;
    if r != 0 && (r ^ b) < 0 {
        r + b
    } else {
        r
    }
}

/// Float modulo as Lua defines it (`luai_nummod`).
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b > 0.0) {
        m + b
    } else {
        m
    }
}

#[inline]
pub fn float_floor_div(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// Logical shift left; negative counts shift right; 64 or more gives 0.
#[inline]
pub fn shift_left(x: i64, n: i64) -> i64 {
    if n <= -64 || n >= 64 {
        0
    } else if n >= 0 {
        ((x as u64) << n) as i64
    } else {
        ((x as u64) >> (-n)) as i64
    }
}

/// Converts a number value to an integer for bitwise operations (exact only).
/// By reference: the VM passes registers, matched in place (see `ValueWords`).
#[inline]
pub fn to_integer_strict(v: &Value) -> Option<i64> {
    match *v {
        Value::Int(i) => Some(i),
        Value::Float(f) => float_to_integer(f),
        _ => None,
    }
}

/// Applies `op` to two numbers (no strings, no metamethods). `None` when an
/// operand is not a number, or a bitwise operand has no integer representation.
/// Integer division by zero is reported by the caller (it needs a message).
pub fn arith_numbers(op: ArithOp, a: Value, b: Value) -> Option<Value> {
    use ArithOp::*;
    if op.is_bitwise() {
        let x = to_integer_strict(&a)?;
        let y = to_integer_strict(&b)?;
        return Some(Value::Int(match op {
            BAnd => x & y,
            BOr => x | y,
            BXor => x ^ y,
            Shl => shift_left(x, y),
            Shr => shift_left(x, y.wrapping_neg()),
            BNot => !x,
            _ => unreachable_zero(),
        }));
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) if !matches!(op, Pow | Div) => Some(Value::Int(match op {
            Add => x.wrapping_add(y),
            Sub => x.wrapping_sub(y),
            Mul => x.wrapping_mul(y),
            Mod => {
                if y == 0 {
                    return None;
                }
                int_mod(x, y)
            }
            IDiv => {
                if y == 0 {
                    return None;
                }
                int_floor_div(x, y)
            }
            Unm => x.wrapping_neg(),
            _ => unreachable_zero(),
        })),
        _ => {
            let x = a.as_float()?;
            let y = b.as_float()?;
            Some(Value::Float(float_arith(op, x, y)))
        }
    }
}

/// Float arithmetic for the non-bitwise operators.
#[inline]
pub fn float_arith(op: ArithOp, x: f64, y: f64) -> f64 {
    use ArithOp::*;
    match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => x / y,
        Mod => float_mod(x, y),
        IDiv => float_floor_div(x, y),
        Pow => {
            if y == 2.0 {
                x * x
            } else {
                x.powf(y)
            }
        }
        Unm => -x,
        _ => 0.0,
    }
}

// Keeps the match arms total without a panic path.
#[inline(always)]
fn unreachable_zero() -> i64 {
    0
}

/// `i < f` exactly, for any magnitudes (PUC's `LTnum` helpers).
pub fn int_lt_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    // If f >= 2^63, every integer is smaller; if f < -2^63, none is.
    if f >= 9223372036854775808.0 {
        return true;
    }
    if f > -9223372036854775808.0 {
        // ceil(f) fits: i < f  <=>  i < ceil(f)
        return i < (f.ceil() as i64);
    }
    false
}

pub fn int_le_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return true;
    }
    if f >= -9223372036854775808.0 {
        // i <= f  <=>  i <= floor(f)
        return i <= (f.floor() as i64);
    }
    false
}

pub fn float_lt_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return false;
    }
    if f >= -9223372036854775808.0 {
        // f < i  <=>  floor(f) < i
        return (f.floor() as i64) < i;
    }
    true
}

pub fn float_le_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return false;
    }
    if f > -9223372036854775808.0 {
        // f <= i  <=>  ceil(f) <= i
        return (f.ceil() as i64) <= i;
    }
    true
}

/// `a < b` for two numbers.
#[inline]
pub fn num_lt(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Int(x), Value::Float(y)) => int_lt_float(x, y),
        (Value::Float(x), Value::Int(y)) => float_lt_int(x, y),
        _ => false,
    }
}

/// `a <= b` for two numbers.
#[inline]
pub fn num_le(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x <= y,
        (Value::Float(x), Value::Float(y)) => x <= y,
        (Value::Int(x), Value::Float(y)) => int_le_float(x, y),
        (Value::Float(x), Value::Int(y)) => float_le_int(x, y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_semantics() {
        assert_eq!(int_floor_div(7, -2), -4);
        assert_eq!(int_mod(7, -2), -1);
        assert_eq!(int_mod(-7, 2), 1);
        assert_eq!(int_floor_div(i64::MIN, -1), i64::MIN);
        assert_eq!(float_mod(5.5, -2.0), -0.5);
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(-1, -1), i64::MAX);
    }

    #[test]
    fn mixed_comparisons() {
        assert!(int_lt_float(i64::MAX, 9223372036854775808.0));
        assert!(!float_lt_int(9223372036854775808.0, i64::MAX));
        assert!(int_le_float(1, 1.0));
        assert!(!int_lt_float(1, 1.0));
        assert!(float_le_int(-0.5, 0));
        assert!(!num_lt(Value::Int(1), Value::Float(f64::NAN)));
    }
}
