//! Code generation (PUC's `lcode.c`): expression descriptors, register
//! allocation, jump lists, constants, constant folding and instruction
//! selection. These are methods of the parser, which owns the function states.

use super::lexer::LStr;
use super::number::{float_to_int_exact, ArithOp, Number};
use super::parser::{Parser, R};
use super::proto::{Constant, FunctionProto};
use crate::opcodes::*;
use std::rc::Rc;

pub const NO_JUMP: i32 = -1;
pub const NO_REG: i32 = MAXARG_A as i32;
/// Largest constant index usable as an RK operand (`MAXINDEXRK`).
pub(super) const MAXINDEXRK: i32 = MAXARG_B as i32;
/// Strings up to this length are "short" (`LUAI_MAXSHORTLEN`).
pub(super) const MAX_SHORT_LEN: usize = 40;

/// Variable kinds (PUC's VDKREG, RDKCONST, RDKTOCLOSE, RDKCTC).
pub const VDKREG: u8 = 0;
pub const RDKCONST: u8 = 1;
pub const RDKTOCLOSE: u8 = 2;
pub const RDKCTC: u8 = 3;

/// Kind of an expression descriptor, with its payload (PUC's `expkind` + `u`).
#[derive(Clone, Debug, PartialEq)]
pub enum ExpKind {
    /// Empty expression list, or no value.
    Void,
    Nil,
    True,
    False,
    /// Constant in the constant table (index).
    K(i32),
    KFlt(f64),
    KInt(i64),
    KStr(LStr),
    /// Value in a fixed register.
    NonReloc(i32),
    /// Local variable: register and index among active variables.
    Local {
        ridx: i32,
        vidx: i32,
    },
    /// Upvalue index.
    Upval(i32),
    /// Compile-time constant: absolute index in the active-variable list.
    Const(i32),
    /// `t[idx]`, both in registers.
    Indexed {
        t: i32,
        idx: i32,
    },
    /// Upvalue t indexed by a constant string idx.
    IndexUp {
        t: i32,
        idx: i32,
    },
    /// Register t indexed by an integer constant idx.
    IndexI {
        t: i32,
        idx: i32,
    },
    /// Register t indexed by a constant string idx.
    IndexStr {
        t: i32,
        idx: i32,
    },
    /// Test/comparison; payload is the pc of its jump.
    Jmp(i32),
    /// Instruction (pc) whose target register is still free.
    Reloc(i32),
    /// Open call (pc).
    Call(i32),
    /// Vararg expression (pc).
    Vararg(i32),
}

#[derive(Clone, Debug)]
pub struct ExpDesc {
    pub k: ExpKind,
    /// Patch list of "exit when true".
    pub t: i32,
    /// Patch list of "exit when false".
    pub f: i32,
}

impl ExpDesc {
    pub fn new(k: ExpKind) -> ExpDesc {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }
    pub fn void() -> ExpDesc {
        ExpDesc::new(ExpKind::Void)
    }
    pub fn has_jumps(&self) -> bool {
        self.t != self.f
    }
    pub fn is_multret(&self) -> bool {
        matches!(self.k, ExpKind::Call(_) | ExpKind::Vararg(_))
    }
    /// The pc of the instruction this expression refers to.
    pub(super) fn pc(&self) -> usize {
        match self.k {
            ExpKind::Reloc(pc) | ExpKind::Call(pc) | ExpKind::Vararg(pc) | ExpKind::Jmp(pc) => {
                pc as usize
            }
            _ => 0,
        }
    }
    /// Register of a NonReloc expression (or -1).
    pub fn reg(&self) -> i32 {
        match self.k {
            ExpKind::NonReloc(r) => r,
            _ => -1,
        }
    }
    pub(super) fn is_numeral(&self) -> bool {
        !self.has_jumps() && matches!(self.k, ExpKind::KInt(_) | ExpKind::KFlt(_))
    }
    pub(super) fn numeral(&self) -> Option<Number> {
        if self.has_jumps() {
            return None;
        }
        match self.k {
            ExpKind::KInt(i) => Some(Number::Int(i)),
            ExpKind::KFlt(f) => Some(Number::Float(f)),
            _ => None,
        }
    }
    pub fn is_var(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Local { .. }
                | ExpKind::Upval(_)
                | ExpKind::Const(_)
                | ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }
    pub fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }
}

/// Value of a compile-time constant.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstVal {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(f64),
    Str(LStr),
}

/// Key of the constant cache: a kind and 64 bits (floats by bit pattern, so
/// 1 and 1.0 differ; strings by address, since the lexer interns them). 16
/// bytes rather than an enum holding the string's 16-byte pointer: the cache
/// has an entry per constant of the chunk, and its pages are memory a load
/// writes fresh. A stale or foreign address can only miss, never give a
/// wrong constant: `addk` checks the cached slot's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KKey {
    bits: u64,
    kind: KKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum KKind {
    Nil,
    Bool,
    Int,
    Flt,
    Str,
}

impl KKey {
    const NIL: KKey = KKey::new(KKind::Nil, 0);

    const fn new(kind: KKind, bits: u64) -> KKey {
        KKey { bits, kind }
    }
    fn str(s: &LStr) -> KKey {
        KKey::new(KKind::Str, Rc::as_ptr(s) as *const u8 as usize as u64)
    }
    /// The key of a float constant (see `number_k`).
    fn float(f: f64) -> KKey {
        match float_to_int_exact(f) {
            None => KKey::new(KKind::Flt, f.to_bits()),
            Some(i) => {
                // integral floats use a non-integral key (as luaK_numberK does);
                // if that key is integral after all, the table normalises it
                let q = 2f64.powi(-52);
                let kf = if i == 0 { q } else { f + f * q };
                match float_to_int_exact(kf) {
                    Some(ki) => KKey::new(KKind::Int, ki as u64),
                    None => KKey::new(KKind::Flt, kf.to_bits()),
                }
            }
        }
    }
    /// The key `addk` files constant `k` under.
    pub fn of(k: &Constant) -> KKey {
        match k {
            Constant::Nil => KKey::NIL,
            Constant::Bool(b) => KKey::new(KKind::Bool, *b as u64),
            Constant::Int(i) => KKey::new(KKind::Int, *i as u64),
            Constant::Float(f) => KKey::float(*f),
            Constant::Str(s) => KKey::str(s),
        }
    }
}

/// A constant-cache entry: the constant's index in the function that added
/// it last (PUC's `ls->h` value), and how many constants of the functions
/// still open have its key. An entry no open function can use is dropped
/// when the last such function closes (see `forget_constants`), so the cache
/// holds the constants of the open functions rather than of the whole chunk.
#[derive(Clone, Copy, Debug)]
pub struct KEntry {
    index: i32,
    open_uses: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BinOpr {
    Add,
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
    Concat,
    Eq,
    Lt,
    Le,
    Ne,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOpr {
    pub(super) fn index(self) -> usize {
        self as usize
    }
    pub(super) fn arith(self) -> Option<ArithOp> {
        if self <= BinOpr::Shr {
            Some(ArithOp::ALL[self.index()])
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOpr {
    Minus,
    BNot,
    Not,
    Len,
}

/// Metamethod event numbers (PUC's TMS order) used by MMBIN*.
pub(super) const TM_ADD: u32 = 6;
pub(super) const TM_SHL: u32 = 16;
pub(super) const TM_SHR: u32 = 17;

/// A block (PUC's `BlockCnt`).
#[derive(Clone, Debug)]
pub struct BlockCnt {
    pub firstlabel: usize,
    pub firstgoto: usize,
    pub nactvar: i32,
    pub upval: bool,
    pub isloop: bool,
    pub insidetbc: bool,
}

/// State of a function being compiled (PUC's `FuncState`).
pub struct FuncState {
    pub f: FunctionProto,
    /// The line of each instruction so far (encoded into `f.line_info` when
    /// the function closes).
    pub lines: Vec<u32>,
    pub blocks: Vec<BlockCnt>,
    pub lasttarget: i32,
    pub firstlocal: usize,
    pub firstlabel: usize,
    pub nactvar: i32,
    pub freereg: i32,
    pub maxstack: i32,
    pub needclose: bool,
}

impl FuncState {
    pub fn new(f: FunctionProto, firstlocal: usize, firstlabel: usize) -> FuncState {
        FuncState {
            f,
            lines: Vec::new(),
            blocks: Vec::new(),
            lasttarget: 0,
            firstlocal,
            firstlabel,
            nactvar: 0,
            freereg: 0,
            maxstack: 2,
            needclose: false,
        }
    }
    pub fn pc(&self) -> i32 {
        self.f.code.len() as i32
    }
}

pub(super) fn op_at(base: OpCode, offset: usize) -> OpCode {
    OpCode::ALL
        .get(base as usize + offset)
        .copied()
        .unwrap_or(OpCode::EXTRAARG)
}

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------
    // Emission

    pub fn code(&mut self, i: Instruction) -> i32 {
        let line = self.lx.lastline;
        let fs = &mut self.cur;
        fs.f.code.push(i);
        fs.lines.push(line);
        fs.f.code.len() as i32 - 1
    }
    pub fn code_abck(&mut self, op: OpCode, a: i32, b: i32, c: i32, k: bool) -> i32 {
        self.code(create_abck(op, a as u32, b as u32, c as u32, k))
    }
    pub fn code_abc(&mut self, op: OpCode, a: i32, b: i32, c: i32) -> i32 {
        self.code_abck(op, a, b, c, false)
    }
    pub fn code_abx(&mut self, op: OpCode, a: i32, bx: u32) -> i32 {
        self.code(create_abx(op, a as u32, bx))
    }
    pub(super) fn code_asbx(&mut self, op: OpCode, a: i32, sbx: i32) -> i32 {
        self.code(create_asbx(op, a as u32, sbx))
    }
    pub(super) fn code_sj(&mut self, op: OpCode, sj: i32, k: bool) -> i32 {
        self.code(create_sj(op, sj, k))
    }
    pub(super) fn code_extraarg(&mut self, a: u32) -> i32 {
        self.code(create_ax(OpCode::EXTRAARG, a))
    }
    pub(super) fn codek(&mut self, reg: i32, k: i32) -> i32 {
        if k as u32 <= MAXARG_BX {
            self.code_abx(OpCode::LOADK, reg, k as u32)
        } else {
            let p = self.code_abx(OpCode::LOADKX, reg, 0);
            self.code_extraarg(k as u32);
            p
        }
    }
    /// Sets the line of the last instruction (`luaK_fixline`).
    pub fn fixline(&mut self, line: u32) {
        if let Some(l) = self.cur.lines.last_mut() {
            *l = line;
        }
    }
    pub(super) fn remove_last_instruction(&mut self) {
        self.cur.f.code.pop();
        self.cur.lines.pop();
    }
    pub(super) fn instr(&mut self, pc: usize) -> &mut Instruction {
        &mut self.cur.f.code[pc]
    }

    // ------------------------------------------------------------------
    // Registers

    pub fn checkstack(&mut self, n: i32) -> R<()> {
        let newstack = self.cur.freereg + n;
        if newstack > self.cur.maxstack {
            if newstack >= MAX_REGISTERS as i32 {
                return Err(self
                    .lx
                    .syntax_error("function or expression needs too many registers"));
            }
            self.cur.maxstack = newstack;
        }
        Ok(())
    }
    pub fn reserveregs(&mut self, n: i32) -> R<()> {
        self.checkstack(n)?;
        self.cur.freereg += n;
        Ok(())
    }
    pub(super) fn freereg(&mut self, reg: i32) {
        if reg >= self.nvarstack() {
            self.cur.freereg -= 1;
        }
    }
    pub(super) fn freeregs(&mut self, r1: i32, r2: i32) {
        if r1 > r2 {
            self.freereg(r1);
            self.freereg(r2);
        } else {
            self.freereg(r2);
            self.freereg(r1);
        }
    }
    pub(super) fn freeexp(&mut self, e: &ExpDesc) {
        if let ExpKind::NonReloc(r) = e.k {
            self.freereg(r);
        }
    }
    pub(super) fn freeexps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        let r1 = e1.reg();
        let r2 = e2.reg();
        self.freeregs(r1, r2);
    }

    // ------------------------------------------------------------------
    // Constants

    /// Adds a constant, reusing an equal one when the scanner-wide cache (shared
    /// by all functions of the chunk, as PUC's `ls->h`) points at it.
    pub(super) fn addk(&mut self, key: KKey, v: Constant) -> i32 {
        let constants = &mut self.cur.f.constants;
        let entry = self.kcache.entry(key);
        if let std::collections::hash_map::Entry::Occupied(e) = &entry {
            let k = e.get().index;
            if constants.get(k as usize) == Some(&v) {
                return k;
            }
        }
        if constants.len() >= MAXARG_AX as usize {
            // PUC fails in luaM_growvector; reported at the end of the statement
            self.k_overflow = true;
            return 0;
        }
        let k = constants.len() as i32;
        constants.push(v);
        let e = entry.or_insert(KEntry {
            index: k,
            open_uses: 0,
        });
        e.index = k;
        e.open_uses += 1;
        k
    }
    /// Called as a function closes: drops the cache entries that only its
    /// constants used. A later function finds no entry instead of a stale
    /// one, which is the same: a stale index can only match a constant the
    /// function added itself, and adding one updates the entry.
    pub(super) fn forget_constants(&mut self) {
        for k in self.cur.f.constants.iter() {
            let key = KKey::of(k);
            if let Some(e) = self.kcache.get_mut(&key) {
                e.open_uses = e.open_uses.saturating_sub(1);
                if e.open_uses == 0 {
                    self.kcache.remove(&key);
                }
            }
        }
    }
    pub fn string_k(&mut self, s: &LStr) -> i32 {
        self.addk(KKey::str(s), Constant::Str(s.clone()))
    }
    pub(super) fn int_k(&mut self, i: i64) -> i32 {
        self.addk(KKey::new(KKind::Int, i as u64), Constant::Int(i))
    }
    pub(super) fn number_k(&mut self, f: f64) -> i32 {
        self.addk(KKey::float(f), Constant::Float(f))
    }
    pub(super) fn bool_k(&mut self, b: bool) -> i32 {
        self.addk(KKey::new(KKind::Bool, b as u64), Constant::Bool(b))
    }
    pub(super) fn nil_k(&mut self) -> i32 {
        self.addk(KKey::NIL, Constant::Nil)
    }
    pub fn code_int(&mut self, reg: i32, i: i64) {
        if fits_sbx(i) {
            self.code_asbx(OpCode::LOADI, reg, i as i32);
        } else {
            let k = self.int_k(i);
            self.codek(reg, k);
        }
    }
    pub(super) fn code_float(&mut self, reg: i32, f: f64) {
        match float_to_int_exact(f) {
            Some(fi) if fits_sbx(fi) => {
                self.code_asbx(OpCode::LOADF, reg, fi as i32);
            }
            _ => {
                let k = self.number_k(f);
                self.codek(reg, k);
            }
        }
    }
    pub(super) fn str2k(&mut self, e: &mut ExpDesc) {
        if let ExpKind::KStr(s) = &e.k {
            let s = s.clone();
            e.k = ExpKind::K(self.string_k(&s));
        }
    }
    pub(super) fn is_kstr(&self, e: &ExpDesc) -> bool {
        match e.k {
            ExpKind::K(i) if !e.has_jumps() && i <= MAXINDEXRK => {
                matches!(self.cur.f.constants.get(i as usize), Some(Constant::Str(s)) if s.len() <= MAX_SHORT_LEN)
            }
            _ => false,
        }
    }
    pub(super) fn is_kint(e: &ExpDesc) -> bool {
        matches!(e.k, ExpKind::KInt(_)) && !e.has_jumps()
    }
    pub(super) fn is_cint(e: &ExpDesc) -> bool {
        match e.k {
            ExpKind::KInt(i) => !e.has_jumps() && (i as u64) <= MAXARG_C as u64,
            _ => false,
        }
    }
    pub(super) fn is_scint(e: &ExpDesc) -> bool {
        match e.k {
            ExpKind::KInt(i) => !e.has_jumps() && fits_sc(i),
            _ => false,
        }
    }
    /// Numeral fitting an sC operand: (encoded value, is float).
    pub(super) fn is_scnumber(e: &ExpDesc) -> Option<(i32, bool)> {
        let (i, isfloat) = match e.k {
            ExpKind::KInt(i) => (i, false),
            ExpKind::KFlt(f) => (float_to_int_exact(f)?, true),
            _ => return None,
        };
        if !e.has_jumps() && fits_sc(i) {
            Some((int_to_sc(i as i32) as i32, isfloat))
        } else {
            None
        }
    }

    /// The value of a constant expression, if it is one (`luaK_exp2const`).
    pub fn exp2const(&self, e: &ExpDesc) -> Option<ConstVal> {
        if e.has_jumps() {
            return None;
        }
        match &e.k {
            ExpKind::False => Some(ConstVal::Bool(false)),
            ExpKind::True => Some(ConstVal::Bool(true)),
            ExpKind::Nil => Some(ConstVal::Nil),
            ExpKind::KStr(s) => Some(ConstVal::Str(s.clone())),
            ExpKind::Const(i) => self.actvar.get(*i as usize).and_then(|v| v.k.clone()),
            ExpKind::KInt(i) => Some(ConstVal::Int(*i)),
            ExpKind::KFlt(f) => Some(ConstVal::Flt(*f)),
            _ => None,
        }
    }

    // ------------------------------------------------------------------
    // Jumps

    pub fn nil(&mut self, mut from: i32, n: i32) {
        let mut l = from + n - 1;
        if self.cur.pc() > self.cur.lasttarget {
            if let Some(prev) = self.cur.f.code.last_mut() {
                if get_op(*prev) == OpCode::LOADNIL {
                    let pfrom = get_a(*prev) as i32;
                    let pl = pfrom + get_b(*prev) as i32;
                    if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                        if pfrom < from {
                            from = pfrom;
                        }
                        if pl > l {
                            l = pl;
                        }
                        set_a(prev, from as u32);
                        set_b(prev, (l - from) as u32);
                        return;
                    }
                }
            }
        }
        self.code_abc(OpCode::LOADNIL, from, n - 1, 0);
    }

    pub(super) fn getjump(&self, pc: i32) -> i32 {
        let offset = get_sj(self.cur.f.code[pc as usize]);
        if offset == NO_JUMP {
            NO_JUMP
        } else {
            pc + 1 + offset
        }
    }
    pub(super) fn fixjump(&mut self, pc: i32, dest: i32) -> R<()> {
        let offset = dest - (pc + 1);
        if !(-OFFSET_SJ..=(MAXARG_SJ as i32 - OFFSET_SJ)).contains(&offset) {
            return Err(self.lx.syntax_error("control structure too long"));
        }
        set_sj(self.instr(pc as usize), offset);
        Ok(())
    }
    pub fn concat(&mut self, l1: &mut i32, l2: i32) -> R<()> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        let mut list = *l1;
        loop {
            let next = self.getjump(list);
            if next == NO_JUMP {
                break;
            }
            list = next;
        }
        self.fixjump(list, l2)
    }
    pub fn jump(&mut self) -> i32 {
        self.code_sj(OpCode::JMP, NO_JUMP, false)
    }
    pub fn ret(&mut self, first: i32, nret: i32) {
        let op = match nret {
            0 => OpCode::RETURN0,
            1 => OpCode::RETURN1,
            _ => OpCode::RETURN,
        };
        self.code_abc(op, first, nret + 1, 0);
    }
    pub(super) fn condjump(&mut self, op: OpCode, a: i32, b: i32, c: i32, k: bool) -> i32 {
        self.code_abck(op, a, b, c, k);
        self.jump()
    }
    pub fn getlabel(&mut self) -> i32 {
        let pc = self.cur.pc();
        self.cur.lasttarget = pc;
        pc
    }
    pub(super) fn getjumpcontrol(&self, pc: i32) -> usize {
        let pc = pc as usize;
        if pc >= 1 && is_test(get_op(self.cur.f.code[pc - 1])) {
            pc - 1
        } else {
            pc
        }
    }
    pub(super) fn patchtestreg(&mut self, node: i32, reg: i32) -> bool {
        let ci = self.getjumpcontrol(node);
        let i = self.cur.f.code[ci];
        if get_op(i) != OpCode::TESTSET {
            return false;
        }
        if reg != NO_REG && reg != get_b(i) as i32 {
            set_a(self.instr(ci), reg as u32);
        } else {
            *self.instr(ci) = create_abck(OpCode::TEST, get_b(i), 0, 0, get_k(i));
        }
        true
    }
    pub(super) fn removevalues(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patchtestreg(list, NO_REG);
            list = self.getjump(list);
        }
    }
    pub(super) fn patchlistaux(
        &mut self,
        mut list: i32,
        vtarget: i32,
        reg: i32,
        dtarget: i32,
    ) -> R<()> {
        while list != NO_JUMP {
            let next = self.getjump(list);
            if self.patchtestreg(list, reg) {
                self.fixjump(list, vtarget)?;
            } else {
                self.fixjump(list, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }
    pub fn patchlist(&mut self, list: i32, target: i32) -> R<()> {
        self.patchlistaux(list, target, NO_REG, target)
    }
    pub fn patchtohere(&mut self, list: i32) -> R<()> {
        let hr = self.getlabel();
        self.patchlist(list, hr)
    }
    pub(super) fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let i = self.cur.f.code[self.getjumpcontrol(list)];
            if get_op(i) != OpCode::TESTSET {
                return true;
            }
            list = self.getjump(list);
        }
        false
    }

    // ------------------------------------------------------------------
    // Discharging expressions

    pub fn setreturns(&mut self, e: &mut ExpDesc, nresults: i32) -> R<()> {
        let pc = e.pc();
        match e.k {
            ExpKind::Call(_) => set_c(self.instr(pc), (nresults + 1) as u32),
            ExpKind::Vararg(_) => {
                set_c(self.instr(pc), (nresults + 1) as u32);
                let fr = self.cur.freereg as u32;
                set_a(self.instr(pc), fr);
                self.reserveregs(1)?;
            }
            _ => {}
        }
        Ok(())
    }
    pub fn setmultret(&mut self, e: &mut ExpDesc) -> R<()> {
        self.setreturns(e, -1)
    }
    pub fn setoneret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Call(pc) => {
                e.k = ExpKind::NonReloc(get_a(self.cur.f.code[pc as usize]) as i32);
            }
            ExpKind::Vararg(pc) => {
                set_c(self.instr(pc as usize), 2);
                e.k = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }
    pub fn dischargevars(&mut self, e: &mut ExpDesc) {
        // Matched by reference: most kinds need no work, and cloning would
        // touch a string constant's reference count on every call.
        match e.k {
            ExpKind::Const(i) => {
                let v = self
                    .actvar
                    .get(i as usize)
                    .and_then(|v| v.k.clone())
                    .unwrap_or(ConstVal::Nil);
                e.k = match v {
                    ConstVal::Nil => ExpKind::Nil,
                    ConstVal::Bool(true) => ExpKind::True,
                    ConstVal::Bool(false) => ExpKind::False,
                    ConstVal::Int(i) => ExpKind::KInt(i),
                    ConstVal::Flt(f) => ExpKind::KFlt(f),
                    ConstVal::Str(s) => ExpKind::KStr(s),
                };
            }
            ExpKind::Local { ridx, .. } => e.k = ExpKind::NonReloc(ridx),
            ExpKind::Upval(idx) => {
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETUPVAL, 0, idx, 0));
            }
            ExpKind::IndexUp { t, idx } => {
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETTABUP, 0, t, idx));
            }
            ExpKind::IndexI { t, idx } => {
                self.freereg(t);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETI, 0, t, idx));
            }
            ExpKind::IndexStr { t, idx } => {
                self.freereg(t);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETFIELD, 0, t, idx));
            }
            ExpKind::Indexed { t, idx } => {
                self.freeregs(t, idx);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETTABLE, 0, t, idx));
            }
            ExpKind::Vararg(_) | ExpKind::Call(_) => self.setoneret(e),
            _ => {}
        }
    }
    pub(super) fn discharge2reg(&mut self, e: &mut ExpDesc, reg: i32) {
        self.dischargevars(e);
        match e.k.clone() {
            ExpKind::Nil => self.nil(reg, 1),
            ExpKind::False => {
                self.code_abc(OpCode::LOADFALSE, reg, 0, 0);
            }
            ExpKind::True => {
                self.code_abc(OpCode::LOADTRUE, reg, 0, 0);
            }
            ExpKind::KStr(s) => {
                let k = self.string_k(&s);
                self.codek(reg, k);
            }
            ExpKind::K(k) => {
                self.codek(reg, k);
            }
            ExpKind::KFlt(f) => self.code_float(reg, f),
            ExpKind::KInt(i) => self.code_int(reg, i),
            ExpKind::Reloc(pc) => set_a(self.instr(pc as usize), reg as u32),
            ExpKind::NonReloc(r) => {
                if reg != r {
                    self.code_abc(OpCode::MOVE, reg, r, 0);
                }
            }
            _ => return, // Jmp (or Void): nothing to do
        }
        e.k = ExpKind::NonReloc(reg);
    }
    pub(super) fn discharge2anyreg(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserveregs(1)?;
            let r = self.cur.freereg - 1;
            self.discharge2reg(e, r);
        }
        Ok(())
    }
    pub(super) fn code_loadbool(&mut self, a: i32, op: OpCode) -> i32 {
        self.getlabel();
        self.code_abc(op, a, 0, 0)
    }
    pub(super) fn exp2reg(&mut self, e: &mut ExpDesc, reg: i32) -> R<()> {
        self.discharge2reg(e, reg);
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat(&mut t, pc)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = NO_JUMP;
            let mut p_t = NO_JUMP;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump()
                };
                p_f = self.code_loadbool(reg, OpCode::LFALSESKIP);
                p_t = self.code_loadbool(reg, OpCode::LOADTRUE);
                self.patchtohere(fj)?;
            }
            let fin = self.getlabel();
            self.patchlistaux(e.f, fin, reg, p_f)?;
            self.patchlistaux(e.t, fin, reg, p_t)?;
        }
        e.f = NO_JUMP;
        e.t = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }
    pub fn exp2nextreg(&mut self, e: &mut ExpDesc) -> R<()> {
        self.dischargevars(e);
        self.freeexp(e);
        self.reserveregs(1)?;
        let r = self.cur.freereg - 1;
        self.exp2reg(e, r)
    }
    pub fn exp2anyreg(&mut self, e: &mut ExpDesc) -> R<i32> {
        self.dischargevars(e);
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r >= self.nvarstack() {
                self.exp2reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp2nextreg(e)?;
        Ok(e.reg())
    }
    pub fn exp2anyregup(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }
    pub fn exp2val(&mut self, e: &mut ExpDesc) -> R<()> {
        // 5.4.8 also materialises a bare comparison ("wrong code generation
        // for indices with comparisons", e.g. `up[1 < 2]`)
        let is_jmp = !super::COMPAT_5_4_4 && matches!(e.k, ExpKind::Jmp(_));
        if is_jmp || e.has_jumps() {
            self.exp2anyreg(e)?;
        } else {
            self.dischargevars(e);
        }
        Ok(())
    }
    pub(super) fn exp2k(&mut self, e: &mut ExpDesc) -> bool {
        if e.has_jumps() {
            return false;
        }
        let info = match e.k.clone() {
            ExpKind::True => self.bool_k(true),
            ExpKind::False => self.bool_k(false),
            ExpKind::Nil => self.nil_k(),
            ExpKind::KInt(i) => self.int_k(i),
            ExpKind::KFlt(f) => self.number_k(f),
            ExpKind::KStr(s) => self.string_k(&s),
            ExpKind::K(k) => k,
            _ => return false,
        };
        if info <= MAXINDEXRK {
            e.k = ExpKind::K(info);
            true
        } else {
            false
        }
    }
    /// Puts `e` in a register or makes it an RK constant; true if constant.
    pub(super) fn exp2rk(&mut self, e: &mut ExpDesc) -> R<bool> {
        if self.exp2k(e) {
            Ok(true)
        } else {
            self.exp2anyreg(e)?;
            Ok(false)
        }
    }
    pub(super) fn rk_value(e: &ExpDesc) -> i32 {
        match e.k {
            ExpKind::K(k) => k,
            ExpKind::NonReloc(r) => r,
            _ => 0,
        }
    }
    pub(super) fn code_abrk(&mut self, op: OpCode, a: i32, b: i32, ec: &mut ExpDesc) -> R<()> {
        let k = self.exp2rk(ec)?;
        let c = Self::rk_value(ec);
        self.code_abck(op, a, b, c, k);
        Ok(())
    }

    pub fn storevar(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> R<()> {
        match var.k {
            ExpKind::Local { ridx, .. } => {
                self.freeexp(ex);
                return self.exp2reg(ex, ridx);
            }
            ExpKind::Upval(idx) => {
                let e = self.exp2anyreg(ex)?;
                self.code_abc(OpCode::SETUPVAL, e, idx, 0);
            }
            ExpKind::IndexUp { t, idx } => self.code_abrk(OpCode::SETTABUP, t, idx, ex)?,
            ExpKind::IndexI { t, idx } => self.code_abrk(OpCode::SETI, t, idx, ex)?,
            ExpKind::IndexStr { t, idx } => self.code_abrk(OpCode::SETFIELD, t, idx, ex)?,
            ExpKind::Indexed { t, idx } => self.code_abrk(OpCode::SETTABLE, t, idx, ex)?,
            _ => {}
        }
        self.freeexp(ex);
        Ok(())
    }

    /// `e:key(...)` (`luaK_self`).
    pub fn code_self(&mut self, e: &mut ExpDesc, key: &mut ExpDesc) -> R<()> {
        self.exp2anyreg(e)?;
        let ereg = e.reg();
        self.freeexp(e);
        let base = self.cur.freereg;
        e.k = ExpKind::NonReloc(base);
        self.reserveregs(2)?;
        self.code_abrk(OpCode::SELF, base, ereg, key)?;
        self.freeexp(key);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Conditionals

    pub(super) fn negatecondition(&mut self, e: &ExpDesc) {
        let ci = self.getjumpcontrol(e.pc() as i32);
        let i = self.instr(ci);
        let k = get_k(*i);
        set_k(i, !k);
    }
    pub(super) fn jumponcond(&mut self, e: &mut ExpDesc, cond: bool) -> R<i32> {
        if let ExpKind::Reloc(pc) = e.k {
            let ie = self.cur.f.code[pc as usize];
            if get_op(ie) == OpCode::NOT {
                self.remove_last_instruction();
                return Ok(self.condjump(OpCode::TEST, get_b(ie) as i32, 0, 0, !cond));
            }
        }
        self.discharge2anyreg(e)?;
        self.freeexp(e);
        Ok(self.condjump(OpCode::TESTSET, NO_REG, e.reg(), 0, cond))
    }
    pub fn goiftrue(&mut self, e: &mut ExpDesc) -> R<()> {
        self.dischargevars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => {
                self.negatecondition(e);
                pc
            }
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => NO_JUMP,
            _ => self.jumponcond(e, false)?,
        };
        let mut f = e.f;
        self.concat(&mut f, pc)?;
        e.f = f;
        self.patchtohere(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }
    pub fn goiffalse(&mut self, e: &mut ExpDesc) -> R<()> {
        self.dischargevars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => pc,
            ExpKind::Nil | ExpKind::False => NO_JUMP,
            _ => self.jumponcond(e, true)?,
        };
        let mut t = e.t;
        self.concat(&mut t, pc)?;
        e.t = t;
        self.patchtohere(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }
    pub(super) fn codenot(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(_) => self.negatecondition(e),
            ExpKind::Reloc(_) | ExpKind::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.freeexp(e);
                let r = e.reg();
                e.k = ExpKind::Reloc(self.code_abc(OpCode::NOT, 0, r, 0));
            }
            _ => {}
        }
        std::mem::swap(&mut e.f, &mut e.t);
        self.removevalues(e.f);
        self.removevalues(e.t);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Indexing

    /// `t[k]` (`luaK_indexed`); `t` must be a local, register or upvalue.
    pub fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> R<()> {
        self.str2k(k);
        if matches!(t.k, ExpKind::Upval(_)) && !self.is_kstr(k) {
            self.exp2anyreg(t)?;
        }
        if let ExpKind::Upval(up) = t.k {
            let idx = if let ExpKind::K(i) = k.k { i } else { 0 };
            t.k = ExpKind::IndexUp { t: up, idx };
        } else {
            let tr = match t.k {
                ExpKind::Local { ridx, .. } => ridx,
                ExpKind::NonReloc(r) => r,
                _ => 0,
            };
            if self.is_kstr(k) {
                let idx = if let ExpKind::K(i) = k.k { i } else { 0 };
                t.k = ExpKind::IndexStr { t: tr, idx };
            } else if Self::is_cint(k) {
                let idx = if let ExpKind::KInt(i) = k.k {
                    i as i32
                } else {
                    0
                };
                t.k = ExpKind::IndexI { t: tr, idx };
            } else {
                let idx = self.exp2anyreg(k)?;
                t.k = ExpKind::Indexed { t: tr, idx };
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Tables and function end

    pub fn settablesize(&mut self, pc: usize, ra: i32, asize: i32, hsize: i32) {
        let rb = if hsize != 0 {
            super::number::ceil_log2(hsize as u32) + 1
        } else {
            0
        };
        let extra = (asize as u32) / (MAXARG_C + 1);
        let rc = (asize as u32) % (MAXARG_C + 1);
        let code = &mut self.cur.f.code;
        if pc + 1 < code.len() {
            code[pc] = create_abck(OpCode::NEWTABLE, ra as u32, rb, rc, extra > 0);
            code[pc + 1] = create_ax(OpCode::EXTRAARG, extra);
        }
    }

    pub fn setlist(&mut self, base: i32, nelems: i32, tostore: i32) {
        let tostore = if tostore == -1 { 0 } else { tostore };
        if nelems as u32 <= MAXARG_C {
            self.code_abc(OpCode::SETLIST, base, tostore, nelems);
        } else {
            let extra = nelems as u32 / (MAXARG_C + 1);
            let n = nelems as u32 % (MAXARG_C + 1);
            self.code_abck(OpCode::SETLIST, base, tostore, n as i32, true);
            self.code_extraarg(extra);
        }
        self.cur.freereg = base + 1;
    }

    pub(super) fn finaltarget(code: &[Instruction], mut i: usize) -> usize {
        for _ in 0..100 {
            match code.get(i) {
                Some(&pc) if get_op(pc) == OpCode::JMP => {
                    let t = i as i64 + get_sj(pc) as i64 + 1;
                    if t < 0 {
                        break;
                    }
                    i = t as usize;
                }
                _ => break,
            }
        }
        i
    }

    /// Final pass over the code (`luaK_finish`).
    pub fn finish(&mut self) -> R<()> {
        let needclose = self.cur.needclose;
        let is_vararg = self.cur.f.is_vararg;
        let np = self.cur.f.num_params as u32;
        for i in 0..self.cur.f.code.len() {
            let ins = self.cur.f.code[i];
            match get_op(ins) {
                OpCode::RETURN0 | OpCode::RETURN1 | OpCode::RETURN | OpCode::TAILCALL => {
                    let op = get_op(ins);
                    let pi = self.instr(i);
                    if matches!(op, OpCode::RETURN0 | OpCode::RETURN1) {
                        if !(needclose || is_vararg) {
                            continue;
                        }
                        set_op(pi, OpCode::RETURN);
                    }
                    if needclose {
                        set_k(pi, true);
                    }
                    if is_vararg {
                        set_c(pi, np + 1);
                    }
                }
                OpCode::JMP => {
                    let target = Self::finaltarget(&self.cur.f.code, i);
                    self.fixjump(i as i32, target as i32)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
