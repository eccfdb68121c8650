//! What a scenario returns, and how it fails: the outcomes every model hands back, the errors of
//! the tasks (the seed's `ValueError`), and the [`Error`] that stops a scenario.

use std::any::Any;
use std::fmt;
use std::time::{Duration, Instant};

/// What `risky_task` fails with, as in the seed: `ValueError("Something went wrong")`.
pub const RISKY_MESSAGE: &str = "Something went wrong";

/// What the task that panics on purpose panics with (the panic hook keeps it quiet).
pub const PANIC_MESSAGE: &str = "deliberate panic in task";

/// Why a scenario could not give its result, and so which exit status the command line ends with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
    failed: bool,
}

impl Error {
    /// Refused before the work: bad input found late, or a limit of the machine (exit status 2).
    pub fn refused(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            failed: false,
        }
    }

    /// The work itself failed: a task died, a request went unanswered (exit status 1).
    pub fn failed(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            failed: true,
        }
    }

    /// Whether the work failed (rather than being refused).
    pub fn is_failure(&self) -> bool {
        self.failed
    }

    /// The exit status the command line ends with: 1 for failed work, 2 for a refusal.
    pub fn exit_status(&self) -> u8 {
        if self.failed { 1 } else { 2 }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// The OS refused what a model asked of it (a runtime's threads, a socket, a pipe).
    fn from(e: std::io::Error) -> Error {
        Error::refused(e.to_string())
    }
}

/// The error a task returns, like the seed's `ValueError("Something went wrong")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError(pub String);

impl TaskError {
    /// The error `risky_task` raises.
    pub fn risky() -> TaskError {
        TaskError(RISKY_MESSAGE.to_string())
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskError {}

/// What becomes of task `id` in the `errors` scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Returns its data.
    Succeed,
    /// Returns an error (task 2).
    Fail,
    /// Panics (task 3), or its thread or child process dies.
    Panic,
}

/// Task 2 fails, task 3 panics, every other task succeeds.
pub fn fate(id: u64) -> Fate {
    match id {
        2 => Fate::Fail,
        3 => Fate::Panic,
        _ => Fate::Succeed,
    }
}

/// Panics with [`PANIC_MESSAGE`]; the panic hook keeps it quiet, the model reports it.
pub fn deliberate_panic() -> ! {
    panic!("{PANIC_MESSAGE}")
}

/// The text of a panic payload (`&str` or `String`), for reporting a caught panic.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Every task's output in input order, or the first task that died: for the scenarios where
/// none should (outside `errors`, a task that panics or whose thread dies is failed work).
pub fn gathered<T>(ended: Vec<Result<T, String>>) -> Result<Vec<T>, Error> {
    let all: Result<Vec<T>, String> = ended.into_iter().collect();
    all.map_err(|why| Error::failed(format!("a task died: {why}")))
}

/// How a task failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// It returned an error.
    Failed,
    /// It panicked, or the thread or process running it died.
    Panicked,
}

/// A failed task, named, with what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task it came from.
    pub task: String,
    /// Error or panic.
    pub kind: FailureKind,
    /// The error or the panic message.
    pub message: String,
}

impl TaskFailure {
    /// Task `id` returned an error.
    pub fn failed(id: impl fmt::Display, message: impl fmt::Display) -> TaskFailure {
        TaskFailure {
            task: id.to_string(),
            kind: FailureKind::Failed,
            message: message.to_string(),
        }
    }

    /// Task `id` panicked (or died).
    pub fn panicked(id: impl fmt::Display, message: impl fmt::Display) -> TaskFailure {
        TaskFailure {
            task: id.to_string(),
            kind: FailureKind::Panicked,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FailureKind::Failed => "failed",
            FailureKind::Panicked => "panicked",
        };
        write!(f, "task {} {what}: {}", self.task, self.message)
    }
}

/// The outcome of `errors`: the caught error of `risky_task`, then every task's result in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorsOutcome {
    /// The error `risky_task` was caught with.
    pub caught: String,
    /// Task 1..=N: its data, or how it failed.
    pub results: Vec<Result<String, TaskFailure>>,
}

/// The outcome of `timeout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeoutOutcome {
    /// The tasks that finished before the deadline.
    pub completed: Vec<String>,
    /// The tasks that were stopped at the deadline.
    pub timed_out: Vec<String>,
    /// How the late task was stopped, and why that way, in one line.
    pub how: String,
}

/// The outcome of `io`: one latency per completed request, and the failed ones by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoOutcome {
    /// How long each completed request took, from its own start.
    pub latencies: Vec<Duration>,
    /// The requests that failed: id and why.
    pub failures: Vec<(u64, String)>,
    /// What the model ran the requests on, e.g. `100 tasks on one thread`.
    pub how: String,
}

impl IoOutcome {
    /// Gathers `(id, latency or why it failed)` pairs, in any order, into an outcome.
    pub fn collect(
        results: impl IntoIterator<Item = (u64, Result<Duration, String>)>,
        how: impl Into<String>,
    ) -> IoOutcome {
        let mut out = IoOutcome {
            how: how.into(),
            ..IoOutcome::default()
        };
        for (id, result) in results {
            match result {
                Ok(latency) => out.latencies.push(latency),
                Err(why) => out.failures.push((id, why)),
            }
        }
        out.failures.sort_unstable();
        out
    }
}

/// One way of running the `cpu` jobs, timed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuRun {
    /// What ran them: `pool of 2 threads`, `rayon par_iter`.
    pub label: String,
    /// How long all N jobs took.
    pub elapsed: Duration,
    /// Each job's checksum, in input order.
    pub checksums: Vec<u64>,
}

impl CpuRun {
    /// Times `run`, which returns each job's checksum in input order.
    pub fn measure(
        label: &str,
        run: impl FnOnce() -> Result<Vec<u64>, Error>,
    ) -> Result<CpuRun, Error> {
        let start = Instant::now();
        let checksums = run()?;
        Ok(CpuRun {
            label: label.to_string(),
            elapsed: start.elapsed(),
            checksums,
        })
    }
}

/// The outcome of `cpu`: each way the model ran the jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuOutcome {
    /// One run per variant of the model (a thread pool and rayon; one and several executor threads).
    pub runs: Vec<CpuRun>,
    /// What the model gains here, and why, in one line.
    pub note: String,
}

/// What a scenario returned, whichever it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// hello, gather, blocking: the events are the result.
    Done,
    /// fetch: the result list.
    Fetch(Vec<String>),
    /// errors: the caught error and each task's result.
    Errors(ErrorsOutcome),
    /// timeout: who completed and who was stopped.
    Timeout(TimeoutOutcome),
    /// io: latencies and failures.
    Io(IoOutcome),
    /// cpu: each variant's time and checksums.
    Cpu(CpuOutcome),
}

/// What a scenario function returns, as an [`Outcome`]: its value, or its value or error.
///
/// Some models' scenarios cannot fail (sync-basic's), others can (a thread the OS refuses): both
/// are turned into the same `Result<Outcome, Error>` by [`crate::dispatch!`].
pub trait IntoOutcome {
    /// The outcome, or why there is none.
    fn into_outcome(self) -> Result<Outcome, Error>;
}

macro_rules! into_outcome {
    ($($t:ty => $make:expr),* $(,)?) => {$(
        impl IntoOutcome for $t {
            fn into_outcome(self) -> Result<Outcome, Error> {
                Ok($make(self))
            }
        }
        impl IntoOutcome for Result<$t, Error> {
            fn into_outcome(self) -> Result<Outcome, Error> {
                self.map($make)
            }
        }
    )*};
}

into_outcome! {
    () => |()| Outcome::Done,
    Vec<String> => Outcome::Fetch,
    ErrorsOutcome => Outcome::Errors,
    TimeoutOutcome => Outcome::Timeout,
    IoOutcome => Outcome::Io,
    CpuOutcome => Outcome::Cpu,
    // One timed run of the jobs is an outcome too (async-concurrent times each runtime's apart).
    CpuRun => |run| Outcome::Cpu(CpuOutcome { runs: vec![run], note: String::new() }),
}
