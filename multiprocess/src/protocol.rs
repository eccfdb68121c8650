//! The line protocol between the parent and its worker processes.
//!
//! A worker is this crate's own executable started again with `MULTIPROCESS_WORKER=<parent pid>` (see
//! [`crate::worker`]). It reads jobs from its stdin and writes what happens on its stdout, one
//! line each, in plain UTF-8 text, so that `MULTIPROCESS_WORKER=1 cargo run -p multiprocess`
//! can be driven by hand:
//!
//! ```text
//! parent → child (stdin), one job per line     child → parent (stdout), per job
//! task <name> <delay>        the seed's task     started <name>        an event of the task,
//! fetch <id> <delay>         fetch_data(id)      finished <name>       recorded by the parent
//! risky <delay>              risky_task          fetching <id>         as `pid <pid>` did it
//! flaky <id> <delay>         errors' task id     fetched <id>
//! block <name> <delay>       blocking_task       blocked <name>
//! slow <name> <work>         timeout's task      result [<text>]       the job returned (last line)
//! request <id> <delay> [<addr>]  one io request  error <text>          the job failed (last line)
//! cpu <id> <units>           one kernel job
//! ```
//!
//! Durations are written in milliseconds with a unit, `2000ms` or `66.667ms`. Every job ends with
//! exactly one `result` or `error` line; its value is the rest of the line (`result Data 1`,
//! `result 100.2ms` for a request's latency, `result 1234567` for a checksum). Events name their
//! task, and the parent checks that they name the task it sent.
//!
//! A worker runs its jobs one after another and exits with status 0 when its stdin closes. Anything
//! else is a fault the parent reports with the task it was running: a line that does not parse
//! (garbage), a non-zero exit status (a panic exits with 101, and its message is the last line on
//! the child's stderr), a signal (`SIGKILL` from outside), or silence past the job's deadline
//! (a hang: the parent kills the child).

use std::fmt::{self, Write as _};
use std::net::SocketAddr;
use std::time::Duration;

use taskset::{EventKind, TaskError, net};

/// A job the parent sends to a worker: one line on the worker's stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// `task(name)`: start, wait D, finish.
    Task {
        /// The task's name: `A`.
        name: String,
        /// D.
        delay: Duration,
    },
    /// `fetch_data(id)`: announce, wait, return `Data id`.
    Fetch {
        /// The id to fetch.
        id: u64,
        /// How long the fetch waits.
        delay: Duration,
    },
    /// `risky_task`: wait D/2, then fail.
    Risky {
        /// D.
        delay: Duration,
    },
    /// Task `id` of `errors`: fail, panic or return its data, by its fate.
    Flaky {
        /// The task's id.
        id: u64,
        /// D.
        delay: Duration,
    },
    /// `blocking_task(name)`: the gather task with a blocking sleep.
    Block {
        /// The task's name.
        name: String,
        /// D.
        delay: Duration,
    },
    /// The timeout scenario's task: works for `work` (the parent decides when to stop it).
    Slow {
        /// The task's name.
        name: String,
        /// How long it works: D, or 3·D for the late task.
        work: Duration,
    },
    /// One io request: a timer, or a TCP request to the latency server at `server`.
    Request {
        /// The request's id.
        id: u64,
        /// D.
        delay: Duration,
        /// The latency server of `io --net`.
        server: Option<SocketAddr>,
    },
    /// One job of the CPU kernel.
    Cpu {
        /// The job's id.
        id: u64,
        /// Units of work (W).
        units: u64,
    },
}

impl Job {
    /// The task this job belongs to, as events and failures name it: `A`, `3`, `risky`.
    pub fn task(&self) -> String {
        match self {
            Job::Task { name, .. } | Job::Block { name, .. } | Job::Slow { name, .. } => {
                name.clone()
            }
            Job::Fetch { id, .. }
            | Job::Flaky { id, .. }
            | Job::Request { id, .. }
            | Job::Cpu { id, .. } => id.to_string(),
            Job::Risky { .. } => "risky".to_string(),
        }
    }

    /// The id of an `io` request or a `cpu` job: the parent marks those on the timeline (only
    /// when one was asked for), since they print no events of their own.
    pub fn job_id(&self) -> Option<u64> {
        match self {
            Job::Request { id, .. } | Job::Cpu { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whether the job may simply be run again if its worker dies: a kernel job is pure, so it
    /// gives the same checksum; a request or a task is not run twice behind the user's back.
    pub fn is_pure(&self) -> bool {
        matches!(self, Job::Cpu { .. })
    }

    /// How long the job should take on an idle machine; its deadline is set from this.
    pub fn expected(&self) -> Duration {
        match self {
            Job::Task { delay, .. } | Job::Fetch { delay, .. } | Job::Block { delay, .. } => *delay,
            Job::Request { delay, server, .. } => match server {
                // A request may wait for its answer that long before it gives up by itself.
                Some(_) => *delay + net::PATIENCE,
                None => *delay,
            },
            Job::Risky { delay } | Job::Flaky { delay, .. } => *delay,
            Job::Slow { work, .. } => *work,
            // One unit is about a millisecond on an idle core; a shared machine may be slower.
            Job::Cpu { units, .. } => Duration::from_millis(units.saturating_mul(10)),
        }
    }

    /// The job as its protocol line, without the newline.
    pub fn line(&self) -> String {
        match self {
            Job::Task { name, delay } => format!("task {name} {}", ms(*delay)),
            Job::Fetch { id, delay } => format!("fetch {id} {}", ms(*delay)),
            Job::Risky { delay } => format!("risky {}", ms(*delay)),
            Job::Flaky { id, delay } => format!("flaky {id} {}", ms(*delay)),
            Job::Block { name, delay } => format!("block {name} {}", ms(*delay)),
            Job::Slow { name, work } => format!("slow {name} {}", ms(*work)),
            Job::Request { id, delay, server } => {
                let mut line = format!("request {id} {}", ms(*delay));
                if let Some(addr) = server {
                    let _ = write!(line, " {addr}");
                }
                line
            }
            Job::Cpu { id, units } => format!("cpu {id} {units}"),
        }
    }

    /// Parses a job line, or says what is wrong with it.
    pub fn parse(line: &str) -> Result<Job, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("not a job line: {line:?}");
        let id = |i: usize| {
            words
                .get(i)
                .and_then(|w| w.parse::<u64>().ok())
                .ok_or_else(bad)
        };
        let name = |i: usize| words.get(i).map(|w| w.to_string()).ok_or_else(bad);
        let dur = |i: usize| words.get(i).and_then(|w| parse_ms(w)).ok_or_else(bad);
        let job = match words.first().copied() {
            Some("task") => Job::Task {
                name: name(1)?,
                delay: dur(2)?,
            },
            Some("fetch") => Job::Fetch {
                id: id(1)?,
                delay: dur(2)?,
            },
            Some("risky") => Job::Risky { delay: dur(1)? },
            Some("flaky") => Job::Flaky {
                id: id(1)?,
                delay: dur(2)?,
            },
            Some("block") => Job::Block {
                name: name(1)?,
                delay: dur(2)?,
            },
            Some("slow") => Job::Slow {
                name: name(1)?,
                work: dur(2)?,
            },
            Some("request") => {
                let server = match words.get(3) {
                    Some(addr) => Some(addr.parse().map_err(|_| bad())?),
                    None => None,
                };
                Job::Request {
                    id: id(1)?,
                    delay: dur(2)?,
                    server,
                }
            }
            Some("cpu") => Job::Cpu {
                id: id(1)?,
                units: id(2)?,
            },
            _ => return Err(bad()),
        };
        Ok(job)
    }
}

/// A line a worker writes to the parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// An event of the task it is running: `started A`.
    Event {
        /// What happened.
        kind: EventKind,
        /// The task it happened to.
        task: String,
    },
    /// The job returned this value: `result Data 1` (the value may be empty).
    Result(String),
    /// The job failed with this error: `error Something went wrong`.
    Error(String),
}

impl From<Result<String, TaskError>> for Report {
    /// How a job ended, as its last line: `result <value>` or `error <text>`.
    fn from(ended: Result<String, TaskError>) -> Report {
        match ended {
            Ok(value) => Report::Result(value),
            Err(error) => Report::Error(error.0),
        }
    }
}

/// The event words of the protocol, and the events they stand for.
const EVENTS: [(&str, EventKind); 5] = [
    ("started", EventKind::Started),
    ("finished", EventKind::Finished),
    ("fetching", EventKind::Fetching),
    ("fetched", EventKind::Fetched),
    ("blocked", EventKind::Blocked),
];

impl Report {
    /// Parses a line from a worker; `None` means garbage.
    pub fn parse(line: &str) -> Option<Report> {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "result" => Some(Report::Result(rest.to_string())),
            "error" if !rest.is_empty() => Some(Report::Error(rest.to_string())),
            _ => {
                let (_, kind) = EVENTS.iter().find(|(w, _)| *w == word)?;
                let task = rest.to_string();
                let one_word = !task.is_empty() && !task.contains(char::is_whitespace);
                one_word.then(|| Report::Event {
                    kind: kind.clone(),
                    task,
                })
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A value is one line: a newline inside it would end the line early.
        let flat = |s: &str| s.replace(['\n', '\r'], " ");
        match self {
            Report::Event { kind, task } => {
                let word = EVENTS
                    .iter()
                    .find(|(_, k)| k == kind)
                    .map_or("?", |(w, _)| w);
                write!(f, "{word} {task}")
            }
            Report::Result(value) if value.is_empty() => f.write_str("result"),
            Report::Result(value) => write!(f, "result {}", flat(value)),
            Report::Error(error) => write!(f, "error {}", flat(error)),
        }
    }
}

/// A duration as the protocol writes it: `2000ms`, `66.667ms`.
pub fn ms(d: Duration) -> String {
    format!("{}ms", d.as_micros() as f64 / 1000.0)
}

/// Parses a duration written by [`ms`].
pub fn parse_ms(text: &str) -> Option<Duration> {
    let n: f64 = text.strip_suffix("ms")?.parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| Duration::from_secs_f64(n / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip() {
        let d = Duration::from_micros(66_667);
        let server = Some("127.0.0.1:4000".parse().unwrap());
        for job in [
            Job::Task {
                name: "A".into(),
                delay: d,
            },
            Job::Fetch { id: 3, delay: d },
            Job::Risky { delay: d },
            Job::Flaky { id: 2, delay: d },
            Job::Block {
                name: "C".into(),
                delay: d,
            },
            Job::Slow {
                name: "C".into(),
                work: d,
            },
            Job::Request {
                id: 7,
                delay: d,
                server,
            },
            Job::Request {
                id: 7,
                delay: d,
                server: None,
            },
            Job::Cpu { id: 1, units: 20 },
        ] {
            assert_eq!(Job::parse(&job.line()), Ok(job));
        }
        assert!(Job::parse("task A").is_err());
        assert!(Job::parse("cpu x 1").is_err());
        assert!(Job::parse("fetch 1 -5ms").is_err());
    }

    #[test]
    fn reports_round_trip_and_garbage_is_refused() {
        for report in [
            Report::Event {
                kind: EventKind::Started,
                task: "A".into(),
            },
            Report::Result(String::new()),
            Report::Result("Data 1".into()),
            Report::Error("Something went wrong".into()),
        ] {
            assert_eq!(Report::parse(&report.to_string()), Some(report));
        }
        for garbage in [
            "",
            "started",
            "started A B",
            "hello A",
            "error",
            "\u{1b}[31m☠",
        ] {
            assert_eq!(Report::parse(garbage), None, "{garbage:?}");
        }
    }
}
