//! The `report` command's refusals: a bad flag, or a directory without results, is one line and
//! exit status 2, before anything is written. Run with `cargo test -p benches --test report`.

use std::process::Command;

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let missing = std::env::temp_dir().join(format!("report-test-none-{}", std::process::id()));
    let missing = missing.to_string_lossy().into_owned();
    for args in [
        &["--bogus"][..],
        &["--criterion-dir"],
        &["--criterion-dir", &missing],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_report"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
