//! What the bare clients share: their arguments, the descriptor check, the server, the summary
//! and the exit status (a bad argument is one line naming it and exit 2; a failed request, 1).
//!
//! `bare_client` (tokio) and `bare_smol_client` (smol) differ only in the runtime that makes
//! the requests; everything around the requests is here, so their lines compare like for like.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use latency::{Server, protocol};

/// One request's timing: until the connection was set up, and until the answer was read.
pub type Timing = (Duration, Duration);

/// The run the command line asks for: `N [D_MS [ADDR]]`.
pub struct Run {
    /// How many requests, all at once.
    pub n: u64,
    /// The delay each request asks for.
    pub delay: Duration,
    /// The server's address.
    pub addr: SocketAddr,
    /// Our own server, if no address was given; stops when the run is dropped.
    _server: Option<Server>,
}

/// The most requests at once, as `load`'s `-c`.
const MAX_N: u64 = 1_000_000;

/// Reads the arguments, checks the open-file limit and starts a server if none was named.
pub fn setup() -> Result<Run, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() > 3 {
        return Err(format!(
            "at most three arguments, N [D_MS [ADDR]], got {args:?}"
        ));
    }
    let n = args
        .first()
        .map_or(Ok(10_000), |a| whole(a, "N (the first argument)", 1, MAX_N))?;
    let ms = args.get(1).map_or(Ok(100), |a| {
        whole(a, "D_MS (the second argument)", 0, protocol::MAX_DELAY_MS)
    })?;
    let delay = Duration::from_millis(ms);
    let external = args.get(2).map(|a| address(a)).transpose()?;
    check_nofile(n, external.is_none())?;
    // Our own server, unless one was named: then the server's CPU time is its own process's.
    let (server, addr) = match external {
        Some(addr) => (None, addr),
        None => {
            let server =
                Server::start(delay).map_err(|e| format!("cannot start the server: {e}"))?;
            let addr = server.addr();
            (Some(server), addr)
        }
    };
    Ok(Run {
        n,
        delay,
        addr,
        _server: server,
    })
}

/// `text` as a whole number from `min` to `max`, or the line that names the argument.
fn whole(text: &str, name: &str, min: u64, max: u64) -> Result<u64, String> {
    latency::args::whole(text, min, max).map_err(|e| format!("{name}: {e}, got {text:?}"))
}

/// `text` as the server's address, or the line that names the argument.
fn address(text: &str) -> Result<SocketAddr, String> {
    let why = |_| format!("ADDR (the third argument) must be IP:PORT, got {text:?}");
    text.parse().map_err(why)
}

/// Refuses a run whose sockets do not fit: one descriptor per request, two if the server's side
/// of each connection is in this process too.
fn check_nofile(n: u64, server_here: bool) -> Result<(), String> {
    let per_request = if server_here { 2 } else { 1 };
    let needed = per_request * n + 64;
    let limit = latency::raise_nofile();
    if needed > limit {
        let whose = if server_here {
            "client and server side in this process; name an external server to halve it"
        } else {
            "the client's own sockets"
        };
        return Err(format!(
            "{n} requests need {needed} open files here ({whose}); the limit is {limit}"
        ));
    }
    Ok(())
}

/// Prints the summary line after `runtime:`; exit status 1 if any request failed, 2 if the line
/// could not be written (a closed pipe, `| head`, is no failure: the reader has what it wanted).
pub fn report(
    runtime: &str,
    run: &Run,
    elapsed: Duration,
    results: &[Result<Timing, String>],
) -> ExitCode {
    let line = format!("{runtime}: {}", summary(run, elapsed, results));
    match writeln!(io::stdout(), "{line}") {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            exit(Err(format!("cannot write to stdout: {e}")))
        }
        _ if results.iter().any(Result::is_err) => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

/// The exit status of a run that `outcome` ended with, or 2 after the one line saying why it
/// could not start.
pub fn exit(outcome: Result<ExitCode, String>) -> ExitCode {
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// The summary line: wall time, failures (with the first reasons), latency and connect quantiles.
fn summary(run: &Run, elapsed: Duration, results: &[Result<Timing, String>]) -> String {
    let mut total: Vec<Duration> = results.iter().flatten().map(|t| t.1).collect();
    let mut connect: Vec<Duration> = results.iter().flatten().map(|t| t.0).collect();
    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let mut line = format!(
        "{} requests × {:?}: {:.3}s, {} failed, latency {}, connect {}",
        run.n,
        run.delay,
        elapsed.as_secs_f64(),
        failed.len(),
        quantiles(&mut total),
        quantiles(&mut connect)
    );
    if let Some(first) = failed.first() {
        line += &format!(" (first failure: {first})");
    }
    line
}

/// `p50 … p99 … max …` of `times`.
fn quantiles(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1));
        times.get(i).copied().unwrap_or_default()
    };
    format!("p50 {:?} p99 {:?} max {:?}", at(0.5), at(0.99), at(1.0))
}
