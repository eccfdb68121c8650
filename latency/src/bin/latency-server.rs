//! The latency service, standalone: `cargo run -p latency --bin latency-server -- --delay-ms 100`.
//!
//! Prints `listening on 127.0.0.1:PORT`, then answers `GET <id> [<ms>]` with `Data <id>` after
//! the delay until stopped (Ctrl-C). Point any model at it with `io --net --server 127.0.0.1:PORT`.
//!
//! A bad flag value is one line that names the flag and the numbers it takes, and exit status 2.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use latency::protocol::MAX_DELAY_MS;
use latency::{Config, Faults, Server};

/// A TCP server on loopback that answers each request after D ms.
#[derive(Parser)]
#[command(
    name = "latency-server",
    after_help = "Request id 0 is the reachability check that `io --net` sends before its run: it \
                  is never faulted, so --reset-every and --garble-every hit ids 1, 2, … only."
)]
struct Args {
    /// Delay for requests that do not ask for one, in milliseconds (at most 3600000, one hour;
    /// a request that asks for more is answered `ERR`)
    #[arg(long = "delay-ms", value_name = "MS", default_value_t = 100,
          value_parser = whole(0, MAX_DELAY_MS), allow_negative_numbers = true)]
    delay_ms: u64,
    /// Address to listen on (loopback only: this is a test fixture)
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 lets the OS pick
    #[arg(long, default_value_t = 0, value_parser = whole(0, u16::MAX.into()), allow_negative_numbers = true)]
    port: u64,
    /// Worker threads of the server's runtime
    #[arg(long, default_value_t = 2, value_parser = whole(1, 64), allow_negative_numbers = true)]
    threads: u64,
    /// Fault injection: reset the connection of every N-th request id, never id 0 (0: never)
    #[arg(long = "reset-every", value_name = "N", default_value_t = 0,
          value_parser = whole(0, u64::MAX), allow_negative_numbers = true)]
    reset_every: u64,
    /// Fault injection: garble the answer to every N-th request id, never id 0 (0: never)
    #[arg(long = "garble-every", value_name = "N", default_value_t = 0,
          value_parser = whole(0, u64::MAX), allow_negative_numbers = true)]
    garble_every: u64,
}

/// A parser for a whole number from `min` to `max` (`latency::args::whole`), for clap.
fn whole(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |text| latency::args::whole(text, min, max)
}

fn main() -> ExitCode {
    let args: Args = match latency::args::parse() {
        Ok(args) => args,
        Err(status) => return status,
    };
    if !args.host.is_loopback() {
        eprintln!(
            "error: --host must be a loopback address (127.0.0.0/8 or ::1): this is a test fixture"
        );
        return ExitCode::from(2);
    }
    let config = Config {
        addr: SocketAddr::new(args.host, args.port as u16),
        delay: Duration::from_millis(args.delay_ms),
        faults: Faults {
            reset_every: args.reset_every,
            garble_every: args.garble_every,
        },
        threads: args.threads as usize,
        ..Config::new(Duration::ZERO)
    };
    match Server::start_with(config) {
        Ok(server) => {
            let mut out = io::stdout();
            if writeln!(out, "listening on {}", server.addr())
                .and_then(|()| out.flush())
                .is_err()
            {
                // No one can read the address (`| true`, a closed pipe): serving would be for no one.
                return ExitCode::SUCCESS;
            }
            // Serve until the process is stopped; Ctrl-C ends it, and with it every connection.
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            ExitCode::from(2)
        }
    }
}
