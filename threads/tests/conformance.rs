//! threads against the task set's conformance suite.

taskset::conformance!(threads::model::Threads, env!("CARGO_BIN_EXE_threads"));
