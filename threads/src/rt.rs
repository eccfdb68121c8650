//! The threads' own pieces: starting OS threads, joining them, and a pool of P of them.
//!
//! Every helper here runs its threads inside a `std::thread::scope`, for two reasons: the threads
//! may borrow the scenario's context and data (no `Arc`, no `'static`), and the scope joins every
//! one of them before it returns, whatever happens inside, so no thread outlives its scenario.
//! Before any thread starts, [`taskset::capacity::threads`] checks that all of them fit the
//! machine's limits; if the OS refuses one anyway, no more are started and the error says which
//! limit it was. Used by every scenario of `cargo run -p threads`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, Builder, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use taskset::capacity::{self, DEFAULT_STACK};
use taskset::{Error, gathered, panic_message};

/// The stack of a request thread in `io`: 64 KiB instead of 2 MiB.
///
/// A request needs a few KiB of stack (a socket, a line buffer on the heap), and ten thousand
/// threads of 2 MiB would reserve 20 GiB of address space and fail under a modest `ulimit -v`.
/// Stacks are reserved, not used, so this saves address space and limits, not resident memory.
pub const REQUEST_STACK: usize = 64 << 10;

/// `1 thread`, `8 threads`.
pub fn threads(n: u64) -> String {
    format!("{n} thread{}", if n == 1 { "" } else { "s" })
}

/// Runs `work(item)` for every item, each on its own thread, and joins them in input order; a
/// thread that panicked is an error (none should: see [`each_on_its_thread`] for `errors`).
pub fn on_threads<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(&I) -> T + Sync,
) -> Result<Vec<T>, Error> {
    let what = format!("{} tasks", items.len());
    gathered(each_on_its_thread(&what, items, DEFAULT_STACK, work)?)
}

/// Runs `work(item)` for every item on a thread of its own with a `stack`-byte stack; returns each
/// thread's result in input order, or the message of its panic. `what` names the flag that asked
/// for the threads, for the error if they do not fit.
pub fn each_on_its_thread<I: Sync, T: Send>(
    what: &str,
    items: &[I],
    stack: usize,
    work: impl Fn(&I) -> T + Sync,
) -> Result<Vec<Result<T, String>>, Error> {
    capacity::threads(what, items.len() as u64, stack)?;
    // A scope lets every thread borrow `items`, `work` and the context, and guarantees that all of
    // them are joined before it returns.
    thread::scope(|s| {
        let handles = spawn_all(s, "task", items.iter().collect(), stack, &work)?;
        Ok(handles.into_iter().map(join).collect())
    })
}

/// Starts `work(item)` for every item on a thread named `{name} N` (1, 2, …), in `scope`; each
/// thread owns its item.
///
/// If the OS refuses a thread, it starts no more and returns the error; the scope then joins the
/// threads already started, so they must be able to end by themselves.
pub fn spawn_all<'scope, I: Send + 'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    name: &str,
    items: Vec<I>,
    stack: usize,
    work: &'scope (impl Fn(I) -> T + Sync),
) -> Result<Vec<ScopedJoinHandle<'scope, T>>, Error> {
    let n = items.len();
    let mut handles = Vec::with_capacity(n);
    for (i, item) in items.into_iter().enumerate() {
        let builder = Builder::new()
            .name(format!("{name} {}", i + 1))
            .stack_size(stack);
        match builder.spawn_scoped(scope, move || work(item)) {
            Ok(handle) => handles.push(handle),
            Err(e) => return Err(capacity::thread_refused(i, n, &e)),
        }
    }
    Ok(handles)
}

/// Joins one thread: its result, or the message of its panic (`join` hands the panic back).
fn join<T>(handle: ScopedJoinHandle<'_, T>) -> Result<T, String> {
    handle.join().map_err(|payload| panic_message(&*payload))
}

/// A pool of P threads that run `job(id)` for each id they are sent: see [`with_pool`].
pub struct Pool<T> {
    ids: Sender<u64>,
    done: Receiver<(u64, thread::Result<T>)>,
}

impl<T> Pool<T> {
    /// Runs `job(1..=n)` on the pool's threads; the results in input order.
    pub fn run(&self, n: u64) -> Result<Vec<T>, Error> {
        for id in 1..=n {
            self.ids.send(id).expect("the workers hold the queue");
        }
        // Results arrive as the jobs finish, in any order: each goes back to its id's slot.
        let mut slots: Vec<Option<thread::Result<T>>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            let (id, result) = self.done.recv().expect("every job sends its result");
            slots[(id - 1) as usize] = Some(result);
        }
        let results = slots.into_iter().map(|r| {
            r.expect("every job ran")
                .map_err(|payload| panic_message(&*payload))
        });
        gathered(results.collect())
    }
}

/// Runs `body` with a pool of `workers` threads that take ids from one queue and run `job(id)`.
///
/// The threads start here, before `body`, as a rayon pool does, so whatever `body` times does not
/// include starting them; they stop when `body` returns and are joined before this does.
pub fn with_pool<T: Send, R>(
    workers: u64,
    job: impl Fn(u64) -> T + Sync,
    body: impl FnOnce(&Pool<T>) -> R,
) -> Result<R, Error> {
    capacity::threads(&format!("--workers {workers}"), workers, DEFAULT_STACK)?;
    let (ids, queue) = mpsc::channel::<u64>();
    // std's Receiver has one owner; the mutex lets P workers take turns at it. Each holds the lock
    // only to take one id (the guard is dropped at the end of the `let`), never while it works.
    let queue = Mutex::new(queue);
    let (results, done) = mpsc::channel();
    let worker = |_: u64| {
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(id) = next else { break };
            // Caught, so that a job that panics costs its own result, not the whole pool.
            let result = panic::catch_unwind(AssertUnwindSafe(|| job(id)));
            let _ = results.send((id, result));
        }
    };
    thread::scope(|s| {
        // If a worker cannot start, `ids` is dropped on the way out, so the workers already
        // started find the queue closed and empty, and the scope joins them at once.
        spawn_all(s, "worker", (1..=workers).collect(), DEFAULT_STACK, &worker)?;
        let pool = Pool { ids, done };
        let out = body(&pool);
        // Closing the queue is what tells the workers to stop once it is empty.
        drop(pool);
        Ok(out)
    })
}

/// Runs `task(name, running, stop)` for every name on a thread of its own; `limit` after the last
/// one has said it is `running`, sends a stop to each that has not returned, then joins them all.
/// Returns what each returned (false for a task whose thread died).
pub fn stop_at_deadline(
    names: &[String],
    limit: Duration,
    task: impl Fn(&str, &Sender<()>, &Receiver<()>) -> bool + Sync,
) -> Result<Vec<bool>, Error> {
    let n = names.len();
    capacity::threads(&format!("{n} tasks"), n as u64, DEFAULT_STACK)?;
    let ((running, all_running), (done, all_done)) = (mpsc::channel(), mpsc::channel());
    let (stops, stopped): (Vec<Sender<()>>, Vec<Receiver<()>>) =
        names.iter().map(|_| mpsc::channel()).unzip();
    let work = |(name, stop): (&String, Receiver<()>)| {
        let returned = task(name, &running, &stop);
        let _ = done.send(());
        returned
    };
    thread::scope(|s| {
        // Moved in here: if the OS refuses a thread, `stops` is dropped on the way out, the started
        // tasks see their channel close and return at once, and the scope joins them.
        let stops = stops;
        let tasks = names.iter().zip(stopped).collect();
        let handles = spawn_all(s, "task", tasks, DEFAULT_STACK, &work)?;
        // The deadline counts from the moment the last task has started.
        for _ in 0..n {
            let _ = all_running.recv();
        }
        let deadline = Instant::now() + limit;
        // Wait until the deadline, or less if every task returns before it.
        for _ in 0..n {
            if all_done
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .is_err()
            {
                break;
            }
        }
        for (stop, handle) in stops.iter().zip(&handles) {
            if !handle.is_finished() {
                let _ = stop.send(());
            }
        }
        Ok(handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .collect())
    })
}

/// Runs `body` with a rayon pool of `workers` threads, started before it, as [`with_pool`] does.
///
/// Its threads belong to a `std::thread::scope`, so they are joined before this returns: no
/// thread is left behind.
pub fn with_rayon<R: Send>(
    workers: u64,
    body: impl FnOnce(&rayon::ThreadPool) -> R + Send,
) -> Result<R, Error> {
    capacity::threads(&format!("--workers {workers}"), workers, DEFAULT_STACK)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|i| format!("rayon {i}"))
        .build_scoped(|thread| thread.run(), body)
        .map_err(|e| Error::refused(format!("rayon could not start {workers} threads: {e}")))
}
