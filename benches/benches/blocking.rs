//! blocking: N tasks that each sleep D = 10 ms with a blocking call — the stall, and its fix.
//!
//! async-concurrent's `blocking` runs two phases on one executor thread: the stall
//! (`std::thread::sleep` inside each task: the tasks run one after another, ≈ N·D) and the fix (each
//! sleep handed to the runtime's blocking pool: ≈ D). The model marks each phase with an event, so
//! both lines of a runtime come from the same run, timed by the model's own phase marks (criterion's
//! `iter_custom`); the few events of a phase are recorded, not printed. threads and multiprocess
//! block only their own thread or process (≈ D); sync-basic is the N·D baseline. Bare primitives:
//! N sleeps handed to each runtime's pool, N sleeping threads, N sleeping processes.
//!
//! `cargo bench -p benches --bench blocking` (add `-- --quick` for a short run).

use std::time::Duration;

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::harness::{self, Group, all_joined, timed};
use benches::plan::{BLOCK_DELAY, Workload, id};
use benches::{bare, rt};
use taskset::runner;
use taskset::{Ctx, Error, EventKind, Model, Output, Params, Scenario};

/// The blocking scenario with N tasks of D.
fn params(n: u64) -> Params {
    Params::of(Scenario::Blocking)
        .tasks(n)
        .delay_ms(BLOCK_DELAY.as_millis() as u64)
}

/// Runs the model's own `blocking` through the runner, as its command line does.
fn via_runner(model: &impl Model, n: u64) {
    if let Err(e) = runner::run(model, &params(n), Output::Silent) {
        panic!("{}: {e}", model.label());
    }
}

/// Which phase of async-concurrent's `blocking` a line reads.
#[derive(Clone, Copy)]
enum Phase {
    Stall,
    Fix,
}

/// Runs one async-concurrent `blocking` scenario `iters` times with `run` and sums the time of
/// `phase`, read from the model's phase marks; checks that every task finished in both phases.
fn phase_time(
    iters: u64,
    n: u64,
    phase: Phase,
    run: impl Fn(&Ctx) -> Result<(), Error>,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ctx = Ctx::new(params(n), Output::Record);
        run(&ctx).expect("the blocking scenario");
        let end = ctx.elapsed();
        let events = ctx.events();
        let marks: Vec<Duration> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Phase(_)))
            .map(|e| e.at)
            .collect();
        let finished = events.iter().filter(|e| e.kind == EventKind::Finished);
        assert_eq!(finished.count() as u64, 2 * n, "a task did not finish");
        let [stall, fix] = marks[..] else {
            panic!("blocking should mark two phases, it marked {}", marks.len())
        };
        total += match phase {
            Phase::Stall => fix - stall,
            Phase::Fix => end - fix,
        };
    }
    total
}

fn main() {
    harness::enter();
    let mut c = harness::criterion();
    let mut g = Group::new(&mut c, Workload::Blocking);
    let d = BLOCK_DELAY;

    g.run(id::SYNC, |iters, n| {
        timed(iters, || via_runner(&sync_basic::model::SyncBasic, n), drop)
    });

    let tokio_seq = rt::tokio(1);
    g.run(id::SEQ_TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n), Output::Silent);
        timed(
            iters,
            || tokio_seq.block_on(async_sequential::blocking(&ctx)),
            drop,
        )
    });

    // One executor thread, as the model runs this scenario: with more, the stall would only hold
    // some of them.
    let tokio = rt::tokio(1);
    rt::warm_async_std();
    let smol = rt::Smol::new(1);
    for (line, phase) in [(id::TOKIO_STALL, Phase::Stall), (id::TOKIO_FIX, Phase::Fix)] {
        g.run(line, |iters, n| {
            phase_time(iters, n, phase, |ctx| {
                tokio.block_on(tokio_rt::blocking(tokio.handle(), ctx))
            })
        });
    }
    for (line, phase) in [
        (id::ASYNC_STD_STALL, Phase::Stall),
        (id::ASYNC_STD_FIX, Phase::Fix),
    ] {
        g.run(line, |iters, n| {
            phase_time(iters, n, phase, |ctx| {
                async_std::task::block_on(async_std_rt::blocking(&async_std_rt::Rt::Local, ctx))
            })
        });
    }
    for (line, phase) in [(id::SMOL_STALL, Phase::Stall), (id::SMOL_FIX, Phase::Fix)] {
        g.run(line, |iters, n| {
            phase_time(iters, n, phase, |ctx| {
                smol.block_on(smol_rt::blocking(smol.ex(), ctx))
            })
        });
    }
    g.run(id::THREADS, |iters, n| {
        timed(iters, || via_runner(&threads::model::Threads, n), drop)
    });
    g.run(id::PROCESSES, |iters, n| {
        timed(
            iters,
            || via_runner(&multiprocess::model::Multiprocess, n),
            drop,
        )
    });

    g.run(id::BARE_SPAWN_BLOCKING, |iters, n| {
        timed(
            iters,
            || tokio.block_on(bare::tokio_spawn_blocking(n, d)),
            all_joined(n),
        )
    });
    g.run(id::BARE_ASYNC_STD_BLOCKING, |iters, n| {
        let run = || async_std::task::block_on(bare::async_std_spawn_blocking(n, d));
        timed(iters, run, all_joined(n))
    });
    g.run(id::BARE_UNBLOCK, |iters, n| {
        timed(
            iters,
            || smol.block_on(bare::smol_unblock(smol.ex(), n, d)),
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
