//! The async-sequential command line: `cargo run -p async-sequential` runs the tour on tokio,
//! `cargo run -p async-sequential -- gather --delay-ms 300 --runtime smol` one scenario on smol,
//! `-- --help` the rest.

use std::process::ExitCode;

fn main() -> ExitCode {
    taskset::cli::main(&async_sequential::model::SPEC, |flags| {
        async_sequential::model::AsyncSequential::new(flags.runtime.unwrap_or_default())
    })
}
