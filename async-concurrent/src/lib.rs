//! async-concurrent: every scenario with async tasks spawned and gathered (tokio, async-std, smol).
//!
//! This is the seed's third and fourth examples — `asyncio.create_task` and `asyncio.gather` — and
//! the other half of its lesson: `async` alone is not concurrency (see async-sequential, which
//! awaits one task after another and takes as long as blocking code); spawning is. A spawned task
//! runs on its own while the code that spawned it goes on, so the tasks' waits overlap.
//!
//! The three runtimes live in three sibling modules, [`tokio_rt`], [`async_std_rt`] and
//! [`smol_rt`], which repeat each other **on purpose**: the scenarios are the same code, line for
//! line, and each file ends with the runtime's own pieces (its timer, its spawn and join, its
//! blocking pool, its sockets, its [`tokio_rt::Runtime`]), so that `diff -u src/tokio_rt.rs
//! src/smol_rt.rs` shows exactly what changing runtime changes. This file holds what the three
//! share; [`model`] runs a scenario on a fresh runtime: one executor thread for the seed's
//! scenarios (asyncio's event loop is one thread too), `--workers` threads for `io` and `cpu`.
//!
//! async-std was discontinued upstream in 2025 in favour of smol (RUSTSEC-2025-0052). It is kept
//! here as the legacy runtime, because existing code still compares against it. New code should
//! pick tokio or smol.
//!
//! Run the tour with `cargo run -p async-concurrent`, one scenario with
//! `cargo run -p async-concurrent -- gather --delay-ms 300 --runtime smol`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures_lite::FutureExt;
use taskset::{Ctx, Runtime, panic_message};

pub mod async_std_rt;
pub mod model;
pub mod smol_rt;
pub mod tokio_rt;

/// `job`, with a panic inside it caught and handed back as its message: a task that panics ends
/// alone, and its handle says why, on all three runtimes alike.
pub(crate) async fn caught<F: Future>(job: F) -> Result<F::Output, String> {
    let ended = AssertUnwindSafe(job).catch_unwind().await;
    ended.map_err(|payload| panic_message(&*payload))
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
