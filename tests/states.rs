//! Independent states on parallel OS threads.

use crescent::{Lua, SendableLua};

const fn assert_send<T: Send>() {}
// Compile-time check: a state may move to another thread (with no handle
// alive outside it).
const _: () = assert_send::<SendableLua>();

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
    let sendable = lua.into_sendable().ok().expect("no handle is alive");
    let back = std::thread::spawn(move || {
        let mut lua = sendable.into_lua();
        lua.eval("counter = counter + 1; f:write('x')").unwrap();
        lua.into_sendable().ok().expect("no handle is alive")
    })
    .join()
    .unwrap();
    let mut lua = back.into_lua();
    assert_eq!(lua.eval("f:close(); return counter").unwrap(), "2");
}

#[test]
fn a_state_with_live_handles_stays() {
    let lua = Lua::new();
    let globals = lua.globals();
    let lua = match lua.into_sendable() {
        Ok(_) => panic!("a handle is alive: the state must not move"),
        Err(lua) => lua,
    };
    drop(globals);
    assert!(lua.into_sendable().is_ok());
}
