//! The conformance suite: one set of checks that every model (and every async runtime) passes.
//!
//! A model crate runs it with one line in `tests/conformance.rs`, with the `conformance` feature
//! of taskset among its dev-dependencies (the suite and its XML reader are not built otherwise):
//!
//! ```ignore
//! taskset::conformance!(sync_basic::SyncBasic, env!("CARGO_BIN_EXE_sync-basic"));
//! ```
//!
//! What the suite expects of the model (one after another or all at once, a pool for `io`, the
//! stall in `blocking`) is what the model's `SPEC` declares: the same data the runner prints the
//! expected times from.
//!
//! Order is checked from the recorded events, never from the clock; results against
//! [`crate::expected`]; timing only as a loose bound (sequential at least the sum of the delays,
//! concurrent well under it), because test machines are shared and noisy. Speed is measured by the
//! benchmarks. The binary is run for real, to check its output, its exit statuses and its errors.

use std::process::{Command, Output as ProcessOutput};
use std::time::Duration;

use crate::ctx::{Ctx, Event, EventKind, Output};
use crate::model::{Expect, Model, Order};
use crate::outcome::{
    CpuOutcome, ErrorsOutcome, FailureKind, IoOutcome, Outcome, PANIC_MESSAGE, RISKY_MESSAGE,
    TimeoutOutcome,
};
use crate::params::{Flag, Params, Scenario, TASKS};
use crate::{expected, kernel, runner};

/// D for the order checks: long enough that a concurrent run is clearly under the sum of delays.
const D_MS: u64 = 200;

/// Generates one `#[test]` per check for a model: `conformance!(model, binary, extra args…)`.
///
/// The extra arguments are passed to every run of the binary (e.g. `"--runtime", "smol"`).
#[macro_export]
macro_rules! conformance {
    ($model:expr, $bin:expr $(, $arg:expr)* $(,)?) => {
        #[test]
        fn hello_order() { $crate::conformance::hello(&$model) }
        #[test]
        fn gather_order() { $crate::conformance::gather(&$model) }
        #[test]
        fn fetch_results_in_input_order() { $crate::conformance::fetch(&$model) }
        #[test]
        fn errors_are_contained_and_named() { $crate::conformance::errors(&$model) }
        #[test]
        fn blocking_phases() { $crate::conformance::blocking(&$model) }
        #[test]
        fn timeout_stops_the_late_task() { $crate::conformance::timeout(&$model) }
        #[test]
        fn io_timer_requests() { $crate::conformance::io(&$model) }
        #[test]
        fn io_net_real_requests() { $crate::conformance::io_net(&$model) }
        #[test]
        fn io_net_faults_are_named() { $crate::conformance::io_net_faults(&$model) }
        #[test]
        fn cpu_checksums() { $crate::conformance::cpu(&$model) }
        #[test]
        fn serve_answers_every_client() { $crate::conformance::serve(&$model) }
        #[test]
        fn serve_survives_bad_clients() { $crate::conformance::serve_bad_clients(&$model) }
        #[test]
        fn binary_serves_until_sigterm() {
            $crate::conformance::binary_serve($bin, &[$($arg),*])
        }
        #[test]
        fn binary_prints_the_seed_lines() {
            $crate::conformance::binary_output(&$model, $bin, &[$($arg),*])
        }
        #[test]
        fn binary_refuses_bad_input() {
            $crate::conformance::binary_bad_input(&$model, $bin, &[$($arg),*])
        }
        #[test]
        fn binary_help_lists_what_it_accepts() {
            $crate::conformance::binary_help(&$model, $bin, &[$($arg),*])
        }
        #[test]
        fn binary_ends_quietly_on_a_closed_stdout() {
            $crate::conformance::binary_closed_stdout($bin, &[$($arg),*])
        }
        #[test]
        fn binary_exits_non_zero_when_requests_fail() {
            $crate::conformance::binary_failed_work($bin, &[$($arg),*])
        }
        #[test]
        fn binary_tour() { $crate::conformance::binary_tour($bin, &[$($arg),*]) }
        #[test]
        fn binary_timelines() { $crate::conformance::binary_timelines($bin, &[$($arg),*]) }
    };
}

/// A recording context for `params`.
fn ctx(params: Params) -> Ctx {
    runner::install_panic_hook();
    Ctx::new(params, Output::Record)
}

/// Runs the scenario of `ctx` on `model`; it must not fail.
fn run<M: Model + ?Sized>(model: &M, ctx: &Ctx) -> Outcome {
    model
        .run(ctx)
        .unwrap_or_else(|e| panic!("{} runs: {e}", ctx.scenario()))
}

/// The task lifecycle events: a start (`Started`, `Fetching`) or an end (anything terminal).
fn is_start(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Started | EventKind::Fetching)
}

fn is_end(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Finished
            | EventKind::Fetched
            | EventKind::Failed(_)
            | EventKind::Panicked(_)
            | EventKind::TimedOut
    )
}

/// Splits the events at each `Phase` marker; a single-phase run may have no marker at all.
fn phases(events: &[Event], expected: usize) -> Vec<Vec<Event>> {
    let mut parts: Vec<Vec<Event>> = vec![Vec::new()];
    for e in events {
        if let EventKind::Phase(_) = e.kind {
            parts.push(Vec::new());
        } else {
            parts.last_mut().expect("one part").push(e.clone());
        }
    }
    // Events before the first marker (none, normally) belong to no phase.
    if parts.len() > 1 {
        let before = parts.remove(0);
        assert!(
            before.iter().all(|e| !is_start(&e.kind)),
            "tasks started before the first phase marker: {before:?}"
        );
    }
    assert_eq!(
        parts.len(),
        expected,
        "expected {expected} phase(s), events: {events:#?}"
    );
    parts
}

/// The (task, start/end) sequence of one phase, first end per task only.
fn lifecycle(events: &[Event]) -> Vec<(String, bool)> {
    let mut ended = std::collections::HashSet::new();
    events
        .iter()
        .filter_map(|e| {
            let task = e.task.clone()?;
            if is_start(&e.kind) {
                Some((task, true))
            } else if is_end(&e.kind) && ended.insert(task.clone()) {
                Some((task, false))
            } else {
                None
            }
        })
        .collect()
}

/// Checks one phase's order: `names` start and end one after another, or all start before any end.
pub fn check_order(events: &[Event], order: Order, names: &[String]) {
    let seq = lifecycle(events);
    let starts: Vec<&String> = seq.iter().filter(|(_, s)| *s).map(|(t, _)| t).collect();
    let mut sorted_starts = starts.clone();
    sorted_starts.sort();
    let mut want: Vec<&String> = names.iter().collect();
    want.sort();
    assert_eq!(
        sorted_starts, want,
        "each task starts once; events: {events:#?}"
    );
    match order {
        Order::Sequential => {
            let want: Vec<(String, bool)> = names
                .iter()
                .flat_map(|n| [(n.clone(), true), (n.clone(), false)])
                .collect();
            assert_eq!(
                seq, want,
                "tasks must run one after another; events: {events:#?}"
            );
        }
        Order::Concurrent => {
            let first_end = seq.iter().position(|(_, s)| !s).unwrap_or(seq.len());
            assert_eq!(
                first_end,
                names.len(),
                "every task must start before any finishes; events: {events:#?}"
            );
            assert_eq!(
                seq.len(),
                names.len() * 2,
                "every task ends once; events: {events:#?}"
            );
        }
    }
}

/// The loose timing bound: a sequential phase takes at least the sum of its delays, a concurrent
/// one well under it (three quarters: a bound for a noisy shared machine, not a speed claim).
fn check_time(elapsed: Duration, order: Order, sum: Duration) {
    match order {
        Order::Sequential => assert!(elapsed >= sum, "sequential took {elapsed:?} < sum {sum:?}"),
        Order::Concurrent => assert!(
            elapsed < sum.mul_f64(0.75),
            "concurrent took {elapsed:?}, not well under the sum {sum:?}"
        ),
    }
}

fn single_phase<M: Model + ?Sized>(model: &M, p: &Params) -> Order {
    let expect = Expect::of(model.spec(), p);
    assert_eq!(expect.phases.len(), 1, "{} has one phase", p.scenario);
    expect.phases[0]
}

/// hello: A and B, in the model's order, in the model's time.
pub fn hello<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Hello).delay_ms(D_MS);
    let order = single_phase(model, &p);
    let ctx = ctx(p.clone());
    assert_eq!(run(model, &ctx), Outcome::Done);
    check_order(&ctx.events(), order, &p.names());
    check_time(ctx.elapsed(), order, p.delay * 2);
}

/// gather: A, B and C, in the model's order, in the model's time.
pub fn gather<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Gather).delay_ms(D_MS);
    let order = single_phase(model, &p);
    let ctx = ctx(p.clone());
    assert_eq!(run(model, &ctx), Outcome::Done);
    check_order(&ctx.events(), order, &p.names());
    check_time(ctx.elapsed(), order, p.delay * 3);
}

/// fetch: the result list in input order, even when later ids finish first.
pub fn fetch<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Fetch)
        .tasks(4)
        .delay_ms(D_MS)
        .stagger();
    let order = single_phase(model, &p);
    let ctx = ctx(p.clone());
    let Outcome::Fetch(results) = run(model, &ctx) else {
        panic!("fetch returns its list")
    };
    assert_eq!(results, expected::fetch(4), "results in input order");
    let events = ctx.events();
    let ids: Vec<String> = (1..=4).map(|i| i.to_string()).collect();
    check_order(&events, order, &ids);
    let fetched: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == EventKind::Fetched)
        .filter_map(|e| e.task.as_deref())
        .collect();
    let want = match order {
        Order::Sequential => ["1", "2", "3", "4"],
        // Staggered: id 4 waits least, so a concurrent model finishes it first.
        Order::Concurrent => ["4", "3", "2", "1"],
    };
    assert_eq!(fetched, want, "finish order; events: {events:#?}");
}

/// errors: the caught error, then every task's result, failures named with their task.
pub fn errors<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Errors).tasks(5).delay_ms(100);
    let ctx = ctx(p.clone());
    let out: ErrorsOutcome = match run(model, &ctx) {
        Outcome::Errors(out) => out,
        other => panic!("errors returns its results, not {other:?}"),
    };
    assert_eq!(out.caught, RISKY_MESSAGE);
    let want = expected::errors(5);
    assert_eq!(
        out.results.len(),
        want.len(),
        "one result per task: {out:?}"
    );
    for (got, want) in out.results.iter().zip(&want) {
        match (got, want) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert_eq!((&a.task, a.kind), (&b.task, b.kind), "{a}");
                match a.kind {
                    FailureKind::Failed => assert_eq!(a.message, b.message),
                    FailureKind::Panicked => assert!(a.message.contains(PANIC_MESSAGE), "{a}"),
                }
            }
            _ => panic!("task result {got:?}, expected {want:?}"),
        }
    }
    let events = ctx.events();
    let has = |task: &str, pred: &dyn Fn(&EventKind) -> bool| {
        events
            .iter()
            .any(|e| e.task.as_deref() == Some(task) && pred(&e.kind))
    };
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::Caught(RISKY_MESSAGE.into())),
        "prints `Caught error: {RISKY_MESSAGE}`: {events:#?}"
    );
    assert!(
        has(
            "2",
            &|k| matches!(k, EventKind::Failed(m) if m == RISKY_MESSAGE)
        ),
        "{events:#?}"
    );
    assert!(
        has("3", &|k| matches!(k, EventKind::Panicked(_))),
        "{events:#?}"
    );
}

/// blocking: each phase in its order; a sequential phase takes the sum, a concurrent one less.
pub fn blocking<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Blocking).delay_ms(D_MS);
    let expect = Expect::of(model.spec(), &p);
    let ctx = ctx(p.clone());
    assert_eq!(run(model, &ctx), Outcome::Done);
    let events = ctx.events();
    let parts = phases(&events, expect.phases.len());
    // Phase boundaries on the clock: from each phase's first event to the next phase's start.
    let marks: Vec<Duration> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Phase(_)))
        .map(|e| e.at)
        .chain([ctx.elapsed()])
        .collect();
    for (i, (part, order)) in parts.iter().zip(&expect.phases).enumerate() {
        check_order(part, *order, &p.names());
        if marks.len() > parts.len() {
            check_time(marks[i + 1] - marks[i], *order, p.delay * 3);
        } else {
            check_time(ctx.elapsed(), *order, p.delay * 3);
        }
    }
}

/// timeout: A and B complete, C times out at the deadline and really stops: it never finishes.
pub fn timeout<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Timeout).delay_ms(D_MS);
    let order = single_phase(model, &p);
    let ctx = ctx(p.clone());
    let out: TimeoutOutcome = match run(model, &ctx) {
        Outcome::Timeout(out) => out,
        other => panic!("timeout returns who completed, not {other:?}"),
    };
    let (done, late) = expected::timeout(&p.names());
    assert_eq!(
        (out.completed.clone(), out.timed_out.clone()),
        (done, late.clone()),
        "{out:?}"
    );
    assert!(!out.how.is_empty(), "says how the late task was stopped");
    let c = late[0].as_str();
    let events = ctx.events();
    let at = |kind: EventKind| {
        events
            .iter()
            .find(|e| e.task.as_deref() == Some(c) && e.kind == kind)
            .map(|e| e.at)
    };
    let started = at(EventKind::Started).expect("C started");
    let timed_out = at(EventKind::TimedOut).expect("C reported as timed out");
    assert!(
        timed_out - started >= p.timeout,
        "timed out before the deadline: {events:#?}"
    );
    assert!(
        at(EventKind::Cancelled).is_some(),
        "C reported as stopped: {events:#?}"
    );
    // Wait past the time C would have finished: a task that was really stopped stays silent.
    let would_finish = started + p.delay * 3 + p.delay / 2;
    std::thread::sleep(would_finish.saturating_sub(ctx.elapsed()));
    let events = ctx.events();
    let finished = events
        .iter()
        .any(|e| e.task.as_deref() == Some(c) && e.kind == EventKind::Finished);
    assert!(!finished, "C kept running after the deadline: {events:#?}");
    check_order(&events, order, &p.names());
}

/// io (timers): every request completes after at least D; sequential ≥ N·D, concurrent well under.
pub fn io<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Io).tasks(10).delay_ms(50);
    let order = single_phase(model, &p);
    let ctx = ctx(p.clone());
    let out = io_outcome(model, &ctx);
    assert_eq!(out.failures, vec![], "no request fails");
    assert_eq!(out.latencies.len(), 10, "one latency per request");
    assert!(
        out.latencies.iter().all(|l| *l >= p.delay),
        "each request waits D: {out:?}"
    );
    if model.spec().io_pool(&p).is_none() {
        check_time(ctx.elapsed(), order, p.delay * 10);
    }
}

/// What `io` returned: its latencies and failures.
fn io_outcome<M: Model + ?Sized>(model: &M, ctx: &Ctx) -> IoOutcome {
    match run(model, ctx) {
        Outcome::Io(out) => out,
        other => panic!("io returns its latencies, not {other:?}"),
    }
}

/// The parameters of an `io --net` run against `server`.
fn net_params(server: &latency::Server, n: u64, d_ms: u64) -> Params {
    Params::of(Scenario::Io)
        .tasks(n)
        .delay_ms(d_ms)
        .net(server.addr())
}

/// io --net: every request is a real connection to the latency server, answered after D.
pub fn io_net<M: Model + ?Sized>(model: &M) {
    let server = latency::Server::start(Duration::from_millis(1)).expect("the server starts");
    let p = net_params(&server, 10, 50);
    let ctx = ctx(p.clone());
    let out = io_outcome(model, &ctx);
    assert_eq!(out.failures, vec![], "no request fails");
    assert_eq!(out.latencies.len(), 10, "one latency per request");
    assert_eq!(server.served(), 10, "each request reached the server");
    assert!(
        out.latencies.iter().all(|l| *l >= p.delay),
        "each answer comes after D: {out:?}"
    );
}

/// io --net with faults: reset and garbled answers fail those requests, named; the rest complete.
pub fn io_net_faults<M: Model + ?Sized>(model: &M) {
    let mut config = latency::Config::new(Duration::from_millis(1));
    config.faults = latency::Faults {
        reset_every: 5,
        garble_every: 3,
    };
    let server = latency::Server::start_with(config).expect("the server starts");
    let ctx = ctx(net_params(&server, 10, 20));
    // Failed requests are reported in the outcome, by id; they do not stop the run.
    let out = io_outcome(model, &ctx);
    let ids: Vec<u64> = out.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [3, 5, 6, 9, 10], "the failed requests, by id: {out:?}");
    for (id, why) in &out.failures {
        if id % 3 == 0 && id % 5 != 0 {
            assert!(why.contains("garbled"), "request {id}: {why}");
        }
    }
    assert_eq!(
        out.latencies.len(),
        5,
        "the other requests complete: {out:?}"
    );
}

/// cpu: every variant's checksums match the kernel's, in input order.
pub fn cpu<M: Model + ?Sized>(model: &M) {
    let p = Params::of(Scenario::Cpu).tasks(4).work(2);
    let ctx = ctx(p.clone());
    let out: CpuOutcome = match run(model, &ctx) {
        Outcome::Cpu(out) => out,
        other => panic!("cpu returns its runs, not {other:?}"),
    };
    assert!(!out.runs.is_empty(), "at least one run");
    let want = kernel::run_sequential(4, 2);
    for run in &out.runs {
        assert_eq!(
            run.checksums, want,
            "{}: checksums in input order",
            run.label
        );
    }
}

/// Runs `model`'s server on `p` in a thread of `scope`'s; its address once it listens.
fn start_server<'scope, M: Model + Sync + ?Sized>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    model: &'scope M,
    ctx: &'scope Ctx,
) -> (
    std::net::SocketAddr,
    std::thread::ScopedJoinHandle<'scope, Result<Outcome, crate::Error>>,
) {
    let server = scope.spawn(move || model.run(ctx));
    match runner::wait_listening(ctx, &server) {
        Ok(addr) => (addr, server),
        Err(e) => panic!("{e}: {:?}", server.join()),
    }
}

/// Tells the server of `ctx` to stop and returns what it served.
fn stop_server(
    ctx: &Ctx,
    server: std::thread::ScopedJoinHandle<'_, Result<Outcome, crate::Error>>,
) -> crate::ServeOutcome {
    ctx.serving().expect("a serve context").stop().tell();
    match server.join().expect("the server does not panic") {
        Ok(Outcome::Served(served)) => served,
        other => panic!("serve returns what it served, not {other:?}"),
    }
}

/// Runs the scenario of `ctx` on `model` to its end; a server is asked for one `/data/1` and
/// then told to stop (for the tests that run every scenario, `serve` included).
pub fn run_to_end<M: Model + Sync + ?Sized>(model: &M, ctx: &Ctx) -> Outcome {
    if ctx.scenario() != Scenario::Serve {
        return run(model, ctx);
    }
    std::thread::scope(|s| {
        let (addr, server) = start_server(s, model, ctx);
        let mut client = crate::net::HttpClient::connect(addr, Duration::from_secs(30))
            .expect("the client connects");
        assert_eq!(
            client.get("/data/1").expect("an answer"),
            (200, expected::data(1))
        );
        drop(client);
        Outcome::Served(stop_server(ctx, server))
    })
}

/// The most requests in flight at once, from the server's recorded events.
pub fn in_flight(events: &[Event]) -> usize {
    let (mut now, mut most) = (0usize, 0usize);
    for e in events {
        match e.kind {
            EventKind::Asked => {
                now += 1;
                most = most.max(now);
            }
            EventKind::Answered(_) => now = now.saturating_sub(1),
            _ => {}
        }
    }
    most
}

/// serve: C clients at once, R requests each on a keep-alive connection, each answered with its
/// own id's data; C requests in flight at once where the model serves them at once, one where it
/// serves one connection at a time, P for a pool of P (read from the server's events).
pub fn serve<M: Model + Sync + ?Sized>(model: &M) {
    serve_with(model, Params::of(Scenario::Serve).delay_ms(150));
}

/// [`serve`] with the server's parameters `p` (say, `per_core`).
pub fn serve_with<M: Model + Sync + ?Sized>(model: &M, p: Params) {
    let (c, r) = (3u64, 2u64);
    let ctx = ctx(p.clone());
    let served = std::thread::scope(|s| {
        let (addr, server) = start_server(s, model, &ctx);
        let clients: Vec<_> = (0..c)
            .map(|k| {
                s.spawn(move || {
                    let mut client = crate::net::HttpClient::connect(addr, Duration::from_secs(30))
                        .expect("the client connects");
                    for i in 0..r {
                        let id = 100 * k + i + 1;
                        let answer = client.get(&format!("/data/{id}")).expect("an answer");
                        assert_eq!(answer, (200, expected::data(id)), "request {id}");
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().expect("every client is answered");
        }
        stop_server(&ctx, server)
    });
    assert_eq!(served.requests, c * r, "{served:?}");
    assert_eq!(served.connections, c, "{served:?}");
    assert_eq!((served.rejected, served.errors), (0, 0), "{served:?}");
    let spec = model.spec();
    let want = match (spec.io_pool(&p), spec.order) {
        (Some(pool), _) => pool.min(c),
        (None, Order::Sequential) => 1,
        (None, Order::Concurrent) => c,
    };
    let events = ctx.events();
    assert_eq!(
        in_flight(&events) as u64,
        want,
        "requests in flight at once; events: {events:#?}"
    );
}

/// serve: every bad client is answered as stated (400, 431, 404, 405, 408 and closed, an idle
/// one closed, one that trickles a byte at a time closed) or dropped (one that vanishes), and a
/// good client is answered after each.
pub fn serve_bad_clients<M: Model + Sync + ?Sized>(model: &M) {
    let mut p = Params::of(Scenario::Serve).delay_ms(20);
    let p_idle = Duration::from_millis(300);
    p.idle = p_idle;
    let ctx = ctx(p);
    let patience = Duration::from_secs(30);
    let served = std::thread::scope(|s| {
        let (addr, server) = start_server(s, model, &ctx);
        let good = |id: u64| {
            let mut client = crate::net::HttpClient::connect(addr, patience).expect("connects");
            let answer = client
                .get(&format!("/data/{id}"))
                .expect("a good client is answered");
            assert_eq!(answer, (200, expected::data(id)));
        };
        good(1);
        let huge = format!(
            "GET /data/1 HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
            "a".repeat(9000)
        );
        let cases: [(&[u8], u16); 6] = [
            (b"garbage\r\n\r\n", 400),
            (b"GET /data/x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            (huge.as_bytes(), 431),
            (b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            (
                b"POST /data/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                405,
            ),
            (
                b"GET /data/1?delay_ms=99999999 HTTP/1.1\r\nHost: x\r\n\r\n",
                400,
            ),
        ];
        for (n, (bytes, status)) in cases.iter().enumerate() {
            let mut client = crate::net::HttpClient::connect(addr, patience).expect("connects");
            let (got, body) = client.send(bytes).expect("a bad request is answered");
            assert_eq!(got, *status, "case {n}: {body}");
            assert!(
                client.closed_within(patience),
                "case {n}: closed after a bad request"
            );
            good(10 + n as u64);
        }
        // A client that sends half a request, or nothing, is closed after the idle timeout.
        let mut half = crate::net::HttpClient::connect(addr, patience).expect("connects");
        half.write_only(b"GET /data/1 HTT").expect("half a request");
        assert!(
            half.closed_within(patience),
            "a half-sent request is closed"
        );
        let mut silent = crate::net::HttpClient::connect(addr, patience).expect("connects");
        assert!(silent.closed_within(patience), "a silent client is closed");
        // So is one that sends a byte at a time: the timeout runs from the request's start, not
        // from its last byte (ten times the timeout is a loose bound; per byte, it never ends).
        let mut trickle = crate::net::HttpClient::connect(addr, patience).expect("connects");
        trickle
            .write_only(b"GET /data/1 HTTP/1.1\r\nX-Slow: ")
            .expect("a start");
        let (start, mut closed) = (std::time::Instant::now(), false);
        while !closed && start.elapsed() < p_idle * 10 {
            let _ = trickle.write_only(b"a");
            closed = trickle.closed_within(p_idle / 6);
        }
        // A client that asks and vanishes before its answer costs only its own connection.
        let mut gone = crate::net::HttpClient::connect(addr, patience).expect("connects");
        gone.write_only(b"GET /data/1 HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("a request");
        drop(gone);
        good(99);
        // Asserted once the server is stopped: a failed assert inside the scope would wait for it.
        (stop_server(&ctx, server), closed)
    });
    let (served, trickle_closed) = served;
    let every = p_idle / 6;
    assert!(
        trickle_closed,
        "a client that sends a byte every {every:?} is closed"
    );
    assert_eq!(served.rejected, 6, "{served:?}");
    assert!(
        served.timeouts >= 3,
        "the half-sent, the silent and the trickling client timed out: {served:?}"
    );
    assert!(served.requests >= 8, "{served:?}");
}

/// `serve` from the binary: it says where it listens, answers curl-like clients, and on SIGTERM
/// stops, says what it served and exits 0, leaving no child behind.
pub fn binary_serve(bin: &str, extra: &[&str]) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(bin)
        .args(["serve", "--delay-ms", "20"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let addr = loop {
        let line = lines.next().expect("a line").expect("text");
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.parse().expect("an address");
        }
    };
    let mut client =
        crate::net::HttpClient::connect(addr, Duration::from_secs(30)).expect("connects");
    assert_eq!(
        client.get("/data/5").expect("an answer"),
        (200, expected::data(5))
    );
    drop(client);
    let workers = children_of(child.id());
    // SAFETY: kill sends a signal to the child we started; it touches no memory.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().expect("the binary ends");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr);
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("served 1 requests on 1 connections")),
        "{rest:?}"
    );
    let gone = |pid: &u32| !std::path::Path::new(&format!("/proc/{pid}")).exists();
    assert!(
        workers.iter().all(gone),
        "children left behind: {workers:?}"
    );
}

/// The children of `parent`, from `/proc/*/stat`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// Runs the model's binary with `args` and then the crate's extra arguments.
pub fn run_bin(bin: &str, args: &[&str], extra: &[&str]) -> ProcessOutput {
    Command::new(bin)
        .args(args)
        .args(extra)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The event lines of the binary's stdout (`[0.20s] Task A finished`), without their time.
pub fn event_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix('[')?
                .split_once("s] ")
                .map(|(_, rest)| rest.to_string())
        })
        .collect()
}

/// The binary prints the seed's lines, with their times, in the model's order.
pub fn binary_output<M: Model + ?Sized>(model: &M, bin: &str, extra: &[&str]) {
    let out = run_bin(bin, &["hello", "--delay-ms", "100"], extra);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let lines = event_lines(&text(&out.stdout));
    let tasks: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("Task "))
        .collect();
    let order = model.spec().order;
    let want: &[&str] = match order {
        Order::Sequential => &[
            "Task A started",
            "Task A finished",
            "Task B started",
            "Task B finished",
        ],
        Order::Concurrent => &[
            "Task A started",
            "Task B started",
            "Task A finished",
            "Task B finished",
        ],
    };
    let mut got = tasks.clone();
    if order == Order::Concurrent {
        // Concurrent: which of A and B prints first within a pair is the scheduler's choice.
        got[..2].sort();
        got[2..].sort();
    }
    assert_eq!(got, want, "stdout: {}", text(&out.stdout));

    let out = run_bin(bin, &["fetch", "--delay-ms", "20"], extra);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Fetching data for 1"), "{stdout}");
    assert!(
        stdout.contains(r#"["Data 1", "Data 2", "Data 3"]"#),
        "{stdout}"
    );

    let out = run_bin(bin, &["errors", "--delay-ms", "20"], extra);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the program does not crash: {}",
        text(&out.stderr)
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("Caught error: Something went wrong"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Task 2 failed: Something went wrong"),
        "{stdout}"
    );
    assert!(stdout.contains("Task 3 panicked"), "{stdout}");
    assert!(
        !stderr.contains("RUST_BACKTRACE") && !stderr.contains("stack backtrace"),
        "{stderr}"
    );
}

/// Every bad input: exit status 2 and one line on stderr that names the flag (and the range).
pub fn binary_bad_input<M: Model + ?Sized>(model: &M, bin: &str, extra: &[&str]) {
    let spec = model.spec();
    let max = TASKS.max.to_string();
    let too_big = "99999999999999999999999";
    let mut cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["nosuch"], vec!["nosuch", "possible values", "gather"]),
        (vec!["hello", "--bogus"], vec!["--bogus"]),
        (
            vec!["fetch", "--tasks", "abc"],
            vec!["--tasks", "1 to", &max],
        ),
        (vec!["fetch", "--tasks", "0"], vec!["--tasks", "1 to"]),
        (vec!["fetch", "--tasks", "-1"], vec!["--tasks", "1 to"]),
        (vec!["fetch", "--tasks", "+5"], vec!["--tasks", "1 to"]),
        (vec!["fetch", "--tasks", " 5 "], vec!["--tasks", "1 to"]),
        (vec!["fetch", "--tasks", too_big], vec!["--tasks", "1 to"]),
        (
            vec!["hello", "--delay-ms", "3600001"],
            vec!["--delay-ms", "0 to 3600000"],
        ),
        (
            vec!["hello", "--delay-ms", "-5"],
            vec!["--delay-ms", "0 to 3600000"],
        ),
        (vec!["cpu", "--work", "0"], vec!["--work"]),
        (vec!["timeout", "--timeout-ms", "x"], vec!["--timeout-ms"]),
        (vec!["hello", "--work", "5"], vec!["--work", "cpu"]),
        (vec!["errors", "--tasks", "2"], vec!["--tasks", "errors"]),
        (
            vec!["timeout", "--delay-ms", "0"],
            vec!["--delay-ms", "--timeout-ms"],
        ),
        (vec!["--delay-ms", "0"], vec!["--delay-ms", "tour"]),
        (vec!["--tasks", "5"], vec!["--tasks", "scenario"]),
        (
            vec!["io", "--runtime", "gevent"],
            vec!["--runtime", "tokio"],
        ),
        (
            vec!["io", "--net", "--server", "192.0.2.1:80"],
            vec!["--server", "not on this machine"],
        ),
        (
            vec!["io", "--net", "--server", "nonsense"],
            vec!["--server"],
        ),
        (
            vec!["io", "--server", "localhost:9"],
            vec!["--server", "--net"],
        ),
        (vec!["gather", "--timeline", ""], vec!["--timeline"]),
        (
            vec!["gather", "--timeline", "/nonexistent/dir/x.svg"],
            vec!["--timeline", "/nonexistent/dir/x.svg", "cannot create"],
        ),
    ];
    for flag in [Flag::Workers, Flag::Runtime] {
        if !spec.accepts.contains(&flag) {
            let value = if flag == Flag::Workers { "2" } else { "smol" };
            cases.push((vec!["io", flag.name(), value], vec![flag.name(), spec.name]));
        }
    }
    if spec.accepts.contains(&Flag::Workers) {
        cases.push((vec!["io", "--workers", "0"], vec!["--workers", "1 to"]));
    }
    for (args, needles) in cases {
        let out = run_bin(bin, &args, extra);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{args:?}: one line, got {stderr}"
        );
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: {stderr:?} should name {needle:?}"
            );
        }
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("possible values: )"), "{args:?}: {stderr}");
        assert!(
            text(&out.stdout).is_empty(),
            "{args:?}: refused before anything ran: {}",
            text(&out.stdout)
        );
    }
    // A run refused after its --timeline was tried leaves no file behind.
    let name = format!("refused-{}-{}.svg", spec.name, std::process::id());
    let left = std::env::temp_dir().join(name);
    let path = left.to_string_lossy().into_owned();
    let out = run_bin(bin, &["errors", "--tasks", "2", "--timeline", &path], extra);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!left.exists(), "a refused run left {path} behind");
}

/// `--help` lists the scenarios, only the flags this model accepts, the ranges and exit statuses.
pub fn binary_help<M: Model + ?Sized>(model: &M, bin: &str, extra: &[&str]) {
    let spec = model.spec();
    let out = run_bin(bin, &["--help"], extra);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "gather",
        "--tasks",
        "1 to 1000000",
        "0 to 3600000",
        "Exit status",
        spec.name,
    ] {
        assert!(help.contains(needle), "help should show {needle:?}: {help}");
    }
    for flag in [Flag::Workers, Flag::Runtime] {
        assert_eq!(
            help.contains(flag.name()),
            spec.accepts.contains(&flag),
            "{} is in the help exactly when {} accepts it: {help}",
            flag.name(),
            spec.name
        );
    }
}

/// `… | head -1`: a closed stdout ends the run quietly (no panic, no error line), and promptly.
pub fn binary_closed_stdout(bin: &str, extra: &[&str]) {
    use std::io::Read;
    let mut child = Command::new(bin)
        .args(["fetch", "--tasks", "20", "--delay-ms", "10"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Read the header line, then close our end: every later write meets a broken pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut first = [0u8; 8];
    stdout.read_exact(&mut first).expect("the header line");
    drop(stdout);
    let status = child.wait().expect("the binary ends");
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr);
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    assert!(status.code() != Some(101), "no panic: {status:?}");
    // Writing to a full disk is one line and status 2.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = Command::new(bin)
        .args(["hello", "--delay-ms", "1"])
        .args(extra)
        .stdout(full)
        .output()
        .expect("the binary runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("stdout"), "{stderr}");
}

/// A run whose requests failed is not a result: exit status 1, the failures counted, no efficiency;
/// and the server's faults hit requests, never the binary's check that the server is there.
pub fn binary_failed_work(bin: &str, extra: &[&str]) {
    let mut config = latency::Config::new(Duration::from_millis(1));
    config.faults = latency::Faults {
        reset_every: 0,
        garble_every: 5,
    };
    let server = latency::Server::start_with(config).expect("the server starts");
    let addr = server.addr().to_string();
    let args = [
        "io",
        "--net",
        "--server",
        &addr,
        "--tasks",
        "10",
        "--delay-ms",
        "5",
    ];
    let out = run_bin(bin, &args, extra);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout {stdout} stderr {stderr}"
    );
    assert!(stdout.contains("8 ok, 2 failed"), "{stdout}");
    assert!(
        stdout.contains("request 5 failed") && stdout.contains("request 10 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("of the 8 that succeeded"), "{stdout}");
    assert!(
        !stdout.contains("efficiency 0") && !stdout.contains("efficiency 1"),
        "{stdout}"
    );
    assert!(stderr.contains("2 of 10 requests failed"), "{stderr}");
}

/// The tour runs every scenario and ends with its table; `--delay-ms` shortens every wait, io's too.
pub fn binary_tour(bin: &str, extra: &[&str]) {
    let out = run_bin(bin, &["--delay-ms", "20", "--work", "1"], extra);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let table = stdout
        .split("== tour summary")
        .nth(1)
        .expect("the tour ends with its table");
    for s in Scenario::ALL {
        assert!(
            table.lines().any(|l| l.starts_with(s.name())),
            "{s} in the table: {table}"
        );
    }
    assert!(
        stdout.contains("Request A started") && stdout.contains("Request C finished: 200"),
        "the server's gather asks with three clients: {stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("== io ·") && l.contains("D=1ms")),
        "the tour's io waits a twentieth of D, as its 100 ms are of the seed's 2 s: {stdout}"
    );
}

/// What a timeline SVG shows, read back from the file: its bars, crosses and stop marks.
#[derive(Debug, PartialEq, Eq)]
pub struct Drawn {
    /// Task bars.
    pub bars: usize,
    /// Failure crosses.
    pub crosses: usize,
    /// Stop marks (a cancelled or timed-out task).
    pub stops: usize,
}

/// Parses a timeline SVG (it must be well-formed XML) and counts what it draws.
pub fn read_timeline(svg: &str) -> Result<Drawn, String> {
    let doc = roxmltree::Document::parse(svg).map_err(|e| format!("not well-formed XML: {e}"))?;
    let red = "#D62728";
    let count = |tag: &str, pred: &dyn Fn(&roxmltree::Node) -> bool| {
        doc.descendants()
            .filter(|n| n.has_tag_name(tag) && pred(n))
            .count()
    };
    let bar_opacity = crate::timeline::BAR_OPACITY.to_string();
    Ok(Drawn {
        bars: count("rect", &|n| {
            n.attribute("opacity") == Some(bar_opacity.as_str())
        }),
        crosses: count("line", &|n| n.attribute("stroke") == Some(red)) / 2,
        stops: count("polyline", &|n| n.attribute("stroke") == Some(red)),
    })
}

/// `--timeline`: a readable SVG with one bar per task, failures crossed, the late task cut, and
/// at most `MAX_LANES` lanes however many jobs ran (an unwritable path: see `binary_bad_input`).
pub fn binary_timelines(bin: &str, extra: &[&str]) {
    let dir = std::env::temp_dir().join(format!(
        "timelines-{}-{}",
        std::process::id(),
        extra.join("")
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let draw = |args: &[&str], file: &str| {
        let path = dir.join(file);
        let path_text = path.to_string_lossy().into_owned();
        let mut all = args.to_vec();
        all.extend(["--timeline", path_text.as_str()]);
        let out = run_bin(bin, &all, extra);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let svg = std::fs::read_to_string(&path).expect("the timeline is written");
        assert!(svg.contains(args[0]), "the title names the scenario");
        read_timeline(&svg).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let gather = draw(&["gather", "--delay-ms", "20"], "gather.svg");
    assert_eq!(
        gather,
        Drawn {
            bars: 3,
            crosses: 0,
            stops: 0
        }
    );
    let errors = draw(&["errors", "--delay-ms", "20"], "errors.svg");
    assert_eq!(
        errors,
        Drawn {
            bars: 4,
            crosses: 2,
            stops: 0
        },
        "task 2 failed, task 3 panicked"
    );
    // io and cpu print no per-job events, but mark each job for a picture: who ran it, when.
    let io = draw(&["io", "--tasks", "5", "--delay-ms", "20"], "io.svg");
    assert_eq!(
        io,
        Drawn {
            bars: 5,
            crosses: 0,
            stops: 0
        },
        "one bar per request"
    );
    let cpu = draw(&["cpu", "--tasks", "4", "--work", "1"], "cpu.svg");
    assert!(
        cpu.bars >= 4 && cpu.bars % 4 == 0,
        "one bar per job and variant: {cpu:?}"
    );
    let many = draw(&["io", "--tasks", "2500", "--delay-ms", "1"], "many.svg");
    let lanes = crate::ctx::MAX_LANES as usize;
    assert!(
        many.bars <= lanes && many.bars >= lanes / 2,
        "2500 requests are drawn as a sample of at most {lanes} lanes: {many:?}"
    );
    let timeout = draw(&["timeout", "--delay-ms", "20"], "timeout.svg");
    assert_eq!(
        timeout,
        Drawn {
            bars: 3,
            crosses: 0,
            stops: 1
        },
        "task C was stopped"
    );

    let _ = std::fs::remove_dir_all(&dir);
}
