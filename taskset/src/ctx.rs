//! The context a scenario runs in: its parameters, its clock and its event log.
//!
//! Every line a scenario prints goes through [`Ctx`], so each carries the time since the scenario
//! began (`[0.00s] Task A started`), and the same events are recorded for the conformance suite and
//! the timelines. One source of truth: the tests read what the user reads.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::outcome::{TaskError, TaskFailure};
use crate::params::{Params, Scenario};

/// What a [`Ctx`] does with its events.
#[derive(Clone, Copy, Debug)]
pub enum Output {
    /// Print each event line and record it (the CLI).
    Print,
    /// Record without printing (the tests).
    Record,
    /// Neither (the benchmarks: nothing but the work in the measured loop).
    Silent,
    /// Hand each event to this function instead (multiprocess: a child sends it up its pipe).
    Forward(fn(&Event)),
}

/// The most lanes a timeline draws. Past it, every k-th task or job is drawn, so that the picture
/// still spans the whole run (and its title says so): a million lanes would be a 350 MB SVG that
/// no viewer opens. `io` and `cpu` record only the jobs that will be drawn.
pub const MAX_LANES: u64 = 1_000;

/// What happened to a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `Task A started`
    Started,
    /// `Task A finished`
    Finished,
    /// `Fetching data for 1`
    Fetching,
    /// `Fetched data for 1`
    Fetched,
    /// `Caught error: Something went wrong`
    Caught(String),
    /// `Task 2 failed: Something went wrong`
    Failed(String),
    /// `Task 3 panicked: …` (or its thread or child process died)
    Panicked(String),
    /// `Task C timed out after 4.00s`
    TimedOut,
    /// `Task C cancelled`: it really stopped (a dropped future, a killed child, a stopped thread)
    Cancelled,
    /// A blocking wait begins inside the task (a mark on the timeline)
    Blocked,
    /// The start of a phase of a scenario, e.g. the stall and then the fix in `blocking`
    Phase(String),
    /// A line that explains what the model shows
    Note(String),
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Time since the scenario began.
    pub at: Duration,
    /// The task it belongs to (`A`, `1`…), if any.
    pub task: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// Who ran it: `thread main (1)`, `tokio-runtime-worker (3)`, `pid 4242`.
    pub worker: String,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:.2}s] ", self.at.as_secs_f64())?;
        let task = self.task.as_deref().unwrap_or("?");
        match &self.kind {
            EventKind::Started => write!(f, "Task {task} started"),
            EventKind::Finished => write!(f, "Task {task} finished"),
            EventKind::Fetching => write!(f, "Fetching data for {task}"),
            EventKind::Fetched => write!(f, "Fetched data for {task}"),
            EventKind::Caught(e) => write!(f, "Caught error: {e}"),
            EventKind::Failed(e) => write!(f, "Task {task} failed: {e}"),
            EventKind::Panicked(e) => write!(f, "Task {task} panicked: {e}"),
            EventKind::TimedOut => write!(f, "Task {task} timed out"),
            EventKind::Cancelled => write!(f, "Task {task} cancelled"),
            EventKind::Blocked => write!(f, "Task {task} blocks its thread"),
            EventKind::Phase(title) => write!(f, "-- {title}"),
            EventKind::Note(text) => f.write_str(text),
        }
    }
}

struct Inner {
    params: Params,
    start: Instant,
    output: Output,
    events: Mutex<Vec<Event>>,
}

/// A scenario's parameters, clock and event log; cheap to clone into tasks and threads.
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

impl Ctx {
    /// A context whose clock starts now.
    pub fn new(params: Params, output: Output) -> Ctx {
        Ctx {
            inner: Arc::new(Inner {
                params,
                start: Instant::now(),
                output,
                events: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The scenario's parameters.
    pub fn params(&self) -> &Params {
        &self.inner.params
    }

    /// Which scenario this is.
    pub fn scenario(&self) -> Scenario {
        self.inner.params.scenario
    }

    /// D: how long each task waits.
    pub fn delay(&self) -> Duration {
        self.inner.params.delay
    }

    /// How long `fetch_data(id)` waits: D, or D·(N+1−id)/N when the run is staggered.
    pub fn fetch_delay(&self, id: u64) -> Duration {
        let p = &self.inner.params;
        if p.stagger && p.tasks > 0 {
            let left = (p.tasks + 1).saturating_sub(id).max(1);
            p.delay.mul_f64(left as f64 / p.tasks as f64)
        } else {
            p.delay
        }
    }

    /// Time since the scenario began.
    pub fn elapsed(&self) -> Duration {
        self.inner.start.elapsed()
    }

    /// When the scenario began.
    pub fn start(&self) -> Instant {
        self.inner.start
    }

    /// Where the events go.
    pub fn output(&self) -> Output {
        self.inner.output
    }

    /// Records (and prints) one event, stamped now, from the current thread.
    pub fn record(&self, task: Option<&str>, kind: EventKind) {
        if matches!(self.inner.output, Output::Silent) {
            return;
        }
        self.record_from(current_worker(), task, kind);
    }

    /// Records an event that another process reported (multiprocess): it names its own worker.
    pub fn record_from(&self, worker: String, task: Option<&str>, kind: EventKind) {
        self.push(worker, task, kind, true);
    }

    fn push(&self, worker: String, task: Option<&str>, kind: EventKind, print: bool) {
        let output = self.inner.output;
        if matches!(output, Output::Silent) {
            return;
        }
        let event = |at| Event {
            at,
            task: task.map(str::to_string),
            kind,
            worker,
        };
        if let Output::Forward(send) = output {
            return send(&event(self.elapsed()));
        }
        let mut events = self.lock();
        // Stamped under the lock, so the log is in time order and prints in the order recorded.
        let event = event(self.elapsed());
        if print && matches!(output, Output::Print) {
            crate::out::line(&event.to_string());
        }
        events.push(event);
    }

    /// Whether `io` and `cpu` record job `id`: only when a timeline was asked for, and past
    /// [`MAX_LANES`] jobs only every k-th. Those scenarios run up to a million jobs, so they
    /// print none and, without a picture, record none.
    pub fn traces_job(&self, id: u64) -> bool {
        let p = &self.inner.params;
        let drawn = p.timeline.is_some() && !matches!(self.inner.output, Output::Silent);
        drawn && (id - 1) % self.job_stride() == 0
    }

    /// Every how many jobs the timeline draws one (1 up to [`MAX_LANES`] jobs).
    pub fn job_stride(&self) -> u64 {
        self.inner.params.tasks.div_ceil(MAX_LANES).max(1)
    }

    /// Job `id` of `io` or `cpu` starts, on this thread (for the timeline only; never printed).
    pub fn job_started(&self, id: u64) {
        // Checked before naming the thread: this runs on every request and job, benchmarks included.
        if self.traces_job(id) {
            self.job_started_on(current_worker(), id);
        }
    }

    /// Job `id` of `io` or `cpu` ended, well (`ok`) or not (for the timeline only).
    pub fn job_ended(&self, id: u64, ok: bool) {
        if self.traces_job(id) {
            self.job_ended_on(current_worker(), id, ok);
        }
    }

    /// Job `id` started on another process's `worker` (multiprocess: the parent records it).
    pub fn job_started_on(&self, worker: String, id: u64) {
        if self.traces_job(id) {
            self.push(worker, Some(&format!("#{id}")), EventKind::Started, false);
        }
    }

    /// Job `id` ended on `worker`, well (`ok`) or not.
    pub fn job_ended_on(&self, worker: String, id: u64, ok: bool) {
        if self.traces_job(id) {
            let kind = if ok {
                EventKind::Finished
            } else {
                EventKind::Failed("failed".into())
            };
            self.push(worker, Some(&format!("#{id}")), kind, false);
        }
    }

    /// A copy of every event so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        // A task that panicked while printing leaves the log usable: it holds plain data.
        self.inner.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Task A started`
    pub fn started(&self, task: &str) {
        self.record(Some(task), EventKind::Started);
    }

    /// `Task A finished`
    pub fn finished(&self, task: &str) {
        self.record(Some(task), EventKind::Finished);
    }

    /// `Fetching data for 1`
    pub fn fetching(&self, id: u64) {
        self.record(Some(&id.to_string()), EventKind::Fetching);
    }

    /// `Fetched data for 1`
    pub fn fetched(&self, id: u64) {
        self.record(Some(&id.to_string()), EventKind::Fetched);
    }

    /// `Caught error: …`
    pub fn caught(&self, error: &dyn fmt::Display) {
        self.record(None, EventKind::Caught(error.to_string()));
    }

    /// `Task 2 failed: …`
    pub fn failed(&self, task: &str, error: &dyn fmt::Display) {
        self.record(Some(task), EventKind::Failed(error.to_string()));
    }

    /// `Task 3 panicked: …`
    pub fn panicked(&self, task: &str, message: &str) {
        self.record(Some(task), EventKind::Panicked(message.to_string()));
    }

    /// `Task C timed out`
    pub fn timed_out(&self, task: &str) {
        self.record(Some(task), EventKind::TimedOut);
    }

    /// `Task C cancelled`
    pub fn cancelled(&self, task: &str) {
        self.record(Some(task), EventKind::Cancelled);
    }

    /// Marks the start of a blocking wait inside a task.
    pub fn blocked(&self, task: &str) {
        self.record(Some(task), EventKind::Blocked);
    }

    /// `-- title`: the start of a phase (the stall, then the fix).
    pub fn phase(&self, title: &str) {
        self.record(None, EventKind::Phase(title.to_string()));
    }

    /// A line that explains what the model shows here.
    pub fn note(&self, text: &str) {
        self.record(None, EventKind::Note(text.to_string()));
    }

    /// A guard that reports `Task {name} cancelled` if it is dropped before [`CancelGuard::disarm`].
    ///
    /// For the async models' `timeout`: a future that is dropped runs no more code, but it does
    /// drop what it holds, so a guard it holds is the proof that it stopped.
    pub fn cancel_guard<'a>(&'a self, name: &'a str) -> CancelGuard<'a> {
        CancelGuard {
            ctx: self,
            name,
            armed: true,
        }
    }

    /// How long task `name` of the timeout scenario works: 3·D for the last task, D for the others.
    pub fn timeout_work(&self, name: &str) -> Duration {
        let late = self.inner.params.names().pop() == Some(name.to_string());
        if late { self.delay() * 3 } else { self.delay() }
    }

    /// Records how task `id` of `errors` ended and returns its entry in the results.
    ///
    /// `ended` is what the model got back: the task's own result, or `Err(why)` when the task
    /// panicked or its thread or process died (the model turns its join error into `why`).
    pub fn settle(
        &self,
        id: u64,
        ended: Result<Result<String, TaskError>, String>,
    ) -> Result<String, TaskFailure> {
        let task = id.to_string();
        match ended {
            Ok(Ok(data)) => Ok(data),
            Ok(Err(error)) => {
                self.failed(&task, &error);
                Err(TaskFailure::failed(id, error))
            }
            Err(why) => {
                self.panicked(&task, &why);
                Err(TaskFailure::panicked(id, why))
            }
        }
    }
}

/// Reports `Task X cancelled` if dropped while armed: see [`Ctx::cancel_guard`].
pub struct CancelGuard<'a> {
    ctx: &'a Ctx,
    name: &'a str,
    armed: bool,
}

impl CancelGuard<'_> {
    /// The work is done: dropping the guard now says nothing.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.ctx.cancelled(self.name);
        }
    }
}

/// The current thread as a timeline lane: its name (if any) and its number.
fn current_worker() -> String {
    let thread = std::thread::current();
    let id = format!("{:?}", thread.id());
    let id = id.trim_start_matches("ThreadId(").trim_end_matches(')');
    match thread.name() {
        Some(name) => format!("{name} ({id})"),
        None => format!("thread ({id})"),
    }
}
