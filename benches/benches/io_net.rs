//! io_net: N real loopback TCP requests to the latency server, each answered after D = 100 ms.
//!
//! The server is `latency::ChildServer`: this executable started again as a server (see
//! `harness::enter`), so it has its own file-descriptor table, scheduler and memory, as it does for
//! the command line's `io --net`. Each model makes one connection per request with its own I/O
//! (tokio::net, async_std::net, smol::net, std::net in threads or worker processes); every reply is
//! checked by the model, and every request must succeed. Beside each, N bare requests of the same
//! kind. The sizes stop at 3,000: each connection costs a descriptor on each side (the open-file
//! limit here is 20,000 per process), a burst above `somaxconn` (4096) would overflow the server's
//! listen backlog, so SYN retries (a second each) would set the time rather than the model, and an
//! iteration at 3,000 already takes half a second of the ten-minute budget. The lines are the rows
//! of `plan::IO_NET`.
//!
//! `cargo bench -p benches --bench io_net` (add `-- --quick` for a short run).

fn main() {
    benches::harness::main(&benches::plan::IO_NET);
}
