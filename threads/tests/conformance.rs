//! threads against the task set's conformance suite.

taskset::conformance!(
    threads::Threads,
    threads::SPEC,
    env!("CARGO_BIN_EXE_threads")
);
