//! async-concurrent against the task set's conformance suite, once per runtime.

mod tokio {
    taskset::conformance!(
        async_concurrent::AsyncConcurrent::new(taskset::Runtime::Tokio),
        async_concurrent::SPEC,
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "tokio"
    );
}

mod async_std {
    taskset::conformance!(
        async_concurrent::AsyncConcurrent::new(taskset::Runtime::AsyncStd),
        async_concurrent::SPEC,
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "async-std"
    );
}

mod smol {
    taskset::conformance!(
        async_concurrent::AsyncConcurrent::new(taskset::Runtime::Smol),
        async_concurrent::SPEC,
        env!("CARGO_BIN_EXE_async-concurrent"),
        "--runtime",
        "smol"
    );
}
