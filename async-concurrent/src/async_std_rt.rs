//! async-concurrent on async-std: every task is spawned with `task::spawn` and gathered
//! through its `JoinHandle`.
//!
//! async-std is the legacy runtime (discontinued in 2025, RUSTSEC-2025-0052): one global pool,
//! sized once by `ASYNC_STD_THREAD_COUNT`, so one executor thread means `task::spawn_local` onto
//! the thread in `block_on`. A task's panic would resume in whoever awaits it; `spawn` catches it
//! at the task's edge instead, as it does on tokio, so that the three gather alike.
//!
//! Every scenario is an `async fn` that takes what it spawns on, [`Rt`]: build a [`Runtime`] once
//! (a benchmark does, outside its measured loop) and run any scenario on it,
//! `rt.block_on(async_std_rt::io(rt.spawner(), &ctx))`. This file and its two siblings are the same
//! code but for the runtime's own pieces at the bottom: `diff -u tokio_rt.rs async_std_rt.rs`.
//!
//! `cargo run -p async-concurrent -- gather --delay-ms 300 --runtime async-std`

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::time::{Duration, Instant};

use async_std::io::BufReader;
use async_std::io::prelude::{BufReadExt, ReadExt, WriteExt};
use async_std::net::{TcpListener, TcpStream};
use async_std::task::{self, JoinHandle};

use taskset::expected::data;
use taskset::{
    CpuRun, Ctx, Error, ErrorsOutcome, Fate, IoOutcome, ServeOutcome, TaskError, TimeoutOutcome,
    deliberate_panic, fate, gathered, kernel, net, serve,
};

use crate::{blocking_phase, blocking_wait, caught};

/// The seed's `task(name)`: start, wait D, finish. The wait is a timer: the thread is free.
pub async fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    sleep(ctx.delay()).await;
    ctx.finished(name);
}

/// The seed's `create_task`: A and B are both spawned before either is awaited.
pub async fn hello(rt: &Rt, ctx: &Ctx) -> Result<(), Error> {
    // Spawning is what makes them concurrent: each task now runs on its own, so B starts while A
    // waits. Awaiting `task(ctx, "A")` itself would run A to its end first (async-sequential).
    let a = spawn(rt, ctx, |ctx| async move { task(&ctx, "A").await });
    let b = spawn(rt, ctx, |ctx| async move { task(&ctx, "B").await });
    // The seed's `await t1; await t2`: while we wait for A, B is already waiting too.
    gathered(join_all(vec![a, b]).await).map(drop)
}

/// The seed's `gather`: A, B and C spawned, then all awaited.
pub async fn gather(rt: &Rt, ctx: &Ctx) -> Result<(), Error> {
    // Collected before the first await: every task is running before we wait for any.
    let names = ctx.params().names().into_iter();
    let tasks = names.map(|name| spawn(rt, ctx, |ctx| async move { task(&ctx, &name).await }));
    gathered(join_all(tasks.collect()).await).map(drop)
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub async fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    sleep(ctx.fetch_delay(id)).await;
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, all at once; the results in input order, whichever finishes first.
pub async fn fetch(rt: &Rt, ctx: &Ctx) -> Result<Vec<String>, Error> {
    let ids = 1..=ctx.params().tasks;
    let tasks = ids.map(|id| {
        spawn(
            rt,
            ctx,
            move |ctx| async move { fetch_data(&ctx, id).await },
        )
    });
    // Awaiting the tasks in the order they were spawned, not as they finish, puts each result in
    // its input slot, like `asyncio.gather`.
    gathered(join_all(tasks.collect()).await)
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

/// The seed's try/except, then N tasks at once, of which one fails and one panics.
pub async fn errors(rt: &Rt, ctx: &Ctx) -> ErrorsOutcome {
    let caught = match risky_task(ctx).await {
        Ok(data) => data,
        Err(e) => {
            ctx.caught(&e);
            e.to_string()
        }
    };
    // Each task's error is its own return value, and a task's panic is caught at the task's edge
    // (see `spawn`): neither reaches the other tasks, and each comes back through its own handle.
    let ids = 1..=ctx.params().tasks;
    let tasks = ids.map(|id| {
        spawn(
            rt,
            ctx,
            move |ctx| async move { flaky_task(&ctx, id).await },
        )
    });
    let ended = join_all(tasks.collect()).await.into_iter().zip(1..);
    let results = ended.map(|(ended, id)| ctx.settle(id, ended)).collect();
    ErrorsOutcome { caught, results }
}

/// A task that waits with a blocking sleep: on the executor thread, or handed to a blocking pool.
pub async fn blocking_task(ctx: &Ctx, name: &str, fixed: bool) -> Result<(), String> {
    ctx.started(name);
    let wait = blocking_wait(ctx, name);
    if fixed {
        // The runtime runs the sleep on a thread of its blocking pool; this task awaits it like
        // any other future, so the executor thread stays free for the other tasks.
        offload(wait).await?;
    } else {
        // The seed's warning: this holds the executor thread for D, and no other task on it runs.
        wait();
    }
    ctx.finished(name);
    Ok(())
}

/// Gather with blocking sleeps: the stall on one executor thread (≈ 3·D), then the fix (≈ D).
///
/// Run it on one executor thread to see the stall whole; more threads would hide part of it.
pub async fn blocking(rt: &Rt, ctx: &Ctx) -> Result<(), Error> {
    for fixed in [false, true] {
        let phase = blocking_phase(ctx, fixed, OFFLOAD);
        let names = ctx.params().names().into_iter();
        let tasks = names.map(|name| {
            spawn(rt, ctx, move |ctx| async move {
                blocking_task(&ctx, &name, fixed).await
            })
        });
        for ended in gathered(join_all(tasks.collect()).await)? {
            ended.map_err(Error::failed)?;
        }
        phase.done(ctx);
    }
    Ok(())
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

/// Task `name` of `timeout` under the deadline T; true if it finished in time.
async fn with_deadline(ctx: &Ctx, name: &str) -> bool {
    let mut work = Box::pin(slow_task(ctx, name, ctx.timeout_work(name)));
    let in_time = within(ctx.params().timeout, &mut work).await.is_some();
    if !in_time {
        ctx.timed_out(name);
    }
    // Dropping the future is how async cancels: a late one is never polled again, so it stops at
    // the await it was parked on, and its guard reports it.
    drop(work);
    in_time
}

/// Tasks A, B and C at once, each under the deadline T; C needs 3·D and is dropped at T.
pub async fn timeout(rt: &Rt, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    let names = ctx.params().names().into_iter();
    let tasks = names.map(|name| {
        spawn(rt, ctx, move |ctx| async move {
            (with_deadline(&ctx, &name).await, name)
        })
    });
    for (in_time, name) in gathered(join_all(tasks.collect()).await)? {
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = format!(
        "C's future was dropped when {WITHIN} fired: it is never polled again, so it stopped at \
         its await (no thread to kill, no flag to check)"
    );
    Ok(TimeoutOutcome {
        completed,
        timed_out,
        how,
    })
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
        // Boxed: a future is as large as its largest state, and the socket branch is large. Kept
        // inline it made every timer-only task ~5× its timer's size (footprint, 1M tasks).
        Some(addr) => Box::pin(net_request(addr, id, ctx.delay())).await,
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// The `--net` branch of `request`: one connection, given up [`net::PATIENCE`] after D.
async fn net_request(addr: SocketAddr, id: u64, delay: Duration) -> Result<(), String> {
    let exchange = roundtrip(addr, net::request_line(id, delay));
    let reply = within(delay + net::PATIENCE, exchange)
        .await
        .ok_or("no answer in time")?;
    net::check_reply(id, &reply.map_err(|e| e.to_string())?)
}

/// N requests at once, one task each: they all wait together, so the run takes ≈ D.
pub async fn io(rt: &Rt, ctx: &Ctx) -> IoOutcome {
    let ids = 1..=ctx.params().tasks;
    let tasks = ids.map(|id| spawn(rt, ctx, move |ctx| async move { request(&ctx, id).await }));
    let ended = join_all(tasks.collect()).await.into_iter().zip(1..);
    let results = ended.map(|(ended, id)| (id, ended.and_then(|latency| latency)));
    IoOutcome::collect(
        results.collect::<Vec<_>>(),
        format!("one {SPAWN} per request"),
    )
}

/// N jobs of the kernel, one task each, timed. A job never awaits: it holds its thread until it
/// is done, so only more executor threads make them faster.
pub async fn cpu(rt: &Rt, ctx: &Ctx) -> Result<CpuRun, Error> {
    let start = Instant::now();
    let work = ctx.params().work;
    let ids = 1..=ctx.params().tasks;
    let jobs = ids.map(|id| {
        spawn(rt, ctx, move |ctx| async move {
            kernel::traced_job(&ctx, id, work)
        })
    });
    let checksums = gathered(join_all(jobs.collect()).await)?;
    Ok(CpuRun {
        label: String::new(),
        elapsed: start.elapsed(),
        checksums,
    })
}

/// The server: a task per connection, each served by `serve::connection_async`.
pub async fn serve(rt: &Rt, ctx: &Ctx) -> Result<ServeOutcome, Error> {
    serve_on(rt, ctx, serve::listen(ctx)?).await
}

/// [`serve`] on a listener of the caller's: thread-per-core gives each runtime its own.
pub async fn serve_on(rt: &Rt, ctx: &Ctx, listener: StdListener) -> Result<ServeOutcome, Error> {
    let listener = listen(listener)?;
    while let Some(conn) = accept(ctx, &listener).await {
        // Spawned, so that each connection makes progress on its own while this loop goes straight
        // back to accepting. Awaiting it here instead is async-sequential's server.
        detach(spawn(rt, ctx, move |ctx| async move {
            serve::connection_async(&ctx, conn).await
        }));
    }
    // No more accepting: the connections in flight finish their request, or the grace runs out.
    let grace = Instant::now() + serve::GRACE;
    while ctx.serving().is_some_and(|s| s.open() > 0) && Instant::now() < grace {
        sleep(Duration::from_millis(5)).await;
    }
    Ok(serve::served(ctx, format!("one {SPAWN} per connection")))
}

// ---- async-std's own pieces: its timer, spawn and join, and where the tasks run ----

/// How the output lines name the runtime's spawn, its timeout and its blocking pool.
const SPAWN: &str = "task::spawn";
const WITHIN: &str = "async_std::future::timeout";
const OFFLOAD: &str = "task::spawn_blocking";

/// What the scenarios spawn on: the thread in `block_on` alone, or async-std's global pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    /// `task::spawn_local`: every task on the thread in `block_on` (asyncio's event loop).
    Local,
    /// `task::spawn`: the tasks shared by the threads of the global pool.
    Global,
}

/// Waits `d` on the runtime's timer.
async fn sleep(d: Duration) {
    task::sleep(d).await
}

/// Spawns `job(ctx)` on `rt`; it gets its own clone of `ctx`: a spawned task owns what it uses.
fn spawn<T, F>(rt: &Rt, ctx: &Ctx, job: impl FnOnce(Ctx) -> F) -> JoinHandle<Result<T, String>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    match rt {
        Rt::Local => task::spawn_local(caught(job(ctx.clone()))),
        Rt::Global => task::spawn(caught(job(ctx.clone()))),
    }
}

/// Awaits each task in spawn order: its output, or why it died.
async fn join_all<T>(tasks: Vec<JoinHandle<Result<T, String>>>) -> Vec<Result<T, String>> {
    let mut ended = Vec::with_capacity(tasks.len());
    for task in tasks {
        ended.push(task.await);
    }
    ended
}

/// `fut`'s output, or None if `limit` passes first; then `fut` is dropped.
async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    async_std::future::timeout(limit, fut).await.ok()
}

/// Runs the blocking `wait` on a thread of the runtime's blocking pool, and awaits it.
async fn offload(wait: impl FnOnce() + Send + 'static) -> Result<(), String> {
    task::spawn_blocking(wait).await;
    Ok(())
}

/// One request on its own TCP connection: write the line, read one line back.
async fn roundtrip(addr: SocketAddr, line: String) -> std::io::Result<String> {
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.get_mut().write_all(line.as_bytes()).await?;
    let mut reply = String::new();
    stream.read_line(&mut reply).await?;
    Ok(reply)
}

/// The server's listener, on the runtime: from the `std` one, which is non-blocking already.
fn listen(listener: StdListener) -> Result<TcpListener, Error> {
    Ok(TcpListener::from(listener))
}

/// The next connection, or None once the server is told to stop.
async fn accept(ctx: &Ctx, listener: &TcpListener) -> Option<Conn> {
    let accepted = || async {
        let (conn, _) = listener.accept().await?;
        let _ = conn.set_nodelay(true);
        Ok(Conn(conn))
    };
    serve::accept_async(ctx, accepted).await
}

/// Lets a task run on without its handle.
fn detach<T>(task: JoinHandle<T>) {
    drop(task);
}

/// A connection of the server, read and written the way `serve::connection_async` asks.
struct Conn(TcpStream);

impl serve::AsyncConn for Conn {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).await
    }

    async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf).await
    }

    async fn sleep(d: Duration) {
        sleep(d).await
    }

    async fn offload(job: impl FnOnce() -> u64 + Send + 'static) -> Result<u64, String> {
        Ok(task::spawn_blocking(job).await)
    }
}

/// One thread or the global pool, built once and used for many runs.
pub struct Runtime {
    spawner: Rt,
}

impl Runtime {
    /// One thread (every task on the thread in `block_on`), or the global pool, whose size
    /// async-std fixed at start (`ASYNC_STD_THREAD_COUNT`): it cannot be chosen per run.
    pub fn new(threads: usize) -> Result<Runtime, Error> {
        let spawner = if threads == 1 { Rt::Local } else { Rt::Global };
        Ok(Runtime { spawner })
    }

    /// What the scenarios spawn on.
    pub fn spawner(&self) -> &Rt {
        &self.spawner
    }

    /// Runs `fut` to its end on this thread; what it spawns runs here or on the global pool.
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        task::block_on(fut)
    }
}
