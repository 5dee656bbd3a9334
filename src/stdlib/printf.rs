//! Engine for `string.format` (PUC-Rio Lua 5.4.4 semantics, glibc output).
//!
//! # API
//!
//! ```ignore
//! pub fn format(fmt: &[u8], args: &mut dyn FormatArgs) -> Result<Vec<u8>, FormatError>;
//! ```
//!
//! The VM supplies the arguments through the [`FormatArgs`] trait.  Argument
//! numbers are *Lua argument numbers* as used in error messages: the format
//! string is argument 1, the first value to format is argument 2, and so on.
//! The engine never asks for an argument `n > args.top()`; it reports
//! `bad argument #n to 'format' (no value)` itself.
//!
//! Each accessor performs the conversion of the corresponding lauxlib check
//! and returns the VM's error unchanged on failure:
//! * [`FormatArgs::integer`] — `luaL_checkinteger` (floats with an exact
//!   integer value and numeric strings are accepted; errors are
//!   `BadArg(n, "number has no integer representation")` or
//!   `BadArg(n, "number expected, got <type>")`).
//! * [`FormatArgs::number`] — `luaL_checknumber` (integers become floats).
//! * [`FormatArgs::tostring`] — `luaL_tolstring` (`__tostring`, `__name`).
//! * [`FormatArgs::literal`] — the raw value for `%q`.
//! * [`FormatArgs::pointer`] — `lua_topointer` for `%p` (`None` for values
//!   that are not objects; printed as `(null)`).
//!
//! [`FormatError`] distinguishes argument errors (rendered by the glue as
//! `bad argument #<n> to '<fname>' (<msg>)`) from plain errors (raised as-is,
//! e.g. `invalid conversion '%y' to 'format'`).  [`FormatError::render`]
//! produces the message given the function name.
//!
//! Supported conversions: `%d %i %u %c %o %x %X %e %E %f %g %G %a %A %q %s
//! %p %%` (5.4.4 has no `%F`).  Flags allowed per conversion follow lstrlib:
//! `d i`: `-+ 0`; `u`: `-0`; `o x X`: `-#0`; floats: `-+ #0`; `c p s`: `-`
//! (precision only for `s`); `%q` takes no modifiers.  Width and precision
//! have at most 2 digits; a specification longer than 20 bytes is
//! `invalid format (too long)`.

use crate::numfmt::{self, FmtSpec};

/// A raw Lua value as needed by `%q`.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatArg {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    /// Any other type (table, function, ...): has no literal form.
    Other,
}

/// Error produced by [`format()`] or by a [`FormatArgs`] accessor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// `bad argument #arg to 'format' (msg)`.
    BadArg { arg: usize, msg: Vec<u8> },
    /// A plain error message (luaL_error).
    Msg(Vec<u8>),
}

impl FormatError {
    fn bad(arg: usize, msg: &str) -> Self {
        FormatError::BadArg {
            arg,
            msg: msg.as_bytes().to_vec(),
        }
    }
    fn msg(m: Vec<u8>) -> Self {
        FormatError::Msg(m)
    }
    /// Renders the full message, using `fname` (e.g. `"format"`) for
    /// argument errors.
    pub fn render(&self, fname: &str) -> Vec<u8> {
        match self {
            FormatError::BadArg { arg, msg } => {
                let mut v = format!("bad argument #{} to '{}' (", arg, fname).into_bytes();
                v.extend_from_slice(msg);
                v.push(b')');
                v
            }
            FormatError::Msg(m) => m.clone(),
        }
    }
}

/// Access to the arguments of `string.format` (see module docs).
pub trait FormatArgs {
    /// Index of the last argument (`lua_gettop`): 1 when only the format
    /// string was given.
    fn top(&self) -> usize;
    /// `luaL_checkinteger(L, arg)`.
    fn integer(&mut self, arg: usize) -> Result<i64, FormatError>;
    /// `luaL_checknumber(L, arg)`.
    fn number(&mut self, arg: usize) -> Result<f64, FormatError>;
    /// `luaL_tolstring(L, arg)`.
    fn tostring(&mut self, arg: usize) -> Result<Vec<u8>, FormatError>;
    /// Appends `luaL_tolstring(L, arg)` to `out` (implementations may avoid
    /// the intermediate copy).
    fn append_tostring(&mut self, arg: usize, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let s = self.tostring(arg)?;
        out.extend_from_slice(&s);
        Ok(())
    }
    /// The raw value, for `%q`.
    fn literal(&mut self, arg: usize) -> Result<FormatArg, FormatError>;
    /// `lua_topointer(L, arg)`; `None` for non-object values.
    fn pointer(&mut self, arg: usize) -> Option<usize>;
}

const FLAGS_F: &[u8] = b"-+ #0";
const FLAGS_X: &[u8] = b"-#0";
const FLAGS_I: &[u8] = b"-+ 0";
const FLAGS_U: &[u8] = b"-0";
const FLAGS_C: &[u8] = b"-";
/// Formats longer than this (flags+digits+conversion) are rejected.
const MAX_SPEC: usize = 22;

/// Formats `fmt` with the given arguments (see module docs).
pub fn format(fmt: &[u8], args: &mut dyn FormatArgs) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(fmt.len());
    let top = args.top();
    let mut arg = 1usize;
    let mut i = 0usize;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        arg += 1;
        if arg > top {
            return Err(FormatError::bad(arg, "no value"));
        }
        // span flags, width, precision; then the conversion character
        let span = fmt[i..]
            .iter()
            .take_while(|c| b"-+ #0123456789.".contains(c))
            .count();
        if span + 1 >= MAX_SPEC {
            return Err(FormatError::msg(b"invalid format (too long)".to_vec()));
        }
        let spec = &fmt[i..i + span];
        let conv = fmt.get(i + span).copied().unwrap_or(0);
        // the textual form, as C would print it ('%' + spec + conv)
        let form = &fmt[i - 1..(i + span + 1).min(fmt.len())];
        i = (i + span + 1).min(fmt.len());
        match conv {
            b'c' => {
                let sp = check_spec(form, spec, FLAGS_C, false)?;
                let n = args.integer(arg)?;
                out.extend_from_slice(&numfmt::pad_bytes(&sp, &[n as u8]));
            }
            b'd' | b'i' if spec.is_empty() => {
                let n = args.integer(arg)?;
                push_decimal(&mut out, n);
            }
            b'd' | b'i' | b'u' | b'o' | b'x' | b'X' => {
                let n = args.integer(arg)?;
                let flags = match conv {
                    b'd' | b'i' => FLAGS_I,
                    b'u' => FLAGS_U,
                    _ => FLAGS_X,
                };
                let sp = check_spec(form, spec, flags, true)?;
                out.extend_from_slice(&numfmt::format_int(n, conv, &sp));
            }
            b'a' | b'A' => {
                let sp = check_spec(form, spec, FLAGS_F, true)?;
                let n = args.number(arg)?;
                out.extend_from_slice(&numfmt::format_float(n, conv, &sp));
            }
            b'e' | b'E' | b'f' | b'g' | b'G' => {
                let n = args.number(arg)?;
                let sp = check_spec(form, spec, FLAGS_F, true)?;
                out.extend_from_slice(&numfmt::format_float(n, conv, &sp));
            }
            b'p' => {
                let p = args.pointer(arg);
                let sp = check_spec(form, spec, FLAGS_C, false)?;
                let body = match p {
                    Some(addr) => format!("{:#x}", addr).into_bytes(),
                    None => b"(null)".to_vec(),
                };
                out.extend_from_slice(&numfmt::pad_bytes(&sp, &body));
            }
            b'q' => {
                if !spec.is_empty() {
                    return Err(FormatError::msg(
                        b"specifier '%q' cannot have modifiers".to_vec(),
                    ));
                }
                add_literal(&mut out, args, arg)?;
            }
            b's' if spec.is_empty() => args.append_tostring(arg, &mut out)?,
            b's' => {
                let s = args.tostring(arg)?;
                if s.contains(&0) {
                    return Err(FormatError::bad(arg, "string contains zeros"));
                }
                let sp = check_spec(form, spec, FLAGS_C, true)?;
                match sp.precision {
                    None if s.len() >= 100 => out.extend_from_slice(&s),
                    Some(p) if p < s.len() => {
                        out.extend_from_slice(&numfmt::pad_bytes(&sp, &s[..p]))
                    }
                    _ => out.extend_from_slice(&numfmt::pad_bytes(&sp, &s)),
                }
            }
            _ => {
                let mut m = b"invalid conversion '".to_vec();
                m.extend_from_slice(until_nul(form));
                m.extend_from_slice(b"' to 'format'");
                return Err(FormatError::msg(m));
            }
        }
    }
    Ok(out)
}

/// Appends the decimal form of `n`.
fn push_decimal(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

fn until_nul(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(p) => &s[..p],
        None => s,
    }
}

/// lstrlib's `checkformat`: validates flags (only those in `flags`), a width
/// of at most 2 digits not starting with '0', and (if `precision`) a '.'
/// followed by at most 2 digits.  Returns the parsed specification.
fn check_spec(
    form: &[u8],
    spec: &[u8],
    flags: &[u8],
    precision: bool,
) -> Result<FmtSpec, FormatError> {
    let mut sp = FmtSpec::default();
    let mut i = 0;
    while i < spec.len() && flags.contains(&spec[i]) {
        match spec[i] {
            b'-' => sp.left = true,
            b'+' => sp.plus = true,
            b' ' => sp.space = true,
            b'#' => sp.alt = true,
            _ => sp.zero = true,
        }
        i += 1;
    }
    let digits = |i: &mut usize| -> usize {
        let mut v = 0;
        let mut n = 0;
        while n < 2 && *i < spec.len() && spec[*i].is_ascii_digit() {
            v = v * 10 + (spec[*i] - b'0') as usize;
            *i += 1;
            n += 1;
        }
        v
    };
    if spec.get(i) != Some(&b'0') {
        sp.width = digits(&mut i);
        if precision && spec.get(i) == Some(&b'.') {
            i += 1;
            sp.precision = Some(digits(&mut i));
        }
    }
    if i != spec.len() {
        let mut m = b"invalid conversion specification: '".to_vec();
        m.extend_from_slice(until_nul(form));
        m.push(b'\'');
        return Err(FormatError::msg(m));
    }
    Ok(sp)
}

fn add_literal(
    out: &mut Vec<u8>,
    args: &mut dyn FormatArgs,
    arg: usize,
) -> Result<(), FormatError> {
    match args.literal(arg)? {
        FormatArg::Str(s) => add_quoted(out, &s),
        FormatArg::Int(n) => {
            if n == i64::MIN {
                out.extend_from_slice(b"0x8000000000000000");
            } else {
                out.extend_from_slice(n.to_string().as_bytes());
            }
        }
        FormatArg::Float(f) => {
            if f == f64::INFINITY {
                out.extend_from_slice(b"1e9999");
            } else if f == f64::NEG_INFINITY {
                out.extend_from_slice(b"-1e9999");
            } else if f.is_nan() {
                out.extend_from_slice(b"(0/0)");
            } else {
                out.extend_from_slice(&numfmt::fmt_a(f, None, false, false));
            }
        }
        FormatArg::Nil | FormatArg::Bool(_) => {
            let s = args.tostring(arg)?;
            out.extend_from_slice(&s);
        }
        FormatArg::Other => return Err(FormatError::bad(arg, "value has no literal form")),
    }
    Ok(())
}

/// Appends `s` as a Lua string literal that reads back as the same bytes
/// (lstrlib's `addquoted`).
pub fn add_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            0..=31 | 127 => {
                let next_digit = s.get(i + 1).is_some_and(|d| d.is_ascii_digit());
                if next_digit {
                    out.extend_from_slice(format!("\\{:03}", c).as_bytes());
                } else {
                    out.extend_from_slice(format!("\\{}", c).as_bytes());
                }
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
#[allow(clippy::approx_constant, clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Test argument source with simplified Lua coercions.
    struct Args(Vec<FormatArg>);

    fn tname(a: &FormatArg) -> &'static str {
        match a {
            FormatArg::Nil => "nil",
            FormatArg::Bool(_) => "boolean",
            FormatArg::Int(_) | FormatArg::Float(_) => "number",
            FormatArg::Str(_) => "string",
            FormatArg::Other => "table",
        }
    }

    impl Args {
        fn get(&self, arg: usize) -> &FormatArg {
            self.0.get(arg - 2).unwrap_or(&FormatArg::Nil)
        }
    }

    impl FormatArgs for Args {
        fn top(&self) -> usize {
            self.0.len() + 1
        }
        fn integer(&mut self, arg: usize) -> Result<i64, FormatError> {
            match self.get(arg) {
                FormatArg::Int(i) => Ok(*i),
                FormatArg::Float(f)
                    if f.fract() == 0.0
                        && *f >= -9.2233720368547758e18
                        && *f < 9.2233720368547758e18 =>
                {
                    Ok(*f as i64)
                }
                FormatArg::Float(_) => Err(FormatError::bad(
                    arg,
                    "number has no integer representation",
                )),
                FormatArg::Str(s) => std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                    .ok_or_else(|| FormatError::bad(arg, "number expected, got string")),
                a => Err(FormatError::bad(
                    arg,
                    &format!("number expected, got {}", tname(a)),
                )),
            }
        }
        fn number(&mut self, arg: usize) -> Result<f64, FormatError> {
            match self.get(arg) {
                FormatArg::Int(i) => Ok(*i as f64),
                FormatArg::Float(f) => Ok(*f),
                a => Err(FormatError::bad(
                    arg,
                    &format!("number expected, got {}", tname(a)),
                )),
            }
        }
        fn tostring(&mut self, arg: usize) -> Result<Vec<u8>, FormatError> {
            Ok(match self.get(arg) {
                FormatArg::Nil => b"nil".to_vec(),
                FormatArg::Bool(b) => b.to_string().into_bytes(),
                FormatArg::Int(i) => i.to_string().into_bytes(),
                FormatArg::Float(f) => numfmt::fmt_float_lua(*f),
                FormatArg::Str(s) => s.clone(),
                FormatArg::Other => b"table: 0x1234".to_vec(),
            })
        }
        fn literal(&mut self, arg: usize) -> Result<FormatArg, FormatError> {
            Ok(self.get(arg).clone())
        }
        fn pointer(&mut self, arg: usize) -> Option<usize> {
            match self.get(arg) {
                FormatArg::Other => Some(0x55aa00),
                _ => None,
            }
        }
    }

    use FormatArg::*;

    fn s(x: &str) -> FormatArg {
        Str(x.as_bytes().to_vec())
    }

    fn fmt(f: &str, a: Vec<FormatArg>) -> Result<Vec<u8>, String> {
        format(f.as_bytes(), &mut Args(a))
            .map_err(|e| String::from_utf8_lossy(&e.render("format")).into_owned())
    }

    fn ok(f: &str, a: Vec<FormatArg>) -> String {
        String::from_utf8_lossy(&fmt(f, a).unwrap()).into_owned()
    }

    fn err(f: &str, a: Vec<FormatArg>) -> String {
        fmt(f, a).unwrap_err()
    }

    #[test]
    fn basics() {
        assert_eq!(
            ok(
                "%5.2f|%-8x|%q",
                vec![Float(3.14159), Int(255), s("a\nb\0c")]
            ),
            " 3.14|ff      |\"a\\\nb\\0c\""
        );
        assert_eq!(ok("%d%%", vec![Int(50)]), "50%");
        assert_eq!(ok("abc", vec![]), "abc");
        assert_eq!(fmt("a\0b%d", vec![Int(1)]).unwrap(), b"a\0b1");
        assert_eq!(ok("%i", vec![Int(42)]), "42");
        assert_eq!(ok("%d", vec![Float(3.0)]), "3");
        assert_eq!(ok("%d", vec![s("10")]), "10");
        assert_eq!(ok("%x", vec![Int(-1)]), "ffffffffffffffff");
        assert_eq!(ok("%x", vec![Float(3.0)]), "3");
        assert_eq!(ok("%u", vec![Int(-1)]), "18446744073709551615");
        assert_eq!(ok("%05u|%.3u", vec![Int(3), Int(1)]), "00003|001");
        assert_eq!(
            ok(
                "%o|%#o|%#x|%#X|%5.3x|%-#8o|",
                vec![Int(8), Int(8), Int(255), Int(255), Int(10), Int(8)]
            ),
            "10|010|0xff|0XFF|  00a|010     |"
        );
        assert_eq!(
            ok(
                "% 05d|%+05d|%+.3d|%.0d|%5.0d|",
                vec![Int(42), Int(42), Int(7), Int(0), Int(0)]
            ),
            " 0042|+0042|+007||     |"
        );
        assert_eq!(ok("%0-5d|%-05d|", vec![Int(1), Int(1)]), "1    |1    |");
        assert_eq!(ok("%--------------------d", vec![Int(1)]), "1");
        assert_eq!(ok("%d", vec![Int(i64::MIN)]), "-9223372036854775808");
        assert_eq!(
            ok("%.d|%.f|%.e|", vec![Int(3), Float(2.5), Float(2.5)]),
            "3|2|2e+00|"
        );
    }

    #[test]
    fn floats() {
        assert_eq!(ok("%a %A", vec![Float(1.0), Float(0.5)]), "0x1p+0 0X1P-1");
        assert_eq!(ok("%.3a", vec![Float(1.0 / 3.0)]), "0x1.555p-2");
        assert_eq!(ok("%a", vec![Int(1)]), "0x1p+0");
        assert_eq!(
            ok("%g %g %g", vec![Float(1e20), Float(0.0001), Int(100000)]),
            "1e+20 0.0001 100000"
        );
        assert_eq!(
            ok(
                "%#g %#x %#o %#e %#f %#a",
                vec![
                    Float(1.0),
                    Int(0),
                    Int(0),
                    Float(1.0),
                    Float(1.0),
                    Float(1.0)
                ]
            ),
            "1.00000 0 0 1.000000e+00 1.000000 0x1.p+0"
        );
        assert_eq!(ok("%#.0f %#.0e", vec![Float(3.0), Float(3.0)]), "3. 3.e+00");
        assert_eq!(
            ok("%#.3g|%-#10.4g|", vec![Float(1.0), Int(123456)]),
            "1.00|1.235e+05 |"
        );
        assert_eq!(
            ok(
                "%10.4f|%-10.2e|%+.3g|% g|%010.3f|%010.3f",
                vec![
                    Float(3.14159),
                    Float(1234.5),
                    Float(2.0),
                    Float(3.0),
                    Float(-3.14159),
                    Float(f64::INFINITY)
                ]
            ),
            "    3.1416|1.23e+03  |+2| 3|-00003.142|       inf"
        );
        let nan = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
        assert_eq!(
            ok(
                "%f %e %g",
                vec![Float(f64::INFINITY), Float(f64::NEG_INFINITY), Float(nan)]
            ),
            "inf -inf -nan"
        );
        assert_eq!(
            ok(
                "%05f %-6f| %+f",
                vec![Float(f64::INFINITY), Float(f64::NEG_INFINITY), Float(nan)]
            ),
            "  inf -inf  | -nan"
        );
        assert_eq!(ok("%.99f", vec![Float(1.0 / 3.0)]).len(), 101);
        assert_eq!(ok("%99.99f", vec![Float(-1e308)]).len(), 410);
        assert_eq!(ok("%.14g", vec![Float(0.1 + 0.2)]), "0.3");
        assert_eq!(ok("%5.1f|%-5.1f|", vec![Int(2), Int(2)]), "  2.0|2.0  |");
    }

    #[test]
    fn strings_and_chars() {
        assert_eq!(ok("%-5s|", vec![s("ab")]), "ab   |");
        assert_eq!(ok("%.5s", vec![s("abcdefgh")]), "abcde");
        assert_eq!(ok("%5.1s|", vec![s("abc")]), "    a|");
        assert_eq!(ok("%.0s|", vec![s("abc")]), "|");
        assert_eq!(ok("%10.3s|", vec![s("abcdef")]), "       abc|");
        assert_eq!(fmt("%s", vec![s("a\0b")]).unwrap(), b"a\0b");
        assert_eq!(
            err("%5s", vec![s("a\0b")]),
            "bad argument #2 to 'format' (string contains zeros)"
        );
        assert_eq!(
            err("%.20s", vec![s("a\0b")]),
            "bad argument #2 to 'format' (string contains zeros)"
        );
        let long = "x".repeat(150);
        assert_eq!(ok("%5s", vec![s(&long)]), long);
        assert_eq!(ok("%.3s", vec![s(&long)]), "xxx");
        assert_eq!(ok("%s %s", vec![Float(1.5), Int(10)]), "1.5 10");
        assert_eq!(ok("%10s", vec![Nil]), "       nil");
        assert_eq!(ok("%s", vec![Float(1e15)]), "1e+15");
        assert_eq!(ok("%c%c%c", vec![Int(76), Int(117), Int(97)]), "Lua");
        assert_eq!(ok("%5c|%-5c|", vec![Int(65), Int(65)]), "    A|A    |");
        assert_eq!(fmt("%c", vec![Int(0)]).unwrap(), b"\0");
        assert_eq!(fmt("%c", vec![Int(256)]).unwrap(), b"\0");
        assert_eq!(ok("%p", vec![Nil]), "(null)");
        assert_eq!(ok("%5p|", vec![Nil]), "(null)|");
        assert_eq!(ok("%p", vec![Other]), "0x55aa00");
        assert_eq!(ok("%10p|", vec![Other]), "  0x55aa00|");
    }

    #[test]
    fn quoting() {
        assert_eq!(
            fmt("%q", vec![Str(b"\x001\r\t\"\\\x7f\x80".to_vec())]).unwrap(),
            b"\"\\0001\\13\\9\\\"\\\\\\127\x80\""
        );
        assert_eq!(
            fmt("%q", vec![Str(b"\x01a\x029\n".to_vec())]).unwrap(),
            b"\"\\1a\\0029\\\n\""
        );
        assert_eq!(ok("%q", vec![Float(f64::INFINITY)]), "1e9999");
        assert_eq!(ok("%q", vec![Float(f64::NEG_INFINITY)]), "-1e9999");
        assert_eq!(ok("%q", vec![Float(f64::NAN)]), "(0/0)");
        assert_eq!(ok("%q", vec![Float(1.0)]), "0x1p+0");
        assert_eq!(ok("%q", vec![Float(0.1)]), "0x1.999999999999ap-4");
        assert_eq!(ok("%q", vec![Int(i64::MIN)]), "0x8000000000000000");
        assert_eq!(ok("%q", vec![Int(255)]), "255");
        assert_eq!(
            ok("%q %q %q", vec![Nil, Bool(true), Bool(false)]),
            "nil true false"
        );
        assert_eq!(
            err("%q", vec![Other]),
            "bad argument #2 to 'format' (value has no literal form)"
        );
        assert_eq!(
            err("%10.3q", vec![s("x")]),
            "specifier '%q' cannot have modifiers"
        );
        assert_eq!(
            err("%5q", vec![s("x")]),
            "specifier '%q' cannot have modifiers"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            err("%#d", vec![Int(1)]),
            "invalid conversion specification: '%#d'"
        );
        assert_eq!(
            err("% u", vec![Int(1)]),
            "invalid conversion specification: '% u'"
        );
        assert_eq!(
            err("%+x", vec![Int(1)]),
            "invalid conversion specification: '%+x'"
        );
        assert_eq!(
            err("%123d", vec![Int(1)]),
            "invalid conversion specification: '%123d'"
        );
        assert_eq!(
            err("%.123d", vec![Int(1)]),
            "invalid conversion specification: '%.123d'"
        );
        assert_eq!(
            err("%05s", vec![s("a")]),
            "invalid conversion specification: '%05s'"
        );
        assert_eq!(
            err("%.3c", vec![Int(65)]),
            "invalid conversion specification: '%.3c'"
        );
        assert_eq!(
            err("%.3c", vec![Nil]),
            "invalid conversion specification: '%.3c'"
        );
        assert_eq!(
            err("%.3p", vec![Nil]),
            "invalid conversion specification: '%.3p'"
        );
        assert_eq!(
            err("%5.3.2f", vec![Int(1)]),
            "invalid conversion specification: '%5.3.2f'"
        );
        assert_eq!(
            err("%#d", vec![Nil]),
            "bad argument #2 to 'format' (number expected, got nil)"
        );
        assert_eq!(
            err("%#a", vec![Nil]),
            "bad argument #2 to 'format' (number expected, got nil)"
        );
        assert_eq!(
            err("%#e", vec![Nil]),
            "bad argument #2 to 'format' (number expected, got nil)"
        );
        assert_eq!(err("%", vec![Int(1)]), "invalid conversion '%' to 'format'");
        assert_eq!(
            err("%5", vec![Int(1)]),
            "invalid conversion '%5' to 'format'"
        );
        assert_eq!(
            err("%\0d", vec![Int(1)]),
            "invalid conversion '%' to 'format'"
        );
        assert_eq!(
            err("abc%", vec![]),
            "bad argument #2 to 'format' (no value)"
        );
        assert_eq!(err("%d", vec![]), "bad argument #2 to 'format' (no value)");
        assert_eq!(
            err("%s %s", vec![Int(1)]),
            "bad argument #3 to 'format' (no value)"
        );
        assert_eq!(
            err("%d", vec![Float(1.5)]),
            "bad argument #2 to 'format' (number has no integer representation)"
        );
        assert_eq!(
            err("%d", vec![s("x")]),
            "bad argument #2 to 'format' (number expected, got string)"
        );
        assert_eq!(
            err("%d", vec![Other]),
            "bad argument #2 to 'format' (number expected, got table)"
        );
        assert_eq!(
            err("%z", vec![Int(1)]),
            "invalid conversion '%z' to 'format'"
        );
        assert_eq!(
            err("%ld", vec![Int(1)]),
            "invalid conversion '%l' to 'format'"
        );
        assert_eq!(
            err("%F", vec![Int(1)]),
            "invalid conversion '%F' to 'format'"
        );
        assert_eq!(
            err("%1$d", vec![Int(1)]),
            "invalid conversion '%1$' to 'format'"
        );
        assert_eq!(
            err(&format!("%{}d", "1".repeat(20)), vec![Int(1)]),
            format!("invalid conversion specification: '%{}d'", "1".repeat(20))
        );
        assert_eq!(
            err(&format!("%{}d", "1".repeat(21)), vec![Int(1)]),
            "invalid format (too long)"
        );
        assert_eq!(
            err(&format!("%{}d", "-".repeat(21)), vec![Int(1)]),
            "invalid format (too long)"
        );
        assert_eq!(
            err(&"%1".repeat(15), vec![]),
            "bad argument #2 to 'format' (no value)"
        );
    }
}
