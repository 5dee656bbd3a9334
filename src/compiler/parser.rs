//! The parser (PUC's `lparser.c`): recursive descent over the token stream,
//! generating code as it goes through the methods in `code.rs`.

use super::code::*;
use super::lexer::{token_to_str, LStr, Lexer, SemInfo, Tok};
use super::line_info::LineInfo;
use super::proto::{Constant, FunctionProto, LocalVarInfo, UpvalueDesc};
use crate::compiler::fast_hash::FastMap;
use crate::opcodes::*;
use std::rc::Rc;

/// Results carry complete error messages as raw bytes (they may quote
/// source text that is not UTF-8).
pub type R<T> = Result<T, Vec<u8>>;

/// Maximum number of local variables per function (`MAXVARS`).
pub(super) const MAXVARS: usize = 200;
/// Maximum number of upvalues per function (`MAXUPVAL`).
pub(super) const MAXUPVAL: usize = 255;
/// Array limits of PUC's `luaM_growvector` calls (SHRT_MAX).
pub(super) const MAX_LOCVARS: usize = 32767;
pub(super) const MAX_LABELS: usize = 32767;

/// The error of a PUC array that cannot grow (`luaM_growaux_`): a runtime
/// error raised inside `load`, so it carries no position.
#[cold]
#[inline(never)]
pub fn growth_error(what: &str, limit: usize) -> Vec<u8> {
    format!("too many {} (limit is {})", what, limit).into_bytes()
}

/// An active (or pending) local variable (PUC's `Vardesc`).
#[derive(Clone, Debug)]
pub struct VarDesc {
    pub kind: u8,
    pub ridx: i32,
    pub pidx: i32,
    pub name: LStr,
    /// Value of a compile-time constant.
    pub k: Option<ConstVal>,
}

/// A label or a pending goto (PUC's `Labeldesc`).
#[derive(Clone, Debug)]
pub struct LabelDesc {
    pub name: LStr,
    pub pc: i32,
    pub line: u32,
    pub nactvar: i32,
    pub close: bool,
}

pub struct Parser<'a> {
    pub lx: Lexer<'a>,
    /// The function being compiled.
    pub cur: FuncState,
    /// Enclosing functions, outermost first.
    pub prev: Vec<FuncState>,
    pub actvar: Vec<VarDesc>,
    pub gt: Vec<LabelDesc>,
    pub label: Vec<LabelDesc>,
    /// Constant cache shared by all functions (PUC's scanner table `ls->h`).
    pub kcache: FastMap<KKey, KEntry>,
    /// Set when a function exceeds the constant-table limit.
    pub k_overflow: bool,
    ccalls: u32,
    /// `source` of nested functions (see `nested_source`).
    nested_source: LStr,
    pub(super) envn: LStr,
    pub(super) break_name: LStr,
    /// The name of a `for` loop's hidden control variables.
    pub(super) for_state_name: LStr,
    /// Targets of the assignment being parsed (kept between statements so
    /// that an assignment allocates nothing).
    assign_targets: Vec<ExpDesc>,
    /// Buffers of closed functions, for the next functions opened.
    spare_buffers: Vec<FunctionBuffers>,
}

/// The growable arrays of a function being compiled. A closed function keeps
/// exactly sized copies and leaves these buffers, with their capacity, to the
/// next function opened: its arrays then rarely grow, and none is shrunk.
#[derive(Default)]
struct FunctionBuffers {
    code: Vec<u32>,
    lines: Vec<u32>,
    constants: Vec<Constant>,
    upvalues: Vec<UpvalueDesc>,
    local_vars: Vec<LocalVarInfo>,
    protos: Vec<FunctionProto>,
    blocks: Vec<BlockCnt>,
}

impl FunctionBuffers {
    /// Gives the (empty) buffers to a function being opened.
    fn lend_to(self, fs: &mut FuncState) {
        let f = &mut fs.f;
        f.code = self.code;
        fs.lines = self.lines;
        f.constants = self.constants;
        f.upvalues = self.upvalues;
        f.local_vars = self.local_vars;
        f.protos = self.protos;
        fs.blocks = self.blocks;
    }

    /// Takes back a closed function's buffers, leaving it exact copies.
    fn take_from(fs: &mut FuncState) -> FunctionBuffers {
        fn exact<T>(f_vec: &mut Vec<T>) -> Vec<T> {
            let mut buffer = std::mem::take(f_vec);
            let mut exact = Vec::with_capacity(buffer.len());
            exact.append(&mut buffer);
            *f_vec = exact;
            buffer
        }
        let f = &mut fs.f;
        f.line_info = LineInfo::from_lines(&fs.lines, f.line_defined);
        fs.lines.clear();
        FunctionBuffers {
            code: exact(&mut f.code),
            lines: std::mem::take(&mut fs.lines),
            constants: exact(&mut f.constants),
            upvalues: exact(&mut f.upvalues),
            local_vars: exact(&mut f.local_vars),
            protos: exact(&mut f.protos),
            blocks: std::mem::take(&mut fs.blocks),
        }
    }
}

/// The `source` recorded in nested functions. PUC shares one string; here each
/// proto owns a copy, and for `load(text)` the chunk name is the whole text, so
/// long text chunk names are cut to a prefix with the same `chunk_id` (error
/// positions are unchanged; only `debug.getinfo(f).source` of nested functions
/// is shortened). File ("@...") and literal ("=...") names are kept whole.
pub fn nested_source(chunkname: &[u8]) -> Vec<u8> {
    const KEEP: usize = 64;
    if chunkname.len() <= KEEP || matches!(chunkname.first(), Some(b'@') | Some(b'=')) {
        return chunkname.to_vec();
    }
    let end = match chunkname.iter().position(|&c| c == b'\n') {
        Some(nl) if nl < KEEP => nl + 1,
        _ => KEEP,
    };
    chunkname[..end].to_vec()
}

/// Compiles a main chunk.
///
/// Every function's `source` is `nested_source(chunkname)`: whoever needs
/// the whole name has it (the loader gives `chunkname` itself to the Lua
/// prototype), and a text chunk named by its own text is not copied again.
pub fn parse(src: &[u8], chunkname: &[u8], ccalls: u32) -> R<FunctionProto> {
    let source: LStr = nested_source(chunkname).into();
    let main = FunctionProto::new(source.clone(), 0);
    let mut lx = Lexer::new(src, chunkname);
    let envn = lx.intern(b"_ENV");
    let break_name = lx.intern(b"break");
    let for_state_name = lx.intern(b"(for state)");
    let mut p = Parser {
        lx,
        cur: FuncState::new(main, 0, 0),
        prev: Vec::new(),
        actvar: Vec::new(),
        gt: Vec::new(),
        label: Vec::new(),
        // Holds the constants of the open functions only (see `KEntry`).
        kcache: FastMap::with_capacity_and_hasher(256, Default::default()),
        k_overflow: false,
        ccalls,
        nested_source: source,
        envn,
        break_name,
        for_state_name,
        assign_targets: Vec::new(),
        spare_buffers: Vec::new(),
    };
    p.mainfunc()?;
    Ok(p.cur.f)
}

fn getunopr(t: Tok) -> Option<UnOpr> {
    match t {
        Tok::Not => Some(UnOpr::Not),
        Tok::Char(b'-') => Some(UnOpr::Minus),
        Tok::Char(b'~') => Some(UnOpr::BNot),
        Tok::Char(b'#') => Some(UnOpr::Len),
        _ => None,
    }
}

fn getbinopr(t: Tok) -> Option<BinOpr> {
    Some(match t {
        Tok::Char(b'+') => BinOpr::Add,
        Tok::Char(b'-') => BinOpr::Sub,
        Tok::Char(b'*') => BinOpr::Mul,
        Tok::Char(b'%') => BinOpr::Mod,
        Tok::Char(b'^') => BinOpr::Pow,
        Tok::Char(b'/') => BinOpr::Div,
        Tok::IDiv => BinOpr::IDiv,
        Tok::Char(b'&') => BinOpr::BAnd,
        Tok::Char(b'|') => BinOpr::BOr,
        Tok::Char(b'~') => BinOpr::BXor,
        Tok::Shl => BinOpr::Shl,
        Tok::Shr => BinOpr::Shr,
        Tok::Concat => BinOpr::Concat,
        Tok::Ne => BinOpr::Ne,
        Tok::Eq => BinOpr::Eq,
        Tok::Char(b'<') => BinOpr::Lt,
        Tok::Le => BinOpr::Le,
        Tok::Char(b'>') => BinOpr::Gt,
        Tok::Ge => BinOpr::Ge,
        Tok::And => BinOpr::And,
        Tok::Or => BinOpr::Or,
        _ => return None,
    })
}

/// (left, right) priorities of binary operators.
fn priority(op: BinOpr) -> (u8, u8) {
    match op {
        BinOpr::Add | BinOpr::Sub => (10, 10),
        BinOpr::Mul | BinOpr::Mod | BinOpr::Div | BinOpr::IDiv => (11, 11),
        BinOpr::Pow => (14, 13),
        BinOpr::BAnd => (6, 6),
        BinOpr::BOr => (4, 4),
        BinOpr::BXor => (5, 5),
        BinOpr::Shl | BinOpr::Shr => (7, 7),
        BinOpr::Concat => (9, 8),
        BinOpr::Eq | BinOpr::Lt | BinOpr::Le | BinOpr::Ne | BinOpr::Gt | BinOpr::Ge => (3, 3),
        BinOpr::And => (2, 2),
        BinOpr::Or => (1, 1),
    }
}
pub(super) const UNARY_PRIORITY: u8 = 12;

pub(super) struct ConsControl {
    v: ExpDesc,
    t: ExpDesc,
    nh: i32,
    na: i32,
    tostore: i32,
}

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------
    // Errors and token helpers

    pub(super) fn tok(&self) -> Tok {
        self.lx.t.tok
    }
    #[cold]
    #[inline(never)]
    pub(super) fn error(&self, msg: &str) -> Vec<u8> {
        self.lx.syntax_error(msg)
    }
    /// Error without "near" (`luaK_semerror`; 5.4.4 reports the current line).
    pub(super) fn semerror(&self, msg: &[u8]) -> Vec<u8> {
        self.lx.error_near(msg, None)
    }
    #[cold]
    #[inline(never)]
    pub(super) fn error_expected(&self, t: Tok) -> Vec<u8> {
        let mut m = token_to_str(t);
        m.extend_from_slice(b" expected");
        self.lx.error_near(&m, Some(self.tok()))
    }
    #[cold]
    #[inline(never)]
    pub(super) fn errorlimit(&self, limit: usize, what: &str) -> Vec<u8> {
        let line = self.cur.f.line_defined;
        let where_ = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {}", line)
        };
        self.error(&format!(
            "too many {} (limit is {}) in {}",
            what, limit, where_
        ))
    }
    pub(super) fn testnext(&mut self, t: Tok) -> R<bool> {
        if self.tok() == t {
            self.lx.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
    pub(super) fn check(&self, t: Tok) -> R<()> {
        if self.tok() != t {
            return Err(self.error_expected(t));
        }
        Ok(())
    }
    pub(super) fn checknext(&mut self, t: Tok) -> R<()> {
        self.check(t)?;
        self.lx.next()
    }
    pub(super) fn check_match(&mut self, what: Tok, who: Tok, line: u32) -> R<()> {
        if !self.testnext(what)? {
            if line == self.lx.linenumber {
                return Err(self.error_expected(what));
            }
            let mut m = token_to_str(what);
            m.extend_from_slice(b" expected (to close ");
            m.extend_from_slice(&token_to_str(who));
            m.extend_from_slice(format!(" at line {})", line).as_bytes());
            return Err(self.lx.error_near(&m, Some(self.tok())));
        }
        Ok(())
    }
    pub(super) fn str_checkname(&mut self) -> R<LStr> {
        self.check(Tok::Name)?;
        let s = match &self.lx.t.sem {
            SemInfo::Str(s) => s.clone(),
            // (A name token always has its string; names must be interned.)
            _ => self.lx.intern(b""),
        };
        self.lx.next()?;
        Ok(s)
    }
    pub(super) fn codename(&mut self) -> R<ExpDesc> {
        let s = self.str_checkname()?;
        Ok(ExpDesc::new(ExpKind::KStr(s)))
    }
    pub(super) fn enterlevel(&mut self) -> R<()> {
        self.ccalls += 1;
        // The native stack is asked every few levels (see `cstack`).
        if self.ccalls >= super::MAX_C_CALLS
            || (self.ccalls.is_multiple_of(8) && crate::cstack::is_low(crate::cstack::RESERVE))
        {
            return Err(b"C stack overflow".to_vec());
        }
        Ok(())
    }
    pub(super) fn leavelevel(&mut self) {
        self.ccalls -= 1;
    }

    // ------------------------------------------------------------------
    // Functions

    pub(super) fn open_func(&mut self, f: FunctionProto) {
        let mut fs = FuncState::new(f, self.actvar.len(), self.label.len());
        if let Some(buffers) = self.spare_buffers.pop() {
            buffers.lend_to(&mut fs);
        }
        let old = std::mem::replace(&mut self.cur, fs);
        self.prev.push(old);
        self.enterblock(false);
    }
    pub(super) fn close_func(&mut self) -> R<()> {
        let nv = self.nvarstack();
        self.ret(nv, 0);
        self.leaveblock()?;
        self.finish()?;
        if !self.prev.is_empty() {
            self.forget_constants();
        }
        self.cur.f.max_stack_size = self.cur.maxstack as u8;
        let buffers = FunctionBuffers::take_from(&mut self.cur);
        self.spare_buffers.push(buffers);
        Ok(())
    }
    pub(super) fn setvararg(&mut self, nparams: i32) {
        self.cur.f.is_vararg = true;
        self.code_abc(OpCode::VARARGPREP, nparams, 0, 0);
    }
    pub(super) fn mainfunc(&mut self) -> R<()> {
        self.enterblock(false);
        self.setvararg(0);
        self.cur.f.upvalues.push(UpvalueDesc {
            name: Some(b"_ENV".as_slice().into()),
            in_stack: true,
            index: 0,
            kind: VDKREG,
        });
        self.lx.next()?;
        self.statlist()?;
        self.check(Tok::Eos)?;
        self.close_func()
    }
    pub(super) fn parlist(&mut self) -> R<()> {
        let mut nparams = 0;
        let mut isvararg = false;
        if self.tok() != Tok::Char(b')') {
            loop {
                match self.tok() {
                    Tok::Name => {
                        let n = self.str_checkname()?;
                        self.new_localvar(n)?;
                        nparams += 1;
                    }
                    Tok::Dots => {
                        self.lx.next()?;
                        isvararg = true;
                    }
                    _ => return Err(self.error("<name> or '...' expected")),
                }
                if isvararg || !self.testnext(Tok::Char(b','))? {
                    break;
                }
            }
        }
        self.adjustlocalvars(nparams)?;
        self.cur.f.num_params = self.cur.nactvar as u8;
        if isvararg {
            let np = self.cur.f.num_params as i32;
            self.setvararg(np);
        }
        let n = self.cur.nactvar;
        self.reserveregs(n)
    }
    pub(super) fn body(&mut self, ismethod: bool, line: u32) -> R<ExpDesc> {
        self.open_body(ismethod, line)?;
        self.statlist()?;
        self.close_body(line)
    }
    /// Starts a function body: new function state, 'self', parameters.
    #[inline(never)]
    fn open_body(&mut self, ismethod: bool, line: u32) -> R<()> {
        if self.cur.f.protos.len() >= MAXARG_BX as usize {
            return Err(growth_error("functions", MAXARG_BX as usize));
        }
        let f = FunctionProto::new(self.nested_source.clone(), line);
        self.open_func(f);
        if ismethod {
            self.new_localvar_lit(b"self")?;
            self.adjustlocalvars(1)?;
        }
        self.checknext(Tok::Char(b'('))?;
        self.parlist()?;
        self.checknext(Tok::Char(b')'))
    }
    /// Ends a function body and makes the closure in the enclosing function.
    #[inline(never)]
    fn close_body(&mut self, line: u32) -> R<ExpDesc> {
        self.cur.f.last_line_defined = self.lx.linenumber;
        self.check_match(Tok::End, Tok::Function, line)?;
        self.close_func()?;
        let parent = match self.prev.pop() {
            Some(p) => p,
            None => return Err(self.error("internal error")),
        };
        let child = std::mem::replace(&mut self.cur, parent);
        self.cur.f.protos.push(child.f);
        let np = self.cur.f.protos.len() as u32 - 1;
        let mut e = ExpDesc::new(ExpKind::Reloc(self.code_abx(OpCode::CLOSURE, 0, np)));
        self.exp2nextreg(&mut e)?;
        Ok(e)
    }

    // ------------------------------------------------------------------
    // Expressions

    pub(super) fn explist(&mut self, v: &mut ExpDesc) -> R<i32> {
        let mut n = 1;
        *v = self.expr()?;
        while self.testnext(Tok::Char(b','))? {
            self.exp2nextreg(v)?;
            *v = self.expr()?;
            n += 1;
        }
        Ok(n)
    }
    /// Arguments of a call. `line` is where the called expression started;
    /// since 5.4.7 the call's line is the one of its arguments instead.
    pub(super) fn funcargs(&mut self, f: &mut ExpDesc, line: u32) -> R<()> {
        let line = if super::COMPAT_5_4_4 {
            line
        } else {
            self.lx.linenumber
        };
        let mut args;
        match self.tok() {
            Tok::Char(b'(') => {
                self.lx.next()?;
                if self.tok() == Tok::Char(b')') {
                    args = ExpDesc::void();
                } else {
                    args = ExpDesc::void();
                    self.explist(&mut args)?;
                    if args.is_multret() {
                        self.setmultret(&mut args)?;
                    }
                }
                self.check_match(Tok::Char(b')'), Tok::Char(b'('), line)?;
            }
            Tok::Char(b'{') => {
                args = self.constructor()?;
            }
            Tok::Str => {
                let s = match &self.lx.t.sem {
                    SemInfo::Str(s) => s.clone(),
                    _ => Rc::from(&b""[..]),
                };
                args = ExpDesc::new(ExpKind::KStr(s));
                self.lx.next()?;
            }
            _ => return Err(self.error("function arguments expected")),
        }
        let base = f.reg();
        let nparams = if args.is_multret() {
            -1
        } else {
            if args.k != ExpKind::Void {
                self.exp2nextreg(&mut args)?;
            }
            self.cur.freereg - (base + 1)
        };
        f.k = ExpKind::Call(self.code_abc(OpCode::CALL, base, nparams + 1, 2));
        f.t = NO_JUMP;
        f.f = NO_JUMP;
        self.fixline(line);
        self.cur.freereg = base + 1;
        Ok(())
    }
    // The expression parsers below recurse into each other; they are split so
    // that the frames on the recursive path stay small in debug builds.
    pub(super) fn primaryexp(&mut self) -> R<ExpDesc> {
        match self.tok() {
            Tok::Char(b'(') => self.paren_exp(),
            Tok::Name => self.singlevar(),
            _ => Err(self.error("unexpected symbol")),
        }
    }
    fn paren_exp(&mut self) -> R<ExpDesc> {
        let line = self.lx.linenumber;
        self.lx.next()?;
        let mut v = self.expr()?;
        self.check_match(Tok::Char(b')'), Tok::Char(b'('), line)?;
        self.dischargevars(&mut v);
        Ok(v)
    }
    pub(super) fn fieldsel(&mut self, v: &mut ExpDesc) -> R<()> {
        self.exp2anyregup(v)?;
        self.lx.next()?;
        let mut key = self.codename()?;
        self.indexed(v, &mut key)
    }
    pub(super) fn yindex(&mut self) -> R<ExpDesc> {
        self.lx.next()?;
        let mut v = self.expr()?;
        self.exp2val(&mut v)?;
        self.checknext(Tok::Char(b']'))?;
        Ok(v)
    }
    pub(super) fn suffixedexp(&mut self) -> R<ExpDesc> {
        let line = self.lx.linenumber;
        let mut v = self.primaryexp()?;
        while self.suffix(&mut v, line)? {}
        Ok(v)
    }
    /// One suffix of a suffixed expression; false when there is none.
    #[inline(never)]
    fn suffix(&mut self, v: &mut ExpDesc, line: u32) -> R<bool> {
        match self.tok() {
            Tok::Char(b'.') => self.fieldsel(v)?,
            Tok::Char(b'[') => {
                self.exp2anyregup(v)?;
                let mut key = self.yindex()?;
                self.indexed(v, &mut key)?;
            }
            Tok::Char(b':') => {
                self.lx.next()?;
                let mut key = self.codename()?;
                self.code_self(v, &mut key)?;
                self.funcargs(v, line)?;
            }
            Tok::Char(b'(') | Tok::Str | Tok::Char(b'{') => {
                self.exp2nextreg(v)?;
                self.funcargs(v, line)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
    pub(super) fn simpleexp(&mut self) -> R<ExpDesc> {
        match self.tok() {
            Tok::Char(b'{') => self.constructor(),
            Tok::Function => self.function_exp(),
            Tok::Flt | Tok::Int | Tok::Str | Tok::Nil | Tok::True | Tok::False | Tok::Dots => {
                self.literal_exp()
            }
            _ => self.suffixedexp(),
        }
    }
    fn function_exp(&mut self) -> R<ExpDesc> {
        self.lx.next()?;
        let line = self.lx.linenumber;
        self.body(false, line)
    }
    #[inline(never)]
    fn literal_exp(&mut self) -> R<ExpDesc> {
        let v = match self.tok() {
            Tok::Flt => ExpDesc::new(ExpKind::KFlt(if let SemInfo::Flt(f) = self.lx.t.sem {
                f
            } else {
                0.0
            })),
            Tok::Int => ExpDesc::new(ExpKind::KInt(if let SemInfo::Int(i) = self.lx.t.sem {
                i
            } else {
                0
            })),
            Tok::Str => {
                let s = match &self.lx.t.sem {
                    SemInfo::Str(s) => s.clone(),
                    _ => Rc::from(&b""[..]),
                };
                ExpDesc::new(ExpKind::KStr(s))
            }
            Tok::Nil => ExpDesc::new(ExpKind::Nil),
            Tok::True => ExpDesc::new(ExpKind::True),
            Tok::False => ExpDesc::new(ExpKind::False),
            Tok::Dots => {
                if !self.cur.f.is_vararg {
                    return Err(self.error("cannot use '...' outside a vararg function"));
                }
                ExpDesc::new(ExpKind::Vararg(self.code_abc(OpCode::VARARG, 0, 0, 1)))
            }
            _ => return self.suffixedexp(),
        };
        self.lx.next()?;
        Ok(v)
    }
    pub(super) fn subexpr(&mut self, limit: u8) -> R<(ExpDesc, Option<BinOpr>)> {
        self.enterlevel()?;
        let mut v = match getunopr(self.tok()) {
            Some(uop) => self.unary_exp(uop)?,
            None => self.simpleexp()?,
        };
        let mut op = getbinopr(self.tok());
        while let Some(o) = op {
            if priority(o).0 <= limit {
                break;
            }
            op = self.binary_exp(o, &mut v)?;
        }
        self.leavelevel();
        Ok((v, op))
    }
    #[inline(never)]
    fn unary_exp(&mut self, uop: UnOpr) -> R<ExpDesc> {
        let line = self.lx.linenumber;
        self.lx.next()?;
        let mut v = self.subexpr(UNARY_PRIORITY)?.0;
        self.prefix(uop, &mut v, line)?;
        Ok(v)
    }
    /// `v op e2`: reads the second operand; returns the next operator.
    #[inline(never)]
    fn binary_exp(&mut self, o: BinOpr, v: &mut ExpDesc) -> R<Option<BinOpr>> {
        let line = self.lx.linenumber;
        self.lx.next()?;
        self.infix(o, v)?;
        let (mut v2, nextop) = self.subexpr(priority(o).1)?;
        self.posfix(o, v, &mut v2, line)?;
        Ok(nextop)
    }
    pub fn expr(&mut self) -> R<ExpDesc> {
        Ok(self.subexpr(0)?.0)
    }

    // ------------------------------------------------------------------
    // Table constructors

    pub(super) fn recfield(&mut self, cc: &mut ConsControl) -> R<()> {
        let reg = self.cur.freereg;
        let mut key = if self.tok() == Tok::Name {
            self.codename()?
        } else {
            self.yindex()?
        };
        cc.nh += 1;
        self.checknext(Tok::Char(b'='))?;
        let mut tab = cc.t.clone();
        self.indexed(&mut tab, &mut key)?;
        let mut val = self.expr()?;
        self.storevar(&tab, &mut val)?;
        self.cur.freereg = reg;
        Ok(())
    }
    pub(super) fn closelistfield(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.v.k == ExpKind::Void {
            return Ok(());
        }
        self.exp2nextreg(&mut cc.v)?;
        cc.v.k = ExpKind::Void;
        if cc.tostore == FIELDS_PER_FLUSH as i32 {
            let t = cc.t.reg();
            self.setlist(t, cc.na, cc.tostore);
            cc.na += cc.tostore;
            cc.tostore = 0;
        }
        Ok(())
    }
    pub(super) fn lastlistfield(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.tostore == 0 {
            return Ok(());
        }
        let t = cc.t.reg();
        if cc.v.is_multret() {
            self.setmultret(&mut cc.v)?;
            self.setlist(t, cc.na, -1);
            cc.na -= 1;
        } else {
            if cc.v.k != ExpKind::Void {
                self.exp2nextreg(&mut cc.v)?;
            }
            self.setlist(t, cc.na, cc.tostore);
        }
        cc.na += cc.tostore;
        Ok(())
    }
    pub(super) fn field(&mut self, cc: &mut ConsControl) -> R<()> {
        let is_rec = match self.tok() {
            Tok::Name => self.lx.peek()? == Tok::Char(b'='),
            Tok::Char(b'[') => true,
            _ => false,
        };
        if is_rec {
            self.recfield(cc)
        } else {
            cc.v = self.expr()?;
            cc.tostore += 1;
            Ok(())
        }
    }
    pub(super) fn constructor(&mut self) -> R<ExpDesc> {
        let line = self.lx.linenumber;
        let (pc, mut cc) = self.open_constructor()?;
        loop {
            if self.tok() == Tok::Char(b'}') {
                break;
            }
            self.closelistfield(&mut cc)?;
            self.field(&mut cc)?;
            if !self.field_separator()? {
                break;
            }
        }
        self.close_constructor(pc, cc, line)
    }
    #[inline(never)]
    fn open_constructor(&mut self) -> R<(usize, ConsControl)> {
        let pc = self.code_abc(OpCode::NEWTABLE, 0, 0, 0);
        self.code(0);
        let t = ExpDesc::new(ExpKind::NonReloc(self.cur.freereg));
        self.reserveregs(1)?;
        let cc = ConsControl {
            v: ExpDesc::void(),
            t,
            nh: 0,
            na: 0,
            tostore: 0,
        };
        self.checknext(Tok::Char(b'{'))?;
        Ok((pc as usize, cc))
    }
    fn field_separator(&mut self) -> R<bool> {
        Ok(self.testnext(Tok::Char(b','))? || self.testnext(Tok::Char(b';'))?)
    }
    #[inline(never)]
    fn close_constructor(&mut self, pc: usize, mut cc: ConsControl, line: u32) -> R<ExpDesc> {
        self.check_match(Tok::Char(b'}'), Tok::Char(b'{'), line)?;
        self.lastlistfield(&mut cc)?;
        let treg = cc.t.reg();
        self.settablesize(pc, treg, cc.na, cc.nh);
        Ok(cc.t)
    }

    // ------------------------------------------------------------------
    // Statements

    pub(super) fn block_follow(&self, withuntil: bool) -> bool {
        match self.tok() {
            Tok::Else | Tok::Elseif | Tok::End | Tok::Eos => true,
            Tok::Until => withuntil,
            _ => false,
        }
    }
    pub(super) fn statlist(&mut self) -> R<()> {
        while !self.block_follow(true) {
            if self.tok() == Tok::Return {
                return self.statement();
            }
            self.statement()?;
        }
        Ok(())
    }
    pub(super) fn block(&mut self) -> R<()> {
        self.enterblock(false);
        self.statlist()?;
        self.leaveblock()
    }
    pub(super) fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc) -> R<()> {
        let extra = self.cur.freereg;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match lh.k {
                ExpKind::IndexUp { t, idx } => {
                    if let ExpKind::Upval(u) = v.k {
                        if t == u {
                            conflict = true;
                            lh.k = ExpKind::IndexStr { t: extra, idx };
                        }
                    }
                }
                ExpKind::Indexed { t, idx }
                | ExpKind::IndexI { t, idx }
                | ExpKind::IndexStr { t, idx } => {
                    if let ExpKind::Local { ridx, .. } = v.k {
                        let mut nt = t;
                        let mut nidx = idx;
                        if t == ridx {
                            conflict = true;
                            nt = extra;
                        }
                        if matches!(lh.k, ExpKind::Indexed { .. }) && idx == ridx {
                            conflict = true;
                            nidx = extra;
                        }
                        lh.k = match lh.k {
                            ExpKind::Indexed { .. } => ExpKind::Indexed { t: nt, idx: nidx },
                            ExpKind::IndexI { .. } => ExpKind::IndexI { t: nt, idx: nidx },
                            _ => ExpKind::IndexStr { t: nt, idx: nidx },
                        };
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpKind::Local { ridx, .. } => self.code_abc(OpCode::MOVE, extra, ridx, 0),
                ExpKind::Upval(u) => self.code_abc(OpCode::GETUPVAL, extra, u, 0),
                _ => 0,
            };
            self.reserveregs(1)?;
        }
        Ok(())
    }
    /// Multiple assignment (PUC's recursive `restassign`, done with an explicit
    /// list of targets; each extra target still counts one nesting level).
    pub(super) fn restassign(&mut self, first: ExpDesc) -> R<()> {
        // An assignment inside a target (in a function body) finds the list
        // taken and starts its own.
        let mut lhs = std::mem::take(&mut self.assign_targets);
        lhs.clear();
        lhs.push(first);
        let r = self.assign_to(&mut lhs);
        self.assign_targets = lhs;
        r
    }
    fn assign_to(&mut self, lhs: &mut Vec<ExpDesc>) -> R<()> {
        loop {
            let last = lhs.last().cloned().unwrap_or_else(ExpDesc::void);
            if !last.is_var() {
                return Err(self.error("syntax error"));
            }
            self.check_readonly(&last)?;
            if !self.testnext(Tok::Char(b','))? {
                break;
            }
            let nv = self.suffixedexp()?;
            if !nv.is_indexed() {
                self.check_conflict(lhs, &nv)?;
            }
            if let Err(e) = self.enterlevel() {
                // undo the levels taken so far
                self.ccalls -= lhs.len() as u32;
                return Err(e);
            }
            lhs.push(nv);
        }
        let nlevels = lhs.len() as u32 - 1;
        let nvars = lhs.len() as i32;
        self.checknext(Tok::Char(b'='))?;
        let mut e = ExpDesc::void();
        let nexps = self.explist(&mut e)?;
        let mut rest_start = lhs.len();
        if nexps != nvars {
            self.adjust_assign(nvars, nexps, &mut e)?;
        } else {
            self.setoneret(&mut e);
            let var = lhs.pop().unwrap_or_else(ExpDesc::void);
            self.storevar(&var, &mut e)?;
            rest_start -= 1;
        }
        // remaining targets, last to first, take values from the stack top
        for var in lhs[..rest_start].iter().rev() {
            let mut e = ExpDesc::new(ExpKind::NonReloc(self.cur.freereg - 1));
            self.storevar(var, &mut e)?;
        }
        self.ccalls -= nlevels;
        Ok(())
    }
    pub(super) fn cond(&mut self) -> R<i32> {
        let mut v = self.expr()?;
        if v.k == ExpKind::Nil {
            v.k = ExpKind::False;
        }
        self.goiftrue(&mut v)?;
        Ok(v.f)
    }
    pub(super) fn gotostat(&mut self) -> R<()> {
        let line = self.lx.linenumber;
        let name = self.str_checkname()?;
        match self.findlabel(&name) {
            None => {
                let j = self.jump();
                self.newgotoentry(name, line, j)?;
            }
            Some(lb) => {
                let lblevel = self.reglevel(lb.nactvar);
                if self.nvarstack() > lblevel {
                    self.code_abc(OpCode::CLOSE, lblevel, 0, 0);
                }
                let j = self.jump();
                self.patchlist(j, lb.pc)?;
            }
        }
        Ok(())
    }
    pub(super) fn breakstat(&mut self) -> R<()> {
        let line = self.lx.linenumber;
        self.lx.next()?;
        let j = self.jump();
        let bn = self.break_name.clone();
        self.newgotoentry(bn, line, j)?;
        Ok(())
    }
    pub(super) fn checkrepeated(&self, name: &LStr) -> R<()> {
        if let Some(lb) = self.findlabel(name) {
            let mut m = b"label '".to_vec();
            m.extend_from_slice(name);
            m.extend_from_slice(format!("' already defined on line {}", lb.line).as_bytes());
            return Err(self.semerror(&m));
        }
        Ok(())
    }
    pub(super) fn labelstat(&mut self, name: LStr, line: u32) -> R<()> {
        self.checknext(Tok::DbColon)?;
        while self.tok() == Tok::Char(b';') || self.tok() == Tok::DbColon {
            self.statement()?;
        }
        self.checkrepeated(&name)?;
        let last = self.block_follow(false);
        self.createlabel(name, line, last)?;
        Ok(())
    }
    pub(super) fn whilestat(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        let whileinit = self.getlabel();
        let condexit = self.cond()?;
        self.enterblock(true);
        self.checknext(Tok::Do)?;
        self.block()?;
        let j = self.jump();
        self.patchlist(j, whileinit)?;
        self.check_match(Tok::End, Tok::While, line)?;
        self.leaveblock()?;
        self.patchtohere(condexit)
    }
    pub(super) fn repeatstat(&mut self, line: u32) -> R<()> {
        let repeat_init = self.getlabel();
        self.enterblock(true);
        self.enterblock(false);
        self.lx.next()?;
        self.statlist()?;
        self.check_match(Tok::Until, Tok::Repeat, line)?;
        let mut condexit = self.cond()?;
        let bl2 = self.cur.blocks.last().cloned();
        self.leaveblock()?;
        if let Some(bl2) = bl2 {
            if bl2.upval {
                let exit = self.jump();
                self.patchtohere(condexit)?;
                let lvl = self.reglevel(bl2.nactvar);
                self.code_abc(OpCode::CLOSE, lvl, 0, 0);
                condexit = self.jump();
                self.patchtohere(exit)?;
            }
        }
        self.patchlist(condexit, repeat_init)?;
        self.leaveblock()
    }
    pub(super) fn exp1(&mut self) -> R<()> {
        let mut e = self.expr()?;
        self.exp2nextreg(&mut e)
    }
    pub(super) fn fixforjump(&mut self, pc: i32, dest: i32, back: bool) -> R<()> {
        let mut offset = dest - (pc + 1);
        if back {
            offset = -offset;
        }
        if offset > MAXARG_BX as i32 || offset < 0 {
            return Err(self.error("control structure too long"));
        }
        set_bx(&mut self.cur.f.code[pc as usize], offset as u32);
        Ok(())
    }
    pub(super) fn forbody(&mut self, base: i32, line: u32, nvars: i32, isgen: bool) -> R<()> {
        self.checknext(Tok::Do)?;
        let prep = self.code_abx(
            if isgen {
                OpCode::TFORPREP
            } else {
                OpCode::FORPREP
            },
            base,
            0,
        );
        self.enterblock(false);
        self.adjustlocalvars(nvars)?;
        self.reserveregs(nvars)?;
        self.block()?;
        self.leaveblock()?;
        let here = self.getlabel();
        self.fixforjump(prep, here, false)?;
        if isgen {
            self.code_abc(OpCode::TFORCALL, base, 0, nvars);
            self.fixline(line);
        }
        let endfor = self.code_abx(
            if isgen {
                OpCode::TFORLOOP
            } else {
                OpCode::FORLOOP
            },
            base,
            0,
        );
        self.fixforjump(endfor, prep + 1, true)?;
        self.fixline(line);
        Ok(())
    }
    pub(super) fn fornum(&mut self, varname: LStr, line: u32) -> R<()> {
        let base = self.cur.freereg;
        for _ in 0..3 {
            self.new_localvar(self.for_state_name.clone())?;
        }
        self.new_localvar(varname)?;
        self.checknext(Tok::Char(b'='))?;
        self.exp1()?;
        self.checknext(Tok::Char(b','))?;
        self.exp1()?;
        if self.testnext(Tok::Char(b','))? {
            self.exp1()?;
        } else {
            let fr = self.cur.freereg;
            self.code_int(fr, 1);
            self.reserveregs(1)?;
        }
        self.adjustlocalvars(3)?;
        self.forbody(base, line, 1, false)
    }
    pub(super) fn forlist(&mut self, indexname: LStr) -> R<()> {
        let mut nvars = 5;
        let base = self.cur.freereg;
        for _ in 0..4 {
            self.new_localvar(self.for_state_name.clone())?;
        }
        self.new_localvar(indexname)?;
        while self.testnext(Tok::Char(b','))? {
            let n = self.str_checkname()?;
            self.new_localvar(n)?;
            nvars += 1;
        }
        self.checknext(Tok::In)?;
        let line = self.lx.linenumber;
        let mut e = ExpDesc::void();
        let n = self.explist(&mut e)?;
        self.adjust_assign(4, n, &mut e)?;
        self.adjustlocalvars(4)?;
        self.marktobeclosed();
        self.checkstack(3)?;
        self.forbody(base, line, nvars - 4, true)
    }
    pub(super) fn forstat(&mut self, line: u32) -> R<()> {
        self.enterblock(true);
        self.lx.next()?;
        let varname = self.str_checkname()?;
        match self.tok() {
            Tok::Char(b'=') => self.fornum(varname, line)?,
            Tok::Char(b',') | Tok::In => self.forlist(varname)?,
            _ => return Err(self.error("'=' or 'in' expected")),
        }
        self.check_match(Tok::End, Tok::For, line)?;
        self.leaveblock()
    }
    pub(super) fn test_then_block(&mut self, escapelist: &mut i32) -> R<()> {
        let jf = match self.test_then_start()? {
            Some(jf) => jf,
            None => return Ok(()), // 'if cond then break end'
        };
        self.statlist()?;
        self.test_then_end(escapelist, jf)
    }
    /// Reads `[IF | ELSEIF] cond THEN` and enters the block; returns the jump
    /// over the block, or None when the whole block was a `break`.
    #[inline(never)]
    fn test_then_start(&mut self) -> R<Option<i32>> {
        self.lx.next()?;
        let mut v = self.expr()?;
        self.checknext(Tok::Then)?;
        if self.tok() == Tok::Break {
            let line = self.lx.linenumber;
            self.goiffalse(&mut v)?;
            self.lx.next()?;
            self.enterblock(false);
            let bn = self.break_name.clone();
            self.newgotoentry(bn, line, v.t)?;
            while self.testnext(Tok::Char(b';'))? {}
            if self.block_follow(false) {
                self.leaveblock()?;
                return Ok(None);
            }
            Ok(Some(self.jump()))
        } else {
            self.goiftrue(&mut v)?;
            self.enterblock(false);
            Ok(Some(v.f))
        }
    }
    #[inline(never)]
    fn test_then_end(&mut self, escapelist: &mut i32, jf: i32) -> R<()> {
        self.leaveblock()?;
        if self.tok() == Tok::Else || self.tok() == Tok::Elseif {
            let j = self.jump();
            self.concat(escapelist, j)?;
        }
        self.patchtohere(jf)
    }
    pub(super) fn ifstat(&mut self, line: u32) -> R<()> {
        let mut escapelist = NO_JUMP;
        self.test_then_block(&mut escapelist)?;
        while self.tok() == Tok::Elseif {
            self.test_then_block(&mut escapelist)?;
        }
        if self.testnext(Tok::Else)? {
            self.block()?;
        }
        self.check_match(Tok::End, Tok::If, line)?;
        self.patchtohere(escapelist)
    }
    pub(super) fn localfunc(&mut self) -> R<()> {
        let fvar = self.cur.nactvar;
        let n = self.str_checkname()?;
        self.new_localvar(n)?;
        self.adjustlocalvars(1)?;
        let line = self.lx.linenumber;
        self.body(false, line)?;
        let pidx = self.vardesc(fvar).pidx;
        let pc = self.cur.pc() as u32;
        if let Some(lv) = self.cur.f.local_vars.get_mut(pidx as usize) {
            lv.start_pc = pc;
        }
        Ok(())
    }
    pub(super) fn getlocalattribute(&mut self) -> R<u8> {
        if self.testnext(Tok::Char(b'<'))? {
            let attr = self.str_checkname()?;
            self.checknext(Tok::Char(b'>'))?;
            if &attr[..] == b"const" {
                return Ok(RDKCONST);
            } else if &attr[..] == b"close" {
                return Ok(RDKTOCLOSE);
            }
            let mut m = b"unknown attribute '".to_vec();
            m.extend_from_slice(&attr);
            m.push(b'\'');
            return Err(self.semerror(&m));
        }
        Ok(VDKREG)
    }
    pub(super) fn localstat(&mut self) -> R<()> {
        let mut toclose = -1;
        let mut vidx;
        let mut nvars = 0;
        loop {
            let n = self.str_checkname()?;
            vidx = self.new_localvar(n)?;
            let kind = self.getlocalattribute()?;
            self.vardesc(vidx).kind = kind;
            if kind == RDKTOCLOSE {
                if toclose != -1 {
                    return Err(self.semerror(b"multiple to-be-closed variables in local list"));
                }
                toclose = self.cur.nactvar + nvars;
            }
            nvars += 1;
            if !self.testnext(Tok::Char(b','))? {
                break;
            }
        }
        let mut e = ExpDesc::void();
        let nexps = if self.testnext(Tok::Char(b'='))? {
            self.explist(&mut e)?
        } else {
            0
        };
        let is_const = self.vardesc(vidx).kind == RDKCONST;
        let cval = if nvars == nexps && is_const {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(k) = cval {
            let vd = self.vardesc(vidx);
            vd.kind = RDKCTC;
            vd.k = Some(k);
            self.adjustlocalvars(nvars - 1)?;
            self.cur.nactvar += 1;
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            self.adjustlocalvars(nvars)?;
        }
        if toclose != -1 {
            self.marktobeclosed();
            let lvl = self.reglevel(toclose);
            self.code_abc(OpCode::TBC, lvl, 0, 0);
        }
        Ok(())
    }
    pub(super) fn funcstat(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        // funcname -> NAME {'.' NAME} [':' NAME]
        let mut v = self.singlevar()?;
        let mut ismethod = false;
        while self.tok() == Tok::Char(b'.') {
            self.fieldsel(&mut v)?;
        }
        if self.tok() == Tok::Char(b':') {
            ismethod = true;
            self.fieldsel(&mut v)?;
        }
        let mut b = self.body(ismethod, line)?;
        self.check_readonly(&v)?;
        self.storevar(&v, &mut b)?;
        self.fixline(line);
        Ok(())
    }
    pub(super) fn exprstat(&mut self) -> R<()> {
        let v = self.suffixedexp()?;
        if self.tok() == Tok::Char(b'=') || self.tok() == Tok::Char(b',') {
            self.restassign(v)
        } else {
            match v.k {
                ExpKind::Call(pc) => {
                    set_c(&mut self.cur.f.code[pc as usize], 1);
                    Ok(())
                }
                _ => Err(self.error("syntax error")),
            }
        }
    }
    pub(super) fn retstat(&mut self) -> R<()> {
        let mut first = self.nvarstack();
        let nret;
        if self.block_follow(true) || self.tok() == Tok::Char(b';') {
            nret = 0;
        } else {
            let mut e = ExpDesc::void();
            let n = self.explist(&mut e)?;
            if e.is_multret() {
                self.setmultret(&mut e)?;
                let insidetbc = self.cur.blocks.last().map(|b| b.insidetbc).unwrap_or(false);
                if let ExpKind::Call(pc) = e.k {
                    if n == 1 && !insidetbc {
                        set_op(&mut self.cur.f.code[pc as usize], OpCode::TAILCALL);
                    }
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)?;
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?;
                first = self.nvarstack();
                nret = n;
            }
        }
        self.ret(first, nret);
        self.testnext(Tok::Char(b';'))?;
        Ok(())
    }
    pub(super) fn statement(&mut self) -> R<()> {
        let line = self.lx.linenumber;
        self.enterlevel()?;
        // one Result for all arms keeps this recursive frame small
        let r = match self.tok() {
            Tok::Char(b';') => self.lx.next(),
            Tok::If => self.ifstat(line),
            Tok::While => self.whilestat(line),
            Tok::Do => self.dostat(line),
            Tok::For => self.forstat(line),
            Tok::Repeat => self.repeatstat(line),
            Tok::Function => self.funcstat(line),
            Tok::Local => self.localstat_or_func(),
            Tok::DbColon => self.labelstat_start(line),
            Tok::Return => self.returnstat(),
            Tok::Break => self.breakstat(),
            Tok::Goto => self.gotostat_start(),
            _ => self.exprstat(),
        };
        r?;
        self.cur.freereg = self.nvarstack();
        self.leavelevel();
        if self.k_overflow {
            return Err(growth_error("constants", MAXARG_AX as usize));
        }
        Ok(())
    }
    fn dostat(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        self.block()?;
        self.check_match(Tok::End, Tok::Do, line)
    }
    fn localstat_or_func(&mut self) -> R<()> {
        self.lx.next()?;
        if self.testnext(Tok::Function)? {
            self.localfunc()
        } else {
            self.localstat()
        }
    }
    fn labelstat_start(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        let name = self.str_checkname()?;
        self.labelstat(name, line)
    }
    fn returnstat(&mut self) -> R<()> {
        self.lx.next()?;
        self.retstat()
    }
    fn gotostat_start(&mut self) -> R<()> {
        self.lx.next()?;
        self.gotostat()
    }
}
