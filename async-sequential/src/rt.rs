//! The runtime's own pieces: its timer, its sockets and its `block_on`.
//!
//! async-sequential's scenarios never name a runtime: they call [`sleep`], and `sleep` waits on the
//! timer of whichever runtime is polling them. tokio's timer needs tokio's own driver, so under a
//! tokio runtime (`Handle::try_current` finds one) it is `tokio::time::sleep`; under async-std's
//! `block_on` (a current task exists) it is async-std's; anywhere else it is smol's `Timer`, which
//! runs under any executor. The same choice picks the sockets of [`request`]. So the lesson file
//! reads like sync-basic, and a benchmark can await a scenario on a runtime it built itself.
//!
//! `cargo run -p async-sequential -- gather --delay-ms 300 --runtime smol`

use std::future::Future;
use std::net::SocketAddr;
use std::panic::UnwindSafe;
use std::time::Duration;

use futures_lite::FutureExt;
use futures_lite::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use taskset::{Ctx, Error, Runtime, net, serve};

/// The runtime polling this task: tokio, async-std, or (anything else) smol.
fn current() -> Runtime {
    if tokio::runtime::Handle::try_current().is_ok() {
        Runtime::Tokio
    } else if async_std::task::try_current().is_some() {
        Runtime::AsyncStd
    } else {
        Runtime::Smol
    }
}

/// Waits `d` on the timer of the runtime polling us: where sync-basic calls `thread::sleep`.
pub async fn sleep(d: Duration) {
    match current() {
        Runtime::Tokio => tokio::time::sleep(d).await,
        Runtime::AsyncStd => async_std::task::sleep(d).await,
        Runtime::Smol => drop(smol::Timer::after(d).await),
    }
}

/// `fut`'s output, or None if `limit` passes first; then `fut` is dropped (a race with [`sleep`]).
pub async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let expire = async {
        sleep(limit).await;
        None
    };
    // `or` polls both and returns the first to finish; the loser is dropped with it.
    async { Some(fut.await) }.or(expire).await
}

/// `fut`'s output, or the payload of a panic while it was polled: the async `catch_unwind`.
pub async fn catch_unwind<F: Future + UnwindSafe>(fut: F) -> std::thread::Result<F::Output> {
    fut.catch_unwind().await
}

/// One `io --net` request on its own connection, given up [`net::PATIENCE`] after D.
pub async fn request(addr: SocketAddr, id: u64, delay: Duration) -> Result<(), String> {
    let line = net::request_line(id, delay);
    let reply = within(delay + net::PATIENCE, roundtrip(addr, line))
        .await
        .ok_or("no answer in time")?;
    net::check_reply(id, &reply.map_err(|e| e.to_string())?)
}

/// Writes `line` and reads one line back, with the sockets of the runtime polling us.
async fn roundtrip(addr: SocketAddr, line: String) -> std::io::Result<String> {
    match current() {
        Runtime::Tokio => {
            use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
            let mut stream = tokio::io::BufReader::new(tokio::net::TcpStream::connect(addr).await?);
            stream.get_mut().write_all(line.as_bytes()).await?;
            let mut reply = String::new();
            stream.read_line(&mut reply).await?;
            Ok(reply)
        }
        Runtime::AsyncStd => exchange(async_std::net::TcpStream::connect(addr).await?, line).await,
        Runtime::Smol => exchange(smol::net::TcpStream::connect(addr).await?, line).await,
    }
}

/// Writes the line and reads one line back, on a stream of the futures-io traits (async-std, smol).
async fn exchange(
    stream: impl AsyncRead + AsyncWrite + Unpin,
    line: String,
) -> std::io::Result<String> {
    let mut stream = BufReader::new(stream);
    stream.get_mut().write_all(line.as_bytes()).await?;
    let mut reply = String::new();
    stream.read_line(&mut reply).await?;
    Ok(reply)
}

/// The server's listener, on the runtime polling us.
pub enum Listener {
    /// tokio's.
    Tokio(tokio::net::TcpListener),
    /// async-std's.
    AsyncStd(async_std::net::TcpListener),
    /// smol's.
    Smol(smol::net::TcpListener),
}

/// The `std` listener of `serve::listen` (non-blocking already), on the runtime polling us.
pub fn listen(listener: std::net::TcpListener) -> Result<Listener, Error> {
    Ok(match current() {
        Runtime::Tokio => Listener::Tokio(tokio::net::TcpListener::from_std(listener)?),
        Runtime::AsyncStd => Listener::AsyncStd(listener.into()),
        Runtime::Smol => Listener::Smol(listener.try_into()?),
    })
}

/// The next connection, or None once the server is told to stop.
pub async fn accept(ctx: &Ctx, listener: &Listener) -> Option<Conn> {
    let stop = ctx.serving()?.stop();
    loop {
        // Told first: `or` polls the accept first, and a backlog that is never empty (clients
        // still connecting) would keep a stopped server accepting.
        if stop.is_told() {
            return None;
        }
        let accepted = async {
            Some(match listener {
                Listener::Tokio(l) => l.accept().await.map(|(c, _)| Conn::Tokio(c)),
                Listener::AsyncStd(l) => l.accept().await.map(|(c, _)| Conn::AsyncStd(c)),
                Listener::Smol(l) => l.accept().await.map(|(c, _)| Conn::Smol(c)),
            })
        };
        let stopped = async {
            stop.wait().await;
            None
        };
        match accepted.or(stopped).await? {
            Ok(conn) => return Some(conn),
            Err(e) if serve::out_of_files(ctx, &e) => sleep(Duration::from_millis(10)).await,
            Err(_) => {}
        }
    }
}

/// A connection of the server, on the runtime that accepted it.
pub enum Conn {
    /// tokio's.
    Tokio(tokio::net::TcpStream),
    /// async-std's.
    AsyncStd(async_std::net::TcpStream),
    /// smol's.
    Smol(smol::net::TcpStream),
}

impl serve::AsyncConn for Conn {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Tokio(s) => tokio::io::AsyncReadExt::read(s, buf).await,
            Conn::AsyncStd(s) => s.read(buf).await,
            Conn::Smol(s) => s.read(buf).await,
        }
    }

    async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Tokio(s) => tokio::io::AsyncWriteExt::write_all(s, buf).await,
            Conn::AsyncStd(s) => s.write_all(buf).await,
            Conn::Smol(s) => s.write_all(buf).await,
        }
    }

    async fn sleep(d: Duration) {
        sleep(d).await
    }
}

/// Runs `fut` to completion on `runtime`, on this thread: the `asyncio.run` of the seed.
pub fn block_on<F: Future>(runtime: Runtime, fut: F) -> Result<F::Output, Error> {
    Ok(match runtime {
        Runtime::Tokio => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(fut),
        Runtime::AsyncStd => async_std::task::block_on(fut),
        Runtime::Smol => smol::block_on(fut),
    })
}
