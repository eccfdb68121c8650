//! The latency service, standalone: `cargo run -p latency --bin latency-server -- --delay-ms 100`.
//!
//! Prints `listening on 127.0.0.1:PORT`, then answers `GET <id> [<ms>]` with `Data <id>` after
//! the delay until stopped (Ctrl-C). Point any model at it with `io --net --server 127.0.0.1:PORT`.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use latency::{Config, Faults, Server};

/// A TCP server on loopback that answers each request after D ms.
#[derive(Parser)]
#[command(name = "latency-server")]
struct Args {
    /// Delay for requests that do not ask for one, in milliseconds
    #[arg(long = "delay-ms", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    delay_ms: u64,
    /// Address to listen on (loopback only: this is a test fixture)
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 lets the OS pick
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Worker threads of the server's runtime
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: u64,
    /// Fault injection: reset the connection of every N-th request id (0: never)
    #[arg(long = "reset-every", default_value_t = 0)]
    reset_every: u64,
    /// Fault injection: garble the answer to every N-th request id (0: never)
    #[arg(long = "garble-every", default_value_t = 0)]
    garble_every: u64,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "{}",
                e.render().to_string().lines().next().unwrap_or("error")
            );
            return ExitCode::from(2);
        }
    };
    if !args.host.is_loopback() {
        eprintln!(
            "error: --host must be a loopback address (127.0.0.0/8 or ::1): this is a test fixture"
        );
        return ExitCode::from(2);
    }
    let config = Config {
        addr: SocketAddr::new(args.host, args.port),
        delay: Duration::from_millis(args.delay_ms),
        faults: Faults {
            reset_every: args.reset_every,
            garble_every: args.garble_every,
        },
        threads: args.threads as usize,
    };
    match Server::start_with(config) {
        Ok(server) => {
            println!("listening on {}", server.addr());
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
