//! The latency server's line protocol, shared by every model's `io --net` client.
//!
//! One request per connection, like the seed's API calls:
//!
//! ```text
//! client: GET <id> <delay_ms>\n      (delay_ms optional: the server's own default otherwise)
//! server: Data <id>\n                (after delay_ms)
//! ```
//!
//! Each model does the I/O with its own sockets (`std::net`, `tokio::net`, `smol::net`…); only
//! the bytes on the wire and the check of the answer are shared.

use std::time::Duration;

/// The request line for `id`, asking the server to answer after `delay`.
pub fn request_line(id: u64, delay: Duration) -> String {
    format!("GET {id} {}\n", delay.as_millis())
}

/// Checks the server's answer to request `id`: it must be `Data <id>`.
pub fn check_reply(id: u64, reply: &str) -> Result<(), String> {
    let want = crate::expected::data(id);
    match reply.trim_end_matches(['\r', '\n']) {
        got if got == want => Ok(()),
        "" => Err("connection closed before an answer".to_string()),
        got => Err(format!("garbled answer {got:?}, expected {want:?}")),
    }
}
