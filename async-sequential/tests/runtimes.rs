//! What the conformance suite does not reach: the model's runtime wins over the one `Params`
//! names (the runner writes it in), and the scenarios can be awaited on a runtime the caller built (the benchmarks do).

use async_sequential::AsyncSequential;
use taskset::{Ctx, EventKind, Model, Order, Output, Params, Runtime, Scenario};

fn recording(p: Params) -> Ctx {
    taskset::runner::install_panic_hook();
    Ctx::new(p, Output::Record)
}

/// Params that name tokio, run by the smol and async-std models through the runner: the runner
/// writes the model's runtime into them, so their own timers are used (tokio's would panic outside
/// a tokio runtime), and the tasks still run one after another.
#[test]
fn the_model_runtime_drives_the_timers() {
    taskset::runner::install_panic_hook();
    for runtime in [Runtime::AsyncStd, Runtime::Smol] {
        let p = Params::of(Scenario::Hello)
            .delay_ms(20)
            .runtime(Runtime::Tokio);
        let model = AsyncSequential::new(runtime);
        let report = taskset::runner::run(&model, &p, Output::Record).expect("hello runs");
        assert_eq!(
            report.params.runtime, runtime,
            "the model's runtime is the one the ctx names"
        );
        taskset::conformance::check_order(&report.events, Order::Sequential, &p.names());
    }
}

/// `gather` awaited on runtimes built by the caller, with the runtime named in `Params`.
#[test]
fn scenarios_run_on_a_runtime_built_outside() {
    let p = |r| Params::of(Scenario::Gather).delay_ms(20).runtime(r);
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for _ in 0..2 {
        let ctx = recording(p(Runtime::Tokio));
        rt.block_on(async_sequential::gather(&ctx));
        taskset::conformance::check_order(&ctx.events(), Order::Sequential, &ctx.params().names());
        let ctx = recording(p(Runtime::Smol));
        smol::block_on(async_sequential::gather(&ctx));
        taskset::conformance::check_order(&ctx.events(), Order::Sequential, &ctx.params().names());
    }
}

/// The late task's future is dropped at its own deadline T, after A and B took D each.
#[test]
fn timeout_drops_the_late_future_at_its_deadline() {
    for runtime in Runtime::ALL {
        let p = Params::of(Scenario::Timeout).delay_ms(100).runtime(runtime);
        let ctx = recording(p.clone());
        AsyncSequential::new(runtime)
            .timeout(&ctx)
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
