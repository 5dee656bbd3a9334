//! The `crescent` command: runs Lua scripts like PUC's `lua` (minimal slice).

use crescent::value::Value;
use crescent::{Lua, State};
use std::process::ExitCode;

fn report(l: &mut State, e: crescent::LuaError) {
    crescent::stdlib::flush_stdout(l);
    let msg = crescent::api::error_text(l, e);
    eprintln!("crescent: {msg}");
}

fn run_chunk(l: &mut State, chunk: &[u8], name: &[u8], args: &[String]) -> bool {
    let f = match l.load_chunk(chunk, name, b"bt", None) {
        Ok(f) => f,
        Err(e) => {
            report(l, e);
            return false;
        }
    };
    let base = l.top();
    l.push(f);
    for a in args {
        let v = l.new_str_value(a.as_bytes());
        l.push(v);
    }
    if let Err(e) = l.pcall(base, 0, None) {
        report(l, e);
        return false;
    }
    true
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mut lua = Lua::new();
    let l = lua.state();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "-e" => {
                i += 1;
                let code = args.get(i).cloned().unwrap_or_default();
                if !run_chunk(l, code.as_bytes(), b"=(command line)", &[]) {
                    return ExitCode::FAILURE;
                }
            }
            "-v" => println!("Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio (Crescent)"),
            script => {
                // Build `arg`.
                let t = l.new_table(args.len(), 2);
                for (j, a) in args.iter().enumerate() {
                    let v = l.new_str_value(a.as_bytes());
                    t.set_int(j as i64 - i as i64, v);
                }
                let g = l.global().globals;
                l.set_field(g, "arg", Value::Table(t));
                let data = match std::fs::read(script) {
                    Ok(d) => d,
                    Err(e) => {
                        eprintln!("crescent: cannot open {script}: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                let mut body: &[u8] = &data;
                let owned;
                if body.first() == Some(&b'#') {
                    let nl = body.iter().position(|&c| c == b'\n').unwrap_or(body.len());
                    owned = body[nl..].to_vec();
                    body = &owned;
                }
                let name = format!("@{script}");
                let ok = run_chunk(l, body, name.as_bytes(), &args[i + 1..]);
                crescent::stdlib::flush_stdout(l);
                return if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                };
            }
        }
        i += 1;
    }
    crescent::stdlib::flush_stdout(l);
    ExitCode::SUCCESS
}
