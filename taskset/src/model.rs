//! The [`Model`] trait each crate implements, the [`ModelSpec`] that says who it is, and what it
//! should show in each scenario ([`Expect`]).
//!
//! Like rayon-demo's `Joiner`: one small trait, several implementations, and one generic runner,
//! so that comparing two models is one call rather than copy-paste. A model's identity and its
//! expected behaviour are data in its crate's `SPEC`; its scenarios are the functions of its
//! `lib.rs`, and [`dispatch!`](crate::dispatch) calls them by name.

use std::time::Duration;

use crate::ctx::Ctx;
use crate::outcome::{Error, Outcome};
use crate::params::{Flag, Params, Scenario};

/// How a model runs the tasks of a scenario (or of one phase of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// One after another: each task finishes before the next starts.
    Sequential,
    /// All at once: every task starts before any finishes.
    Concurrent,
}

/// Whether a model runs `io`'s requests on a pool of P workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Never: one request at a time, or all at once.
    Never,
    /// When `--workers P` is given (threads: a thread per request, or a pool of P).
    WhenAsked,
    /// Always, P being the cores unless `--workers` says otherwise (multiprocess).
    Always,
}

/// A model's name, how it runs tasks, and the optional flags it accepts.
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    /// The crate name: `sync-basic`.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// Sequential or concurrent: the expectation of every scenario.
    pub order: Order,
    /// Whether `io` runs on a pool of P workers.
    pub pool: Pool,
    /// Whether `blocking` shows a stall first (an event loop held by blocking sleeps), then the fix.
    pub stalls: bool,
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

    /// P, if `io` runs on a pool of P workers with these parameters.
    pub fn io_pool(&self, p: &Params) -> Option<u64> {
        match (self.pool, p.workers) {
            (Pool::Always, _) => Some(p.pool()),
            (Pool::WhenAsked, Some(workers)) => Some(workers),
            _ => None,
        }
    }

    /// How many `io` requests run at once (sockets open at once with `--net`).
    pub fn io_at_once(&self, p: &Params) -> u64 {
        match (self.io_pool(p), self.order) {
            (Some(workers), _) => workers.min(p.tasks),
            (None, Order::Sequential) => 1,
            (None, Order::Concurrent) => p.tasks,
        }
    }
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

    /// What the model of `spec` should show in the scenario of `p`.
    pub fn of(spec: &ModelSpec, p: &Params) -> Expect {
        use Order::*;
        let order = spec.order;
        let (d, n) = (p.delay, p.tasks as u32);
        let seq = order == Sequential;
        match p.scenario {
            // The stall runs the three sleeps one after another, then the fix runs them at once.
            Scenario::Blocking if spec.stalls => Expect {
                phases: vec![Sequential, Concurrent],
                ..Expect::one(Concurrent, d * 4, "3·D + D")
            },
            Scenario::Hello if seq => Expect::one(order, d * 2, "2·D"),
            Scenario::Gather | Scenario::Blocking if seq => Expect::one(order, d * 3, "3·D"),
            Scenario::Fetch if seq && p.stagger => Expect::one(order, d * (n + 1) / 2, "(N+1)·D/2"),
            Scenario::Fetch | Scenario::Io if seq => Expect::one(order, d * n, "N·D"),
            Scenario::Errors if seq => Expect::one(order, d / 2 * (n + 1), "D/2 + N·D/2"),
            Scenario::Timeout if seq => Expect::one(order, d * 2 + p.timeout, "2·D + T"),
            Scenario::Errors => Expect::one(order, d, "D/2 + D/2"),
            Scenario::Timeout => Expect::one(order, p.timeout, "T"),
            // A pool of P blocking workers serves the N requests in ⌈N/P⌉ rounds of D.
            Scenario::Io if spec.io_pool(p).is_some() => {
                let rounds = p.tasks.div_ceil(spec.io_pool(p).unwrap_or(1).max(1));
                let ideal = d.saturating_mul(u32::try_from(rounds).unwrap_or(u32::MAX));
                Expect::one(order, ideal, "⌈N/P⌉·D")
            }
            Scenario::Cpu if seq => Expect::one(order, d, "N·job"),
            Scenario::Cpu => {
                let par = p.pool().min(p.tasks).min(crate::sys::cores() as u64);
                Expect {
                    parallelism: par,
                    ..Expect::one(order, d, &format!("N·job / {par}"))
                }
            }
            _ => Expect::one(order, d, "D"),
        }
    }
}

/// A concurrency model, as the runner and the conformance suite see it.
///
/// Its scenarios print through the [`Ctx`] they are given and return their results; the runner
/// prints the results and the timing, and the conformance suite checks both.
pub trait Model {
    /// Who it is: its crate's `SPEC`.
    fn spec(&self) -> &'static ModelSpec;

    /// The name printed in headers and tables: `sync-basic`, `async-concurrent (smol)`.
    fn label(&self) -> String {
        self.spec().name.to_string()
    }

    /// Runs the scenario of `ctx`, usually with [`dispatch!`](crate::dispatch).
    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error>;
}

/// Runs the scenario of `ctx` by calling the function of the same name in `module`:
/// `dispatch!(ctx, crate(ctx))` calls `crate::hello(ctx)` for `hello`, and so on for each scenario.
///
/// The arguments in parentheses are passed to every scenario function, and what follows them is
/// applied to its result before it becomes an [`Outcome`]: `dispatch!(ctx, crate(ctx).await)` in an
/// `async` block, `dispatch!(ctx, tokio_rt(rt, ctx).await)` for a runtime module. Every model's
/// scenarios keep the same names, so this one match serves them all.
#[macro_export]
macro_rules! dispatch {
    ($ctx:expr, $module:ident ( $($arg:expr),* ) $($then:tt)*) => {{
        use $crate::IntoOutcome as _;
        match $ctx.scenario() {
            $crate::Scenario::Hello => $module::hello($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Gather => $module::gather($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Fetch => $module::fetch($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Errors => $module::errors($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Blocking => $module::blocking($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Timeout => $module::timeout($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Io => $module::io($($arg),*) $($then)* .into_outcome(),
            $crate::Scenario::Cpu => $module::cpu($($arg),*) $($then)* .into_outcome(),
        }
    }};
}
