//! Not a fuzz target: writes seed inputs for `load_binary`.
//! `seedgen OUTDIR FILE...` compiles each Lua source FILE and writes its
//! binary chunk (with and without debug information) to OUTDIR; files that
//! do not compile are skipped.
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: seedgen OUTDIR FILE...");
    let out = Path::new(&out);
    std::fs::create_dir_all(out).expect("create OUTDIR");
    let mut n = 0;
    for file in args {
        let Ok(src) = std::fs::read(&file) else {
            continue;
        };
        let Ok(p) = crescent::compiler::compile(&src, b"=seed") else {
            continue;
        };
        let base = Path::new(&file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for strip in [false, true] {
            let name = format!("{base}.{}", if strip { "stripped" } else { "full" });
            std::fs::write(out.join(name), crescent::dump::dump(&p, strip)).expect("write seed");
            n += 1;
        }
    }
    eprintln!("seedgen: wrote {n} chunks to {}", out.display());
}
