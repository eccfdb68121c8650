//! async-sequential against the task set's conformance suite, once per runtime.

mod tokio {
    taskset::conformance!(
        async_sequential::model::AsyncSequential::new(taskset::Runtime::Tokio),
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "tokio"
    );
}

mod async_std {
    taskset::conformance!(
        async_sequential::model::AsyncSequential::new(taskset::Runtime::AsyncStd),
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "async-std"
    );
}

mod smol {
    taskset::conformance!(
        async_sequential::model::AsyncSequential::new(taskset::Runtime::Smol),
        env!("CARGO_BIN_EXE_async-sequential"),
        "--runtime",
        "smol"
    );
}
