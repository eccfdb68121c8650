//! async-concurrent against the task set's conformance suite, once per runtime.

mod tokio {
    taskset::conformance!(
        async_concurrent::model::AsyncConcurrent::new(taskset::Runtime::Tokio),
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "tokio"
    );
}

mod async_std {
    taskset::conformance!(
        async_concurrent::model::AsyncConcurrent::new(taskset::Runtime::AsyncStd),
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "async-std"
    );
}

mod smol {
    taskset::conformance!(
        async_concurrent::model::AsyncConcurrent::new(taskset::Runtime::Smol),
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "smol"
    );
}
