//! One runner for every model: run a scenario, print its results and timing, check them against
//! the expected values; and the tour, which runs them all and ends with a table.

use std::any::Any;
use std::sync::Once;
use std::time::{Duration, Instant};

use crate::cli::{Flags, Params, Scenario};
use crate::ctx::{Ctx, Event, Output};
use crate::model::{CpuOutcome, Error, ErrorsOutcome, IoOutcome, Model, Order, TimeoutOutcome};
use crate::{PANIC_MESSAGE, expected, kernel, sys, timeline};

/// What a scenario returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// hello, gather, blocking: the events are the result.
    Done,
    /// fetch: the result list.
    Fetch(Vec<String>),
    /// errors: the caught error and each task's result.
    Errors(ErrorsOutcome),
    /// timeout: who completed and who was stopped.
    Timeout(TimeoutOutcome),
    /// io: latencies and failures.
    Io(IoOutcome),
    /// cpu: each variant's time and checksums.
    Cpu(CpuOutcome),
}

/// One scenario run: its parameters, how long it took, what it returned and the events it recorded.
#[derive(Clone, Debug)]
pub struct Report {
    /// The parameters it ran with.
    pub params: Params,
    /// Wall time of the scenario.
    pub elapsed: Duration,
    /// What it returned.
    pub outcome: Outcome,
    /// Every event it recorded, in time order.
    pub events: Vec<Event>,
}

/// Runs one scenario of `model` and returns what happened; prints events if `output` says so.
pub fn run<M: Model + ?Sized>(model: &M, params: &Params, output: Output) -> Result<Report, Error> {
    let ctx = Ctx::new(for_model(model, params.clone()), output);
    let outcome = match params.scenario {
        Scenario::Hello => model.hello(&ctx).map(|()| Outcome::Done),
        Scenario::Gather => model.gather(&ctx).map(|()| Outcome::Done),
        Scenario::Fetch => model.fetch(&ctx).map(Outcome::Fetch),
        Scenario::Errors => model.errors(&ctx).map(Outcome::Errors),
        Scenario::Blocking => model.blocking(&ctx).map(|()| Outcome::Done),
        Scenario::Timeout => model.timeout(&ctx).map(Outcome::Timeout),
        Scenario::Io => model.io(&ctx).map(Outcome::Io),
        Scenario::Cpu => model.cpu(&ctx).map(Outcome::Cpu),
    }?;
    let elapsed = ctx.elapsed();
    Ok(Report {
        params: ctx.params().clone(),
        elapsed,
        outcome,
        events: ctx.events(),
    })
}

/// `params` as `model` runs them: with the model's own runtime, if it has one.
pub fn for_model<M: Model + ?Sized>(model: &M, mut params: Params) -> Params {
    if let Some(runtime) = model.runtime() {
        params.runtime = runtime;
    }
    params
}

/// Runs one scenario for the command line: header, events, results, timing.
pub fn run_one<M: Model + ?Sized>(model: &M, params: &Params) -> Result<(), Error> {
    run_printed(model, params).map(|_| ())
}

fn run_printed<M: Model + ?Sized>(model: &M, p: &Params) -> Result<(Report, Duration), Error> {
    let expect = model.expect(p);
    println!("== {} · {} · {} ==", p.scenario, model.label(), describe(p));
    // io --net: check the limits, start the latency server (unless one was given), reach it.
    let (p, _server) = net_setup(model, p)?;
    let p = &p;
    // cpu: the sequential baseline first, outside the scenario's clock, for the speedups.
    let baseline = (p.scenario == Scenario::Cpu).then(|| {
        let start = Instant::now();
        let sums = kernel::run_sequential(p.tasks, p.work);
        (start.elapsed(), kernel::checksum(&sums))
    });
    let ideal = match baseline {
        Some((seq, _)) => seq.div_f64(expect.parallelism as f64),
        None => expect.ideal,
    };
    let report = run(model, p, Output::Print)?;
    check_and_print(&report, baseline)?;
    if let Outcome::Io(_) = report.outcome {
        println!("{}", io_rate(&report, ideal));
    }

    let what = match &report.outcome {
        Outcome::Cpu(cpu) if cpu.runs.len() > 1 => "elapsed, fastest variant",
        _ => "elapsed",
    };
    println!(
        "{what} {:.2}s (expected ≈ {} = {:.2}s)",
        compared(&report).as_secs_f64(),
        expect.formula,
        ideal.as_secs_f64()
    );
    // The picture comes last, so an unwritable path costs no result: they are printed already.
    if let Some(path) = &p.timeline {
        let group = timeline::group(&model.label(), &report.events, report.elapsed);
        let title = format!(
            "{} · {} · {} · {}",
            p.scenario,
            model.label(),
            describe(p),
            timeline::today()
        );
        timeline::render(&[group], &title, path)?;
        println!("timeline written to {}", path.display());
    }
    println!();
    Ok((report, ideal))
}

/// Prepares `io --net`: the limits checked before anything starts, the server started in a child
/// process when none was given (kept alive by the returned guard), and reached once.
fn net_setup<M: Model + ?Sized>(
    model: &M,
    p: &Params,
) -> Result<(Params, Option<latency::ChildServer>), Error> {
    let mut p = p.clone();
    if !p.net {
        return Ok((p, None));
    }
    check_net_limits(model.io_concurrency(&p))?;
    let mut guard = None;
    if p.server.is_none() {
        let server = latency::ChildServer::spawn(p.delay)
            .map_err(|e| Error(format!("cannot start the latency server: {e}")))?;
        println!(
            "latency server (a child process) listening on {}",
            server.addr()
        );
        p.server = Some(server.addr());
        guard = Some(server);
    }
    let addr = p.server.expect("set above");
    probe(addr).map_err(|e| {
        Error(format!(
            "cannot reach the latency server at {addr}: {e} (start one with \
             `cargo run -p latency --bin latency-server`, or leave out --server)"
        ))
    })?;
    Ok((p, guard))
}

/// Refuses before starting when the sockets would not fit: open files or ephemeral ports.
pub fn check_net_limits(at_once: u64) -> Result<(), Error> {
    // Descriptors for the process itself (stdio, the runtime, pipes) on top of one per socket.
    let needed = at_once + 64;
    let limit = sys::raise_nofile();
    if needed > limit {
        let (_, hard) = sys::rlimit(libc::RLIMIT_NOFILE);
        return Err(Error(format!(
            "{at_once} connections at once need about {needed} open files, but the open-file \
             limit is {limit} (hard limit {hard}): lower --tasks or raise it with `ulimit -n`"
        )));
    }
    let ports = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    let range: Vec<u64> = ports
        .iter()
        .flat_map(|s| s.split_whitespace().filter_map(|w| w.parse().ok()))
        .collect();
    if let [low, high] = range[..] {
        let available = high.saturating_sub(low) + 1;
        if at_once > available {
            return Err(Error(format!(
                "{at_once} connections at once need as many ephemeral ports, but \
                 net.ipv4.ip_local_port_range allows {available}: lower --tasks or widen the range"
            )));
        }
    }
    Ok(())
}

/// One request to the server with no delay: is it there, and does it speak the protocol?
fn probe(addr: std::net::SocketAddr) -> Result<(), String> {
    use std::io::{BufRead, BufReader, Write};
    let timeout = Duration::from_secs(5);
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(crate::net::request_line(0, Duration::ZERO).as_bytes())
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .map_err(|e| e.to_string())?;
    crate::net::check_reply(0, &reply)
}

/// The time held against the expected one: the whole run, or for `cpu` its fastest variant (a
/// model that runs the jobs twice, say on its own pool and on rayon, is compared per variant).
fn compared(report: &Report) -> Duration {
    match &report.outcome {
        Outcome::Cpu(cpu) => cpu
            .runs
            .iter()
            .map(|r| r.elapsed)
            .min()
            .unwrap_or(report.elapsed),
        _ => report.elapsed,
    }
}

/// The parameters a scenario reads, as a short line: `D=2000ms`, `N=8 W=20 P=2`.
pub fn describe(p: &Params) -> String {
    use crate::cli::Flag;
    let mut parts = Vec::new();
    let s = p.scenario;
    if s.uses(Flag::Tasks) {
        parts.push(format!("N={}", p.tasks));
    }
    if s.uses(Flag::DelayMs) {
        parts.push(format!("D={}ms", p.delay.as_millis()));
    }
    if s.uses(Flag::TimeoutMs) {
        parts.push(format!("T={}ms", p.timeout.as_millis()));
    }
    if s.uses(Flag::Work) {
        parts.push(format!("W={}", p.work));
    }
    if let Some(w) = p.workers.filter(|_| s.uses(Flag::Workers)) {
        parts.push(format!("P={w}"));
    }
    if p.net {
        parts.push(match p.server {
            Some(addr) => format!("net via {addr}"),
            None => "net".to_string(),
        });
    }
    parts.join(" ")
}

/// Prints the results of a report and checks them against the expected values.
fn check_and_print(report: &Report, baseline: Option<(Duration, u64)>) -> Result<(), Error> {
    let p = &report.params;
    match &report.outcome {
        Outcome::Done => {}
        Outcome::Fetch(list) => {
            println!("{list:?}");
            if *list != expected::fetch(p.tasks) {
                return Err(Error(format!(
                    "fetch returned {list:?}, not the ids in input order"
                )));
            }
        }
        Outcome::Errors(e) => print_errors(e),
        Outcome::Timeout(t) => println!(
            "completed: {} · timed out: {} · {}",
            t.completed.join(", "),
            t.timed_out.join(", "),
            t.how
        ),
        Outcome::Io(io) => print_io(io),
        Outcome::Cpu(cpu) => {
            let (seq, sum) = baseline.unwrap_or_default();
            print_cpu(cpu, seq, sum)?;
        }
    }
    Ok(())
}

fn print_errors(e: &ErrorsOutcome) {
    let shown: Vec<String> = e
        .results
        .iter()
        .map(|r| match r {
            Ok(data) => format!("{data:?}"),
            Err(failure) => format!("<{failure}>"),
        })
        .collect();
    println!("results: [{}]", shown.join(", "));
}

/// Percentile `q` (0..=1) of sorted latencies.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn print_io(io: &IoOutcome) {
    let mut lat = io.latencies.clone();
    lat.sort_unstable();
    let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
    println!(
        "{} ok, {} failed · latency p50 {} p99 {} max {} · peak RSS {}",
        lat.len(),
        io.failures.len(),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        ms(lat.last().copied().unwrap_or_default()),
        sys::peak_rss().map_or("unknown".to_string(), sys::mib),
    );
    for (id, why) in io.failures.iter().take(5) {
        println!("request {id} failed: {why}");
    }
    if io.failures.len() > 5 {
        println!("… and {} more failed requests", io.failures.len() - 5);
    }
    if !io.how.is_empty() {
        println!("{}", io.how);
    }
}

fn print_cpu(cpu: &CpuOutcome, seq: Duration, sum: u64) -> Result<(), Error> {
    println!(
        "baseline: one job after another on one thread: {:.3}s",
        seq.as_secs_f64()
    );
    for run in &cpu.runs {
        let ok = kernel::checksum(&run.checksums) == sum;
        println!(
            "{:<34} {:.3}s  speedup: {:.2}x  checksum {}",
            format!("{}:", run.label),
            run.elapsed.as_secs_f64(),
            seq.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9),
            if ok { "ok" } else { "WRONG" }
        );
        if !ok {
            return Err(Error(format!(
                "{}: the checksum does not match the kernel's",
                run.label
            )));
        }
    }
    if !cpu.note.is_empty() {
        println!("{}", cpu.note);
    }
    Ok(())
}

/// The rate line of `io`: requests/s and efficiency against the ideal.
pub fn io_rate(report: &Report, ideal: Duration) -> String {
    let n = match &report.outcome {
        Outcome::Io(io) => io.latencies.len(),
        _ => 0,
    };
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    format!(
        "{n} requests in {:.3}s: {:.0} req/s, efficiency {:.2} (ideal {:.3}s)",
        secs,
        n as f64 / secs,
        ideal.as_secs_f64() / secs,
        ideal.as_secs_f64()
    )
}

/// Every scenario in order with the seed's delays, then a table of elapsed against expected.
pub fn tour<M: Model + ?Sized>(model: &M, flags: &Flags) -> Result<(), Error> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for scenario in Scenario::ALL {
        let params = Params::from_flags(scenario, flags).map_err(Error)?;
        match run_printed(model, &params) {
            Ok((report, ideal)) => {
                rows.push((scenario, compared(&report), model.expect(&params), ideal))
            }
            // One scenario that cannot run (a machine limit) does not stop the tour.
            Err(e) => {
                println!("error in {scenario}: {e}\n");
                failed.push(scenario);
            }
        }
    }
    println!("== tour summary: {} ==", model.label());
    println!("{:<10} {:>9}   {:<30}", "scenario", "elapsed", "expected");
    for (scenario, elapsed, expect, ideal) in rows {
        let order = match expect.phases.as_slice() {
            [Order::Sequential] => "one after another",
            [Order::Concurrent] => "all at once",
            _ => "stall, then fix",
        };
        println!(
            "{:<10} {:>8.2}s   ≈ {:<14} = {:>6.2}s  ({order})",
            scenario.name(),
            elapsed.as_secs_f64(),
            expect.formula,
            ideal.as_secs_f64()
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        let names: Vec<&str> = failed.iter().map(|s| s.name()).collect();
        Err(Error(format!(
            "the tour could not run: {}",
            names.join(", ")
        )))
    }
}

/// The text of a panic payload (`&str` or `String`), for reporting a caught panic.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Keeps the deliberate panic of `errors` quiet (the model reports it, with its task) and prints
/// any other panic as one line, without the backtrace hint.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = panic_message(info.payload());
            if message == PANIC_MESSAGE {
                return;
            }
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()));
            eprintln!("panic: {message}{}", place.unwrap_or_default());
        }));
    });
}
