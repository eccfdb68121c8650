//! The `footprint` command at tiny sizes: it measures a positive RSS per unit for tasks and
//! threads (each beside its bare primitive) and per idle connection to hyper, exits 0, and
//! refuses bad input (an `--out` it cannot write among it, before measuring) in one line with exit
//! status 2.
//! Run with `cargo test -p benches --test footprint`.

use std::process::Command;

/// Runs the footprint binary with `args`, its table written to a file of this test's own: its
/// exit status, stdout, stderr, and the table if one was written.
fn footprint(args: &[&str], out: &str) -> (Option<i32>, String, String, Option<String>) {
    let path = std::env::temp_dir().join(format!("footprint-test-{}-{out}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(args)
        .arg("--out")
        .arg(&path)
        .output()
        .expect("the footprint binary runs");
    let written = std::fs::read_to_string(&path).ok();
    let _ = std::fs::remove_file(&path);
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    (output.status.code(), stdout, stderr, written)
}

/// Runs a command that must succeed: the table it wrote, which it also printed.
fn table_of(args: &[&str], out: &str) -> String {
    let (code, stdout, stderr, written) = footprint(args, out);
    assert_eq!(code, Some(0), "{stderr}");
    let written = written.expect("the table was written");
    assert_eq!(stdout.trim(), written.trim(), "stdout shows the table");
    written
}

/// Whether a cell such as `926 B`, `9.8 KiB` or `2.7 MiB` is a positive number of bytes.
fn positive_bytes(cell: &str) -> bool {
    let (number, unit) = cell.split_once(' ').expect("a number and a unit");
    assert!(["B", "KiB", "MiB", "GiB"].contains(&unit), "{cell:?}");
    number.parse::<f64>().expect("a number") > 0.0
}

/// The cells of every row of a markdown table that starts with the cells `first` (cells[0] is
/// before the first bar).
fn rows<'a>(markdown: &'a str, first: &str) -> Vec<Vec<&'a str>> {
    let first = format!("| {first} |");
    let of = markdown.lines().filter(|l| l.starts_with(&first));
    of.map(|l| l.split('|').map(str::trim).collect()).collect()
}

/// Checks one small run: a model row and a bare row, each with a positive figure.
fn check_small_run(unit: &str, n: &str, kind: &str) {
    let written = table_of(&["--units", unit, "--sizes", n], unit);
    // | unit | held by | N | RSS delta | RSS per unit | …
    let found = rows(&written, kind);
    assert_eq!(found.len(), 2, "a bare row and a model row: {written}");
    assert!(found.iter().any(|r| r[2].starts_with("bare ")), "{written}");
    for row in found {
        assert!(positive_bytes(row[5]), "{row:?}");
    }
}

#[test]
fn a_thousand_tokio_tasks_cost_a_positive_number_of_bytes_each() {
    check_small_run("tokio", "1000", "tokio task");
}

#[test]
fn a_hundred_threads_cost_a_positive_number_of_bytes_each() {
    check_small_run("threads", "100", "OS thread");
}

#[test]
fn an_impossible_size_an_unknown_unit_or_server_is_refused_in_one_line_with_status_2() {
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--units", "tokio", "--sizes", "2000000"],
            &["--sizes", "1000000"],
        ),
        (
            &["--units", "tokio", "--sizes", "-5"],
            &["--sizes", "1000000"],
        ),
        (
            &["--units", "tokio", "--hold-ms", "-1"],
            &["--hold-ms", "600000"],
        ),
        (&["--units", "fibers"], &["fibers"]),
        (&["--servers", "nginx"], &["--servers: `nginx`"]),
    ];
    for (args, names) in cases {
        let (code, stdout, stderr, written) = footprint(args, "refused");
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(names.iter().all(|name| stderr.contains(name)), "{stderr}");
        assert!(stdout.is_empty() && written.is_none(), "nothing written");
    }
}

#[test]
fn a_hundred_idle_connections_to_hyper_cost_a_positive_number_of_bytes_each() {
    let written = table_of(&["--servers", "hyper", "--sizes", "100"], "servers");
    // | server | N | RSS before | RSS with N | per connection | rests on | …
    let cells = rows(&written, "hyper (tokio) | 100").pop().expect(&written);
    assert!(positive_bytes(cells[5]), "{written}");
    assert_eq!(cells[6], "tokio task", "{written}");
    assert!(!written.contains("# Memory per idle unit"), "{written}");
}

#[test]
fn an_out_that_cannot_be_written_is_refused_before_anything_is_measured() {
    let dir = std::env::temp_dir();
    let no_folder = "/proc/footprint-test/table.md";
    for out in [dir.to_str().unwrap(), no_folder] {
        let output = Command::new(env!("CARGO_BIN_EXE_footprint"))
            .args(["--units", "tokio", "--sizes", "100", "--out", out])
            .output()
            .expect("the footprint binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{out}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: --out {out}")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{out}: nothing measured");
    }
}
