//! `io --net`: one thread per request, each a real TCP request to a loopback latency server.
//! Run with `cargo test -p threads --test net`.

use std::time::Duration;

use taskset::Outcome;
use taskset::{Ctx, Model, Output, Params, Scenario};
use threads::model::Threads;

/// Runs `io --net` with `p` against a latency server in this process.
fn io_net(p: Params) -> (taskset::IoOutcome, u64) {
    let server = latency::Server::start(p.delay).expect("the latency server starts");
    let ctx = Ctx::new(p.net(server.addr()), Output::Record);
    let Ok(Outcome::Io(out)) = Threads.run(&ctx) else {
        panic!("io --net runs")
    };
    (out, server.served())
}

#[test]
fn one_thread_per_request_all_answered() {
    let p = Params::of(Scenario::Io).tasks(200).delay_ms(100);
    let (out, served) = io_net(p);
    assert_eq!(out.failures, vec![], "no request fails");
    assert_eq!(out.latencies.len(), 200);
    assert_eq!(served, 200, "every request reached the server");
    assert!(
        out.latencies
            .iter()
            .all(|l| *l >= Duration::from_millis(100))
    );
}

#[test]
fn a_pool_of_threads_answers_them_too() {
    let p = Params::of(Scenario::Io).tasks(20).delay_ms(50).workers(4);
    let (out, served) = io_net(p);
    assert_eq!(
        (out.failures.len(), out.latencies.len(), served),
        (0, 20, 20)
    );
    assert!(out.how.contains("pool of 4"), "{}", out.how);
}
