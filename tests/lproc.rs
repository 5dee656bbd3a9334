//! `lproc`: processes on OS threads and rendezvous channels.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crescent::stdlib::lproc;
use crescent::Lua;

/// The process table is process-wide: run these tests one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn lua_with_lproc() -> Lua {
    let mut lua = Lua::new();
    lproc::open(lua.state());
    lua
}

fn wait_for(cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn messages_arrive_in_order() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut lua = lua_with_lproc();
    lua.eval(
        r#"lproc.start([[
            local got = {}
            for i = 1, 100 do
              local n, s, t = lproc.receive("order.in")
              got[#got + 1] = n
              assert(s == "v" .. n and t.n == n and t.list[2] == n * 2)
            end
            lproc.send("order.out", table.concat(got, ","))
        ]])"#,
    )
    .unwrap();
    let out = lua
        .eval(
            r#"for i = 1, 100 do lproc.send("order.in", i, "v" .. i, {n = i, list = {i, i * 2}}) end
               return lproc.receive("order.out")"#,
        )
        .unwrap();
    let expected: Vec<String> = (1..=100).map(|i| i.to_string()).collect();
    assert_eq!(out, expected.join(","));
    assert!(lproc::wait_all().is_empty());
}

#[test]
fn send_and_receive_block_until_a_partner_comes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut lua = lua_with_lproc();
    // A receiver waits for a sender.
    lua.eval(r#"lproc.start('local x = lproc.receive("block.a") lproc.send("block.b", x + 1)')"#)
        .unwrap();
    wait_for(|| lproc::pending("block.a") == (0, 1));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        lproc::pending("block.a"),
        (0, 1),
        "receiver must still wait"
    );
    // A sender waits for a receiver: the process is stuck in send until we receive.
    lua.eval(r#"lproc.send("block.a", 41)"#).unwrap();
    wait_for(|| lproc::pending("block.b") == (1, 0));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(lproc::pending("block.b"), (1, 0), "sender must still wait");
    assert_eq!(lproc::running(), 1);
    assert_eq!(
        lua.eval(r#"return lproc.receive("block.b")"#).unwrap(),
        "42"
    );
    assert!(lproc::wait_all().is_empty());
    assert_eq!(lproc::pending("block.b"), (0, 0));
}

#[test]
fn many_senders_and_receivers() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut lua = lua_with_lproc();
    lua.eval(
        r#"
        for id = 1, 4 do
          lproc.start(string.format([[
            for i = 1, 50 do lproc.send("many.data", %d, i) end
          ]], id))
        end
        for r = 1, 4 do
          lproc.start([[
            local last, sum = {}, 0
            for _ = 1, 50 do
              local id, i = lproc.receive("many.data")
              -- each sender's values reach any one receiver in order
              assert((last[id] or 0) < i, "out of order")
              last[id] = i
              sum = sum + i
            end
            lproc.send("many.sums", sum)
          ]])
        end"#,
    )
    .unwrap();
    let total = lua
        .eval(r#"local t = 0 for _ = 1, 4 do t = t + lproc.receive("many.sums") end return t"#)
        .unwrap();
    assert_eq!(total, (4 * (50 * 51 / 2)).to_string());
    assert!(lproc::wait_all().is_empty());
}

#[test]
fn a_failing_process_is_reported_and_others_go_on() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut lua = lua_with_lproc();
    // A syntax error is raised in the starting state.
    let err = lua.eval("lproc.start('this is not lua')").unwrap_err();
    assert!(err.contains("lproc.start"), "{err}");
    // A runtime error ends only that process.
    lua.eval(r#"lproc.start('local t = nil; return t.field')"#)
        .unwrap();
    lua.eval(r#"lproc.start('lproc.send("fail.ok", "alive") lproc.exit() error("not reached")')"#)
        .unwrap();
    assert_eq!(
        lua.eval(r#"return lproc.receive("fail.ok")"#).unwrap(),
        "alive"
    );
    lua.eval("lproc.exit()").unwrap();
    let errors = lproc::wait_all();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("index a nil value"), "{errors:?}");
    // Functions, userdata and threads cannot be sent: values never leak.
    for v in [
        "print",
        "coroutine.create(print)",
        "io.stdout",
        "setmetatable({}, {f = print}) and {print}",
    ] {
        let err = lua.eval(&format!("lproc.send('fail.x', {v})")).unwrap_err();
        assert!(err.contains("cannot copy"), "{err}");
    }
    let err = lua
        .eval("local t = {} t.self = t lproc.send('fail.x', t)")
        .unwrap_err();
    assert!(err.contains("contains itself"), "{err}");
    assert_eq!(lproc::pending("fail.x"), (0, 0));
    // The starting state is unharmed.
    assert_eq!(lua.eval("return 1 + 1").unwrap(), "2");
}

#[test]
fn a_waiting_process_can_be_interrupted() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut lua = lua_with_lproc();
    let handle = lua.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.interrupt();
    });
    let err = lua.eval(r#"lproc.receive("nobody.sends")"#).unwrap_err();
    stopper.join().unwrap();
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(lproc::pending("nobody.sends"), (0, 0));
    lua.reset_limits();
    assert_eq!(lua.eval("return 'still here'").unwrap(), "still here");
}
