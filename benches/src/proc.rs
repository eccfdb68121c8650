//! What the kernel says about processes and memory, read from `/proc`: kept here, in one small
//! module, rather than through the procfs crate.
//!
//! Why not procfs: the benches read a dozen fields of five files (`stat`, `status`,
//! `smaps_rollup`, `meminfo`, `cpuinfo`), all `Key: value` lines or one line of numbers; procfs
//! would parse whole files into typed structs and bring procfs-core, rustix, bitflags and hex into
//! a workspace that has none of them, on a shared two-core machine, for about forty lines. If the
//! footprint grows to read more (`/proc/<pid>/task/*`, net stats), procfs earns its place.

use std::fs;
use std::sync::OnceLock;

/// The `Key:  value [kB]` lines of a `/proc` file (`status`, `smaps_rollup`, `meminfo`).
pub struct Fields(String);

impl Fields {
    /// Reads the file once; a missing file has no fields.
    pub fn of(path: &str) -> Fields {
        Fields(fs::read_to_string(path).unwrap_or_default())
    }

    /// The value of `key` (`"Rss:"`), in bytes when the file gives kB; 0 if absent.
    pub fn get(&self, key: &str) -> u64 {
        let line = self.0.lines().find(|l| l.starts_with(key));
        let mut words = line.map(|l| l[key.len()..].split_whitespace());
        let value = words.as_mut().and_then(|w| w.next()?.parse::<u64>().ok());
        let kib = words.and_then(|mut w| w.next()).is_some_and(|u| u == "kB");
        value.unwrap_or(0) * if kib { 1024 } else { 1 }
    }

    /// The text after `key` on its line (`"model name"` of `cpuinfo`).
    pub fn text(&self, key: &str) -> Option<String> {
        let line = self.0.lines().find(|l| l.starts_with(key))?;
        Some(line.split_once(':')?.1.trim().to_string())
    }
}

/// The numbers of a `/proc/<pid>/stat` line after the command name (index 0 is field 3); `pid` is
/// a number, `self` or `thread-self`.
pub fn stat(pid: &str) -> Option<Vec<u64>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: the fields start after the last `)`.
    let rest = &text[text.rfind(')')? + 1..];
    Some(
        rest.split_whitespace()
            .map(|w| w.parse().unwrap_or(0))
            .collect(),
    )
}

/// Indices into [`stat`]: `ppid` (field 4), `utime` and `stime` (14, 15), `num_threads` (20)
/// and `rss` in pages (24).
pub const PPID: usize = 1;
/// User CPU time, in clock ticks.
pub const UTIME: usize = 11;
/// System CPU time, in clock ticks.
pub const STIME: usize = 12;
/// Threads of the process.
pub const THREADS: usize = 17;
/// Resident pages.
pub const RSS_PAGES: usize = 21;

/// The machine's CPU time so far, in clock ticks: all of it, and the part the hypervisor gave to
/// other guests while this one wanted it (`steal`, the eighth number of `/proc/stat`'s `cpu` line).
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuTimes {
    /// Every state's ticks, summed.
    pub total: u64,
    /// Ticks stolen by the host.
    pub steal: u64,
}

impl CpuTimes {
    /// Now; zero where `/proc/stat` cannot be read.
    pub fn now() -> CpuTimes {
        let text = fs::read_to_string("/proc/stat").unwrap_or_default();
        let line = text.lines().find(|l| l.starts_with("cpu "));
        let ticks: Vec<u64> = line.map_or(Vec::new(), |l| {
            l.split_whitespace()
                .skip(1)
                .map(|w| w.parse().unwrap_or(0))
                .collect()
        });
        CpuTimes {
            total: ticks.iter().take(8).sum(),
            steal: ticks.get(7).copied().unwrap_or(0),
        }
    }

    /// The share of the CPU the host took since `self`, in percent.
    pub fn stolen_since(self) -> f64 {
        let now = CpuTimes::now();
        let total = now.total.saturating_sub(self.total).max(1);
        100.0 * now.steal.saturating_sub(self.steal) as f64 / total as f64
    }
}

/// The pids whose parent is `parent`.
pub fn children(parent: u32) -> Vec<u32> {
    let me = u64::from(parent);
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let pids = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok());
    pids.filter(|pid| stat(&pid.to_string()).is_some_and(|f| f.get(PPID) == Some(&me)))
        .collect()
}

/// A counter of the kernel's TCP extensions (`/proc/net/netstat`, `TcpExt:`), such as
/// `ListenOverflows`: a header line of names, then a line of values.
pub fn tcp_ext(name: &str) -> u64 {
    let text = fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    let at = names.split_whitespace().position(|n| n == name);
    at.and_then(|i| values.split_whitespace().nth(i)?.parse().ok())
        .unwrap_or(0)
}

/// Clock ticks per second, the unit of `utime` and `stime`.
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        hz if hz > 0 => hz as f64,
        _ => 100.0,
    }
}

/// The size of a page, from the kernel's own account of this process's mappings.
pub fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(
        || match Fields::of("/proc/self/smaps").get("KernelPageSize:") {
            0 => 4096,
            bytes => bytes,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_back() {
        let status = Fields::of("/proc/self/status");
        assert!(status.get("VmRSS:") > 1 << 20, "kB are turned into bytes");
        assert!(
            status.get("Threads:") >= 1,
            "plain numbers stay as they are"
        );
        assert_eq!(status.get("NoSuchKey:"), 0);
        let me = stat("self").expect("our own stat");
        assert!(me[THREADS] >= 1 && me[RSS_PAGES] > 0);
        assert!(page_size() >= 4096);
        assert_eq!(tcp_ext("NoSuchCounter"), 0);
    }
}
