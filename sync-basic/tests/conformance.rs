//! sync-basic against the task set's conformance suite.

taskset::conformance!(
    sync_basic::SyncBasic,
    sync_basic::SPEC,
    env!("CARGO_BIN_EXE_sync-basic")
);
