//! Threads through the stack API: creating, resuming, moving values between
//! threads of one state.

use super::{Slot, Stack};
use crate::coroutine::ResumeOutcome;
use crate::error::LuaResult;
use crate::gc::Gc;
use crate::state::{State, Thread, ThreadStatus};
use crate::value::Value;

/// How a [`Stack::resume`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resumed {
    /// The coroutine yielded this many values (pushed).
    Yield(usize),
    /// The coroutine's body returned this many values (pushed).
    Return(usize),
}

/// A coroutine's state, seen from another thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Suspended in a yield, or not started.
    Suspended,
    /// Running (the asking thread).
    Running,
    /// Active but not running: it resumed another coroutine.
    Normal,
    /// Finished or failed.
    Dead,
}

/// The state of another thread.
#[allow(clippy::mut_from_ref)]
fn thread_state(co: &Gc<Thread>) -> &mut State {
    // SAFETY: callers check that `co` is neither the running thread nor an
    // active one (which has a live `&mut State` up the native stack), and
    // threads run one at a time, so no other reference to its state is live.
    unsafe { &mut *co.state_ptr() }
}

impl Stack<'_> {
    fn thread_at(&mut self, idx: i32) -> LuaResult<Gc<Thread>> {
        match self.value(idx)? {
            Value::Thread(t) => Ok(t),
            v => Err(self.misuse(&format!(
                "thread expected at index {idx}, got {}",
                v.type_name()
            ))),
        }
    }

    /// A thread other than this one, not running nor resuming another.
    fn other_thread(&mut self, idx: i32) -> LuaResult<Gc<Thread>> {
        let t = self.thread_at(idx)?;
        if Some(t) == self.l.thread || thread_state(&t).active {
            return Err(self.misuse("the thread is running"));
        }
        Ok(t)
    }

    /// Pushes a new thread sharing this state's globals (`lua_newthread`).
    pub fn new_thread(&mut self) {
        let t = self.l.new_thread();
        self.l.push(Value::Thread(t));
    }

    /// The state of the thread at `idx` as `coroutine.status` reports it.
    pub fn thread_status(&mut self, idx: i32) -> LuaResult<ThreadState> {
        let t = self.thread_at(idx)?;
        if Some(t) == self.l.thread {
            return Ok(ThreadState::Running);
        }
        let s = thread_state(&t);
        Ok(if s.active {
            ThreadState::Normal
        } else {
            match s.status {
                ThreadStatus::Yielded => ThreadState::Suspended,
                ThreadStatus::Ok if s.frames.is_empty() && s.top > 0 => ThreadState::Suspended,
                _ => ThreadState::Dead,
            }
        })
    }

    /// Runs `f` with this stack and the stack of the thread at `idx`, which
    /// must be suspended or not started (for instance to push a body and
    /// arguments before [`resume`](Self::resume), or to move values with
    /// [`xmove`](Self::xmove)). The thread stays alive meanwhile.
    pub fn with_thread<R>(
        &mut self,
        idx: i32,
        f: impl FnOnce(&mut Stack, &mut Stack) -> R,
    ) -> LuaResult<R> {
        let t = self.other_thread(idx)?;
        // Keep the thread reachable even if `f` pops it.
        let pin = self.l.top();
        self.l.push(Value::Thread(t));
        let mut co = Stack {
            l: thread_state(&t),
        };
        let r = f(self, &mut co);
        // Drop the pin, keeping whatever `f` pushed above it.
        if self.l.top() > pin && matches!(self.l.at(pin), Value::Thread(x) if x == t) {
            // Shift down by one in place (the buffer must not move: open
            // upvalues point into it).
            self.l.stack[pin..].rotate_left(1);
            if let Some(last) = self.l.stack.last_mut() {
                *last = Value::Nil;
            }
            self.l.top -= 1;
        }
        Ok(r)
    }

    /// Moves the top `n` values of this stack to the top of `to`
    /// (`lua_xmove`). Both must be threads of the same state.
    pub fn xmove(&mut self, to: &mut Stack, n: usize) -> LuaResult<()> {
        if !std::ptr::eq(self.l.global(), to.l.global()) {
            return Err(self.misuse("cannot move values between different states"));
        }
        self.need(n)?;
        to.l.check_stack(n)?;
        let top = self.l.top();
        for i in top - n..top {
            let v = self.l.at(i);
            to.l.push(v);
        }
        self.pop(n);
        Ok(())
    }

    /// Resumes the coroutine at `idx` with the top `nargs` values of this
    /// stack as arguments (popped); its yielded or returned values are pushed
    /// here (`lua_resume`). A coroutine not started yet must have its body
    /// pushed on its own stack first (see [`with_thread`](Self::with_thread)),
    /// as `coroutine.create` does. On error the error value is pushed and
    /// returned.
    pub fn resume(&mut self, idx: i32, nargs: usize) -> LuaResult<Resumed> {
        let t = self.other_thread(idx)?;
        self.need(nargs)?;
        let co = thread_state(&t);
        if let Err(msg) = co.resumable() {
            let e = self.misuse(msg);
            self.pop(nargs);
            self.l.push(e.value);
            return Err(e);
        }
        let top = self.l.top();
        let args = self.l.stack[top - nargs..top].to_vec();
        // The arguments stay on this stack (rooted) until the resume ends.
        let r = co.resume(self.l, &args);
        self.pop(nargs);
        match r {
            Ok(ResumeOutcome::Yield(v)) => {
                self.l.check_stack(v.len())?;
                self.l.push_all(&v);
                Ok(Resumed::Yield(v.len()))
            }
            Ok(ResumeOutcome::Return(v)) => {
                self.l.check_stack(v.len())?;
                self.l.push_all(&v);
                Ok(Resumed::Return(v.len()))
            }
            Err(e) => {
                self.l.push(e.value);
                Err(e)
            }
        }
    }

    /// Closes the thread at `idx` (`lua_closethread`): runs its pending
    /// `__close` handlers and marks it dead. Returns the error that ended it
    /// or that a handler raised.
    pub fn close_thread(&mut self, idx: i32) -> LuaResult<()> {
        let t = self.other_thread(idx)?;
        let co = thread_state(&t);
        let err = if co.errored {
            co.errored = false;
            co.transfer.pop().map(crate::LuaError::runtime)
        } else {
            None
        };
        co.n_ccalls = self.l.n_ccalls;
        co.close_thread(err)
    }

    /// Whether the value at `idx` names a slot of this stack (not a
    /// pseudo-index).
    pub fn is_stack_slot(&self, idx: i32) -> bool {
        matches!(self.slot(idx), Some(Slot::Stack(_)))
    }
}
