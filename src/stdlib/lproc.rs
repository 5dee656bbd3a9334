//! `lproc`: Lua processes on OS threads talking over channels, after the
//! library of the same name in *Programming in Lua* (chapter "Threads and
//! States"). Not opened by default: hosts call [`open`].
//!
//! * `lproc.start(code)` compiles `code` in a new state (errors are raised in
//!   the caller) and runs it on its own OS thread; the new state has the
//!   standard libraries and `lproc`.
//! * `lproc.send(channel, ...)` / `lproc.receive(channel)` pass nil, booleans,
//!   numbers, strings and tables of those (copied) over a named channel, with
//!   rendezvous semantics: a sender waits for a receiver and vice versa; the
//!   longest-waiting partner is matched first.
//! * `lproc.exit()` ends the calling process; called outside a process (in
//!   the state that started them) it waits until every process has finished.
//!
//! Channels live in one process-wide registry (a `Mutex` with a `Condvar`
//! per waiter). Waiting states still answer their interrupt handle.
//!
//! ```
//! let mut lua = crescent::Lua::new();
//! crescent::stdlib::lproc::open(lua.state());
//! let out = lua.eval(
//!     r#"
//!     -- Two processes, each in its own state on its own thread.
//!     for _, n in ipairs({10, 20}) do
//!       lproc.start(string.format(
//!         "local x = lproc.receive('work.%d') lproc.send('results', x * x)", n))
//!     end
//!     lproc.send('work.10', 3)
//!     lproc.send('work.20', 4)
//!     local a, b = lproc.receive('results'), lproc.receive('results')
//!     return a + b
//!     "#,
//! );
//! assert_eq!(out.as_deref(), Ok("25"));
//! assert!(crescent::stdlib::lproc::wait_all().is_empty()); // no process failed
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::api::{error_text, Lua};
use crate::error::LuaResult;
use crate::plain::PlainValue;
use crate::state::State;
use crate::value::Value;

/// Registry field marking a state as a process (set by `lproc.start`).
const PROCESS_MARK: &str = "lproc.process";
/// Registry field set by `lproc.exit` in a process, for its runner.
const EXIT_MARK: &str = "lproc.exiting";
/// How often a waiting state looks at its interrupt flag.
const WAIT_POLL: Duration = Duration::from_millis(50);
/// Native stack of a process thread.
const PROCESS_STACK: usize = 16 << 20;

type Message = Vec<PlainValue>;

struct Waiter {
    id: u64,
    wake: Arc<Condvar>,
}

#[derive(Default)]
struct Channel {
    senders: VecDeque<Waiter>,
    receivers: VecDeque<Waiter>,
}

/// What a waiting sender or receiver holds: the message in flight.
struct Slot {
    message: Option<Message>,
    /// A sender's message was taken.
    delivered: bool,
}

#[derive(Default)]
struct Registry {
    channels: HashMap<Vec<u8>, Channel>,
    slots: HashMap<u64, Slot>,
    next_id: u64,
}

impl Registry {
    /// Queues a waiting sender (holding its `message`) or receiver (`None`)
    /// on `channel`, with a new slot; returns the slot's id and its wake-up.
    fn queue_waiter(&mut self, channel: &[u8], message: Option<Message>) -> (u64, Arc<Condvar>) {
        let id = self.next_id;
        self.next_id += 1;
        let sender = message.is_some();
        self.slots.insert(
            id,
            Slot {
                message,
                delivered: false,
            },
        );
        let wake = Arc::new(Condvar::new());
        let waiter = Waiter {
            id,
            wake: wake.clone(),
        };
        let chan = self.channels.entry(channel.to_vec()).or_default();
        if sender {
            chan.senders.push_back(waiter);
        } else {
            chan.receivers.push_back(waiter);
        }
        (id, wake)
    }
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bookkeeping of running processes, for `lproc.exit` and hosts.
struct Processes {
    running: usize,
    errors: Vec<String>,
}

static PROCESSES: Mutex<Processes> = Mutex::new(Processes {
    running: 0,
    errors: Vec::new(),
});
static PROCESS_DONE: Condvar = Condvar::new();

fn processes() -> MutexGuard<'static, Processes> {
    PROCESSES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Opens `lproc` in a state (global `lproc` and `package.loaded.lproc`).
pub fn open(l: &mut State) {
    l.register_lib(
        "lproc",
        &[
            ("start", start),
            ("send", send),
            ("receive", receive),
            ("exit", exit),
        ],
    );
}

/// Blocks until every started process has finished; returns the error
/// messages of processes that failed since the last call.
pub fn wait_all() -> Vec<String> {
    let mut p = processes();
    while p.running > 0 {
        p = PROCESS_DONE.wait(p).unwrap_or_else(|e| e.into_inner());
    }
    std::mem::take(&mut p.errors)
}

/// Processes running now.
pub fn running() -> usize {
    processes().running
}

/// (waiting senders, waiting receivers) of a channel.
pub fn pending(channel: &str) -> (usize, usize) {
    let reg = registry();
    reg.as_ref()
        .and_then(|r| r.channels.get(channel.as_bytes()))
        .map(|c| (c.senders.len(), c.receivers.len()))
        .unwrap_or((0, 0))
}

fn start(l: &mut State) -> LuaResult<usize> {
    let code = l.check_string(1)?;
    let mut child = Lua::new();
    open(child.state());
    let cl = child.state();
    let reg = cl.global().registry;
    cl.set_field(reg, PROCESS_MARK, Value::Bool(true));
    match cl.load_chunk(code.as_bytes(), b"=lproc", b"t", None) {
        // Stays on the child's stack (rooted) until the thread runs it.
        Ok(f) => cl.push(f),
        Err(e) => {
            let msg = error_text(cl, e);
            return Err(l.error(format!("lproc.start: {msg}")));
        }
    }
    // A fresh state: no handle refers to it, so it can change threads.
    let child = match child.into_sendable() {
        Ok(c) => c,
        Err(_) => return Err(l.error("lproc.start: state cannot change threads")),
    };
    processes().running += 1;
    let spawned = std::thread::Builder::new()
        .name("lproc".into())
        .stack_size(PROCESS_STACK)
        .spawn(move || run_process(child.into_lua()));
    if let Err(e) = spawned {
        finish_process(None);
        return Err(l.error(format!("lproc.start: cannot create thread: {e}")));
    }
    l.push(Value::Bool(true));
    Ok(1)
}

/// The body of a process thread: runs the chunk on the state's stack.
fn run_process(mut lua: Lua) {
    let l = lua.state();
    let func = l.top() - 1;
    let failure = match l.pcall(func, 0, None) {
        Ok(()) => None,
        Err(e) => {
            let reg = l.global().registry;
            if l.get_field(reg, EXIT_MARK).is_falsy() {
                Some(error_text(l, e))
            } else {
                None
            }
        }
    };
    drop(lua);
    finish_process(failure);
}

fn finish_process(failure: Option<String>) {
    let mut p = processes();
    p.running -= 1;
    if let Some(msg) = failure {
        p.errors.push(msg);
    }
    PROCESS_DONE.notify_all();
}

fn interrupted(l: &State) -> bool {
    l.global().limits.interrupt_raised()
}

fn send(l: &mut State) -> LuaResult<usize> {
    let channel = l.check_string(1)?.as_bytes().to_vec();
    let mut message = Vec::with_capacity(l.arg_count().saturating_sub(1));
    for i in 2..=l.arg_count() {
        match PlainValue::from_value(l.arg(i)) {
            Ok(v) => message.push(v),
            Err(e) => return Err(l.arg_error(i, e)),
        }
    }
    let mut guard = registry();
    let reg = guard.get_or_insert_with(Registry::default);
    let chan = reg.channels.entry(channel.clone()).or_default();
    if let Some(receiver) = chan.receivers.pop_front() {
        if let Some(slot) = reg.slots.get_mut(&receiver.id) {
            slot.message = Some(message);
        }
        receiver.wake.notify_one();
        return Ok(0);
    }
    // No receiver waiting: queue up and wait to be taken.
    let (id, wake) = reg.queue_waiter(&channel, Some(message));
    wait_for_partner(l, guard, &wake, &channel, id, |slot| {
        slot.delivered.then_some(0)
    })
}

fn receive(l: &mut State) -> LuaResult<usize> {
    let channel = l.check_string(1)?.as_bytes().to_vec();
    let mut guard = registry();
    let reg = guard.get_or_insert_with(Registry::default);
    let chan = reg.channels.entry(channel.clone()).or_default();
    let message = if let Some(sender) = chan.senders.pop_front() {
        let slot = reg.slots.get_mut(&sender.id);
        let message = slot.and_then(|s| {
            s.delivered = true;
            s.message.take()
        });
        sender.wake.notify_one();
        drop(guard);
        message.unwrap_or_default()
    } else {
        let (id, wake) = reg.queue_waiter(&channel, None);
        let wait = |slot: &mut Slot| slot.message.take();
        wait_for_partner(l, guard, &wake, &channel, id, wait)?
    };
    l.check_stack(message.len())?;
    for v in &message {
        let value = v.to_value(l);
        l.push(value);
    }
    Ok(message.len())
}

/// Waits, with the registry unlocked, until `done` finds what the partner
/// left in slot `id` (then the slot goes), or the state is interrupted (then
/// the waiter withdraws).
fn wait_for_partner<R>(
    l: &mut State,
    mut guard: MutexGuard<'static, Option<Registry>>,
    wake: &Condvar,
    channel: &[u8],
    id: u64,
    mut done: impl FnMut(&mut Slot) -> Option<R>,
) -> LuaResult<R> {
    loop {
        guard = wake
            .wait_timeout(guard, WAIT_POLL)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        let reg = guard.get_or_insert_with(Registry::default);
        if let Some(r) = reg.slots.get_mut(&id).and_then(&mut done) {
            reg.slots.remove(&id);
            return Ok(r);
        }
        if interrupted(l) {
            withdraw(reg, channel, id);
            drop(guard);
            return Err(l.error("interrupted"));
        }
    }
}

/// Removes a waiter that gives up (interrupted).
fn withdraw(reg: &mut Registry, channel: &[u8], id: u64) {
    reg.slots.remove(&id);
    if let Some(chan) = reg.channels.get_mut(channel) {
        chan.senders.retain(|w| w.id != id);
        chan.receivers.retain(|w| w.id != id);
    }
}

fn exit(l: &mut State) -> LuaResult<usize> {
    let reg = l.global().registry;
    if l.get_field(reg, PROCESS_MARK).is_falsy() {
        // The starting state: wait for the processes, as PiL's main does.
        let errors = wait_all();
        processes().errors.extend(errors);
        return Ok(0);
    }
    l.set_field(reg, EXIT_MARK, Value::Bool(true));
    Err(l.error("lproc.exit"))
}
