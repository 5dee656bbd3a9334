//! The rest of what the official `main.lua` checks about the stand-alone
//! interpreter (the parts `cli.rs` does not cover): byte order marks, empty
//! and binary scripts, `debug.debug`, warning control messages, finalizers
//! and `os.exit` when the state closes, exit statuses, interactive chunks
//! spread over many lines, print flushing, and Ctrl-C (SIGINT). Each expected
//! text was checked against PUC-Rio's `lua5.4`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_crescent");

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` and `stdin`, without LUA_* variables.
fn run(args: &[&str], stdin: &[u8]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for v in ["LUA_INIT", "LUA_INIT_5_4", "LUA_PATH", "LUA_PATH_5_4"] {
        cmd.env_remove(v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("crescent runs");
    {
        let mut si = child.stdin.take().unwrap();
        let _ = si.write_all(stdin);
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh temporary directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "crescent-standalone-{}-{}",
        tag,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn byte_order_marks_and_first_line_comments() {
    let d = temp_dir("bom");
    for (text, want) in [
        (&b"\xEF\xBB\xBF"[..], ""),
        (b"\xEF\xBB\xBFprint(3)", "3\n"),
        (b"\xEF\xBB\xBF# comment!!\nprint(3)", "3\n"),
        (b"#comment in 1st line without \\n at the end", ""),
        (b"", ""),
    ] {
        let f = write(&d, "bom.lua", text);
        let o = run(&[&f], b"");
        assert_eq!((o.code, o.stdout.as_str()), (Some(0), want), "{text:?}");
    }
    // an incomplete mark is not a mark
    for text in [
        &b"\xEF"[..],
        b"\xEF\xBB",
        b"\xEFprint(3)",
        b"\xEF\xBBprint(3)",
    ] {
        let f = write(&d, "bad.lua", text);
        let o = run(&[&f], b"");
        assert_eq!(o.code, Some(1));
        assert!(o.stderr.contains("unexpected symbol"), "{}", o.stderr);
    }
    // an empty script on stdin, and a chunk spread over lines
    let o = run(&["-"], b"");
    assert_eq!((o.code, o.stdout.as_str()), (Some(0), ""));
    let o = run(&["-"], b"  print(\n1, a\n)\n");
    assert_eq!(o.stdout, "1\tnil\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn binary_script_after_a_comment_line() {
    let d = temp_dir("bin");
    let f = d.join("bin.lua");
    let make = format!(
        "local f = io.open({:?}, 'wb') f:write('#comment\\n' .. string.dump(load('print(3)'))) f:close()",
        f.to_str().unwrap()
    );
    assert_eq!(run(&["-e", &make], b"").code, Some(0));
    let o = run(&[f.to_str().unwrap()], b"");
    assert_eq!(
        (o.code, o.stdout.as_str()),
        (Some(0), "3\n"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn open_file_is_flushed_at_exit() {
    let d = temp_dir("openfile");
    let out = d.join("out.txt");
    let code = format!("io.output({:?}); io.write('alo')", out.to_str().unwrap());
    assert_eq!(run(&["-e", &code], b"").code, Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "alo");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn debug_debug_reads_commands_until_cont() {
    let o = run(
        &["-e", "require'debug'.debug()"],
        b"io.stderr:write(1000)\ncont\n",
    );
    assert_eq!(o.code, Some(0));
    assert_eq!(o.stderr, "lua_debug> 1000lua_debug> ");
}

#[test]
fn warning_control_messages() {
    // off by default
    let o = run(&[], b"io.stderr:write(1); warn[[XXX]]");
    assert_eq!(o.stderr, "1");
    let script = r#"
warn("@allow")               -- unknown control, ignored
warn("@off", "XXX", "@off")  -- these are not control messages
warn("@off")                 -- this one is
warn("@on", "YYY", "@on")    -- not control, but warn is off
warn("@off")                 -- keep it off
warn("@on")                  -- restart warnings
warn("", "@on")              -- again, no control, real warning
warn("@on")                  -- keep it "started"
warn("Z", "Z", "Z")          -- common warning
"#;
    let o = run(&["-W", "-"], script.as_bytes());
    assert_eq!(
        o.stderr,
        "Lua warning: @offXXX@off\nLua warning: @on\nLua warning: ZZZ\n"
    );
    // warn needs a string; a failed call leaves no partial warning behind
    let o = run(
        &[
            "-W",
            "-e",
            "print(pcall(warn)) print(pcall(warn, 'NO', {})) warn('yes')",
        ],
        b"",
    );
    assert!(o.stdout.contains("string expected"), "{}", o.stdout);
    assert_eq!(o.stderr, "Lua warning: yes\n");
}

#[test]
fn finalizer_errors_at_close_become_warnings() {
    let script = r#"
warn("@allow")
u1 = setmetatable({}, {__gc = function () error("XYZ") end})
u2 = setmetatable({}, {__gc = function () error("ZYX") end})
"#;
    let o = run(&["-W", "-"], script.as_bytes());
    assert_eq!(o.code, Some(0));
    // finalizers run in reverse order of marking
    assert_eq!(
        o.stderr,
        "Lua warning: error in __gc (stdin:4: ZYX)\nLua warning: error in __gc (stdin:3: XYZ)\n"
    );
    // without -W, nothing
    let o = run(&["-"], script.as_bytes());
    assert_eq!(o.stderr, "");
}

#[test]
fn os_exit_from_a_finalizer_while_closing() {
    // os.exit(0, true) inside a finalizer that lua_close runs: the remaining
    // finalizers still run, objects made finalizable while closing do not.
    let script = r#"
print("creating 1")
setmetatable({}, {__gc = function () print(1) end})
print("creating 2")
setmetatable({}, {__gc = function ()
  print("2")
  print("creating 3")
  setmetatable({}, {__gc = function () print(3) end})
  print(collectgarbage())    -- cannot call collector here
  os.exit(0, true)
end})
"#;
    let o = run(&["-W", "-"], script.as_bytes());
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "creating 1\ncreating 2\n2\ncreating 3\nnil\n1\n");
}

#[test]
fn os_exit_statuses() {
    for (code, status) in [
        ("os.exit(nil, true)", 0),
        ("os.exit(0, true)", 0),
        ("os.exit(true, true)", 0),
        ("os.exit(1, true)", 1),
        ("os.exit(false, true)", 1),
        ("os.exit(3)", 3),
        ("os.exit(true)", 0),
        ("os.exit(false)", 1),
        ("os.exit(256)", 0),
        ("os.exit(-1)", 255),
        ("os.exit('2')", 2),
    ] {
        let o = run(&["-e", code], b"");
        assert_eq!(o.code, Some(status), "{code}");
        assert_eq!((o.stdout.as_str(), o.stderr.as_str()), ("", ""), "{code}");
    }
    let o = run(&["-e", "os.exit(1.5)"], b"");
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("bad argument #1 to 'exit' (number has no integer representation)"),
        "{}",
        o.stderr
    );
    // to-be-closed variables of the main chunk are closed with `close`
    let script = r#"
  local x <close> = setmetatable({},
        {__close = function (self, err)
                     assert(err == nil)
                     print("Ok")
                   end})
  local e1 <close> = setmetatable({}, {__close = function () print(120) end})
  os.exit(true, true)
"#;
    let o = run(&["-"], script.as_bytes());
    assert_eq!((o.code, o.stdout.as_str()), (Some(0), "120\nOk\n"));
    // and are not closed without it
    let o = run(
        &[
            "-e",
            "local x <close> = setmetatable({}, {__close = print}) os.exit(true)",
        ],
        b"",
    );
    assert_eq!((o.code, o.stdout.as_str()), (Some(0), ""));
}

#[test]
fn error_objects_with_tostring() {
    let script = r#"debug = require "debug"
m = {x=0}
setmetatable(m, {__tostring = function(x)
  return tostring(debug.getinfo(4).currentline + x.x)
end})
error(m)
"#;
    let o = run(&["-"], script.as_bytes());
    assert_eq!(o.code, Some(1));
    assert_eq!(o.stderr, format!("{BIN}: 6\n"));
}

#[test]
fn interactive_chunks_over_many_lines() {
    let chunk = r#" --
function f ( x )
  local a = [[
xuxu
]]
  local b = "\
xuxu\n"
  if x == 11 then return 1 + 12 , 2 + 20 end  --[[ test multiple returns ]]
  return x + 1
  --\\
end
return( f( 100 ) )
assert( a == b )
do return f( 11 ) end  "#;
    let spread = chunk.replace(' ', "\n\n");
    let o = run(&["-e_PROMPT='' _PROMPT2=''", "-i"], spread.as_bytes());
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // the echoed input interleaves with the results; they come in order
    let mut rest = o.stdout.as_str();
    for want in ["\n101\n", "\n13\t22\n"] {
        let at = rest
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} in {}", o.stdout));
        rest = &rest[at + want.len()..];
    }
    assert!(o.stdout.ends_with("\n\n"), "{}", o.stdout);
    // a long string over lines, then "=expr"
    let o = run(
        &["-e_PROMPT='' _PROMPT2=''", "-i"],
        b"a = [[b\nc\nd\ne]]\n=a",
    );
    assert!(o.stdout.ends_with("=a\nb\nc\nd\ne\n\n"), "{}", o.stdout);
    // input ending inside a continuation line
    let o = run(&["-i"], b"a.\n");
    assert!(o.stderr.ends_with("near <eof>\n"), "{}", o.stderr);
}

#[test]
fn print_flushes_each_line() {
    // A reader sees a printed line while the script still runs.
    let mut child = Command::new(BIN)
        .args(["-e", "print(12) io.read()"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "12\n");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

/// Sends SIGINT to a running child.
fn interrupt(child: &std::process::Child) {
    // SAFETY: `kill` with a live child's pid and a valid signal number.
    let r = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(r, 0);
}

/// Waits for the child to end (at most 10 s), returning its exit code or -signal.
fn wait_status(child: &mut std::process::Child) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code().unwrap_or_else(|| -st.signal().unwrap_or(0));
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("child did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_interrupts_lua_code() {
    // The first SIGINT stops the Lua code with "interrupted!" (caught here
    // by pcall); the script goes on.
    let mut child = Command::new(BIN)
        .args([
            "-e",
            "print(pcall(function () print(12); while true do end end)); print(42)",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "12\n");
    interrupt(&child);
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "false\tinterrupted!\n");
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "42\n");
    assert_eq!(wait_status(&mut child), 0);

    // Uncaught: the usual error report, status 1.
    let mut child = Command::new(BIN)
        .args(["-e", "print(1) local x = 0 while true do x = x + 1 end"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    line.clear();
    out.read_line(&mut line).unwrap();
    interrupt(&child);
    assert_eq!(wait_status(&mut child), 1);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(
        err,
        format!("{BIN}: interrupted!\nstack traceback:\n\t(command line):1: in main chunk\n\t[C]: in ?\n")
    );

    // Inside a long native call the request waits; a second SIGINT (default
    // action again) kills the process.
    let mut child = Command::new(BIN)
        .args([
            "-e",
            "print(15); string.find(string.rep('a', 100000), '.*b')",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "15\n");
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "one SIGINT is not enough"
    );
    interrupt(&child);
    assert_eq!(wait_status(&mut child), -libc::SIGINT);

    // As in `lua.c`, the interruption turns the script's own hook off.
    let mut child = Command::new(BIN)
        .args([
            "-e",
            "local n = 0 debug.sethook(function () n = n + 1 end, '', 1000) \
             print(pcall(function () print(1) while true do end end)) \
             local before = n for i = 1, 10000 do end \
             print(n > before, select(3, debug.gethook()))",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    line.clear();
    out.read_line(&mut line).unwrap();
    interrupt(&child);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert_eq!(rest, "false\tinterrupted!\nfalse\n");
    assert_eq!(wait_status(&mut child), 0);
}
