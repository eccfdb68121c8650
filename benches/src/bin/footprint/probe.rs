//! What the operating system says about a process's memory, read from `/proc` as the kernel
//! reports it: resident pages, page tables, threads, CPU time, and the same for its children.
//!
//! Two kinds of reading. A [`Sample`] is cheap (one `stat` file per process) and is taken every few
//! milliseconds to see when the units have all started and gone quiet. [`Figures`] are exact and
//! are read twice: before the units start and once they are all idle. Their RSS comes from
//! `smaps_rollup`, which walks the page tables, because `VmRSS` in `status` is kept in per-CPU
//! counters and may be off by a few hundred KiB, as much as ten thousand small tasks take.
//! The files are read through `benches::proc`, the workspace's one `/proc` module (why not the
//! procfs crate: see there). Used by `cargo run -p benches --release --bin footprint`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use benches::proc::{self, Fields, RSS_PAGES, STIME, THREADS, UTIME};
use serde::{Deserialize, Serialize};

/// A cheap reading, taken over and over until the units are all started and quiet.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Resident bytes of this process and its children (the kernel's approximate counters).
    pub rss: u64,
    /// CPU clock ticks used by this process, but not by the thread taking the samples, and by
    /// its children.
    pub cpu: u64,
    /// Threads of this process.
    pub threads: u64,
    /// Children of this process.
    pub kids: u64,
}

/// Takes a [`Sample`]; `with_kids` also reads every child's `stat` (the scan costs a few ms).
pub fn sample(with_kids: bool) -> Sample {
    let me = proc::stat("self").unwrap_or_default();
    let watcher = proc::stat("thread-self").unwrap_or_default();
    let get = |f: &[u64], i: usize| f.get(i).copied().unwrap_or(0);
    let ticks = |f: &[u64]| get(f, UTIME) + get(f, STIME);
    let mut s = Sample {
        rss: get(&me, RSS_PAGES) * proc::page_size(),
        cpu: ticks(&me).saturating_sub(ticks(&watcher)),
        threads: get(&me, THREADS),
        kids: 0,
    };
    if with_kids {
        for pid in proc::children(std::process::id()) {
            let kid = proc::stat(&pid.to_string()).unwrap_or_default();
            s.rss += get(&kid, RSS_PAGES) * proc::page_size();
            s.cpu += ticks(&kid);
            s.kids += 1;
        }
    }
    s
}

/// The exact figures of this process (and of its children), before and while the units are held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Resident bytes of this process (`Rss` of `smaps_rollup`).
    pub rss: u64,
    /// Of which anonymous: heap and stacks, not the executable's pages.
    pub anon: u64,
    /// Page tables of this process (`VmPTE`): kernel memory that RSS does not count.
    pub pte: u64,
    /// Threads of this process.
    pub threads: u64,
    /// Kernel stacks of the whole system (`KernelStack` of `/proc/meminfo`), for the cross-check.
    pub kernel_stack: u64,
    /// Children of this process.
    pub kids: u64,
    /// Their resident bytes, summed: shared pages (the executable, libc) count in each.
    pub kids_rss: u64,
    /// Of which anonymous.
    pub kids_anon: u64,
    /// Their proportional set size, summed: each shared page split among those that map it.
    pub kids_pss: u64,
    /// Their page tables, summed.
    pub kids_pte: u64,
    /// Their threads, summed.
    pub kids_threads: u64,
}

/// Reads the [`Figures`] now; `with_kids` adds every child's.
pub fn figures(with_kids: bool) -> Figures {
    let rollup = Fields::of("/proc/self/smaps_rollup");
    let status = Fields::of("/proc/self/status");
    let mut f = Figures {
        rss: rollup.get("Rss:"),
        anon: rollup.get("Anonymous:"),
        pte: status.get("VmPTE:"),
        threads: status.get("Threads:"),
        kernel_stack: Fields::of("/proc/meminfo").get("KernelStack:"),
        ..Figures::default()
    };
    if with_kids {
        for pid in proc::children(std::process::id()) {
            let rollup = Fields::of(&format!("/proc/{pid}/smaps_rollup"));
            let status = Fields::of(&format!("/proc/{pid}/status"));
            f.kids += 1;
            f.kids_rss += rollup.get("Rss:");
            f.kids_anon += rollup.get("Anonymous:");
            f.kids_pss += rollup.get("Pss:");
            f.kids_pte += status.get("VmPTE:");
            f.kids_threads += status.get("Threads:");
        }
    }
    f
}

/// CPU ticks allowed in the quiet window (a tick is 10 ms on most kernels).
const MAX_TICKS: u64 = 1;

/// Waits until `started` holds of a sample (the units have all started) and the process has gone
/// quiet (no more than [`MAX_TICKS`] of CPU and no RSS change beyond `max(64 KiB, RSS/1000)` for
/// a window), then reads the exact [`Figures`] and the time it took; `None` if `done` is set
/// first (the units ended before).
pub fn wait_idle(
    started: impl Fn(&Sample) -> bool,
    with_kids: bool,
    done: &AtomicBool,
) -> Option<(Figures, Duration)> {
    // Processes take longer to settle: sampled less often, over a longer window.
    let ms = Duration::from_millis;
    let (every, window) = if with_kids {
        (ms(100), ms(800))
    } else {
        (ms(20), ms(300))
    };
    let settled = |a: &Sample, now: &Sample| {
        now.cpu <= a.cpu + MAX_TICKS && now.rss.abs_diff(a.rss) <= (a.rss / 1000).max(64 << 10)
    };
    let begin = Instant::now();
    let mut anchor: Option<(Instant, Sample)> = None;
    while !done.load(Ordering::Acquire) {
        let now = sample(with_kids);
        match anchor {
            Some((since, a)) if settled(&a, &now) => {
                if since.elapsed() >= window {
                    return Some((figures(with_kids), begin.elapsed()));
                }
            }
            // Still starting or still changing: quiet counts from here.
            _ => anchor = started(&now).then(|| (Instant::now(), now)),
        }
        thread::sleep(every);
    }
    None
}
