//! blocking: N tasks that each sleep D = 10 ms with a blocking call — the stall, and its fix.
//!
//! async-concurrent's `blocking` runs two phases on one executor thread: the stall
//! (`std::thread::sleep` inside each task: the tasks run one after another, ≈ N·D) and the fix (each
//! sleep handed to the runtime's blocking pool: ≈ D). The model marks each phase with an event, so
//! both lines of a runtime come from the same kind of run, timed by the model's own phase marks;
//! the few events of a phase are recorded, not printed. threads and multiprocess block only their
//! own thread or process (≈ D); sync-basic is the N·D baseline. Bare primitives: N sleeps handed to
//! each runtime's pool, N sleeping threads, N sleeping processes. The lines are the rows of
//! `plan::BLOCKING`.
//!
//! `cargo bench -p benches --bench blocking` (add `-- --quick` for a short run).

fn main() {
    benches::harness::main(&benches::plan::BLOCKING);
}
