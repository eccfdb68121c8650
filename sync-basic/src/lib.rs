//! sync-basic: every scenario with blocking calls, one after another.
//!
//! This is the seed's first example — `task("A"); task("B")` with `time.sleep(2)` — and the
//! baseline every other model is read against: each call blocks the one thread there is until
//! it returns, so the time is the sum of the waits. Nothing here is concurrent.
//! Open two model crates side by side: the same functions in the same order, and only the
//! model's own lines differ (`diff -u sync-basic/src/lib.rs <crate>/src/lib.rs`).
//!
//! Run the tour with `cargo run -p sync-basic`, one scenario with
//! `cargo run -p sync-basic -- gather --delay-ms 300`.

use std::panic::AssertUnwindSafe;
use std::thread;
use std::time::{Duration, Instant};

use taskset::expected::data;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Fate, IoOutcome, ServeOutcome, TaskError,
    TimeoutOutcome, deliberate_panic, fate, kernel, net, panic_message, serve,
};

pub mod model;

/// The seed's `task(name)`: start, wait D, finish. The wait blocks the thread.
pub fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Tasks A and B, one after the other: B starts only after A finishes.
pub fn hello(ctx: &Ctx) {
    task(ctx, "A");
    task(ctx, "B");
}

/// Tasks A, B and C, one after another: there is no gathering here.
pub fn gather(ctx: &Ctx) {
    for name in ctx.params().names() {
        task(ctx, &name);
    }
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    thread::sleep(ctx.fetch_delay(id));
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, one after another: results in input order, as they are made in it.
pub fn fetch(ctx: &Ctx) -> Vec<String> {
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push(fetch_data(ctx, id));
    }
    results
}

/// The seed's `risky_task`: wait D/2, then fail with `Something went wrong`.
pub fn risky_task(ctx: &Ctx) -> Result<String, TaskError> {
    thread::sleep(ctx.delay() / 2);
    Err(TaskError::risky())
}

/// Task `id` of `errors`: task 2 is `risky_task`, task 3 panics, the others return their data.
pub fn flaky_task(ctx: &Ctx, id: u64) -> Result<String, TaskError> {
    ctx.started(&id.to_string());
    match fate(id) {
        Fate::Fail => risky_task(ctx),
        Fate::Panic => {
            thread::sleep(ctx.delay() / 2);
            deliberate_panic()
        }
        Fate::Succeed => {
            thread::sleep(ctx.delay() / 2);
            ctx.finished(&id.to_string());
            Ok(data(id))
        }
    }
}

/// The seed's try/except, then N tasks of which one fails and one panics.
pub fn errors(ctx: &Ctx) -> ErrorsOutcome {
    let caught = match risky_task(ctx) {
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
        let ended = std::panic::catch_unwind(AssertUnwindSafe(|| flaky_task(ctx, id)));
        results.push(ctx.settle(id, ended.map_err(|payload| panic_message(&*payload))));
    }
    ErrorsOutcome { caught, results }
}

/// A task that waits with a blocking call (`thread::sleep`): the seed's warning.
pub fn blocking_task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    ctx.blocked(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Gather with blocking sleeps: the tasks ran one after another anyway, so nothing is lost.
pub fn blocking(ctx: &Ctx) {
    ctx.note(
        "sync-basic: every wait already blocks the only thread; nothing else was waiting to run",
    );
    for name in ctx.params().names() {
        blocking_task(ctx, &name);
    }
}

/// A task that works for `work` but gives up at `deadline`; it checks the deadline itself.
pub fn slow_task(ctx: &Ctx, name: &str, work: Duration, deadline: Instant) -> bool {
    ctx.started(name);
    let done = Instant::now() + work;
    // A blocking sleep cannot be interrupted from outside, so sleep only until the earlier of the
    // two instants, and decide there.
    thread::sleep(done.min(deadline).saturating_duration_since(Instant::now()));
    if done > deadline {
        return false;
    }
    ctx.finished(name);
    true
}

/// Tasks A, B and C in turn, each with its own deadline T; C needs 3·D and gives up at T.
pub fn timeout(ctx: &Ctx) -> TimeoutOutcome {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    for name in ctx.params().names() {
        let deadline = Instant::now() + ctx.params().timeout;
        let in_time = slow_task(ctx, &name, ctx.timeout_work(&name), deadline);
        if !in_time {
            ctx.timed_out(&name);
            // Nothing stopped it from outside: a blocking call cannot be interrupted, so the
            // task stopped itself at its deadline.
            ctx.cancelled(&name);
        }
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = "C stopped itself at its deadline: a blocking call cannot be interrupted, \
               so the task checks the deadline around its waits";
    TimeoutOutcome {
        completed,
        timed_out,
        how: how.to_string(),
    }
}

/// One request: wait D on a timer, or with `--net` a real TCP request the server answers after D.
pub fn request(ctx: &Ctx, id: u64) -> Result<Duration, String> {
    let start = Instant::now();
    ctx.job_started(id);
    let answered = match ctx.params().server {
        None => {
            thread::sleep(ctx.delay());
            Ok(())
        }
        Some(addr) => net::blocking_request(addr, id, ctx.delay()).map_err(|e| e.to_string()),
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// N requests, one after another: the time is N·D however idle the machine is.
pub fn io(ctx: &Ctx) -> IoOutcome {
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push((id, request(ctx, id)));
    }
    IoOutcome::collect(
        results,
        "one request at a time, each finished before the next",
    )
}

/// N jobs of the kernel, one after another on one core.
pub fn cpu(ctx: &Ctx) -> CpuOutcome {
    let p = ctx.params();
    let run = CpuRun::measure("one job after another", || {
        Ok((1..=p.tasks)
            .map(|id| kernel::traced_job(ctx, id, p.work))
            .collect())
    });
    CpuOutcome {
        runs: run.into_iter().collect(),
        note: "sync-basic: one core works, the others idle".to_string(),
    }
}

/// The server, one connection at a time: accept one, serve it to its end, then accept the next.
pub fn serve(ctx: &Ctx) -> Result<ServeOutcome, Error> {
    let listener = serve::listen(ctx)?;
    while let Some(conn) = serve::accept(ctx, &listener) {
        // With keep-alive, one client holds the server for as long as it stays connected: every
        // other client waits in the listen backlog until it leaves.
        serve::connection(ctx, conn);
    }
    Ok(serve::served(ctx, "one connection at a time, to its end"))
}
