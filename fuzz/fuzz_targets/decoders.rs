//! The number and UTF-8 decoders, checked against references:
//! - `str_to_number` (the lexer's and `tonumber`'s numeral reader): integers
//!   print and read back to the same value; floats read back from `%.17g`
//!   and `%a`; a plain decimal numeral gives the correctly rounded value
//!   (Rust's `f64::from_str`), or the integer Rust's `i64::from_str` gives.
//! - `tonumber(s, base)` against a small reference implementation of the
//!   rules of `luaB_tonumber` (whitespace, optional sign, digits of the
//!   base, wrapping).
//! - `utf8.len`/`utf8.codepoint`/`utf8.codes` (strict) accept exactly what
//!   `std::str::from_utf8` accepts, with the same characters; in lax mode,
//!   whatever decodes re-encodes (`utf8.char`) to the same bytes.
#![no_main]
use crescent::compiler::number::{str_to_number, Number};
use crescent::Value;
use libfuzzer_sys::fuzz_target;

#[path = "../common/sandbox.rs"]
mod sandbox;

const DRIVER: &str = r#"
local s, base = ...
local r = {}
r.base = tonumber(s, base)
r.n = utf8.len(s)
r.lax_n = utf8.len(s, 1, -1, true)
if r.n then
  r.cps = {utf8.codepoint(s, 1, -1)}
  local pos = {}
  for p, c in utf8.codes(s) do pos[#pos + 1] = p end
  r.pos = pos
  r.back = utf8.char(table.unpack(r.cps))
end
if r.lax_n then
  r.lax_back = utf8.char(utf8.codepoint(s, 1, -1, true))
end
return r
"#;

thread_local! {
    static STATE: std::cell::RefCell<Option<crescent::Lua>> = const { std::cell::RefCell::new(None) };
}

fn same_float(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn check_numeral(data: &[u8]) {
    let Some(n) = str_to_number(data) else { return };
    match n {
        Number::Int(i) => {
            let back = str_to_number(i.to_string().as_bytes());
            assert!(
                matches!(back, Some(Number::Int(j)) if j == i),
                "{data:?} -> {i}"
            );
        }
        Number::Float(f) => {
            if f.is_finite() {
                for text in [
                    format!("{f:.17e}"),
                    String::from_utf8_lossy(&crescent::numfmt::fmt_a(f, None, false, false))
                        .into_owned(),
                ] {
                    match str_to_number(text.as_bytes()) {
                        Some(Number::Float(g)) => {
                            assert!(same_float(f, g), "{data:?} -> {f} -> {text} -> {g}")
                        }
                        other => panic!("{data:?} -> {f} -> {text} -> {other:?}"),
                    }
                }
            }
        }
    }
    // Plain decimal numerals: compare with Rust's correctly rounded parser.
    let text = match std::str::from_utf8(data) {
        Ok(t) => t.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}'),
        Err(_) => return,
    };
    let body = text.strip_prefix('-').unwrap_or(text);
    let plain = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.as_bytes()[0] != b'+'
        && body.as_bytes()[0] != b'-';
    if !plain {
        return;
    }
    let is_int_syntax = body.bytes().all(|b| b.is_ascii_digit());
    match n {
        Number::Int(i) => {
            assert!(is_int_syntax, "{text:?} read as integer {i}");
            assert_eq!(text.parse::<i64>().ok(), Some(i), "{text:?}");
        }
        Number::Float(f) => {
            if is_int_syntax {
                // decimal integers that overflow become floats
                assert!(text.parse::<i64>().is_err(), "{text:?} read as float {f}");
            }
            if let Ok(r) = text.parse::<f64>() {
                assert!(same_float(f, r), "{text:?}: {f} vs Rust {r}");
            }
        }
    }
}

/// `tonumber(s, base)` as the manual describes it.
fn reference_tonumber(s: &[u8], base: u32) -> Option<i64> {
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = s.iter().position(|c| !is_space(c))?;
    let end = s.iter().rposition(|c| !is_space(c))? + 1;
    let mut t = &s[start..end];
    let neg = t.first() == Some(&b'-');
    if neg || t.first() == Some(&b'+') {
        t = &t[1..];
    }
    if t.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in t {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(base as u64).wrapping_add(d as u64);
    }
    let n = n as i64;
    Some(if neg { n.wrapping_neg() } else { n })
}

fn field(l: &mut crescent::State, t: crescent::gc::Gc<crescent::table::Table>, k: &str) -> Value {
    l.get_field(t, k)
}

fn list(v: Value) -> Vec<i64> {
    let Value::Table(t) = v else {
        panic!("not a list")
    };
    (1..=t.length())
        .map(|i| match t.get_int(i) {
            Value::Int(x) => x,
            other => panic!("not an integer: {other:?}"),
        })
        .collect()
}

fn check_lua(data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let base = 2 + (data[0] as u32 % 35);
    let s = &data[1..];
    STATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let lua = slot.get_or_insert_with(|| sandbox::new_lua_with(false));
        let l = lua.state();
        let top = l.top();
        let f = l
            .load_chunk(DRIVER.as_bytes(), b"=driver", b"t", None)
            .expect("driver compiles");
        l.push(f);
        let sv = l.new_str_value(s);
        l.push(sv);
        l.push(Value::Int(base as i64));
        if let Err(e) = l.call(top, 1) {
            panic!("driver failed: {}", crescent::api::error_text(l, e));
        }
        let Value::Table(r) = l.at(top) else {
            panic!("driver result")
        };
        // tonumber with a base
        let got = match field(l, r, "base") {
            Value::Int(i) => Some(i),
            Value::Nil => None,
            other => panic!("tonumber gave {other:?}"),
        };
        assert_eq!(got, reference_tonumber(s, base), "tonumber({s:?}, {base})");
        // strict UTF-8
        let std = std::str::from_utf8(s);
        match (field(l, r, "n"), &std) {
            (Value::Int(n), Ok(text)) => {
                let chars: Vec<i64> = text.chars().map(|c| c as i64).collect();
                assert_eq!(n as usize, chars.len(), "utf8.len {s:?}");
                let cps = field(l, r, "cps");
                assert_eq!(list(cps), chars, "utf8.codepoint {s:?}");
                let starts: Vec<i64> = text.char_indices().map(|(i, _)| i as i64 + 1).collect();
                let pos = field(l, r, "pos");
                assert_eq!(list(pos), starts, "utf8.codes {s:?}");
                match field(l, r, "back") {
                    Value::Str(b) => assert_eq!(b.as_bytes(), s, "utf8.char {s:?}"),
                    other => panic!("utf8.char gave {other:?}"),
                }
            }
            (Value::Nil, Err(_)) => {}
            (n, _) => panic!("utf8.len({s:?}) = {n:?}, std says {std:?}"),
        }
        // lax: what decodes re-encodes to the same bytes
        if let Value::Int(_) = field(l, r, "lax_n") {
            match field(l, r, "lax_back") {
                Value::Str(b) => assert_eq!(b.as_bytes(), s, "lax utf8.char {s:?}"),
                other => panic!("lax utf8.char gave {other:?}"),
            }
        }
        l.set_top(top);
    });
}

fuzz_target!(|data: &[u8]| {
    check_numeral(data);
    if data.len() <= 256 {
        check_lua(data);
    }
});
