//! The command line every model shares: scenarios, flags, their limits, and the one-line errors.
//!
//! Every crate's binary is `taskset::cli::main(SPEC, make_model)`, so `--help`, the limits and the
//! error lines are the same in all five crates. A flag that a model or a scenario cannot use is
//! refused with a line that says who does use it, never silently ignored.

use std::ffi::OsString;
use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::model::{Model, ModelSpec};
use crate::runner;

/// The scenarios of the task set, in tour order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Scenario {
    /// Tasks A and B: start, wait D, finish (the seed's first examples)
    Hello,
    /// Tasks A, B and C, all awaited together (the seed's `asyncio.gather`)
    Gather,
    /// `fetch_data(i)` for i in 1..=N; results come back in input order
    Fetch,
    /// `risky_task` fails and is caught; then of N tasks one fails and one panics
    Errors,
    /// The gather scenario with a blocking sleep inside each task
    Blocking,
    /// Task C outlives the deadline and is stopped; A and B complete
    Timeout,
    /// N requests that wait D (a timer, or a loopback TCP request with --net)
    Io,
    /// N jobs of the shared CPU kernel, W units of work each
    Cpu,
}

impl Scenario {
    /// Every scenario, in the order the tour runs them.
    pub const ALL: [Scenario; 8] = [
        Scenario::Hello,
        Scenario::Gather,
        Scenario::Fetch,
        Scenario::Errors,
        Scenario::Blocking,
        Scenario::Timeout,
        Scenario::Io,
        Scenario::Cpu,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Hello => "hello",
            Scenario::Gather => "gather",
            Scenario::Fetch => "fetch",
            Scenario::Errors => "errors",
            Scenario::Blocking => "blocking",
            Scenario::Timeout => "timeout",
            Scenario::Io => "io",
            Scenario::Cpu => "cpu",
        }
    }

    /// The flags this scenario reads (the model may accept more, e.g. `--runtime` everywhere).
    pub fn uses(self, flag: Flag) -> bool {
        use Flag::*;
        if flag == Timeline {
            return true;
        }
        match self {
            Scenario::Hello | Scenario::Gather | Scenario::Blocking => matches!(flag, DelayMs),
            Scenario::Fetch | Scenario::Errors => matches!(flag, Tasks | DelayMs),
            Scenario::Timeout => matches!(flag, DelayMs | TimeoutMs),
            Scenario::Io => matches!(flag, Tasks | DelayMs | Workers | Net | Server),
            Scenario::Cpu => matches!(flag, Tasks | Work | Workers),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The async runtimes that `--runtime` selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, ValueEnum)]
pub enum Runtime {
    /// tokio: the most used runtime (default)
    #[default]
    Tokio,
    /// async-std: discontinued upstream in 2025 (RUSTSEC-2025-0052), kept as the legacy runtime
    AsyncStd,
    /// smol: small executors you compose; async-std's recommended successor
    Smol,
}

impl Runtime {
    /// Every runtime, in the order the async crates are tested and compared.
    pub const ALL: [Runtime; 3] = [Runtime::Tokio, Runtime::AsyncStd, Runtime::Smol];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::AsyncStd => "async-std",
            Runtime::Smol => "smol",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The flags of the task set; a model says which of the optional ones it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// `--tasks N`
    Tasks,
    /// `--delay-ms D`
    DelayMs,
    /// `--work W`
    Work,
    /// `--timeout-ms T`
    TimeoutMs,
    /// `--workers P`: pool size (threads, processes, executor threads)
    Workers,
    /// `--runtime tokio|async-std|smol`
    Runtime,
    /// `--net`: real loopback TCP requests in `io`
    Net,
    /// `--server ADDR`: a latency server already running, for `io --net`
    Server,
    /// `--timeline FILE.svg`: draw what the model did
    Timeline,
}

impl Flag {
    /// The flag as typed.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Tasks => "--tasks",
            Flag::DelayMs => "--delay-ms",
            Flag::Work => "--work",
            Flag::TimeoutMs => "--timeout-ms",
            Flag::Workers => "--workers",
            Flag::Runtime => "--runtime",
            Flag::Net => "--net",
            Flag::Server => "--server",
            Flag::Timeline => "--timeline",
        }
    }
}

/// An inclusive range a numeric flag must fall in; its message names the flag and the range.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// The flag it limits.
    pub flag: Flag,
    /// The smallest value accepted.
    pub min: u64,
    /// The largest value accepted.
    pub max: u64,
}

/// `--tasks`: at most a million tasks, enough for the C10k and 100k-timer runs.
pub const TASKS: Limit = Limit {
    flag: Flag::Tasks,
    min: 1,
    max: 1_000_000,
};
/// `--delay-ms`: up to one hour.
pub const DELAY_MS: Limit = Limit {
    flag: Flag::DelayMs,
    min: 0,
    max: 3_600_000,
};
/// `--work`: kernel units per CPU job (one unit is about a millisecond on one core).
pub const WORK: Limit = Limit {
    flag: Flag::Work,
    min: 1,
    max: 100_000,
};
/// `--timeout-ms`: up to one hour.
pub const TIMEOUT_MS: Limit = Limit {
    flag: Flag::TimeoutMs,
    min: 1,
    max: 3_600_000,
};
/// `--workers`: the models check the machine's own limits on top of this one.
pub const WORKERS: Limit = Limit {
    flag: Flag::Workers,
    min: 1,
    max: 10_000,
};

impl Limit {
    /// Parses a whole number inside the limit, or says which numbers are accepted.
    pub fn parse(&self, text: &str) -> Result<u64, String> {
        let range = format!("a whole number from {} to {}", self.min, self.max);
        match text.trim().parse::<u64>() {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
            _ => Err(format!("expected {range}")),
        }
    }
}

fn tasks(s: &str) -> Result<u64, String> {
    TASKS.parse(s)
}
fn delay_ms(s: &str) -> Result<u64, String> {
    DELAY_MS.parse(s)
}
fn work(s: &str) -> Result<u64, String> {
    WORK.parse(s)
}
fn timeout_ms(s: &str) -> Result<u64, String> {
    TIMEOUT_MS.parse(s)
}
fn workers(s: &str) -> Result<u64, String> {
    WORKERS.parse(s)
}

/// What the user typed: every flag optional, so that defaults can depend on the scenario.
#[derive(Clone, Debug, Default, Parser)]
#[command(
    after_help = "Without a scenario, the tour runs every scenario in order with the seed's delays \
                  (2 s tasks, 1 s risky task) and ends with a table of elapsed times.\n\
                  Flags a scenario does not use are refused, not ignored."
)]
pub struct Flags {
    /// The scenario to run; without one, the tour runs them all
    #[arg(value_enum)]
    pub scenario: Option<Scenario>,
    /// Number of tasks, requests or jobs [default: fetch 3, errors 4, io 100, cpu 8]
    #[arg(long, value_name = "N", value_parser = tasks, allow_negative_numbers = true)]
    pub tasks: Option<u64>,
    /// How long each task waits, in milliseconds [default: 2000; io: 100]
    #[arg(long = "delay-ms", value_name = "D", value_parser = delay_ms, allow_negative_numbers = true)]
    pub delay_ms: Option<u64>,
    /// Units of CPU work per job (one unit is about 1 ms on one core) [default: 20]
    #[arg(long, value_name = "W", value_parser = work, allow_negative_numbers = true)]
    pub work: Option<u64>,
    /// Deadline of the timeout scenario, in milliseconds [default: 2·D]
    #[arg(long = "timeout-ms", value_name = "T", value_parser = timeout_ms, allow_negative_numbers = true)]
    pub timeout_ms: Option<u64>,
    /// Pool size: worker threads or processes [default: the number of cores]
    #[arg(long, value_name = "P", value_parser = workers, allow_negative_numbers = true)]
    pub workers: Option<u64>,
    /// Async runtime [default: tokio]
    #[arg(long, value_enum, value_name = "RUNTIME")]
    pub runtime: Option<Runtime>,
    /// io: make each request a real TCP request to a loopback latency server
    #[arg(long)]
    pub net: bool,
    /// io --net: use this latency server instead of starting one (see `latency-server`)
    #[arg(long, value_name = "ADDR")]
    pub server: Option<std::net::SocketAddr>,
    /// Write a timeline of the run (one lane per task) to this SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<std::path::PathBuf>,
}

impl Flags {
    /// The flags that were given, for the checks against the model and the scenario.
    pub fn given(&self) -> Vec<Flag> {
        let mut given = Vec::new();
        let mut add = |is: bool, flag| {
            if is {
                given.push(flag)
            }
        };
        add(self.tasks.is_some(), Flag::Tasks);
        add(self.delay_ms.is_some(), Flag::DelayMs);
        add(self.work.is_some(), Flag::Work);
        add(self.timeout_ms.is_some(), Flag::TimeoutMs);
        add(self.workers.is_some(), Flag::Workers);
        add(self.runtime.is_some(), Flag::Runtime);
        add(self.net, Flag::Net);
        add(self.server.is_some(), Flag::Server);
        add(self.timeline.is_some(), Flag::Timeline);
        given
    }
}

/// The parameters of one scenario run, every default resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Which scenario these are for.
    pub scenario: Scenario,
    /// N: tasks, requests or jobs.
    pub tasks: u64,
    /// D: how long each task waits.
    pub delay: Duration,
    /// W: kernel units per CPU job.
    pub work: u64,
    /// T: the deadline of the timeout scenario.
    pub timeout: Duration,
    /// P: pool size, if given (see [`Params::pool`]).
    pub workers: Option<u64>,
    /// The async runtime (async crates only).
    pub runtime: Runtime,
    /// `io`: real loopback TCP instead of timers.
    pub net: bool,
    /// `io --net`: the latency server to send each request to (the runner starts one when
    /// `--net` is given without `--server`).
    pub server: Option<std::net::SocketAddr>,
    /// Where to draw the run's timeline, if anywhere.
    pub timeline: Option<std::path::PathBuf>,
    /// `fetch`: make later ids finish first (id i waits D·(N+1−i)/N), so that the order of the
    /// results shows whether a model keeps input order. Off on the command line (the seed's
    /// fetches all wait D); the conformance suite turns it on.
    pub stagger: bool,
}

/// The seed's delay: every task waits 2 s.
pub const SEED_DELAY: Duration = Duration::from_secs(2);

impl Params {
    /// The defaults of one scenario (the seed's delays).
    pub fn of(scenario: Scenario) -> Params {
        let delay = match scenario {
            Scenario::Io => Duration::from_millis(100),
            _ => SEED_DELAY,
        };
        let tasks = match scenario {
            Scenario::Fetch => 3,
            Scenario::Errors => 4,
            Scenario::Io => 100,
            Scenario::Cpu => 8,
            Scenario::Hello => 2,
            Scenario::Gather | Scenario::Blocking | Scenario::Timeout => 3,
        };
        Params {
            scenario,
            tasks,
            delay,
            work: 20,
            timeout: delay * 2,
            workers: None,
            runtime: Runtime::default(),
            net: false,
            server: None,
            timeline: None,
            stagger: false,
        }
    }

    /// The parameters of `scenario` with the user's flags applied over its defaults.
    pub fn from_flags(scenario: Scenario, flags: &Flags) -> Result<Params, String> {
        let mut p = Params::of(scenario);
        if let Some(n) = flags.tasks {
            p.tasks = n;
        }
        if let Some(d) = flags.delay_ms {
            p = p.delay_ms(d);
        }
        if let Some(w) = flags.work {
            p.work = w;
        }
        if let Some(t) = flags.timeout_ms {
            p.timeout = Duration::from_millis(t);
        }
        p.workers = flags.workers.or(p.workers);
        if let Some(r) = flags.runtime {
            p.runtime = r;
        }
        p.net = flags.net;
        p.server = flags.server;
        p.timeline = flags.timeline.clone();
        if scenario == Scenario::Errors && p.tasks < 3 {
            return Err(format!(
                "--tasks for errors must be from 3 to {} (task 2 fails and task 3 panics)",
                TASKS.max
            ));
        }
        Ok(p)
    }

    /// Sets N.
    pub fn tasks(mut self, n: u64) -> Params {
        self.tasks = n;
        self
    }

    /// Sets D (and the timeout's default deadline, 2·D).
    pub fn delay_ms(mut self, ms: u64) -> Params {
        self.delay = Duration::from_millis(ms);
        self.timeout = self.delay * 2;
        self
    }

    /// Sets W.
    pub fn work(mut self, w: u64) -> Params {
        self.work = w;
        self
    }

    /// Sets P.
    pub fn workers(mut self, p: u64) -> Params {
        self.workers = Some(p);
        self
    }

    /// P: the pool size given, or the number of cores.
    pub fn pool(&self) -> u64 {
        self.workers.unwrap_or(crate::sys::cores() as u64)
    }

    /// Sets the async runtime.
    pub fn runtime(mut self, r: Runtime) -> Params {
        self.runtime = r;
        self
    }

    /// Turns on `fetch`'s staggered delays (later ids finish first).
    pub fn stagger(mut self) -> Params {
        self.stagger = true;
        self
    }

    /// The task names of hello, gather, blocking and timeout: A, B, C…
    pub fn names(&self) -> Vec<String> {
        (0..self.tasks)
            .map(|i| char::from(b'A' + (i % 26) as u8).to_string())
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
    let command = Flags::command().name(spec.name).about(spec.about);
    let matches = command.try_get_matches_from(args).map_err(clap_refusal)?;
    let flags = Flags::from_arg_matches(&matches).map_err(clap_refusal)?;
    for flag in flags.given() {
        let model_takes = match flag {
            Flag::Workers | Flag::Runtime => spec.accepts.contains(&flag),
            _ => true,
        };
        if !model_takes {
            return Err(bad_input(format!(
                "{} is not used by {}: {}",
                flag.name(),
                spec.name,
                spec.refuses_because(flag)
            )));
        }
        match flags.scenario {
            Some(s) if flag != Flag::Runtime && !s.uses(flag) => {
                let users: Vec<&str> = Scenario::ALL
                    .iter()
                    .filter(|o| o.uses(flag))
                    .map(|o| o.name())
                    .collect();
                return Err(bad_input(format!(
                    "{} does not apply to {s} (used by: {})",
                    flag.name(),
                    users.join(", ")
                )));
            }
            None if matches!(
                flag,
                Flag::Tasks | Flag::TimeoutMs | Flag::Net | Flag::Server | Flag::Timeline
            ) =>
            {
                return Err(bad_input(format!(
                    "{} needs a scenario: the tour runs each scenario with its own default \
                     (the tour takes --delay-ms, --work and the model's own flags)",
                    flag.name()
                )));
            }
            _ => {}
        }
    }
    if flags.server.is_some() && !flags.net {
        return Err(bad_input(
            "--server needs --net (io --net --server ADDR)".to_string(),
        ));
    }
    if let Some(s) = flags.scenario {
        Params::from_flags(s, &flags).map_err(bad_input)?;
    }
    Ok(flags)
}

fn bad_input(message: String) -> Refusal {
    Refusal {
        message: format!("error: {message}"),
        code: 2,
    }
}

/// Keeps clap's first line (it names the flag and, through our parsers, the range) and drops the
/// usage block, so every error is one line; `--help` and `--version` pass through whole.
fn clap_refusal(err: clap::Error) -> Refusal {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = err.render().to_string();
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        return Refusal {
            message: text.trim_end().to_string(),
            code: 0,
        };
    }
    let mut line = text
        .lines()
        .next()
        .unwrap_or("error: bad arguments")
        .to_string();
    if let Some(ContextValue::Strings(valid)) = err.get(ContextKind::ValidValue) {
        line = format!("{line} (possible values: {})", valid.join(", "));
    }
    Refusal {
        message: line,
        code: 2,
    }
}

/// The whole binary of a model crate: parse, run the tour or one scenario, exit 0 or 2.
pub fn main<M: Model>(spec: ModelSpec, make: impl Fn(&Flags) -> M) -> ExitCode {
    // `io --net` runs the latency server in a child process: this same binary, re-executed.
    if latency::serve_if_child() {
        return ExitCode::SUCCESS;
    }
    runner::install_panic_hook();
    let flags = match parse(&spec, std::env::args_os()) {
        Ok(flags) => flags,
        Err(refusal) => {
            if refusal.code == 0 {
                println!("{}", refusal.message);
            } else {
                eprintln!("{}", refusal.message);
            }
            return ExitCode::from(refusal.code);
        }
    };
    let model = make(&flags);
    let result = match flags.scenario {
        Some(s) => runner::run_one(&model, &Params::from_flags(s, &flags).expect("checked")),
        None => runner::tour(&model, &flags),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
