//! One server of the `serve` workload, in a process of its own: started from its program, read
//! from `/proc` while it serves, stopped with SIGTERM as a user stops it.
//!
//! The server is a separate process so that its CPU time and memory are its own, apart from the
//! load generator's: CPU from `utime + stime` of `/proc/<pid>/stat`, peak memory from `VmHWM`,
//! for the server and its children (multiprocess's workers). It runs in a process group of its
//! own, so that whatever it started is killed with it if it does not stop when told.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::proc::{self, Fields, STIME, UTIME};

/// How long a server may take to say where it listens (uvicorn imports FastAPI first).
const START: Duration = Duration::from_secs(20);

/// How long a told server gets to finish what is in flight before its group is killed.
const STOP: Duration = Duration::from_secs(10);

/// A server that is running.
pub struct Server {
    child: Child,
    /// Where it listens, as it said.
    pub addr: SocketAddr,
    /// Its output, a line at a time, after the line that said where.
    lines: Receiver<String>,
}

impl Server {
    /// Starts `command` and waits for its `http://127.0.0.1:PORT` line (stdout or stderr).
    pub fn start(mut command: Command) -> Result<Server, String> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
        let (tx, lines) = mpsc::channel();
        forward(child.stdout.take().expect("piped"), tx.clone());
        forward(child.stderr.take().expect("piped"), tx);
        // Made before it says where, so that one that never does is killed when dropped.
        let mut server = Server {
            child,
            addr: ([0, 0, 0, 0], 0).into(),
            lines,
        };
        let deadline = Instant::now() + START;
        while let Ok(line) = server
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if let Some(addr) = listening(&line) {
                server.addr = addr;
                return Ok(server);
            }
        }
        Err(format!(
            "{:?} did not say where it listens within {} s",
            command.get_program(),
            START.as_secs()
        ))
    }

    /// `of(pid)` summed over the server and its children.
    fn sum(&self, of: impl Fn(u32) -> u64) -> u64 {
        let me = self.child.id();
        proc::children(me).into_iter().chain([me]).map(of).sum()
    }

    /// CPU seconds the server (with its children) has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let ticks = |pid: u32| proc::stat(&pid.to_string()).map_or(0, |f| f[UTIME] + f[STIME]);
        self.sum(ticks) as f64 / proc::ticks_per_second()
    }

    /// Peak resident bytes (`VmHWM`; for a preforking server, the sum over its processes).
    pub fn peak_rss(&self) -> u64 {
        self.sum(|pid| Fields::of(&format!("/proc/{pid}/status")).get("VmHWM:"))
    }

    /// Resident bytes now, as the kernel counts them page by page (`smaps_rollup`).
    pub fn rss(&self) -> u64 {
        self.sum(|pid| Fields::of(&format!("/proc/{pid}/smaps_rollup")).get("Rss:"))
    }

    /// Tells it to stop (SIGTERM), waits for it, and returns the last line it printed (the models
    /// print what they served); past [`STOP`] its whole group is killed.
    pub fn stop(mut self) -> Result<String, String> {
        kill(self.child.id() as i32, libc::SIGTERM);
        let deadline = Instant::now() + STOP;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                // Its pipes close as it ends: wait for the forwarders to pass on its last lines
                // (a second at most, should a child of the server still hold them open).
                let until = Instant::now() + Duration::from_secs(1);
                let next = || {
                    self.lines
                        .recv_timeout(until.saturating_duration_since(Instant::now()))
                };
                let last = std::iter::from_fn(|| next().ok())
                    .last()
                    .unwrap_or_default();
                // uvicorn ends by raising the SIGTERM again once it has shut down cleanly.
                return match status.success() || status.signal() == Some(libc::SIGTERM) {
                    true => Ok(last),
                    false => Err(format!("the server ended with {status}: {last}")),
                };
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "the server did not stop within {} s of SIGTERM",
            STOP.as_secs()
        ))
    }
}

impl Drop for Server {
    /// Whatever is left of the server's group goes with it, and the server is reaped.
    fn drop(&mut self) {
        kill(-(self.child.id() as i32), libc::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Sends the lines of `pipe` to `tx` until it ends, on a thread of its own: read to the end,
/// always, as a full pipe would stall the server.
fn forward(pipe: impl Read + Send + 'static, tx: Sender<String>) {
    thread::spawn(move || {
        let lines = BufReader::new(pipe).lines().map_while(Result::ok);
        lines.for_each(|l| drop(tx.send(l)))
    });
}

/// kill(2): `sig` to process `target`, or to the process group `-target` leads.
fn kill(target: i32, sig: i32) {
    // SAFETY: kill(2) reads nothing of ours; a process already gone is only an ESRCH.
    unsafe { libc::kill(target, sig) };
}

/// The address of a `… http://127.0.0.1:PORT …` line: what the models, hyper and uvicorn print.
pub fn listening(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("http://")? + 7..];
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_says_where_in_its_own_words() {
        let at = "127.0.0.1:4321".parse().ok();
        assert_eq!(listening("listening on http://127.0.0.1:4321"), at);
        assert_eq!(
            listening("INFO:     Uvicorn running on http://127.0.0.1:4321 (Press CTRL+C to quit)"),
            at
        );
        assert_eq!(listening("served 3 requests"), None);
    }
}
