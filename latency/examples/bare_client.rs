//! How we check that the latency server is never the bottleneck: the barest client there is.
//!
//! N tokio tasks, each one connection, all at once, against a server started in this process on
//! its own runtime. If the server keeps up, the whole run takes about D plus connection set-up,
//! and p99 stays near D; a fixture that queued or dropped connects would show up here first.
//!
//! `cargo run --release -p latency --example bare_client -- 10000 100 [ADDR]` (with ADDR, against
//! a server already running, e.g. `latency-server` in another process, whose CPU time can then be
//! read apart from the client's).

use std::time::{Duration, Instant};

use latency::{Server, protocol};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One request: connect, ask, read the answer; its latency.
async fn request(addr: std::net::SocketAddr, id: u64, delay: Duration) -> Result<Duration, String> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let line = protocol::request_line(id, delay);
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .await
        .map_err(|e| e.to_string())?;
    protocol::check_reply(id, &reply)?;
    Ok(start.elapsed())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let delay = Duration::from_millis(args.next().map_or(Ok(100), |a| a.parse())?);
    // Two descriptors per request in one process: client and server side.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    if 2 * n + 64 > lim.rlim_cur {
        return Err(format!(
            "{n} requests need {} open files here; the limit is {}",
            2 * n + 64,
            lim.rlim_cur
        )
        .into());
    }
    // Our own server, unless one was named: then the server's CPU time is its own process's.
    let (_server, addr) = match args.next() {
        Some(addr) => (None, addr.parse()?),
        None => {
            let server = Server::start(delay)?;
            let addr = server.addr();
            (Some(server), addr)
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let start = Instant::now();
    let results = rt.block_on(async {
        let handles: Vec<_> = (1..=n)
            .map(|id| tokio::spawn(request(addr, id, delay)))
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.await.map_err(|e| e.to_string()).and_then(|r| r));
        }
        out
    });
    let elapsed = start.elapsed();
    let mut ok: Vec<Duration> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    ok.sort_unstable();
    let p = |q: f64| {
        ok.get(((ok.len() as f64 * q) as usize).min(ok.len().saturating_sub(1)))
            .copied()
    };
    println!(
        "{n} requests × {delay:?}: {:.3}s, {} failed, p50 {:?} p99 {:?} max {:?}",
        elapsed.as_secs_f64(),
        results.len() - ok.len(),
        p(0.5).unwrap_or_default(),
        p(0.99).unwrap_or_default(),
        ok.last().copied().unwrap_or_default()
    );
    Ok(())
}
