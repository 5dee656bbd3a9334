//! Drives the `crescent` binary the way people and scripts use `lua`: options,
//! the `arg` table, standard input, LUA_INIT, error reporting and tracebacks,
//! `-l`, and the interactive loop on a non-terminal input. Expected texts are
//! those of PUC-Rio Lua 5.4's `lua` (with the program name as invoked).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_crescent");

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args`, extra environment variables and some stdin.
/// LUA_INIT*/LUA_PATH*/LUA_CPATH* are removed unless given.
fn run_in(dir: Option<&Path>, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for v in [
        "LUA_INIT",
        "LUA_INIT_5_4",
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("crescent runs");
    {
        let mut si = child.stdin.take().unwrap();
        let _ = si.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Out {
    run_in(None, args, env, stdin)
}

/// A fresh temporary directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("crescent-cli-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn version_option() {
    let o = run(&["-v"], &[], "");
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("Lua 5.4"), "{}", o.stdout);
    assert!(o.stdout.ends_with("Lua.org, PUC-Rio\n"), "{}", o.stdout);
    // -v does not read stdin; the version line comes before other output.
    let o = run(&["-v", "-e", "print'hello'"], &[], "print('no')");
    assert!(o.stdout.ends_with("PUC-Rio\nhello\n"), "{}", o.stdout);
}

#[test]
fn execute_strings() {
    let o = run(&["-eprint(1)", "-ea=3", "-e", "print(a)"], &[], "");
    assert_eq!((o.code, o.stdout.as_str()), (0, "1\n3\n"));
    // "-e " runs an empty command
    // without a script, arg[0] is the interpreter and the options follow
    let o = run(
        &["-e ", "-e", "print(arg[-1], arg[0], arg[1], arg[3])"],
        &[],
        "",
    );
    assert_eq!(
        o.stdout,
        format!("nil\t{BIN}\t-e \tprint(arg[-1], arg[0], arg[1], arg[3])\n")
    );
}

#[test]
fn arg_table_and_varargs() {
    let d = temp_dir("args");
    let script = write(
        &d,
        "args.lua",
        r#"
        assert(#arg == 3 and arg[1] == 'a' and arg[2] == 'b' and arg[3] == 'c')
        assert(arg[-1] == '--' and arg[-2] == '-e ')
        assert(arg[4] == nil and arg[-4] == nil)
        local a, b, c = ...
        assert(a == 'a' and b == 'b' and c == 'c' and select('#', ...) == 3)
        print(arg[0], arg[-3])
        "#,
    );
    let o = run(&["-e ", "--", &script, "a", "b", "c"], &[], "");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout, format!("{script}\t{BIN}\n"));
    // many arguments
    let many = write(&d, "many.lua", "print(({...})[30], #arg)");
    let mut args = vec![many.as_str()];
    args.extend(std::iter::repeat_n("a", 30));
    let o = run(&args, &[], "");
    assert_eq!(o.stdout, "a\t30\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn stdin_script() {
    // '-' runs stdin with the following arguments
    let o = run(&["-", "x", "y"], &[], "print(..., arg[0], #arg)");
    assert_eq!(o.stdout, "x\t-\t2\n");
    let o = run(&["-", "x", "y"], &[], "print(...)");
    assert_eq!(o.stdout, "x\ty\n");
    // no script and stdin not a terminal: stdin runs as a script
    let o = run(&[], &[], "print(10)\nprint(2)\n");
    assert_eq!((o.code, o.stdout.as_str()), (0, "10\n2\n"));
    let o = run(&["--"], &[], "print('dd')");
    assert_eq!(o.stdout, "dd\n");
    // options after '-' belong to the script
    let o = run(&["-", "-h"], &[], "print(arg[1])");
    assert_eq!(o.stdout, "-h\n");
    // 'arg' changed by -e
    let o = run(&["-e", "arg[1] = 100", "-"], &[], "print(...)");
    assert_eq!(o.stdout, "100\n");
    let o = run(&["-e", "arg = 1", "-"], &[], "");
    assert_eq!(o.code, 1);
    assert_eq!(o.stderr, format!("{BIN}: 'arg' is not a table\n"));
}

#[test]
fn dash_dash_file_named_dash() {
    let d = temp_dir("dash");
    write(&d, "-", "print('file named dash', arg[-1])");
    let o = run_in(Some(d.as_path()), &["--", "-"], &[], "print('stdin')");
    assert_eq!(o.stdout, "file named dash\t--\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn lua_init() {
    let o = run(&["-e", "print(X)"], &[("LUA_INIT", "X=3")], "");
    assert_eq!(o.stdout, "3\n");
    let o = run(
        &["-e", "print(X)"],
        &[("LUA_INIT_5_4", "X=10"), ("LUA_INIT", "X=3")],
        "",
    );
    assert_eq!(o.stdout, "10\n");
    let d = temp_dir("init");
    let f = write(&d, "init.lua", "x = x or 10; print(x); x = x + 1");
    let at = format!("@{f}");
    let o = run(&[&f], &[("LUA_INIT", &at)], "");
    assert_eq!(o.stdout, "10\n11\n");
    // arg is available to LUA_INIT
    let o = run(
        &["-e", "print(X)", "--", &f, "3.2"],
        &[("LUA_INIT", "X=tonumber(arg[1])")],
        "",
    );
    assert_eq!(o.stdout, "3.2\n10\n");
    // errors in LUA_INIT
    let o = run(&["-e", "print(1)"], &[("LUA_INIT", "error('msg')")], "");
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.starts_with(&format!("{BIN}: LUA_INIT:1: msg\n")),
        "{}",
        o.stderr
    );
    assert_eq!(o.stdout, "");
    // -E ignores it, and LUA_PATH
    let o = run(
        &["-E", "-e", "print(package.path)"],
        &[("LUA_INIT", "error(10)"), ("LUA_PATH", "xxx")],
        "",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with("/usr/local/share/lua/5.4/?.lua;"),
        "{}",
        o.stdout
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn package_paths_from_environment() {
    let o = run(&["-e", "print(package.path)"], &[("LUA_PATH", "x")], "");
    assert_eq!(o.stdout, "x\n");
    let o = run(
        &["-e", "print(package.path)"],
        &[("LUA_PATH_5_4", "y"), ("LUA_PATH", "x")],
        "",
    );
    assert_eq!(o.stdout, "y\n");
    let o = run(
        &["-e", "print(package.cpath)"],
        &[("LUA_CPATH_5_4", "yacc"), ("LUA_CPATH", "x")],
        "",
    );
    assert_eq!(o.stdout, "yacc\n");
    let def = run(&["-e", "print(package.path)"], &[], "").stdout;
    let def = def.trim_end();
    for (p, want) in [
        (";", ";".to_string()),
        (";;", def.to_string()),
        ("a;;b", format!("a;{def};b")),
        (";;b", format!("{def};b")),
        ("a;;", format!("a;{def}")),
        ("a;b;;c", format!("a;b;{def};c")),
    ] {
        let o = run(&["-e", "print(package.path)"], &[("LUA_PATH", p)], "");
        assert_eq!(o.stdout.trim_end(), want, "LUA_PATH={p}");
    }
}

#[test]
fn require_libraries_with_l() {
    let d = temp_dir("libs");
    write(&d, "mymod.lua", "print('loading', ...); return {x = 15}");
    let path = format!("{}/?.lua;;", d.display());
    let o = run(
        &[
            "-l",
            "mymod",
            "-lg=mymod",
            "-l",
            "tb=table",
            "-e",
            "print(mymod == g, tb == table)",
        ],
        &[("LUA_PATH", &path)],
        "",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = format!("{}/mymod.lua", d.display());
    assert_eq!(o.stdout, format!("loading\tmymod\t{file}\ntrue\ttrue\n"));
    // a version suffix is not part of the global name
    write(&d, "lib2-v2.lua", "return {id = 'v2'}");
    let o = run(
        &["-l", "lib2-v2", "-e", "print(lib2.id)"],
        &[("LUA_PATH", &path)],
        "",
    );
    assert_eq!(o.stdout, "v2\n", "{}", o.stderr);
    // a missing module
    let o = run(
        &["-l", "nomod"],
        &[("LUA_PATH", "./?.lua"), ("LUA_CPATH", "./?.so")],
        "",
    );
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        format!(
            "{BIN}: module 'nomod' not found:\n\tno field package.preload['nomod']\n\
             \tno file './nomod.lua'\n\tno file './nomod.so'\n\
             stack traceback:\n\t[C]: in function 'require'\n\t[C]: in ?\n"
        )
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn errors_and_tracebacks() {
    let d = temp_dir("err");
    let f = write(
        &d,
        "x.lua",
        "local function f()\n  error(\"boom\")\nend\nlocal t = {}\nfunction t.m(self) f() end\nfunction g() t:m() end\ng()\n",
    );
    let o = run(&[&f], &[], "");
    assert_eq!(o.code, 1);
    assert_eq!(o.stdout, "");
    assert_eq!(
        o.stderr,
        format!(
            "{BIN}: {f}:2: boom\nstack traceback:\n\t[C]: in function 'error'\n\
             \t{f}:2: in upvalue 'f'\n\t{f}:5: in method 'm'\n\t{f}:6: in function 'g'\n\
             \t{f}:7: in main chunk\n\t[C]: in ?\n"
        )
    );
    // output written before the error comes first
    let o = run(&["-e", "print('before') error('after')"], &[], "");
    assert_eq!(o.stdout, "before\n");
    assert!(o
        .stderr
        .starts_with(&format!("{BIN}: (command line):1: after\n")));
    // non-string error objects
    let o = run(&["-e", "error({})"], &[], "");
    assert_eq!(
        o.stderr,
        format!(
            "{BIN}: (error object is a table value)\nstack traceback:\n\
             \t[C]: in function 'error'\n\t(command line):1: in main chunk\n\t[C]: in ?\n"
        )
    );
    let o = run(
        &[
            "-e",
            "error(setmetatable({}, {__tostring = function() return 'TS' end}))",
        ],
        &[],
        "",
    );
    assert_eq!(o.stderr, format!("{BIN}: TS\n"));
    // runtime errors, tail calls, functions without names
    let t = write(
        &d,
        "t.lua",
        "local function tail(n) if n == 0 then local x = nil; return x.y end return tail(n - 1) end\n\
         local m = setmetatable({}, {__add = function(a, b) error('in add') end})\n\
         local w = ...\n\
         if w == 'tail' then tail(3) elseif w == 'meta' then local _ = m + 1 \
         else (function() error('anon') end)() end\n",
    );
    let o = run(&[&t, "tail"], &[], "");
    assert_eq!(
        o.stderr,
        format!(
            "{BIN}: {t}:1: attempt to index a nil value (local 'x')\nstack traceback:\n\
             \t{t}:1: in function <{t}:1>\n\t(...tail calls...)\n\t{t}:4: in main chunk\n\t[C]: in ?\n"
        )
    );
    let o = run(&[&t, "meta"], &[], "");
    assert_eq!(
        o.stderr,
        format!(
            "{BIN}: {t}:2: in add\nstack traceback:\n\t[C]: in function 'error'\n\
             \t{t}:2: in metamethod 'add'\n\t{t}:4: in main chunk\n\t[C]: in ?\n"
        )
    );
    let o = run(&[&t, "anon"], &[], "");
    assert!(
        o.stderr
            .contains(&format!("\n\t{t}:4: in function <{t}:4>\n")),
        "{}",
        o.stderr
    );
    // syntax errors: no traceback
    let b = write(&d, "bad.lua", "print(1");
    let o = run(&[&b], &[], "");
    assert_eq!(o.code, 1);
    assert_eq!(o.stderr, format!("{BIN}: {b}:1: ')' expected near <eof>\n"));
    let o = run(&["-e", "a"], &[], "");
    assert_eq!(
        o.stderr,
        format!("{BIN}: (command line):1: syntax error near <eof>\n")
    );
    // missing file
    let o = run(&["nofile.lua"], &[], "");
    assert_eq!(
        (o.code, o.stderr.clone()),
        (
            1,
            format!("{BIN}: cannot open nofile.lua: No such file or directory\n")
        )
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn long_tracebacks_are_elided() {
    let o = run(
        &[
            "-e",
            "local function r(n) if n == 0 then error('deep') end return 1 + r(n - 1) end r(40)",
        ],
        &[],
        "",
    );
    let lines: Vec<&str> = o.stderr.lines().collect();
    // message, "stack traceback:", 10 levels, "...", 11 levels
    // (PUC's count in the "skipping" line is one less than the levels left out)
    assert_eq!(lines.len(), 2 + 10 + 1 + 11, "{}", o.stderr);
    assert_eq!(lines[1], "stack traceback:");
    assert_eq!(lines[2], "\t[C]: in function 'error'");
    assert_eq!(lines[12], "\t...\t(skipping 22 levels)");
    assert_eq!(lines[lines.len() - 2], "\t(command line):1: in main chunk");
    assert_eq!(lines[lines.len() - 1], "\t[C]: in ?");
}

#[test]
fn debug_traceback_function() {
    let o = run(
        &["-e", "local function f() print(debug.traceback('here')) end f() print(debug.traceback({}) == nil, debug.traceback(12, 5))"],
        &[],
        "",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with(
        "here\nstack traceback:\n\t(command line):1: in local 'f'\n\t(command line):1: in main chunk\n\t[C]: in ?\n"
    ), "{}", o.stdout);
    assert!(
        o.stdout.ends_with("false\t12\nstack traceback:\n"),
        "{}",
        o.stdout
    );
}

#[test]
fn bad_options_print_usage() {
    for (opt, first) in [
        ("-h", "unrecognized option '-h'"),
        ("---", "unrecognized option '---'"),
        ("-Ex", "unrecognized option '-Ex'"),
        ("-vv", "unrecognized option '-vv'"),
        ("-iv", "unrecognized option '-iv'"),
        ("-e", "'-e' needs argument"),
        ("-l", "'-l' needs argument"),
    ] {
        let o = run(&[opt], &[], "");
        assert_eq!(o.code, 1);
        assert_eq!(o.stdout, "");
        assert!(
            o.stderr.starts_with(&format!(
                "{BIN}: {first}\nusage: {BIN} [options] [script [args]]\n"
            )),
            "{}",
            o.stderr
        );
        assert!(o
            .stderr
            .ends_with("  -         stop handling options and execute stdin\n"));
    }
}

#[test]
fn warnings_option() {
    let o = run(&["-e", "warn('XXX')"], &[], "");
    assert_eq!(o.stderr, "");
    let o = run(&["-W", "-e", "warn('X', 'YZ')"], &[], "");
    assert_eq!(o.stderr, "Lua warning: XYZ\n");
}

#[test]
fn interactive_mode_on_piped_input() {
    let o = run(
        &["-e", "_PROMPT='' _PROMPT2=''", "-i"],
        &[],
        "(6*2-6) -- ===\na =\n10\nprint(a)\na\n=a+1\n",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // the input is echoed after each prompt (as readline does off a terminal)
    assert!(o.stdout.starts_with("Lua 5.4"), "{}", o.stdout);
    let body = o.stdout.split_once('\n').unwrap().1;
    assert_eq!(
        body,
        "(6*2-6) -- ===\n6\na =\n10\nprint(a)\n10\na\n10\n=a+1\n11\n\n"
    );
    // default prompts, continuation lines, errors without program name
    let o = run(
        &["-i"],
        &[],
        "for i = 1, 2 do\nprint(i)\nend\nerror('e')\nx.\n",
    );
    let body = o.stdout.split_once('\n').unwrap().1;
    assert_eq!(
        body,
        "> for i = 1, 2 do\n>> print(i)\n>> end\n1\n2\n> error('e')\n> x.\n>> > \n"
    );
    assert_eq!(
        o.stderr,
        "stdin:1: e\nstack traceback:\n\t[C]: in function 'error'\n\tstdin:1: in main chunk\n\t[C]: in ?\n\
         stdin:1: <name> expected near <eof>\n"
    );
    // prompts through __tostring
    let o = run(
        &["-e", "local C = 0; _PROMPT = setmetatable({}, {__tostring = function () C = C + 1; return C end})", "-i"],
        &[],
        " --\na = 2\n",
    );
    assert!(o.stdout.contains("1 --\n2a = 2\n3\n"), "{}", o.stdout);
    // a failing print
    let o = run(&["-e", "print=nil", "-i"], &[], "10\n");
    assert!(
        o.stderr
            .contains("error calling 'print' (attempt to call a nil value)"),
        "{}",
        o.stderr
    );
}
