//! How the runner sees multiprocess: who it is, and each scenario called by its name.

use taskset::{Ctx, Error, Flag, Model, ModelSpec, Order, Outcome, Pool};

/// The model's name, how it runs tasks, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "multiprocess",
    about: "Every scenario in child processes: one per task, or a pool of --workers processes",
    order: Order::Concurrent,
    pool: Pool::Always,
    stalls: false,
    accepts: &[Flag::Workers],
    refusals: &[(
        Flag::Runtime,
        "its tasks are blocking code in child processes, with no async runtime",
    )],
};

/// The processes model: one child process per task, or a pool of them.
pub struct Multiprocess;

impl Model for Multiprocess {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        taskset::dispatch!(ctx, crate(ctx))
    }
}
