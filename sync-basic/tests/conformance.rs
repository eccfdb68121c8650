//! sync-basic against the task set's conformance suite.

taskset::conformance!(
    sync_basic::model::SyncBasic,
    env!("CARGO_BIN_EXE_sync-basic")
);
