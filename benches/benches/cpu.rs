//! cpu: N jobs of the shared kernel (W = 10 units, about 10 ms each), on every model.
//!
//! Each model runs its own `cpu` code; the checksum of its results, in input order, must equal
//! `taskset::expected::cpu_checksum(N, W)` (checked outside the clock). The bare primitive: the
//! jobs split over the cores with `std::thread::scope`. The ideal is the sequential time divided
//! by the cores; sync-basic is that sequential time. threads' `cpu` runs its pool and then rayon
//! and times each itself; its rayon line is read from that timing. The lines are the rows of
//! `plan::CPU`.
//!
//! `cargo bench -p benches --bench cpu` (add `-- --quick` for a short run).

fn main() {
    benches::harness::main(&benches::plan::CPU);
}
