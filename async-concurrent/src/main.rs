//! The async-concurrent command line: `cargo run -p async-concurrent` runs the tour on tokio,
//! `cargo run -p async-concurrent -- gather --delay-ms 300 --runtime smol` one scenario on smol,
//! `-- --help` the rest.

use std::process::ExitCode;

fn main() -> ExitCode {
    taskset::cli::main(&async_concurrent::model::SPEC, |flags| {
        async_concurrent::model::AsyncConcurrent::new(flags.runtime.unwrap_or_default())
    })
}
