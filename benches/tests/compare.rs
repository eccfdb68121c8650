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

#[test]
fn a_model_that_cannot_run_is_named_and_the_others_still_run() {
    use std::os::unix::process::CommandExt;
    // 96 open files at most, hard limit too: too few for 60 worker processes (two pipes each),
    // plenty for 60 timers or threads.
    let limit = libc::rlimit {
        rlim_cur: 96,
        rlim_max: 96,
    };
    let svg = std::env::temp_dir().join(format!("compare-limit-{}.svg", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compare"));
    cmd.args(["fetch", "--tasks", "60", "--delay-ms", "1", "--timeline"])
        .arg(&svg);
    // SAFETY: between fork and exec, setrlimit only changes this child's own limit.
    unsafe {
        cmd.pre_exec(move || match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
    let out = cmd.output().expect("compare runs");
    let _ = std::fs::remove_file(&svg);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "not every model ran: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("multiprocess could not run"), "{stderr}");
    let refused = stdout.lines().find(|l| l.starts_with("multiprocess "));
    assert!(
        refused.is_some_and(|l| l.contains("RLIMIT_NOFILE")),
        "{stdout}"
    );
    let ran = |model: &str| {
        stdout
            .lines()
            .any(|l| l.starts_with(model) && !l.contains("error"))
    };
    assert!(
        ran("threads ") && ran("async-concurrent (smol) "),
        "{stdout}"
    );
}

#[test]
fn failed_work_is_said_on_its_row_and_the_run_exits_1() {
    // A latency server (here, in the test) that resets every third request: --server is used as
    // given, and every model's requests 3, 6 and 9 fail.
    let mut config = latency::Config::new(std::time::Duration::from_millis(5));
    config.faults = latency::Faults {
        reset_every: 3,
        garble_every: 0,
    };
    let server = latency::Server::start_with(config).expect("a latency server");
    let addr = server.addr().to_string();
    let svg = std::env::temp_dir().join(format!("compare-failed-{}.svg", std::process::id()));
    let svg = svg.to_string_lossy().into_owned();
    let args = [
        "io",
        "--net",
        "--server",
        &addr,
        "--tasks",
        "10",
        "--delay-ms",
        "5",
    ];
    let out = compare(&[&args[..], &["--timeline", &svg]].concat());
    let _ = std::fs::remove_file(&svg);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "work failed: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stdout.contains(&format!("net via {addr}")), "{stdout}");
    let failed = stdout
        .lines()
        .filter(|l| l.ends_with("FAILED: 3 of 10 requests failed"));
    assert_eq!(failed.count(), 9, "every model's row: {stdout}");
}
