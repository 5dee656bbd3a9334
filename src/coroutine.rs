//! Coroutine switching (the resume/yield half of PUC's `ldo.c`).
//!
//! A coroutine is a `Thread` with its own stack and frames. `resume` runs it on
//! the native stack of the resumer. A yield unwinds the native stack with an
//! `Err` of kind `Yield`, leaving the coroutine's frames in place; the next
//! resume finishes the interrupted frames from the top down (`unroll`): Lua
//! frames continue in `execute`, and `pcall`/`xpcall` frames (the only native
//! frames that may be interrupted) complete through their continuation.
//! Natives that call Lua with `State::call` make the thread non-yieldable for
//! the duration (`nny`), so nothing else can be interrupted.

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::opcodes::{get_a, get_c, get_k, get_op, OpCode};
use crate::state::{call_status, State, ThreadStatus, MAX_CCALLS};
use crate::value::Value;

/// How a `resume_in_place` ended (the values stay in the coroutine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResumeEnd {
    Yielded,
    Returned,
}

/// What a resume ended with.
pub enum ResumeOutcome {
    /// The coroutine yielded these values.
    Yield(Vec<Value>),
    /// The coroutine's body returned these values.
    Return(Vec<Value>),
}

impl State {
    /// Whether this thread can be resumed now; `Err` carries PUC's message.
    pub fn resumable(&self) -> Result<(), &'static str> {
        if self.active {
            return Err("cannot resume non-suspended coroutine");
        }
        match self.status {
            ThreadStatus::Yielded => Ok(()),
            ThreadStatus::Ok if self.frames.is_empty() && self.top > 0 => Ok(()),
            _ => Err("cannot resume dead coroutine"),
        }
    }

    /// Resumes this coroutine with `args` on behalf of the thread `from`.
    /// Errors kill the coroutine (its stack is kept for inspection, as PUC
    /// does).
    pub fn resume(&mut self, from: &mut State, args: &[Value]) -> Result<ResumeOutcome, LuaError> {
        match self.resume_in_place(from, args)? {
            ResumeEnd::Yielded => Ok(ResumeOutcome::Yield(std::mem::take(&mut self.transfer))),
            ResumeEnd::Returned => {
                let results = self.stack[..self.top].to_vec();
                self.top = 0;
                Ok(ResumeOutcome::Return(results))
            }
        }
    }

    /// `resume` leaving the values passed back where the coroutine put them
    /// (its `transfer` list, or its stack for a return) for `move_resume_results`,
    /// which copies them without building a list (PUC's `lua_xmove`).
    pub(crate) fn resume_in_place(
        &mut self,
        from: &mut State,
        args: &[Value],
    ) -> Result<ResumeEnd, LuaError> {
        self.n_ccalls = from.n_ccalls + 1;
        if self.n_ccalls >= MAX_CCALLS || crate::cstack::is_low(crate::cstack::RESERVE) {
            let e = self.rt_error_msg("C stack overflow");
            return Err(e);
        }
        self.nny = 0;
        self.active = true;
        from.active = true;
        // From here until the coroutine stops, `from` is touched only through
        // this pointer (by the collector, and by upvalues open on its stack).
        self.resumer = from;
        let r = self.resume_inner(args);
        self.resumer = std::ptr::null_mut();
        from.active = false;
        self.active = false;
        match r {
            Ok(()) => {
                self.status = ThreadStatus::Dead;
                Ok(ResumeEnd::Returned)
            }
            Err(e) if e.kind == ErrorKind::Yield => {
                self.status = ThreadStatus::Yielded;
                Ok(ResumeEnd::Yielded)
            }
            Err(e) => {
                self.status = ThreadStatus::Dead;
                self.errored = true;
                self.transfer = vec![e.value];
                Err(e)
            }
        }
    }

    /// The number of values a `resume_in_place` that ended with `end` passes back.
    pub(crate) fn resume_result_count(&self, end: ResumeEnd) -> usize {
        match end {
            ResumeEnd::Yielded => self.transfer.len(),
            ResumeEnd::Returned => self.top,
        }
    }

    /// Drops the values passed back by a `resume_in_place` that ended with `end`.
    pub(crate) fn drop_resume_results(&mut self, end: ResumeEnd) {
        match end {
            ResumeEnd::Yielded => self.transfer.clear(),
            ResumeEnd::Returned => self.top = 0,
        }
    }

    /// Pushes the values passed back by a `resume_in_place` that ended with
    /// `end` onto `to` (which has room for them), and drops them here.
    pub(crate) fn move_resume_results(&mut self, end: ResumeEnd, to: &mut State) {
        match end {
            ResumeEnd::Yielded => {
                for &v in &self.transfer {
                    to.push(v);
                }
                self.transfer.clear();
            }
            ResumeEnd::Returned => {
                for &v in &self.stack[..self.top] {
                    to.push(v);
                }
                self.top = 0;
            }
        }
    }

    fn resume_inner(&mut self, args: &[Value]) -> LuaResult<()> {
        if self.status == ThreadStatus::Ok {
            // Start the body: the function is at stack[0].
            self.top = 1;
            self.check_stack(args.len())?;
            for &a in args {
                self.push(a);
            }
            match self.precall(0, -1) {
                Ok(crate::call::PreCall::Lua) => {
                    let n = self.frames.len();
                    self.frames[n - 1].status |= call_status::FRESH;
                }
                Ok(crate::call::PreCall::Native) => return Ok(()),
                Err(e) if e.kind == ErrorKind::Yield => return Err(e),
                Err(e) => {
                    self.recover(e)?;
                    if self.frames.is_empty() {
                        return Ok(());
                    }
                }
            }
        } else {
            // Finish the `yield` call: the resume arguments are its results.
            self.status = ThreadStatus::Ok;
            self.check_stack(args.len())?;
            for &a in args {
                self.push(a);
            }
            // A native that yielded with a continuation finishes through it
            // (the resume arguments are on its stack); otherwise the resume
            // arguments are the results of the yielding call.
            let mut nres = args.len();
            if let Some(k) =
                self.frames
                    .last()
                    .and_then(|ci| if ci.closure.is_none() { ci.k } else { None })
            {
                nres = k(self)?;
            }
            if self.hook_mask != 0 && !self.frames.is_empty() {
                let first = self.top - nres;
                crate::vm::ret_hook(self, first, nres)?;
            }
            self.poscall(nres);
            if self.frames.is_empty() {
                // The body itself was `yield`: its results are the arguments.
                return Ok(());
            }
        }
        self.unroll()
    }

    /// Runs interrupted frames until the body returns.
    fn unroll(&mut self) -> LuaResult<()> {
        loop {
            let ci = match self.frames.last() {
                Some(ci) => *ci,
                None => return Ok(()),
            };
            let step = if ci.closure.is_some() {
                self.finish_op().and_then(|_| crate::vm::execute(self))
            } else {
                match ci.k {
                    Some(k) => k(self).map(|n| self.poscall(n)),
                    None => Err(self.rt_error_msg("cannot resume this native function")),
                }
            };
            if let Err(e) = step {
                if e.kind == ErrorKind::Yield {
                    return Err(e);
                }
                self.recover(e)?;
            }
        }
    }

    /// Completes the instruction a Lua frame was executing when it was
    /// interrupted by a yield (PUC's `luaV_finishOp`, for the calls that can yield).
    fn finish_op(&mut self) -> LuaResult<()> {
        let n = self.frames.len();
        let ci = self.frames[n - 1];
        let cl = match ci.closure {
            Some(c) => c,
            None => return Ok(()),
        };
        if ci.pc_index() == 0 {
            // A frame that has not started yet: nothing was interrupted.
            return Ok(());
        }
        let pc = ci.pc_index() - 1;
        let i = match cl.proto.code.get(pc) {
            Some(&i) => i,
            None => return Ok(()),
        };
        let base = ci.base;
        let result = if self.top > 0 {
            self.stack[self.top - 1]
        } else {
            Value::Nil
        };
        match get_op(i) {
            OpCode::CALL => {
                if get_c(i) != 0 {
                    self.top = ci.top;
                }
            }
            OpCode::TFORCALL => {
                self.top = ci.top;
            }
            OpCode::MMBIN | OpCode::MMBINI | OpCode::MMBINK => {
                // The result goes to the arithmetic instruction's register.
                if let Some(&prev) = cl.proto.code.get(pc.wrapping_sub(1)) {
                    self.stack[base + get_a(prev) as usize] = result;
                }
                self.top = ci.top;
            }
            OpCode::UNM
            | OpCode::BNOT
            | OpCode::LEN
            | OpCode::GETTABUP
            | OpCode::GETTABLE
            | OpCode::GETI
            | OpCode::GETFIELD
            | OpCode::SELF => {
                self.stack[base + get_a(i) as usize] = result;
                self.top = ci.top;
            }
            OpCode::LT
            | OpCode::LE
            | OpCode::LTI
            | OpCode::LEI
            | OpCode::GTI
            | OpCode::GEI
            | OpCode::EQ => {
                // The next instruction is the jump: skip it unless the
                // outcome matches k.
                let res = !result.is_falsy();
                if res != get_k(i) {
                    let n = self.frames.len();
                    self.frames[n - 1].advance_pc(1);
                }
                self.top = ci.top;
            }
            OpCode::CLOSE => {
                // Run the instruction again to close the remaining variables.
                self.frames[n - 1].advance_pc(-1);
                self.top = ci.top;
            }
            OpCode::RETURN => {
                self.top = base + get_a(i) as usize + ci.saved_nres;
                self.frames[n - 1].advance_pc(-1);
            }
            OpCode::CONCAT => {
                // The `__concat` result is at the old top; the operands not
                // yet concatenated end just below the pair it replaces.
                let func = self.top - 1;
                let first = base + get_a(i) as usize;
                self.stack[func - 2] = self.stack[func];
                let total = func - 1 - first;
                self.concat(first, total)?;
                self.top = ci.top;
            }
            _ => {
                self.top = ci.top;
            }
        }
        Ok(())
    }

    /// After an error while unrolling: finds the innermost interrupted
    /// `pcall`/`xpcall` and makes it return `false, err`; without one, the
    /// error ends the coroutine.
    fn recover(&mut self, e: LuaError) -> LuaResult<()> {
        let pos = self
            .frames
            .iter()
            .rposition(|ci| ci.closure.is_none() && ci.status & call_status::YIELDABLE_PCALL != 0);
        let p = match pos {
            Some(p) => p,
            None => return Err(e),
        };
        // A Rust function's `raw::Stack::pcall_k` recovers through its continuation.
        if crate::raw::is_pending_pcall(self, p) {
            return crate::raw::recover_pcall_k(self, p, e);
        }
        let ci = self.frames[p];
        let mut e = e;
        if ci.status & call_status::XPCALL != 0 {
            let handler = self.stack[ci.func + 1];
            e = self.run_message_handler(handler, e);
        }
        let level = protected_level(&ci);
        self.nny = 0;
        let v = self.pcall_close_after_error(p, level, e)?;
        self.top = level;
        self.push(Value::Bool(false));
        self.push(v);
        self.poscall(2);
        Ok(())
    }

    /// `coroutine.yield` from a native function: stores the values and unwinds.
    /// Return the result as the native's error: `return Err(l.yield_values(v))`.
    /// When the coroutine is resumed, the resume arguments become the native
    /// function's results.
    /// `coroutine.yield` of the running native function's arguments: like
    /// `yield_values`, reusing the transfer list's storage.
    pub(crate) fn yield_arguments(&mut self) -> LuaError {
        let first = self.arg_base().min(self.top);
        self.transfer.clear();
        self.transfer
            .extend_from_slice(&self.stack[first..self.top]);
        LuaError {
            kind: ErrorKind::Yield,
            value: Value::Nil,
        }
    }

    pub fn yield_values(&mut self, values: Vec<Value>) -> LuaError {
        self.transfer = values;
        LuaError {
            kind: ErrorKind::Yield,
            value: Value::Nil,
        }
    }

    /// Like `yield_values`, with a continuation (PUC's `lua_yieldk`): after the
    /// resume, `k` runs in place of the yielding native function, with the
    /// resume arguments pushed on its stack, and returns its number of results.
    ///
    /// ```
    /// use crescent::{Lua, LuaResult, State, Value};
    /// fn ask(l: &mut State) -> LuaResult<usize> {
    ///     fn answer(l: &mut State) -> LuaResult<usize> {
    ///         // The resume argument is on top; return it doubled.
    ///         let v = l.pop();
    ///         l.push(Value::Int(v.as_integer().unwrap_or(0) * 2));
    ///         Ok(1)
    ///     }
    ///     let q = l.new_str_value(b"question");
    ///     Err(l.yield_with_continuation(vec![q], answer))
    /// }
    /// let mut lua = Lua::new();
    /// let l = lua.state();
    /// let g = l.global().globals;
    /// l.set_functions(g, &[("ask", ask)]);
    /// let out = lua.eval("local co = coroutine.wrap(function() return ask() + 1 end)
    ///                     return co(), co(20)").unwrap();
    /// assert_eq!(out, "question\t41");
    /// ```
    pub fn yield_with_continuation(
        &mut self,
        values: Vec<Value>,
        k: crate::value::NativeFn,
    ) -> LuaError {
        if let Some(ci) = self.frames.last_mut() {
            ci.k = Some(k);
        }
        self.yield_values(values)
    }

    /// Whether the running code may yield (PUC's `lua_isyieldable`).
    pub fn is_yieldable(&self) -> bool {
        self.nny == 0 && Some(self.global().main_thread) != self.thread
    }

    /// Closes a suspended or dead coroutine's pending to-be-closed variables
    /// (`lua_closethread`). Returns the error that ended it, if any remains.
    pub fn close_thread(&mut self, err: Option<LuaError>) -> Result<(), LuaError> {
        let e = err.unwrap_or(LuaError {
            kind: ErrorKind::Runtime,
            value: Value::Nil,
        });
        let had_error = err.is_some();
        let was_active = self.active;
        self.active = true;
        self.frames.clear();
        self.nny = 0;
        let before = self.tbc_slots.len();
        let result = if before > 0 || !self.open_upvalues.is_empty() {
            let r = self.close_after_error(0, e);
            if had_error || !r.value.is_nil() || r.kind != ErrorKind::Runtime {
                Some(r)
            } else {
                None
            }
        } else if had_error {
            Some(e)
        } else {
            None
        };
        self.frames.clear();
        self.top = 0;
        self.status = ThreadStatus::Dead;
        self.active = was_active;
        match result {
            Some(r) if had_error || !r.value.is_nil() => Err(r),
            _ => Ok(()),
        }
    }
}

/// Stack index of the function a `pcall`/`xpcall` frame protects.
pub fn protected_level(ci: &crate::state::CallInfo) -> usize {
    if ci.status & call_status::XPCALL != 0 {
        ci.func + 2
    } else {
        ci.func + 1
    }
}
