//! The input/output library (PUC's `liolib.c`).
//!
//! A file handle is a full userdata whose payload is a shared `LuaFile`, with the
//! metatable stored in the registry under "FILE*". A `LuaFile` does its own
//! buffering over a raw stream (a file, a pipe to a child process, or one of the
//! standard descriptors), like a C `FILE`: a read-ahead buffer for reading and a
//! write buffer whose policy `setvbuf` chooses. Standard output goes through the
//! state's output buffer, which `print` shares.
//!
//! Errors are returned as `nil, message, errno`, as PUC's `luaL_fileresult` does.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem::ManuallyDrop;
use std::os::unix::io::FromRawFd;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::error::LuaResult;
use crate::function::NativeClosure;
use crate::gc::{Gc, GcRef};
use crate::state::State;
use crate::stdlib::oslib::{c_bytes, path_of, push_exec_result, push_file_error, push_file_result};
use crate::table::Table;
use crate::userdata::UserData;
use crate::value::{NativeFn, Value};

/// Registry key of the file-handle metatable (PUC's `LUA_FILEHANDLE`).
const FILE_HANDLE: &str = "FILE*";
/// Registry keys of the default input and output files.
const IO_INPUT: &str = "_IO_input";
const IO_OUTPUT: &str = "_IO_output";
/// Most formats `lines` accepts (PUC's `MAXARGLINE`).
const MAX_ARG_LINE: usize = 250;
/// Longest numeral `read("n")` accepts (PUC's `L_MAXLENNUM`).
const MAX_LEN_NUM: usize = 200;
/// Size of the read-ahead buffer.
const READ_BUF_SIZE: usize = 64 * 1024;
/// Default size of a fully buffered output file.
const WRITE_BUF_SIZE: usize = 8192;

/// Opens the `io` library.
pub fn open(l: &mut State) {
    let io = l.register_lib(
        "io",
        &[
            ("close", io_close),
            ("flush", io_flush),
            ("input", io_input),
            ("lines", io_lines),
            ("open", io_open),
            ("output", io_output),
            ("popen", io_popen),
            ("read", io_read),
            ("tmpfile", io_tmpfile),
            ("type", io_type),
            ("write", io_write),
        ],
    );
    // The metatable (luaL_newmetatable), its metamethods and its methods.
    let mt = l.new_table(0, 8);
    let reg = l.global().registry;
    l.set_field(reg, FILE_HANDLE, Value::Table(mt));
    let name = l.new_str_value(FILE_HANDLE.as_bytes());
    l.set_field(mt, "__name", name);
    l.set_functions(
        mt,
        &[
            ("__gc", f_gc),
            ("__close", f_gc),
            ("__tostring", f_tostring),
        ],
    );
    let methods = l.new_table(0, 8);
    l.set_functions(
        methods,
        &[
            ("close", f_close),
            ("flush", f_flush),
            ("lines", f_lines),
            ("read", f_read),
            ("seek", f_seek),
            ("setvbuf", f_setvbuf),
            ("write", f_write),
        ],
    );
    l.set_field(mt, "__index", Value::Table(methods));

    let stdin = new_handle(l, LuaFile::new(Stream::Std(0), true, false, BufMode::Full));
    let stdout = new_handle(l, LuaFile::new(Stream::Std(1), false, true, BufMode::Full));
    let stderr = new_handle(l, LuaFile::new(Stream::Std(2), false, true, BufMode::No));
    l.set_field(reg, IO_INPUT, stdin);
    l.set_field(reg, IO_OUTPUT, stdout);
    l.set_field(io, "stdin", stdin);
    l.set_field(io, "stdout", stdout);
    l.set_field(io, "stderr", stderr);
}

// ===================================================================
// Streams and buffered files
// ===================================================================

/// What a file handle reads from and writes to.
enum Stream {
    /// Descriptor 0, 1 or 2 (never closed; output to 1 goes through the
    /// state's shared stdout buffer).
    Std(i32),
    File(File),
    /// `io.popen(cmd, "r")`: the child's standard output.
    PipeRead(Child, Option<ChildStdout>),
    /// `io.popen(cmd, "w")`: the child's standard input.
    PipeWrite(Child, Option<ChildStdin>),
    Closed,
}

/// A standard descriptor as a `File` that is never closed.
fn std_file(fd: i32) -> ManuallyDrop<File> {
    // SAFETY: descriptors 0-2 belong to the process for its whole life; the
    // `ManuallyDrop` makes sure this `File` never closes them.
    ManuallyDrop::new(unsafe { File::from_raw_fd(fd) })
}

fn ebadf() -> io::Error {
    io::Error::from_raw_os_error(libc::EBADF)
}

impl Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Std(fd) => std_file(*fd).read(buf),
            Stream::File(f) => f.read(buf),
            Stream::PipeRead(_, Some(p)) => p.read(buf),
            _ => Err(ebadf()),
        }
    }

    fn read_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        match self {
            Stream::Std(fd) => std_file(*fd).read_to_end(out),
            Stream::File(f) => f.read_to_end(out),
            Stream::PipeRead(_, Some(p)) => p.read_to_end(out),
            _ => Err(ebadf()),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Stream::Std(fd) => std_file(*fd).write_all(data),
            Stream::File(f) => f.write_all(data),
            Stream::PipeWrite(_, Some(p)) => p.write_all(data),
            _ => Err(ebadf()),
        }
    }

    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Stream::Std(fd) => std_file(*fd).seek(pos),
            Stream::File(f) => f.seek(pos),
            Stream::PipeRead(..) | Stream::PipeWrite(..) => {
                Err(io::Error::from_raw_os_error(libc::ESPIPE))
            }
            Stream::Closed => Err(ebadf()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BufMode {
    No,
    Full,
    Line,
}

/// An open (or closed) Lua file: a stream with C-`FILE`-like buffering.
pub struct LuaFile {
    stream: Stream,
    closed: bool,
    readable: bool,
    writable: bool,
    /// Read-ahead: unread bytes are `rbuf[rpos..rend]`.
    rbuf: Box<[u8]>,
    rpos: usize,
    rend: usize,
    /// End of file seen during the current read call.
    eof: bool,
    /// An error seen during the current read call (C's `ferror`).
    error: Option<io::Error>,
    /// Pending output.
    wbuf: Vec<u8>,
    mode: BufMode,
    buf_size: usize,
}

impl LuaFile {
    fn new(stream: Stream, readable: bool, writable: bool, mode: BufMode) -> LuaFile {
        LuaFile {
            stream,
            closed: false,
            readable,
            writable,
            rbuf: Box::new([]),
            rpos: 0,
            rend: 0,
            eof: false,
            error: None,
            wbuf: Vec::new(),
            mode,
            buf_size: WRITE_BUF_SIZE,
        }
    }

    fn is_std(&self) -> bool {
        matches!(self.stream, Stream::Std(_))
    }

    fn is_stdout(&self) -> bool {
        matches!(self.stream, Stream::Std(1))
    }

    // ----- output -----

    /// Writes out pending output.
    fn flush_buffer(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.wbuf);
        let r = self.stream.write_all(&data);
        self.wbuf = data;
        self.wbuf.clear();
        r
    }

    /// Flushes pending output, including the shared stdout buffer.
    fn flush(&mut self, l: &mut State) -> io::Result<()> {
        if self.is_stdout() {
            crate::stdlib::flush_stdout(l);
            return Ok(());
        }
        self.flush_buffer()
    }

    /// Gives back read-ahead before writing (so the write lands where the
    /// reader stopped).
    fn drop_read_ahead(&mut self) {
        if self.rpos < self.rend {
            let back = (self.rend - self.rpos) as i64;
            let _ = self.stream.seek(SeekFrom::Current(-back));
        }
        self.rpos = 0;
        self.rend = 0;
    }

    fn write(&mut self, l: &mut State, data: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(ebadf());
        }
        if self.is_stdout() {
            crate::stdlib::write_stdout(l, data);
            if self.mode == BufMode::No || (self.mode == BufMode::Line && data.contains(&b'\n')) {
                crate::stdlib::flush_stdout(l);
            }
            return Ok(());
        }
        self.drop_read_ahead();
        self.eof = false;
        match self.mode {
            BufMode::No => {
                self.flush_buffer()?;
                self.stream.write_all(data)
            }
            BufMode::Line => {
                self.wbuf.extend_from_slice(data);
                if data.contains(&b'\n') || self.wbuf.len() >= self.buf_size {
                    self.flush_buffer()
                } else {
                    Ok(())
                }
            }
            BufMode::Full => {
                if self.wbuf.len() + data.len() > self.buf_size {
                    self.flush_buffer()?;
                }
                if data.len() >= self.buf_size {
                    self.stream.write_all(data)
                } else {
                    self.wbuf.extend_from_slice(data);
                    Ok(())
                }
            }
        }
    }

    // ----- input -----

    /// Refills the read-ahead buffer; false at end of file or on error.
    fn fill(&mut self) -> bool {
        if self.eof || self.error.is_some() {
            return false;
        }
        if !self.readable {
            self.error = Some(ebadf());
            return false;
        }
        if let Err(e) = self.flush_buffer() {
            self.error = Some(e);
            return false;
        }
        if self.rbuf.is_empty() {
            self.rbuf = vec![0u8; READ_BUF_SIZE].into_boxed_slice();
        }
        loop {
            match self.stream.read(&mut self.rbuf) {
                Ok(0) => {
                    self.eof = true;
                    self.rpos = 0;
                    self.rend = 0;
                    return false;
                }
                Ok(n) => {
                    self.rpos = 0;
                    self.rend = n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    return false;
                }
            }
        }
    }

    /// The next byte, without consuming it.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        if self.rpos < self.rend || self.fill() {
            Some(self.rbuf[self.rpos])
        } else {
            None
        }
    }

    /// Reads a line into a string; `None` at end of file with nothing read.
    fn read_line(&mut self, l: &mut State, keep_newline: bool) -> Option<Value> {
        let mut acc: Vec<u8> = Vec::new();
        loop {
            if self.rpos >= self.rend && !self.fill() {
                return if acc.is_empty() {
                    None
                } else {
                    Some(Value::Str(l.global().new_string_owned(acc)))
                };
            }
            let avail = &self.rbuf[self.rpos..self.rend];
            match avail.iter().position(|&c| c == b'\n') {
                Some(i) => {
                    let end = if keep_newline { i + 1 } else { i };
                    let v = if acc.is_empty() {
                        l.new_str_value(&avail[..end])
                    } else {
                        acc.extend_from_slice(&avail[..end]);
                        Value::Str(l.global().new_string_owned(acc))
                    };
                    self.rpos += i + 1;
                    return Some(v);
                }
                None => {
                    acc.extend_from_slice(avail);
                    self.rpos = self.rend;
                }
            }
        }
    }

    /// Reads everything up to end of file.
    fn read_all(&mut self) -> Vec<u8> {
        let mut out = self.rbuf[self.rpos..self.rend].to_vec();
        self.rpos = 0;
        self.rend = 0;
        if self.eof || self.error.is_some() {
            return out;
        }
        if !self.readable {
            self.error = Some(ebadf());
            return out;
        }
        if let Err(e) = self.flush_buffer() {
            self.error = Some(e);
            return out;
        }
        match self.stream.read_to_end(&mut out) {
            Ok(_) => self.eof = true,
            Err(e) => self.error = Some(e),
        }
        out
    }

    /// Reads up to `n` bytes.
    fn read_chars(&mut self, n: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(n.min(READ_BUF_SIZE as u64) as usize);
        let mut left = n;
        while left > 0 {
            if self.rpos >= self.rend && !self.fill() {
                break;
            }
            let take = ((self.rend - self.rpos) as u64).min(left) as usize;
            out.extend_from_slice(&self.rbuf[self.rpos..self.rpos + take]);
            self.rpos += take;
            left -= take as u64;
        }
        out
    }

    /// Reads a numeral as PUC's `read_number` does: at most 200 characters
    /// that may form a number, then converts them.
    fn read_number(&mut self) -> Option<Value> {
        let mut rn = NumReader {
            file: self,
            buf: Vec::with_capacity(32),
            overflow: false,
        };
        while rn
            .current()
            .is_some_and(|c| c.is_ascii_whitespace() || c == 0x0b)
        {
            rn.file.rpos += 1;
        }
        rn.test2(b"-+");
        let mut count = 0;
        let mut hex = false;
        if rn.test2(b"00") {
            if rn.test2(b"xX") {
                hex = true;
            } else {
                count = 1;
            }
        }
        count += rn.read_digits(hex);
        if rn.test2(b"..") {
            count += rn.read_digits(hex);
        }
        if count > 0 && rn.test2(if hex { b"pP" } else { b"eE" }) {
            rn.test2(b"-+");
            rn.read_digits(false);
        }
        if rn.overflow {
            return None;
        }
        crate::auxlib::str_to_value(&rn.buf)
    }

    // ----- positioning and closing -----

    fn seek(&mut self, l: &mut State, pos: SeekFrom) -> io::Result<u64> {
        if self.is_stdout() {
            crate::stdlib::flush_stdout(l);
        }
        self.flush_buffer()?;
        let pos = match pos {
            SeekFrom::Current(off) => {
                SeekFrom::Current(off.saturating_sub((self.rend - self.rpos) as i64))
            }
            p => p,
        };
        let r = self.stream.seek(pos)?;
        self.rpos = 0;
        self.rend = 0;
        self.eof = false;
        Ok(r)
    }

    /// Closes the stream; for a pipe, waits for the child and returns its status.
    fn close(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        let flushed = self.flush_buffer();
        self.closed = true;
        self.rbuf = Box::new([]);
        self.rpos = 0;
        self.rend = 0;
        let stream = std::mem::replace(&mut self.stream, Stream::Closed);
        match stream {
            Stream::PipeRead(mut child, out) => {
                drop(out);
                Ok(Some(child.wait()?))
            }
            Stream::PipeWrite(mut child, inp) => {
                drop(inp);
                Ok(Some(child.wait()?))
            }
            Stream::File(f) => {
                flushed?;
                drop(f);
                Ok(None)
            }
            _ => flushed.map(|_| None),
        }
    }
}

impl Drop for LuaFile {
    fn drop(&mut self) {
        if !self.closed && !self.is_std() {
            let _ = self.close();
        }
    }
}

/// State of `read_number` (PUC's `RN`).
struct NumReader<'a> {
    file: &'a mut LuaFile,
    buf: Vec<u8>,
    overflow: bool,
}

impl NumReader<'_> {
    fn current(&mut self) -> Option<u8> {
        self.file.peek()
    }

    /// Accepts the current character into the numeral.
    fn next(&mut self) -> bool {
        if self.buf.len() >= MAX_LEN_NUM {
            self.overflow = true;
            return false;
        }
        if let Some(c) = self.current() {
            self.buf.push(c);
            self.file.rpos += 1;
        }
        true
    }

    fn test2(&mut self, set: &[u8; 2]) -> bool {
        match self.current() {
            Some(c) if c == set[0] || c == set[1] => self.next(),
            _ => false,
        }
    }

    fn read_digits(&mut self, hex: bool) -> usize {
        let mut count = 0;
        while let Some(c) = self.current() {
            let ok = if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            };
            if !ok || !self.next() {
                break;
            }
            count += 1;
        }
        count
    }
}

// ----- every open file, so `os.exit` can flush them -----

/// A file shared by its handle and transient borrowers. `Arc` + `Mutex` (not
/// `Rc` + `RefCell`) so that a state, with its open files, may move to
/// another OS thread, and the process-wide list below may refer to it.
type FileRef = Arc<FileCell>;

struct FileCell(Mutex<LuaFile>);

impl FileCell {
    /// Locks the file; a poisoned lock (a panic elsewhere) still yields it.
    fn borrow(&self) -> MutexGuard<'_, LuaFile> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn borrow_mut(&self) -> MutexGuard<'_, LuaFile> {
        self.borrow()
    }
}

/// Every open file of every state in the process, so `os.exit` can flush them.
static OPEN_FILES: Mutex<OpenFiles> = Mutex::new(OpenFiles {
    files: Vec::new(),
    prune_at: 64,
});

struct OpenFiles {
    files: Vec<Weak<FileCell>>,
    prune_at: usize,
}

fn track(f: &FileRef) {
    let mut open = OPEN_FILES.lock().unwrap_or_else(|e| e.into_inner());
    open.files.push(Arc::downgrade(f));
    if open.files.len() >= open.prune_at {
        open.files.retain(|w| w.strong_count() > 0);
        open.prune_at = (open.files.len() * 2).max(64);
    }
}

/// Writes out the pending output of every open file (for `os.exit`).
pub fn flush_all_files() {
    let open = OPEN_FILES.lock().unwrap_or_else(|e| e.into_inner());
    for w in open.files.iter() {
        if let Some(f) = w.upgrade() {
            // A file locked by another thread is busy writing; skip it.
            if let Ok(mut f) = f.0.try_lock() {
                let _ = f.flush_buffer();
            }
        }
    }
}

// ===================================================================
// Handles
// ===================================================================

/// The payload of a file-handle userdata.
struct Handle(FileRef);

fn file_metatable(l: &mut State) -> Option<Gc<Table>> {
    let reg = l.global().registry;
    l.get_field(reg, FILE_HANDLE).as_table()
}

/// Wraps a `LuaFile` in a new userdata with the file metatable.
fn new_handle(l: &mut State, file: LuaFile) -> Value {
    let f = Arc::new(FileCell(Mutex::new(file)));
    track(&f);
    let u = l.global().heap.alloc(UserData::new(Box::new(Handle(f)), 0));
    let mt = file_metatable(l);
    u.set_metatable(mt);
    l.global()
        .heap
        .barrier_forward(GcRef::UserData(u), mt.map_or(Value::Nil, Value::Table));
    Value::UserData(u)
}

/// The file behind a value, if it is a file handle.
fn file_of(v: Value) -> Option<FileRef> {
    match v {
        Value::UserData(u) => {
            let p = u.payload()?;
            p.downcast_ref::<Handle>().map(|h| h.0.clone())
        }
        _ => None,
    }
}

/// Argument `n` as a file handle, open or closed (`luaL_checkudata`).
fn check_file_any(l: &mut State, n: usize) -> LuaResult<FileRef> {
    match file_of(l.arg(n)) {
        Some(f) => Ok(f),
        None => Err(l.arg_type_error(n, FILE_HANDLE)),
    }
}

/// Argument `n` as an open file handle (PUC's `tofile`).
fn check_file(l: &mut State, n: usize) -> LuaResult<FileRef> {
    let f = check_file_any(l, n)?;
    if f.borrow().closed {
        return Err(l.error("attempt to use a closed file"));
    }
    Ok(f)
}

/// The default input or output file (PUC's `getiofile`).
fn default_file(l: &mut State, key: &str) -> LuaResult<(Value, FileRef)> {
    let reg = l.global().registry;
    let v = l.get_field(reg, key);
    match file_of(v) {
        Some(f) if !f.borrow().closed => Ok((v, f)),
        _ => {
            let what = &key[4..];
            Err(l.error(format!("default {what} file is closed")))
        }
    }
}

/// Parses an `io.open` mode (PUC's `l_checkmode`): [rwa]%+?b*.
fn parse_mode(mode: &[u8]) -> Option<(u8, bool)> {
    let mode = c_bytes(mode);
    let (&first, mut rest) = mode.split_first()?;
    if !b"rwa".contains(&first) {
        return None;
    }
    let plus = rest.first() == Some(&b'+');
    if plus {
        rest = &rest[1..];
    }
    if rest.iter().all(|&c| c == b'b') {
        Some((first, plus))
    } else {
        None
    }
}

/// Opens a file as C's `fopen` would with a checked mode.
fn open_file(name: &[u8], kind: u8, plus: bool) -> io::Result<LuaFile> {
    let mut o = std::fs::OpenOptions::new();
    let (readable, writable) = match kind {
        b'r' => {
            o.read(true).write(plus);
            (true, plus)
        }
        b'w' => {
            o.write(true).read(plus).create(true).truncate(true);
            (plus, true)
        }
        _ => {
            o.append(true).read(plus).create(true);
            (plus, true)
        }
    };
    let f = o.open(path_of(name))?;
    Ok(LuaFile::new(
        Stream::File(f),
        readable,
        writable,
        BufMode::Full,
    ))
}

// ===================================================================
// Library functions
// ===================================================================

fn io_open(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let mode = match l.opt_string(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    let Some((kind, plus)) = parse_mode(&mode) else {
        return Err(l.arg_error(2, "invalid mode"));
    };
    let name = name.as_bytes().to_vec();
    match open_file(&name, kind, plus) {
        Ok(f) => {
            let h = new_handle(l, f);
            l.push(h);
            Ok(1)
        }
        Err(e) => Ok(push_file_error(l, &e, Some(&name))),
    }
}

/// Opens a file or raises "cannot open file" (PUC's `opencheckfile`).
fn open_check_file(l: &mut State, name: &[u8], mode: u8) -> LuaResult<Value> {
    match open_file(name, mode, false) {
        Ok(f) => Ok(new_handle(l, f)),
        Err(e) => {
            let msg = [
                b"cannot open file '".as_slice(),
                c_bytes(name),
                b"' (",
                crate::stdlib::os_error_text(&e).as_bytes(),
                b")",
            ]
            .concat();
            Err(l.error(msg))
        }
    }
}

fn io_popen(l: &mut State) -> LuaResult<usize> {
    let cmd = l.check_string(1)?.as_bytes().to_vec();
    let mode = match l.opt_string(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    let reading = match &mode[..] {
        b"r" => true,
        b"w" => false,
        _ => return Err(l.arg_error(2, "invalid mode")),
    };
    crate::stdlib::flush_stdout(l);
    let mut c = crate::stdlib::oslib::shell_command(&cmd);
    if reading {
        c.stdout(Stdio::piped());
    } else {
        c.stdin(Stdio::piped());
    }
    match c.spawn() {
        Ok(mut child) => {
            let file = if reading {
                let out = child.stdout.take();
                LuaFile::new(Stream::PipeRead(child, out), true, false, BufMode::Full)
            } else {
                let inp = child.stdin.take();
                LuaFile::new(Stream::PipeWrite(child, inp), false, true, BufMode::Full)
            };
            let h = new_handle(l, file);
            l.push(h);
            Ok(1)
        }
        Err(e) => Ok(push_file_error(l, &e, Some(&cmd))),
    }
}

fn io_tmpfile(l: &mut State) -> LuaResult<usize> {
    match crate::stdlib::oslib::make_temp_file() {
        Ok((name, f)) => {
            let _ = std::fs::remove_file(path_of(&name));
            let h = new_handle(l, LuaFile::new(Stream::File(f), true, true, BufMode::Full));
            l.push(h);
            Ok(1)
        }
        Err(e) => Ok(push_file_error(l, &e, None)),
    }
}

fn io_type(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    match file_of(v) {
        None => l.push(Value::Nil),
        Some(f) => {
            let s: &[u8] = if f.borrow().closed {
                b"closed file"
            } else {
                b"file"
            };
            let s = l.new_str_value(s);
            l.push(s);
        }
    }
    Ok(1)
}

/// `io.input` / `io.output` (PUC's `g_iofile`).
fn io_file(l: &mut State, key: &str, mode: u8) -> LuaResult<usize> {
    let v = l.arg(1);
    if !v.is_nil() {
        let new = match v {
            Value::Str(_) | Value::Int(_) | Value::Float(_) => {
                let name = l.check_string(1)?.as_bytes().to_vec();
                open_check_file(l, &name, mode)?
            }
            _ => {
                check_file(l, 1)?;
                v
            }
        };
        let reg = l.global().registry;
        l.set_field(reg, key, new);
    }
    let reg = l.global().registry;
    let cur = l.get_field(reg, key);
    l.push(cur);
    Ok(1)
}

fn io_input(l: &mut State) -> LuaResult<usize> {
    io_file(l, IO_INPUT, b'r')
}

fn io_output(l: &mut State) -> LuaResult<usize> {
    io_file(l, IO_OUTPUT, b'w')
}

/// Closes a file handle (PUC's `aux_close`): standard files stay open.
fn close_file(l: &mut State, f: &FileRef) -> usize {
    if f.borrow().is_std() {
        l.push(Value::Nil);
        let m = l.new_str_value(b"cannot close standard file");
        l.push(m);
        return 2;
    }
    let r = f.borrow_mut().close();
    match r {
        Ok(Some(status)) => push_exec_result(l, Ok(status)),
        Ok(None) => push_file_result(l, Ok(()), None),
        Err(e) => push_file_error(l, &e, None),
    }
}

fn f_close(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    Ok(close_file(l, &f))
}

fn io_close(l: &mut State) -> LuaResult<usize> {
    if l.arg_count() == 0 {
        let reg = l.global().registry;
        let out = l.get_field(reg, IO_OUTPUT);
        l.push(out);
    }
    f_close(l)
}

fn f_gc(l: &mut State) -> LuaResult<usize> {
    let f = check_file_any(l, 1)?;
    {
        let mut file = f.borrow_mut();
        if !file.closed && !file.is_std() {
            let _ = file.close();
        }
    }
    Ok(0)
}

fn f_tostring(l: &mut State) -> LuaResult<usize> {
    let f = check_file_any(l, 1)?;
    let s = if f.borrow().closed {
        "file (closed)".to_string()
    } else {
        format!("file ({:#x})", l.arg(1).address().unwrap_or(0))
    };
    let v = l.new_str_value(s.as_bytes());
    l.push(v);
    Ok(1)
}

fn f_flush(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    let r = f.borrow_mut().flush(l);
    Ok(push_file_result(l, r, None))
}

fn io_flush(l: &mut State) -> LuaResult<usize> {
    let (_, f) = default_file(l, IO_OUTPUT)?;
    let r = f.borrow_mut().flush(l);
    Ok(push_file_result(l, r, None))
}

fn f_seek(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    let op = l.check_option(2, Some("cur"), &["set", "cur", "end"])?;
    let off = l.opt_integer(3, 0)?;
    let pos = match op {
        0 => {
            if off < 0 {
                return Ok(push_file_error(
                    l,
                    &io::Error::from_raw_os_error(libc::EINVAL),
                    None,
                ));
            }
            SeekFrom::Start(off as u64)
        }
        1 => SeekFrom::Current(off),
        _ => SeekFrom::End(off),
    };
    let r = f.borrow_mut().seek(l, pos);
    match r {
        Ok(p) => {
            l.push(Value::Int(p as i64));
            Ok(1)
        }
        Err(e) => Ok(push_file_error(l, &e, None)),
    }
}

fn f_setvbuf(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    let op = l.check_option(2, None, &["no", "full", "line"])?;
    let size = l.opt_integer(3, 1024)?;
    let mut file = f.borrow_mut();
    let r = file.flush(l);
    file.mode = [BufMode::No, BufMode::Full, BufMode::Line][op];
    file.buf_size = if size > 0 {
        (size as u64).min(1 << 30) as usize
    } else {
        WRITE_BUF_SIZE
    };
    drop(file);
    Ok(push_file_result(l, r, None))
}

// ----- writing -----

/// Writes arguments `first..` to a file (PUC's `g_write`); the file value is
/// returned on success.
fn g_write(l: &mut State, fv: Value, f: &FileRef, first: usize) -> LuaResult<usize> {
    let n = l.arg_count();
    let mut result: io::Result<()> = Ok(());
    let mut num = Vec::new();
    for i in first..=n {
        let v = l.arg(i);
        let s;
        let data: &[u8] = match v {
            Value::Int(k) => {
                num.clear();
                let _ = write!(num, "{k}");
                &num
            }
            Value::Float(x) => {
                num = crate::numfmt::fmt_g(x, 14, false, false);
                &num
            }
            Value::Str(st) => {
                s = st;
                s.as_bytes()
            }
            _ => return Err(l.arg_type_error(i, "string")),
        };
        if result.is_ok() {
            if let Err(e) = f.borrow_mut().write(l, data) {
                result = Err(e);
            }
        }
    }
    match result {
        Ok(()) => {
            l.push(fv);
            Ok(1)
        }
        Err(e) => Ok(push_file_error(l, &e, None)),
    }
}

fn io_write(l: &mut State) -> LuaResult<usize> {
    let (fv, f) = default_file(l, IO_OUTPUT)?;
    g_write(l, fv, &f, 1)
}

fn f_write(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    let fv = l.arg(1);
    g_write(l, fv, &f, 2)
}

// ----- reading -----

/// Reads with the given formats (PUC's `g_read`); `first` is the argument
/// number of the first format, for error messages. Pushes the results.
fn g_read(l: &mut State, f: &FileRef, formats: &[Value], first: usize) -> LuaResult<usize> {
    let is_stdin = matches!(f.borrow().stream, Stream::Std(0));
    if is_stdin {
        crate::stdlib::flush_stdout(l);
    }
    let mut file = f.borrow_mut();
    file.eof = false;
    file.error = None;
    let base = l.top();
    let mut success = true;
    if formats.is_empty() {
        match file.read_line(l, false) {
            Some(v) => l.push(v),
            None => l.push(Value::Nil),
        }
    } else {
        for (i, &fmt) in formats.iter().enumerate() {
            if !success {
                break;
            }
            let argn = first + i;
            let v = match fmt {
                Value::Int(_) | Value::Float(_) => {
                    let Some(n) = fmt.as_integer() else {
                        drop(file);
                        return Err(l.arg_error(argn, "number has no integer representation"));
                    };
                    if n == 0 {
                        // Test for end of file.
                        if file.peek().is_some() {
                            l.new_str_value(b"")
                        } else {
                            Value::Nil
                        }
                    } else {
                        let s = file.read_chars(n as u64);
                        if s.is_empty() {
                            Value::Nil
                        } else {
                            Value::Str(l.global().new_string_owned(s))
                        }
                    }
                }
                Value::Str(s) => {
                    let b = s.as_bytes();
                    let b = b.strip_prefix(b"*").unwrap_or(b);
                    match b.first() {
                        Some(b'n') => file.read_number().unwrap_or(Value::Nil),
                        Some(b'l') => file.read_line(l, false).unwrap_or(Value::Nil),
                        Some(b'L') => file.read_line(l, true).unwrap_or(Value::Nil),
                        Some(b'a') => {
                            let s = file.read_all();
                            Value::Str(l.global().new_string_owned(s))
                        }
                        _ => {
                            drop(file);
                            l.set_top(base);
                            return Err(l.arg_error(argn, "invalid format"));
                        }
                    }
                }
                other => {
                    drop(file);
                    l.set_top(base);
                    let msg =
                        [b"string expected, got ".as_slice(), &l.obj_type_name(other)].concat();
                    return Err(l.arg_error(argn, msg));
                }
            };
            success = !v.is_nil();
            l.push(v);
        }
    }
    if let Some(e) = file.error.take() {
        drop(file);
        l.set_top(base);
        return Ok(push_file_error(l, &e, None));
    }
    Ok(l.top() - base)
}

fn args_from(l: &State, first: usize) -> Vec<Value> {
    (first..=l.arg_count()).map(|i| l.arg(i)).collect()
}

fn io_read(l: &mut State) -> LuaResult<usize> {
    let (_, f) = default_file(l, IO_INPUT)?;
    let formats = args_from(l, 1);
    g_read(l, &f, &formats, 1)
}

fn f_read(l: &mut State) -> LuaResult<usize> {
    let f = check_file(l, 1)?;
    let formats = args_from(l, 2);
    g_read(l, &f, &formats, 2)
}

/// The iterator `lines` returns (PUC's `io_readline`); upvalues: the file,
/// whether to close it at the end, then the formats.
fn io_readline(l: &mut State) -> LuaResult<usize> {
    let fv = l.native_upvalue(1);
    let Some(f) = file_of(fv) else {
        return Err(l.error("file is already closed"));
    };
    if f.borrow().closed {
        return Err(l.error("file is already closed"));
    }
    let to_close = !l.native_upvalue(2).is_falsy();
    let formats: Vec<Value> = match l.frames.last().map(|ci| l.stack[ci.func]) {
        Some(Value::NativeFn(c)) => c.upvalues[2..].iter().map(|u| u.get()).collect(),
        _ => Vec::new(),
    };
    let base = l.top();
    let n = g_read(l, &f, &formats, 2)?;
    let first = l.at(base);
    if !first.is_falsy() {
        return Ok(n);
    }
    if n > 1 {
        // An error: its message is the second result.
        let msg = l.at(base + 1);
        let text = match msg {
            Value::Str(s) => s.as_bytes().to_vec(),
            _ => Vec::new(),
        };
        return Err(l.error(text));
    }
    if to_close {
        l.set_top(base);
        close_file(l, &f);
    }
    l.set_top(base);
    Ok(0)
}

/// Creates the `lines` iterator for the file at argument 1 with the formats
/// after it (PUC's `aux_lines`).
fn aux_lines(l: &mut State, to_close: bool) -> LuaResult<Value> {
    let n = l.arg_count().saturating_sub(1);
    if n > MAX_ARG_LINE {
        return Err(l.arg_error(MAX_ARG_LINE + 2, "too many arguments"));
    }
    let mut ups = Vec::with_capacity(n + 2);
    ups.push(Cell::new(l.arg(1)));
    ups.push(Cell::new(Value::Bool(to_close)));
    for i in 2..=n + 1 {
        ups.push(Cell::new(l.arg(i)));
    }
    let c = l.global().heap.alloc(NativeClosure::new(
        io_readline as NativeFn,
        ups.into_boxed_slice(),
    ));
    Ok(Value::NativeFn(c))
}

fn f_lines(l: &mut State) -> LuaResult<usize> {
    check_file(l, 1)?;
    let it = aux_lines(l, false)?;
    l.push(it);
    Ok(1)
}

fn io_lines(l: &mut State) -> LuaResult<usize> {
    if l.arg_count() == 0 {
        l.push(Value::Nil);
    }
    if l.arg(1).is_nil() {
        let reg = l.global().registry;
        let input = l.get_field(reg, IO_INPUT);
        l.set_arg(1, input);
        check_file(l, 1)?;
        let it = aux_lines(l, false)?;
        l.push(it);
        Ok(1)
    } else {
        let name = l.check_string(1)?.as_bytes().to_vec();
        let fv = open_check_file(l, &name, b'r')?;
        l.set_arg(1, fv);
        let it = aux_lines(l, true)?;
        l.push(it);
        l.push(Value::Nil);
        l.push(Value::Nil);
        l.push(fv);
        Ok(4)
    }
}
