//! Driving the collector (PUC's `luaC_step`, `singlestep`, `luaC_fullgc`,
//! `genstep`, `GCTM`): when steps run, how much work each does, the cycle's
//! phases, the two modes, finalizer calls, emergency collections and the
//! memory limit. `gc.rs` holds the heap and the marking and sweeping
//! primitives this module sequences.
//!
//! Incremental mode: a cycle goes pause → propagate → atomic → sweep (objects,
//! finalizable objects, objects to be finalized) → end → call finalizers →
//! pause. Steps run at safe points (`State::check_gc`) once the heap has grown
//! past its threshold; each does work proportional to the bytes allocated since
//! the last (`stepmul`, `stepsize`), and a finished cycle waits until memory
//! grows by `pause` percent.
//!
//! Generational mode: young collections (mark from the roots, old1 objects and
//! touched tables; sweep only young objects) after memory grows by `minormul`
//! percent, major (full) collections after it grows by `majormul` percent over
//! the size after the last major one.

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::gc::{GcKind, Phase, WORK_TO_MEM};
use crate::state::{call_status, Global, State, Thread};
use crate::tm::TmKind;
use crate::value::Value;

/// Finalizers run by one step in the call-finalizers phase (`GCFINMAX`).
const FINALIZERS_PER_STEP: usize = 10;
/// Work units a finalizer call counts for (`GCFINALIZECOST`).
const FINALIZER_COST: usize = 50;
/// Work of one step in stress mode: small, so steps interleave finely with
/// the program.
const STRESS_STEP_WORK: usize = 64;
/// Safe points between two young collections in generational stress mode.
const STRESS_YOUNG_EVERY: usize = 8;
/// Stress steps between two heap verifications.
const STRESS_VERIFY_EVERY: usize = 64;

impl Global {
    /// Marks the roots: the registry, the globals, the main thread, per-type
    /// metatables, interned names the runtime keeps, objects waiting for their
    /// finalizers, and the running thread.
    fn mark_roots(&mut self, running: crate::gc::Gc<Thread>) {
        let mut marker = std::mem::take(&mut self.heap.marker);
        marker.mark_table(self.registry);
        marker.mark_table(self.globals);
        marker.mark_thread(self.main_thread);
        marker.mark_thread(running);
        for mt in self.type_metatables.iter().flatten() {
            marker.mark_table(*mt);
        }
        for &s in &self.tm_names {
            marker.mark_string(s);
        }
        for &s in &self.name_cache {
            marker.mark_string(s);
        }
        marker.mark_string(self.memory_error_message);
        self.heap.marker = marker;
        self.heap.mark_being_finalized();
    }

    /// The atomic phase: marks the roots again, finishes marking without
    /// interruption, clears weak tables, separates objects to finalize, drops
    /// dead strings from the string table and flips the current white. In a
    /// young collection (`young`) only young strings can have died.
    fn atomic(&mut self, running: crate::gc::Gc<Thread>, young: bool) -> usize {
        self.mark_roots(running);
        let mut work = self.heap.atomic_propagate();
        let strings = &mut self.strings;
        let before = strings.bytes();
        work += self.heap.atomic_finish(|heap| {
            if young {
                for s in heap.dead_young_short_strings() {
                    strings.remove(s);
                }
            } else {
                strings.remove_dead();
            }
        });
        // The string table shrinks with the strings that died.
        self.heap
            .adjust(self.strings.bytes() as isize - before as isize);
        work
    }
}

impl State {
    /// Runs a collector step if the heap has grown past its threshold (PUC's
    /// `luaC_checkGC`). Call only at safe points: every live value must be
    /// reachable from the roots. Fails with "not enough memory" when the
    /// state is over its memory limit even after an emergency collection.
    #[inline(always)]
    pub fn check_gc(&mut self) -> LuaResult<()> {
        if self.global().heap.should_collect() {
            self.gc_step_slow()?;
        }
        Ok(())
    }

    #[inline(never)]
    fn gc_step_slow(&mut self) -> LuaResult<()> {
        let heap = &mut self.global().heap;
        // A pending injected failure is raised below without a step first.
        let failure_pending = heap.failures.pending;
        if !heap.created_since_step && !heap.stress && !failure_pending {
            // Only tables grew since the last step: wait for the next object
            // (see `Heap::created_since_step`).
            return Ok(());
        }
        heap.created_since_step = false;
        if heap.running && !heap.in_finalizer && !failure_pending {
            if heap.stress {
                self.stress_step();
            } else {
                self.gc_step();
            }
        }
        self.check_memory_limit(0)
    }

    /// Fails with "not enough memory" if the heap, plus `extra` bytes about to
    /// be allocated, is over the state's limit after an emergency collection.
    pub fn check_memory_limit(&mut self, extra: usize) -> LuaResult<()> {
        let heap = &mut self.global().heap;
        heap.note_buffer(extra);
        if !heap.over_limit(extra) {
            heap.forget_overshoot_if_under_limit();
            return Ok(());
        }
        self.full_gc(true);
        let heap = &mut self.global().heap;
        if heap.over_limit(extra) {
            heap.injected_failure_reported();
            // A buffer (`extra`) is refused before it exists; an object
            // already made stays: report its overshoot once.
            if extra == 0 {
                if let Some(limit) = heap.memory_limit() {
                    heap.reported_overshoot = heap.total_bytes().saturating_sub(limit);
                }
            }
            let error = self.memory_error();
            // The error is no new allocation of the program: the next safe
            // point need not run a step for it.
            self.global().heap.created_since_step = false;
            return Err(error);
        }
        heap.forget_overshoot_if_under_limit();
        Ok(())
    }

    /// Fails with "not enough memory" if the state is over its limit (after
    /// an emergency collection), without a collector step otherwise.
    #[inline]
    pub fn check_memory(&mut self) -> LuaResult<()> {
        if self.global().heap.over_limit(0) {
            return self.check_memory_limit(0);
        }
        Ok(())
    }

    /// Accounts for `grown` more bytes of an existing object (a table that
    /// grew) and applies the memory limit.
    pub fn account_growth(&mut self, grown: isize) -> LuaResult<()> {
        if grown != 0 {
            self.global().heap.adjust(grown);
            if grown > 0 {
                return self.check_memory_limit(0);
            }
        }
        Ok(())
    }

    /// The error raised when the memory limit is reached (PUC's `LUA_ERRMEM`
    /// with its fixed message).
    pub fn memory_error(&mut self) -> LuaError {
        // Made with the state: raising it allocates nothing.
        LuaError {
            kind: ErrorKind::Memory,
            value: Value::Str(self.global().memory_error_message),
        }
    }

    /// One step of whichever collector is in use (PUC's `luaC_step`).
    pub fn gc_step(&mut self) {
        match self.global().heap.kind {
            GcKind::Incremental => self.incremental_step(),
            GcKind::Generational => self.generational_step(),
        }
        if self.global().heap.verify_steps {
            self.verify_heap_or_abort();
        }
    }

    /// A step for stress testing: a little work, wherever the cycle is.
    fn stress_step(&mut self) {
        match self.global().heap.kind {
            GcKind::Incremental => {
                self.single_step(STRESS_STEP_WORK);
                if self.global().heap.phase == Phase::Pause {
                    self.set_pause();
                }
            }
            GcKind::Generational => {
                // A young collection rebuilds the string table (O(strings)):
                // one every few safe points keeps stress runs linear enough.
                if self
                    .global()
                    .heap
                    .stress_steps
                    .is_multiple_of(STRESS_YOUNG_EVERY)
                {
                    self.young_collection();
                }
            }
        }
        // Verifying walks the whole heap: every step would make stress runs
        // quadratic, so check every few steps (every one with `verify_steps`).
        let heap = &mut self.global().heap;
        heap.stress_steps += 1;
        if heap.verify_steps || heap.stress_steps.is_multiple_of(STRESS_VERIFY_EVERY) {
            self.verify_heap_or_abort();
        }
    }

    fn verify_heap_or_abort(&mut self) {
        let running = running_states(self);
        let heap = &mut self.global().heap;
        heap.marker.set_running_states(running);
        let verified = heap.verify();
        heap.marker.set_running_states(Vec::new());
        let g = self.global();
        let verified = verified.and_then(|()| g.heap.verify_strings(g.strings.strings()));
        if let Err(e) = verified {
            // A broken heap invariant would free live objects later: stop
            // here, where the cause is closest.
            eprintln!("crescent: heap verification failed: {e}");
            std::process::abort();
        }
    }

    /// Performs incremental work in proportion to the allocation debt (PUC's
    /// `incstep`).
    fn incremental_step(&mut self) {
        let heap = &self.global().heap;
        let stepmul = (heap.stepmul | 1) as isize;
        let debt_bytes = heap.total_bytes() as isize - heap.threshold as isize;
        let mut debt = debt_bytes / WORK_TO_MEM as isize * stepmul;
        let stepsize = ((1isize << heap.stepsize.min(40)) / WORK_TO_MEM as isize) * stepmul;
        let mut done = 0usize;
        let started = thread_cpu_time();
        loop {
            let budget = (debt + stepsize).max(1) as usize;
            let work = self.single_step(budget);
            done += work;
            debt -= work as isize;
            if debt <= -stepsize || self.global().heap.phase == Phase::Pause {
                break;
            }
        }
        let heap = &mut self.global().heap;
        heap.longest_step = heap.longest_step.max(done);
        heap.longest_step_time = heap
            .longest_step_time
            .max(thread_cpu_time().saturating_sub(started));
        heap.steps += 1;
        if heap.phase == Phase::Pause {
            self.set_pause();
        } else {
            let credit = (-debt / stepmul) * WORK_TO_MEM as isize;
            heap.set_threshold((heap.total_bytes() as isize + credit.max(0)) as usize);
        }
    }

    /// Waits until memory grows by `pause` percent over the live estimate
    /// (PUC's `setpause`).
    fn set_pause(&mut self) {
        let heap = &mut self.global().heap;
        let target = (heap.estimate / 100).saturating_mul(heap.pause);
        heap.set_threshold(target.max(heap.total_bytes()));
    }

    /// One step of the incremental state machine (PUC's `singlestep`);
    /// returns the work done.
    fn single_step(&mut self, budget: usize) -> usize {
        let me = self.thread();
        // Derived before `g` borrows `self` (see `running_states`).
        let this: *mut State = self;
        let g = self.global();
        match g.heap.phase {
            Phase::Pause => {
                let mode = g.tm_name(TmKind::Mode);
                g.heap.restart(mode);
                g.mark_roots(me);
                1
            }
            Phase::Propagate => {
                if g.heap.gray_is_empty() {
                    g.heap.phase = Phase::Atomic;
                    0
                } else {
                    g.heap.marker.set_running_states(running_states(this));
                    let work = g.heap.propagate_step(budget);
                    g.heap.marker.set_running_states(Vec::new());
                    work
                }
            }
            Phase::Atomic => {
                g.heap.marker.set_running_states(running_states(this));
                let work = g.atomic(me, false);
                g.heap.marker.set_running_states(Vec::new());
                g.heap.enter_sweep();
                work
            }
            Phase::SweepObjects | Phase::SweepFinalizable | Phase::SweepToBeFinalized => {
                g.heap.sweep_step()
            }
            Phase::SweepEnd => {
                g.heap.estimate = g.heap.total_bytes();
                g.heap.phase = Phase::CallFinalizers;
                0
            }
            Phase::CallFinalizers => {
                if g.heap.has_pending_finalizers() && !g.heap.emergency && !g.heap.in_finalizer {
                    self.run_finalizers(FINALIZERS_PER_STEP) * FINALIZER_COST
                } else {
                    g.heap.phase = Phase::Pause;
                    0
                }
            }
        }
    }

    /// Runs single steps until the cycle reaches `phase`.
    fn run_until(&mut self, phase: Phase) {
        let mut guard = 0usize;
        while self.global().heap.phase != phase {
            self.single_step(usize::MAX);
            guard += 1;
            if guard > 1 << 40 {
                break;
            }
        }
    }

    /// A full collection (PUC's `luaC_fullgc`). An emergency collection (the
    /// memory limit was hit) runs no finalizers.
    pub fn full_gc(&mut self, emergency: bool) {
        if self.global().heap.in_finalizer && !emergency {
            return;
        }
        let was_emergency = self.global().heap.emergency;
        self.global().heap.emergency = emergency;
        match self.global().heap.kind {
            GcKind::Incremental => {
                if self.global().heap.keeps_invariant() {
                    // Sweep everything back to white, then start over.
                    self.global().heap.abandon_marking();
                }
                self.run_until(Phase::Pause);
                self.run_until(Phase::CallFinalizers);
                self.run_until(Phase::Pause);
                self.set_pause();
            }
            GcKind::Generational => self.major_collection(),
        }
        self.global().heap.emergency = was_emergency;
        if self.global().heap.verify_steps {
            self.verify_heap_or_abort();
        }
    }

    /// `collectgarbage("collect")`: a full collection and the finalizers it
    /// made due.
    pub fn collect_garbage(&mut self) {
        self.full_gc(false);
        self.run_pending_finalizers();
    }

    /// Runs every finalizer, newest object first (the state is closing:
    /// `lua_close`). Nothing is marked: every object is about to be freed.
    pub fn close_state(&mut self) {
        // Objects given a `__gc` metatable from now on are not finalized.
        self.global().closing = true;
        self.global().heap.finalize_all();
        self.run_pending_finalizers();
    }

    // ----- generational mode -----

    /// Switches to generational mode (PUC's `entergen`): a complete mark
    /// after which every live object is old.
    pub fn enter_generational(&mut self) {
        let me = self.thread();
        self.run_until(Phase::Pause);
        let this: *mut State = self;
        let g = self.global();
        g.heap.marker.set_running_states(running_states(this));
        let mode = g.tm_name(TmKind::Mode);
        g.heap.restart(mode);
        g.mark_roots(me);
        while !g.heap.gray_is_empty() {
            g.heap.propagate_step(usize::MAX);
        }
        g.atomic(me, false);
        g.heap.marker.set_running_states(Vec::new());
        g.heap.sweep_to_old();
        g.heap.estimate = g.heap.total_bytes();
        self.set_minor_threshold();
        if !self.global().heap.emergency {
            self.run_pending_finalizers();
        }
    }

    /// Switches to incremental mode (PUC's `enterinc`).
    pub fn enter_incremental(&mut self) {
        let heap = &mut self.global().heap;
        if heap.kind == GcKind::Generational {
            heap.whiten_all();
            heap.kind = GcKind::Incremental;
        }
    }

    /// The next young collection runs after memory grows by `minormul` percent.
    fn set_minor_threshold(&mut self) {
        let heap = &mut self.global().heap;
        let total = heap.total_bytes();
        heap.set_threshold(total + (total / 100).saturating_mul(heap.minormul.max(1)));
    }

    /// A step in generational mode (PUC's `genstep`): a major collection when
    /// memory grew past the major multiplier, else a young collection.
    fn generational_step(&mut self) {
        let heap = &self.global().heap;
        let base = heap.estimate;
        let major_growth = (base / 100).saturating_mul(heap.majormul);
        if heap.total_bytes() > base.saturating_add(major_growth) {
            self.major_collection();
        } else {
            self.young_collection();
            self.set_minor_threshold();
            // The base for major collections stays that of the last major one.
            self.global().heap.estimate = base;
        }
    }

    /// A full collection in generational mode (PUC's `fullgen`).
    fn major_collection(&mut self) {
        self.enter_incremental();
        self.enter_generational();
    }

    /// Collects young objects only (PUC's `youngcollection`).
    fn young_collection(&mut self) {
        let me = self.thread();
        let this: *mut State = self;
        let g = self.global();
        g.heap.marker.set_running_states(running_states(this));
        g.heap.mark_old1();
        g.atomic(me, true);
        g.heap.marker.set_running_states(Vec::new());
        g.heap.sweep_young();
        g.heap.correct_gray_lists();
        if !g.heap.emergency {
            self.run_pending_finalizers();
        }
    }

    // ----- finalizers -----

    /// Calls `__gc` of objects found unreachable, each in protected mode;
    /// errors become warnings ("error in __gc").
    pub fn run_pending_finalizers(&mut self) {
        self.run_finalizers(usize::MAX);
    }

    /// Calls up to `max` pending finalizers; returns how many ran.
    fn run_finalizers(&mut self, max: usize) -> usize {
        if self.global().heap.in_finalizer {
            return 0;
        }
        self.global().heap.in_finalizer = true;
        let mut count = 0;
        while count < max {
            let r = match self.global().heap.next_pending_finalizer() {
                Some(r) => r,
                None => break,
            };
            count += 1;
            let obj = r.to_value();
            let tm = self.get_tm(obj, TmKind::Gc);
            if !tm.is_function() {
                continue;
            }
            let saved_top = self.top;
            let func = self.top;
            if self.check_stack(3).is_err() {
                break;
            }
            self.push(tm);
            self.push(obj);
            let saved_allow = self.nny;
            self.next_call_status = call_status::FINALIZER;
            if let Err(e) = self.pcall(func, 0, None) {
                let msg: Vec<u8> = match e.value {
                    Value::Str(s) => s.as_bytes().to_vec(),
                    _ => b"error object is not a string".to_vec(),
                };
                let text = [b"error in __gc (".as_slice(), &msg, b")"].concat();
                crate::stdlib::emit_warning(self, &text);
            }
            self.nny = saved_allow;
            self.top = saved_top;
        }
        self.global().heap.in_finalizer = false;
        count
    }

    // ----- collectgarbage -----

    /// `collectgarbage("step", kib)`: with 0, one basic step; otherwise as if
    /// `kib` KiB had been allocated. Returns whether a cycle ended. Runs even
    /// when the collector is stopped.
    pub fn gc_user_step(&mut self, kib: i64) -> bool {
        let heap = &mut self.global().heap;
        let was_running = heap.running;
        heap.running = true;
        let mut debt: i64 = 1;
        if kib == 0 {
            heap.threshold = heap.total_bytes();
            self.gc_step();
        } else {
            let current = heap.total_bytes() as i64 - heap.threshold as i64;
            debt = kib.saturating_mul(1024).saturating_add(current);
            heap.threshold = (heap.total_bytes() as i64 - debt).max(0) as usize;
            if debt > 0 {
                self.gc_step();
            }
        }
        let heap = &mut self.global().heap;
        heap.running = was_running;
        debt > 0 && heap.phase == Phase::Pause
    }
}

impl crate::gc::Heap {
    /// Back under the limit: the next overshoot fails again.
    fn forget_overshoot_if_under_limit(&mut self) {
        if self.reported_overshoot != 0
            && self
                .memory_limit()
                .is_some_and(|limit| self.total_bytes() <= limit)
        {
            self.reported_overshoot = 0;
        }
    }
}

/// CPU time of the calling thread: step durations measured with it do not
/// count time the thread spent descheduled.
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The states with a live `&mut State` up the call stack while the collector
/// runs (`running`, and the threads resuming it), as pointers the marker may
/// use to trace them: derived from those references, so that tracing does not
/// alias them. The caller passes its `&mut State` (the pointer derives from
/// it), hands the list to the marker right before marking, and touches the
/// state only through the collector until marking is over; code run in
/// between (finalizers) needs a new list.
fn running_states(running: *mut State) -> Vec<*mut State> {
    let mut states = vec![running];
    // SAFETY: `running` comes from a live `&mut State`; resumers stay alive
    // (suspended in `resume`) while the thread they resume runs.
    let mut p = unsafe { (*running).resumer };
    while !p.is_null() {
        states.push(p);
        // SAFETY: as above.
        p = unsafe { (*p).resumer };
    }
    states
}
