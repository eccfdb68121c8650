//! The seed's reference row: `python/seed_reference.py` run with python3, when there is one.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// The name of the seed's row in the tables and its line in the charts.
pub const SEED: &str = "python asyncio (the seed)";

/// One line of the script's output, by its `kind` (the script writes every field).
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Python {
        version: String,
    },
    Spawn {
        n: u64,
        seconds: f64,
    },
    IoTimer {
        n: u64,
        seconds: f64,
    },
    Cpu(Cpu),
    #[serde(other)]
    Other,
}

/// The script's CPU run: `n` jobs of `work` units of the same kernel, one after another
/// (`sequential` s) and then on a process pool of `workers` (`pool` s), with their checksum.
#[derive(Clone, Debug, Deserialize)]
pub struct Cpu {
    pub n: u64,
    pub work: u64,
    pub workers: u64,
    pub sequential: f64,
    pub pool: f64,
    checksum: u64,
}

impl Cpu {
    /// Whether its checksum is the Rust kernel's for the same jobs.
    pub fn same_kernel(&self) -> bool {
        self.checksum == taskset::expected::cpu_checksum(self.n, self.work)
    }
}

/// What the script measured: its CPython version, the (N, seconds) of gathering N
/// `asyncio.sleep(0)` tasks (spawn) and N `asyncio.sleep(D)` (io_timer), and the CPU run.
#[derive(Clone, Debug, Default)]
pub struct Python {
    pub version: String,
    pub spawn: Vec<(u64, f64)>,
    pub io_timer: Vec<(u64, f64)>,
    pub cpu: Option<Cpu>,
}

impl Python {
    /// The (N, seconds) points the script measured for workload `w`, if any.
    pub fn points(&self, w: &benches::plan::Workload) -> &[(u64, f64)] {
        match w.name {
            "spawn" => &self.spawn,
            "io_timer" => &self.io_timer,
            _ => &[],
        }
    }
}

/// Runs the script; `Err` says why there is no Python row (python3 absent, or the script failed).
pub fn run(script: &Path) -> Result<Python, String> {
    let out = match Command::new("python3").arg(script).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("python3 is not installed: the seed's reference row is skipped".into());
        }
        Err(e) => return Err(format!("python3 could not start: {e}")),
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("no message");
        return Err(format!(
            "{} failed ({}): {last}",
            script.display(),
            out.status
        ));
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// Reads the script's JSON lines.
pub fn parse(text: &str) -> Result<Python, String> {
    let mut py = Python::default();
    for raw in text.lines().filter(|l| !l.trim().is_empty()) {
        let line: Line = serde_json::from_str(raw).map_err(|e| format!("bad line {raw:?}: {e}"))?;
        match line {
            Line::Python { version } => py.version = version,
            Line::Spawn { n, seconds } => py.spawn.push((n, seconds)),
            Line::IoTimer { n, seconds } => py.io_timer.push((n, seconds)),
            Line::Cpu(cpu) => py.cpu = Some(cpu),
            Line::Other => {}
        }
    }
    Ok(py)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_lines_are_read_and_its_checksum_is_checked_against_the_kernel() {
        let sum = taskset::expected::cpu_checksum(2, 1);
        let text = format!(
            "{{\"kind\": \"python\", \"version\": \"3.11.7\"}}\n\
             {{\"kind\": \"io_timer\", \"n\": 100, \"seconds\": 0.101}}\n\
             {{\"kind\": \"cpu\", \"n\": 2, \"work\": 1, \"workers\": 2, \"sequential\": 0.6, \
               \"pool\": 0.35, \"checksum\": {sum}}}\n"
        );
        let py = parse(&text).unwrap();
        assert_eq!(py.version, "3.11.7");
        assert_eq!(py.io_timer, vec![(100, 0.101)]);
        assert!(py.cpu.unwrap().same_kernel());
        let other = parse(&text.replace(&format!("{sum}}}"), "1}")).unwrap();
        assert!(other.cpu.is_some_and(|c| !c.same_kernel()));
    }
}
