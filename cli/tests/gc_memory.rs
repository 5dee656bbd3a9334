//! Peak memory of a long-running allocator: 10 GB allocated in total with at
//! most ~40 MB live stays under 100 MB of resident memory. One test in this
//! file, so the child's peak RSS is not mixed with other children's.

use std::process::Command;

const SCRIPT: &str = r#"
local ring, size = {}, 600
local piece = string.rep("x", 65536)
local total = 0
local i = 0
while total < 10 * 2^30 do
  i = i + 1
  -- a fresh 64 KiB string and a small table each round
  local s = piece .. i
  ring[i % size + 1] = {s, {i}}
  total = total + #s + 100
end
assert(#ring == size)
print(i)
"#;

#[test]
fn ten_gigabytes_allocated_in_bounded_memory() {
    let dir = std::env::temp_dir().join(format!("crescent-gc-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("alloc.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    // Reaped below with `wait4`, which also reports the peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_crescent"))
        .arg(&script)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("crescent runs");
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value; `wait4` fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; the pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let peak_mb = usage.ru_maxrss as f64 / 1024.0;
    println!("peak RSS {peak_mb:.1} MB");
    assert!(peak_mb < 100.0, "peak RSS {peak_mb:.1} MB");
    let _ = std::fs::remove_dir_all(&dir);
}
