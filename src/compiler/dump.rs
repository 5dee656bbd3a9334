//! A listing of compiled prototypes in the format of `luac5.4 -l -l`, without
//! the `; comment` column and with addresses printed as `ADDR`, so it can be
//! compared with luac's output after stripping those.

use super::proto::{Constant, FunctionProto};
use crate::opcodes::*;
use std::fmt::Write;

/// Formats a float as C's `%.14g` (LUA_NUMBER_FMT).
pub fn fmt_g14(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    const P: i32 = 14;
    let e = format!("{:.*e}", (P - 1) as usize, f);
    let (mant, exp) = match e.split_once('e') {
        Some((m, x)) => (m.to_string(), x.parse::<i32>().unwrap_or(0)),
        None => (e.clone(), 0),
    };
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (-4..P).contains(&exp) {
        strip(format!("{:.*}", (P - 1 - exp) as usize, f))
    } else {
        let m = strip(mant);
        format!("{}e{}{:02}", m, if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

fn print_string(out: &mut String, s: &[u8]) {
    out.push('"');
    for &c in s {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            12 => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            11 => out.push_str("\\v"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{:03}", c);
            }
        }
    }
    out.push('"');
}

fn print_constant(out: &mut String, k: &Constant) {
    match k {
        Constant::Nil => out.push_str("nil"),
        Constant::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Constant::Float(f) => {
            let s = fmt_g14(*f);
            let all_digits = s.bytes().all(|c| c == b'-' || c.is_ascii_digit());
            out.push_str(&s);
            if all_digits {
                out.push_str(".0");
            }
        }
        Constant::Int(i) => {
            let _ = write!(out, "{}", i);
        }
        Constant::Str(s) => print_string(out, s),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One instruction's operands as luac prints them.
fn operands(i: Instruction, pc: usize) -> String {
    use OpCode::*;
    let op = get_op(i);
    let (a, b, c, k) = (get_a(i), get_b(i), get_c(i), get_k(i));
    let (bx, sbx, sb, sc) = (get_bx(i), get_sbx(i), get_sb(i), get_sc(i));
    let isk = if k { "k" } else { "" };
    let _ = pc;
    match op {
        MOVE => format!("{} {}", a, b),
        LOADI | LOADF => format!("{} {}", a, sbx),
        LOADK => format!("{} {}", a, bx),
        LOADKX | LOADFALSE | LFALSESKIP | LOADTRUE => format!("{}", a),
        LOADNIL => format!("{} {}", a, b),
        GETUPVAL | SETUPVAL => format!("{} {}", a, b),
        GETTABUP | GETTABLE | GETI | GETFIELD => format!("{} {} {}", a, b, c),
        SETTABUP | SETTABLE | SETI | SETFIELD | SELF => format!("{} {} {}{}", a, b, c, isk),
        NEWTABLE => format!("{} {} {}", a, b, c),
        ADDI | SHRI | SHLI => format!("{} {} {}", a, b, sc),
        ADDK | SUBK | MULK | MODK | POWK | DIVK | IDIVK | BANDK | BORK | BXORK => {
            format!("{} {} {}", a, b, c)
        }
        ADD | SUB | MUL | MOD | POW | DIV | IDIV | BAND | BOR | BXOR | SHL | SHR => {
            format!("{} {} {}", a, b, c)
        }
        MMBIN => format!("{} {} {}", a, b, c),
        MMBINI => format!("{} {} {} {}", a, sb, c, k as u8),
        MMBINK => format!("{} {} {} {}", a, b, c, k as u8),
        UNM | BNOT | NOT | LEN | CONCAT => format!("{} {}", a, b),
        CLOSE | TBC => format!("{}", a),
        JMP => format!("{}", get_sj(i)),
        EQ | LT | LE | EQK => format!("{} {} {}", a, b, k as u8),
        EQI | LTI | LEI | GTI | GEI => format!("{} {} {}", a, sb, k as u8),
        TEST => format!("{} {}", a, k as u8),
        TESTSET => format!("{} {} {}", a, b, k as u8),
        CALL => format!("{} {} {}", a, b, c),
        TAILCALL | RETURN => format!("{} {} {}{}", a, b, c, isk),
        RETURN0 => String::new(),
        RETURN1 => format!("{}", a),
        FORLOOP | FORPREP | TFORPREP | TFORLOOP => format!("{} {}", a, bx),
        TFORCALL => format!("{} {}", a, c),
        SETLIST => format!("{} {} {}", a, b, c),
        CLOSURE => format!("{} {}", a, bx),
        VARARG => format!("{} {}", a, c),
        VARARGPREP => format!("{}", a),
        EXTRAARG => format!("{}", get_ax(i)),
    }
}

/// Lists a prototype and its nested functions like `luac -l -l` (no comments).
pub fn disassemble(f: &FunctionProto) -> String {
    let mut out = String::new();
    dis_into(&mut out, f);
    out
}

fn dis_into(out: &mut String, f: &FunctionProto) {
    let s = &f.source;
    let name = match s.first() {
        Some(b'@') | Some(b'=') => String::from_utf8_lossy(&s[1..]).into_owned(),
        Some(0x1b) => "(bstring)".into(),
        _ => "(string)".into(),
    };
    let n = f.code.len();
    let _ = writeln!(
        out,
        "\n{} <{}:{},{}> ({} instruction{} at ADDR)",
        if f.line_defined == 0 {
            "main"
        } else {
            "function"
        },
        name,
        f.line_defined,
        f.last_line_defined,
        n,
        plural(n)
    );
    let np = f.num_params as usize;
    let _ = write!(
        out,
        "{}{} param{}, {} slot{}, {} upvalue{}, ",
        np,
        if f.is_vararg { "+" } else { "" },
        plural(np),
        f.max_stack_size,
        plural(f.max_stack_size as usize),
        f.upvalues.len(),
        plural(f.upvalues.len())
    );
    let _ = writeln!(
        out,
        "{} local{}, {} constant{}, {} function{}",
        f.local_vars.len(),
        plural(f.local_vars.len()),
        f.constants.len(),
        plural(f.constants.len()),
        f.protos.len(),
        plural(f.protos.len())
    );
    for (pc, &i) in f.code.iter().enumerate() {
        let line = f.line_info.line_at(pc).unwrap_or(0);
        let _ = write!(out, "\t{}\t", pc + 1);
        if line > 0 {
            let _ = write!(out, "[{}]\t", line);
        } else {
            out.push_str("[-]\t");
        }
        let _ = writeln!(out, "{:<9}\t{}", get_op(i).name(), operands(i, pc));
    }
    let _ = writeln!(out, "constants ({}) for ADDR:", f.constants.len());
    for (i, k) in f.constants.iter().enumerate() {
        let t = match k {
            Constant::Nil => "N",
            Constant::Bool(_) => "B",
            Constant::Float(_) => "F",
            Constant::Int(_) => "I",
            Constant::Str(_) => "S",
        };
        let _ = write!(out, "\t{}\t{}\t", i, t);
        print_constant(out, k);
        out.push('\n');
    }
    let _ = writeln!(out, "locals ({}) for ADDR:", f.local_vars.len());
    for (i, l) in f.local_vars.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{}\t{}\t{}\t{}",
            i,
            String::from_utf8_lossy(&l.name),
            l.start_pc + 1,
            l.end_pc + 1
        );
    }
    let _ = writeln!(out, "upvalues ({}) for ADDR:", f.upvalues.len());
    for (i, u) in f.upvalues.iter().enumerate() {
        let name = u
            .name
            .as_deref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "\t{}\t{}\t{}\t{}", i, name, u.in_stack as u8, u.index);
    }
    for p in &f.protos {
        dis_into(out, p);
    }
}
