//! benches: every model on the same workloads, beside its bare primitive, and the report.
//!
//! Five criterion groups (`benches/*.rs`), one per workload of [`plan`]: `spawn`, `io_timer`,
//! `io_net`, `cpu` and `blocking`. Each drives the model crates through their libraries (never a
//! copy of their code), on runtimes built once outside the measured loop ([`rt`]), and measures the
//! bare primitive under each model ([`bare`]) so that a model's cost reads as a ratio to the floor.
//! The `report` binary (`src/bin/report/`) turns criterion's results into a markdown table and an SVG chart.
//!
//! ```text
//! cargo bench -p benches                 # everything, ≤ 10 minutes on two cores
//! cargo bench -p benches -- --quick      # the same lines, fewer iterations, ≤ 2 minutes
//! cargo bench -p benches --bench cpu     # one workload
//! cargo run -p benches --release --bin report
//! ```

pub mod bare;
pub mod harness;
pub mod plan;
pub mod rt;
