//! What `footprint` reports: the figures of one measured run, the bytes per unit they come to,
//! and the markdown table with its notes (what RSS leaves out, and why a model costs more).
//! Used by `cargo run -p benches --release --bin footprint`.

use std::fmt::Write;
use std::time::Duration;

use benches::plan::count;
use serde::{Deserialize, Serialize};

use crate::probe::Figures;
use crate::units::{self, Unit, Who};

/// The kernel stack of every thread on x86-64 and arm64 (`THREAD_SIZE`): kernel memory that RSS
/// does not count. The notes check it against `KernelStack` in `/proc/meminfo`.
pub const KERNEL_STACK: u64 = 16 << 10;

/// What one measuring child saw: the figures before the first unit started, and once all N had
/// started and the process had gone quiet (`idle_after` the start); the child prints it as one
/// line of JSON, which the parent reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measured {
    pub before: Figures,
    pub idle: Figures,
    pub idle_after: Duration,
}

impl Measured {
    /// Resident bytes the units added: this process's growth plus every child's whole RSS.
    pub fn held(&self) -> u64 {
        self.idle.rss.saturating_sub(self.before.rss) + self.idle.kids_rss
    }

    /// Threads the units added, in this process and in the children.
    pub fn threads_added(&self) -> u64 {
        self.idle.threads.saturating_sub(self.before.threads) + self.idle.kids_threads
    }

    /// Kernel memory the units added that RSS leaves out: page tables (measured) and a kernel
    /// stack per thread.
    pub fn outside_rss(&self) -> u64 {
        let pte = self.idle.pte.saturating_sub(self.before.pte) + self.idle.kids_pte;
        pte + KERNEL_STACK * self.threads_added()
    }
}

/// One row of the table: N units of a kind held at once, by a model or by the bare primitive.
#[derive(Clone, Debug)]
pub struct Row {
    pub unit: Unit,
    pub who: Who,
    pub n: u64,
    pub measured: Measured,
}

impl Row {
    /// RSS bytes per unit.
    pub fn per_unit(&self) -> f64 {
        self.measured.held() as f64 / self.n as f64
    }
}

/// Bytes as `412 B`, `10.3 KiB`, `1.2 MiB`.
pub fn bytes(b: f64) -> String {
    match b {
        b if b < 10_000.0 => format!("{b:.0} B"),
        b if b < 10_000.0 * 1024.0 => format!("{:.1} KiB", b / 1024.0),
        b if b < 10_000.0 * 1024.0 * 1024.0 => format!("{:.1} MiB", b / (1024.0 * 1024.0)),
        b => format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0)),
    }
}

/// The bare row of the same kind and size as `row`.
fn bare_of<'a>(rows: &'a [Row], row: &Row) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.unit == row.unit && r.n == row.n && r.who == Who::Bare)
}

/// The markdown table of every row, then the lines that say what was skipped, then the notes.
pub fn markdown(rows: &[Row], skipped: &[String]) -> String {
    let mut md = String::from(
        "# Memory per idle unit\n\nEach row holds N units at once, each waiting on a timer, in a \
         fresh process; RSS is read from /proc (`smaps_rollup`) before the first unit starts and \
         again once all N have started and the process has been quiet (no CPU, no RSS change) \
         for a moment. Bytes per unit = RSS delta / N (for processes: the parent's growth plus \
         every child's RSS).\n\n| unit | held by | N | RSS delta | RSS per unit | × bare | \
         above bare, per unit | outside RSS per unit |\n|---|---|---:|---:|---:|---:|---|---:|\n",
    );
    for row in rows {
        // The model's ratio to its bare primitive, and what it holds above it per unit.
        let (ratio, extra) = match bare_of(rows, row) {
            _ if row.who == Who::Bare => ("1.00 (floor)".to_string(), "—".to_string()),
            None => ("—".to_string(), "no bare row".to_string()),
            Some(bare) => {
                let (model, bare) = (row.per_unit(), bare.per_unit());
                let sign = if model < bare { "−" } else { "+" };
                let extra = format!("{sign}{}", bytes((model - bare).abs()));
                (format!("{:.2}", model / bare), extra)
            }
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {ratio} | {extra} | {} |",
            row.unit.kind(),
            row.unit.holder(row.who),
            count(row.n),
            bytes(row.measured.held() as f64),
            bytes(row.per_unit()),
            bytes(row.measured.outside_rss() as f64 / row.n as f64),
        );
    }
    if !skipped.is_empty() {
        md.push_str("\nNot measured:\n\n");
        skipped
            .iter()
            .for_each(|l| md.push_str(&format!("- {l}\n")));
    }
    md.push_str("\nNotes:\n\n");
    notes(rows).for_each(|l| md.push_str(&format!("- {l}\n")));
    md
}

/// What RSS leaves out and what it counts twice, with the figures measured in this run.
fn notes(rows: &[Row]) -> impl Iterator<Item = String> {
    let fixed = [
        "RSS counts the pages a process has touched, nothing else. It leaves out kernel memory: \
         a 16 KiB kernel stack per thread, the page tables (both in the last column: page \
         tables from `VmPTE`, stacks as 16 KiB × threads added), and the kernel's task, pipe \
         and timer structures in its slab caches (not counted here).",
        "A thread's stack is a reservation of address space (64 KiB here, for the threads model \
         and its bare primitive alike; 2 MiB by default): only the pages it touches are resident \
         and counted.",
        "Tasks are held by the models' `io` on a multi-thread executor with one thread per core, \
         and by the bare primitive on the same; the executor's own threads and allocations are \
         a fixed cost spread over N.",
        "sync-basic and async-sequential hold one unit at a time (each task is awaited or run \
         before the next starts), so they have no per-unit footprint to measure.",
    ];
    (fixed.map(String::from).into_iter())
        .chain(kernel_stack_check(rows))
        .chain(process_split(rows))
        .chain(
            Unit::all()
                .iter()
                .filter_map(|&unit| future_check(rows, unit)),
        )
}

/// Why an async model's task costs more than the bare one: the sizes of the futures they store,
/// set beside the RSS difference per unit at the largest N.
fn future_check(rows: &[Row], unit: Unit) -> Option<String> {
    let model = (rows.iter())
        .filter(|r| r.unit == unit && r.who == Who::Model && bare_of(rows, r).is_some())
        .max_by_key(|r| r.n)?;
    let bare = bare_of(rows, model)?;
    let (request, task, bare_name, bare_future) = units::future_sizes(unit)?;
    Some(format!(
        "Why, for {unit_kind}s: at {n} the model's task takes {extra} more than the bare one. \
         Measured with `size_of_val`, the future it stores, `request(&ctx, id)`, is {request} \
         bytes where the bare task's `{bare_name}` is {bare_future} ({diff} bytes more, before \
         the task header and allocator rounding): beside its timer, a request keeps its start \
         time (16 bytes, for its latency), its id and its context (8 each) and the state tag; \
         its `--net` branch is boxed, so the socket costs the timer-only path one pointer (the \
         same module's `task` is {task} bytes). The rest of the difference lies outside the \
         future, in what the model keeps per request to gather the results in input order \
         (its join handle and result slot); not broken down further here.",
        unit_kind = unit.kind(),
        n = count(model.n),
        extra = bytes(model.per_unit() - bare.per_unit()),
        diff = request as i64 - bare_future as i64,
    ))
}

/// The kernel-stack figure checked against `/proc/meminfo` in the run with the most threads.
fn kernel_stack_check(rows: &[Row]) -> Option<String> {
    let row = rows
        .iter()
        .filter(|r| r.measured.threads_added() >= 1_000)
        .max_by_key(|r| r.measured.threads_added())?;
    let m = &row.measured;
    let rose = m.idle.kernel_stack as f64 - m.before.kernel_stack as f64;
    let per = rose / m.threads_added() as f64;
    Some(format!(
        "Kernel stacks, measured: `KernelStack` in /proc/meminfo rose by {} while {} held {} \
         threads ({} × {}): {} per thread (a system-wide figure: other processes starting or \
         ending threads meanwhile add noise).",
        bytes(rose),
        row.unit.holder(row.who),
        count(m.threads_added()),
        count(row.n),
        row.unit.kind(),
        bytes(per)
    ))
}

/// For process rows: what each child's RSS is made of, and its PSS, at the largest N.
fn process_split(rows: &[Row]) -> Vec<String> {
    let of_processes = || rows.iter().filter(|r| r.unit == Unit::Processes);
    let largest = of_processes().map(|r| r.n).max();
    let at_largest = of_processes().filter(|r| Some(r.n) == largest);
    at_largest
        .map(|row| {
            let m = &row.measured.idle;
            let kids = m.kids.max(1) as f64;
            format!(
                "{} × {}: each child's RSS is {} ({} anonymous, {} file pages: the executable \
                 and libc, shared by every child and counted in each one's RSS); its PSS, which \
                 splits shared pages among the processes that map them, is {}. Threads per \
                 child: {:.1}.",
                row.unit.holder(row.who),
                count(row.n),
                bytes(m.kids_rss as f64 / kids),
                bytes(m.kids_anon as f64 / kids),
                bytes(m.kids_rss.saturating_sub(m.kids_anon) as f64 / kids),
                bytes(m.kids_pss as f64 / kids),
                m.kids_threads as f64 / kids,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measured_line_reads_back_the_same() {
        let figures = |x: u64| Figures {
            rss: x,
            kids_threads: x + 1,
            ..Figures::default()
        };
        let m = Measured {
            before: figures(1),
            idle: figures(7),
            idle_after: Duration::from_millis(1234),
        };
        let line = serde_json::to_string(&m).expect("plain numbers");
        assert!(!line.contains('\n'), "one line");
        assert_eq!(serde_json::from_str::<Measured>(&line).ok(), Some(m));
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(bytes(456.0), "456 B");
        assert_eq!(bytes(10_240.0 * 1.5), "15.0 KiB");
    }
}
