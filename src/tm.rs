//! Metamethods (PUC's `ltm.c`) and the VM's slow paths that use them
//! (`luaV_finishget`, `luaV_finishset`, `luaT_trybinTM`, comparisons, `__concat`,
//! `__len`, `__eq`, `__close`).

use crate::arith::{arith_numbers, ArithOp};
use crate::debug::Operand;
use crate::error::LuaResult;
use crate::gc::Gc;
use crate::state::State;
use crate::table::{Table, TableError};
use crate::value::{LuaType, Value};

/// Metamethod events, in PUC's order (`MMBIN`'s C operand uses these numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmKind {
    Index = 0,
    NewIndex,
    Gc,
    Mode,
    Len,
    Eq,
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
    Unm,
    BNot,
    Lt,
    Le,
    Concat,
    Call,
    Close,
    // Names used by the libraries, not VM events.
    ToString,
    Name,
    Metatable,
    Pairs,
}

pub const TM_NAMES: [&str; 29] = [
    "__index",
    "__newindex",
    "__gc",
    "__mode",
    "__len",
    "__eq",
    "__add",
    "__sub",
    "__mul",
    "__mod",
    "__pow",
    "__div",
    "__idiv",
    "__band",
    "__bor",
    "__bxor",
    "__shl",
    "__shr",
    "__unm",
    "__bnot",
    "__lt",
    "__le",
    "__concat",
    "__call",
    "__close",
    "__tostring",
    "__name",
    "__metatable",
    "__pairs",
];

impl TmKind {
    pub fn from_u32(n: u32) -> Option<TmKind> {
        use TmKind::*;
        const ALL: [TmKind; 29] = [
            Index, NewIndex, Gc, Mode, Len, Eq, Add, Sub, Mul, Mod, Pow, Div, IDiv, BAnd, BOr,
            BXor, Shl, Shr, Unm, BNot, Lt, Le, Concat, Call, Close, ToString, Name, Metatable,
            Pairs,
        ];
        ALL.get(n as usize).copied()
    }

    /// The event name without the underscores (for "metamethod 'add'").
    pub fn short_name(self) -> &'static str {
        &TM_NAMES[self as usize][2..]
    }

    /// The arithmetic operator of an arithmetic/bitwise event.
    pub fn arith_op(self) -> Option<ArithOp> {
        use TmKind::*;
        Some(match self {
            Add => ArithOp::Add,
            Sub => ArithOp::Sub,
            Mul => ArithOp::Mul,
            Mod => ArithOp::Mod,
            Pow => ArithOp::Pow,
            Div => ArithOp::Div,
            IDiv => ArithOp::IDiv,
            BAnd => ArithOp::BAnd,
            BOr => ArithOp::BOr,
            BXor => ArithOp::BXor,
            Shl => ArithOp::Shl,
            Shr => ArithOp::Shr,
            Unm => ArithOp::Unm,
            BNot => ArithOp::BNot,
            _ => return None,
        })
    }
}

impl ArithOp {
    pub fn tm(self) -> TmKind {
        use ArithOp::*;
        match self {
            Add => TmKind::Add,
            Sub => TmKind::Sub,
            Mul => TmKind::Mul,
            Mod => TmKind::Mod,
            Pow => TmKind::Pow,
            Div => TmKind::Div,
            IDiv => TmKind::IDiv,
            BAnd => TmKind::BAnd,
            BOr => TmKind::BOr,
            BXor => TmKind::BXor,
            Shl => TmKind::Shl,
            Shr => TmKind::Shr,
            Unm => TmKind::Unm,
            BNot => TmKind::BNot,
        }
    }
}

/// Longest chain of `__index`/`__newindex` tables followed (PUC's `MAXTAGLOOP`).
const MAX_TAG_LOOP: usize = 2000;

impl State {
    /// The metatable of any value.
    #[inline]
    pub fn metatable_of(&self, v: Value) -> Option<Gc<Table>> {
        match v {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            other => self.global().type_metatable(other.type_of()),
        }
    }

    /// A metamethod of a value, or nil.
    #[inline]
    pub fn get_tm(&self, v: Value, tm: TmKind) -> Value {
        match self.metatable_of(v) {
            Some(mt) => self.get_tm_from(mt, tm),
            None => Value::Nil,
        }
    }

    /// Looks up `tm` in a metatable, caching absence for the first events.
    #[inline]
    pub fn get_tm_from(&self, mt: Gc<Table>, tm: TmKind) -> Value {
        let bit = tm as u8;
        if mt.tm_absent(bit) {
            return Value::Nil;
        }
        let v = mt.get_str(self.global().tm_name(tm));
        if v.is_nil() {
            mt.set_tm_absent(bit);
        }
        v
    }

    /// Metatable `mt`'s `__index` entry, from `IndexCache` when it knows it.
    #[inline]
    pub fn index_tm(&self, mt: Gc<Table>) -> Value {
        match self.global().index_cache.get(mt) {
            Some(v) => v,
            None => self.index_tm_uncached(mt),
        }
    }

    /// Metatable `mt`'s `__index` entry when `IndexCache` does not know it:
    /// looked up, and cached when it is a table.
    #[inline(never)]
    fn index_tm_uncached(&self, mt: Gc<Table>) -> Value {
        // `get_tm_from`, written out: the compiler would not inline it here.
        let bit = TmKind::Index as u8;
        if mt.tm_absent(bit) {
            return Value::Nil;
        }
        let v = mt.get_short_str(self.global().tm_name(TmKind::Index));
        match v {
            Value::Nil => mt.set_tm_absent(bit),
            _ => self.global().index_cache.insert(mt, v),
        }
        v
    }

    /// `t[k]` with metamethods (`luaV_finishget` and the fast path).
    pub fn index_value(&mut self, t: Value, k: Value, what: Operand) -> LuaResult<Value> {
        self.index_value_from(t, k, what, false)
    }

    /// `index_value` for the VM after its raw lookup in table `t` found nothing
    /// (so the first lookup is not repeated).
    pub fn index_miss(&mut self, t: Value, k: Value, what: Operand) -> LuaResult<Value> {
        self.index_value_from(t, k, what, true)
    }

    fn index_value_from(
        &mut self,
        t: Value,
        k: Value,
        what: Operand,
        mut raw_done: bool,
    ) -> LuaResult<Value> {
        let mut t = t;
        let mut what = what;
        for _ in 0..MAX_TAG_LOOP {
            let tm = match t {
                Value::Table(tab) => {
                    if !raw_done {
                        let v = match k {
                            Value::Str(s) => tab.get_str(s),
                            _ => tab.get(k),
                        };
                        if !v.is_nil() {
                            return Ok(v);
                        }
                    }
                    match tab.metatable() {
                        None => return Ok(Value::Nil),
                        Some(mt) => {
                            let tm = self.index_tm(mt);
                            if tm.is_nil() {
                                return Ok(Value::Nil);
                            }
                            tm
                        }
                    }
                }
                _ => {
                    let tm = self.get_tm(t, TmKind::Index);
                    if tm.is_nil() {
                        return Err(self.index_error(t, what));
                    }
                    tm
                }
            };
            if tm.is_function() {
                return self.call_tm_res(tm, t, k);
            }
            t = tm;
            what = Operand::None;
            raw_done = false;
        }
        Err(self.rt_error_msg("'__index' chain too long; possible loop"))
    }

    /// `t[k] = v` with metamethods (`luaV_finishset` and the fast path).
    pub fn set_index_value(
        &mut self,
        t: Value,
        k: Value,
        v: Value,
        what: Operand,
    ) -> LuaResult<()> {
        let mut t = t;
        let mut what = what;
        for _ in 0..MAX_TAG_LOOP {
            let tm = match t {
                Value::Table(tab) => {
                    let existing = tab.get(k);
                    let tm = if existing.is_nil() {
                        match tab.metatable() {
                            Some(mt) => self.get_tm_from(mt, TmKind::NewIndex),
                            None => Value::Nil,
                        }
                    } else {
                        Value::Nil
                    };
                    if tm.is_nil() {
                        return self.raw_set(tab, k, v);
                    }
                    tm
                }
                _ => {
                    let tm = self.get_tm(t, TmKind::NewIndex);
                    if tm.is_nil() {
                        return Err(self.index_error(t, what));
                    }
                    tm
                }
            };
            if tm.is_function() {
                return self.call_tm(tm, &[t, k, v]);
            }
            t = tm;
            what = Operand::None;
        }
        Err(self.rt_error_msg("'__newindex' chain too long; possible loop"))
    }

    /// Raw assignment with the key errors Lua reports.
    pub fn raw_set(&mut self, t: Gc<Table>, k: Value, v: Value) -> LuaResult<()> {
        match t.set(k, v) {
            Ok(grown) => {
                self.global().heap.barrier_back(t);
                self.account_growth(grown)
            }
            Err(TableError::NilKey) => Err(self.rt_error_msg("table index is nil")),
            Err(TableError::NanKey) => Err(self.rt_error_msg("table index is NaN")),
        }
    }

    /// Calls a metamethod with arguments and returns its first result.
    /// Called on behalf of a Lua frame (an instruction's slow path), the
    /// metamethod may yield: `coroutine::finish_op` completes the instruction.
    pub fn call_tm_res(&mut self, f: Value, a: Value, b: Value) -> LuaResult<Value> {
        let yieldable = self.frames.last().is_some_and(|ci| ci.closure.is_some());
        self.call_tm_res_mode(f, a, b, yieldable)
    }

    fn call_tm_res_mode(
        &mut self,
        f: Value,
        a: Value,
        b: Value,
        yieldable: bool,
    ) -> LuaResult<Value> {
        let func = self.top;
        self.check_stack(3)?;
        // Room was made just above: one bounds check for the three slots.
        self.stack[func..func + 3].copy_from_slice(&[f, a, b]);
        self.top = func + 3;
        if yieldable {
            self.call_yieldable(func, 1)?;
        } else {
            self.call(func, 1)?;
        }
        self.top -= 1;
        Ok(self.stack[self.top])
    }

    /// Calls a metamethod with arguments, discarding results (yieldable from
    /// a Lua frame, as `call_tm_res`).
    pub fn call_tm(&mut self, f: Value, args: &[Value]) -> LuaResult<()> {
        let yieldable = self.frames.last().is_some_and(|ci| ci.closure.is_some());
        self.call_tm_mode(f, args, yieldable)
    }

    fn call_tm_mode(&mut self, f: Value, args: &[Value], yieldable: bool) -> LuaResult<()> {
        let func = self.top;
        self.check_stack(args.len() + 1)?;
        self.push(f);
        for &a in args {
            self.push(a);
        }
        if yieldable {
            self.call_yieldable(func, 0)
        } else {
            self.call(func, 0)
        }
    }

    /// Arithmetic with metamethods: numbers first, then `__add` & co.
    /// `ops` describe where the operands came from, for error messages.
    pub fn arith(
        &mut self,
        op: ArithOp,
        a: Value,
        b: Value,
        ops: (Operand, Operand),
    ) -> LuaResult<Value> {
        if let Some(v) = arith_numbers(op, a, b) {
            return Ok(v);
        }
        if let (Value::Int(_), Value::Int(0)) = (a, b) {
            match op {
                ArithOp::Mod => return Err(self.rt_error_msg("attempt to perform 'n%0'")),
                ArithOp::IDiv => return Err(self.rt_error_msg("attempt to divide by zero")),
                _ => {}
            }
        }
        self.arith_tm(op, a, b, ops)
    }

    /// The metamethod part of arithmetic (`luaT_trybinTM`).
    pub fn arith_tm(
        &mut self,
        op: ArithOp,
        a: Value,
        b: Value,
        ops: (Operand, Operand),
    ) -> LuaResult<Value> {
        let event = op.tm();
        let mut tm = self.get_tm(a, event);
        if tm.is_nil() {
            tm = self.get_tm(b, event);
        }
        if !tm.is_nil() {
            return self.call_tm_res(tm, a, b);
        }
        if op.is_bitwise() {
            if a.is_number() && b.is_number() {
                // A number without an integer representation.
                let culprit = if a.as_integer().is_none() {
                    ops.0
                } else {
                    ops.1
                };
                let info = self.var_info(culprit);
                return Err(self.rt_error_bytes(
                    &[
                        b"number".as_slice(),
                        &info,
                        b" has no integer representation",
                    ]
                    .concat(),
                ));
            }
            return Err(self.op_error(a, b, ops, "perform bitwise operation on"));
        }
        Err(self.op_error(a, b, ops, "perform arithmetic on"))
    }

    /// `luaG_opinterror`: blames the second operand if the first is a number.
    pub fn op_error(
        &mut self,
        a: Value,
        b: Value,
        ops: (Operand, Operand),
        msg: &str,
    ) -> crate::error::LuaError {
        let (culprit, op) = if a.is_number() {
            (b, ops.1)
        } else {
            (a, ops.0)
        };
        self.type_error(culprit, op, msg)
    }

    /// `a < b` with metamethods.
    pub fn less_than(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            _ if a.is_number() && b.is_number() => Ok(crate::arith::num_lt(a, b)),
            (Value::Str(x), Value::Str(y)) => Ok(x.as_bytes() < y.as_bytes()),
            _ => self.compare_tm(a, b, TmKind::Lt),
        }
    }

    /// `a <= b` with metamethods.
    pub fn less_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x <= y),
            _ if a.is_number() && b.is_number() => Ok(crate::arith::num_le(a, b)),
            (Value::Str(x), Value::Str(y)) => Ok(x.as_bytes() <= y.as_bytes()),
            _ => self.compare_tm(a, b, TmKind::Le),
        }
    }

    fn compare_tm(&mut self, a: Value, b: Value, event: TmKind) -> LuaResult<bool> {
        let mut tm = self.get_tm(a, event);
        if tm.is_nil() {
            tm = self.get_tm(b, event);
        }
        if tm.is_nil() {
            if event == TmKind::Le {
                // LUA_COMPAT_LT_LE (on in stock 5.4 builds): a <= b as not (b < a).
                let mut lt = self.get_tm(b, TmKind::Lt);
                if lt.is_nil() {
                    lt = self.get_tm(a, TmKind::Lt);
                }
                if !lt.is_nil() {
                    let r = self.call_tm_res_mode(lt, b, a, false)?;
                    return Ok(r.is_falsy());
                }
            }
            return Err(self.compare_error(a, b));
        }
        let r = self.call_tm_res(tm, a, b)?;
        Ok(!r.is_falsy())
    }

    /// `luaG_ordererror`.
    pub fn compare_error(&mut self, a: Value, b: Value) -> crate::error::LuaError {
        let t1 = self.obj_type_name(a);
        let t2 = self.obj_type_name(b);
        if t1 == t2 {
            self.rt_error_bytes(&[b"attempt to compare two ".as_slice(), &t1, b" values"].concat())
        } else {
            self.rt_error_bytes(&[b"attempt to compare ".as_slice(), &t1, b" with ", &t2].concat())
        }
    }

    /// The type name used in messages: `__name` from the metatable if a string.
    pub fn obj_type_name(&self, v: Value) -> Vec<u8> {
        if let Some(mt) = match v {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            _ => None,
        } {
            if let Value::Str(s) = mt.get_str(self.global().tm_name(TmKind::Name)) {
                return s.as_bytes().to_vec();
            }
        }
        v.type_name().as_bytes().to_vec()
    }

    /// `a == b` with `__eq`.
    pub fn equals(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Table(x), Value::Table(y)) => {
                if x == y {
                    return Ok(true);
                }
            }
            (Value::UserData(x), Value::UserData(y)) => {
                if x == y {
                    return Ok(true);
                }
            }
            _ => return Ok(a.raw_equals(&b)),
        }
        let mut tm = self.get_tm(a, TmKind::Eq);
        if tm.is_nil() {
            tm = self.get_tm(b, TmKind::Eq);
        }
        if tm.is_nil() {
            return Ok(false);
        }
        let r = self.call_tm_res(tm, a, b)?;
        Ok(!r.is_falsy())
    }

    /// `#v` with `__len`.
    pub fn length(&mut self, v: Value, what: Operand) -> LuaResult<Value> {
        match v {
            Value::Table(t) => {
                if let Some(mt) = t.metatable() {
                    let tm = self.get_tm_from(mt, TmKind::Len);
                    if !tm.is_nil() {
                        return self.call_tm_res(tm, v, v);
                    }
                }
                Ok(Value::Int(t.length()))
            }
            Value::Str(s) => Ok(Value::Int(s.len() as i64)),
            _ => {
                let tm = self.get_tm(v, TmKind::Len);
                if tm.is_nil() {
                    return Err(self.type_error(v, what, "get length of"));
                }
                self.call_tm_res(tm, v, v)
            }
        }
    }

    /// Concatenates `n` values at stack[first..first+n], leaving the result in
    /// `stack[first]` (`luaV_concat`: right to left, merging runs of strings).
    pub fn concat(&mut self, first: usize, n: usize) -> LuaResult<()> {
        /// Largest (estimated) result built in `Global::concat_buffer`.
        const CONCAT_BUFFER_ROOM: usize = 256;
        // `top` always marks the end of the operands still to concatenate, so
        // a `__concat` that yields can be finished after a resume
        // (`coroutine::finish_op`).
        self.top = first + n;
        // `a .. b` of two strings, the usual case, without the general loop.
        if n == 2 {
            if let (Value::Str(a), Value::Str(b)) = (self.stack[first], self.stack[first + 1]) {
                let len = a.len() + b.len();
                let s = if len <= CONCAT_BUFFER_ROOM {
                    let g = self.global();
                    let mut buf = std::mem::take(&mut g.concat_buffer);
                    buf.clear();
                    buf.extend_from_slice(a.as_bytes());
                    buf.extend_from_slice(b.as_bytes());
                    let s = g.new_string(&buf);
                    g.concat_buffer = buf;
                    s
                } else {
                    if len > (i32::MAX as usize) * 8 {
                        return Err(self.rt_error_msg("string length overflow"));
                    }
                    self.check_memory_limit(len)?;
                    let mut buf = Vec::with_capacity(len);
                    buf.extend_from_slice(a.as_bytes());
                    buf.extend_from_slice(b.as_bytes());
                    self.global().new_string_owned(buf)
                };
                self.stack[first] = Value::Str(s);
                self.top = first + 1;
                return Ok(());
            }
        }
        let mut total = n;
        while total > 1 {
            let top = first + total;
            let a = self.stack[top - 2];
            let b = self.stack[top - 1];
            if is_str_or_num(a) && is_str_or_num(b) {
                // Collect as many string/number operands as possible.
                let mut k = 2;
                while k < total && is_str_or_num(self.stack[top - k - 1]) {
                    k += 1;
                }
                // Exact room (numbers at their longest): a doubling buffer
                // would allocate up to twice the result, and large results
                // would each cost a fresh mapping.
                let room: usize = self.stack[top - k..top]
                    .iter()
                    .map(|v| match v {
                        Value::Str(s) => s.len(),
                        _ => 48,
                    })
                    .fold(0usize, |a, b| a.saturating_add(b));
                if room > (i32::MAX as usize) * 8 {
                    return Err(self.rt_error_msg("string length overflow"));
                }
                self.check_memory_limit(room)?;
                // A result that will be copied (into a short string or a
                // pool block) is built in the kept buffer; a longer one in
                // a buffer of its own, which becomes the string's.
                let copied = room <= CONCAT_BUFFER_ROOM;
                let mut buf = if copied {
                    std::mem::take(&mut self.global().concat_buffer)
                } else {
                    Vec::with_capacity(room)
                };
                buf.clear();
                for i in top - k..top {
                    let v = self.stack[i];
                    append_str_or_num(&mut buf, v);
                }
                if buf.len() > (i32::MAX as usize) * 8 {
                    return Err(self.rt_error_msg("string length overflow"));
                }
                let s = if copied {
                    let g = self.global();
                    let s = g.new_string(&buf);
                    g.concat_buffer = buf;
                    s
                } else {
                    self.global().new_string_owned(buf)
                };
                self.stack[top - k] = Value::Str(s);
                total -= k - 1;
            } else {
                let mut tm = self.get_tm(a, TmKind::Concat);
                if tm.is_nil() {
                    tm = self.get_tm(b, TmKind::Concat);
                }
                if tm.is_nil() {
                    let culprit = if is_str_or_num(a) { top - 1 } else { top - 2 };
                    let v = self.stack[culprit];
                    return Err(self.type_error(v, Operand::Register(culprit), "concatenate"));
                }
                self.top = top;
                let r = self.call_tm_res(tm, a, b)?;
                self.stack[top - 2] = r;
                total -= 1;
            }
            self.top = first + total;
        }
        Ok(())
    }

    /// Calls `__close` of the value in `slot` with an error value (or nil).
    pub fn call_close_tm(&mut self, obj: Value, err: Value) -> LuaResult<()> {
        self.call_close_tm_mode(obj, err, false)
    }

    /// `call_close_tm`, optionally letting `__close` yield.
    pub fn call_close_tm_mode(&mut self, obj: Value, err: Value, yieldable: bool) -> LuaResult<()> {
        let tm = self.get_tm(obj, TmKind::Close);
        if tm.is_nil() {
            // A variable that lost its metamethod after being marked.
            return Err(self.rt_error_msg("metamethod 'close' is nil"));
        }
        self.call_tm_mode(tm, &[obj, err], yieldable)
    }

    /// Whether a value has a `__close` metamethod or is false/nil (TBC check).
    pub fn check_closable(&mut self, v: Value, slot: usize) -> LuaResult<()> {
        if v.is_falsy() {
            return Ok(());
        }
        if self.get_tm(v, TmKind::Close).is_nil() {
            let name = self
                .local_name_at_slot(slot)
                .unwrap_or_else(|| b"?".to_vec());
            return Err(self.rt_error_bytes(
                &[
                    b"variable '".as_slice(),
                    &name,
                    b"' got a non-closable value",
                ]
                .concat(),
            ));
        }
        Ok(())
    }

    /// The `__call` handler of a non-function, if any.
    pub fn call_handler(&self, v: Value) -> Option<Value> {
        let tm = self.get_tm(v, TmKind::Call);
        if tm.is_nil() {
            None
        } else {
            Some(tm)
        }
    }

    /// Type of a value for `type()`-like queries with metatable names.
    pub fn type_of(&self, v: Value) -> LuaType {
        v.type_of()
    }
}

#[inline]
fn is_str_or_num(v: Value) -> bool {
    matches!(v, Value::Str(_) | Value::Int(_) | Value::Float(_))
}

/// Appends the string form of a string or number (`luaO_tostring`).
pub fn append_str_or_num(buf: &mut Vec<u8>, v: Value) {
    match v {
        Value::Str(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Int(i) => {
            // Decimal digits from the end of a stack buffer (no formatter).
            let mut digits = [0u8; 20];
            let mut pos = digits.len();
            let mut n = i.unsigned_abs();
            loop {
                pos -= 1;
                digits[pos] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            if i < 0 {
                buf.push(b'-');
            }
            buf.extend_from_slice(&digits[pos..]);
        }
        Value::Float(f) => buf.extend_from_slice(&crate::numfmt::fmt_float_lua(f)),
        _ => {}
    }
}
