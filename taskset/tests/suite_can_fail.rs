//! The conformance suite must be able to fail: a model that lies about its order, loses a result,
//! or lets a timed-out task run on is caught. Each broken model here must make its check panic.

use std::thread;

use taskset::conformance;
use taskset::{
    CpuOutcome, CpuRun, Ctx, Error, ErrorsOutcome, IoOutcome, Model, ModelSpec, Order, Outcome,
    Pool, Scenario, TimeoutOutcome, expected, kernel,
};

/// What is broken in a [`Broken`] model.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    /// Runs one after another but claims to be concurrent.
    ClaimsConcurrent,
    /// Returns the fetch results in finish order.
    ResultsOutOfOrder,
    /// Drops the result of the task that panicked.
    LosesAResult,
    /// Reports C as timed out but lets its thread run on and finish.
    LateTaskRunsOn,
    /// Returns a wrong checksum.
    WrongChecksum,
}

/// A sequential model with one flaw.
struct Broken(Flaw);

fn task(ctx: &Ctx, name: &str) {
    ctx.started(name);
    thread::sleep(ctx.delay());
    ctx.finished(name);
}

/// What a broken model says of itself: it runs one task after another.
const HONEST: ModelSpec = ModelSpec {
    name: "broken",
    about: "a model with one flaw",
    order: Order::Sequential,
    pool: Pool::Never,
    stalls: false,
    accepts: &[],
    refusals: &[],
};

/// The same, but claiming to run them all at once.
const CLAIMS_CONCURRENT: ModelSpec = ModelSpec {
    order: Order::Concurrent,
    ..HONEST
};

impl Model for Broken {
    fn spec(&self) -> &'static ModelSpec {
        if self.0 == Flaw::ClaimsConcurrent {
            &CLAIMS_CONCURRENT
        } else {
            &HONEST
        }
    }

    fn run(&self, ctx: &Ctx) -> Result<Outcome, Error> {
        Ok(match ctx.scenario() {
            Scenario::Hello => self.hello(ctx).map(|()| Outcome::Done)?,
            Scenario::Gather => self.gather(ctx).map(|()| Outcome::Done)?,
            Scenario::Fetch => Outcome::Fetch(self.fetch(ctx)?),
            Scenario::Errors => Outcome::Errors(self.errors(ctx)?),
            Scenario::Blocking => self.blocking(ctx).map(|()| Outcome::Done)?,
            Scenario::Timeout => Outcome::Timeout(self.timeout(ctx)?),
            Scenario::Io => Outcome::Io(self.io(ctx)?),
            Scenario::Cpu => Outcome::Cpu(self.cpu(ctx)?),
        })
    }
}

impl Broken {
    fn hello(&self, ctx: &Ctx) -> Result<(), Error> {
        task(ctx, "A");
        task(ctx, "B");
        Ok(())
    }
    fn gather(&self, ctx: &Ctx) -> Result<(), Error> {
        ctx.params().names().iter().for_each(|n| task(ctx, n));
        Ok(())
    }
    fn fetch(&self, ctx: &Ctx) -> Result<Vec<String>, Error> {
        let mut out: Vec<String> = (1..=ctx.params().tasks)
            .map(|id| {
                ctx.fetching(id);
                thread::sleep(ctx.fetch_delay(id));
                ctx.fetched(id);
                expected::data(id)
            })
            .collect();
        if self.0 == Flaw::ResultsOutOfOrder {
            out.reverse();
        }
        Ok(out)
    }
    fn errors(&self, ctx: &Ctx) -> Result<ErrorsOutcome, Error> {
        let mut results = expected::errors(ctx.params().tasks);
        if self.0 == Flaw::LosesAResult {
            results.truncate(2);
        }
        Ok(ErrorsOutcome {
            caught: taskset::RISKY_MESSAGE.into(),
            results,
        })
    }
    fn blocking(&self, ctx: &Ctx) -> Result<(), Error> {
        self.gather(ctx)
    }
    fn timeout(&self, ctx: &Ctx) -> Result<TimeoutOutcome, Error> {
        task(ctx, "A");
        task(ctx, "B");
        ctx.started("C");
        let late = ctx.clone();
        let runs_on = self.0 == Flaw::LateTaskRunsOn;
        let worker = thread::spawn(move || {
            thread::sleep(late.delay() * 3);
            if runs_on {
                late.finished("C");
            }
        });
        thread::sleep(ctx.params().timeout);
        ctx.timed_out("C");
        ctx.cancelled("C");
        if !runs_on {
            worker.join().expect("joins");
        }
        Ok(TimeoutOutcome {
            completed: vec!["A".into(), "B".into()],
            timed_out: vec!["C".into()],
            how: "claims to stop it".into(),
        })
    }
    fn io(&self, ctx: &Ctx) -> Result<IoOutcome, Error> {
        let results = (1..=ctx.params().tasks).map(|id| {
            thread::sleep(ctx.delay());
            (id, Ok(ctx.delay()))
        });
        Ok(IoOutcome::collect(
            results.collect::<Vec<_>>(),
            "sequential",
        ))
    }
    fn cpu(&self, ctx: &Ctx) -> Result<CpuOutcome, Error> {
        let p = ctx.params();
        let wrong = self.0 == Flaw::WrongChecksum;
        let run = CpuRun::measure("sequential", || {
            let mut sums = kernel::run_sequential(p.tasks, p.work);
            if wrong {
                sums[0] ^= 1;
            }
            Ok(sums)
        })?;
        Ok(CpuOutcome {
            runs: vec![run],
            note: String::new(),
        })
    }
}

#[test]
#[should_panic(expected = "every task must start before any finishes")]
fn a_sequential_model_claiming_concurrency_fails_gather() {
    conformance::gather(&Broken(Flaw::ClaimsConcurrent));
}

#[test]
#[should_panic(expected = "results in input order")]
fn results_in_finish_order_fail_fetch() {
    conformance::fetch(&Broken(Flaw::ResultsOutOfOrder));
}

#[test]
#[should_panic(expected = "one result per task")]
fn a_lost_result_fails_errors() {
    conformance::errors(&Broken(Flaw::LosesAResult));
}

#[test]
#[should_panic(expected = "C kept running after the deadline")]
fn a_late_task_that_runs_on_fails_timeout() {
    conformance::timeout(&Broken(Flaw::LateTaskRunsOn));
}

#[test]
#[should_panic(expected = "checksums in input order")]
fn a_wrong_checksum_fails_cpu() {
    conformance::cpu(&Broken(Flaw::WrongChecksum));
}

#[test]
#[should_panic(expected = "each request reached the server")]
fn timers_instead_of_sockets_fail_io_net() {
    conformance::io_net(&Broken(Flaw::WrongChecksum));
}

#[test]
fn the_honest_parts_pass() {
    // The same model without the flaw under test passes those checks: the failures above are
    // caused by the flaws, not by the harness.
    conformance::gather(&Broken(Flaw::WrongChecksum));
    conformance::fetch(&Broken(Flaw::WrongChecksum));
    conformance::timeout(&Broken(Flaw::WrongChecksum));
    conformance::cpu(&Broken(Flaw::ClaimsConcurrent));
}
