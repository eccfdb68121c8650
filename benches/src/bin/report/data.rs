//! Reading criterion's results, and what each one means against the plan.
//!
//! criterion writes `<dir>/<group>/<function>/<N>/new/benchmark.json` (the ids) beside
//! `new/estimates.json` (the statistics) for every benchmark it ran last. Only the median is used:
//! it is robust to the odd slow iteration of a busy machine.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use benches::plan::{self, Line, Role, Shape, Workload};

/// The ids of one benchmark, as criterion recorded them.
#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

/// One benchmark's median time per iteration and its 95 % interval, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// The median.
    pub median: f64,
    /// The interval's lower bound.
    pub lo: f64,
    /// The interval's upper bound.
    pub hi: f64,
}

/// Every result found, by workload, line id and N.
#[derive(Debug, Default)]
pub struct Results {
    map: BTreeMap<(Workload, String, u64), Measured>,
}

impl Results {
    /// Reads every `new/benchmark.json` under `dir` that belongs to a workload of the plan.
    pub fn load(dir: &Path) -> Result<Results> {
        let mut results = Results::default();
        for path in benchmark_files(dir)? {
            let ids: BenchmarkJson = read_json(&path)?;
            let Some(workload) = Workload::from_name(&ids.group_id) else {
                continue;
            };
            let (Some(id), Some(n)) = (ids.function_id, ids.value_str) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            let est: Estimates = read_json(&path.with_file_name("estimates.json"))?;
            let m = Measured {
                median: est.median.point_estimate,
                lo: est.median.confidence_interval.lower_bound,
                hi: est.median.confidence_interval.upper_bound,
            };
            results.insert(workload, &id, n, m);
        }
        Ok(results)
    }

    /// Adds one result (the loader, and the tests).
    pub fn insert(&mut self, w: Workload, id: &str, n: u64, m: Measured) {
        self.map.insert((w, id.to_string(), n), m);
    }

    /// The result of line `id` at N, if it ran.
    pub fn get(&self, w: Workload, id: &str, n: u64) -> Option<Measured> {
        self.map.get(&(w, id.to_string(), n)).copied()
    }

    /// How many results there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The sizes line `id` ran at, ascending.
    pub fn sizes(&self, w: Workload, id: &str) -> Vec<u64> {
        let keys = self.map.keys().filter(|(kw, kid, _)| *kw == w && kid == id);
        keys.map(|(_, _, n)| *n).collect()
    }
}

/// Every `…/new/benchmark.json` under `dir`.
fn benchmark_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.file_name().is_some_and(|f| f == "benchmark.json")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|p| p == "new")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

/// One measured line at one N, with everything it is compared to (all in nanoseconds).
#[derive(Clone, Debug)]
pub struct Row {
    /// The line of the plan.
    pub line: &'static Line,
    /// N.
    pub n: u64,
    /// Its median per iteration.
    pub time: f64,
    /// sync-basic at the same N, and whether it was scaled from N = 1.
    pub sync: Option<(f64, bool)>,
    /// What it should take (see [`ideal`]).
    pub ideal: Option<f64>,
    /// Its bare primitive at the same N.
    pub bare: Option<f64>,
}

impl Row {
    /// Time per unit (per task, request, job).
    pub fn per_unit(&self) -> f64 {
        self.time / self.n as f64
    }

    /// How many times faster than sync-basic.
    pub fn speedup(&self) -> Option<f64> {
        self.sync.map(|(s, _)| s / self.time)
    }

    /// Ideal over measured: 1.0 is perfect.
    pub fn efficiency(&self) -> Option<f64> {
        self.ideal.map(|i| i / self.time)
    }

    /// Measured over the bare primitive: 1.0 costs nothing above the floor.
    pub fn vs_bare(&self) -> Option<f64> {
        self.bare.map(|b| self.time / b)
    }
}

/// sync-basic at N: measured, or for the I/O workloads N times its one-request time.
pub fn sync_at(results: &Results, w: Workload, n: u64) -> Option<(f64, bool)> {
    if let Some(m) = results.get(w, plan::id::SYNC, n) {
        return Some((m.median, false));
    }
    match w {
        Workload::IoTimer | Workload::IoNet => results
            .get(w, plan::id::SYNC, 1)
            .map(|one| (one.median * n as f64, true)),
        _ => None,
    }
}

/// What line `line` should take at N: D where everything waits at once, N·D one after another,
/// the sequential work over the cores for `cpu`; `spawn` has none (its floor is the bare line).
pub fn ideal(results: &Results, w: Workload, line: &Line, n: u64) -> Option<f64> {
    let d = plan::delay(w).as_secs_f64() * 1e9;
    match (w, line.shape) {
        (Workload::Spawn, _) => None,
        (Workload::Cpu, _) => sync_at(results, w, n).map(|(s, _)| s / plan::cores() as f64),
        (_, Shape::Sequential | Shape::Stall) => Some(d * n as f64),
        (_, Shape::Concurrent) => Some(d),
    }
}

/// Every measured row of workload `w`, in plan order, then by N.
pub fn rows(results: &Results, w: Workload) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in w.lines() {
        for n in results.sizes(w, line.id) {
            let time = results.get(w, line.id, n).expect("listed").median;
            let bare = line
                .bare
                .and_then(|b| results.get(w, b, n))
                .map(|m| m.median);
            let sync = match (w, line.role) {
                (Workload::Spawn, _) | (_, Role::Baseline) => None,
                _ => sync_at(results, w, n),
            };
            rows.push(Row {
                line,
                n,
                time,
                sync,
                ideal: ideal(results, w, line, n),
                bare,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use benches::plan::id;

    fn m(ns: f64) -> Measured {
        Measured {
            median: ns,
            lo: ns,
            hi: ns,
        }
    }

    #[test]
    fn io_rows_scale_sync_basic_and_read_against_d_and_the_bare_line() {
        let mut r = Results::default();
        r.insert(Workload::IoTimer, id::SYNC, 1, m(100e6));
        r.insert(Workload::IoTimer, id::TOKIO, 10_000, m(110e6));
        r.insert(Workload::IoTimer, id::BARE_TOKIO_TIMERS, 10_000, m(100e6));
        let rows = rows(&r, Workload::IoTimer);
        let tokio = rows.iter().find(|x| x.line.id == id::TOKIO).unwrap();
        assert_eq!(tokio.sync, Some((100e6 * 10_000.0, true)));
        assert!((tokio.efficiency().unwrap() - 100.0 / 110.0).abs() < 1e-9);
        assert!((tokio.vs_bare().unwrap() - 1.1).abs() < 1e-9);
        assert!((tokio.speedup().unwrap() - 1e12 / 110e6).abs() < 1e-3);
    }

    #[test]
    fn cpu_ideal_is_the_sequential_time_over_the_cores() {
        let mut r = Results::default();
        r.insert(Workload::Cpu, id::SYNC, 8, m(80e6));
        r.insert(Workload::Cpu, id::THREADS_POOL, 8, m(40e6));
        let rows = rows(&r, Workload::Cpu);
        let pool = rows.iter().find(|x| x.line.id == id::THREADS_POOL).unwrap();
        assert_eq!(pool.ideal, Some(80e6 / plan::cores() as f64));
        assert_eq!(pool.speedup(), Some(2.0));
        // sync-basic is the baseline: no speedup against itself.
        assert!(
            rows.iter()
                .find(|x| x.line.id == id::SYNC)
                .unwrap()
                .sync
                .is_none()
        );
    }

    #[test]
    fn criterion_files_are_found_and_read() {
        let dir = std::env::temp_dir().join(format!("benches-report-{}", std::process::id()));
        let new = dir.join("cpu").join("threads (pool)").join("8").join("new");
        fs::create_dir_all(&new).unwrap();
        let ids = r#"{"group_id":"cpu","function_id":"threads (pool)","value_str":"8"}"#;
        fs::write(new.join("benchmark.json"), ids).unwrap();
        let est = r#"{"median":{"point_estimate":42.0,
            "confidence_interval":{"lower_bound":41.0,"upper_bound":43.0}}}"#;
        fs::write(new.join("estimates.json"), est).unwrap();
        let r = Results::load(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            r.get(Workload::Cpu, id::THREADS_POOL, 8).map(|x| x.median),
            Some(42.0)
        );
        assert_eq!(r.len(), 1);
    }
}
