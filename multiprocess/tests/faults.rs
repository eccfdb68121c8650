//! Faults in the children, with real processes and real signals: a child that panics, exits
//! non-zero, is killed by SIGKILL from outside, hangs, or writes garbage is reported with its task,
//! the other tasks complete, the parent does not hang; and after every scenario and every fault,
//! no child of this test process is left, running or zombie. A panic or an error in the parent
//! kills and reaps its children too.
//!
//! The tests run one at a time: faults are injected process-wide, and the child count is of the
//! whole process. Run with `cargo test -p multiprocess --test faults`.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use multiprocess::model::Multiprocess;
use multiprocess::procs::Procs;
use multiprocess::protocol::Job;
use multiprocess::worker::{self, test_hooks};
use taskset::runner;
use taskset::{
    CpuOutcome, Ctx, ErrorsOutcome, Event, EventKind, IoOutcome, Model, Outcome, Output, Params,
    Scenario, TimeoutOutcome, kernel,
};

static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the test lock, points the library at the worker binary and injects `faults`.
fn setup(faults: Option<&str>) -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    worker::set_exe(env!("CARGO_BIN_EXE_multiprocess"));
    test_hooks::inject_faults(faults);
    runner::install_panic_hook();
    guard
}

/// The pids of this process's children, running or zombie, from `/proc/*/stat`.
fn children() -> Vec<u32> {
    let me = std::process::id();
    let entries = fs::read_dir("/proc").expect("/proc");
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`: comm may hold spaces, so read after its last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == me).then_some(pid)
        })
        .collect()
}

fn assert_no_children(after: &str) {
    let left = children();
    assert!(
        left.is_empty(),
        "after {after}: children left behind: {left:?}"
    );
}

fn ctx(p: Params) -> Ctx {
    Ctx::new(p, Output::Record)
}

/// The outcome of the scenario of `ctx`, which must run.
fn outcome(ctx: &Ctx) -> Outcome {
    Multiprocess
        .run(ctx)
        .unwrap_or_else(|e| panic!("{} runs: {e}", ctx.scenario()))
}

fn errors(ctx: &Ctx) -> ErrorsOutcome {
    match outcome(ctx) {
        Outcome::Errors(out) => out,
        other => panic!("{other:?}"),
    }
}

fn io(ctx: &Ctx) -> IoOutcome {
    match outcome(ctx) {
        Outcome::Io(out) => out,
        other => panic!("{other:?}"),
    }
}

fn cpu(ctx: &Ctx) -> CpuOutcome {
    match outcome(ctx) {
        Outcome::Cpu(out) => out,
        other => panic!("{other:?}"),
    }
}

fn timeout(ctx: &Ctx) -> TimeoutOutcome {
    match outcome(ctx) {
        Outcome::Timeout(out) => out,
        other => panic!("{other:?}"),
    }
}

/// Where in the log the first event of `task` that `pred` takes is.
fn position(events: &[Event], task: &str, pred: impl Fn(&EventKind) -> bool) -> usize {
    let found = events
        .iter()
        .position(|e| e.task.as_deref() == Some(task) && pred(&e.kind));
    found.unwrap_or_else(|| panic!("no such event of {task}: {events:#?}"))
}

fn has(events: &[Event], task: &str, pred: impl Fn(&EventKind) -> bool) -> bool {
    events
        .iter()
        .any(|e| e.task.as_deref() == Some(task) && pred(&e.kind))
}

/// Waits for the first event that `pick` takes a pid from, kills that pid with SIGKILL, returns it.
fn kill_when(ctx: &Ctx, pick: impl Fn(&Event) -> bool + Send + 'static) -> thread::JoinHandle<u32> {
    let ctx = ctx.clone();
    thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(e) = ctx.events().into_iter().find(|e| pick(e)) {
                let pid: i32 = e
                    .worker
                    .strip_prefix("pid ")
                    .expect("a pid lane")
                    .parse()
                    .unwrap();
                // SAFETY: kill sends a signal to a process we started; it touches no memory.
                assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
                return pid as u32;
            }
            thread::sleep(Duration::from_millis(5));
        }
        panic!("no event to take a pid from");
    })
}

#[test]
fn every_scenario_leaves_no_child() {
    let _serial = setup(None);
    for scenario in Scenario::ALL {
        let p = match scenario {
            Scenario::Io => Params::of(scenario).tasks(6).delay_ms(30),
            Scenario::Cpu => Params::of(scenario).tasks(4).work(2),
            _ => Params::of(scenario).delay_ms(50),
        };
        taskset::conformance::run_to_end(&Multiprocess, &ctx(p));
        assert_no_children(scenario.name());
    }
}

#[test]
fn each_fault_is_reported_with_its_task_and_the_others_complete() {
    let _serial = setup(Some("1=exit,4=garbage,5=hang,6=panic"));
    let start = Instant::now();
    let ctx = ctx(Params::of(Scenario::Errors).tasks(7).delay_ms(100));
    let out = errors(&ctx);
    let text: Vec<String> = out
        .results
        .iter()
        .map(|r| r.as_ref().map_or_else(|f| f.to_string(), Clone::clone))
        .collect();
    let want = [
        "task 1 panicked: child pid * exited with status 3",
        "task 2 failed: Something went wrong",
        "task 3 panicked: child pid * exited with status 101: deliberate panic in task",
        "task 4 panicked: child pid * wrote garbage to its pipe",
        "task 5 panicked: child pid * hung: silent for",
        "task 6 panicked: child pid * exited with status 101: injected panic in task 6",
        "Data 7",
    ];
    for (got, want) in text.iter().zip(want) {
        let (head, tail) = want.split_once(" * ").unwrap_or((want, ""));
        assert!(
            got.starts_with(head) && got.contains(tail),
            "{got:?} should read {want:?}"
        );
    }
    let events = ctx.events();
    for task in ["1", "3", "4", "5", "6"] {
        assert!(
            has(&events, task, |k| matches!(k, EventKind::Panicked(_))),
            "{task}: {events:#?}"
        );
    }
    assert!(
        has(&events, "7", |k| *k == EventKind::Finished),
        "{events:#?}"
    );
    // The hung child is killed at its deadline (2·D/2 + 2 s): the parent does not wait for it.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "took {:?}",
        start.elapsed()
    );
    assert_no_children("the faults of errors");
}

#[test]
fn a_task_that_panics_fails_gather_after_the_others_complete() {
    let _serial = setup(Some("B=panic"));
    let ctx = ctx(Params::of(Scenario::Gather).delay_ms(100));
    let err = Multiprocess
        .run(&ctx)
        .expect_err("gather reports the lost task")
        .to_string();
    assert!(err.starts_with("task B: child pid"), "{err}");
    assert!(
        err.contains("status 101: injected panic in task B"),
        "{err}"
    );
    let events = ctx.events();
    for task in ["A", "C"] {
        assert!(
            has(&events, task, |k| *k == EventKind::Finished),
            "{events:#?}"
        );
    }
    assert!(
        has(&events, "B", |k| matches!(k, EventKind::Panicked(_))),
        "{events:#?}"
    );
    assert_no_children("a panicking task");
}

#[test]
fn a_child_killed_from_outside_is_reported_and_the_others_complete() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Gather).delay_ms(600));
    let killer = kill_when(&ctx, |e| {
        e.task.as_deref() == Some("B") && e.kind == EventKind::Started
    });
    let err = Multiprocess
        .run(&ctx)
        .expect_err("gather reports the killed task");
    let pid = killer.join().expect("the killer ran");
    let want = format!("task B: child pid {pid} was killed by signal 9 (SIGKILL)");
    assert_eq!(err.to_string(), want);
    let events = ctx.events();
    // Reported when it happened, not once the others were done.
    let died = position(&events, "B", |k| matches!(k, EventKind::Panicked(_)));
    for task in ["A", "C"] {
        let finished = position(&events, task, |k| *k == EventKind::Finished);
        assert!(
            died < finished,
            "B's death is reported before {task} finishes: {events:#?}"
        );
    }
    assert_no_children("a SIGKILL from outside");
}

#[test]
fn a_pool_worker_killed_from_outside_fails_one_request_and_the_run_completes() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Io).tasks(6).delay_ms(300).workers(2));
    let killer = kill_when(
        &ctx,
        |e| matches!(&e.kind, EventKind::Note(n) if n.starts_with("pool worker")),
    );
    let out = io(&ctx);
    let pid = killer.join().expect("the killer ran");
    assert_eq!(
        out.latencies.len(),
        5,
        "the other requests complete: {out:?}"
    );
    assert_eq!(out.failures.len(), 1, "{out:?}");
    let (id, why) = &out.failures[0];
    assert_eq!(*id, 1, "the killed worker's request: {out:?}");
    assert_eq!(
        why,
        &format!("child pid {pid} was killed by signal 9 (SIGKILL)")
    );
    assert_no_children("a pool worker killed");
}

#[test]
fn a_pool_whose_only_worker_is_killed_gets_a_new_one() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Io).tasks(4).delay_ms(200).workers(1));
    let killer = kill_when(
        &ctx,
        |e| matches!(&e.kind, EventKind::Note(n) if n.ends_with("started")),
    );
    let out = io(&ctx);
    let pid = killer.join().expect("the killer ran");
    let ids: Vec<u64> = out.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [1], "only the killed worker's request fails: {out:?}");
    assert_eq!(
        out.latencies.len(),
        3,
        "a new worker runs the rest: {out:?}"
    );
    let events = ctx.events();
    let replaced = format!("replaces pid {pid}");
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Note(n) if n.ends_with(&replaced))),
        "{events:#?}"
    );
    assert_no_children("the only pool worker killed");
}

#[test]
fn a_cpu_job_whose_worker_was_killed_runs_again() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Cpu).tasks(4).work(30).workers(2));
    let killer = kill_when(
        &ctx,
        |e| matches!(&e.kind, EventKind::Note(n) if n.starts_with("pool worker")),
    );
    let out = cpu(&ctx);
    killer.join().expect("the killer ran");
    assert_eq!(out.runs[0].checksums, kernel::run_sequential(4, 30));
    let events = ctx.events();
    assert!(
        has(
            &events,
            "1",
            |k| matches!(k, EventKind::Panicked(m) if m.contains("SIGKILL"))
        ),
        "{events:#?}"
    );
    assert_no_children("a cpu worker killed");
}

#[test]
fn a_hung_pool_worker_is_killed_and_its_request_reported() {
    let _serial = setup(Some("3=hang"));
    let ctx = ctx(Params::of(Scenario::Io).tasks(6).delay_ms(50).workers(2));
    let out = io(&ctx);
    assert_eq!(out.latencies.len(), 5, "{out:?}");
    let ids: Vec<u64> = out.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [3], "{out:?}");
    assert!(out.failures[0].1.contains("hung"), "{out:?}");
    assert_no_children("a hung pool worker");
}

#[test]
fn the_timeout_kills_and_reaps_the_late_child() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Timeout).delay_ms(100));
    let out = timeout(&ctx);
    assert_eq!(out.timed_out, ["C"]);
    // Reaped at the deadline: no child is left even before C would have finished (at 3·D).
    assert!(
        ctx.elapsed() < Duration::from_millis(300),
        "{:?}",
        ctx.elapsed()
    );
    assert_no_children("the timeout");
    let events = ctx.events();
    assert!(
        has(&events, "C", |k| *k == EventKind::Cancelled),
        "{events:#?}"
    );
}

#[test]
fn a_panic_in_the_parent_kills_and_reaps_its_children() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Gather));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut procs = Procs::new(&ctx, 3).expect("room for 3");
        for name in ["A", "B", "C"] {
            let job = Job::Task {
                name: name.into(),
                delay: Duration::from_secs(30),
            };
            procs.start(job).expect("started");
        }
        assert_eq!(children().len(), 3);
        panic!("the parent fails while its children run");
    }));
    assert!(result.is_err());
    assert_no_children("a panic in the parent");
}

#[test]
fn an_error_in_the_parent_kills_and_reaps_its_children() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Gather));
    let run = || -> Result<(), taskset::Error> {
        let mut procs = Procs::new(&ctx, 2)?;
        procs.start(Job::Task {
            name: "A".into(),
            delay: Duration::from_secs(30),
        })?;
        // More processes than the system has ids for: an error, returned with `?`.
        let _never = Procs::new(&ctx, u32::MAX as u64)?;
        Ok(())
    };
    let err = run().expect_err("the second set is refused").to_string();
    assert!(
        err.contains("pid_max") || err.contains("RLIMIT") || err.contains("threads-max"),
        "{err}"
    );
    assert_no_children("an error in the parent");
}

#[test]
fn the_runner_outcomes_of_a_clean_run() {
    let _serial = setup(None);
    let p = Params::of(Scenario::Fetch).tasks(5).delay_ms(50);
    let report = runner::run(&Multiprocess, &p, Output::Record).expect("fetch runs");
    assert_eq!(report.outcome, Outcome::Fetch(taskset::expected::fetch(5)));
    // Each task ran in a process of its own: five different pid lanes.
    let mut lanes: Vec<&str> = report.events.iter().map(|e| e.worker.as_str()).collect();
    lanes.sort();
    lanes.dedup();
    assert_eq!(lanes.len(), 5, "{lanes:?}");
    assert!(lanes.iter().all(|l| l.starts_with("pid ")), "{lanes:?}");
    assert_no_children("fetch");
}

/// Prefork: a worker killed from outside is replaced, the server goes on answering, and at the
/// stop every worker is asked to finish and is reaped.
#[test]
fn a_prefork_worker_killed_is_replaced() {
    let _serial = setup(None);
    let ctx = ctx(Params::of(Scenario::Serve).delay_ms(10).workers(2));
    let killer = kill_when(
        &ctx,
        |e| matches!(&e.kind, EventKind::Note(n) if n.ends_with("started")),
    );
    let served = thread::scope(|s| {
        let server = s.spawn(|| Multiprocess.run(&ctx));
        let pid = killer.join().expect("the killer ran");
        let replaced = format!("replaces pid {pid}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ctx
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Note(n) if n.ends_with(&replaced)))
        {
            assert!(
                Instant::now() < deadline,
                "no replacement: {:#?}",
                ctx.events()
            );
            thread::sleep(Duration::from_millis(5));
        }
        let addr = ctx.serving().and_then(|s| s.address()).expect("listening");
        for id in 1..=4 {
            let mut client =
                taskset::net::HttpClient::connect(addr, Duration::from_secs(10)).expect("connects");
            assert_eq!(client.get(&format!("/data/{id}")).expect("answered").0, 200);
        }
        ctx.serving().expect("serving").stop().tell();
        server.join().expect("no panic")
    });
    let Ok(Outcome::Served(served)) = served else {
        panic!("serve returns what it served: {served:?}")
    };
    assert_eq!(served.requests, 4, "{served:?}");
    assert_no_children("prefork");
}
