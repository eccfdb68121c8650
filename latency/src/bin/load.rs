//! The load generator, standalone: wrk's flags, wrk's summary, or one JSON line for the benches.
//!
//! `cargo run --release -p latency --bin load -- http://127.0.0.1:PORT/data/{id} -c 100 -d 5s`
//!
//! `{id}` in the path is replaced by a new id for every request (`/data/{id}?delay_ms=100`,
//! `/cpu/{id}?work=2`). Bad flags, a server that is not there, or more connections than the
//! open-file limit allows: one line on stderr, exit status 2.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use latency::load::{self, Config, Stop, Url};

/// C keep-alive HTTP/1.1 connections against one URL, as many requests as they can answer.
#[derive(Parser)]
#[command(name = "load")]
struct Args {
    /// The URL: http://HOST:PORT/PATH, where {id} in PATH becomes each request's id
    url: String,
    /// Connections kept open at once
    #[arg(short = 'c', long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    connections: u64,
    /// How long to run: 5s, 500ms, 2m
    #[arg(short = 'd', long, value_parser = load::parse_duration, conflicts_with = "requests")]
    duration: Option<Duration>,
    /// How many requests to send in all, instead of a duration
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Threads, each with its own event loop and its share of the connections
    #[arg(short = 't', long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: u64,
    /// How long one request (or connect) may take before it counts as a timeout
    #[arg(long, default_value = "2s", value_parser = load::parse_duration)]
    timeout: Duration,
    /// Print one JSON line instead of the summary
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args: Args = match latency::args::parse() {
        Ok(args) => args,
        Err(status) => return status,
    };
    let url = match Url::parse(&args.url) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = match (args.duration, args.requests) {
        (_, Some(n)) => Stop::Requests(n),
        (Some(d), None) => Stop::After(d),
        // wrk's default.
        (None, None) => Stop::After(Duration::from_secs(10)),
    };
    let config = Config {
        url,
        connections: args.connections,
        threads: args.threads,
        stop,
        timeout: args.timeout,
    };
    match load::run(&config) {
        Ok(report) => {
            load::print(&report, args.json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
