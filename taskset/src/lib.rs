//! The task set: what every concurrency model in this workspace shares.
//!
//! `../shared/TASKSET.md` is the contract; this crate is that contract in code, written once so that
//! the five model crates differ only in their concurrency model:
//!
//! - [`Scenario`] and the flags of [`cli`]: the same names, limits, help text and errors everywhere;
//! - [`Ctx`]: the scenario's parameters and its event log, which prints `[0.00s] Task A started`
//!   and records the same events for the tests and the timelines;
//! - [`kernel`]: the CPU work every model runs, and its checksum;
//! - [`expected`]: every expected result (the fetch list, the errors outcome, the checksum);
//! - [`Model`]: the small trait each crate implements, so that one [`runner`] (the tour and its table)
//!   and one [`conformance`] suite serve all of them.
//!
//! A model crate's `main.rs` is one call: `taskset::cli::main(SPEC, |_| MyModel)`.

pub mod cli;
pub mod conformance;
mod ctx;
pub mod expected;
pub mod http;
pub mod kernel;
mod model;
pub mod runner;
pub mod sys;
pub mod timeline;

pub use cli::{Flag, Params, Runtime, Scenario};
pub use ctx::{Ctx, Event, EventKind, Output};
/// The latency server's line protocol, for every model's `io --net` client.
pub use latency::protocol as net;
pub use model::{
    CpuOutcome, CpuRun, Error, ErrorsOutcome, Expect, Fate, IoOutcome, Model, ModelSpec, Order,
    TaskError, TaskFailure, TimeoutOutcome, deliberate_panic, fate,
};

/// What `risky_task` fails with, as in the seed: `ValueError("Something went wrong")`.
pub const RISKY_MESSAGE: &str = "Something went wrong";

/// What the task that panics on purpose panics with (the panic hook keeps it quiet).
pub const PANIC_MESSAGE: &str = "deliberate panic in task";
