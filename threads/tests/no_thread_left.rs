//! After every scenario, the process is back to the threads it had: every thread was joined,
//! including the late task of `timeout` (told to stop, then joined) and a run the OS cut short.
//!
//! One test in its own binary, so that no other test's threads are counted.
//! Run with `cargo test -p threads --test no_thread_left`.

use std::thread;
use std::time::{Duration, Instant};

use taskset::{Ctx, Output, Params, Scenario, runner, sys};
use threads::model::Threads;
use threads::rt::spawn_all;

/// Waits (up to 50 ms) for the thread count to come back to `baseline`, then checks it.
///
/// `join` returns once the thread has finished; the kernel may list it a moment longer. The
/// grace is short: a thread that had not been stopped would outlive it (see `timeout` below).
fn assert_back_to(baseline: u64, after: &str) {
    let give_up = Instant::now() + Duration::from_millis(50);
    while sys::threads() > baseline && Instant::now() < give_up {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        sys::threads(),
        baseline,
        "threads left behind after {after}"
    );
}

/// Runs one scenario of the model on a recording context.
fn run(p: Params) -> Ctx {
    let ctx = Ctx::new(p.clone(), Output::Record);
    taskset::conformance::run_to_end(&Threads, &ctx);
    ctx
}

#[test]
fn every_scenario_joins_all_its_threads() {
    runner::install_panic_hook();
    let baseline = sys::threads();
    for scenario in Scenario::ALL {
        // timeout: C would work until 3·D = 600 ms, 200 ms past the deadline, unless stopped.
        let d = if scenario == Scenario::Timeout {
            200
        } else {
            40
        };
        let p = Params::of(scenario).delay_ms(d).work(1);
        run(p);
        assert_back_to(baseline, scenario.name());
    }
    run(Params::of(Scenario::Io).tasks(50).delay_ms(20).workers(3));
    assert_back_to(baseline, "io --workers 3");
    run(Params::of(Scenario::Cpu).tasks(4).work(1).workers(3));
    assert_back_to(baseline, "cpu --workers 3");
    run(Params::of(Scenario::Serve).delay_ms(20).workers(3));
    assert_back_to(baseline, "serve --workers 3");

    // The OS refuses the first thread (a 128 TiB stack cannot be mapped) of a second batch, after
    // two were started in a first: those must have run to their end and been joined by the time
    // the error comes back.
    let done = std::sync::atomic::AtomicU64::new(0);
    let work = |_: u64| {
        thread::sleep(Duration::from_millis(100));
        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    };
    let refused = thread::scope(|s| {
        spawn_all(s, "task", vec![1, 2], 64 << 10, &work)?;
        spawn_all(s, "task", vec![3, 4], 1 << 47, &work).map(drop)
    });
    let e = refused.expect_err("a 128 TiB stack is refused").to_string();
    assert!(e.starts_with("the OS refused thread 1 of 2"), "{e}");
    assert_eq!(
        done.into_inner(),
        2,
        "the two started threads ran and were joined"
    );
    assert_back_to(baseline, "a refused spawn");
}
