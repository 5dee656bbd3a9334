//! Runs the example host (`examples/host.rs`) on `examples/requests.txt`, as
//! the README shows, with a cached state per worker and with a fresh state
//! per request: it must stop by itself, serve every request, and keep serving
//! after the requests that hit the instruction and memory limits or fail.
//!
//! `cargo test` builds the examples next to the test binaries; when only this
//! test was built (`cargo test --test example_host`), it says so and passes.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn example_binary() -> Option<PathBuf> {
    // target/<profile>/deps/example_host-<hash> -> target/<profile>/examples/host
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("examples");
    let path = dir.join(format!("host{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

fn run_host(extra: &[&str]) -> Option<String> {
    let bin = match example_binary() {
        Some(b) => b,
        None => {
            eprintln!("examples/host was not built; skipping (run `cargo test`)");
            return None;
        }
    };
    let requests = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/requests.txt");
    let started = Instant::now();
    let out = Command::new(bin)
        .args(extra)
        .arg(requests)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the example host runs");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("UTF-8 output"))
}

fn check(out: &str) {
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in\n{out}"))
            .to_string()
    };
    assert!(line("#7 ").contains("503 spin") && line("#7 ").ends_with("instruction limit"));
    assert!(line("#8 ").contains("503 hog") && line("#8 ").ends_with("memory limit"));
    assert!(line("#9 ").contains("undeclared global 'leaked_global'"));
    assert!(line("#12 ").ends_with("-> after the failures, the state still serves"));
    assert!(line("#13 ").ends_with("-> 6765"));
    let summary = line("18 requests in");
    assert!(
        summary.contains("by status {200: 13, 404: 1, 500: 2, 503: 2}"),
        "{summary}"
    );
}

#[test]
fn example_host_serves_the_request_file_with_cached_states() {
    if let Some(out) = run_host(&[]) {
        check(&out);
        assert!(out.contains("(cached state per worker)"));
    }
}

#[test]
fn example_host_serves_the_request_file_with_fresh_states() {
    if let Some(out) = run_host(&["--fresh"]) {
        check(&out);
        assert!(out.contains("(fresh state per request)"));
    }
}
