//! One runner for every model: run a scenario, print its results and timing, check them against
//! the expected values; and the tour, which runs them all and ends with a table.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crate::ctx::{Ctx, Event, EventKind, Output};
use crate::model::{Expect, Model, Order};
use crate::outcome::{
    CpuOutcome, Error, ErrorsOutcome, IoOutcome, Outcome, PANIC_MESSAGE, ServeOutcome,
    panic_message,
};
use crate::params::{Flag, Params, Scenario};
use crate::{capacity, expected, kernel, net, serve, stop, sys, timeline};

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
    /// Every how many `io`/`cpu` jobs the events hold one (see [`Ctx::job_stride`]).
    pub job_stride: u64,
}

/// Runs one scenario of `model` and returns what happened; prints events if `output` says so.
pub fn run<M: Model + ?Sized>(model: &M, params: &Params, output: Output) -> Result<Report, Error> {
    run_in(model, &Ctx::new(params.clone(), output))
}

/// Runs the scenario of `ctx` on `model`: a server until its stop is told.
pub fn run_in<M: Model + ?Sized>(model: &M, ctx: &Ctx) -> Result<Report, Error> {
    let outcome = model.run(ctx)?;
    Ok(Report {
        elapsed: ctx.elapsed(),
        params: ctx.params().clone(),
        outcome,
        events: ctx.events(),
        job_stride: ctx.job_stride(),
    })
}

/// Runs one scenario for the command line: header, events, results, timing, the timeline.
///
/// Work that failed (a request unanswered, a task that died outside `errors`) is an error, so
/// the command line never exits 0 for a run that is not a result.
pub fn run_one<M: Model + ?Sized>(model: &M, params: &Params) -> Result<(), Error> {
    match params.scenario {
        Scenario::Serve => serve_printed(model, params),
        _ => run_printed(model, params).map(drop),
    }
}

/// `serve` for the command line: serves until Ctrl-C or SIGTERM, then says what it served.
fn serve_printed<M: Model + ?Sized>(model: &M, p: &Params) -> Result<(), Error> {
    say!("== serve · {} · {} ==", model.label(), describe(p));
    let ctx = Ctx::new(p.clone(), Output::Print);
    let stop = Arc::clone(serve::serving(&ctx)?.stop());
    stop::on_signals(&stop)
        .map_err(|e| Error::refused(format!("cannot catch Ctrl-C and SIGTERM: {e}")))?;
    let report = run_in(model, &ctx);
    // Ended by itself (an error): the signal watcher still waits, and goes with this.
    stop.tell();
    let report = report?;
    if let Outcome::Served(served) = &report.outcome {
        say!("{}", served_line(served, report.elapsed));
    }
    if let Some(path) = &p.timeline {
        draw(model, &report, path)?;
    }
    Ok(())
}

/// `served 12 requests on 4 connections in 3.20s (at most 4 open at once) · …`
fn served_line(s: &ServeOutcome, elapsed: Duration) -> String {
    format!(
        "served {} requests on {} connections in {:.2}s (at most {} open at once) · {} bad \
         requests, {} broken connections, {} idle timeouts, {} turned away · {}",
        s.requests,
        s.connections,
        elapsed.as_secs_f64(),
        s.peak,
        s.rejected,
        s.errors,
        s.timeouts,
        s.turned_away,
        s.how
    )
}

/// The tour's `serve`: the server's `gather`. The model serves; clients A, B and C ask it at
/// once, each on its own connection; the time from their first request to their last answer is
/// D where the model serves them at once, and 3·D where it serves one connection at a time.
fn serve_gather<M: Model + Sync + ?Sized>(
    model: &M,
    p: &Params,
) -> Result<(Report, Duration), Error> {
    let expect = Expect::of(model.spec(), p);
    say!(
        "== serve · {} · {} · clients A, B, C at once ==",
        model.label(),
        describe(p)
    );
    let (report, asked) = ask_at_once(model, p, Output::Print)?;
    if let Outcome::Served(served) = &report.outcome {
        say!("{}", served_line(served, report.elapsed));
    }
    say!(
        "the three answers took {:.2}s (expected ≈ {} = {:.2}s)",
        asked.as_secs_f64(),
        expect.formula,
        expect.ideal.as_secs_f64()
    );
    say!();
    Ok((report, asked))
}

/// Serves with `model` while clients A, B, C… (`p.names()`) each ask for their data at once, on
/// connections of their own; then stops the server. The report is the server's (its events are
/// its connections), with the time from the first request to the last answer; the clients'
/// lines (`Request A started`) go to `clients`.
pub fn ask_at_once<M: Model + Sync + ?Sized>(
    model: &M,
    p: &Params,
    clients: Output,
) -> Result<(Report, Duration), Error> {
    let server = Ctx::new(p.clone(), Output::Record);
    let clients = Ctx::new(p.clone(), clients);
    let stop = Arc::clone(serve::serving(&server)?.stop());
    std::thread::scope(|s| {
        let serving = s.spawn(|| run_in(model, &server));
        let addr = match wait_listening(&server, &serving) {
            Ok(addr) => addr,
            // It ended first (a port in use, a limit): its own error says why.
            Err(e) if serving.is_finished() => {
                return Err(match serving.join() {
                    Ok(Err(why)) => why,
                    _ => e,
                });
            }
            Err(e) => {
                stop.tell();
                return Err(e);
            }
        };
        let start = Instant::now();
        let asks: Vec<_> = (1..)
            .zip(p.names())
            .map(|(id, name)| {
                let clients = &clients;
                s.spawn(move || ask(clients, addr, &name, id))
            })
            .collect();
        let answered: Vec<Result<(), String>> = asks
            .into_iter()
            .map(|a| a.join().unwrap_or(Err("panicked".into())))
            .collect();
        let asked = start.elapsed();
        stop.tell();
        let report = serving
            .join()
            .unwrap_or_else(|_| Err(Error::failed("the server panicked")));
        match answered.into_iter().find_map(Result::err) {
            Some(why) => Err(Error::failed(format!("a client got no answer: {why}"))),
            None => report.map(|r| (r, asked)),
        }
    })
}

/// Waits until the server of `ctx` listens, and says where; or why it never will.
pub(crate) fn wait_listening<T>(
    ctx: &Ctx,
    serving: &std::thread::ScopedJoinHandle<'_, T>,
) -> Result<std::net::SocketAddr, Error> {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(addr) = ctx.serving().and_then(|s| s.address()) {
            return Ok(addr);
        }
        if serving.is_finished() || Instant::now() > give_up {
            return Err(Error::failed("the server did not start listening"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Client `name` asks the server for `/data/<id>` on its own connection, and says so.
fn ask(clients: &Ctx, addr: std::net::SocketAddr, name: &str, id: u64) -> Result<(), String> {
    clients.record(Some(name), EventKind::Asked);
    let patience = clients.delay() * 3 + net::PATIENCE;
    let mut client = net::HttpClient::connect(addr, patience).map_err(|e| e.to_string())?;
    let (status, body) = client
        .get(&format!("/data/{id}"))
        .map_err(|e| e.to_string())?;
    clients.record(Some(name), EventKind::Answered(status));
    match (status, body == expected::data(id)) {
        (200, true) => Ok(()),
        _ => Err(format!("request {name} was answered {status} {body:?}")),
    }
}

fn run_printed<M: Model + ?Sized>(model: &M, p: &Params) -> Result<(Report, Duration), Error> {
    let expect = Expect::of(model.spec(), p);
    say!("== {} · {} · {} ==", p.scenario, model.label(), describe(p));
    warn_if_long(&expect, p);
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
    let checked = check_and_print(&report, baseline);
    if let Outcome::Io(io) = &report.outcome {
        say!("{}", io_rate(io, report.elapsed, ideal));
    }
    let what = match &report.outcome {
        Outcome::Cpu(cpu) if cpu.runs.len() > 1 => "elapsed, fastest variant",
        _ => "elapsed",
    };
    say!(
        "{what} {:.2}s (expected ≈ {} = {:.2}s)",
        compared(&report).as_secs_f64(),
        expect.formula,
        ideal.as_secs_f64()
    );
    // The picture comes last, from what was recorded, whether the work succeeded or not.
    if let Some(path) = &p.timeline {
        draw(model, &report, path)?;
    }
    say!();
    checked.map(|()| (report, ideal))
}

/// Says, before a run that will take more than a minute, how long it will take; for `cpu`, from
/// the time of one job: the sequential baseline, then the run spread over the model's cores.
fn warn_if_long(expect: &Expect, p: &Params) {
    let (about, formula) = match p.scenario {
        Scenario::Cpu => {
            let start = Instant::now();
            std::hint::black_box(kernel::job(1, p.work));
            let baseline = start.elapsed() * p.tasks.min(u32::MAX as u64) as u32;
            let run = baseline.div_f64(expect.parallelism.max(1) as f64);
            (
                baseline + run,
                format!("the N jobs one after another, then {}", expect.formula),
            )
        }
        _ => (expect.ideal, expect.formula.clone()),
    };
    if about > Duration::from_secs(60) {
        eprintln!(
            "note: this run takes about {} ({formula} with these flags); Ctrl-C stops it",
            human(about)
        );
    }
}

/// `2h 46m`, `5m 00s`, `42s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

/// Draws the report's timeline to `path` and says where it went (and if it is a sample).
fn draw<M: Model + ?Sized>(
    model: &M,
    report: &Report,
    path: &std::path::Path,
) -> Result<(), Error> {
    let p = &report.params;
    let group = timeline::group(&model.label(), &report.events, report.elapsed);
    let sample = match report.job_stride {
        1 => String::new(),
        k => format!(" · one job in {k} of {} drawn", p.tasks),
    };
    let title = format!(
        "{} · {} · {}{sample} · {}",
        p.scenario,
        model.label(),
        describe(p),
        timeline::today()
    );
    timeline::render(&[group], &title, path).map_err(Error::refused)?;
    say!("timeline written to {}{sample}", path.display());
    Ok(())
}

/// Prepares `io --net`: the limits checked before anything starts, the server started in a child
/// process when none was given (kept alive by the returned guard), and reached once.
pub fn net_setup<M: Model + ?Sized>(
    model: &M,
    p: &Params,
) -> Result<(Params, Option<latency::ChildServer>), Error> {
    let mut p = p.clone();
    if !p.net {
        return Ok((p, None));
    }
    let at_once = model.spec().io_at_once(&p);
    capacity::sockets(&format!("--tasks {}", p.tasks), at_once)?;
    let mut guard = None;
    if p.server.is_none() {
        let server = latency::ChildServer::spawn(p.delay)
            .map_err(|e| Error::refused(format!("cannot start the latency server: {e}")))?;
        say!(
            "latency server (a child process) listening on {}",
            server.addr()
        );
        p.server = Some(server.addr());
        guard = Some(server);
    }
    let addr = p.server.expect("set above");
    net::reachable(addr).map_err(|e| {
        Error::refused(format!(
            "cannot reach the latency server at {addr}: {e} (start one with \
             `cargo run -p latency --bin latency-server`, or leave out --server)"
        ))
    })?;
    Ok((p, guard))
}

/// The time held against the expected one: the whole run, or for `cpu` its fastest variant (a
/// model that runs the jobs twice, say on its own pool and on rayon, is compared per variant).
fn compared(report: &Report) -> Duration {
    match &report.outcome {
        Outcome::Cpu(cpu) => cpu.runs.iter().map(|r| r.elapsed).min(),
        _ => None,
    }
    .unwrap_or(report.elapsed)
}

/// The parameters a scenario reads, as a short line: `D=2000ms`, `N=8 W=20 P=2`.
pub fn describe(p: &Params) -> String {
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
    if s == Scenario::Serve {
        parts.push(format!("port {}", p.port));
        if p.per_core {
            parts.push("one runtime per core".to_string());
        }
    }
    if p.net {
        parts.push(match p.server {
            Some(addr) => format!("net via {addr}"),
            None => "net".to_string(),
        });
    }
    parts.join(" ")
}

/// How the work of `report` failed, if it did: a request unanswered, a wrong list or checksum
/// (the failures `errors` and `timeout` stage on purpose are their results, not failures).
pub fn failure(report: &Report) -> Option<String> {
    let p = &report.params;
    let want = || expected::cpu_checksum(p.tasks, p.work);
    match &report.outcome {
        Outcome::Fetch(list) if *list != expected::fetch(p.tasks) => {
            Some("fetch returned the wrong list, or not in input order".to_string())
        }
        Outcome::Io(io) if !io.failures.is_empty() => Some(format!(
            "{} of {} requests failed",
            io.failures.len(),
            p.tasks
        )),
        Outcome::Cpu(cpu) => (cpu.runs.iter())
            .find(|run| kernel::checksum(&run.checksums) != want())
            .map(|run| format!("{}: the checksum does not match the kernel's", run.label)),
        _ => None,
    }
}

/// Prints what the scenario returned, then checks it: work that failed is an error ([`failure`]).
fn check_and_print(report: &Report, baseline: Option<(Duration, u64)>) -> Result<(), Error> {
    match &report.outcome {
        Outcome::Done => {}
        Outcome::Fetch(list) => say!("{list:?}"),
        Outcome::Errors(e) => print_errors(e),
        Outcome::Timeout(t) => say!(
            "completed: {} · timed out: {} · {}",
            t.completed.join(", "),
            t.timed_out.join(", "),
            t.how
        ),
        Outcome::Io(io) => print_io(io),
        Outcome::Cpu(cpu) => {
            let (seq, sum) = baseline.unwrap_or_default();
            print_cpu(cpu, seq, sum);
        }
        Outcome::Served(served) => say!("{}", served_line(served, report.elapsed)),
    }
    failure(report).map_or(Ok(()), |why| Err(Error::failed(why)))
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
    say!("results: [{}]", shown.join(", "));
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
    let latency = match (lat.len(), io.failures.len()) {
        (0, _) => "latency: none succeeded".to_string(),
        (ok, failed) => format!(
            "latency{} p50 {} p99 {} max {}",
            if failed > 0 {
                format!(" of the {ok} that succeeded")
            } else {
                String::new()
            },
            ms(percentile(&lat, 0.50)),
            ms(percentile(&lat, 0.99)),
            ms(lat.last().copied().unwrap_or_default()),
        ),
    };
    let rss = sys::peak_rss().map_or("unknown".to_string(), sys::mib);
    say!(
        "{} ok, {} failed · {latency} · peak RSS {rss}",
        lat.len(),
        io.failures.len()
    );
    for (id, why) in io.failures.iter().take(5) {
        say!("request {id} failed: {why}");
    }
    if io.failures.len() > 5 {
        say!("… and {} more failed requests", io.failures.len() - 5);
    }
    if !io.how.is_empty() {
        say!("{}", io.how);
    }
}

fn print_cpu(cpu: &CpuOutcome, seq: Duration, sum: u64) {
    say!(
        "baseline: one job after another on one thread: {:.3}s",
        seq.as_secs_f64()
    );
    for run in &cpu.runs {
        let ok = kernel::checksum(&run.checksums) == sum;
        say!(
            "{:<34} {:.3}s  speedup: {:.2}x  checksum {}",
            format!("{}:", run.label),
            run.elapsed.as_secs_f64(),
            seq.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9),
            if ok { "ok" } else { "WRONG" }
        );
    }
    if !cpu.note.is_empty() {
        say!("{}", cpu.note);
    }
}

/// The rate line of `io`: requests/s and efficiency against the ideal, from the requests that
/// succeeded; with failures, no efficiency (a failed request can be fast, so it would flatter).
pub fn io_rate(io: &IoOutcome, elapsed: Duration, ideal: Duration) -> String {
    let (ok, failed) = (io.latencies.len(), io.failures.len());
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rate = ok as f64 / secs;
    if failed == 0 {
        format!(
            "{ok} requests in {secs:.3}s: {rate:.0} req/s, efficiency {:.2} (ideal {:.3}s)",
            ideal.as_secs_f64() / secs,
            ideal.as_secs_f64()
        )
    } else {
        format!(
            "{ok} of {} requests succeeded in {secs:.3}s: {rate:.0} req/s counting those; no \
             efficiency, since {failed} failed",
            ok + failed
        )
    }
}

/// Runs every scenario of `tour` in order, then a table of elapsed against expected.
///
/// A scenario that cannot run or whose work failed does not stop the tour; the tour then ends
/// with an error that names them.
pub fn tour<M: Model + Sync + ?Sized>(model: &M, tour: &[Params]) -> Result<(), Error> {
    let mut rows = Vec::new();
    let mut failed: Vec<(Scenario, Error)> = Vec::new();
    for params in tour {
        let ran = match params.scenario {
            Scenario::Serve => serve_gather(model, params),
            _ => run_printed(model, params),
        };
        match ran {
            Ok((report, measured)) => {
                let expect = Expect::of(model.spec(), params);
                // For serve, the clients' time; for cpu, the ideal measured from the baseline.
                let (elapsed, ideal) = match params.scenario {
                    Scenario::Serve => (measured, expect.ideal),
                    _ => (compared(&report), measured),
                };
                rows.push((params.scenario, elapsed, expect, ideal));
            }
            Err(e) => {
                say!("error in {}: {e}\n", params.scenario);
                failed.push((params.scenario, e));
            }
        }
    }
    say!("== tour summary: {} ==", model.label());
    say!("{:<10} {:>9}   {:<30}", "scenario", "elapsed", "expected");
    for (scenario, elapsed, expect, ideal) in rows {
        let order = match expect.phases.as_slice() {
            [Order::Sequential] => "one after another",
            [Order::Concurrent] => "all at once",
            _ => "stall, then fix",
        };
        say!(
            "{:<10} {:>8.2}s   ≈ {:<14} = {:>6.2}s  ({order})",
            scenario.name(),
            elapsed.as_secs_f64(),
            expect.formula,
            ideal.as_secs_f64()
        );
    }
    if failed.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = failed.iter().map(|(s, _)| s.name()).collect();
    let message = format!("the tour could not run: {}", names.join(", "));
    if failed.iter().any(|(_, e)| e.is_failure()) {
        Err(Error::failed(message))
    } else {
        Err(Error::refused(message))
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
