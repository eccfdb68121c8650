//! io_timer: N simulated requests of D = 100 ms each, all on timers.
//!
//! Each model runs its own `io` scenario on a silent context, with the executor threads its `Model`
//! would use (one per core for the async runtimes, one thread per request for threads, a process per
//! request for multiprocess with `--workers N`); every request's latency must come back, none may
//! fail. Beside each, N bare timers of the same kind. The ideal is D: everything waits at once.
//! sync-basic runs one request (N of them take N·D; the report scales it).
//!
//! `cargo bench -p benches --bench io_timer` (add `-- --quick` for a short run).

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::harness::{self, Group, all_answered, all_joined, io_via_runner as via_runner, timed};
use benches::plan::{IO_DELAY, Workload, id};
use benches::{bare, rt};
use taskset::{Ctx, Output, Params, Scenario};

/// The io scenario with N requests of D on timers.
fn params(n: u64) -> Params {
    Params::of(Scenario::Io)
        .tasks(n)
        .delay_ms(IO_DELAY.as_millis() as u64)
}

fn main() {
    harness::enter();
    let mut c = harness::criterion();
    let mut g = Group::new(&mut c, Workload::IoTimer);
    let d = IO_DELAY;

    g.run(id::SYNC, |iters, n| {
        timed(
            iters,
            || via_runner(&sync_basic::model::SyncBasic, &params(n)),
            all_answered(n),
        )
    });

    let tokio_seq = rt::tokio(1);
    g.run(id::SEQ_TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        timed(
            iters,
            || tokio_seq.block_on(async_sequential::io(&ctx)),
            all_answered(n),
        )
    });

    // The models' `io` runs on one executor thread per core: built here, once.
    let tokio = rt::tokio(rt::pool());
    g.run(id::TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        timed(
            iters,
            || tokio.block_on(tokio_rt::io(tokio.handle(), &ctx)),
            all_answered(n),
        )
    });
    rt::warm_async_std();
    g.run(id::ASYNC_STD, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        let run = || async_std::task::block_on(async_std_rt::io(&async_std_rt::Rt::Global, &ctx));
        timed(iters, run, all_answered(n))
    });
    let smol = rt::Smol::new(rt::pool());
    g.run(id::SMOL, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        timed(
            iters,
            || smol.block_on(smol_rt::io(smol.ex(), &ctx)),
            all_answered(n),
        )
    });
    g.run(id::THREADS, |iters, n| {
        timed(
            iters,
            || via_runner(&threads::model::Threads, &params(n)),
            all_answered(n),
        )
    });
    // A pool of N processes: one request each, all waiting at once, as threads and tasks do.
    g.run(id::PROCESSES_N, |iters, n| {
        let p = params(n).workers(n);
        timed(
            iters,
            || via_runner(&multiprocess::model::Multiprocess, &p),
            all_answered(n),
        )
    });

    g.run(id::BARE_TOKIO_TIMERS, |iters, n| {
        timed(
            iters,
            || tokio.block_on(bare::tokio_timers(n, d)),
            all_joined(n),
        )
    });
    g.run(id::BARE_ASYNC_STD_TIMERS, |iters, n| {
        let run = || async_std::task::block_on(bare::async_std_timers(n, d));
        timed(iters, run, all_joined(n))
    });
    g.run(id::BARE_SMOL_TIMERS, |iters, n| {
        timed(
            iters,
            || smol.block_on(bare::smol_timers(smol.ex(), n, d)),
            all_joined(n),
        )
    });
    g.run(id::BARE_THREAD_SLEEPS, |iters, n| {
        timed(iters, || bare::threads_sleeping(n, d), all_joined(n))
    });
    g.run(id::BARE_PROCESS_SLEEPS, |iters, n| {
        timed(iters, || bare::processes_sleeping(n, d), all_joined(n))
    });

    g.finish();
    c.final_summary();
}
