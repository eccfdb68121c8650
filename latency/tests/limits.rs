//! The server bounds what a client can make it hold: a delay of at most an hour, answered `ERR`
//! at once above that; and a request line within the timeout, answered `ERR` after it.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use latency::protocol::{self, MAX_DELAY_MS};
use latency::{Config, Server};

/// Sends `line` (nothing if empty) and reads the one-line answer, giving up after 5 s.
fn exchange(addr: SocketAddr, line: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(line.as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .expect("an answer within 5 s");
    reply
}

#[test]
fn a_delay_over_the_limit_is_refused_at_once() {
    let server = Server::start(Duration::from_millis(1)).expect("the server starts");
    for ms in [MAX_DELAY_MS + 1, u64::MAX] {
        let start = Instant::now();
        let reply = exchange(server.addr(), &format!("GET 1 {ms}\n"));
        assert!(reply.starts_with("ERR delay"), "GET 1 {ms}: {reply:?}");
        assert!(reply.contains(&MAX_DELAY_MS.to_string()), "{reply:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        // The client side names it a refusal, not a garbled answer.
        let why = protocol::check_reply(1, &reply).unwrap_err();
        assert!(why.contains("refused"), "{why}");
    }
    assert_eq!(server.served(), 0, "a refused request is not served");
}

#[test]
fn a_delay_at_the_limit_is_accepted() {
    let server = Server::start(Duration::from_millis(1)).expect("the server starts");
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    let line = protocol::request_line(1, Duration::from_millis(MAX_DELAY_MS));
    stream.write_all(line.as_bytes()).unwrap();
    // Accepted means counted, then held: poll for the count instead of waiting an hour.
    let start = Instant::now();
    while server.served() == 0 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.served(), 1);
}

#[test]
fn a_silent_client_is_told_and_closed() {
    let mut config = Config::new(Duration::from_millis(1));
    config.request_timeout = Duration::from_millis(100);
    let server = Server::start_with(config).expect("the server starts");
    let reply = exchange(server.addr(), "");
    assert!(reply.starts_with("ERR no request line"), "{reply:?}");
}

#[test]
fn a_default_delay_over_the_limit_does_not_start() {
    let config = Config::new(Duration::from_millis(MAX_DELAY_MS + 1));
    let err = Server::start_with(config).err().expect("refused");
    assert!(err.to_string().contains("3600000"), "{err}");
}
