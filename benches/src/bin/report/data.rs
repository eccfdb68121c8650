//! Reading criterion's results, and what each one means against the plan.
//!
//! criterion writes `<dir>/<group>/<function>/<N>/new/benchmark.json` (the ids) beside
//! `new/estimates.json` (the statistics) for every benchmark it ran last. Only the median is used:
//! it is robust to the odd slow iteration of a busy machine.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use benches::plan::{self, Ideal, Kind, Line, Workload};

/// The ids of one benchmark, as criterion recorded them.
#[derive(Deserialize)]
struct Ids {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

/// Every median found (ns per iteration), by workload, line id and N.
#[derive(Debug, Default)]
pub struct Results(BTreeMap<(String, String, u64), f64>);

impl Results {
    /// Reads every `new/benchmark.json` under `dir` that belongs to a workload of the plan.
    pub fn load(dir: &Path) -> Result<Results> {
        // Sorted, so that the same results always load in the same order.
        let walk = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter();
        let found = walk
            .filter_map(Result::ok)
            .map(walkdir::DirEntry::into_path);
        let found = found.filter(|p| p.ends_with("new/benchmark.json") && p.is_file());
        let mut results = Results::default();
        for path in found {
            let ids: Ids = read_json(&path)?;
            let w = Workload::named(&ids.group_id);
            let n = ids.value_str.and_then(|n| n.parse().ok());
            let (Some(w), Some(id), Some(n)) = (w, ids.function_id, n) else {
                continue;
            };
            let est = path.with_file_name("estimates.json");
            let median = read_json::<serde_json::Value>(&est)?["median"]["point_estimate"].as_f64();
            let median = median.with_context(|| format!("cannot parse {}", est.display()))?;
            results.insert(w, &id, n, median);
        }
        Ok(results)
    }

    /// Adds one median (the loader, and the tests).
    pub fn insert(&mut self, w: &Workload, id: &str, n: u64, ns: f64) {
        self.0.insert((w.name.to_string(), id.to_string(), n), ns);
    }

    /// The median of line `id` at N, if it ran.
    pub fn get(&self, w: &Workload, id: &str, n: u64) -> Option<f64> {
        let key = (w.name.to_string(), id.to_string(), n);
        self.0.get(&key).copied()
    }

    /// How many results there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (N, median) of line `id` at every size it ran at, ascending.
    pub fn of(&self, w: &Workload, id: &str) -> impl Iterator<Item = (u64, f64)> {
        let key = |n| (w.name.to_string(), id.to_string(), n);
        self.0
            .range(key(0)..=key(u64::MAX))
            .map(|((_, _, n), t)| (*n, *t))
    }
}

/// What the chart draws of (N, ns) values: the time of one iteration where the ideal is a wait
/// (D all at once, N·D one after another), else the time per unit (spawn, cpu).
pub fn drawn(w: &Workload, values: impl Iterator<Item = (u64, f64)>) -> Vec<(f64, f64)> {
    let per = |n| {
        if w.ideal != Ideal::Wait {
            n as f64
        } else {
            1.0
        }
    };
    values.map(|(n, ns)| (n as f64, ns / per(n))).collect()
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

/// One model line at N: its median per iteration (`time`, ns) and per unit, its bare primitive's
/// median at the same N, and the ratios it is read by: [`ideal`] / median (1.0 is perfect),
/// median / bare (1.0 costs nothing above the floor), sync-basic ([`sync_at`]) / median.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: &'static Line,
    pub n: u64,
    pub time: f64,
    pub per_unit: f64,
    pub bare: Option<f64>,
    pub vs_bare: Option<f64>,
    pub efficiency: Option<f64>,
    pub speedup: Option<f64>,
}

/// sync-basic at N: measured, or where it waits N·D one after another, N times its N = 1 time.
pub fn sync_at(results: &Results, w: &Workload, n: u64) -> Option<f64> {
    let scaled = || Some(results.get(w, "sync-basic", 1)? * n as f64);
    let scaled = (w.ideal == Ideal::Wait).then(scaled).flatten();
    results.get(w, "sync-basic", n).or(scaled)
}

/// What `line` should take at N: D where everything waits at once, N·D one after another, the
/// sequential work over the cores for cpu; `spawn` has none (its floor is the bare line).
pub fn ideal(results: &Results, w: &Workload, line: &Line, n: u64) -> Option<f64> {
    let d = w.delay.as_secs_f64() * 1e9;
    match (w.ideal, line.kind) {
        (Ideal::None, _) => None,
        (Ideal::Cores, _) => Some(sync_at(results, w, n)? / plan::cores() as f64),
        (Ideal::Wait, Kind::Base | Kind::Seq | Kind::Stall) => Some(d * n as f64),
        (Ideal::Wait, Kind::Conc | Kind::Bare) => Some(d),
    }
}

/// Every measured model line of `w` (bare lines are what they are read against), by line, then N.
pub fn rows(results: &Results, w: &Workload) -> Vec<Row> {
    let row = |line: &'static Line, (n, time)| {
        let bare = w.bare_of(line).and_then(|b| results.get(w, b.id, n));
        let sync = (line.kind != Kind::Base).then(|| sync_at(results, w, n));
        Row {
            line,
            n,
            time,
            per_unit: time / n as f64,
            bare,
            vs_bare: bare.map(|b| time / b),
            efficiency: ideal(results, w, line, n).map(|i| i / time),
            speedup: sync.flatten().map(|s| s / time),
        }
    };
    let lines = w.lines.iter().filter(|l| l.kind != Kind::Bare);
    lines
        .flat_map(|l| results.of(w, l.id).map(move |m| row(l, m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use benches::plan::{CPU, IO_TIMER};

    #[test]
    fn rows_read_against_the_ideal_the_bare_line_and_sync_basic_scaled_where_it_waits() {
        let mut r = Results::default();
        r.insert(&IO_TIMER, "sync-basic", 1, 100.5e6);
        r.insert(&IO_TIMER, "async-concurrent (tokio)", 1000, 110e6);
        r.insert(&IO_TIMER, "bare tokio timers", 1000, 100e6);
        r.insert(&CPU, "sync-basic", 8, 80e6);
        r.insert(&CPU, "threads (pool)", 8, 40e6);
        let (io, cpu) = (rows(&r, &IO_TIMER), rows(&r, &CPU));
        let find = |rows: &[Row], id| rows.iter().find(|x| x.line.id == id).cloned().unwrap();
        let tokio = find(&io, "async-concurrent (tokio)");
        assert_eq!(tokio.speedup, Some(100.5e6 * 1000.0 / 110e6));
        assert_eq!(tokio.efficiency, Some(100e6 / 110e6), "D, all at once");
        assert!((tokio.vs_bare.unwrap() - 1.1).abs() < 1e-9);
        let sync = find(&io, "sync-basic");
        assert_eq!((sync.n, sync.efficiency), (1, Some(100e6 / 100.5e6)));
        assert_eq!(sync.speedup, None, "sync-basic is not read against itself");
        let bare = |rows: &[Row]| rows.iter().any(|x| x.line.kind == Kind::Bare);
        assert!(!bare(&io) && !bare(&cpu), "bare lines are not rows");
        let pool = find(&cpu, "threads (pool)");
        let over_the_cores = 80e6 / plan::cores() as f64;
        assert_eq!(pool.efficiency, Some(over_the_cores / 40e6));
        assert_eq!(pool.speedup, Some(2.0));
    }

    #[test]
    fn criterion_files_are_found_and_read() {
        let dir = std::env::temp_dir().join(format!("benches-report-{}", std::process::id()));
        let new = dir.join("cpu").join("threads (pool)").join("8").join("new");
        fs::create_dir_all(&new).unwrap();
        let ids = r#"{"group_id":"cpu","function_id":"threads (pool)","value_str":"8"}"#;
        fs::write(new.join("benchmark.json"), ids).unwrap();
        let est = r#"{"median":{"point_estimate":42.0,"confidence_interval":{}}}"#;
        fs::write(new.join("estimates.json"), est).unwrap();
        let r = Results::load(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(r.get(&CPU, "threads (pool)", 8), Some(42.0));
        assert_eq!(r.len(), 1);
    }
}
