//! Number formatting without libc.
//!
//! Reproduces the output of glibc's `printf` family for the conversions Lua
//! uses (`%d %i %u %o %x %X %e %E %f %F %g %G %a %A`) including flags, width
//! and precision, plus Lua's own `tostring` format for floats (`"%.14g"`,
//! with `".0"` appended when the result looks like an integer).
//!
//! Decimal digits come from Rust's correctly rounded `{:.*e}` / `{:.*}`
//! formatting (exact binary value, ties-to-even — the same results as glibc
//! in the default rounding mode).  Hex floats (`%a`) are produced directly
//! from the IEEE bits, rounding to nearest-even like glibc; subnormals are
//! printed unnormalised (`0x0.0000000000001p-1022`) as glibc does.
//!
//! Public API:
//! * [`fmt_float_lua`] — `tostring` of a float.
//! * [`fmt_e`], [`fmt_f`], [`fmt_g`], [`fmt_a`] — bare conversions (sign
//!   only when negative, no padding).
//! * [`FmtSpec`] + [`format_float`] / [`format_int`] — full printf-style
//!   conversion with flags, width and precision.
//! * [`fmt_int`] — decimal integer to bytes.

/// Flags, width and precision of one printf conversion specification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FmtSpec {
    /// `-`: left-justify within the field.
    pub left: bool,
    /// `+`: always print a sign for signed conversions.
    pub plus: bool,
    /// ` `: print a space in place of a `+` sign.
    pub space: bool,
    /// `#`: alternate form.
    pub alt: bool,
    /// `0`: pad with zeros (after sign / `0x` prefix).
    pub zero: bool,
    /// Minimum field width.
    pub width: usize,
    /// Precision, if given (`.` alone means `Some(0)`).
    pub precision: Option<usize>,
}

/// Decimal representation of an integer.
pub fn fmt_int(i: i64) -> Vec<u8> {
    i.to_string().into_bytes()
}

/// Lua's `tostring` for floats: `"%.14g"`, plus `".0"` when the result
/// looks like an integer (only digits and '-').
pub fn fmt_float_lua(f: f64) -> Vec<u8> {
    let mut out = fmt_g(f, 14, false, false);
    if out.iter().all(|&c| c == b'-' || c.is_ascii_digit()) {
        out.extend_from_slice(b".0");
    }
    out
}

/// `%.<precision>e` (or `%E` when `upper`); `alt` is the `#` flag.
pub fn fmt_e(f: f64, precision: usize, upper: bool, alt: bool) -> Vec<u8> {
    with_sign(f, upper, |a, out| e_body(a, precision, upper, alt, out))
}

/// `%.<precision>f`; `alt` is the `#` flag.  `upper` only affects inf/nan.
pub fn fmt_f(f: f64, precision: usize, upper: bool, alt: bool) -> Vec<u8> {
    with_sign(f, upper, |a, out| f_body(a, precision, alt, out))
}

/// `%.<precision>g` (or `%G`); `alt` is the `#` flag.
pub fn fmt_g(f: f64, precision: usize, upper: bool, alt: bool) -> Vec<u8> {
    with_sign(f, upper, |a, out| g_body(a, precision, upper, alt, out))
}

/// `%a` / `%A` with optional precision; `alt` is the `#` flag.
pub fn fmt_a(f: f64, precision: Option<usize>, upper: bool, alt: bool) -> Vec<u8> {
    with_sign(f, upper, |a, out| {
        let (prefix, body) = a_parts(a, precision, upper, alt);
        out.extend_from_slice(prefix);
        out.extend_from_slice(&body);
    })
}

/// Prefixes '-' for negative values (sign bit) and handles inf/nan.
fn with_sign(f: f64, upper: bool, body: impl FnOnce(f64, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    if f.is_sign_negative() {
        out.push(b'-');
    }
    if f.is_finite() {
        body(f.abs(), &mut out);
    } else {
        out.extend_from_slice(nonfinite(f, upper));
    }
    out
}

fn nonfinite(f: f64, upper: bool) -> &'static [u8] {
    match (f.is_nan(), upper) {
        (true, false) => b"nan",
        (true, true) => b"NAN",
        (false, false) => b"inf",
        (false, true) => b"INF",
    }
}

/// Splits Rust's `{:.*e}` output into mantissa digits and exponent.
fn sci(a: f64, precision: usize) -> (Vec<u8>, i32) {
    let s = format!("{:.*e}", precision, a);
    match s.split_once('e') {
        Some((m, e)) => (m.as_bytes().to_vec(), e.parse().unwrap_or(0)),
        None => (s.into_bytes(), 0),
    }
}

fn push_exp(out: &mut Vec<u8>, marker: u8, exp: i32) {
    out.push(marker);
    out.push(if exp < 0 { b'-' } else { b'+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push(b'0');
        out.push(b'0' + e as u8);
    } else if e < 100 {
        out.push(b'0' + (e / 10) as u8);
        out.push(b'0' + (e % 10) as u8);
    } else {
        out.extend_from_slice(e.to_string().as_bytes());
    }
}

fn e_body(a: f64, precision: usize, upper: bool, alt: bool, out: &mut Vec<u8>) {
    let (mant, exp) = sci(a, precision);
    out.extend_from_slice(&mant);
    if alt && precision == 0 {
        out.push(b'.');
    }
    push_exp(out, if upper { b'E' } else { b'e' }, exp);
}

fn f_body(a: f64, precision: usize, alt: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("{:.*}", precision, a).as_bytes());
    if alt && precision == 0 {
        out.push(b'.');
    }
}

/// A small stack buffer for Rust's float formatting (no allocation).
struct StackBuf {
    buf: [u8; 48],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let b = s.as_bytes();
        let end = self.len + b.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(b);
        self.len = end;
        Ok(())
    }
}

/// Significant digits (without trailing zeros) and decimal exponent of a
/// positive finite `a` rounded to `p` significant digits, as `%.{p-1}e`
/// would round it.  `None` if the digits do not fit the buffer.
fn sig_digits(a: f64, p: usize, digits: &mut [u8; 48]) -> Option<(usize, i32)> {
    use std::fmt::Write;
    let mut b = StackBuf {
        buf: [0; 48],
        len: 0,
    };
    // The shortest representation that reads back as `a`: when it has at most
    // `p` digits, rounding the exact value to `p` digits gives the same digits
    // (for normal numbers and p <= 15, the value lies closer to it than half a
    // unit of the p-th digit, as 2^-52 < 10^-15).
    let count = |b: &StackBuf| {
        b.buf[..b.len]
            .iter()
            .take_while(|&&c| c != b'e')
            .filter(|c| c.is_ascii_digit())
            .count()
    };
    let shortest_ok = p <= 15 && a.is_normal() && write!(b, "{:e}", a).is_ok() && count(&b) <= p;
    if !shortest_ok {
        b.len = 0;
        write!(b, "{:.*e}", p - 1, a).ok()?;
    }
    let text = &b.buf[..b.len];
    let epos = text.iter().position(|&c| c == b'e')?;
    let mut n = 0;
    for &c in &text[..epos] {
        if c.is_ascii_digit() {
            digits[n] = c;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let exp_text = std::str::from_utf8(&text[epos + 1..]).ok()?;
    let exp: i32 = exp_text.parse().ok()?;
    Some((n, exp))
}

/// `%g` without the `#` flag, from one conversion of the digits.
fn g_body_fast(a: f64, p: usize, upper: bool, out: &mut Vec<u8>) -> bool {
    if a == 0.0 {
        out.push(b'0');
        return true;
    }
    let mut digits = [0u8; 48];
    let Some((n, exp)) = sig_digits(a, p, &mut digits) else {
        return false;
    };
    let d = &digits[..n];
    if (exp as i64) < p as i64 && exp >= -4 {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if n <= int_len {
                out.extend_from_slice(d);
                out.resize(out.len() + (int_len - n), b'0');
            } else {
                out.extend_from_slice(&d[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&d[int_len..]);
            }
        } else {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + (-exp - 1) as usize, b'0');
            out.extend_from_slice(d);
        }
    } else {
        out.push(d[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&d[1..]);
        }
        push_exp(out, if upper { b'E' } else { b'e' }, exp);
    }
    true
}

fn g_body(a: f64, precision: usize, upper: bool, alt: bool, out: &mut Vec<u8>) {
    let p = precision.max(1);
    if !alt && p <= 40 {
        let start = out.len();
        if g_body_fast(a, p, upper, out) {
            return;
        }
        out.truncate(start);
    }
    let exp = if a == 0.0 { 0 } else { sci(a, p - 1).1 };
    let start = out.len();
    if (exp as i64) < p as i64 && exp >= -4 {
        let fprec = (p as i64 - 1 - exp as i64) as usize;
        f_body(a, fprec, alt, out);
        if !alt {
            strip_zeros(out, start);
        }
    } else {
        let (mut mant, exp) = sci(a, p - 1);
        // glibc quirk: a value below 10^P that rounds up to 10^P is printed
        // (with '#') as "1.e+P" rather than "1.000e+P".
        if alt && exp as i64 == p as i64 && sci(a, 40).1 as i64 == p as i64 - 1 {
            mant.truncate(2);
        }
        if !alt {
            strip_zeros(&mut mant, 0);
        } else if p == 1 {
            mant.push(b'.');
        }
        out.extend_from_slice(&mant);
        push_exp(out, if upper { b'E' } else { b'e' }, exp);
    }
}

/// Removes trailing fractional zeros (and a bare '.') from `v[start..]`.
fn strip_zeros(v: &mut Vec<u8>, start: usize) {
    if !v[start.min(v.len())..].contains(&b'.') {
        return;
    }
    while v.len() > start && v.last() == Some(&b'0') {
        v.pop();
    }
    if v.len() > start && v.last() == Some(&b'.') {
        v.pop();
    }
}

/// Hex float parts for a non-negative finite value: ("0x", "1.8p+1").
fn a_parts(a: f64, precision: Option<usize>, upper: bool, alt: bool) -> (&'static [u8], Vec<u8>) {
    let bits = a.to_bits();
    let raw_exp = ((bits >> 52) & 0x7ff) as i32;
    let mut frac = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = if raw_exp == 0 {
        (0u64, if frac == 0 { 0 } else { -1022 })
    } else {
        (1u64, raw_exp - 1023)
    };
    // number of hex fraction digits to print
    let ndig = match precision {
        Some(p) => p,
        None => {
            let mut n = 13;
            while n > 0 && (frac >> (4 * (13 - n))) & 0xf == 0 {
                n -= 1;
            }
            n
        }
    };
    let digits: &[u8] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut body = Vec::new();
    let mut fdigits = Vec::new();
    if ndig < 13 {
        let shift = 4 * (13 - ndig) as u32;
        let rem = frac & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        frac >>= shift;
        let last_odd = if ndig == 0 {
            lead & 1 == 1
        } else {
            frac & 1 == 1
        };
        if rem > half || (rem == half && last_odd) {
            frac += 1;
            if ndig == 0 || frac >> (4 * ndig) != 0 {
                lead += 1;
                frac = if ndig == 0 {
                    0
                } else {
                    frac & ((1u64 << (4 * ndig)) - 1)
                };
            }
        }
        for i in (0..ndig).rev() {
            fdigits.push(digits[((frac >> (4 * i)) & 0xf) as usize]);
        }
    } else {
        for i in (0..13).rev() {
            fdigits.push(digits[((frac >> (4 * i)) & 0xf) as usize]);
        }
        fdigits.resize(ndig, b'0');
    }
    body.push(digits[lead as usize & 0xf]);
    if !fdigits.is_empty() || alt {
        body.push(b'.');
    }
    body.extend_from_slice(&fdigits);
    body.push(if upper { b'P' } else { b'p' });
    body.push(if exp < 0 { b'-' } else { b'+' });
    body.extend_from_slice(exp.unsigned_abs().to_string().as_bytes());
    (if upper { b"0X" } else { b"0x" }, body)
}

/// Lays out `sign`, `prefix` and `body` in a field of `spec.width`.
/// `zero_ok` says whether the '0' flag applies (not for inf/nan, nor for
/// integers with a precision).
fn pad(spec: &FmtSpec, sign: &[u8], prefix: &[u8], body: &[u8], zero_ok: bool) -> Vec<u8> {
    let len = sign.len() + prefix.len() + body.len();
    let fill = spec.width.saturating_sub(len);
    let mut out = Vec::with_capacity(len + fill);
    if spec.left {
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if spec.zero && zero_ok {
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(fill, b' ');
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
    out
}

/// Pads an arbitrary byte string (used for `%s` and `%c`).
pub fn pad_bytes(spec: &FmtSpec, body: &[u8]) -> Vec<u8> {
    let plain = FmtSpec {
        zero: false,
        ..*spec
    };
    pad(&plain, b"", b"", body, false)
}

fn sign_of(neg: bool, spec: &FmtSpec) -> &'static [u8] {
    if neg {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    }
}

/// Full printf conversion of a float.  `conv` is one of
/// `e E f F g G a A`; any other byte is treated as `g`.
pub fn format_float(f: f64, conv: u8, spec: &FmtSpec) -> Vec<u8> {
    let upper = conv.is_ascii_uppercase();
    let sign = sign_of(f.is_sign_negative(), spec);
    if !f.is_finite() {
        return pad(spec, sign, b"", nonfinite(f, upper), false);
    }
    let a = f.abs();
    let mut body = Vec::new();
    let prec = spec.precision.unwrap_or(6);
    match conv.to_ascii_lowercase() {
        b'e' => e_body(a, prec, upper, spec.alt, &mut body),
        b'f' => f_body(a, prec, spec.alt, &mut body),
        b'a' => {
            let (prefix, body) = a_parts(a, spec.precision, upper, spec.alt);
            return pad(spec, sign, prefix, &body, true);
        }
        _ => g_body(a, prec, upper, spec.alt, &mut body),
    }
    pad(spec, sign, b"", &body, true)
}

/// Full printf conversion of an integer.  `conv` is one of
/// `d i u o x X` (`u o x X` treat the value as unsigned 64-bit).
pub fn format_int(n: i64, conv: u8, spec: &FmtSpec) -> Vec<u8> {
    let (neg, mag) = match conv {
        b'd' | b'i' => (n < 0, n.unsigned_abs()),
        _ => (false, n as u64),
    };
    let mut digits = match conv {
        b'o' => format!("{:o}", mag),
        b'x' => format!("{:x}", mag),
        b'X' => format!("{:X}", mag),
        _ => mag.to_string(),
    }
    .into_bytes();
    if let Some(p) = spec.precision {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        if digits.len() < p {
            let mut z = vec![b'0'; p - digits.len()];
            z.extend_from_slice(&digits);
            digits = z;
        }
    }
    let mut prefix: &[u8] = b"";
    if spec.alt {
        match conv {
            b'o' if digits.first() != Some(&b'0') => digits.insert(0, b'0'),
            b'x' if mag != 0 => prefix = b"0x",
            b'X' if mag != 0 => prefix = b"0X",
            _ => {}
        }
    }
    let sign: &[u8] = if matches!(conv, b'd' | b'i') {
        sign_of(neg, spec)
    } else {
        b""
    };
    pad(spec, sign, prefix, &digits, spec.precision.is_none())
}

#[cfg(test)]
#[allow(clippy::approx_constant, clippy::excessive_precision)]
mod tests {
    use super::*;

    fn s(v: Vec<u8>) -> String {
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn lua_tostring() {
        assert_eq!(s(fmt_float_lua(1e15)), "1e+15");
        assert_eq!(s(fmt_float_lua(2f64.powi(63))), "9.2233720368548e+18");
        assert_eq!(s(fmt_float_lua(-0.0)), "-0.0");
        assert_eq!(s(fmt_float_lua(3.0)), "3.0");
        assert_eq!(s(fmt_float_lua(1.5)), "1.5");
        assert_eq!(s(fmt_float_lua(0.1 + 0.2)), "0.3");
        assert_eq!(s(fmt_float_lua(1e14)), "1e+14");
        assert_eq!(s(fmt_float_lua(123456789012345.0)), "1.2345678901234e+14");
        assert_eq!(s(fmt_float_lua(12345678901234.0)), "12345678901234.0");
        assert_eq!(s(fmt_float_lua(f64::INFINITY)), "inf");
        assert_eq!(s(fmt_float_lua(f64::NEG_INFINITY)), "-inf");
        let nan = f64::NAN;
        let pos = f64::from_bits(nan.to_bits() & !(1 << 63));
        let neg = f64::from_bits(nan.to_bits() | (1 << 63));
        assert_eq!(s(fmt_float_lua(pos)), "nan");
        assert_eq!(s(fmt_float_lua(neg)), "-nan");
        assert_eq!(s(fmt_float_lua(1e-5)), "1e-05");
        assert_eq!(s(fmt_float_lua(0.0001)), "0.0001");
        assert_eq!(s(fmt_float_lua(-1e100)), "-1e+100");
        assert_eq!(s(fmt_float_lua(5e-324)), "4.9406564584125e-324");
        assert_eq!(s(fmt_float_lua(f64::MAX)), "1.7976931348623e+308");
        assert_eq!(s(fmt_float_lua(100.0)), "100.0");
    }

    #[test]
    fn bare_conversions() {
        assert_eq!(s(fmt_e(0.0, 6, false, false)), "0.000000e+00");
        assert_eq!(s(fmt_e(5e-324, 0, false, false)), "5e-324");
        assert_eq!(s(fmt_e(1e300, 6, true, false)), "1.000000E+300");
        assert_eq!(s(fmt_e(3.0, 0, false, true)), "3.e+00");
        assert_eq!(s(fmt_f(3.0, 0, false, true)), "3.");
        assert_eq!(s(fmt_f(0.5, 0, false, false)), "0");
        assert_eq!(s(fmt_f(1.5, 0, false, false)), "2");
        assert_eq!(s(fmt_f(2.5, 0, false, false)), "2");
        assert_eq!(s(fmt_f(3.5, 0, false, false)), "4");
        assert_eq!(s(fmt_f(0.05, 1, false, false)), "0.1");
        assert_eq!(s(fmt_f(0.125, 2, false, false)), "0.12");
        assert_eq!(s(fmt_f(-0.0, 1, false, false)), "-0.0");
        assert_eq!(
            s(fmt_f(1.0 / 3.0, 99, false, false)),
            "0.333333333333333314829616256247390992939472198486328125000000000000000000000000000000000000000000000"
        );
        let big = s(fmt_f(-1e308, 99, false, false));
        assert!(big.starts_with("-100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336."));
        assert_eq!(big.len(), 1 + 309 + 1 + 99);
        assert_eq!(s(fmt_f(f64::INFINITY, 2, true, false)), "INF");
    }

    #[test]
    fn g_conversion() {
        assert_eq!(s(fmt_g(1e20, 6, false, false)), "1e+20");
        assert_eq!(s(fmt_g(0.0001, 6, false, false)), "0.0001");
        assert_eq!(s(fmt_g(100000.0, 6, false, false)), "100000");
        assert_eq!(s(fmt_g(0.0, 6, false, false)), "0");
        assert_eq!(s(fmt_g(-0.0, 6, false, false)), "-0");
        assert_eq!(s(fmt_g(1e-5, 6, false, false)), "1e-05");
        assert_eq!(s(fmt_g(123456789.0, 6, false, false)), "1.23457e+08");
        assert_eq!(s(fmt_g(0.00001234, 6, false, false)), "1.234e-05");
        assert_eq!(s(fmt_g(0.5, 0, false, false)), "0.5");
        assert_eq!(s(fmt_g(15.0, 1, false, false)), "2e+01");
        assert_eq!(s(fmt_g(1.0, 0, false, true)), "1.");
        assert_eq!(s(fmt_g(100.0, 6, false, false)), "100");
        assert_eq!(s(fmt_g(0.1, 17, false, false)), "0.10000000000000001");
        assert_eq!(s(fmt_g(1.0, 6, false, true)), "1.00000");
        assert_eq!(s(fmt_g(1.0, 3, false, true)), "1.00");
        assert_eq!(s(fmt_g(123456.0, 4, false, true)), "1.235e+05");
        assert_eq!(s(fmt_g(999999.5, 6, false, false)), "1e+06");
        assert_eq!(s(fmt_g(1e-300, 3, true, false)), "1E-300");
        // glibc's '#' carry quirk
        assert_eq!(s(fmt_g(999999.5, 6, false, true)), "1.e+06");
        assert_eq!(s(fmt_g(999.7, 3, true, true)), "1.E+03");
        assert_eq!(s(fmt_g(99.7, 2, false, true)), "1.e+02");
        assert_eq!(s(fmt_g(9999.7, 3, false, true)), "1.00e+04");
        assert_eq!(s(fmt_g(9.97, 2, false, true)), "10.");
        assert_eq!(s(fmt_g(0.0009997, 3, false, true)), "0.00100");
        assert_eq!(s(fmt_g(9.997e-05, 3, false, true)), "0.000100");
        assert_eq!(s(fmt_g(9999999.5, 6, false, true)), "1.00000e+07");
    }

    #[test]
    fn hex_floats() {
        assert_eq!(s(fmt_a(1.0, None, false, false)), "0x1p+0");
        assert_eq!(s(fmt_a(3.0, None, false, false)), "0x1.8p+1");
        assert_eq!(s(fmt_a(0.5, None, true, false)), "0X1P-1");
        assert_eq!(s(fmt_a(1.0 / 3.0, Some(3), false, false)), "0x1.555p-2");
        assert_eq!(s(fmt_a(1.5, Some(0), false, false)), "0x2p+0");
        assert_eq!(s(fmt_a(2.5, Some(0), false, false)), "0x1p+1");
        assert_eq!(s(fmt_a(3.5, Some(0), false, false)), "0x2p+1");
        assert_eq!(s(fmt_a(1.75, Some(0), false, false)), "0x2p+0");
        assert_eq!(s(fmt_a(1.96875, Some(1), false, false)), "0x2.0p+0");
        assert_eq!(
            s(fmt_a(5e-324, None, false, false)),
            "0x0.0000000000001p-1022"
        );
        assert_eq!(s(fmt_a(5e-324, Some(1), false, false)), "0x0.0p-1022");
        assert_eq!(
            s(fmt_a(2.2250738585072014e-308, None, true, false)),
            "0X1P-1022"
        );
        assert_eq!(
            s(fmt_a(2.225073858507201e-308, None, false, false)),
            "0x0.fffffffffffffp-1022"
        );
        assert_eq!(s(fmt_a(0.0, None, false, false)), "0x0p+0");
        assert_eq!(s(fmt_a(-0.0, None, false, false)), "-0x0p+0");
        assert_eq!(
            s(fmt_a(1.0, Some(20), false, false)),
            "0x1.00000000000000000000p+0"
        );
        assert_eq!(
            s(fmt_a(1e300, None, false, false)),
            "0x1.7e43c8800759cp+996"
        );
        assert_eq!(s(fmt_a(0.1, None, false, false)), "0x1.999999999999ap-4");
        assert_eq!(s(fmt_a(1.0, Some(0), false, true)), "0x1.p+0");
        assert_eq!(s(fmt_a(1.03125, Some(1), false, false)), "0x1.0p+0");
        assert_eq!(s(fmt_a(1.09375, Some(1), false, false)), "0x1.2p+0");
        assert_eq!(
            s(fmt_a(1.5 * 2f64.powi(-1022), Some(0), false, false)),
            "0x2p-1022"
        );
        assert_eq!(
            s(fmt_a(2.2250738585072009e-308, Some(0), false, false)),
            "0x1p-1022"
        );
        assert_eq!(
            s(fmt_a(2f64.powi(-1023), Some(0), false, false)),
            "0x0p-1022"
        );
    }

    #[test]
    fn specs() {
        let sp = |w: usize, p: Option<usize>| FmtSpec {
            width: w,
            precision: p,
            ..Default::default()
        };
        assert_eq!(
            s(format_float(3.14159, b'f', &sp(10, Some(4)))),
            "    3.1416"
        );
        assert_eq!(
            s(format_float(
                1234.5,
                b'e',
                &FmtSpec {
                    left: true,
                    ..sp(10, Some(2))
                }
            )),
            "1.23e+03  "
        );
        assert_eq!(
            s(format_float(
                2.0,
                b'g',
                &FmtSpec {
                    plus: true,
                    ..sp(0, Some(3))
                }
            )),
            "+2"
        );
        assert_eq!(
            s(format_float(
                3.0,
                b'g',
                &FmtSpec {
                    space: true,
                    ..sp(0, None)
                }
            )),
            " 3"
        );
        assert_eq!(
            s(format_float(
                -3.14159,
                b'f',
                &FmtSpec {
                    zero: true,
                    ..sp(10, Some(3))
                }
            )),
            "-00003.142"
        );
        assert_eq!(
            s(format_float(
                f64::INFINITY,
                b'f',
                &FmtSpec {
                    zero: true,
                    ..sp(10, Some(3))
                }
            )),
            "       inf"
        );
        assert_eq!(
            s(format_float(
                f64::NEG_INFINITY,
                b'f',
                &FmtSpec {
                    left: true,
                    ..sp(6, None)
                }
            )),
            "-inf  "
        );
        assert_eq!(
            s(format_float(
                1.0,
                b'a',
                &FmtSpec {
                    zero: true,
                    ..sp(10, None)
                }
            )),
            "0x00001p+0"
        );
        assert_eq!(
            s(format_float(
                1.0,
                b'a',
                &FmtSpec {
                    left: true,
                    ..sp(10, None)
                }
            )),
            "0x1p+0    "
        );
        assert_eq!(
            s(format_float(
                1.0,
                b'a',
                &FmtSpec {
                    plus: true,
                    ..sp(0, None)
                }
            )),
            "+0x1p+0"
        );
        assert_eq!(
            s(format_float(
                1.0,
                b'e',
                &FmtSpec {
                    alt: true,
                    ..sp(0, None)
                }
            )),
            "1.000000e+00"
        );
        assert_eq!(
            s(format_int(
                42,
                b'd',
                &FmtSpec {
                    space: true,
                    zero: true,
                    ..sp(5, None)
                }
            )),
            " 0042"
        );
        assert_eq!(
            s(format_int(
                42,
                b'd',
                &FmtSpec {
                    plus: true,
                    zero: true,
                    ..sp(5, None)
                }
            )),
            "+0042"
        );
        assert_eq!(
            s(format_int(
                7,
                b'd',
                &FmtSpec {
                    plus: true,
                    ..sp(0, Some(3))
                }
            )),
            "+007"
        );
        assert_eq!(s(format_int(0, b'd', &sp(0, Some(0)))), "");
        assert_eq!(s(format_int(0, b'd', &sp(5, Some(0)))), "     ");
        assert_eq!(
            s(format_int(
                0,
                b'o',
                &FmtSpec {
                    alt: true,
                    ..sp(0, Some(0))
                }
            )),
            "0"
        );
        assert_eq!(
            s(format_int(
                1,
                b'x',
                &FmtSpec {
                    alt: true,
                    ..sp(0, Some(3))
                }
            )),
            "0x001"
        );
        assert_eq!(
            s(format_int(
                255,
                b'X',
                &FmtSpec {
                    alt: true,
                    ..sp(5, None)
                }
            )),
            " 0XFF"
        );
        assert_eq!(
            s(format_int(
                0,
                b'x',
                &FmtSpec {
                    alt: true,
                    ..sp(0, None)
                }
            )),
            "0"
        );
        assert_eq!(
            s(format_int(
                8,
                b'o',
                &FmtSpec {
                    alt: true,
                    left: true,
                    ..sp(8, None)
                }
            )),
            "010     "
        );
        assert_eq!(s(format_int(10, b'x', &sp(5, Some(3)))), "  00a");
        assert_eq!(
            s(format_int(-1, b'u', &sp(0, None))),
            "18446744073709551615"
        );
        assert_eq!(s(format_int(-1, b'x', &sp(0, None))), "ffffffffffffffff");
        assert_eq!(
            s(format_int(i64::MIN, b'd', &sp(0, None))),
            "-9223372036854775808"
        );
        assert_eq!(
            s(format_int(
                5,
                b'd',
                &FmtSpec {
                    zero: true,
                    ..sp(5, Some(2))
                }
            )),
            "   05"
        );
        assert_eq!(
            s(pad_bytes(
                &FmtSpec {
                    left: true,
                    ..sp(5, None)
                },
                b"ab"
            )),
            "ab   "
        );
    }
}
