//! multiprocess: every scenario in child processes that fail safely.
//!
//! The seed's last comparison: processes instead of threads. Each task runs in a process of its
//! own (a pool of `--workers` processes for `io` and `cpu`), so they run at the same time, on
//! every core, and a task that panics, exits, is killed or hangs takes nothing down with it but
//! its own process. The price is paid at every task: a process to start (`fork` and `exec` of
//! this whole program, as Python's `spawn` method does), and a pipe to cross for every event and
//! result, since the processes share no memory. The tasks are sync-basic's functions, run in a
//! child ([`worker`]); the scenarios are where the model shows: start a child per task, then
//! listen to them all ([`procs`], over [`protocol`]).
//! Open two model crates side by side: the same functions in the same order, and only the
//! model's own lines differ (`diff -u sync-basic/src/lib.rs <crate>/src/lib.rs`).
//!
//! Run the tour with `cargo run -p multiprocess`, one scenario with
//! `cargo run -p multiprocess -- gather --delay-ms 300`.

use std::thread;
use std::time::{Duration, Instant};

use std::net::TcpListener;
use taskset::expected::data;

use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Fate, IoOutcome, ServeOutcome, TaskError,
    TaskFailure, TimeoutOutcome, deliberate_panic, fate, net, serve,
};

pub mod model;
pub mod procs;
pub mod protocol;
pub mod worker;

use procs::{Ended, Procs, all_returned, one_process_each, returned};
use protocol::{Job, parse_ms};

/// The seed's `task(name)`: start, wait D, finish. The wait blocks its thread.
pub fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// Tasks A and B, a child process each, both started before either is waited for.
pub fn hello(ctx: &Ctx) -> Result<(), Error> {
    let jobs = ["A", "B"].map(|name| Job::Task {
        name: name.to_string(),
        delay: ctx.delay(),
    });
    all_returned(ctx, one_process_each(ctx, jobs)?)
}

/// Tasks A, B and C, gathered: each runs in its own process while the parent listens to all three.
pub fn gather(ctx: &Ctx) -> Result<(), Error> {
    let jobs = ctx.params().names().into_iter().map(|name| Job::Task {
        name,
        delay: ctx.delay(),
    });
    all_returned(ctx, one_process_each(ctx, jobs)?)
}

/// The seed's `fetch_data(id)`: announce, wait, return `Data id`.
pub fn fetch_data(ctx: &Ctx, id: u64) -> String {
    ctx.fetching(id);
    thread::sleep(ctx.fetch_delay(id));
    ctx.fetched(id);
    data(id)
}

/// `fetch_data(1..=N)`, a process each: the results come back in input order, however they finish.
pub fn fetch(ctx: &Ctx) -> Result<Vec<String>, Error> {
    let jobs = (1..=ctx.params().tasks).map(|id| Job::Fetch {
        id,
        delay: ctx.fetch_delay(id),
    });
    // wait_all answers in the order the children were started, not the order they finished:
    // each result goes back to the slot of its own id.
    let mut results = Vec::new();
    for (task, end) in one_process_each(ctx, jobs)? {
        results.push(returned(ctx, &task, end).map_err(Error::failed)?);
    }
    Ok(results)
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
    // risky_task runs in a child too: its error crosses the pipe as an `error` line, and the
    // parent catches it, like an exception re-raised from a worker.
    let risky = one_process_each(ctx, [Job::Risky { delay: ctx.delay() }])?;
    let caught = match risky.into_iter().next().map(|(_, end)| end) {
        Some(Ended::Returned(Err(e))) => {
            ctx.caught(&e);
            e.to_string()
        }
        other => return Err(Error::failed(format!("risky_task did not fail: {other:?}"))),
    };
    let jobs = (1..=ctx.params().tasks).map(|id| Job::Flaky {
        id,
        delay: ctx.delay(),
    });
    // A panic ends only its own process: the parent sees an exit status and a line on stderr,
    // where threads would see a caught unwind, and reports it when it happens. The other children
    // never notice.
    let mut results = Vec::new();
    for (id, (_, end)) in (1..).zip(one_process_each(ctx, jobs)?) {
        results.push(match end {
            Ended::Returned(ended) => ctx.settle(id, Ok(ended)),
            // Recorded when it happened; here it only takes its place among the results.
            Ended::Died(why) => Err(TaskFailure::panicked(id, why)),
            Ended::TimedOut => Err(TaskFailure::panicked(id, "timed out")),
        });
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

/// Gather with blocking sleeps: each blocks its own process, so the three still overlap.
pub fn blocking(ctx: &Ctx) -> Result<(), Error> {
    ctx.note(
        "multiprocess: each blocking sleep stops only its own process; the others sleep in theirs",
    );
    let jobs = ctx.params().names().into_iter().map(|name| Job::Block {
        name,
        delay: ctx.delay(),
    });
    all_returned(ctx, one_process_each(ctx, jobs)?)
}

/// A task that works for `work` without looking at the clock: the deadline is the parent's
/// business, which kills the process when the time is up.
pub fn slow_task(ctx: &Ctx, name: &str, work: Duration) {
    ctx.started(name);
    thread::sleep(work);
    ctx.finished(name);
}

/// Tasks A, B and C, a process each, each with deadline T; C needs 3·D and is killed at T.
pub fn timeout(ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    let names = ctx.params().names();
    let mut procs = Procs::new(ctx, names.len() as u64)?;
    for name in &names {
        let job = Job::Slow {
            name: name.clone(),
            work: ctx.timeout_work(name),
        };
        // The deadline counts from the task's `started`; the parent SIGKILLs the child at it.
        procs.start_with_limit(job, Some(ctx.params().timeout))?;
    }
    for (name, end) in procs.wait_all() {
        let in_time = match end {
            Ended::TimedOut => false,
            end => returned(ctx, &name, end)
                .map_err(Error::failed)
                .map(|_| true)?,
        };
        if in_time {
            completed.push(name);
        } else {
            timed_out.push(name);
        }
    }
    let how = "C's child process was killed with SIGKILL at the deadline and reaped: a process \
               can be stopped from outside at any instruction, and the OS takes back all it held";
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

/// N requests on a pool of P worker processes: P at a time, each worker one request at a time.
pub fn io(ctx: &Ctx) -> Result<IoOutcome, Error> {
    let p = ctx.params();
    // More workers than requests would only cost process starts.
    let workers = p.pool().min(p.tasks);
    let jobs = (1..=p.tasks).map(|id| Job::Request {
        id,
        delay: ctx.delay(),
        server: p.server,
    });
    let mut results = Vec::new();
    for (id, (_, end)) in (1..).zip(Procs::pool(ctx, workers)?.run(jobs)) {
        let latency = end.returned().and_then(|text| parse_ms(&text).ok_or(text));
        results.push((id, latency));
    }
    let how = format!(
        "{} requests on a pool of {workers} worker processes, one request at a time each",
        p.tasks
    );
    Ok(IoOutcome::collect(results, how))
}

/// N jobs of the kernel on a pool of P worker processes: one core each, no shared memory.
pub fn cpu(ctx: &Ctx) -> Result<CpuOutcome, Error> {
    let p = ctx.params();
    let workers = p.pool().min(p.tasks);
    let jobs = (1..=p.tasks).map(|id| Job::Cpu { id, units: p.work });
    // The pool is started before its clock, as the threads' pools are: what is timed is the jobs,
    // and every job and result crossing a pipe.
    let pool = Procs::pool(ctx, workers)?;
    let run = CpuRun::measure(&format!("pool of {workers} processes"), || {
        let sums = pool.run(jobs).into_iter().map(|(task, end)| {
            let sum = end.returned()?;
            sum.parse()
                .map_err(|_| format!("job {task}: bad checksum {sum:?}"))
        });
        sums.collect::<Result<_, String>>().map_err(Error::failed)
    })?;
    Ok(CpuOutcome {
        runs: vec![run],
        note: "multiprocess: a process per core computes in parallel; the price is starting each \
               process (before the clock here) and sending every job and result through a pipe"
            .to_string(),
    })
}

/// Prefork, as gunicorn's sync workers: P worker processes share the listening socket, each
/// accepting and serving one connection at a time; the parent replaces a worker that dies, and
/// at the stop asks them all to finish and report.
pub fn serve(ctx: &Ctx) -> Result<ServeOutcome, Error> {
    let listener = serve::listen(ctx)?;
    // Each worker is this program again, handed the listening socket itself (a descriptor left
    // open across exec): the kernel gives each new connection to a worker waiting in accept.
    Procs::prefork(ctx, &listener, ctx.params().pool())?.serve()
}

/// One prefork worker, in its child process: accept on the shared socket, serve that connection
/// to its end, then accept the next: sync-basic's server, P times over.
pub fn serve_worker(ctx: &Ctx, listener: &TcpListener) -> ServeOutcome {
    while let Some(conn) = serve::accept(ctx, listener) {
        serve::connection(ctx, conn);
    }
    serve::served(ctx, "one connection at a time")
}
