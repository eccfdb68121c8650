//! spawn: start and join N units that wait D = 0 — tokio, async-std and smol tasks, threads,
//! processes — each model beside the bare spawn + join loop of the same kind of unit.
//!
//! Each model runs its own `fetch` scenario at D = 0: one unit per id, joined, the result list
//! checked against `taskset::expected::fetch(N)` outside the clock. sync-basic starts no unit at
//! all: its line is the cost of the work itself (a `format!` per id). The lines are the rows of
//! `plan::SPAWN`.
//!
//! `cargo bench -p benches --bench spawn` (add `-- --quick` for a short run).

fn main() {
    benches::harness::main(&benches::plan::SPAWN);
}
