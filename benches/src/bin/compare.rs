//! compare: one scenario, every model and runtime, one picture.
//!
//! Runs the same scenario with the same parameters in all five models (and the three runtimes of
//! the async crates), prints what each did as a table, and stacks their timelines on one time
//! axis in one SVG. With the seed's `hello` or `gather` this is the article's lesson in one image:
//! the sequential models draw a staircase, the concurrent ones a column.
//! A model that cannot run these parameters (a limit of the machine) says why on its row, and so
//! does one whose work failed (a request unanswered); the others still run, and compare ends with
//! a line naming them and exit status 1 if work failed, 2 if a model could not run.
//!
//! `cargo run -p benches --bin compare -- gather --delay-ms 300`
//! (`--timeline FILE.svg` to choose where the picture goes; every scenario flag works as in the models.)

use std::path::PathBuf;
use std::process::ExitCode;

use async_concurrent::model::AsyncConcurrent;
use async_sequential::model::AsyncSequential;
use multiprocess::model::Multiprocess;
use sync_basic::model::SyncBasic;
use taskset::cli::{self, Flags};
use taskset::runner::{self, Report};
use taskset::{
    Error, Event, EventKind, Expect, Flag, Model, ModelSpec, Order, Output, Params, Pool, Runtime,
    Scenario,
};
use taskset::{out, timeline};
use threads::model::Threads;

/// compare takes the scenario flags; it runs every runtime and its own pools, so not these two.
const SPEC: ModelSpec = ModelSpec {
    name: "compare",
    about: "Run one scenario in every model and runtime; print a table and stack their timelines",
    order: Order::Sequential,
    pool: Pool::Never,
    stalls: false,
    accepts: &[],
    refusals: &[
        (Flag::Runtime, "compare runs every runtime"),
        (
            Flag::Workers,
            "compare runs each model with its default pool (the number of cores)",
        ),
    ],
};

/// Every model, each async crate once per runtime: the rows of the comparison, in reading order.
fn models() -> Vec<Box<dyn Model + Sync>> {
    let mut all: Vec<Box<dyn Model + Sync>> = vec![Box::new(SyncBasic)];
    all.extend(Runtime::ALL.map(|r| Box::new(AsyncSequential::new(r)) as Box<dyn Model + Sync>));
    all.extend(Runtime::ALL.map(|r| Box::new(AsyncConcurrent::new(r)) as Box<dyn Model + Sync>));
    all.push(Box::new(Threads));
    all.push(Box::new(Multiprocess));
    all
}

/// What order the tasks of one phase ran in, read from the events: how many started before the
/// first one ended.
fn observed(events: &[Event]) -> String {
    let mut phases: Vec<(String, usize, Option<usize>)> = vec![(String::new(), 0, None)];
    for e in events {
        let (_, starts, first_end) = phases.last_mut().expect("one phase");
        match &e.kind {
            EventKind::Phase(title) => {
                let short = title.split(':').next().unwrap_or(title).trim().to_string();
                phases.push((short, 0, None));
            }
            EventKind::Started | EventKind::Fetching | EventKind::Asked => *starts += 1,
            EventKind::Finished
            | EventKind::Fetched
            | EventKind::Answered(_)
            | EventKind::Failed(_)
            | EventKind::Panicked(_)
            | EventKind::TimedOut
                if first_end.is_none() =>
            {
                *first_end = Some(*starts)
            }
            _ => {}
        }
    }
    let described: Vec<String> = phases
        .into_iter()
        .filter(|(_, starts, _)| *starts > 0)
        .map(|(name, starts, first_end)| {
            let order = match first_end.unwrap_or(starts) {
                1 if starts > 1 => "one after another".to_string(),
                k if k >= starts => "all at once".to_string(),
                k => format!("{k} at a time"),
            };
            if name.is_empty() {
                order
            } else {
                format!("{name}: {order}")
            }
        })
        .collect();
    if described.is_empty() {
        "(no task events)".to_string()
    } else {
        described.join(", ")
    }
}

/// Where the picture goes unless `--timeline` says: `target/timelines/compare-<scenario>.svg`.
fn default_path(p: &Params) -> PathBuf {
    let name = format!("compare-{}.svg", p.scenario);
    benches::provenance::target_dir()
        .join("timelines")
        .join(name)
}

fn main() -> ExitCode {
    // The multiprocess model re-executes this binary as its workers, and `io --net` as the
    // latency server.
    multiprocess::worker::run_if_worker();
    if latency::serve_if_child() {
        return ExitCode::SUCCESS;
    }
    runner::install_panic_hook();
    let flags: Flags = match cli::parse(&SPEC, std::env::args_os()) {
        Ok(flags) => flags,
        Err(refusal) if refusal.code == 0 => {
            out::line(&refusal.message);
            return ExitCode::SUCCESS;
        }
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return ExitCode::from(refusal.code);
        }
    };
    match run(&flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}

fn run(flags: &Flags) -> Result<(), Error> {
    let scenario = flags
        .scenario
        .ok_or_else(|| Error::refused("compare needs a scenario, e.g. `compare -- gather`"))?;
    let p = flags.params(scenario).map_err(Error::refused)?;
    // io --net: as each model's command line does, the limits checked for the model that holds
    // every request at once, and one latency server in a child process (unless --server names
    // one), which every model asks.
    let (p, _server) = runner::net_setup(&AsyncConcurrent::new(Runtime::Tokio), &p)?;
    out::line(&format!(
        "== {scenario} · {} · every model ==",
        runner::describe(&p)
    ));
    out::line(&format!(
        "{:<28} {:>8}   {:<22} what the events show",
        "model", "elapsed", "expected"
    ));
    let (mut groups, mut refused, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for model in models() {
        // serve runs until it is stopped: here, as in the tour, three clients ask it at once.
        let ran = match scenario {
            Scenario::Serve => runner::ask_at_once(model.as_ref(), &p, Output::Silent).map(|r| r.0),
            _ => runner::run(model.as_ref(), &p, Output::Record),
        };
        let report: Report = match ran {
            Ok(report) => report,
            Err(e) => {
                // The others still run, so the table compares what could run; the exit says not all did.
                out::line(&format!("{:<28} {:>8}   {e}", model.label(), "error"));
                match e.is_failure() {
                    true => failed.push(model.label()),
                    false => refused.push(model.label()),
                }
                continue;
            }
        };
        // Work that failed (a request unanswered, a wrong result) is said on its row.
        let failure = runner::failure(&report).map(|why| {
            failed.push(model.label());
            format!(" · FAILED: {why}")
        });
        let expect = Expect::of(model.spec(), &p);
        // cpu's ideal depends on the job time, which only the runner's baseline measures.
        let shown = match scenario {
            taskset::Scenario::Cpu => format!("≈ {}", expect.formula),
            _ => format!("≈ {} = {:.2}s", expect.formula, expect.ideal.as_secs_f64()),
        };
        out::line(&format!(
            "{:<28} {:>7.2}s   {:<22} {}{}",
            model.label(),
            report.elapsed.as_secs_f64(),
            shown,
            observed(&report.events),
            failure.unwrap_or_default()
        ));
        groups.push(timeline::group(
            &model.label(),
            &report.events,
            report.elapsed,
        ));
    }
    // A path the user gave is used as it is; the default one's folder is made if need be.
    let path = match p.timeline.clone() {
        Some(path) => path,
        None => {
            let path = default_path(&p);
            let dir = path.parent().expect("a folder under target");
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::refused(format!("cannot create {}: {e}", dir.display())))?;
            path
        }
    };
    let title = format!(
        "{scenario} in every model · {} · {}",
        runner::describe(&p),
        timeline::today()
    );
    timeline::render(&groups, &title, &path).map_err(Error::refused)?;
    out::line(&format!(
        "timelines of every model written to {}",
        path.display()
    ));
    let every = models().len();
    let not_all = |models: &[String], what| match models.len() {
        n if n == every => format!("every model {what} (the rows say why)"),
        _ => format!("{} {what} (its row says why)", models.join(", ")),
    };
    match (failed.is_empty(), refused.is_empty()) {
        (false, _) => Err(Error::failed(not_all(&failed, "failed"))),
        (true, false) => Err(Error::refused(not_all(&refused, "could not run"))),
        (true, true) => Ok(()),
    }
}
