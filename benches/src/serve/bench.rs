//! The `serve` workload, run: every server of the plan ([`plan::SERVERS`]) in a process of its own,
//! under C keep-alive connections from `latency::load`, the load generator built like wrk.
//!
//! Throughput over a duration is the measure here, as wrk reports it, not the time of an
//! iteration: criterion is not used. Each line at each C and handler is one fresh server: started
//! from its binary (built here, in this bench's profile), checked (its answer against the kernel's
//! own), loaded for a few seconds by a fresh load generator (its binary, `--json`, one thread per
//! core, checked against wrk on the same servers; see [`load`]), read from `/proc` (CPU time,
//! `VmHWM`), stopped with SIGTERM. Handlers: `/data` at D = 0 (the server's own cost) and at
//! D = 100 ms (ideal: C / D requests/s), `/cpu` at W = 1 with 100 connections (ideal: the cores
//! over one job's time). `--quick` loads each point for less time; `--test` starts every server
//! once, at C = 10, and checks that it answers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use latency::load;
use taskset::net::HttpClient;
use taskset::{http, kernel, out};

use super::{Errors, Handler, Point, Run, TIMEOUT};
use crate::plan::{self, Kind, SERVE_CPU_AT, SERVE_DELAYS, SERVE_WORK, SERVERS, Server, Start};
use crate::proc::{self, CpuTimes};
use crate::provenance::{self, Provenance};
use crate::server;

/// The anchor's binary: one of the benches' own, which cargo builds for this run.
const HYPER: &str = "hyper-anchor";

/// The load generator's binary (the latency crate's).
const LOAD: &str = "load";

/// Runs the workload: `benches/benches/serve.rs`.
pub fn main() {
    let start = CpuTimes::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // As criterion does: without cargo bench's `--bench` (under cargo test), only test.
    let test = has("--test") || !has("--bench");
    let t = match (test, has("--quick")) {
        (true, _) => Duration::from_millis(250),
        (_, true) => Duration::from_secs(1),
        _ => Duration::from_secs(3),
    };
    // As criterion takes it: the first argument that is not a flag keeps the lines it is part of.
    let filter = args.iter().find(|a| !a.starts_with('-')).map_or("", |a| a);
    if has("--list") {
        for s in SERVERS {
            out::line(&format!("serve/{}: benchmark", s.id));
        }
        return;
    }
    taskset::sys::raise_nofile();
    let bins = binaries().unwrap_or_else(|e| fail(&e));
    let python = fastapi_python();
    let py = python.as_deref().ok();
    out::line(
        "== serve: every server in its own process, C keep-alive connections from latency::load",
    );
    let mut run = Run {
        seconds: t.as_secs_f64(),
        ..Run::default()
    };
    let job = job_seconds(SERVE_WORK);
    for s in SERVERS.iter().filter(|s| s.id.contains(filter)) {
        if let (Start::Uvicorn(_), Err(why)) = (s.start, &python) {
            run.skip(format!("{}: {why}", s.id));
            continue;
        }
        if let Some(why) = not_at(s) {
            run.skip(why);
        }
        for (c, h) in points(s, test) {
            let ideal = match h {
                Handler::Wait(0) => None,
                Handler::Wait(d) => Some(c as f64 * 1e3 / d as f64),
                Handler::Cpu(_) => Some(plan::cores() as f64 / job),
            };
            let point = measure(s, command(s, &bins, py), &bins, c, h, ideal, t)
                .unwrap_or_else(|e| fail(&format!("{} at C = {c}, {}: {e}", s.id, h.label())));
            out::line(&summary(&point));
            run.points.push(point);
        }
    }
    if !test {
        let path = Run::path(&provenance::results_dir());
        let json = serde_json::to_string_pretty(&run).expect("plain data");
        std::fs::create_dir_all(path.parent().expect("a folder"))
            .and_then(|()| std::fs::write(&path, json))
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
        Provenance::now("serve", start).write();
        out::line(&format!("written to {}", path.display()));
    }
}

impl Run {
    /// Says at once why something is not run, and keeps the line for the report.
    fn skip(&mut self, why: String) {
        out::line(&format!("skipped: serve/{why}"));
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
/// A test takes the first C and D only.
fn points(s: &Server, test: bool) -> Vec<(u64, Handler)> {
    let n = if test { 1 } else { usize::MAX };
    let cpu = |c| c == SERVE_CPU_AT && matches!(s.start, Start::Bin(..));
    let at_c = |&c: &u64| {
        let waits = SERVE_DELAYS
            .iter()
            .take(n)
            .map(move |&d| (c, Handler::Wait(d)));
        waits.chain(cpu(c).then_some((c, Handler::Cpu(SERVE_WORK))))
    };
    s.conns.iter().take(n).flat_map(at_c).collect()
}

/// Why `s` is not run at the larger connection counts, if it is not.
fn not_at(s: &Server) -> Option<String> {
    let largest = *s.conns.last()?;
    let missing: Vec<String> = [1_000, 10_000]
        .into_iter()
        .filter(|&c| c > largest)
        .map(plan::count)
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
    let (cpu_s, peak_rss) = (server.cpu_seconds() - cpu, server.peak_rss());
    // A server that does not stop when told is killed; its figures still stand, and it says so.
    let served = server.stop().unwrap_or_else(|e| {
        out::line(&format!("warning: serve/{}: {e}: killed", s.id));
        format!("NOT STOPPED: {e}")
    });
    let (e, latency) = (load.errors, load.latency);
    Ok(Point {
        line: s.id.to_string(),
        c,
        handler: h,
        rps: load.requests_per_sec,
        ideal,
        p50_ms: latency.p50_ms,
        p99_ms: latency.p99_ms,
        max_ms: latency.max_ms,
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

/// C connections to `url` for `t` from the load generator's binary: a fresh process for every
/// point, as a run of wrk is. (In this process, with a heap already warm from earlier points, it
/// opened 10,000 connections fast enough to overflow listen queues that a fresh `load` or wrk
/// never did: the connect storm, not the server, would have set the errors.)
fn load(bins: &Path, url: &str, c: u64, t: Duration) -> Result<latency::load::Report, String> {
    let ms = |d: Duration| format!("{}ms", d.as_millis());
    let threads = plan::cores().min(c).to_string();
    let out = Command::new(bins.join(LOAD))
        .args([url, "-c", &c.to_string(), "-t", &threads, "-d", &ms(t)])
        .args(["--timeout", &ms(TIMEOUT), "--json"])
        .output()
        .map_err(|e| format!("cannot run {LOAD}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("failed");
        return Err(format!("{LOAD}: {first}"));
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

/// Asks `addr` once for the handler's answer (taskset's own HTTP client) and checks it against the
/// kernel's own: a server that answers wrongly is not measured.
fn check(addr: SocketAddr, s: &Server, h: Handler) -> Result<(), String> {
    let (path, want) = match h {
        Handler::Wait(_) => (Handler::Wait(0).path(s), http::data_body(7)),
        Handler::Cpu(w) => (h.path(s), http::cpu_body(kernel::job(7, w))),
    };
    let got = HttpClient::connect(addr, Duration::from_secs(10))
        .and_then(|mut conn| conn.get(&path.replace(load::ID, "7")))
        .map_err(|e| format!("GET {path}: {e}"))?;
    match got {
        (200, body) if body == want => Ok(()),
        (status, body) => Err(format!(
            "GET {path} answered {status} {body:?}, not 200 {want:?}"
        )),
    }
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
            command
                .args(["-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1"])
                .args(["--port", "0", "--app-dir"])
                .arg(app)
                // No access log (it would cost more than the handler), the models' backlog, and
                // idle connections kept as long as the models keep them.
                .args(["--no-access-log", "--backlog", &backlog])
                .args(["--timeout-keep-alive", "30"]);
            command
        }
    }
}

/// The folder of the workspace's binaries, built first in this bench's profile when cargo runs it
/// (`cargo bench` builds the benches' own, not the model crates'); a binary that is not there
/// says how to build it.
pub fn binaries() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut dir = exe.parent().ok_or("no folder")?;
    if dir.ends_with("deps") {
        dir = dir.parent().ok_or("no folder")?;
    }
    let bins = SERVERS.iter().filter_map(|s| match s.start {
        Start::Bin(bin, _) => Some(bin),
        Start::Uvicorn(_) => None,
    });
    if let Some(cargo) = std::env::var_os("CARGO") {
        // The model crates' binaries only: the benches' own (hyper-anchor, footprint) are cargo's
        // to build for this run, and building them again could replace one while it runs.
        let models = bins.clone().filter(|&bin| bin != HYPER);
        let built = Command::new(cargo)
            .args(["build", "--bins", "--quiet", "-p", "latency"])
            .args(models.flat_map(|bin| ["-p", bin]))
            .args(dir.ends_with("release").then_some("--release"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .status()
            .map_err(|e| format!("cannot run cargo build: {e}"))?;
        if !built.success() {
            return Err(format!(
                "cargo build of the model crates' binaries failed ({built})"
            ));
        }
    }
    match bins.chain([LOAD]).find(|bin| !dir.join(bin).is_file()) {
        Some(missing) => Err(format!(
            "no {missing} binary in {}: cargo build --release --workspace first",
            dir.display()
        )),
        None => Ok(dir.to_path_buf()),
    }
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
        let line = |id: &str| SERVERS.iter().find(|s| s.id.starts_with(id)).unwrap();
        let tokio = line("async-concurrent (tokio)");
        let all = points(tokio, false);
        assert_eq!(all.len(), 4 * 2 + 1);
        assert!(all.contains(&(SERVE_CPU_AT, Handler::Cpu(SERVE_WORK))));
        assert_eq!(points(tokio, true), vec![(10, Handler::Wait(0))]);
        assert!(not_at(tokio).is_none());
        let why = not_at(line("sync-basic")).unwrap();
        assert!(
            why.contains("C = 1,000, 10,000") && why.contains("serves one at a time"),
            "{why}"
        );
        let fastapi = line("FastAPI");
        assert!(
            !points(fastapi, false)
                .iter()
                .any(|(_, h)| matches!(h, Handler::Cpu(_)))
        );
    }

    #[test]
    fn errors_name_their_kinds_and_the_overflows_beside_a_zero() {
        let e = |connect, overflows| Errors {
            connect,
            overflows,
            ..Errors::default()
        };
        assert_eq!(
            e(85, 2049).describe(),
            "85 (connect 85, 2,049 listen overflows)"
        );
        assert_eq!(e(0, 3).describe(), "0 (3 listen overflows)");
        assert_eq!(Errors::default().describe(), "0");
    }
}
