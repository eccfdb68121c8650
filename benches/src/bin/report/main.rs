//! report: criterion's results as a markdown table and an SVG chart.
//!
//! Reads `<target>/criterion/**/new/{benchmark,estimates}.json` from the last `cargo bench`, prints
//! the tables (workload × model at a glance, one table per workload, the targets, the seed's Python
//! numbers) and writes them to `summary.md` beside `summary.svg` (time per unit against N, one line
//! per model) in the same directory.
//!
//! `cargo bench -p benches -- --quick && cargo run -p benches --release --bin report`

mod chart;
mod data;
mod python;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;

/// Turns the last `cargo bench -p benches` into summary.md and summary.svg.
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

/// Where criterion wrote its results, looked for the way criterion itself decides.
fn criterion_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Ok(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(target).join("criterion"));
    }
    // This binary is <target>/<profile>/report.
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let target = exe
        .parent()
        .and_then(|p| p.parent())
        .context("no target directory")?;
    Ok(target.join("criterion"))
}

fn run(args: Args) -> Result<()> {
    let dir = criterion_dir(args.criterion_dir)?;
    if !dir.is_dir() {
        bail!(
            "no criterion results in {}: run `cargo bench -p benches` (or `-- --quick`) first",
            dir.display()
        );
    }
    let results = data::Results::load(&dir)?;
    if results.len() == 0 {
        bail!("no results of the benches crate in {}", dir.display());
    }
    let py = if args.no_python {
        Err("left out with --no-python".to_string())
    } else {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/seed_reference.py");
        eprintln!("running {} …", script.display());
        python::run(&script)
    };
    let cores = benches::plan::cores();
    let header = format!(
        "# Benchmarks: every model on the same workloads\n\n\
         {} results from `{}` on {cores} cores. Regenerate with `cargo bench -p benches` \
         (add `-- --quick` for a short run), then `cargo run -p benches --release --bin report`.\n\n",
        results.len(),
        dir.display()
    );
    let md = table::markdown(&results, &py, &header);
    print!("{md}");
    let md_path = dir.join("summary.md");
    std::fs::write(&md_path, &md).with_context(|| format!("cannot write {}", md_path.display()))?;
    let svg_path = dir.join("summary.svg");
    let title = format!("Time per unit against N, on {cores} cores (criterion medians; log-log)");
    chart::draw(&results, py.as_ref().ok(), &title, &svg_path)?;
    eprintln!("wrote {} and {}", md_path.display(), svg_path.display());
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
