//! More threads than the machine allows: refused before any starts, in one line naming the limit.
//!
//! The tests run as root here, and the kernel does not hold root to `RLIMIT_NPROC`, so these use
//! limits that bind root too: `kernel.threads-max` (system-wide, read from /proc) and `RLIMIT_AS`
//! (the address space for the stacks), lowered in the child process only.
//! Run with `cargo test -p threads --test limits`.

use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_threads");

/// The one line on stderr of a run that must be refused with exit status 2.
fn refusal(out: &Output) -> String {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Refused before starting: no request ran, so no result was printed.
    assert!(!stdout.contains("requests in"), "{stdout}");
    stderr.trim_end().to_string()
}

#[test]
fn a_million_threads_are_refused_before_any_starts() {
    let out = Command::new(BIN)
        .args(["io", "--tasks", "1000000", "--delay-ms", "10"])
        .output()
        .expect("the binary runs");
    let line = refusal(&out);
    assert!(
        line.contains("--tasks 1000000 needs 1000000 threads"),
        "{line}"
    );
    assert!(
        line.contains("kernel.threads-max") || line.contains("kernel.pid_max"),
        "{line}"
    );
    assert!(line.contains("sysctl"), "says how to raise it: {line}");
}

#[test]
fn stacks_that_do_not_fit_the_address_space_are_refused() {
    let mut command = Command::new(BIN);
    command.args(["io", "--tasks", "8000", "--delay-ms", "10"]);
    // SAFETY: between fork and exec the hook only calls setrlimit, which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 256 << 20,
                rlim_max: 256 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let line = refusal(&command.output().expect("the binary runs"));
    assert!(line.contains("--tasks 8000 needs 8000 threads"), "{line}");
    assert!(line.contains("RLIMIT_AS"), "{line}");
    assert!(line.contains("ulimit -v"), "says how to raise it: {line}");
}

#[test]
fn pool_sizes_are_checked_too() {
    let out = Command::new(BIN)
        .args(["cpu", "--workers", "0"])
        .output()
        .expect("the binary runs");
    assert!(refusal(&out).contains("--workers"));
}
