//! Children die with their parent: the binary is killed by SIGTERM or SIGINT mid-run, where no
//! destructor of the parent runs, and its worker processes go too (`PR_SET_PDEATHSIG`).
//! Run with `cargo test -p multiprocess --test signals`.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The children of `parent`, from `/proc/*/stat`.
fn children_of(parent: u32) -> Vec<u32> {
    let entries = fs::read_dir("/proc").expect("/proc");
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// Whether `pid` still runs: it exists and is not a zombie waiting for its new parent to reap it.
fn running(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rfind(')').map_or("", |i| stat[i + 1..].trim_start());
    !state.starts_with('Z')
}

fn children_die_with_the_parent(signal: i32) {
    let mut parent = Command::new(env!("CARGO_BIN_EXE_multiprocess"))
        .args(["gather", "--delay-ms", "20000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(parent.stdout.take().expect("piped")).lines();
    let mut started = 0;
    while started < 3 {
        let line = lines.next().expect("a line").expect("text");
        started += usize::from(line.contains("started"));
    }
    let workers = children_of(parent.id());
    assert_eq!(workers.len(), 3, "one worker per task: {workers:?}");
    // SAFETY: kill sends a signal to the child we started; it touches no memory.
    assert_eq!(unsafe { libc::kill(parent.id() as i32, signal) }, 0);
    let status = parent.wait().expect("the parent is reaped");
    assert!(
        !status.success(),
        "the parent died of the signal: {status:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while workers.iter().any(|&w| running(w)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let left: Vec<u32> = workers.into_iter().filter(|&w| running(w)).collect();
    assert!(left.is_empty(), "workers outlived their parent: {left:?}");
}

#[test]
fn children_die_with_the_parent_on_sigterm() {
    children_die_with_the_parent(libc::SIGTERM);
}

#[test]
fn children_die_with_the_parent_on_sigint() {
    children_die_with_the_parent(libc::SIGINT);
}

/// `multiprocess fetch | head -2`: the reader goes away mid-run; the binary ends quietly and first
/// kills and reaps its workers, so none is left running nor a zombie (init need not reap them).
#[test]
fn a_closed_stdout_leaves_no_worker_nor_zombie() {
    let mut parent = Command::new(env!("CARGO_BIN_EXE_multiprocess"))
        .args(["fetch", "--tasks", "4", "--delay-ms", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(parent.stdout.take().expect("piped")).lines();
    let mut fetching = 0;
    while fetching < 4 {
        let line = lines.next().expect("a line").expect("text");
        fetching += usize::from(line.contains("Fetching"));
    }
    let workers = children_of(parent.id());
    assert_eq!(workers.len(), 4, "one worker per task: {workers:?}");
    // Closing our end: the next line the binary prints (a fetch ending, in a second) meets a broken
    // pipe.
    drop(lines);
    let start = Instant::now();
    let status = parent.wait().expect("the parent ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut parent.stderr.take().expect("piped"), &mut stderr)
        .expect("stderr");
    assert!(stderr.is_empty(), "quietly: {stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{status:?} after {:?}",
        start.elapsed()
    );
    let gone = |pid: u32| !fs::exists(format!("/proc/{pid}")).unwrap_or(false);
    assert!(
        workers.iter().all(|&w| gone(w)),
        "workers left, running or zombie: {workers:?}"
    );
}
