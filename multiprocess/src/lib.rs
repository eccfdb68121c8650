//! multiprocess: every scenario in child processes that fail safely.
//!
//! The seed's last comparison: processes instead of threads. Each task runs in a process of its
//! own (a pool of `--workers` processes for `io` and `cpu`), so they run at the same time, on
//! every core, and a task that panics, exits, is killed or hangs takes nothing down with it but
//! its own process. The price is paid at every task: a process to start (`fork` and `exec` of
//! this whole program, as Python's `spawn` method does), and a pipe to cross for every event and
//! result, since the processes share no memory.
//!
//! Read it beside `sync-basic/src/lib.rs`: the task functions are the same, except that they run
//! in a child and report through its [`worker::Pipe`]; the scenarios are where the model shows:
//! start a child per task, then listen to them all. The machinery is in three modules:
//! [`protocol`] (the lines on the pipes), [`worker`] (the child's side), [`procs`] (the parent's
//! side: deadlines, faults, no zombies, no orphans, limits).
//!
//! Workers are this executable started again. Its `main` calls [`worker::run_if_worker`] before
//! anything else; so must any other program that runs these scenarios, e.g. a criterion bench
//! binary (at the top of its own `main`). Integration tests, whose executable is the test harness,
//! point the library at the binary instead: `worker::set_exe(env!("CARGO_BIN_EXE_multiprocess"))`
//! (or `MULTIPROCESS_WORKER_EXE=path`).
//!
//! Run the tour with `cargo run -p multiprocess`, one scenario with
//! `cargo run -p multiprocess -- gather --delay-ms 300`.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use taskset::expected::data;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Expect, Fate, Flag, IoOutcome, Model, ModelSpec,
    Order, Params, Scenario, TaskError, TimeoutOutcome, deliberate_panic, fate, net,
};

pub mod procs;
pub mod protocol;
pub mod worker;

use procs::{Ended, Procs};
use protocol::{Job, parse_ms};
use worker::Pipe;

/// The model's name, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "multiprocess",
    about: "Every scenario in child processes: one per task, or a pool of --workers processes",
    accepts: &[Flag::Workers],
    refusals: &[(
        Flag::Runtime,
        "its tasks are blocking code in child processes, with no async runtime",
    )],
};

/// The seed's `task(name)`, in its child process: start, wait D, finish; the events go up the pipe.
pub fn task(up: &Pipe, name: &str, delay: Duration) {
    up.started(name);
    thread::sleep(delay);
    up.finished(name);
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

/// The seed's `fetch_data(id)`, in its child process: announce, wait, return `Data id`.
pub fn fetch_data(up: &Pipe, id: u64, delay: Duration) -> String {
    up.fetching(id);
    thread::sleep(delay);
    up.fetched(id);
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
    let ends = one_process_each(ctx, jobs)?;
    let results: Vec<Result<String, String>> = ends
        .into_iter()
        .map(|(task, end)| returned(ctx, &task, end))
        .collect();
    results.into_iter().collect::<Result<_, _>>().map_err(Error)
}

/// The seed's `risky_task`: wait D/2, then fail with `Something went wrong`.
pub fn risky_task(delay: Duration) -> Result<String, TaskError> {
    thread::sleep(delay / 2);
    Err(TaskError::risky())
}

/// Task `id` of `errors`, in its child process: task 2 is `risky_task`, task 3 panics (and so
/// its process exits with status 101), the others return their data.
pub fn flaky_task(up: &Pipe, id: u64, delay: Duration) -> Result<String, TaskError> {
    up.started(&id.to_string());
    match fate(id) {
        Fate::Fail => risky_task(delay),
        Fate::Panic => {
            thread::sleep(delay / 2);
            deliberate_panic()
        }
        Fate::Succeed => {
            thread::sleep(delay / 2);
            up.finished(&id.to_string());
            Ok(data(id))
        }
    }
}

/// The seed's try/except across a process boundary, then N tasks, a process each.
pub fn errors(ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
    // risky_task runs in a child too: its error crosses the pipe as an `error` line, and the
    // parent catches it, like an exception re-raised from a worker.
    let risky = one_process_each(ctx, [Job::Risky { delay: ctx.delay() }])?;
    let caught = match risky.into_iter().map(|(_, end)| end.settled()).next() {
        Some(Ok(Ok(data))) => data,
        Some(Ok(Err(e))) => {
            ctx.caught(&e);
            e.to_string()
        }
        Some(Err(why)) => return Err(Error(format!("risky_task's child failed: {why}"))),
        None => return Err(Error("risky_task's child was lost".to_string())),
    };
    let jobs = (1..=ctx.params().tasks).map(|id| Job::Flaky {
        id,
        delay: ctx.delay(),
    });
    // A panic ends only its own process: the parent sees an exit status and a line on stderr,
    // where threads would see a caught unwind. The other children never notice.
    let results = one_process_each(ctx, jobs)?
        .into_iter()
        .zip(1..)
        .map(|((_, end), id)| ctx.settle(id, end.settled()))
        .collect();
    Ok(ErrorsOutcome { caught, results })
}

/// A task that waits with a blocking call, in its child process: it blocks that process only.
pub fn blocking_task(up: &Pipe, name: &str, delay: Duration) {
    up.started(name);
    up.blocked(name);
    thread::sleep(delay);
    up.finished(name);
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

/// The timeout scenario's task, in its child process: works for `work` without looking at the
/// clock. The deadline is the parent's business: it kills the process when the time is up.
pub fn slow_task(up: &Pipe, name: &str, work: Duration) {
    up.started(name);
    thread::sleep(work);
    up.finished(name);
}

/// Tasks A, B and C, a process each, each with deadline T; C needs 3·D and is killed at T.
pub fn timeout(ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
    let names = ctx.params().names();
    let mut procs = Procs::new(ctx, names.len() as u64)?;
    for name in &names {
        let work = ctx.timeout_work(name);
        let job = Job::Slow {
            name: name.clone(),
            work,
        };
        // The deadline counts from the task's `started`; the parent SIGKILLs the child at it.
        procs.start_with_limit(job, Some(ctx.params().timeout))?;
    }
    let (mut completed, mut timed_out, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for (task, end) in procs.wait_all() {
        match end {
            Ended::TimedOut => timed_out.push(task),
            end => match returned(ctx, &task, end) {
                Ok(_) => completed.push(task),
                Err(why) => failed.push(why),
            },
        }
    }
    if let Some(why) = failed.first() {
        return Err(Error(why.clone()));
    }
    let how = "C's child process was killed with SIGKILL at the deadline and reaped: a process \
               can be stopped from outside at any instruction, and the OS takes back all it held";
    Ok(TimeoutOutcome {
        completed,
        timed_out,
        how: how.to_string(),
    })
}

/// How long past D a request waits for its answer. A worker gives up a second after D, before the
/// parent's deadline (2·D + 2 s) would kill the whole worker, and goes on to its next job.
const PATIENCE: Duration = Duration::from_secs(1);

/// One request, in a worker process: a timer of D, or one TCP request to the latency server.
pub fn request(id: u64, delay: Duration, server: Option<SocketAddr>) -> Result<Duration, String> {
    let start = Instant::now();
    match server {
        None => thread::sleep(delay),
        Some(addr) => {
            net::blocking_request(addr, id, delay, PATIENCE).map_err(|e| e.to_string())?
        }
    }
    Ok(start.elapsed())
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
    let ends = Procs::pool(ctx, workers)?.run(jobs);
    let results = ends.into_iter().zip(1..).map(|((_, end), id)| {
        let latency = match end.settled() {
            Ok(Ok(text)) => parse_ms(&text).ok_or(format!("bad latency {text:?}")),
            Ok(Err(e)) => Err(e.to_string()),
            Err(why) => Err(why),
        };
        (id, latency)
    });
    let how = format!(
        "{} requests on a pool of {workers} worker processes, one request at a time each",
        p.tasks
    );
    Ok(IoOutcome::collect(results.collect::<Vec<_>>(), how))
}

/// N jobs of the kernel on a pool of P worker processes: one core each, no shared memory.
pub fn cpu(ctx: &Ctx) -> Result<CpuOutcome, Error> {
    let p = ctx.params();
    let workers = p.pool().min(p.tasks);
    let label = format!("pool of {workers} processes");
    let run = CpuRun::measure(&label, || pool_checksums(ctx, workers))?;
    Ok(CpuOutcome {
        runs: vec![run],
        note: "multiprocess: a process per core computes in parallel; the price is starting \
               each process and sending every job and result through a pipe"
            .to_string(),
    })
}

/// The processes model: one child process per task, or a pool of them.
pub struct Multiprocess;

impl Model for Multiprocess {
    fn label(&self) -> String {
        SPEC.name.to_string()
    }

    fn order(&self) -> Order {
        Order::Concurrent
    }

    fn expect(&self, p: &Params) -> Expect {
        match p.scenario {
            // A pool of P blocking workers serves the N requests in ⌈N/P⌉ rounds of D.
            Scenario::Io => {
                let rounds = p.tasks.div_ceil(p.pool().max(1));
                let ideal = p.delay * u32::try_from(rounds).unwrap_or(u32::MAX);
                Expect::one(Order::Concurrent, ideal, "⌈N/P⌉·D")
            }
            _ => Expect::of(Order::Concurrent, p),
        }
    }

    fn io_concurrency(&self, p: &Params) -> u64 {
        // One request per worker at a time: the pool's size is the number of sockets open at once.
        p.pool().min(p.tasks)
    }

    fn hello(&self, ctx: &Ctx) -> Result<(), Error> {
        hello(ctx)
    }

    fn gather(&self, ctx: &Ctx) -> Result<(), Error> {
        gather(ctx)
    }

    fn fetch(&self, ctx: &Ctx) -> Result<Vec<String>, Error> {
        fetch(ctx)
    }

    fn errors(&self, ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
        errors(ctx)
    }

    fn blocking(&self, ctx: &Ctx) -> Result<(), Error> {
        blocking(ctx)
    }

    fn timeout(&self, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
        timeout(ctx)
    }

    fn io(&self, ctx: &Ctx) -> Result<IoOutcome, Error> {
        io(ctx)
    }

    fn cpu(&self, ctx: &Ctx) -> Result<CpuOutcome, Error> {
        cpu(ctx)
    }
}

// The helpers of the scenarios above.

/// Starts a child process per job, every one before waiting for any, then waits for them all.
fn one_process_each(
    ctx: &Ctx,
    jobs: impl IntoIterator<Item = Job>,
) -> Result<Vec<(String, Ended)>, Error> {
    let jobs: Vec<Job> = jobs.into_iter().collect();
    let mut procs = Procs::new(ctx, jobs.len() as u64)?;
    // All the children are started before any is waited for: from here on they wait at the same
    // time, each in its own process, and the parent only listens.
    for job in jobs {
        procs.start(job)?;
    }
    Ok(procs.wait_all())
}

/// A task's value, or why it failed, reported with its task (`Task B panicked: child pid …`).
fn returned(ctx: &Ctx, task: &str, end: Ended) -> Result<String, String> {
    match end.settled() {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            ctx.failed(task, &error);
            Err(format!("task {task} failed: {error}"))
        }
        Err(why) => {
            ctx.panicked(task, &why);
            Err(format!("task {task}: {why}"))
        }
    }
}

/// Ok if every task returned; else each failure is reported, and the first is the error.
fn all_returned(ctx: &Ctx, ends: Vec<(String, Ended)>) -> Result<(), Error> {
    let failures: Vec<String> = ends
        .into_iter()
        .filter_map(|(task, end)| returned(ctx, &task, end).err())
        .collect();
    match failures.as_slice() {
        [] => Ok(()),
        [only] => Err(Error(only.clone())),
        [first, rest @ ..] => Err(Error(format!("{first} (and {} more)", rest.len()))),
    }
}

/// The checksums of jobs 1..=N from a pool; a job whose worker died is run once more.
fn pool_checksums(ctx: &Ctx, workers: u64) -> Result<Vec<u64>, Error> {
    let p = ctx.params();
    let job = |id| Job::Cpu { id, units: p.work };
    let mut ends = Procs::pool(ctx, workers)?.run((1..=p.tasks).map(job));
    let lost: Vec<u64> = (1..)
        .zip(&ends)
        .filter(|(_, (_, e))| matches!(e, Ended::Died(_)))
        .map(|(id, _)| id)
        .collect();
    if !lost.is_empty() {
        for &id in &lost {
            let (task, end) = &ends[id as usize - 1];
            if let Ended::Died(why) = end {
                ctx.panicked(task, why);
            }
        }
        // A kernel job is pure: running it again gives the same checksum, so a job whose
        // process was killed can simply be run again, on a fresh pool.
        ctx.note(&format!("running {} lost job(s) again", lost.len()));
        let again =
            Procs::pool(ctx, workers.min(lost.len() as u64))?.run(lost.iter().map(|&id| job(id)));
        for (id, end) in lost.iter().zip(again) {
            ends[*id as usize - 1] = end;
        }
    }
    ends.into_iter()
        .map(|(task, end)| match end.settled() {
            Ok(Ok(text)) => text
                .parse()
                .map_err(|_| format!("job {task}: bad checksum {text:?}")),
            Ok(Err(e)) => Err(format!("job {task} failed: {e}")),
            Err(why) => Err(format!("job {task}: {why}")),
        })
        .collect::<Result<_, _>>()
        .map_err(Error)
}
