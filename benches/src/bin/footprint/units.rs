//! The units that `footprint` holds idle: each waits on a timer for the whole hold, so that all N
//! are alive at once while their memory is read.
//!
//! Each kind of unit is held two ways. The model: the model crate's own scenario, run through its
//! library with `taskset::runner::run` (async-concurrent's and threads' `io`, one task or one thread
//! per request; multiprocess's `fetch`, one process per task, since its `io` runs a pool). And its
//! bare primitive, written as plainly as the primitive allows: N `tokio::spawn(sleep(D))` (the
//! benches' own bare timers), N `thread::spawn(sleep(D))`, N `Command::spawn` of a child that
//! sleeps D. The ratio of the two is what the model's own code costs per unit.
//! Used by `cargo run -p benches --release --bin footprint`.

use std::time::Duration;

use async_concurrent::model::AsyncConcurrent;
use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::bare;
use benches::harness::Runs;
use clap::ValueEnum;
use taskset::{Error, Model, Outcome, Output, Params, Runtime, Scenario, capacity, runner};

/// A kind of unit: a task of one runtime, an OS thread, or a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Unit {
    /// tokio tasks (async-concurrent on tokio)
    Tokio,
    /// async-std tasks (async-concurrent on async-std)
    AsyncStd,
    /// smol tasks (async-concurrent on smol)
    Smol,
    /// OS threads (the threads crate)
    Threads,
    /// child processes (the multiprocess crate)
    Processes,
}

/// Which way the units are held: by the model crate's own scenario, or by the bare primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Model,
    Bare,
}

/// Tasks to a million; threads and processes as far as the machine's limits allow (larger sizes
/// are refused with the limit named).
const TASKS: &[u64] = &[10_000, 100_000, 1_000_000];

impl Unit {
    /// Every kind, in table order (clap's list of them).
    pub fn all() -> &'static [Unit] {
        Unit::value_variants()
    }

    /// What one unit is, who holds it (model, bare) and the sizes tried when none are given.
    #[rustfmt::skip]
    fn about(self) -> (&'static str, [&'static str; 2], &'static [u64]) {
        match self {
            Unit::Tokio => ("tokio task", ["async-concurrent io", "bare tokio::spawn(sleep)"], TASKS),
            Unit::AsyncStd => ("async-std task", ["async-concurrent io", "bare task::spawn(sleep)"], TASKS),
            Unit::Smol => ("smol task", ["async-concurrent io", "bare Executor::spawn(Timer)"], TASKS),
            Unit::Threads => ("OS thread", ["threads io", "bare thread spawn(sleep), 64 KiB stack"], &[1_000, 10_000, 100_000]),
            Unit::Processes => ("process", ["multiprocess fetch", "bare Command::spawn(sleep)"], &[100, 1_000]),
        }
    }

    /// The name on the command line.
    pub fn name(self) -> String {
        let value = self.to_possible_value().expect("no unit is skipped");
        value.get_name().to_string()
    }

    /// What one unit is, for the table.
    pub fn kind(self) -> &'static str {
        self.about().0
    }

    /// Who holds the units, for the table.
    pub fn holder(self, who: Who) -> &'static str {
        self.about().1[usize::from(who == Who::Bare)]
    }

    /// The sizes tried when none are given.
    pub fn default_sizes(self) -> &'static [u64] {
        self.about().2
    }

    /// How long each of N units waits: the user's hold, or by default, for processes (which are
    /// waited out), just long enough for the last to start well before the first ends (a process
    /// takes milliseconds to start); tasks and threads are measured and dropped at once, so
    /// theirs is only a ceiling.
    pub fn hold(self, n: u64, hold_ms: Option<u64>) -> Duration {
        let n = n as u32;
        match (hold_ms, self) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, Unit::Processes) => Duration::from_secs(3) + Duration::from_millis(10) * n,
            (None, _) => Duration::from_secs(30) + Duration::from_micros(60) * n,
        }
    }
}

/// Holds `n` units of `unit` idle on timers of `hold`, started by `who`; returns once they have
/// all ended. A limit of the machine is a refusal, one line that says why; a unit lost, a failure.
pub fn hold(unit: Unit, who: Who, n: u64, hold: Duration) -> Result<(), Error> {
    let ms = hold.as_millis() as u64;
    let p = |scenario| Params::of(scenario).tasks(n).delay_ms(ms);
    let what = format!("footprint --sizes {n}");
    // The task units are named as their runtimes: threads and processes parse as none.
    let runtime = Runtime::from_str(&unit.name(), false).ok();
    let joined = match (who, runtime) {
        (Who::Model, Some(runtime)) => run_model(&AsyncConcurrent::new(runtime), &p(Scenario::Io)),
        (Who::Model, None) if unit == Unit::Threads => {
            run_model(&threads::model::Threads, &p(Scenario::Io))
        }
        (Who::Model, None) => run_model(&multiprocess::model::Multiprocess, &p(Scenario::Fetch)),
        (Who::Bare, Some(runtime)) => bare_tasks(runtime, &p(Scenario::Io)),
        (Who::Bare, None) if unit == Unit::Threads => {
            // The 64 KiB stack the threads model gives its requests.
            let stack = threads::rt::REQUEST_STACK;
            capacity::threads(&what, n, stack)?;
            bare::threads_sleeping(&p(Scenario::Io), stack)
        }
        (Who::Bare, None) => {
            capacity::processes(&what, n)?;
            bare::processes_sleeping(&p(Scenario::Io))
        }
    }?;
    let lost = || {
        Error::failed(format!(
            "{} returned {joined} of {n} units",
            unit.holder(who)
        ))
    };
    (joined == n).then_some(()).ok_or_else(lost)
}

/// Runs `p`'s scenario of `model` silently; how many units came back.
fn run_model(model: &dyn Model, p: &Params) -> Result<u64, Error> {
    // A scenario that cannot start returns the machine's limit, in one line.
    let report = runner::run(model, p, Output::Silent)?;
    match &report.outcome {
        Outcome::Io(io) => match io.failures.first() {
            Some((id, why)) => Err(Error::failed(format!("request {id} failed: {why}"))),
            None => Ok(io.latencies.len() as u64),
        },
        Outcome::Fetch(data) => Ok(data.len() as u64),
        other => Err(Error::failed(format!("unexpected outcome: {other:?}"))),
    }
}

/// N bare timer tasks (`benches::bare`), on as many executor threads as the model's `io` uses
/// when `--workers` is not given: one per core.
fn bare_tasks(runtime: Runtime, p: &Params) -> Result<u64, Error> {
    let threads = taskset::sys::cores();
    Ok(match runtime {
        Runtime::Tokio => tokio_rt::Runtime::new(threads)?.run(|_| bare::tokio_timers(p)),
        Runtime::AsyncStd => async_std::task::block_on(bare::async_std_timers(p)),
        Runtime::Smol => smol_rt::Runtime::new(threads)?.run(|ex| bare::smol_timers(ex, p)),
    })
}

/// The sizes of the futures behind each async model's task and the bare one, measured with
/// `size_of_val`: the model's `request` (which its task stores, wrapped), the same module's
/// timer-only `task`, and the bare primitive's future, by name.
pub fn future_sizes(unit: Unit) -> Option<(usize, usize, &'static str, usize)> {
    use std::mem::{size_of, size_of_val};
    let ctx = taskset::Ctx::new(Params::of(Scenario::Io), Output::Silent);
    // Creating an async fn's future runs none of its code: these are never polled.
    Some(match unit {
        Unit::Tokio => (
            size_of_val(&tokio_rt::request(&ctx, 1)),
            size_of_val(&tokio_rt::task(&ctx, "A")),
            "tokio::time::Sleep",
            size_of::<tokio::time::Sleep>(),
        ),
        Unit::AsyncStd => (
            size_of_val(&async_std_rt::request(&ctx, 1)),
            size_of_val(&async_std_rt::task(&ctx, "A")),
            "async_std::task::sleep(D)",
            size_of_val(&async_std::task::sleep(Duration::ZERO)),
        ),
        Unit::Smol => (
            size_of_val(&smol_rt::request(&ctx, 1)),
            size_of_val(&smol_rt::task(&ctx, "A")),
            "smol::Timer",
            size_of::<smol::Timer>(),
        ),
        Unit::Threads | Unit::Processes => return None,
    })
}
