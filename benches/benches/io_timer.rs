//! io_timer: N simulated requests of D = 100 ms each, all on timers.
//!
//! Each model runs its own `io` scenario with the executor threads its `Model` would use (one per
//! core for the async runtimes, one thread per request for threads, a pool of N processes for
//! multiprocess); every request's latency must come back, none may fail. Beside each, N bare
//! timers of the same kind. The ideal is D: everything waits at once. sync-basic runs one request
//! (N of them take N·D; the report scales it). The lines are the rows of `plan::IO_TIMER`.
//!
//! `cargo bench -p benches --bench io_timer` (add `-- --quick` for a short run).

fn main() {
    benches::harness::main(&benches::plan::IO_TIMER);
}
