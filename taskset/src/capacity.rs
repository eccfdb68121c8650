//! What the machine lets a model start: threads, processes and sockets, checked before any starts.
//!
//! Ten thousand futures cost memory; ten thousand OS threads, processes or sockets also meet limits
//! that futures never see: the system's task table (`kernel.threads-max`) and ids
//! (`kernel.pid_max`), the user's process count (`RLIMIT_NPROC`), the cgroup's (`pids.max`), the
//! process's memory maps (`vm.max_map_count`: a thread stack and its guard page are two) and address
//! space (`RLIMIT_AS`), its open files (`RLIMIT_NOFILE`) and the ephemeral ports
//! (`net.ipv4.ip_local_port_range`). Every check is here, once: it refuses a run that cannot fit,
//! before anything starts, in one line that names the limit and how to raise it, and
//! [`thread_refused`] and [`process_refused`] say the same when the OS turns one down anyway.
//!
//! Try `cargo run -p threads -- io --tasks 1000000`.

use std::io;

use crate::outcome::Error;
use crate::sys;

/// Rust's default stack for a spawned thread (without `Builder::stack_size`): 2 MiB.
pub const DEFAULT_STACK: usize = 2 << 20;

/// Address space a thread takes besides its stack: the guard page below it, and the thread's
/// control block and TLS that glibc keeps in the same mapping (a generous page each).
const PER_THREAD_EXTRA: u64 = 3 * 4096;

/// Address space glibc reserves for one malloc arena; a thread's first allocation may create one,
/// up to eight per core, so that threads do not all queue on one heap lock.
const ARENA: u64 = 64 << 20;

/// Descriptors a process needs besides its sockets: stdio, the runtime's, a few pipes.
const SPARE_FILES: u64 = 64;

/// One limit: its name, how many more units it leaves room for, what it is now, how to raise it.
struct Room {
    limit: &'static str,
    left: u64,
    detail: String,
    raise: &'static str,
}

/// Refuses, in one line, when the first limit in `rooms` leaves less room than `n`.
fn check(what: &str, n: u64, unit: &str, rooms: Vec<Room>) -> Result<(), Error> {
    match rooms.into_iter().find(|room| n > room.left) {
        None => Ok(()),
        Some(room) => Err(Error::refused(format!(
            "{what} needs {n} {unit} at once, but {} leaves room for {} ({}): lower it, or raise \
             the limit with {}",
            room.limit, room.left, room.detail, room.raise
        ))),
    }
}

/// Refuses when `n` more threads of `stack` bytes would not fit; `what` names the flag that asked
/// for them (`--tasks 10000`).
pub fn threads(what: &str, n: u64, stack: usize) -> Result<(), Error> {
    let mut rooms = tasks(sys::threads());
    // Each stack is a mapping plus its guard page: two of the process's memory maps.
    if let (Some(max), Some(used)) = (sys::proc_sys("vm/max_map_count"), sys::maps()) {
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
    if let (true, Some(used)) = (address != libc::RLIM_INFINITY, sys::vm_size()) {
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
    check(what, n, "threads", rooms)
}

/// Refuses when `n` more child processes would not fit: ids, the user's count, two pipes each.
pub fn processes(what: &str, n: u64) -> Result<(), Error> {
    // For processes, RLIMIT_NPROC counts this one too; the user's other processes count as well,
    // but they come and go: if they fill the rest, a start fails midway and process_refused says so.
    let mut rooms = tasks(1);
    let limit = sys::raise_nofile();
    let used = sys::open_fds() + 3;
    let detail = format!("{limit} per process, {used} in use, two pipes per child");
    rooms.push(room(
        "RLIMIT_NOFILE",
        limit.saturating_sub(used) / 2,
        detail,
        "`ulimit -n`",
    ));
    check(what, n, "processes", rooms)
}

/// Refuses when `n` sockets open at once would not fit: open files here, and ephemeral ports.
///
/// Past half the port range it only warns: the kernel first looks for a client port among the
/// even half of the range, scanning every port held towards the same server, so past that half
/// each further `connect` costs time in proportion to the connections open (measured here: at
/// 19,900, seconds of kernel time). The run then measures the kernel as much as the model.
pub fn sockets(what: &str, n: u64) -> Result<(), Error> {
    let limit = sys::raise_nofile();
    let detail = format!("{limit} per process, {SPARE_FILES} kept for the rest");
    let mut rooms = vec![room(
        "the open-file limit (RLIMIT_NOFILE)",
        limit.saturating_sub(SPARE_FILES),
        detail,
        "`ulimit -n`",
    )];
    if let Some((low, high)) = sys::port_range() {
        let ports = high.saturating_sub(low) + 1;
        if n > ports / 2 && n <= ports {
            eprintln!(
                "note: {n} connections at once hold more than half of the client ports \
                 ({low}-{high}): each further connect() scans the held ports in the kernel, so \
                 the run measures the kernel's port search as much as the model; widen \
                 net.ipv4.ip_local_port_range to measure the model alone"
            );
        }
        let detail = format!("ports {low} to {high}, one per connection");
        rooms.push(room(
            "net.ipv4.ip_local_port_range",
            ports,
            detail,
            "`sysctl net.ipv4.ip_local_port_range`",
        ));
    }
    check(what, n, "connections", rooms)
}

/// The limits every new thread or process counts against; `here` is what this process holds.
fn tasks(here: u64) -> Vec<Room> {
    let mut rooms = Vec::new();
    let used = sys::system_tasks();
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
        if let (Some(max), Some(used)) = (sys::proc_sys(path), used) {
            let detail = format!("{max} system-wide, {used} in use");
            rooms.push(room(limit, max.saturating_sub(used), detail, raise));
        }
    }
    // RLIMIT_NPROC counts the user's tasks; the kernel exempts root (CAP_SYS_RESOURCE).
    let (nproc, _) = sys::rlimit(libc::RLIMIT_NPROC);
    if !sys::is_root() && nproc != libc::RLIM_INFINITY {
        let detail = format!("{nproc} per user, {here} in this process alone");
        rooms.push(room(
            "RLIMIT_NPROC",
            nproc.saturating_sub(here),
            detail,
            "`ulimit -u`",
        ));
    }
    if let Some(max) = sys::cgroup_pids_max() {
        let detail = format!("{max} in this cgroup, {here} in this process alone");
        let raise = "the cgroup's pids.max";
        rooms.push(room(
            "the cgroup's pids.max",
            max.saturating_sub(here),
            detail,
            raise,
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

/// The error for thread `started + 1` of `of` that the OS refused although [`threads`] let the run
/// start; the caller has joined the `started` ones.
pub fn thread_refused(started: usize, of: usize, e: &io::Error) -> Error {
    let (nproc, _) = sys::rlimit(libc::RLIMIT_NPROC);
    let (address, _) = sys::rlimit(libc::RLIMIT_AS);
    Error::refused(format!(
        "the OS refused thread {} of {of} ({e}); threads are limited by kernel.threads-max {}, \
         RLIMIT_NPROC {}, RLIMIT_AS {} and memory for stacks; the {started} threads already \
         started were joined",
        started + 1,
        shown(sys::proc_sys("kernel/threads-max")),
        shown_limit(nproc),
        shown_limit(address),
    ))
}

/// The error for process `started + 1` of `planned` that failed to start; the caller has killed
/// and reaped the `started` ones.
pub fn process_refused(e: &io::Error, started: u64, planned: u64) -> Error {
    let limit = match e.raw_os_error() {
        Some(libc::EAGAIN) => format!(
            "the process limit was reached (RLIMIT_NPROC = {}, `ulimit -u`; pid_max = {})",
            shown_limit(sys::rlimit(libc::RLIMIT_NPROC).0),
            shown(sys::proc_sys("kernel/pid_max"))
        ),
        Some(libc::EMFILE | libc::ENFILE) => format!(
            "the open-file limit was reached (RLIMIT_NOFILE = {}, `ulimit -n`)",
            sys::rlimit(libc::RLIMIT_NOFILE).0
        ),
        Some(libc::ENOMEM) => "out of memory".to_string(),
        _ => "the worker executable could not be started".to_string(),
    };
    Error::refused(format!(
        "could not start worker process {} of {planned}: {limit}: {e}; the {started} already \
         started were killed and reaped",
        started + 1
    ))
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
        assert_eq!(threads("--tasks 3", 3, DEFAULT_STACK), Ok(()));
        let e = threads("--tasks 1000000", 1_000_000, 64 << 10).unwrap_err();
        let e = e.to_string();
        assert!(
            e.starts_with("--tasks 1000000 needs 1000000 threads"),
            "{e}"
        );
        assert!(
            e.contains("kernel.") || e.contains("pids.max"),
            "names the limit: {e}"
        );
        assert!(
            e.contains("sysctl") || e.contains("pids.max"),
            "says how to raise it: {e}"
        );
        assert_eq!(e.lines().count(), 1);
    }

    #[test]
    fn more_sockets_than_files_are_refused() {
        let limit = sys::raise_nofile();
        assert_eq!(sockets("--tasks 10", 10,), Ok(()));
        let e = sockets("--tasks N", limit + 1).unwrap_err().to_string();
        assert!(
            e.contains("RLIMIT_NOFILE") && e.contains("ulimit -n"),
            "{e}"
        );
    }

    #[test]
    fn the_refusals_name_the_limits_and_what_was_cleaned_up() {
        let e = thread_refused(2, 10, &io::Error::from_raw_os_error(libc::EAGAIN)).to_string();
        assert!(e.starts_with("the OS refused thread 3 of 10"), "{e}");
        for needle in [
            "threads-max",
            "RLIMIT_NPROC",
            "RLIMIT_AS",
            "2 threads already started",
        ] {
            assert!(e.contains(needle), "{e} should name {needle}");
        }
        let e = process_refused(&io::Error::from_raw_os_error(libc::EAGAIN), 4, 9).to_string();
        assert!(
            e.starts_with("could not start worker process 5 of 9"),
            "{e}"
        );
        assert!(
            e.contains("RLIMIT_NPROC") && e.contains("4 already started"),
            "{e}"
        );
    }
}
