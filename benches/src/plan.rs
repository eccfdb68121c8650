//! The plan: every workload, the lines drawn on it (a model run one way, or a bare primitive), the
//! sizes each line runs at, and what each should take. The benches run from it and the report reads
//! from it, so a line's name, its bare primitive and its ideal are written once.

use std::time::Duration;

/// D of `io_timer` and `io_net`: the seed's request, as in `io`'s default.
pub const IO_DELAY: Duration = Duration::from_millis(100);
/// D of `blocking`: short, since the stall runs the sleeps one after another.
pub const BLOCK_DELAY: Duration = Duration::from_millis(10);
/// W of `cpu`: kernel units per job (a unit is about a millisecond on one core).
pub const CPU_WORK: u64 = 10;
/// Longest iteration a line may take before it is skipped (and the report scales it instead).
pub const MAX_ITERATION: Duration = Duration::from_millis(1000);

/// A workload: one criterion group, one table, one panel of the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// Start and join N units that wait D = 0: the model's `fetch` with D = 0.
    Spawn,
    /// N simulated requests of D each (timers).
    IoTimer,
    /// N real loopback TCP requests to the latency server, answered after D.
    IoNet,
    /// N jobs of the shared CPU kernel.
    Cpu,
    /// N tasks that sleep with a blocking call: the stall, and its fix.
    Blocking,
}

impl Workload {
    /// Every workload, in the order of the report.
    pub const ALL: [Workload; 5] = [
        Workload::Spawn,
        Workload::IoTimer,
        Workload::IoNet,
        Workload::Cpu,
        Workload::Blocking,
    ];

    /// The criterion group name.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Spawn => "spawn",
            Workload::IoTimer => "io_timer",
            Workload::IoNet => "io_net",
            Workload::Cpu => "cpu",
            Workload::Blocking => "blocking",
        }
    }

    /// The workload named `name`, if any.
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// One line for the report: what one iteration does.
    pub fn about(self) -> String {
        let ms = |d: Duration| d.as_millis();
        match self {
            Workload::Spawn => "start and join N units that wait D = 0 (`fetch` at D = 0)".into(),
            Workload::IoTimer => {
                format!("N simulated requests of D = {} ms (timers)", ms(IO_DELAY))
            }
            Workload::IoNet => format!(
                "N real loopback TCP requests, the latency server answers each after D = {} ms",
                ms(IO_DELAY)
            ),
            Workload::Cpu => format!("N jobs of the shared kernel, W = {CPU_WORK} units each"),
            Workload::Blocking => format!(
                "N tasks that each sleep D = {} ms with a blocking call: the stall and its fix",
                ms(BLOCK_DELAY)
            ),
        }
    }

    /// What one of the N is called in the per-unit column.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::Spawn => "unit",
            Workload::IoTimer | Workload::IoNet => "request",
            Workload::Cpu => "job",
            Workload::Blocking => "task",
        }
    }

    /// The lines of this workload, models first, bare primitives last.
    pub fn lines(self) -> &'static [Line] {
        match self {
            Workload::Spawn => SPAWN,
            Workload::IoTimer => IO_TIMER,
            Workload::IoNet => IO_NET,
            Workload::Cpu => CPU,
            Workload::Blocking => BLOCKING,
        }
    }

    /// The line called `id`, if this workload has one.
    pub fn line(self, id: &str) -> Option<&'static Line> {
        self.lines().iter().find(|l| l.id == id)
    }

    /// Every size any line of this workload runs at, ascending.
    pub fn sizes(self) -> Vec<u64> {
        let mut all: Vec<u64> = self
            .lines()
            .iter()
            .flat_map(|l| l.sizes.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The size the summary table quotes (the one the targets are stated at).
    pub fn headline(self) -> u64 {
        match self {
            Workload::Spawn => 1_000,
            Workload::IoTimer => 10_000,
            Workload::IoNet => 1_000,
            Workload::Cpu => 8,
            Workload::Blocking => 8,
        }
    }
}

/// What a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// sync-basic: the baseline every speedup is read against.
    Baseline,
    /// A model, run through its library.
    Model,
    /// A bare primitive, written as plainly as possible: the floor under the models.
    Bare,
}

/// How a line runs its N units: what its ideal and its skip rule follow from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One after another: N·D (io, blocking) or the sum of the jobs (cpu).
    Sequential,
    /// All at once: D (io, blocking's fix) or the work spread over the cores (cpu).
    Concurrent,
    /// The stall of `blocking`: spawned together, run one after another on one executor thread.
    Stall,
}

/// One line of a workload: a model run one way, or a bare primitive.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// The criterion function id, e.g. `async-concurrent (tokio)`.
    pub id: &'static str,
    /// Baseline, model or bare primitive.
    pub role: Role,
    /// Sequential, concurrent, or the stall.
    pub shape: Shape,
    /// The bare primitive this line is read against, if it has one.
    pub bare: Option<&'static str>,
    /// The sizes N it runs at.
    pub sizes: &'static [u64],
    /// A rough cost per unit, to size criterion's budget before the first run.
    pub per_unit: Duration,
}

const fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

const ASYNC_SIZES: &[u64] = &[100, 1_000, 10_000, 100_000];
const THREAD_SIZES: &[u64] = &[100, 1_000];
const PROCESS_SIZES: &[u64] = &[10, 100];
/// multiprocess's `io` with a pool of N: about 25 ms per worker process here (see the report).
const PROCESS_IO_SIZES: &[u64] = &[10, 30];
const NET_SIZES: &[u64] = &[100, 1_000, 3_000];
const NET_THREAD_SIZES: &[u64] = &[100, 1_000];
const CPU_SIZES: &[u64] = &[8, 32];
const BLOCK_SIZES: &[u64] = &[3, 8];
/// Sequential lines of the I/O workloads run one request: N of them would take N·D.
const ONE: &[u64] = &[1];

const fn line(
    id: &'static str,
    role: Role,
    shape: Shape,
    bare: Option<&'static str>,
    sizes: &'static [u64],
    per_unit: Duration,
) -> Line {
    Line {
        id,
        role,
        shape,
        bare,
        sizes,
        per_unit,
    }
}

use Role::{Bare, Baseline, Model};
use Shape::{Concurrent, Sequential, Stall};

/// The ids of the lines, shared by the benches and the report.
pub mod id {
    /// The blocking baseline.
    pub const SYNC: &str = "sync-basic";
    /// async-sequential on tokio: awaits one after another, on one thread.
    pub const SEQ_TOKIO: &str = "async-sequential (tokio)";
    /// async-concurrent on tokio, as its `Model` runs the workload.
    pub const TOKIO: &str = "async-concurrent (tokio)";
    /// async-concurrent on a tokio multi-thread runtime where the model would use one thread.
    pub const TOKIO_MT: &str = "async-concurrent (tokio, multi-thread)";
    /// async-concurrent on a tokio current-thread runtime where the model would use several.
    pub const TOKIO_CT: &str = "async-concurrent (tokio, current-thread)";
    /// async-concurrent on async-std.
    pub const ASYNC_STD: &str = "async-concurrent (async-std)";
    /// async-concurrent on smol.
    pub const SMOL: &str = "async-concurrent (smol)";
    /// One OS thread per unit.
    pub const THREADS: &str = "threads";
    /// The threads crate's pool of P threads.
    pub const THREADS_POOL: &str = "threads (pool)";
    /// The threads crate's rayon run.
    pub const THREADS_RAYON: &str = "threads (rayon)";
    /// One child process per unit.
    pub const PROCESSES: &str = "multiprocess";
    /// multiprocess with a pool of N processes: one request each.
    pub const PROCESSES_N: &str = "multiprocess (P=N)";
    /// The stall phase of async-concurrent's blocking scenario, per runtime.
    pub const TOKIO_STALL: &str = "async-concurrent (tokio): stall";
    /// The fix phase, per runtime.
    pub const TOKIO_FIX: &str = "async-concurrent (tokio): fix";
    /// The stall on async-std.
    pub const ASYNC_STD_STALL: &str = "async-concurrent (async-std): stall";
    /// The fix on async-std.
    pub const ASYNC_STD_FIX: &str = "async-concurrent (async-std): fix";
    /// The stall on smol.
    pub const SMOL_STALL: &str = "async-concurrent (smol): stall";
    /// The fix on smol.
    pub const SMOL_FIX: &str = "async-concurrent (smol): fix";

    /// Bare tokio::spawn + join on a current-thread runtime.
    pub const BARE_TOKIO_CT: &str = "bare tokio::spawn (current-thread)";
    /// Bare tokio::spawn + join on a multi-thread runtime.
    pub const BARE_TOKIO_MT: &str = "bare tokio::spawn (multi-thread)";
    /// Bare async_std::task::spawn_local + join.
    pub const BARE_ASYNC_STD_LOCAL: &str = "bare async_std spawn_local";
    /// Bare smol Executor::spawn + join on one thread.
    pub const BARE_SMOL_1: &str = "bare smol Executor::spawn (1 thread)";
    /// Bare thread::spawn + join.
    pub const BARE_THREAD: &str = "bare thread::spawn";
    /// Bare Command::spawn + wait.
    pub const BARE_PROCESS: &str = "bare Command::spawn";
    /// N bare tokio timers, spawned and joined.
    pub const BARE_TOKIO_TIMERS: &str = "bare tokio timers";
    /// N bare async-std timers.
    pub const BARE_ASYNC_STD_TIMERS: &str = "bare async-std timers";
    /// N bare smol timers.
    pub const BARE_SMOL_TIMERS: &str = "bare smol timers";
    /// N threads that each sleep D.
    pub const BARE_THREAD_SLEEPS: &str = "bare thread::spawn + sleep";
    /// N processes that each sleep D.
    pub const BARE_PROCESS_SLEEPS: &str = "bare Command::spawn + sleep";
    /// N bare tokio TCP requests.
    pub const BARE_TOKIO_TCP: &str = "bare tokio TcpStream";
    /// N bare async-std TCP requests.
    pub const BARE_ASYNC_STD_TCP: &str = "bare async-std TcpStream";
    /// N bare smol TCP requests.
    pub const BARE_SMOL_TCP: &str = "bare smol Async<TcpStream>";
    /// N bare std TCP requests, a thread each.
    pub const BARE_STD_TCP: &str = "bare std TcpStream threads";
    /// The jobs split over the cores with std::thread::scope.
    pub const BARE_SCOPE: &str = "bare thread::scope";
    /// N bare tokio spawn_blocking sleeps.
    pub const BARE_SPAWN_BLOCKING: &str = "bare tokio spawn_blocking";
    /// N bare async-std spawn_blocking sleeps.
    pub const BARE_ASYNC_STD_BLOCKING: &str = "bare async-std spawn_blocking";
    /// N bare smol::unblock sleeps.
    pub const BARE_UNBLOCK: &str = "bare smol::unblock";
}

use id::*;

const SPAWN: &[Line] = &[
    line(SYNC, Baseline, Sequential, None, ASYNC_SIZES, us(0)),
    // Each `sleep(0)` waits for tokio's next timer tick (about a millisecond), one after another.
    line(SEQ_TOKIO, Model, Sequential, None, &[100], us(1_100)),
    line(
        TOKIO,
        Model,
        Concurrent,
        Some(BARE_TOKIO_CT),
        ASYNC_SIZES,
        us(1),
    ),
    line(
        TOKIO_MT,
        Model,
        Concurrent,
        Some(BARE_TOKIO_MT),
        ASYNC_SIZES,
        us(2),
    ),
    line(
        ASYNC_STD,
        Model,
        Concurrent,
        Some(BARE_ASYNC_STD_LOCAL),
        ASYNC_SIZES,
        us(1),
    ),
    line(
        SMOL,
        Model,
        Concurrent,
        Some(BARE_SMOL_1),
        ASYNC_SIZES,
        us(1),
    ),
    line(
        THREADS,
        Model,
        Concurrent,
        Some(BARE_THREAD),
        THREAD_SIZES,
        us(110),
    ),
    line(
        PROCESSES,
        Model,
        Concurrent,
        Some(BARE_PROCESS),
        PROCESS_SIZES,
        us(3_000),
    ),
    line(BARE_TOKIO_CT, Bare, Concurrent, None, ASYNC_SIZES, us(1)),
    line(BARE_TOKIO_MT, Bare, Concurrent, None, ASYNC_SIZES, us(2)),
    line(
        BARE_ASYNC_STD_LOCAL,
        Bare,
        Concurrent,
        None,
        ASYNC_SIZES,
        us(1),
    ),
    line(BARE_SMOL_1, Bare, Concurrent, None, ASYNC_SIZES, us(1)),
    line(BARE_THREAD, Bare, Concurrent, None, THREAD_SIZES, us(110)),
    line(
        BARE_PROCESS,
        Bare,
        Concurrent,
        None,
        PROCESS_SIZES,
        us(3_000),
    ),
];

const IO_TIMER: &[Line] = &[
    line(SYNC, Baseline, Sequential, None, ONE, us(0)),
    line(SEQ_TOKIO, Model, Sequential, None, ONE, us(0)),
    line(
        TOKIO,
        Model,
        Concurrent,
        Some(BARE_TOKIO_TIMERS),
        ASYNC_SIZES,
        us(2),
    ),
    line(
        ASYNC_STD,
        Model,
        Concurrent,
        Some(BARE_ASYNC_STD_TIMERS),
        ASYNC_SIZES,
        us(2),
    ),
    line(
        SMOL,
        Model,
        Concurrent,
        Some(BARE_SMOL_TIMERS),
        ASYNC_SIZES,
        us(2),
    ),
    line(
        THREADS,
        Model,
        Concurrent,
        Some(BARE_THREAD_SLEEPS),
        THREAD_SIZES,
        us(110),
    ),
    line(
        PROCESSES_N,
        Model,
        Concurrent,
        Some(BARE_PROCESS_SLEEPS),
        PROCESS_IO_SIZES,
        us(25_000),
    ),
    line(
        BARE_TOKIO_TIMERS,
        Bare,
        Concurrent,
        None,
        ASYNC_SIZES,
        us(2),
    ),
    line(
        BARE_ASYNC_STD_TIMERS,
        Bare,
        Concurrent,
        None,
        ASYNC_SIZES,
        us(2),
    ),
    line(BARE_SMOL_TIMERS, Bare, Concurrent, None, ASYNC_SIZES, us(2)),
    line(
        BARE_THREAD_SLEEPS,
        Bare,
        Concurrent,
        None,
        THREAD_SIZES,
        us(110),
    ),
    line(
        BARE_PROCESS_SLEEPS,
        Bare,
        Concurrent,
        None,
        PROCESS_IO_SIZES,
        us(3_000),
    ),
];

const IO_NET: &[Line] = &[
    line(SYNC, Baseline, Sequential, None, ONE, us(0)),
    line(SEQ_TOKIO, Model, Sequential, None, ONE, us(0)),
    line(
        TOKIO,
        Model,
        Concurrent,
        Some(BARE_TOKIO_TCP),
        NET_SIZES,
        us(110),
    ),
    line(
        ASYNC_STD,
        Model,
        Concurrent,
        Some(BARE_ASYNC_STD_TCP),
        NET_SIZES,
        us(110),
    ),
    line(
        SMOL,
        Model,
        Concurrent,
        Some(BARE_SMOL_TCP),
        NET_SIZES,
        us(110),
    ),
    line(
        THREADS,
        Model,
        Concurrent,
        Some(BARE_STD_TCP),
        NET_THREAD_SIZES,
        us(100),
    ),
    line(
        PROCESSES_N,
        Model,
        Concurrent,
        None,
        PROCESS_IO_SIZES,
        us(25_000),
    ),
    line(BARE_TOKIO_TCP, Bare, Concurrent, None, NET_SIZES, us(110)),
    line(
        BARE_ASYNC_STD_TCP,
        Bare,
        Concurrent,
        None,
        NET_SIZES,
        us(110),
    ),
    line(BARE_SMOL_TCP, Bare, Concurrent, None, NET_SIZES, us(110)),
    line(
        BARE_STD_TCP,
        Bare,
        Concurrent,
        None,
        NET_THREAD_SIZES,
        us(100),
    ),
];

const CPU: &[Line] = &[
    line(SYNC, Baseline, Sequential, None, CPU_SIZES, us(10_000)),
    line(SEQ_TOKIO, Model, Sequential, None, CPU_SIZES, us(10_000)),
    line(TOKIO_CT, Model, Sequential, None, CPU_SIZES, us(10_000)),
    line(
        TOKIO,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(
        ASYNC_STD,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(
        SMOL,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(
        THREADS_POOL,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(
        THREADS_RAYON,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(
        PROCESSES,
        Model,
        Concurrent,
        Some(BARE_SCOPE),
        CPU_SIZES,
        us(5_000),
    ),
    line(BARE_SCOPE, Bare, Concurrent, None, CPU_SIZES, us(5_000)),
];

const BLOCKING: &[Line] = &[
    line(SYNC, Baseline, Sequential, None, BLOCK_SIZES, us(10_000)),
    line(SEQ_TOKIO, Model, Sequential, None, BLOCK_SIZES, us(0)),
    line(TOKIO_STALL, Model, Stall, None, BLOCK_SIZES, us(10_000)),
    line(
        TOKIO_FIX,
        Model,
        Concurrent,
        Some(BARE_SPAWN_BLOCKING),
        BLOCK_SIZES,
        us(10_000),
    ),
    line(ASYNC_STD_STALL, Model, Stall, None, BLOCK_SIZES, us(10_000)),
    line(
        ASYNC_STD_FIX,
        Model,
        Concurrent,
        Some(BARE_ASYNC_STD_BLOCKING),
        BLOCK_SIZES,
        us(10_000),
    ),
    line(SMOL_STALL, Model, Stall, None, BLOCK_SIZES, us(10_000)),
    line(
        SMOL_FIX,
        Model,
        Concurrent,
        Some(BARE_UNBLOCK),
        BLOCK_SIZES,
        us(10_000),
    ),
    line(
        THREADS,
        Model,
        Concurrent,
        Some(BARE_THREAD_SLEEPS),
        BLOCK_SIZES,
        us(100),
    ),
    line(
        PROCESSES,
        Model,
        Concurrent,
        Some(BARE_PROCESS_SLEEPS),
        BLOCK_SIZES,
        us(3_000),
    ),
    line(
        BARE_SPAWN_BLOCKING,
        Bare,
        Concurrent,
        None,
        BLOCK_SIZES,
        us(100),
    ),
    line(
        BARE_ASYNC_STD_BLOCKING,
        Bare,
        Concurrent,
        None,
        BLOCK_SIZES,
        us(100),
    ),
    line(BARE_UNBLOCK, Bare, Concurrent, None, BLOCK_SIZES, us(100)),
    line(
        BARE_THREAD_SLEEPS,
        Bare,
        Concurrent,
        None,
        BLOCK_SIZES,
        us(100),
    ),
    line(
        BARE_PROCESS_SLEEPS,
        Bare,
        Concurrent,
        None,
        BLOCK_SIZES,
        us(3_000),
    ),
];

/// The cores the parallel lines share (the `cpu` ideal divides the work by them).
pub fn cores() -> u64 {
    taskset::sys::cores() as u64
}

/// The wait of one unit of `workload` (zero for `spawn` and `cpu`).
pub fn delay(workload: Workload) -> Duration {
    match workload {
        Workload::IoTimer | Workload::IoNet => IO_DELAY,
        Workload::Blocking => BLOCK_DELAY,
        Workload::Spawn | Workload::Cpu => Duration::ZERO,
    }
}

impl Line {
    /// About how long one iteration at size `n` takes, before anything is measured: what the
    /// budget and the skip rule go by (`cpu`'s `per_unit` is one job of [`CPU_WORK`] units).
    pub fn estimate(&self, workload: Workload, n: u64) -> Duration {
        let d = delay(workload);
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let wait = match self.shape {
            Shape::Sequential | Shape::Stall => d * n32,
            Shape::Concurrent => d,
        };
        let work = self.per_unit * n32;
        match (workload, self.shape) {
            (Workload::Cpu, Shape::Concurrent) => work / cores().max(1) as u32,
            _ => wait + work,
        }
    }

    /// Why this line does not run at `n`, when the reason is its time: what the bench prints.
    pub fn skipped_because(&self, workload: Workload, n: u64) -> Option<String> {
        if self.sizes.contains(&n) {
            return None;
        }
        let t = self.estimate(workload, n);
        Some(match self.shape {
            Shape::Sequential if workload == Workload::Spawn && t > MAX_ITERATION => format!(
                "one iteration would take ≈ {:.1} s: each `sleep(0)` waits for the runtime's \
                 next timer tick, one after another",
                t.as_secs_f64()
            ),
            Shape::Sequential if t > MAX_ITERATION => format!(
                "one iteration would take ≈ {:.1} s (N·D, one after another); the report scales \
                 its N = 1 time by N",
                t.as_secs_f64()
            ),
            _ if t > MAX_ITERATION => format!(
                "one iteration would take ≈ {:.1} s ({} per unit)",
                t.as_secs_f64(),
                fmt_duration(self.per_unit)
            ),
            _ => return None,
        })
    }
}

/// A duration in the unit that reads best: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn fmt_duration(d: Duration) -> String {
    fmt_ns(d.as_secs_f64() * 1e9)
}

/// Nanoseconds in the unit that reads best.
pub fn fmt_ns(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bare_named_by_a_model_is_a_line_of_the_same_workload() {
        for w in Workload::ALL {
            for l in w.lines() {
                if let Some(bare) = l.bare {
                    let found = w.line(bare).expect("the bare line exists");
                    assert_eq!(found.role, Role::Bare, "{} in {}", bare, w.name());
                }
            }
        }
    }

    #[test]
    fn ids_are_unique_within_a_workload_and_names_round_trip() {
        for w in Workload::ALL {
            let mut ids: Vec<&str> = w.lines().iter().map(|l| l.id).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), n, "{}", w.name());
            assert_eq!(Workload::from_name(w.name()), Some(w));
            assert!(w.sizes().contains(&w.headline()), "{}", w.name());
        }
    }

    #[test]
    fn sequential_io_is_skipped_at_sizes_that_take_seconds() {
        let sync = Workload::IoTimer.line(id::SYNC).unwrap();
        assert!(sync.skipped_because(Workload::IoTimer, 1).is_none());
        let why = sync.skipped_because(Workload::IoTimer, 100).unwrap();
        assert!(why.contains("10.0 s"), "{why}");
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(fmt_ns(850.0), "850 ns");
        assert_eq!(fmt_ns(12_300.0), "12.3 µs");
        assert_eq!(fmt_ns(4_560_000.0), "4.56 ms");
        assert_eq!(fmt_ns(1.5e9), "1.50 s");
    }
}
