//! More processes than the machine allows: a one-line error that names the limit, exit status 2,
//! and the processes already started killed and reaped.
//!
//! Root is exempt from `RLIMIT_NPROC`, so when the tests run as root (as here) they run the binary
//! as another user (`Command::uid`) with a low `RLIMIT_NPROC`; run as another user they skip
//! those two, saying so. Run with `cargo test -p multiprocess --test limits`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_multiprocess");

fn is_root() -> bool {
    // SAFETY: geteuid has no side effects and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A copy of the binary that another user can run: the build folder may be private (a clone
/// under /root), and the workers re-execute the same file. Removed with the returned guard.
struct SharedBin(PathBuf);

impl SharedBin {
    fn new(uid: u32) -> SharedBin {
        let dir =
            std::env::temp_dir().join(format!("multiprocess-limits-{}-{uid}", std::process::id()));
        fs::create_dir_all(&dir).expect("a temporary folder");
        let bin = dir.join("multiprocess");
        fs::copy(BIN, &bin).expect("the binary is copied");
        for path in [&dir, &bin] {
            fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
        }
        SharedBin(bin)
    }
}

impl Drop for SharedBin {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Runs the binary as `uid` with `RLIMIT_NPROC` set to `nproc`.
fn run_as(uid: u32, nproc: u64, args: &[&str]) -> Output {
    let bin = SharedBin::new(uid);
    let mut cmd = Command::new(&bin.0);
    cmd.args(args).uid(uid).gid(uid);
    // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: nproc,
                rlim_max: nproc,
            };
            if libc::setrlimit(libc::RLIMIT_NPROC, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("the binary runs")
}

/// The processes on the system that belong to `uid`.
fn processes_of(uid: u32) -> Vec<u32> {
    let want = format!("Uid:\t{uid}\t");
    let entries = fs::read_dir("/proc").expect("/proc");
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let status = fs::read_to_string(entry.path().join("status")).ok()?;
            status.lines().any(|l| l.starts_with(&want)).then_some(pid)
        })
        .collect()
}

fn one_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn more_processes_than_the_system_has_ids_or_files_for_are_refused() {
    // A million tasks, one process each: past pid_max here (32768 by default), or past the
    // open-file limit (two pipes each) where pid_max is larger.
    let out = Command::new(BIN)
        .args(["fetch", "--tasks", "1000000"])
        .output()
        .expect("runs");
    let stderr = one_line(&out);
    assert!(
        stderr.contains("--tasks 1000000 needs 1000000 processes at once"),
        "{stderr}"
    );
    assert!(
        ["threads-max", "pid_max", "RLIMIT_NOFILE", "pids.max"]
            .iter()
            .any(|limit| stderr.contains(limit)),
        "{stderr}"
    );
}

#[test]
fn rlimit_nproc_is_checked_before_starting() {
    if !is_root() {
        eprintln!("skipped: needs root to run the binary as another user");
        return;
    }
    let out = run_as(61_101, 3, &["fetch", "--tasks", "5"]);
    let stderr = one_line(&out);
    assert!(
        stderr.contains("--tasks 5 needs 5 processes at once, but RLIMIT_NPROC"),
        "{stderr}"
    );
    assert!(stderr.contains("(3 per user"), "{stderr}");
    assert!(stderr.contains("ulimit -u"), "{stderr}");
}

#[test]
fn rlimit_nproc_hit_midway_reaps_the_started_ones() {
    if !is_root() {
        eprintln!("skipped: needs root to run the binary as another user");
        return;
    }
    let uid = 61_102;
    // Three other processes of the same user take three of its six: the check before starting
    // passes (4 workers + the binary ≤ 6), and the third start fails with EAGAIN.
    let holders: Vec<Child> = (0..3)
        .map(|_| {
            let mut cmd = Command::new("sleep");
            cmd.arg("30").uid(uid).gid(uid).stdout(Stdio::null());
            cmd.spawn().expect("sleep runs")
        })
        .collect();
    let start = Instant::now();
    let out = run_as(uid, 6, &["fetch", "--tasks", "4", "--delay-ms", "5000"]);
    let took = start.elapsed();
    for mut holder in holders {
        let _ = holder.kill();
        let _ = holder.wait();
    }
    let stderr = one_line(&out);
    assert!(
        stderr.contains("could not start worker process 3 of 4"),
        "{stderr}"
    );
    assert!(stderr.contains("RLIMIT_NPROC = 6"), "{stderr}");
    assert!(
        stderr.contains("the 2 already started were killed and reaped"),
        "{stderr}"
    );
    // Killed, not waited for: the two started children would have slept 5 s.
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(
        processes_of(uid),
        Vec::<u32>::new(),
        "a process of the user is left"
    );
}
