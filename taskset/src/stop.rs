//! Stopping a server: Ctrl-C, SIGTERM, or a test or the tour saying so.
//!
//! A [`Stop`] is told once, and then stays told. Everything that waits for it is woken: a blocking
//! accept loop or connection that `poll(2)`s its socket beside [`Stop::fd`] (a pipe that becomes
//! readable and stays so), and an async one that awaits [`Stop::wait`] on any runtime (an
//! `event_listener::Event`, which only wakes wakers). A signal handler may do almost nothing, so
//! [`on_signals`] only writes a byte to the pipe; a watcher thread sees it and tells the rest.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Instant;

use event_listener::Event;

/// A one-way switch from serving to stopping, that wakes whoever waits for it.
#[derive(Debug)]
pub struct Stop {
    told: AtomicBool,
    at: std::sync::OnceLock<Instant>,
    read: OwnedFd,
    write: OwnedFd,
    event: Event,
}

impl Stop {
    /// A stop not yet told, with its pipe.
    pub fn new() -> io::Result<Stop> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array we pass, which we then own.
        let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        if made != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created for us and are owned by nothing else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Stop {
            told: AtomicBool::new(false),
            at: std::sync::OnceLock::new(),
            read,
            write,
            event: Event::new(),
        })
    }

    /// Tells the server to stop: its accept loops end, its idle connections close.
    pub fn tell(&self) {
        self.at.get_or_init(Instant::now);
        self.told.store(true, Ordering::SeqCst);
        poke(self.write.as_raw_fd());
        self.event.notify(usize::MAX);
    }

    /// Whether it was told.
    pub fn is_told(&self) -> bool {
        self.told.load(Ordering::SeqCst)
    }

    /// When it was told, if it was.
    pub fn told_at(&self) -> Option<Instant> {
        self.at.get().copied()
    }

    /// A descriptor that is readable once the stop is told (for `poll(2)`); never read from.
    pub fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }

    /// Resolves once the stop is told, on whichever runtime awaits it.
    pub async fn wait(&self) {
        while !self.is_told() {
            let listener = self.event.listen();
            // Checked again after listening, so a tell between the two is not missed.
            if self.is_told() {
                return;
            }
            listener.await;
        }
    }
}

/// Writes one byte to `fd`, ignoring a full pipe (it is readable already): async-signal-safe.
fn poke(fd: RawFd) {
    // SAFETY: write reads one byte from a static buffer; a failure (EAGAIN) changes nothing.
    unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
}

/// The pipe the signal handler pokes: the write end of the stop that [`on_signals`] set up.
static SIGNAL_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(_: libc::c_int) {
    let fd = SIGNAL_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        poke(fd);
    }
}

/// Makes Ctrl-C (SIGINT) and SIGTERM tell `stop`, instead of killing the process: the server then
/// finishes what is in flight, prints what it served and exits 0.
///
/// A watcher thread waits on the pipe and tells the stop from there (the handler itself may not
/// touch anything but the pipe); it ends once the stop is told, however that happens.
pub fn on_signals(stop: &Arc<Stop>) -> io::Result<()> {
    SIGNAL_FD.store(stop.write.as_raw_fd(), Ordering::SeqCst);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only loads an atomic and calls write(2), both async-signal-safe.
        let old = unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
        if old == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    let stop = Arc::clone(stop);
    std::thread::Builder::new()
        .name("stop on signal".into())
        .spawn(move || {
            wait_readable(stop.fd());
            stop.tell();
        })
        .map(drop)
}

/// Blocks until `fd` is readable.
fn wait_readable(fd: RawFd) {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll reads and writes only the one pollfd we pass.
    while unsafe { libc::poll(&mut pollfd, 1, -1) } < 0 {}
}
