//! How the runner sees sync-basic: who it is, and each scenario called by its name.

use taskset::{Ctx, Error, Flag, Model, ModelSpec, Order, Outcome, Pool};

/// The model's name, how it runs tasks, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "sync-basic",
    about: "Every scenario with blocking calls, one after another (the seed's first example)",
    order: Order::Sequential,
    pool: Pool::Never,
    stalls: false,
    accepts: &[],
    refusals: &[
        (
            Flag::Workers,
            "it runs one task at a time on the main thread, so it has no pool",
        ),
        (
            Flag::Runtime,
            "it is plain blocking code, with no async runtime",
        ),
    ],
};

/// The blocking, one-after-another model.
pub struct SyncBasic;

impl Model for SyncBasic {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        taskset::dispatch!(ctx, crate(ctx))
    }
}
