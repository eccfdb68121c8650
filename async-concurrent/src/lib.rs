//! async-concurrent: every scenario with async tasks spawned and gathered (tokio, async-std, smol).
//!
//! This is the seed's third and fourth examples — `asyncio.create_task` and `asyncio.gather` — and
//! the other half of its lesson: `async` alone is not concurrency (see async-sequential, which
//! awaits one task after another and takes as long as blocking code); spawning is. A spawned task
//! runs on its own while the code that spawned it goes on, so the tasks' waits overlap.
//!
//! The three runtimes live in three sibling modules with the same functions in the same order, so
//! that `diff -u src/tokio_rt.rs src/smol_rt.rs` shows only what the runtimes change:
//! [`tokio_rt`] (`tokio::spawn`, `JoinHandle`), [`async_std_rt`] (`task::spawn`) and [`smol_rt`]
//! (an `Executor` you own and run on the threads you choose). This file holds what they share and
//! the [`Model`] that runs one scenario on a fresh runtime: one executor thread for the seed's
//! scenarios (asyncio's event loop is one thread too), `--workers` threads for `io` and `cpu`.
//!
//! Every scenario is an `async fn`, so a benchmark can build its runtime once, outside the measured
//! loop, and await the scenario on it: `rt.block_on(async_concurrent::tokio_rt::io(&ctx))`,
//! `async_std::task::block_on(async_concurrent::async_std_rt::io(&ctx))`, or
//! `smol::block_on(ex.run(async_concurrent::smol_rt::io(&ex, &ctx)))`.
//!
//! async-std was discontinued upstream in 2025 in favour of smol (RUSTSEC-2025-0052). It is kept
//! here as the legacy runtime, because existing code still compares against it; nothing else in
//! the workspace may depend on it. New code should pick tokio or smol.
//!
//! Run the tour with `cargo run -p async-concurrent`, one scenario with
//! `cargo run -p async-concurrent -- gather --delay-ms 300 --runtime smol`.

use std::time::{Duration, Instant};

use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Expect, Flag, IoOutcome, Model, ModelSpec,
    Order, Params, Runtime, Scenario, TimeoutOutcome, sys,
};

pub mod async_std_rt;
pub mod smol_rt;
pub mod tokio_rt;

/// The model's name and the flags it takes: the runtime, and the thread count of `io` and `cpu`.
pub const SPEC: ModelSpec = ModelSpec {
    name: "async-concurrent",
    about: "Every scenario with async tasks spawned and gathered (the seed's create_task and \
            gather), on tokio, async-std or smol",
    accepts: &[Flag::Runtime, Flag::Workers],
    refusals: &[],
};

/// Reports `Task X cancelled` if dropped while armed: the proof that a dropped future stopped.
pub(crate) struct CancelGuard<'a> {
    ctx: &'a Ctx,
    name: &'a str,
    armed: bool,
}

impl<'a> CancelGuard<'a> {
    /// A guard for task `name`, armed until [`CancelGuard::disarm`].
    pub(crate) fn arm(ctx: &'a Ctx, name: &'a str) -> CancelGuard<'a> {
        CancelGuard {
            ctx,
            name,
            armed: true,
        }
    }

    /// The work is done: dropping the guard now says nothing.
    pub(crate) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.ctx.cancelled(self.name);
        }
    }
}

/// The blocking sleep of `blocking_task`, owned, so that it can move to another thread.
pub(crate) fn blocking_wait(ctx: &Ctx, name: &str) -> impl FnOnce() + Send + 'static {
    let (ctx, name) = (ctx.clone(), name.to_string());
    move || {
        // Recorded from the thread that blocks: the executor's in the stall, a pool's in the fix.
        ctx.blocked(&name);
        std::thread::sleep(ctx.delay());
    }
}

/// One phase of `blocking`, timed from its marker to [`Phase::done`].
pub(crate) struct Phase {
    fixed: bool,
    start: Instant,
}

/// Marks the start of the stall (`fixed` false) or of the fix, which hands each sleep to `fix`.
pub(crate) fn blocking_phase(ctx: &Ctx, fixed: bool, fix: &str) -> Phase {
    ctx.phase(&if fixed {
        format!("the fix: each blocking sleep handed to {fix}")
    } else {
        "the stall: std::thread::sleep inside each task, on one executor thread".to_string()
    });
    Phase {
        fixed,
        start: Instant::now(),
    }
}

impl Phase {
    /// Prints how long the phase took, and why.
    pub(crate) fn done(self, ctx: &Ctx) {
        let took = self.start.elapsed().as_secs_f64();
        ctx.note(&if self.fixed {
            format!(
                "fix: {took:.2}s ≈ D: the sleeps blocked other threads, the executor stayed free"
            )
        } else {
            format!(
                "stall: {took:.2}s ≈ 3·D: each sleep held the only executor thread, so the \
                     tasks ran one after another although they were spawned together"
            )
        });
    }
}

/// Every task's output in input order, or the first task that died (none should, outside `errors`).
pub(crate) fn gathered<T>(ended: Vec<Result<T, String>>) -> Result<Vec<T>, Error> {
    (ended.into_iter().collect::<Result<_, _>>())
        .map_err(|why| Error(format!("a task died: {why}")))
}

/// How long an `io --net` request waits for its answer before it counts as failed.
pub(crate) fn net_patience(ctx: &Ctx) -> Duration {
    ctx.delay() + Duration::from_secs(10)
}

/// What runs the tasks of `runtime` with `threads` executor threads, for the `io` and `cpu` lines.
pub fn executor(runtime: Runtime, threads: usize) -> String {
    match (runtime, threads) {
        (Runtime::Tokio, 1) => "tokio current-thread runtime".to_string(),
        (Runtime::Tokio, n) => format!("tokio multi-thread runtime, {n} workers"),
        (Runtime::AsyncStd, 1) => "async-std spawn_local on block_on's thread".to_string(),
        (Runtime::AsyncStd, n) => format!("async-std global pool, {n} threads"),
        (Runtime::Smol, 1) => "smol Executor on one thread".to_string(),
        (Runtime::Smol, n) => format!("smol Executor on {n} threads"),
    }
}

/// The most threads this process may start: the kernel's, the user's and the cgroup's limits.
fn thread_limit() -> u64 {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/pids.max").ok();
    [
        Some(sys::rlimit(libc::RLIMIT_NPROC).0),
        sys::proc_sys("kernel/threads-max"),
        cgroup.and_then(|s| s.trim().parse().ok()),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(u64::MAX)
}

/// The async-concurrent model on one runtime.
pub struct AsyncConcurrent {
    runtime: Runtime,
}

impl AsyncConcurrent {
    /// The model on `runtime`.
    pub fn new(runtime: Runtime) -> AsyncConcurrent {
        AsyncConcurrent { runtime }
    }

    /// P, the executor threads of `io` and `cpu`, checked against what runtime and machine allow.
    fn pool(&self, p: &Params) -> Result<usize, Error> {
        if self.runtime == Runtime::AsyncStd {
            return match p.workers {
                Some(_) => Err(Error(
                    "--workers is not used by async-concurrent on async-std: its one global pool \
                     is sized once, at startup, by ASYNC_STD_THREAD_COUNT (default: the cores)"
                        .to_string(),
                )),
                None => Ok(async_std_rt::pool_threads()),
            };
        }
        let (threads, limit) = (p.pool(), thread_limit());
        if threads + sys::threads() > limit {
            return Err(Error(format!(
                "--workers {threads}: more executor threads than this machine allows \
                 (at most {limit} threads, counting the ones already running)"
            )));
        }
        Ok(threads as usize)
    }
}

/// Runs scenario `$f` of the model's runtime module on a fresh runtime of `$threads` threads.
macro_rules! on_runtime {
    ($model:expr, $threads:expr, $f:ident($ctx:expr)) => {
        match $model.runtime {
            Runtime::Tokio => tokio_rt::block_on($threads, tokio_rt::$f($ctx)),
            Runtime::AsyncStd => async_std_rt::block_on($threads, async_std_rt::$f($ctx)),
            Runtime::Smol => {
                let ex = smol::Executor::new();
                smol_rt::block_on(&ex, $threads, smol_rt::$f(&ex, $ctx))
            }
        }
    };
}

impl Model for AsyncConcurrent {
    fn label(&self) -> String {
        format!("{} ({})", SPEC.name, self.runtime)
    }

    fn order(&self) -> Order {
        Order::Concurrent
    }

    fn runtime(&self) -> Option<Runtime> {
        Some(self.runtime)
    }

    fn expect(&self, p: &Params) -> Expect {
        match p.scenario {
            // The stall runs the three sleeps one after another, then the fix runs them at once.
            Scenario::Blocking => Expect {
                phases: vec![Order::Sequential, Order::Concurrent],
                ..Expect::one(Order::Concurrent, p.delay * 4, "3·D + D")
            },
            // cpu: the runner holds the fastest run (the multi-threaded one) against N·job / P;
            // the single-threaded run is printed beside it, gaining nothing.
            _ => Expect::of(Order::Concurrent, p),
        }
    }

    fn hello(&self, ctx: &Ctx) -> Result<(), Error> {
        on_runtime!(self, 1, hello(ctx))?
    }

    fn gather(&self, ctx: &Ctx) -> Result<(), Error> {
        on_runtime!(self, 1, gather(ctx))?
    }

    fn fetch(&self, ctx: &Ctx) -> Result<Vec<String>, Error> {
        on_runtime!(self, 1, fetch(ctx))?
    }

    fn errors(&self, ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
        on_runtime!(self, 1, errors(ctx))
    }

    fn blocking(&self, ctx: &Ctx) -> Result<(), Error> {
        // One executor thread, so that the stall shows whole: with more, blocking sleeps would
        // only hold some of them, and the damage would depend on the machine.
        on_runtime!(self, 1, blocking(ctx))?
    }

    fn timeout(&self, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
        on_runtime!(self, 1, timeout(ctx))?
    }

    fn io(&self, ctx: &Ctx) -> Result<IoOutcome, Error> {
        let threads = self.pool(ctx.params())?;
        let mut out = on_runtime!(self, threads, io(ctx))?;
        out.how = format!("{} · {}", out.how, executor(self.runtime, threads));
        Ok(out)
    }

    fn cpu(&self, ctx: &Ctx) -> Result<CpuOutcome, Error> {
        let threads = self.pool(ctx.params())?;
        let mut runs = Vec::new();
        for n in [1, threads] {
            let label = executor(self.runtime, n);
            runs.push(CpuRun::measure(&label, || on_runtime!(self, n, cpu(ctx))?)?);
        }
        let note = "async on one executor thread gains nothing on CPU-bound work: a job never \
                    awaits, so it holds the thread until it is done; more executor threads run \
                    jobs in parallel, up to one per core";
        Ok(CpuOutcome {
            runs,
            note: note.to_string(),
        })
    }
}
