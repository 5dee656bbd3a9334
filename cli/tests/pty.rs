//! The interactive mode on a terminal: `crescent` runs on a pseudo-terminal
//! (its controlling terminal, so Ctrl-C typed there raises SIGINT) and the
//! test types lines into it as a user would. Compared with PUC-Rio's
//! `lua5.4` (with readline) run the same way: same prompts, results and
//! messages; only the line editor's escape sequences differ, so the
//! checks look for texts, not whole screens. One difference on purpose:
//! Ctrl-C at the prompt clears the line instead of ending the program.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_crescent");

/// A child process on a pseudo-terminal, and everything it wrote so far.
struct Terminal {
    child: Child,
    master: File,
    output: Arc<Mutex<Vec<u8>>>,
    /// How much of `output` the checks already went past.
    seen: usize,
}

impl Terminal {
    fn start(args: &[&str]) -> Terminal {
        let mut master_fd: libc::c_int = -1;
        let mut slave_fd: libc::c_int = -1;
        // SAFETY: both out-pointers are valid; name, termios and window size
        // may be null.
        let r = unsafe {
            libc::openpty(
                &mut master_fd,
                &mut slave_fd,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty failed");
        // SAFETY: openpty returned two open descriptors that we now own.
        let (master, slave) = unsafe {
            (
                OwnedFd::from_raw_fd(master_fd),
                OwnedFd::from_raw_fd(slave_fd),
            )
        };
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("TERM", "dumb")
            .env_remove("LUA_INIT")
            .env_remove("LUA_INIT_5_4")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: between fork and exec the child only calls the
        // async-signal-safe `setsid` and `ioctl`: a new session whose
        // controlling terminal is the pseudo-terminal (stdin).
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("crescent runs");
        let master = File::from(master);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with an error (EIO) once the child closed the terminal.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Terminal {
            child,
            master,
            output,
            seen: 0,
        }
    }

    /// Types `text` (as raw bytes: "\n" is Enter, "\x03" Ctrl-C, "\x04" Ctrl-D).
    fn type_keys(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits until the output after the last match contains `want`.
    fn expect(&mut self, want: &str) {
        let start = Instant::now();
        loop {
            {
                let out = self.output.lock().unwrap();
                let text = String::from_utf8_lossy(&out[self.seen..]).into_owned();
                if let Some(at) = text.find(want) {
                    self.seen += text[..at + want.len()].len();
                    return;
                }
                if start.elapsed() > Duration::from_secs(10) {
                    panic!(
                        "{want:?} not seen; output so far: {:?}",
                        String::from_utf8_lossy(&out)
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The exit status once the child ends (at most 10 s).
    fn wait(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("crescent did not end");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn interactive_session_on_a_terminal() {
    // No arguments and a terminal on stdin: version banner, then the prompt.
    let mut t = Terminal::start(&[]);
    t.expect("Lua 5.4");
    t.expect("PUC-Rio\r\n");
    t.expect("> ");
    // expressions print their values
    t.type_keys("1 + 1, 'x'\n");
    t.expect("2\tx\r\n");
    // an incomplete statement asks for more with the second prompt
    t.type_keys("x = \n");
    t.expect(">> ");
    t.type_keys("42\n");
    t.expect("> ");
    t.type_keys("=x\n");
    t.expect("42\r\n");
    t.type_keys("for i = 1, 2 do\n");
    t.expect(">> ");
    t.type_keys("print(i)\n");
    t.expect(">> ");
    t.type_keys("end\n");
    t.expect("1\r\n2\r\n");
    // errors: message and traceback, no program name, the session goes on
    t.type_keys("error('boom')\n");
    t.expect("stdin:1: boom\r\nstack traceback:\r\n\t[C]: in function 'error'\r\n\tstdin:1: in main chunk\r\n\t[C]: in ?\r\n");
    t.type_keys("x x\n");
    t.expect("stdin:1: syntax error near 'x'\r\n");
    // Ctrl-C stops running code and comes back to the prompt
    t.type_keys("while true do end\n");
    std::thread::sleep(Duration::from_millis(300));
    t.type_keys("\x03");
    t.expect("interrupted!\r\nstack traceback:\r\n\tstdin:1: in main chunk\r\n\t[C]: in ?\r\n");
    t.type_keys("print('after')\n");
    t.expect("after\r\n");
    // prompts come from _PROMPT and _PROMPT2
    t.type_keys("_PROMPT = 'lua% ' _PROMPT2 = 'more% '\n");
    t.expect("lua% ");
    t.type_keys("do\n");
    t.expect("more% ");
    t.type_keys("end\n");
    t.expect("lua% ");
    // Ctrl-D on an empty line ends the session normally
    t.type_keys("\x04");
    assert!(t.wait().success());
}

#[test]
fn interactive_after_a_script_with_dash_i() {
    // -i runs the options and the script first, then the session (the
    // version banner is printed by -i too)
    let mut t = Terminal::start(&["-e", "y = 7", "-i"]);
    t.expect("Lua 5.4");
    t.expect("> ");
    t.type_keys("y * 6\n");
    t.expect("42\r\n");
    // os.exit ends the session with its status
    t.type_keys("os.exit(3)\n");
    assert_eq!(t.wait().code(), Some(3));
}
