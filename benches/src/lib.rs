//! benches: every model on the same workloads, beside its bare primitive, and the report.
//!
//! The [`plan`] lists the workloads (`spawn`, `io_timer`, `io_net`, `cpu`, `blocking`) and every
//! line drawn on each, one row per line; the [`harness`] runs a workload's rows as one criterion
//! group (a bench file per workload, `benches/*.rs`), on the model crates' runtimes built once
//! outside the measured loop, every result checked outside the clock ([`out`]), beside the bare primitive each
//! model is read against ([`bare`]). The `report` binary turns criterion's results into tables and
//! one chart per workload, under the [`provenance`] of each run; `footprint` measures memory per
//! idle unit from `/proc` ([`proc`]).
//!
//! ```text
//! cargo bench -p benches                 # everything, ≤ 10 minutes on two cores
//! cargo bench -p benches -- --quick      # the same lines, fewer iterations, ≤ 2 minutes
//! cargo bench -p benches --bench cpu     # one workload
//! cargo run -p benches --release --bin report
//! ```

pub mod bare;
pub mod harness;
pub mod out;
pub mod plan;
pub mod proc;
pub mod provenance;
pub mod serve;
pub mod server;
