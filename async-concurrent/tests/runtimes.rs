//! What the conformance suite does not reach: who blocks in `blocking`, io at scale without a log,
//! the refusal of `--workers` on async-std, and the scenarios awaited on a runtime built outside.

use std::collections::HashSet;
use std::time::Duration;

use async_concurrent::model::AsyncConcurrent;
use async_concurrent::{async_std_rt, smol_rt, tokio_rt};
use taskset::{Ctx, EventKind, Model, Outcome, Output, Params, Runtime, Scenario};

fn recording(p: Params) -> Ctx {
    taskset::runner::install_panic_hook();
    Ctx::new(p, Output::Record)
}

/// The stall's three sleeps block the one executor thread; the fix's block three other threads.
#[test]
fn blocking_stalls_one_thread_then_offloads() {
    for runtime in Runtime::ALL {
        let p = Params::of(Scenario::Blocking).delay_ms(100);
        let ctx = recording(p.clone());
        AsyncConcurrent::new(runtime)
            .run(&ctx)
            .expect("blocking runs");
        let events = ctx.events();
        let marks: Vec<usize> = (events.iter().enumerate())
            .filter(|(_, e)| matches!(e.kind, EventKind::Phase(_)))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(marks.len(), 2, "{runtime}: two phases: {events:#?}");
        let blockers = |part: &[taskset::Event]| -> Vec<String> {
            (part.iter().filter(|e| e.kind == EventKind::Blocked))
                .map(|e| e.worker.clone())
                .collect()
        };
        let stall = blockers(&events[marks[0]..marks[1]]);
        let fix = blockers(&events[marks[1]..]);
        let stall_threads: HashSet<&String> = stall.iter().collect();
        let fix_threads: HashSet<&String> = fix.iter().collect();
        assert_eq!(
            (stall.len(), stall_threads.len()),
            (3, 1),
            "{runtime}: {stall:?}"
        );
        assert_eq!(
            fix_threads.len(),
            3,
            "{runtime}: one pool thread per sleep: {fix:?}"
        );
        assert!(
            fix_threads.is_disjoint(&stall_threads),
            "{runtime}: {fix:?} vs {stall:?}"
        );
        // The times, loosely: the stall takes at least the three sleeps, the fix well under them.
        let (stall_at, fix_at) = (events[marks[0]].at, events[marks[1]].at);
        assert!(fix_at - stall_at >= p.delay * 3, "{runtime}: {events:#?}");
        assert!(
            ctx.elapsed() - fix_at < p.delay * 2,
            "{runtime}: {events:#?}"
        );
    }
}

/// Twenty thousand requests at once finish on every runtime, and none of them writes to the log.
#[test]
fn io_at_scale_records_no_event_per_request() {
    for runtime in Runtime::ALL {
        let p = Params::of(Scenario::Io).tasks(20_000).delay_ms(50);
        let ctx = recording(p.clone());
        let Ok(Outcome::Io(out)) = AsyncConcurrent::new(runtime).run(&ctx) else {
            panic!("{runtime}: io runs")
        };
        assert_eq!(
            (out.latencies.len(), out.failures.len()),
            (20_000, 0),
            "{runtime}"
        );
        assert!(out.latencies.iter().all(|l| *l >= p.delay), "{runtime}");
        assert_eq!(ctx.events(), vec![], "{runtime}: no event per request");
        // One after another would take 1000 s; all at once, D plus the cost of 20,000 tasks.
        assert!(
            ctx.elapsed() < Duration::from_secs(20),
            "{runtime}: {:?}",
            ctx.elapsed()
        );
    }
}

/// The single-threaded run and the multi-threaded run both come back, labelled by their threads.
#[test]
fn cpu_runs_on_one_thread_then_on_the_pool() {
    for runtime in [Runtime::Tokio, Runtime::Smol] {
        let p = Params::of(Scenario::Cpu).tasks(4).work(1).workers(2);
        let Ok(Outcome::Cpu(out)) = AsyncConcurrent::new(runtime).run(&recording(p)) else {
            panic!("{runtime}: cpu runs")
        };
        let labels: Vec<&str> = out.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(labels[0].contains("one thread") || labels[0].contains("current-thread"));
        assert!(labels[1].contains('2'), "{labels:?}");
        assert!(out.note.contains("gains nothing"), "{}", out.note);
    }
}

/// async-std sizes its pool once, at startup: `--workers` is refused with one line, exit 2.
#[test]
fn async_std_refuses_workers() {
    let bin = env!("CARGO_BIN_EXE_async-concurrent");
    for scenario in ["io", "cpu"] {
        let out = taskset::conformance::run_bin(
            bin,
            &[scenario, "--workers", "2"],
            &["--runtime", "async-std"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--workers") && stderr.contains("ASYNC_STD_THREAD_COUNT"));
    }
}

/// The order of `gather` on a caller's runtime: every task starts before any finishes.
fn check_gathered(ctx: &Ctx) {
    taskset::conformance::check_order(
        &ctx.events(),
        taskset::Order::Concurrent,
        &ctx.params().names(),
    );
}

/// A benchmark builds the runtime once and awaits the scenarios on it, again and again.
#[test]
fn scenarios_run_on_a_runtime_built_outside() {
    let p = || Params::of(Scenario::Gather).delay_ms(20);
    for threads in [1, 2] {
        let tokio = tokio_rt::Runtime::new(threads).expect("a tokio runtime");
        let smol = smol_rt::Runtime::new(threads).expect("a smol executor and its threads");
        let async_std = async_std_rt::Runtime::new(threads).expect("async-std");
        for _ in 0..2 {
            let ctx = recording(p());
            let run = tokio.block_on(tokio_rt::gather(tokio.spawner(), &ctx));
            run.expect("tokio gather");
            check_gathered(&ctx);
            let ctx = recording(p());
            let run = smol.block_on(smol_rt::gather(smol.spawner(), &ctx));
            run.expect("smol gather");
            check_gathered(&ctx);
            let ctx = recording(p());
            let run = async_std.block_on(async_std_rt::gather(async_std.spawner(), &ctx));
            run.expect("async-std gather");
            check_gathered(&ctx);
        }
    }
}

/// `serve --per-core`: one current-thread tokio runtime per core, each accepting on its own
/// `SO_REUSEPORT` listener, still serves every client at once; on smol and async-std it is refused.
#[test]
fn serve_per_core_serves_every_client_at_once() {
    let mut p = Params::of(Scenario::Serve).delay_ms(150).workers(2);
    p.per_core = true;
    taskset::conformance::serve_with(&AsyncConcurrent::new(Runtime::Tokio), p.clone());
    for runtime in [Runtime::Smol, Runtime::AsyncStd] {
        let e = AsyncConcurrent::new(runtime)
            .run(&recording(p.clone()))
            .expect_err("per-core is tokio's");
        assert!(e.to_string().contains("--per-core"), "{e}");
    }
}

/// A CPU-bound handler holds its executor thread: on one thread, a second connection is not even
/// accepted until the job is done. Offloaded (`?offload=1`), the job runs on the blocking pool and
/// the second connection is answered first. Read from the server's events.
#[test]
fn a_cpu_handler_stalls_one_thread_until_offloaded() {
    for runtime in [Runtime::Tokio, Runtime::Smol] {
        for (offload, second_first) in [(false, false), (true, true)] {
            let p = Params::of(Scenario::Serve).workers(1);
            let ctx = recording(p);
            let model = AsyncConcurrent::new(runtime);
            std::thread::scope(|s| {
                let server = s.spawn(|| model.run(&ctx));
                let addr = loop {
                    if let Some(addr) = ctx.serving().and_then(|s| s.address()) {
                        break addr;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                };
                let patience = Duration::from_secs(30);
                let slow = s.spawn(move || {
                    let mut client = taskset::net::HttpClient::connect(addr, patience).unwrap();
                    let path = format!("/cpu/1?work=300&offload={}", u8::from(offload));
                    client.get(&path).unwrap()
                });
                // The second client connects once the first one's job has begun.
                while !ctx.events().iter().any(|e| e.kind == EventKind::Asked) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let mut quick = taskset::net::HttpClient::connect(addr, patience).unwrap();
                assert_eq!(quick.get("/data/2?delay_ms=0").unwrap().0, 200);
                assert_eq!(slow.join().unwrap().0, 200);
                drop(quick);
                ctx.serving().unwrap().stop().tell();
                server.join().unwrap().expect("serve runs");
            });
            let answered: Vec<String> = (ctx.events().into_iter())
                .filter(|e| matches!(e.kind, EventKind::Answered(_)))
                .filter_map(|e| e.task)
                .collect();
            let want = if second_first { ["2", "1"] } else { ["1", "2"] };
            assert_eq!(answered, want, "{runtime}, offload {offload}");
        }
    }
}
