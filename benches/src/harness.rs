//! What every bench binary shares: its entry (the child roles it can be re-executed as), the
//! criterion configuration, and a group that runs each line of the plan at its sizes with a budget
//! that keeps the whole `cargo bench` within ten minutes on two cores.

use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};

use taskset::Outcome;
use taskset::runner;
use taskset::{IoOutcome, Model, Output, Params};

use crate::bare;
use crate::plan::{Line, Workload};

/// The first call of every bench's `main`: a bench binary is also started again as a child.
///
/// As a multiprocess worker (`multiprocess::worker::run_if_worker` never returns there), as the
/// latency server of `io_net` (`latency::serve_if_child`), or as a bare child process that sleeps
/// and exits ([`bare::CHILD_ENV`]). In the bench itself it returns at once.
pub fn enter() {
    multiprocess::worker::run_if_worker();
    if latency::serve_if_child() {
        std::process::exit(0);
    }
    if let Some(ms) = std::env::var(bare::CHILD_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
        std::process::exit(0);
    }
    // Thousands of sockets (io_net) and pipes (multiprocess) at once: servers raise this at start.
    taskset::sys::raise_nofile();
}

/// Criterion with the command line's flags (`--quick`, `--test`, filters) and HTML reports.
///
/// Bootstrap resamples: 5,000 instead of 100,000. The confidence intervals barely move, and the
/// HTML plots of 100,000 resamples cost about five seconds per benchmark on two cores, which alone
/// would spend the whole budget. `--quick` also leaves out the per-benchmark plots (about 0.3 s
/// each, a third of a quick run): its estimates are written as usual, and `report` draws the
/// summary chart from them. `--nresamples` on the command line still wins.
pub fn criterion() -> Criterion {
    let c = Criterion::default().nresamples(5_000);
    let c = if quick() {
        c.without_plots()
    } else {
        c.with_plots()
    };
    c.configure_from_args()
}

/// Whether criterion runs in `--quick` mode: doubling iterations until the time is steady, each
/// benchmark capped at its measurement time.
fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// A workload's criterion group: each line at each of its sizes, with a budget per size.
pub struct Group<'c> {
    group: BenchmarkGroup<'c, WallTime>,
    workload: Workload,
}

impl<'c> Group<'c> {
    /// Opens the group of `workload` and says what one iteration does.
    pub fn new(c: &'c mut Criterion, workload: Workload) -> Group<'c> {
        println!("== {}: {}", workload.name(), workload.about());
        Group {
            group: c.benchmark_group(workload.name()),
            workload,
        }
    }

    /// Runs line `id` at each of its sizes; `routine(iters, n)` returns the time of `iters`
    /// iterations at size `n`, measured by [`timed`] around the work alone.
    pub fn run(&mut self, id: &str, mut routine: impl FnMut(u64, u64) -> Duration) {
        let line = self
            .workload
            .line(id)
            .unwrap_or_else(|| panic!("{id} is not a line of {}", self.workload.name()));
        self.say_skipped(line);
        for &n in line.sizes {
            self.budget(line.estimate(self.workload, n));
            self.group.throughput(Throughput::Elements(n));
            self.group
                .bench_with_input(BenchmarkId::new(id, n), &n, |b, &n| {
                    b.iter_custom(|iters| routine(iters, n))
                });
        }
    }

    /// Prints, in one line, the sizes a line is not run at because one iteration would take seconds.
    fn say_skipped(&self, line: &Line) {
        let skipped: Vec<(u64, String)> = self
            .workload
            .sizes()
            .into_iter()
            .filter_map(|n| line.skipped_because(self.workload, n).map(|why| (n, why)))
            .collect();
        if let Some((_, why)) = skipped.first() {
            let sizes: Vec<String> = skipped.iter().map(|(n, _)| n.to_string()).collect();
            println!(
                "skipped: {}/{} at N = {}: at the first, {why}",
                self.workload.name(),
                line.id,
                sizes.join(", ")
            );
        }
    }

    /// Sizes criterion's effort to an iteration of about `t`: ten samples of long iterations,
    /// more of short ones, and never much more than a second of measuring per benchmark.
    fn budget(&mut self, t: Duration) {
        let long = t >= Duration::from_millis(5);
        let samples = if long { 10 } else { 20 };
        let (measuring, warm) = if quick() {
            // Quick mode stops once two batches agree, or at this cap: 1 + 2 + 4 iterations; a
            // short warm-up keeps the whole quick run well inside its two minutes.
            let cap = (t * 4).max(Duration::from_millis(200));
            (
                cap,
                t.clamp(Duration::from_millis(20), Duration::from_millis(150)),
            )
        } else {
            let measuring = (t * samples as u32)
                .mul_f64(1.2)
                .max(Duration::from_millis(500));
            (
                measuring,
                (t * 2).clamp(Duration::from_millis(50), Duration::from_millis(300)),
            )
        };
        self.group
            .sample_size(samples)
            .measurement_time(measuring)
            .warm_up_time(warm)
            .sampling_mode(if long {
                SamplingMode::Flat
            } else {
                SamplingMode::Auto
            });
    }

    /// Ends the group (criterion writes its summary and the group's HTML page).
    pub fn finish(self) {
        self.group.finish();
    }
}

/// Times `iters` runs of `work` alone, then hands each output to `check` outside the clock.
///
/// A check that fails panics: a bench whose model returned the wrong thing must not report a time.
pub fn timed<T>(iters: u64, mut work: impl FnMut() -> T, mut check: impl FnMut(T)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let out = work();
        total += start.elapsed();
        check(out);
    }
    total
}

/// Checks that a bare primitive joined all `n` units.
pub fn all_joined(n: u64) -> impl FnMut(u64) {
    move |joined| assert_eq!(joined, n, "a bare primitive lost units")
}

/// Checks that all N requests came back and none failed (io_timer, io_net).
pub fn all_answered(n: u64) -> impl FnMut(IoOutcome) {
    move |io| {
        assert!(
            io.failures.is_empty(),
            "failed requests: {:?}",
            io.failures.first()
        );
        assert_eq!(io.latencies.len() as u64, n, "requests lost");
    }
}

/// Runs a model's own `io` through the runner, as its command line does, printing nothing.
pub fn io_via_runner(model: &impl Model, p: &Params) -> IoOutcome {
    match runner::run(model, p, Output::Silent) {
        Ok(report) => match report.outcome {
            Outcome::Io(io) => io,
            other => panic!("io returned {other:?}"),
        },
        Err(e) => panic!("{}: {e}", model.label()),
    }
}
