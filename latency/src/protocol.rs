//! The latency service's line protocol, shared by the server and every model's `io --net` client.
//!
//! One request per connection, like the seed's API calls:
//!
//! ```text
//! client: GET <id> <delay_ms>\n      (delay_ms is optional: the server's default otherwise)
//! server: Data <id>\n                (after delay_ms; then the server closes the connection)
//! ```
//!
//! The server closes first, so the TIME_WAIT state stays on the server's side and ten thousand
//! client connections do not use up the client's ephemeral ports between runs.
//! Each model does the I/O with its own sockets (`tokio::net`, `async_std::net`, `smol::net`);
//! only the bytes on the wire and the check of the answer are shared — and the one blocking
//! `std::net` request that the three blocking models all make, [`blocking_request`].

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The longest request line the server reads.
pub const MAX_LINE: usize = 64;

/// The answer to request `id`, without its newline: `Data 7`.
pub fn data(id: u64) -> String {
    format!("Data {id}")
}

/// The request line for `id`, asking the server to answer after `delay`.
pub fn request_line(id: u64, delay: Duration) -> String {
    format!("GET {id} {}\n", delay.as_millis())
}

/// Parses a request line into its id and the delay it asks for, if any.
pub fn parse_request(line: &str) -> Option<(u64, Option<Duration>)> {
    let mut words = line.split_whitespace();
    if words.next()? != "GET" {
        return None;
    }
    let id = words.next()?.parse().ok()?;
    let delay = match words.next() {
        Some(ms) => Some(Duration::from_millis(ms.parse().ok()?)),
        None => None,
    };
    words.next().is_none().then_some((id, delay))
}

/// Checks the server's answer to request `id`: it must be `Data <id>`.
pub fn check_reply(id: u64, reply: &str) -> Result<(), String> {
    let want = data(id);
    match reply.trim_end_matches(['\r', '\n']) {
        got if got == want => Ok(()),
        "" => Err("connection closed before an answer".to_string()),
        got => Err(format!("garbled answer {got:?}, expected {want:?}")),
    }
}

/// One blocking request with `std::net`, as the blocking models (sync-basic, threads, multiprocess)
/// make it: connect, ask, read the one-line answer. A server that never answers must not hang the
/// caller, so the read gives up `patience` after the delay it asked for.
pub fn blocking_request(
    addr: SocketAddr,
    id: u64,
    delay: Duration,
    patience: Duration,
) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(delay + patience))?;
    stream.write_all(request_line(id, delay).as_bytes())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    check_reply(id, &reply).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_round_trip() {
        let line = request_line(7, Duration::from_millis(100));
        assert_eq!(line, "GET 7 100\n");
        assert_eq!(
            parse_request(&line),
            Some((7, Some(Duration::from_millis(100))))
        );
        assert_eq!(parse_request("GET 7"), Some((7, None)));
        assert_eq!(parse_request("GET x 1"), None);
        assert_eq!(parse_request("PUT 7 1"), None);
        assert_eq!(parse_request("GET 7 1 2"), None);
    }

    #[test]
    fn replies_are_checked() {
        assert_eq!(check_reply(7, "Data 7\n"), Ok(()));
        assert!(check_reply(7, "Data 8\n").unwrap_err().contains("garbled"));
        assert!(check_reply(7, "").unwrap_err().contains("closed"));
    }
}
