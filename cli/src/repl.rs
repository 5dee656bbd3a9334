//! The interactive read-eval-print loop (`doREPL` in `lua.c`).
//!
//! Each line is first tried as an expression ("return <line>;"); if that does
//! not compile, it is compiled as a statement, and while the compiler stops
//! at the end of the input ("... near <eof>") more lines are read with the
//! continuation prompt. Results are printed with the global `print`.
//!
//! On a terminal, lines are read with a line editor (editing keys, history);
//! otherwise the prompt is written to standard output and the line read is
//! echoed after it, as GNU readline does when its input is not a terminal.

use std::io::BufRead;

use crescent::error::ErrorKind;
use crescent::tm::TmKind;
use crescent::value::Value;
use crescent::{LuaError, LuaResult, State};

use crate::{docall, get_global, l_message, progname, report, set_progname, write_out};

/// Default prompts (`LUA_PROMPT`, `LUA_PROMPT2`).
const PROMPT: &[u8] = b"> ";
const PROMPT2: &[u8] = b">> ";
/// The end of a syntax error message for an incomplete chunk.
const EOFMARK: &[u8] = b"<eof>";

/// What reading a line gave.
enum Input {
    Line(Vec<u8>),
    /// End of input.
    Eof,
    /// Ctrl-C at the prompt: drop the statement being typed.
    Cancel,
}

/// Where lines come from.
enum Reader {
    Editor(Box<rustyline::DefaultEditor>),
    Plain,
}

impl Reader {
    fn new() -> Reader {
        if crate::stdin_is_tty() {
            if let Ok(ed) = rustyline::DefaultEditor::new() {
                return Reader::Editor(Box::new(ed));
            }
        }
        Reader::Plain
    }

    fn read(&mut self, l: &mut State, prompt: &[u8]) -> Input {
        match self {
            Reader::Editor(ed) => {
                crescent::stdlib::flush_stdout(l);
                let p = String::from_utf8_lossy(prompt).into_owned();
                match ed.readline(&p) {
                    Ok(line) => Input::Line(line.into_bytes()),
                    Err(rustyline::error::ReadlineError::Interrupted) => Input::Cancel,
                    Err(_) => Input::Eof,
                }
            }
            Reader::Plain => {
                write_out(l, prompt);
                let mut buf = Vec::new();
                match std::io::stdin().lock().read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => Input::Eof,
                    Ok(_) => {
                        if buf.last() == Some(&b'\n') {
                            buf.pop();
                        }
                        if !crate::stdin_is_tty() {
                            let mut echo = buf.clone();
                            echo.push(b'\n');
                            write_out(l, &echo);
                        }
                        Input::Line(buf)
                    }
                }
            }
        }
    }

    fn save_line(&mut self, line: &[u8]) {
        if let Reader::Editor(ed) = self {
            let _ = ed.add_history_entry(String::from_utf8_lossy(line).into_owned());
        }
    }
}

/// The prompt: `_PROMPT`/`_PROMPT2` through `tostring`, or the default.
fn get_prompt(l: &mut State, firstline: bool) -> LuaResult<Vec<u8>> {
    let v = get_global(l, if firstline { b"_PROMPT" } else { b"_PROMPT2" })?;
    if v.is_nil() {
        return Ok(if firstline { PROMPT } else { PROMPT2 }.to_vec());
    }
    // `luaL_tolstring`: a `__tostring` result may also be a number.
    if let Some(tm) = l.metafield(v, TmKind::ToString) {
        let r = l
            .call_value(tm, &[v])?
            .first()
            .copied()
            .unwrap_or(Value::Nil);
        return match r {
            Value::Str(s) => Ok(s.as_bytes().to_vec()),
            Value::Int(_) | Value::Float(_) => Ok(crescent::auxlib::number_to_bytes(r)),
            _ => Err(l.error("'__tostring' must return a string")),
        };
    }
    let s = l.to_display_string(v)?;
    Ok(s.as_bytes().to_vec())
}

/// Reads a line (`pushline`); a first line "=expr" means "return expr".
fn pushline(l: &mut State, r: &mut Reader, firstline: bool) -> LuaResult<Input> {
    let prompt = get_prompt(l, firstline)?;
    Ok(match r.read(l, &prompt) {
        Input::Line(mut b) => {
            if b.last() == Some(&b'\n') {
                b.pop();
            }
            if firstline && b.first() == Some(&b'=') {
                Input::Line([b"return ".as_slice(), &b[1..]].concat())
            } else {
                Input::Line(b)
            }
        }
        other => other,
    })
}

/// Whether a load failed only because the input ended too soon.
fn incomplete(status: &LuaResult<Value>) -> bool {
    match status {
        Err(e) if e.kind == ErrorKind::Syntax => match e.value {
            Value::Str(s) => s.as_bytes().ends_with(EOFMARK),
            _ => false,
        },
        _ => false,
    }
}

/// Reads and compiles one statement or expression (`loadline`). `None` at
/// the end of input; `Some(None)` when the input was cancelled.
fn loadline(l: &mut State, r: &mut Reader) -> LuaResult<Option<Option<LuaResult<Value>>>> {
    let mut line = match pushline(l, r, true)? {
        Input::Line(b) => b,
        Input::Eof => return Ok(None),
        Input::Cancel => return Ok(Some(None)),
    };
    // Try it as an expression first.
    let retline = [b"return ".as_slice(), &line, b";"].concat();
    let mut status = l.load_chunk(&retline, b"=stdin", b"bt", None);
    if status.is_err() {
        // A statement, maybe continued on more lines.
        loop {
            status = l.load_chunk(&line, b"=stdin", b"bt", None);
            if !incomplete(&status) {
                break;
            }
            match pushline(l, r, false)? {
                Input::Line(more) => {
                    line.push(b'\n');
                    line.extend_from_slice(&more);
                }
                Input::Eof => {
                    // Reading may have run Lua code (a `_PROMPT2` with
                    // `__tostring`) that collected the old error message.
                    status = l.load_chunk(&line, b"=stdin", b"bt", None);
                    break;
                }
                Input::Cancel => {
                    r.save_line(&line);
                    return Ok(Some(None));
                }
            }
        }
    }
    if !line.is_empty() {
        r.save_line(&line);
    }
    Ok(Some(Some(status)))
}

/// Prints the values on the stack from `base` with the global `print`.
fn l_print(l: &mut State, base: usize) -> LuaResult<()> {
    let n = l.top() - base;
    if n == 0 {
        return Ok(());
    }
    let print = get_global(l, b"print")?;
    // Put `print` below the results (they stay on the stack meanwhile).
    let vals: Vec<Value> = (base..base + n).map(|i| l.at(i)).collect();
    l.check_stack(1)?;
    l.set_top(base);
    l.push(print);
    for v in vals {
        l.push(v);
    }
    if let Err(e) = l.pcall(base, 0, None) {
        let msg = [
            b"error calling 'print' (".as_slice(),
            &crate::error_bytes(e.value),
            b")",
        ]
        .concat();
        let p = progname();
        l_message(l, p.as_deref(), &msg);
    }
    Ok(())
}

/// The read-eval-print loop (`doREPL`).
pub fn do_repl(l: &mut State) -> LuaResult<()> {
    let old = progname();
    set_progname(None);
    let mut reader = Reader::new();
    let base = l.top();
    while let Some(loaded) = loadline(l, &mut reader)? {
        let loaded = match loaded {
            Some(r) => r,
            None => continue,
        };
        let status: Result<(), LuaError> = loaded.and_then(|f| {
            l.push(f);
            docall(l, base, -1)
        });
        match status {
            Ok(()) => l_print(l, base)?,
            Err(e) => {
                report(l, Err::<(), _>(e));
            }
        }
        l.set_top(base);
    }
    l.set_top(base);
    write_out(l, b"\n");
    set_progname(old);
    Ok(())
}
