//! The markdown: where the figures come from, a table at a glance (model × workload at the
//! headline sizes), one table per workload (every line at every size, beside its bare primitive,
//! with the reason where a model is far from it), and the seed's Python numbers.

use std::fmt::Write;

use benches::plan::{self, ALL, Ideal, Kind, Line, Model, Workload, fmt_ns};
use benches::provenance::Provenance;

use crate::data::{Results, Row, rows, sync_at};
use crate::python::{Python, SEED};
use crate::reasons;

/// Above this ratio to its bare primitive, a row says why.
pub const FAR: f64 = 1.2;

/// The whole document: the provenance, the glance, the workloads, the seed, how to read it.
pub fn markdown(
    results: &Results,
    py: &Result<Python, String>,
    made: &[Provenance],
    serve: Option<&benches::serve::Run>,
) -> String {
    let mut md = String::from("# Benchmarks: every model on the same workloads\n\n");
    provenance(&mut md, made);
    glance(&mut md, results, py.as_ref().ok());
    for w in ALL {
        workload(&mut md, results, w, py.as_ref().ok());
    }
    crate::serve::markdown(&mut md, serve);
    python(&mut md, py);
    md.push_str(HOW_TO_READ);
    md
}

/// `1.41×`, `12.3×`, `150×`.
fn x(v: f64) -> String {
    let digits = [2, 1, 0][usize::from(v >= 10.0) + usize::from(v >= 100.0)];
    format!("{v:.digits$}×")
}

/// `0.97`.
pub fn two(v: f64) -> String {
    format!("{v:.2}")
}

/// A figure, or `—` where there is none.
pub fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("—".to_string(), f)
}

/// When, at which commit, on what machine and with which command each workload was measured:
/// one row for the workloads a run measured together.
fn provenance(md: &mut String, made: &[Provenance]) {
    md.push_str("| workloads | measured | commit | machine | CPU taken by the host | command |\n");
    md.push_str("|---|---|---|---|---:|---|\n");
    let key = |p: &Provenance| (p.commit.clone(), p.machine.clone(), p.args.clone());
    for (i, p) in made.iter().enumerate() {
        if made[..i].iter().any(|q| key(q) == key(p)) {
            continue;
        }
        let run: Vec<&Provenance> = made[i..].iter().filter(|q| key(q) == key(p)).collect();
        let names: Vec<&str> = run.iter().map(|p| p.workload.as_str()).collect();
        let dates = run.iter().map(|p| &p.date);
        let (from, to) = (dates.clone().min().unwrap(), dates.max().unwrap());
        let when = match from == to {
            true => from.clone(),
            false => format!("{from} – {to}"),
        };
        // The worst workload's steal time: one that lost CPU to the host is the one to rerun.
        let stolen = run.iter().map(|p| p.stolen).fold(0.0, f64::max);
        let _ = writeln!(
            md,
            "| {} | {when} | {} | {} | {stolen:.1} % | `{}` |",
            names.join(", "),
            p.commit,
            p.machine,
            p.command(&names)
        );
    }
    if made.is_empty() {
        md.push_str("| (no record: benches older than the report) | | | | | |\n");
    }
    md.push_str("\nThe tables and charts: `cargo run -p benches --release --bin report`.\n\n");
}

/// One glance cell: what the line is best read by, at the headline size.
fn cell(r: &Row, w: &Workload) -> String {
    let at = Some(format!(" @N={}", r.n))
        .filter(|_| r.n != w.headline)
        .unwrap_or_default();
    let (per_unit, time) = (fmt_ns(r.per_unit), fmt_ns(r.time));
    match (w.ideal, r.line.kind, r.vs_bare, r.speedup) {
        (Ideal::None, Kind::Base, ..) => format!("{per_unit} (no unit started){at}"),
        (Ideal::None, _, Some(b), _) => format!("{per_unit} ({} bare){at}", x(b)),
        (Ideal::None, ..) => format!("{per_unit}{at}"),
        (Ideal::Wait, Kind::Base, ..) if r.n == 1 => {
            format!("≈ {} (N × {time})", fmt_ns(r.time * w.headline as f64))
        }
        (Ideal::Wait, ..) => format!("{time} (eff {}){at}", opt(r.efficiency, two)),
        (Ideal::Cores, .., Some(s)) => format!("{time} ({} sync){at}", x(s)),
        (Ideal::Cores, ..) => format!("{time}{at}"),
    }
}

/// Model × workload at the headline sizes.
fn glance(md: &mut String, results: &Results, py: Option<&Python>) {
    md.push_str("## At a glance\n\nMedians at the headline sizes; in brackets, what each is read against.\n\n");
    let heads = ALL.map(|w| format!("{}: N={}", w.name, w.headline));
    let _ = writeln!(
        md,
        "| model | {} |\n|---|{}",
        heads.join(" | "),
        "---|".repeat(ALL.len())
    );
    let all = ALL.map(|w| (w, rows(results, w)));
    for model in Model::ALL {
        let cells = all.each_ref().map(|(w, rows)| {
            // Each line of the model at the headline size, or the largest size below it (rows
            // are by line, then N).
            let at = |l: &Line| {
                rows.iter()
                    .rfind(|r| r.line.id == l.id && r.n <= w.headline)
            };
            let lines = w.lines.iter().filter(|l| l.model == Some(model));
            match lines.filter_map(at).collect::<Vec<_>>()[..] {
                [] => String::new(),
                [one] => cell(one, w),
                [stall, fix, ..] => {
                    format!("fix {} · stall {}", fmt_ns(fix.time), fmt_ns(stall.time))
                }
            }
        });
        if cells.iter().any(|c| !c.is_empty()) {
            let _ = writeln!(md, "| {} | {} |", model.name(), cells.join(" | "));
        }
    }
    if let Some(py) = py {
        let at = |points: &[(u64, f64)], n| points.iter().find(|(m, _)| *m == n).map(|(_, s)| *s);
        let (spawn, io) = (&plan::SPAWN, &plan::IO_TIMER);
        let spawn = at(&py.spawn, spawn.headline).map(|s| fmt_ns(s * 1e9 / spawn.headline as f64));
        let io = at(&py.io_timer, io.headline).map(|s| {
            let eff = io.delay.as_secs_f64() / s;
            format!("{} (eff {eff:.2})", fmt_ns(s * 1e9))
        });
        let cpu = py.cpu.as_ref().map(|c| {
            let pool = x(c.sequential / c.pool);
            format!("pool {pool} sync (W={}, CPython)", c.work)
        });
        let cells = [spawn, io, None, cpu, None].map(Option::unwrap_or_default);
        let _ = writeln!(md, "| {SEED} | {} |", cells.join(" | "));
    }
    md.push('\n');
}

/// One workload: every model line at every size it ran at, beside its bare primitive.
fn workload(md: &mut String, results: &Results, w: &Workload, py: Option<&Python>) {
    let _ = writeln!(md, "## {}: {}\n", w.name, w.about);
    let rows = rows(results, w);
    if rows.is_empty() {
        let bench = format!("cargo bench -p benches --bench {}", w.name);
        return md.push_str(&format!("No results: run `{bench}` first.\n\n"));
    }
    let _ = writeln!(
        md,
        "| line | bare primitive | N | median | per {} | bare | × bare | efficiency | why, where > {FAR}× bare |",
        w.unit
    );
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    // Whether the reason of this row's line was given on a row above.
    let mut said = false;
    for (i, r) in rows.iter().enumerate() {
        let first = i == 0 || rows[i - 1].line.id != r.line.id;
        said &= !first;
        let (name, bare) = match first {
            true => (r.line.id, w.bare_of(r.line).map_or("—", |b| b.id)),
            false => ("", ""),
        };
        let why = match r.vs_bare {
            Some(v) if v > FAR && said => "as above",
            Some(v) if v > FAR => {
                said = true;
                reasons::why(w.name, r.line.id).unwrap_or("not profiled yet")
            }
            _ => "",
        };
        let _ = writeln!(
            md,
            "| {name} | {bare} | {} | {} | {} | {} | {} | {} | {why} |",
            r.n,
            fmt_ns(r.time),
            fmt_ns(r.per_unit),
            opt(r.bare, fmt_ns),
            opt(r.vs_bare, x),
            opt(r.efficiency, two),
        );
    }
    for (i, &(n, s)) in py.map_or(&[][..], |py| py.points(w)).iter().enumerate() {
        let name = if i == 0 { SEED } else { "" };
        let eff = (w.ideal == Ideal::Wait).then(|| w.delay.as_secs_f64() / s);
        let (time, per) = (fmt_ns(s * 1e9), fmt_ns(s * 1e9 / n as f64));
        let eff = opt(eff, two);
        let _ = writeln!(
            md,
            "| {name} | — | {n} | {time} | {per} | — | — | {eff} | |"
        );
    }
    skipped(md, results, w);
    md.push('\n');
}

/// The sizes of the workload a line did not run at, and why (the plan's own reason).
fn skipped(md: &mut String, results: &Results, w: &Workload) {
    let mut notes = String::new();
    let ran = |l: &&Line| l.kind != Kind::Bare && results.of(w, l.id).next().is_some();
    for line in w.lines.iter().filter(ran) {
        let why = |n| Some((n, line.skipped_because(w, n)?));
        let missing: Vec<(u64, String)> = w.sizes().into_iter().filter_map(why).collect();
        let Some((n, why)) = missing.first() else {
            continue;
        };
        let sizes: Vec<String> = missing.iter().map(|(n, _)| n.to_string()).collect();
        let (id, sizes) = (line.id, sizes.join(", "));
        let _ = writeln!(notes, "- {id} not run at N = {sizes}: at N = {n}, {why}.");
    }
    if !notes.is_empty() {
        let _ = write!(md, "\n{notes}");
    }
    if w.ideal == Ideal::Wait
        && sync_at(results, w, w.headline).is_some()
        && results.get(w, "sync-basic", w.headline).is_none()
    {
        md.push_str("- sync-basic at N is N × its N = 1 time: N requests one after another.\n");
    }
}

/// The seed's own patterns in CPython: its version and the CPU run (its spawn and io_timer
/// figures are rows of those workloads' tables).
fn python(md: &mut String, py: &Result<Python, String>) {
    md.push_str("## The seed in Python\n\n");
    let py = match py {
        Ok(py) => py,
        Err(why) => return md.push_str(&format!("Skipped: {why}.\n\n")),
    };
    let _ = writeln!(
        md,
        "`benches/python/seed_reference.py` on CPython {}: the article's own patterns, timed \
         (best of two runs, one at 100,000), in the spawn and io_timer tables above.",
        py.version
    );
    if let Some(c) = &py.cpu {
        let same = ["DIFFERENT from", "equal to"][usize::from(c.same_kernel())];
        let unit_ms = c.sequential * 1e3 / (c.n * c.work).max(1) as f64;
        let _ = writeln!(
            md,
            "\nCPU: {} jobs of the same kernel (W = {} unit each) take {:.2} s one after another and \
             {:.2} s on a `ProcessPoolExecutor` of {} processes: {} faster. Checksum {same} the Rust \
             kernel's. One unit takes {unit_ms:.0} ms in CPython against about a millisecond in Rust.",
            c.n,
            c.work,
            c.sequential,
            c.pool,
            c.workers,
            x(c.sequential / c.pool),
        );
    }
    md.push('\n');
}

const HOW_TO_READ: &str = "## How to read this\n\n\
- **median**: criterion's median time of one iteration (all N units). **per unit**: median / N.\n\
- **bare primitive**: the floor under the model, written as plainly as possible (a spawn + join \
  loop, N bare timers, raw sockets, sleeps handed to the pool, `thread::scope` for cpu). **× bare** \
  is the model's median over the bare one's at the same N: what is above 1.00 is the model's own \
  overhead (its context, its checks, its result list). Above 1.2×, the row says why, from a \
  profile, or that none was made yet.\n\
- **efficiency**: the ideal over the median, 1.00 is perfect. Ideal: D where everything waits at \
  once, N·D one after another (sync-basic, async-sequential, and the stall, which is the point of \
  that line), sync-basic's time over the cores for cpu. spawn has no ideal: its floor is the bare \
  primitive.\n\
- A line missing at a size was not run there: the notes under each table say why.\n";

#[cfg(test)]
mod tests {
    use super::*;
    use benches::plan::{IO_TIMER, SPAWN};

    #[test]
    fn a_model_far_from_its_floor_says_why_once() {
        let mut r = Results::default();
        for (n, t) in [(1_000, 2e6), (10_000, 20e6)] {
            r.insert(&SPAWN, "async-concurrent (smol)", n, t);
            r.insert(&SPAWN, "bare smol Executor::spawn (1 thread)", n, t / 1.5);
        }
        let mut md = String::new();
        workload(&mut md, &r, &SPAWN, None);
        let reason = "| 1.50× | — | the scenario's own structure";
        assert!(md.contains(reason), "{md}");
        assert!(md.contains("| 1.50× | — | as above |"), "{md}");
    }

    #[test]
    fn the_glance_quotes_sync_basic_io_as_n_times_one_request() {
        let mut r = Results::default();
        r.insert(&IO_TIMER, "sync-basic", 1, 100.2e6);
        let mut md = String::new();
        glance(&mut md, &r, None);
        let cell = "| sync-basic |  | ≈ 1002 s (N × 100 ms) |";
        assert!(md.contains(cell), "{md}");
    }

    #[test]
    fn workloads_measured_together_share_one_line() {
        let made = |w: &str, date: &str| Provenance {
            workload: w.into(),
            date: date.into(),
            commit: "abc1234".into(),
            args: vec!["--quick".into()],
            machine: "2 cores".into(),
            stolen: if w == "cpu" { 3.25 } else { 0.5 },
        };
        let mut md = String::new();
        let made = [
            made("spawn", "2026-12-01 10:00 UTC"),
            made("cpu", "2026-12-01 10:02 UTC"),
        ];
        provenance(&mut md, &made);
        let when = "| spawn, cpu | 2026-12-01 10:00 UTC – 2026-12-01 10:02 UTC | abc1234 |";
        assert!(md.contains(when), "{md}");
        assert!(md.contains("| 2 cores | 3.2 % |"), "the worst steal: {md}");
        let command = "`cargo bench -p benches --bench spawn --bench cpu -- --quick`";
        assert!(md.contains(command), "{md}");
    }
}
