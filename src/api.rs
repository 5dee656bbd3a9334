//! The host's handle on a Lua state.

use std::ptr::NonNull;

use crate::error::LuaError;
use crate::state::{Global, State};
use crate::value::Value;

/// An independent Lua state: its global part, heap and main thread.
pub struct Lua {
    /// Owned (from `State::new_global`, freed in `Drop`).
    global: NonNull<Global>,
}

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
        // SAFETY: `global` is live until `Drop`; the main thread lives as long
        // as the global state, and the `&mut self` borrow makes this the only
        // reference handed out.
        unsafe { &mut *self.global.as_ref().main_thread.state_ptr() }
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
        // SAFETY: `global` came from `Box::leak` in `State::new_global` and is
        // freed only here; no thread runs any more.
        unsafe {
            let mut global = Box::from_raw(self.global.as_ptr());
            global.heap.free_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lua;

    /// A small program through every part that uses `unsafe` (heap and
    /// `Gc` pointers, tables, closures and upvalues, threads, the VM's
    /// register access, finalizers, weak tables, string interning), sized
    /// so that Miri (`cargo +nightly miri test --lib miri_`) runs it in
    /// minutes.
    #[test]
    fn miri_smoke_program() {
        // The libraries it needs (Miri cannot run the os library's `tzset`).
        let mut lua = Lua::new_bare();
        {
            use crate::stdlib::{base, corolib, strlib, tablib};
            let l = lua.state();
            let _ = l.loaded_table();
            base::open(l);
            corolib::open(l);
            strlib::open(l);
            tablib::open(l);
        }
        let out = lua
            .eval(
                r#"
                local log = {}
                local function counter()
                  local n = 0
                  return function() n = n + 1; return n end
                end
                local c1, c2 = counter(), counter()
                c1(); c1(); c2()
                local t = {}
                for i = 1, 40 do t[i] = i * i; t["k" .. i] = i end
                for i = 1, 40, 2 do t[i] = nil end
                local sum = 0
                for k, v in pairs(t) do if type(k) == "number" then sum = sum + v end end
                local co = coroutine.wrap(function(a)
                  local b = coroutine.yield(a + 1)
                  local s <close> = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
                  return b * 2
                end)
                local y1, y2 = co(1), co(10)
                local weak = setmetatable({}, {__mode = "k"})
                weak[{}] = 1
                setmetatable({}, {__gc = function() log[#log + 1] = "gc" end})
                collectgarbage()
                local n = 0
                for _ in pairs(weak) do n = n + 1 end
                local s = {}
                for i = 1, 20 do s[#s + 1] = tostring(i / 3) end
                local ok, err = pcall(error, {code = 7})
                local f = load(string.dump(function(x) return x .. "!" end))
                return c1(), c2(), sum, y1, y2, n, #table.concat(s), err.code, f("d"), table.concat(log, ",")
                "#,
            )
            .unwrap();
        assert_eq!(out, "3\t2\t11480\t2\t20\t0\t230\t7\td!\tclosed,gc");
    }
}
