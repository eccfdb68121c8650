//! serve: every model's HTTP server, hyper's and the seed's FastAPI, each in a process of its
//! own, under C = 10 to 10,000 keep-alive connections from `latency::load`.
//!
//! Per line and C: requests/s (and their share of the ideal: C / D at D = 100 ms, the cores over
//! one job's time for `/cpu`), p50 / p99 / max latency as wrk reports it, errors and timeouts,
//! the server's CPU seconds per 10,000 requests and its peak RSS, both read from its own `/proc`.
//! Servers that serve one connection (or P) at a time run at C = 10 and 100 only, and say so. The
//! lines are the rows of `plan::SERVERS`; the workload is `benches::serve`.
//!
//! `cargo bench -p benches --bench serve` (`-- --quick` for a short run, `-- hyper` for the lines
//! whose name holds `hyper`); FastAPI runs when `$BENCH_PYTHON` (or `python3`) imports it.

fn main() {
    benches::serve::bench::main();
}
