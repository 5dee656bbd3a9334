//! Unit tests of the compiler. The expected outputs in `testdata/` were produced
//! by PUC-Rio Lua 5.4.4: `luac5.4 -l -l -p` listings (`*.luac544.txt`, with the
//! `; comment` column and addresses removed), `load` error messages, and
//! `tonumber` results. `*.expected.txt` are those listings with the block-exit
//! order of Lua 5.4.6+ (see `COMPAT_5_4_4`): only local-variable end pcs and
//! the CLOSE level of some `break`s differ.

use super::number::*;
use super::*;

fn listing(name: &str, src: &str) -> String {
    let p = compile(src.as_bytes(), format!("@{}", name).as_bytes()).expect("compiles");
    disassemble(&p)
}

fn check_listing(name: &str, src: &str, expected: &str) {
    let got = listing(name, src);
    if got != expected {
        for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
            if g != e {
                panic!(
                    "{}: first difference at line {}:\n  luac: {}\n  ours: {}",
                    name,
                    i + 1,
                    e,
                    g
                );
            }
        }
        panic!("{}: listings differ in length", name);
    }
}

#[test]
fn bytecode_matches_luac_t1() {
    check_listing(
        "t1.lua",
        include_str!("testdata/t1.lua"),
        if COMPAT_5_4_4 {
            include_str!("testdata/t1.luac544.txt")
        } else {
            include_str!("testdata/t1.expected.txt")
        },
    );
}

#[test]
fn bytecode_matches_luac_a1() {
    check_listing(
        "a1.lua",
        include_str!("testdata/a1.lua"),
        if COMPAT_5_4_4 {
            include_str!("testdata/a1.luac544.txt")
        } else {
            include_str!("testdata/a1.expected.txt")
        },
    );
}

#[test]
fn bytecode_matches_luac_a2() {
    check_listing(
        "a2.lua",
        include_str!("testdata/a2.lua"),
        if COMPAT_5_4_4 {
            include_str!("testdata/a2.luac544.txt")
        } else {
            include_str!("testdata/a2.expected.txt")
        },
    );
}

#[test]
fn bytecode_matches_luac_a3() {
    check_listing(
        "a3.lua",
        include_str!("testdata/a3.lua"),
        if COMPAT_5_4_4 {
            include_str!("testdata/a3.luac544.txt")
        } else {
            include_str!("testdata/a3.expected.txt")
        },
    );
}

/// Splits the error corpus (snippets separated by "\n----\n").
fn snippets(data: &[u8]) -> Vec<&[u8]> {
    let sep = b"\n----\n";
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= data.len() {
        if &data[i..i + sep.len()] == sep {
            out.push(&data[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&data[start..]);
    out
}

#[test]
fn syntax_errors_match_lua() {
    let srcs = snippets(include_bytes!("testdata/errors.lua.txt"));
    let expected: Vec<&str> = include_str!("testdata/errors.expected.txt")
        .lines()
        .collect();
    assert_eq!(srcs.len(), expected.len());
    for (i, (src, exp)) in srcs.iter().zip(expected.iter()).enumerate() {
        let got = match compile(src, src) {
            Ok(_) => "OK".to_string(),
            Err(e) => e,
        };
        let exp = exp.split_once('\t').map(|x| x.1).unwrap_or("");
        assert_eq!(
            got,
            exp,
            "snippet {}: {:?}",
            i + 1,
            String::from_utf8_lossy(src)
        );
    }
}

#[test]
fn error_messages_with_file_names() {
    let e = compile(b"local function f()\n  return 1\n", b"@x.lua").unwrap_err();
    assert_eq!(
        e,
        "x.lua:3: 'end' expected (to close 'function' at line 1) near <eof>"
    );
    let e = compile(b"x = = 1", b"x = = 1").unwrap_err();
    assert_eq!(e, "[string \"x = = 1\"]:1: unexpected symbol near '='");
    let e = compile(b"\n\n  x = 'abc\n", b"=stdin").unwrap_err();
    assert_eq!(e, "stdin:3: unfinished string near ''abc'");
    // semantic errors report the line of the current token (as 5.4.4 does)
    let e = compile(b"local x <const> = 1\n\nx\n=\n2", b"=t").unwrap_err();
    assert_eq!(e, "t:4: attempt to assign to const variable 'x'");
}

#[test]
fn chunk_ids() {
    assert_eq!(chunk_id(b"@file.lua"), b"file.lua");
    assert_eq!(chunk_id(b"=stdin"), b"stdin");
    assert_eq!(chunk_id(b"x = 1"), b"[string \"x = 1\"]");
    assert_eq!(chunk_id(b"x = 1\ny = 2"), b"[string \"x = 1...\"]");
    let long = [b'a'; 100];
    let mut at = vec![b'@'];
    at.extend_from_slice(&long);
    let id = chunk_id(&at);
    assert_eq!(id.len(), 59);
    assert!(id.starts_with(b"...aaa"));
    let mut eq = vec![b'='];
    eq.extend_from_slice(&long);
    assert_eq!(chunk_id(&eq).len(), 59);
    let s = chunk_id(&long);
    assert_eq!(s, format!("[string \"{}...\"]", "a".repeat(45)).as_bytes());
    let s44 = [b'b'; 44];
    assert_eq!(
        chunk_id(&s44),
        format!("[string \"{}\"]", "b".repeat(44)).as_bytes()
    );
    let s45 = [b'b'; 45];
    assert_eq!(
        chunk_id(&s45),
        format!("[string \"{}...\"]", "b".repeat(45)).as_bytes()
    );
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn str_to_number_matches_tonumber() {
    for line in include_str!("testdata/numbers.txt").lines() {
        let (input, exp) = line.split_once('\t').unwrap();
        let input = unhex(input);
        let got = match str_to_number(&input) {
            None => "nil".to_string(),
            Some(Number::Int(i)) => format!("int {}", i),
            Some(Number::Float(f)) => format!("flt {:016x}", f.to_bits()),
        };
        assert_eq!(got, exp, "input {:?}", String::from_utf8_lossy(&input));
    }
}

#[test]
fn arithmetic_helpers() {
    assert_eq!(int_mod(-7, 3), Some(2));
    assert_eq!(int_mod(7, -3), Some(-2));
    assert_eq!(int_mod(i64::MIN, -1), Some(0));
    assert_eq!(int_mod(1, 0), None);
    assert_eq!(int_idiv(-7, 2), Some(-4));
    assert_eq!(int_idiv(i64::MIN, -1), Some(i64::MIN));
    assert_eq!(int_idiv(1, 0), None);
    assert_eq!(float_mod(-7.5, 2.0), 0.5);
    assert_eq!(float_mod(7.5, -2.0), -0.5);
    assert!(float_mod(1.0, 0.0).is_nan());
    assert_eq!(float_mod(5.0, f64::INFINITY), 5.0);
    assert_eq!(float_mod(-5.0, f64::INFINITY), f64::INFINITY);
    assert_eq!(shift_left(1, 63), i64::MIN);
    assert_eq!(shift_left(1, 64), 0);
    assert_eq!(shift_right(-1, 1), i64::MAX);
    assert_eq!(shift_left(4, -1), 2);
    assert_eq!(shift_right(1, -64), 0);
    assert_eq!(
        raw_arith(ArithOp::BAnd, Number::Float(3.0), Number::Int(1)),
        Some(Number::Int(1))
    );
    assert_eq!(
        raw_arith(ArithOp::BAnd, Number::Float(3.5), Number::Int(1)),
        None
    );
    assert_eq!(
        raw_arith(ArithOp::Div, Number::Int(1), Number::Int(2)),
        Some(Number::Float(0.5))
    );
    assert_eq!(
        raw_arith(ArithOp::Pow, Number::Int(2), Number::Int(10)),
        Some(Number::Float(1024.0))
    );
    assert_eq!(
        raw_arith(ArithOp::Add, Number::Int(i64::MAX), Number::Int(1)),
        Some(Number::Int(i64::MIN))
    );
    assert_eq!(
        raw_arith(ArithOp::IDiv, Number::Int(1), Number::Int(0)),
        None
    );
    assert_eq!(
        raw_arith(ArithOp::Unm, Number::Float(2.0), Number::Int(0)),
        Some(Number::Float(-2.0))
    );
    assert_eq!(ceil_log2(1), 0);
    assert_eq!(ceil_log2(5), 3);
    assert_eq!(ceil_log2(8), 3);
}

#[test]
fn main_chunk_shape() {
    let p = compile(b"x = 1", b"=t").unwrap();
    assert!(p.is_vararg);
    assert_eq!(p.upvalues.len(), 1);
    assert_eq!(p.upvalues[0].name.as_deref(), Some(&b"_ENV"[..]));
    assert!(p.upvalues[0].in_stack);
    assert_eq!(p.upvalues[0].index, 0);
    assert_eq!(
        crate::opcodes::get_op(p.code[0]),
        crate::opcodes::OpCode::VARARGPREP
    );
    assert_eq!(p.code.len(), p.line_info.len());
    assert_eq!(&p.source[..], b"=t");
}

#[test]
fn nested_protos_have_source_and_lines() {
    let p = compile(
        b"local function f()\n return function() end\nend",
        b"@n.lua",
    )
    .unwrap();
    let f = &p.protos[0];
    assert_eq!(&f.source[..], b"@n.lua");
    assert_eq!((f.line_defined, f.last_line_defined), (1, 3));
    assert_eq!(&f.protos[0].source[..], b"@n.lua");
    assert_eq!(f.protos[0].line_defined, 2);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for n in [196usize, 300, 100_000] {
        let src = format!("x = {}1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            compile(src.as_bytes(), b"=t").unwrap_err(),
            "C stack overflow"
        );
    }
    let ok = format!("x = {}1{}", "(".repeat(195), ")".repeat(195));
    assert!(compile(ok.as_bytes(), b"=t").is_ok());
    let deep_blocks = format!("{}{}", "do ".repeat(100_000), " end".repeat(100_000));
    assert_eq!(
        compile(deep_blocks.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
    let funcs = format!("{}{}", "f(function() ".repeat(5000), " end)".repeat(5000));
    assert_eq!(
        compile(funcs.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
    let assigns = format!("{}a = 1", "a,".repeat(100_000));
    assert_eq!(
        compile(assigns.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
    let tables = format!("x = {}{}", "{".repeat(100_000), "}".repeat(100_000));
    assert_eq!(
        compile(tables.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
    let unary = format!("x = {}1", "- ".repeat(100_000));
    assert_eq!(
        compile(unary.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
    let pow = format!("x = 2{}", "^2".repeat(100_000));
    assert_eq!(
        compile(pow.as_bytes(), b"=t").unwrap_err(),
        "C stack overflow"
    );
}

#[test]
fn max_nesting_fits_in_a_small_stack() {
    // The deepest accepted nesting needs well under 1.5 MiB of stack in debug
    // builds (about 128 KiB in release builds).
    let h = std::thread::Builder::new()
        .stack_size(1536 * 1024)
        .spawn(|| {
            let e = format!("x = {}1{}", "(".repeat(195), ")".repeat(195));
            assert!(compile(e.as_bytes(), b"=t").is_ok());
            let s = format!("{}{}", "do ".repeat(197), " end".repeat(197));
            assert!(compile(s.as_bytes(), b"=t").is_ok());
            let f = format!(
                "x = {}{}",
                "function() return ".repeat(97),
                " end".repeat(97)
            );
            compile(f.as_bytes(), b"=t").map(|_| ())
        })
        .unwrap();
    let r = h.join().expect("no stack overflow");
    let _ = r;
}

/// A tiny deterministic generator for mutation tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

#[test]
fn mutated_sources_never_panic() {
    let corpus: [&[u8]; 4] = [
        include_bytes!("testdata/a1.lua"),
        include_bytes!("testdata/a2.lua"),
        include_bytes!("testdata/a3.lua"),
        include_bytes!("testdata/t1.lua"),
    ];
    let pieces: [&[u8]; 24] = [
        b"(",
        b")",
        b"{",
        b"}",
        b"[",
        b"]",
        b"=",
        b"..",
        b"...",
        b"local",
        b"end",
        b"function",
        b"goto",
        b"::",
        b"\"",
        b"'",
        b"[[",
        b"\\",
        b"<close>",
        b"break",
        b"return",
        b"\x00",
        b"\xff",
        b"\\u{",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut src = corpus[rng.below(corpus.len())].to_vec();
        for _ in 0..1 + rng.below(3) {
            let p = rng.below(src.len() + 1);
            match rng.below(3) {
                0 => {
                    let piece = pieces[rng.below(pieces.len())];
                    src.splice(p..p, piece.iter().copied());
                }
                1 => {
                    let q = (p + 1 + rng.below(10)).min(src.len());
                    src.drain(p..q);
                }
                _ => {
                    let q = rng.below(src.len() + 1);
                    let end = (q + 1 + rng.below(30)).min(src.len());
                    let chunk: Vec<u8> = src[q..end].to_vec();
                    src.splice(p..p, chunk);
                }
            }
        }
        let _ = compile(&src, b"=fuzz");
    }
}

#[test]
fn utf8_escapes() {
    let mut v = Vec::new();
    super::lexer::utf8_encode(0x7FF, &mut v);
    assert_eq!(v, [0xDF, 0xBF]);
    v.clear();
    super::lexer::utf8_encode(0x7FFF_FFFF, &mut v);
    assert_eq!(v, [0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]);
    let p = compile(b"return '\\u{10FFFF}\\65\\x41\\z  \n  b'", b"=t").unwrap();
    assert!(p.constants.contains(&Constant::Str(
        vec![0xF4, 0x8F, 0xBF, 0xBF, b'A', b'A', b'b'].into()
    )));
}

#[test]
fn nested_source_keeps_chunk_id() {
    use super::parser::nested_source;
    let long_line = "x".repeat(200);
    let cases = [
        "short".to_string(),
        format!("{}\nmore", "a".repeat(10)),
        format!("{}\nmore", "a".repeat(44)),
        format!("{}\nmore", "a".repeat(45)),
        format!("{}\nmore", "a".repeat(46)),
        format!("{}\nmore", "a".repeat(63)),
        format!("{}\nmore", "a".repeat(64)),
        long_line.clone(),
        format!("{}\0{}", "b".repeat(10), long_line),
        format!("={}", long_line),
        format!("@{}", long_line),
    ];
    for c in cases.iter() {
        let c = c.as_bytes();
        assert_eq!(
            chunk_id(&nested_source(c)),
            chunk_id(c),
            "{:?}",
            String::from_utf8_lossy(c)
        );
    }
    let src = format!("local f = function() end --{}", "y".repeat(1000));
    let p = compile(src.as_bytes(), src.as_bytes()).unwrap();
    assert!(p.source.len() <= 64 && src.as_bytes().starts_with(&p.source));
    assert!(p.protos[0].source.len() <= 64);
}

/// Every file of the official test suite (kept outside the repository, in
/// `../shared/lua-5.4-tests`) must compile; skipped when the folder is absent.
#[test]
fn official_test_suite_files_compile() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/lua-5.4-tests");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(_) => return,
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().map(|x| x != "lua").unwrap_or(true) {
            continue;
        }
        let mut src = std::fs::read(&path).unwrap();
        // like luaL_loadfile: skip a first line starting with '#'
        if src.first() == Some(&b'#') {
            let nl = src.iter().position(|&c| c == b'\n').unwrap_or(src.len());
            src.drain(..nl);
        }
        let name = format!("@{}", path.display());
        if let Err(err) = compile(&src, name.as_bytes()) {
            panic!("{}", err);
        }
    }
}

/// `break` out of a generic `for` whose body captures a variable must close
/// from the loop's base register, so the iterator's closing value is closed
/// (Lua 5.4.4 emitted CLOSE above it; fixed in later 5.4 releases).
#[test]
fn break_from_generic_for_closes_the_closing_value() {
    use crate::opcodes::{get_a, get_op, OpCode};
    let src =
        b"local t = 1\nfor i in f() do local x = i; local g = function() return x end; break end";
    let p = compile(src, b"=t").unwrap();
    let closes: Vec<u32> = p
        .code
        .iter()
        .filter(|&&i| get_op(i) == OpCode::CLOSE)
        .map(|&i| get_a(i))
        .collect();
    // the body's CLOSE of 'x' (register 6) and the break's CLOSE of the loop (register 1)
    assert!(!COMPAT_5_4_4 || closes == vec![6, 5]);
    assert!(COMPAT_5_4_4 || closes == vec![6, 1], "{:?}", closes);
}

/// Fixes of later 5.4 releases: `up[a < b]` must evaluate the comparison
/// before loading the upvalue (5.4.8), and a call's line is the line of its
/// arguments (5.4.7).
#[test]
fn later_5_4_code_generation_fixes() {
    use crate::opcodes::{get_op, OpCode};
    if COMPAT_5_4_4 {
        return;
    }
    let p = compile(b"local function aux() return _ENV[1 < 2] end", b"=t").unwrap();
    let ops: Vec<OpCode> = p.protos[0].code.iter().map(|&i| get_op(i)).collect();
    let getupval = ops.iter().position(|&o| o == OpCode::GETUPVAL).unwrap();
    let loadtrue = ops.iter().position(|&o| o == OpCode::LOADTRUE).unwrap();
    assert!(getupval > loadtrue, "{:?}", ops);
    let p = compile(b"local t = {}\nt\n:m(\n1)", b"=t").unwrap();
    let call = p
        .code
        .iter()
        .position(|&i| get_op(i) == OpCode::CALL)
        .unwrap();
    assert_eq!(p.line_info.line_at(call), Some(3));
}

/// Numerals the lexer reads straight from the source give the values
/// `str_to_number` gives (which follows lua5.4).
#[test]
fn plain_decimal_numerals_match_str_to_number() {
    let numerals = [
        "0",
        "7",
        "007",
        "42",
        "123456789012345678",
        "1234567890123456789",
        "0.5",
        "1.5",
        "12345.678",
        "0.1",
        "0.3",
        "5.",
        "12.",
        "0.1234567890123",
        "123456789.123456",
        "99999999999999.9",
        "9007199254740993",
        "1.0000000000000001",
        "3.14159265358979",
    ];
    for numeral in numerals {
        let p =
            compile(format!("return {numeral}, {numeral}").as_bytes(), b"=t").expect("compiles");
        let expected = match str_to_number(numeral.as_bytes()).expect("a numeral") {
            Number::Int(i) => Constant::Int(i),
            Number::Float(f) => Constant::Float(f),
        };
        let found: Vec<&Constant> = p.constants.iter().collect();
        match (&expected, found.first()) {
            // Small integers and floats may be immediate operands.
            (_, None) => {}
            (Constant::Float(e), Some(Constant::Float(f))) => {
                assert_eq!(e.to_bits(), f.to_bits(), "{numeral}")
            }
            (e, Some(f)) => assert_eq!(e, *f, "{numeral}"),
        }
    }
}
