//! The markdown: a table at a glance (workload × model at the headline sizes), one table per
//! workload, the targets of the issue, and the seed's Python numbers.

use std::fmt::Write;

use benches::plan::{self, Role, Workload, fmt_ns, id};

use crate::data::{Results, Row, rows, sync_at};
use crate::python::Python;

/// A model as the summary shows it: the line it is read from in each workload, in
/// [`Workload::ALL`] order (blocking: the fix, with the stall beside it).
struct Family {
    name: &'static str,
    lines: [Option<&'static str>; 5],
    stall: Option<&'static str>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "sync-basic",
        lines: [Some(id::SYNC); 5],
        stall: None,
    },
    Family {
        name: "async-sequential (tokio)",
        lines: [Some(id::SEQ_TOKIO); 5],
        stall: None,
    },
    Family {
        name: "async-concurrent (tokio)",
        lines: [
            Some(id::TOKIO),
            Some(id::TOKIO),
            Some(id::TOKIO),
            Some(id::TOKIO),
            Some(id::TOKIO_FIX),
        ],
        stall: Some(id::TOKIO_STALL),
    },
    Family {
        name: "async-concurrent (async-std)",
        lines: [
            Some(id::ASYNC_STD),
            Some(id::ASYNC_STD),
            Some(id::ASYNC_STD),
            Some(id::ASYNC_STD),
            Some(id::ASYNC_STD_FIX),
        ],
        stall: Some(id::ASYNC_STD_STALL),
    },
    Family {
        name: "async-concurrent (smol)",
        lines: [
            Some(id::SMOL),
            Some(id::SMOL),
            Some(id::SMOL),
            Some(id::SMOL),
            Some(id::SMOL_FIX),
        ],
        stall: Some(id::SMOL_STALL),
    },
    Family {
        name: "async-concurrent (tokio, multi-thread)",
        lines: [Some(id::TOKIO_MT), None, None, None, None],
        stall: None,
    },
    Family {
        name: "async-concurrent (tokio, current-thread)",
        lines: [None, None, None, Some(id::TOKIO_CT), None],
        stall: None,
    },
    Family {
        name: "threads",
        lines: [
            Some(id::THREADS),
            Some(id::THREADS),
            Some(id::THREADS),
            Some(id::THREADS_POOL),
            Some(id::THREADS),
        ],
        stall: None,
    },
    Family {
        name: "threads (rayon)",
        lines: [None, None, None, Some(id::THREADS_RAYON), None],
        stall: None,
    },
    Family {
        name: "multiprocess",
        lines: [
            Some(id::PROCESSES),
            Some(id::PROCESSES_N),
            Some(id::PROCESSES_N),
            Some(id::PROCESSES),
            Some(id::PROCESSES),
        ],
        stall: None,
    },
];

/// The whole markdown document.
pub fn markdown(results: &Results, py: &Result<Python, String>, header: &str) -> String {
    let mut md = String::new();
    md.push_str(header);
    glance(&mut md, results, py);
    for w in Workload::ALL {
        workload_table(&mut md, results, w, py.as_ref().ok());
    }
    targets(&mut md, results);
    python_section(&mut md, py);
    md.push_str(HOW_TO_READ);
    md
}

fn x(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}×")
    } else if v >= 10.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.2}×")
    }
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("—".to_string(), f)
}

/// The row of `line` at the headline size, or at the largest size below it that ran.
fn headline_row(all: &[Row], w: Workload, line: &str) -> Option<Row> {
    let of_line = all.iter().filter(|r| r.line.id == line);
    let below = of_line.filter(|r| r.n <= w.headline() || r.n == 1);
    below.max_by_key(|r| r.n).cloned()
}

fn at(r: &Row, w: Workload) -> String {
    if r.n == w.headline() {
        String::new()
    } else {
        format!(" @N={}", r.n)
    }
}

fn glance(md: &mut String, results: &Results, py: &Result<Python, String>) {
    let all: Vec<Vec<Row>> = Workload::ALL.iter().map(|&w| rows(results, w)).collect();
    md.push_str("## At a glance\n\n");
    md.push_str(
        "Medians at the headline sizes; in brackets, what each is read against (see the tables \
         below for every size).\n\n",
    );
    let heads: Vec<String> = Workload::ALL
        .iter()
        .map(|w| match w {
            Workload::Spawn => format!("spawn: per unit, N={}", w.headline()),
            _ => format!("{}: N={}", w.name(), w.headline()),
        })
        .collect();
    let _ = writeln!(md, "| model | {} |", heads.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(heads.len()));
    for f in FAMILIES {
        let cells: Vec<String> = Workload::ALL
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let Some(line) = f.lines[i] else {
                    return String::new();
                };
                let Some(r) = headline_row(&all[i], w, line) else {
                    return "—".into();
                };
                let cell = glance_cell(&r, w);
                match (w, f.stall.and_then(|s| headline_row(&all[i], w, s))) {
                    (Workload::Blocking, Some(stall)) => format!(
                        "fix {} · stall {}{}",
                        fmt_ns(r.time),
                        fmt_ns(stall.time),
                        at(&r, w)
                    ),
                    _ => cell,
                }
            })
            .collect();
        if cells.iter().all(|c| c.is_empty() || c == "—") {
            continue;
        }
        let _ = writeln!(md, "| {} | {} |", f.name, cells.join(" | "));
    }
    if let Ok(py) = py {
        let spawn = py
            .spawn
            .iter()
            .find(|(n, _)| *n == Workload::Spawn.headline());
        let io = py
            .io_timer
            .iter()
            .find(|(n, _)| *n == Workload::IoTimer.headline());
        let d = plan::IO_DELAY.as_secs_f64();
        let cpu = py.cpu.as_ref().map_or(String::new(), |c| {
            format!(
                "pool {} sync (W={}, CPython)",
                x(c.sequential / c.pool),
                c.work
            )
        });
        let _ = writeln!(
            md,
            "| python asyncio (the seed) | {} | {} | | {cpu} | |",
            spawn.map_or(String::new(), |(n, s)| fmt_ns(s * 1e9 / *n as f64)),
            io.map_or(String::new(), |(_, s)| format!(
                "{} (eff {:.2})",
                fmt_ns(s * 1e9),
                d / s
            )),
        );
    }
    md.push('\n');
}

fn glance_cell(r: &Row, w: Workload) -> String {
    let at = at(r, w);
    match w {
        Workload::Spawn => match r.vs_bare() {
            Some(b) => format!("{} ({} bare){at}", fmt_ns(r.per_unit()), x(b)),
            None => format!("{} (no unit started){at}", fmt_ns(r.per_unit())),
        },
        Workload::IoTimer | Workload::IoNet => {
            let time = if r.n == 1 && r.line.role == Role::Baseline {
                // sync-basic runs one request: N of them take N times as long.
                let n = w.headline() as f64;
                return format!("≈ {} (N × {})", fmt_ns(r.time * n), fmt_ns(r.time));
            } else {
                fmt_ns(r.time)
            };
            format!(
                "{time} (eff {}){at}",
                opt(r.efficiency(), |e| format!("{e:.2}"))
            )
        }
        Workload::Cpu => match r.speedup() {
            Some(s) => format!("{} ({} sync){at}", fmt_ns(r.time), x(s)),
            None => format!("{}{at}", fmt_ns(r.time)),
        },
        Workload::Blocking => format!(
            "{} (eff {}){at}",
            fmt_ns(r.time),
            opt(r.efficiency(), |e| format!("{e:.2}"))
        ),
    }
}

fn workload_table(md: &mut String, results: &Results, w: Workload, py: Option<&Python>) {
    let rows = rows(results, w);
    let _ = writeln!(md, "## {}: {}\n", w.name(), w.about());
    if rows.is_empty() {
        let _ = writeln!(
            md,
            "No results: run `cargo bench -p benches --bench {}` first.\n",
            w.name()
        );
        return;
    }
    let unit = w.unit();
    let _ = writeln!(
        md,
        "| line | N | median | per {unit} | vs sync-basic | efficiency (ideal / median) | vs bare |"
    );
    md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        let name = match r.line.role {
            Role::Bare => format!("_{}_", r.line.id),
            _ => r.line.id.to_string(),
        };
        let speedup = r.sync.map_or("—".into(), |(s, scaled)| {
            let mark = if scaled { "≈ " } else { "" };
            format!("{mark}{}", x(s / r.time))
        });
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {speedup} | {} | {} |",
            r.n,
            fmt_ns(r.time),
            fmt_ns(r.per_unit()),
            opt(r.efficiency(), |e| format!("{e:.2}")),
            opt(r.vs_bare(), x),
        );
    }
    let py_points = match (w, py) {
        (Workload::Spawn, Some(py)) => &py.spawn[..],
        (Workload::IoTimer, Some(py)) => &py.io_timer[..],
        _ => &[],
    };
    for &(n, s) in py_points {
        let ns = s * 1e9;
        let d = plan::delay(w).as_secs_f64() * 1e9;
        let speedup = sync_at(results, w, n).filter(|_| w != Workload::Spawn);
        let eff = (w == Workload::IoTimer).then(|| d / ns);
        let _ = writeln!(
            md,
            "| python asyncio (the seed) | {n} | {} | {} | {} | {} | — |",
            fmt_ns(ns),
            fmt_ns(ns / n as f64),
            opt(speedup.map(|(s, _)| s / ns), |v| format!("≈ {}", x(v))),
            opt(eff, |e| format!("{e:.2}")),
        );
    }
    md.push('\n');
}

/// One target of the issue: what it asks, the line, the measured value and the limit.
struct Check {
    target: String,
    line: String,
    value: f64,
    limit: f64,
    at_most: bool,
}

fn targets(md: &mut String, results: &Results) {
    let mut checks = Vec::new();
    let spawn = rows(results, Workload::Spawn);
    for line in Workload::Spawn
        .lines()
        .iter()
        .filter(|l| l.role == Role::Model)
    {
        let worst = spawn
            .iter()
            .filter(|r| r.line.id == line.id)
            .filter_map(|r| r.vs_bare().map(|v| (v, r.n)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((v, n)) = worst {
            checks.push(Check {
                target: "spawn + join per unit ≤ 1.2 × bare (worst N)".into(),
                line: format!("{} (N={n})", line.id),
                value: v,
                limit: 1.2,
                at_most: true,
            });
        }
    }
    let io = rows(results, Workload::IoTimer);
    let asyncs = [id::TOKIO, id::ASYNC_STD, id::SMOL];
    for line in asyncs {
        if let Some(r) = io.iter().find(|r| r.line.id == line && r.n == 10_000) {
            checks.push(Check {
                target: "io_timer 10,000 × 100 ms ≤ 1.1 × ideal".into(),
                line: line.into(),
                value: r.time / r.ideal.unwrap_or(f64::NAN),
                limit: 1.1,
                at_most: true,
            });
        }
        if let Some(r) = io.iter().find(|r| r.line.id == line && r.n == 100_000) {
            if let Some(b) = r.vs_bare() {
                checks.push(Check {
                    target: "io_timer 100,000 ≤ 1.2 × bare".into(),
                    line: line.into(),
                    value: b,
                    limit: 1.2,
                    at_most: true,
                });
            }
            checks.push(Check {
                target: "io_timer 100,000 ≤ 2 × ideal".into(),
                line: line.into(),
                value: r.time / r.ideal.unwrap_or(f64::NAN),
                limit: 2.0,
                at_most: true,
            });
        }
    }
    let cpu = rows(results, Workload::Cpu);
    let wanted = [
        (id::THREADS_POOL, 1.85),
        (id::THREADS_RAYON, 1.85),
        (id::TOKIO, 1.85),
        (id::PROCESSES, 1.7),
    ];
    for (line, limit) in wanted {
        if let Some(s) = cpu
            .iter()
            .find(|r| r.line.id == line && r.n == 8)
            .and_then(Row::speedup)
        {
            checks.push(Check {
                target: format!(
                    "cpu 8 jobs on {} cores: ≥ {limit} × sync-basic",
                    plan::cores()
                ),
                line: line.into(),
                value: s,
                limit,
                at_most: false,
            });
        }
    }
    md.push_str("## Targets\n\n");
    if checks.is_empty() {
        md.push_str("No results to check yet.\n\n");
        return;
    }
    md.push_str("| target | line | measured | limit | met |\n|---|---|---:|---:|:---:|\n");
    for c in &checks {
        let met = if c.at_most {
            c.value <= c.limit
        } else {
            c.value >= c.limit
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            c.target,
            c.line,
            x(c.value),
            x(c.limit),
            if met { "yes" } else { "**no**" }
        );
    }
    md.push('\n');
}

fn python_section(md: &mut String, py: &Result<Python, String>) {
    md.push_str("## The seed in Python\n\n");
    let py = match py {
        Ok(py) => py,
        Err(why) => {
            let _ = writeln!(md, "Skipped: {why}.\n");
            return;
        }
    };
    let _ = writeln!(
        md,
        "`benches/python/seed_reference.py` on CPython {}: the article's own patterns, timed \
         (best of two runs, one at 100,000).\n",
        py.version
    );
    md.push_str("| N | gather of N `asyncio.sleep(0)`: per task | gather of N `asyncio.sleep(0.1)` | efficiency |\n");
    md.push_str("|---:|---:|---:|---:|\n");
    for &(n, s) in &py.io_timer {
        let spawn = py.spawn.iter().find(|(m, _)| *m == n);
        let _ = writeln!(
            md,
            "| {n} | {} | {} | {:.2} |",
            spawn.map_or("—".into(), |(_, t)| fmt_ns(t * 1e9 / n as f64)),
            fmt_ns(s * 1e9),
            plan::IO_DELAY.as_secs_f64() / s
        );
    }
    if let Some(c) = &py.cpu {
        let _ = writeln!(
            md,
            "\nCPU: {} jobs of the same kernel (W = {} unit each) take {:.2} s one after another and \
             {:.2} s on a `ProcessPoolExecutor` of {} processes: {} faster. Checksum {} the Rust \
             kernel's. One unit takes {:.0} ms in CPython against about a millisecond in Rust.\n",
            c.n,
            c.work,
            c.sequential,
            c.pool,
            c.workers,
            x(c.sequential / c.pool),
            if c.same_kernel {
                "equal to"
            } else {
                "DIFFERENT from"
            },
            c.sequential * 1e3 / (c.n * c.work).max(1) as f64,
        );
    }
    md.push('\n');
}

const HOW_TO_READ: &str = "## How to read this\n\n\
- **median**: criterion's median time of one iteration (all N units). **per unit**: median / N.\n\
- **vs sync-basic**: how many times faster than the blocking baseline at the same N. For the I/O \
  workloads sync-basic runs one request (N of them would take N·D, minutes at these sizes), so its \
  time at N is N × its one-request time, marked ≈.\n\
- **efficiency**: the ideal over the median, 1.00 is perfect. Ideal: D where everything waits at \
  once, N·D one after another (sync-basic, and the stall, which is the point of that line), the \
  sequential work over the cores for cpu. spawn has no ideal: its floor is the bare primitive.\n\
- **vs bare**: the model's time over its bare primitive's at the same N (the _bare_ lines: a plain \
  spawn + join loop, N bare timers, raw sockets, sleeps handed to the pool, `thread::scope` for \
  cpu). What is above 1.00 is the model's own overhead: its context, its checks, its result list.\n\
- A line missing at a size was not run there: the bench prints which and why (one iteration would \
  take seconds).\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Measured;

    fn m(ns: f64) -> Measured {
        Measured {
            median: ns,
            lo: ns,
            hi: ns,
        }
    }

    #[test]
    fn the_targets_say_which_are_met() {
        let mut r = Results::default();
        r.insert(Workload::Cpu, id::SYNC, 8, m(80e6));
        r.insert(Workload::Cpu, id::THREADS_POOL, 8, m(41e6));
        r.insert(Workload::Cpu, id::PROCESSES, 8, m(60e6));
        let mut md = String::new();
        targets(&mut md, &r);
        assert!(
            md.contains("| threads (pool) | 1.95× | 1.85× | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| multiprocess | 1.33× | 1.70× | **no** |"),
            "{md}"
        );
    }

    #[test]
    fn the_glance_quotes_sync_basic_io_as_n_times_one_request() {
        let mut r = Results::default();
        r.insert(Workload::IoTimer, id::SYNC, 1, m(100.2e6));
        let mut md = String::new();
        glance(&mut md, &r, &Err("no python".into()));
        assert!(md.contains("≈ 1002 s (N × 100 ms)"), "{md}");
    }
}
