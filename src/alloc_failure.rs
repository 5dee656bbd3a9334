//! Allocation-failure injection for tests (PUC's `ltests.c` memory control,
//! `T.alloccount`): the n-th accounted allocation fails as if the state were
//! over its memory limit.
//!
//! Counted allocations are those the heap accounts for: every object
//! (`Heap::alloc`), every growth of an object's memory (`Heap::adjust` with a
//! positive size: tables, the stack and frame list of a thread) and every
//! buffer reserved through `State::check_memory_limit` (string building in
//! `string.rep`, `string.format`, `table.concat`, concatenation, `gsub`,
//! loading source). At the chosen allocation the heap counts as over its
//! limit: the next limit check (at once for a reserved buffer, else at the
//! next safe point or table store) runs an emergency collection and raises
//! "not enough memory", exactly as a real limit would. It fails once and
//! later allocations succeed, so recovery can be checked; or, with
//! `fail_allocations_from`, every check from then on fails too (memory stays
//! exhausted, as PUC's `T.alloccount`), which drives the error paths
//! themselves (message handlers, `__close`, coroutines) out of memory.
//!
//! Off, it costs one test of a field next to the byte count `alloc` updates.

use crate::gc::Heap;

/// The injector's state, kept in the heap.
#[derive(Clone, Copy, Debug)]
pub struct FailureInjection {
    /// Which allocation fails (1 = the first counted); 0 = off.
    fail_at: u64,
    /// Allocations counted since the injector was armed.
    count: u64,
    /// The chosen allocation happened and no limit check has failed for it yet.
    pub(crate) pending: bool,
    /// The injected failure was raised as an error.
    raised: bool,
    /// Every limit check after the chosen allocation fails.
    persistent: bool,
}

impl FailureInjection {
    /// The injector switched off.
    pub const OFF: FailureInjection = FailureInjection {
        fail_at: 0,
        count: 0,
        pending: false,
        raised: false,
        persistent: false,
    };

    #[inline(always)]
    pub(crate) fn is_armed(&self) -> bool {
        self.fail_at != 0
    }

    /// Counts one allocation; true when it is the one to fail.
    pub(crate) fn count_one(&mut self) -> bool {
        self.count += 1;
        if self.count == self.fail_at {
            self.pending = true;
            return true;
        }
        false
    }
}

impl Heap {
    /// Makes the `n`-th accounted allocation from now on fail (n ≥ 1), once.
    /// `n = 0` switches injection off. For tests only.
    pub fn fail_allocation_at(&mut self, n: u64) {
        self.failures = FailureInjection {
            fail_at: n,
            ..FailureInjection::OFF
        };
    }

    /// Makes the `n`-th accounted allocation from now on fail, and every
    /// limit check after it, until `fail_allocation_at(0)`. For tests only.
    pub fn fail_allocations_from(&mut self, n: u64) {
        self.failures = FailureInjection {
            fail_at: n,
            persistent: n != 0,
            ..FailureInjection::OFF
        };
    }

    /// Allocations counted since `fail_allocation_at` armed the injector.
    pub fn counted_allocations(&self) -> u64 {
        self.failures.count
    }

    /// Whether the injected failure was raised as "not enough memory".
    pub fn injected_failure_raised(&self) -> bool {
        self.failures.raised
    }

    /// Whether the chosen allocation happened but no check has failed yet.
    pub fn injected_failure_pending(&self) -> bool {
        self.failures.pending
    }

    /// The failing limit check reports the injected failure: it is over.
    pub(crate) fn injected_failure_reported(&mut self) {
        if self.failures.pending {
            self.failures.pending = self.failures.persistent;
            self.failures.raised = true;
            if self.failures.persistent {
                // The next safe point checks (and fails) again.
                self.threshold = 0;
            }
        }
    }

    /// Counts a buffer about to be allocated (a limit check with `extra > 0`).
    #[inline]
    pub(crate) fn note_buffer(&mut self, extra: usize) {
        if extra > 0 && self.failures.is_armed() {
            self.note_allocation();
        }
    }
}
