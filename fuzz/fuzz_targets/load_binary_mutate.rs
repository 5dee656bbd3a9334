//! Valid binary chunks (dumped from SOURCES) with fuzz-chosen byte edits.
//! Input: byte 0 picks the source, byte 1 flags (bit 0: strip debug info,
//! bit 1: truncate at the last edit's position), then 3-byte edits
//! (position u16 little-endian, modulo the length; XOR value). The edited
//! chunk is loaded; if loading succeeds (the verifier accepted it), it is
//! also run in the sandbox with the instruction budget.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[path = "../common/sandbox.rs"]
mod sandbox;

const SOURCES: &[&str] = &[
    "return 1",
    "local a, b = ... ; return a + b * 2 // 3 - 4.5, a .. 'x', #b",
    "local t = {1, 2, 3, x = 'y', [10] = 2.5} for i, v in ipairs(t) do t[i] = v * 2 end \
     for k, v in pairs(t) do local _ = k end return t",
    "local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end return f(10)",
    "local up = 0 local function inc(...) local n = select('#', ...) up = up + n return up, ... end \
     return inc(1, 2, 3)",
    "local s = 0 for i = 10, 1, -1 do s = s ~ (i << 2) | (i >> 1) & ~i end \
     for x = 0.5, 3.5, 0.25 do s = s + x end return s",
    "local t = setmetatable({}, {__index = function(t, k) return k end, __add = function(a, b) return 1 end}) \
     return t.x, t + 1, t[1] == 1, not (t ~= t)",
    "do local x <close> = setmetatable({}, {__close = function() end}) end \
     ::top:: local i = (i or 0) + 1 if i < 3 then goto top end return i",
    "local o = {v = 1} function o:m(a) self.v = self.v + a return self end \
     return o:m(2):m(3).v, string.format('%d %s', 1, 'a'), ('abc'):upper()",
    "return function(...) local a <const> = 'a long string constant that is more than forty bytes long' \
     return a, ..., 1e308, -0.0, math.maxinteger, 0x7fffffffffffffff end",
    "local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) \
     return co(1), co(2)",
    "local a = {} for i = 1, 100 do a[#a + 1] = i end table.sort(a, function(x, y) return x > y end) \
     return table.concat(a, ','), a[1] < a[2], a[1] <= 3, 3 >= a[2], 'x' < 'y'",
];

static CHUNKS: OnceLock<Vec<[Vec<u8>; 2]>> = OnceLock::new();

fn chunks() -> &'static Vec<[Vec<u8>; 2]> {
    CHUNKS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|src| {
                let p = crescent::compiler::compile(src.as_bytes(), b"=seed")
                    .unwrap_or_else(|e| panic!("seed does not compile: {e}"));
                [
                    crescent::dump::dump(&p, false),
                    crescent::dump::dump(&p, true),
                ]
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let all = chunks();
    let pair = &all[data[0] as usize % all.len()];
    let flags = data[1];
    let mut chunk = pair[(flags & 1) as usize].clone();
    let mut last = None;
    for e in data[2..].chunks_exact(3) {
        let pos = u16::from_le_bytes([e[0], e[1]]) as usize % chunk.len();
        chunk[pos] ^= e[2];
        last = Some(pos);
    }
    if flags & 2 != 0 {
        if let Some(pos) = last {
            chunk.truncate(pos.max(1));
        }
    }
    let mut lua = sandbox::new_lua();
    sandbox::load_and_run(&mut lua, &chunk, b"b");
});
