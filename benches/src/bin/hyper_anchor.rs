//! The hyper anchor: the `serve` handler on the server a Rust user would pick instead of the models.
//!
//! hyper 1.x as its own examples use it: a tokio multi-thread runtime, one task per accepted
//! socket, `http1::Builder::serve_connection` on it. The handler is the models' own: the route and
//! its parameters come from `taskset::http::route`, `GET /data/<id>` waits D with
//! `tokio::time::sleep` and answers `Data <id>`, `GET /cpu/<id>?work=W` runs the shared kernel on
//! tokio's blocking pool (what a tokio user does with CPU work) and answers its checksum. What
//! hyper does itself (parsing, keep-alive, pipelining, `Date`, errors) is left to hyper: that is
//! what it is measured for.
//!
//! `cargo run -p benches --release --bin hyper-anchor -- --port 0 --delay-ms 0 [--threads N]`
//! prints `listening on http://127.0.0.1:PORT`; SIGTERM or Ctrl-C stops it (exit 0).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use taskset::http::{self, Route};
use taskset::params::{DELAY_MS, WORK};
use taskset::serve::{GRACE, backlog};
use tokio::net::{TcpListener, TcpSocket};
use tokio::signal::unix::{SignalKind, signal};

/// hyper serving the models' handler on loopback; `delay_ms` and `work` are the defaults a
/// request may override.
#[derive(Parser, Clone, Copy)]
#[command(name = "hyper-anchor")]
struct Args {
    /// Port to listen on, on 127.0.0.1; 0 lets the OS pick
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    port: u16,
    /// D for /data/<id> requests that do not say `?delay_ms=`, in milliseconds
    #[arg(long = "delay-ms", default_value_t = 0, value_parser = |s: &str| DELAY_MS.parse(s), allow_negative_numbers = true)]
    delay_ms: u64,
    /// W for /cpu/<id> requests that do not say `?work=`, in kernel units
    #[arg(long, default_value_t = 1, value_parser = |s: &str| WORK.parse(s), allow_negative_numbers = true)]
    work: u64,
    /// Worker threads of the tokio runtime (default: one per core)
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024), allow_negative_numbers = true)]
    threads: Option<u16>,
}

fn main() -> ExitCode {
    match latency::args::parse().map(run) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(status) => status,
    }
}

/// Builds the runtime, listens, serves until a signal.
fn run(args: Args) -> anyhow::Result<()> {
    // One descriptor per connection: ten thousand connections need the hard limit, as any server.
    taskset::sys::raise_nofile();
    let threads = args.threads.map_or(taskset::sys::cores(), usize::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
        let listener = listen(addr).with_context(|| format!("cannot listen on {addr}"))?;
        taskset::out::line(&format!("listening on http://{}", listener.local_addr()?));
        serve(listener, args).await
    })?;
    // A connection still in the middle of a long request after GRACE is dropped with the runtime.
    runtime.shutdown_background();
    Ok(())
}

/// Binds with the system's `somaxconn` as backlog (tokio's default is 1024): ten thousand
/// simultaneous connects would overflow a 1024 queue, and the dropped SYNs, retried a second
/// later, would set the p99.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog() as u32)
}

/// Accepts until SIGTERM or SIGINT, a task per connection; then lets them finish, within GRACE
/// (the models' own).
async fn serve(listener: TcpListener, args: Args) -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // Out of descriptors, or a connection reset in the queue: keep serving the rest.
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                };
                // One small answer per request: do not let Nagle hold it back.
                let _ = stream.set_nodelay(true);
                let connection = http1::Builder::new()
                    // hyper needs a timer for its 30-second header read timeout.
                    .timer(TokioTimer::new())
                    .serve_connection(
                        TokioIo::new(stream),
                        service_fn(move |request| answer(request, args)),
                    );
                // A client that misbehaves only ends its own connection.
                tokio::spawn(graceful.watch(connection));
            }
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    // Stop accepting, then let idle connections close and busy ones finish their request.
    drop(listener);
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
    Ok(())
}

/// The models' handler: route with taskset::http, wait D or run the kernel, answer.
async fn answer(req: Request<Incoming>, args: Args) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::GET {
        let mut response = text(405, "only GET is allowed".into());
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return Ok(response);
    }
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    Ok(match http::route(target) {
        Ok(Route::Data { id, delay }) => {
            // The handler's "database call": a timer, as in the async models; at D = 0 none, as
            // in the models (tokio's timer rounds a deadline up to its next 1 ms tick, so a zero
            // sleep would still wait for it).
            let delay = delay.unwrap_or(Duration::from_millis(args.delay_ms));
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            text(200, http::data_body(id))
        }
        Ok(Route::Cpu { id, work, .. }) => {
            let work = work.unwrap_or(args.work);
            // CPU work off the runtime's workers, so other connections keep being served.
            match tokio::task::spawn_blocking(move || taskset::kernel::job(id, work)).await {
                Ok(sum) => text(200, http::cpu_body(sum)),
                Err(_) => text(500, "job failed".into()),
            }
        }
        Err(rejection) => text(rejection.status.code(), rejection.reason),
    })
}

/// A plain-text answer, typed as the models type theirs (`status`: one of `http::Status`'s codes).
fn text(status: u16, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .expect("a status and a header hyper accepts")
}
