//! Standard output for the command line, a line at a time.
//!
//! `println!` panics when stdout is gone, so `threads fetch | head -1` used to end in a panic per
//! thread. Here a closed pipe ends the program quietly, as it ends `cat` and `grep`: by `SIGPIPE`,
//! which the shell does not report (and `set -o pipefail` sees as status 141). Any other failure to
//! write (a full disk, `> /dev/full`) is one line on stderr and exit status 2. Either way the
//! process ends at once, and first kills and reaps its children (worker processes, a latency-server
//! child), so that none is left running and none is left a zombie for init to reap.

use std::io::{self, Write};

/// Writes one line to stdout; if stdout is closed or broken, ends the process as described above.
pub fn line(text: &str) {
    let mut stdout = io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        gone(&e);
    }
}

/// Ends the process because stdout failed: quietly for a closed pipe, with one line otherwise.
fn gone(e: &io::Error) -> ! {
    reap_children();
    if e.kind() == io::ErrorKind::BrokenPipe {
        // Rust ignores SIGPIPE so that a write fails instead; put back the default and take it.
        // SAFETY: signal and raise change only this process's disposition of SIGPIPE.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
    }
    eprintln!("error: cannot write to stdout: {e}");
    std::process::exit(2);
}

/// Kills every child of this process and waits for them, before it exits without its destructors.
fn reap_children() {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid …`: the name may hold spaces, so read after its last ')'.
        let ppid = stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().nth(1));
        if ppid.and_then(|p| p.parse::<u32>().ok()) == Some(me) {
            // SAFETY: kill sends a signal to a child of ours; it touches no memory.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    // SAFETY: waitpid with a null status pointer only reaps children; it ends at ECHILD.
    while unsafe { libc::waitpid(-1, std::ptr::null_mut(), 0) } > 0 {}
}

/// `println!` through [`line`]: a closed stdout ends the program quietly instead of panicking.
#[macro_export]
macro_rules! say {
    () => { $crate::out::line("") };
    ($($arg:tt)*) => { $crate::out::line(&format!($($arg)*)) };
}
