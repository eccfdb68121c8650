//! The bottom layer: the scenarios, the runtimes, the flags and their ranges, and [`Params`], the
//! parameters of one run with every default resolved.
//!
//! Nothing here prints, parses a command line or starts anything: the command line (`cli`) turns
//! what the user typed into a `Params`, and every model reads its scenario from one.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The scenarios of the task set, in tour order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
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
    /// An HTTP/1.1 server on loopback: GET /data/<id> waits D, GET /cpu/<id>?work=W computes
    Serve,
}

impl Scenario {
    /// Every scenario, in the order the tour runs them.
    pub const ALL: [Scenario; 9] = [
        Scenario::Hello,
        Scenario::Gather,
        Scenario::Fetch,
        Scenario::Errors,
        Scenario::Blocking,
        Scenario::Timeout,
        Scenario::Io,
        Scenario::Cpu,
        Scenario::Serve,
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
            Scenario::Serve => "serve",
        }
    }

    /// Whether this scenario reads `flag` (a model may take more: `--runtime` everywhere).
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
            Scenario::Serve => matches!(flag, DelayMs | Work | Workers | Port | PerCore),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The async runtimes that `--runtime` selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
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
    /// `--port P`: where `serve` listens (0: a port the OS picks)
    Port,
    /// `--per-core`: `serve` as one single-threaded runtime per core (async-concurrent on tokio)
    PerCore,
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
            Flag::Port => "--port",
            Flag::PerCore => "--per-core",
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
/// `--port`: any TCP port; 0 lets the OS pick one.
pub const PORT: Limit = Limit {
    flag: Flag::Port,
    min: 0,
    max: 65_535,
};
/// `--workers`: the models check the machine's own limits on top of this one.
pub const WORKERS: Limit = Limit {
    flag: Flag::Workers,
    min: 1,
    max: 10_000,
};

impl Limit {
    /// `a whole number from 1 to 1000000`: what the flag accepts, for errors and `--help`.
    pub fn range(&self) -> String {
        format!("a whole number from {} to {}", self.min, self.max)
    }

    /// Parses a whole number inside the limit: digits only (no sign, no spaces), as typed.
    pub fn parse(&self, text: &str) -> Result<u64, String> {
        latency::args::whole(text, self.min, self.max)
    }
}

/// The seed's delay: every task waits 2 s.
pub const SEED_DELAY: Duration = Duration::from_secs(2);

/// `io`'s own delay: the seed's API call of 100 ms.
pub const IO_DELAY: Duration = Duration::from_millis(100);

/// How long a `serve` connection has, from its last answer (or its start), until its next request
/// has come whole, before it is closed: hyper's default header timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// `io`: real loopback TCP instead of timers.
    pub net: bool,
    /// `io --net`: the latency server to send each request to (the runner starts one when
    /// `--net` is given without `--server`).
    pub server: Option<SocketAddr>,
    /// Where to draw the run's timeline, if anywhere.
    pub timeline: Option<PathBuf>,
    /// `serve`: the loopback port to listen on (0: the OS picks one).
    pub port: u16,
    /// `serve`: one single-threaded runtime per core, each with its own listener (`--per-core`).
    pub per_core: bool,
    /// `serve`: how long a connection may sit idle, or half-way through a request, before it is
    /// closed (`taskset::http::IDLE_TIMEOUT`; the tests shorten it).
    pub idle: Duration,
    /// `fetch`: make later ids finish first (id i waits D·(N+1−i)/N), so that the order of the
    /// results shows whether a model keeps input order. Off on the command line (the seed's
    /// fetches all wait D); the conformance suite turns it on.
    pub stagger: bool,
}

impl Params {
    /// The defaults of one scenario (the seed's delays).
    pub fn of(scenario: Scenario) -> Params {
        let delay = match scenario {
            Scenario::Io | Scenario::Serve => IO_DELAY,
            _ => SEED_DELAY,
        };
        let tasks = match scenario {
            Scenario::Fetch => 3,
            Scenario::Errors => 4,
            Scenario::Io => 100,
            Scenario::Cpu => 8,
            Scenario::Hello => 2,
            Scenario::Gather | Scenario::Blocking | Scenario::Timeout | Scenario::Serve => 3,
        };
        Params {
            scenario,
            tasks,
            delay,
            work: 20,
            timeout: delay * 2,
            workers: None,
            net: false,
            server: None,
            timeline: None,
            port: 0,
            per_core: false,
            idle: IDLE_TIMEOUT,
            stagger: false,
        }
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

    /// Sends `io`'s requests to the latency server at `addr`, over real sockets.
    pub fn net(mut self, addr: SocketAddr) -> Params {
        self.net = true;
        self.server = Some(addr);
        self
    }

    /// Turns on `fetch`'s staggered delays (later ids finish first).
    pub fn stagger(mut self) -> Params {
        self.stagger = true;
        self
    }

    /// P: the pool size given, or the number of cores.
    pub fn pool(&self) -> u64 {
        self.workers.unwrap_or(crate::sys::cores() as u64)
    }

    /// The task names of hello, gather, blocking and timeout: A, B, C…
    pub fn names(&self) -> Vec<String> {
        (0..self.tasks)
            .map(|i| char::from(b'A' + (i % 26) as u8).to_string())
            .collect()
    }
}
