//! The `serve` scenario's HTTP/1.1, written once for all five models, without any I/O.
//!
//! Every model serves `GET /data/<id>` and `GET /cpu/<id>?work=W` with its own sockets (`std::net`
//! in a loop, a thread or a forked worker per connection, tokio, smol, async-std tasks), so what
//! they share must not own a socket, a runtime or a clock: it is *sans-io*. Bytes go in through a
//! [`Reader`], decisions come out as [`Next`], answers are appended to a `Vec<u8>`; reading,
//! waiting and writing stay in the model, which is the one thing that differs between them.
//!
//! A connection's life in every model, here over a byte slice and a `Vec` so that it runs:
//!
//! ```
//! use std::io::{Read, Write};
//! use taskset::http::{self, Next, Reader, Route};
//!
//! fn connection(mut input: impl Read, mut output: impl Write) -> std::io::Result<()> {
//!     let mut reader = Reader::new();
//!     let mut out = Vec::new();
//!     loop {
//!         match reader.next_request() {
//!             // A real server reads with http::IDLE_TIMEOUT as its deadline; when it passes,
//!             // it writes `reader.timed_out()` (a 408 if a request was half-sent) and closes.
//!             Next::More => match input.read(reader.spare())? {
//!                 0 => return Ok(()), // EOF: the client is done, or gave up half-way
//!                 n => reader.filled(n),
//!             },
//!             Next::Request(request) => {
//!                 let body = match request.route {
//!                     // The model's "database call" goes here: a timer, or a blocking sleep.
//!                     Route::Data { id, .. } => http::data_body(id),
//!                     Route::Cpu { id, work, .. } => {
//!                         http::cpu_body(taskset::kernel::job(id, work.unwrap_or(1)))
//!                     }
//!                 };
//!                 out.clear();
//!                 http::respond(&mut out, &request, &body);
//!                 output.write_all(&out)?;
//!                 if !request.keep_alive {
//!                     return Ok(());
//!                 }
//!             }
//!             Next::Reject(rejection) => {
//!                 out.clear();
//!                 http::reject(&mut out, &rejection);
//!                 return output.write_all(&out);
//!             }
//!         }
//!     }
//! }
//!
//! // Two pipelined requests in one read: both are answered, in order, then EOF ends it.
//! let input = b"GET /data/7 HTTP/1.1\r\nHost: x\r\n\r\nGET /data/8 HTTP/1.1\r\nHost: x\r\n\r\n";
//! let mut output = Vec::new();
//! connection(&input[..], &mut output).unwrap();
//! let text = String::from_utf8(output).unwrap();
//! assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("Data 8"));
//! assert!(text.find("Data 7").unwrap() < text.find("Data 8").unwrap());
//! ```
//!
//! What this server accepts, and what it answers otherwise (RFC 9110 and 9112):
//! - `GET` only: any other method gets 405 with `Allow: GET`. An HTTP/1.1 request needs exactly one
//!   `Host` field (400 otherwise, as RFC 9112 §3.2 requires).
//! - A head (request line and header fields) of at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`]
//!   fields: 431 past either, 414 when the request line alone is longer.
//! - Bodies: a GET has no use for one, but a `Content-Length` body of up to [`MAX_BODY`] bytes is
//!   read and thrown away, so the connection stays in step; a larger one gets 413.
//!   `Transfer-Encoding` (chunked bodies) is not implemented: 501. Both answers close.
//! - Keep-alive: HTTP/1.1 keeps the connection open unless the client sends `Connection: close`;
//!   HTTP/1.0 closes unless it asks for `Connection: keep-alive` (and is then told so).
//! - Pipelining: several requests in one read come out one by one, and are answered in order.
//! - Anything malformed is a 400. Every rejection names what was wrong and closes the connection:
//!   after a bad request the server can no longer tell where the next one would start.
//!
//! A server that closes after an answer while the client is still sending (a rejected request
//! with a body, say) may see the kernel reset the connection before the answer is read; this
//! module cannot help with that, since it never sees the socket.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::expected;
use crate::params::{DELAY_MS, Limit, WORK};

/// The largest request head (request line and header fields) read: 8 KiB, as nginx's default.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header fields a request may have.
pub const MAX_HEADERS: usize = 64;

/// The largest `Content-Length` body skipped; a larger one is refused with 413.
pub const MAX_BODY: usize = 64 * 1024;

pub use crate::params::IDLE_TIMEOUT;

/// The reader's first buffer: a request from curl, wrk or a browser fits in it; it grows as
/// needed, up to [`MAX_HEAD`], so ten thousand idle connections do not each hold 8 KiB.
const FIRST_BUFFER: usize = 1024;

/// A status this server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 200: the answer.
    Ok,
    /// 400: malformed request, or a bad parameter.
    BadRequest,
    /// 404: no such route.
    NotFound,
    /// 405: a method other than GET.
    MethodNotAllowed,
    /// 408: a request left half-sent past the idle timeout.
    RequestTimeout,
    /// 413: a body larger than [`MAX_BODY`].
    ContentTooLarge,
    /// 414: a request line longer than [`MAX_HEAD`].
    UriTooLong,
    /// 431: a head longer than [`MAX_HEAD`], or more than [`MAX_HEADERS`] fields.
    HeaderFieldsTooLarge,
    /// 501: `Transfer-Encoding`, which this server does not implement.
    NotImplemented,
    /// 503: for a server past its capacity that still answers, then closes.
    ServiceUnavailable,
}

impl Status {
    /// The numeric code: 200, 404, ...
    pub fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::BadRequest => 400,
            Status::NotFound => 404,
            Status::MethodNotAllowed => 405,
            Status::RequestTimeout => 408,
            Status::ContentTooLarge => 413,
            Status::UriTooLong => 414,
            Status::HeaderFieldsTooLarge => 431,
            Status::NotImplemented => 501,
            Status::ServiceUnavailable => 503,
        }
    }

    /// The reason phrase of RFC 9110: `OK`, `Not Found`, ...
    pub fn reason(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::BadRequest => "Bad Request",
            Status::NotFound => "Not Found",
            Status::MethodNotAllowed => "Method Not Allowed",
            Status::RequestTimeout => "Request Timeout",
            Status::ContentTooLarge => "Content Too Large",
            Status::UriTooLong => "URI Too Long",
            Status::HeaderFieldsTooLarge => "Request Header Fields Too Large",
            Status::NotImplemented => "Not Implemented",
            Status::ServiceUnavailable => "Service Unavailable",
        }
    }
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /data/<id>[?delay_ms=D]`: wait D (the server's default when `None`), answer `Data <id>`.
    Data {
        /// The id to answer with.
        id: u64,
        /// `delay_ms`, within `--delay-ms`'s limit.
        delay: Option<Duration>,
    },
    /// `GET /cpu/<id>[?work=W]`: run kernel job `id` with W units (the server's default when `None`).
    Cpu {
        /// The kernel job's id.
        id: u64,
        /// `work`, within `--work`'s limit.
        work: Option<u64>,
        /// `offload=1`: an async server runs the job on its runtime's blocking pool, so that its
        /// executor thread goes on serving the other connections (the fix); by default it runs
        /// it right there and holds the thread (the stall). Blocking servers have no loop to hold.
        offload: bool,
    },
}

/// A well-formed request, to be answered with [`respond`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// What it asks for.
    pub route: Route,
    /// Whether the connection stays open after the answer. A server that is shutting down sets
    /// it to `false` before [`respond`], so the client is told and the connection ends.
    pub keep_alive: bool,
    /// An HTTP/1.0 client, which must be told `Connection: keep-alive` to keep the connection.
    pub http10: bool,
}

/// A request refused: answer it with [`reject`], then close the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// The status to answer with.
    pub status: Status,
    /// One line saying what was wrong, sent as the body.
    pub reason: String,
}

impl Reject {
    /// A rejection with its status and one-line reason.
    pub fn new(status: Status, reason: impl Into<String>) -> Reject {
        Reject {
            status,
            reason: reason.into(),
        }
    }
}

/// What the bytes read so far make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Not a whole request yet: read more into [`Reader::spare`].
    More,
    /// A request: answer it, then ask again (the next one may already be buffered).
    Request(Request),
    /// A request that cannot be served: answer the rejection and close.
    Reject(Reject),
}

/// The bytes of one connection not yet consumed: partial heads, pipelined requests, bodies.
#[derive(Debug)]
pub struct Reader {
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Body bytes of the last request still to be thrown away.
    skip: usize,
}

impl Default for Reader {
    fn default() -> Reader {
        Reader::new()
    }
}

impl Reader {
    /// An empty reader for a new connection.
    pub fn new() -> Reader {
        Reader {
            buf: vec![0; FIRST_BUFFER],
            start: 0,
            end: 0,
            skip: 0,
        }
    }

    /// Where to read the next bytes into; never empty after [`Reader::next_request`] said `More`.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            // Keep what is left of a partial head at the front, so the head can grow up to MAX_HEAD.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() && self.buf.len() < MAX_HEAD {
            let grown = (self.buf.len() * 2).min(MAX_HEAD);
            self.buf.resize(grown, 0);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`Reader::spare`].
    ///
    /// # Panics
    /// If `n` is more than the spare room: a bug in the server, not bad input.
    pub fn filled(&mut self, n: usize) {
        assert!(n <= self.buf.len() - self.end, "filled more than spare()");
        self.end += n;
    }

    /// The next request in the bytes read so far, or `More` if they do not hold a whole one.
    pub fn next_request(&mut self) -> Next {
        let body = self.skip.min(self.end - self.start);
        self.start += body;
        self.skip -= body;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.skip > 0 || self.start == self.end {
            return Next::More;
        }
        let unread = &self.buf[self.start..self.end];
        match parse(unread) {
            Ok(Some((len, request, body))) => {
                self.start += len;
                self.skip = body;
                Next::Request(request)
            }
            Ok(None) if unread.len() >= MAX_HEAD => Next::Reject(too_large(unread)),
            Ok(None) => Next::More,
            Err(rejection) => Next::Reject(rejection),
        }
    }

    /// True when nothing is half-read: EOF or the idle timeout now is a clean end, not an error.
    pub fn is_idle(&self) -> bool {
        self.start == self.end && self.skip == 0
    }

    /// What to answer when the idle timeout passes: nothing between requests, 408 mid-request.
    pub fn timed_out(&self) -> Option<Reject> {
        (!self.is_idle()).then(|| {
            Reject::new(
                Status::RequestTimeout,
                "the request was not completed in time",
            )
        })
    }
}

/// Parses one head: its length, the request and its body length; `None` if incomplete.
fn parse(bytes: &[u8]) -> Result<Option<(usize, Request, usize)>, Reject> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut fields);
    let len = match head.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            let reason = format!("more than {MAX_HEADERS} header fields");
            return Err(Reject::new(Status::HeaderFieldsTooLarge, reason));
        }
        Err(e) => return Err(bad_request(format!("malformed request: {e}"))),
    };
    // A complete head always has a method, a target and a version.
    let (method, target) = (head.method.unwrap_or(""), head.path.unwrap_or(""));
    if method != "GET" {
        let reason = format!("method {method} is not allowed here, only GET");
        return Err(Reject::new(Status::MethodNotAllowed, reason));
    }
    let http10 = head.version == Some(0);
    let (keep_alive, body) = read_fields(head.headers, http10)?;
    let request = Request {
        route: route(target)?,
        keep_alive,
        http10,
    };
    Ok(Some((len, request, body)))
}

/// Reads the header fields that matter here: whether to keep the connection, and the body length.
fn read_fields(fields: &[httparse::Header], http10: bool) -> Result<(bool, usize), Reject> {
    let (mut close, mut keep, mut hosts, mut length) = (false, false, 0, None);
    for field in fields {
        let name = field.name;
        if name.eq_ignore_ascii_case("connection") {
            for option in field.value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                close |= option.eq_ignore_ascii_case(b"close");
                keep |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case("content-length") {
            let n = content_length(field.value)?;
            if length.is_some_and(|l| l != n) {
                return Err(bad_request("conflicting Content-Length fields"));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let reason = "Transfer-Encoding is not supported: send a Content-Length body, or none";
            return Err(Reject::new(Status::NotImplemented, reason));
        }
    }
    if hosts > 1 || (hosts == 0 && !http10) {
        return Err(bad_request(
            "an HTTP/1.1 request needs exactly one Host field",
        ));
    }
    let body = length.unwrap_or(0);
    if body > MAX_BODY {
        let reason = format!("a body of {body} bytes is over the limit of {MAX_BODY}");
        return Err(Reject::new(Status::ContentTooLarge, reason));
    }
    Ok((!close && (keep || !http10), body))
}

/// A `Content-Length` value: digits only (no sign, no list), or 400.
fn content_length(value: &[u8]) -> Result<usize, Reject> {
    let digits = value.trim_ascii();
    let parsed = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok());
    match parsed {
        Some(n) if digits.iter().all(u8::is_ascii_digit) => Ok(n),
        _ => Err(bad_request("Content-Length must be a whole number")),
    }
}

/// The route a request target names: `/data/<id>` or `/cpu/<id>`, with their query parameters.
///
/// Unknown parameters are ignored (a cache-buster such as `?_=123` does no harm); when a parameter
/// is given twice, the last one counts. hyper's anchor server routes with this function too.
pub fn route(target: &str) -> Result<Route, Reject> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let not_found = || {
        let reason = format!("no route for {path}: try /data/<id> or /cpu/<id>?work=W");
        Reject::new(Status::NotFound, reason)
    };
    let (resource, id) = path
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .filter(|(_, id)| !id.contains('/'))
        .ok_or_else(not_found)?;
    match resource {
        "data" => Ok(Route::Data {
            id: parse_id(id)?,
            delay: param(query, "delay_ms", &DELAY_MS)?.map(Duration::from_millis),
        }),
        "cpu" => Ok(Route::Cpu {
            id: parse_id(id)?,
            work: param(query, "work", &WORK)?,
            offload: switch(query, "offload")?,
        }),
        _ => Err(not_found()),
    }
}

/// The `<id>` of a path: a whole number, or 400.
fn parse_id(text: &str) -> Result<u64, Reject> {
    match text.parse() {
        Ok(id) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(bad_request(format!(
            "id: expected a whole number from 0 to {}",
            u64::MAX
        ))),
    }
}

/// The last value of the on/off query parameter `name`: `1` or `0`, absent is off; 400 otherwise.
fn switch(query: &str, name: &str) -> Result<bool, Reject> {
    match last_value(query, name) {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(bad_request(format!("{name}: expected 0 or 1"))),
    }
}

/// The last value of query parameter `name`, within `limit` (the flag's); 400 names it otherwise.
fn param(query: &str, name: &str, limit: &Limit) -> Result<Option<u64>, Reject> {
    last_value(query, name)
        .map(|text| limit.parse(text))
        .transpose()
        .map_err(|e| bad_request(format!("{name}: {e}")))
}

/// The text of the last `name=…` in `query` (a later one wins, as in most servers).
fn last_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .rfind(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A 400 with its reason.
fn bad_request(reason: impl Into<String>) -> Reject {
    Reject::new(Status::BadRequest, reason)
}

/// The answer to a head that outgrew [`MAX_HEAD`]: 414 if not even the request line ended.
fn too_large(unread: &[u8]) -> Reject {
    if unread.contains(&b'\n') {
        let reason = format!("the request head is longer than {MAX_HEAD} bytes");
        Reject::new(Status::HeaderFieldsTooLarge, reason)
    } else {
        let reason = format!("the request line is longer than {MAX_HEAD} bytes");
        Reject::new(Status::UriTooLong, reason)
    }
}

/// The body of `GET /data/<id>`: `Data <id>`, the same value the fetch scenario returns.
pub fn data_body(id: u64) -> String {
    expected::data(id)
}

/// The body of `GET /cpu/<id>?work=W`: the job's checksum (`kernel::job(id, W)`) in decimal.
pub fn cpu_body(checksum: u64) -> String {
    checksum.to_string()
}

/// Appends the 200 answer to `request` with `body`, keeping the connection or closing it as asked.
pub fn respond(out: &mut Vec<u8>, request: &Request, body: &str) {
    let connection = match (request.keep_alive, request.http10) {
        (false, _) => Some("close"),
        (true, true) => Some("keep-alive"),
        (true, false) => None,
    };
    write_answer(out, Status::Ok, body, connection);
}

/// Appends the answer to a rejected request: its status, its reason as the body, and a close.
pub fn reject(out: &mut Vec<u8>, rejection: &Reject) {
    write_answer(out, rejection.status, &rejection.reason, Some("close"));
}

/// Appends a whole answer: status line, header fields, body.
fn write_answer(out: &mut Vec<u8>, status: Status, body: &str, connection: Option<&str>) {
    // Writing into a Vec cannot fail, so the io::Results below are always Ok.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nDate: ",
        status.code(),
        status.reason()
    );
    push_date(out);
    let _ = write!(
        out,
        "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(option) = connection {
        let _ = write!(out, "Connection: {option}\r\n");
    }
    if status == Status::MethodNotAllowed {
        out.extend_from_slice(b"Allow: GET\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
}

thread_local! {
    /// The `Date` value and the second it was formatted for, per thread: formatting a date is
    /// far dearer than reading the clock, and it changes once a second.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Appends the current time in RFC 9110's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn push_date(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(formatted_for, text)| {
        if *formatted_for != second {
            *formatted_for = second;
            *text = httpdate::fmt_http_date(now);
        }
        out.extend_from_slice(text.as_bytes());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `bytes` to the reader as a server would, in reads of at most `chunk` bytes, and
    /// collects every request or rejection that comes out.
    fn feed(reader: &mut Reader, bytes: &[u8], chunk: usize) -> Vec<Next> {
        let mut out = Vec::new();
        let mut rest = bytes;
        loop {
            match reader.next_request() {
                Next::More if rest.is_empty() => return out,
                Next::More => {
                    let spare = reader.spare();
                    assert!(!spare.is_empty(), "spare() empty after More");
                    let n = chunk.min(spare.len()).min(rest.len());
                    spare[..n].copy_from_slice(&rest[..n]);
                    reader.filled(n);
                    rest = &rest[n..];
                }
                Next::Request(request) => out.push(Next::Request(request)),
                rejected @ Next::Reject(_) => {
                    out.push(rejected);
                    return out;
                }
            }
        }
    }

    /// What one whole request (given at once) comes to.
    fn one(bytes: &str) -> Next {
        let mut all = feed(&mut Reader::new(), bytes.as_bytes(), usize::MAX);
        assert_eq!(all.len(), 1, "{bytes:?} gave {all:?}");
        all.remove(0)
    }

    /// `GET <target> HTTP/1.1` with a Host and the extra fields given.
    fn get(target: &str, fields: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n{fields}\r\n")
    }

    fn data(id: u64, keep_alive: bool) -> Next {
        Next::Request(Request {
            route: Route::Data { id, delay: None },
            keep_alive,
            http10: false,
        })
    }

    /// The rejection's status, or a failure naming what came instead.
    fn status(next: Next) -> (Status, String) {
        match next {
            Next::Reject(r) => (r.status, r.reason),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn route_of(next: Next) -> Route {
        match next {
            Next::Request(r) => r.route,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_get_keeps_the_connection() {
        assert_eq!(one(&get("/data/7", "")), data(7, true));
    }

    #[test]
    fn pipelined_requests_come_out_one_by_one_in_order() {
        let three = [get("/data/1", ""), get("/data/2", ""), get("/data/3", "")].concat();
        let mut reader = Reader::new();
        let all = feed(&mut reader, three.as_bytes(), usize::MAX);
        assert_eq!(all, vec![data(1, true), data(2, true), data(3, true)]);
        assert!(reader.is_idle());
    }

    #[test]
    fn a_head_sent_byte_by_byte_is_one_request() {
        let two = [get("/data/1", "User-Agent: slow\r\n"), get("/data/2", "")].concat();
        let mut reader = Reader::new();
        let all = feed(&mut reader, two.as_bytes(), 1);
        assert_eq!(all, vec![data(1, true), data(2, true)]);
    }

    #[test]
    fn a_half_sent_head_is_not_idle_and_times_out_with_408() {
        let mut reader = Reader::new();
        assert!(reader.is_idle() && reader.timed_out().is_none());
        assert!(feed(&mut reader, b"GET /data/1 HTTP/1.1\r\nHo", 4).is_empty());
        assert!(!reader.is_idle());
        assert_eq!(reader.timed_out().unwrap().status, Status::RequestTimeout);
        // The rest arrives: one request, and the reader is idle again.
        assert_eq!(feed(&mut reader, b"st: x\r\n\r\n", 3), vec![data(1, true)]);
        assert!(reader.is_idle() && reader.timed_out().is_none());
    }

    /// A request whose head is exactly `len` bytes, padded with one header field.
    fn head_of(len: usize) -> String {
        let bare = get("/data/1", "X-Fill: \r\n").len();
        get(
            "/data/1",
            &format!("X-Fill: {}\r\n", "a".repeat(len - bare)),
        )
    }

    #[test]
    fn a_head_of_max_head_bytes_passes_and_one_more_byte_is_431() {
        assert_eq!(head_of(MAX_HEAD).len(), MAX_HEAD);
        assert_eq!(one(&head_of(MAX_HEAD)), data(1, true));
        let mut reader = Reader::new();
        let (code, reason) =
            status(feed(&mut reader, head_of(MAX_HEAD + 1).as_bytes(), 100)[0].clone());
        assert_eq!(code, Status::HeaderFieldsTooLarge);
        assert!(reason.contains("8192"), "{reason}");
    }

    #[test]
    fn a_full_head_after_a_pipelined_one_still_fits() {
        // The second head starts late in the buffer: what is left is moved to the front.
        let two = [get("/data/1", ""), head_of(MAX_HEAD)].concat();
        let all = feed(&mut Reader::new(), two.as_bytes(), 1000);
        assert_eq!(all, vec![data(1, true), data(1, true)]);
    }

    #[test]
    fn an_endless_request_line_is_414() {
        let line = format!("GET /data/{}", "1".repeat(MAX_HEAD));
        let all = feed(&mut Reader::new(), line.as_bytes(), 512);
        assert_eq!(status(all[0].clone()).0, Status::UriTooLong);
    }

    #[test]
    fn too_many_header_fields_is_431() {
        let fields: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        let (code, reason) = status(one(&get("/data/1", &fields)));
        assert_eq!(code, Status::HeaderFieldsTooLarge);
        assert!(reason.contains("64 header fields"), "{reason}");
        // One fewer (with Host) is fine.
        let fields: String = (1..MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(one(&get("/data/1", &fields)), data(1, true));
    }

    #[test]
    fn garbage_and_bad_request_lines_are_400() {
        for bad in [
            "\x00\x01\x02 hello\r\n\r\n",
            "GET\r\n\r\n",
            "GET /data/1\r\n\r\n",
            "GET /data/1 HTTP/9.9\r\nHost: x\r\n\r\n",
            "GET /data/1 HTTP/1.1\r\nNo colon here\r\n\r\n",
            "GET /data/1 HTTP/1.1\r\nHost: x\r\n folded: continuation\r\n\r\n",
        ] {
            let (code, reason) = status(one(bad));
            assert_eq!(code, Status::BadRequest, "{bad:?}");
            assert!(reason.starts_with("malformed request"), "{bad:?}: {reason}");
        }
    }

    #[test]
    fn garbage_is_rejected_before_a_whole_head_arrives() {
        // No end of head in sight, but the first byte is already wrong: no waiting for more.
        let all = feed(&mut Reader::new(), b"\x16\x03\x01 TLS hello", 64);
        assert_eq!(status(all[0].clone()).0, Status::BadRequest);
    }

    #[test]
    fn a_rejection_is_repeated_if_asked_again_and_consumes_nothing() {
        let mut reader = Reader::new();
        let first = feed(&mut reader, b"POST /data/1 HTTP/1.1\r\nHost: x\r\n\r\n", 64);
        assert_eq!(reader.next_request(), first[0]);
        assert!(!reader.is_idle());
    }

    #[test]
    fn bad_query_values_and_ids_are_400_naming_the_parameter_and_range() {
        let cases = [
            (
                "/data/1?delay_ms=abc",
                "delay_ms: expected a whole number from 0 to 3600000",
            ),
            (
                "/data/1?delay_ms=3600001",
                "delay_ms: expected a whole number from 0 to 3600000",
            ),
            (
                "/data/1?delay_ms=-1",
                "delay_ms: expected a whole number from 0 to 3600000",
            ),
            (
                "/data/1?delay_ms",
                "delay_ms: expected a whole number from 0 to 3600000",
            ),
            (
                "/cpu/1?work=0",
                "work: expected a whole number from 1 to 100000",
            ),
            (
                "/cpu/1?work=100001",
                "work: expected a whole number from 1 to 100000",
            ),
            (
                "/data/abc",
                "id: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "/data/-1",
                "id: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "/data/+1",
                "id: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "/data/",
                "id: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "/cpu/18446744073709551616",
                "id: expected a whole number from 0 to 18446744073709551615",
            ),
        ];
        for (target, want) in cases {
            assert_eq!(
                status(one(&get(target, ""))),
                (Status::BadRequest, want.to_string()),
                "{target}"
            );
        }
    }

    #[test]
    fn query_parameters_set_delay_and_work() {
        let data = |target: &str| route_of(one(&get(target, "")));
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(
            data("/data/3?delay_ms=250"),
            Route::Data {
                id: 3,
                delay: ms(250)
            }
        );
        assert_eq!(
            data("/data/3?delay_ms=0"),
            Route::Data {
                id: 3,
                delay: ms(0)
            }
        );
        assert_eq!(
            data("/data/3?delay_ms=3600000"),
            Route::Data {
                id: 3,
                delay: ms(3_600_000)
            }
        );
        assert_eq!(
            data("/data/3?delay_ms=5&delay_ms=9"),
            Route::Data {
                id: 3,
                delay: ms(9)
            }
        );
        assert_eq!(
            data("/data/3?_=123&delay_ms=5&x"),
            Route::Data {
                id: 3,
                delay: ms(5)
            }
        );
        assert_eq!(data("/data/3?"), Route::Data { id: 3, delay: None });
        assert_eq!(
            data("/data/18446744073709551615"),
            Route::Data {
                id: u64::MAX,
                delay: None
            }
        );
        assert_eq!(
            data("/cpu/4?work=10"),
            Route::Cpu {
                id: 4,
                work: Some(10),
                offload: false
            }
        );
        let cpu = |id, work, offload| Route::Cpu { id, work, offload };
        assert_eq!(data("/cpu/4"), cpu(4, None, false));
        assert_eq!(data("/cpu/4?offload=1&work=3"), cpu(4, Some(3), true));
        assert_eq!(data("/cpu/4?offload=0"), cpu(4, None, false));
        assert!(route("/cpu/4?offload=yes").is_err(), "offload is 0 or 1");
        // A parameter of the other route is not this route's: ignored.
        assert_eq!(data("/cpu/4?delay_ms=x"), cpu(4, None, false));
        assert_eq!(data("/data/4?work=x"), Route::Data { id: 4, delay: None });
    }

    #[test]
    fn unknown_paths_are_404() {
        for target in [
            "/",
            "/data",
            "/datum/1",
            "/data/1/2",
            "/cpu/1/",
            "/DATA/1",
            "*",
        ] {
            let (code, reason) = status(one(&get(target, "")));
            assert_eq!(code, Status::NotFound, "{target}");
            assert!(reason.contains("/data/<id>"), "{reason}");
        }
    }

    #[test]
    fn other_methods_are_405_and_the_answer_allows_get() {
        for method in ["POST", "HEAD", "PUT", "DELETE", "get"] {
            let request = format!("{method} /data/1 HTTP/1.1\r\nHost: x\r\n\r\n");
            let Next::Reject(rejection) = one(&request) else {
                panic!("{method} was not rejected")
            };
            assert_eq!(rejection.status, Status::MethodNotAllowed);
            let mut out = Vec::new();
            reject(&mut out, &rejection);
            let answer = parse_answer(&out);
            assert_eq!(answer.code, 405);
            assert_eq!(answer.field("allow"), Some("GET".to_string()));
            assert_eq!(answer.field("connection"), Some("close".to_string()));
        }
    }

    #[test]
    fn http10_closes_unless_it_asks_to_keep_alive() {
        let http10 = |fields: &str| one(&format!("GET /data/1 HTTP/1.0\r\n{fields}\r\n"));
        let request = |keep_alive| {
            Next::Request(Request {
                route: Route::Data { id: 1, delay: None },
                keep_alive,
                http10: true,
            })
        };
        // HTTP/1.0 needs no Host.
        assert_eq!(http10(""), request(false));
        assert_eq!(http10("Connection: keep-alive\r\n"), request(true));
        assert_eq!(http10("connection: Keep-Alive\r\n"), request(true));
        assert_eq!(http10("Connection: keep-alive, close\r\n"), request(false));
    }

    #[test]
    fn connection_close_is_honoured_whatever_its_case() {
        for field in [
            "Connection: close",
            "CONNECTION: CLOSE",
            "connection: Close",
            "Connection: foo, close",
        ] {
            assert_eq!(
                one(&get("/data/1", &format!("{field}\r\n"))),
                data(1, false),
                "{field}"
            );
        }
        assert_eq!(
            one(&get("/data/1", "Connection: keep-alive\r\n")),
            data(1, true)
        );
        assert_eq!(
            one(&get("/data/1", "Connection: closed\r\n")),
            data(1, true)
        );
    }

    #[test]
    fn http11_needs_exactly_one_host_whatever_its_case() {
        let lone = "GET /data/1 HTTP/1.1\r\n\r\n";
        assert_eq!(status(one(lone)).0, Status::BadRequest);
        let twice = get("/data/1", "host: other\r\n");
        assert_eq!(status(one(&twice)).0, Status::BadRequest);
        let lower = "GET /data/1 HTTP/1.1\r\nhOsT: x\r\n\r\n";
        assert_eq!(one(lower), data(1, true));
    }

    #[test]
    fn a_content_length_body_is_skipped_even_split_over_reads() {
        let with_body = [
            get("/data/1", "Content-Length: 11\r\n"),
            "hello world".into(),
            get("/data/2", ""),
        ]
        .concat();
        for chunk in [1, 5, usize::MAX] {
            let mut reader = Reader::new();
            let all = feed(&mut reader, with_body.as_bytes(), chunk);
            assert_eq!(all, vec![data(1, true), data(2, true)], "chunk {chunk}");
            assert!(reader.is_idle());
        }
    }

    #[test]
    fn a_body_still_coming_is_not_idle() {
        let mut reader = Reader::new();
        let head = get("/data/1", "Content-Length: 3\r\n") + "a";
        assert_eq!(
            feed(&mut reader, head.as_bytes(), usize::MAX),
            vec![data(1, true)]
        );
        assert!(!reader.is_idle());
        assert!(feed(&mut reader, b"bc", usize::MAX).is_empty());
        assert!(reader.is_idle());
    }

    #[test]
    fn a_body_at_the_limit_is_skipped_past_it_is_413() {
        let at = get("/data/1", &format!("Content-Length: {MAX_BODY}\r\n"));
        let all = feed(
            &mut Reader::new(),
            &[at.as_bytes(), &vec![b'x'; MAX_BODY]].concat(),
            4096,
        );
        assert_eq!(all, vec![data(1, true)]);
        let past = get("/data/1", &format!("Content-Length: {}\r\n", MAX_BODY + 1));
        assert_eq!(status(one(&past)).0, Status::ContentTooLarge);
    }

    #[test]
    fn transfer_encoding_is_501_and_bad_lengths_are_400() {
        let chunked = get("/data/1", "Transfer-Encoding: chunked\r\n");
        assert_eq!(status(one(&chunked)).0, Status::NotImplemented);
        let both = get(
            "/data/1",
            "Content-Length: 0\r\ntransfer-encoding: gzip\r\n",
        );
        assert_eq!(status(one(&both)).0, Status::NotImplemented);
        for length in ["abc", "-1", "+1", "1, 1", "", "99999999999999999999999"] {
            let bad = get("/data/1", &format!("Content-Length: {length}\r\n"));
            assert_eq!(status(one(&bad)).0, Status::BadRequest, "{length:?}");
        }
        let conflicting = get("/data/1", "Content-Length: 1\r\nContent-Length: 2\r\n");
        assert_eq!(status(one(&conflicting)).0, Status::BadRequest);
        let same_twice = get("/data/1", "Content-Length: 0\r\nContent-Length: 0\r\n");
        assert_eq!(one(&same_twice), data(1, true));
    }

    /// An answer read back with httparse, as a client would.
    struct Answer {
        code: u16,
        fields: Vec<(String, String)>,
        body: String,
    }

    impl Answer {
        fn field(&self, name: &str) -> Option<String> {
            let mut found = self
                .fields
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name));
            let value = found.next().map(|(_, v)| v.clone());
            assert!(found.next().is_none(), "{name} twice");
            value
        }
    }

    fn parse_answer(bytes: &[u8]) -> Answer {
        let mut fields = [httparse::EMPTY_HEADER; 16];
        let mut head = httparse::Response::new(&mut fields);
        let httparse::Status::Complete(len) = head.parse(bytes).unwrap() else {
            panic!("incomplete answer {:?}", String::from_utf8_lossy(bytes))
        };
        let fields = head
            .headers
            .iter()
            .map(|f| {
                (
                    f.name.to_string(),
                    String::from_utf8(f.value.to_vec()).unwrap(),
                )
            })
            .collect();
        let answer = Answer {
            code: head.code.unwrap(),
            fields,
            body: String::from_utf8(bytes[len..].to_vec()).unwrap(),
        };
        let length: usize = answer.field("content-length").unwrap().parse().unwrap();
        assert_eq!(length, answer.body.len(), "Content-Length is the body's");
        assert_eq!(
            answer.field("content-type").unwrap(),
            "text/plain; charset=utf-8"
        );
        let date = answer.field("date").unwrap();
        let when = httpdate::parse_http_date(&date).unwrap();
        let age = SystemTime::now().duration_since(when).unwrap();
        assert!(age < Duration::from_secs(5), "Date {date} is now");
        answer
    }

    fn request(keep_alive: bool, http10: bool) -> Request {
        let route = Route::Data { id: 7, delay: None };
        Request {
            route,
            keep_alive,
            http10,
        }
    }

    #[test]
    fn an_answer_has_status_date_type_length_and_body() {
        let mut out = Vec::new();
        respond(&mut out, &request(true, false), &data_body(7));
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{text}");
        let answer = parse_answer(&out);
        assert_eq!((answer.code, answer.body.as_str()), (200, "Data 7"));
        assert_eq!(answer.field("connection"), None);
        assert_eq!(answer.field("allow"), None);
    }

    #[test]
    fn an_answer_says_close_or_keep_alive_as_the_request_needs() {
        let connection = |keep_alive, http10| {
            let mut out = Vec::new();
            respond(&mut out, &request(keep_alive, http10), "x");
            parse_answer(&out).field("connection")
        };
        assert_eq!(connection(true, false), None);
        assert_eq!(connection(false, false), Some("close".into()));
        assert_eq!(connection(true, true), Some("keep-alive".into()));
        assert_eq!(connection(false, true), Some("close".into()));
    }

    #[test]
    fn answers_are_appended_so_pipelined_answers_can_share_one_write() {
        let mut out = Vec::new();
        respond(&mut out, &request(true, false), "first");
        let one_len = out.len();
        respond(&mut out, &request(true, false), "first");
        assert_eq!(out.len(), 2 * one_len);
        assert_eq!(out[..one_len], out[one_len..]);
    }

    #[test]
    fn a_rejection_answers_its_status_and_reason_and_closes() {
        let mut out = Vec::new();
        reject(
            &mut out,
            &Reject::new(Status::HeaderFieldsTooLarge, "too big"),
        );
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let answer = parse_answer(&out);
        assert_eq!(answer.body, "too big");
        assert_eq!(answer.field("connection"), Some("close".into()));
    }

    #[test]
    fn bodies_are_the_expected_values() {
        assert_eq!(data_body(3), crate::expected::data(3));
        assert_eq!(
            cpu_body(crate::kernel::job(3, 1)),
            crate::kernel::job(3, 1).to_string()
        );
    }
}
