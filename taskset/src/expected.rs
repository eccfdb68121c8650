//! Every expected result, defined once: each model is checked against these values.

use crate::kernel;
use crate::outcome::{Fate, TaskFailure, fate};
use crate::outcome::{PANIC_MESSAGE, RISKY_MESSAGE};

/// What `fetch_data(id)` returns: `Data 1`.
pub fn data(id: u64) -> String {
    format!("Data {id}")
}

/// The result list of `fetch` with N ids: `["Data 1", "Data 2", "Data 3"]`, in input order.
pub fn fetch(n: u64) -> Vec<String> {
    (1..=n).map(data).collect()
}

/// What the N tasks of `errors` come back with: task 2 failed, task 3 panicked, the rest their data.
pub fn errors(n: u64) -> Vec<Result<String, TaskFailure>> {
    (1..=n)
        .map(|id| match fate(id) {
            Fate::Succeed => Ok(data(id)),
            Fate::Fail => Err(TaskFailure::failed(id, RISKY_MESSAGE)),
            Fate::Panic => Err(TaskFailure::panicked(id, PANIC_MESSAGE)),
        })
        .collect()
}

/// The checksum of `cpu` with N jobs of W units.
pub fn cpu_checksum(n: u64, work: u64) -> u64 {
    kernel::checksum(&kernel::run_sequential(n, work))
}

/// The tasks of `timeout` that complete (all but the last) and the one that times out (the last).
pub fn timeout(names: &[String]) -> (Vec<String>, Vec<String>) {
    let (done, late) = names.split_at(names.len().saturating_sub(1));
    (done.to_vec(), late.to_vec())
}
