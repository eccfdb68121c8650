//! Memory per idle keep-alive connection, for each server that holds all its connections at once
//! (the event loops, thread-per-connection, hyper, FastAPI): the server in its own process, N
//! connections from this one, each asked one request and then left open and idle.
//!
//! The figure is the server's own: its RSS (`smaps_rollup`) once it has answered one request
//! and gone quiet, and again once all N connections have answered theirs and it has gone quiet
//! again; bytes per connection = the difference / N. Beside it, the bare unit the server gives
//! each connection (a task of its runtime, a thread), measured as the unit table measures it, at
//! the same N. The servers that serve one connection (or P) at a time hold the rest in the
//! kernel's listen backlog, not in their memory: they are not measured.
//! Used by `cargo run -p benches --release --bin footprint -- --servers all`.

use std::fmt::Write as _;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use benches::plan::{Kind, Model, SERVERS, Server, Start, count};
use benches::serve;
use benches::server;
use taskset::net::HttpClient;

use crate::table::{Row, bytes};
use crate::units::{Unit, Who};

/// Descriptors kept free beside the connections, on each side.
const SPARE: u64 = 64;

/// One server of the plan holding N idle connections: its RSS after one request, quiet
/// (`before`), and with the N, quiet.
#[derive(Clone, Debug)]
pub struct Held {
    pub server: &'static Server,
    pub n: u64,
    pub before: u64,
    pub with: u64,
}

impl Held {
    /// RSS bytes per connection.
    pub fn per_conn(&self) -> f64 {
        self.with.saturating_sub(self.before) as f64 / self.n as f64
    }
}

/// The servers whose id holds one of `names`, in any case (`all`: every one), and that hold every
/// connection; a name that matches none of them is refused with the names there are.
pub fn chosen(names: &[String]) -> Result<Vec<&'static Server>, String> {
    let mut holding: Vec<_> = (SERVERS.iter())
        .filter(|s| matches!(s.kind, Kind::Conc | Kind::Bare))
        .collect();
    let matches =
        |s: &Server, n: &str| n == "all" || s.id.to_lowercase().contains(&n.to_lowercase());
    let unmatched = names
        .iter()
        .find(|n| !holding.iter().any(|s| matches(s, n)));
    if let Some(n) = unmatched {
        let ids: Vec<&str> = holding.iter().map(|s| s.id).collect();
        let ids = ids.join(", ");
        return Err(format!("--servers: `{n}` names none of: {ids}"));
    }
    holding.retain(|s| names.iter().any(|n| matches(s, n)));
    Ok(holding)
}

/// The bare unit each connection of `s` rests on, if the unit table has it.
fn unit_of(s: &Server) -> Option<Unit> {
    match (s.model, s.start) {
        (_, Start::Uvicorn(_)) => None,
        (Some(Model::Smol), _) => Some(Unit::Smol),
        (Some(Model::AsyncStd), _) => Some(Unit::AsyncStd),
        (Some(Model::Threads), _) => Some(Unit::Threads),
        _ => Some(Unit::Tokio),
    }
}

/// Starts `s`, holds N idle connections to it, and reads its RSS before and with them.
fn hold(s: &'static Server, n: u64, bins: &Path, python: Option<&Path>) -> Result<Held, String> {
    let server = server::Server::start(serve::bench::command(s, bins, python))?;
    let path = |id: u64| match s.start {
        Start::Uvicorn(prefix) => format!("{prefix}/data/{id}?delay_ms=0"),
        Start::Bin(..) => format!("/data/{id}?delay_ms=0"),
    };
    drop(ask(&server, &path(0))?);
    let before = quiet(&server);
    let held: Vec<HttpClient> = (1..=n)
        .map(|id| ask(&server, &path(id)).map_err(|e| format!("connection {id} of {n}: {e}")))
        .collect::<Result<_, _>>()?;
    let with = quiet(&server);
    drop(held);
    server.stop()?;
    Ok(Held {
        server: s,
        n,
        before,
        with,
    })
}

/// A new connection with one request answered on it, left open (taskset's own HTTP client).
fn ask(server: &server::Server, path: &str) -> Result<HttpClient, String> {
    let text = |e: std::io::Error| e.to_string();
    let mut conn = HttpClient::connect(server.addr, Duration::from_secs(10)).map_err(text)?;
    match conn.get(path).map_err(text)? {
        (200, _) => Ok(conn),
        (status, body) => Err(format!("answered {status}: {body:?}")),
    }
}

/// The server's RSS once it has stopped changing for half a second (or after ten seconds).
fn quiet(server: &server::Server) -> u64 {
    let start = Instant::now();
    let (mut last, mut since) = (server.rss(), Instant::now());
    while since.elapsed() < Duration::from_millis(500) && start.elapsed() < Duration::from_secs(10)
    {
        thread::sleep(Duration::from_millis(100));
        let now = server.rss();
        if now.abs_diff(last) > (last / 1000).max(64 << 10) {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

/// Holds N idle connections to each server at each size (default 1,000, 10,000 and 20,000),
/// beside the bare unit each rests on at the same N; returns the markdown table.
pub fn table(servers: &[&'static Server], sizes: &[u64], failed: &mut Vec<String>) -> String {
    let (bins, python) = match serve::bench::binaries() {
        Ok(bins) => (bins, serve::bench::fastapi_python()),
        Err(e) => {
            failed.push(e);
            return String::new();
        }
    };
    let (mut held, mut bare, mut notes) = (Vec::new(), Vec::<Row>::new(), Vec::new());
    let sizes = match sizes {
        [] => &[1_000, 10_000, 20_000][..],
        sizes => sizes,
    };
    // A descriptor per connection, on each side: sizes past the open-file limit cannot be held.
    let limit = taskset::sys::raise_nofile();
    let (sizes, too_many): (Vec<u64>, Vec<u64>) = sizes.iter().partition(|&&n| n + SPARE <= limit);
    for n in too_many {
        let why = format!(
            "{} connections need {} descriptors on each side (one per connection, and {SPARE} \
             spare), and the open-file limit is {} (`ulimit -n`)",
            count(n),
            count(n + SPARE),
            count(limit)
        );
        eprintln!("{} connections: skipped: {why}", count(n));
        notes.push(format!("Not held, for any server: {why}."));
    }
    for &s in servers {
        let py = match (s.start, &python) {
            (Start::Uvicorn(_), Err(why)) => {
                notes.push(format!("{}: {why}", s.id));
                continue;
            }
            (_, py) => py.as_deref().ok(),
        };
        for &n in &sizes {
            eprint!("{} idle connections to {}: ", count(n), s.id);
            match hold(s, n, &bins, py) {
                Ok(h) => {
                    eprintln!("{} per connection", bytes(h.per_conn()));
                    held.push(h);
                }
                Err(why) => {
                    eprintln!("failed: {why}");
                    failed.push(format!("{} × {}: {why}", count(n), s.id));
                }
            }
            let unit = unit_of(s).filter(|u| !bare.iter().any(|r| r.unit == *u && r.n == n));
            if let Some(unit) = unit {
                match crate::in_child(unit, Who::Bare, n, unit.hold(n, None)) {
                    Ok(measured) => bare.push(Row {
                        unit,
                        who: Who::Bare,
                        n,
                        measured,
                    }),
                    Err(why) => notes.push(why.to_string()),
                }
            }
        }
    }
    markdown(&held, &bare, &notes)
}

/// The table of connections held, each beside the bare unit it rests on at the same N.
fn markdown(held: &[Held], bare: &[Row], notes: &[String]) -> String {
    let mut md = String::from(
        "\n# Memory per idle keep-alive connection\n\nEach row is one server in its own process \
         holding N connections from the footprint process, each asked one request and then left \
         open and idle. Per connection = (the server's RSS with them, quiet) − (its RSS after one \
         request, quiet), over N; RSS from `smaps_rollup`. The socket buffers and the kernel's \
         socket structures are kernel memory, outside RSS. Beside it, the bare unit each \
         connection rests on (a task of the server's runtime, a thread), held idle N at a time \
         as in the table above.\n\n| server | N | RSS before | RSS with N | per connection | \
         rests on | bare unit | × bare |\n|---|---:|---:|---:|---:|---|---:|---:|\n",
    );
    for h in held {
        let unit = unit_of(h.server);
        let floor = bare.iter().find(|r| Some(r.unit) == unit && r.n == h.n);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            h.server.id,
            count(h.n),
            bytes(h.before as f64),
            bytes(h.with as f64),
            bytes(h.per_conn()),
            unit.map_or("an asyncio task", Unit::kind),
            floor.map_or("—".to_string(), |r| bytes(r.per_unit())),
            floor.map_or("—".to_string(), |r| format!(
                "{:.2}",
                h.per_conn() / r.per_unit()
            )),
        );
    }
    md.push_str(
        "\n- Not measured: sync-basic, async-sequential, the pool of threads and the prefork \
         serve one connection (or P) at a time; the others wait in the kernel's listen backlog, \
         not in the server's memory.\n- Above the bare task, each connection of the models keeps \
         its own buffers (the request reader's 1 KiB to start, the answer's), its future's state \
         and its socket's registration with the runtime's reactor; hyper starts each \
         connection's read buffer at 8 KiB (its `INIT_BUFFER_SIZE`), most of its figure. A \
         thread's figure is its stack's touched pages, as the bare thread's.\n",
    );
    notes.iter().for_each(|n| md.push_str(&format!("- {n}\n")));
    md
}
