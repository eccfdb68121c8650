//! footprint: how much memory one idle unit of each concurrency model costs — a task of each
//! async runtime, an OS thread, a process — beside the bare primitive under it.
//!
//! A unit costs memory for as long as it waits, and a server holds many that wait, so the figure
//! that matters is bytes per unit with N of them alive at once. For each kind of unit and each N,
//! this binary starts itself again as a fresh child process (a clean baseline), which reads its
//! RSS from `/proc`, starts N units that each wait on a timer (through the model crate's library,
//! or with the bare primitive), reads its RSS again once all N have started and gone quiet, and
//! prints the figures. The parent turns them into a markdown table (stdout and
//! `target/criterion/footprint.md`): RSS per unit, the ratio to the bare primitive, and the kernel
//! memory RSS leaves out. Sizes the machine cannot hold are skipped with the limit named.
//!
//! ```text
//! cargo run -p benches --release --bin footprint                          # everything, a few minutes
//! cargo run -p benches --release --bin footprint -- --units tokio,threads --sizes 1000,10000
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

mod probe;
mod table;
mod units;

use benches::plan::count;
use table::{Measured, Row, bytes};
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
    #[arg(long, value_delimiter = ',', value_name = "N,...", value_parser = size)]
    sizes: Vec<u64>,
    /// How long each unit waits, in ms [default: long enough for all N to start first]
    #[arg(long = "hold-ms", value_name = "MS", value_parser = hold_ms)]
    hold_ms: Option<u64>,
    /// Where to write the markdown table [default: target/criterion/footprint.md]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Internal: hold N units in this process and print what /proc says (UNIT:model|bare:N)
    #[arg(long, hide = true, value_name = "UNIT:WHO:N")]
    measure: Option<String>,
}

/// A size: no model runs more than taskset's `--tasks` limit of units at once.
fn size(s: &str) -> Result<u64, String> {
    taskset::cli::TASKS
        .parse(s)
        .map_err(|e| format!("{e} (the most units any model holds: taskset's --tasks limit)"))
}

/// A hold: up to ten minutes.
fn hold_ms(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(ms) if (100..=600_000).contains(&ms) => Ok(ms),
        _ => Err("expected a whole number of ms from 100 to 600000".to_string()),
    }
}

fn main() -> ExitCode {
    // This binary is also every child it starts: a multiprocess worker (which never returns
    // here), a bare child that sleeps, or a measuring child (`--measure`).
    multiprocess::worker::run_if_worker();
    if units::bare_child() {
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return refuse(&e),
    };
    let result = match &cli.measure {
        Some(spec) => measure_here(spec, cli.hold_ms),
        None => run(&cli),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Not a refusal (those are exit 2, above and in `measure_here`): something failed.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints clap's help whole, or the first line of its error only, and exits 0 or 2.
fn refuse(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        println!("{}", text.trim_end());
        return ExitCode::SUCCESS;
    }
    use clap::error::{ContextKind, ContextValue};
    let mut line = text
        .lines()
        .next()
        .unwrap_or("error: bad arguments")
        .to_string();
    if let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) {
        line = format!("{line} (possible values: {})", valid.join(", "));
    }
    eprintln!("{line}");
    ExitCode::from(2)
}

// ---- the measuring child: one (unit, who, N) in a fresh process ----

/// Holds the units of `spec` and prints the figures as one line; a limit is one line and exit 2.
fn measure_here(spec: &str, hold_ms: Option<u64>) -> anyhow::Result<ExitCode> {
    let (unit, who, n) = parse_spec(spec).with_context(|| format!("bad --measure {spec:?}"))?;
    let hold = hold_ms.map_or(unit.default_hold(n), Duration::from_millis);
    // Thousands of pipes (multiprocess) at once: raise the open-file limit, as servers do.
    taskset::sys::raise_nofile();
    let with_kids = unit.are_processes();
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
        let started = probe::Started {
            threads: if unit.are_threads() {
                first.threads + n
            } else {
                0
            },
            kids: if with_kids { n } else { 0 },
            rss: first.rss + 64 * n,
        };
        let (idle, idle_after) = probe::wait_idle(started, quiet(unit), with_kids, &watching)?;
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
            println!(
                "{}",
                serde_json::to_string(&measured).expect("plain numbers")
            );
            std::process::exit(0);
        }
        Some(measured)
    });
    baseline_taken.recv().context("the watcher thread died")?;
    let held = units::hold(unit, who, n, hold);
    done.store(true, Ordering::Release);
    let measured = watcher
        .join()
        .map_err(|_| anyhow::anyhow!("the watcher panicked"))?;
    match held {
        // A machine limit: one line and exit 2, as the models refuse a size.
        Err(units::Stop::Limit(why)) => {
            eprintln!("{why}");
            return Ok(ExitCode::from(2));
        }
        Err(units::Stop::Failed(why)) => bail!(why),
        Ok(()) => {}
    }
    let Some(measured) = measured else {
        bail!(
            "the units ended before all {n} were started and quiet (hold {} ms): raise --hold-ms",
            hold.as_millis()
        );
    };
    println!("{}", serde_json::to_string(&measured)?);
    Ok(ExitCode::SUCCESS)
}

/// How quiet the process must be before its figures count: processes take longer to settle.
fn quiet(unit: Unit) -> probe::Quiet {
    let (every, window) = if unit.are_processes() {
        (Duration::from_millis(100), Duration::from_millis(800))
    } else {
        (Duration::from_millis(20), Duration::from_millis(300))
    };
    probe::Quiet {
        every,
        window,
        max_ticks: 1,
    }
}

/// `tokio:bare:10000` → the unit, who holds it, and N.
fn parse_spec(spec: &str) -> Option<(Unit, Who, u64)> {
    use clap::ValueEnum;
    let mut parts = spec.split(':');
    let unit = Unit::from_str(parts.next()?, false).ok()?;
    let who = match parts.next()? {
        "model" => Who::Model,
        "bare" => Who::Bare,
        _ => return None,
    };
    let n = size(parts.next()?).ok()?;
    Some((unit, who, n))
}

// ---- the parent: every (unit, N), each in a fresh child, then the table ----

/// How a measuring child ended when it measured nothing.
enum Missed {
    /// A machine limit or a refused size: its one line.
    Refused(String),
    /// Anything else: what went wrong.
    Failed(String),
}

/// Runs every (unit, N, who) in a child, prints and writes the table; exit 0 if all went well,
/// 2 if nothing could be measured, 1 if a child failed.
fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let chosen = if cli.units.is_empty() {
        Unit::ALL.to_vec()
    } else {
        cli.units.clone()
    };
    let mut results = Results::default();
    for unit in chosen {
        let mut sizes = if cli.sizes.is_empty() {
            unit.default_sizes().to_vec()
        } else {
            cli.sizes.clone()
        };
        sizes.sort_unstable();
        sizes.dedup();
        results.unit(unit, &sizes, cli.hold_ms);
    }
    let Results {
        rows,
        skipped,
        failed,
    } = results;
    let mut md = table::markdown(&rows, &skipped, &table::notes(&rows));
    for why in &failed {
        md.push_str(&format!("- FAILED: {why}\n"));
    }
    println!("{md}");
    let out = cli.out.clone().unwrap_or_else(default_out);
    write(&out, &md)?;
    eprintln!("table written to {}", out.display());
    Ok(match (failed.is_empty(), rows.is_empty()) {
        (false, _) => ExitCode::FAILURE,
        (true, true) => ExitCode::from(2),
        (true, false) => ExitCode::SUCCESS,
    })
}

/// What the measuring children found: rows, sizes skipped (with why) and failures.
#[derive(Default)]
struct Results {
    rows: Vec<Row>,
    skipped: Vec<String>,
    failed: Vec<String>,
}

impl Results {
    /// Measures `unit` at each size, smallest first; once one is refused, the larger are skipped.
    fn unit(&mut self, unit: Unit, sizes: &[u64], hold_ms: Option<u64>) {
        let mut refused: Option<u64> = None;
        for &n in sizes {
            let why = match refused {
                Some(m) => Some(format!("{} {}s did not fit already", count(m), unit.kind())),
                None => too_big(&self.rows, unit, n),
            };
            let hold = hold_ms.map_or(unit.default_hold(n), Duration::from_millis);
            let fits = match why {
                Some(why) => self.skip(unit, n, &why),
                None => self.pair(unit, n, hold),
            };
            if !fits {
                refused = refused.or(Some(n));
            }
        }
    }

    /// Measures the bare primitive, then the model, at N; false if the machine refused N.
    fn pair(&mut self, unit: Unit, n: u64, hold: Duration) -> bool {
        for who in [Who::Bare, Who::Model] {
            eprint!("{} × {}, {}: ", count(n), unit.kind(), unit.holder(who));
            match in_child(unit, who, n, hold) {
                Ok(measured) => {
                    let row = Row {
                        unit,
                        who,
                        n,
                        measured,
                    };
                    let idle = measured.idle_after.as_secs_f64();
                    eprintln!(
                        "{} per unit (all idle after {idle:.1}s)",
                        bytes(row.per_unit())
                    );
                    self.rows.push(row);
                }
                Err(Missed::Refused(line)) => {
                    eprintln!("refused");
                    return self.skip(unit, n, &line);
                }
                Err(Missed::Failed(why)) => {
                    eprintln!("failed: {why}");
                    let what = format!("{} × {}, {}", count(n), unit.kind(), unit.holder(who));
                    self.failed.push(format!("{what}: {why}"));
                    return true;
                }
            }
        }
        true
    }

    /// Says at once (stderr) that N units of `unit` are skipped and why, and keeps the line for
    /// the table's notes; returns false, as the size did not fit.
    fn skip(&mut self, unit: Unit, n: u64, why: &str) -> bool {
        let line = format!("{} × {}: skipped: {why}", count(n), unit.kind());
        eprintln!("{line}");
        self.skipped.push(line);
        false
    }
}

/// Refuses a size that, at the bytes per unit already measured at a smaller N, would not fit in
/// the memory available now (with a quarter to spare).
fn too_big(rows: &[Row], unit: Unit, n: u64) -> Option<String> {
    let per_unit = rows
        .iter()
        .filter(|r| r.unit == unit)
        .map(|r| (r.measured.held() + r.measured.outside_rss()) as f64 / r.n as f64)
        .fold(0.0, f64::max);
    let available = benches::proc::Fields::of("/proc/meminfo").get("MemAvailable:") as f64;
    let need = per_unit * n as f64 * 1.25;
    (available > 0.0 && need > available).then(|| {
        format!(
            "would need about {} ({} per unit as measured at a smaller N), and MemAvailable is {}",
            bytes(need),
            bytes(per_unit),
            bytes(available)
        )
    })
}

/// Starts this binary as a measuring child for (unit, who, N) and reads its figures.
fn in_child(unit: Unit, who: Who, n: u64, hold: Duration) -> Result<Measured, Missed> {
    let who_name = if who == Who::Model { "model" } else { "bare" };
    let exe = std::env::current_exe().map_err(|e| Missed::Failed(e.to_string()))?;
    let mut child = Command::new(exe)
        .arg("--measure")
        .arg(format!("{}:{who_name}:{n}", unit.name()))
        .arg("--hold-ms")
        .arg(hold.as_millis().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Missed::Failed(format!("cannot start a measuring child: {e}")))?;
    // Read both pipes on threads while we wait, so a full pipe never stalls the child.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    // Generous: the hold, start-up and teardown of a million units, on a busy machine.
    let deadline = Instant::now() + hold * 3 + Duration::from_secs(120);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Missed::Failed(
                    "the measuring child did not finish in time".into(),
                ));
            }
        }
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let last_err = err.lines().last().unwrap_or("").to_string();
    match status.code() {
        Some(0) => out
            .lines()
            .find_map(|l| serde_json::from_str::<Measured>(l).ok())
            .ok_or_else(|| Missed::Failed(format!("no figures in the child's output: {out:?}"))),
        Some(2) => Err(Missed::Refused(last_err)),
        _ => Err(Missed::Failed(format!(
            "the measuring child ended with {status}: {last_err}"
        ))),
    }
}

/// `target/criterion/footprint.md`, in the target directory this binary was built in.
fn default_out() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // `target/release/footprint`: the target directory is two levels up.
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.to_path_buf())
        });
    target
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
        .join("footprint.md")
}

/// Writes `text` to `path`, creating its directory.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
