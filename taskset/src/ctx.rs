//! The context a scenario runs in: its parameters, its clock and its event log.
//!
//! Every line a scenario prints goes through [`Ctx`], so each carries the time since the scenario
//! began (`[0.00s] Task A started`), and the same events are recorded for the conformance suite and
//! the timelines. One source of truth: the tests read what the user reads.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::outcome::{ServeOutcome, TaskError, TaskFailure};
use crate::params::{Params, Scenario};
use crate::stop::Stop;

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
    /// `serve`: a connection was accepted (its lane starts)
    Opened,
    /// `serve`: a request arrives on a connection, or a client sends one (`Request A started`)
    Asked,
    /// `serve`: the answer goes out, with its status (`Request A finished: 200`)
    Answered(u16),
    /// `serve`: the connection ended (its lane ends)
    Closed,
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
            EventKind::Opened => write!(f, "Connection {task} opened"),
            EventKind::Asked => write!(f, "Request {task} started"),
            EventKind::Answered(status) => write!(f, "Request {task} finished: {status}"),
            EventKind::Closed => write!(f, "Connection {task} closed"),
        }
    }
}

struct Inner {
    params: Params,
    start: Instant,
    output: Output,
    events: Mutex<Vec<Event>>,
    /// `serve` only: its stop and its counts.
    serving: Option<Serving>,
}

/// What a server counts, and how it is stopped: shared by every connection it serves.
#[derive(Debug)]
pub struct Serving {
    stop: Arc<Stop>,
    address: OnceLock<SocketAddr>,
    requests: AtomicU64,
    connections: AtomicU64,
    open: AtomicU64,
    peak: AtomicU64,
    rejected: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    turned_away: AtomicU64,
    /// The capacity messages already said, so each is said once.
    said: Mutex<Vec<String>>,
}

/// A scenario's parameters, clock and event log; cheap to clone into tasks and threads.
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

impl Ctx {
    /// A context whose clock starts now.
    pub fn new(params: Params, output: Output) -> Ctx {
        // A server's stop is a pipe: if even that cannot be had, `serving()` refuses to serve.
        let serving = (params.scenario == Scenario::Serve)
            .then(Stop::new)
            .and_then(Result::ok)
            .map(Serving::new);
        Ctx {
            inner: Arc::new(Inner {
                params,
                start: Instant::now(),
                output,
                events: Mutex::new(Vec::new()),
                serving,
            }),
        }
    }

    /// `serve`'s stop and counts; None for another scenario, or if the OS had no pipe to give.
    pub fn serving(&self) -> Option<&Serving> {
        self.inner.serving.as_ref()
    }

    /// Whether `serve` records connection `conn`'s events: for the tests and the timelines, and
    /// at most the first [`MAX_LANES`] connections (a server may see millions).
    pub fn traces_connection(&self, conn: u64) -> bool {
        let p = &self.inner.params;
        let wanted = match self.inner.output {
            Output::Record => true,
            // A prefork worker is asked for its connections' events with a timeline of its own.
            Output::Print | Output::Forward(_) => p.timeline.is_some(),
            Output::Silent => false,
        };
        wanted && conn <= MAX_LANES
    }

    /// A connection was accepted: its number (from 1), counted and, where traced, recorded.
    pub fn opened(&self) -> u64 {
        let Some(s) = self.serving() else { return 0 };
        let conn = s.connections.fetch_add(1, Ordering::Relaxed) + 1;
        let open = s.open.fetch_add(1, Ordering::Relaxed) + 1;
        s.peak.fetch_max(open, Ordering::Relaxed);
        if self.traces_connection(conn) {
            self.push(
                current_worker(),
                Some(&conn.to_string()),
                EventKind::Opened,
                false,
            );
        }
        conn
    }

    /// A request arrived on connection `conn`.
    pub fn asked(&self, conn: u64) {
        if self.traces_connection(conn) {
            self.push(
                current_worker(),
                Some(&conn.to_string()),
                EventKind::Asked,
                false,
            );
        }
    }

    /// Connection `conn`'s request was answered with `status`: a 200 is a request served, any
    /// other a bad request turned down.
    pub fn answered(&self, conn: u64, status: u16) {
        let Some(s) = self.serving() else { return };
        let counter = if status == 200 {
            &s.requests
        } else {
            &s.rejected
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if self.traces_connection(conn) {
            let kind = EventKind::Answered(status);
            self.push(current_worker(), Some(&conn.to_string()), kind, false);
        }
    }

    /// Connection `conn` ended: by the client, after `Connection: close`, or at the stop.
    pub fn closed(&self, conn: u64) {
        let Some(s) = self.serving() else { return };
        s.open.fetch_sub(1, Ordering::Relaxed);
        if self.traces_connection(conn) {
            self.push(
                current_worker(),
                Some(&conn.to_string()),
                EventKind::Closed,
                false,
            );
        }
    }

    /// A connection broke (reset, or a write to a client that went away): counted as an error.
    pub fn broke(&self) {
        if let Some(s) = self.serving() {
            s.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection sat idle, or half-way through a request, past the idle timeout.
    pub fn idled(&self) {
        if let Some(s) = self.serving() {
            s.timeouts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection the server could not take (no thread, no process to spare): counted, and
    /// the reason said once.
    pub fn turned_away(&self, why: &str) {
        if let Some(s) = self.serving() {
            s.turned_away.fetch_add(1, Ordering::Relaxed);
        }
        self.say_once(why);
    }

    /// Says `why` the server is at its capacity, once per reason, in one line on stderr that names
    /// the limit; the server goes on with the connections it holds.
    pub fn say_once(&self, why: &str) {
        let Some(s) = self.serving() else { return };
        let mut said = s.said.lock().unwrap_or_else(|e| e.into_inner());
        if !said.iter().any(|w| w == why) {
            said.push(why.to_string());
            eprintln!("note: {why}; the server goes on with the connections it holds");
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

    /// Records, without printing, an event another process reported: multiprocess's prefork
    /// workers report their connections for the timeline and the tests, never for the screen.
    pub fn trace_from(&self, worker: String, task: &str, kind: EventKind) {
        self.push(worker, Some(task), kind, false);
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

impl Serving {
    fn new(stop: Stop) -> Serving {
        Serving {
            stop: Arc::new(stop),
            address: OnceLock::new(),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            turned_away: AtomicU64::new(0),
            said: Mutex::new(Vec::new()),
        }
    }

    /// How the server is stopped.
    pub fn stop(&self) -> &Arc<Stop> {
        &self.stop
    }

    /// Where it listens, once it does.
    pub fn address(&self) -> Option<SocketAddr> {
        self.address.get().copied()
    }

    /// Records where it listens (once).
    pub fn listening(&self, addr: SocketAddr) {
        let _ = self.address.set(addr);
    }

    /// Connections open now.
    pub fn open(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    /// What was served, so far.
    pub fn outcome(&self, how: impl Into<String>) -> ServeOutcome {
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ServeOutcome {
            address: self.address(),
            requests: n(&self.requests),
            connections: n(&self.connections),
            peak: n(&self.peak),
            rejected: n(&self.rejected),
            errors: n(&self.errors),
            timeouts: n(&self.timeouts),
            turned_away: n(&self.turned_away),
            how: how.into(),
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
