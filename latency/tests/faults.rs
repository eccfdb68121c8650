//! Fault injection never hits the reachability check, and hits every other id it names.
//!
//! `io --net` checks the server once with request id 0 before its run. `0 % n == 0` for every n,
//! so a server that faulted the check would refuse every model; these tests hold the server to
//! its protocol doc: id 0 is always answered, the faults fall on ids 1, 2, … only.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use latency::protocol::{self, CHECK_ID};
use latency::{Config, Faults, Server};

/// A server that resets every 3rd id and garbles every 5th, answering after 1 ms.
fn faulty() -> Server {
    let mut config = Config::new(Duration::from_millis(1));
    config.faults = Faults {
        reset_every: 3,
        garble_every: 5,
    };
    Server::start_with(config).expect("the server starts")
}

/// Request `id` as the blocking models make it; Err says why it failed.
fn ask(addr: SocketAddr, id: u64) -> Result<(), String> {
    let patience = Duration::from_secs(5);
    protocol::blocking_request(addr, id, Duration::ZERO, patience).map_err(|e| e.to_string())
}

#[test]
fn the_check_is_never_faulted() {
    let server = faulty();
    // Twice: a check that worked once by luck of timing would not pass both.
    for _ in 0..2 {
        assert_eq!(ask(server.addr(), CHECK_ID), Ok(()), "the check, id 0");
    }
}

#[test]
fn faults_fail_those_ids_and_the_rest_complete() {
    let server = faulty();
    let failed: Vec<u64> = (1..=15)
        .filter(|&id| ask(server.addr(), id).is_err())
        .collect();
    assert_eq!(failed, [3, 5, 6, 9, 10, 12, 15], "the faulted ids");
    let garbled = ask(server.addr(), 10).unwrap_err();
    assert!(garbled.contains("garbled"), "id 10: {garbled}");
    // A reset reaches the client as an error of its own, never as an answer.
    assert!(!ask(server.addr(), 3).unwrap_err().contains("garbled"));
}

#[test]
fn the_check_line_on_the_wire_is_answered_data_0() {
    let server = faulty();
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let line = protocol::request_line(CHECK_ID, Duration::ZERO);
    stream.write_all(line.as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).unwrap();
    assert_eq!(reply, "Data 0\n");
}
