//! `latency-server` on the command line: a bad flag value is one line naming the flag and the
//! numbers it takes, exit 2; and with faults on, the reachability check still gets through.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use latency::protocol::{self, CHECK_ID};

/// The server binary with `args`.
fn server(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latency-server"));
    cmd.args(args);
    cmd
}

#[test]
fn bad_values_name_the_flag_and_its_range() {
    let cases: &[(&[&str], &str)] = &[
        (&["--delay-ms", "-1"], "from 0 to 3600000"),
        (&["--delay-ms", "3600001"], "from 0 to 3600000"),
        (&["--delay-ms", "soon"], "from 0 to 3600000"),
        (&["--port", "-1"], "from 0 to 65535"),
        (&["--port", "65536"], "from 0 to 65535"),
        (&["--threads", "0"], "from 1 to 64"),
        (&["--threads", "-2"], "from 1 to 64"),
        (&["--reset-every", "-1"], "from 0 to 18446744073709551615"),
        (&["--garble-every", "1.5"], "from 0 to 18446744073709551615"),
    ];
    for (args, range) in cases {
        let out = server(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(
            stderr.contains(args[0]),
            "{args:?} names the flag: {stderr}"
        );
        assert!(stderr.contains(range), "{args:?} names {range}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

/// A running `latency-server`, killed and reaped when dropped.
struct Running(Child, SocketAddr);

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = server(args).stdout(Stdio::piped()).spawn().expect("starts");
        let mut first = String::new();
        let stdout = child.stdout.take().expect("piped");
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let addr = first.trim().strip_prefix("listening on ").map(str::parse);
        match addr {
            Some(Ok(addr)) => Running(child, addr),
            _ => panic!("unexpected first line {first:?}"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn with_faults_on_the_check_gets_through_and_the_faults_fall_on_their_ids() {
    let running = Running::start(&[
        "--delay-ms",
        "1",
        "--garble-every",
        "5",
        "--reset-every",
        "3",
    ]);
    let ask = |id| {
        protocol::blocking_request(running.1, id, Duration::ZERO, Duration::from_secs(5))
            .map_err(|e| e.to_string())
    };
    assert_eq!(ask(CHECK_ID), Ok(()), "the check, id 0");
    let failed: Vec<u64> = (1..=10).filter(|&id| ask(id).is_err()).collect();
    assert_eq!(failed, [3, 5, 6, 9, 10]);
}

#[test]
fn help_says_the_check_is_never_faulted() {
    let out = server(&["--help"]).output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        help.contains("id 0") && help.contains("never faulted"),
        "{help}"
    );
}

/// A pipe whose read end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe() writes two new descriptors into the array it is given.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors are open and owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = server(&[])
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still serving with no one to read its address");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "no panic, no message");
}
