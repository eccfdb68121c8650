//! threads: every scenario with one OS thread per task, a pool of P threads, and rayon.
//!
//! The seed says Python threads help with waiting but not with computing, because the GIL lets one
//! thread run Python at a time. Rust has no GIL: each thread here is an OS thread the kernel runs on
//! any free core, so threads overlap waits (gather, blocking, io) and share out CPU work (cpu) alike.
//! What they cost instead is a kernel task and a stack each, which is why `io` with ten thousand
//! requests is the C10k comparison, and why every run is checked against the OS limits first.
//! The tasks are sync-basic's functions; how they are started, waited for and stopped differs
//! ([`rt`] starts and joins the threads).
//! Open two model crates side by side: the same functions in the same order, and only the
//! model's own lines differ (`diff -u sync-basic/src/lib.rs <crate>/src/lib.rs`).
//!
//! Run the tour with `cargo run -p threads`, one scenario with
//! `cargo run -p threads -- gather --delay-ms 300`, a pool with `-- cpu --workers 2`.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use taskset::capacity::DEFAULT_STACK;
use taskset::expected::data;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Fate, IoOutcome, ServeOutcome, TaskError,
    TimeoutOutcome, deliberate_panic, fate, gathered, kernel, net, serve, sys,
};

pub mod model;
pub mod rt;

use rt::{
    REQUEST_STACK, each_on_its_thread, on_threads, spawn_connection, stop_at_deadline, threads,
    with_pool, with_rayon,
};

/// The seed's `task(name)`: start, wait D, finish. The wait blocks its thread.
pub fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Tasks A and B, each on its own thread: B starts while A still sleeps.
pub fn hello(ctx: &Ctx) -> Result<(), Error> {
    on_threads(&["A", "B"], |name| task(ctx, name)).map(drop)
}

/// Tasks A, B and C, one thread each, joined together: the threads' `gather`.
pub fn gather(ctx: &Ctx) -> Result<(), Error> {
    on_threads(&ctx.params().names(), |name| task(ctx, name)).map(drop)
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    thread::sleep(ctx.fetch_delay(id));
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, one thread each: results in input order, as the threads are joined in it.
pub fn fetch(ctx: &Ctx) -> Result<Vec<String>, Error> {
    let ids: Vec<u64> = (1..=ctx.params().tasks).collect();
    on_threads(&ids, |&id| fetch_data(ctx, id))
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
pub fn errors(ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
    let caught = match risky_task(ctx) {
        Ok(data) => data,
        Err(e) => {
            ctx.caught(&e);
            e.to_string()
        }
    };
    let ids: Vec<u64> = (1..=ctx.params().tasks).collect();
    // A panic ends only the thread it happens on, and joining the thread hands it back as a value,
    // so the other threads' results still arrive.
    let what = format!("--tasks {}", ids.len());
    let ended = each_on_its_thread(&what, &ids, DEFAULT_STACK, |&id| flaky_task(ctx, id))?;
    let mut results = Vec::new();
    for (id, ended) in ids.into_iter().zip(ended) {
        results.push(ctx.settle(id, ended));
    }
    Ok(ErrorsOutcome { caught, results })
}

/// A task that waits with a blocking call (`thread::sleep`): the seed's warning.
pub fn blocking_task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    ctx.blocked(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Gather with blocking sleeps: harmless here, since each sleep holds only its own thread.
pub fn blocking(ctx: &Ctx) -> Result<(), Error> {
    ctx.note(
        "threads: each blocking sleep holds only its own OS thread; the kernel runs the others",
    );
    on_threads(&ctx.params().names(), |name| blocking_task(ctx, name)).map(drop)
}

/// A task that works for `work` unless told to stop; it listens for the stop while it waits.
///
/// It says so on `running` once it has started, so the watcher knows when its deadline begins.
pub fn slow_task(
    ctx: &Ctx,
    name: &str,
    work: Duration,
    running: &Sender<()>,
    stop: &Receiver<()>,
) -> bool {
    ctx.started(name);
    let _ = running.send(());
    // The wait is the check: it ends when the work is done, or at once when the watcher says stop.
    // A task that computed instead would call `stop.try_recv()` between short steps.
    match stop.recv_timeout(work) {
        Err(RecvTimeoutError::Timeout) => {
            ctx.finished(name);
            true
        }
        Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
    }
}

/// Tasks A, B and C on their own threads with one deadline T; C needs 3·D, is told to stop at T,
/// and is joined before we report it stopped.
pub fn timeout(ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    let names = ctx.params().names();
    // A thread cannot be killed from outside: it shares the process's memory and locks, and
    // killing it mid-way would leave them broken. So at the deadline the late ones are asked to
    // stop, through their channel, and joined, which proves they did.
    let ended = stop_at_deadline(&names, ctx.params().timeout, |name, running, stop| {
        slow_task(ctx, name, ctx.timeout_work(name), running, stop)
    })?;
    for (name, in_time) in names.into_iter().zip(ended) {
        if !in_time {
            ctx.timed_out(&name);
            ctx.cancelled(&name);
        }
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = "C was told to stop through its channel at the deadline and its thread joined: \
               a thread cannot be killed safely (it shares the process's memory and locks), \
               so the task listens for the stop while it waits";
    Ok(TimeoutOutcome {
        completed,
        timed_out,
        how: how.to_string(),
    })
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

/// N requests: one thread each (blocking calls, all waiting at once), or a pool of P threads.
pub fn io(ctx: &Ctx) -> Result<IoOutcome, Error> {
    let p = ctx.params();
    let ids: Vec<u64> = (1..=p.tasks).collect();
    let (results, how) = match p.workers {
        // One thread per request, each with a small stack (see REQUEST_STACK): the C10k way.
        None => {
            let what = format!("--tasks {}", p.tasks);
            let ended = each_on_its_thread(&what, &ids, REQUEST_STACK, |&id| request(ctx, id))?;
            let how = format!("{}, one per request, 64 KiB stacks", threads(p.tasks));
            (gathered(ended)?, how)
        }
        // A pool of P: P requests at a time. More threads than requests would only idle.
        Some(workers) => {
            let workers = workers.min(p.tasks);
            let results = with_pool(workers, |id| request(ctx, id), |pool| pool.run(p.tasks))??;
            let how = format!(
                "a pool of {} taking requests from a queue",
                threads(workers)
            );
            (results, how)
        }
    };
    Ok(IoOutcome::collect(ids.into_iter().zip(results), how))
}

/// N jobs of the kernel on a hand-made pool of P threads, then on a rayon pool of P threads.
pub fn cpu(ctx: &Ctx) -> Result<CpuOutcome, Error> {
    let p = ctx.params();
    // More threads than jobs would only idle.
    let workers = p.pool().min(p.tasks);
    let job = |id| kernel::traced_job(ctx, id, p.work);
    // Both pools are started before their clock, so each time is the jobs alone.
    let label = format!("pool of {}", threads(workers));
    let ours = with_pool(workers, job, |pool| {
        CpuRun::measure(&label, || pool.run(p.tasks))
    })??;
    let label = format!("rayon par_iter on {}", threads(workers));
    let rayon = with_rayon(workers, |pool| {
        CpuRun::measure(&label, || {
            // par_iter splits the ids among the pool's threads by work stealing; an indexed
            // collect puts every checksum back at its id's place.
            Ok(pool.install(|| (1..=p.tasks).into_par_iter().map(job).collect()))
        })
    })??;
    let cores = sys::cores();
    Ok(CpuOutcome {
        runs: vec![ours, rayon],
        note: format!(
            "threads: no GIL here, so the jobs run {} at a time on {cores} cores (each pool's \
             threads started before its clock)",
            workers.min(cores as u64)
        ),
    })
}

/// A thread per connection; or, with `--workers P`, P threads that each accept and serve one
/// connection at a time.
pub fn serve(ctx: &Ctx) -> Result<ServeOutcome, Error> {
    let listener = serve::listen(ctx)?;
    let how = match ctx.params().workers {
        None => {
            // The scope joins every connection's thread before it returns: at the stop, the
            // requests in flight finish and their connections close.
            thread::scope(|s| {
                while let Some(conn) = serve::accept(ctx, &listener) {
                    // A thread of its own, so that a slow client holds only its own thread.
                    spawn_connection(s, ctx, conn);
                }
            });
            "a thread per connection, 64 KiB stacks".to_string()
        }
        Some(workers) => {
            // P threads, each accepting on the shared listener: P keep-alive clients hold them
            // all, and the next one waits in the backlog until one of them leaves.
            let accepting = |_: &u64| {
                while let Some(conn) = serve::accept(ctx, &listener) {
                    serve::connection(ctx, conn);
                }
            };
            on_threads(&(1..=workers).collect::<Vec<_>>(), accepting)?;
            format!(
                "a pool of {}, one connection at a time each",
                threads(workers)
            )
        }
    };
    Ok(serve::served(ctx, how))
}
