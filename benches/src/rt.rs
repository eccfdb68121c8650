//! The async runtimes, each built once, outside the measured loop, with the shape the model
//! crates' own `Runtime`s will have: `Runtime::new(threads)`, then `rt.block_on(|rt| scenario)`.
//!
//! ADAPT: this file goes once async-concurrent's `tokio_rt::Runtime`, `smol_rt::Runtime` and
//! `async_std_rt::Runtime` land: `Env` holds those instead, and each row's `|_| f(c)` becomes
//! `|rt| f(rt, c)`. tokio's own benches build the runtime first and time `rt.block_on(..)`; the
//! same is done here for every runtime.

use std::future::Future;
use std::thread::{self, JoinHandle};

use async_concurrent::async_std_rt;
use smol::Executor;

/// A tokio runtime: one thread (the current-thread flavour, asyncio's loop) or `threads` workers.
pub struct Tokio(tokio::runtime::Runtime);

impl Tokio {
    /// Builds the runtime; its workers idle until a `block_on`.
    pub fn new(threads: usize) -> Tokio {
        let mut builder = if threads == 1 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(threads);
            b
        };
        Tokio(builder.enable_all().build().expect("a tokio runtime"))
    }

    /// Runs the future `f` makes on this runtime, from this thread.
    pub fn block_on<F: Future>(&self, f: impl FnOnce(&tokio::runtime::Handle) -> F) -> F::Output {
        self.0.block_on(f(self.0.handle()))
    }
}

/// async-std's global runtime, entered with its own `block_on`: on this thread alone (1, every
/// task spawned locally) or with the tasks on its pool (its size fixed by async-std at start).
pub struct AsyncStd(usize);

impl AsyncStd {
    /// Starts the global runtime (its threads and its reactor), so no iteration pays for it.
    pub fn new(threads: usize) -> AsyncStd {
        async_std::task::block_on(async_std::task::spawn(async {}));
        AsyncStd(threads)
    }

    /// Runs the future `f` makes, as async-concurrent's `block_on` does.
    pub fn block_on<F: Future>(
        &self,
        f: impl FnOnce(()) -> F,
    ) -> Result<F::Output, taskset::Error> {
        async_std_rt::block_on(self.0, f(()))
    }
}

/// A smol executor that `threads` threads run: this one inside [`Smol::block_on`], and
/// `threads - 1` helpers started here, which run it until the value is dropped.
pub struct Smol {
    ex: &'static Executor<'static>,
    stop: Option<smol::channel::Sender<()>>,
    helpers: Vec<JoinHandle<()>>,
}

impl Smol {
    /// Starts the helper threads; they idle on the executor until tasks arrive.
    pub fn new(threads: usize) -> Smol {
        // One executor per bench process, for the whole run: leaking it lets every future
        // borrow it for 'static, as smol's examples do with a `static` executor.
        let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
        let (stop, stopped) = smol::channel::unbounded::<()>();
        let helpers = (1..threads)
            .map(|i| {
                let stopped = stopped.clone();
                thread::Builder::new()
                    .name(format!("smol-bench-{i}"))
                    .spawn(move || smol::block_on(ex.run(stopped.recv())).map_or((), drop))
                    .expect("a smol helper thread")
            })
            .collect();
        Smol {
            ex,
            stop: Some(stop),
            helpers,
        }
    }

    /// Runs the future `f` makes on the executor, this thread running it meanwhile.
    pub fn block_on<F: Future>(
        &self,
        f: impl FnOnce(&'static Executor<'static>) -> F,
    ) -> F::Output {
        smol::block_on(self.ex.run(f(self.ex)))
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        // Closing the channel ends every helper's `run`: no thread outlives the bench.
        drop(self.stop.take());
        for h in self.helpers.drain(..) {
            let _ = h.join();
        }
    }
}
