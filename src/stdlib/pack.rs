//! Engines for `string.pack`, `string.packsize` and `string.unpack`
//! (PUC-Rio Lua 5.4 semantics on a little-endian 64-bit target: `int` is 4
//! bytes, `short` 2, `long`/`size_t`/`lua_Integer`/`lua_Number` 8, native
//! maximum alignment 8).
//!
//! # API
//! ```ignore
//! pub fn pack(fmt: &[u8], args: &mut dyn PackArgs) -> Result<Vec<u8>, PackError>;
//! pub fn packsize(fmt: &[u8]) -> Result<i64, PackError>;
//! pub fn unpack(fmt: &[u8], data: &[u8], init: i64) -> Result<(Vec<PackValue>, i64), PackError>;
//! ```
//! * `pack` fetches values through [`PackArgs`], using Lua argument numbers
//!   (the format is argument 1, the first value argument 2).  The VM's
//!   accessors implement `luaL_checkinteger` / `luaL_checknumber` /
//!   `luaL_checklstring` and return their errors (e.g. `BadArg { arg: 2,
//!   msg: "number expected, got table" }`) unchanged.  (PUC quirk: pack
//!   pushes a nil marker above its arguments, so the first missing value
//!   argument reports "number expected, got nil", not "got no value".)
//! * `unpack` takes Lua's (1-based, possibly negative) `init` argument and
//!   returns the unpacked values plus the 1-based position after the last
//!   byte read (Lua's final result).
//! * [`PackError::BadArg`] renders as `bad argument #<arg> to '<fname>'
//!   (<msg>)`; [`PackError::Msg`] is a plain `luaL_error` message.
//!
//! Options: `< > = ! [n] b B h H l L j J T i[n] I[n] f d n s[n] z x X<op>`,
//! `c<n>`, and ' ' (ignored).  The format ends at its first NUL byte (PUC
//! treats it as a C string).

/// A value packed or unpacked.
#[derive(Clone, Debug, PartialEq)]
pub enum PackValue {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

/// Error from the pack engines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackError {
    /// `bad argument #arg to '<fname>' (msg)`.
    BadArg { arg: usize, msg: Vec<u8> },
    /// Plain error message.
    Msg(Vec<u8>),
}

impl PackError {
    fn bad(arg: usize, msg: &str) -> Self {
        PackError::BadArg {
            arg,
            msg: msg.as_bytes().to_vec(),
        }
    }
    fn msg(m: String) -> Self {
        PackError::Msg(m.into_bytes())
    }
    /// Full message, using `fname` (e.g. `"pack"`) for argument errors.
    pub fn render(&self, fname: &str) -> Vec<u8> {
        match self {
            PackError::BadArg { arg, msg } => {
                let mut v = format!("bad argument #{} to '{}' (", arg, fname).into_bytes();
                v.extend_from_slice(msg);
                v.push(b')');
                v
            }
            PackError::Msg(m) => m.clone(),
        }
    }
}

/// Argument access for [`pack`] (Lua argument numbers, first value is 2).
pub trait PackArgs {
    /// `luaL_checkinteger(L, arg)`.
    fn integer(&mut self, arg: usize) -> Result<i64, PackError>;
    /// `luaL_checknumber(L, arg)`.
    fn number(&mut self, arg: usize) -> Result<f64, PackError>;
    /// `luaL_checklstring(L, arg)` (numbers are converted to strings).
    fn string(&mut self, arg: usize) -> Result<Vec<u8>, PackError>;
    /// Whether the result buffer may grow to `len` bytes: the state's memory
    /// limit refuses it before it exists (PUC's `luaL_Buffer` allocating
    /// through the state). Asked at every growth; unlimited by default.
    fn reserve(&mut self, len: usize) -> Result<(), PackError> {
        let _ = len;
        Ok(())
    }
}

const MAX_INT_SIZE: usize = 16;
const SZINT: usize = 8;
/// PUC's MAXSIZE for pack purposes (INT_MAX).
const MAX_SIZE: usize = i32::MAX as usize;
const NATIVE_ALIGN: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Uint,
    Float,
    Number,
    Double,
    Char,
    Str,
    Zstr,
    Padding,
    PadAlign,
    Nop,
}

struct Parser<'a> {
    fmt: &'a [u8],
    pos: usize,
    little: bool,
    maxalign: usize,
}

impl<'a> Parser<'a> {
    fn new(fmt: &'a [u8]) -> Self {
        let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
        Parser {
            fmt: &fmt[..end],
            pos: 0,
            little: cfg!(target_endian = "little"),
            maxalign: 1,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    fn digit(&self) -> Option<usize> {
        self.fmt
            .get(self.pos)
            .filter(|c| c.is_ascii_digit())
            .map(|c| (c - b'0') as usize)
    }

    /// Reads an optional decimal number (PUC getnum, stops before overflow).
    fn num(&mut self) -> Option<usize> {
        let mut a = self.digit()?;
        self.pos += 1;
        while a <= (MAX_SIZE - 9) / 10 {
            match self.digit() {
                Some(d) => {
                    a = a * 10 + d;
                    self.pos += 1;
                }
                None => break,
            }
        }
        Some(a)
    }

    fn num_limit(&mut self, default: usize) -> Result<usize, PackError> {
        let sz = self.num().unwrap_or(default);
        if sz > MAX_INT_SIZE || sz == 0 {
            return Err(PackError::msg(format!(
                "integral size ({}) out of limits [1,{}]",
                sz, MAX_INT_SIZE
            )));
        }
        Ok(sz)
    }

    /// Reads one option; returns its kind and size.
    fn option(&mut self) -> Result<(Kind, usize), PackError> {
        let opt = self.fmt.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        Ok(match opt {
            b'b' => (Kind::Int, 1),
            b'B' => (Kind::Uint, 1),
            b'h' => (Kind::Int, 2),
            b'H' => (Kind::Uint, 2),
            b'l' | b'j' => (Kind::Int, 8),
            b'L' | b'J' | b'T' => (Kind::Uint, 8),
            b'f' => (Kind::Float, 4),
            b'n' => (Kind::Number, 8),
            b'd' => (Kind::Double, 8),
            b'i' => (Kind::Int, self.num_limit(4)?),
            b'I' => (Kind::Uint, self.num_limit(4)?),
            b's' => (Kind::Str, self.num_limit(8)?),
            b'c' => match self.num() {
                Some(n) => (Kind::Char, n),
                None => {
                    return Err(PackError::msg(
                        "missing size for format option 'c'".to_string(),
                    ))
                }
            },
            b'z' => (Kind::Zstr, 0),
            b'x' => (Kind::Padding, 1),
            b'X' => (Kind::PadAlign, 0),
            b' ' => (Kind::Nop, 0),
            b'<' => {
                self.little = true;
                (Kind::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (Kind::Nop, 0)
            }
            b'=' => {
                self.little = cfg!(target_endian = "little");
                (Kind::Nop, 0)
            }
            b'!' => {
                self.maxalign = self.num_limit(NATIVE_ALIGN)?;
                (Kind::Nop, 0)
            }
            _ => {
                let mut m = b"invalid format option '".to_vec();
                m.push(opt);
                m.push(b'\'');
                return Err(PackError::Msg(m));
            }
        })
    }

    /// Reads one option plus the padding needed to align it at `total`.
    /// Returns (kind, size, padding).
    fn details(&mut self, total: usize) -> Result<(Kind, usize, usize), PackError> {
        let (kind, size) = self.option()?;
        let mut align = size;
        if kind == Kind::PadAlign {
            let bad = || PackError::bad(1, "invalid next option for option 'X'");
            if self.at_end() {
                return Err(bad());
            }
            let (k2, a2) = self.option()?;
            if k2 == Kind::Char || a2 == 0 {
                return Err(bad());
            }
            align = a2;
        }
        if align <= 1 || kind == Kind::Char {
            return Ok((kind, size, 0));
        }
        let align = align.min(self.maxalign);
        if !align.is_power_of_two() {
            return Err(PackError::bad(
                1,
                "format asks for alignment not power of 2",
            ));
        }
        Ok((kind, size, (align - (total & (align - 1))) & (align - 1)))
    }
}

fn oom() -> PackError {
    PackError::msg("not enough memory".to_string())
}

/// Makes room for `n` more bytes of output, within the state's memory limit.
fn make_room(out: &mut Vec<u8>, args: &mut dyn PackArgs, n: usize) -> Result<(), PackError> {
    args.reserve(out.len().saturating_add(n))?;
    out.try_reserve(n).map_err(|_| oom())
}

fn push_zeros(out: &mut Vec<u8>, args: &mut dyn PackArgs, n: usize) -> Result<(), PackError> {
    make_room(out, args, n)?;
    out.resize(out.len() + n, 0);
    Ok(())
}

fn pack_int(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    for i in 0..size {
        out.push(if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xff
        } else {
            0
        });
    }
    if !little {
        out[start..].reverse();
    }
}

fn push_float_bytes(out: &mut Vec<u8>, le: &[u8], little: bool) {
    if little {
        out.extend_from_slice(le);
    } else {
        out.extend(le.iter().rev());
    }
}

/// `string.pack`.
pub fn pack(fmt: &[u8], args: &mut dyn PackArgs) -> Result<Vec<u8>, PackError> {
    let mut p = Parser::new(fmt);
    let mut out = Vec::new();
    let mut arg = 1usize;
    let mut total = 0usize;
    while !p.at_end() {
        let (kind, size, pad) = p.details(total)?;
        total = total.saturating_add(pad + size);
        push_zeros(&mut out, args, pad)?;
        arg += 1;
        match kind {
            Kind::Int => {
                let n = args.integer(arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(PackError::bad(arg, "integer overflow"));
                    }
                }
                pack_int(&mut out, n as u64, p.little, size, n < 0);
            }
            Kind::Uint => {
                let n = args.integer(arg)?;
                if size < SZINT && (n as u64) >= 1u64 << (size * 8) {
                    return Err(PackError::bad(arg, "unsigned overflow"));
                }
                pack_int(&mut out, n as u64, p.little, size, false);
            }
            Kind::Float => {
                let f = args.number(arg)? as f32;
                push_float_bytes(&mut out, &f.to_le_bytes(), p.little);
            }
            Kind::Number | Kind::Double => {
                let f = args.number(arg)?;
                push_float_bytes(&mut out, &f.to_le_bytes(), p.little);
            }
            Kind::Char => {
                let s = args.string(arg)?;
                if s.len() > size {
                    return Err(PackError::bad(arg, "string longer than given size"));
                }
                make_room(&mut out, args, size)?;
                out.extend_from_slice(&s);
                out.resize(out.len() + size - s.len(), 0);
            }
            Kind::Str => {
                let s = args.string(arg)?;
                if size < SZINT && (s.len() as u64) >= 1u64 << (size * 8) {
                    return Err(PackError::bad(
                        arg,
                        "string length does not fit in given size",
                    ));
                }
                make_room(&mut out, args, size.saturating_add(s.len()))?;
                pack_int(&mut out, s.len() as u64, p.little, size, false);
                out.extend_from_slice(&s);
                total = total.saturating_add(s.len());
            }
            Kind::Zstr => {
                let s = args.string(arg)?;
                if s.contains(&0) {
                    return Err(PackError::bad(arg, "string contains zeros"));
                }
                make_room(&mut out, args, s.len().saturating_add(1))?;
                out.extend_from_slice(&s);
                out.push(0);
                total = total.saturating_add(s.len() + 1);
            }
            Kind::Padding => {
                out.push(0);
                arg -= 1;
            }
            Kind::PadAlign | Kind::Nop => arg -= 1,
        }
    }
    Ok(out)
}

/// `string.packsize`.
pub fn packsize(fmt: &[u8]) -> Result<i64, PackError> {
    let mut p = Parser::new(fmt);
    let mut total = 0usize;
    while !p.at_end() {
        let (kind, size, pad) = p.details(total)?;
        if kind == Kind::Str || kind == Kind::Zstr {
            return Err(PackError::bad(1, "variable-length format"));
        }
        let size = size + pad;
        if total > MAX_SIZE.saturating_sub(size) || size > MAX_SIZE {
            return Err(PackError::bad(1, "format result too large"));
        }
        total += size;
    }
    Ok(total as i64)
}

/// Reads a `size`-byte integer (PUC unpackint).
fn unpack_int(b: &[u8], little: bool, signed: bool) -> Result<i64, PackError> {
    let size = b.len();
    let byte = |i: usize| if little { b[i] } else { b[size - 1 - i] };
    let limit = size.min(SZINT);
    let mut res: u64 = 0;
    for i in (0..limit).rev() {
        res = (res << 8) | byte(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let fill = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        if (limit..size).any(|i| byte(i) != fill) {
            return Err(PackError::msg(format!(
                "{}-byte integer does not fit into Lua Integer",
                size
            )));
        }
    }
    Ok(res as i64)
}

/// `string.unpack`: `init` is Lua's 1-based (possibly negative) position.
/// Returns the values and the 1-based position following the data read.
pub fn unpack(fmt: &[u8], data: &[u8], init: i64) -> Result<(Vec<PackValue>, i64), PackError> {
    let ld = data.len();
    let start = if init > 0 {
        init as u64
    } else if init == 0 || init < -(ld as i64) {
        1
    } else {
        (ld as i64 + init + 1) as u64
    };
    let mut pos = (start - 1) as usize;
    if start - 1 > ld as u64 {
        return Err(PackError::bad(3, "initial position out of string"));
    }
    let mut p = Parser::new(fmt);
    let mut vals = Vec::new();
    let too_short = || PackError::bad(2, "data string too short");
    while !p.at_end() {
        let (kind, size, pad) = p.details(pos)?;
        if pad.saturating_add(size) > ld - pos {
            return Err(too_short());
        }
        pos += pad;
        let item = &data[pos..pos + size];
        match kind {
            Kind::Int | Kind::Uint => vals.push(PackValue::Int(unpack_int(
                item,
                p.little,
                kind == Kind::Int,
            )?)),
            Kind::Float => {
                let mut b = [0u8; 4];
                b.copy_from_slice(item);
                if !p.little {
                    b.reverse();
                }
                vals.push(PackValue::Float(f32::from_le_bytes(b) as f64));
            }
            Kind::Number | Kind::Double => {
                let mut b = [0u8; 8];
                b.copy_from_slice(item);
                if !p.little {
                    b.reverse();
                }
                vals.push(PackValue::Float(f64::from_le_bytes(b)));
            }
            Kind::Char => vals.push(PackValue::Str(item.to_vec())),
            Kind::Str => {
                let len = unpack_int(item, p.little, false)? as u64;
                if len > (ld - pos - size) as u64 {
                    return Err(too_short());
                }
                let len = len as usize;
                vals.push(PackValue::Str(data[pos + size..pos + size + len].to_vec()));
                pos += len;
            }
            Kind::Zstr => {
                let len = data[pos..].iter().position(|&c| c == 0).unwrap_or(ld - pos);
                if pos + len >= ld {
                    return Err(PackError::bad(2, "unfinished string for format 'z'"));
                }
                vals.push(PackValue::Str(data[pos..pos + len].to_vec()));
                pos += len + 1;
            }
            Kind::Padding | Kind::PadAlign | Kind::Nop => {}
        }
        pos += size;
    }
    Ok((vals, pos as i64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PackValue::*;

    struct Args(Vec<PackValue>);

    impl PackArgs for Args {
        fn integer(&mut self, arg: usize) -> Result<i64, PackError> {
            match self.0.get(arg - 2) {
                Some(Int(i)) => Ok(*i),
                Some(Float(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(*f as i64),
                Some(Float(_)) => Err(PackError::bad(arg, "number has no integer representation")),
                Some(Str(s)) => std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| PackError::bad(arg, "number expected, got string")),
                None => Err(PackError::bad(arg, "number expected, got no value")),
            }
        }
        fn number(&mut self, arg: usize) -> Result<f64, PackError> {
            match self.0.get(arg - 2) {
                Some(Int(i)) => Ok(*i as f64),
                Some(Float(f)) => Ok(*f),
                Some(Str(_)) => Err(PackError::bad(arg, "number expected, got string")),
                None => Err(PackError::bad(arg, "number expected, got no value")),
            }
        }
        fn string(&mut self, arg: usize) -> Result<Vec<u8>, PackError> {
            match self.0.get(arg - 2) {
                Some(Int(i)) => Ok(i.to_string().into_bytes()),
                Some(Float(f)) => Ok(f.to_string().into_bytes()),
                Some(Str(s)) => Ok(s.clone()),
                None => Err(PackError::bad(arg, "string expected, got no value")),
            }
        }
    }

    fn p(fmt: &str, v: Vec<PackValue>) -> Result<Vec<u8>, String> {
        pack(fmt.as_bytes(), &mut Args(v))
            .map_err(|e| String::from_utf8_lossy(&e.render("pack")).into_owned())
    }

    fn u(fmt: &str, data: &[u8], init: i64) -> Result<(Vec<PackValue>, i64), String> {
        unpack(fmt.as_bytes(), data, init)
            .map_err(|e| String::from_utf8_lossy(&e.render("unpack")).into_owned())
    }

    fn ps(fmt: &str) -> Result<i64, String> {
        packsize(fmt.as_bytes())
            .map_err(|e| String::from_utf8_lossy(&e.render("packsize")).into_owned())
    }

    fn st(s: &[u8]) -> PackValue {
        Str(s.to_vec())
    }

    #[test]
    fn pack_errors() {
        assert_eq!(
            p("i17", vec![Int(1)]).unwrap_err(),
            "integral size (17) out of limits [1,16]"
        );
        assert_eq!(
            p("i0", vec![Int(1)]).unwrap_err(),
            "integral size (0) out of limits [1,16]"
        );
        assert_eq!(
            p("i9999999999", vec![Int(1)]).unwrap_err(),
            "integral size (999999999) out of limits [1,16]"
        );
        assert_eq!(
            p("y", vec![Int(1)]).unwrap_err(),
            "invalid format option 'y'"
        );
        assert_eq!(
            p("!3i4", vec![Int(1)]).unwrap_err(),
            "bad argument #1 to 'pack' (format asks for alignment not power of 2)"
        );
        assert_eq!(
            p("!4i3", vec![Int(1)]).unwrap_err(),
            "bad argument #1 to 'pack' (format asks for alignment not power of 2)"
        );
        assert_eq!(
            p("!8 b Xi3 b", vec![Int(1), Int(2)]).unwrap_err(),
            "bad argument #1 to 'pack' (format asks for alignment not power of 2)"
        );
        for f in ["Xc1", "X", "X!", "i2 X", "Xz"] {
            assert_eq!(
                p(f, vec![Int(1)]).unwrap_err(),
                "bad argument #1 to 'pack' (invalid next option for option 'X')",
                "{}",
                f
            );
        }
        assert_eq!(
            p("i1", vec![Int(128)]).unwrap_err(),
            "bad argument #2 to 'pack' (integer overflow)"
        );
        assert_eq!(
            p("i1", vec![Int(-129)]).unwrap_err(),
            "bad argument #2 to 'pack' (integer overflow)"
        );
        assert_eq!(
            p("b", vec![Int(255)]).unwrap_err(),
            "bad argument #2 to 'pack' (integer overflow)"
        );
        assert_eq!(
            p("I1", vec![Int(256)]).unwrap_err(),
            "bad argument #2 to 'pack' (unsigned overflow)"
        );
        assert_eq!(
            p("I1", vec![Int(-1)]).unwrap_err(),
            "bad argument #2 to 'pack' (unsigned overflow)"
        );
        assert_eq!(
            p("c2", vec![st(b"abc")]).unwrap_err(),
            "bad argument #2 to 'pack' (string longer than given size)"
        );
        assert_eq!(
            p("s1", vec![Str(vec![b'x'; 256])]).unwrap_err(),
            "bad argument #2 to 'pack' (string length does not fit in given size)"
        );
        assert_eq!(
            p("z", vec![st(b"a\0b")]).unwrap_err(),
            "bad argument #2 to 'pack' (string contains zeros)"
        );
        assert_eq!(
            p("i4", vec![st(b"x")]).unwrap_err(),
            "bad argument #2 to 'pack' (number expected, got string)"
        );
        assert_eq!(
            p("c", vec![st(b"")]).unwrap_err(),
            "missing size for format option 'c'"
        );
        assert_eq!(
            p("i4", vec![Float(3.5)]).unwrap_err(),
            "bad argument #2 to 'pack' (number has no integer representation)"
        );
        assert_eq!(
            p("b b i1", vec![Int(1), Int(2), Int(300)]).unwrap_err(),
            "bad argument #4 to 'pack' (integer overflow)"
        );
        assert_eq!(
            p("x b", vec![]).unwrap_err(),
            "bad argument #2 to 'pack' (number expected, got no value)"
        );
    }

    #[test]
    fn pack_values() {
        assert_eq!(p("s", vec![Int(1)]).unwrap(), b"\x01\0\0\0\0\0\0\x001");
        assert_eq!(
            p("<i16", vec![Int(-2)]).unwrap(),
            [&[0xfe][..], &[0xff; 15][..]].concat()
        );
        assert_eq!(
            p(">I16", vec![Int(5)]).unwrap(),
            [&[0; 15][..], &[5][..]].concat()
        );
        assert_eq!(
            p("i3 h b", vec![Int(0x123456), Int(-2), Int(7)]).unwrap(),
            b"V4\x12\xfe\xff\x07"
        );
        assert_eq!(
            p("!i1 i8", vec![Int(1), Int(2)]).unwrap(),
            b"\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0"
        );
        assert_eq!(
            p("!4 i1 i8", vec![Int(1), Int(2)]).unwrap(),
            b"\x01\0\0\0\x02\0\0\0\0\0\0\0"
        );
        assert_eq!(p("! i1 Xi8", vec![Int(1)]).unwrap(), b"\x01\0\0\0\0\0\0\0");
        assert_eq!(
            p("<f d n", vec![Float(1.5), Float(-2.25), Float(1.0 / 3.0)]).unwrap(),
            b"\0\0\xc0?\0\0\0\0\0\0\x02\xc0UUUUUU\xd5?"
        );
        assert_eq!(p(">d", vec![Int(1)]).unwrap(), b"?\xf0\0\0\0\0\0\0");
        assert_eq!(
            p(
                "j J T l L H",
                vec![Int(-1), Int(-1), Int(1), Int(2), Int(3), Int(4)]
            )
            .unwrap(),
            [
                &[0xff; 16][..],
                b"\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0\x04\0"
            ]
            .concat()
        );
        assert_eq!(p("s2", vec![st(b"hi")]).unwrap(), b"\x02\0hi");
        assert_eq!(p("i4", vec![Float(3.0)]).unwrap(), b"\x03\0\0\0");
        assert_eq!(p("i4", vec![st(b"12")]).unwrap(), b"\x0c\0\0\0");
        assert_eq!(p("x x i2", vec![Int(1)]).unwrap(), b"\0\0\x01\0");
        assert_eq!(p("Xi16", vec![]).unwrap(), b"");
        assert_eq!(
            p("!2 b Xi8 b", vec![Int(1), Int(2)]).unwrap(),
            b"\x01\0\x02"
        );
        assert_eq!(p("b Xb b", vec![Int(1), Int(2)]).unwrap(), b"\x01\x02");
        assert_eq!(p("j", vec![Int(i64::MIN)]).unwrap(), b"\0\0\0\0\0\0\0\x80");
        assert_eq!(p("c5", vec![st(b"ab")]).unwrap(), b"ab\0\0\0");
        assert_eq!(p("z B", vec![st(b"hi"), Int(255)]).unwrap(), b"hi\0\xff");
        assert_eq!(p(">i3", vec![Int(-2)]).unwrap(), b"\xff\xff\xfe");
        assert_eq!(p("i1\0i4", vec![Int(1), Int(2)]).unwrap(), b"\x01");
        assert_eq!(
            p("=I2 >I2 <I2", vec![Int(1), Int(1), Int(1)]).unwrap(),
            b"\x01\0\0\x01\x01\0"
        );
        assert_eq!(p("!16 b j", vec![Int(1), Int(2)]).unwrap().len(), 16);
        assert_eq!(p("!16 b i16", vec![Int(1), Int(2)]).unwrap().len(), 32);
    }

    #[test]
    fn packsize_cases() {
        assert_eq!(
            ps("s").unwrap_err(),
            "bad argument #1 to 'packsize' (variable-length format)"
        );
        assert_eq!(
            ps("z").unwrap_err(),
            "bad argument #1 to 'packsize' (variable-length format)"
        );
        assert_eq!(ps("c2147483639").unwrap(), 2147483639);
        assert_eq!(
            ps("c2147483639c2147483639").unwrap_err(),
            "bad argument #1 to 'packsize' (format result too large)"
        );
        assert_eq!(ps("c2147483647").unwrap_err(), "invalid format option '7'");
        assert_eq!(ps("!8 b d").unwrap(), 16);
        assert_eq!(ps("i16 !16 b i16").unwrap(), 48);
        assert_eq!(ps("i").unwrap(), 4);
        assert_eq!(ps("Xi4 b Xi4").unwrap(), 1);
        assert_eq!(ps("c0 c1 !4 i4").unwrap(), 8);
        assert_eq!(ps("").unwrap(), 0);
        assert_eq!(ps("!4 b Xi4").unwrap(), 4);
        assert_eq!(ps("b !2 Xb").unwrap(), 1);
    }

    #[test]
    fn unpack_cases() {
        assert_eq!(
            u("i4", b"abc", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(
            u("z", b"abc", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (unfinished string for format 'z')"
        );
        assert_eq!(
            u("z", b"abc\0", 5).unwrap_err(),
            "bad argument #2 to 'unpack' (unfinished string for format 'z')"
        );
        assert_eq!(
            u("i4", b"abcd", 6).unwrap_err(),
            "bad argument #3 to 'unpack' (initial position out of string)"
        );
        assert_eq!(
            u("", b"abc", 5).unwrap_err(),
            "bad argument #3 to 'unpack' (initial position out of string)"
        );
        assert_eq!(
            u("", b"abc", i64::MAX).unwrap_err(),
            "bad argument #3 to 'unpack' (initial position out of string)"
        );
        assert_eq!(u("", b"abc", 4).unwrap(), (vec![], 4));
        assert_eq!(u("i4", b"abcd", -10).unwrap(), (vec![Int(1684234849)], 5));
        assert_eq!(
            u("i4", b"abcdabcd", -4).unwrap(),
            (vec![Int(1684234849)], 9)
        );
        assert_eq!(
            u("i4", b"abcd", i64::MIN).unwrap(),
            (vec![Int(1684234849)], 5)
        );
        assert_eq!(u("i4", b"abcd", 0).unwrap(), (vec![Int(1684234849)], 5));
        assert_eq!(u("i9", &[0xff; 9], 1).unwrap(), (vec![Int(-1)], 10));
        assert_eq!(
            u(
                "i9",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0],
                1
            )
            .unwrap_err(),
            "9-byte integer does not fit into Lua Integer"
        );
        assert_eq!(
            u(
                "I9",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0],
                1
            )
            .unwrap(),
            (vec![Int(-1)], 10)
        );
        assert_eq!(u(">i16", &[0xff; 16], 1).unwrap(), (vec![Int(-1)], 17));
        assert_eq!(u("i16", &[0; 16], 1).unwrap(), (vec![Int(0)], 17));
        assert_eq!(
            u("<i9", &[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff], 1).unwrap(),
            (vec![Int(i64::MIN)], 10)
        );
        assert_eq!(
            u("<i2 >i2 =i2", b"\x01\x02\x01\x02\x01\x02", 1).unwrap(),
            (vec![Int(513), Int(258), Int(513)], 7)
        );
        assert_eq!(
            u("z s1 c3", b"ab\0\x03xyzQRS", 1).unwrap(),
            (vec![st(b"ab"), st(b"xyz"), st(b"QRS")], 11)
        );
        assert_eq!(
            u("!4 b i4", b"\x01\0\0\0\x02\0\0\0", 1).unwrap(),
            (vec![Int(1), Int(2)], 9)
        );
        assert_eq!(
            u("<f", b"\xcd\xcc\xcc\x3d", 1).unwrap(),
            (vec![Float(0.1f32 as f64)], 5)
        );
        assert_eq!(u(">f", b"\x3f\xc0\0\0", 1).unwrap(), (vec![Float(1.5)], 5));
        assert_eq!(
            u(">d <n", b"?\xf0\0\0\0\0\0\0\0\0\0\0\0\0\xf0?", 1).unwrap(),
            (vec![Float(1.0), Float(1.0)], 17)
        );
        assert_eq!(u("c0", b"", 1).unwrap(), (vec![st(b"")], 1));
        assert_eq!(
            u("c2", b"a", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(
            u("s1", b"\x05ab", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(
            u("s16", &[0xff; 16], 1).unwrap_err(),
            "16-byte integer does not fit into Lua Integer"
        );
        assert_eq!(
            u("s", &[0xff; 8], 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(u("B", b"\xc8", 1).unwrap(), (vec![Int(200)], 2));
        assert_eq!(u("b", b"\xc8", 1).unwrap(), (vec![Int(-56)], 2));
        assert_eq!(
            u("c4294967295", b"ab", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(
            u("c2000000000", b"ab", 1).unwrap_err(),
            "bad argument #2 to 'unpack' (data string too short)"
        );
        assert_eq!(u("x Xi4 b", b"\0\0\0\0\x07", 1).unwrap(), (vec![Int(0)], 3));
        assert_eq!(
            u("!4 x Xi4 b", b"\0\0\0\0\x07", 1).unwrap(),
            (vec![Int(7)], 6)
        );
        assert_eq!(u("b", b"\x01\x02", 2).unwrap(), (vec![Int(2)], 3));
        // round trip
        let packed = p(
            "<i3 >I5 d z s2 c3 !8 j",
            vec![
                Int(-5),
                Int(1 << 33),
                Float(2.5),
                st(b"zz"),
                st(b"str"),
                st(b"ab"),
                Int(42),
            ],
        )
        .unwrap();
        let (vals, next) = u("<i3 >I5 d z s2 c3 !8 j", &packed, 1).unwrap();
        assert_eq!(
            vals,
            vec![
                Int(-5),
                Int(1 << 33),
                Float(2.5),
                st(b"zz"),
                st(b"str"),
                st(b"ab\0"),
                Int(42)
            ]
        );
        assert_eq!(next as usize, packed.len() + 1);
    }
}
