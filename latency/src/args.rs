//! The command lines of the fixture's binaries (`latency-server`, `load`, and the benches'
//! `hyper-anchor`): a bad flag is clap's first line, which names it and its range, and exit status
//! 2; `--help` goes to stdout, and a closed stdout ends it quietly.

use std::io::{self, Write};
use std::process::ExitCode;

/// The parsed command line, or the exit status to end with after saying why not.
pub fn parse<T: clap::Parser>() -> Result<T, ExitCode> {
    T::try_parse().map_err(|e| {
        if e.use_stderr() {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            ExitCode::from(2)
        } else {
            let _ = write!(io::stdout(), "{e}");
            ExitCode::SUCCESS
        }
    })
}
