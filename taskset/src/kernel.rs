//! The CPU kernel: the unit of CPU-bound work that every model runs and every benchmark times.
//!
//! One job is a serial chain of xorshift steps folded into a checksum. Each step needs the one
//! before it, so the compiler can neither vectorise the loop nor fold it away, and the checksum
//! proves the work was done. Jobs are independent of each other, so a model may run them in any
//! order on any thread or process, as long as it hands the checksums back in input order.

use std::hint::black_box;

/// Xorshift steps in one unit of work (`--work 1`): about a millisecond on one core.
pub const STEPS_PER_UNIT: u64 = 500_000;

/// Runs job `id` with `work` units and returns its checksum.
pub fn job(id: u64, work: u64) -> u64 {
    // black_box keeps the inputs opaque, so the result cannot be computed at compile time.
    let mut x = black_box(id).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut acc = 0u64;
    for _ in 0..black_box(work) * STEPS_PER_UNIT {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc = acc.rotate_left(5) ^ x;
    }
    acc
}

/// Job `id`, marked on the timeline when one was asked for: what the models' `cpu` runs.
pub fn traced_job(ctx: &crate::Ctx, id: u64, work: u64) -> u64 {
    ctx.job_started(id);
    let sum = job(id, work);
    ctx.job_ended(id, true);
    sum
}

/// Folds per-job checksums, in input order, into the one the models are checked against.
pub fn checksum(results: &[u64]) -> u64 {
    results.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ c).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Jobs 1..=n, one after another on this thread: the baseline every speedup is measured from.
pub fn run_sequential(n: u64, work: u64) -> Vec<u64> {
    (1..=n).map(|id| job(id, work)).collect()
}
