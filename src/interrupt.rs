//! Stopping running Lua code from a signal handler (what `lua.c` does on
//! Ctrl-C: `laction` sets a count hook of 1 and the hook raises
//! "interrupted!").
//!
//! A host keeps an [`Interrupter`] for its main thread; the signal handler
//! calls [`Interrupter::interrupt`], which only stores to memory (it is
//! async-signal-safe). The VM then runs the count hook at the next
//! instruction, and `check` (called first thing by the hook dispatcher)
//! turns the request into the error and, as `lua.c`, turns the thread's hook
//! off. Native functions are not interrupted: the request waits until
//! Lua code runs again.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::LuaResult;
use crate::state::State;
use crate::stdlib::dblib::MASK_COUNT;

/// An interruption was requested and not yet delivered.
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// A handle a signal handler can use to interrupt one thread.
#[derive(Clone, Copy, Debug)]
pub struct Interrupter {
    state: *mut State,
}

// SAFETY: the handle is only a pointer used from a signal handler of the
// thread that owns the state (see `interrupt`); it is never dereferenced to
// create references.
unsafe impl Send for Interrupter {}
// SAFETY: as above.
unsafe impl Sync for Interrupter {}

impl Interrupter {
    /// A handle on `l` (normally the main thread, whose `State` never moves).
    pub fn new(l: &mut State) -> Interrupter {
        Interrupter {
            state: l as *mut State,
        }
    }

    /// Requests that the thread stop with the error "interrupted!" at its
    /// next Lua instruction.
    ///
    /// # Safety
    /// The state must still be alive, and this must be called only from a
    /// signal handler running on the thread that runs the state (as PUC's
    /// `lua_sethook` from `laction`): the two stores below then cannot race
    /// with another CPU, only interleave with the interpreter between its
    /// instructions, and the VM reloads the hook mask before each one.
    pub unsafe fn interrupt(self) {
        REQUESTED.store(true, Ordering::SeqCst);
        let s = self.state;
        // SAFETY: per the contract, `s` points to a live `State`; raw
        // volatile accesses to two plain fields, no reference is formed.
        unsafe {
            std::ptr::write_volatile(std::ptr::addr_of_mut!((*s).hook_count), 1);
            let mask = std::ptr::read_volatile(std::ptr::addr_of!((*s).hook_mask));
            std::ptr::write_volatile(std::ptr::addr_of_mut!((*s).hook_mask), mask | MASK_COUNT);
        }
    }
}

/// Delivers a pending interruption: turns the thread's hook off
/// (`clear_hook(l)`, as `lua.c` does) and fails with "interrupted!". Does
/// nothing when no interruption is pending.
pub(crate) fn check(l: &mut State, clear_hook: fn(&mut State)) -> LuaResult<()> {
    if !REQUESTED.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    clear_hook(l);
    let msg = l.new_str_value(b"interrupted!");
    Err(crate::error::LuaError::runtime(msg))
}
