//! The listeners share their port among themselves (SO_REUSEPORT), never with a second server.

use std::time::Duration;

use latency::{Config, Server, protocol};

#[test]
fn a_port_in_use_is_refused_not_shared() {
    let first = Server::start(Duration::from_millis(1)).expect("the first server starts");
    let mut config = Config::new(Duration::from_millis(1));
    config.addr = first.addr();
    let second = Server::start_with(config);
    let err = second.err().expect("the second server is refused");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    // And the first still answers every request: none went to a listener of the refused one.
    for id in 1..=20 {
        let reply =
            protocol::blocking_request(first.addr(), id, Duration::ZERO, Duration::from_secs(5));
        assert!(reply.is_ok(), "request {id}: {reply:?}");
    }
    assert_eq!(first.served(), 20);
}
