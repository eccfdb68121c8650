//! `io --net` from worker processes: real std::net TCP requests, P of them at once for a pool of
//! P. The server here counts the connections it holds at once, so the pool's concurrency is read
//! from the server's side, not guessed from the clock. Run with `cargo test -p multiprocess --test net`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use multiprocess::model::Multiprocess;
use multiprocess::worker;
use taskset::{Ctx, Model, Outcome, Output, Params, Scenario};

/// A latency server that answers `GET <id> <ms>` after ms, and records its peak of open requests.
fn counting_server() -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (open, peak) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let seen = Arc::clone(&peak);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (open, peak) = (Arc::clone(&open), Arc::clone(&peak));
            thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                reader.read_line(&mut line).expect("a request line");
                peak.fetch_max(open.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                let words: Vec<&str> = line.split_whitespace().collect();
                let ms: u64 = words[2].parse().expect("a delay");
                thread::sleep(Duration::from_millis(ms));
                open.fetch_sub(1, Ordering::SeqCst);
                writeln!(&stream, "Data {}", words[1]).expect("answer");
            });
        }
    });
    (addr, seen)
}

#[test]
fn a_pool_of_p_processes_has_p_requests_in_flight() {
    worker::set_exe(env!("CARGO_BIN_EXE_multiprocess"));
    let (addr, peak) = counting_server();
    let mut p = Params::of(Scenario::Io).tasks(12).delay_ms(200).workers(3);
    p.net = true;
    p.server = Some(addr);
    let ctx = Ctx::new(p, Output::Record);
    let Ok(Outcome::Io(out)) = Multiprocess.run(&ctx) else {
        panic!("io --net runs")
    };
    assert_eq!(out.failures, vec![], "{out:?}");
    assert_eq!(out.latencies.len(), 12);
    assert_eq!(
        peak.load(Ordering::SeqCst),
        3,
        "the pool's three workers, at once"
    );
}
