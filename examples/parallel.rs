//! States-per-core scaling: k independent states on k OS threads, each
//! running the same CPU-bound jobs, for k = 1, 2, ... up to the core count
//! (or the first argument). Prints jobs/s per k and the speed-up over k = 1,
//! and jobs per CPU-second of the worker threads: when that stays flat as k
//! grows, the states share nothing that slows them down, and any shortfall
//! in wall-clock scaling comes from cores being busy with other work.
//!
//! ```text
//! cargo run --release --example parallel            # up to the core count
//! cargo run --release --example parallel -- 8 40    # up to 8 threads, 40 jobs each
//! ```

use std::time::Instant;

use crescent::Lua;

/// CPU time used by the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` only writes the `timespec` we pass by pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// One job: some calls, table work and string work.
const JOB: &str = r#"
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 20000 do t[i] = (i * 7919) % 1000 end
table.sort(t)
local parts = {}
for i = 1, 2000 do parts[#parts + 1] = tostring(t[i]) end
return fib(22) + #table.concat(parts, ",")
"#;

fn main() {
    let mut args = std::env::args().skip(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max_threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(cores);
    let jobs_per_thread: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    println!("{cores} cores; {jobs_per_thread} jobs per state; one state per thread");
    let mut base_rate = None;
    for threads in 1..=max_threads.max(1) {
        let start = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::spawn(move || {
                    let cpu_start = thread_cpu_seconds();
                    let mut lua = Lua::new();
                    let mut last = String::new();
                    for _ in 0..jobs_per_thread {
                        last = lua.eval(JOB).unwrap_or_else(|e| e);
                    }
                    (last, thread_cpu_seconds() - cpu_start)
                })
            })
            .collect();
        let mut cpu = 0.0;
        for h in handles {
            let (out, seconds) = h.join().unwrap_or_default();
            assert_eq!(out, "23510", "unexpected job result");
            cpu += seconds;
        }
        let secs = start.elapsed().as_secs_f64();
        let jobs = (threads * jobs_per_thread) as f64;
        let rate = jobs / secs;
        let base = *base_rate.get_or_insert(rate);
        println!(
            "{threads:>3} states: {:>8.1} jobs/s  ({:.2}x of 1 state, {:.0}% parallel efficiency); {:.1} jobs per CPU-second",
            rate,
            rate / base,
            100.0 * rate / base / threads as f64,
            jobs / cpu.max(1e-9)
        );
    }
}
