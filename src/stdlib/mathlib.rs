//! The mathematical library (PUC's `lmathlib.c`), with PUC 5.4's
//! xoshiro256** generator for `random`, so seeded sequences match.

use std::f64::consts::PI;

use crate::auxlib::to_integer;
use crate::error::LuaResult;
use crate::function::{FastCall, NativeClosure};
use crate::state::State;
use crate::userdata::UserData;
use crate::value::{float_to_integer, NativeFn, Value};

/// Opens the `math` library.
pub fn open(l: &mut State) {
    let t = l.register_lib(
        "math",
        &[
            ("abs", abs),
            ("acos", acos),
            ("asin", asin),
            ("atan", atan),
            ("deg", deg),
            ("fmod", fmod),
            ("log", log),
            ("max", max),
            ("min", min),
            ("modf", modf),
            ("rad", rad),
            ("tointeger", tointeger),
            ("type", type_),
            ("ult", ult),
            // LUA_COMPAT_MATHLIB, on in stock 5.4 builds (LUA_COMPAT_5_3).
            ("cosh", cosh),
            ("frexp", frexp),
            ("ldexp", ldexp),
            ("log10", log10),
            ("pow", pow),
            ("sinh", sinh),
            ("tanh", tanh),
        ],
    );
    // Pure functions of one number: `CALL` applies their work in place.
    let unary: [(&str, NativeFn, FastCall); 7] = [
        ("ceil", ceil, CEIL),
        ("cos", cos, COS),
        ("exp", exp, EXP),
        ("floor", floor, FLOOR),
        ("sin", sin, SIN),
        ("sqrt", sqrt, SQRT),
        ("tan", tan, TAN),
    ];
    for (name, f, fast) in unary {
        let c = l.global().heap.alloc(NativeClosure::with_fast(f, fast));
        l.set_field(t, name, Value::NativeFn(c));
    }
    l.set_field(t, "pi", Value::Float(PI));
    l.set_field(t, "huge", Value::Float(f64::INFINITY));
    l.set_field(t, "maxinteger", Value::Int(i64::MAX));
    l.set_field(t, "mininteger", Value::Int(i64::MIN));

    // The generator's state is a userdata shared (as an upvalue) by `random`
    // and `randomseed`; it starts from a "random" seed, as in PUC.
    let mut state = Xoshiro::default();
    let (s1, s2) = time_and_address_seed(l);
    state.seed(s1, s2);
    let ud = l.global().heap.alloc(UserData::new(Box::new(state), 0));
    let funcs: [(&str, NativeFn); 2] = [("random", random), ("randomseed", randomseed)];
    for (name, f) in funcs {
        let c = l.global().heap.alloc(NativeClosure::new(
            f,
            vec![std::cell::Cell::new(Value::UserData(ud))].into_boxed_slice(),
        ));
        l.set_field(t, name, Value::NativeFn(c));
    }
}

/// Runs a pure one-argument function on its argument, which must be a
/// number (a numeric string converts).
fn unary(l: &mut State, work: FastCall) -> LuaResult<usize> {
    let x = l.check_number_value(1)?;
    l.push(work.apply(&x).unwrap_or_default());
    Ok(1)
}

const FLOOR: FastCall = FastCall::Rounding(f64::floor);
const CEIL: FastCall = FastCall::Rounding(f64::ceil);
const SIN: FastCall = FastCall::Float(f64::sin);
const COS: FastCall = FastCall::Float(f64::cos);
const TAN: FastCall = FastCall::Float(f64::tan);
const SQRT: FastCall = FastCall::Float(f64::sqrt);
const EXP: FastCall = FastCall::Float(f64::exp);

// The one-number functions themselves (for strings and errors; `CALL` does
// their work for numbers): each runs its `FastCall`.
macro_rules! one_number_functions {
    ($($name:ident: $work:expr),* $(,)?) => {
        $(
            fn $name(l: &mut State) -> LuaResult<usize> {
                unary(l, $work)
            }
        )*
    };
}

one_number_functions!(
    floor: FLOOR,
    ceil: CEIL,
    sin: SIN,
    cos: COS,
    tan: TAN,
    sqrt: SQRT,
    exp: EXP,
);

fn abs(l: &mut State) -> LuaResult<usize> {
    match l.arg(1) {
        Value::Int(i) => {
            l.push(Value::Int(i.wrapping_abs()));
            Ok(1)
        }
        _ => {
            let x = l.check_number(1)?;
            push_float(l, x.abs())
        }
    }
}

fn push_float(l: &mut State, f: f64) -> LuaResult<usize> {
    l.push(Value::Float(f));
    Ok(1)
}

fn asin(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    push_float(l, x.asin())
}

fn acos(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    push_float(l, x.acos())
}

fn atan(l: &mut State) -> LuaResult<usize> {
    let y = l.check_number(1)?;
    let x = l.opt_number(2, 1.0)?;
    push_float(l, y.atan2(x))
}

fn tointeger(l: &mut State) -> LuaResult<usize> {
    match to_integer(l.arg(1)) {
        Some(i) => l.push(Value::Int(i)),
        None => {
            l.check_any(1)?;
            l.push(Value::Nil);
        }
    }
    Ok(1)
}

fn fmod(l: &mut State) -> LuaResult<usize> {
    if let (Value::Int(a), Value::Int(d)) = (l.arg(1), l.arg(2)) {
        let r = match d {
            0 => return Err(l.arg_error(2, "zero")),
            // avoids the overflow of minint % -1
            -1 => 0,
            _ => a % d,
        };
        l.push(Value::Int(r));
        return Ok(1);
    }
    let a = l.check_number(1)?;
    let b = l.check_number(2)?;
    push_float(l, a % b)
}

/// Integral part (rounded towards zero) and fractional part.
fn modf(l: &mut State) -> LuaResult<usize> {
    if let v @ Value::Int(_) = l.arg(1) {
        l.push(v);
        l.push(Value::Float(0.0));
        return Ok(2);
    }
    let n = l.check_number(1)?;
    let ip = if n < 0.0 { n.ceil() } else { n.floor() };
    l.push(float_to_integer(ip).map_or(Value::Float(ip), Value::Int));
    // the test makes inf - inf a zero
    l.push(Value::Float(if n == ip { 0.0 } else { n - ip }));
    Ok(2)
}

fn ult(l: &mut State) -> LuaResult<usize> {
    let a = l.check_integer(1)?;
    let b = l.check_integer(2)?;
    l.push(Value::Bool((a as u64) < (b as u64)));
    Ok(1)
}

fn log(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    let r = if l.arg(2).is_nil() {
        x.ln()
    } else {
        let base = l.check_number(2)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    push_float(l, r)
}

fn deg(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    push_float(l, x * (180.0 / PI))
}

fn rad(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    push_float(l, x * (PI / 180.0))
}

/// The argument that is least (or, with `greatest`, greatest) by `<`.
fn extreme(l: &mut State, greatest: bool) -> LuaResult<usize> {
    let n = l.arg_count();
    if n < 1 {
        return Err(l.arg_error(1, "value expected"));
    }
    let mut best = 1;
    for i in 2..=n {
        let (a, b) = if greatest {
            (l.arg(best), l.arg(i))
        } else {
            (l.arg(i), l.arg(best))
        };
        if l.less_than(a, b)? {
            best = i;
        }
    }
    let v = l.arg(best);
    l.push(v);
    Ok(1)
}

fn min(l: &mut State) -> LuaResult<usize> {
    extreme(l, false)
}

fn max(l: &mut State) -> LuaResult<usize> {
    extreme(l, true)
}

fn type_(l: &mut State) -> LuaResult<usize> {
    let v = match l.arg(1) {
        Value::Int(_) => l.new_str_value(b"integer"),
        Value::Float(_) => l.new_str_value(b"float"),
        _ => {
            l.check_any(1)?;
            Value::Nil
        }
    };
    l.push(v);
    Ok(1)
}

// ----- pseudo-random numbers (xoshiro256**, as PUC 5.4) -----

#[derive(Default, Clone, Copy)]
struct Xoshiro {
    s: [u64; 4],
}

impl Xoshiro {
    fn next(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn seed(&mut self, n1: u64, n2: u64) {
        self.s = [n1, 0xff, n2, 0];
        // discard initial values to "spread" the seed
        for _ in 0..16 {
            self.next();
        }
    }

    /// Projects a random integer into `[0, n]` without bias: masks it to the
    /// smallest `2^b - 1` not below `n`, retrying while it falls above `n`.
    fn project(&mut self, mut ran: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return ran & n; // n + 1 is a power of 2
        }
        let mut lim = n;
        lim |= lim >> 1;
        lim |= lim >> 2;
        lim |= lim >> 4;
        lim |= lim >> 8;
        lim |= lim >> 16;
        lim |= lim >> 32;
        loop {
            ran &= lim;
            if ran <= n {
                return ran;
            }
            ran = self.next();
        }
    }
}

/// A float in [0, 1) from the 53 high bits.
fn to_unit_float(x: u64) -> f64 {
    (x >> 11) as f64 * (0.5f64).powi(53)
}

/// Runs `f` on the generator kept in the running closure's upvalue.
fn with_generator<R>(l: &mut State, f: impl FnOnce(&mut Xoshiro) -> R) -> Option<R> {
    let Value::UserData(ud) = l.native_upvalue(1) else {
        return None;
    };
    let mut payload = ud.payload_mut()?;
    let g = payload.downcast_mut::<Xoshiro>()?;
    Some(f(g))
}

fn random(l: &mut State) -> LuaResult<usize> {
    let rv = with_generator(l, |g| g.next()).unwrap_or(0);
    let (low, up) = match l.arg_count() {
        0 => {
            l.push(Value::Float(to_unit_float(rv)));
            return Ok(1);
        }
        1 => {
            let up = l.check_integer(1)?;
            if up == 0 {
                // a full random integer
                l.push(Value::Int(rv as i64));
                return Ok(1);
            }
            (1, up)
        }
        2 => (l.check_integer(1)?, l.check_integer(2)?),
        _ => return Err(l.error("wrong number of arguments")),
    };
    if low > up {
        return Err(l.arg_error(1, "interval is empty"));
    }
    let span = (up as u64).wrapping_sub(low as u64);
    let p = with_generator(l, |g| g.project(rv, span)).unwrap_or(0);
    l.push(Value::Int(p.wrapping_add(low as u64) as i64));
    Ok(1)
}

/// A seed from the current time and an address (PUC's `randseed`).
fn time_and_address_seed(l: &State) -> (u64, u64) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (t, l as *const State as usize as u64)
}

fn randomseed(l: &mut State) -> LuaResult<usize> {
    let (n1, n2) = if l.arg_count() == 0 {
        time_and_address_seed(l)
    } else {
        let n1 = l.check_integer(1)?;
        let n2 = l.opt_integer(2, 0)?;
        (n1 as u64, n2 as u64)
    };
    with_generator(l, |g| g.seed(n1, n2));
    l.push(Value::Int(n1 as i64));
    l.push(Value::Int(n2 as i64));
    Ok(2)
}

// ----- LUA_COMPAT_MATHLIB functions (deprecated in 5.4, present in stock builds) -----

fn float_result(l: &mut State, f: f64) -> LuaResult<usize> {
    l.push(Value::Float(f));
    Ok(1)
}

fn cosh(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    float_result(l, x.cosh())
}

fn sinh(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    float_result(l, x.sinh())
}

fn tanh(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    float_result(l, x.tanh())
}

fn pow(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    let y = l.check_number(2)?;
    float_result(l, x.powf(y))
}

fn log10(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    float_result(l, x.log10())
}

/// `math.ldexp(m, e)`: m * 2^e, computed in steps so huge exponents saturate
/// as C's `ldexp` does.
fn ldexp(l: &mut State) -> LuaResult<usize> {
    let m = l.check_number(1)?;
    let e = l.check_integer(2)?.clamp(-2200, 2200) as i32;
    let mut r = m;
    let mut e = e;
    while e > 1000 {
        r *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        r *= 2f64.powi(-1000);
        e += 1000;
    }
    float_result(l, r * 2f64.powi(e))
}

/// `math.frexp(x)`: m and e with x = m * 2^e and 0.5 <= |m| < 1 (C's `frexp`).
fn frexp(l: &mut State) -> LuaResult<usize> {
    let x = l.check_number(1)?;
    let (m, e) = if x == 0.0 || x.is_nan() || x.is_infinite() {
        (x, 0)
    } else {
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        if exp == 0 {
            // Subnormal: scale up first.
            let y = x * 2f64.powi(64);
            let eb = (((y.to_bits() >> 52) & 0x7ff) as i32) - 1022 - 64;
            let m = f64::from_bits((y.to_bits() & !(0x7ffu64 << 52)) | (1022u64 << 52));
            (m, eb)
        } else {
            let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
            (m, exp - 1022)
        }
    };
    l.push(Value::Float(m));
    l.push(Value::Int(e as i64));
    Ok(2)
}
