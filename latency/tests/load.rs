//! The load generator against small servers made to answer well, badly or not at all: every
//! request is counted once, in the right class, and bad runs end with one line and exit status 2.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use latency::load::{self, Config, Errors, LoadError, Report, Stop, Url};

/// How the test server answers each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// 200, `Data <id>`, keep-alive.
    Ok,
    /// 500 when the id is a multiple of n, 200 otherwise.
    FailEvery(u64),
    /// 200 with `Connection: close`, then closes.
    Close,
    /// An HTTP/1.0 answer with a length, then closes.
    Http10,
    /// An answer without a length: the body runs to the close.
    NoLength,
    /// 200 after a pause.
    Slow(Duration),
    /// Reads the request, never answers.
    Silent,
    /// Answers garbage.
    Garbage,
    /// A head promising 10 bytes, 3 of them, then a close.
    CutShort,
}

/// A thread-per-connection server that records every id it was asked for.
struct TestServer {
    url: String,
    ids: Arc<Mutex<Vec<u64>>>,
    accepted: Arc<Mutex<u64>>,
}

impl TestServer {
    fn start(behaviour: Behaviour) -> TestServer {
        TestServer::accepting(behaviour, usize::MAX)
    }

    /// A server that stops listening after `accepts` connections.
    fn accepting(behaviour: Behaviour, accepts: usize) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/data/{{id}}", listener.local_addr().unwrap());
        let ids = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(0));
        let (seen, count) = (ids.clone(), accepted.clone());
        // The accept thread lives as long as the test process: nothing to stop.
        thread::spawn(move || {
            let mut listener = Some(listener);
            for n in 1..=accepts {
                let Some(Ok((stream, _))) = listener.as_ref().map(TcpListener::accept) else {
                    return;
                };
                *count.lock().unwrap() += 1;
                if n == accepts {
                    // Closed before its last connection is served: a connect made after that
                    // answer always finds nothing listening (never a queue about to be dropped).
                    listener = None;
                }
                let seen = seen.clone();
                thread::spawn(move || serve(stream, behaviour, &seen));
            }
        });
        TestServer { url, ids, accepted }
    }

    fn ids(&self) -> Vec<u64> {
        let mut ids = self.ids.lock().unwrap().clone();
        ids.sort_unstable();
        ids
    }

    fn accepted(&self) -> u64 {
        *self.accepted.lock().unwrap()
    }
}

/// Answers the requests of one connection as `behaviour` says.
fn serve(stream: TcpStream, behaviour: Behaviour, seen: &Mutex<Vec<u64>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        // GET /data/<id> HTTP/1.1, then fields up to the empty line.
        let id: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.strip_prefix("/data/"))
            .and_then(|id| id.parse().ok())
            .expect("a /data/<id> request");
        loop {
            let mut field = String::new();
            if reader.read_line(&mut field).unwrap_or(0) == 0 || field == "\r\n" {
                break;
            }
        }
        seen.lock().unwrap().push(id);
        let body = format!("Data {id}");
        let ok = |extra: &str| {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{extra}\r\n{body}",
                body.len()
            )
        };
        let (answer, close) = match behaviour {
            Behaviour::Ok => (ok(""), false),
            Behaviour::FailEvery(n) if id % n == 0 => (
                "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nOops".to_string(),
                false,
            ),
            Behaviour::FailEvery(_) => (ok(""), false),
            Behaviour::Close => (ok("Connection: close\r\n"), true),
            Behaviour::Http10 => (ok("").replacen("HTTP/1.1", "HTTP/1.0", 1), true),
            Behaviour::NoLength => (format!("HTTP/1.1 200 OK\r\n\r\n{body}"), true),
            Behaviour::Slow(pause) => {
                thread::sleep(pause);
                (ok(""), false)
            }
            Behaviour::Silent => {
                thread::sleep(Duration::from_secs(60));
                return;
            }
            Behaviour::Garbage => ("nonsense\r\n\r\n".to_string(), false),
            Behaviour::CutShort => (
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nDat".into(),
                true,
            ),
        };
        if out.write_all(answer.as_bytes()).is_err() {
            return;
        }
        if close {
            let _ = out.shutdown(Shutdown::Both);
            return;
        }
    }
}

fn config(url: &str, connections: u64, threads: u64, requests: u64) -> Config {
    Config {
        url: Url::parse(url).unwrap(),
        connections,
        threads,
        stop: Stop::Requests(requests),
        timeout: Duration::from_secs(5),
    }
}

fn run(config: &Config) -> Report {
    load::run(config).unwrap()
}

const NO_ERRORS: Errors = Errors {
    connect: 0,
    read: 0,
    write: 0,
    timeout: 0,
};

#[test]
fn every_request_is_sent_once_with_its_own_id_on_keep_alive_connections() {
    let server = TestServer::start(Behaviour::Ok);
    let report = run(&config(&server.url, 4, 2, 200));
    assert_eq!(report.requests, 200);
    assert_eq!(
        (report.non_2xx, report.reopened, report.errors),
        (0, 0, NO_ERRORS)
    );
    assert_eq!(server.ids(), (1..=200).collect::<Vec<_>>());
    // The four connections, and the one connect that checks the server is there.
    assert_eq!(server.accepted(), 4 + 1);
    let answer = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nData 100".len() as u64;
    assert!(report.bytes > 100 * answer && report.bytes < 200 * (answer + 1));
    assert!(report.latency.max_ms > 0.0);
}

#[test]
fn answers_other_than_2xx_are_counted_apart() {
    let server = TestServer::start(Behaviour::FailEvery(5));
    let report = run(&config(&server.url, 3, 1, 100));
    assert_eq!((report.requests, report.non_2xx), (100, 20));
    assert_eq!((report.reopened, report.errors), (0, NO_ERRORS));
}

#[test]
fn connections_the_server_closes_are_reopened_and_counted() {
    for behaviour in [Behaviour::Close, Behaviour::Http10, Behaviour::NoLength] {
        let server = TestServer::start(behaviour);
        let report = run(&config(&server.url, 1, 1, 10));
        assert_eq!((report.requests, report.errors), (10, NO_ERRORS));
        // Every request after the first needed a new connection.
        assert_eq!(report.reopened, 9);
        assert_eq!(server.accepted(), 10 + 1);
        assert_eq!(server.ids(), (1..=10).collect::<Vec<_>>());
    }
}

#[test]
fn a_server_gone_mid_run_gives_connect_errors_and_the_run_ends() {
    // The check connect, one connection, then nothing listens any more.
    let server = TestServer::accepting(Behaviour::Close, 2);
    let report = run(&config(&server.url, 1, 1, 5));
    assert_eq!((report.requests, report.errors.connect), (1, 4));
    assert_eq!(report.reopened, 0);
}

#[test]
fn a_server_that_does_not_answer_gives_timeouts_and_its_connections_are_given_up() {
    let server = TestServer::start(Behaviour::Silent);
    let mut config = config(&server.url, 1, 1, 3);
    config.timeout = Duration::from_millis(50);
    let report = run(&config);
    assert_eq!((report.requests, report.errors.timeout), (0, 3));
    assert_eq!((report.errors.read, report.errors.connect), (0, 0));
    // Each request waited ten timeouts on its connection, then the connection was replaced.
    assert_eq!(report.reopened, 2);
    assert_eq!(server.accepted(), 3 + 1);
}

#[test]
fn a_connect_slower_than_the_timeout_is_a_connect_error() {
    // A listener with a backlog of 1 that never accepts: the check connect and one more fit in
    // its queue; the kernel drops the SYNs of the others, so their connects hang.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _inside = runtime.enter();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let url = format!("http://{}/data/{{id}}", listener.local_addr().unwrap());
    let mut config = config(&url, 3, 1, 3);
    config.timeout = Duration::from_millis(50);
    let report = run(&config);
    // Two connects late (counted once each, then given up), one request never read.
    assert_eq!((report.errors.connect, report.errors.timeout), (2, 1));
    assert_eq!((report.requests, report.reopened), (0, 0));
}

#[test]
fn a_late_answer_is_a_timeout_and_a_request_but_not_a_latency() {
    let server = TestServer::start(Behaviour::Slow(Duration::from_millis(300)));
    let mut config = config(&server.url, 1, 1, 2);
    config.timeout = Duration::from_millis(100);
    let report = run(&config);
    // As wrk counts them: both answered, both late, no latency sample, the connection kept.
    assert_eq!((report.requests, report.errors.timeout), (2, 2));
    assert_eq!(report.latency, load::Latency::default());
    assert_eq!((report.reopened, server.accepted()), (0, 1 + 1));
}

#[test]
fn garbage_and_cut_answers_are_read_errors() {
    for behaviour in [Behaviour::Garbage, Behaviour::CutShort] {
        let server = TestServer::start(behaviour);
        let report = run(&config(&server.url, 2, 1, 6));
        assert_eq!((report.requests, report.errors.read), (0, 6));
        assert_eq!((report.errors.timeout, report.errors.connect), (0, 0));
        assert_eq!(report.latency, load::Latency::default());
    }
}

#[test]
fn latency_is_from_the_request_to_its_answer() {
    let pause = Duration::from_millis(50);
    let server = TestServer::start(Behaviour::Slow(pause));
    let report = run(&config(&server.url, 2, 2, 4));
    assert_eq!(report.requests, 4);
    // No answer can come before the server's pause: a lower bound the clock cannot break.
    assert!(report.latency.p50_ms >= 50.0, "{:?}", report.latency);
    assert!(report.latency.mean_ms >= 50.0 && report.latency.max_ms >= report.latency.p99_ms);
}

#[test]
fn a_timed_run_stops_at_its_deadline() {
    let server = TestServer::start(Behaviour::Ok);
    let mut config = config(&server.url, 2, 2, 1);
    config.stop = Stop::After(Duration::from_millis(300));
    let report = run(&config);
    assert!(report.requests > 0);
    // It ran its whole duration, and did not hang past it.
    assert!(
        report.seconds >= 0.3 && report.seconds < 10.0,
        "{}",
        report.seconds
    );
    assert_eq!(report.errors, NO_ERRORS);
}

/// An address where nothing listens: bound, then let go.
fn nobody() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/data/{{id}}", listener.local_addr().unwrap())
}

#[test]
fn runs_that_cannot_start_say_why() {
    let url = nobody();
    let error = load::run(&config(&url, 1, 1, 1)).unwrap_err();
    assert!(matches!(error, LoadError::Unreachable { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("cannot connect to 127.0.0.1:"),
        "{error}"
    );

    let server = TestServer::start(Behaviour::Ok);
    let error = load::run(&config(&server.url, 100_000_000, 1, 1)).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("-c 100000000") && text.contains("open-file limit"),
        "{text}"
    );

    let error = load::run(&config(&server.url, 2, 3, 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "-t 3 is more than -c 2: each thread needs a connection"
    );
}

/// Runs the `load` binary; its status, stdout and stderr.
fn load_bin(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_load"))
        .args(args)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn the_binary_prints_a_summary_or_one_json_line() {
    let server = TestServer::start(Behaviour::FailEvery(2));
    let (code, out, err) = load_bin(&[&server.url, "-c", "2", "-n", "10"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("  10 requests in "), "{out}");
    assert!(out.contains("  Non-2xx responses: 5\n"), "{out}");
    assert!(
        out.contains("Socket errors: connect 0, read 0, write 0, timeout 0"),
        "{out}"
    );
    assert!(out.contains("Requests/sec: "), "{out}");

    let (code, out, _) = load_bin(&[&server.url, "-c", "2", "-n", "10", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (json["requests"].as_u64(), json["non_2xx"].as_u64()),
        (Some(10), Some(5))
    );
    assert!(json["latency"]["p99_ms"].as_f64().is_some());
}

#[test]
fn the_binary_refuses_bad_runs_with_one_line_and_status_2() {
    let url = nobody();
    let server = TestServer::start(Behaviour::Ok);
    let cases: [(&[&str], &str); 8] = [
        (&[], "not provided: <URL>"),
        (&[&url, "-n", "1"], "cannot connect to 127.0.0.1:"),
        (&[&server.url, "-c", "0"], "-c"),
        (&[&server.url, "-d", "5x"], "unit"),
        (&[&server.url, "-d", "1s", "-n", "5"], "cannot be used with"),
        (&["https://127.0.0.1:1/", "-n", "1"], "only http://"),
        (&[&server.url, "-c", "900000"], "open-file limit"),
        (
            &[&server.url, "-c", "1", "-t", "2"],
            "each thread needs a connection",
        ),
    ];
    for (args, says) in cases {
        let (code, out, err) = load_bin(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.is_empty() && !err.contains("panicked"), "{args:?}");
    }
}
