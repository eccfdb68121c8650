//! Standard output for the command line, a line at a time.
//!
//! `println!` panics when stdout is gone, so `threads fetch | head -1` used to end in a panic per
//! thread. Here a closed pipe ends the program quietly, as it ends `cat` and `grep`: by `SIGPIPE`,
//! which the shell does not report (and `set -o pipefail` sees as status 141). Any other failure to
//! write (a full disk, `> /dev/full`) is one line on stderr and exit status 2. Either way the process exits at once: its threads end with it, a worker
//! process is killed by the kernel (it asked for `PR_SET_PDEATHSIG`), and a latency-server child
//! exits when its stdin closes.

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

/// `println!` through [`line`]: a closed stdout ends the program quietly instead of panicking.
#[macro_export]
macro_rules! say {
    () => { $crate::out::line("") };
    ($($arg:tt)*) => { $crate::out::line(&format!($($arg)*)) };
}
