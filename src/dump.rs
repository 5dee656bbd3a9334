//! Binary chunks (`string.dump` and `load` of its output; PUC's `ldump.c` and
//! `lundump.c`).
//!
//! A chunk starts with PUC 5.4's header (signature, version 0x54, format 0,
//! `LUAC_DATA`, the sizes of instructions, integers and floats, and the check
//! values `LUAC_INT` and `LUAC_NUM`), followed by our own encoding of a
//! `FunctionProto`. Loading validates everything it reads — sizes against the
//! bytes left, and every instruction's operands against the function's limits
//! (`verify_code`) — because the dispatch loop trusts the bytecode it runs. A
//! corrupt or hostile chunk gives an error, never a crash.

use crate::compiler::interner::Interner;
use crate::compiler::lexer::LStr;
use crate::compiler::line_info::LineInfo;
use crate::compiler::proto::{Constant, FunctionProto, LocalVarInfo, UpvalueDesc};
use crate::opcodes::*;

const LUAC_VERSION: u8 = 0x54;
const LUAC_FORMAT: u8 = 0;
const LUAC_DATA: &[u8] = b"\x19\x93\r\n\x1a\n";
const LUAC_INT: i64 = 0x5678;
const LUAC_NUM: f64 = 370.5;

/// Serialises a prototype as a binary chunk; `strip` drops debug information.
pub fn dump(p: &FunctionProto, strip: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"\x1bLua");
    out.push(LUAC_VERSION);
    out.push(LUAC_FORMAT);
    out.extend_from_slice(LUAC_DATA);
    out.push(4);
    out.push(8);
    out.push(8);
    out.extend_from_slice(&LUAC_INT.to_le_bytes());
    out.extend_from_slice(&LUAC_NUM.to_le_bytes());
    out.push(p.upvalues.len() as u8);
    dump_function(&mut out, p, strip, None);
    out
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Writes one function; its source is omitted when equal to its parent's.
fn dump_function(out: &mut Vec<u8>, p: &FunctionProto, strip: bool, parent_source: Option<&[u8]>) {
    let source: &[u8] = if strip { b"=?" } else { &p.source };
    if parent_source == Some(source) {
        out.push(0);
    } else {
        out.push(1);
        put_bytes(out, source);
    }
    put_varint(out, p.line_defined as u64);
    put_varint(out, p.last_line_defined as u64);
    out.push(p.num_params);
    out.push(p.is_vararg as u8);
    out.push(p.max_stack_size);
    put_varint(out, p.code.len() as u64);
    for &i in &p.code {
        out.extend_from_slice(&i.to_le_bytes());
    }
    put_varint(out, p.constants.len() as u64);
    for k in &p.constants {
        match k {
            Constant::Nil => out.push(0),
            Constant::Bool(false) => out.push(1),
            Constant::Bool(true) => out.push(2),
            Constant::Int(i) => {
                out.push(3);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Constant::Float(f) => {
                out.push(4);
                out.extend_from_slice(&f.to_le_bytes());
            }
            Constant::Str(s) => {
                out.push(5);
                put_bytes(out, s);
            }
        }
    }
    put_varint(out, p.upvalues.len() as u64);
    for u in &p.upvalues {
        out.push(u.in_stack as u8);
        out.push(u.index);
        out.push(u.kind);
    }
    put_varint(out, p.protos.len() as u64);
    for child in &p.protos {
        dump_function(out, child, strip, Some(source));
    }
    if strip {
        put_varint(out, 0);
        put_varint(out, 0);
        put_varint(out, 0);
    } else {
        put_varint(out, p.line_info.len() as u64);
        for l in p.line_info.lines() {
            put_varint(out, l as u64);
        }
        put_varint(out, p.local_vars.len() as u64);
        for v in &p.local_vars {
            put_bytes(out, &v.name);
            put_varint(out, v.start_pc as u64);
            put_varint(out, v.end_pc as u64);
        }
        put_varint(out, p.upvalues.len() as u64);
        for u in &p.upvalues {
            put_bytes(out, u.name.as_deref().unwrap_or(b""));
        }
    }
}

/// Converts a runtime prototype back to plain data (for `string.dump`).
pub fn to_function_proto(p: &crate::function::Proto) -> FunctionProto {
    use crate::value::Value;
    FunctionProto {
        source: p.source.as_bytes().into(),
        line_defined: p.line_defined,
        last_line_defined: p.last_line_defined,
        num_params: p.num_params,
        is_vararg: p.is_vararg,
        max_stack_size: p.max_stack_size,
        code: p.code.to_vec(),
        constants: p
            .constants
            .iter()
            .map(|k| match *k {
                Value::Bool(b) => Constant::Bool(b),
                Value::Int(i) => Constant::Int(i),
                Value::Float(f) => Constant::Float(f),
                Value::Str(s) => Constant::Str(s.as_bytes().into()),
                _ => Constant::Nil,
            })
            .collect(),
        upvalues: p.upvalues.to_vec(),
        protos: p.protos.iter().map(|c| to_function_proto(c)).collect(),
        line_info: p.line_info.clone(),
        local_vars: p.local_vars.to_vec(),
    }
}

/// A cursor over untrusted chunk bytes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
    /// Equal strings of the chunk are read as one (as the compiler makes
    /// them, so that the loader makes them one object).
    strings: Interner,
}

type LoadResult<T> = Result<T, &'static str>;

impl<'a> Reader<'a> {
    fn byte(&mut self) -> LoadResult<u8> {
        let b = *self.data.get(self.pos).ok_or("truncated chunk")?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> LoadResult<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or("truncated chunk")?;
        let s = self.data.get(self.pos..end).ok_or("truncated chunk")?;
        self.pos = end;
        Ok(s)
    }

    fn varint(&mut self) -> LoadResult<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("bad integer")
    }

    /// A count of items, each at least `min_size` bytes: never more than the
    /// bytes left, so hostile counts cannot make us allocate without bound.
    fn count(&mut self, min_size: usize) -> LoadResult<usize> {
        let n = self.varint()?;
        let left = (self.data.len() - self.pos) as u64;
        if n.saturating_mul(min_size.max(1) as u64) > left {
            return Err("truncated chunk");
        }
        Ok(n as usize)
    }

    fn u32(&mut self) -> LoadResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i64(&mut self) -> LoadResult<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }

    fn f64(&mut self) -> LoadResult<f64> {
        Ok(f64::from_bits(self.i64()? as u64))
    }

    fn bytes(&mut self) -> LoadResult<&'a [u8]> {
        let n = self.count(1)?;
        self.take(n)
    }

    fn string(&mut self) -> LoadResult<LStr> {
        let bytes = self.bytes()?;
        Ok(self.strings.intern(bytes))
    }

    fn u32_field(&mut self) -> LoadResult<u32> {
        u32::try_from(self.varint()?).map_err(|_| "bad integer")
    }
}

/// Reads a binary chunk made by `dump`.
pub fn undump(chunk: &[u8], chunkname: &[u8]) -> Result<FunctionProto, String> {
    // PUC's naming in lundump.c: "@file"/"=name" lose their prefix, and a chunk
    // named by its own binary contents is a "binary string".
    let name: Vec<u8> = match chunkname.first() {
        Some(b'@') | Some(b'=') => chunkname[1..].to_vec(),
        Some(0x1b) => b"binary string".to_vec(),
        _ => chunkname.to_vec(),
    };
    let name = String::from_utf8_lossy(&name).into_owned();
    let mut r = Reader {
        data: chunk,
        pos: 0,
        depth: 0,
        strings: Interner::default(),
    };
    let fail = |why: &str| format!("{name}: bad binary format ({why})");
    check_header(&mut r).map_err(&fail)?;
    let nup = r.byte().map_err(&fail)?;
    let p = load_function(&mut r, None).map_err(&fail)?;
    if p.upvalues.len() != nup as usize {
        return Err(fail("upvalue count mismatch"));
    }
    if r.pos != chunk.len() {
        return Err(fail("extra bytes at end"));
    }
    Ok(p)
}

fn check_header(r: &mut Reader) -> LoadResult<()> {
    if r.take(4)? != b"\x1bLua" {
        return Err("not a binary chunk");
    }
    if r.byte()? != LUAC_VERSION {
        return Err("version mismatch");
    }
    if r.byte()? != LUAC_FORMAT {
        return Err("format mismatch");
    }
    if r.take(LUAC_DATA.len())? != LUAC_DATA {
        return Err("corrupted chunk");
    }
    if r.byte()? != 4 {
        return Err("Instruction size mismatch");
    }
    if r.byte()? != 8 {
        return Err("lua_Integer size mismatch");
    }
    if r.byte()? != 8 {
        return Err("lua_Number size mismatch");
    }
    if r.i64()? != LUAC_INT {
        return Err("integer format mismatch");
    }
    if r.f64()? != LUAC_NUM {
        return Err("float format mismatch");
    }
    Ok(())
}

fn load_function(r: &mut Reader, parent_source: Option<&LStr>) -> LoadResult<FunctionProto> {
    r.depth += 1;
    if r.depth > 200 || crate::cstack::is_low(crate::cstack::RESERVE) {
        return Err("functions nested too deep");
    }
    let source = match (r.byte()?, parent_source) {
        (0, Some(s)) => s.clone(),
        (1, _) => r.string()?,
        _ => return Err("bad source"),
    };
    let mut p = FunctionProto::new(source, r.u32_field()?);
    p.last_line_defined = r.u32_field()?;
    p.num_params = r.byte()?;
    p.is_vararg = r.byte()? != 0;
    p.max_stack_size = r.byte()?;
    let ncode = r.count(4)?;
    for _ in 0..ncode {
        p.code.push(r.u32()?);
    }
    let nk = r.count(1)?;
    for _ in 0..nk {
        let k = match r.byte()? {
            0 => Constant::Nil,
            1 => Constant::Bool(false),
            2 => Constant::Bool(true),
            3 => Constant::Int(r.i64()?),
            4 => Constant::Float(r.f64()?),
            5 => Constant::Str(r.string()?),
            _ => return Err("bad constant"),
        };
        p.constants.push(k);
    }
    let nup = r.count(3)?;
    for _ in 0..nup {
        let in_stack = r.byte()? != 0;
        let index = r.byte()?;
        let kind = r.byte()?;
        p.upvalues.push(UpvalueDesc {
            name: None,
            in_stack,
            index,
            kind,
        });
    }
    let nprotos = r.count(1)?;
    for _ in 0..nprotos {
        let child = load_function(r, Some(&p.source))?;
        p.protos.push(child);
    }
    let nlines = r.count(1)?;
    if nlines != 0 && nlines != p.code.len() {
        return Err("bad line information");
    }
    let mut lines = Vec::with_capacity(nlines);
    for _ in 0..nlines {
        lines.push(r.u32_field()?);
    }
    p.line_info = LineInfo::from_lines(&lines, p.line_defined);
    let nlocals = r.count(3)?;
    for _ in 0..nlocals {
        let name = r.string()?;
        let start_pc = r.u32_field()?;
        let end_pc = r.u32_field()?;
        p.local_vars.push(LocalVarInfo {
            name,
            start_pc,
            end_pc,
        });
    }
    let nnames = r.count(1)?;
    if nnames != 0 && nnames != p.upvalues.len() {
        return Err("bad upvalue names");
    }
    for i in 0..nnames {
        let n = r.string()?;
        p.upvalues[i].name = Some(n);
    }
    verify_code(&p)?;
    r.depth -= 1;
    Ok(p)
}

/// Checks that running `p.code` can only touch registers below
/// `max_stack_size`, existing constants, prototypes and upvalues, and jump
/// inside the code — the facts the dispatch loop relies on.
pub fn verify_code(p: &FunctionProto) -> LoadResult<()> {
    use OpCode::*;
    let n = p.code.len();
    let maxstack = p.max_stack_size as u32;
    let nk = p.constants.len() as u32;
    let nup = p.upvalues.len() as u32;
    if n == 0 {
        return Err("empty function");
    }
    if (p.num_params as u32) > maxstack || maxstack > MAX_REGISTERS + 1 {
        return Err("bad stack size");
    }
    match get_op(p.code[n - 1]) {
        RETURN | RETURN0 | RETURN1 | JMP => {}
        _ => return Err("function does not end with a return"),
    }
    // A vararg function starts with VARARGPREP (which sets up its frame) and
    // has it nowhere else; `C` of RETURN/TAILCALL is nparams + 1 exactly then.
    if p.is_vararg != (get_op(p.code[0]) == VARARGPREP) {
        return Err("bad vararg function");
    }
    let nparams1 = if p.is_vararg {
        p.num_params as u32 + 1
    } else {
        0
    };
    let reg = |r: u32| {
        if r < maxstack {
            Ok(())
        } else {
            Err("register out of range")
        }
    };
    let konst = |k: u32| {
        if k < nk {
            Ok(())
        } else {
            Err("constant out of range")
        }
    };
    let kstr = |k: u32| match p.constants.get(k as usize) {
        Some(Constant::Str(_)) => Ok(()),
        _ => Err("bad key constant"),
    };
    let upv = |u: u32| {
        if u < nup {
            Ok(())
        } else {
            Err("upvalue out of range")
        }
    };
    let target = |pc: usize, off: i64| {
        let t = pc as i64 + 1 + off;
        if t >= 0 && (t as usize) < n {
            Ok(())
        } else {
            Err("jump out of range")
        }
    };
    // Instructions that may skip the next one need two more after them.
    let skip = |pc: usize| if pc + 2 < n { Ok(()) } else { Err("bad skip") };
    let rk = |i: u32| {
        if get_k(i) {
            konst(get_c(i))
        } else {
            reg(get_c(i))
        }
    };
    for (pc, &i) in p.code.iter().enumerate() {
        let op = OpCode::from_u8((i & 0x7f) as u8).ok_or("bad opcode")?;
        let a = get_a(i);
        let b = get_b(i);
        let c = get_c(i);
        match op {
            MOVE => {
                reg(a)?;
                reg(b)?
            }
            LOADI | LOADF | LOADFALSE | LOADTRUE => reg(a)?,
            LFALSESKIP => {
                reg(a)?;
                skip(pc)?
            }
            LOADK => {
                reg(a)?;
                konst(get_bx(i))?
            }
            LOADKX => {
                reg(a)?;
                let next = *p.code.get(pc + 1).ok_or("missing extra argument")?;
                if get_op(next) != EXTRAARG {
                    return Err("missing extra argument");
                }
                konst(get_ax(next))?
            }
            LOADNIL => reg(a + b)?,
            GETUPVAL => {
                reg(a)?;
                upv(b)?
            }
            SETUPVAL => {
                reg(a)?;
                upv(b)?
            }
            GETTABUP => {
                reg(a)?;
                upv(b)?;
                kstr(c)?
            }
            GETTABLE => {
                reg(a)?;
                reg(b)?;
                reg(c)?
            }
            GETI => {
                reg(a)?;
                reg(b)?
            }
            GETFIELD => {
                reg(a)?;
                reg(b)?;
                kstr(c)?
            }
            SETTABUP => {
                upv(a)?;
                kstr(b)?;
                rk(i)?
            }
            SETTABLE => {
                reg(a)?;
                reg(b)?;
                rk(i)?
            }
            SETI => {
                reg(a)?;
                rk(i)?
            }
            SETFIELD => {
                reg(a)?;
                kstr(b)?;
                rk(i)?
            }
            NEWTABLE => {
                reg(a)?;
                if get_op(*p.code.get(pc + 1).ok_or("missing extra argument")?) != EXTRAARG {
                    return Err("missing extra argument");
                }
            }
            SELF => {
                reg(a + 1)?;
                reg(b)?;
                rk(i)?
            }
            ADDI | SHRI | SHLI => {
                reg(a)?;
                reg(b)?;
                skip(pc)?
            }
            ADDK | SUBK | MULK | MODK | POWK | DIVK | IDIVK | BANDK | BORK | BXORK => {
                reg(a)?;
                reg(b)?;
                konst(c)?;
                skip(pc)?
            }
            ADD | SUB | MUL | MOD | POW | DIV | IDIV | BAND | BOR | BXOR | SHL | SHR => {
                reg(a)?;
                reg(b)?;
                reg(c)?;
                skip(pc)?
            }
            MMBIN | MMBINI | MMBINK => {
                if pc == 0 {
                    return Err("misplaced metamethod instruction");
                }
                reg(a)?;
                reg(get_a(p.code[pc - 1]))?;
                if op == MMBIN {
                    reg(b)?
                }
                if op == MMBINK {
                    konst(b)?
                }
            }
            UNM | BNOT | NOT | LEN => {
                reg(a)?;
                reg(b)?
            }
            CONCAT => {
                if b == 0 {
                    return Err("bad concat");
                }
                reg(a + b - 1)?
            }
            CLOSE | TBC => reg(a)?,
            JMP => target(pc, get_sj(i) as i64)?,
            EQ | LT | LE => {
                reg(a)?;
                reg(b)?;
                skip(pc)?;
                jump_after(p, pc)?
            }
            EQK => {
                reg(a)?;
                konst(b)?;
                skip(pc)?;
                jump_after(p, pc)?
            }
            EQI | LTI | LEI | GTI | GEI | TEST => {
                reg(a)?;
                skip(pc)?;
                jump_after(p, pc)?
            }
            TESTSET => {
                reg(a)?;
                reg(b)?;
                skip(pc)?;
                jump_after(p, pc)?
            }
            CALL => {
                reg(a)?;
                if b > 0 {
                    reg(a + b - 1)?
                }
                // Fixed results land in this frame's registers.
                if c > 1 {
                    reg(a + c - 2)?
                }
            }
            TAILCALL => {
                reg(a)?;
                if b > 0 {
                    reg(a + b - 1)?
                }
                if c != 0 && c != nparams1 {
                    return Err("bad vararg return");
                }
            }
            RETURN => {
                if c != 0 && c != nparams1 {
                    return Err("bad vararg return");
                }
                if b > 1 {
                    reg(a + b - 2)?
                } else if a > maxstack {
                    // No fixed results: A only marks where they would start.
                    return Err("register out of range");
                }
            }
            RETURN0 => {}
            RETURN1 => reg(a)?,
            FORLOOP => {
                reg(a + 3)?;
                target(pc, -(get_bx(i) as i64))?
            }
            FORPREP => {
                reg(a + 3)?;
                target(pc, get_bx(i) as i64 + 1)?
            }
            TFORPREP => {
                reg(a + 3)?;
                let t = pc + 1 + get_bx(i) as usize;
                if t >= n || get_op(p.code[t]) != TFORCALL {
                    return Err("bad generic for");
                }
            }
            TFORCALL => {
                reg(a + 6)?;
                reg(a + 3 + c.max(1))?;
                let next = *p.code.get(pc + 1).ok_or("bad generic for")?;
                if get_op(next) != TFORLOOP || get_a(next) != a {
                    return Err("bad generic for");
                }
            }
            TFORLOOP => {
                reg(a + 4)?;
                target(pc, -(get_bx(i) as i64))?
            }
            SETLIST => {
                reg(a + b)?;
                if get_k(i)
                    && get_op(*p.code.get(pc + 1).ok_or("missing extra argument")?) != EXTRAARG
                {
                    return Err("missing extra argument");
                }
            }
            CLOSURE => {
                reg(a)?;
                let child = p
                    .protos
                    .get(get_bx(i) as usize)
                    .ok_or("prototype out of range")?;
                for u in &child.upvalues {
                    if u.in_stack {
                        reg(u.index as u32)?
                    } else {
                        upv(u.index as u32)?
                    }
                }
            }
            VARARG => {
                reg(a)?;
                if c > 1 {
                    reg(a + c - 2)?
                }
            }
            VARARGPREP => {
                if pc != 0 || a != p.num_params as u32 || a > maxstack {
                    return Err("bad vararg");
                }
            }
            EXTRAARG => {
                if pc == 0 {
                    return Err("misplaced extra argument");
                }
            }
        }
    }
    Ok(())
}

/// A test instruction must be followed by a jump inside the code.
fn jump_after(p: &FunctionProto, pc: usize) -> LoadResult<()> {
    let next = *p.code.get(pc + 1).ok_or("bad test")?;
    if get_op(next) != OpCode::JMP {
        return Err("test not followed by a jump");
    }
    let t = pc as i64 + 2 + get_sj(next) as i64;
    if t >= 0 && (t as usize) < p.code.len() {
        Ok(())
    } else {
        Err("jump out of range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str) -> FunctionProto {
        crate::compiler::compile(src.as_bytes(), b"=test").expect("compiles")
    }

    #[test]
    fn round_trips() {
        let p = compile("local a, b = ... ; local function f(x) return x + a end return f(b), 'str', 1.5, nil, true");
        let bytes = dump(&p, false);
        let q = undump(&bytes, b"=test").expect("loads");
        assert_eq!(p, q);
        let stripped = undump(&dump(&p, true), b"=test").expect("loads stripped");
        assert_eq!(stripped.code, p.code);
        assert!(stripped.line_info.is_empty());
    }

    #[test]
    fn rejects_corruption_without_panicking() {
        let p = compile("local t = {} for i = 1, 10 do t[i] = i * 2 end return #t, t[3] .. 'x'");
        let bytes = dump(&p, false);
        // Every truncation and many single-byte corruptions must give an error or
        // a verified prototype, never a panic.
        for len in 0..bytes.len() {
            let _ = undump(&bytes[..len], b"=t");
        }
        let mut seed = 12345u64;
        for _ in 0..20000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut b = bytes.clone();
            let pos = (seed >> 33) as usize % b.len();
            b[pos] = (seed >> 17) as u8;
            if let Ok(q) = undump(&b, b"=t") {
                assert!(verify_code(&q).is_ok());
            }
        }
    }

    #[test]
    fn rejects_bad_registers() {
        let mut p = compile("return 1");
        p.code.insert(0, create_abx(OpCode::LOADK, 200, 0));
        let mut lines: Vec<u32> = p.line_info.lines().collect();
        lines.insert(0, 1);
        p.line_info = LineInfo::from_lines(&lines, p.line_defined);
        assert!(verify_code(&p).is_err());
    }
}
#[cfg(test)]
mod verify_official {
    #[test]
    fn official_files_verify() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/lua-5.4-tests");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().map(|x| x == "lua").unwrap_or(false) {
                let src = std::fs::read(&p).unwrap();
                let src = if src.starts_with(b"#") {
                    src[src.iter().position(|&c| c == b'\n').unwrap()..].to_vec()
                } else {
                    src
                };
                if let Ok(fp) = crate::compiler::compile(&src, b"=t") {
                    check(&fp, &p.display().to_string());
                }
            }
        }
    }
    fn check(fp: &crate::compiler::FunctionProto, name: &str) {
        if let Err(e) = super::verify_code(fp) {
            panic!(
                "{name}: line {} {}: {}",
                fp.line_defined,
                e,
                crate::compiler::disassemble(fp)
            );
        }
        for c in &fp.protos {
            check(c, name);
        }
    }
}
