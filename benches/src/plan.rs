//! The plan: every workload, and every line drawn on it, one row each.
//!
//! The benches run from it (one criterion group per workload, one benchmark per line and size,
//! each result checked) and the report reads it (the tables, the chart, the bare primitive each
//! model is read against), so a line's name, sizes and floor are written once, here.
//!
//! A row of [`lines!`]: what the line is ([`Kind`]), the model it belongs to (its row in the
//! report and its colour in the chart; `-` for a bare primitive), its id (criterion's function id
//! and its name in the tables), the sizes N it runs at, a rough cost per unit in µs (criterion's
//! budget and the skip rule go by it), and one iteration: `|env, ctx| …`, the only place where the
//! benches call into a model crate. A `Bare` row is the floor of the `Conc` rows above it, up to
//! the previous `Bare` row, so each model sits right above the primitive it is read against.
//! Adding a model is one row per workload it runs in; adding a workload is one [`Workload`] and
//! one bench file of three lines (`benches/benches/*.rs`).

use std::time::Duration;

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use taskset::capacity::DEFAULT_STACK;
use taskset::{Ctx, Scenario};
use threads::rt::REQUEST_STACK;

use crate::bare;
use crate::harness::{Env, Runs};
use crate::out::{Out, Phase, pool_of_n, rayon, runner};

/// A workload: one criterion group, one bench file, one table of the report, one chart.
#[derive(Debug)]
pub struct Workload {
    /// The criterion group and the bench file: `io_timer`.
    pub name: &'static str,
    /// What one iteration does, in one line.
    pub about: &'static str,
    /// What one of the N is called: `request`.
    pub unit: &'static str,
    /// The scenario each model runs.
    pub scenario: Scenario,
    /// D: each unit's wait (zero where the units do not wait).
    pub delay: Duration,
    /// W: kernel units per job (cpu).
    pub work: u64,
    /// Whether the requests go to the latency server over loopback TCP.
    pub net: bool,
    /// What a line should take at best.
    pub ideal: Ideal,
    /// The size the report's glance quotes.
    pub headline: u64,
    /// The lines, in report order.
    pub lines: &'static [Line],
}

/// What a line should take at best, for its efficiency (ideal / median).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ideal {
    /// No ideal: the floor is the bare primitive (spawn).
    None,
    /// D where everything waits at once, N·D one after another.
    Wait,
    /// sync-basic's time spread over the cores (cpu).
    Cores,
}

/// What a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// sync-basic: one after another, the baseline every speedup is read against.
    Base,
    /// A model that runs its units one after another.
    Seq,
    /// A model that runs its units at once.
    Conc,
    /// The stall of `blocking`: spawned together, run one after another on one executor thread.
    Stall,
    /// A bare primitive, written as plainly as possible: the floor under the `Conc` rows above it.
    Bare,
}

/// The models, in the order of the report's rows; each keeps its colour in every chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// The blocking baseline.
    Sync,
    /// async-sequential on tokio: awaits one after another, on one thread.
    Seq,
    /// async-concurrent on tokio, on the runtime its `Model` would use.
    Tokio,
    /// async-concurrent on a multi-thread tokio runtime where the model would use one thread.
    TokioMt,
    /// async-concurrent on a current-thread tokio runtime where the model would use several.
    TokioCt,
    /// async-concurrent as thread-per-core tokio: a current-thread runtime and a listener per core.
    PerCore,
    /// async-concurrent on async-std (discontinued upstream: the legacy runtime).
    AsyncStd,
    /// async-concurrent on smol.
    Smol,
    /// The threads crate: a thread per unit, or its pool of P threads.
    Threads,
    /// The threads crate's rayon run.
    Rayon,
    /// The multiprocess crate: a process per unit, or a pool of processes.
    Processes,
}

impl Model {
    /// Every model, in report order.
    pub const ALL: [Model; 11] = {
        use Model::*;
        [
            Sync, Seq, Tokio, TokioMt, TokioCt, PerCore, AsyncStd, Smol, Threads, Rayon, Processes,
        ]
    };

    /// Its name in the report and the chart's legend.
    pub fn name(self) -> &'static str {
        match self {
            Model::Sync => "sync-basic",
            Model::Seq => "async-sequential (tokio)",
            Model::Tokio => "async-concurrent (tokio)",
            Model::TokioMt => "async-concurrent (tokio, multi-thread)",
            Model::TokioCt => "async-concurrent (tokio, current-thread)",
            Model::PerCore => "async-concurrent (tokio, thread-per-core)",
            Model::AsyncStd => "async-concurrent (async-std)",
            Model::Smol => "async-concurrent (smol)",
            Model::Threads => "threads",
            Model::Rayon => "threads (rayon)",
            Model::Processes => "multiprocess",
        }
    }
}

/// One iteration of a line: the env holds the runtimes, built once outside the measured loop;
/// the context holds the workload's parameters at N. What it returns is checked outside the clock.
pub type Run = fn(&Env<'_>, &Ctx) -> Out;

/// One line of a workload: a model run one way, or a bare primitive.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// What it is.
    pub kind: Kind,
    /// The model it belongs to (`None` for a bare primitive).
    pub model: Option<Model>,
    /// The criterion function id, and its name in the report: `async-concurrent (tokio)`.
    pub id: &'static str,
    /// The sizes N it runs at.
    pub sizes: &'static [u64],
    /// A rough cost per unit, to size criterion's budget before the first run.
    pub cost: Duration,
    /// One iteration.
    pub run: Run,
}

/// The rows of a workload, one line each (see the module doc for the columns).
macro_rules! lines {
    (@model -) => { None };
    (@model $m:ident) => { Some(Model::$m) };
    ($($kind:ident $model:tt $id:literal $sizes:tt $us:literal |$e:pat_param, $c:pat_param| $run:expr;)*) => {
        &[$(Line {
            kind: Kind::$kind,
            model: lines!(@model $model),
            id: $id,
            sizes: &$sizes,
            cost: Duration::from_micros($us),
            run: |$e: &Env<'_>, $c: &Ctx| Out::from($run),
        }),*]
    };
}

const N_TASKS: [u64; 4] = [100, 1_000, 10_000, 100_000];
const N_THREADS: [u64; 2] = [100, 1_000];
const N_PROCS: [u64; 2] = [10, 100];
/// multiprocess with a pool of N processes: about 25 ms per worker process to start.
const N_POOL: [u64; 2] = [10, 30];
/// Up to 3,000 connections at once: above `somaxconn` (4,096) SYN retries would set the time.
const N_NET: [u64; 3] = [100, 1_000, 3_000];
const N_JOBS: [u64; 2] = [8, 32];
const N_BLOCK: [u64; 2] = [3, 8];
/// Sequential I/O runs one request: N of them take N·D (the report scales it).
const N_ONE: [u64; 1] = [1];
/// Each `sleep(0)` of async-sequential waits for tokio's next timer tick (≈ 1 ms), one at a time.
const N_TICKS: [u64; 1] = [100];

/// Start and join N units that wait D = 0.
pub static SPAWN: Workload = Workload {
    name: "spawn",
    about: "start and join N units that wait D = 0 (`fetch` at D = 0)",
    unit: "unit",
    scenario: Scenario::Fetch,
    delay: Duration::ZERO,
    work: 0,
    net: false,
    ideal: Ideal::None,
    headline: 1_000,
    // The models' `fetch` runs on one executor thread (asyncio's loop); the multi-thread tokio
    // line shows what handing each task to another thread adds.
    lines: lines! {
        // kind model   id                                          N     µs/unit  one iteration
        Base Sync      "sync-basic"                               N_TASKS   0 |_, c| runner(&sync_basic::model::SyncBasic, c.params());
        Seq  Seq       "async-sequential (tokio)"                 N_TICKS 1100 |e, c| e.tokio_1.run(|_| async_sequential::fetch(c));
        Conc Tokio     "async-concurrent (tokio)"                 N_TASKS   1 |e, c| e.tokio_1.run(|rt| tokio_rt::fetch(rt, c));
        Bare -         "bare tokio::spawn (current-thread)"       N_TASKS   1 |e, c| e.tokio_1.run(|_| bare::tokio_spawn(c.params()));
        Conc TokioMt   "async-concurrent (tokio, multi-thread)"   N_TASKS   2 |e, c| e.tokio_p.run(|rt| tokio_rt::fetch(rt, c));
        Bare -         "bare tokio::spawn (multi-thread)"         N_TASKS   2 |e, c| e.tokio_p.run(|_| bare::tokio_spawn(c.params()));
        Conc AsyncStd  "async-concurrent (async-std)"             N_TASKS   1 |e, c| e.std_1.run(|rt| async_std_rt::fetch(rt, c));
        Bare -         "bare async_std spawn_local"               N_TASKS   1 |e, c| e.std_1.run(|_| bare::async_std_spawn_local(c.params()));
        Conc Smol      "async-concurrent (smol)"                  N_TASKS   1 |e, c| e.smol_1.run(|rt| smol_rt::fetch(rt, c));
        Bare -         "bare smol Executor::spawn (1 thread)"     N_TASKS   1 |e, c| e.smol_1.run(|ex| bare::smol_spawn(ex, c.params()));
        Conc Threads   "threads"                                  N_THREADS 110 |_, c| runner(&threads::model::Threads, c.params());
        Bare -         "bare thread::spawn"                       N_THREADS 110 |_, c| bare::threads_sleeping(c.params(), DEFAULT_STACK);
        Conc Processes "multiprocess"                             N_PROCS 3000 |_, c| runner(&multiprocess::model::Multiprocess, c.params());
        Bare -         "bare Command::spawn"                      N_PROCS 3000 |_, c| bare::processes_sleeping(c.params());
    },
};

/// N simulated requests of D each, on timers.
pub static IO_TIMER: Workload = Workload {
    name: "io_timer",
    about: "N simulated requests of D = 100 ms (timers)",
    unit: "request",
    scenario: Scenario::Io,
    delay: Duration::from_millis(100),
    work: 0,
    net: false,
    ideal: Ideal::Wait,
    headline: 10_000,
    // The models' `io` runs on one executor thread per core; a pool of N processes takes one
    // request each, all waiting at once, as threads and tasks do. The threads model gives each
    // request a 64 KiB stack (`REQUEST_STACK`), and so does its bare floor.
    lines: lines! {
        Base Sync      "sync-basic"                               N_ONE     0 |_, c| runner(&sync_basic::model::SyncBasic, c.params());
        Seq  Seq       "async-sequential (tokio)"                 N_ONE     0 |e, c| e.tokio_1.run(|_| async_sequential::io(c));
        Conc Tokio     "async-concurrent (tokio)"                 N_TASKS   2 |e, c| e.tokio_p.run(|rt| tokio_rt::io(rt, c));
        Bare -         "bare tokio timers"                        N_TASKS   2 |e, c| e.tokio_p.run(|_| bare::tokio_timers(c.params()));
        Conc AsyncStd  "async-concurrent (async-std)"             N_TASKS   2 |e, c| e.std_p.run(|rt| async_std_rt::io(rt, c));
        Bare -         "bare async-std timers"                    N_TASKS   2 |e, c| e.std_p.run(|_| bare::async_std_timers(c.params()));
        Conc Smol      "async-concurrent (smol)"                  N_TASKS   2 |e, c| e.smol_p.run(|rt| smol_rt::io(rt, c));
        Bare -         "bare smol timers"                         N_TASKS   2 |e, c| e.smol_p.run(|ex| bare::smol_timers(ex, c.params()));
        Conc Threads   "threads"                                  N_THREADS 110 |_, c| runner(&threads::model::Threads, c.params());
        Bare -         "bare thread::spawn + sleep"               N_THREADS 110 |_, c| bare::threads_sleeping(c.params(), REQUEST_STACK);
        Conc Processes "multiprocess (P=N)"                       N_POOL 25000 |_, c| runner(&multiprocess::model::Multiprocess, &pool_of_n(c));
        Bare -         "bare Command::spawn + sleep"              N_POOL  3000 |_, c| bare::processes_sleeping(c.params());
    },
};

/// N real loopback TCP requests to the latency server, answered after D.
pub static IO_NET: Workload = Workload {
    name: "io_net",
    about: "N real loopback TCP requests, the latency server answers each after D = 100 ms",
    unit: "request",
    scenario: Scenario::Io,
    delay: Duration::from_millis(100),
    work: 0,
    net: true,
    ideal: Ideal::Wait,
    headline: 1_000,
    lines: lines! {
        Base Sync      "sync-basic"                               N_ONE     0 |_, c| runner(&sync_basic::model::SyncBasic, c.params());
        Seq  Seq       "async-sequential (tokio)"                 N_ONE     0 |e, c| e.tokio_1.run(|_| async_sequential::io(c));
        Conc Tokio     "async-concurrent (tokio)"                 N_NET   110 |e, c| e.tokio_p.run(|rt| tokio_rt::io(rt, c));
        Bare -         "bare tokio TcpStream"                     N_NET   110 |e, c| e.tokio_p.run(|_| bare::tokio_tcp(c.params()));
        Conc AsyncStd  "async-concurrent (async-std)"             N_NET   110 |e, c| e.std_p.run(|rt| async_std_rt::io(rt, c));
        Bare -         "bare async-std TcpStream"                 N_NET   110 |e, c| e.std_p.run(|_| bare::async_std_tcp(c.params()));
        Conc Smol      "async-concurrent (smol)"                  N_NET   110 |e, c| e.smol_p.run(|rt| smol_rt::io(rt, c));
        Bare -         "bare smol Async<TcpStream>"               N_NET   110 |e, c| e.smol_p.run(|ex| bare::smol_tcp(ex, c.params()));
        Conc Threads   "threads"                                  N_THREADS 100 |_, c| runner(&threads::model::Threads, c.params());
        Bare -         "bare std TcpStream threads"               N_THREADS 100 |_, c| bare::std_tcp(c.params());
        Conc Processes "multiprocess (P=N)"                       N_POOL 25000 |_, c| runner(&multiprocess::model::Multiprocess, &pool_of_n(c));
    },
};

/// N jobs of the shared CPU kernel.
pub static CPU: Workload = Workload {
    name: "cpu",
    about: "N jobs of the shared kernel, W = 10 units each",
    unit: "job",
    scenario: Scenario::Cpu,
    delay: Duration::ZERO,
    work: 10,
    net: false,
    ideal: Ideal::Cores,
    headline: 8,
    // The pool of threads is started once, outside the measured loop, as rayon's is (`Env`).
    // threads' `cpu` runs its pool and then rayon, and times each itself: its rayon line is that
    // time (the crate has no rayon-only function).
    lines: lines! {
        Base Sync      "sync-basic"                               N_JOBS 10000 |_, c| runner(&sync_basic::model::SyncBasic, c.params());
        Seq  Seq       "async-sequential (tokio)"                 N_JOBS 10000 |e, c| e.tokio_1.run(|_| async_sequential::cpu(c));
        Seq  TokioCt   "async-concurrent (tokio, current-thread)" N_JOBS 10000 |e, c| e.tokio_1.run(|rt| tokio_rt::cpu(rt, c));
        Conc Tokio     "async-concurrent (tokio)"                 N_JOBS  5000 |e, c| e.tokio_p.run(|rt| tokio_rt::cpu(rt, c));
        Conc AsyncStd  "async-concurrent (async-std)"             N_JOBS  5000 |e, c| e.std_p.run(|rt| async_std_rt::cpu(rt, c));
        Conc Smol      "async-concurrent (smol)"                  N_JOBS  5000 |e, c| e.smol_p.run(|rt| smol_rt::cpu(rt, c));
        Conc Threads   "threads (pool)"                           N_JOBS  5000 |e, c| e.pool.run(c.params().tasks);
        Conc Rayon     "threads (rayon)"                          N_JOBS  5000 |_, c| rayon(runner(&threads::model::Threads, c.params()));
        Conc Processes "multiprocess"                             N_JOBS  5000 |_, c| runner(&multiprocess::model::Multiprocess, c.params());
        Bare -         "bare thread::scope"                       N_JOBS  5000 |_, c| bare::scope_jobs(c.params());
    },
};

/// N tasks that sleep with a blocking call: the stall, and its fix.
pub static BLOCKING: Workload = Workload {
    name: "blocking",
    about: "N tasks that each sleep D = 10 ms with a blocking call: the stall and its fix",
    unit: "task",
    scenario: Scenario::Blocking,
    delay: Duration::from_millis(10),
    work: 0,
    net: false,
    ideal: Ideal::Wait,
    headline: 8,
    // async-concurrent runs both phases in one run, on one executor thread (with more, the stall
    // would hold only some of them); each line reads its phase from the model's own marks.
    lines: lines! {
        Base Sync      "sync-basic"                               N_BLOCK 10000 |_, c| runner(&sync_basic::model::SyncBasic, c.params());
        Seq  Seq       "async-sequential (tokio)"                 N_BLOCK     0 |e, c| e.tokio_1.run(|_| async_sequential::blocking(c));
        Stall Tokio    "async-concurrent (tokio): stall"          N_BLOCK 10000 |e, c| Phase::Stall.of(c, |c| e.tokio_1.run(|rt| tokio_rt::blocking(rt, c)));
        Conc Tokio     "async-concurrent (tokio): fix"            N_BLOCK 10000 |e, c| Phase::Fix.of(c, |c| e.tokio_1.run(|rt| tokio_rt::blocking(rt, c)));
        Bare -         "bare tokio spawn_blocking"                N_BLOCK   100 |e, c| e.tokio_1.run(|_| bare::tokio_spawn_blocking(c.params()));
        Stall AsyncStd "async-concurrent (async-std): stall"      N_BLOCK 10000 |e, c| Phase::Stall.of(c, |c| e.std_1.run(|rt| async_std_rt::blocking(rt, c)));
        Conc AsyncStd  "async-concurrent (async-std): fix"        N_BLOCK 10000 |e, c| Phase::Fix.of(c, |c| e.std_1.run(|rt| async_std_rt::blocking(rt, c)));
        Bare -         "bare async-std spawn_blocking"            N_BLOCK   100 |e, c| e.std_1.run(|_| bare::async_std_spawn_blocking(c.params()));
        Stall Smol     "async-concurrent (smol): stall"           N_BLOCK 10000 |e, c| Phase::Stall.of(c, |c| e.smol_1.run(|rt| smol_rt::blocking(rt, c)));
        Conc Smol      "async-concurrent (smol): fix"             N_BLOCK 10000 |e, c| Phase::Fix.of(c, |c| e.smol_1.run(|rt| smol_rt::blocking(rt, c)));
        Bare -         "bare smol::unblock"                       N_BLOCK   100 |e, c| e.smol_1.run(|ex| bare::smol_unblock(ex, c.params()));
        Conc Threads   "threads"                                  N_BLOCK   100 |_, c| runner(&threads::model::Threads, c.params());
        Bare -         "bare thread::spawn + sleep"               N_BLOCK   100 |_, c| bare::threads_sleeping(c.params(), DEFAULT_STACK);
        Conc Processes "multiprocess"                             N_BLOCK  3000 |_, c| runner(&multiprocess::model::Multiprocess, c.params());
        Bare -         "bare Command::spawn + sleep"              N_BLOCK  3000 |_, c| bare::processes_sleeping(c.params());
    },
};

/// One server of the `serve` workload, in a process of its own (see `benches/benches/serve.rs`).
#[derive(Clone, Copy, Debug)]
pub struct Server {
    /// `Conc` holds every connection at once, `Base` and `Seq` serve one (or P) at a time, `Stall`
    /// blocks its event loop, `Bare` is the anchor the async models are read against (hyper).
    pub kind: Kind,
    /// The model it is (`None`: hyper and FastAPI, drawn as references).
    pub model: Option<Model>,
    /// Its name in the output and the report.
    pub id: &'static str,
    /// The connection counts C it runs at.
    pub conns: &'static [u64],
    /// How it starts.
    pub start: Start,
}

/// How a server starts.
#[derive(Clone, Copy, Debug)]
pub enum Start {
    /// A binary of the workspace, with these arguments (`{P}`: the cores).
    Bin(&'static str, &'static [&'static str]),
    /// `benches/python/fastapi_app.py` under uvicorn; its `/data` routes under this prefix.
    Uvicorn(&'static str),
}

/// The rows of the `serve` workload (kind, model, id, C, how it starts).
macro_rules! servers {
    (@model -) => { None };
    (@model $m:ident) => { Some(Model::$m) };
    (@start bin $bin:literal $args:expr) => { Start::Bin($bin, &$args) };
    (@start uvicorn $prefix:literal) => { Start::Uvicorn($prefix) };
    ($($kind:ident $model:tt $id:literal $conns:ident $how:ident $what:literal $($args:expr)?;)*) => {
        &[$(Server { kind: Kind::$kind, model: servers!(@model $model), id: $id, conns: &$conns,
            start: servers!(@start $how $what $($args)?) }),*]
    };
}

/// The connection counts of the servers that hold them all.
pub const C_ALL: [u64; 4] = [10, 100, 1_000, 10_000];
/// Servers that serve one (or P) connection at a time: at 10 and 100 the other C − P already wait
/// and time out; at 1,000 and 10,000 they would only wait and time out in greater numbers.
const C_FEW: [u64; 2] = [10, 100];

/// The handler's waits D of the `serve` workload, in ms: the server's own cost, and C / D.
pub const SERVE_DELAYS: [u64; 2] = [0, 100];
/// The CPU handler's work W (kernel units, about 1 ms each), run at [`SERVE_CPU_AT`] connections.
pub const SERVE_WORK: u64 = 1;
/// The connections of the CPU handler's line.
pub const SERVE_CPU_AT: u64 = 100;

/// Every server of the `serve` workload, in report order: the models, hyper, the seed's FastAPI.
pub static SERVERS: &[Server] = servers! {
    // kind model  id                                            C      how it starts
    Base Sync      "sync-basic"                                  C_FEW  bin "sync-basic" ["serve"];
    Seq  Seq       "async-sequential (tokio)"                    C_FEW  bin "async-sequential" ["serve"];
    Conc Tokio     "async-concurrent (tokio)"                    C_ALL  bin "async-concurrent" ["serve"];
    Conc PerCore   "async-concurrent (tokio, thread-per-core)"   C_ALL  bin "async-concurrent" ["serve", "--per-core"];
    Conc TokioCt   "async-concurrent (tokio, current-thread)"    C_ALL  bin "async-concurrent" ["serve", "--workers", "1"];
    Conc Smol      "async-concurrent (smol)"                     C_ALL  bin "async-concurrent" ["serve", "--runtime", "smol"];
    Conc AsyncStd  "async-concurrent (async-std)"                C_ALL  bin "async-concurrent" ["serve", "--runtime", "async-std"];
    Conc Threads   "threads"                                     C_ALL  bin "threads" ["serve"];
    Seq  Threads   "threads (pool of P)"                         C_FEW  bin "threads" ["serve", "--workers", "{P}"];
    Seq  Processes "multiprocess (prefork P)"                    C_FEW  bin "multiprocess" ["serve"];
    Bare -         "hyper (tokio)"                               C_ALL  bin "hyper-anchor" [];
    Conc -         "FastAPI (uvicorn): await asyncio.sleep"      C_ALL  uvicorn "";
    Stall -        "FastAPI (uvicorn): time.sleep"               C_FEW  uvicorn "/blocking";
};

/// Every workload, in report order.
pub static ALL: [&Workload; 5] = [&SPAWN, &IO_TIMER, &IO_NET, &CPU, &BLOCKING];

/// Longest iteration a line may take before it is skipped at a size (the report scales instead).
pub const MAX_ITERATION: Duration = Duration::from_millis(1000);

/// The cores the parallel lines share (the `cpu` ideal divides the work by them).
pub fn cores() -> u64 {
    taskset::sys::cores() as u64
}

impl Workload {
    /// The workload named `name`, if any.
    pub fn named(name: &str) -> Option<&'static Workload> {
        ALL.into_iter().find(|w| w.name == name)
    }

    /// The line called `id`, if this workload has one.
    pub fn line(&self, id: &str) -> Option<&'static Line> {
        self.lines.iter().find(|l| l.id == id)
    }

    /// Every size any line of this workload runs at, ascending.
    pub fn sizes(&self) -> Vec<u64> {
        let mut all: Vec<u64> = self.lines.iter().flat_map(|l| l.sizes).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The bare primitive line `l` is read against: the first `Bare` row below it, if no other
    /// kind of row than `Conc` comes between (see the module doc).
    pub fn bare_of(&self, l: &Line) -> Option<&'static Line> {
        if l.kind != Kind::Conc {
            return None;
        }
        let at = self.lines.iter().position(|x| x.id == l.id)?;
        let below = self.lines[at..].iter().find(|x| x.kind != Kind::Conc)?;
        (below.kind == Kind::Bare).then_some(below)
    }

    /// The model lines a bare primitive is the floor of.
    pub fn floor_of(&self, bare: &Line) -> Vec<&'static Line> {
        let of = |l: &&Line| self.bare_of(l).is_some_and(|b| b.id == bare.id);
        self.lines.iter().filter(of).collect()
    }
}

impl Line {
    /// About how long one iteration at size `n` takes, before anything is measured.
    pub fn estimate(&self, w: &Workload, n: u64) -> Duration {
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let work = self.cost * n32;
        match self.kind {
            Kind::Base | Kind::Seq | Kind::Stall => w.delay * n32 + work,
            Kind::Conc | Kind::Bare if w.ideal == Ideal::Cores => work / cores().max(1) as u32,
            Kind::Conc | Kind::Bare => w.delay + work,
        }
    }

    /// Why this line does not run at `n`, when the reason is its time: what the bench prints.
    pub fn skipped_because(&self, w: &Workload, n: u64) -> Option<String> {
        let t = self.estimate(w, n);
        if self.sizes.contains(&n) || t <= MAX_ITERATION {
            return None;
        }
        let how = match self.kind {
            Kind::Base | Kind::Seq if !w.delay.is_zero() => {
                "N·D, one after another; the report scales its N = 1 time by N".to_string()
            }
            Kind::Base | Kind::Seq => {
                format!("{} per {}, one after another", fmt(self.cost), w.unit)
            }
            _ => format!("{} per {}", fmt(self.cost), w.unit),
        };
        Some(format!(
            "one iteration would take ≈ {:.1} s ({how})",
            t.as_secs_f64()
        ))
    }
}

/// A duration in the unit that reads best: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn fmt(d: Duration) -> String {
    fmt_ns(d.as_secs_f64() * 1e9)
}

/// Nanoseconds in the unit that reads best.
pub fn fmt_ns(ns: f64) -> String {
    let (value, unit) = match ns {
        ns if ns < 1e3 => (ns, "ns"),
        ns if ns < 1e6 => (ns / 1e3, "µs"),
        ns if ns < 1e9 => (ns / 1e6, "ms"),
        ns => (ns / 1e9, "s"),
    };
    let digits = [2, 1, 0][usize::from(value >= 10.0) + usize::from(value >= 100.0)];
    format!("{value:.digits$} {unit}")
}

/// `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_model_line_has_a_model() {
        for w in ALL {
            let mut ids: Vec<&str> = w.lines.iter().map(|l| l.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), w.lines.len(), "{}", w.name);
            assert_eq!(Workload::named(w.name).map(|x| x.name), Some(w.name));
            assert!(w.sizes().contains(&w.headline), "{}", w.name);
            for l in w.lines {
                assert_eq!(l.model.is_none(), l.kind == Kind::Bare, "{}", l.id);
            }
        }
    }

    #[test]
    fn a_bare_row_is_the_floor_of_the_concurrent_rows_above_it() {
        let bare_of = |w: &Workload, id| w.bare_of(w.line(id).unwrap()).map(|b| b.id);
        let tokio = bare_of(&SPAWN, "async-concurrent (tokio)");
        assert_eq!(tokio, Some("bare tokio::spawn (current-thread)"));
        assert_eq!(bare_of(&SPAWN, "sync-basic"), None);
        assert_eq!(
            bare_of(&IO_NET, "multiprocess (P=N)"),
            None,
            "no bare row below it"
        );
        let scope = CPU.line("bare thread::scope").unwrap();
        assert_eq!(CPU.floor_of(scope).len(), 6, "every parallel cpu model");
    }

    #[test]
    fn sequential_io_is_skipped_at_sizes_that_take_seconds() {
        let sync = IO_TIMER.line("sync-basic").unwrap();
        assert!(sync.skipped_because(&IO_TIMER, 1).is_none());
        let why = sync.skipped_because(&IO_TIMER, 100).unwrap();
        assert!(why.contains("10.0 s"), "{why}");
    }

    #[test]
    fn figures_read_in_their_unit() {
        let ns = [850.0, 12_300.0, 4_560_000.0, 1.5e9].map(fmt_ns);
        assert_eq!(ns, ["850 ns", "12.3 µs", "4.56 ms", "1.50 s"]);
        assert_eq!([count(1_000_000), count(100)], ["1,000,000", "100"]);
    }
}
