//! The report's serve section: every server at every C, one table per handler, each line beside
//! hyper at the same C in the same run; the 10,000-connection table; what was not run and why.

use std::fmt::Write;

use benches::plan::{self, Kind, SERVE_CPU_AT, SERVE_DELAYS, SERVE_WORK, SERVERS, Server, count};
use benches::serve::{Handler, Point, Run};

use crate::table::{opt, two};

/// The serve section, from the last run of `cargo bench -p benches --bench serve`.
pub fn markdown(md: &mut String, run: Option<&Run>) {
    md.push_str("## serve: HTTP servers under C keep-alive connections\n\n");
    let Some(run) = run else {
        md.push_str(
            "No results: run `cargo bench -p benches --bench serve` first (about five minutes; \
             `-- --quick` about two).\n\n",
        );
        return;
    };
    let _ = writeln!(
        md,
        "Each point is a fresh server in its own process, loaded for {} s by `latency::load` \
         (one thread per core, C keep-alive connections, a request answered before the next is \
         sent, wrk's way; a request unanswered after 2 s is a timeout). The server's CPU time \
         and peak RSS (`VmHWM`) are read from its own `/proc`. **× hyper**: the line's \
         requests/s over hyper's at the same C and handler; **p99 × hyper**: its p99 over \
         hyper's.\n",
        run.seconds
    );
    let handlers = SERVE_DELAYS.map(Handler::Wait).into_iter();
    for h in handlers.chain([Handler::Cpu(SERVE_WORK)]) {
        let about = match h {
            Handler::Wait(0) => "`/data` at D = 0: the server's own cost".to_string(),
            Handler::Wait(d) => format!("`/data` at D = {d} ms: the ideal is C / D requests/s"),
            Handler::Cpu(w) => format!(
                "`/cpu` at W = {w} (one job of the kernel per request), C = {SERVE_CPU_AT}: the \
                 ideal is {} cores over one job's time",
                plan::cores()
            ),
        };
        let _ = writeln!(md, "### {about}\n");
        table(md, run, h);
    }
    ten_thousand(md, run);
    if !run.skipped.is_empty() {
        let _ = writeln!(md, "Not run:\n\n- {}\n", run.skipped.join("\n- "));
    }
}

/// hyper's point at the same C and handler, for a line that holds every connection as it does
/// (beside one that serves one or P at a time, a ratio would say nothing about either).
fn anchor<'r>(run: &'r Run, s: &Server, p: &Point) -> Option<&'r Point> {
    let hyper = SERVERS.iter().find(|s| s.kind == Kind::Bare)?;
    matches!(s.kind, Kind::Conc | Kind::Bare).then(|| run.at(hyper.id, p.c, p.handler))?
}

/// `12.3 MiB`.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// Every line at every C it ran at for handler `h`.
fn table(md: &mut String, run: &Run, h: Handler) {
    md.push_str(
        "| server | C | req/s | efficiency | × hyper | p50 | p99 | p99 × hyper | max | errors | \
         timeouts | CPU s / 10k req | peak RSS |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    // `1.41×`, or `—` with no anchor.
    let x = |v: Option<f64>| opt(v, |v| format!("{v:.2}×"));
    for s in SERVERS {
        let points = s.conns.iter().filter_map(|&c| run.at(s.id, c, h));
        for (i, p) in points.enumerate() {
            let hyper = anchor(run, s, p);
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} | {} | {} | {:.1} ms | {:.1} ms | {} | {:.0} ms | {} | {} | {} | {} |",
                if i == 0 { s.id } else { "" },
                count(p.c),
                p.rps,
                opt(p.efficiency(), two),
                x(hyper.map(|a| p.rps / a.rps)),
                p.p50_ms,
                p.p99_ms,
                x(hyper.map(|a| p.p99_ms / a.p99_ms)),
                p.max_ms,
                p.errors.all(),
                p.timeouts,
                opt(p.cpu_per_10k(), two),
                mib(p.peak_rss),
            );
        }
    }
    md.push('\n');
}

/// The README's table: every server at C = 10,000, D = 100 ms, and why some are not there.
fn ten_thousand(md: &mut String, run: &Run) {
    let h = Handler::Wait(SERVE_DELAYS[1]);
    let _ = writeln!(
        md,
        "### 10,000 connections, D = {} ms\n\n| server | requests/s | p99 | errors | timeouts | \
         peak RSS | CPU per request |\n|---|---:|---:|---:|---:|---:|---:|",
        SERVE_DELAYS[1]
    );
    for s in SERVERS {
        let Some(p) = run.at(s.id, 10_000, h) else {
            // Where it was not run at 10,000: what its largest C showed.
            if let Some(p) = s.conns.iter().rev().find_map(|&c| run.at(s.id, c, h)) {
                let _ = writeln!(
                    md,
                    "| {} | not run: at C = {}, {:.0} req/s and {} timeouts in {} s | | | | | |",
                    s.id,
                    count(p.c),
                    p.rps,
                    p.timeouts,
                    run.seconds
                );
            }
            continue;
        };
        let per = opt(p.cpu_per_10k(), |s| format!("{:.0} µs", s * 100.0));
        let _ = writeln!(
            md,
            "| {} | {:.0} | {:.0} ms | {} | {} | {} | {per} |",
            s.id,
            p.rps,
            p.p99_ms,
            p.errors.describe(),
            p.timeouts,
            mib(p.peak_rss)
        );
    }
    md.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use benches::serve::Errors;

    fn point(line: &str, c: u64, rps: f64, p99_ms: f64, timeouts: u64) -> Point {
        Point {
            line: line.into(),
            c,
            handler: Handler::Wait(100),
            rps,
            ideal: Some(c as f64 * 10.0),
            p50_ms: 100.0,
            p99_ms,
            max_ms: p99_ms,
            errors: Errors::default(),
            timeouts,
            requests: 1,
            cpu_s: 0.0,
            peak_rss: 1 << 20,
            served: String::new(),
        }
    }

    #[test]
    fn lines_read_against_hyper_and_a_sequential_line_says_why_it_is_missing() {
        let run = Run {
            points: vec![
                point("hyper (tokio)", 10_000, 50_000.0, 200.0, 0),
                point("async-concurrent (tokio)", 10_000, 45_000.0, 300.0, 0),
                point("sync-basic", 100, 10.0, 101.0, 99),
            ],
            skipped: vec!["sync-basic not run at C = 1,000, 10,000".into()],
            seconds: 3.0,
        };
        let mut md = String::new();
        markdown(&mut md, Some(&run));
        let tokio = "| async-concurrent (tokio) | 10,000 | 45000 | 0.45 | 0.90× | 100.0 ms | 300.0 ms | 1.50× |";
        assert!(md.contains(tokio), "{md}");
        let sync = "| sync-basic | 100 | 10 | 0.01 | — |";
        assert!(md.contains(sync), "no ratio for it: {md}");
        let why = "| sync-basic | not run: at C = 100, 10 req/s and 99 timeouts in 3 s |";
        assert!(md.contains(why), "{md}");
        let skipped = "- sync-basic not run at C = 1,000, 10,000";
        assert!(md.contains(skipped), "{md}");
    }
}
