//! How the runner sees async-sequential: who it is, and each scenario awaited on its runtime.

use taskset::{Ctx, Error, Flag, Model, ModelSpec, Order, Outcome, Pool, Runtime};

use crate::rt::block_on;

/// The model's name, how it runs tasks, and why it refuses the flags it cannot use.
pub const SPEC: ModelSpec = ModelSpec {
    name: "async-sequential",
    about: "Every scenario with async functions awaited one after another (the seed's second \
            example), on tokio, async-std or smol",
    order: Order::Sequential,
    pool: Pool::Never,
    stalls: false,
    accepts: &[Flag::Runtime],
    refusals: &[(
        Flag::Workers,
        "it awaits one task at a time on one thread, so it has no pool",
    )],
};

/// The async, one-after-another model on one runtime.
pub struct AsyncSequential {
    runtime: Runtime,
}

impl AsyncSequential {
    /// The model on `runtime`.
    pub fn new(runtime: Runtime) -> AsyncSequential {
        AsyncSequential { runtime }
    }
}

impl Model for AsyncSequential {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn label(&self) -> String {
        format!("{} ({})", SPEC.name, self.runtime)
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        block_on(self.runtime, async {
            taskset::dispatch!(ctx, crate(ctx).await)
        })?
    }
}
