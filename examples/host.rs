//! An OpenResty-style host: N worker threads, each with its own Crescent
//! state (handler code loaded once and cached, or a fresh state per request
//! with `--fresh`), a Rust module exposed through a preload hook, the global
//! write guard on, and per-request instruction and memory limits.
//!
//! ```text
//! cargo run --release --example host -- examples/requests.txt
//! cargo run --release --example host -- --repeat 500 --quiet examples/load.txt
//! cargo run --release --example host -- --http 127.0.0.1:8089 --max-requests 100 --self-test
//! ```
//!
//! Requests are lines "<route> <argument>" (from a file, or stdin with `-`),
//! or HTTP `GET /<route>/<argument>` on a minimal server that stops after
//! `--max-requests` requests. Results are printed per request, then the
//! throughput.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crescent::host::{self, HostOptions, HostState, StatePolicy, Worker};
use crescent::plain::PlainValue;
use crescent::sandbox::SandboxError;
use crescent::{LuaResult, State, Value};

const HANDLER: &str = include_str!("handler.lua");

#[derive(Clone)]
struct Config {
    workers: usize,
    policy: StatePolicy,
    repeat: usize,
    quiet: bool,
    input: Option<String>,
    http: Option<String>,
    max_requests: usize,
    self_test: bool,
    instruction_limit: u64,
    memory_limit: usize,
}

fn parse_args() -> Result<Config, String> {
    let mut c = Config {
        workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        policy: StatePolicy::Cached,
        repeat: 1,
        quiet: false,
        input: None,
        http: None,
        max_requests: 100,
        self_test: false,
        instruction_limit: 5_000_000,
        memory_limit: 32 << 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--workers" => c.workers = value("--workers")?.parse().map_err(|e| format!("{e}"))?,
            "--fresh" => c.policy = StatePolicy::FreshPerRequest,
            "--repeat" => c.repeat = value("--repeat")?.parse().map_err(|e| format!("{e}"))?,
            "--quiet" => c.quiet = true,
            "--http" => c.http = Some(value("--http")?),
            "--max-requests" => {
                c.max_requests = value("--max-requests")?
                    .parse()
                    .map_err(|e| format!("{e}"))?
            }
            "--self-test" => c.self_test = true,
            "--instructions" => {
                c.instruction_limit = value("--instructions")?
                    .parse()
                    .map_err(|e| format!("{e}"))?
            }
            "--memory" => {
                c.memory_limit = value("--memory")?.parse().map_err(|e| format!("{e}"))?
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => c.input = Some(a),
        }
    }
    c.workers = c.workers.max(1);
    Ok(c)
}

// ----- the host module, exposed to Lua as `require "host.api"` -----

const WORKER_KEY: &str = "host.worker_id";

/// `host.worker()`: the id of the worker running the state.
fn api_worker(l: &mut State) -> LuaResult<usize> {
    let reg = l.global().registry;
    let id = l.get_field(reg, WORKER_KEY);
    l.push(id);
    Ok(1)
}

/// `host.now()`: seconds since the Unix epoch.
fn api_now(l: &mut State) -> LuaResult<usize> {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    l.push(Value::Float(t));
    Ok(1)
}

/// `host.log(...)`: a line on standard error.
fn api_log(l: &mut State) -> LuaResult<usize> {
    let mut line = String::new();
    for i in 1..=l.arg_count() {
        let s = l.to_display_string(l.arg(i))?;
        line.push_str(&s.to_str_lossy());
    }
    eprintln!("[lua] {line}");
    Ok(0)
}

fn new_worker(id: usize, config: &Config) -> Worker {
    let options = HostOptions {
        instruction_limit: Some(config.instruction_limit),
        memory_limit: Some(config.memory_limit),
        ..HostOptions::default()
    };
    Worker::new(
        config.policy,
        options,
        Arc::new(move |state: &mut HostState| {
            let l = state.state();
            let reg = l.global().registry;
            l.set_field(reg, WORKER_KEY, Value::Int(id as i64));
            host::preload_module(
                l,
                "host.api",
                &[("worker", api_worker), ("now", api_now), ("log", api_log)],
            );
            host::exec(l, HANDLER, "handler.lua").map_err(|e| e.to_string())?;
            Ok(())
        }),
    )
}

// ----- requests and results -----

struct Request {
    index: usize,
    line: String,
    /// Where to answer an HTTP request.
    reply: Option<TcpStream>,
}

struct Outcome {
    index: usize,
    worker: usize,
    line: String,
    status: i64,
    body: String,
    micros: u128,
}

/// Handles one request in a worker's state.
fn serve(worker: &mut Worker, id: usize, line: &str) -> (i64, String) {
    let result = worker
        .with_state(|state| state.call("handle", &[PlainValue::Str(line.as_bytes().to_vec())]));
    match result {
        Err(setup) => (500, format!("state setup failed: {setup}")),
        Ok(Ok(values)) => {
            let status = match values.first() {
                Some(PlainValue::Int(n)) => *n,
                _ => 500,
            };
            let body = values.get(1).map(|v| v.to_string()).unwrap_or_default();
            (status, body)
        }
        Ok(Err(SandboxError::InstructionLimit)) => (503, "stopped: instruction limit".into()),
        Ok(Err(SandboxError::Interrupted)) => (503, "stopped: interrupted".into()),
        Ok(Err(SandboxError::Memory(_))) => (503, "stopped: memory limit".into()),
        Ok(Err(e)) => (500, format!("worker {id}: {e}")),
    }
}

fn run_workers(
    config: &Config,
    queue: Arc<Mutex<VecDeque<Request>>>,
    more_coming: Arc<AtomicUsize>,
    results: mpsc::Sender<Outcome>,
) -> Vec<std::thread::JoinHandle<usize>> {
    (0..config.workers)
        .map(|id| {
            let queue = queue.clone();
            let more = more_coming.clone();
            let results = results.clone();
            let config = config.clone();
            std::thread::spawn(move || {
                // Each worker builds its state on its own thread.
                let mut worker = new_worker(id, &config);
                let mut served = 0;
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(req) = next else {
                        if more.load(Ordering::Acquire) == 0 {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    };
                    let start = Instant::now();
                    let (status, body) = serve(&mut worker, id, &req.line);
                    let micros = start.elapsed().as_micros();
                    if let Some(mut stream) = req.reply {
                        let reason = if status == 200 { "OK" } else { "Error" };
                        let text = format!(
                            "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}\n",
                            body.len() + 1
                        );
                        let _ = stream.write_all(text.as_bytes());
                    }
                    served += 1;
                    let _ = results.send(Outcome {
                        index: req.index,
                        worker: id,
                        line: req.line,
                        status,
                        body,
                        micros,
                    });
                }
                served
            })
        })
        .collect()
}

/// Reads the request line of an HTTP request: `GET /route/arg` -> "route arg".
fn read_http_request(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let path = first.split_whitespace().nth(1)?;
    let decoded = percent_decode(path.trim_start_matches('/'));
    Some(decoded.replacen('/', " ", 1))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends each request line as an HTTP GET and prints the answers.
fn self_test_client(addr: String, lines: Vec<String>) {
    for line in lines {
        let path: String = line
            .replacen(' ', "/", 1)
            .bytes()
            .map(|b| match b {
                b' ' => "+".to_string(),
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let Ok(mut stream) = TcpStream::connect(&addr) else {
            eprintln!("client: cannot connect to {addr}");
            return;
        };
        let _ = write!(stream, "GET /{path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer.lines().next().unwrap_or("").to_string();
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").trim_end();
        println!("client: GET /{path} -> {status} | {body}");
    }
}

fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("host: {e}");
            std::process::exit(2);
        }
    };
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    let more_coming = Arc::new(AtomicUsize::new(1));
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let workers = run_workers(&config, queue.clone(), more_coming.clone(), tx);

    let input_lines = |path: &Option<String>| -> Vec<String> {
        let text = match path.as_deref() {
            None | Some("-") => {
                let mut s = String::new();
                let _ = std::io::stdin().read_to_string(&mut s);
                s
            }
            Some(p) => std::fs::read_to_string(p).unwrap_or_else(|e| {
                eprintln!("host: cannot read {p}: {e}");
                std::process::exit(2);
            }),
        };
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };

    let total = if let Some(addr) = &config.http {
        let listener = TcpListener::bind(addr).unwrap_or_else(|e| {
            eprintln!("host: cannot listen on {addr}: {e}");
            std::process::exit(2);
        });
        let bound = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or(addr.clone());
        println!(
            "listening on http://{bound}/ for {} requests",
            config.max_requests
        );
        let client = config.self_test.then(|| {
            let lines: Vec<String> = input_lines(
                &config
                    .input
                    .clone()
                    .or(Some("examples/requests.txt".into())),
            )
            .into_iter()
            .cycle()
            .take(config.max_requests)
            .collect();
            let bound = bound.clone();
            std::thread::spawn(move || self_test_client(bound, lines))
        });
        let mut count = 0;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Some(line) = read_http_request(&stream) else {
                continue;
            };
            queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(Request {
                    index: count,
                    line,
                    reply: Some(stream),
                });
            count += 1;
            if count >= config.max_requests {
                break;
            }
        }
        more_coming.store(0, Ordering::Release);
        if let Some(c) = client {
            let _ = c.join();
        }
        count
    } else {
        let lines = input_lines(&config.input);
        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
        let mut index = 0;
        for _ in 0..config.repeat {
            for line in &lines {
                q.push_back(Request {
                    index,
                    line: line.clone(),
                    reply: None,
                });
                index += 1;
            }
        }
        drop(q);
        more_coming.store(0, Ordering::Release);
        index
    };

    let mut outcomes: Vec<Outcome> = rx.iter().take(total).collect();
    let served: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap_or(0)).collect();
    let elapsed = started.elapsed();
    outcomes.sort_by_key(|o| o.index);
    let mut by_status = std::collections::BTreeMap::new();
    for o in &outcomes {
        *by_status.entry(o.status).or_insert(0usize) += 1;
        if !config.quiet {
            println!(
                "#{:<4} worker {} {:>6}us {} {:<40} -> {}",
                o.index, o.worker, o.micros, o.status, o.line, o.body
            );
        }
    }
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    println!(
        "{} requests in {:.3}s on {} workers ({} state{}): {:.0} requests/s; by status {{{}}}; per worker {:?}",
        outcomes.len(),
        elapsed.as_secs_f64(),
        config.workers,
        if config.policy == StatePolicy::Cached { "cached" } else { "fresh" },
        if config.policy == StatePolicy::Cached { " per worker" } else { " per request" },
        outcomes.len() as f64 / elapsed.as_secs_f64(),
        statuses.join(", "),
        served
    );
}
