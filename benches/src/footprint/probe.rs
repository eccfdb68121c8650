//! What the operating system says about a process's memory, read from `/proc` as the kernel
//! reports it: resident pages, page tables, threads, CPU time, and the same for its children.
//!
//! Two kinds of reading. A [`Sample`] is cheap (one `stat` file per process) and is taken every few
//! milliseconds to see when the units have all started and gone quiet. [`Figures`] are exact and
//! are read twice: before the units start and once they are all idle. Their RSS comes from
//! `smaps_rollup`, which walks the page tables, because `VmRSS` in `status` is kept in per-CPU
//! counters and may be off by a few hundred KiB, as much as ten thousand small tasks take.
//! Used by `cargo run -p benches --release --bin footprint`.

use std::fs;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The fields of a `/proc/<pid>/stat` line after the command name, so that index 0 is field 3.
fn stat_fields(path: &str) -> Option<Vec<u64>> {
    let text = fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may hold spaces: the fields start after the last `)`.
    let rest = &text[text.rfind(')')? + 1..];
    Some(
        rest.split_whitespace()
            .map(|w| w.parse().unwrap_or(0))
            .collect(),
    )
}

/// Indices into [`stat_fields`]: `ppid` (field 4), `utime` and `stime` (14, 15), `num_threads`
/// (20) and `rss` in pages (24).
const PPID: usize = 1;
const UTIME: usize = 11;
const STIME: usize = 12;
const THREADS: usize = 17;
const RSS_PAGES: usize = 21;

/// The size of a page, from the kernel's own account of this process's mappings.
fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(|| {
        let smaps = fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let line = smaps.lines().find(|l| l.starts_with("KernelPageSize:"));
        line.and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(4096, |kib| kib * 1024)
    })
}

/// A `Key:   123 kB` line of a `/proc` file, in bytes (0 if the file or the key is missing).
fn kib_field(text: &str, key: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with(key));
    let kib = line.and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

/// A plain number field of `/proc/<pid>/status`, such as `Threads:`.
fn number_field(text: &str, key: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with(key));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// The pids whose parent is this process (its workers never start children of their own).
pub fn children() -> Vec<u32> {
    let me = std::process::id() as u64;
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            stat_fields(&format!("/proc/{pid}/stat")).is_some_and(|f| f.get(PPID) == Some(&me))
        })
        .collect()
}

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
    let me = stat_fields("/proc/self/stat").unwrap_or_default();
    let watcher = stat_fields("/proc/thread-self/stat").unwrap_or_default();
    let get = |f: &[u64], i: usize| f.get(i).copied().unwrap_or(0);
    let ticks = |f: &[u64]| get(f, UTIME) + get(f, STIME);
    let mut s = Sample {
        rss: get(&me, RSS_PAGES) * page_size(),
        cpu: ticks(&me).saturating_sub(ticks(&watcher)),
        threads: get(&me, THREADS),
        kids: 0,
    };
    if with_kids {
        for pid in children() {
            let kid = stat_fields(&format!("/proc/{pid}/stat")).unwrap_or_default();
            s.rss += get(&kid, RSS_PAGES) * page_size();
            s.cpu += ticks(&kid);
            s.kids += 1;
        }
    }
    s
}

/// The exact figures of this process (and of its children), before and while the units are held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    let rollup = fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mut f = Figures {
        rss: kib_field(&rollup, "Rss:"),
        anon: kib_field(&rollup, "Anonymous:"),
        pte: kib_field(&status, "VmPTE:"),
        threads: number_field(&status, "Threads:"),
        kernel_stack: kib_field(&meminfo, "KernelStack:"),
        ..Figures::default()
    };
    if with_kids {
        for pid in children() {
            let rollup =
                fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
            let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            f.kids += 1;
            f.kids_rss += kib_field(&rollup, "Rss:");
            f.kids_anon += kib_field(&rollup, "Anonymous:");
            f.kids_pss += kib_field(&rollup, "Pss:");
            f.kids_pte += kib_field(&status, "VmPTE:");
            f.kids_threads += number_field(&status, "Threads:");
        }
    }
    f
}

/// What must be true before the units can count as all started: enough threads, children, or
/// resident memory grown by at least a few bytes per unit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Started {
    /// Threads of this process at least.
    pub threads: u64,
    /// Children at least.
    pub kids: u64,
    /// Resident bytes (with the children's) at least.
    pub rss: u64,
}

impl Started {
    fn by(&self, s: &Sample) -> bool {
        s.threads >= self.threads && s.kids >= self.kids && s.rss >= self.rss
    }
}

/// How quiet counts as idle: no more than `max_ticks` of CPU and no RSS change beyond
/// `max(64 KiB, RSS/1000)` for `window`, sampled every `every`.
#[derive(Clone, Copy, Debug)]
pub struct Quiet {
    /// Sampling period.
    pub every: Duration,
    /// How long the process must stay quiet.
    pub window: Duration,
    /// CPU ticks allowed in the window (a tick is 10 ms on most kernels).
    pub max_ticks: u64,
}

/// Waits until the units have all started and the process has gone quiet, then reads the exact
/// [`Figures`] and the time it took; `None` if `done` is set first (the units ended before).
pub fn wait_idle(
    started: Started,
    quiet: Quiet,
    with_kids: bool,
    done: &AtomicBool,
) -> Option<(Figures, Duration)> {
    let begin = Instant::now();
    let mut anchor: Option<(Instant, Sample)> = None;
    while !done.load(Ordering::Acquire) {
        let now = sample(with_kids);
        match anchor {
            Some((since, a)) if settled(&a, &now, quiet.max_ticks) => {
                if since.elapsed() >= quiet.window {
                    return Some((figures(with_kids), begin.elapsed()));
                }
            }
            // Still starting or still changing: quiet counts from here.
            _ => anchor = started.by(&now).then(|| (Instant::now(), now)),
        }
        thread::sleep(quiet.every);
    }
    None
}

/// Whether `now` is as quiet as `anchor`: little CPU since, and RSS all but unchanged.
fn settled(anchor: &Sample, now: &Sample, max_ticks: u64) -> bool {
    let slack = (anchor.rss / 1000).max(64 << 10);
    now.cpu <= anchor.cpu + max_ticks && now.rss.abs_diff(anchor.rss) <= slack
}

impl Figures {
    /// The figures as numbers, in a fixed order, for the line a measuring child prints.
    pub fn to_numbers(self) -> [u64; 11] {
        [
            self.rss,
            self.anon,
            self.pte,
            self.threads,
            self.kernel_stack,
            self.kids,
            self.kids_rss,
            self.kids_anon,
            self.kids_pss,
            self.kids_pte,
            self.kids_threads,
        ]
    }

    /// The figures back from [`Figures::to_numbers`]; `None` if the count is wrong.
    pub fn from_numbers(n: &[u64]) -> Option<Figures> {
        let &[
            rss,
            anon,
            pte,
            threads,
            kernel_stack,
            kids,
            kids_rss,
            kids_anon,
            kids_pss,
            kids_pte,
            kids_threads,
        ] = n
        else {
            return None;
        };
        Some(Figures {
            rss,
            anon,
            pte,
            threads,
            kernel_stack,
            kids,
            kids_rss,
            kids_anon,
            kids_pss,
            kids_pte,
            kids_threads,
        })
    }
}
