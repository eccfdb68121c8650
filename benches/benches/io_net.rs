//! io_net: N real loopback TCP requests to the latency server, each answered after D = 100 ms.
//!
//! The server is `latency::ChildServer`: this executable started again as a server (see
//! `harness::enter`), so it has its own file-descriptor table, scheduler and memory, as it does for
//! the command line's `io --net`. Each model makes one connection per request with its own I/O
//! (tokio::net, async_std::net, smol::net, std::net in threads or worker processes); every reply is
//! checked by the model, and every request must succeed. Beside each, N bare requests of the same
//! kind. The sizes stop at 3,000: each connection costs a descriptor on each side (the open-file
//! limit here is 20,000 per process), a burst above `somaxconn` (4096) would overflow the server's
//! listen backlog, so SYN retries (a second each) would set the time rather than the model, and an
//! iteration at 3,000 already takes half a second of the ten-minute budget.
//!
//! `cargo bench -p benches --bench io_net` (add `-- --quick` for a short run).

use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use benches::harness::{self, Group, all_answered, all_joined, io_via_runner as via_runner, timed};
use benches::plan::{IO_DELAY, Workload, id};
use benches::{bare, rt};
use taskset::{Ctx, Output, Params, Scenario};

/// The io scenario with N requests of D, sent to the server at `addr`.
fn params(n: u64, addr: std::net::SocketAddr) -> Params {
    let mut p = Params::of(Scenario::Io)
        .tasks(n)
        .delay_ms(IO_DELAY.as_millis() as u64);
    p.net = true;
    p.server = Some(addr);
    p
}

fn main() {
    harness::enter();
    let mut c = harness::criterion();
    let server = latency::ChildServer::spawn(IO_DELAY).expect("the latency server");
    let addr = server.addr();
    let mut g = Group::new(&mut c, Workload::IoNet);
    println!("latency server (a child process) on {addr}");
    let d = IO_DELAY;

    g.run(id::SYNC, |iters, n| {
        let p = params(n, addr);
        timed(
            iters,
            || via_runner(&sync_basic::model::SyncBasic, &p),
            all_answered(n),
        )
    });

    let tokio_seq = rt::tokio(1);
    g.run(id::SEQ_TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n, addr), Output::Silent);
        timed(
            iters,
            || tokio_seq.block_on(async_sequential::io(&ctx)),
            all_answered(n),
        )
    });

    let tokio = rt::tokio(rt::pool());
    g.run(id::TOKIO, |iters, n| {
        let ctx = Ctx::new(params(n, addr), Output::Silent);
        timed(
            iters,
            || tokio.block_on(tokio_rt::io(tokio.handle(), &ctx)),
            all_answered(n),
        )
    });
    rt::warm_async_std();
    g.run(id::ASYNC_STD, |iters, n| {
        let ctx = Ctx::new(params(n, addr), Output::Silent);
        let run = || async_std::task::block_on(async_std_rt::io(&async_std_rt::Rt::Global, &ctx));
        timed(iters, run, all_answered(n))
    });
    let smol = rt::Smol::new(rt::pool());
    g.run(id::SMOL, |iters, n| {
        let ctx = Ctx::new(params(n, addr), Output::Silent);
        timed(
            iters,
            || smol.block_on(smol_rt::io(smol.ex(), &ctx)),
            all_answered(n),
        )
    });
    g.run(id::THREADS, |iters, n| {
        let p = params(n, addr);
        timed(
            iters,
            || via_runner(&threads::model::Threads, &p),
            all_answered(n),
        )
    });
    g.run(id::PROCESSES_N, |iters, n| {
        let p = params(n, addr).workers(n);
        timed(
            iters,
            || via_runner(&multiprocess::model::Multiprocess, &p),
            all_answered(n),
        )
    });

    g.run(id::BARE_TOKIO_TCP, |iters, n| {
        timed(
            iters,
            || tokio.block_on(bare::tokio_tcp(addr, n, d)),
            all_joined(n),
        )
    });
    g.run(id::BARE_ASYNC_STD_TCP, |iters, n| {
        let run = || async_std::task::block_on(bare::async_std_tcp(addr, n, d));
        timed(iters, run, all_joined(n))
    });
    g.run(id::BARE_SMOL_TCP, |iters, n| {
        timed(
            iters,
            || smol.block_on(bare::smol_tcp(smol.ex(), addr, n, d)),
            all_joined(n),
        )
    });
    g.run(id::BARE_STD_TCP, |iters, n| {
        timed(iters, || bare::std_tcp(addr, n, d), all_joined(n))
    });

    g.finish();
    drop(server);
    c.final_summary();
}
