//! Independent states on parallel OS threads.

use crescent::Lua;

const fn assert_send<T: Send>() {}
// Compile-time check: a state may move to another thread.
const _: () = assert_send::<Lua>();

const WORK: &str = r#"
    local t = {}
    for i = 1, 20000 do t[i] = i * 2 end
    local sum = 0
    for _, v in ipairs(t) do sum = sum + v end
    local s = {}
    for i = 1, 200 do s[#s + 1] = tostring(i) end
    return sum, #table.concat(s, ","), ID
"#;

#[test]
fn eight_states_in_eight_threads() {
    let handles: Vec<_> = (0..8)
        .map(|id| {
            std::thread::spawn(move || {
                let mut lua = Lua::new();
                lua.eval(&format!("ID = {id}")).unwrap();
                let mut outs = Vec::new();
                for _ in 0..5 {
                    outs.push(lua.eval(WORK).unwrap());
                }
                outs
            })
        })
        .collect();
    for (id, h) in handles.into_iter().enumerate() {
        let outs = h.join().expect("worker panicked");
        for out in outs {
            assert_eq!(out, format!("400020000\t691\t{id}"));
        }
    }
}

#[test]
fn a_state_moves_between_threads() {
    let mut lua = Lua::new();
    lua.eval("counter = 1; f = io.open('/dev/null', 'w')")
        .unwrap();
    let mut lua = std::thread::spawn(move || {
        lua.eval("counter = counter + 1; f:write('x')").unwrap();
        lua
    })
    .join()
    .unwrap();
    assert_eq!(lua.eval("f:close(); return counter").unwrap(), "2");
}
