//! spawn: start and join N units that wait D = 0 — tokio, async-std and smol tasks, threads, processes.
//!
//! Each model runs its own `fetch` scenario with D = 0 on a silent context: one unit per id, joined,
//! the result list checked against `taskset::expected::fetch(N)` outside the clock. Beside each, the
//! bare primitive: a plain spawn + join loop of the same kind of unit. sync-basic starts no unit at
//! all: its line is the cost of the work itself (a `format!` per id).
//!
//! `cargo bench -p benches --bench spawn` (add `-- --quick` for a short run).

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::harness::{self, Group, all_joined, timed};
use benches::plan::{Workload, id};
use benches::{bare, rt};
use taskset::Outcome;
use taskset::runner;
use taskset::{Ctx, Model, Output, Params, Scenario, expected};

/// The fetch scenario with N ids and no wait: nothing but starting and joining the units.
fn params(n: u64) -> Params {
    Params::of(Scenario::Fetch).tasks(n).delay_ms(0)
}

/// A silent context for N ids: no printing, no events in the measured loop.
fn ctx(n: u64) -> Ctx {
    Ctx::new(params(n), Output::Silent)
}

/// Checks a fetch result list: every id's data, in input order.
fn fetched(n: u64) -> impl FnMut(Vec<String>) {
    let want = expected::fetch(n);
    move |got| assert_eq!(got, want, "fetch returned the wrong list")
}

/// Runs the model's own `fetch` through the runner, as its command line does.
fn via_runner(model: &impl Model, n: u64) -> Vec<String> {
    match runner::run(model, &params(n), Output::Silent) {
        Ok(report) => match report.outcome {
            Outcome::Fetch(list) => list,
            other => panic!("fetch returned {other:?}"),
        },
        Err(e) => panic!("{}: {e}", model.label()),
    }
}

fn main() {
    harness::enter();
    let mut c = harness::criterion();
    let mut g = Group::new(&mut c, Workload::Spawn);

    g.run(id::SYNC, |iters, n| {
        timed(
            iters,
            || via_runner(&sync_basic::model::SyncBasic, n),
            fetched(n),
        )
    });
    let tokio_seq = rt::tokio(1);
    g.run(id::SEQ_TOKIO, |iters, n| {
        let ctx = ctx(n);
        timed(
            iters,
            || tokio_seq.block_on(async_sequential::fetch(&ctx)),
            fetched(n),
        )
    });

    // The models' `fetch` runs on one executor thread (asyncio's loop); the multi-thread tokio
    // line shows what handing each task to another thread adds.
    let tokio_ct = rt::tokio(1);
    let tokio_mt = rt::tokio(rt::pool());
    for (line, rt) in [(id::TOKIO, &tokio_ct), (id::TOKIO_MT, &tokio_mt)] {
        g.run(line, |iters, n| {
            let ctx = ctx(n);
            let run = || {
                rt.block_on(tokio_rt::fetch(rt.handle(), &ctx))
                    .expect("tokio fetch")
            };
            timed(iters, run, fetched(n))
        });
    }
    rt::warm_async_std();
    g.run(id::ASYNC_STD, |iters, n| {
        let ctx = ctx(n);
        let run = || async_std::task::block_on(async_std_rt::fetch(&async_std_rt::Rt::Local, &ctx));
        timed(iters, || run().expect("async-std fetch"), fetched(n))
    });
    let smol = rt::Smol::new(1);
    g.run(id::SMOL, |iters, n| {
        let ctx = ctx(n);
        let run = || smol.block_on(smol_rt::fetch(smol.ex(), &ctx));
        timed(iters, || run().expect("smol fetch"), fetched(n))
    });
    g.run(id::THREADS, |iters, n| {
        timed(
            iters,
            || via_runner(&threads::model::Threads, n),
            fetched(n),
        )
    });
    g.run(id::PROCESSES, |iters, n| {
        timed(
            iters,
            || via_runner(&multiprocess::model::Multiprocess, n),
            fetched(n),
        )
    });

    g.run(id::BARE_TOKIO_CT, |iters, n| {
        timed(
            iters,
            || tokio_ct.block_on(bare::tokio_spawn(n)),
            all_joined(n),
        )
    });
    g.run(id::BARE_TOKIO_MT, |iters, n| {
        timed(
            iters,
            || tokio_mt.block_on(bare::tokio_spawn(n)),
            all_joined(n),
        )
    });
    g.run(id::BARE_ASYNC_STD_LOCAL, |iters, n| {
        let run = || async_std::task::block_on(bare::async_std_spawn_local(n));
        timed(iters, run, all_joined(n))
    });
    g.run(id::BARE_SMOL_1, |iters, n| {
        timed(
            iters,
            || smol.block_on(bare::smol_spawn(smol.ex(), n)),
            all_joined(n),
        )
    });
    g.run(id::BARE_THREAD, |iters, n| {
        timed(iters, || bare::thread_spawn(n), all_joined(n))
    });
    g.run(id::BARE_PROCESS, |iters, n| {
        timed(iters, || bare::process_spawn(n), all_joined(n))
    });

    g.finish();
    c.final_summary();
}
