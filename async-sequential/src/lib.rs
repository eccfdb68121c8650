//! async-sequential: every scenario with async functions, awaited one after another.
//!
//! This is the seed's second example — `await task("A"); await task("B")` — and half of its
//! lesson: `async` alone is not concurrency. Each `.await` waits for its task to finish, so the
//! time is the sum of the waits; a late future can be dropped, though. The runtime is [`rt`]'s.
//! Open two model crates side by side: the same functions in the same order, and only the
//! model's own lines differ (`diff -u sync-basic/src/lib.rs <crate>/src/lib.rs`).
//!
//! Run the tour with `cargo run -p async-sequential`, one scenario with
//! `cargo run -p async-sequential -- gather --delay-ms 300 --runtime smol`.

use std::panic::AssertUnwindSafe;
use std::thread;
use std::time::{Duration, Instant};

use taskset::expected::data;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Fate, IoOutcome, ServeOutcome, TaskError,
    TimeoutOutcome, deliberate_panic, fate, kernel, panic_message, serve,
};

pub mod model;
pub mod rt;

use rt::{catch_unwind, sleep, within};

/// The seed's `async def task(name)`: start, wait D, finish. The wait is a timer, but we await it.
pub async fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    sleep(ctx.delay()).await;
    ctx.finished(name);
}

/// Tasks A and B, one after the other: B starts only after A finishes.
pub async fn hello(ctx: &Ctx) {
    task(ctx, "A").await;
    task(ctx, "B").await;
}

/// Tasks A, B and C, one after another: there is no gathering here.
pub async fn gather(ctx: &Ctx) {
    for name in ctx.params().names() {
        task(ctx, &name).await;
    }
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub async fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    sleep(ctx.fetch_delay(id)).await;
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, one after another: results in input order, as they are made in it.
pub async fn fetch(ctx: &Ctx) -> Vec<String> {
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push(fetch_data(ctx, id).await);
    }
    results
}

/// The seed's `risky_task`: wait D/2, then fail with `Something went wrong`.
pub async fn risky_task(ctx: &Ctx) -> Result<String, TaskError> {
    sleep(ctx.delay() / 2).await;
    Err(TaskError::risky())
}

/// Task `id` of `errors`: task 2 is `risky_task`, task 3 panics, the others return their data.
pub async fn flaky_task(ctx: &Ctx, id: u64) -> Result<String, TaskError> {
    ctx.started(&id.to_string());
    match fate(id) {
        Fate::Fail => risky_task(ctx).await,
        Fate::Panic => {
            sleep(ctx.delay() / 2).await;
            deliberate_panic()
        }
        Fate::Succeed => {
            sleep(ctx.delay() / 2).await;
            ctx.finished(&id.to_string());
            Ok(data(id))
        }
    }
}

/// The seed's try/except, then N tasks of which one fails and one panics.
pub async fn errors(ctx: &Ctx) -> ErrorsOutcome {
    let caught = match risky_task(ctx).await {
        Ok(data) => data,
        Err(e) => {
            ctx.caught(&e);
            e.to_string()
        }
    };
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        // With one task at a time, a panic would unwind through the whole program; catch_unwind
        // stops it here, so the tasks after it still run.
        let ended = catch_unwind(AssertUnwindSafe(flaky_task(ctx, id))).await;
        results.push(ctx.settle(id, ended.map_err(|payload| panic_message(&*payload))));
    }
    ErrorsOutcome { caught, results }
}

/// A task that waits with a blocking call (`thread::sleep`): the seed's warning.
pub async fn blocking_task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    ctx.blocked(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Gather with blocking sleeps: the tasks ran one after another anyway, so nothing is lost.
pub async fn blocking(ctx: &Ctx) {
    ctx.note(
        "async-sequential: the blocking sleeps hold the runtime's only thread, in turn anyway",
    );
    for name in ctx.params().names() {
        blocking_task(ctx, &name).await;
    }
}

/// A task that works for `work`. It never checks a deadline: it is stopped from outside.
pub async fn slow_task(ctx: &Ctx, name: &str, work: Duration) {
    ctx.started(name);
    // Dropped with the future: if that happens before the work is done, the guard says so.
    let guard = ctx.cancel_guard(name);
    sleep(work).await;
    guard.disarm();
    ctx.finished(name);
}

/// Tasks A, B and C in turn, each with its own deadline T; C needs 3·D and is dropped at T.
pub async fn timeout(ctx: &Ctx) -> TimeoutOutcome {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    for name in ctx.params().names() {
        let mut work = Box::pin(slow_task(ctx, &name, ctx.timeout_work(&name)));
        let in_time = within(ctx.params().timeout, &mut work).await.is_some();
        if !in_time {
            ctx.timed_out(&name);
        }
        // Dropping the future is how async cancels: a late one is never polled again, so it
        // stops at the await it was parked on, and its guard reports it.
        drop(work);
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = "C's future was dropped at its deadline (it lost a race with the runtime's timer): \
               unlike a blocking call, a future can be stopped from outside, at any await";
    TimeoutOutcome {
        completed,
        timed_out,
        how: how.to_string(),
    }
}

/// One request: wait D on a timer, or with `--net` a real TCP request the server answers after D.
pub async fn request(ctx: &Ctx, id: u64) -> Result<Duration, String> {
    let start = Instant::now();
    ctx.job_started(id);
    let answered = match ctx.params().server {
        None => {
            sleep(ctx.delay()).await;
            Ok(())
        }
        Some(addr) => rt::request(addr, id, ctx.delay()).await,
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// N requests, one after another: the time is N·D however idle the machine is.
pub async fn io(ctx: &Ctx) -> IoOutcome {
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push((id, request(ctx, id).await));
    }
    IoOutcome::collect(
        results,
        "one request at a time, each finished before the next",
    )
}

/// N jobs of the kernel, one after another on one core.
pub async fn cpu(ctx: &Ctx) -> CpuOutcome {
    let p = ctx.params();
    let run = CpuRun::measure("one job after another", || {
        Ok((1..=p.tasks)
            .map(|id| kernel::traced_job(ctx, id, p.work))
            .collect())
    });
    CpuOutcome {
        runs: run.into_iter().collect(),
        note: "async-sequential: one core works, the others idle; async gains nothing".to_string(),
    }
}

/// The server, one connection at a time: accept one, serve it to its end, then accept the next.
pub async fn serve(ctx: &Ctx) -> Result<ServeOutcome, Error> {
    let listener = rt::listen(serve::listen(ctx)?)?;
    while let Some(conn) = rt::accept(ctx, &listener).await {
        // With keep-alive, one client holds the server for as long as it stays connected: every
        // other client waits in the listen backlog until it leaves. The classic mistake of async
        // servers, and the fix is one word: spawn it (async-concurrent).
        serve::connection_async(ctx, conn).await;
    }
    Ok(serve::served(ctx, "one connection at a time, to its end"))
}
