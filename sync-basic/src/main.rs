//! The sync-basic command line: `cargo run -p sync-basic` runs the tour,
//! `cargo run -p sync-basic -- gather --delay-ms 300` one scenario, `-- --help` the rest.

use std::process::ExitCode;

fn main() -> ExitCode {
    taskset::cli::main(&sync_basic::model::SPEC, |_| sync_basic::model::SyncBasic)
}
