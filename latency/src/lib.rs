//! The loopback latency service: the fixture of `io --net`, not a contestant.
//!
//! A TCP server on 127.0.0.1 that answers `GET <id> <ms>` with `Data <id>` after the delay asked
//! for (see [`protocol`]). Every model's `io --net` sends its requests here with its own sockets,
//! so what differs between runs is the client, never the server.
//!
//! It is built once, on tokio, and kept out of the way:
//! - a listen backlog at the system's `somaxconn` (tokio's default is 1024), on each of four
//!   listeners sharing the port (SO_REUSEPORT), each with its own accept loop: ten thousand
//!   simultaneous connects would overflow a 1024 queue, and a fast client's 19,900 overflowed one
//!   of 4096; the dropped SYNs are retried by the client after a full second, and the fixture, not
//!   the model, would set the p99;
//! - its own runtime on its own threads, or its own process ([`ChildServer`]), so that it never
//!   shares a scheduler, a file-descriptor table or an RSS figure with the model being measured.
//!
//! Standalone: `cargo run -p latency --bin latency-server -- --delay-ms 100` prints the address;
//! point a model at it with `io --net --server ADDR`.
//!
//! The crate also holds the fixture of the `serve` scenarios: [`load`], an HTTP/1.1 load generator
//! built like wrk (`cargo run --release -p latency --bin load -- URL -c 100 -d 5s`).

pub mod args;
pub mod load;
pub mod protocol;
mod server;

pub use server::{ChildServer, Config, Faults, Server, raise_nofile, serve_if_child};
