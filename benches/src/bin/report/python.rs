//! The seed's reference row: `python/seed_reference.py` run with python3, when there is one.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// One line of the script's output.
#[derive(Deserialize)]
struct Line {
    kind: String,
    version: Option<String>,
    n: Option<u64>,
    seconds: Option<f64>,
    work: Option<u64>,
    workers: Option<u64>,
    sequential: Option<f64>,
    pool: Option<f64>,
    checksum: Option<u64>,
}

/// The script's CPU run: the same kernel, one after another and then on a process pool.
#[derive(Clone, Debug)]
pub struct Cpu {
    /// Jobs.
    pub n: u64,
    /// Units per job.
    pub work: u64,
    /// Processes in the pool.
    pub workers: u64,
    /// Seconds, one after another.
    pub sequential: f64,
    /// Seconds on the pool.
    pub pool: f64,
    /// Whether its checksum is the Rust kernel's for the same jobs.
    pub same_kernel: bool,
}

/// What the script measured.
#[derive(Clone, Debug, Default)]
pub struct Python {
    /// `3.11.7`.
    pub version: String,
    /// (N, seconds) of gathering N `asyncio.sleep(0)` tasks.
    pub spawn: Vec<(u64, f64)>,
    /// (N, seconds) of gathering N `asyncio.sleep(D)` tasks.
    pub io_timer: Vec<(u64, f64)>,
    /// The CPU run.
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
        let point = || line.n.zip(line.seconds);
        match line.kind.as_str() {
            "python" => py.version = line.version.clone().unwrap_or_default(),
            "spawn" => py.spawn.extend(point()),
            "io_timer" => py.io_timer.extend(point()),
            "cpu" => {
                let (n, work) = (line.n.unwrap_or(0), line.work.unwrap_or(0));
                py.cpu = Some(Cpu {
                    n,
                    work,
                    workers: line.workers.unwrap_or(1),
                    sequential: line.sequential.unwrap_or(f64::NAN),
                    pool: line.pool.unwrap_or(f64::NAN),
                    same_kernel: line.checksum == Some(taskset::expected::cpu_checksum(n, work)),
                });
            }
            _ => {}
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
        assert!(py.cpu.unwrap().same_kernel);
        assert!(
            parse("{\"kind\": \"cpu\", \"n\": 2, \"work\": 1, \"checksum\": 1}")
                .unwrap()
                .cpu
                .is_some_and(|c| !c.same_kernel)
        );
    }
}
