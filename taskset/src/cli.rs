//! The top layer: the command line every model shares, its help, and the one-line errors.
//!
//! Every crate's binary is `taskset::cli::main(&SPEC, make_model)`. The flags, their ranges and the
//! error lines are the same in all five crates; each crate's `--help` lists only the flags it
//! accepts, with their ranges and defaults. A flag that a model or a scenario cannot use is refused
//! with a line that says who does use it, never silently ignored.

use std::ffi::OsString;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::model::{Model, ModelSpec};
use crate::params::{
    DELAY_MS, Flag, IO_DELAY, Limit, PORT, Params, Runtime, SEED_DELAY, Scenario, TASKS,
    TIMEOUT_MS, WORK, WORKERS,
};
use crate::{runner, timeline};

/// Exit statuses, as `--help` states them.
const EXIT_STATUSES: &str = "Exit status: 0 when the run did what its scenario asks (the failures \
     that `errors` stages on purpose included); 1 when work failed (a request unanswered, a task \
     that died, a wrong result): the output is then not a result; 2 for bad input or a limit of the \
     machine, refused before anything ran.";

/// What the user typed: every flag optional, so that defaults can depend on the scenario.
#[derive(Clone, Debug, Default, Parser)]
pub struct Flags {
    /// The scenario to run; without one, the tour runs them all
    #[arg(value_enum)]
    pub scenario: Option<Scenario>,
    #[arg(long, value_name = "N", value_parser = |s: &str| TASKS.parse(s), allow_negative_numbers = true)]
    tasks: Option<u64>,
    #[arg(long = "delay-ms", value_name = "D", value_parser = |s: &str| DELAY_MS.parse(s), allow_negative_numbers = true)]
    delay_ms: Option<u64>,
    #[arg(long, value_name = "W", value_parser = |s: &str| WORK.parse(s), allow_negative_numbers = true)]
    work: Option<u64>,
    #[arg(long = "timeout-ms", value_name = "T", value_parser = |s: &str| TIMEOUT_MS.parse(s), allow_negative_numbers = true)]
    timeout_ms: Option<u64>,
    #[arg(long, value_name = "P", value_parser = |s: &str| WORKERS.parse(s), allow_negative_numbers = true)]
    workers: Option<u64>,
    /// Async runtime [default: tokio]
    #[arg(long, value_enum, value_name = "RUNTIME")]
    pub runtime: Option<Runtime>,
    /// io: make each request a real TCP request to a loopback latency server
    #[arg(long)]
    net: bool,
    /// io --net: use this latency server (HOST:PORT on this machine, e.g. localhost:7000)
    /// instead of starting one (see `latency-server`)
    #[arg(long, value_name = "ADDR", value_parser = loopback)]
    server: Option<SocketAddr>,
    #[arg(long, value_name = "FILE.svg")]
    timeline: Option<PathBuf>,
    #[arg(long, value_name = "PORT", value_parser = |s: &str| PORT.parse(s), allow_negative_numbers = true)]
    port: Option<u64>,
    /// serve: one single-threaded tokio runtime per core (or per --workers), each accepting on its
    /// own SO_REUSEPORT listener, no work stealing (actix-web's, glommio's and monoio's design)
    #[arg(long = "per-core")]
    per_core: bool,
}

/// `--help` for each numeric flag and `--timeline`, with the ranges from the limits themselves.
fn helps() -> [(&'static str, String); 7] {
    let range = |l: Limit| format!("{} to {}", l.min, l.max);
    [
        (
            "tasks",
            format!(
                "Number of tasks, requests or jobs, {} [default: fetch 3, errors 4, io 100, cpu 8]",
                range(TASKS)
            ),
        ),
        (
            "delay_ms",
            format!(
                "How long each task waits, in ms, {} [default: {}; io: {}; the tour scales io's \
                 by the same factor]",
                range(DELAY_MS),
                SEED_DELAY.as_millis(),
                IO_DELAY.as_millis()
            ),
        ),
        (
            "work",
            format!(
                "Units of CPU work per job, and of serve's /cpu (a unit is about 1 ms on one core), {} \
                 [default: 20]",
                range(WORK)
            ),
        ),
        (
            "timeout_ms",
            format!(
                "Deadline of the timeout scenario, in ms, {} [default: 2·D]",
                range(TIMEOUT_MS)
            ),
        ),
        (
            "workers",
            format!(
                "Pool size of io, cpu and serve (threads, processes or executor threads), {}, \
                 within what the machine allows [default: the number of cores]",
                range(WORKERS)
            ),
        ),
        (
            "port",
            format!(
                "serve: the loopback port to listen on, {}; 0 lets the OS pick one [default: 0]",
                range(PORT)
            ),
        ),
        (
            "timeline",
            format!(
                "Write a timeline of the run (one lane per task) to this SVG file; past {} lanes \
                 every k-th is drawn",
                crate::ctx::MAX_LANES
            ),
        ),
    ]
}

/// The command line of one model: its name, and only the flags it accepts in `--help`.
fn command(spec: &ModelSpec) -> clap::Command {
    let mut cmd = Flags::command()
        .name(spec.name)
        .about(spec.about)
        .after_help(format!(
            "Without a scenario, the tour runs every scenario in order with the seed's delays \
             (2 s tasks, 1 s risky task) and ends with a table of elapsed times.\n\
             Flags a scenario does not use are refused, not ignored.\n\n{EXIT_STATUSES}"
        ));
    for (id, help) in helps() {
        cmd = cmd.mut_arg(id, |a| a.help(help));
    }
    // Still parsed, so that using one gets the model's reason instead of "unexpected argument".
    for (flag, id) in [
        (Flag::Workers, "workers"),
        (Flag::Runtime, "runtime"),
        (Flag::PerCore, "per_core"),
    ] {
        if !spec.accepts.contains(&flag) {
            cmd = cmd.mut_arg(id, |a| a.hide(true));
        }
    }
    cmd
}

/// `--server HOST:PORT`: the first loopback address the name resolves to (`localhost` included).
fn loopback(text: &str) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("expected HOST:PORT of a latency server on this machine ({e})"))?
        .collect();
    // The fixture listens on 127.0.0.1 unless told otherwise: prefer IPv4 where a name has both.
    let mut local: Vec<SocketAddr> = addrs.into_iter().filter(|a| a.ip().is_loopback()).collect();
    local.sort_by_key(|a| !a.is_ipv4());
    local.first().copied().ok_or_else(|| {
        format!("{text} is not on this machine: the latency server is a loopback fixture")
    })
}

impl Flags {
    /// The flags that were given, for the checks against the model and the scenario.
    pub fn given(&self) -> Vec<Flag> {
        [
            (self.tasks.is_some(), Flag::Tasks),
            (self.delay_ms.is_some(), Flag::DelayMs),
            (self.work.is_some(), Flag::Work),
            (self.timeout_ms.is_some(), Flag::TimeoutMs),
            (self.workers.is_some(), Flag::Workers),
            (self.runtime.is_some(), Flag::Runtime),
            (self.net, Flag::Net),
            (self.server.is_some(), Flag::Server),
            (self.timeline.is_some(), Flag::Timeline),
            (self.port.is_some(), Flag::Port),
            (self.per_core, Flag::PerCore),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect()
    }

    /// The parameters of `scenario` with these flags applied over its defaults.
    pub fn params(&self, scenario: Scenario) -> Result<Params, String> {
        let mut p = Params::of(scenario);
        if let Some(n) = self.tasks {
            p.tasks = n;
        }
        if let Some(d) = self.delay_ms {
            p = p.delay_ms(d);
        }
        if let Some(w) = self.work {
            p.work = w;
        }
        if let Some(t) = self.timeout_ms {
            p.timeout = Duration::from_millis(t);
        }
        p.workers = self.workers;
        p.net = self.net;
        p.server = self.server;
        p.timeline = self.timeline.clone();
        p.port = self.port.unwrap_or(0) as u16;
        p.per_core = self.per_core;
        if scenario == Scenario::Timeout && p.timeout.is_zero() {
            return Err(
                "--delay-ms 0 gives the timeout scenario no deadline (T = 2·D = 0): \
                 give --timeout-ms, or a --delay-ms from 1"
                    .to_string(),
            );
        }
        if scenario == Scenario::Errors && p.tasks < 3 {
            return Err(format!(
                "--tasks for errors must be from 3 to {} (task 2 fails and task 3 panics)",
                TASKS.max
            ));
        }
        Ok(p)
    }

    /// The tour: every scenario with its defaults, `--delay-ms` scaling all the waits alike, so
    /// that a shorter delay makes the whole tour shorter (io's 100 ms is a twentieth of the seed's
    /// 2 s, and stays a twentieth of D).
    pub fn tour(&self) -> Result<Vec<Params>, String> {
        Scenario::ALL
            .into_iter()
            .map(|s| {
                if s == Scenario::Timeout && self.delay_ms == Some(0) {
                    return Err(
                        "--delay-ms 0 gives the tour's timeout scenario no deadline (T = \
                                2·D = 0): give a --delay-ms from 1, or run one scenario at D = 0"
                            .to_string(),
                    );
                }
                let mut p = self.params(s)?;
                if let (Scenario::Io, Some(d)) = (s, self.delay_ms) {
                    let scaled = IO_DELAY.as_millis() as u64 * d / SEED_DELAY.as_millis() as u64;
                    p = p.delay_ms(scaled);
                }
                Ok(p)
            })
            .collect()
    }
}

/// A refusal: one line for stderr and the exit status (2 for bad input, 0 for `--help`).
#[derive(Debug)]
pub struct Refusal {
    /// The text to print (one line for errors; the whole help for `--help`).
    pub message: String,
    /// The exit status.
    pub code: u8,
}

/// Parses the command line for a model, or says in one line why not.
pub fn parse<I, T>(spec: &ModelSpec, args: I) -> Result<Flags, Refusal>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = command(spec)
        .try_get_matches_from(args)
        .map_err(clap_refusal)?;
    let flags = Flags::from_arg_matches(&matches).map_err(clap_refusal)?;
    for flag in flags.given() {
        check_flag(spec, flags.scenario, flag).map_err(bad_input)?;
    }
    if flags.server.is_some() && !flags.net {
        return Err(bad_input(
            "--server needs --net (io --net --server ADDR)".to_string(),
        ));
    }
    if let Some(path) = &flags.timeline {
        timeline::check_path(path).map_err(bad_input)?;
    }
    match flags.scenario {
        Some(s) => flags.params(s).map(drop),
        None => flags.tour().map(drop),
    }
    .map_err(bad_input)?;
    Ok(flags)
}

/// Whether `flag` may be given to this model, in this scenario (or in the tour, for `None`).
fn check_flag(spec: &ModelSpec, scenario: Option<Scenario>, flag: Flag) -> Result<(), String> {
    let optional = matches!(flag, Flag::Workers | Flag::Runtime | Flag::PerCore);
    if optional && !spec.accepts.contains(&flag) {
        return Err(format!(
            "{} is not used by {}: {}",
            flag.name(),
            spec.name,
            spec.refuses_because(flag)
        ));
    }
    match scenario {
        Some(s) if flag != Flag::Runtime && !s.uses(flag) => {
            let users: Vec<&str> = Scenario::ALL
                .iter()
                .filter(|o| o.uses(flag))
                .map(|o| o.name())
                .collect();
            Err(format!(
                "{} does not apply to {s} (used by: {})",
                flag.name(),
                users.join(", ")
            ))
        }
        None if matches!(
            flag,
            Flag::Tasks
                | Flag::TimeoutMs
                | Flag::Net
                | Flag::Server
                | Flag::Timeline
                | Flag::Port
                | Flag::PerCore
        ) =>
        {
            Err(format!(
                "{} needs a scenario: the tour runs each scenario with its own default \
                 (the tour takes --delay-ms, --work and the model's own flags)",
                flag.name()
            ))
        }
        _ => Ok(()),
    }
}

fn bad_input(message: String) -> Refusal {
    Refusal {
        message: format!("error: {message}"),
        code: 2,
    }
}

/// clap's refusal as every binary of the workspace gives it (`latency::args`): one line, or the
/// help whole.
fn clap_refusal(err: clap::Error) -> Refusal {
    let (message, code) = latency::args::refusal(&err);
    Refusal { message, code }
}

/// The whole binary of a model crate: parse, run the tour or one scenario, and exit 0, or 1 when
/// work failed, or 2 when the input or the machine refused the run.
pub fn main<M: Model + Sync>(spec: &ModelSpec, make: impl Fn(&Flags) -> M) -> ExitCode {
    // `io --net` runs the latency server in a child process: this same binary, re-executed. That
    // fixture is written on tokio, so every model's binary links tokio for it, sync-basic's too;
    // the model's own code never calls it.
    if latency::serve_if_child() {
        return ExitCode::SUCCESS;
    }
    runner::install_panic_hook();
    let flags = match parse(spec, std::env::args_os()) {
        Ok(flags) => flags,
        Err(refusal) if refusal.code == 0 => {
            crate::say!("{}", refusal.message);
            return ExitCode::SUCCESS;
        }
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return ExitCode::from(refusal.code);
        }
    };
    let model = make(&flags);
    let result = match flags.scenario {
        Some(s) => runner::run_one(&model, &flags.params(s).expect("checked by parse")),
        None => runner::tour(&model, &flags.tour().expect("checked by parse")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}
