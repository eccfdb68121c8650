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

/// `text` as a whole number from `min` to `max`, digits only as typed (no sign, no spaces): the
/// one number parser of every flag, whose error says what is accepted.
pub fn whole(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if digits && (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
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

#[cfg(test)]
mod tests {
    use super::whole;

    #[test]
    fn a_number_is_digits_inside_its_range() {
        assert_eq!(whole("5", 0, 10), Ok(5));
        assert_eq!(whole("10", 0, 10), Ok(10));
        for bad in [
            "+5",
            " 5",
            "5 ",
            "-1",
            "",
            "1.5",
            "11",
            "99999999999999999999999",
        ] {
            let refused = whole(bad, 0, 10).unwrap_err();
            assert_eq!(refused, "expected a whole number from 0 to 10", "{bad:?}");
        }
    }
}
