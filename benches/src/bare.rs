//! The bare primitives: the floor under every model, written as plainly as possible.
//!
//! Each function here is what a model would be if it did nothing but its concurrency primitive:
//! spawn N units and join them (tokio, async-std and smol tasks, threads, processes), N timers,
//! N raw TCP requests, N blocking sleeps handed to a pool, the jobs split over the cores. No
//! context, no events, no result list: whatever a model costs above these is its own overhead.
//! Each returns how many units it joined (or the checksum), so the caller can check the work was
//! done without timing the check.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use taskset::expected::data;
use taskset::{kernel, net};

/// Set in a bare child's environment: it sleeps that many milliseconds and exits (see
/// [`crate::harness::enter`]).
pub const CHILD_ENV: &str = "BENCHES_BARE_CHILD";

// ---- spawn and join N units that wait D = 0 ----
//
// The models' unit in the spawn workload is `fetch_data(id)` at D = 0: it awaits its runtime's
// timer for zero and returns `Data id`, and the results are gathered in input order. The bare
// unit does the same work with nothing around it: no context, no events, no helpers. On tokio the
// zero wait matters: a zero `sleep` is not a bare yield, as `asyncio.sleep(0)` is, but waits for
// the timer wheel's next tick (1 ms), and both sides pay it.

/// N tokio tasks, each a zero `sleep` then its `Data id`, spawned, then gathered in order.
pub async fn tokio_spawn(n: u64) -> u64 {
    let handles: Vec<_> = (1..=n)
        .map(|id| {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::ZERO).await;
                data(id)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        results.push(h.await.expect("a sleeping task cannot fail"));
    }
    results.len() as u64
}

/// N async-std tasks on the caller's thread (`spawn_local`), each a zero `sleep` then its
/// `Data id`, gathered in order.
pub async fn async_std_spawn_local(n: u64) -> u64 {
    let handles: Vec<_> = (1..=n)
        .map(|id| {
            async_std::task::spawn_local(async move {
                async_std::task::sleep(Duration::ZERO).await;
                data(id)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        results.push(h.await);
    }
    results.len() as u64
}

/// N tasks on a smol executor, each a zero `Timer` then its `Data id`, gathered in order.
pub async fn smol_spawn(ex: &smol::Executor<'static>, n: u64) -> u64 {
    let tasks: Vec<_> = (1..=n)
        .map(|id| {
            ex.spawn(async move {
                smol::Timer::after(Duration::ZERO).await;
                data(id)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for t in tasks {
        results.push(t.await);
    }
    results.len() as u64
}

/// N threads that do nothing, spawned then joined.
pub fn thread_spawn(n: u64) -> u64 {
    threads_sleeping(n, Duration::ZERO)
}

/// N child processes (this executable, which exits at once), spawned then waited for.
pub fn process_spawn(n: u64) -> u64 {
    processes_sleeping(n, Duration::ZERO)
}

// ---- N waits of D ----

/// N tokio tasks that each sleep D on a timer.
pub async fn tokio_timers(n: u64, d: Duration) -> u64 {
    let handles: Vec<_> = (0..n)
        .map(|_| tokio::spawn(tokio::time::sleep(d)))
        .collect();
    let mut joined = 0;
    for h in handles {
        h.await.expect("a timer task cannot fail");
        joined += 1;
    }
    joined
}

/// N async-std tasks (global pool) that each sleep D on a timer.
pub async fn async_std_timers(n: u64, d: Duration) -> u64 {
    let handles: Vec<_> = (0..n)
        .map(|_| async_std::task::spawn(async_std::task::sleep(d)))
        .collect();
    let mut joined = 0;
    for h in handles {
        h.await;
        joined += 1;
    }
    joined
}

/// N smol tasks that each wait D on an `async_io::Timer`.
pub async fn smol_timers(ex: &smol::Executor<'static>, n: u64, d: Duration) -> u64 {
    let tasks: Vec<_> = (0..n)
        .map(|_| ex.spawn(async move { smol::Timer::after(d).await }))
        .collect();
    let mut joined = 0;
    for t in tasks {
        t.await;
        joined += 1;
    }
    joined
}

/// N threads that each sleep D, spawned then joined.
pub fn threads_sleeping(n: u64, d: Duration) -> u64 {
    let handles: Vec<_> = (0..n)
        .map(|_| thread::spawn(move || thread::sleep(d)))
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().map_or(0, |()| 1))
        .sum()
}

/// N child processes that each sleep D, spawned then waited for.
pub fn processes_sleeping(n: u64, d: Duration) -> u64 {
    let exe = std::env::current_exe().expect("this executable");
    let children: Vec<Child> = (0..n)
        .map(|_| {
            Command::new(&exe)
                .env(CHILD_ENV, d.as_millis().to_string())
                .spawn()
                .expect("a bare child process")
        })
        .collect();
    children
        .into_iter()
        .map(|mut c| c.wait().map_or(0, |s| u64::from(s.success())))
        .sum()
}

// ---- N raw TCP requests to the latency server ----

/// N tokio tasks, each one request on its own connection; returns the good replies.
pub async fn tokio_tcp(addr: SocketAddr, n: u64, d: Duration) -> u64 {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let handles: Vec<_> = (1..=n)
        .map(|id| {
            tokio::spawn(async move {
                let mut s = tokio::io::BufReader::new(tokio::net::TcpStream::connect(addr).await?);
                s.get_mut()
                    .write_all(net::request_line(id, d).as_bytes())
                    .await?;
                let mut reply = String::new();
                s.read_line(&mut reply).await?;
                Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
            })
        })
        .collect();
    let mut good = 0;
    for h in handles {
        good += u64::from(matches!(h.await, Ok(Ok(true))));
    }
    good
}

/// N async-std tasks, each one request on its own connection; returns the good replies.
pub async fn async_std_tcp(addr: SocketAddr, n: u64, d: Duration) -> u64 {
    use async_std::io::WriteExt;
    use async_std::io::prelude::BufReadExt;
    let handles: Vec<_> = (1..=n)
        .map(|id| {
            async_std::task::spawn(async move {
                let mut s = async_std::net::TcpStream::connect(addr).await?;
                s.write_all(net::request_line(id, d).as_bytes()).await?;
                let mut reply = String::new();
                async_std::io::BufReader::new(s)
                    .read_line(&mut reply)
                    .await?;
                Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
            })
        })
        .collect();
    let mut good = 0;
    for h in handles {
        good += u64::from(matches!(h.await, Ok(true)));
    }
    good
}

/// N smol tasks, each one request on its own connection; returns the good replies.
pub async fn smol_tcp(ex: &smol::Executor<'static>, addr: SocketAddr, n: u64, d: Duration) -> u64 {
    use futures_lite::{AsyncBufReadExt, AsyncWriteExt};
    let tasks: Vec<_> = (1..=n)
        .map(|id| {
            ex.spawn(async move {
                let mut s = smol::net::TcpStream::connect(addr).await?;
                s.write_all(net::request_line(id, d).as_bytes()).await?;
                let mut reply = String::new();
                futures_lite::io::BufReader::new(s)
                    .read_line(&mut reply)
                    .await?;
                Ok::<_, std::io::Error>(net::check_reply(id, &reply).is_ok())
            })
        })
        .collect();
    let mut good = 0;
    for t in tasks {
        good += u64::from(matches!(t.await, Ok(true)));
    }
    good
}

/// N threads, each one blocking request on its own connection; returns the good replies.
pub fn std_tcp(addr: SocketAddr, n: u64, d: Duration) -> u64 {
    let request = move |id: u64| -> std::io::Result<bool> {
        let mut s = TcpStream::connect(addr)?;
        s.write_all(net::request_line(id, d).as_bytes())?;
        let mut reply = String::new();
        BufReader::new(s).read_line(&mut reply)?;
        Ok(net::check_reply(id, &reply).is_ok())
    };
    let handles: Vec<_> = (1..=n)
        .map(|id| {
            thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || request(id))
                .expect("a request thread")
        })
        .collect();
    let good = handles
        .into_iter()
        .map(|h| matches!(h.join(), Ok(Ok(true))));
    good.map(u64::from).sum()
}

// ---- N blocking sleeps handed to a pool ----

/// N sleeps of D, each handed to tokio's blocking pool, awaited together.
pub async fn tokio_spawn_blocking(n: u64, d: Duration) -> u64 {
    let handles: Vec<_> = (0..n)
        .map(|_| tokio::task::spawn_blocking(move || thread::sleep(d)))
        .collect();
    let mut joined = 0;
    for h in handles {
        h.await.expect("a sleep cannot fail");
        joined += 1;
    }
    joined
}

/// N sleeps of D, each handed to async-std's blocking pool, awaited together.
pub async fn async_std_spawn_blocking(n: u64, d: Duration) -> u64 {
    let handles: Vec<_> = (0..n)
        .map(|_| async_std::task::spawn_blocking(move || thread::sleep(d)))
        .collect();
    let mut joined = 0;
    for h in handles {
        h.await;
        joined += 1;
    }
    joined
}

/// N sleeps of D, each handed to smol's blocking pool with `unblock`, awaited together.
pub async fn smol_unblock(ex: &smol::Executor<'static>, n: u64, d: Duration) -> u64 {
    let tasks: Vec<_> = (0..n)
        .map(|_| ex.spawn(smol::unblock(move || thread::sleep(d))))
        .collect();
    let mut joined = 0;
    for t in tasks {
        t.await;
        joined += 1;
    }
    joined
}

// ---- the CPU jobs split over the cores ----

/// Jobs 1..=n of `work` units on `p` scoped threads (thread k takes every p-th id from k + 1);
/// returns the checksum of the results in input order.
pub fn scope_jobs(n: u64, work: u64, p: u64) -> u64 {
    let mut results = vec![0u64; n as usize];
    thread::scope(|s| {
        let handles: Vec<_> = (0..p)
            .map(|k| {
                s.spawn(move || {
                    let ids = (k + 1..=n).step_by(p as usize);
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
    kernel::checksum(&results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bare_spawns_join_every_unit() {
        let rt = crate::rt::tokio(1);
        assert_eq!(rt.block_on(tokio_spawn(50)), 50);
        assert_eq!(async_std::task::block_on(async_std_spawn_local(50)), 50);
        let smol = crate::rt::Smol::new(2);
        assert_eq!(smol.block_on(smol_spawn(smol.ex(), 50)), 50);
        assert_eq!(thread_spawn(5), 5);
    }

    #[test]
    fn the_bare_cpu_split_gives_the_kernels_checksum() {
        assert_eq!(scope_jobs(5, 1, 2), taskset::expected::cpu_checksum(5, 1));
    }

    #[test]
    fn the_bare_timers_wait_their_delay() {
        let d = Duration::from_millis(20);
        let rt = crate::rt::tokio(2);
        let start = std::time::Instant::now();
        assert_eq!(rt.block_on(tokio_timers(100, d)), 100);
        assert!(start.elapsed() >= d);
    }
}
