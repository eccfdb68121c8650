//! The multiprocess command line: `cargo run -p multiprocess` runs the tour,
//! `cargo run -p multiprocess -- gather --delay-ms 300` one scenario, `-- --help` the rest.
//!
//! The same executable is also every worker process: started again with `MULTIPROCESS_WORKER=<parent pid>`,
//! it runs the jobs its parent sends instead of the command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    // In a worker this never returns: it runs its jobs from stdin, then exits.
    multiprocess::worker::run_if_worker();
    taskset::cli::main(&multiprocess::model::SPEC, |_| {
        multiprocess::model::Multiprocess
    })
}
