//! The stack API (`crescent::raw`): every operation, and every misuse
//! reported as an error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crescent::raw::{
    upvalue_index, CompareOp, Options, RawLua, Resumed, Stack, StdLibs, REF_NIL, REGISTRY_INDEX,
};
use crescent::value::LuaType;
use crescent::LuaResult;

fn new() -> RawLua {
    RawLua::new(Options::default())
}

fn run(l: &mut Stack, src: &str) -> LuaResult<()> {
    l.load(src.as_bytes(), "=test", "t")?;
    l.call(0, None)
}

fn message(l: &mut Stack) -> String {
    l.to_str(-1).unwrap_or_default()
}

#[test]
fn push_and_convert_every_type() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_nil();
    l.push_boolean(true);
    l.push_integer(42);
    l.push_number(1.5);
    l.push_string("hi");
    l.push_bytes(b"\xff\x00");
    l.push_light_userdata(0x1234);
    l.new_table();
    l.push_function(|_| Ok(0));
    assert!(l.push_thread());
    assert_eq!(l.top(), 10);
    let types: Vec<_> = (1..=10).map(|i| l.type_name(i)).collect();
    assert_eq!(
        types,
        [
            "nil", "boolean", "number", "number", "string", "string", "userdata", "table",
            "function", "thread"
        ]
    );
    assert!(l.is_nil(1) && l.is_none_or_nil(1) && !l.is_none(1));
    assert!(l.is_boolean(2) && l.to_boolean(2) && !l.to_boolean(1));
    assert!(l.is_integer(3) && l.is_number(3) && !l.is_integer(4));
    assert_eq!(l.to_integer(3), Some(42));
    assert_eq!(l.to_number(4), Some(1.5));
    assert_eq!(l.to_integer(4), None);
    assert!(l.is_string(5) && l.is_string(3));
    assert_eq!(l.to_bytes(6), Some(b"\xff\x00".to_vec()));
    assert!(l.is_light_userdata(7) && l.is_userdata(7));
    assert_eq!(l.to_light_userdata(7), Some(0x1234));
    assert!(l.is_table(8) && l.is_function(9) && l.is_rust_function(9) && l.is_thread(10));
    // Numbers convert to strings in place, as lua_tolstring does.
    assert_eq!(l.to_str(3).as_deref(), Some("42"));
    assert!(!l.is_integer(3) && l.type_of(3) == Some(LuaType::String));
    l.push_string("0x10");
    assert_eq!(l.to_integer(-1), Some(16));
    assert_eq!(l.raw_len(5), 2);
}

#[test]
fn invalid_indices_are_errors_not_panics() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_integer(1);
    assert_eq!(l.type_of(2), None);
    assert_eq!(l.type_name(5), "no value");
    assert_eq!(l.type_of(-2), None);
    assert_eq!(l.type_of(0), None);
    assert!(l.is_none(upvalue_index(1)));
    assert!(l.push_value(7).is_err());
    assert!(l.get_field(3, "x").is_err());
    assert!(l.set_top(-5).is_err());
    assert!(l.remove(9).is_err());
    assert!(l.copy(1, 4).is_err());
    assert!(l.replace(REGISTRY_INDEX).is_err());
    l.pop(100);
    assert_eq!(l.top(), 0);
    // Not enough values for an operation.
    assert!(l.call(0, None).is_err());
    assert!(l.set_field(REGISTRY_INDEX, "k").is_err());
    assert!(l.arith(crescent::arith::ArithOp::Add).is_err());
    let e = l.concat(3).unwrap_err();
    assert!(format!("{:?}", e.value).contains("not enough values"));
}

#[test]
fn wrong_types_are_errors() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_integer(1);
    l.push_integer(2);
    assert!(l.raw_get_i(1, 1).is_err());
    assert!(l.raw_set(1).is_err());
    assert!(l.next(1).is_err());
    assert!(l.get_user_value(1, 1).is_err());
    assert!(l.with_userdata::<i32, _>(1, |_| ()).is_err());
    assert!(l.resume(1, 0).is_err());
    // Indexing a number raises the Lua error, with its message.
    let e = l.get_field(1, "x").unwrap_err();
    assert!(format!("{:?}", e.value).contains("attempt to index a number value"));
    l.set_top(0).unwrap();
    l.new_table();
    l.push_integer(5);
    assert!(l.set_metatable(1).is_err());
}

#[test]
fn stack_manipulation() {
    let mut lua = new();
    let mut l = lua.stack();
    for i in 1..=5 {
        l.push_integer(i);
    }
    let ints = |l: &Stack| {
        (1..=l.top())
            .map(|i| l.to_integer(i).unwrap())
            .collect::<Vec<_>>()
    };
    l.rotate(2, 1).unwrap();
    assert_eq!(ints(&l), [1, 5, 2, 3, 4]);
    l.rotate(2, -1).unwrap();
    assert_eq!(ints(&l), [1, 2, 3, 4, 5]);
    l.insert(1).unwrap();
    assert_eq!(ints(&l), [5, 1, 2, 3, 4]);
    l.remove(1).unwrap();
    assert_eq!(ints(&l), [1, 2, 3, 4]);
    l.push_integer(9);
    l.replace(1).unwrap();
    assert_eq!(ints(&l), [9, 2, 3, 4]);
    l.copy(-1, 2).unwrap();
    assert_eq!(ints(&l), [9, 4, 3, 4]);
    l.push_value(1).unwrap();
    assert_eq!(l.abs_index(-1), 5);
    l.set_top(7).unwrap();
    assert!(l.is_nil(7));
    l.set_top(-3).unwrap();
    assert_eq!(l.top(), 5);
    assert!(l.check_stack(100));
    assert!(!l.check_stack(100_000_000));
}

#[test]
fn tables_globals_and_metamethods() {
    let mut lua = new();
    let mut l = lua.stack();
    l.create_table(4, 4);
    l.push_integer(10);
    l.set_field(1, "a").unwrap();
    l.push_string("v");
    l.raw_set_i(1, 1).unwrap();
    l.push_string("k");
    l.push_boolean(true);
    l.set_table(1).unwrap();
    l.push_integer(7);
    l.set_i(1, 2).unwrap();
    assert_eq!(l.get_field(1, "a").unwrap(), LuaType::Number);
    assert_eq!(l.to_integer(-1), Some(10));
    assert_eq!(l.raw_get_i(1, 1).unwrap(), LuaType::String);
    l.push_string("k");
    assert_eq!(l.get_table(1).unwrap(), LuaType::Boolean);
    assert_eq!(l.get_i(1, 2).unwrap(), LuaType::Number);
    l.push_string("a");
    assert_eq!(l.raw_get(1).unwrap(), LuaType::Number);
    l.set_top(1).unwrap();
    assert_eq!(l.raw_len(1), 2);
    l.len(1).unwrap();
    assert_eq!(l.to_integer(-1), Some(2));
    l.pop(1);
    // Traversal.
    let mut n = 0;
    l.push_nil();
    while l.next(1).unwrap() {
        n += 1;
        l.pop(1);
    }
    assert_eq!(n, 4);
    // Globals.
    l.push_value(1).unwrap();
    l.set_global("t").unwrap();
    assert_eq!(l.get_global("t").unwrap(), LuaType::Table);
    assert!(l.raw_equal(1, -1));
    l.pop(1);
    // Metatables: __index through get_field, raw access bypasses it.
    run(
        &mut l,
        "mt = {__index = function(t, k) return k .. '!' end}",
    )
    .unwrap();
    l.get_global("mt").unwrap();
    l.set_metatable(1).unwrap();
    l.get_field(1, "zz").unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("zz!"));
    l.push_string("zz");
    assert_eq!(l.raw_get(1).unwrap(), LuaType::Nil);
    assert!(l.get_metatable(1));
    l.get_global("mt").unwrap();
    assert!(l.raw_equal(-1, -2));
    l.set_top(1).unwrap();
    // Metatables of other types are per type.
    l.push_integer(3);
    assert!(l.get_metatable(-1) || l.type_of(-1) == Some(LuaType::Number));
}

#[test]
fn arithmetic_comparison_concat() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_integer(7);
    l.push_integer(2);
    l.arith(crescent::arith::ArithOp::IDiv).unwrap();
    assert_eq!(l.to_integer(-1), Some(3));
    l.arith(crescent::arith::ArithOp::Unm).unwrap();
    assert_eq!(l.to_integer(-1), Some(-3));
    l.push_integer(5);
    assert!(l.compare(-2, -1, CompareOp::Lt).unwrap());
    assert!(!l.compare(-2, -1, CompareOp::Eq).unwrap());
    assert!(l.compare(-1, -1, CompareOp::Le).unwrap());
    l.push_string("x");
    assert!(l.compare(-1, -2, CompareOp::Lt).is_err());
    l.set_top(0).unwrap();
    l.push_string("a");
    l.push_integer(1);
    l.push_string("b");
    l.concat(3).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("a1b"));
    l.concat(0).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some(""));
}

fn add(l: &mut Stack) -> LuaResult<usize> {
    let a = l.check_integer(1)?;
    let b = l.opt_integer(2, 100)?;
    l.push_integer(a + b);
    Ok(1)
}

#[test]
fn rust_functions_and_argument_errors() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_function(add);
    l.set_global("add").unwrap();
    run(&mut l, "assert(add(1, 2) == 3 and add(1) == 101)").unwrap();
    // PUC's messages for bad arguments.
    l.load(b"return add('x')", "=test", "t").unwrap();
    let e = l.pcall(0, Some(1), 0).unwrap_err();
    assert_eq!(e.kind, crescent::ErrorKind::Runtime);
    assert_eq!(
        message(&mut l),
        "test:1: bad argument #1 to 'add' (number expected, got string)"
    );
    l.pop(1);
    l.push_function(|l| {
        l.check_string(1)?;
        let s = l.opt_string(2)?;
        l.push_boolean(s.is_none());
        Ok(1)
    });
    l.set_global("f").unwrap();
    l.load(b"return f({})", "=test", "t").unwrap();
    l.pcall(0, Some(1), 0).unwrap_err();
    assert_eq!(
        message(&mut l),
        "test:1: bad argument #1 to 'f' (string expected, got table)"
    );
    l.pop(1);
    l.push_function(|l| Err(l.arg_error(2, "custom problem")));
    l.set_global("g").unwrap();
    l.load(b"local t = {} t.g = g t.g(1, 2)", "=test", "t")
        .unwrap();
    l.pcall(0, Some(0), 0).unwrap_err();
    assert_eq!(
        message(&mut l),
        "test:1: bad argument #2 to 'g' (custom problem)"
    );
    l.pop(1);
    l.push_function(|l| {
        l.check_any(1)?;
        l.check_type(1, LuaType::Table)?;
        Ok(0)
    });
    l.set_global("h").unwrap();
    l.load(b"h()", "=test", "t").unwrap();
    l.pcall(0, Some(0), 0).unwrap_err();
    assert_eq!(
        message(&mut l),
        "test:1: bad argument #1 to 'h' (value expected)"
    );
}

#[test]
fn closures_with_upvalues() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_integer(0);
    l.push_string("counter");
    l.push_closure(
        |l| {
            let n = l.to_integer(upvalue_index(1)).unwrap_or(0) + 1;
            l.push_integer(n);
            l.copy(-1, upvalue_index(1))?;
            l.push_value(upvalue_index(2))?;
            // Upvalue 3 does not exist.
            assert!(l.is_none(upvalue_index(3)));
            Ok(2)
        },
        2,
    )
    .unwrap();
    l.set_global("count").unwrap();
    run(
        &mut l,
        "assert(count() == 1); local n, name = count(); assert(n == 2 and name == 'counter')",
    )
    .unwrap();
    // A captured Rust value.
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    l.push_function(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        Ok(0)
    });
    l.set_global("hit").unwrap();
    run(&mut l, "for i = 1, 5 do hit() end").unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    // Outside a Rust function, upvalue indices name nothing.
    assert!(l.push_value(upvalue_index(1)).is_err());
}

#[test]
fn pcall_with_message_handler_and_traceback() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_function(|l| {
        let msg = l.to_str(1).unwrap_or_default();
        l.traceback(Some(&msg), 1);
        Ok(1)
    });
    l.load(
        b"local function inner() error('boom') end\nfunction outer() inner() end\nouter()",
        "=chunk",
        "t",
    )
    .unwrap();
    let e = l.pcall(0, Some(0), 1).unwrap_err();
    assert_eq!(e.kind, crescent::ErrorKind::Runtime);
    let text = message(&mut l);
    assert!(
        text.starts_with("chunk:1: boom\nstack traceback:"),
        "{text}"
    );
    assert!(
        text.contains("in function 'outer'") || text.contains("outer"),
        "{text}"
    );
    // The stack: handler, error value.
    assert_eq!(l.top(), 2);
    // Successful pcall keeps results.
    l.set_top(0).unwrap();
    l.load(b"return 1, 2, 3", "=c", "t").unwrap();
    l.pcall(0, None, 0).unwrap();
    assert_eq!(l.top(), 3);
    // A non-string error value survives.
    l.set_top(0).unwrap();
    l.load(b"error({code = 7})", "=c", "t").unwrap();
    l.pcall(0, Some(0), 0).unwrap_err();
    l.get_field(-1, "code").unwrap();
    assert_eq!(l.to_integer(-1), Some(7));
    // An invalid handler index is an error.
    l.set_top(0).unwrap();
    l.load(b"return 1", "=c", "t").unwrap();
    assert!(l.pcall(0, None, 5).is_err());
}

#[test]
fn load_text_binary_reader_and_syntax_errors() {
    let mut lua = new();
    let mut l = lua.stack();
    let e = l.load(b"return +", "=bad", "t").unwrap_err();
    assert_eq!(e.kind, crescent::ErrorKind::Syntax);
    assert!(message(&mut l).starts_with("bad:1:"));
    l.pop(1);
    assert!(l.load(b"return 1", "=m", "b").is_err());
    l.pop(1);
    l.load_reader(&b"return 6 * 7"[..], "=reader", "t").unwrap();
    l.call(0, Some(1)).unwrap();
    assert_eq!(l.to_integer(-1), Some(42));
    // A binary chunk from string.dump loads in mode "b".
    run(&mut l, "dumped = string.dump(function() return 'bin' end)").unwrap();
    l.get_global("dumped").unwrap();
    let bin = l.to_bytes(-1).unwrap();
    l.load(&bin, "=bin", "b").unwrap();
    l.call(0, Some(1)).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("bin"));
    // A failing reader.
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    assert!(l.load_reader(Broken, "src", "t").is_err());
    assert!(message(&mut l).contains("cannot read src"));
    l.set_top(0).unwrap();
    l.do_string("return 5").unwrap();
    assert_eq!(l.to_integer(-1), Some(5));
}

#[derive(Debug)]
struct Point {
    x: i64,
}

static DROPS: AtomicUsize = AtomicUsize::new(0);
struct Tracked;
impl Drop for Tracked {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn userdata_payloads_user_values_and_named_metatables() {
    let mut lua = new();
    let mut l = lua.stack();
    assert!(l.new_metatable("Point").unwrap());
    assert!(!l.new_metatable("Point").unwrap());
    l.pop(2);
    l.push_function(|l| {
        l.check_userdata(1, "Point")?;
        let x = l.with_userdata(1, |p: &Point| p.x)?;
        l.push_integer(x);
        Ok(1)
    });
    l.set_global("getx").unwrap();
    l.new_userdata(Point { x: 5 }, 2);
    l.set_metatable_named("Point").unwrap();
    assert!(l.test_userdata(-1, "Point"));
    assert!(l.is_userdata_of::<Point>(-1));
    assert!(!l.is_userdata_of::<String>(-1));
    l.with_userdata_mut(-1, |p: &mut Point| p.x += 1).unwrap();
    assert!(l.with_userdata(-1, |_: &String| ()).is_err());
    l.push_string("uv1");
    assert!(l.set_user_value(-2, 1).unwrap());
    l.push_string("uv3");
    assert!(!l.set_user_value(-2, 3).unwrap());
    assert_eq!(l.get_user_value(-1, 1).unwrap(), Some(LuaType::String));
    assert_eq!(l.to_str(-1).as_deref(), Some("uv1"));
    l.pop(1);
    assert_eq!(l.get_user_value(-1, 2).unwrap(), Some(LuaType::Nil));
    l.pop(1);
    assert_eq!(l.get_user_value(-1, 3).unwrap(), None);
    l.pop(1);
    l.set_global("p").unwrap();
    run(&mut l, "assert(getx(p) == 6)").unwrap();
    l.load(b"return getx({})", "=t", "t").unwrap();
    l.pcall(0, Some(1), 0).unwrap_err();
    assert_eq!(
        message(&mut l),
        "t:1: bad argument #1 to 'getx' (Point expected, got table)"
    );
    run(&mut l, "assert(tostring(p):match('^Point: '))").unwrap();
}

#[test]
fn userdata_destructor_runs_once_after_gc_metamethod() {
    DROPS.store(0, Ordering::SeqCst);
    let order = Arc::new(Mutex::new(Vec::new()));
    {
        let mut lua = new();
        let mut l = lua.stack();
        let o = order.clone();
        l.create_table(0, 1);
        l.push_function(move |l| {
            // The payload is still alive while __gc runs.
            let alive = l.is_userdata_of::<Tracked>(1);
            o.lock().unwrap().push(format!(
                "gc alive={alive} drops={}",
                DROPS.load(Ordering::SeqCst)
            ));
            Ok(0)
        });
        l.set_field(-2, "__gc").unwrap();
        l.set_global("mt").unwrap();
        for _ in 0..3 {
            l.new_userdata(Tracked, 0);
            l.get_global("mt").unwrap();
            l.set_metatable(-2).unwrap();
            l.pop(1);
        }
        l.new_userdata(Tracked, 0);
        l.get_global("mt").unwrap();
        l.set_metatable(-2).unwrap();
        l.set_global("kept").unwrap();
        l.gc_collect();
        // Finalized this cycle, freed the next one.
        l.gc_collect();
        assert_eq!(DROPS.load(Ordering::SeqCst), 3);
        // The one still referenced is finalized when the state closes.
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 4);
    let order = order.lock().unwrap();
    assert_eq!(order.len(), 4);
    for line in order.iter() {
        assert!(line.starts_with("gc alive=true"), "{line}");
    }
}

#[test]
fn registry_references() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_string("a");
    let r1 = l.reference(REGISTRY_INDEX).unwrap();
    l.push_string("b");
    let r2 = l.reference(REGISTRY_INDEX).unwrap();
    assert_ne!(r1, r2);
    l.push_nil();
    assert_eq!(l.reference(REGISTRY_INDEX).unwrap(), REF_NIL);
    l.raw_get_i(REGISTRY_INDEX, r1).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("a"));
    l.pop(1);
    l.unreference(REGISTRY_INDEX, r1).unwrap();
    l.push_string("c");
    let r3 = l.reference(REGISTRY_INDEX).unwrap();
    assert_eq!(r3, r1, "freed references are reused");
    l.raw_get_i(REGISTRY_INDEX, r2).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("b"));
    // The registry holds the main thread and the globals.
    l.raw_get_i(REGISTRY_INDEX, crescent::raw::RIDX_GLOBALS)
        .unwrap();
    l.push_globals();
    assert!(l.raw_equal(-1, -2));
    // References in an ordinary table.
    l.new_table();
    l.push_integer(1);
    assert_eq!(l.reference(-2).unwrap(), 1);
    l.unreference(-1, 1).unwrap();
    l.unreference(-1, 99).unwrap();
}

#[test]
fn threads_resume_yield_and_xmove() {
    let mut lua = new();
    let mut l = lua.stack();
    run(
        &mut l,
        "function gen(a) local b = coroutine.yield(a + 1) return b * 2 end",
    )
    .unwrap();
    l.new_thread();
    let co = l.abs_index(-1);
    l.with_thread(co, |me, th| {
        me.get_global("gen").unwrap();
        me.xmove(th, 1).unwrap();
    })
    .unwrap();
    assert_eq!(
        l.thread_status(co).unwrap(),
        crescent::raw::ThreadState::Suspended
    );
    l.push_integer(10);
    assert_eq!(l.resume(co, 1).unwrap(), Resumed::Yield(1));
    assert_eq!(l.to_integer(-1), Some(11));
    l.pop(1);
    l.push_integer(4);
    assert_eq!(l.resume(co, 1).unwrap(), Resumed::Return(1));
    assert_eq!(l.to_integer(-1), Some(8));
    l.pop(1);
    assert_eq!(
        l.thread_status(co).unwrap(),
        crescent::raw::ThreadState::Dead
    );
    let e = l.resume(co, 0).unwrap_err();
    assert!(format!("{:?}", e.value).contains("dead coroutine"));
    l.pop(1);
    // The running thread cannot be resumed or entered.
    l.push_thread();
    assert!(l.resume(-1, 0).is_err());
    assert!(l.with_thread(-1, |_, _| ()).is_err());
    l.set_top(0).unwrap();
    // An error inside a coroutine.
    l.new_thread();
    l.with_thread(1, |me, th| {
        me.load(b"error('inside')", "=co", "t").unwrap();
        me.xmove(th, 1).unwrap();
    })
    .unwrap();
    assert!(l.resume(1, 0).is_err());
    assert_eq!(message(&mut l), "co:1: inside");
    l.close_thread(1).unwrap_err();
}

#[test]
fn xmove_between_states_is_an_error() {
    let mut a = new();
    let mut b = new();
    let mut la = a.stack();
    let mut lb = b.stack();
    la.push_integer(1);
    assert!(la.xmove(&mut lb, 1).is_err());
    assert_eq!(lb.top(), 0);
    assert_eq!(la.top(), 1);
}

#[test]
fn yield_from_rust_with_continuation() {
    let mut lua = new();
    let mut l = lua.stack();
    // A Rust function that yields its argument and, when resumed, returns
    // the resume value plus a context it captured.
    l.push_function(|l| {
        let ctx = l.check_integer(1)?;
        l.push_value(1)?;
        Err(l.yield_k(
            1,
            Box::new(move |l: &mut Stack| {
                let v = l.to_integer(-1).unwrap_or(0);
                l.push_integer(v + ctx);
                Ok(1)
            }),
        ))
    });
    l.set_global("ask").unwrap();
    // A Rust function calling Lua that yields, continued by call_k.
    l.push_function(|l| {
        l.push_value(1)?;
        l.call_k(
            0,
            Some(1),
            Box::new(|l: &mut Stack| {
                let v = l.to_integer(-1).unwrap_or(0);
                l.push_integer(v * 10);
                Ok(1)
            }),
        )?;
        // Not in a coroutine (or no yield): continue here.
        let v = l.to_integer(-1).unwrap_or(0);
        l.push_integer(v * 10);
        Ok(1)
    });
    l.set_global("callk").unwrap();
    l.push_function(|l| {
        l.push_integer(1);
        Err(l.yield_(1))
    });
    l.set_global("plain").unwrap();
    run(
        &mut l,
        r#"
        local co = coroutine.wrap(function() return ask(5) + 0 end)
        assert(co() == 5)
        assert(co(100) == 105)
        local co2 = coroutine.wrap(function()
            return callk(function() return coroutine.yield('y') + 1 end)
        end)
        assert(co2() == 'y')
        assert(co2(4) == 50)
        assert(callk(function() return 2 end) == 20)
        local co3 = coroutine.wrap(function() local a, b = plain(), 0 return a end)
        assert(co3() == 1)
        assert(co3('r') == 'r')
        -- Yielding outside a coroutine is an error.
        local ok, e = pcall(ask, 1)
        assert(not ok and e:find('outside a coroutine'), e)
        "#,
    )
    .unwrap();
}

#[test]
fn panic_handler_sees_unprotected_errors() {
    let mut lua = new();
    let mut l = lua.stack();
    // Default: just an Err.
    l.load(b"error('top')", "=p", "t").unwrap();
    assert!(l.call(0, None).is_err());
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    l.at_panic(Some(Box::new(move |msg| {
        s.lock()
            .unwrap()
            .push(String::from_utf8_lossy(msg).into_owned())
    })));
    l.set_top(0).unwrap();
    l.load(b"error('again')", "=p", "t").unwrap();
    assert!(l.call(0, None).is_err());
    l.push_integer(1);
    assert!(l.get_field(-1, "x").is_err());
    // Protected calls do not reach the handler.
    l.set_top(0).unwrap();
    l.load(b"error('caught')", "=p", "t").unwrap();
    assert!(l.pcall(0, None, 0).is_err());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0], "p:1: again");
    assert!(seen[1].contains("attempt to index a number value"));
}

#[test]
fn warnings_go_to_the_host() {
    let mut lua = new();
    let mut l = lua.stack();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    l.set_warn_handler(Some(Box::new(move |msg| {
        s.lock()
            .unwrap()
            .push(String::from_utf8_lossy(msg).into_owned())
    })));
    run(
        &mut l,
        "warn('@on') warn('a', 'b') setmetatable({}, {__gc = function() error('in gc') end}) collectgarbage()",
    )
    .unwrap();
    l.warning(b"from host");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], "@on");
    assert_eq!(seen[1], "ab");
    assert!(seen[2].starts_with("error in __gc"), "{seen:?}");
    assert_eq!(seen[3], "from host");
}

fn open_mylib(l: &mut Stack) -> LuaResult<usize> {
    l.new_lib(&[("add", add)])?;
    l.push_string("1.0");
    l.set_field(-2, "version")?;
    Ok(1)
}

#[test]
fn libraries_requiref_and_subtables() {
    let mut lua = new();
    let mut l = lua.stack();
    l.requiref("mylib", open_mylib, true).unwrap();
    assert!(l.is_table(-1));
    l.pop(1);
    run(
        &mut l,
        "assert(mylib.add(1, 2) == 3 and require('mylib') == mylib)",
    )
    .unwrap();
    // A second requiref finds the loaded module.
    l.requiref("mylib", |_| panic!("not called again"), false)
        .unwrap();
    l.pop(1);
    l.new_table();
    assert!(!l.get_subtable(-1, "sub").unwrap());
    l.pop(1);
    assert!(l.get_subtable(-1, "sub").unwrap());
    l.pop(2);
    l.load(b"mylib.add(1, {})", "=lib", "t").unwrap();
    l.pcall(0, Some(0), 0).unwrap_err();
    assert_eq!(
        message(&mut l),
        "lib:1: bad argument #2 to 'add' (number expected, got table)"
    );
    l.pop(1);
    l.push_function(|l| {
        let i = l.check_option(1, Some("b"), &["a", "b"])?;
        l.push_integer(i as i64);
        Ok(1)
    });
    l.set_global("opt").unwrap();
    run(
        &mut l,
        "assert(opt() == 1 and opt('a') == 0) assert(not pcall(opt, 'c'))",
    )
    .unwrap();
}

#[test]
fn options_choose_libraries() {
    let mut lua = RawLua::new(Options {
        libs: StdLibs::BASE | StdLibs::STRING,
        memory_limit: Some(1 << 20),
    });
    assert_eq!(lua.memory_limit(), Some(1 << 20));
    let mut l = lua.stack();
    run(
        &mut l,
        "assert(io == nil and os == nil and string.rep('a', 2) == 'aa')",
    )
    .unwrap();
    let mut bare = RawLua::new(Options {
        libs: StdLibs::NONE,
        memory_limit: None,
    });
    let mut l = bare.stack();
    assert_eq!(l.get_global("print").unwrap(), LuaType::Nil);
    assert!(StdLibs::ALL.contains(StdLibs::SAFE));
}

#[test]
fn close_runs_finalizers_and_to_be_closed_slots() {
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let lua = {
        let mut lua = new();
        let mut l = lua.stack();
        let lg = log.clone();
        l.push_function(move |l| {
            let s = l.to_str(1).unwrap_or_default();
            lg.lock().unwrap().push(s);
            Ok(0)
        });
        l.set_global("log").unwrap();
        run(
            &mut l,
            "keep = setmetatable({}, {__gc = function() log('gc') end})
             closer = setmetatable({}, {__close = function() log('close') end})",
        )
        .unwrap();
        l.get_global("closer").unwrap();
        l.to_close(-1).unwrap();
        // A value without __close cannot be marked.
        l.push_integer(3);
        assert!(l.to_close(-1).is_err());
        lua
    };
    lua.close();
    assert_eq!(*log.lock().unwrap(), ["close", "gc"]);
}

#[test]
fn close_slot_runs_close_now() {
    let mut lua = new();
    let mut l = lua.stack();
    run(
        &mut l,
        "closed = 0 obj = setmetatable({}, {__close = function() closed = closed + 1 end})",
    )
    .unwrap();
    l.get_global("obj").unwrap();
    l.to_close(-1).unwrap();
    l.close_slot(-1).unwrap();
    assert!(l.is_nil(-1));
    l.get_global("closed").unwrap();
    assert_eq!(l.to_integer(-1), Some(1));
}

#[test]
fn display_strings_and_lengths() {
    let mut lua = new();
    let mut l = lua.stack();
    run(&mut l, "obj = setmetatable({}, {__tostring = function() return 'OBJ' end, __len = function() return 9 end})").unwrap();
    l.get_global("obj").unwrap();
    assert_eq!(l.to_display_string(-1).unwrap(), b"OBJ");
    l.pop(1);
    assert_eq!(l.len_of(-1).unwrap(), 9);
    l.push_number(2.5);
    assert_eq!(l.to_display_string(-1).unwrap(), b"2.5");
    assert!(l.gc_count() > 0);
}

#[test]
fn errors_raised_by_rust_functions() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_function(|l| {
        l.new_table();
        l.push_integer(3);
        l.set_field(-2, "code")?;
        Err(l.error())
    });
    l.set_global("fail").unwrap();
    l.push_function(|l| Err(l.error_msg("with position")));
    l.set_global("fail2").unwrap();
    run(
        &mut l,
        "local ok, e = pcall(fail) assert(not ok and e.code == 3)
         local ok2, e2 = pcall(function() fail2() end) assert(e2 == 'test:2: with position', e2)",
    )
    .unwrap();
}

/// `guard(f, ...)`: calls `f(...)` with `pcall_k` (a traceback-free handler
/// that tags errors) and returns "ok" plus f's results, or "caught" and the
/// handled error; the context (the number of arguments) survives a yield.
fn guard(l: &mut Stack) -> LuaResult<usize> {
    let nargs = l.top() as usize - 1;
    let ctx = nargs as i64;
    fn finish(l: &mut Stack, r: LuaResult<()>, ctx: i64, results_from: i32) -> LuaResult<usize> {
        match r {
            Ok(()) => {
                // Results start above the handler (index 1) and its copy of f.
                let n = l.top() - results_from + 1;
                l.push_string("ok");
                l.insert(results_from)?;
                l.push_integer(ctx);
                Ok(n as usize + 2)
            }
            Err(_) => {
                l.push_string("caught");
                l.insert(-2)?;
                l.push_integer(ctx);
                Ok(3)
            }
        }
    }
    // Stack: f, args... -> handler, f, args...
    l.push_function(|l: &mut Stack| {
        let msg = l.to_str(1).unwrap_or_default();
        l.push_string(&format!("handled: {msg}"));
        Ok(1)
    });
    l.insert(1)?;
    let results_from = 2;
    let r = l.pcall_k(
        nargs,
        None,
        1,
        Box::new(move |l: &mut Stack, r| finish(l, r, ctx, results_from)),
    )?;
    finish(l, r, ctx, results_from)
}

#[test]
fn pcall_k_continues_after_yields() {
    let mut lua = new();
    let mut l = lua.stack();
    l.push_function(guard);
    l.set_global("guard").unwrap();
    let r = run_blocks(
        &mut l,
        r#"
        -- No coroutine: pcall_k is pcall.
        local s, a, b, n = guard(function(x, y) return x + y, 'r' end, 1, 2)
        assert(s == 'ok' and a == 3 and b == 'r' and n == 2, tostring(s))
        local s, e, n = guard(error, 'plain')
        assert(s == 'caught' and e == 'handled: plain' and n == 1, e)

        -- The callee yields, then returns: the continuation sees Ok.
        local co = coroutine.wrap(function(...)
            return guard(function(x)
                local y = coroutine.yield('first', x)
                local z = coroutine.yield('second', y)
                return x + y + z
            end, ...)
        end)
        local tag, v = co(1)
        assert(tag == 'first' and v == 1)
        assert(co(10) == 'second')
        local s, sum, n = co(100)
        assert(s == 'ok' and sum == 111 and n == 1, tostring(sum))

        -- The callee yields, then fails: the handler runs and the
        -- continuation sees the error; the coroutine goes on after it.
        local co = coroutine.wrap(function()
            local s, e, n = guard(function()
                coroutine.yield('paused')
                error('late failure', 0)
            end)
            coroutine.yield(s, e, n)
            return 'after'
        end)
        assert(co() == 'paused')
        local s, e, n = co()
        assert(s == 'caught' and e == 'handled: late failure' and n == 0, e)
        assert(co() == 'after')

        -- To-be-closed variables of the failed callee are closed, even when
        -- their __close yields.
        local closed = {}
        local co = coroutine.wrap(function()
            return guard(function()
                local x <close> = setmetatable({}, {__close = function(_, err)
                    closed[#closed + 1] = err
                    coroutine.yield('closing')
                end})
                coroutine.yield('inside')
                error('with tbc', 0)
            end)
        end)
        assert(co() == 'inside')
        assert(co() == 'closing')
        local s, e = co()
        assert(s == 'caught' and e == 'handled: with tbc', e)
        assert(closed[1] == 'handled: with tbc', tostring(closed[1]))

        -- An error after the protected call is not caught by it.
        local co = coroutine.create(function()
            guard(function() coroutine.yield() end)
            error('outside', 0)
        end)
        assert(coroutine.resume(co))
        local ok, e = coroutine.resume(co)
        assert(not ok and e == 'outside', e)

        -- Nested: a pcall_k inside a pcall_k, both yielding.
        local co = coroutine.wrap(function()
            return guard(function()
                local s, e = guard(function() coroutine.yield('inner') error('deep', 0) end)
                coroutine.yield(s .. ':' .. e)
                error('outer', 0)
            end)
        end)
        assert(co() == 'inner')
        assert(co() == 'caught:handled: deep')
        local s, e = co()
        assert(s == 'caught' and e == 'handled: outer', e)
        "#,
    );
    if let Err(block) = r {
        panic!("{block}\n{}", message(&mut l));
    }
}

/// Runs the blank-line-separated blocks of `src` one by one; on error, the
/// failing block (its message is on the stack).
fn run_blocks(l: &mut Stack, src: &str) -> Result<(), String> {
    for block in src.split("\n\n") {
        run(l, block).map_err(|_| block.to_string())?;
    }
    Ok(())
}
