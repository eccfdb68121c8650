//! What the operating system says, read from `/proc` and `getrlimit`: cores, memory, threads,
//! files, and the numbers the limit checks of [`crate::capacity`] are made of.

use std::fs;

/// The number of cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`), if the system has it.
fn status_bytes(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Address space of this process now (`VmSize`), in bytes.
pub fn vm_size() -> Option<u64> {
    status_bytes("VmSize:")
}

/// Peak resident memory of this process (`VmHWM`), in bytes.
pub fn peak_rss() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// Resident memory of this process now (`VmRSS`), in bytes.
pub fn rss() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// A number from a file under `/proc/sys`, such as `kernel/threads-max`.
pub fn proc_sys(path: &str) -> Option<u64> {
    fs::read_to_string(format!("/proc/sys/{path}"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The soft and hard limit of a resource (`libc::RLIMIT_NOFILE`, `libc::RLIMIT_NPROC`).
pub fn rlimit(resource: libc::__rlimit_resource_t) -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass it.
    let ok = unsafe { libc::getrlimit(resource, &mut lim) } == 0;
    if ok {
        (lim.rlim_cur, lim.rlim_max)
    } else {
        (0, 0)
    }
}

/// Raises the open-file limit from soft to hard, as servers do at start; returns the new limit.
pub fn raise_nofile() -> u64 {
    let (soft, hard) = rlimit(libc::RLIMIT_NOFILE);
    if soft < hard {
        let lim = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: setrlimit only reads the struct we pass it.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } == 0 {
            return hard;
        }
    }
    soft
}

/// Open file descriptors of this process now.
pub fn open_fds() -> u64 {
    fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

/// Threads of this process now.
pub fn threads() -> u64 {
    fs::read_dir("/proc/self/task").map_or(1, |d| d.count() as u64)
}

/// Memory maps of this process now.
pub fn maps() -> Option<u64> {
    Some(fs::read_to_string("/proc/self/maps").ok()?.lines().count() as u64)
}

/// Tasks (threads of every process) on the whole system: the part after `/` in `/proc/loadavg`.
pub fn system_tasks() -> Option<u64> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    let (_, total) = loadavg.split_whitespace().nth(3)?.split_once('/')?;
    total.parse().ok()
}

/// The task limit of this process's cgroup (`pids.max`), if it has one.
pub fn cgroup_pids_max() -> Option<u64> {
    fs::read_to_string("/sys/fs/cgroup/pids.max")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The ephemeral ports a client connection may use (`net.ipv4.ip_local_port_range`).
pub fn port_range() -> Option<(u64, u64)> {
    let text = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut words = text.split_whitespace().map(|w| w.parse().ok());
    Some((words.next()??, words.next()??))
}

/// Whether this process runs as root, whom the kernel does not hold to `RLIMIT_NPROC`.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Formats bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
