//! The [`Model`] trait each crate implements, and the outcomes its scenarios return.
//!
//! Like rayon-demo's `Joiner`: one small trait, several implementations, and one generic runner,
//! so that comparing two models is one call rather than copy-paste.

use std::fmt;
use std::time::{Duration, Instant};

use crate::cli::{Flag, Params, Scenario};
use crate::ctx::Ctx;
use crate::{PANIC_MESSAGE, RISKY_MESSAGE};

/// How a model runs the tasks of a scenario (or of one phase of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// One after another: each task finishes before the next starts.
    Sequential,
    /// All at once: every task starts before any finishes.
    Concurrent,
}

/// What a model should show in a scenario: the order of each phase and the time it should take.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// The order of the tasks in each phase (most scenarios have one).
    pub phases: Vec<Order>,
    /// The time the scenario should take on an idle machine (for `cpu`: see `parallelism`).
    pub ideal: Duration,
    /// How that time is made up, e.g. `3·D`.
    pub formula: String,
    /// `cpu` only: how many jobs run at once; the ideal is the sequential time divided by it.
    pub parallelism: u64,
}

impl Expect {
    /// A single-phase expectation.
    pub fn one(order: Order, ideal: Duration, formula: &str) -> Expect {
        Expect {
            phases: vec![order],
            ideal,
            formula: formula.to_string(),
            parallelism: 1,
        }
    }

    /// What a purely sequential or purely concurrent model should show in each scenario.
    pub fn of(order: Order, p: &Params) -> Expect {
        use Order::*;
        let d = p.delay;
        let n = p.tasks as u32;
        let seq = order == Sequential;
        match p.scenario {
            Scenario::Hello if seq => Expect::one(order, d * 2, "2·D"),
            Scenario::Gather | Scenario::Blocking if seq => Expect::one(order, d * 3, "3·D"),
            Scenario::Fetch if seq && p.stagger => Expect::one(order, d * (n + 1) / 2, "(N+1)·D/2"),
            Scenario::Fetch | Scenario::Io if seq => Expect::one(order, d * n, "N·D"),
            Scenario::Errors if seq => Expect::one(order, d / 2 * (n + 1), "D/2 + N·D/2"),
            Scenario::Timeout if seq => Expect::one(order, d * 2 + p.timeout, "2·D + T"),
            Scenario::Errors => Expect::one(order, d, "D/2 + D/2"),
            Scenario::Timeout => Expect::one(order, p.timeout, "T"),
            Scenario::Cpu if seq => Expect {
                parallelism: 1,
                ..Expect::one(order, d, "N·job")
            },
            Scenario::Cpu => {
                let par = p.pool().min(crate::sys::cores() as u64);
                let formula = format!("N·job / {par}");
                Expect {
                    parallelism: par,
                    ..Expect::one(order, d, &formula)
                }
            }
            _ => Expect::one(order, d, "D"),
        }
    }
}

/// A model's name, what it is, and the optional flags it accepts (with why it refuses the others).
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    /// The crate name: `sync-basic`.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// The optional flags it accepts: [`Flag::Workers`], [`Flag::Runtime`].
    pub accepts: &'static [Flag],
    /// Why it refuses each optional flag it does not accept.
    pub refusals: &'static [(Flag, &'static str)],
}

impl ModelSpec {
    /// The reason the model gives for refusing `flag`.
    pub fn refuses_because(&self, flag: Flag) -> &'static str {
        self.refusals
            .iter()
            .find(|(f, _)| *f == flag)
            .map_or("this model has no use for it", |(_, why)| why)
    }
}

/// A scenario could not run at all: bad input found late, or a limit of the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(e: String) -> Error {
        Error(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error(e.to_string())
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
        let (task, message) = (id.to_string(), message.to_string());
        TaskFailure {
            task,
            kind: FailureKind::Panicked,
            message,
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

/// A concurrency model: the eight scenarios of the task set.
///
/// Scenario methods print through the [`Ctx`] they are given and return their results; the
/// runner prints the results and the timing, and the conformance suite checks both.
pub trait Model {
    /// The name printed in headers and tables: `sync-basic`, `async-concurrent (smol)`.
    fn label(&self) -> String;

    /// Sequential or concurrent: the default expectation of every scenario.
    fn order(&self) -> Order;

    /// The async runtime this model runs on, if it has one. The runner and the conformance suite
    /// write it into the scenario's [`Params`], so that `ctx.params().runtime` always names the
    /// runtime that polls the scenario's futures.
    fn runtime(&self) -> Option<crate::Runtime> {
        None
    }

    /// What this model should show in the scenario of `p`; override where it differs.
    fn expect(&self, p: &Params) -> Expect {
        Expect::of(self.order(), p)
    }

    /// How many `io` requests this model has in flight at once (sockets open at once with
    /// `--net`): 1 for a sequential model, N for one that starts them all; override for a pool.
    fn io_concurrency(&self, p: &Params) -> u64 {
        match self.order() {
            Order::Sequential => 1,
            Order::Concurrent => p.tasks,
        }
    }

    /// Tasks A and B.
    fn hello(&self, ctx: &Ctx) -> Result<(), Error>;
    /// Tasks A, B and C, gathered.
    fn gather(&self, ctx: &Ctx) -> Result<(), Error>;
    /// `fetch_data(1..=N)`, results in input order.
    fn fetch(&self, ctx: &Ctx) -> Result<Vec<String>, Error>;
    /// `risky_task` caught, then N tasks of which one fails and one panics.
    fn errors(&self, ctx: &Ctx) -> Result<ErrorsOutcome, Error>;
    /// Gather with a blocking sleep in each task.
    fn blocking(&self, ctx: &Ctx) -> Result<(), Error>;
    /// Task C outlives the deadline.
    fn timeout(&self, ctx: &Ctx) -> Result<TimeoutOutcome, Error>;
    /// N requests of D each.
    fn io(&self, ctx: &Ctx) -> Result<IoOutcome, Error>;
    /// N jobs of the CPU kernel.
    fn cpu(&self, ctx: &Ctx) -> Result<CpuOutcome, Error>;
}
