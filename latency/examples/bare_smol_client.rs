//! The barest smol client, beside `bare_client` (tokio): is a slow smol run smol's, or the model's?
//!
//! N tasks on smol's global executor (`smol::spawn`, one thread unless `SMOL_THREADS` says more),
//! each one `smol::net::TcpStream` connection, all at once; `smol::block_on` waits for them. No
//! model, no `Ctx`, no timeout: what is left is smol's executor and async-io's reactor.
//!
//! `cargo run --release -p latency --example bare_smol_client -- 10000 100 [ADDR]` (with ADDR,
//! against a `latency-server` in another process; only the client's descriptors then count).

mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::Timing;
use latency::protocol;
use smol::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use smol::net::TcpStream;

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

/// N requests at once on smol's executor; the summary, and exit status 1 if any failed.
fn client() -> Result<ExitCode, String> {
    let run = common::setup()?;
    let start = Instant::now();
    let results = smol::block_on(async {
        let tasks: Vec<_> = (1..=run.n)
            .map(|id| smol::spawn(request(run.addr, id, run.delay)))
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for task in tasks {
            out.push(task.await);
        }
        out
    });
    Ok(common::report("smol", &run, start.elapsed(), &results))
}
