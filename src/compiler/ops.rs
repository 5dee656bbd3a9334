//! Operators (part of PUC's `lcode.c`): constant folding and code for unary,
//! arithmetic, bitwise, comparison and concatenation operators, using the
//! immediate (`*I`) and constant (`*K`) instruction forms where possible.

use super::code::*;
use super::number::{raw_arith, ArithOp, Number};
use super::parser::{Parser, R};
use crate::opcodes::*;

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------
    // Operators

    pub(super) fn constfolding(&mut self, op: ArithOp, e1: &mut ExpDesc, e2: &ExpDesc) -> bool {
        let (v1, v2) = match (e1.numeral(), e2.numeral()) {
            (Some(a), Some(b)) => (a, b),
            _ => return false,
        };
        // validop
        let valid = match op {
            ArithOp::BAnd
            | ArithOp::BOr
            | ArithOp::BXor
            | ArithOp::Shl
            | ArithOp::Shr
            | ArithOp::BNot => {
                super::number::number_to_int_exact(v1).is_some()
                    && super::number::number_to_int_exact(v2).is_some()
            }
            ArithOp::Div | ArithOp::IDiv | ArithOp::Mod => v2.to_f64() != 0.0,
            _ => true,
        };
        if !valid {
            return false;
        }
        match raw_arith(op, v1, v2) {
            Some(Number::Int(i)) => {
                e1.k = ExpKind::KInt(i);
                true
            }
            Some(Number::Float(n)) => {
                if n.is_nan() || n == 0.0 {
                    return false;
                }
                e1.k = ExpKind::KFlt(n);
                true
            }
            None => false,
        }
    }

    pub(super) fn codeunexpval(&mut self, op: OpCode, e: &mut ExpDesc, line: u32) -> R<()> {
        let r = self.exp2anyreg(e)?;
        self.freeexp(e);
        e.k = ExpKind::Reloc(self.code_abc(op, 0, r, 0));
        self.fixline(line);
        Ok(())
    }

    pub fn prefix(&mut self, op: UnOpr, e: &mut ExpDesc, line: u32) -> R<()> {
        self.dischargevars(e);
        let ef = ExpDesc::new(ExpKind::KInt(0));
        match op {
            UnOpr::Minus | UnOpr::BNot => {
                let aop = if op == UnOpr::Minus {
                    ArithOp::Unm
                } else {
                    ArithOp::BNot
                };
                if self.constfolding(aop, e, &ef) {
                    return Ok(());
                }
                let opc = if op == UnOpr::Minus {
                    OpCode::UNM
                } else {
                    OpCode::BNOT
                };
                self.codeunexpval(opc, e, line)
            }
            UnOpr::Len => self.codeunexpval(OpCode::LEN, e, line),
            UnOpr::Not => self.codenot(e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn finishbinexpval(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        op: OpCode,
        v2: i32,
        flip: bool,
        line: u32,
        mmop: OpCode,
        event: u32,
    ) -> R<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.code_abck(op, 0, v1, v2, false);
        self.freeexps(e1, e2);
        e1.k = ExpKind::Reloc(pc);
        self.fixline(line);
        self.code_abck(mmop, v1, v2, event as i32, flip);
        self.fixline(line);
        Ok(())
    }

    pub(super) fn codebinexpval(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let op = op_at(OpCode::ADD, opr.index());
        let v2 = self.exp2anyreg(e2)?;
        self.finishbinexpval(
            e1,
            e2,
            op,
            v2,
            false,
            line,
            OpCode::MMBIN,
            TM_ADD + opr.index() as u32,
        )
    }

    pub(super) fn codebini(
        &mut self,
        op: OpCode,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        flip: bool,
        line: u32,
        event: u32,
    ) -> R<()> {
        let i = if let ExpKind::KInt(i) = e2.k { i } else { 0 };
        let v2 = int_to_sc(i as i32) as i32;
        self.finishbinexpval(e1, e2, op, v2, flip, line, OpCode::MMBINI, event)
    }

    pub(super) fn codebink(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        let event = TM_ADD + opr.index() as u32;
        let v2 = if let ExpKind::K(k) = e2.k { k } else { 0 };
        let op = op_at(OpCode::ADDK, opr.index());
        self.finishbinexpval(e1, e2, op, v2, flip, line, OpCode::MMBINK, event)
    }

    pub(super) fn finishbinexpneg(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        op: OpCode,
        line: u32,
        event: u32,
    ) -> R<bool> {
        if !Self::is_kint(e2) {
            return Ok(false);
        }
        let i2 = if let ExpKind::KInt(i) = e2.k { i } else { 0 };
        if !(fits_sc(i2) && fits_sc(i2.wrapping_neg())) {
            return Ok(false);
        }
        let v2 = i2 as i32;
        self.finishbinexpval(
            e1,
            e2,
            op,
            int_to_sc(-v2) as i32,
            false,
            line,
            OpCode::MMBINI,
            event,
        )?;
        let last = self.cur.f.code.len() - 1;
        set_b(self.instr(last), int_to_sc(v2));
        Ok(true)
    }

    pub(super) fn codebinnok(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if flip {
            std::mem::swap(e1, e2);
        }
        self.codebinexpval(opr, e1, e2, line)
    }

    pub(super) fn codearith(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if e2.is_numeral() && self.exp2k(e2) {
            self.codebink(opr, e1, e2, flip, line)
        } else {
            self.codebinnok(opr, e1, e2, flip, line)
        }
    }

    pub(super) fn codecommutative(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let mut flip = false;
        if e1.is_numeral() {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if opr == BinOpr::Add && Self::is_scint(e2) {
            self.codebini(OpCode::ADDI, e1, e2, flip, line, TM_ADD)
        } else {
            self.codearith(opr, e1, e2, flip, line)
        }
    }

    /// Bitwise operators; they are commutative, so an integer constant is put
    /// as the second (K) operand when possible.
    pub(super) fn codebitwise(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        if super::COMPAT_5_4_4 {
            let mut flip = false;
            if matches!(e1.k, ExpKind::KInt(_)) && self.exp2rk(e1)? {
                std::mem::swap(e1, e2);
                flip = true;
            } else if !(matches!(e2.k, ExpKind::KInt(_)) && self.exp2rk(e2)?) {
                return self.codebinexpval(opr, e1, e2, line);
            }
            return self.codebink(opr, e1, e2, flip, line);
        }
        let mut flip = false;
        if matches!(e1.k, ExpKind::KInt(_)) {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if matches!(e2.k, ExpKind::KInt(_)) && self.exp2k(e2) {
            self.codebink(opr, e1, e2, flip, line)
        } else {
            self.codebinnok(opr, e1, e2, flip, line)
        }
    }

    pub(super) fn codeorder(&mut self, op0: OpCode, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        let (r1, r2, op, isfloat);
        if let Some((im, fl)) = Self::is_scnumber(e2) {
            r1 = self.exp2anyreg(e1)?;
            r2 = im;
            op = op_at(OpCode::LTI, op0 as usize - OpCode::LT as usize);
            isfloat = fl;
        } else if let Some((im, fl)) = Self::is_scnumber(e1) {
            r1 = self.exp2anyreg(e2)?;
            r2 = im;
            op = if op0 == OpCode::LT {
                OpCode::GTI
            } else {
                OpCode::GEI
            };
            isfloat = fl;
        } else {
            r1 = self.exp2anyreg(e1)?;
            r2 = self.exp2anyreg(e2)?;
            isfloat = false;
            op = op0;
        }
        self.freeexps(e1, e2);
        e1.k = ExpKind::Jmp(self.condjump(op, r1, r2, isfloat as i32, true));
        Ok(())
    }

    pub(super) fn codeeq(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        if !matches!(e1.k, ExpKind::NonReloc(_)) {
            std::mem::swap(e1, e2);
        }
        let r1 = self.exp2anyreg(e1)?;
        let (op, r2, isfloat);
        if let Some((im, fl)) = Self::is_scnumber(e2) {
            op = OpCode::EQI;
            r2 = im;
            isfloat = fl;
        } else if self.exp2rk(e2)? {
            op = OpCode::EQK;
            r2 = Self::rk_value(e2);
            isfloat = false;
        } else {
            op = OpCode::EQ;
            r2 = self.exp2anyreg(e2)?;
            isfloat = false;
        }
        self.freeexps(e1, e2);
        e1.k = ExpKind::Jmp(self.condjump(op, r1, r2, isfloat as i32, opr == BinOpr::Eq));
        Ok(())
    }

    pub fn infix(&mut self, op: BinOpr, v: &mut ExpDesc) -> R<()> {
        self.dischargevars(v);
        match op {
            BinOpr::And => self.goiftrue(v)?,
            BinOpr::Or => self.goiffalse(v)?,
            BinOpr::Concat => self.exp2nextreg(v)?,
            BinOpr::Eq | BinOpr::Ne => {
                if !v.is_numeral() {
                    self.exp2rk(v)?;
                }
            }
            BinOpr::Lt | BinOpr::Le | BinOpr::Gt | BinOpr::Ge => {
                if Self::is_scnumber(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
            _ => {
                if !v.is_numeral() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn codeconcat(&mut self, e1: &mut ExpDesc, e2: &ExpDesc, line: u32) {
        let prev_concat = self.cur.pc() > self.cur.lasttarget
            && self
                .cur
                .f
                .code
                .last()
                .map(|&i| get_op(i) == OpCode::CONCAT)
                .unwrap_or(false);
        if prev_concat {
            let last = self.cur.f.code.len() - 1;
            let n = get_b(self.cur.f.code[last]);
            self.freeexp(e2);
            let r = e1.reg() as u32;
            let i = self.instr(last);
            set_a(i, r);
            set_b(i, n + 1);
        } else {
            let r = e1.reg();
            self.code_abc(OpCode::CONCAT, r, 2, 0);
            self.freeexp(e2);
            self.fixline(line);
        }
    }

    pub fn posfix(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) -> R<()> {
        self.dischargevars(e2);
        if let Some(aop) = opr.arith() {
            if self.constfolding(aop, e1, e2) {
                return Ok(());
            }
        }
        match opr {
            BinOpr::And => {
                let mut f = e2.f;
                self.concat(&mut f, e1.f)?;
                e2.f = f;
                *e1 = e2.clone();
            }
            BinOpr::Or => {
                let mut t = e2.t;
                self.concat(&mut t, e1.t)?;
                e2.t = t;
                *e1 = e2.clone();
            }
            BinOpr::Concat => {
                self.exp2nextreg(e2)?;
                self.codeconcat(e1, e2, line);
            }
            BinOpr::Add | BinOpr::Mul => self.codecommutative(opr, e1, e2, line)?,
            BinOpr::Sub => {
                if !self.finishbinexpneg(e1, e2, OpCode::ADDI, line, TM_ADD + 1)? {
                    self.codearith(opr, e1, e2, false, line)?;
                }
            }
            BinOpr::Div | BinOpr::IDiv | BinOpr::Mod | BinOpr::Pow => {
                self.codearith(opr, e1, e2, false, line)?
            }
            BinOpr::BAnd | BinOpr::BOr | BinOpr::BXor => self.codebitwise(opr, e1, e2, line)?,
            BinOpr::Shl => {
                if Self::is_scint(e1) {
                    std::mem::swap(e1, e2);
                    self.codebini(OpCode::SHLI, e1, e2, true, line, TM_SHL)?;
                } else if self.finishbinexpneg(e1, e2, OpCode::SHRI, line, TM_SHL)? {
                    // coded as (r1 >> -I)
                } else {
                    self.codebinexpval(opr, e1, e2, line)?;
                }
            }
            BinOpr::Shr => {
                if Self::is_scint(e2) {
                    self.codebini(OpCode::SHRI, e1, e2, false, line, TM_SHR)?;
                } else {
                    self.codebinexpval(opr, e1, e2, line)?;
                }
            }
            BinOpr::Eq | BinOpr::Ne => self.codeeq(opr, e1, e2)?,
            BinOpr::Lt | BinOpr::Le => {
                let op = if opr == BinOpr::Lt {
                    OpCode::LT
                } else {
                    OpCode::LE
                };
                self.codeorder(op, e1, e2)?;
            }
            BinOpr::Gt | BinOpr::Ge => {
                let op = if opr == BinOpr::Gt {
                    OpCode::LT
                } else {
                    OpCode::LE
                };
                std::mem::swap(e1, e2);
                self.codeorder(op, e1, e2)?;
            }
        }
        Ok(())
    }
}
