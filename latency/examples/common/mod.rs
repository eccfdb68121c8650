//! What the bare clients share: their arguments, the descriptor check, the server, the summary.
//!
//! `bare_client` (tokio) and `bare_smol_client` (smol) differ only in the runtime that makes
//! the requests; everything around the requests is here, so their lines compare like for like.

use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use latency::Server;

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

/// Reads the arguments, checks the open-file limit and starts a server if none was named.
pub fn setup() -> Result<Run, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let delay = Duration::from_millis(args.next().map_or(Ok(100), |a| a.parse())?);
    let external: Option<SocketAddr> = args.next().map(|a| a.parse()).transpose()?;
    check_nofile(n, external.is_none())?;
    // Our own server, unless one was named: then the server's CPU time is its own process's.
    let (server, addr) = match external {
        Some(addr) => (None, addr),
        None => {
            let server = Server::start(delay)?;
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

/// The summary line: wall time, failures (with the first reasons), latency and connect quantiles.
pub fn summary(run: &Run, elapsed: Duration, results: &[Result<Timing, String>]) -> String {
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
