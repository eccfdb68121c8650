//! The child's side: how this crate's own executable becomes a worker process.
//!
//! Like Python's multiprocessing `spawn` start method, a worker is a fresh copy of the program,
//! not a fork of the parent's memory: the parent runs its own executable again with
//! `MULTIPROCESS_WORKER=<its pid>`, and the first thing `main` does is [`run_if_worker`], which turns the
//! process into a worker that runs the jobs of [`crate::protocol`] from its stdin and never returns.
//! A fresh process shares nothing with its parent but the pipes, which is what makes a crash in
//! it harmless, and what makes starting it cost a whole `exec`.
//!
//! Each job runs the same task function as every other model's (`task(ctx, name)`,
//! `fetch_data(ctx, id)`…), on a [`Ctx`] of the child's own whose events go up the pipe instead of
//! to the screen: the parent records them, stamped when they arrive, as `pid <pid>` did them.
//!
//! Which executable: [`set_exe`] if called, else `MULTIPROCESS_WORKER_EXE`, else
//! `std::env::current_exe()`. Integration tests are their own executables (they do not call
//! [`run_if_worker`]), so they call `set_exe(env!("CARGO_BIN_EXE_multiprocess"))`; a criterion
//! bench calls [`run_if_worker`] at the top of its own `main` and needs nothing else.

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use taskset::{Ctx, Error, Event, Output, Params, Scenario, TaskError, panic_message};

use crate::protocol::{Job, Report, ms};

/// Set in a child's environment to make it a worker.
pub const WORKER_ENV: &str = "MULTIPROCESS_WORKER";
/// Overrides the executable started as a worker.
pub const EXE_ENV: &str = "MULTIPROCESS_WORKER_EXE";

static EXE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Makes `path` the executable this process starts as its workers (it must call [`run_if_worker`]).
pub fn set_exe(path: impl Into<PathBuf>) {
    *EXE.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.into());
}

/// The executable to start as a worker: [`set_exe`], `MULTIPROCESS_WORKER_EXE`, or this one.
pub fn exe() -> Result<PathBuf, Error> {
    // A worker that starts workers is an executable that forgot run_if_worker(): it would run
    // its parent's program instead of the jobs. Refuse, instead of starting processes in a loop.
    if std::env::var_os(WORKER_ENV).is_some() {
        return Err(Error::refused(format!(
            "a worker process may not start workers: its executable must call \
             multiprocess::worker::run_if_worker() first (or set {EXE_ENV})"
        )));
    }
    if let Some(path) = EXE.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(path);
    }
    match std::env::var_os(EXE_ENV) {
        Some(path) => Ok(path.into()),
        None => std::env::current_exe().map_err(|e| {
            Error::refused(format!("cannot find this executable to start workers: {e}"))
        }),
    }
}

/// In a worker: runs the jobs from stdin until it closes, then exits. Elsewhere: returns at once.
pub fn run_if_worker() {
    let Some(parent) = std::env::var_os(WORKER_ENV) else {
        return;
    };
    die_with_parent(parent.to_str().and_then(|p| p.parse().ok()));
    // A panic in a job ends this process, and its message is all the parent should read:
    // one line on stderr, which becomes the failure text of the task.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", panic_message(info.payload()))
    }));
    let faults = test_hooks::faults();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match Job::parse(&line) {
            Ok(job) => {
                test_hooks::inject(&faults, &job.task());
                send(Report::from(run(job)));
            }
            Err(why) => send(Report::Error(why)),
        }
    }
    std::process::exit(0);
}

/// Asks the kernel to SIGKILL this worker when its parent dies, however the parent dies (a
/// signal, Ctrl-C, SIGTERM): no orphan is left running.
///
/// The worker asks for it itself, first thing, rather than the parent in a `pre_exec` hook: a
/// hook forces `fork` of the whole parent, while without one `Command::spawn` can use the much
/// cheaper `posix_spawn`. If the parent died before the request, no signal will ever come, so the
/// worker checks that its parent is still the one that started it (`parent`, from
/// `MULTIPROCESS_WORKER`; `1`, by hand, skips the check) and exits otherwise.
fn die_with_parent(parent: Option<libc::pid_t>) {
    // SAFETY: prctl and getppid have no memory effects on this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
        if parent.is_some_and(|p| p > 1 && libc::getppid() != p) {
            std::process::exit(1);
        }
    }
}

/// Runs one job with the task functions of the crate root; its value or its error.
fn run(job: Job) -> Result<String, TaskError> {
    match job {
        Job::Task { name, delay } => {
            crate::task(&child_ctx(delay, None), &name);
            Ok(String::new())
        }
        Job::Fetch { id, delay } => Ok(crate::fetch_data(&child_ctx(delay, None), id)),
        Job::Risky { delay } => crate::risky_task(&child_ctx(delay, None)),
        Job::Flaky { id, delay } => crate::flaky_task(&child_ctx(delay, None), id),
        Job::Block { name, delay } => {
            crate::blocking_task(&child_ctx(delay, None), &name);
            Ok(String::new())
        }
        Job::Slow { name, work } => {
            crate::slow_task(&child_ctx(work, None), &name, work);
            Ok(String::new())
        }
        Job::Request { id, delay, server } => crate::request(&child_ctx(delay, server), id)
            .map(ms)
            .map_err(TaskError),
        Job::Cpu { id, units } => Ok(taskset::kernel::job(id, units).to_string()),
    }
}

/// The child's context for a job that waits `delay` (and asks `server`): its events go up the
/// pipe ([`forward`]) instead of to a screen.
fn child_ctx(delay: Duration, server: Option<SocketAddr>) -> Ctx {
    let mut p = Params::of(Scenario::Gather);
    p.delay = delay;
    p.server = server;
    Ctx::new(p, Output::Forward(forward))
}

/// Sends a task's event to the parent: `started A`, `fetched 3`. Notes have no place on the pipe.
fn forward(event: &Event) {
    if let Some(task) = &event.task {
        let report = Report::Event {
            kind: event.kind.clone(),
            task: task.clone(),
        };
        if Report::parse(&report.to_string()).is_some() {
            send(report);
        }
    }
}

/// Writes one protocol line and flushes it, so the parent sees it now, not when a buffer fills.
fn send(report: Report) {
    let mut out = io::stdout().lock();
    if writeln!(out, "{report}")
        .and_then(|()| out.flush())
        .is_err()
    {
        // The parent closed its end: it is gone, and nobody is left to work for.
        std::process::exit(1);
    }
}

/// Test hooks, for the fault tests and for trying faults by hand; no scenario uses them.
///
/// `MULTIPROCESS_FAULT=B=panic,3=hang` makes the worker running task B panic and the one running
/// task 3 hang. The faults are `panic`, `exit` (status 3), `hang` and `garbage` (a line that is not
/// the protocol); only the worker reads the variable. Try
/// `MULTIPROCESS_FAULT=B=panic cargo run -p multiprocess -- gather`.
pub mod test_hooks {
    use std::io::{self, Write};
    use std::sync::Mutex;
    use std::thread;
    use std::time::Duration;

    /// Faults to inject into the workers: `task=fault,…`.
    pub const FAULT_ENV: &str = "MULTIPROCESS_FAULT";

    static FAULTS: Mutex<Option<String>> = Mutex::new(None);

    /// The faults to inject into the workers this process starts from now on (the tests).
    pub fn inject_faults(spec: Option<&str>) {
        *FAULTS.lock().unwrap_or_else(|e| e.into_inner()) = spec.map(str::to_string);
    }

    /// The fault spec to hand to a new worker, if any was injected.
    pub(crate) fn injected() -> Option<String> {
        FAULTS.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// In a worker: the faults its parent asked for.
    pub(crate) fn faults() -> String {
        std::env::var(FAULT_ENV).unwrap_or_default()
    }

    /// Applies the fault injected for `task`, if any.
    pub(crate) fn inject(faults: &str, task: &str) {
        let fault = faults
            .split(',')
            .filter_map(|f| f.split_once('='))
            .find(|(t, _)| *t == task)
            .map(|(_, f)| f);
        match fault {
            Some("panic") => panic!("injected panic in task {task}"),
            Some("exit") => std::process::exit(3),
            Some("hang") => loop {
                thread::sleep(Duration::from_secs(3600));
            },
            Some("garbage") => {
                let mut out = io::stdout().lock();
                let _ = out.write_all(b"\x1b[31m\xde\xad\xbe\xef not the protocol\n");
                let _ = out.flush();
            }
            _ => {}
        }
    }
}
