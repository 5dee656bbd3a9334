//! The string, utf8 and number-conversion libraries with fuzz-chosen string
//! arguments. The input is split at 0xFF bytes into the globals A, B, C, D
//! (missing parts are empty strings); DRIVER calls the functions under pcall.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/sandbox.rs"]
mod sandbox;

const DRIVER: &str = r##"
local A, B, C, D = A, B, C, D
local n = tonumber
local s, u = string, utf8
local function P(f, ...) return pcall(f, ...) end
P(s.format, A, B, C, D)
P(s.format, A, n(B) or B, n(C) or C, n(D) or D)
P(s.format, A, math.tointeger(n(B)) or 0, n(C) or 0.5, D)
P(s.pack, A, n(B) or B, n(C) or C, n(D) or D)
P(s.pack, A, B, C, D)
local ok, packed = P(s.pack, A, n(B) or 1, n(C) or 2, n(D) or 3)
if ok then P(s.unpack, A, packed) end
P(s.unpack, A, B)
P(s.unpack, A, B, n(C) or #B)
P(s.packsize, A)
-- Patterns with many quantifiers backtrack exponentially (in PUC Lua too,
-- e.g. find(("+"):rep(30) .. "\0", ("+"):rep(40))): keep them few.
local _, nq = B:gsub("[%+%*%-%?]", "")
if nq > 6 then B = B:gsub("[%+%*%-%?]", "", nq - 6) end
P(s.find, A, B)
P(s.find, A, B, n(C) or 1)
P(s.find, A, B, n(C) or 1, true)
P(s.match, A, B)
P(s.match, A, B, n(C))
P(s.gsub, A, B, C)
P(s.gsub, A, B, C, n(D))
P(s.gsub, A, B, {x = 1, [1] = "y"})
P(s.gsub, A, B, function(...) return (select("#", ...) > 1) and ... or nil end)
P(function() local i = 0 for a, b in s.gmatch(A, B) do i = i + 1 if i > 1000 then break end end end)
P(function() local i = 0 for a in s.gmatch(A, B, n(C)) do i = i + 1 if i > 1000 then break end end end)
P(s.byte, A, n(B) or 1, n(C) or -1)
P(s.sub, A, n(B) or 1, n(C) or -1)
P(s.reverse, A) P(s.lower, A) P(s.upper, A) P(s.len, A)
P(u.len, A) P(u.len, A, n(B) or 1, n(C) or -1) P(u.len, A, 1, -1, true)
P(u.codepoint, A, 1, -1) P(u.codepoint, A, n(B) or 1, n(C) or 1, true)
P(u.offset, A, n(B) or 1) P(u.offset, A, n(B) or 1, n(C) or 1)
P(function() local i = 0 for p, c in u.codes(A) do i = i + 1 end end)
P(function() for p, c in u.codes(A, true) do end end)
P(u.char, n(A) or 65, n(B) or 66)
P(function() return A:match(u.charpattern) end)
P(tonumber, A) P(tonumber, B) P(tonumber, A, n(B) or 10) P(tonumber, A, 36) P(tonumber, A, 2)
P(math.tointeger, A) P(function() return A + 0 end) P(function() return A // B, A % B, A ^ B end)
P(function() return A < B, A .. B, #A end)
P(function() return string.format("%q", n(A) or A) end)
P(function() return load("return " .. string.format("%q", n(A) or A)) end)
P(function() return tostring(n(A)) end)
P(function() return string.format("%a %.3f %g %5.2s %-10d", n(A) or 1.0, n(B) or 2.0, n(C) or 3, A, math.tointeger(n(D)) or 1) end)
"##;

thread_local! {
    static STATE: std::cell::RefCell<Option<(crescent::Lua, crescent::Value)>> =
        const { std::cell::RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    STATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut lua = sandbox::new_lua_with(false);
            let f = lua
                .state()
                .load_chunk(DRIVER.as_bytes(), b"=driver", b"t", None)
                .expect("driver compiles");
            // Keep the driver reachable from the registry-rooted globals.
            let l = lua.state();
            let g = l.global().globals;
            l.set_field(g, "__DRIVER", f);
            *slot = Some((lua, f));
        }
        let (lua, f) = slot.as_mut().unwrap();
        sandbox::reset_pattern_budget();
        let l = lua.state();
        let g = l.global().globals;
        let mut parts = data.splitn(4, |&b| b == 0xff);
        for name in ["A", "B", "C", "D"] {
            let part = parts.next().unwrap_or(b"");
            let v = l.new_str_value(part);
            l.set_field(g, name, v);
        }
        let base = l.top();
        l.push(*f);
        let _ = l.pcall(base, 0, None);
        l.set_top(base);
    });
});
