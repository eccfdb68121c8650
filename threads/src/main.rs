//! The threads command line: `cargo run -p threads` runs the tour,
//! `cargo run -p threads -- gather --delay-ms 300` one scenario, `-- --help` the rest.

use std::process::ExitCode;

fn main() -> ExitCode {
    taskset::cli::main(&threads::model::SPEC, |_| threads::model::Threads)
}
