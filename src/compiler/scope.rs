//! Scopes (part of PUC's `lparser.c`): local variables, upvalue resolution
//! through enclosing functions, blocks, labels and gotos.

use super::code::*;
use super::lexer::LStr;
use super::parser::*;
use super::proto::{LocalVarInfo, UpvalueDesc};
use crate::opcodes::*;
use std::rc::Rc;

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------
    // Variables

    pub(super) fn levels(&self) -> usize {
        self.prev.len() + 1
    }
    pub(super) fn fs_at(&mut self, lvl: usize) -> &mut FuncState {
        if lvl < self.prev.len() {
            &mut self.prev[lvl]
        } else {
            &mut self.cur
        }
    }
    pub(super) fn fs_ref(&self, lvl: usize) -> &FuncState {
        if lvl < self.prev.len() {
            &self.prev[lvl]
        } else {
            &self.cur
        }
    }
    pub(super) fn vardesc(&mut self, vidx: i32) -> &mut VarDesc {
        let i = self.cur.firstlocal + vidx as usize;
        &mut self.actvar[i]
    }
    /// Register level (number of registers) of the first `nvar` variables.
    pub fn reglevel(&self, nvar: i32) -> i32 {
        let mut n = nvar;
        while n > 0 {
            n -= 1;
            if let Some(vd) = self.actvar.get(self.cur.firstlocal + n as usize) {
                if vd.kind != RDKCTC {
                    return vd.ridx + 1;
                }
            }
        }
        0
    }
    /// Number of registers used by active variables (`luaY_nvarstack`).
    pub fn nvarstack(&self) -> i32 {
        self.reglevel(self.cur.nactvar)
    }
    pub(super) fn new_localvar(&mut self, name: LStr) -> R<i32> {
        if self.actvar.len() + 1 - self.cur.firstlocal > MAXVARS {
            return Err(self.errorlimit(MAXVARS, "local variables"));
        }
        self.actvar.push(VarDesc {
            kind: VDKREG,
            ridx: 0,
            pidx: -1,
            name,
            k: None,
        });
        Ok((self.actvar.len() - 1 - self.cur.firstlocal) as i32)
    }
    pub(super) fn new_localvar_lit(&mut self, name: &[u8]) -> R<i32> {
        let name = self.lx.intern(name);
        self.new_localvar(name)
    }
    pub(super) fn registerlocalvar(&mut self, name: &LStr) -> R<i32> {
        if self.cur.f.local_vars.len() >= MAX_LOCVARS {
            return Err(growth_error("local variables", MAX_LOCVARS));
        }
        let pc = self.cur.pc() as u32;
        let lv = &mut self.cur.f.local_vars;
        lv.push(LocalVarInfo {
            name: name.clone(),
            start_pc: pc,
            end_pc: 0,
        });
        Ok(lv.len() as i32 - 1)
    }
    pub(super) fn adjustlocalvars(&mut self, nvars: i32) -> R<()> {
        let first_reg = self.nvarstack();
        for reg in first_reg..first_reg + nvars {
            let vidx = self.cur.nactvar;
            self.cur.nactvar += 1;
            let name = self.vardesc(vidx).name.clone();
            let pidx = self.registerlocalvar(&name)?;
            let vd = self.vardesc(vidx);
            vd.ridx = reg;
            vd.pidx = pidx;
        }
        Ok(())
    }

    /// Ends the scope of the variables above `tolevel` (debug ranges). Like PUC,
    /// the descriptors stay readable (for `reglevel` on pending gotos) until the
    /// caller drops them with `actvar.truncate`; returns how many there were.
    pub(super) fn removevars(&mut self, tolevel: i32) -> usize {
        let n = (self.cur.nactvar - tolevel).max(0) as usize;
        let pc = self.cur.pc() as u32;
        while self.cur.nactvar > tolevel {
            self.cur.nactvar -= 1;
            let vd = &self.actvar[self.cur.firstlocal + self.cur.nactvar as usize];
            if vd.kind != RDKCTC {
                if let Some(lv) = self.cur.f.local_vars.get_mut(vd.pidx as usize) {
                    lv.end_pc = pc;
                }
            }
        }
        n
    }
    pub(super) fn searchupvalue(&self, lvl: usize, name: &LStr) -> Option<i32> {
        self.fs_ref(lvl)
            .f
            .upvalues
            .iter()
            .position(|u| u.name.as_deref() == Some(&name[..]))
            .map(|i| i as i32)
    }
    pub(super) fn newupvalue(&mut self, lvl: usize, name: &LStr, v: &ExpDesc) -> R<i32> {
        if self.fs_ref(lvl).f.upvalues.len() + 1 > MAXUPVAL {
            // PUC reports the limit for the function getting the upvalue
            let line = self.fs_ref(lvl).f.line_defined;
            let where_ = if line == 0 {
                "main function".to_string()
            } else {
                format!("function at line {}", line)
            };
            return Err(self.error(&format!(
                "too many upvalues (limit is {}) in {}",
                MAXUPVAL, where_
            )));
        }
        let (in_stack, index, kind) = match v.k {
            ExpKind::Local { ridx, vidx } => {
                let pfs = self.fs_ref(lvl - 1);
                let kind = self.actvar[pfs.firstlocal + vidx as usize].kind;
                (true, ridx, kind)
            }
            ExpKind::Upval(i) => {
                let kind = self
                    .fs_ref(lvl - 1)
                    .f
                    .upvalues
                    .get(i as usize)
                    .map(|u| u.kind)
                    .unwrap_or(0);
                (false, i, kind)
            }
            _ => (false, 0, 0),
        };
        let ups = &mut self.fs_at(lvl).f.upvalues;
        ups.push(UpvalueDesc {
            name: Some(name.clone()),
            in_stack,
            index: index as u8,
            kind,
        });
        Ok(ups.len() as i32 - 1)
    }
    pub(super) fn searchvar(&self, lvl: usize, name: &LStr) -> Option<ExpDesc> {
        let fs = self.fs_ref(lvl);
        for i in (0..fs.nactvar).rev() {
            let abs = fs.firstlocal + i as usize;
            let vd = &self.actvar[abs];
            // Every name is interned by the lexer (`intern_name`, `intern`):
            // equal names are one string, so the address decides.
            if Rc::ptr_eq(&vd.name, name) {
                return Some(if vd.kind == RDKCTC {
                    ExpDesc::new(ExpKind::Const(abs as i32))
                } else {
                    ExpDesc::new(ExpKind::Local {
                        ridx: vd.ridx,
                        vidx: i,
                    })
                });
            }
        }
        None
    }
    pub(super) fn markupval(&mut self, lvl: usize, level: i32) {
        let fs = self.fs_at(lvl);
        let n = fs.blocks.len();
        let mut i = n;
        while i > 1 && fs.blocks[i - 1].nactvar > level {
            i -= 1;
        }
        if i > 0 {
            fs.blocks[i - 1].upval = true;
        }
        fs.needclose = true;
    }
    pub(super) fn marktobeclosed(&mut self) {
        if let Some(bl) = self.cur.blocks.last_mut() {
            bl.upval = true;
            bl.insidetbc = true;
        }
        self.cur.needclose = true;
    }
    pub(super) fn singlevaraux(&mut self, lvl: usize, name: &LStr, base: bool) -> R<ExpDesc> {
        if let Some(v) = self.searchvar(lvl, name) {
            if let ExpKind::Local { vidx, .. } = v.k {
                if !base {
                    self.markupval(lvl, vidx);
                }
            }
            return Ok(v);
        }
        let idx = match self.searchupvalue(lvl, name) {
            Some(i) => i,
            None => {
                if lvl == 0 {
                    return Ok(ExpDesc::void());
                }
                let v = self.singlevaraux(lvl - 1, name, false)?;
                match v.k {
                    ExpKind::Local { .. } | ExpKind::Upval(_) => self.newupvalue(lvl, name, &v)?,
                    _ => return Ok(v),
                }
            }
        };
        Ok(ExpDesc::new(ExpKind::Upval(idx)))
    }
    pub(super) fn singlevar(&mut self) -> R<ExpDesc> {
        let name = self.str_checkname()?;
        let top = self.levels() - 1;
        let mut var = self.singlevaraux(top, &name, true)?;
        if var.k == ExpKind::Void {
            let envn = self.envn.clone();
            var = self.singlevaraux(top, &envn, true)?;
            self.exp2anyregup(&mut var)?;
            let mut key = ExpDesc::new(ExpKind::KStr(name));
            self.indexed(&mut var, &mut key)?;
        }
        Ok(var)
    }
    pub(super) fn check_readonly(&self, e: &ExpDesc) -> R<()> {
        let varname: Option<Vec<u8>> = match e.k {
            ExpKind::Const(i) => self.actvar.get(i as usize).map(|v| v.name.to_vec()),
            ExpKind::Local { vidx, .. } => {
                let vd = &self.actvar[self.cur.firstlocal + vidx as usize];
                if vd.kind != VDKREG {
                    Some(vd.name.to_vec())
                } else {
                    None
                }
            }
            ExpKind::Upval(i) => match self.cur.f.upvalues.get(i as usize) {
                Some(u) if u.kind != VDKREG => u.name.as_deref().map(<[u8]>::to_vec),
                _ => None,
            },
            _ => None,
        };
        if let Some(n) = varname {
            let mut m = b"attempt to assign to const variable '".to_vec();
            m.extend_from_slice(&n);
            m.push(b'\'');
            return Err(self.semerror(&m));
        }
        Ok(())
    }
    pub(super) fn adjust_assign(&mut self, nvars: i32, nexps: i32, e: &mut ExpDesc) -> R<()> {
        let needed = nvars - nexps;
        if e.is_multret() {
            let extra = (needed + 1).max(0);
            self.setreturns(e, extra)?;
        } else {
            if e.k != ExpKind::Void {
                self.exp2nextreg(e)?;
            }
            if needed > 0 {
                let fr = self.cur.freereg;
                self.nil(fr, needed);
            }
        }
        if needed > 0 {
            self.reserveregs(needed)?;
        } else {
            self.cur.freereg += needed;
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Labels, gotos and blocks

    pub(super) fn jumpscopeerror(&self, gt: &LabelDesc) -> Vec<u8> {
        let vname = self
            .actvar
            .get(self.cur.firstlocal + gt.nactvar as usize)
            .map(|v| v.name.to_vec())
            .unwrap_or_default();
        let mut m = b"<goto ".to_vec();
        m.extend_from_slice(&gt.name);
        m.extend_from_slice(
            format!("> at line {} jumps into the scope of local '", gt.line).as_bytes(),
        );
        m.extend_from_slice(&vname);
        m.push(b'\'');
        self.semerror(&m)
    }
    pub(super) fn solvegoto(&mut self, g: usize, lb: &LabelDesc) -> R<()> {
        let gt = self.gt[g].clone();
        if gt.nactvar < lb.nactvar {
            return Err(self.jumpscopeerror(&gt));
        }
        self.patchlist(gt.pc, lb.pc)?;
        self.gt.remove(g);
        Ok(())
    }
    pub(super) fn findlabel(&self, name: &LStr) -> Option<LabelDesc> {
        self.label[self.cur.firstlabel.min(self.label.len())..]
            .iter()
            .find(|l| l.name == *name)
            .cloned()
    }
    pub(super) fn newlabelentry(
        list: &mut Vec<LabelDesc>,
        name: LStr,
        line: u32,
        pc: i32,
        nactvar: i32,
    ) -> R<usize> {
        if list.len() >= MAX_LABELS {
            return Err(growth_error("labels/gotos", MAX_LABELS));
        }
        list.push(LabelDesc {
            name,
            pc,
            line,
            nactvar,
            close: false,
        });
        Ok(list.len() - 1)
    }
    pub(super) fn newgotoentry(&mut self, name: LStr, line: u32, pc: i32) -> R<()> {
        let nact = self.cur.nactvar;
        Self::newlabelentry(&mut self.gt, name, line, pc, nact)?;
        Ok(())
    }
    pub(super) fn solvegotos(&mut self, lb: &LabelDesc) -> R<bool> {
        let mut i = self.cur.blocks.last().map(|b| b.firstgoto).unwrap_or(0);
        let mut needsclose = false;
        while i < self.gt.len() {
            if self.gt[i].name == lb.name {
                needsclose |= self.gt[i].close;
                self.solvegoto(i, lb)?;
            } else {
                i += 1;
            }
        }
        Ok(needsclose)
    }
    pub(super) fn createlabel(&mut self, name: LStr, line: u32, last: bool) -> R<bool> {
        let pc = self.getlabel();
        let mut nact = self.cur.nactvar;
        if last {
            nact = self.cur.blocks.last().map(|b| b.nactvar).unwrap_or(0);
        }
        let l = Self::newlabelentry(&mut self.label, name, line, pc, nact)?;
        let lb = self.label[l].clone();
        if self.solvegotos(&lb)? {
            let lvl = self.nvarstack();
            self.code_abc(OpCode::CLOSE, lvl, 0, 0);
            return Ok(true);
        }
        Ok(false)
    }
    pub(super) fn movegotosout(&mut self, bl: &BlockCnt) {
        let outer = self.reglevel(bl.nactvar);
        for i in bl.firstgoto..self.gt.len() {
            if self.reglevel(self.gt[i].nactvar) > outer {
                self.gt[i].close |= bl.upval;
            }
            self.gt[i].nactvar = bl.nactvar;
        }
    }
    pub(super) fn enterblock(&mut self, isloop: bool) {
        let insidetbc = self.cur.blocks.last().map(|b| b.insidetbc).unwrap_or(false);
        let bl = BlockCnt {
            firstlabel: self.label.len(),
            firstgoto: self.gt.len(),
            nactvar: self.cur.nactvar,
            upval: false,
            isloop,
            insidetbc,
        };
        self.cur.blocks.push(bl);
    }
    #[cold]
    #[inline(never)]
    pub(super) fn undefgoto(&self, gt: &LabelDesc) -> Vec<u8> {
        let m = if gt.name == self.break_name {
            format!("break outside loop at line {}", gt.line).into_bytes()
        } else {
            let mut m = b"no visible label '".to_vec();
            m.extend_from_slice(&gt.name);
            m.extend_from_slice(format!("' for <goto> at line {}", gt.line).as_bytes());
            m
        };
        self.semerror(&m)
    }
    pub(super) fn leaveblock(&mut self) -> R<()> {
        let bl = match self.cur.blocks.last() {
            Some(b) => b.clone(),
            None => return Ok(()),
        };
        let mut hasclose = false;
        let stklevel = self.reglevel(bl.nactvar);
        let has_previous = self.cur.blocks.len() > 1;
        let mut removed = 0;
        if !super::COMPAT_5_4_4 {
            removed = self.removevars(bl.nactvar);
        }
        if bl.isloop {
            let bn = self.break_name.clone();
            hasclose = self.createlabel(bn, 0, false)?;
        }
        if !hasclose && has_previous && bl.upval {
            self.code_abc(OpCode::CLOSE, stklevel, 0, 0);
        }
        if super::COMPAT_5_4_4 {
            removed = self.removevars(bl.nactvar);
        }
        self.cur.freereg = stklevel;
        self.label.truncate(bl.firstlabel);
        let bl = self.cur.blocks.pop().unwrap_or(bl);
        if has_previous {
            self.movegotosout(&bl);
        }
        let len = self.actvar.len().saturating_sub(removed);
        self.actvar.truncate(len);
        if !has_previous && bl.firstgoto < self.gt.len() {
            let g = self.gt[bl.firstgoto].clone();
            return Err(self.undefgoto(&g));
        }
        Ok(())
    }
}
