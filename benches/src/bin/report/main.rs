//! report: criterion's results as markdown tables and one chart per workload.
//!
//! Reads `<target>/criterion/**/new/{benchmark,estimates}.json` from the last `cargo bench`, with
//! the provenance each bench wrote beside them, runs the seed's Python reference, prints the
//! tables (where and how the figures were made, model × workload at a glance, one table per
//! workload, the seed's numbers) and writes them to `summary.md`, beside `chart-<workload>.svg`
//! (time per unit against N, one line per model, its bare primitive dashed) in the same directory.
//!
//! `cargo bench -p benches -- --quick && cargo run -p benches --release --bin report`

mod chart;
mod data;
mod python;
mod reasons;
mod serve;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;

use benches::plan::ALL;
use benches::provenance::{self, Provenance};

/// Turns the last `cargo bench -p benches` into summary.md and one chart per workload.
#[derive(Parser)]
#[command(name = "report")]
struct Args {
    /// criterion's directory [default: $CRITERION_HOME, $CARGO_TARGET_DIR/criterion, or the
    /// `criterion` directory of the target dir this binary was built in]
    #[arg(long)]
    criterion_dir: Option<PathBuf>,
    /// Leave out the seed's Python reference row (it takes about fifteen seconds).
    #[arg(long)]
    no_python: bool,
}

fn run(args: Args) -> Result<()> {
    let dir = args.criterion_dir.unwrap_or_else(provenance::results_dir);
    if !dir.is_dir() {
        bail!(
            "no criterion results in {}: run `cargo bench -p benches` (or `-- --quick`) first",
            dir.display()
        );
    }
    let results = data::Results::load(&dir)?;
    let run = benches::serve::Run::read(&dir);
    if results.len() == 0 && run.is_none() {
        bail!("no results of the benches crate in {}", dir.display());
    }
    let py = if args.no_python {
        Err("left out with --no-python".to_string())
    } else {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/seed_reference.py");
        eprintln!("running {} …", script.display());
        python::run(&script)
    };
    let names = ALL.iter().map(|w| w.name).chain(["serve"]);
    let made: Vec<Provenance> = names.filter_map(|w| Provenance::read(&dir, w)).collect();
    let md = table::markdown(&results, &py, &made, run.as_ref());
    let md_path = dir.join("summary.md");
    std::fs::write(&md_path, &md).with_context(|| format!("cannot write {}", md_path.display()))?;
    let stamp = match made.first() {
        Some(p) => format!("{} · commit {} · {}", p.date, p.commit, p.machine),
        None => format!("{} cores", benches::plan::cores()),
    };
    let charts = chart::draw_all(&results, py.as_ref().ok(), run.as_ref(), &dir, &stamp)?;
    for path in [md_path].into_iter().chain(charts) {
        eprintln!("wrote {}", path.display());
    }
    // Printed last, once everything is written: a closed stdout (`| head`) ends it quietly.
    taskset::out::line(md.strip_suffix('\n').unwrap_or(&md));
    Ok(())
}

fn main() -> ExitCode {
    match latency::args::parse().map(run) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(status) => status,
    }
}
