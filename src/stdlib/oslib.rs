//! The operating-system library (PUC's `loslib.c`): time and date, processes,
//! environment and file-system helpers.
//!
//! Broken-down time comes from the C library (`localtime_r`, `gmtime_r`,
//! `mktime`: they know the time-zone database); `os.date` formats it with its
//! own implementation of the C99 `strftime` conversions for the C locale.

#![allow(clippy::unnecessary_cast)] // libc field types differ between platforms

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;

use crate::auxlib::to_integer;
use crate::debug::Operand;
use crate::error::LuaResult;
use crate::state::State;
use crate::value::Value;

/// Opens the `os` library.
pub fn open(l: &mut State) {
    extern "C" {
        fn tzset();
    }
    // SAFETY: `tzset` only reads the environment and sets the C library's zone data.
    unsafe { tzset() };
    l.register_lib(
        "os",
        &[
            ("clock", os_clock),
            ("date", os_date),
            ("difftime", os_difftime),
            ("execute", os_execute),
            ("exit", os_exit),
            ("getenv", os_getenv),
            ("remove", os_remove),
            ("rename", os_rename),
            ("setlocale", os_setlocale),
            ("time", os_time),
            ("tmpname", os_tmpname),
        ],
    );
}

// ----- helpers shared with the io library -----

/// The bytes of a C string argument: everything up to the first NUL, as C sees it.
pub fn c_bytes(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// A file-system path from Lua string bytes (cut at the first NUL, as C would).
pub fn path_of(b: &[u8]) -> &std::path::Path {
    std::path::Path::new(std::ffi::OsStr::from_bytes(c_bytes(b)))
}

/// Pushes `nil, message, errno` for a failed operation (PUC's `luaL_fileresult`
/// on failure); the message is `"<fname>: <strerror>"` when `fname` is given.
pub fn push_file_error(l: &mut State, e: &std::io::Error, fname: Option<&[u8]>) -> usize {
    let code = e.raw_os_error().unwrap_or(libc::EIO);
    let text = if e.raw_os_error().is_some() {
        crate::stdlib::os_error_text(e)
    } else {
        crate::stdlib::os_error_text(&std::io::Error::from_raw_os_error(code))
    };
    let mut msg = Vec::new();
    if let Some(f) = fname {
        msg.extend_from_slice(c_bytes(f));
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(text.as_bytes());
    l.push(Value::Nil);
    let m = l.new_str_value(&msg);
    l.push(m);
    l.push(Value::Int(code as i64));
    3
}

/// Pushes `true` or the error triple (PUC's `luaL_fileresult`).
pub fn push_file_result(l: &mut State, r: std::io::Result<()>, fname: Option<&[u8]>) -> usize {
    match r {
        Ok(()) => {
            l.push(Value::Bool(true));
            1
        }
        Err(e) => push_file_error(l, &e, fname),
    }
}

/// Pushes the result of a finished process (PUC's `luaL_execresult`):
/// `true|nil, "exit"|"signal", code`.
pub fn push_exec_result(l: &mut State, status: std::io::Result<std::process::ExitStatus>) -> usize {
    let status = match status {
        Ok(s) => s,
        Err(e) => return push_file_error(l, &e, None),
    };
    let (what, code): (&[u8], i64) = match (status.code(), status.signal()) {
        (Some(c), _) => (b"exit", c as i64),
        (None, Some(s)) => (b"signal", s as i64),
        (None, None) => (b"exit", status.into_raw() as i64),
    };
    if what == b"exit" && code == 0 {
        l.push(Value::Bool(true));
    } else {
        l.push(Value::Nil);
    }
    let w = l.new_str_value(what);
    l.push(w);
    l.push(Value::Int(code));
    3
}

/// Runs a command through `/bin/sh -c`, as C's `system` does.
pub fn shell_command(cmd: &[u8]) -> std::process::Command {
    let mut c = std::process::Command::new("/bin/sh");
    c.arg("-c").arg(std::ffi::OsStr::from_bytes(c_bytes(cmd)));
    c
}

// ----- processes and environment -----

fn os_execute(l: &mut State) -> LuaResult<usize> {
    let cmd = l.opt_string(1)?;
    crate::stdlib::flush_stdout(l);
    match cmd {
        None => {
            let has_shell = std::path::Path::new("/bin/sh").exists();
            l.push(Value::Bool(has_shell));
            Ok(1)
        }
        Some(cmd) => {
            let bytes = cmd.as_bytes().to_vec();
            let status = shell_command(&bytes).status();
            Ok(push_exec_result(l, status))
        }
    }
}

fn os_exit(l: &mut State) -> LuaResult<usize> {
    let status = match l.arg(1) {
        Value::Bool(b) => {
            if b {
                0
            } else {
                1
            }
        }
        _ => l.opt_integer(1, 0)? as i32,
    };
    if !l.arg(2).is_falsy() {
        // Close the state first (`lua_close`): pending to-be-closed variables
        // of the running thread, then every finalizer. Errors are ignored, as
        // the process ends anyway. Called from a finalizer (maybe one that
        // the closing state runs), the remaining finalizers still run.
        let _ = l.close_level(0);
        l.global().heap.in_finalizer = false;
        l.close_state();
    }
    crate::stdlib::flush_stdout(l);
    crate::stdlib::iolib::flush_all_files();
    std::process::exit(status)
}

fn os_getenv(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let key = CString::new(c_bytes(name.as_bytes())).unwrap_or_default();
    // SAFETY: `key` is a valid C string; the result is copied at once.
    let value = unsafe {
        let p = libc::getenv(key.as_ptr());
        if p.is_null() {
            None
        } else {
            Some(std::ffi::CStr::from_ptr(p).to_bytes().to_vec())
        }
    };
    match value {
        Some(v) => {
            let s = l.new_str_value(&v);
            l.push(s);
        }
        None => l.push(Value::Nil),
    }
    Ok(1)
}

fn os_remove(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let bytes = name.as_bytes().to_vec();
    let path = path_of(&bytes);
    // C's `remove`: files, and empty directories.
    let r = match std::fs::remove_file(path) {
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => std::fs::remove_dir(path),
        r => r,
    };
    Ok(push_file_result(l, r, Some(&bytes)))
}

fn os_rename(l: &mut State) -> LuaResult<usize> {
    let from = l.check_string(1)?;
    let to = l.check_string(2)?;
    let r = std::fs::rename(path_of(from.as_bytes()), path_of(to.as_bytes()));
    Ok(push_file_result(l, r, None))
}

fn os_tmpname(l: &mut State) -> LuaResult<usize> {
    match make_temp_file() {
        Ok((name, _file)) => {
            let s = l.new_str_value(&name);
            l.push(s);
            Ok(1)
        }
        Err(_) => Err(l.error("unable to generate a unique filename")),
    }
}

/// Creates a new empty file "/tmp/lua_XXXXXX" (C's `mkstemp`).
pub fn make_temp_file() -> std::io::Result<(Vec<u8>, std::fs::File)> {
    use std::hash::{BuildHasher, Hasher};
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut last_err = None;
    for attempt in 0..100u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(attempt);
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        let mut x = h.finish();
        let mut name = b"/tmp/lua_".to_vec();
        for _ in 0..6 {
            name.push(CHARS[(x % CHARS.len() as u64) as usize]);
            x /= CHARS.len() as u64;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create_new(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(path_of(&name)) {
            Ok(f) => return Ok((name, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::from_raw_os_error(libc::EEXIST)))
}

fn os_setlocale(l: &mut State) -> LuaResult<usize> {
    let locale = l.opt_string(1)?.map(|s| c_bytes(s.as_bytes()).to_vec());
    l.check_option(
        2,
        Some("all"),
        &["all", "collate", "ctype", "monetary", "numeric", "time"],
    )?;
    // Only the C locale exists here.
    let ok = match locale.as_deref() {
        None | Some(b"") | Some(b"C") | Some(b"POSIX") => true,
        Some(_) => false,
    };
    if ok {
        let s = l.new_str_value(b"C");
        l.push(s);
    } else {
        l.push(Value::Nil);
    }
    Ok(1)
}

// ----- time -----

fn os_clock(l: &mut State) -> LuaResult<usize> {
    // C's `clock`: the process's CPU time.
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    let micros = ts.tv_sec as i64 * 1_000_000 + ts.tv_nsec as i64 / 1000;
    l.push(Value::Float(micros as f64 / 1_000_000.0));
    Ok(1)
}

/// A time argument (PUC's `l_checktime`).
fn check_time(l: &mut State, n: usize) -> LuaResult<libc::time_t> {
    let t = l.check_integer(n)?;
    let tt = t as libc::time_t;
    if tt as i64 != t {
        return Err(l.arg_error(n, "time out-of-bounds"));
    }
    Ok(tt)
}

fn now() -> libc::time_t {
    // SAFETY: `time` with a null pointer only returns the time.
    unsafe { libc::time(std::ptr::null_mut()) }
}

fn os_difftime(l: &mut State) -> LuaResult<usize> {
    let t1 = check_time(l, 1)?;
    let t2 = check_time(l, 2)?;
    l.push(Value::Float(t1 as f64 - t2 as f64));
    Ok(1)
}

/// Broken-down time, as `struct tm` holds it plus the zone's name.
struct Tm {
    year: i64, // full year
    mon: i32,  // 0..=11
    mday: i32,
    hour: i32,
    min: i32,
    sec: i32,
    wday: i32, // 0 = Sunday
    yday: i32, // 0-based
    isdst: i32,
    gmtoff: i64,
    zone: Vec<u8>,
}

impl Tm {
    fn from_c(tm: &libc::tm) -> Tm {
        let zone = if tm.tm_zone.is_null() {
            Vec::new()
        } else {
            // SAFETY: the C library sets `tm_zone` to a NUL-terminated static string.
            unsafe { std::ffi::CStr::from_ptr(tm.tm_zone).to_bytes().to_vec() }
        };
        Tm {
            year: tm.tm_year as i64 + 1900,
            mon: tm.tm_mon,
            mday: tm.tm_mday,
            hour: tm.tm_hour,
            min: tm.tm_min,
            sec: tm.tm_sec,
            wday: tm.tm_wday,
            yday: tm.tm_yday,
            isdst: tm.tm_isdst,
            gmtoff: tm.tm_gmtoff as i64,
            zone,
        }
    }
}

fn broken_down(t: libc::time_t, utc: bool) -> Option<Tm> {
    // SAFETY: a zeroed `tm` is a valid value; the `_r` functions only write it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let r = unsafe {
        if utc {
            libc::gmtime_r(&t, &mut tm)
        } else {
            libc::localtime_r(&t, &mut tm)
        }
    };
    if r.is_null() {
        None
    } else {
        Some(Tm::from_c(&tm))
    }
}

/// The date-table fields of a broken-down time, in PUC's order.
fn set_all_fields(l: &mut State, t: Value, tm: &Tm) -> LuaResult<()> {
    let fields: [(&str, i64); 8] = [
        ("year", tm.year),
        ("month", tm.mon as i64 + 1),
        ("day", tm.mday as i64),
        ("hour", tm.hour as i64),
        ("min", tm.min as i64),
        ("sec", tm.sec as i64),
        ("yday", tm.yday as i64 + 1),
        ("wday", tm.wday as i64 + 1),
    ];
    for (name, v) in fields {
        let k = l.new_str_value(name.as_bytes());
        l.set_index_value(t, k, Value::Int(v), Operand::None)?;
    }
    if tm.isdst >= 0 {
        let k = l.new_str_value(b"isdst");
        l.set_index_value(t, k, Value::Bool(tm.isdst != 0), Operand::None)?;
    }
    Ok(())
}

/// An integer field of a date table (PUC's `getfield`): `default < 0` means required.
fn get_date_field(l: &mut State, t: Value, key: &str, default: i64, delta: i64) -> LuaResult<i32> {
    let k = l.new_str_value(key.as_bytes());
    let v = l.index_value(t, k, Operand::None)?;
    match to_integer(v) {
        Some(res) => {
            let in_range = if res >= 0 {
                res - delta <= i32::MAX as i64
            } else {
                i32::MIN as i64 + delta <= res
            };
            if !in_range {
                return Err(l.error(format!("field '{key}' is out-of-bound")));
            }
            Ok((res - delta) as i32)
        }
        None => {
            if !v.is_nil() {
                Err(l.error(format!("field '{key}' is not an integer")))
            } else if default < 0 {
                Err(l.error(format!("field '{key}' missing in date table")))
            } else {
                Ok(default as i32)
            }
        }
    }
}

fn os_time(l: &mut State) -> LuaResult<usize> {
    let t = if l.arg(1).is_nil() {
        now()
    } else {
        let tab = Value::Table(l.check_table(1)?);
        // SAFETY: a zeroed `tm` is a valid value.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = get_date_field(l, tab, "year", -1, 1900)?;
        tm.tm_mon = get_date_field(l, tab, "month", -1, 1)?;
        tm.tm_mday = get_date_field(l, tab, "day", -1, 0)?;
        tm.tm_hour = get_date_field(l, tab, "hour", 12, 0)?;
        tm.tm_min = get_date_field(l, tab, "min", 0, 0)?;
        tm.tm_sec = get_date_field(l, tab, "sec", 0, 0)?;
        let k = l.new_str_value(b"isdst");
        let dst = l.index_value(tab, k, Operand::None)?;
        tm.tm_isdst = if dst.is_nil() {
            -1
        } else {
            (!dst.is_falsy()) as i32
        };
        // SAFETY: `tm` is a valid broken-down time; `mktime` normalises it in place.
        let t = unsafe { libc::mktime(&mut tm) };
        set_all_fields(l, tab, &Tm::from_c(&tm))?;
        t
    };
    if t == -1 {
        return Err(l.error("time result cannot be represented in this installation"));
    }
    l.push(Value::Int(t as i64));
    Ok(1)
}

/// Conversions `os.date` accepts (PUC's `LUA_STRFTIMEOPTIONS` for C99):
/// single characters, then two-character ones with the E and O modifiers.
const SINGLE_CONVERSIONS: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const DOUBLE_CONVERSIONS: &[&[u8]] = &[
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

fn os_date(l: &mut State) -> LuaResult<usize> {
    let fmt: Vec<u8> = match l.opt_string(1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"%c".to_vec(),
    };
    let t = if l.arg(2).is_nil() {
        now()
    } else {
        check_time(l, 2)?
    };
    let (utc, spec) = match fmt.first() {
        Some(b'!') => (true, &fmt[1..]),
        _ => (false, &fmt[..]),
    };
    let tm = match broken_down(t, utc) {
        Some(tm) => tm,
        None => return Err(l.error("date result cannot be represented in this installation")),
    };
    if c_bytes(spec) == b"*t" {
        let tab = l.new_table(0, 9);
        l.push(Value::Table(tab));
        set_all_fields(l, Value::Table(tab), &tm)?;
        return Ok(1);
    }
    let mut out = Vec::with_capacity(spec.len() + 16);
    let mut i = 0;
    while i < spec.len() {
        let c = spec[i];
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        let rest = &spec[i + 1..];
        let conv = if rest.first().is_some_and(|c| SINGLE_CONVERSIONS.contains(c)) {
            Some(1)
        } else if rest.len() >= 2 && DOUBLE_CONVERSIONS.contains(&&rest[..2]) {
            Some(2)
        } else {
            None
        };
        match conv {
            // E and O modifiers change nothing in the C locale.
            Some(n) => {
                format_conversion(&mut out, rest[n - 1], &tm);
                i += 1 + n;
            }
            None => {
                let msg = [
                    b"invalid conversion specifier '%".as_slice(),
                    c_bytes(rest),
                    b"'",
                ]
                .concat();
                return Err(l.arg_error(1, msg));
            }
        }
    }
    let s = l.new_str_value(&out);
    l.push(s);
    Ok(1)
}

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn push_num(out: &mut Vec<u8>, v: i64, width: usize, pad: u8) {
    let digits = v.unsigned_abs().to_string();
    if v < 0 {
        out.push(b'-');
    }
    for _ in digits.len()..width {
        out.push(pad);
    }
    out.extend_from_slice(digits.as_bytes());
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days from the start of the ISO week-based year containing `yday` (glibc's
/// `iso_week_days`); negative when it belongs to the previous year.
fn iso_week_days(yday: i64, wday: i64) -> i64 {
    const BIG_MULTIPLE_OF_7: i64 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + BIG_MULTIPLE_OF_7) % 7 + 3
}

/// ISO 8601 week-based year and week number.
fn iso_week(tm: &Tm) -> (i64, i64) {
    let mut year = tm.year;
    let yday = tm.yday as i64;
    let wday = tm.wday as i64;
    let mut days = iso_week_days(yday, wday);
    if days < 0 {
        year -= 1;
        days = iso_week_days(yday + if is_leap(year) { 366 } else { 365 }, wday);
    } else {
        let d = iso_week_days(yday - if is_leap(year) { 366 } else { 365 }, wday);
        if d >= 0 {
            year += 1;
            days = d;
        }
    }
    (year, days / 7 + 1)
}

fn name_or_q(names: &[&str], i: i32, abbrev: bool) -> String {
    match usize::try_from(i).ok().and_then(|i| names.get(i)) {
        Some(n) if abbrev => n[..3].to_string(),
        Some(n) => n.to_string(),
        None => "?".to_string(),
    }
}

/// One `strftime` conversion in the C locale.
fn format_conversion(out: &mut Vec<u8>, conv: u8, tm: &Tm) {
    let hour12 = match tm.hour % 12 {
        0 => 12,
        h => h,
    };
    match conv {
        b'a' => out.extend_from_slice(name_or_q(&DAY_NAMES, tm.wday, true).as_bytes()),
        b'A' => out.extend_from_slice(name_or_q(&DAY_NAMES, tm.wday, false).as_bytes()),
        b'b' | b'h' => out.extend_from_slice(name_or_q(&MONTH_NAMES, tm.mon, true).as_bytes()),
        b'B' => out.extend_from_slice(name_or_q(&MONTH_NAMES, tm.mon, false).as_bytes()),
        b'c' => {
            for &c in b"a b e H:M:S Y" {
                match c {
                    b' ' | b':' => out.push(c),
                    _ => format_conversion(out, c, tm),
                }
            }
        }
        b'C' => push_num(out, tm.year.div_euclid(100), 1, b'0'),
        b'd' => push_num(out, tm.mday as i64, 2, b'0'),
        b'D' => compose(out, b"m/d/y", tm),
        b'e' => push_num(out, tm.mday as i64, 2, b' '),
        b'F' => compose(out, b"Y-m-d", tm),
        b'g' => push_num(out, iso_week(tm).0.rem_euclid(100), 2, b'0'),
        b'G' => push_num(out, iso_week(tm).0, 1, b'0'),
        b'H' => push_num(out, tm.hour as i64, 2, b'0'),
        b'I' => push_num(out, hour12 as i64, 2, b'0'),
        b'j' => push_num(out, tm.yday as i64 + 1, 3, b'0'),
        b'm' => push_num(out, tm.mon as i64 + 1, 2, b'0'),
        b'M' => push_num(out, tm.min as i64, 2, b'0'),
        b'n' => out.push(b'\n'),
        b'p' => out.extend_from_slice(if tm.hour >= 12 { b"PM" } else { b"AM" }),
        b'r' => {
            compose(out, b"I:M:S", tm);
            out.push(b' ');
            format_conversion(out, b'p', tm);
        }
        b'R' => compose(out, b"H:M", tm),
        b'S' => push_num(out, tm.sec as i64, 2, b'0'),
        b't' => out.push(b'\t'),
        b'T' | b'X' => compose(out, b"H:M:S", tm),
        b'u' => push_num(out, if tm.wday == 0 { 7 } else { tm.wday as i64 }, 1, b'0'),
        b'U' => push_num(out, (tm.yday as i64 - tm.wday as i64 + 7) / 7, 2, b'0'),
        b'V' => push_num(out, iso_week(tm).1, 2, b'0'),
        b'w' => push_num(out, tm.wday as i64, 1, b'0'),
        b'W' => push_num(
            out,
            (tm.yday as i64 - (tm.wday as i64 - 1 + 7) % 7 + 7) / 7,
            2,
            b'0',
        ),
        b'x' => compose(out, b"m/d/y", tm),
        b'y' => push_num(out, tm.year.rem_euclid(100), 2, b'0'),
        b'Y' => push_num(out, tm.year, 1, b'0'),
        b'z' => {
            let off = tm.gmtoff;
            out.push(if off < 0 { b'-' } else { b'+' });
            let minutes = off.abs() / 60;
            push_num(out, (minutes / 60) * 100 + minutes % 60, 4, b'0');
        }
        b'Z' => out.extend_from_slice(&tm.zone),
        b'%' => out.push(b'%'),
        _ => {}
    }
}

/// Formats a sequence of conversions separated by literal punctuation.
fn compose(out: &mut Vec<u8>, pattern: &[u8], tm: &Tm) {
    for &c in pattern {
        if c.is_ascii_alphabetic() {
            format_conversion(out, c, tm);
        } else {
            out.push(c);
        }
    }
}
