//! How we check that the latency server is never the bottleneck: the barest client there is.
//!
//! N tokio tasks, each one connection, all at once, against a server started in this process on
//! its own runtime. If the server keeps up, the whole run takes about D plus connection set-up,
//! and p99 stays near D; a fixture that queued or dropped connects would show up here first (the
//! `connect` quantiles: a dropped SYN is retried after 1 s, then 3 s).
//!
//! `cargo run --release -p latency --example bare_client -- 10000 100 [ADDR]` (with ADDR, against
//! a server already running, e.g. `latency-server` in another process, whose CPU time can then be
//! read apart from the client's; only the client's own descriptors count against the limit).

mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::Timing;
use latency::protocol;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One request: connect, ask, read the answer; how long the connect and the whole took.
async fn request(addr: SocketAddr, id: u64, delay: Duration) -> Result<Timing, String> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let connected = start.elapsed();
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
    Ok((connected, start.elapsed()))
}

fn main() -> ExitCode {
    common::exit(client())
}

/// N requests at once on one thread; the summary, and exit status 1 if any failed.
fn client() -> Result<ExitCode, String> {
    let run = common::setup()?;
    // One thread, as asyncio's one event loop: the runtime is the only variable.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let start = Instant::now();
    let results = rt.block_on(async {
        let handles: Vec<_> = (1..=run.n)
            .map(|id| tokio::spawn(request(run.addr, id, run.delay)))
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.await.map_err(|e| e.to_string()).and_then(|r| r));
        }
        out
    });
    Ok(common::report("tokio", &run, start.elapsed(), &results))
}
