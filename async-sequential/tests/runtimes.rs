//! What the conformance suite does not reach: the scenarios wait on the timer of whichever runtime
//! polls them (so they can be awaited on a runtime the caller built, as the benchmarks do), and the
//! late task's future is dropped at its own deadline.

use async_sequential::model::AsyncSequential;
use taskset::{Ctx, EventKind, Model, Order, Output, Params, Runtime, Scenario};

fn recording(p: Params) -> Ctx {
    taskset::runner::install_panic_hook();
    Ctx::new(p, Output::Record)
}

/// `gather` awaited on runtimes built by the caller: tokio's multi-thread flavour, smol's and
/// async-std's `block_on`. tokio's timer would panic outside a tokio runtime, and smol's would not
/// be what a tokio user expects: `rt::sleep` must pick the one polling it.
#[test]
fn scenarios_run_on_a_runtime_built_outside() {
    let p = Params::of(Scenario::Gather).delay_ms(20);
    let tokio = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for _ in 0..2 {
        let ctx = recording(p.clone());
        tokio.block_on(async_sequential::gather(&ctx));
        taskset::conformance::check_order(&ctx.events(), Order::Sequential, &p.names());
        let ctx = recording(p.clone());
        smol::block_on(async_sequential::gather(&ctx));
        taskset::conformance::check_order(&ctx.events(), Order::Sequential, &p.names());
        let ctx = recording(p.clone());
        async_std::task::block_on(async_sequential::gather(&ctx));
        taskset::conformance::check_order(&ctx.events(), Order::Sequential, &p.names());
    }
}

/// The late task's future is dropped at its own deadline T, after A and B took D each.
#[test]
fn timeout_drops_the_late_future_at_its_deadline() {
    for runtime in Runtime::ALL {
        let p = Params::of(Scenario::Timeout).delay_ms(100);
        let ctx = recording(p.clone());
        AsyncSequential::new(runtime)
            .run(&ctx)
            .expect("timeout runs");
        let events = ctx.events();
        let at = |kind: EventKind| {
            let e = events
                .iter()
                .find(|e| e.task.as_deref() == Some("C") && e.kind == kind);
            e.map(|e| e.at).expect("C's event")
        };
        let (started, cancelled) = (at(EventKind::Started), at(EventKind::Cancelled));
        assert!(
            started >= p.delay * 2,
            "{runtime}: C starts after A and B: {events:#?}"
        );
        assert!(cancelled - started >= p.timeout, "{runtime}: {events:#?}");
        assert!(
            cancelled - started < p.delay * 3,
            "{runtime}: dropped before its work: {events:#?}"
        );
    }
}
