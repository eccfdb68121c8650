//! How the runner sees async-concurrent: who it is, and each scenario run on a runtime built for
//! it, with one executor thread, or `--workers` of them for `io` and `cpu`.

use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, Flag, Model, ModelSpec, Order, Outcome, Params, Pool, Runtime,
    Scenario, capacity,
};

use crate::executor;

/// The model's name, how it runs tasks, and the flags it takes: the runtime, and the thread count
/// of `io` and `cpu`.
pub const SPEC: ModelSpec = ModelSpec {
    name: "async-concurrent",
    about: "Every scenario with async tasks spawned and gathered (the seed's create_task and \
            gather), on tokio, async-std or smol",
    order: Order::Concurrent,
    pool: Pool::Never,
    stalls: true,
    accepts: &[Flag::Runtime, Flag::Workers],
    refusals: &[],
};

/// Builds the runtime `$runtime` with `$threads` executor threads as `$rt`, and evaluates `$body`
/// with `$m` naming its module (`tokio_rt`, `async_std_rt` or `smol_rt`): the three modules have
/// the same functions, so one body serves them all.
macro_rules! on_runtime {
    ($runtime:expr, $threads:expr, |$rt:ident, $m:ident| $body:expr) => {
        match $runtime {
            Runtime::Tokio => {
                use crate::tokio_rt as $m;
                let $rt = $m::Runtime::new($threads)?;
                $body
            }
            Runtime::AsyncStd => {
                use crate::async_std_rt as $m;
                let $rt = $m::Runtime::new($threads)?;
                $body
            }
            Runtime::Smol => {
                use crate::smol_rt as $m;
                let $rt = $m::Runtime::new($threads)?;
                $body
            }
        }
    };
}

/// The threads of async-std's global pool: `ASYNC_STD_THREAD_COUNT`, or one per core.
pub fn async_std_threads() -> usize {
    let configured = std::env::var("ASYNC_STD_THREAD_COUNT").ok();
    configured
        .and_then(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(taskset::sys::cores)
}

/// The async-concurrent model on one runtime.
pub struct AsyncConcurrent {
    runtime: Runtime,
}

impl AsyncConcurrent {
    /// The model on `runtime`.
    pub fn new(runtime: Runtime) -> AsyncConcurrent {
        AsyncConcurrent { runtime }
    }

    /// P, the executor threads of `io` and `cpu`, checked against what runtime and machine allow.
    fn threads(&self, p: &Params) -> Result<usize, Error> {
        if self.runtime == Runtime::AsyncStd {
            return match p.workers {
                Some(_) => Err(Error::refused(
                    "--workers is not used by async-concurrent on async-std: its one global pool \
                     is sized once, at startup, by ASYNC_STD_THREAD_COUNT (default: the cores)",
                )),
                None => Ok(async_std_threads()),
            };
        }
        let threads = p.pool();
        capacity::threads(
            &format!("--workers {threads}"),
            threads,
            capacity::DEFAULT_STACK,
        )?;
        Ok(threads as usize)
    }

    /// `cpu` twice, on one executor thread and on P: one gains nothing, the other up to P×.
    fn cpu(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        let mut runs = Vec::new();
        for threads in [1, self.threads(ctx.params())?] {
            // The runtime is built before the clock, as the other models' pools are.
            let run: CpuRun = on_runtime!(self.runtime, threads, |rt, m| {
                rt.block_on(m::cpu(rt.spawner(), ctx))
            })?;
            let label = executor(self.runtime, threads);
            runs.push(CpuRun { label, ..run });
        }
        let note = "async on one executor thread gains nothing on CPU-bound work: a job never \
                    awaits, so it holds the thread until it is done; more executor threads run \
                    jobs in parallel, up to one per core";
        Ok(Outcome::Cpu(CpuOutcome {
            runs,
            note: note.to_string(),
        }))
    }
}

impl Model for AsyncConcurrent {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn label(&self) -> String {
        format!("{} ({})", SPEC.name, self.runtime)
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        let threads = match ctx.scenario() {
            Scenario::Cpu => return self.cpu(ctx),
            // One executor thread for the seed's scenarios, so that the stall in `blocking` shows
            // whole: with more, blocking sleeps would hold only some of them.
            Scenario::Io => self.threads(ctx.params())?,
            _ => 1,
        };
        let outcome = on_runtime!(self.runtime, threads, |rt, m| {
            rt.block_on(async { taskset::dispatch!(ctx, m(rt.spawner(), ctx).await) })
        });
        match outcome? {
            Outcome::Io(mut io) => {
                io.how = format!("{} · {}", io.how, executor(self.runtime, threads));
                Ok(Outcome::Io(io))
            }
            other => Ok(other),
        }
    }
}
