//! threads: every scenario with one OS thread per task, a pool of P threads, and rayon.
//!
//! The seed says Python threads help with waiting but not with computing, because the GIL lets one
//! thread run Python at a time. Rust has no GIL: each thread here is an OS thread the kernel runs on
//! any free core, so threads overlap waits (gather, blocking, io) and share out CPU work (cpu) alike.
//! What they cost instead is a kernel task and a stack each, which is why `io` with ten thousand
//! requests is the C10k comparison and why every run is checked against the OS limits first
//! (`limits.rs`). Open `sync-basic/src/lib.rs` beside this file: the tasks are the same functions;
//! only the way they are started, waited for and stopped differs.
//!
//! Run the tour with `cargo run -p threads`, one scenario with
//! `cargo run -p threads -- gather --delay-ms 300`, a pool with `-- cpu --workers 2`.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, Builder, JoinHandle, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use taskset::expected::data;
use taskset::runner::panic_message;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, Expect, Fate, Flag, IoOutcome, Model, ModelSpec,
    Order, Params, Scenario, TaskError, TimeoutOutcome, deliberate_panic, fate, kernel, net, sys,
};

pub mod limits;

use limits::{DEFAULT_STACK, check_room, refused};

/// The model's name, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "threads",
    about: "Every scenario on OS threads: one thread per task, a pool of P threads, and rayon",
    accepts: &[Flag::Workers],
    refusals: &[(
        Flag::Runtime,
        "it runs plain OS threads that block, with no async runtime",
    )],
};

/// The stack of a request thread in `io`: 64 KiB instead of 2 MiB.
///
/// A request needs a few KiB of stack (a socket, a line buffer on the heap), and ten thousand
/// threads of 2 MiB would reserve 20 GiB of address space and fail under a modest `ulimit -v`.
/// Stacks are reserved, not used, so this saves address space and limits, not resident memory.
pub const REQUEST_STACK: usize = 64 << 10;

/// The seed's `task(name)`: start, wait D, finish. The wait blocks this task's own thread only.
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

/// `fetch_data(1..=N)`, one thread each: results in input order because they are joined in it,
/// whichever thread finishes first.
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

/// The seed's try/except, then N tasks on N threads of which one fails and one panics.
pub fn errors(ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
    let caught = match risky_task(ctx) {
        Ok(data) => data,
        Err(e) => {
            ctx.caught(&e);
            e.to_string()
        }
    };
    let n = ctx.params().tasks;
    check_room(&format!("--tasks {n}"), n, DEFAULT_STACK)?;
    // Plain `thread::spawn`, not a scope: each thread owns a clone of the context, and its
    // JoinHandle is how a panic comes back. A panic ends only the thread it happens on; `join`
    // returns it as Err(payload), so the others' results still arrive.
    let tasks = (1..=n).map(|id| {
        let ctx = ctx.clone();
        (format!("task {id}"), move || flaky_task(&ctx, id))
    });
    // Each task ends by itself after D/2, so there is nothing to stop if a spawn is refused.
    let handles = spawn_owned(tasks, || {})?;
    let results = (1..=n)
        .zip(handles)
        .map(|(id, handle)| {
            let ended = handle.join().map_err(|payload| panic_message(&*payload));
            ctx.settle(id, ended)
        })
        .collect();
    Ok(ErrorsOutcome { caught, results })
}

/// A task that waits with a blocking call: on a thread of its own, it blocks only that thread.
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
/// It drops `running` once it has started, so the watcher knows when its deadline begins.
pub fn slow_task(
    ctx: &Ctx,
    name: &str,
    work: Duration,
    running: Sender<()>,
    stop: &Receiver<()>,
) -> bool {
    ctx.started(name);
    drop(running);
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
    let names = ctx.params().names();
    let n = names.len() as u64;
    check_room(&format!("{n} tasks"), n, DEFAULT_STACK)?;
    let (running, all_running) = mpsc::channel();
    let (done, finished) = mpsc::channel();
    let mut stops = Vec::new();
    let tasks = names.iter().map(|name| {
        let (ctx, name, running, done) = (ctx.clone(), name.clone(), running.clone(), done.clone());
        let (stop, stopped) = mpsc::channel();
        stops.push(stop);
        let work = ctx.timeout_work(&name);
        (format!("task {name}"), move || {
            let completed = slow_task(&ctx, &name, work, running, &stopped);
            if completed {
                let _ = done.send(name);
            }
            completed
        })
    });
    let tasks: Vec<_> = tasks.collect();
    // If the OS refuses a thread, closing the stop channels makes the started tasks return at
    // once, so they are joined without waiting out their work.
    let handles = spawn_owned(tasks, || stops.clear())?;
    drop((running, done));
    // Every task drops its `running` sender once it has started: the channel closes when the last
    // one has, and the deadline counts from there.
    let _ = all_running.recv();
    let deadline = Instant::now() + ctx.params().timeout;
    let mut in_time = Vec::new();
    while let Ok(name) = finished.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        in_time.push(name);
    }
    // A thread cannot be killed from outside: it shares the process's memory and locks, and
    // killing it mid-way would leave them broken. So at the deadline we ask the late ones to stop
    // and join them, which proves they did.
    let late: Vec<usize> = (0..names.len())
        .filter(|&i| !in_time.contains(&names[i]))
        .collect();
    for &i in &late {
        ctx.timed_out(&names[i]);
        let _ = stops[i].send(());
    }
    let (mut completed, mut timed_out) = (Vec::new(), Vec::new());
    for (i, handle) in handles.into_iter().enumerate() {
        let name = names[i].clone();
        match handle.join() {
            Ok(true) => completed.push(name),
            _ => {
                ctx.cancelled(&name);
                timed_out.push(name);
            }
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

/// How long past D a request waits for its answer: a server that never answers must not hang us.
const PATIENCE: Duration = Duration::from_secs(10);

/// One request: wait D on a timer, or with `--net` a real TCP request the server answers after D.
pub fn request(ctx: &Ctx, id: u64) -> Result<Duration, String> {
    let start = Instant::now();
    ctx.job_started(id);
    let answered = match ctx.params().server {
        None => {
            thread::sleep(ctx.delay());
            Ok(())
        }
        Some(addr) => {
            net::blocking_request(addr, id, ctx.delay(), PATIENCE).map_err(|e| e.to_string())
        }
    };
    ctx.job_ended(id, answered.is_ok());
    answered.map(|()| start.elapsed())
}

/// N requests: one thread each (blocking calls, all waiting at once), or a pool of P threads.
pub fn io(ctx: &Ctx) -> Result<IoOutcome, Error> {
    let p = ctx.params();
    if p.server.is_some() {
        // One socket per request in flight: servers raise the open-file limit at start.
        sys::raise_nofile();
    }
    let ids: Vec<u64> = (1..=p.tasks).collect();
    let (results, how) = match p.workers {
        // One thread per request, each with a small stack (see REQUEST_STACK): the C10k way.
        None => (
            each_on_its_thread(
                &format!("--tasks {}", p.tasks),
                &ids,
                REQUEST_STACK,
                |&id| request(ctx, id),
            )?,
            format!("{}, one per request, 64 KiB stacks", threads(p.tasks)),
        ),
        Some(workers) => (
            pool(workers, p.tasks, |id| request(ctx, id))?,
            format!(
                "a pool of {} taking requests from a channel",
                threads(workers)
            ),
        ),
    };
    Ok(IoOutcome::collect(ids.into_iter().zip(results), how))
}

/// N jobs of the kernel on a hand-made pool of P threads, then on a rayon pool of P threads.
pub fn cpu(ctx: &Ctx) -> Result<CpuOutcome, Error> {
    let p = ctx.params();
    let workers = p.pool();
    let job = |id| kernel::traced_job(ctx, id, p.work);
    let ours = CpuRun::measure(&format!("pool of {}", threads(workers)), || {
        pool(workers, p.tasks, job)
    })?;
    // The rayon pool is built outside the timed part, as ours is not (ours starts its threads
    // inside: a few tens of microseconds each). Its threads belong to a `std::thread::scope`, so
    // they are joined before `build_scoped` returns: no thread is left behind.
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|i| format!("rayon {i}"))
        .build_scoped(
            |thread| thread.run(),
            |pool| {
                CpuRun::measure(&format!("rayon par_iter on {}", threads(workers)), || {
                    // par_iter splits the ids among the pool's threads by work stealing; an
                    // indexed collect puts every checksum back at its id's place.
                    Ok(pool.install(|| (1..=p.tasks).into_par_iter().map(job).collect()))
                })
            },
        )
        .map_err(|e| Error(format!("rayon could not start {workers} threads: {e}")))??;
    let cores = sys::cores();
    Ok(CpuOutcome {
        runs: vec![ours, rayon],
        note: format!(
            "threads: no GIL here, so the jobs run {} at a time on {cores} cores",
            workers.min(cores as u64)
        ),
    })
}

/// Runs `work(item)` for every item, each on its own thread with a default stack; results in
/// input order.
pub fn on_threads<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(&I) -> T + Sync,
) -> Result<Vec<T>, Error> {
    let n = items.len();
    each_on_its_thread(&format!("{n} tasks"), items, DEFAULT_STACK, work)
}

/// [`on_threads`] with a chosen stack; `what` names the flag that asked for the threads.
pub fn each_on_its_thread<I: Sync, T: Send>(
    what: &str,
    items: &[I],
    stack: usize,
    work: impl Fn(&I) -> T + Sync,
) -> Result<Vec<T>, Error> {
    check_room(what, items.len() as u64, stack)?;
    let builder = |i: usize| {
        Builder::new()
            .name(format!("task {}", i + 1))
            .stack_size(stack)
    };
    // A scope lets every thread borrow `items`, `work` and the context, and guarantees that
    // all of them are joined before it returns, whatever happens inside.
    thread::scope(|s| {
        let handles = spawn_scoped_all(s, items, builder, &work)?;
        join_all(handles)
    })
}

/// Starts `work(item)` on a thread from `builder(index)` for every item, in `scope`.
///
/// If the OS refuses a thread, it starts no more and returns the error; the scope then joins the
/// threads already started (so `work` must not panic: a panic is returned by [`join_all`] only).
pub fn spawn_scoped_all<'scope, I: Sync, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    items: &'scope [I],
    builder: impl Fn(usize) -> Builder,
    work: &'scope (impl Fn(&I) -> T + Sync),
) -> Result<Vec<ScopedJoinHandle<'scope, T>>, Error> {
    let mut handles = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match builder(i).spawn_scoped(scope, move || work(item)) {
            Ok(handle) => handles.push(handle),
            Err(e) => return Err(refused(i, items.len(), &e)),
        }
    }
    Ok(handles)
}

/// Joins every thread in order; a thread that panicked (none should here) is an error.
fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, T>>) -> Result<Vec<T>, Error> {
    let joined: Vec<thread::Result<T>> = handles.into_iter().map(|h| h.join()).collect();
    joined
        .into_iter()
        .map(|r| {
            r.map_err(|payload| Error(format!("a thread panicked: {}", panic_message(&*payload))))
        })
        .collect()
}

/// Spawns each named closure on its own `'static` thread; if the OS refuses one, calls
/// `on_refusal` (to tell the started ones to stop), joins them and returns the error.
pub fn spawn_owned<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(
    tasks: impl IntoIterator<Item = (String, F)>,
    on_refusal: impl FnOnce(),
) -> Result<Vec<JoinHandle<T>>, Error> {
    let tasks: Vec<(String, F)> = tasks.into_iter().collect();
    let n = tasks.len();
    let mut handles = Vec::with_capacity(n);
    for (name, task) in tasks {
        match Builder::new().name(name).spawn(task) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                let error = refused(handles.len(), n, &e);
                // Nothing may outlive the run: stop the threads already started, and wait for them.
                on_refusal();
                handles.into_iter().for_each(|h| drop(h.join()));
                return Err(error);
            }
        }
    }
    Ok(handles)
}

/// Runs `job(1..=n)` on a pool of P threads that take ids from a channel; results in input order.
pub fn pool<T: Send>(workers: u64, n: u64, job: impl Fn(u64) -> T + Sync) -> Result<Vec<T>, Error> {
    check_room(&format!("--workers {workers}"), workers, DEFAULT_STACK)?;
    let (jobs, queue) = mpsc::channel::<u64>();
    // std's Receiver has one owner; the mutex lets P workers take turns at it. Each holds the lock
    // only to take one id (the guard is dropped at the end of the `let`), never while it works.
    let queue = Mutex::new(queue);
    let (results, collected) = mpsc::channel::<(u64, T)>();
    let worker = |_: &u64| {
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(id) = next else { break };
            let _ = results.send((id, job(id)));
        }
    };
    let numbers: Vec<u64> = (1..=workers).collect();
    let builder = |i: usize| Builder::new().name(format!("worker {}", i + 1));
    thread::scope(|s| {
        // If a worker cannot start, `jobs` is dropped on the way out, so the workers already
        // started find the queue closed and empty, and the scope joins them at once.
        let handles = spawn_scoped_all(s, &numbers, builder, &worker)?;
        (1..=n).for_each(|id| jobs.send(id).expect("the workers hold the queue"));
        // Closing the queue is what tells the workers to stop once it is empty.
        drop(jobs);
        join_all(handles).map(drop)
    })?;
    drop(results);
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (id, value) in collected {
        slots[(id - 1) as usize] = Some(value);
    }
    Ok(slots
        .into_iter()
        .map(|v| v.expect("every job ran"))
        .collect())
}

/// `1 thread`, `8 threads`.
fn threads(n: u64) -> String {
    format!("{n} thread{}", if n == 1 { "" } else { "s" })
}

/// The OS-threads model: one thread per task, pools of P threads, and rayon.
pub struct Threads;

impl Model for Threads {
    fn label(&self) -> String {
        SPEC.name.to_string()
    }

    fn order(&self) -> Order {
        Order::Concurrent
    }

    fn expect(&self, p: &Params) -> Expect {
        match (p.scenario, p.workers) {
            // A pool of P blocking workers runs the requests in ⌈N/P⌉ rounds of D.
            (Scenario::Io, Some(workers)) => {
                let rounds = p.tasks.div_ceil(workers) as u32;
                Expect::one(Order::Concurrent, p.delay * rounds, "⌈N/P⌉·D")
            }
            _ => Expect::of(self.order(), p),
        }
    }

    fn io_concurrency(&self, p: &Params) -> u64 {
        p.workers.map_or(p.tasks, |workers| workers.min(p.tasks))
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
