//! async-concurrent on smol: every task is spawned on an `Executor` that we own and gathered
//! through its `Task`.
//!
//! smol is small executors you compose. An `Executor` is a plain value that runs tasks on whichever
//! threads call `ex.run(...)`: one thread is asyncio's event loop, several share its tasks.
//! (`smol::spawn` would use a global executor instead, which smol's docs keep for tests and small
//! programs: here the executor is passed in, so its threads are ours to choose.) A smol `Task` is
//! cancelled when dropped, and a panic in it would resume in whoever awaits it: `spawn` below
//! catches it at the task's edge instead, which is what tokio's `JoinError` does.
//!
//! Every scenario here is an `async fn` that takes the executor to spawn on: run it on one you
//! build, e.g. in a benchmark, `smol::block_on(ex.run(smol_rt::io(&ex, &ctx)))`. Read this file
//! next to `tokio_rt.rs` and `async_std_rt.rs`: the same functions in the same order, differing
//! only where the runtimes do.
//!
//! `cargo run -p async-concurrent -- gather --delay-ms 300 --runtime smol`

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::thread;
use std::time::{Duration, Instant};

use smol::future::FutureExt;
use smol::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use smol::net::TcpStream;
use smol::{Executor, Task, Timer};

use taskset::expected::data;
use taskset::runner::panic_message;
use taskset::{
    Ctx, Error, ErrorsOutcome, Fate, IoOutcome, TaskError, TimeoutOutcome, deliberate_panic, fate,
    kernel, net,
};

use crate::{CancelGuard, blocking_phase, blocking_wait, gathered, net_patience};

/// The seed's `task(name)`: start, wait D, finish. The wait is a timer: the thread is free.
pub async fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    Timer::after(ctx.delay()).await;
    ctx.finished(name);
}

/// The seed's `create_task`: A and B are both spawned before either is awaited.
pub async fn hello(ex: &Executor<'static>, ctx: &Ctx) -> Result<(), Error> {
    // Spawning is what makes them concurrent: each task now runs on its own, so B starts while A
    // waits. Awaiting `task(ctx, "A")` itself would run A to its end first (async-sequential).
    let a = spawn(ex, ctx, |ctx| async move { task(&ctx, "A").await });
    let b = spawn(ex, ctx, |ctx| async move { task(&ctx, "B").await });
    // The seed's `await t1; await t2`: while we wait for A, B is already waiting too.
    gathered(join_all(vec![a, b]).await).map(drop)
}

/// The seed's `gather`: A, B and C spawned, then all awaited.
pub async fn gather(ex: &Executor<'static>, ctx: &Ctx) -> Result<(), Error> {
    // Collected before the first await: every task is running before we wait for any.
    let tasks: Vec<_> = ctx
        .params()
        .names()
        .into_iter()
        .map(|name| spawn(ex, ctx, move |ctx| async move { task(&ctx, &name).await }))
        .collect();
    gathered(join_all(tasks).await).map(drop)
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub async fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    Timer::after(ctx.fetch_delay(id)).await;
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, all at once; the results in input order, whichever finishes first.
pub async fn fetch(ex: &Executor<'static>, ctx: &Ctx) -> Result<Vec<String>, Error> {
    let tasks: Vec<_> = (1..=ctx.params().tasks)
        .map(|id| {
            spawn(
                ex,
                ctx,
                move |ctx| async move { fetch_data(&ctx, id).await },
            )
        })
        .collect();
    // Awaiting the tasks in the order they were spawned puts each result in its input
    // slot, like `asyncio.gather`.
    gathered(join_all(tasks).await)
}

/// The seed's `risky_task`: wait D/2, then fail with `Something went wrong`.
pub async fn risky_task(ctx: &Ctx) -> Result<String, TaskError> {
    Timer::after(ctx.delay() / 2).await;
    Err(TaskError::risky())
}

/// Task `id` of `errors`: task 2 is `risky_task`, task 3 panics, the others return their data.
pub async fn flaky_task(ctx: &Ctx, id: u64) -> Result<String, TaskError> {
    ctx.started(&id.to_string());
    match fate(id) {
        Fate::Fail => risky_task(ctx).await,
        Fate::Panic => {
            Timer::after(ctx.delay() / 2).await;
            deliberate_panic()
        }
        Fate::Succeed => {
            Timer::after(ctx.delay() / 2).await;
            ctx.finished(&id.to_string());
            Ok(data(id))
        }
    }
}

/// The seed's try/except, then N tasks at once, of which one fails and one panics.
pub async fn errors(ex: &Executor<'static>, ctx: &Ctx) -> ErrorsOutcome {
    let caught = match risky_task(ctx).await {
        Ok(data) => data,
        Err(e) => {
            ctx.caught(&e);
            e.to_string()
        }
    };
    // Each task's error is its own return value, and `spawn` below catches a task's panic at the
    // task's edge: neither reaches the other tasks, and each comes back through its own handle.
    let tasks: Vec<_> = (1..=ctx.params().tasks)
        .map(|id| {
            spawn(
                ex,
                ctx,
                move |ctx| async move { flaky_task(&ctx, id).await },
            )
        })
        .collect();
    let ended = join_all(tasks).await.into_iter().zip(1..);
    let results = ended.map(|(ended, id)| ctx.settle(id, ended)).collect();
    ErrorsOutcome { caught, results }
}

/// A task that waits with a blocking sleep: on the executor thread, or handed to the blocking pool.
pub async fn blocking_task(ctx: &Ctx, name: &str, fixed: bool) -> Result<(), String> {
    ctx.started(name);
    let wait = blocking_wait(ctx, name);
    if fixed {
        // unblock runs the sleep on a thread of smol's blocking pool; this task awaits it
        // like any other future, so the executor thread stays free for the other tasks.
        smol::unblock(wait).await;
    } else {
        // The seed's warning: this holds the executor thread for D, and no other task on it runs.
        wait();
    }
    ctx.finished(name);
    Ok(())
}

/// Gather with blocking sleeps: the stall on one executor thread (≈ 3·D), then the fix (≈ D).
///
/// Run it on an executor driven by one thread to see the stall; more threads hide part of it.
pub async fn blocking(ex: &Executor<'static>, ctx: &Ctx) -> Result<(), Error> {
    for fixed in [false, true] {
        let start = blocking_phase(ctx, fixed, "smol::unblock");
        let tasks: Vec<_> = ctx
            .params()
            .names()
            .into_iter()
            .map(|name| {
                spawn(ex, ctx, move |ctx| async move {
                    blocking_task(&ctx, &name, fixed).await
                })
            })
            .collect();
        for ended in gathered(join_all(tasks).await)? {
            ended.map_err(Error)?;
        }
        start.done(ctx);
    }
    Ok(())
}

/// A task that works for `work`. It never checks a deadline: it is stopped from outside.
pub async fn slow_task(ctx: &Ctx, name: &str, work: Duration) {
    ctx.started(name);
    // Dropped with the future: if that happens before the work is done, the guard says so.
    let guard = CancelGuard::arm(ctx, name);
    Timer::after(work).await;
    guard.disarm();
    ctx.finished(name);
}

/// Task `name` of `timeout` under the deadline T; true if it finished in time.
async fn with_deadline(ctx: &Ctx, name: &str) -> bool {
    let mut work = Box::pin(slow_task(ctx, name, ctx.timeout_work(name)));
    if within(ctx.params().timeout, &mut work).await.is_some() {
        return true;
    }
    ctx.timed_out(name);
    // Dropping the future is how async cancels: it is never polled again, so the task stops at
    // the await it was parked on, and its guard reports it.
    drop(work);
    false
}

/// Tasks A, B and C at once, each under the deadline T; C needs 3·D and is dropped at T.
pub async fn timeout(ex: &Executor<'static>, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
    let tasks: Vec<_> = ctx
        .params()
        .names()
        .into_iter()
        .map(|name| {
            spawn(ex, ctx, move |ctx| async move {
                (with_deadline(&ctx, &name).await, name)
            })
        })
        .collect();
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    for (in_time, name) in gathered(join_all(tasks).await)? {
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = "C's future was dropped when it lost its race with a smol::Timer: it is never \
               polled again, so it stopped at its await (no thread to kill, no flag to check)";
    Ok(TimeoutOutcome {
        completed,
        timed_out,
        how: how.to_string(),
    })
}

/// One request: wait D on a timer, or with `--net` a real TCP request the server answers after D.
pub async fn request(ctx: &Ctx, id: u64) -> Result<Duration, String> {
    let start = Instant::now();
    ctx.job_started(id);
    let answered = match ctx.params().server {
        None => {
            Timer::after(ctx.delay()).await;
            Ok(())
        }
        // Boxed: a future is as large as its largest state, and the socket branch is large. Kept
        // inline it made every timer-only task ~5× its timer's size (footprint, 1M tasks).
        Some(addr) => Box::pin(net_request(ctx, addr, id)).await,
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// The `--net` branch of `request`: one connection, given up well after D if no answer comes.
async fn net_request(ctx: &Ctx, addr: SocketAddr, id: u64) -> Result<(), String> {
    let exchange = roundtrip(addr, net::request_line(id, ctx.delay()));
    // A server that never answers must not hang the program: give up well after D.
    let reply = within(net_patience(ctx), exchange)
        .await
        .ok_or("no answer in time")?;
    net::check_reply(id, &reply.map_err(|e| e.to_string())?)
}

/// One request on its own TCP connection: write the line, read one line back.
async fn roundtrip(addr: SocketAddr, line: String) -> std::io::Result<String> {
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.get_mut().write_all(line.as_bytes()).await?;
    let mut reply = String::new();
    stream.read_line(&mut reply).await?;
    Ok(reply)
}

/// N requests at once, one task each: they all wait together, so the run takes ≈ D.
pub async fn io(ex: &Executor<'static>, ctx: &Ctx) -> IoOutcome {
    // No event per request: at 100,000 requests the log would cost more than the requests.
    let tasks: Vec<_> = (1..=ctx.params().tasks)
        .map(|id| spawn(ex, ctx, move |ctx| async move { request(&ctx, id).await }))
        .collect();
    let ended = join_all(tasks).await.into_iter().zip(1..);
    let results = ended.map(|(ended, id)| (id, ended.and_then(|latency| latency)));
    IoOutcome::collect(
        results.collect::<Vec<_>>(),
        "one Executor::spawn per request",
    )
}

/// N jobs of the kernel, one task each. A job never awaits: it holds its thread until it is done.
pub async fn cpu(ex: &Executor<'static>, ctx: &Ctx) -> Result<Vec<u64>, Error> {
    let work = ctx.params().work;
    let jobs: Vec<_> = (1..=ctx.params().tasks)
        .map(|id| {
            spawn(ex, ctx, move |ctx| async move {
                kernel::traced_job(&ctx, id, work)
            })
        })
        .collect();
    gathered(join_all(jobs).await)
}

// ---- smol's own pieces: spawn, join, and the executor's threads ----

/// Spawns `job(ctx)` on `ex`; it gets its own clone of `ctx`, as a spawned task owns what it uses.
fn spawn<T, F>(
    ex: &Executor<'static>,
    ctx: &Ctx,
    job: impl FnOnce(Ctx) -> F,
) -> Task<thread::Result<T>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // Caught here, a panic ends only this task and comes back as a value, like a JoinError.
    ex.spawn(AssertUnwindSafe(job(ctx.clone())).catch_unwind())
}

/// Awaits each task in spawn order: its output, or why it died.
async fn join_all<T>(tasks: Vec<Task<thread::Result<T>>>) -> Vec<Result<T, String>> {
    let mut ended = Vec::with_capacity(tasks.len());
    for task in tasks {
        ended.push(task.await.map_err(|payload| panic_message(&*payload)));
    }
    ended
}

/// `fut`'s output, or None if `limit` passes first; then `fut` is dropped (a race with a timer).
async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let expire = async {
        Timer::after(limit).await;
        None
    };
    // `or` polls both and returns the first to finish; the loser is dropped with it.
    async { Some(fut.await) }.or(expire).await
}

/// Runs `fut` on `ex` with `threads` executor threads: this one and `threads - 1` helpers.
pub fn block_on<T>(
    ex: &Executor<'static>,
    threads: usize,
    fut: impl Future<Output = T>,
) -> Result<T, Error> {
    // The helpers run the executor until this channel closes, when `fut` is done.
    let (stop, stopped) = smol::channel::unbounded::<()>();
    thread::scope(|scope| {
        let helpers = (1..threads).try_for_each(|i| {
            let stopped = stopped.clone();
            let helper = thread::Builder::new().name(format!("smol-executor-{i}"));
            helper.spawn_scoped(scope, move || smol::block_on(ex.run(stopped.recv())))?;
            Ok::<(), std::io::Error>(())
        });
        let out = match helpers {
            Ok(()) => Ok(smol::block_on(ex.run(fut))),
            Err(e) => Err(Error(format!("cannot start smol executor thread: {e}"))),
        };
        drop(stop);
        out
    })
}
