//! Debug information for error messages and tracebacks (PUC's `ldebug.c`):
//! source positions, and the names of variables and functions recovered from
//! the bytecode by symbolic execution (`getobjname`, `funcnamefromcode`).

use crate::error::LuaError;
use crate::function::Proto;
use crate::opcodes::*;
use crate::state::{CallInfo, State};
use crate::tm::TmKind;
use crate::value::Value;

/// Where an operand of a failing operation came from, so its name can be found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    None,
    /// An absolute stack index (a register of the running frame).
    Register(usize),
    /// An upvalue of the running closure.
    Upvalue(usize),
    /// A constant of the running function.
    Constant(usize),
}

/// "chunk:line: " for a Lua frame, "" for a native one.
pub fn frame_position(ci: &CallInfo) -> Vec<u8> {
    match ci.closure {
        Some(cl) => {
            let p = cl.proto;
            let mut out = crate::compiler::chunk_id(p.source.as_bytes());
            out.push(b':');
            let line = current_line(ci);
            out.extend_from_slice(line.to_string().as_bytes());
            out.extend_from_slice(b": ");
            out
        }
        None => Vec::new(),
    }
}

/// The line being executed by a Lua frame (-1 if unknown).
pub fn current_line(ci: &CallInfo) -> i64 {
    match ci.closure {
        Some(cl) => {
            let p = cl.proto;
            if p.line_info.is_empty() {
                -1
            } else {
                p.line_at(current_pc(ci)) as i64
            }
        }
        None => -1,
    }
}

/// The instruction being executed by a Lua frame.
pub fn current_pc(ci: &CallInfo) -> usize {
    ci.pc_index().saturating_sub(1)
}

fn upvalue_name(p: &Proto, i: usize) -> Vec<u8> {
    match p.upvalues.get(i).and_then(|u| u.name.as_deref()) {
        Some(n) => n.to_vec(),
        None => b"?".to_vec(),
    }
}

fn constant_name(p: &Proto, k: usize) -> Vec<u8> {
    match p.constants.get(k) {
        Some(Value::Str(s)) => s.as_bytes().to_vec(),
        _ => b"?".to_vec(),
    }
}

/// Finds the last instruction before `lastpc` that set register `reg`.
fn find_set_reg(p: &Proto, mut lastpc: usize, reg: u32) -> Option<usize> {
    if let Some(&i) = p.code.get(lastpc) {
        if is_mm(get_op(i)) {
            lastpc = lastpc.saturating_sub(1);
        }
    }
    let mut setreg = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let i = p.code[pc];
        let op = get_op(i);
        let a = get_a(i);
        let change = match op {
            OpCode::LOADNIL => a <= reg && reg <= a + get_b(i),
            OpCode::TFORCALL => reg >= a + 2,
            OpCode::CALL | OpCode::TAILCALL => reg >= a,
            OpCode::JMP => {
                let dest = pc as i64 + 1 + get_sj(i) as i64;
                if dest <= lastpc as i64 && dest > jmptarget as i64 {
                    jmptarget = dest as usize;
                }
                false
            }
            _ => sets_register_a(op) && reg == a,
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

/// The name of a string constant, as ("constant", name).
fn constant_kind(p: &Proto, k: usize) -> Option<(&'static str, Vec<u8>)> {
    match p.constants.get(k) {
        Some(Value::Str(s)) => Some(("constant", s.as_bytes().to_vec())),
        _ => None,
    }
}

/// PUC 5.4.8's `basicgetobjname`: locals, upvalues, constants and moves of
/// them. Also returns the pc of the instruction that set the register.
fn basic_object_name(
    p: &Proto,
    lastpc: usize,
    reg: u32,
) -> (Option<(&'static str, Vec<u8>)>, Option<usize>) {
    if let Some(name) = p.local_name(reg as usize + 1, lastpc) {
        return (Some(("local", name.to_vec())), Some(lastpc));
    }
    let pc = match find_set_reg(p, lastpc, reg) {
        Some(pc) => pc,
        None => return (None, None),
    };
    let i = p.code[pc];
    let found = match get_op(i) {
        OpCode::MOVE => {
            let b = get_b(i);
            if b < get_a(i) {
                return basic_object_name(p, pc, b);
            }
            None
        }
        OpCode::GETUPVAL => Some(("upvalue", upvalue_name(p, get_b(i) as usize))),
        OpCode::LOADK => constant_kind(p, get_bx(i) as usize),
        OpCode::LOADKX => p
            .code
            .get(pc + 1)
            .and_then(|&x| constant_kind(p, get_ax(x) as usize)),
        _ => None,
    };
    (found, Some(pc))
}

/// PUC's `getobjname`: a kind ("local", "global", "field", "upvalue",
/// "constant", "method") and a name for register `reg` at `lastpc`.
pub fn object_name(p: &Proto, lastpc: usize, reg: u32) -> Option<(&'static str, Vec<u8>)> {
    let (found, setpc) = basic_object_name(p, lastpc, reg);
    if found.is_some() {
        return found;
    }
    let pc = setpc?;
    let i = p.code[pc];
    match get_op(i) {
        OpCode::GETTABUP => {
            let name = constant_name(p, get_c(i) as usize);
            let t = upvalue_name(p, get_b(i) as usize);
            Some((if t == b"_ENV" { "global" } else { "field" }, name))
        }
        OpCode::GETTABLE => {
            let name = register_constant_name(p, pc, get_c(i));
            Some((table_kind(p, pc, get_b(i)), name))
        }
        OpCode::GETI => Some(("field", b"integer index".to_vec())),
        OpCode::GETFIELD => {
            let name = constant_name(p, get_c(i) as usize);
            Some((table_kind(p, pc, get_b(i)), name))
        }
        OpCode::SELF => {
            let name = if get_k(i) {
                constant_name(p, get_c(i) as usize)
            } else {
                register_constant_name(p, pc, get_c(i))
            };
            Some(("method", name))
        }
        _ => None,
    }
}

/// "global" when the indexed register is the local or upvalue `_ENV` (`isEnv`).
fn table_kind(p: &Proto, pc: usize, t: u32) -> &'static str {
    match basic_object_name(p, pc, t).0 {
        Some(("local", name)) | Some(("upvalue", name)) if name == b"_ENV" => "global",
        _ => "field",
    }
}

fn register_constant_name(p: &Proto, pc: usize, c: u32) -> Vec<u8> {
    match basic_object_name(p, pc, c).0 {
        Some(("constant", name)) => name,
        _ => b"?".to_vec(),
    }
}

/// PUC's `funcnamefromcode`: how the function called by instruction `pc` was named.
pub fn func_name_from_code(p: &Proto, pc: usize) -> Option<(&'static str, Vec<u8>)> {
    let i = *p.code.get(pc)?;
    let tm = match get_op(i) {
        OpCode::CALL | OpCode::TAILCALL => return object_name(p, pc, get_a(i)),
        OpCode::TFORCALL => return Some(("for iterator", b"for iterator".to_vec())),
        OpCode::SELF | OpCode::GETTABUP | OpCode::GETTABLE | OpCode::GETI | OpCode::GETFIELD => {
            TmKind::Index
        }
        OpCode::SETTABUP | OpCode::SETTABLE | OpCode::SETI | OpCode::SETFIELD => TmKind::NewIndex,
        OpCode::MMBIN | OpCode::MMBINI | OpCode::MMBINK => TmKind::from_u32(get_c(i))?,
        OpCode::UNM => TmKind::Unm,
        OpCode::BNOT => TmKind::BNot,
        OpCode::LEN => TmKind::Len,
        OpCode::CONCAT => TmKind::Concat,
        OpCode::EQ => TmKind::Eq,
        OpCode::LT | OpCode::LTI | OpCode::GTI => TmKind::Lt,
        OpCode::LE | OpCode::LEI | OpCode::GEI => TmKind::Le,
        OpCode::CLOSE | OpCode::RETURN => TmKind::Close,
        _ => return None,
    };
    Some(("metamethod", tm.short_name().as_bytes().to_vec()))
}

impl State {
    /// " (kind 'name')" for an operand of the running Lua frame, or "".
    pub fn var_info(&self, what: Operand) -> Vec<u8> {
        let ci = match self.frames.last() {
            Some(ci) => ci,
            None => return Vec::new(),
        };
        let cl = match ci.closure {
            Some(cl) => cl,
            None => return Vec::new(),
        };
        let p = &*cl.proto;
        let found = match what {
            Operand::Upvalue(i) => Some(("upvalue", upvalue_name(p, i))),
            Operand::Register(idx) if idx >= ci.base && idx < ci.top => {
                object_name(p, current_pc(ci), (idx - ci.base) as u32)
            }
            _ => None,
        };
        match found {
            Some((kind, name)) => format_var_info(kind, &name),
            None => Vec::new(),
        }
    }

    /// `"attempt to <op> a <type> value<varinfo>"` (PUC's `luaG_typeerror`).
    pub fn type_error(&mut self, v: Value, what: Operand, op: &str) -> LuaError {
        let info = self.var_info(what);
        self.type_error_with(v, op, &info)
    }

    /// Like `type_error`, with the variable description already made.
    pub fn type_error_with(&mut self, v: Value, op: &str, info: &[u8]) -> LuaError {
        let t = self.obj_type_name(v);
        let msg = [
            b"attempt to ".as_slice(),
            op.as_bytes(),
            b" a ",
            &t,
            b" value",
            info,
        ]
        .concat();
        self.rt_error_bytes(&msg)
    }

    /// Error for indexing a non-indexable value.
    /// `what` names where `t` came from (nothing when it is a metamethod's
    /// value, as in PUC, which names only registers and upvalues).
    pub fn index_error(&mut self, t: Value, what: Operand) -> LuaError {
        let info = self.var_info(what);
        self.type_error_with(t, "index", &info)
    }

    /// Error for calling a non-callable value at stack index `func`
    /// (PUC's `luaG_callerror`).
    pub fn call_error(&mut self, func: usize) -> LuaError {
        let v = self.at(func);
        let mut info = Vec::new();
        if let Some(ci) = self.frames.last() {
            if let Some(cl) = ci.closure {
                if let Some((kind, name)) = func_name_from_code(&cl.proto, current_pc(ci)) {
                    info = format_var_info(kind, &name);
                }
            }
        }
        if info.is_empty() {
            info = self.var_info(Operand::Register(func));
        }
        self.type_error_with(v, "call", &info)
    }

    /// The name of the local variable living in an absolute stack slot.
    pub fn local_name_at_slot(&self, slot: usize) -> Option<Vec<u8>> {
        let ci = self.frames.last()?;
        let cl = ci.closure?;
        if slot < ci.base {
            return None;
        }
        cl.proto
            .local_name(slot - ci.base + 1, current_pc(ci))
            .map(|n| n.to_vec())
    }

    /// How the function running in frame `level` (0 = top) was called:
    /// (namewhat, name), as `getfuncname` finds it.
    pub fn frame_func_name(&self, level: usize) -> Option<(&'static str, Vec<u8>)> {
        let n = self.frames.len();
        if level + 1 >= n {
            return None;
        }
        let ci = &self.frames[n - 1 - level];
        if ci.status & crate::state::call_status::TAIL != 0 {
            return None;
        }
        if ci.status & crate::state::call_status::FINALIZER != 0 {
            return Some(("metamethod", b"__gc".to_vec()));
        }
        let caller = &self.frames[n - 2 - level];
        if caller.status & crate::state::call_status::HOOKED != 0 {
            return Some(("hook", b"?".to_vec()));
        }
        let cl = caller.closure?;
        func_name_from_code(&cl.proto, current_pc(caller))
    }
}

fn format_var_info(kind: &str, name: &[u8]) -> Vec<u8> {
    // PUC formats the name as a C string: it ends at the first zero byte.
    let name = match name.iter().position(|&c| c == 0) {
        Some(n) => &name[..n],
        None => name,
    };
    [b" (".as_slice(), kind.as_bytes(), b" '", name, b"')"].concat()
}
