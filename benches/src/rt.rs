//! The async runtimes, each built once, outside the measured loop.
//!
//! tokio's own benches build the runtime first and time `rt.block_on(..)`; the same is done here
//! for every runtime: a tokio current-thread and multi-thread runtime, a smol `Executor` with its
//! helper threads already running, and async-std, whose global runtime starts on first use (a
//! warm-up call) and is then entered with its own `block_on`.

use std::future::Future;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use smol::Executor;

use crate::plan;

/// A tokio runtime with one thread (asyncio's event loop) or `threads` workers.
pub fn tokio(threads: usize) -> tokio::runtime::Runtime {
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    builder.enable_all().build().expect("a tokio runtime")
}

/// The executor threads of the models' `io` and `cpu` runs: one per core.
pub fn pool() -> usize {
    plan::cores() as usize
}

/// A smol executor that `threads` threads run: this one inside [`Smol::block_on`], and
/// `threads - 1` helpers started here, which run it until the value is dropped.
pub struct Smol {
    ex: Arc<Executor<'static>>,
    stop: Option<smol::channel::Sender<()>>,
    helpers: Vec<JoinHandle<()>>,
}

impl Smol {
    /// Starts the helper threads; they idle on the executor until tasks arrive.
    pub fn new(threads: usize) -> Smol {
        let ex = Arc::new(Executor::new());
        let (stop, stopped) = smol::channel::unbounded::<()>();
        let helpers = (1..threads)
            .map(|i| {
                let (ex, stopped) = (ex.clone(), stopped.clone());
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

    /// The executor, for the model's functions that spawn on it.
    pub fn ex(&self) -> &Executor<'static> {
        &self.ex
    }

    /// Runs `fut` on this thread, which runs the executor meanwhile, beside the helpers.
    pub fn block_on<T>(&self, fut: impl Future<Output = T>) -> T {
        smol::block_on(self.ex.run(fut))
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

/// Starts async-std's global runtime (its threads and its reactor), so no iteration pays for it.
pub fn warm_async_std() {
    async_std::task::block_on(async_std::task::spawn(async {}));
}
