//! What runs a workload of the plan: the bench binary's entry (the child roles it can be started
//! again as), the runtimes built once outside the measured loop ([`Env`]), and one criterion group
//! that runs every line at each of its sizes, checks every result outside the clock, and keeps the
//! whole `cargo bench` within ten minutes on two cores.
//!
//! A bench file is `fn main() { benches::harness::main(&benches::plan::CPU) }` and its doc.

use std::future::Future;
use std::time::{Duration, Instant};

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use taskset::{Ctx, Output, Params};
use threads::rt::Pool;

use crate::plan::{Line, Workload};
use crate::proc::CpuTimes;
use crate::provenance::{self, Provenance};

/// Runs workload `w`: every line at every size, then criterion's summary.
pub fn main(w: &'static Workload) {
    enter();
    let start = CpuTimes::now();
    let mut c = criterion();
    // The threads crate's pool is scoped: everything runs inside it, its threads started first.
    let job = |id| taskset::kernel::job(id, w.work);
    let cores = taskset::sys::cores() as u64;
    let ran = threads::rt::with_pool(cores, job, |pool| {
        let env = Env::new(w, pool);
        println!("== {}: {}", w.name, w.about);
        let mut group = c.benchmark_group(w.name);
        for line in w.lines {
            say_skipped(w, line);
            for &n in line.sizes {
                budget(&mut group, line.estimate(w, n));
                group.throughput(Throughput::Elements(n));
                // The context is built here, outside the clock, and silent: nothing is printed
                // or recorded in the measured loop.
                let ctx = Ctx::new(env.params(w, n), Output::Silent);
                let id = BenchmarkId::new(line.id, n);
                group.bench_function(id, |b| b.iter_custom(|i| timed(i, &env, &ctx, line)));
            }
        }
        group.finish();
    });
    ran.expect("a pool of threads, one per core");
    if measuring() {
        Provenance::now(w.name, start).write();
    }
    c.final_summary();
}

/// Times `iters` iterations of `line`, each checked after its clock stops.
fn timed(iters: u64, env: &Env, ctx: &Ctx, line: &Line) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let out = (line.run)(env, ctx);
        total += out.time(start.elapsed());
        out.check(ctx.params());
    }
    total
}

/// What every line of a workload runs on, built before the first is measured.
pub struct Env<'p> {
    /// tokio on one thread: the models' `fetch` and `blocking`, asyncio's event loop.
    pub tokio_1: tokio_rt::Runtime,
    /// tokio with one worker per core: the models' `io` and `cpu`.
    pub tokio_p: tokio_rt::Runtime,
    /// async-std on this thread alone.
    pub std_1: async_std_rt::Runtime,
    /// async-std on its global pool.
    pub std_p: async_std_rt::Runtime,
    /// smol on one thread.
    pub smol_1: smol_rt::Runtime,
    /// smol on one thread per core.
    pub smol_p: smol_rt::Runtime,
    /// The threads crate's pool of one thread per core, running the cpu kernel.
    pub pool: &'p Pool<u64>,
    /// The latency server, in a child process of its own (`net` workloads).
    server: Option<latency::ChildServer>,
}

impl<'p> Env<'p> {
    /// Builds every runtime (idle ones cost nothing measured), and the server if `w` needs one.
    pub fn new(w: &Workload, pool: &'p Pool<u64>) -> Env<'p> {
        let server = w.net.then(|| {
            let server = latency::ChildServer::spawn(w.delay).expect("the latency server");
            println!("latency server (a child process) on {}", server.addr());
            server
        });
        // async-std's global runtime starts on first use: here, so no iteration pays for it.
        async_std::task::block_on(async_std::task::spawn(async {}));
        let p = taskset::sys::cores();
        let built = "a runtime of the model crate";
        Env {
            tokio_1: tokio_rt::Runtime::new(1).expect(built),
            tokio_p: tokio_rt::Runtime::new(p).expect(built),
            std_1: async_std_rt::Runtime::new(1).expect(built),
            std_p: async_std_rt::Runtime::new(p).expect(built),
            smol_1: smol_rt::Runtime::new(1).expect(built),
            smol_p: smol_rt::Runtime::new(p).expect(built),
            pool,
            server,
        }
    }

    /// The parameters of `w` at N: its scenario, D, W, and the server's address.
    pub fn params(&self, w: &Workload, n: u64) -> Params {
        let mut p = Params::of(w.scenario)
            .tasks(n)
            .delay_ms(w.delay.as_millis() as u64);
        if w.work > 0 {
            p.work = w.work;
        }
        p.net = w.net;
        p.server = self.server.as_ref().map(latency::ChildServer::addr);
        p
    }
}

/// A model crate's runtime, built once: [`Runs::run`] blocks on what a scenario makes of the
/// runtime's spawner (`|rt| tokio_rt::io(rt, ctx)`), the one shape of every async row.
pub trait Runs {
    /// What the scenarios spawn on.
    type Rt;
    /// Runs `scenario(spawner)` to its end on this thread.
    fn run<'a, F: Future>(&'a self, scenario: impl FnOnce(&'a Self::Rt) -> F) -> F::Output;
}

macro_rules! runs {
    ($($m:ident),*) => {$(
        impl Runs for $m::Runtime {
            type Rt = $m::Rt;
            fn run<'a, F: Future>(&'a self, scenario: impl FnOnce(&'a $m::Rt) -> F) -> F::Output {
                self.block_on(scenario(self.spawner()))
            }
        }
    )*};
}

runs!(tokio_rt, smol_rt, async_std_rt);

/// The first call of every bench's `main`: a bench binary is also started again as a child.
///
/// As a multiprocess worker (`run_if_worker` never returns there), as the latency server of the
/// `net` workloads, or as a bare child process that sleeps and exits ([`crate::bare::sleep_if_child`]).
/// In the bench itself it returns at once.
pub fn enter() {
    multiprocess::worker::run_if_worker();
    if latency::serve_if_child() {
        std::process::exit(0);
    }
    if crate::bare::sleep_if_child() {
        std::process::exit(0);
    }
    // Thousands of sockets (io_net) and pipes (multiprocess) at once: servers raise this at start.
    taskset::sys::raise_nofile();
}

/// Criterion with the command line's flags (`--quick`, `--test`, filters), writing where the
/// report reads.
///
/// Bootstrap resamples: 5,000 instead of 100,000. The confidence intervals barely move, and the
/// HTML plots of 100,000 resamples cost about five seconds per benchmark on two cores, which alone
/// would spend the whole budget. `--quick` also leaves out the per-benchmark plots (about 0.3 s
/// each, a third of a quick run). `--nresamples` on the command line still wins.
pub fn criterion() -> Criterion {
    let c = Criterion::default()
        .nresamples(5_000)
        .output_directory(&provenance::results_dir());
    let c = if flag("--quick") {
        c.without_plots()
    } else {
        c.with_plots()
    };
    c.configure_from_args()
}

/// Whether the command line has `name`.
fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// Whether criterion measures (and writes results), rather than only testing or listing.
fn measuring() -> bool {
    !flag("--test") && !flag("--list")
}

/// Prints, in one line, the sizes a line is not run at because one iteration would take seconds.
fn say_skipped(w: &Workload, line: &Line) {
    let why = |n| Some((n, line.skipped_because(w, n)?));
    let skipped: Vec<(u64, String)> = w.sizes().into_iter().filter_map(why).collect();
    if let Some((_, why)) = skipped.first() {
        let sizes: Vec<String> = skipped.iter().map(|(n, _)| n.to_string()).collect();
        let (name, id, sizes) = (w.name, line.id, sizes.join(", "));
        println!("skipped: {name}/{id} at N = {sizes}: at the first, {why}");
    }
}

/// Sizes criterion's effort to an iteration of about `t`: ten samples of long iterations,
/// more of short ones, and never much more than a second of measuring per benchmark.
fn budget(g: &mut BenchmarkGroup<'_, WallTime>, t: Duration) {
    let ms = Duration::from_millis;
    let long = t >= ms(5);
    let samples = if long { 10 } else { 20 };
    let (measuring, warm) = if flag("--quick") {
        // Quick mode stops once two batches agree, or at this cap: 1 + 2 + 4 iterations; a
        // short warm-up keeps the whole quick run well inside its two minutes.
        ((t * 4).max(ms(200)), t.clamp(ms(20), ms(150)))
    } else {
        let measuring = (t * samples as u32).mul_f64(1.2).max(ms(500));
        (measuring, (t * 2).clamp(ms(50), ms(300)))
    };
    let mode = if long {
        SamplingMode::Flat
    } else {
        SamplingMode::Auto
    };
    g.sample_size(samples)
        .measurement_time(measuring)
        .warm_up_time(warm)
        .sampling_mode(mode);
}
