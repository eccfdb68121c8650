//! The bare primitives: the floor under every model, written as plainly as possible.
//!
//! Each function here is what a model would be if it did nothing but its concurrency primitive:
//! spawn N units and join them (tokio, async-std and smol tasks, threads, processes), N timers,
//! N raw TCP requests, N blocking sleeps handed to a pool, the jobs split over the cores. No
//! context, no events, no result list: whatever a model costs above these is its own overhead.
//! Each takes the workload's parameters (N, D, the server) and returns how many units it joined
//! (or each job's checksum), so the caller can check the work was done without timing the check.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use smol::Executor;
use taskset::expected::data;
use taskset::{Error, Params, capacity, kernel, net};

/// Set in a bare child's environment: it sleeps that many milliseconds and exits (see
/// [`sleep_if_child`]).
pub const CHILD_ENV: &str = "BENCHES_BARE_CHILD";

/// In a bare child (started with [`CHILD_ENV`]): sleeps its milliseconds and returns true, for
/// the caller to exit; elsewhere returns false at once. The first call of every binary that
/// starts bare children of itself.
pub fn sleep_if_child() -> bool {
    let Some(ms) = std::env::var(CHILD_ENV).ok().and_then(|v| v.parse().ok()) else {
        return false;
    };
    thread::sleep(Duration::from_millis(ms));
    true
}

/// Awaits every unit in spawn order, keeping each result as the models gather theirs; returns
/// how many came back `ok`.
async fn gather<F: Future>(units: Vec<F>, ok: impl Fn(&F::Output) -> bool) -> u64 {
    let mut results = Vec::with_capacity(units.len());
    for unit in units {
        results.push(unit.await);
    }
    results.iter().filter(|r| ok(r)).count() as u64
}

/// Every unit came back (async-std's and smol's handles return the unit's output itself).
fn any<T>(_: &T) -> bool {
    true
}

// ---- spawn and join N units that wait D = 0 ----
//
// The models' unit in the spawn workload is `fetch_data(id)` at D = 0: it awaits its runtime's
// timer for zero and returns `Data id`, and the results are gathered in input order. The bare
// unit does the same work with nothing around it: no context, no events, no helpers. On tokio the
// zero wait matters: a zero `sleep` is not a bare yield, as `asyncio.sleep(0)` is, but waits for
// the timer wheel's next tick (1 ms), and both sides pay it. Threads and processes: the sleeping
// ones below, at D = 0.

/// N tokio tasks, each a zero `sleep` then its `Data id`, spawned, then gathered in order.
pub async fn tokio_spawn(p: &Params) -> u64 {
    let unit = |id| {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::ZERO).await;
            data(id)
        })
    };
    gather((1..=p.tasks).map(unit).collect(), Result::is_ok).await
}

/// N async-std tasks on the caller's thread (`spawn_local`), each a zero `sleep` then its
/// `Data id`, gathered in order.
pub async fn async_std_spawn_local(p: &Params) -> u64 {
    let unit = |id| {
        async_std::task::spawn_local(async move {
            async_std::task::sleep(Duration::ZERO).await;
            data(id)
        })
    };
    gather((1..=p.tasks).map(unit).collect(), any).await
}

/// N tasks on a smol executor, each a zero `Timer` then its `Data id`, gathered in order.
pub async fn smol_spawn(ex: &Executor<'static>, p: &Params) -> u64 {
    let unit = |id| {
        ex.spawn(async move {
            smol::Timer::after(Duration::ZERO).await;
            data(id)
        })
    };
    gather((1..=p.tasks).map(unit).collect(), any).await
}

// ---- N waits of D ----

/// N tokio tasks that each sleep D on a timer.
pub async fn tokio_timers(p: &Params) -> u64 {
    let unit = |_| tokio::spawn(tokio::time::sleep(p.delay));
    gather((0..p.tasks).map(unit).collect(), Result::is_ok).await
}

/// N async-std tasks (global pool) that each sleep D on a timer.
pub async fn async_std_timers(p: &Params) -> u64 {
    let unit = |_| async_std::task::spawn(async_std::task::sleep(p.delay));
    gather((0..p.tasks).map(unit).collect(), any).await
}

/// N smol tasks that each wait D on an `async_io::Timer`.
pub async fn smol_timers(ex: &Executor<'static>, p: &Params) -> u64 {
    let unit = |_| ex.spawn(smol::Timer::after(p.delay));
    gather((0..p.tasks).map(unit).collect(), any).await
}

/// N threads that each sleep D, spawned (with the stack the model gives its threads there) then
/// joined. If the OS refuses one, those already started are joined and the refusal returned.
pub fn threads_sleeping(p: &Params, stack: usize) -> Result<u64, Error> {
    let d = p.delay;
    let spawn = || {
        thread::Builder::new()
            .stack_size(stack)
            .spawn(move || thread::sleep(d))
    };
    let mut handles = Vec::with_capacity(p.tasks as usize);
    let refused = (0..p.tasks).find_map(|_| spawn().map(|h| handles.push(h)).err());
    let started = handles.len();
    let joined = handles
        .into_iter()
        .map(|h| u64::from(h.join().is_ok()))
        .sum();
    match refused {
        Some(e) => Err(capacity::thread_refused(started, p.tasks as usize, &e)),
        None => Ok(joined),
    }
}

/// Child processes that are killed and reaped unless each was waited for (a start refused).
struct Kids(Vec<Child>);

impl Drop for Kids {
    fn drop(&mut self) {
        for kid in &mut self.0 {
            let _ = kid.kill();
            let _ = kid.wait();
        }
    }
}

/// N child processes (this executable) that each sleep D, spawned then waited for. If one cannot
/// start, those already started are killed and reaped and the refusal returned.
pub fn processes_sleeping(p: &Params) -> Result<u64, Error> {
    let mut child = Command::new(std::env::current_exe()?);
    child.env(CHILD_ENV, p.delay.as_millis().to_string());
    let mut kids = Kids(Vec::with_capacity(p.tasks as usize));
    for i in 0..p.tasks {
        let refused = |e| capacity::process_refused(&e, i, p.tasks);
        kids.0.push(child.spawn().map_err(refused)?);
    }
    let mut ended = 0;
    while let Some(mut kid) = kids.0.pop() {
        ended += kid.wait().map_or(0, |s| u64::from(s.success()));
    }
    Ok(ended)
}

// ---- N raw TCP requests to the latency server, each on its own connection ----

/// The latency server's address and D: the `net` workloads always have a server.
fn server(p: &Params) -> (SocketAddr, Duration) {
    (p.server.expect("a net workload has a server"), p.delay)
}

/// N tokio tasks, each one request on its own connection; returns the good replies.
pub async fn tokio_tcp(p: &Params) -> u64 {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (addr, d) = server(p);
    let unit = |id| {
        tokio::spawn(async move {
            let mut s = tokio::io::BufReader::new(tokio::net::TcpStream::connect(addr).await?);
            s.get_mut()
                .write_all(net::request_line(id, d).as_bytes())
                .await?;
            let mut reply = String::new();
            s.read_line(&mut reply).await?;
            Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
        })
    };
    gather((1..=p.tasks).map(unit).collect(), |r| {
        matches!(r, Ok(Ok(true)))
    })
    .await
}

/// N async-std tasks, each one request on its own connection; returns the good replies.
pub async fn async_std_tcp(p: &Params) -> u64 {
    use async_std::io::{WriteExt, prelude::BufReadExt};
    let (addr, d) = server(p);
    let unit = |id| {
        async_std::task::spawn(async move {
            let mut s = async_std::net::TcpStream::connect(addr).await?;
            s.write_all(net::request_line(id, d).as_bytes()).await?;
            let mut reply = String::new();
            async_std::io::BufReader::new(s)
                .read_line(&mut reply)
                .await?;
            Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
        })
    };
    gather((1..=p.tasks).map(unit).collect(), |r| matches!(r, Ok(true))).await
}

/// N smol tasks, each one request on its own connection; returns the good replies.
pub async fn smol_tcp(ex: &Executor<'static>, p: &Params) -> u64 {
    use futures_lite::{AsyncBufReadExt, AsyncWriteExt};
    let (addr, d) = server(p);
    let unit = |id| {
        ex.spawn(async move {
            let mut s = smol::net::TcpStream::connect(addr).await?;
            s.write_all(net::request_line(id, d).as_bytes()).await?;
            let mut reply = String::new();
            futures_lite::io::BufReader::new(s)
                .read_line(&mut reply)
                .await?;
            Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
        })
    };
    gather((1..=p.tasks).map(unit).collect(), |r| matches!(r, Ok(true))).await
}

/// N threads (64 KiB stacks, as the threads model's), each one blocking request on its own
/// connection; returns the good replies.
pub fn std_tcp(p: &Params) -> u64 {
    let (addr, d) = server(p);
    let request = move |id: u64| -> std::io::Result<bool> {
        let mut s = TcpStream::connect(addr)?;
        s.write_all(net::request_line(id, d).as_bytes())?;
        let mut reply = String::new();
        BufReader::new(s).read_line(&mut reply)?;
        Ok(net::check_reply(id, &reply).is_ok())
    };
    let spawn = |id| {
        thread::Builder::new()
            .stack_size(64 << 10)
            .spawn(move || request(id))
    };
    let handles: Vec<_> = (1..=p.tasks)
        .map(|id| spawn(id).expect("a request thread"))
        .collect();
    let good = handles
        .into_iter()
        .map(|h| matches!(h.join(), Ok(Ok(true))));
    good.map(u64::from).sum()
}

// ---- N blocking sleeps handed to a pool ----

/// N sleeps of D, each handed to tokio's blocking pool, awaited together.
pub async fn tokio_spawn_blocking(p: &Params) -> u64 {
    let d = p.delay;
    let unit = |_| tokio::task::spawn_blocking(move || thread::sleep(d));
    gather((0..p.tasks).map(unit).collect(), Result::is_ok).await
}

/// N sleeps of D, each handed to async-std's blocking pool, awaited together.
pub async fn async_std_spawn_blocking(p: &Params) -> u64 {
    let d = p.delay;
    let unit = |_| async_std::task::spawn_blocking(move || thread::sleep(d));
    gather((0..p.tasks).map(unit).collect(), any).await
}

/// N sleeps of D, each handed to smol's blocking pool with `unblock`, awaited together.
pub async fn smol_unblock(ex: &Executor<'static>, p: &Params) -> u64 {
    let d = p.delay;
    let unit = |_| ex.spawn(smol::unblock(move || thread::sleep(d)));
    gather((0..p.tasks).map(unit).collect(), any).await
}

// ---- the CPU jobs split over the cores ----

/// Jobs 1..=N of W units on one scoped thread per core (thread k takes every P-th id from
/// k + 1); returns each job's checksum, in input order.
pub fn scope_jobs(p: &Params) -> Vec<u64> {
    let (n, work, cores) = (p.tasks, p.work, p.pool());
    let mut results = vec![0u64; n as usize];
    thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|k| {
                let ids = (k + 1..=n).step_by(cores as usize);
                s.spawn(move || {
                    ids.map(|id| (id, kernel::job(id, work)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (id, sum) in h.join().expect("a kernel job cannot panic") {
                results[(id - 1) as usize] = sum;
            }
        }
    });
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Runs;
    use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
    use std::time::Instant;
    use taskset::Scenario;

    #[test]
    fn the_bare_primitives_join_every_unit_and_wait_their_delay() {
        let p = Params::of(Scenario::Io).tasks(50).delay_ms(20);
        let (tokio, smol) = (
            tokio_rt::Runtime::new(2).unwrap(),
            smol_rt::Runtime::new(2).unwrap(),
        );
        let async_std = async_std_rt::Runtime::new(1).unwrap();
        let start = Instant::now();
        assert_eq!(tokio.run(|_| tokio_timers(&p)), 50);
        assert!(start.elapsed() >= p.delay);
        assert_eq!(tokio.run(|_| tokio_spawn(&p)), 50);
        assert_eq!(async_std.run(|_| async_std_spawn_local(&p)), 50);
        assert_eq!(smol.run(|ex| smol_spawn(ex, &p)), 50);
        assert_eq!(threads_sleeping(&p.clone().tasks(5), 64 << 10), Ok(5));
    }

    #[test]
    fn the_bare_cpu_split_gives_the_kernels_checksum() {
        let sums = scope_jobs(&Params::of(Scenario::Cpu).tasks(5).work(1));
        let want = taskset::expected::cpu_checksum(5, 1);
        assert_eq!(kernel::checksum(&sums), want);
    }
}
