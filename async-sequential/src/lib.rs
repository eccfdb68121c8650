//! async-sequential: every scenario with async functions, awaited one after another.
//!
//! This is the seed's second example — `await task("A"); await task("B")` — and the first half of
//! its lesson: `async` alone is not concurrency. Each `.await` waits for its task to finish before
//! the next line runs, so the program's time is the sum of its waits, exactly as in sync-basic.
//! Open `sync-basic/src/lib.rs` beside this file: the same functions in the same order, differing
//! only by `async`/`.await`, the runtime's timer, and `timeout`, where a future can be cancelled
//! from outside and a blocking call cannot. async-concurrent spawns the same tasks instead.
//!
//! The runtime is chosen with `--runtime tokio|async-std|smol`; only [`sleep`], [`within`],
//! [`roundtrip`] and [`block_on`] at the bottom know which one runs. async-std was discontinued
//! upstream in 2025 in favour of smol (RUSTSEC-2025-0052); it is kept as the legacy runtime, and
//! nothing else in the workspace may depend on it.
//!
//! Run the tour with `cargo run -p async-sequential`, one scenario with
//! `cargo run -p async-sequential -- gather --delay-ms 300 --runtime smol`.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use futures_lite::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use taskset::expected::data;
use taskset::runner::panic_message;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Fate, Flag, IoOutcome, Model, ModelSpec, Order,
    Runtime, TaskError, TimeoutOutcome, deliberate_panic, fate, kernel, net,
};

/// The model's name, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "async-sequential",
    about: "Every scenario with async functions awaited one after another (the seed's second \
            example), on tokio, async-std or smol",
    accepts: &[Flag::Runtime],
    refusals: &[(
        Flag::Workers,
        "it awaits one task at a time on one thread, so it has no pool",
    )],
};

/// The seed's `async def task(name)`: start, wait D, finish. The wait is a timer, but we await it.
pub async fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    sleep(ctx, ctx.delay()).await;
    ctx.finished(name);
}

/// Tasks A and B, one after the other: `.await` waits for A to finish before B is even created.
pub async fn hello(ctx: &Ctx) {
    task(ctx, "A").await;
    task(ctx, "B").await;
}

/// Tasks A, B and C, each awaited in turn: async functions, and still no gathering.
pub async fn gather(ctx: &Ctx) {
    for name in ctx.params().names() {
        task(ctx, &name).await;
    }
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub async fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    sleep(ctx, ctx.fetch_delay(id)).await;
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, one await after another: results in input order, as they are made in it.
pub async fn fetch(ctx: &Ctx) -> Vec<String> {
    // A loop, where sync-basic has `map`: the closure of a `map` cannot await.
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push(fetch_data(ctx, id).await);
    }
    results
}

/// The seed's `risky_task`: wait D/2, then fail with `Something went wrong`.
pub async fn risky_task(ctx: &Ctx) -> Result<String, TaskError> {
    sleep(ctx, ctx.delay() / 2).await;
    Err(TaskError::risky())
}

/// Task `id` of `errors`: task 2 is `risky_task`, task 3 panics, the others return their data.
pub async fn flaky_task(ctx: &Ctx, id: u64) -> Result<String, TaskError> {
    ctx.started(&id.to_string());
    match fate(id) {
        Fate::Fail => risky_task(ctx).await,
        Fate::Panic => {
            sleep(ctx, ctx.delay() / 2).await;
            deliberate_panic()
        }
        Fate::Succeed => {
            sleep(ctx, ctx.delay() / 2).await;
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
        // on the future stops it at this await, so the tasks after it still run.
        let ended = AssertUnwindSafe(flaky_task(ctx, id))
            .catch_unwind()
            .await
            .map_err(|payload| panic_message(&*payload));
        results.push(ctx.settle(id, ended));
    }
    ErrorsOutcome { caught, results }
}

/// A task that waits with a blocking call inside an async fn: the seed's warning.
pub async fn blocking_task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    ctx.blocked(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Gather with blocking sleeps: the tasks ran one after another anyway, so nothing is lost.
pub async fn blocking(ctx: &Ctx) {
    ctx.note(
        "async-sequential: each blocking sleep holds the runtime's thread, but the tasks run one \
         after another anyway, so it still takes ≈ 3·D; async-concurrent shows the stall",
    );
    for name in ctx.params().names() {
        blocking_task(ctx, &name).await;
    }
}

/// A task that works for `work`. It never checks a deadline: it is stopped from outside.
pub async fn slow_task(ctx: &Ctx, name: &str, work: Duration) {
    ctx.started(name);
    // Dropped with the future: if that happens before the work is done, the guard says so.
    let guard = CancelGuard::arm(ctx, name);
    sleep(ctx, work).await;
    guard.disarm();
    ctx.finished(name);
}

/// Tasks A, B and C in turn, each with its own deadline T; C needs 3·D and is dropped at T.
pub async fn timeout(ctx: &Ctx) -> TimeoutOutcome {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    for name in ctx.params().names() {
        let mut work = Box::pin(slow_task(ctx, &name, ctx.timeout_work(&name)));
        let in_time = within(ctx, ctx.params().timeout, &mut work).await.is_some();
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
            sleep(ctx, ctx.delay()).await;
            Ok(())
        }
        Some(addr) => net_request(ctx, addr, id).await,
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// The `--net` branch of `request`: one connection, given up well after D if no answer comes.
async fn net_request(ctx: &Ctx, addr: SocketAddr, id: u64) -> Result<(), String> {
    let exchange = roundtrip(ctx, addr, net::request_line(id, ctx.delay()));
    // A server that never answers must not hang the program: give up well after D.
    let patience = ctx.delay() + Duration::from_secs(10);
    let reply = within(ctx, patience, exchange)
        .await
        .ok_or("no answer in time")?;
    net::check_reply(id, &reply.map_err(|e| e.to_string())?)
}

/// N requests, one await after another: the time is N·D however idle the machine is.
pub async fn io(ctx: &Ctx) -> IoOutcome {
    let mut results = Vec::new();
    for id in 1..=ctx.params().tasks {
        results.push((id, request(ctx, id).await));
    }
    IoOutcome::collect(
        results,
        "one request at a time, each awaited before the next",
    )
}

/// N jobs of the kernel, one after another on one core: there is nothing to await in them.
pub async fn cpu(ctx: &Ctx) -> CpuOutcome {
    let p = ctx.params();
    let run = CpuRun::measure("one job after another", || {
        Ok((1..=p.tasks)
            .map(|id| kernel::traced_job(ctx, id, p.work))
            .collect())
    });
    CpuOutcome {
        runs: run.into_iter().collect(),
        note: "async-sequential: one core works, the others idle; async gains nothing here"
            .to_string(),
    }
}

/// Reports `Task X cancelled` if dropped while armed: the proof that a dropped future stopped.
struct CancelGuard<'a> {
    ctx: &'a Ctx,
    name: &'a str,
    armed: bool,
}

impl<'a> CancelGuard<'a> {
    /// A guard for task `name`, armed until [`CancelGuard::disarm`].
    fn arm(ctx: &'a Ctx, name: &'a str) -> CancelGuard<'a> {
        CancelGuard {
            ctx,
            name,
            armed: true,
        }
    }

    /// The work is done: dropping the guard now says nothing.
    fn disarm(mut self) {
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

// ---- The runtime's own pieces: its timer, its sockets, and its block_on ----

/// Waits `d` on the timer of the runtime polling us (the one `ctx` names: the runner writes the
/// model's runtime into it): where sync-basic calls `thread::sleep`.
pub async fn sleep(ctx: &Ctx, d: Duration) {
    match ctx.params().runtime {
        Runtime::Tokio => tokio::time::sleep(d).await,
        Runtime::AsyncStd => async_std::task::sleep(d).await,
        Runtime::Smol => {
            smol::Timer::after(d).await;
        }
    }
}

/// `fut`'s output, or None if `limit` passes first; then `fut` is dropped (a race with [`sleep`]).
pub async fn within<T>(ctx: &Ctx, limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let expire = async {
        sleep(ctx, limit).await;
        None
    };
    // `or` polls both and returns the first to finish; the loser is dropped with it.
    async { Some(fut.await) }.or(expire).await
}

/// One request on its own TCP connection, with the runtime's own sockets.
pub async fn roundtrip(ctx: &Ctx, addr: SocketAddr, line: String) -> std::io::Result<String> {
    match ctx.params().runtime {
        Runtime::Tokio => {
            use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
            let mut stream = tokio::io::BufReader::new(tokio::net::TcpStream::connect(addr).await?);
            stream.get_mut().write_all(line.as_bytes()).await?;
            let mut reply = String::new();
            stream.read_line(&mut reply).await?;
            Ok(reply)
        }
        Runtime::AsyncStd => exchange(async_std::net::TcpStream::connect(addr).await?, line).await,
        Runtime::Smol => exchange(smol::net::TcpStream::connect(addr).await?, line).await,
    }
}

/// Writes the line and reads one line back, on a stream of the futures-io traits (async-std, smol).
async fn exchange(
    stream: impl AsyncRead + AsyncWrite + Unpin,
    line: String,
) -> std::io::Result<String> {
    let mut stream = BufReader::new(stream);
    stream.get_mut().write_all(line.as_bytes()).await?;
    let mut reply = String::new();
    stream.read_line(&mut reply).await?;
    Ok(reply)
}

/// Runs `fut` to completion on `runtime`, on this thread: the `asyncio.run` of the seed.
pub fn block_on<F: Future>(runtime: Runtime, fut: F) -> Result<F::Output, Error> {
    let out = match runtime {
        Runtime::Tokio => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(fut)),
        Runtime::AsyncStd => Ok(async_std::task::block_on(fut)),
        Runtime::Smol => Ok(smol::block_on(fut)),
    };
    Ok(out?)
}

/// The async, one-after-another model on one runtime.
pub struct AsyncSequential {
    runtime: Runtime,
}

impl AsyncSequential {
    /// The model on `runtime`.
    pub fn new(runtime: Runtime) -> AsyncSequential {
        AsyncSequential { runtime }
    }
}

impl Model for AsyncSequential {
    fn label(&self) -> String {
        format!("{} ({})", SPEC.name, self.runtime)
    }

    fn order(&self) -> Order {
        Order::Sequential
    }

    fn runtime(&self) -> Option<Runtime> {
        Some(self.runtime)
    }

    fn hello(&self, ctx: &Ctx) -> Result<(), Error> {
        block_on(self.runtime, hello(ctx))
    }

    fn gather(&self, ctx: &Ctx) -> Result<(), Error> {
        block_on(self.runtime, gather(ctx))
    }

    fn fetch(&self, ctx: &Ctx) -> Result<Vec<String>, Error> {
        block_on(self.runtime, fetch(ctx))
    }

    fn errors(&self, ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
        block_on(self.runtime, errors(ctx))
    }

    fn blocking(&self, ctx: &Ctx) -> Result<(), Error> {
        block_on(self.runtime, blocking(ctx))
    }

    fn timeout(&self, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
        block_on(self.runtime, timeout(ctx))
    }

    fn io(&self, ctx: &Ctx) -> Result<IoOutcome, Error> {
        block_on(self.runtime, io(ctx))
    }

    fn cpu(&self, ctx: &Ctx) -> Result<CpuOutcome, Error> {
        block_on(self.runtime, cpu(ctx))
    }
}
