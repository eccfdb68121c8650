//! The latency service's line protocol, shared by the server and every model's `io --net` client.
//!
//! One request per connection, like the seed's API calls:
//!
//! ```text
//! client: GET <id> <delay_ms>\n      (delay_ms is optional: the server's default otherwise)
//! server: Data <id>\n                (after delay_ms; then the server closes the connection)
//! server: ERR <why>\n                (instead: a malformed line, a delay over MAX_DELAY_MS, or no
//!                                     line within REQUEST_TIMEOUT of the connection)
//! ```
//!
//! Request id 0 is the reachability check ([`CHECK_ID`]): a client sends it once, before its run,
//! to see that a server is there and speaks the protocol. It is answered like any other request
//! but never faulted (`latency-server --reset-every`, `--garble-every`), so a server that injects
//! faults can still be reached; a run numbers its own requests from 1.
//!
//! A delay is at most [`MAX_DELAY_MS`], one hour: a longer one is refused with an `ERR` line, so
//! no client can hold a connection (and the server's descriptor) for ever.
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

/// How long the server waits for a request line before it answers `ERR` and closes: long enough
/// for a client slowed down by its own ten thousand connects, short enough that a silent client
/// does not hold a descriptor for ever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The id of the reachability check: answered like any other request, never faulted.
pub const CHECK_ID: u64 = 0;

/// The longest delay a request may ask for, in milliseconds: one hour, the workspace's bound for
/// `--delay-ms` (`taskset::cli::DELAY_MS`, which this crate cannot name: taskset depends on it).
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// The answer to request `id`, without its newline: `Data 7`.
pub fn data(id: u64) -> String {
    format!("Data {id}")
}

/// The request line for `id`, asking the server to answer after `delay`.
pub fn request_line(id: u64, delay: Duration) -> String {
    format!("GET {id} {}\n", delay.as_millis())
}

/// Parses a request line into its id and the delay it asks for, if any; or the server's `ERR`
/// answer, without its newline.
pub fn parse_request(line: &str) -> Result<(u64, Option<Duration>), String> {
    let (id, ms) = parse_words(line).ok_or("ERR bad request")?;
    match ms {
        Some(ms) if ms > MAX_DELAY_MS => Err(format!(
            "ERR delay {ms} ms is over the limit of {MAX_DELAY_MS} ms"
        )),
        ms => Ok((id, ms.map(Duration::from_millis))),
    }
}

/// `GET <id> [<ms>]` split into its numbers, if it is that.
fn parse_words(line: &str) -> Option<(u64, Option<u64>)> {
    let mut words = line.split_whitespace();
    if words.next()? != "GET" {
        return None;
    }
    let id = words.next()?.parse().ok()?;
    let ms = match words.next() {
        Some(ms) => Some(ms.parse().ok()?),
        None => None,
    };
    words.next().is_none().then_some((id, ms))
}

/// Checks the server's answer to request `id`: it must be `Data <id>`.
pub fn check_reply(id: u64, reply: &str) -> Result<(), String> {
    let want = data(id);
    match reply.trim_end_matches(['\r', '\n']) {
        got if got == want => Ok(()),
        "" => Err("connection closed before an answer".to_string()),
        got if got.starts_with("ERR ") => Err(format!("the server refused the request: {got}")),
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
            Ok((7, Some(Duration::from_millis(100))))
        );
        assert_eq!(parse_request("GET 7"), Ok((7, None)));
        for bad in ["GET x 1", "PUT 7 1", "GET 7 1 2", "GET 7 -1", ""] {
            assert_eq!(parse_request(bad), Err("ERR bad request".into()), "{bad:?}");
        }
    }

    #[test]
    fn delays_are_bounded() {
        let longest = request_line(1, Duration::from_millis(MAX_DELAY_MS));
        assert_eq!(
            parse_request(&longest),
            Ok((1, Some(Duration::from_millis(MAX_DELAY_MS))))
        );
        for over in ["GET 1 3600001", "GET 1 18446744073709551615"] {
            let refused = parse_request(over).unwrap_err();
            assert!(refused.starts_with("ERR delay"), "{over}: {refused}");
            assert!(refused.contains("3600000"), "{over}: {refused}");
        }
    }

    #[test]
    fn replies_are_checked() {
        assert_eq!(check_reply(7, "Data 7\n"), Ok(()));
        assert!(check_reply(7, "Data 8\n").unwrap_err().contains("garbled"));
        assert!(check_reply(7, "").unwrap_err().contains("closed"));
        let refused = check_reply(7, "ERR bad request\n").unwrap_err();
        assert!(refused.contains("refused") && refused.contains("bad request"));
    }
}
