//! The load generator: C keep-alive HTTP/1.1 connections, as many requests as they can answer.
//!
//! What `wrk` does, in Rust, so that the benches can drive the `serve` scenarios without an outside
//! tool and read the figures back (`--json`). It is a fixture, not a contestant: it must never be
//! the bottleneck where wrk is not, so it is built like wrk.
//!
//! - Thread-per-core, like wrk's one event loop per thread: `-t` threads, each with its own tokio
//!   current-thread runtime, and the C connections split among them. Nothing is shared between
//!   threads while the load runs: no lock, no atomic, no cross-thread wake-up.
//! - Closed loop, like wrk: each connection sends a request, reads the whole answer, and sends the
//!   next. A request's latency runs from its write to the last byte of its answer, as in wrk
//!   (a connect before it is not part of it).
//! - Per connection, one request buffer reused (the id is written into the path template in
//!   place) and one read buffer; the answer's head is parsed with `httparse`, its body is skipped
//!   by `Content-Length`.
//! - Latency samples (microseconds) are kept per thread and merged, sorted, at the end: exact
//!   percentiles, 4 bytes per request. The latency reported first is wrk's: corrected for
//!   coordinated omission as wrk 4 corrects it ([`wrk_corrected`]); the one measured is beside it.
//!
//! When the server closes a connection (`Connection: close`, an HTTP/1.0 answer, a 4xx that
//! closes, an EOF), the connection is opened again and counted in `reopened`; errors are counted
//! by class as wrk counts them: connect, read (also a malformed answer), write, timeout. A request
//! not answered within `--timeout` is a timeout at once (wrk counts it only if its answer comes);
//! its connection goes on waiting, as wrk's does, since a new connection would only queue behind
//! it, and is given up (closed and opened again) after ten timeouts. A connect slower than the
//! timeout is a connect error in the same way (wrk waits for it and counts nothing).
//!
//! Checked against wrk 4.1 (`wrk -t2 -cC -d5s --latency`), alternating runs on this 2-core
//! machine, D = 0 and 100 ms: on hyper, C from 10 to 10,000, the medians of requests/s, p50 and
//! p99 agree within 10 %. On FastAPI requests/s agree within 10 % up to C = 1,000, and so do the
//! percentiles but two: p99 at C = 10, D = 0 (16 % higher here, in a tail of 20 to 40 ms stalls
//! that wrk's correction makes most of), and p50 at C = 1,000, D = 100 ms (26 % lower), where
//! uvicorn leaves a third or more of the connections unaccepted for the whole run, so that the
//! latency of those it serves changes from run to run with their number (this generator counts the
//! ones left waiting as timeouts; wrk counts only those answered before the run ends).
//! Per request it makes fewer system calls than wrk (a send, a receive and a third of an
//! `epoll_wait`, where wrk adds two `epoll_ctl`) for about the same CPU time.
//!
//! `cargo run --release -p latency --bin load -- http://127.0.0.1:PORT/data/{id} -c 100 -d 5s`

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::future::Future;
use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpStream as StdTcpStream, ToSocketAddrs};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// The placeholder in a path template that each request replaces with its id.
pub const ID: &str = "{id}";

/// Descriptors kept free beside the connections (stdio, the runtime's own).
const SPARE_FILES: u64 = 64;

/// A connection's read buffer to begin with; it doubles up to [`MAX_ANSWER_HEAD`] for long heads.
const FIRST_BUFFER: usize = 4 * 1024;

/// The longest answer head read.
const MAX_ANSWER_HEAD: usize = 64 * 1024;

/// The most header fields an answer may have.
const MAX_ANSWER_FIELDS: usize = 32;

/// How long a connection waits after a failed connect before trying again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// How many timeouts a connection waits for a late answer before it gives up on the connection.
const GIVE_UP_AFTER: u32 = 10;

/// Where to send the load: `http://HOST:PORT/PATH`, the path possibly holding [`ID`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// The URL as given, for the report.
    pub text: String,
    /// The address connected to (IPv4 first, as the models listen on 127.0.0.1).
    pub addr: SocketAddr,
    /// `HOST:PORT` as given, for the `Host` field.
    pub authority: String,
    /// The path and query, with [`ID`] where each request's id goes.
    pub path: String,
}

impl Url {
    /// Parses and resolves `http://HOST[:PORT][/PATH]`; the error names what is wrong.
    pub fn parse(text: &str) -> Result<Url, String> {
        let rest = text
            .strip_prefix("http://")
            .ok_or_else(|| format!("{text}: only http:// URLs are supported"))?;
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
        if authority.is_empty() {
            return Err(format!("{text}: no host"));
        }
        let with_port = if authority
            .rsplit(':')
            .next()
            .is_some_and(|p| p.parse::<u16>().is_ok())
            && !authority.ends_with(']')
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addrs: Vec<SocketAddr> = with_port
            .to_socket_addrs()
            .map_err(|e| format!("{text}: cannot resolve {authority}: {e}"))?
            .collect();
        let addr = addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or(addrs.first())
            .copied()
            .ok_or_else(|| format!("{text}: {authority} has no address"))?;
        Ok(Url {
            text: text.to_string(),
            addr,
            authority: authority.to_string(),
            path: path.to_string(),
        })
    }
}

/// When the run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// After this long, connections included; answers still on their way then are not counted.
    After(Duration),
    /// After this many requests in all, answered or failed (a failed connect counts as one).
    Requests(u64),
}

/// A run of the load generator.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to send the requests.
    pub url: Url,
    /// Connections kept open at once.
    pub connections: u64,
    /// Threads, each with its own runtime and its share of the connections.
    pub threads: u64,
    /// When to stop.
    pub stop: Stop,
    /// How long one request (and one connect) may take before it counts as a timeout.
    pub timeout: Duration,
}

/// Why a run could not start: a one-line message each.
#[derive(Debug)]
pub enum LoadError {
    /// The open-file limit is too low for `-c` connections.
    TooManyConnections {
        /// The connections asked for.
        connections: u64,
        /// The open-file limit in force.
        limit: u64,
    },
    /// More threads than connections.
    TooManyThreads {
        /// The threads asked for.
        threads: u64,
        /// The connections asked for.
        connections: u64,
    },
    /// Nothing answers at the address.
    Unreachable {
        /// The address tried.
        addr: SocketAddr,
        /// What the connect said.
        error: io::Error,
    },
    /// A thread or runtime could not be started.
    Start(io::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::TooManyConnections { connections, limit } => write!(
                f,
                "-c {connections}: needs {} open files, and the open-file limit is {limit} (ulimit -n)",
                connections + SPARE_FILES
            ),
            LoadError::TooManyThreads {
                threads,
                connections,
            } => write!(
                f,
                "-t {threads} is more than -c {connections}: each thread needs a connection"
            ),
            LoadError::Unreachable { addr, error } => {
                write!(f, "cannot connect to {addr}: {error}")
            }
            LoadError::Start(e) => write!(f, "cannot start a load thread: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Latency figures over every answered request, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// The mean.
    pub mean_ms: f64,
    /// The standard deviation.
    pub stdev_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// The 90th percentile.
    pub p90_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

/// Failures by class, as wrk counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Errors {
    /// Connects that failed, or took longer than the timeout (counted then; they go on waiting).
    pub connect: u64,
    /// Reads that failed: reset, closed before the whole answer, or a malformed answer.
    pub read: u64,
    /// Writes that failed.
    pub write: u64,
    /// Requests not answered within the timeout, counted when it passes (a late answer then
    /// counts in `requests`, not in the latency, as in wrk).
    pub timeout: u64,
}

/// What a run measured; `--json` prints it as one line (and a caller reads it back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The URL, with its template.
    pub url: String,
    /// Connections.
    pub connections: u64,
    /// Threads.
    pub threads: u64,
    /// How long the run took, in seconds.
    pub seconds: f64,
    /// Answers received, whatever their status.
    pub requests: u64,
    /// Answers per second.
    pub requests_per_sec: f64,
    /// Bytes read, heads and bodies.
    pub bytes: u64,
    /// Answers whose status was not 2xx.
    pub non_2xx: u64,
    /// Connections opened again after the server closed one or a request failed.
    pub reopened: u64,
    /// Failures by class.
    pub errors: Errors,
    /// Latency of the answered requests as wrk reports it: with its correction for coordinated
    /// omission (see [`wrk_corrected`]), so that the two tools' figures compare.
    pub latency: Latency,
    /// Latency of the answered requests, each counted once as measured.
    pub latency_uncorrected: Latency,
}

/// Runs the load as configured and returns what it measured.
pub fn run(config: &Config) -> Result<Report, LoadError> {
    let (connections, threads) = (config.connections, config.threads);
    if threads > connections {
        return Err(LoadError::TooManyThreads {
            threads,
            connections,
        });
    }
    let limit = crate::server::raise_nofile();
    if connections + SPARE_FILES > limit {
        return Err(LoadError::TooManyConnections { connections, limit });
    }
    let addr = config.url.addr;
    // One connect before the load, so that a server that is not there is one clear error.
    StdTcpStream::connect_timeout(&addr, config.timeout)
        .map_err(|error| LoadError::Unreachable { addr, error })?;
    let plan = Arc::new(Plan::new(config));
    let barrier = Arc::new(Barrier::new(threads as usize));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (plan, barrier) = (plan.clone(), barrier.clone());
            thread::Builder::new()
                .name(format!("load-{t}"))
                .spawn(move || worker(plan, t, &barrier))
        })
        .collect::<Result<_, _>>()
        .map_err(LoadError::Start)?;
    let mut all = Tally::default();
    let mut seconds: f64 = 0.0;
    for w in workers {
        let (tally, elapsed) = w
            .join()
            .map_err(|_| LoadError::Start(io::Error::other("a load thread panicked")))?
            .map_err(LoadError::Start)?;
        seconds = seconds.max(elapsed.as_secs_f64());
        all.merge(tally);
    }
    Ok(all.report(config, seconds))
}

/// What every thread needs to know, prepared once.
struct Plan {
    addr: SocketAddr,
    /// The request's bytes before the id (or the whole request, without a template).
    before: Vec<u8>,
    /// The request's bytes after the id; `None` when the path has no [`ID`].
    after: Option<Vec<u8>>,
    connections: u64,
    threads: u64,
    stop: Stop,
    timeout: Duration,
}

impl Plan {
    fn new(config: &Config) -> Plan {
        let url = &config.url;
        let head = |path: &str| format!("{path} HTTP/1.1\r\nHost: {}\r\n\r\n", url.authority);
        let (before, after) = match url.path.split_once(ID) {
            Some((before, after)) => (format!("GET {before}"), Some(head(after).into_bytes())),
            None => (format!("GET {}", head(&url.path)), None),
        };
        Plan {
            addr: url.addr,
            before: before.into_bytes(),
            after,
            connections: config.connections,
            threads: config.threads,
            stop: config.stop,
            timeout: config.timeout,
        }
    }

    /// Thread `t`'s share of `total` (connections or requests): the remainder goes to the first.
    fn share(&self, total: u64, t: u64) -> u64 {
        total / self.threads + u64::from(t < total % self.threads)
    }
}

/// Counts and latency samples of one thread, then of the whole run.
#[derive(Default)]
struct Tally {
    requests: u64,
    bytes: u64,
    non_2xx: u64,
    reopened: u64,
    errors: Errors,
    /// One per answered request, in microseconds.
    micros: Vec<u32>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.bytes += other.bytes;
        self.non_2xx += other.non_2xx;
        self.reopened += other.reopened;
        self.errors.connect += other.errors.connect;
        self.errors.read += other.errors.read;
        self.errors.write += other.errors.write;
        self.errors.timeout += other.errors.timeout;
        self.micros.extend(other.micros);
    }

    fn report(mut self, config: &Config, seconds: f64) -> Report {
        self.micros.sort_unstable();
        Report {
            url: config.url.text.clone(),
            connections: config.connections,
            threads: config.threads,
            seconds,
            requests: self.requests,
            requests_per_sec: if seconds > 0.0 {
                self.requests as f64 / seconds
            } else {
                0.0
            },
            bytes: self.bytes,
            non_2xx: self.non_2xx,
            reopened: self.reopened,
            errors: self.errors,
            latency: latency(&wrk_corrected(
                &self.micros,
                expected_micros(config, &self, seconds),
            )),
            latency_uncorrected: latency(&self.micros),
        }
    }
}

/// wrk's interval between two requests of one connection, in microseconds: the run's length over
/// the requests per connection (`0` when there were fewer requests than connections).
fn expected_micros(config: &Config, tally: &Tally, seconds: f64) -> u64 {
    match tally.requests / config.connections {
        0 => 0,
        per_connection => (seconds * 1e6) as u64 / per_connection,
    }
}

/// The samples with wrk 4's correction for coordinated omission (`stats_correct` in its
/// `stats.c`): a closed loop sends nothing while an answer is late, so the requests that an
/// open-loop client would have sent meanwhile are never measured. For each sample of at least
/// twice the expected interval E, wrk adds the samples those requests would have seen: the same
/// latency minus E, minus 2·E, ... down to E. In a steady run it changes little; a stall of the
/// server (or of the machine) weighs on the tail as it would for real users.
pub fn wrk_corrected(sorted: &[u32], expected: u64) -> Vec<u32> {
    let mut all = sorted.to_vec();
    if expected == 0 {
        return all;
    }
    let late = sorted
        .iter()
        .rev()
        .take_while(|&&us| u64::from(us) >= 2 * expected);
    for &us in late {
        let mut missed = u64::from(us) - expected;
        while missed > expected {
            all.push(missed as u32);
            missed -= expected;
        }
    }
    all.sort_unstable();
    all
}

/// Mean, deviation and percentiles of sorted microsecond samples, in milliseconds.
fn latency(sorted: &[u32]) -> Latency {
    if sorted.is_empty() {
        return Latency::default();
    }
    let n = sorted.len() as f64;
    let mean = sorted.iter().map(|&us| f64::from(us)).sum::<f64>() / n;
    let var = sorted
        .iter()
        .map(|&us| (f64::from(us) - mean).powi(2))
        .sum::<f64>()
        / n;
    // The nearest-rank percentile: the smallest sample with at least q of them at or below it.
    let rank = |q: f64| f64::from(sorted[((q * n).ceil() as usize).clamp(1, sorted.len()) - 1]);
    let ms = |us: f64| us / 1000.0;
    Latency {
        mean_ms: ms(mean),
        stdev_ms: ms(var.sqrt()),
        p50_ms: ms(rank(0.50)),
        p90_ms: ms(rank(0.90)),
        p99_ms: ms(rank(0.99)),
        max_ms: ms(rank(1.0)),
    }
}

/// One thread: its runtime, its connections, its tally; returns it with how long the load ran.
fn worker(plan: Arc<Plan>, t: u64, barrier: &Barrier) -> io::Result<(Tally, Duration)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    // Every thread waits for the others, so a slow start does not shorten anyone's run.
    barrier.wait();
    let runtime = runtime?;
    let thread = Rc::new(ThreadState {
        tally: RefCell::new(Tally::default()),
        budget: Cell::new(match plan.stop {
            Stop::Requests(n) => plan.share(n, t),
            Stop::After(_) => u64::MAX,
        }),
        sent: Cell::new(0),
    });
    let start = Instant::now();
    let deadline = match plan.stop {
        Stop::After(d) => Some(tokio::time::Instant::from_std(start + d)),
        Stop::Requests(_) => None,
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let connections: Vec<_> = (0..plan.share(plan.connections, t))
            .map(|_| {
                let (thread, plan) = (thread.clone(), plan.clone());
                tokio::task::spawn_local(async move {
                    let load = connection(&plan, &thread, t);
                    match deadline {
                        // At the deadline the connection is dropped with its request in flight.
                        Some(deadline) => drop(tokio::time::timeout_at(deadline, load).await),
                        None => load.await,
                    }
                })
            })
            .collect();
        for c in connections {
            let _ = c.await;
        }
    });
    let elapsed = start.elapsed();
    Ok((thread.tally.take(), elapsed))
}

/// What the connections of one thread share: no lock, they run on one thread.
struct ThreadState {
    tally: RefCell<Tally>,
    /// Requests this thread may still send.
    budget: Cell<u64>,
    /// Requests this thread has sent, for the ids.
    sent: Cell<u64>,
}

impl ThreadState {
    /// Takes one request from the budget; its index on this thread, or `None` when spent.
    fn take(&self) -> Option<u64> {
        let left = self.budget.get();
        (left > 0).then(|| {
            self.budget.set(left - 1);
            let k = self.sent.get();
            self.sent.set(k + 1);
            k
        })
    }
}

/// How a request failed: wrk's classes.
enum Failure {
    Read,
    Write,
    /// No answer after `GIVE_UP_AFTER` timeouts: the connection is given up.
    Abandoned,
}

/// An answer read whole.
struct Answer {
    status: u16,
    keep_alive: bool,
    bytes: usize,
}

/// Awaits `work` as wrk waits: past `timeout` it is late, and `on_late` counts it (once), but the
/// wait goes on, since giving up would only queue a new connection behind it; after
/// `GIVE_UP_AFTER` timeouts it is given up (`None`). Also says whether it was late.
async fn patiently<T>(
    mut timer: Pin<&mut Sleep>,
    timeout: Duration,
    work: impl Future<Output = T>,
    on_late: impl FnOnce(),
) -> (Option<T>, bool) {
    let start = tokio::time::Instant::now();
    timer.as_mut().reset(start + timeout);
    tokio::pin!(work);
    let mut on_late = Some(on_late);
    loop {
        tokio::select! {
            biased;
            done = &mut work => return (Some(done), on_late.is_none()),
            () = &mut timer => match on_late.take() {
                Some(count) => {
                    count();
                    timer.as_mut().reset(start + timeout * GIVE_UP_AFTER);
                }
                None => return (None, true),
            },
        }
    }
}

/// One connection's loop: (re)connect when needed, send, read the whole answer, record, repeat.
async fn connection(plan: &Plan, thread: &ThreadState, t: u64) {
    let mut request = plan.before.to_vec();
    let mut buf = vec![0u8; FIRST_BUFFER];
    let mut stream: Option<TcpStream> = None;
    // One timer per connection, pushed back before each connect and request: moving a deadline
    // later costs tokio an atomic store, where a new timer each time would go into its wheel.
    let timer = tokio::time::sleep(plan.timeout);
    tokio::pin!(timer);
    let mut opened_before = false;
    while let Some(k) = thread.take() {
        if stream.is_none() {
            let connect = TcpStream::connect(plan.addr);
            let (connected, late) = patiently(timer.as_mut(), plan.timeout, connect, || {
                thread.tally.borrow_mut().errors.connect += 1;
            })
            .await;
            match connected {
                Some(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                    if opened_before {
                        thread.tally.borrow_mut().reopened += 1;
                    }
                    opened_before = true;
                }
                _ => {
                    // A slow connect was counted when it was late; a refused one is counted now.
                    // Either way it uses up its request: a server gone for good ends the run.
                    if !late {
                        thread.tally.borrow_mut().errors.connect += 1;
                    }
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            }
        }
        if let Some(after) = &plan.after {
            // Ids are unique across threads: the k-th request of thread t is k·threads + t + 1.
            request.truncate(plan.before.len());
            let _ = write!(request, "{}", k * plan.threads + t + 1);
            request.extend_from_slice(after);
        }
        let Some(s) = stream.as_mut() else { continue };
        // As in wrk, a request's latency starts at its write: a connect is not part of it.
        let start = Instant::now();
        let (outcome, late) = patiently(
            timer.as_mut(),
            plan.timeout,
            exchange(s, &request, &mut buf),
            || thread.tally.borrow_mut().errors.timeout += 1,
        )
        .await;
        let outcome = outcome.unwrap_or(Err(Failure::Abandoned));
        let micros = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
        let mut tally = thread.tally.borrow_mut();
        match outcome {
            Ok(answer) => {
                tally.requests += 1;
                tally.bytes += answer.bytes as u64;
                tally.non_2xx += u64::from(!(200..300).contains(&answer.status));
                if !late {
                    tally.micros.push(micros);
                }
                if !answer.keep_alive {
                    stream = None;
                }
            }
            Err(failure) => {
                match failure {
                    Failure::Read => tally.errors.read += 1,
                    Failure::Write => tally.errors.write += 1,
                    // Counted as a timeout already, when it was late.
                    Failure::Abandoned => {}
                }
                // After a failure the connection's state is unknown: start a fresh one.
                stream = None;
            }
        }
    }
}

/// Writes the request and reads its whole answer.
async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> Result<Answer, Failure> {
    stream
        .write_all(request)
        .await
        .map_err(|_| Failure::Write)?;
    let mut filled = 0;
    let head = loop {
        if filled == buf.len() {
            if buf.len() >= MAX_ANSWER_HEAD {
                return Err(Failure::Read);
            }
            buf.resize(buf.len() * 2, 0);
        }
        filled += read_some(stream, &mut buf[filled..]).await?;
        if let Some(head) = parse_head(&buf[..filled])? {
            break head;
        }
    };
    // Skip the body: read until its length is in, reusing the buffer.
    let mut body = filled - head.len;
    let mut bytes = filled;
    match head.body {
        Some(length) => {
            while body < length {
                let n = read_some(stream, buf).await?;
                body += n;
                bytes += n;
            }
        }
        // No length: the body runs to the end of the connection (an HTTP/1.0 habit).
        None => loop {
            match stream.read(buf).await {
                Ok(0) => break,
                Ok(n) => bytes += n,
                Err(_) => return Err(Failure::Read),
            }
        },
    }
    Ok(Answer {
        status: head.status,
        keep_alive: head.keep_alive && head.body.is_some(),
        bytes,
    })
}

/// One read; an EOF before the answer is whole is a read error, as in wrk.
async fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> Result<usize, Failure> {
    match stream.read(buf).await {
        Ok(0) | Err(_) => Err(Failure::Read),
        Ok(n) => Ok(n),
    }
}

/// What an answer's head says.
struct Head {
    len: usize,
    status: u16,
    keep_alive: bool,
    /// The body's length; `None` when it runs to EOF.
    body: Option<usize>,
}

/// Parses an answer's head; `None` while incomplete; chunked bodies are not supported (a read
/// error: none of the servers measured here send one for these small bodies).
fn parse_head(bytes: &[u8]) -> Result<Option<Head>, Failure> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_ANSWER_FIELDS];
    let mut answer = httparse::Response::new(&mut fields);
    let len = match answer.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Failure::Read),
    };
    let status = answer.code.unwrap_or(0);
    let (mut close, mut keep, mut length) = (false, false, None);
    for field in answer.headers.iter() {
        if field.name.eq_ignore_ascii_case("content-length") {
            let text = std::str::from_utf8(field.value).map_err(|_| Failure::Read)?;
            length = Some(text.trim().parse().map_err(|_| Failure::Read)?);
        } else if field.name.eq_ignore_ascii_case("connection") {
            for option in field.value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                close |= option.eq_ignore_ascii_case(b"close");
                keep |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if field.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Failure::Read);
        }
    }
    // 1xx, 204 and 304 answers have no body, whatever they say.
    if status < 200 || status == 204 || status == 304 {
        length = Some(0);
    }
    let http11 = answer.version == Some(1);
    Ok(Some(Head {
        len,
        status,
        keep_alive: !close && (http11 || keep),
        body: length,
    }))
}

impl Report {
    /// The summary wrk prints, with the same lines, and two more: the latency as measured
    /// (without wrk's correction) and the reopened connections.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let l = &self.latency;
        let e = &self.errors;
        let _ = writeln!(out, "Running {} @ {}", seconds(self.seconds), self.url);
        let _ = writeln!(
            out,
            "  {} threads and {} connections",
            self.threads, self.connections
        );
        for (name, l) in [("Latency ", l), ("Measured", &self.latency_uncorrected)] {
            let _ = writeln!(
                out,
                "  {name} mean {}, stdev {}, p50 {}, p90 {}, p99 {}, max {}",
                millis(l.mean_ms),
                millis(l.stdev_ms),
                millis(l.p50_ms),
                millis(l.p90_ms),
                millis(l.p99_ms),
                millis(l.max_ms)
            );
        }
        let _ = writeln!(
            out,
            "  {} requests in {}, {:.2}MB read",
            self.requests,
            seconds(self.seconds),
            self.bytes as f64 / (1024.0 * 1024.0)
        );
        let _ = writeln!(out, "  Non-2xx responses: {}", self.non_2xx);
        let _ = writeln!(
            out,
            "  Socket errors: connect {}, read {}, write {}, timeout {}",
            e.connect, e.read, e.write, e.timeout
        );
        let _ = writeln!(out, "  Connections reopened: {}", self.reopened);
        let _ = writeln!(out, "Requests/sec: {:.2}", self.requests_per_sec);
        out
    }
}

/// A duration in seconds as wrk shows it: `5.00s`.
fn seconds(s: f64) -> String {
    format!("{s:.2}s")
}

/// A latency in wrk's units: `850.00us`, `1.23ms`, `2.10s`.
fn millis(ms: f64) -> String {
    match ms {
        ms if ms < 1.0 => format!("{:.2}us", ms * 1000.0),
        ms if ms < 1000.0 => format!("{ms:.2}ms"),
        ms => format!("{:.2}s", ms / 1000.0),
    }
}

/// Parses a duration as wrk takes it: `5s`, `500ms`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text}: expected a duration such as 5s, 500ms or 2m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(format!("{text}: the unit must be ms, s, m or h")),
    };
    if d.is_zero() || d > Duration::from_secs(24 * 3600) {
        return Err(format!("{text}: expected a duration from 1ms to 24h"));
    }
    Ok(d)
}

/// Writes the report to stdout (a summary, or one JSON line); a closed stdout is not an error.
pub fn print(report: &Report, json: bool) {
    let text = if json {
        serde_json::to_string(report)
            .map_or_else(|e| format!("{{\"error\":\"{e}\"}}"), |j| j + "\n")
    } else {
        report.summary()
    };
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_address_host_and_template() {
        let url = Url::parse("http://127.0.0.1:8080/data/{id}?delay_ms=5").unwrap();
        assert_eq!(url.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(url.authority, "127.0.0.1:8080");
        assert_eq!(url.path, "/data/{id}?delay_ms=5");
        assert_eq!(Url::parse("http://127.0.0.1:9").unwrap().path, "/");
        let local = Url::parse("http://localhost:9/").unwrap();
        assert!(local.addr.is_ipv4() && local.addr.port() == 9);
        assert_eq!(Url::parse("http://127.0.0.1/").unwrap().addr.port(), 80);
        for bad in ["https://127.0.0.1/", "127.0.0.1:80/", "http:///x"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_request_template_takes_the_id_in_place() {
        let url = Url::parse("http://127.0.0.1:9/data/{id}?delay_ms=5").unwrap();
        let config = Config {
            url,
            connections: 1,
            threads: 1,
            stop: Stop::Requests(1),
            timeout: Duration::from_secs(1),
        };
        let plan = Plan::new(&config);
        assert_eq!(plan.before, b"GET /data/");
        let after = plan.after.unwrap();
        assert_eq!(after, b"?delay_ms=5 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n");
    }

    #[test]
    fn shares_add_up_and_differ_by_at_most_one() {
        let plan = Plan::new(&Config {
            url: Url::parse("http://127.0.0.1:9/").unwrap(),
            connections: 10,
            threads: 3,
            stop: Stop::Requests(10),
            timeout: Duration::from_secs(1),
        });
        let shares: Vec<u64> = (0..3).map(|t| plan.share(10, t)).collect();
        assert_eq!(shares, vec![4, 3, 3]);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        let l = latency(&samples);
        assert_eq!(
            (l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms),
            (50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(l.mean_ms, 50.5);
        assert_eq!(latency(&[]), Latency::default());
        assert_eq!(latency(&[7000]).p99_ms, 7.0);
    }

    #[test]
    fn wrk_correction_adds_the_requests_a_late_answer_held_back() {
        // E = 10: the 45 µs answer held back requests that would have waited 35, 25 and 15.
        assert_eq!(
            wrk_corrected(&[5, 10, 19, 45], 10),
            vec![5, 10, 15, 19, 25, 35, 45]
        );
        // Below 2·E nothing is added; E = 0 (fewer answers than connections) changes nothing.
        assert_eq!(wrk_corrected(&[5, 19], 10), vec![5, 19]);
        assert_eq!(wrk_corrected(&[5, 45], 0), vec![5, 45]);
    }

    #[test]
    fn answer_heads_say_status_length_and_keep_alive() {
        let head = |text: &str| parse_head(text.as_bytes()).ok().flatten();
        let ok = head("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nData 1").unwrap();
        assert_eq!(
            (ok.status, ok.body, ok.keep_alive, ok.len),
            (200, Some(6), true, 38)
        );
        let close =
            head("HTTP/1.1 404 Not Found\r\nconnection: Close\r\ncontent-length: 0\r\n\r\n");
        assert!(!close.unwrap().keep_alive);
        let old = head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").unwrap();
        assert!(!old.keep_alive);
        let kept = head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n");
        assert!(kept.unwrap().keep_alive);
        assert!(head("HTTP/1.1 200 OK\r\nContent-Len").is_none());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn durations_read_like_wrk() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        for bad in ["", "0s", "5x", "-1s", "25h", "s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn latencies_show_in_wrk_units() {
        assert_eq!(millis(0.85), "850.00us");
        assert_eq!(millis(1.234), "1.23ms");
        assert_eq!(millis(2100.0), "2.10s");
    }
}
