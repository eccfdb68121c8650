//! The `footprint` command at tiny sizes: it measures a positive RSS per unit for tasks and
//! threads (each beside its bare primitive), exits 0, and refuses an impossible size in one line
//! with exit status 2. Run with `cargo test -p benches --test footprint`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the footprint binary with `args`, its table written to a file of this test's own.
fn footprint(args: &[&str], out: &str) -> (Output, PathBuf) {
    let path = std::env::temp_dir().join(format!("footprint-test-{}-{out}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_footprint"))
        .args(args)
        .arg("--out")
        .arg(&path)
        .output()
        .expect("the footprint binary runs");
    (output, path)
}

/// `926 B`, `9.8 KiB`, `2.7 MiB` as bytes.
fn parse_bytes(cell: &str) -> f64 {
    let (number, unit) = cell.trim().split_once(' ').expect("a number and a unit");
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => panic!("unknown unit {other:?} in {cell:?}"),
    };
    number.parse::<f64>().expect("a number") * scale
}

/// The (held by, RSS per unit) of every row of the markdown table for `kind`.
fn rows(markdown: &str, kind: &str) -> Vec<(String, f64)> {
    markdown
        .lines()
        .filter(|l| l.starts_with(&format!("| {kind} |")))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            // | unit | held by | N | RSS delta | RSS per unit | …: cells[0] is before the first bar.
            (cells[2].to_string(), parse_bytes(cells[5]))
        })
        .collect()
}

/// Checks one small run: exit 0, a model row and a bare row, each with a positive figure.
fn check_small_run(unit: &str, n: &str, kind: &str) {
    let (output, path) = footprint(&["--units", unit, "--sizes", n], unit);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    let written = std::fs::read_to_string(&path).expect("the table was written");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.trim(),
        written.trim(),
        "stdout shows the table written"
    );
    let found = rows(&written, kind);
    assert_eq!(
        found.len(),
        2,
        "a bare row and a model row for {kind}: {written}"
    );
    assert!(
        found.iter().any(|(by, _)| by.starts_with("bare ")),
        "{written}"
    );
    for (by, per_unit) in found {
        assert!(per_unit > 0.0, "{by}: {per_unit} bytes per unit");
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
fn an_impossible_size_is_refused_in_one_line_with_status_2() {
    let (output, path) = footprint(&["--units", "tokio", "--sizes", "2000000"], "refused");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("--sizes") && stderr.contains("1000000"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert!(!path.exists(), "nothing written for a refused command line");
}

#[test]
fn an_unknown_unit_is_refused_in_one_line_with_status_2() {
    let (output, _) = footprint(&["--units", "fibers"], "unknown");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("fibers"), "{stderr}");
}

#[test]
fn a_server_name_that_matches_none_is_refused_in_one_line_with_status_2() {
    let (output, _) = footprint(&["--servers", "nginx"], "unknown-server");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("--servers: `nginx`"), "{stderr}");
}

#[test]
fn a_hundred_idle_connections_to_hyper_cost_a_positive_number_of_bytes_each() {
    let (output, path) = footprint(&["--servers", "hyper", "--sizes", "100"], "servers");
    let written = std::fs::read_to_string(&path).expect("the table was written");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    let row = written
        .lines()
        .find(|l| l.starts_with("| hyper (tokio) | 100 |"));
    let cells: Vec<&str> = row.expect(&written).split('|').map(str::trim).collect();
    // | server | N | RSS before | RSS with N | per connection | rests on | …
    assert!(parse_bytes(cells[5]) > 0.0, "{written}");
    assert_eq!(cells[6], "tokio task", "{written}");
    assert!(
        !written.contains("# Memory per idle unit"),
        "no unit table: {written}"
    );
}
