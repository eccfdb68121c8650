//! How the runner sees threads: who it is, and each scenario called by its name.

use taskset::{Ctx, Error, Flag, Model, ModelSpec, Order, Outcome, Pool};

/// The model's name, how it runs tasks, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "threads",
    about: "Every scenario on OS threads: one thread per task, a pool of P threads, and rayon",
    order: Order::Concurrent,
    pool: Pool::WhenAsked,
    stalls: false,
    accepts: &[Flag::Workers],
    refusals: &[(
        Flag::Runtime,
        "it runs plain OS threads that block, with no async runtime",
    )],
};

/// The OS-threads model: one thread per task, pools of P threads, and rayon.
pub struct Threads;

impl Model for Threads {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        taskset::dispatch!(ctx, crate(ctx))
    }
}
