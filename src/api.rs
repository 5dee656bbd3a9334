//! The host's handle on a Lua state.

use crate::error::LuaError;
use crate::state::{Global, State};
use crate::value::Value;

/// An independent Lua state: its global part, heap and main thread.
pub struct Lua {
    global: Box<Global>,
}

// SAFETY: a `Lua` may move to another OS thread because nothing in it is
// shared with anything outside it. Every object of a state (strings, tables,
// closures, userdata, threads) is owned by that state's own heap and reached
// only through `Gc` pointers held by that state; no object is ever shared
// between states (values crossing states, as `lproc` sends them, are copied
// into plain Rust data). Native functions are plain `fn` pointers, userdata
// payloads are `Send`, open files are `Arc<Mutex<..>>` and the per-OS-thread
// bookkeeping of running hooks is empty between calls into the state. Moving
// the handle therefore moves the whole object graph along with it.
//
// `Lua` is not `Sync`: its objects use unsynchronised interior mutability
// (`Cell`, `UnsafeCell`), so two threads must never use one state at once;
// every access goes through `&mut self`.
unsafe impl Send for Lua {}

impl Default for Lua {
    fn default() -> Self {
        Lua::new()
    }
}

impl Lua {
    /// A state with the standard libraries open.
    pub fn new() -> Lua {
        let mut lua = Lua::new_bare();
        crate::stdlib::open_libs(lua.state());
        lua
    }

    /// A state with no libraries.
    pub fn new_bare() -> Lua {
        Lua {
            global: State::new_global(),
        }
    }

    /// The main thread.
    pub fn state(&mut self) -> &mut State {
        // SAFETY: the main thread lives as long as the global state, and the
        // `&mut self` borrow makes this the only reference handed out.
        unsafe { &mut *self.global.main_thread.state_ptr() }
    }

    /// Runs a chunk and returns its results converted with `tostring`,
    /// separated by tabs (a convenience for tests and examples).
    pub fn eval(&mut self, source: &str) -> Result<String, String> {
        let l = self.state();
        let f = l
            .load_chunk(source.as_bytes(), b"=eval", b"t", None)
            .map_err(|e| error_text(l, e))?;
        let base = l.top();
        l.push(f);
        l.pcall(base, -1, None).map_err(|e| error_text(l, e))?;
        let mut parts = Vec::new();
        for i in base..l.top() {
            let v = l.at(i);
            let s = l.to_display_string(v).map_err(|e| error_text(l, e))?;
            parts.push(s.to_str_lossy().into_owned());
        }
        l.set_top(base);
        Ok(parts.join("\t"))
    }
}

/// The text of an error value (for hosts that want a message).
pub fn error_text(_l: &mut State, e: LuaError) -> String {
    match e.value {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        v => format!("(error object is a {} value)", v.type_name()),
    }
}

impl Drop for Lua {
    fn drop(&mut self) {
        self.state().close_state();
        crate::stdlib::flush_stdout(self.state());
        self.global.heap.free_all();
    }
}
