//! The parent's side: starting worker processes, listening to them, and never leaving one behind.
//!
//! [`Procs`] is a set of child processes that runs jobs two ways: one child per job
//! ([`Procs::start`], then [`Procs::wait_all`]), or a pool of P children that take the next job
//! as they finish one ([`Procs::pool`], then [`Procs::run`]). Either way one thread listens to
//! every child at once with `poll(2)` on their pipes, the way Python's `multiprocessing` waits on
//! its connections: no thread per child, so a thousand children cost a thousand processes and
//! nothing more in the parent.
//!
//! What the parent guarantees, whatever the children do:
//! - every job ends with a result or a failure named with its task: a child that panics, exits
//!   non-zero, is killed by a signal, writes garbage, or stays silent past its deadline (killed);
//! - it never hangs: each job has a deadline (its expected time, again as much, plus 2 s), and
//!   a child past it is killed;
//! - a pool keeps its P workers: a worker that dies is reported when it dies, with the job it was
//!   running, and replaced; a pure job (the CPU kernel's) is run again on the replacement, any
//!   other job fails, named;
//! - no zombies: every child is waited for, on every path, by the code that ends it or by `Drop`
//!   (which also covers a `?` error and a panic in the parent);
//! - no orphans: each child asks the kernel for `SIGKILL` when its parent dies
//!   (`PR_SET_PDEATHSIG`), which covers the parent killed by a signal, Ctrl-C or SIGTERM included,
//!   where no destructor runs. (Ctrl-C in a terminal also signals the children directly: they
//!   are in the parent's foreground process group.) The death signal follows the *thread* that
//!   started the child, so a `Procs` is used on one thread and reaps its children before it goes;
//! - limits: before starting N processes it checks them with `taskset::capacity::processes` and
//!   refuses in one line naming the limit; if a start fails midway anyway, the children already
//!   started are killed and reaped, and the error names the limit.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use taskset::{Ctx, Error, EventKind, Flag, ServeOutcome, TaskError, capacity};

use crate::protocol::{self, Job, Report};
use crate::worker::{self, WORKER_ENV, test_hooks};

/// The longest line a child may write; a longer one is garbage.
const MAX_LINE: usize = 64 * 1024;
/// How much of a child's stderr is kept for its failure text (the end of it).
const MAX_STDERR: usize = 4 * 1024;
/// Slack on every deadline, for process start-up on a busy machine.
const GRACE: Duration = Duration::from_secs(2);

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The job returned: its `result` line, or its `error` line.
    Returned(Result<String, TaskError>),
    /// It outlived its time limit and its child was killed at the deadline, as asked.
    TimedOut,
    /// Its child died or misbehaved before the job returned: why, naming the pid.
    Died(String),
}

impl Ended {
    /// As `Ctx::settle` takes it: the task's own result, or why its process failed.
    pub fn settled(self) -> Result<Result<String, TaskError>, String> {
        match self {
            Ended::Returned(result) => Ok(result),
            Ended::TimedOut => Err("timed out".to_string()),
            Ended::Died(why) => Err(why),
        }
    }

    /// The job's value, or why there is none: its error, or why its process failed.
    pub fn returned(self) -> Result<String, String> {
        self.settled()?.map_err(|e| e.to_string())
    }
}

/// One child process and what the parent knows of it.
struct Kid {
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    out: File,
    out_buf: Vec<u8>,
    err: Option<File>,
    err_buf: Vec<u8>,
    /// The job it is running (an index into `Procs::jobs`), if any.
    job: Option<usize>,
    /// When it was given its job.
    sent: Instant,
    /// When to give up on it and kill it.
    hang_at: Instant,
    /// The timeout scenario: when its task's time is up (set when it reports `started`).
    limit_at: Option<Instant>,
}

impl Kid {
    fn deadline(&self) -> Instant {
        self.limit_at.map_or(self.hang_at, |l| l.min(self.hang_at))
    }
}

/// A set of child processes running jobs; dropping it kills and reaps whatever is left.
pub struct Procs<'c> {
    ctx: &'c Ctx,
    exe: PathBuf,
    planned: u64,
    started: u64,
    kids: Vec<Kid>,
    jobs: Vec<(Job, Option<Duration>)>,
    ends: Vec<Option<Ended>>,
    queue: VecDeque<usize>,
    /// A pool replaces the workers that die; one child per job does not.
    pool: bool,
    /// Prefork: the server's stop, watched beside the pipes; once told, the workers are asked to
    /// stop (SIGTERM) and given the grace to finish their connection.
    watch: Option<std::sync::Arc<taskset::stop::Stop>>,
    stopping: bool,
    /// Prefork: the listening socket's descriptor, which the workers inherit.
    listener: Option<i32>,
    /// The jobs run once more after their worker died (each at most once).
    retried: Vec<bool>,
}

impl<'c> Procs<'c> {
    /// An empty set for up to `n` children, once the machine's limits allow `n` more processes.
    pub fn new(ctx: &'c Ctx, n: u64) -> Result<Procs<'c>, Error> {
        let flag = if ctx.scenario().uses(Flag::Tasks) {
            format!("--tasks {}", ctx.params().tasks)
        } else {
            ctx.scenario().to_string()
        };
        capacity::processes(&flag, n)?;
        Ok(Procs {
            ctx,
            exe: worker::exe()?,
            planned: n,
            started: 0,
            kids: Vec::new(),
            jobs: Vec::new(),
            ends: Vec::new(),
            queue: VecDeque::new(),
            pool: false,
            retried: Vec::new(),
            watch: None,
            stopping: false,
            listener: None,
        })
    }

    /// Starts a child of its own for `job`; it runs it and exits.
    pub fn start(&mut self, job: Job) -> Result<(), Error> {
        self.start_with_limit(job, None)
    }

    /// Starts a child for `job` that is killed `limit` after it reports `started`, if given.
    pub fn start_with_limit(&mut self, job: Job, limit: Option<Duration>) -> Result<(), Error> {
        let j = self.push(job, limit);
        let k = self.spawn()?;
        self.send(k, j);
        // One job per child: closing its stdin now tells it to exit once the job is done.
        self.kids[k].stdin = None;
        // Listen to the children started so far before starting the next, so that their events
        // are stamped when they happen, not when the last child has been started.
        self.step(Duration::ZERO);
        Ok(())
    }

    /// Waits for every child started; returns each job's task and end, in the order started.
    pub fn wait_all(mut self) -> Vec<(String, Ended)> {
        self.drive();
        self.take_ends()
    }

    /// A pool of `p` worker processes, started now and idle until [`Procs::run`].
    pub fn pool(ctx: &'c Ctx, p: u64) -> Result<Procs<'c>, Error> {
        capacity::processes(&format!("--workers {p}"), p)?;
        let mut procs = Procs::new(ctx, p)?;
        procs.pool = true;
        for _ in 0..p {
            procs.spawn_worker("started")?;
        }
        Ok(procs)
    }

    /// Prefork: `p` workers that inherit `listener` (its descriptor stays open across `exec`) and
    /// serve on it until the server of `ctx` is told to stop.
    pub fn prefork(ctx: &'c Ctx, listener: &TcpListener, p: u64) -> Result<Procs<'c>, Error> {
        let stop = taskset::serve::serving(ctx)?.stop().clone();
        let fd = listener.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own, clearing only its close-on-exec flag.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
        }
        let mut procs = Procs::pool(ctx, p)?;
        procs.watch = Some(stop);
        procs.listener = Some(fd);
        Ok(procs)
    }

    /// Serves until the stop: a `serve` job per worker, replaced when its worker dies; then the
    /// workers' counts, added up.
    pub fn serve(mut self) -> Result<ServeOutcome, Error> {
        let (ctx, p, workers) = (self.ctx, self.ctx.params(), self.planned);
        let prefork_only = Error::failed("serve runs on a prefork pool only");
        let fd = self.listener.take().ok_or(prefork_only)?;
        let jobs = (1..=workers).map(|worker| Job::Serve {
            worker,
            fd,
            delay: p.delay,
            units: p.work,
            idle: p.idle,
            trace: ctx.traces_connection(1),
        });
        let how = format!("prefork: {workers} worker processes, one connection at a time each");
        let mut served = taskset::serve::served(ctx, how);
        for (task, end) in self.run(jobs) {
            let counts = returned(ctx, &task, end).map_err(Error::failed)?;
            served.add(&protocol::served(&counts).ok_or(Error::failed(counts))?);
        }
        Ok(served)
    }

    /// The server was told to stop: each worker is asked to (SIGTERM), finishes the connection it
    /// serves and reports; one that does not within the grace is killed. A worker's own grace
    /// starts when its signal lands, and a request in flight may still sleep D: the deadline here
    /// adds D, and a second for the worker to report.
    fn stop_serving(&mut self) {
        self.stopping = true;
        self.queue.clear();
        let grace =
            Instant::now() + taskset::serve::GRACE + self.ctx.delay() + Duration::from_secs(1);
        for kid in &mut self.kids {
            // SAFETY: kill sends a signal to a child we started and have not reaped.
            unsafe { libc::kill(kid.pid as i32, libc::SIGTERM) };
            kid.hang_at = grace;
        }
    }

    /// Starts one pool worker and says so (`pool worker pid 42 started`).
    fn spawn_worker(&mut self, what: &str) -> Result<usize, Error> {
        let k = self.spawn()?;
        let pid = self.kids[k].pid;
        let note = EventKind::Note(format!("pool worker pid {pid} {what}"));
        self.ctx.record_from(format!("pid {pid}"), None, note);
        Ok(k)
    }

    /// Runs `jobs` on the pool, each on the next idle worker; returns their ends in input order.
    pub fn run(mut self, jobs: impl IntoIterator<Item = Job>) -> Vec<(String, Ended)> {
        for job in jobs {
            let j = self.push(job, None);
            self.queue.push_back(j);
        }
        self.drive();
        self.take_ends()
    }

    fn push(&mut self, job: Job, limit: Option<Duration>) -> usize {
        self.jobs.push((job, limit));
        self.ends.push(None);
        self.retried.push(false);
        self.jobs.len() - 1
    }

    /// Job `j` lost its child, for `why`: reported now, when it happens, with its task. In a pool
    /// a pure job runs again, any other fails; and the pool gets a new worker while work is left.
    fn lost(&mut self, j: usize, pid: u32, why: String) {
        let task = self.jobs[j].0.task();
        self.ctx.record_from(
            format!("pid {pid}"),
            Some(&task),
            EventKind::Panicked(why.clone()),
        );
        let job = &self.jobs[j].0;
        if self.pool && job.restarts() && !self.stopping {
            self.queue.push_front(j);
        } else if self.pool && job.is_pure() && !self.retried[j] {
            self.retried[j] = true;
            self.queue.push_front(j);
            self.ctx.note(&format!(
                "job {task} runs again: it is pure, so its result is the same"
            ));
        } else {
            self.ends[j] = Some(Ended::Died(why));
        }
        if self.pool && !self.queue.is_empty() {
            // If even the replacement cannot start, the jobs left fail, each named, in `drive`.
            let _ = self.spawn_worker(&format!("replaces pid {pid}"));
        }
    }

    fn take_ends(&mut self) -> Vec<(String, Ended)> {
        let lost = || Ended::Died("lost track of its child".to_string());
        let ends = std::mem::take(&mut self.ends).into_iter();
        let tasks = self.jobs.iter().map(|(job, _)| job.task());
        tasks.zip(ends.map(|e| e.unwrap_or_else(lost))).collect()
    }

    /// Starts one worker process; on failure kills and reaps the ones started, and names the limit.
    fn spawn(&mut self) -> Result<usize, Error> {
        let mut cmd = Command::new(&self.exe);
        // The worker's variable carries our pid: the worker asks to die with us (see
        // `worker::die_with_parent`), and checks that we are still its parent.
        cmd.env(WORKER_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(faults) = test_hooks::injected() {
            cmd.env(test_hooks::FAULT_ENV, faults);
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let started = self.started;
                self.kill_all();
                return Err(capacity::process_refused(&e, started, self.planned));
            }
        };
        self.started += 1;
        let out = nonblocking(child.stdout.take().expect("piped").into());
        let err = nonblocking(child.stderr.take().expect("piped").into());
        let now = Instant::now();
        self.kids.push(Kid {
            pid: child.id(),
            stdin: child.stdin.take(),
            child,
            out,
            out_buf: Vec::new(),
            err: Some(err),
            err_buf: Vec::new(),
            job: None,
            sent: now,
            hang_at: now + GRACE,
            limit_at: None,
        });
        Ok(self.kids.len() - 1)
    }

    /// Gives job `j` to child `k` and sets its deadline.
    fn send(&mut self, k: usize, j: usize) {
        let (job, _) = &self.jobs[j];
        let kid = &mut self.kids[k];
        let now = Instant::now();
        kid.job = Some(j);
        kid.sent = now;
        kid.hang_at = now + job.expected() * 2 + GRACE;
        kid.limit_at = None;
        if let Some(stdin) = kid.stdin.as_mut() {
            // A failed write means the child is gone: its end of file reports the job.
            let _ = stdin.write_all(format!("{}\n", job.line()).as_bytes());
        }
        if let Some(id) = job.job_id() {
            self.ctx.job_started_on(format!("pid {}", kid.pid), id);
        }
    }

    /// Listens until every child has ended; jobs no worker was left to run fail.
    fn drive(&mut self) {
        while !self.kids.is_empty() {
            self.dispatch();
            let next = self.kids.iter().map(Kid::deadline).min();
            let wait = next.map_or(Duration::ZERO, |t| {
                t.saturating_duration_since(Instant::now())
            });
            self.step(wait);
        }
        for j in self.queue.drain(..) {
            let why = "no worker process was left to run it".to_string();
            self.ends[j] = Some(Ended::Died(why));
        }
    }

    /// Gives each idle worker the next job, or closes its stdin (so it exits) when none is left.
    fn dispatch(&mut self) {
        for k in 0..self.kids.len() {
            if self.kids[k].job.is_some() {
                continue;
            }
            if let Some(j) = self.queue.pop_front() {
                self.send(k, j);
            } else if self.kids[k].stdin.take().is_some() {
                self.kids[k].hang_at = Instant::now() + GRACE;
            }
        }
    }

    /// Waits up to `wait` for any child to write, handles what they wrote, then the deadlines.
    fn step(&mut self, wait: Duration) {
        let mut fds = Vec::new();
        let mut owners = Vec::new();
        for (k, kid) in self.kids.iter().enumerate() {
            for file in std::iter::once(&kid.out).chain(kid.err.as_ref()) {
                let fd = file.as_raw_fd();
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
                owners.push(k);
            }
        }
        let watched = self
            .watch
            .as_ref()
            .filter(|_| !self.stopping)
            .map(|s| s.fd());
        if let Some(fd) = watched {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
            owners.push(usize::MAX);
        }
        let ms = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        // SAFETY: poll reads and writes only the array we pass, with its true length.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if ready > 0 {
            let mut ready: Vec<usize> = owners
                .iter()
                .zip(&fds)
                .filter(|(_, fd)| fd.revents != 0)
                .map(|(k, _)| *k)
                .collect();
            ready.dedup();
            if ready.last() == Some(&usize::MAX) {
                ready.pop();
                self.stop_serving();
            }
            // From the last: handling child k may remove it, which moves the last child to k.
            for k in ready.into_iter().rev() {
                self.service(k);
            }
        }
        self.expire(Instant::now());
    }

    /// Reads what child `k` wrote; handles its lines; reaps it at the end of its output.
    fn service(&mut self, k: usize) {
        let kid = &mut self.kids[k];
        if let Some(err) = kid.err.as_mut()
            && !fill(err, &mut kid.err_buf)
        {
            kid.err = None;
        }
        keep_tail(&mut kid.err_buf);
        let open = fill(&mut kid.out, &mut kid.out_buf);
        let mut lines = Vec::new();
        while let Some(pos) = kid.out_buf.iter().position(|&b| b == b'\n') {
            lines.push(kid.out_buf.drain(..=pos).collect::<Vec<u8>>());
        }
        let overlong = kid.out_buf.len() > MAX_LINE;
        for line in lines {
            if let Err(why) = self.on_line(k, &line[..line.len() - 1]) {
                return self.kill(k, why);
            }
        }
        if overlong {
            let pid = self.kids[k].pid;
            return self.kill(
                k,
                format!("child pid {pid} wrote a line longer than {MAX_LINE} bytes"),
            );
        }
        if !open {
            self.reap(k);
        }
    }

    /// Handles one line from child `k`; an error is garbage, and the child gets killed for it.
    fn on_line(&mut self, k: usize, bytes: &[u8]) -> Result<(), String> {
        let kid = &mut self.kids[k];
        let pid = kid.pid;
        let report = std::str::from_utf8(bytes).ok().and_then(Report::parse);
        let (Some(report), Some(j)) = (report, kid.job) else {
            let shown: String = String::from_utf8_lossy(bytes).chars().take(60).collect();
            return Err(format!(
                "child pid {pid} wrote garbage to its pipe: {shown:?}"
            ));
        };
        let (job, limit) = &self.jobs[j];
        let task = job.task();
        let ended = match report {
            // A prefork worker's connection: `w2.7` is worker 2's seventh.
            Report::Event { kind, task: conn } if job.restarts() => {
                let conn = format!("{task}.{conn}");
                self.ctx.trace_from(format!("pid {pid}"), &conn, kind);
                return Ok(());
            }
            Report::Event { kind, task: named } => {
                if named != task {
                    return Err(format!(
                        "child pid {pid} running task {task} spoke for task {named}"
                    ));
                }
                if kind == EventKind::Started {
                    kid.limit_at = limit.map(|l| Instant::now() + l);
                }
                self.ctx
                    .record_from(format!("pid {pid}"), Some(&task), kind);
                return Ok(());
            }
            Report::Result(value) => Ended::Returned(Ok(value)),
            Report::Error(error) => Ended::Returned(Err(TaskError(error))),
        };
        if let Some(id) = job.job_id() {
            let ok = matches!(ended, Ended::Returned(Ok(_)));
            self.ctx.job_ended_on(format!("pid {pid}"), id, ok);
        }
        self.ends[j] = Some(ended);
        kid.job = None;
        kid.limit_at = None;
        // Its job is done: it takes the next one or exits (its stdin closes) within the grace.
        kid.hang_at = Instant::now() + GRACE;
        Ok(())
    }

    /// Kills the children past their deadline: the late task of `timeout`, or a hung one.
    fn expire(&mut self, now: Instant) {
        for k in (0..self.kids.len()).rev() {
            let kid = &self.kids[k];
            let task = kid.job.map(|j| self.jobs[j].0.task());
            if let (Some(task), true) = (&task, kid.limit_at.is_some_and(|t| t <= now)) {
                // The task's time is up. A process can be stopped from outside at any instruction:
                // SIGKILL ends it, and wait() reaps it, before we say it was cancelled.
                self.ctx.timed_out(task);
                let j = self.remove(k).job;
                self.ctx.cancelled(task);
                if let Some(j) = j {
                    self.ends[j] = Some(Ended::TimedOut);
                }
            } else if kid.hang_at <= now {
                let (pid, waited) = (kid.pid, now - kid.sent);
                let why = format!(
                    "child pid {pid} hung: silent for {:.2}s, killed",
                    waited.as_secs_f64()
                );
                self.kill(k, why);
            }
        }
    }

    /// Kills and reaps child `k`; its job, if any, died for `why`.
    fn kill(&mut self, k: usize, why: String) {
        let kid = self.remove(k);
        if let Some(j) = kid.job {
            self.lost(j, kid.pid, why);
        }
    }

    /// Takes child `k` out of the set, killed and reaped.
    fn remove(&mut self, k: usize) -> Kid {
        let mut kid = self.kids.swap_remove(k);
        let _ = kid.child.kill();
        let _ = kid.child.wait();
        kid
    }

    /// Child `k` closed its stdout: it is exiting. Waits for it and says why, if its job was cut short.
    fn reap(&mut self, k: usize) {
        let mut kid = self.kids.swap_remove(k);
        let status = wait_briefly(&mut kid.child);
        if let Some(err) = kid.err.as_mut() {
            fill(err, &mut kid.err_buf);
        }
        if let Some(j) = kid.job {
            let why = why_died(kid.pid, status, &kid.err_buf);
            self.lost(j, kid.pid, why);
        }
    }

    fn kill_all(&mut self) {
        for k in (0..self.kids.len()).rev() {
            self.remove(k);
        }
    }
}

impl Drop for Procs<'_> {
    /// An error (`?`) or a panic in the parent leaves no child running and no zombie.
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// A pipe end as a file that reads without blocking (poll says when there is something).
fn nonblocking(fd: OwnedFd) -> File {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, changing only its O_NONBLOCK flag.
    unsafe {
        let flags = libc::fcntl(raw, libc::F_GETFL);
        libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    File::from(fd)
}

/// Appends what the pipe holds now (up to one long line's worth); `false` at end of file.
fn fill(pipe: &mut File, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    let mut read = 0;
    while read <= MAX_LINE {
        match pipe.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                read += n;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return e.kind() == io::ErrorKind::WouldBlock,
        }
    }
    true
}

/// Keeps the end of a child's stderr: its last line is the failure text.
fn keep_tail(buf: &mut Vec<u8>) {
    if buf.len() > MAX_STDERR {
        buf.drain(..buf.len() - MAX_STDERR);
    }
}

/// Waits for a child that closed its stdout (it is exiting); kills it if it does not within 1 s.
fn wait_briefly(child: &mut Child) -> Option<ExitStatus> {
    // A child that closed its stdout is usually gone within a fraction of a millisecond: start
    // with short naps and back off, so the run does not pay a fixed 5 ms per child at its end.
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut nap = Duration::from_micros(50);
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => thread::sleep(nap),
            Err(_) => break,
        }
        nap = (nap * 2).min(Duration::from_millis(5));
    }
    let _ = child.kill();
    child.wait().ok()
}

/// Why a child ended before its job returned: its exit status or signal, and its last stderr line.
fn why_died(pid: u32, status: Option<ExitStatus>, stderr: &[u8]) -> String {
    let what = match status.map(|s| (s.code(), s.signal())) {
        Some((Some(0), _)) => "exited with status 0 before its job returned".to_string(),
        Some((Some(code), _)) => format!("exited with status {code}"),
        Some((None, Some(sig))) => format!("was killed by signal {sig} ({})", signal_name(sig)),
        _ => "could not be waited for".to_string(),
    };
    let stderr = String::from_utf8_lossy(stderr);
    match stderr.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
        Some(last) => format!("child pid {pid} {what}: {last}"),
        None => format!("child pid {pid} {what}"),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}

// The scenarios' helpers: start, wait, and name what went wrong.

/// Starts a child process per job, every one before waiting for any, then waits for them all.
pub fn one_process_each(
    ctx: &Ctx,
    jobs: impl IntoIterator<Item = Job>,
) -> Result<Vec<(String, Ended)>, Error> {
    let jobs: Vec<Job> = jobs.into_iter().collect();
    let mut procs = Procs::new(ctx, jobs.len() as u64)?;
    // All the children are started before any is waited for: from here on they wait at the same
    // time, each in its own process, and the parent only listens.
    for job in jobs {
        procs.start(job)?;
    }
    Ok(procs.wait_all())
}

/// A task's value, or why it failed (`task B: child pid …`). An error it returned is recorded
/// here; a child that died was recorded when it died.
pub fn returned(ctx: &Ctx, task: &str, end: Ended) -> Result<String, String> {
    match end.settled() {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            ctx.failed(task, &error);
            Err(format!("task {task} failed: {error}"))
        }
        Err(why) => Err(format!("task {task}: {why}")),
    }
}

/// Ok if every task returned; else the first failure is the error (each was reported already).
pub fn all_returned(ctx: &Ctx, ends: Vec<(String, Ended)>) -> Result<(), Error> {
    let failures: Vec<String> = ends
        .into_iter()
        .filter_map(|(task, end)| returned(ctx, &task, end).err())
        .collect();
    match failures.as_slice() {
        [] => Ok(()),
        [only] => Err(Error::failed(only.clone())),
        [first, rest @ ..] => Err(Error::failed(format!("{first} (and {} more)", rest.len()))),
    }
}
