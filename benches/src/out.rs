//! What one iteration returns, and how it is checked: outside the clock, so that nothing is
//! optimised away and a model that returned the wrong thing never reports a time.
//!
//! Each row of the plan returns whatever its model or primitive returns; `Out::from` turns it
//! into one of a few shapes (a fetch list, units joined, an io outcome, per-job sums), and
//! [`Out::check`] holds it against `taskset::expected` for the row's parameters. A failed check
//! panics: criterion stops, naming the benchmark. The helpers below are the rows' shared pieces.

use std::time::Duration;

use taskset::expected;
use taskset::runner::{self, Report};
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, EventKind, IoOutcome, Model, Outcome, Output, Params,
};

/// What one iteration returned.
#[derive(Debug)]
pub enum Out {
    /// fetch: the result list, in input order.
    Fetched(Vec<String>),
    /// A bare primitive: how many of its units came back (joined, or answered correctly).
    Joined(u64),
    /// io: every request's latency, and the failures.
    Io(IoOutcome),
    /// cpu: each job's checksum, in input order.
    Sums(Vec<u64>),
    /// Ran to the end, with nothing to return (blocking through the runner).
    Done,
    /// A time the model measured itself (one phase, one variant), and what that part returned.
    Own(Duration, Box<Out>),
}

impl Out {
    /// The time to record for this iteration: the model's own, or else the wall time measured.
    pub fn time(&self, wall: Duration) -> Duration {
        match self {
            Out::Own(t, _) => *t,
            _ => wall,
        }
    }

    /// Panics unless this is what the scenario of `p` must return.
    pub fn check(&self, p: &Params) {
        let n = p.tasks;
        match self {
            Out::Fetched(list) => assert_eq!(list, &expected::fetch(n), "wrong fetch list"),
            Out::Joined(k) => assert_eq!(*k, n, "a bare primitive lost units"),
            Out::Io(io) => {
                assert!(io.failures.is_empty(), "failed: {:?}", io.failures.first());
                assert_eq!(io.latencies.len() as u64, n, "requests lost");
            }
            Out::Sums(sums) => {
                let want = expected::cpu_checksum(n, p.work);
                assert_eq!(taskset::kernel::checksum(sums), want, "wrong checksum");
            }
            Out::Done => {}
            Out::Own(_, part) => part.check(p),
        }
    }
}

/// The shapes a row's return value comes in, each one variant.
macro_rules! out_from {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<$t> for Out {
            fn from(v: $t) -> Out {
                Out::$variant(v)
            }
        }
    )*};
}

out_from!(Vec<String> => Fetched, u64 => Joined, IoOutcome => Io, Vec<u64> => Sums);

impl From<CpuRun> for Out {
    fn from(run: CpuRun) -> Out {
        Out::Sums(run.checksums)
    }
}

/// A model with one cpu run: its sums (threads' two runs are read by [`rayon`]).
impl From<CpuOutcome> for Out {
    fn from(cpu: CpuOutcome) -> Out {
        cpu.runs.into_iter().next().expect("one cpu run").into()
    }
}

impl From<()> for Out {
    fn from((): ()) -> Out {
        Out::Done
    }
}

/// A scenario that could not run is a broken bench, not a time: it stops criterion.
impl<T: Into<Out>> From<Result<T, Error>> for Out {
    fn from(r: Result<T, Error>) -> Out {
        r.unwrap_or_else(|e| panic!("the scenario failed: {e}"))
            .into()
    }
}

impl From<Report> for Out {
    fn from(report: Report) -> Out {
        match report.outcome {
            Outcome::Fetch(list) => list.into(),
            Outcome::Io(io) => io.into(),
            Outcome::Cpu(cpu) => cpu.into(),
            Outcome::Done => Out::Done,
            other => panic!("no bench reads {other:?}"),
        }
    }
}

/// Runs a model's own scenario through the runner, as its command line does, printing nothing.
pub fn runner(model: &impl Model, p: &Params) -> Result<Report, Error> {
    runner::run(model, p, Output::Silent)
}

/// `p` with a pool of N processes: one request each, all waiting at once.
pub fn pool_of_n(c: &Ctx) -> Params {
    c.params().clone().workers(c.params().tasks)
}

/// The rayon run of threads' `cpu`, timed by the model itself (the crate has no rayon-only call).
pub fn rayon(report: Result<Report, Error>) -> Out {
    match report.map(|r| r.outcome) {
        Ok(Outcome::Cpu(cpu)) => {
            let run = cpu.runs.into_iter().find(|r| r.label.contains("rayon"));
            let run = run.expect("threads' cpu has a rayon run");
            Out::Own(run.elapsed, Box::new(Out::Sums(run.checksums)))
        }
        other => panic!("threads cpu returned {other:?}"),
    }
}

/// Which phase of async-concurrent's `blocking` a line reads.
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    /// The blocking sleeps inside the tasks: one after another.
    Stall,
    /// The sleeps handed to the runtime's blocking pool: all at once.
    Fix,
}

impl Phase {
    /// Runs the two-phase scenario on a recording context and returns this phase's time, read
    /// from the model's phase marks, with the tasks that finished (both phases: 2·N, halved).
    pub fn of<T: Into<Out>>(self, c: &Ctx, run: impl FnOnce(&Ctx) -> T) -> Out {
        let ctx = Ctx::new(c.params().clone(), Output::Record);
        run(&ctx).into().check(c.params());
        let end = ctx.elapsed();
        let events = ctx.events();
        let marks: Vec<Duration> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Phase(_)))
            .map(|e| e.at)
            .collect();
        let [stall, fix] = marks[..] else {
            panic!("blocking should mark two phases, it marked {}", marks.len())
        };
        let finished = events.iter().filter(|e| e.kind == EventKind::Finished);
        let took = match self {
            Phase::Stall => fix - stall,
            Phase::Fix => end - fix,
        };
        Out::Own(took, Box::new(Out::Joined(finished.count() as u64 / 2)))
    }
}
