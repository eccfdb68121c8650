//! What the operating system allows a process that starts threads, checked before it starts any.
//!
//! An OS thread is a kernel task with its own id and its own stack, so ten thousand of them meet
//! limits that ten thousand futures never see: the system's task table (`kernel.threads-max`), its
//! ids (`kernel.pid_max`), the user's process count (`RLIMIT_NPROC`), the memory maps of the process
//! (`vm.max_map_count`: a stack and its guard page are two) and its address space (`RLIMIT_AS`).
//! [`check_room`] refuses a run that cannot fit, before anything starts, in one line naming the limit
//! and how to raise it; [`refused`] says the same when the OS turns down a thread anyway.
//! Used by every scenario of `cargo run -p threads`; try `cargo run -p threads -- io --tasks 1000000`.

use std::fs;
use std::io;

use taskset::{Error, sys};

/// Rust's default stack for a spawned thread (without `Builder::stack_size`): 2 MiB.
pub const DEFAULT_STACK: usize = 2 << 20;

/// Address space a thread takes besides its stack: the guard page below it, and the thread's
/// control block and TLS that glibc keeps in the same mapping (a generous page each).
const PER_THREAD_EXTRA: u64 = 3 * 4096;

/// Address space glibc reserves for one malloc arena; a thread's first allocation may create one,
/// up to eight per core, so that threads do not all queue on one heap lock.
const ARENA: u64 = 64 << 20;

/// One limit on the number of threads: its name, how many more threads fit, and how to raise it.
struct Room {
    limit: &'static str,
    left: u64,
    detail: String,
    raise: &'static str,
}

/// Refuses, in one line, when `n` more threads of `stack` bytes would not fit; `what` names the
/// flag that asked for them (`--tasks 10000`).
pub fn check_room(what: &str, n: u64, stack: usize) -> Result<(), Error> {
    match rooms(n, stack).into_iter().find(|room| n > room.left) {
        None => Ok(()),
        Some(room) => Err(Error(format!(
            "{what} needs {n} threads at once, but {} leaves room for {} ({}): lower it, \
             or raise the limit with {}",
            room.limit, room.left, room.detail, room.raise
        ))),
    }
}

/// The error for a thread the OS refused although [`check_room`] let the run start.
pub fn refused(started: usize, of: usize, e: &io::Error) -> Error {
    let (nproc, _) = sys::rlimit(libc::RLIMIT_NPROC);
    let (address, _) = sys::rlimit(libc::RLIMIT_AS);
    Error(format!(
        "the OS refused thread {} of {of} ({e}); threads are limited by kernel.threads-max {}, \
         RLIMIT_NPROC {}, RLIMIT_AS {} and memory for stacks; the {started} threads already \
         started were joined",
        started + 1,
        shown(sys::proc_sys("kernel/threads-max")),
        shown_limit(nproc),
        shown_limit(address),
    ))
}

/// Every limit that applies to `n` more threads, with how many more threads each leaves room for.
fn rooms(n: u64, stack: usize) -> Vec<Room> {
    let mut rooms = Vec::new();
    let tasks = system_tasks();
    // System-wide: every thread of every process is one task with one id.
    for (limit, path, raise) in [
        (
            "kernel.threads-max",
            "kernel/threads-max",
            "`sysctl kernel.threads-max=N`",
        ),
        (
            "kernel.pid_max",
            "kernel/pid_max",
            "`sysctl kernel.pid_max=N`",
        ),
    ] {
        if let (Some(max), Some(used)) = (sys::proc_sys(path), tasks) {
            let detail = format!("{max} system-wide, {used} in use");
            rooms.push(room(limit, max.saturating_sub(used), detail, raise));
        }
    }
    // RLIMIT_NPROC counts the user's tasks; the kernel exempts root (CAP_SYS_RESOURCE).
    let (nproc, _) = sys::rlimit(libc::RLIMIT_NPROC);
    if !is_root() && nproc != libc::RLIM_INFINITY {
        let used = sys::threads();
        let detail = format!("{nproc} per user, {used} in this process alone");
        rooms.push(room(
            "RLIMIT_NPROC",
            nproc.saturating_sub(used),
            detail,
            "`ulimit -u`",
        ));
    }
    // Each stack is a mapping plus its guard page: two of the process's memory maps.
    if let (Some(max), Some(used)) = (sys::proc_sys("vm/max_map_count"), maps()) {
        let detail = format!("{max} maps per process, {used} in use, two per thread");
        let left = max.saturating_sub(used) / 2;
        rooms.push(room(
            "vm.max_map_count",
            left,
            detail,
            "`sysctl vm.max_map_count=N`",
        ));
    }
    let (address, _) = sys::rlimit(libc::RLIMIT_AS);
    if let (true, Some(used)) = (address != libc::RLIM_INFINITY, vm_size()) {
        // Running out of address space is not always a refused spawn that we can report: a
        // thread whose allocation fails aborts the process. So keep room for the arenas too.
        let per = stack as u64 + PER_THREAD_EXTRA;
        let arenas = n.min(8 * sys::cores() as u64) * ARENA;
        let detail = format!(
            "address space {}, {} in use, {} of malloc arenas, {} of stack per thread",
            sys::mib(address),
            sys::mib(used),
            sys::mib(arenas),
            sys::mib(per)
        );
        let left = address.saturating_sub(used + arenas) / per;
        rooms.push(room(
            "RLIMIT_AS (memory for stacks)",
            left,
            detail,
            "`ulimit -v`",
        ));
    }
    rooms
}

/// A [`Room`], built in one line.
fn room(limit: &'static str, left: u64, detail: String, raise: &'static str) -> Room {
    Room {
        limit,
        left,
        detail,
        raise,
    }
}

/// Tasks (threads of every process) on the whole system: the part after `/` in `/proc/loadavg`.
fn system_tasks() -> Option<u64> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    loadavg
        .split_whitespace()
        .nth(3)?
        .split_once('/')?
        .1
        .parse()
        .ok()
}

/// Memory maps of this process now.
fn maps() -> Option<u64> {
    Some(fs::read_to_string("/proc/self/maps").ok()?.lines().count() as u64)
}

/// Address space of this process now (`VmSize`), in bytes.
fn vm_size() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Whether this process runs as root, whom the kernel does not hold to `RLIMIT_NPROC`.
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A number read from `/proc`, or `unknown`.
fn shown(n: Option<u64>) -> String {
    n.map_or("unknown".to_string(), |n| n.to_string())
}

/// A resource limit, or `unlimited`.
fn shown_limit(n: u64) -> String {
    if n == libc::RLIM_INFINITY {
        "unlimited".to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_threads_fit_and_a_million_do_not() {
        assert_eq!(check_room("--tasks 3", 3, DEFAULT_STACK), Ok(()));
        let e = check_room("--tasks 1000000", 1_000_000, 64 << 10).unwrap_err();
        assert!(
            e.0.starts_with("--tasks 1000000 needs 1000000 threads"),
            "{e}"
        );
        assert!(e.0.contains("kernel."), "names the kernel limit: {e}");
        assert!(e.0.contains("sysctl"), "says how to raise it: {e}");
        assert_eq!(e.0.lines().count(), 1);
    }

    #[test]
    fn the_refusal_names_the_limits_and_the_joined_threads() {
        let e = refused(2, 10, &io::Error::from_raw_os_error(libc::EAGAIN));
        assert!(e.0.starts_with("the OS refused thread 3 of 10"), "{e}");
        for needle in [
            "threads-max",
            "RLIMIT_NPROC",
            "RLIMIT_AS",
            "2 threads already started",
        ] {
            assert!(e.0.contains(needle), "{e} should name {needle}");
        }
    }
}
