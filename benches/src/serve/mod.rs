//! The `serve` workload's figures: what each point measured, and the run the report reads.
//!
//! `cargo bench -p benches --bench serve` ([`bench`]) starts every server of the plan
//! ([`crate::plan::SERVERS`]) in a process of its own ([`crate::server`]), loads it with C
//! keep-alive connections from `latency::load`, and writes a [`Run`] to
//! `<target>/criterion/serve/results.json`; the report reads it back for its serve tables and
//! chart.

pub mod bench;

use std::path::{Path, PathBuf};
use std::time::Duration;

use latency::load;
use serde::{Deserialize, Serialize};

use crate::plan::{Server, Start, count};

/// How long a request may wait for its answer before it counts as a timeout (wrk's default).
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// What a line's requests ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Handler {
    /// `/data/<id>?delay_ms=D`: wait D ms, answer `Data <id>`.
    Wait(u64),
    /// `/cpu/<id>?work=W`: run the kernel job, answer its checksum.
    Cpu(u64),
}

impl Handler {
    /// The path template of its requests on `s`.
    pub(crate) fn path(self, s: &Server) -> String {
        let prefix = match s.start {
            Start::Uvicorn(prefix) => prefix,
            Start::Bin(..) => "",
        };
        match self {
            Handler::Wait(d) => format!("{prefix}/data/{}?delay_ms={d}", load::ID),
            Handler::Cpu(w) => format!("/cpu/{}?work={w}", load::ID),
        }
    }

    /// `D = 0`, `D = 100 ms`, `cpu W = 1`.
    pub fn label(self) -> String {
        match self {
            Handler::Wait(0) => "D = 0".to_string(),
            Handler::Wait(d) => format!("D = {d} ms"),
            Handler::Cpu(w) => format!("cpu W = {w}"),
        }
    }
}

/// One line at one C and handler: what the load generator and `/proc` said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The server's id in the plan.
    pub line: String,
    /// Connections.
    pub c: u64,
    /// What the requests asked for.
    pub handler: Handler,
    /// Answers per second.
    pub rps: f64,
    /// The most answers per second the handler allows: C / D, or the cores over a job's time.
    pub ideal: Option<f64>,
    /// Latency percentiles as wrk reports them (with its correction for coordinated omission).
    pub p50_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The slowest answer.
    pub max_ms: f64,
    /// Connects, reads and writes that failed, and answers that were not 2xx, as the load
    /// generator counts them.
    pub errors: Errors,
    /// Requests not answered within [`TIMEOUT`].
    pub timeouts: u64,
    /// Answers in all.
    pub requests: u64,
    /// CPU seconds the server used while loaded.
    pub cpu_s: f64,
    /// The server's peak resident bytes (`VmHWM`, summed over its processes).
    pub peak_rss: u64,
    /// The server's own last line (the models say what they served).
    pub served: String,
}

/// A point's errors by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Errors {
    /// Connects that failed or timed out.
    pub connect: u64,
    /// Reads that failed: reset, closed before the whole answer, or a malformed answer.
    pub read: u64,
    /// Writes that failed.
    pub write: u64,
    /// Answers that were not 2xx.
    pub non_2xx: u64,
    /// Connections the kernel dropped meanwhile because a listen queue was full
    /// (`ListenOverflows`, for the whole machine): why connects fail at 10,000.
    pub overflows: u64,
}

impl Errors {
    /// All of them.
    pub fn all(&self) -> u64 {
        self.connect + self.read + self.write + self.non_2xx
    }

    /// `0`, `85 (connect 85, 2,049 listen overflows)`: overflows the client never saw (its
    /// connect retried in time) are named beside a zero.
    pub fn describe(&self) -> String {
        let kinds = [
            ("connect", self.connect),
            ("read", self.read),
            ("write", self.write),
            ("non-2xx", self.non_2xx),
        ];
        let mut some: Vec<String> = kinds
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if self.overflows > 0 {
            some.push(format!("{} listen overflows", count(self.overflows)));
        }
        match some.is_empty() {
            true => "0".to_string(),
            false => format!("{} ({})", count(self.all()), some.join(", ")),
        }
    }
}

impl Point {
    /// Server CPU seconds per 10,000 answers, where the server used enough to read (the kernel
    /// counts CPU time in ticks of 10 ms: ten of them at least).
    pub fn cpu_per_10k(&self) -> Option<f64> {
        (self.requests > 0 && self.cpu_s >= 0.1).then(|| self.cpu_s * 1e4 / self.requests as f64)
    }

    /// Measured over ideal: 1.0 is as many answers as the handler allows.
    pub fn efficiency(&self) -> Option<f64> {
        self.ideal.map(|i| self.rps / i)
    }
}

/// A run of the workload: every point, what was not run and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Every line at every C and handler it ran at.
    pub points: Vec<Point>,
    /// What was not run, one line each.
    pub skipped: Vec<String>,
    /// How long each point was loaded, in seconds.
    pub seconds: f64,
}

impl Run {
    /// Where the bench writes it and the report reads it.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("serve").join("results.json")
    }

    /// The last run under `dir`, if there is one.
    pub fn read(dir: &Path) -> Option<Run> {
        serde_json::from_str(&std::fs::read_to_string(Run::path(dir)).ok()?).ok()
    }

    /// The point of line `id` at C for `handler`, if it ran.
    pub fn at(&self, id: &str, c: u64, handler: Handler) -> Option<&Point> {
        self.points
            .iter()
            .find(|p| p.line == id && p.c == c && p.handler == handler)
    }
}
