//! footprint: how much memory one idle unit of each concurrency model costs — a task of each
//! async runtime, an OS thread, a process — beside the bare primitive under it.
//!
//! A unit costs memory for as long as it waits, and a server holds many that wait, so the figure
//! that matters is bytes per unit with N of them alive at once. For each kind of unit and each N,
//! this binary starts itself again as a fresh child process (a clean baseline), which reads its
//! RSS from `/proc`, starts N units that each wait on a timer (through the model crate's library,
//! or with the bare primitive), reads its RSS again once all N have started and gone quiet, and
//! prints the figures as one line of JSON. The parent turns them into a markdown table (stdout and
//! `target/criterion/footprint.md`): RSS per unit, the ratio to the bare primitive, and the kernel
//! memory RSS leaves out. Sizes the machine cannot hold are skipped with the limit named.
//!
//! ```text
//! cargo run -p benches --release --bin footprint                          # everything, a few minutes
//! cargo run -p benches --release --bin footprint -- --units tokio,threads --sizes 1000,10000
//! ```

mod conns;
mod probe;
mod table;
mod units;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Parser;

use benches::plan::count;
use table::{Measured, Row, bytes};
use taskset::Error;
use units::{Unit, Who};

/// Memory per idle unit: tasks, threads and processes held at once, beside their bare primitives.
#[derive(Debug, Parser)]
#[command(
    name = "footprint",
    after_help = "Each (unit, N) runs in a fresh child process of this binary; sizes beyond the \
                  machine's limits are skipped with the limit named. Build with --release."
)]
struct Cli {
    /// Kinds of unit to hold, comma-separated [default: all]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "UNIT,...")]
    units: Vec<Unit>,
    /// How many units at once, comma-separated [default: tasks 10000,100000,1000000; threads
    /// 1000,10000,100000; processes 100,1000]
    #[arg(long, value_delimiter = ',', value_name = "N,...", value_parser = size, allow_negative_numbers = true)]
    sizes: Vec<u64>,
    /// Servers to hold N idle keep-alive connections to, by part of their name in any case, comma-separated
    /// (`all`, `tokio,hyper`) [default: all, unless --units is given; N: 1000,10000,20000]
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    servers: Vec<String>,
    /// How long each unit waits, in ms [default: long enough for all N to start first]
    #[arg(long = "hold-ms", value_name = "MS", value_parser = hold_ms, allow_negative_numbers = true)]
    hold_ms: Option<u64>,
    /// Where to write the markdown table [default: target/criterion/footprint.md]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Internal: hold the one size of --sizes of this unit here, and print what /proc says
    #[arg(long, hide = true, value_enum)]
    measure: Option<Unit>,
    /// Internal: with --measure, hold them with the bare primitive
    #[arg(long, hide = true)]
    bare: bool,
}

/// A size: no model runs more than taskset's `--tasks` limit of units at once.
fn size(s: &str) -> Result<u64, String> {
    let limit = taskset::params::TASKS.parse(s);
    limit.map_err(|e| format!("{e} (the most units any model holds: taskset's --tasks limit)"))
}

/// A hold: up to ten minutes.
fn hold_ms(s: &str) -> Result<u64, String> {
    latency::args::whole(s, 100, 600_000)
}

fn main() -> ExitCode {
    // This binary is also every child it starts: a multiprocess worker (which never returns
    // here), a bare child that sleeps, or a measuring child (`--measure`).
    multiprocess::worker::run_if_worker();
    if benches::bare::sleep_if_child() {
        return ExitCode::SUCCESS;
    }
    let cli: Cli = match latency::args::parse() {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    let who = if cli.bare { Who::Bare } else { Who::Model };
    let result = match (cli.measure, &cli.sizes[..]) {
        (Some(unit), &[n]) => measure_here(unit, who, n, unit.hold(n, cli.hold_ms)),
        (Some(_), _) => {
            eprintln!("error: --measure holds exactly one size: give one N with --sizes");
            return ExitCode::from(2);
        }
        (None, _) => run(&cli),
    };
    result.unwrap_or_else(|e| {
        // Not a refusal (those are exit 2, above and in `measure_here`): something failed.
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}

// ---- the measuring child: one (unit, who, N) in a fresh process ----

/// Prints what a measuring child saw, as one line of JSON.
fn print(measured: &Measured) {
    let line = serde_json::to_string(measured).expect("plain numbers");
    println!("{line}");
}

/// Holds the units and prints the figures as one line; a limit is one line and exit 2.
fn measure_here(unit: Unit, who: Who, n: u64, hold: Duration) -> anyhow::Result<ExitCode> {
    // Thousands of pipes (multiprocess) at once: raise the open-file limit, as servers do.
    taskset::sys::raise_nofile();
    // Generous: the hold, start-up and teardown of a million units, on a busy machine. Past it
    // this child ends itself, and the parent reads why.
    let deadline = hold * 3 + Duration::from_secs(120);
    thread::spawn(move || {
        thread::sleep(deadline);
        let secs = deadline.as_secs();
        eprintln!("the measuring child did not finish in {secs} s");
        std::process::exit(1);
    });
    let with_kids = unit == Unit::Processes;
    let done = Arc::new(AtomicBool::new(false));
    let (ready, baseline_taken) = mpsc::channel();
    let watching = Arc::clone(&done);
    // The watcher is a thread of its own, started before the baseline so that it is in it: it
    // samples /proc while this thread is busy holding the units, and reads the figures once all
    // of them have started and the process has gone quiet.
    let watcher = thread::spawn(move || {
        let first = probe::sample(with_kids);
        let before = probe::figures(with_kids);
        let _ = ready.send(());
        // All started: a thread or a child per unit, and resident memory grown by a few bytes each.
        let (threads, kids) = match unit {
            Unit::Threads => (first.threads + n, 0),
            Unit::Processes => (0, n),
            _ => (0, 0),
        };
        let started = |s: &probe::Sample| {
            s.threads >= threads && s.kids >= kids && s.rss >= first.rss + 64 * n
        };
        let (idle, idle_after) = probe::wait_idle(started, with_kids, &watching)?;
        let measured = Measured {
            before,
            idle,
            idle_after,
        };
        if !with_kids {
            // Tasks and threads live in this process only: once measured, it exits at once and
            // the OS takes everything back, instead of waiting out the hold (a million tasks
            // take as long to end as to start). Child processes are waited for instead, so
            // that none is left behind.
            print(&measured);
            std::process::exit(0);
        }
        Some(measured)
    });
    baseline_taken.recv().context("the watcher thread died")?;
    let held = units::hold(unit, who, n, hold);
    done.store(true, Ordering::Release);
    let measured = watcher
        .join()
        .map_err(|_| anyhow!("the watcher panicked"))?;
    match (held, measured) {
        // A machine limit: one line and exit 2, as the models refuse a size.
        (Err(e), _) if !e.is_failure() => {
            eprintln!("{e}");
            Ok(ExitCode::from(2))
        }
        (Err(e), _) => bail!(e),
        (Ok(()), None) => bail!(
            "the units ended before all {n} were started and quiet (hold {} ms): raise --hold-ms",
            hold.as_millis()
        ),
        (Ok(()), Some(measured)) => {
            print(&measured);
            Ok(ExitCode::SUCCESS)
        }
    }
}

// ---- the parent: every (unit, N), each in a fresh child, then the table ----

/// Runs every (unit, N, who) in a child, prints and writes the table; exit 0 if all went well,
/// 2 if nothing could be measured, 1 if a child failed.
fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let (chosen, servers) = match (cli.units.is_empty(), cli.servers.is_empty()) {
        (true, true) => (Unit::all().to_vec(), vec!["all".to_string()]),
        _ => (cli.units.clone(), cli.servers.clone()),
    };
    let servers = match conns::chosen(&servers) {
        Ok(servers) => servers,
        Err(e) => {
            eprintln!("footprint: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let default = || benches::provenance::results_dir().join("footprint.md");
    let out = cli.out.clone().unwrap_or_else(default);
    let mut file = match open_out(&out) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: --out {}: cannot write there: {e}", out.display());
            return Ok(ExitCode::from(2));
        }
    };
    let mut r = Results::default();
    for unit in chosen {
        let sizes = match &cli.sizes[..] {
            [] => unit.default_sizes(),
            sizes => sizes,
        };
        r.unit(unit, sizes, cli.hold_ms);
    }
    let held = match servers.is_empty() {
        true => String::new(),
        false => conns::table(&servers, &cli.sizes, &mut r.failed),
    };
    // Only servers asked for: no unit table.
    let mut md = match r.rows.is_empty() && r.skipped.is_empty() {
        true => String::new(),
        false => table::markdown(&r.rows, &r.skipped),
    };
    md.push_str(&held);
    for why in &r.failed {
        let _ = writeln!(md, "- FAILED: {why}");
    }
    let written = file.set_len(0).and_then(|()| file.write_all(md.as_bytes()));
    written.with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("table written to {}", out.display());
    // Written first: a closed stdout (`| head`) ends the program here, quietly.
    taskset::out::line(&md);
    Ok(
        match (r.failed.is_empty(), r.rows.is_empty() && held.is_empty()) {
            (false, _) => ExitCode::FAILURE,
            (true, true) => ExitCode::from(2),
            (true, false) => ExitCode::SUCCESS,
        },
    )
}

/// The table's file, opened (its folder made) before anything is measured: an `--out` that
/// cannot be written is refused at once, not after minutes of measuring.
fn open_out(out: &Path) -> std::io::Result<File> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Not emptied yet: an earlier table stays whole until this run has one to put in its place.
    File::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(out)
}

/// What the measuring children found: rows, sizes skipped (with why) and failures.
#[derive(Default)]
struct Results {
    rows: Vec<Row>,
    skipped: Vec<String>,
    failed: Vec<String>,
}

impl Results {
    /// Measures `unit` at each size once, smallest first; once one is refused, the larger are
    /// skipped, each said at once (stderr) and kept, with why, for the table's notes.
    fn unit(&mut self, unit: Unit, sizes: &[u64], hold_ms: Option<u64>) {
        let mut refused: Option<u64> = None;
        for n in BTreeSet::from_iter(sizes.iter().copied()) {
            let why = match refused {
                Some(m) => Some(format!("{} {}s did not fit already", count(m), unit.kind())),
                None => too_big(&self.rows, unit, n),
            };
            let why = why.or_else(|| self.pair(unit, n, unit.hold(n, hold_ms)).err());
            if let Some(why) = why {
                let line = format!("{} × {}: skipped: {why}", count(n), unit.kind());
                eprintln!("{line}");
                self.skipped.push(line);
                refused = refused.or(Some(n));
            }
        }
    }

    /// Measures the bare primitive, then the model, at N; the machine's line if it refused N.
    fn pair(&mut self, unit: Unit, n: u64, hold: Duration) -> Result<(), String> {
        for who in [Who::Bare, Who::Model] {
            let what = format!("{} × {}, {}", count(n), unit.kind(), unit.holder(who));
            eprint!("{what}: ");
            match in_child(unit, who, n, hold) {
                Ok(measured) => {
                    let row = Row {
                        unit,
                        who,
                        n,
                        measured,
                    };
                    let idle = measured.idle_after.as_secs_f64();
                    let per_unit = bytes(row.per_unit());
                    eprintln!("{per_unit} per unit (all idle after {idle:.1}s)");
                    self.rows.push(row);
                }
                Err(line) if !line.is_failure() => {
                    eprintln!("refused");
                    return Err(line.to_string());
                }
                Err(why) => {
                    eprintln!("failed: {why}");
                    self.failed.push(format!("{what}: {why}"));
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// Refuses a size that, at the bytes per unit already measured at a smaller N, would not fit in
/// the memory available now (with a quarter to spare).
fn too_big(rows: &[Row], unit: Unit, n: u64) -> Option<String> {
    let per_unit = (rows.iter().filter(|r| r.unit == unit))
        .map(|r| (r.measured.held() + r.measured.outside_rss()) as f64 / r.n as f64)
        .fold(0.0, f64::max);
    let available = benches::proc::Fields::of("/proc/meminfo").get("MemAvailable:") as f64;
    let need = per_unit * n as f64 * 1.25;
    (available > 0.0 && need > available).then(|| {
        let (need, per_unit, available) = (bytes(need), bytes(per_unit), bytes(available));
        format!("would need about {need} ({per_unit} per unit as measured at a smaller N), and MemAvailable is {available}")
    })
}

/// Starts this binary as a measuring child for (unit, who, N) and reads its figures; a limit or
/// a refused size is its one line.
fn in_child(unit: Unit, who: Who, n: u64, hold: Duration) -> Result<Measured, Error> {
    let exe = std::env::current_exe().map_err(|e| Error::failed(e.to_string()))?;
    let mut child = Command::new(exe);
    let (n, ms) = (n.to_string(), hold.as_millis().to_string());
    child.args(["--measure", &unit.name(), "--sizes", &n, "--hold-ms", &ms]);
    child.args((who == Who::Bare).then_some("--bare"));
    // `output` reads both pipes while it waits, so a full pipe never stalls the child.
    let out = child.stdin(Stdio::null()).output();
    let out = out.map_err(|e| Error::failed(format!("cannot start a measuring child: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last_err = String::from_utf8_lossy(&out.stderr);
    let last_err = last_err.lines().last().unwrap_or("").to_string();
    let status = out.status;
    match status.code() {
        Some(0) => stdout
            .lines()
            .find_map(|l| serde_json::from_str::<Measured>(l).ok())
            .ok_or_else(|| Error::failed(format!("no figures in the child's output: {stdout:?}"))),
        Some(2) => Err(Error::refused(last_err)),
        _ => Err(Error::failed(format!(
            "the measuring child ended with {status}: {last_err}"
        ))),
    }
}
