//! The client side of `io --net`: the latency service's wire format, how long a request waits for
//! its answer, and the one blocking request the three blocking models make.
//!
//! Each model does its I/O with its own sockets (`std::net`, `tokio::net`, `async_std::net`,
//! `smol::net`); what is shared is only the bytes on the wire and the check of the answer, from the
//! fixture's own [`latency::protocol`]. Nothing here touches an async runtime: sync-basic's
//! requests are plain `std::net` calls.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub use latency::protocol::{CHECK_ID, check_reply, request_line};

/// How long past D a request waits for its answer before it counts as failed: a server that never
/// answers must not hang the program.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One blocking request with `std::net`, as sync-basic, threads and multiprocess make it: connect,
/// ask, read the one-line answer, giving up [`PATIENCE`] after the delay it asked for. (The
/// protocol's own client, which touches none of the server's async code.)
pub fn blocking_request(addr: SocketAddr, id: u64, delay: Duration) -> io::Result<()> {
    latency::protocol::blocking_request(addr, id, delay, PATIENCE)
}

/// Is a latency server listening at `addr`, and does it speak the protocol? One request, no delay.
///
/// It is request [`CHECK_ID`], which the server never answers with an injected fault: the check
/// must not fail because a fault was asked for (`latency-server --garble-every 5`).
pub fn reachable(addr: SocketAddr) -> io::Result<()> {
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(request_line(CHECK_ID, Duration::ZERO).as_bytes())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    check_reply(CHECK_ID, &reply).map_err(io::Error::other)
}

/// A blocking HTTP/1.1 client on one keep-alive connection: the tour's clients and the conformance
/// suite's, against every model's `serve` (the load generator is `latency::load`).
pub struct HttpClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl HttpClient {
    /// Connects to a server at `addr`; each request waits at most `patience` for its answer.
    pub fn connect(addr: SocketAddr, patience: Duration) -> io::Result<HttpClient> {
        let stream = TcpStream::connect_timeout(&addr, patience)?;
        stream.set_read_timeout(Some(patience))?;
        stream.set_nodelay(true)?;
        Ok(HttpClient {
            stream,
            buf: Vec::new(),
        })
    }

    /// `GET path` on this connection: the status and the body of the answer.
    pub fn get(&mut self, path: &str) -> io::Result<(u16, String)> {
        let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.send(head.as_bytes())
    }

    /// Sends `bytes` and reads nothing back (half a request, say).
    pub fn write_only(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends `bytes` as they are (a well-formed request or not) and reads one answer.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<(u16, String)> {
        self.stream.write_all(bytes)?;
        self.answer()
    }

    /// Reads one answer: its head, then as many body bytes as its `Content-Length` says.
    fn answer(&mut self) -> io::Result<(u16, String)> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
        loop {
            let mut fields = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut fields);
            if let httparse::Status::Complete(head) =
                response.parse(&self.buf).map_err(|e| bad(&e.to_string()))?
            {
                let status = response.code.ok_or_else(|| bad("no status"))?;
                let length: usize = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                    .ok_or_else(|| bad("no Content-Length"))?;
                while self.buf.len() < head + length {
                    self.fill()?;
                }
                let body = String::from_utf8_lossy(&self.buf[head..head + length]).into_owned();
                self.buf.drain(..head + length);
                return Ok((status, body));
            }
            self.fill()?;
        }
    }

    /// Reads what the server sent next; the end of the stream before an answer is an error.
    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk)? {
            0 => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before an answer",
            )),
            n => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// Whether the server closes the connection within `wait` (anything it sends first, such as
    /// a 408, is read and dropped; a reset counts as closed).
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let _ = self.stream.set_read_timeout(Some(wait));
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => {
                    let waiting = matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    );
                    return !waiting;
                }
            }
        }
    }
}
