//! What every model's `serve` shares: the listening socket, an accept that ends at the stop, and
//! the HTTP/1.1 connection loop, blocking and async, which reads, waits, answers and counts.
//!
//! The model is in the accept loop: who serves the connection that `accept` returns. sync-basic
//! serves it right there, to its end, before it accepts the next; async-sequential awaits it right
//! there; threads give it a thread, async-concurrent a task; multiprocess's workers each accept for
//! themselves. What happens on the connection is the same everywhere, so it is written once:
//! [`connection`] for the blocking models (its database call is a blocking sleep) and
//! [`connection_async`] for the async ones (its database call is the runtime's timer), both over
//! the sans-io [`crate::http`].
//!
//! `cargo run -p threads -- serve`, then `curl -i localhost:PORT/data/7`.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use socket2::{Domain, Socket, Type};

use crate::ctx::{Ctx, Serving};
use crate::http::{self, Next, Reader, Request, Route};
use crate::kernel;
use crate::outcome::{Error, ServeOutcome};

/// How long a stopping server gives the requests in flight before it closes their connections.
pub const GRACE: Duration = Duration::from_secs(5);

/// The listen backlog: the system's `somaxconn`, so that a burst of connects waits in the queue
/// instead of being dropped (and retried by the client a second later).
pub fn backlog() -> i32 {
    crate::sys::proc_sys("net/core/somaxconn").map_or(4096, |n| n.min(i32::MAX as u64) as i32)
}

/// The server's stop and counts: `ctx` must be a `serve` context.
pub fn serving(ctx: &Ctx) -> Result<&Serving, Error> {
    ctx.serving()
        .ok_or_else(|| Error::refused("serve needs its stop, a pipe, and the OS had none to give"))
}

/// What the server of `ctx` served, described by `how`: the model's outcome of `serve`.
pub fn served(ctx: &Ctx, how: impl Into<String>) -> ServeOutcome {
    ctx.serving().map(|s| s.outcome(how)).unwrap_or_default()
}

/// Listens on 127.0.0.1 at `--port`, with the backlog at `somaxconn`, and says where.
pub fn listen(ctx: &Ctx) -> Result<TcpListener, Error> {
    let mut all = listen_many(ctx, 1)?;
    Ok(all.remove(0))
}

/// `n` listeners on the same port, with `SO_REUSEPORT`: the kernel spreads the connections among
/// them, so that `n` single-threaded runtimes each accept their own (thread-per-core).
pub fn listen_many(ctx: &Ctx, n: usize) -> Result<Vec<TcpListener>, Error> {
    let serving = serving(ctx)?;
    let mut addr = SocketAddr::from(([127, 0, 0, 1], ctx.params().port));
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = bind(addr, n > 1)
            .map_err(|e| Error::refused(format!("serve cannot listen on {addr} (--port): {e}")))?;
        // Port 0: the first listener got one from the OS; the others take the same.
        addr = listener.local_addr()?;
        all.push(listener);
    }
    serving.listening(addr);
    if let crate::Output::Print = ctx.output() {
        say!("listening on http://{addr}");
    }
    Ok(all)
}

/// One listening socket: reusable address, the port shared if asked, non-blocking (see [`accept`]).
fn bind(addr: SocketAddr, share: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if share {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(backlog())?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The next connection, or None once the server is told to stop: the blocking models' accept.
///
/// It waits in `poll(2)` on the listener and the stop together, so Ctrl-C ends the loop at once;
/// the listener is non-blocking so that of several threads woken for one connection, those that
/// lose the race go back to waiting instead of blocking in `accept`.
pub fn accept(ctx: &Ctx, listener: &TcpListener) -> Option<TcpStream> {
    let stop = ctx.serving()?.stop();
    loop {
        if stop.is_told() {
            return None;
        }
        wait_for(&[listener.as_raw_fd(), stop.fd()], None);
        match listener.accept() {
            Ok((conn, _)) => {
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_nodelay(true);
                return Some(conn);
            }
            Err(e) if out_of_files(ctx, &e) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => {}
        }
    }
}

/// After a failed `accept`: true when the open-file limit is the reason, said once (connections
/// now wait in the backlog); the caller then backs off a little, as the next accept would fail.
pub fn out_of_files(ctx: &Ctx, e: &io::Error) -> bool {
    let out = matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
    if out {
        let (soft, _) = crate::sys::rlimit(libc::RLIMIT_NOFILE);
        ctx.say_once(&format!(
            "the open-file limit ({soft}, `ulimit -n`) is reached: new connections wait in the \
             backlog until one closes"
        ));
    }
    out
}

/// Blocks until one of `fds` is readable, or `timeout` passes; true if one is.
fn wait_for(fds: &[i32], timeout: Option<Duration>) -> bool {
    let mut polled: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
    // SAFETY: poll reads and writes only the array we pass, with its true length.
    let ready = unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, ms) };
    ready != 0
}

/// What the request needs before it can be answered.
enum Work {
    /// `/data/<id>`: wait (the handler's database call), then answer `Data <id>`.
    Wait(Duration, u64),
    /// `/cpu/<id>`: run the kernel job `id` with these units (off the executor thread if asked),
    /// then answer its checksum.
    Compute(u64, u64, bool),
}

/// The work of `route`, with the server's defaults for what the request leaves out.
fn work(ctx: &Ctx, route: Route) -> Work {
    match route {
        Route::Data { id, delay } => Work::Wait(delay.unwrap_or(ctx.delay()), id),
        Route::Cpu { id, work, offload } => {
            Work::Compute(id, work.unwrap_or(ctx.params().work), offload)
        }
    }
}

/// Whether the server was told to stop.
fn stopping(ctx: &Ctx) -> bool {
    ctx.serving().is_some_and(|s| s.stop().is_told())
}

/// The bytes of the answer to `request` with `body`; a stopping server closes after it.
fn answer(ctx: &Ctx, mut request: Request, body: &str, out: &mut Vec<u8>) -> bool {
    if stopping(ctx) {
        request.keep_alive = false;
    }
    out.clear();
    http::respond(out, &request, body);
    request.keep_alive
}

/// When the request being read must have come whole: the idle timeout after the last answer (or
/// the connection's start), not after its last byte, so that a client that sends a byte at a time
/// cannot hold a connection (and a one-at-a-time server) for ever; cut to the grace once the
/// server is told to stop.
struct Due {
    by: Instant,
    told: bool,
}

impl Due {
    /// The whole idle timeout, from now: at the start, and after each answer.
    fn new(ctx: &Ctx) -> Due {
        let by = Instant::now() + ctx.params().idle;
        Due { by, told: false }
    }

    /// Whether the stop closes the connection now: between requests it does; half-way through
    /// one, the rest of it is waited for, within the grace, and answered.
    fn closes_at_stop(&mut self, ctx: &Ctx, reader: &Reader) -> bool {
        if !stopping(ctx) {
            return false;
        }
        if !self.told {
            self.told = true;
            self.by = self.by.min(Instant::now() + GRACE);
        }
        reader.is_idle()
    }

    /// What is left of it.
    fn left(&self) -> Duration {
        self.by.saturating_duration_since(Instant::now())
    }
}

/// One connection, to its end, for the blocking models: read a request, wait D with a blocking
/// sleep (the handler's database call) or compute, answer; again, until the client closes, the
/// idle timeout passes, a bad request comes, or the server stops.
pub fn connection(ctx: &Ctx, mut conn: TcpStream) {
    let id = ctx.opened();
    let (mut reader, mut out, mut due) = (Reader::new(), Vec::new(), Due::new(ctx));
    let stop = ctx.serving().map(|s| s.stop().fd());
    // Set once, for `write_within`: most answers go out whole in one write.
    let _ = conn.set_write_timeout(Some(GRACE));
    loop {
        let request = match reader.next_request() {
            Next::Request(request) => request,
            Next::Reject(rejection) => {
                http::reject(&mut out, &rejection);
                let _ = write_within(&mut conn, &out);
                ctx.answered(id, rejection.status.code());
                break;
            }
            Next::More => {
                if due.closes_at_stop(ctx, &reader) {
                    break;
                }
                // The stop is watched until it is told: from then on it is always readable.
                let watched = [Some(conn.as_raw_fd()), stop.filter(|_| !due.told)];
                let fds: Vec<i32> = watched.into_iter().flatten().collect();
                if !wait_for(&fds, Some(due.left())) {
                    idle(ctx, &reader, &mut conn);
                    break;
                }
                if stopping(ctx) && !due.told {
                    continue;
                }
                match conn.read(reader.spare()) {
                    Ok(0) => break,
                    Ok(n) => reader.filled(n),
                    Err(_) => {
                        ctx.broke();
                        break;
                    }
                }
                continue;
            }
        };
        ctx.asked(id);
        let body = match work(ctx, request.route) {
            Work::Wait(d, data) => {
                // D = 0 is no call at all: the server's own cost, on every model alike.
                if !d.is_zero() {
                    std::thread::sleep(d);
                }
                http::data_body(data)
            }
            // Already on a thread (or a process) of its own: there is no loop to hold.
            Work::Compute(job, units, _) => http::cpu_body(kernel::job(job, units)),
        };
        let keep_alive = answer(ctx, request, &body, &mut out);
        if write_within(&mut conn, &out).is_err() {
            ctx.broke();
            break;
        }
        ctx.answered(id, 200);
        if !keep_alive {
            break;
        }
        due = Due::new(ctx);
    }
    ctx.closed(id);
}

/// The idle timeout passed: a half-sent request is told 408; either way the connection closes.
fn idle(ctx: &Ctx, reader: &Reader, conn: &mut TcpStream) {
    ctx.idled();
    if let Some(rejection) = reader.timed_out() {
        let mut out = Vec::new();
        http::reject(&mut out, &rejection);
        let _ = write_within(conn, &out);
    }
}

/// Writes all of `out` within the grace, on a socket whose write timeout is the grace: a client
/// that takes in nothing of an answer for that long is gone, and a blocked write would otherwise
/// hold this thread (and a stopping server) for as long as the client likes.
fn write_within(conn: &mut TcpStream, out: &[u8]) -> io::Result<()> {
    let (by, mut rest, mut cut) = (Instant::now() + GRACE, out, false);
    let written = loop {
        match conn.write(rest) {
            Ok(n) if n == rest.len() => break Ok(()),
            Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
        // Part of it went out: what is left of the grace bounds the rest.
        let left = by.saturating_duration_since(Instant::now());
        conn.set_write_timeout(Some(left.max(Duration::from_millis(1))))?;
        cut = true;
    };
    if cut {
        let _ = conn.set_write_timeout(Some(GRACE));
    }
    written
}

/// A connection as [`connection_async`] reads and writes it: each runtime's socket, in a newtype
/// of the model's (tokio's `TcpStream`, smol's, async-std's), and that runtime's timer.
pub trait AsyncConn {
    /// Reads into `buf`: how many bytes, 0 at the end of the stream.
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;
    /// Writes all of `buf`.
    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>>;
    /// Waits `d` on the runtime's timer: the async handler's database call.
    fn sleep(d: Duration) -> impl Future<Output = ()>;
    /// Runs the CPU-bound `job` on the runtime's blocking pool and awaits its checksum (or why
    /// it has none): `/cpu/<id>?offload=1`.
    fn offload(
        job: impl FnOnce() -> u64 + Send + 'static,
    ) -> impl Future<Output = Result<u64, String>>;
}

/// The next connection from `accept` (the runtime's own accept), or None once the server is told
/// to stop: the async models' accept, raced against the stop.
pub async fn accept_async<C, F>(ctx: &Ctx, mut accept: impl FnMut() -> F) -> Option<C>
where
    C: AsyncConn,
    F: Future<Output = io::Result<C>>,
{
    let stop = ctx.serving()?.stop();
    loop {
        // Told first: `or` polls the accept first, and a backlog that is never empty (clients
        // still connecting) would keep a stopped server accepting.
        if stop.is_told() {
            return None;
        }
        let stopped = async {
            stop.wait().await;
            None
        };
        match async { Some(accept().await) }.or(stopped).await? {
            Ok(conn) => return Some(conn),
            Err(e) if out_of_files(ctx, &e) => C::sleep(Duration::from_millis(10)).await,
            Err(_) => {}
        }
    }
}

/// One connection, to its end, for the async models: as [`connection`], but the database call is
/// the runtime's timer, so the thread serves other connections while this one waits.
///
/// `/cpu` runs the kernel right here, on the executor thread: a CPU-bound handler holds its
/// thread, and on a single-threaded runtime every other connection waits for it, unless the
/// request asks for it to be offloaded (`?offload=1`).
pub async fn connection_async<C: AsyncConn>(ctx: &Ctx, mut conn: C) {
    let id = ctx.opened();
    let (mut reader, mut out, mut due) = (Reader::new(), Vec::new(), Due::new(ctx));
    loop {
        let request = match reader.next_request() {
            Next::Request(request) => request,
            Next::Reject(rejection) => {
                http::reject(&mut out, &rejection);
                let _ = write_within_async(&mut conn, &out).await;
                ctx.answered(id, rejection.status.code());
                break;
            }
            Next::More => {
                match read_or_stop(ctx, &mut conn, &mut reader, &mut due).await {
                    Some(Ok(0)) | None => break,
                    Some(Ok(n)) => reader.filled(n),
                    Some(Err(_)) => {
                        ctx.broke();
                        break;
                    }
                }
                continue;
            }
        };
        ctx.asked(id);
        let body = match work(ctx, request.route) {
            Work::Wait(d, data) => {
                // D = 0 is no call at all: a zero sleep on tokio would still wait for the timer's
                // next 1 ms tick, and bound every connection to a thousand answers a second.
                if !d.is_zero() {
                    C::sleep(d).await;
                }
                http::data_body(data)
            }
            // Right here, the job holds the executor thread until it is done: on a single-threaded
            // runtime every other connection waits for it. Offloaded, it runs on the runtime's
            // blocking pool while this task awaits it, and the thread goes on serving.
            Work::Compute(job, units, false) => http::cpu_body(kernel::job(job, units)),
            Work::Compute(job, units, true) => {
                match C::offload(move || kernel::job(job, units)).await {
                    Ok(sum) => http::cpu_body(sum),
                    Err(_) => {
                        ctx.broke();
                        break;
                    }
                }
            }
        };
        let keep_alive = answer(ctx, request, &body, &mut out);
        if write_within_async(&mut conn, &out).await.is_err() {
            ctx.broke();
            break;
        }
        ctx.answered(id, 200);
        if !keep_alive {
            break;
        }
        due = Due::new(ctx);
    }
    ctx.closed(id);
}

/// As [`write_within`], for the async models: all of `out` within the grace, or the connection is
/// given up, instead of holding this task (and a one-at-a-time server) for as long as the client
/// likes.
async fn write_within_async<C: AsyncConn>(conn: &mut C, out: &[u8]) -> io::Result<()> {
    let late = async {
        C::sleep(GRACE).await;
        Err(io::ErrorKind::TimedOut.into())
    };
    conn.write_all(out).or(late).await
}

/// The next read, or None when the connection should close instead: the server was told to stop
/// between requests, or the request is not whole when it is due (a half-sent one is told 408).
async fn read_or_stop<C: AsyncConn>(
    ctx: &Ctx,
    conn: &mut C,
    reader: &mut Reader,
    due: &mut Due,
) -> Option<io::Result<usize>> {
    enum Woken {
        Read(io::Result<usize>),
        Stop,
        Due,
    }
    loop {
        if due.closes_at_stop(ctx, reader) {
            return None;
        }
        let (left, watch) = (due.left(), !due.told);
        let stopped = async move {
            match ctx.serving() {
                Some(s) if watch => s.stop().wait().await,
                _ => futures_lite::future::pending().await,
            }
            Woken::Stop
        };
        let timed_out = async {
            C::sleep(left).await;
            Woken::Due
        };
        let read = async { Woken::Read(conn.read(reader.spare()).await) };
        match read.or(stopped).or(timed_out).await {
            Woken::Read(read) => return Some(read),
            Woken::Stop => continue,
            Woken::Due => {
                ctx.idled();
                if let Some(rejection) = reader.timed_out() {
                    let mut out = Vec::new();
                    http::reject(&mut out, &rejection);
                    let _ = write_within_async(conn, &out).await;
                }
                return None;
            }
        }
    }
}
