//! cpu: N jobs of the shared kernel (W = 10 units, about 10 ms each), on every model.
//!
//! Each model runs its own `cpu` code on a silent context; the checksum of its results, in input
//! order, must equal `taskset::expected::cpu_checksum(N, W)` (checked outside the clock). The bare
//! primitive: the jobs split over the cores with `std::thread::scope`. The ideal is the sequential
//! time divided by the cores; sync-basic is that sequential time.
//!
//! threads' `cpu` runs its pool and then rayon and times each itself (`CpuRun`); its rayon line is
//! read from that timing (criterion's `iter_custom`), since the crate has no rayon-only function.
//!
//! `cargo bench -p benches --bench cpu` (add `-- --quick` for a short run).

use std::time::Duration;

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::harness::{self, Group, timed};
use benches::plan::{CPU_WORK, Workload, id};
use benches::{bare, rt};
use taskset::Outcome;
use taskset::runner;
use taskset::{CpuOutcome, Ctx, Model, Output, Params, Scenario, expected, kernel};

/// The cpu scenario with N jobs of W units, on a pool of one worker per core.
fn params(n: u64) -> Params {
    Params::of(Scenario::Cpu).tasks(n).work(CPU_WORK)
}

/// Checks the checksum of one run's per-job results against the kernel's.
fn right_sum(n: u64) -> impl FnMut(Vec<u64>) {
    let want = expected::cpu_checksum(n, CPU_WORK);
    move |sums| assert_eq!(kernel::checksum(&sums), want, "wrong checksum")
}

/// Runs the model's own `cpu` through the runner, as its command line does.
fn via_runner(model: &impl Model, n: u64) -> CpuOutcome {
    match runner::run(model, &params(n), Output::Silent) {
        Ok(report) => match report.outcome {
            Outcome::Cpu(cpu) => cpu,
            other => panic!("cpu returned {other:?}"),
        },
        Err(e) => panic!("{}: {e}", model.label()),
    }
}

/// The per-job results of a model's only run.
fn only_run(cpu: CpuOutcome) -> Vec<u64> {
    cpu.runs.into_iter().next().expect("one run").checksums
}

fn main() {
    harness::enter();
    let mut c = harness::criterion();
    let mut g = Group::new(&mut c, Workload::Cpu);
    let cores = rt::pool();

    g.run(id::SYNC, |iters, n| {
        timed(
            iters,
            || only_run(via_runner(&sync_basic::model::SyncBasic, n)),
            right_sum(n),
        )
    });

    let tokio_seq = rt::tokio(1);
    g.run(id::SEQ_TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        let run = || only_run(tokio_seq.block_on(async_sequential::cpu(&ctx)));
        timed(iters, run, right_sum(n))
    });

    let tokio_ct = rt::tokio(1);
    let tokio_mt = rt::tokio(cores);
    for (line, rt) in [(id::TOKIO_CT, &tokio_ct), (id::TOKIO, &tokio_mt)] {
        g.run(line, |iters, n| {
            let ctx = Ctx::new(params(n), Output::Silent);
            let run = || {
                rt.block_on(tokio_rt::cpu(rt.handle(), &ctx))
                    .expect("tokio cpu")
                    .checksums
            };
            timed(iters, run, right_sum(n))
        });
    }
    rt::warm_async_std();
    g.run(id::ASYNC_STD, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        let run = || async_std::task::block_on(async_std_rt::cpu(&async_std_rt::Rt::Global, &ctx));
        timed(
            iters,
            || run().expect("async-std cpu").checksums,
            right_sum(n),
        )
    });
    let smol = rt::Smol::new(cores);
    g.run(id::SMOL, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        let run = || {
            smol.block_on(smol_rt::cpu(smol.ex(), &ctx))
                .expect("smol cpu")
                .checksums
        };
        timed(iters, run, right_sum(n))
    });
    g.run(id::THREADS_POOL, |iters, n| {
        // The pool is started outside the measured loop, as rayon's is.
        let job = |id| kernel::job(id, CPU_WORK);
        let timed_runs = |pool: &threads::rt::Pool<u64>| {
            timed(iters, || pool.run(n).expect("threads pool"), right_sum(n))
        };
        threads::rt::with_pool(cores as u64, job, timed_runs).expect("a pool of threads")
    });
    g.run(id::THREADS_RAYON, |iters, n| {
        let mut check = right_sum(n);
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let cpu = via_runner(&threads::model::Threads, n);
            let rayon = cpu.runs.into_iter().find(|r| r.label.contains("rayon"));
            let rayon = rayon.expect("threads' cpu has a rayon run");
            total += rayon.elapsed;
            check(rayon.checksums);
        }
        total
    });
    g.run(id::PROCESSES, |iters, n| {
        let run = || only_run(via_runner(&multiprocess::model::Multiprocess, n));
        timed(iters, run, right_sum(n))
    });

    g.run(id::BARE_SCOPE, |iters, n| {
        let want = expected::cpu_checksum(n, CPU_WORK);
        let run = || bare::scope_jobs(n, CPU_WORK, cores as u64);
        timed(iters, run, |sum| assert_eq!(sum, want, "wrong checksum"))
    });

    g.finish();
    c.final_summary();
}
