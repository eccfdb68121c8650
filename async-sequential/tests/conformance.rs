//! async-sequential against the task set's conformance suite, once per runtime.

mod tokio {
    taskset::conformance!(
        async_sequential::AsyncSequential::new(taskset::Runtime::Tokio),
        async_sequential::SPEC,
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "tokio"
    );
}

mod async_std {
    taskset::conformance!(
        async_sequential::AsyncSequential::new(taskset::Runtime::AsyncStd),
        async_sequential::SPEC,
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "async-std"
    );
}

mod smol {
    taskset::conformance!(
        async_sequential::AsyncSequential::new(taskset::Runtime::Smol),
        async_sequential::SPEC,
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "smol"
    );
}
