//! multiprocess against the task set's conformance suite. The test harness is not a worker
//! executable, so the model is pointed at the crate's binary first.

taskset::conformance!(
    {
        multiprocess::worker::set_exe(env!("CARGO_BIN_EXE_multiprocess"));
        multiprocess::model::Multiprocess
    },
    env!("CARGO_BIN_EXE_multiprocess")
);
