//! The server itself, in-process ([`Server`]) or in a child process ([`ChildServer`]).

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::protocol::{self, MAX_LINE};

/// Faults to inject, for the tests of the clients' error handling: every n-th request id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Reset the connection (RST, no answer) when `id % n == 0`; 0 for never.
    pub reset_every: u64,
    /// Answer with garbage instead of `Data <id>` when `id % n == 0`; 0 for never.
    pub garble_every: u64,
}

impl Faults {
    /// Whether the fault hits request `id`. Never id 0: that is the clients' reachability check.
    fn hits(every: u64, id: u64) -> bool {
        every != 0 && id != 0 && id % every == 0
    }
}

/// How to run the server.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Where to listen; port 0 lets the OS pick.
    pub addr: SocketAddr,
    /// The delay for requests that do not ask for one.
    pub delay: Duration,
    /// Faults to inject.
    pub faults: Faults,
    /// Runtime worker threads.
    pub threads: usize,
}

impl Config {
    /// 127.0.0.1, a port the OS picks, no faults, two worker threads.
    pub fn new(delay: Duration) -> Config {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Config {
            addr,
            delay,
            faults: Faults::default(),
            threads: 2,
        }
    }
}

/// The listen backlog: the system's `somaxconn`, so a burst of connects is queued, not dropped.
fn backlog() -> u32 {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096)
}

/// A latency server running on its own tokio runtime and threads; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server on 127.0.0.1 with a port the OS picks.
    pub fn start(delay: Duration) -> io::Result<Server> {
        Server::start_with(Config::new(delay))
    }

    /// Starts a server as configured; returns once it is listening.
    pub fn start_with(config: Config) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.threads)
            .thread_name("latency-server")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(listen(config.addr))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let served = Arc::new(AtomicU64::new(0));
        let counter = served.clone();
        // The runtime lives on its own thread: the server keeps answering while the caller blocks.
        let thread = thread::Builder::new()
            .name("latency-server".into())
            .spawn(move || {
                runtime.block_on(serve(listener, config, stopped, counter));
                // Dropping the runtime cancels the connections still waiting: a stopped server is gone.
                runtime.shutdown_background();
            })?;
        Ok(Server {
            addr,
            served,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many well-formed requests it has received: proof that a client really used it.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Binds with the full backlog (see the crate doc for why).
async fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog())
}

/// Accepts until told to stop; each connection is a task of its own, so a slow one holds no one.
async fn serve(
    listener: TcpListener,
    config: Config,
    mut stop: watch::Receiver<bool>,
    served: Arc<AtomicU64>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, config, served.clone()));
                }
                // Out of file descriptors, or a connection reset while queued: keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
            },
            _ = stop.changed() => return,
        }
    }
}

/// Reads one request, waits, answers, closes (server first: see the protocol doc).
async fn answer(stream: TcpStream, config: Config, served: Arc<AtomicU64>) {
    let _ = stream.set_nodelay(true);
    let mut reader = AsyncBufReader::new(stream);
    let mut line = String::new();
    let mut limited = (&mut reader).take(MAX_LINE as u64);
    let read = tokio::time::timeout(Duration::from_secs(10), limited.read_line(&mut line));
    let Ok(Ok(_)) = read.await else { return };
    let mut stream = reader.into_inner();
    let Some((id, delay)) = protocol::parse_request(&line) else {
        let _ = stream.write_all(b"ERR bad request\n").await;
        return;
    };
    served.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(delay.unwrap_or(config.delay)).await;
    if Faults::hits(config.faults.reset_every, id) {
        // Linger 0: closing sends RST, which the client sees as "connection reset by peer".
        let _ = stream.set_zero_linger();
        return;
    }
    let reply = if Faults::hits(config.faults.garble_every, id) {
        "Dtaa ?!\n".to_string()
    } else {
        format!("{}\n", protocol::data(id))
    };
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The environment variable that turns a re-executed binary into a latency server.
const CHILD_ENV: &str = "LATENCY_SERVER_CHILD";

/// A latency server in a child process (the same executable, re-executed); killed when dropped.
///
/// The CLI runs the server here rather than in-process, so that the model being measured keeps
/// its own file-descriptor table (ten thousand connections need ten thousand descriptors on each
/// side), its own scheduler and its own peak RSS.
pub struct ChildServer {
    addr: SocketAddr,
    child: Child,
}

impl ChildServer {
    /// Re-executes this binary as a server; the binary's `main` must call [`serve_if_child`] first.
    pub fn spawn(delay: Duration) -> io::Result<ChildServer> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(CHILD_ENV, delay.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let mut first = String::new();
        let read = BufReader::new(stdout).read_line(&mut first);
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok());
        match (read, addr) {
            (Ok(_), Some(addr)) => Ok(ChildServer { addr, child }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other("the latency server child did not start"))
            }
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Kill and reap: no orphan server, no zombie.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// If this process was started by [`ChildServer::spawn`], serves until the parent goes away and
/// returns `true`; otherwise returns `false` at once. Call it first thing in `main`.
pub fn serve_if_child() -> bool {
    let Some(ms) = std::env::var(CHILD_ENV).ok().and_then(|v| v.parse().ok()) else {
        return false;
    };
    let mut config = Config::new(Duration::from_millis(ms));
    // Half of the cores, at least one: the server only waits on timers and sockets.
    config.threads = (std::thread::available_parallelism().map_or(2, |n| n.get()) / 2).max(1);
    raise_nofile();
    let server = match Server::start_with(config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: the latency server could not start: {e}");
            std::process::exit(2);
        }
    };
    println!("listening on {}", server.addr());
    // Serve until stdin closes: the parent exited, was killed, or dropped its ChildServer.
    let _ = io::stdin().read_to_end(&mut Vec::new());
    drop(server);
    true
}

/// Raises the open-file limit from soft to hard (a server holds one descriptor per connection,
/// and so does the load generator); returns the limit now in force.
pub(crate) fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let soft = lim.rlim_cur;
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return soft;
            }
        }
    }
    lim.rlim_cur
}
