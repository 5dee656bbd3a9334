//! Runs every Lua test script under `tests/lua/` with the `crescent` binary.
//! A script passes when it exits with status 0 (scripts `assert` what they
//! check); the harness reports each failing script with its output.

use std::path::PathBuf;
use std::process::Command;

fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/lua")
}

#[test]
fn lua_scripts_pass() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(scripts_dir())
        .expect("tests/lua exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map(|x| x == "lua").unwrap_or(false))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no test scripts found");
    let mut failures = Vec::new();
    for script in &scripts {
        let out = Command::new(env!("CARGO_BIN_EXE_crescent"))
            .arg(script.file_name().unwrap())
            .current_dir(scripts_dir())
            .output()
            .expect("crescent runs");
        if out.status.success() {
            println!("PASS {}", script.display());
        } else {
            failures.push(format!(
                "FAIL {}\nstdout:\n{}\nstderr:\n{}",
                script.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
