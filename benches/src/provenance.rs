//! Where and how a workload's figures were made: the date, the commit, the command and the
//! machine, written beside criterion's results by every bench run and printed by the report above
//! its tables, so a figure can be traced to what made it and made again. On a virtual machine it
//! also records how much CPU the host took from it while the bench ran (steal time): a run that
//! lost a tenth of its CPU to neighbours is not one to compare against.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::proc::{CpuTimes, Fields};

/// What made one workload's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The workload (criterion group).
    pub workload: String,
    /// When the bench ended: `2026-12-01 22:50 UTC`.
    pub date: String,
    /// `git rev-parse --short HEAD`, marked when the tree had uncommitted changes.
    pub commit: String,
    /// The bench binary's own arguments (`--quick`, a filter): what `cargo bench` passed after `--`.
    pub args: Vec<String>,
    /// Cores, memory and kernel.
    pub machine: String,
    /// The share of the CPU, in percent, that the host gave to other guests during the run.
    #[serde(default)]
    pub stolen: f64,
}

impl Provenance {
    /// Now, for the workload named `w` that started at `start`, with this bench binary's own
    /// arguments; says so when the host took more than [`STOLEN_WARNING`] % of the CPU meanwhile.
    pub fn now(w: &str, start: CpuTimes) -> Provenance {
        let stolen = start.stolen_since();
        if stolen > STOLEN_WARNING {
            println!(
                "warning: {w}: the host took {stolen:.1} % of this machine's CPU during the run \
                 (steal time): its figures may not reproduce"
            );
        }
        // cargo runs each bench binary with `--bench` after the user's arguments.
        let args = std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect();
        Provenance {
            workload: w.to_string(),
            date: now_utc(),
            commit: commit(),
            args,
            machine: machine(),
            stolen,
        }
    }

    /// The command that makes the figures of `workloads` again (all of them: no `--bench`).
    pub fn command(&self, workloads: &[&str]) -> String {
        let mut command = "cargo bench -p benches".to_string();
        if workloads.len() < crate::plan::ALL.len() {
            workloads
                .iter()
                .for_each(|w| command += &format!(" --bench {w}"));
        }
        if !self.args.is_empty() {
            command += &format!(" -- {}", self.args.join(" "));
        }
        command
    }

    /// Writes it as `<results>/<workload>/provenance.json`; a bench that cannot only says so.
    pub fn write(&self) {
        let path = results_dir().join(&self.workload).join("provenance.json");
        let json = serde_json::to_string_pretty(self).expect("plain strings");
        let written = path.parent().map_or(Ok(()), std::fs::create_dir_all);
        if let Err(e) = written.and_then(|()| std::fs::write(&path, json)) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }

    /// What made the results of `workload` under `dir`, if they say.
    pub fn read(dir: &Path, workload: &str) -> Option<Provenance> {
        let text = std::fs::read_to_string(dir.join(workload).join("provenance.json")).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Steal time, in percent of the CPU, above which a run says its figures may not reproduce.
pub const STOLEN_WARNING: f64 = 2.0;

/// Where criterion writes and the report reads: `$CRITERION_HOME`, or `criterion` in the
/// [`target_dir`].
pub fn results_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME").map_or_else(|| target_dir().join("criterion"), PathBuf::from)
}

/// `$CARGO_TARGET_DIR`, or the target directory this binary was built in.
pub fn target_dir() -> PathBuf {
    let built_in = || {
        // cargo marks its target directory with this file; binaries live one or two levels below.
        let exe = std::env::current_exe().ok()?;
        Some(
            exe.ancestors()
                .find(|d| d.join("CACHEDIR.TAG").is_file())?
                .to_path_buf(),
        )
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(built_in);
    target.unwrap_or_else(|| "target".into())
}

/// `2026-12-01 22:50 UTC`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (h, m) = (secs % 86_400 / 3_600, secs % 3_600 / 60);
    format!("{} {h:02}:{m:02} UTC", taskset::timeline::today())
}

/// The commit of this source tree, if git is there.
pub fn commit() -> String {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output();
        out.ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match (
        git(&["rev-parse", "--short", "HEAD"]),
        git(&["status", "--porcelain", "--untracked-files=no"]),
    ) {
        (Some(id), Some(changes)) if !changes.is_empty() => format!("{id} + uncommitted changes"),
        (Some(id), _) => id,
        (None, _) => "unknown (no git)".to_string(),
    }
}

/// `2 cores (AMD EPYC 7B13), 23.5 GiB, Linux 6.8.0`.
pub fn machine() -> String {
    let cpu = Fields::of("/proc/cpuinfo").text("model name");
    let memory = Fields::of("/proc/meminfo").get("MemTotal:") as f64 / (1u64 << 30) as f64;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpu = cpu.map_or(String::new(), |c| format!(" ({c})"));
    format!(
        "{} cores{cpu}, {memory:.1} GiB, Linux {}",
        taskset::sys::cores(),
        kernel.trim()
    )
}
