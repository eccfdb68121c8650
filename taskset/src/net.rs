//! The client side of `io --net`: the latency service's wire format, how long a request waits for
//! its answer, and the one blocking request the three blocking models make.
//!
//! Each model does its I/O with its own sockets (`std::net`, `tokio::net`, `async_std::net`,
//! `smol::net`); what is shared is only the bytes on the wire and the check of the answer, from the
//! fixture's own [`latency::protocol`]. Nothing here touches an async runtime: sync-basic's
//! requests are plain `std::net` calls.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub use latency::protocol::{check_reply, request_line};

/// How long past D a request waits for its answer before it counts as failed: a server that never
/// answers must not hang the program.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One blocking request with `std::net`, as sync-basic, threads and multiprocess make it: connect,
/// ask, read the one-line answer, giving up [`PATIENCE`] after the delay it asked for.
pub fn blocking_request(addr: SocketAddr, id: u64, delay: Duration) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(delay + PATIENCE))?;
    stream.write_all(request_line(id, delay).as_bytes())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    check_reply(id, &reply).map_err(io::Error::other)
}

/// Is a latency server listening at `addr`, and does it speak the protocol? One request, no delay.
///
/// It is request id 0, which the server never answers with an injected fault: the check must
/// not fail because a fault was asked for (`latency-server --garble-every 5`).
pub fn reachable(addr: SocketAddr) -> io::Result<()> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(request_line(0, Duration::ZERO).as_bytes())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    check_reply(0, &reply).map_err(io::Error::other)
}
