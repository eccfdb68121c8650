//! The command lines of the workspace's binaries, here at the bottom of the layers so that every
//! one of them (the fixture's `latency-server` and `load`, the models through `taskset::cli`, the
//! benches' tools) refuses alike: a bad flag is clap's first line, which names it and its range
//! (with the values it takes, where it has a list, or the arguments missing), and exit status 2;
//! `--help` goes to stdout whole, and a closed stdout ends it quietly.

use std::io::{self, Write};
use std::process::ExitCode;

/// The parsed command line, or the exit status to end with after saying why not.
pub fn parse<T: clap::Parser>() -> Result<T, ExitCode> {
    T::try_parse().map_err(|e| match refusal(&e) {
        (help, 0) => {
            let _ = writeln!(io::stdout(), "{help}");
            ExitCode::SUCCESS
        }
        (line, code) => {
            eprintln!("{line}");
            ExitCode::from(code)
        }
    })
}

/// What to print for clap's `e`, and the exit status: `--help` and `--version` whole with 0, an
/// error as its one line with 2.
pub fn refusal(e: &clap::Error) -> (String, u8) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = e.render().to_string();
    if !e.use_stderr() {
        return (text.trim_end().to_string(), 0);
    }
    let line = text.lines().next().unwrap_or("error: bad arguments");
    // clap lists the values a flag takes, and the missing arguments, on lines of their own.
    match (
        e.kind(),
        e.get(ContextKind::ValidValue),
        e.get(ContextKind::InvalidArg),
    ) {
        (_, Some(ContextValue::Strings(valid)), _) if !valid.is_empty() => {
            (format!("{line} (possible values: {})", valid.join(", ")), 2)
        }
        (ErrorKind::MissingRequiredArgument, _, Some(ContextValue::Strings(missing))) => {
            (format!("{line} {}", missing.join(", ")), 2)
        }
        _ => (line.to_string(), 2),
    }
}
