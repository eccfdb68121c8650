//! The task set: what every concurrency model in this workspace shares.
//!
//! `docs/TASKSET.md` is the contract; this crate is that contract in code, written once so that
//! the five model crates differ only in their concurrency model. Its modules are layered, each
//! using only the ones above it in this list:
//!
//! - [`sys`], [`out`]: what the OS says (cores, memory, limits), and stdout that a closed pipe ends
//!   quietly;
//! - [`params`]: the scenarios, the flags and their ranges, and [`Params`], one run's parameters;
//! - [`outcome`]: what a scenario returns, the tasks' errors and the [`Error`] that stops a run;
//! - [`ctx`]: [`Ctx`], a scenario's parameters and event log, which prints `[0.00s] Task A started`
//!   and records the same events for the tests and the timelines;
//! - [`kernel`] and [`expected`]: the CPU work every model runs, and every expected result;
//! - [`http`]: the `serve` scenario's HTTP/1.1, sans-io (parsing, routes, answers);
//! - [`capacity`] and [`net`]: the machine's limits, checked before a model starts thousands of
//!   threads, processes or sockets, and the client side of `io --net`;
//! - [`model`]: the [`Model`] trait and each crate's [`ModelSpec`];
//! - [`timeline`] and [`runner`]: the pictures, and one runner (a scenario, the tour and its table);
//! - [`cli`]: the command line, on top.
//!
//! A model crate's `main.rs` is one call, `taskset::cli::main(&SPEC, |_| MyModel)`, and its
//! `tests/conformance.rs` one line, `taskset::conformance!(…)` (the suite builds only for tests:
//! the `conformance` feature).

pub mod sys;
#[macro_use]
pub mod out;
pub mod capacity;
pub mod cli;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod ctx;
pub mod expected;
pub mod http;
pub mod kernel;
pub mod model;
pub mod net;
pub mod outcome;
pub mod params;
pub mod runner;
pub mod timeline;

pub use ctx::{CancelGuard, Ctx, Event, EventKind, Output};
pub use model::{Expect, Model, ModelSpec, Order, Pool};
pub use outcome::{
    CpuOutcome, CpuRun, Error, ErrorsOutcome, FailureKind, Fate, IntoOutcome, IoOutcome, Outcome,
    PANIC_MESSAGE, RISKY_MESSAGE, TaskError, TaskFailure, TimeoutOutcome, deliberate_panic, fate,
    gathered, panic_message,
};
pub use params::{Flag, Params, Runtime, Scenario};
