//! How much of the running thread's native (Rust) stack is left.
//!
//! Nested native calls are counted, as PUC counts C calls (`MAX_CCALLS`), but a
//! count cannot know how big the frames are (a debug build's are many times a
//! release build's) or how big the thread's stack is (a host may run a state on
//! a thread with 256 KiB). So the places that count nesting (calls from native
//! code, coroutine resumes, the parser's recursion, the pattern matcher, the
//! binary-chunk loader) also ask [`is_low`], and fail with "C stack overflow"
//! while enough stack is left to raise and handle the error, instead of letting
//! the process crash.
//!
//! The thread's stack bounds come from `pthread_getattr_np` (Linux with glibc);
//! elsewhere (and under Miri) they are unknown and only the counts apply.

use std::cell::Cell;

/// Stack kept free below the deepest allowed nesting: room for the work
/// between two checks (one native call level, a matcher or parser step) and
/// for raising the error and running a message handler.
#[cfg(debug_assertions)]
pub const RESERVE: usize = 1 << 20;
/// Stack kept free below the deepest allowed nesting (see the debug value).
#[cfg(not(debug_assertions))]
pub const RESERVE: usize = 128 << 10;

thread_local! {
    /// The lowest address of this thread's stack; 0 until asked, 1 when unknown.
    static LOW_END: Cell<usize> = const { Cell::new(0) };
}

/// Whether less than `reserve` bytes of this thread's stack are left below
/// the caller. `false` when the stack's bounds are unknown. Inline: a
/// thread-local load and a comparison, asked at every native-to-Lua call.
#[inline(always)]
pub fn is_low(reserve: usize) -> bool {
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    let low = match LOW_END.get() {
        0 => first_low_end(),
        low => low,
    };
    low > 1 && here.saturating_sub(low) < reserve
}

/// `LOW_END` on this thread's first question (out of line: every native call
/// from Lua asks, and only the first one does this).
#[cold]
#[inline(never)]
fn first_low_end() -> usize {
    let low = stack_low_end().unwrap_or(1);
    LOW_END.set(low);
    low
}

/// The lowest address of the calling thread's stack. (Not under Miri, which
/// runs no foreign functions: there the counts alone apply.)
#[cfg(all(target_os = "linux", target_env = "gnu", not(miri)))]
fn stack_low_end() -> Option<usize> {
    // SAFETY: a plain C struct, for which all-zero bytes are a valid value.
    let mut attr: libc::pthread_attr_t = unsafe { std::mem::zeroed() };
    // SAFETY: fills the attribute object we own (it may overwrite it).
    if unsafe { libc::pthread_getattr_np(libc::pthread_self(), &mut attr) } != 0 {
        return None;
    }
    let mut addr: *mut libc::c_void = std::ptr::null_mut();
    let mut size: libc::size_t = 0;
    // SAFETY: reads the initialised attributes into our two locals.
    let r = unsafe { libc::pthread_attr_getstack(&attr, &mut addr, &mut size) };
    // SAFETY: destroyed once, after its last use; no pointer into it escapes.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    (r == 0 && !addr.is_null() && size > 0).then_some(addr as usize)
}

/// The lowest address of the calling thread's stack: unknown here.
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(miri))))]
fn stack_low_end() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plenty_of_stack_is_not_low() {
        // Tests run on threads with at least 2 MiB.
        assert!(!is_low(16 << 10));
    }

    #[test]
    fn a_reserve_bigger_than_the_stack_is_low() {
        #[cfg(all(target_os = "linux", target_env = "gnu", not(miri)))]
        {
            let low = std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(|| is_low(1 << 30))
                .unwrap()
                .join()
                .unwrap();
            assert!(low);
        }
    }
}
