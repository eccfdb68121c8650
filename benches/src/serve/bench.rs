//! The `serve` workload, run: every server of the plan ([`plan::SERVERS`]) in a process of its own,
//! under C keep-alive connections from `latency::load`, the load generator built like wrk.
//!
//! Throughput over a duration is the measure here, as wrk reports it, not the time of an
//! iteration: criterion is not used. Each line at each C and handler is one fresh server: started
//! from its binary (built here, in this bench's profile), checked (a `/data` and a `/cpu` answer
//! against the kernel's own result), loaded for a few seconds, read from `/proc` (CPU time,
//! `VmHWM`), stopped with SIGTERM. The load generator is a process of its own too (its binary,
//! `--json`, one thread per core, fresh for every point as a run of wrk is; see [`load`]); it was
//! checked against wrk on the same servers. The figures go to
//! `<target>/criterion/serve/results.json`, which the report reads.
//!
//! Handlers: `/data` at D = 0 (the server's own cost: requests/s, CPU per request) and at
//! D = 100 ms (the ideal is C / D requests/s), and `/cpu` at W = 1 with 100 connections (the ideal
//! is the cores over one job's time). `--quick` loads each point for less time; `--test` starts
//! every server once, at C = 10, and checks that it answers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use latency::load;
use serde::Deserialize;
use taskset::{http, kernel};

use super::{Errors, Handler, Point, Run, TIMEOUT};
use crate::plan::{self, Kind, SERVE_CPU_AT, SERVE_DELAYS, SERVE_WORK, SERVERS, Server, Start};
use crate::proc::{self, CpuTimes};
use crate::provenance::{self, Provenance};
use crate::server;

/// The anchor's binary: one of the benches' own, which cargo builds for this run.
const HYPER: &str = "hyper-anchor";

/// The load generator's binary (the latency crate's).
const LOAD: &str = "load";

/// How the bench was asked to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Full,
    Quick,
    Test,
}

impl Mode {
    /// The load of each point.
    fn seconds(self) -> Duration {
        match self {
            Mode::Full => Duration::from_secs(3),
            Mode::Quick => Duration::from_secs(1),
            Mode::Test => Duration::from_millis(250),
        }
    }
}

/// Runs the workload: `benches/benches/serve.rs`.
pub fn main() {
    let start = CpuTimes::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // As criterion does: without cargo bench's `--bench` (under cargo test), only test.
    let mode = match (has("--test") || !has("--bench"), has("--quick")) {
        (true, _) => Mode::Test,
        (_, true) => Mode::Quick,
        _ => Mode::Full,
    };
    // As criterion takes it: the first argument that is not a flag keeps the lines it is part of.
    let filter = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str)
        .unwrap_or("");
    if has("--list") {
        SERVERS
            .iter()
            .for_each(|s| println!("serve/{}: benchmark", s.id));
        return;
    }
    taskset::sys::raise_nofile();
    let bins = binaries().unwrap_or_else(|e| fail(&e));
    let python = fastapi_python();
    println!(
        "== serve: every server in its own process, C keep-alive connections from latency::load"
    );
    let mut run = Run {
        seconds: mode.seconds().as_secs_f64(),
        ..Run::default()
    };
    let job = job_seconds(SERVE_WORK);
    for s in SERVERS.iter().filter(|s| s.id.contains(filter)) {
        let py = match (&s.start, &python) {
            (Start::Uvicorn(_), Err(why)) => {
                run.skip(format!("{}: {why}", s.id));
                continue;
            }
            (_, py) => py.as_deref().ok(),
        };
        if let Some(why) = not_at(s) {
            run.skip(why);
        }
        for (c, handler) in points(s, mode) {
            let ideal = match handler {
                Handler::Wait(0) => None,
                Handler::Wait(d) => Some(c as f64 * 1e3 / d as f64),
                Handler::Cpu(_) => Some(plan::cores() as f64 / job),
            };
            let command = command(s, &bins, py);
            let point = measure(s, command, &bins, c, handler, ideal, mode.seconds());
            let point = point.unwrap_or_else(|e| {
                fail(&format!("{} at C = {c}, {}: {e}", s.id, handler.label()))
            });
            println!("{}", summary(&point));
            run.points.push(point);
        }
    }
    if mode != Mode::Test {
        let path = Run::path(&provenance::results_dir());
        let written = std::fs::create_dir_all(path.parent().expect("a folder")).and_then(|()| {
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&run).expect("plain data"),
            )
        });
        written.unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
        Provenance::now("serve", start).write();
        println!("written to {}", path.display());
    }
}

impl Run {
    /// Says at once why something is not run, and keeps the line for the report.
    fn skip(&mut self, why: String) {
        println!("skipped: serve/{why}");
        self.skipped.push(why);
    }
}

/// A broken bench stops with one line, as a failed check stops criterion.
fn fail(why: &str) -> ! {
    eprintln!("serve: {why}");
    std::process::exit(1)
}

/// The (C, handler) points of `s`: every C at each D, and the CPU handler at its C (not for
/// FastAPI: CPython's kernel takes about 0.3 s a unit, the cpu table's seed row says so already).
fn points(s: &Server, mode: Mode) -> Vec<(u64, Handler)> {
    let conns = if mode == Mode::Test {
        &s.conns[..1]
    } else {
        s.conns
    };
    let mut all: Vec<(u64, Handler)> = Vec::new();
    for &c in conns {
        let delays = if mode == Mode::Test {
            &SERVE_DELAYS[..1]
        } else {
            &SERVE_DELAYS[..]
        };
        all.extend(delays.iter().map(|&d| (c, Handler::Wait(d))));
        if c == SERVE_CPU_AT && matches!(s.start, Start::Bin(..)) {
            all.push((c, Handler::Cpu(SERVE_WORK)));
        }
    }
    all
}

/// Why `s` is not run at the larger connection counts, if it is not.
fn not_at(s: &Server) -> Option<String> {
    let largest = *s.conns.last()?;
    let missing: Vec<String> = [1_000, 10_000]
        .iter()
        .filter(|c| **c > largest)
        .map(|c| plan::count(*c))
        .collect();
    let at_once = match s.kind {
        Kind::Base | Kind::Seq if s.id.ends_with("P)") => "P = the cores",
        Kind::Base | Kind::Seq => "one",
        Kind::Stall => "one request (time.sleep blocks the event loop)",
        _ => return None,
    };
    (!missing.is_empty()).then(|| {
        format!(
            "{} not run at C = {}: it serves {at_once} at a time, and the other connections wait \
             and time out ({} s), as C = {} shows; more would only wait and time out in greater numbers",
            s.id,
            missing.join(", "),
            TIMEOUT.as_secs(),
            largest
        )
    })
}

/// One fresh server of line `s`, checked, loaded with C connections for `t`, read and stopped.
fn measure(
    s: &Server,
    command: Command,
    bins: &Path,
    c: u64,
    h: Handler,
    ideal: Option<f64>,
    t: Duration,
) -> Result<Point, String> {
    let server = server::Server::start(command)?;
    check(server.addr, s, h)?;
    let url = format!("http://{}{}", server.addr, h.path(s));
    let (cpu, overflows) = (server.cpu_seconds(), proc::tcp_ext("ListenOverflows"));
    let load = load(bins, &url, c, t)?;
    let overflows = proc::tcp_ext("ListenOverflows").saturating_sub(overflows);
    let cpu_s = server.cpu_seconds() - cpu;
    let peak_rss = server.peak_rss();
    // A server that does not stop when told is killed; its figures still stand, and it says so.
    let served = server.stop().unwrap_or_else(|e| {
        println!("warning: serve/{}: {e}: killed", s.id);
        format!("NOT STOPPED: {e}")
    });
    let e = &load.errors;
    Ok(Point {
        line: s.id.to_string(),
        c,
        handler: h,
        rps: load.requests_per_sec,
        ideal,
        p50_ms: load.latency.p50_ms,
        p99_ms: load.latency.p99_ms,
        max_ms: load.latency.max_ms,
        errors: Errors {
            connect: e.connect,
            read: e.read,
            write: e.write,
            non_2xx: load.non_2xx,
            overflows,
        },
        timeouts: e.timeout,
        requests: load.requests,
        cpu_s,
        peak_rss,
        served,
    })
}

/// What the load generator's `--json` line says, as far as a point needs it.
#[derive(Deserialize)]
struct Loaded {
    requests: u64,
    requests_per_sec: f64,
    non_2xx: u64,
    errors: LoadErrors,
    latency: Latency,
}

/// Its failures by kind.
#[derive(Deserialize)]
struct LoadErrors {
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
}

/// Its latency as wrk reports it.
#[derive(Deserialize)]
struct Latency {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// C connections to `url` for `t` from the load generator's binary: a fresh process for every
/// point, as a run of wrk is. (In this process, with a heap already warm from earlier points, it
/// opened 10,000 connections fast enough to overflow listen queues that a fresh `load` or wrk
/// never did: the connect storm, not the server, would have set the errors.)
fn load(bins: &Path, url: &str, c: u64, t: Duration) -> Result<Loaded, String> {
    let (conns, threads) = (c.to_string(), plan::cores().min(c).to_string());
    let (run, timeout) = (
        format!("{}ms", t.as_millis()),
        format!("{}ms", TIMEOUT.as_millis()),
    );
    let mut command = Command::new(bins.join(LOAD));
    command.args([
        url,
        "-c",
        &conns,
        "-t",
        &threads,
        "-d",
        &run,
        "--timeout",
        &timeout,
        "--json",
    ]);
    let out = command
        .output()
        .map_err(|e| format!("cannot run {LOAD}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{LOAD}: {}",
            err.lines().next().unwrap_or("failed")
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{LOAD}'s line: {e}"))
}

/// One line of output for a point.
fn summary(p: &Point) -> String {
    let eff = p
        .efficiency()
        .map_or(String::new(), |e| format!(" (eff {e:.2})"));
    let cpu = p
        .cpu_per_10k()
        .map_or("—".to_string(), |s| format!("{s:.2} s"));
    format!(
        "serve/{} C={} {}: {:.0} req/s{eff} · p50 {:.1} ms, p99 {:.1} ms, max {:.0} ms · errors {}, \
         timeouts {} · CPU {cpu} per 10k · peak RSS {:.1} MiB",
        p.line,
        p.c,
        p.handler.label(),
        p.rps,
        p.p50_ms,
        p.p99_ms,
        p.max_ms,
        p.errors.describe(),
        p.timeouts,
        p.peak_rss as f64 / (1 << 20) as f64
    )
}

/// Asks `addr` once for the handler's answer and checks it against the kernel's own: a server
/// that answers wrongly is not measured.
fn check(addr: SocketAddr, s: &Server, h: Handler) -> Result<(), String> {
    let (path, want) = match h {
        Handler::Wait(_) => (Handler::Wait(0).path(s), http::data_body(7)),
        Handler::Cpu(w) => (h.path(s), http::cpu_body(kernel::job(7, w))),
    };
    let got = get(addr, &path.replace(load::ID, "7")).map_err(|e| format!("GET {path}: {e}"))?;
    match got.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") && body == want => Ok(()),
        _ => Err(format!("GET {path} answered {got:?}, not 200 {want:?}")),
    }
}

/// One `GET` on a connection of its own, read to the end.
fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)?;
    Ok(answer)
}

/// The seconds one kernel job of W units takes here, the best of five: the CPU handler's ideal.
fn job_seconds(w: u64) -> f64 {
    let once = |id| {
        let start = Instant::now();
        std::hint::black_box(kernel::job(id, w));
        start.elapsed().as_secs_f64()
    };
    (1..=5).map(once).fold(f64::MAX, f64::min)
}

/// How to start line `s`: its binary in `bins` with its arguments, or uvicorn under `python`.
pub fn command(s: &Server, bins: &Path, python: Option<&Path>) -> Command {
    match s.start {
        Start::Bin(bin, args) => {
            let mut command = Command::new(bins.join(bin));
            let cores = plan::cores().to_string();
            command.args(args.iter().map(|a| a.replace("{P}", &cores)));
            command.args(["--port", "0", "--delay-ms", "0"]);
            command
        }
        Start::Uvicorn(_) => {
            let mut command = Command::new(python.expect("checked by the caller"));
            let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
            let backlog = taskset::serve::backlog().to_string();
            command.args([
                "-m",
                "uvicorn",
                "fastapi_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ]);
            command.arg("--app-dir").arg(app);
            // No access log (it would cost more than the handler), the models' backlog, and
            // idle connections kept as long as the models keep them.
            command.args([
                "--no-access-log",
                "--backlog",
                &backlog,
                "--timeout-keep-alive",
                "30",
            ]);
            command
        }
    }
}

/// The folder of the workspace's binaries, built first in this bench's profile when cargo runs it
/// (`cargo bench` builds the benches' own, not the model crates'); a binary that is not there
/// says how to build it.
pub fn binaries() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no folder")?;
    let dir = if dir.ends_with("deps") {
        dir.parent().ok_or("no folder")?
    } else {
        dir
    };
    let release = dir.ends_with("release");
    if let Some(cargo) = std::env::var_os("CARGO") {
        // The model crates' binaries only: the benches' own (hyper-anchor, footprint) are cargo's
        // to build for this run, and building them again could replace one while it runs.
        let mut build = Command::new(cargo);
        build.args(["build", "--bins", "--quiet"]);
        build.args(["-p", "latency"]);
        for s in SERVERS {
            if let Start::Bin(bin, _) = s.start
                && bin != HYPER
            {
                build.args(["-p", bin]);
            }
        }
        if release {
            build.arg("--release");
        }
        build.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let built = build
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        if !built.success() {
            return Err(format!(
                "cargo build of the model crates' binaries failed ({built})"
            ));
        }
    }
    let bins = SERVERS.iter().filter_map(|s| match s.start {
        Start::Bin(bin, _) => Some(bin),
        Start::Uvicorn(_) => None,
    });
    if let Some(missing) = bins.chain([LOAD]).find(|bin| !dir.join(bin).is_file()) {
        let dir = dir.display();
        return Err(format!(
            "no {missing} binary in {dir}: cargo build --release --workspace first"
        ));
    }
    Ok(dir.to_path_buf())
}

/// The Python that imports FastAPI and uvicorn (`$BENCH_PYTHON`, else `python3`), or why there is
/// none and how to make one.
pub fn fastapi_python() -> Result<PathBuf, String> {
    let py =
        std::env::var_os("BENCH_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let imports = Command::new(&py)
        .args(["-c", "import fastapi, uvicorn"])
        .output();
    match imports {
        Ok(out) if out.status.success() => Ok(py),
        _ => Err(format!(
            "{} cannot import fastapi and uvicorn: `python3 -m venv VENV && VENV/bin/pip install \
             fastapi uvicorn uvloop httptools`, then `BENCH_PYTHON=VENV/bin/python cargo bench -p \
             benches --bench serve`",
            py.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_c_at_each_d_and_the_cpu_handler_once_and_a_sequential_line_says_why_not_more() {
        let tokio = SERVERS
            .iter()
            .find(|s| s.id == "async-concurrent (tokio)")
            .unwrap();
        let all = points(tokio, Mode::Full);
        assert_eq!(all.len(), 4 * 2 + 1);
        assert!(all.contains(&(SERVE_CPU_AT, Handler::Cpu(SERVE_WORK))));
        assert_eq!(points(tokio, Mode::Test), vec![(10, Handler::Wait(0))]);
        assert!(not_at(tokio).is_none());
        let sync = SERVERS.iter().find(|s| s.id == "sync-basic").unwrap();
        let why = not_at(sync).unwrap();
        assert!(
            why.contains("C = 1,000, 10,000") && why.contains("serves one at a time"),
            "{why}"
        );
        let fastapi = SERVERS
            .iter()
            .find(|s| matches!(s.start, Start::Uvicorn(_)))
            .unwrap();
        assert!(
            !points(fastapi, Mode::Full)
                .iter()
                .any(|(_, h)| matches!(h, Handler::Cpu(_)))
        );
    }

    #[test]
    fn errors_name_their_kinds_and_the_overflows_beside_a_zero() {
        let e = Errors {
            connect: 85,
            overflows: 2049,
            ..Errors::default()
        };
        assert_eq!(e.describe(), "85 (connect 85, 2,049 listen overflows)");
        assert_eq!(
            Errors {
                overflows: 3,
                ..Errors::default()
            }
            .describe(),
            "0 (3 listen overflows)"
        );
        assert_eq!(Errors::default().describe(), "0");
    }
}
