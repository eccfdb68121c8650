//! The `compare` command: every model on one scenario, a table and one stacked picture.

use std::process::{Command, Output};

use taskset::conformance::{Drawn, read_timeline};

fn compare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(args)
        .output()
        .expect("compare runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn gather_in_every_model() {
    let path = std::env::temp_dir().join(format!("compare-{}.svg", std::process::id()));
    let path_text = path.to_string_lossy().into_owned();
    // D long enough that starting three child processes on a busy machine still takes less: the
    // order is read from which task started before the first one finished.
    let out = compare(&["gather", "--delay-ms", "300", "--timeline", &path_text]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let row = |model: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{model} ")))
            .unwrap_or_else(|| panic!("a row for {model}: {stdout}"))
            .to_string()
    };
    for model in [
        "sync-basic",
        "async-sequential (tokio)",
        "async-sequential (smol)",
    ] {
        assert!(row(model).ends_with("one after another"), "{}", row(model));
    }
    for model in [
        "async-concurrent (tokio)",
        "async-concurrent (async-std)",
        "threads",
        "multiprocess",
    ] {
        assert!(row(model).ends_with("all at once"), "{}", row(model));
    }
    let svg = std::fs::read_to_string(&path).expect("the picture is written");
    let _ = std::fs::remove_file(&path);
    // Nine runs (five models, the async ones on three runtimes) of three tasks each.
    assert_eq!(
        read_timeline(&svg),
        Ok(Drawn {
            bars: 27,
            crosses: 0,
            stops: 0
        })
    );
    assert!(
        svg.contains("multiprocess · C"),
        "lanes are named by model and task"
    );
}

#[test]
fn an_unwritable_picture_is_refused_before_anything_runs() {
    let out = compare(&[
        "hello",
        "--delay-ms",
        "10",
        "--timeline",
        "/nonexistent/dir/x.svg",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/dir/x.svg"), "{stderr}");
    assert!(text(&out.stdout).is_empty(), "nothing ran");
}

#[test]
fn bad_input_is_refused() {
    for args in [
        &["nosuch"][..],
        &["gather", "--runtime", "smol"],
        &["--delay-ms", "5"],
    ] {
        let out = compare(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}
