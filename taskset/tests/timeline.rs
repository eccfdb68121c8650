//! Timelines are drawn from recorded events: lanes, ends and marks come out as recorded.

use std::time::Duration;

use taskset::conformance::{Drawn, read_timeline};
use taskset::timeline::{End, group, render};
use taskset::{Ctx, Output, Params, Scenario};

/// A recorded run: A finishes, B blocks then fails, C is stopped, D never ends.
fn recorded() -> Ctx {
    let ctx = Ctx::new(Params::of(Scenario::Gather), Output::Record);
    ctx.started("A");
    ctx.started("B");
    ctx.blocked("B");
    ctx.started("C");
    ctx.started("D");
    ctx.finished("A");
    ctx.failed("B", &"boom");
    ctx.timed_out("C");
    ctx.cancelled("C");
    ctx
}

#[test]
fn lanes_follow_the_events() {
    let ctx = recorded();
    let g = group("model", &ctx.events(), Duration::from_secs(1));
    let ends: Vec<(&str, End)> = g.lanes.iter().map(|l| (l.task.as_str(), l.how)).collect();
    assert_eq!(
        ends,
        [
            ("A", End::Done),
            ("B", End::Failed),
            ("C", End::Stopped),
            ("D", End::Open)
        ]
    );
    assert_eq!(g.lanes[1].blocked.len(), 1, "B's blocking mark");
    assert_eq!(
        g.lanes[3].end,
        Duration::from_secs(1),
        "an open lane runs to the end of the run"
    );
}

#[test]
fn phases_split_the_lanes() {
    let ctx = Ctx::new(Params::of(Scenario::Blocking), Output::Record);
    ctx.phase("stall: blocking sleeps");
    ctx.started("A");
    ctx.finished("A");
    ctx.phase("fix: spawn_blocking");
    ctx.started("A");
    ctx.finished("A");
    let g = group("model", &ctx.events(), Duration::from_secs(1));
    let names: Vec<&str> = g.lanes.iter().map(|l| l.task.as_str()).collect();
    assert_eq!(names, ["stall · A", "fix · A"]);
    assert_eq!(g.phases.len(), 2);
}

#[test]
fn stacked_groups_draw_every_lane() {
    let ctx = recorded();
    let g = group("model", &ctx.events(), Duration::from_millis(50));
    let path = std::env::temp_dir().join(format!("stacked-{}.svg", std::process::id()));
    render(&[g.clone(), g], "title", &path).expect("renders");
    let svg = std::fs::read_to_string(&path).expect("written");
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        read_timeline(&svg),
        Ok(Drawn {
            bars: 8,
            crosses: 2,
            stops: 2
        })
    );
    assert!(
        svg.contains("model · A"),
        "stacked lanes are prefixed with their model"
    );
}

#[test]
fn an_unwritable_path_is_an_error_not_a_panic() {
    let ctx = recorded();
    let g = group("model", &ctx.events(), Duration::from_millis(50));
    let err = render(&[g], "title", "/nonexistent/dir/x.svg".as_ref()).unwrap_err();
    assert!(err.contains("/nonexistent/dir/x.svg"), "{err}");
}

#[test]
fn jobs_are_marked_only_for_a_timeline() {
    let mut p = Params::of(Scenario::Io);
    let plain = Ctx::new(p.clone(), Output::Record);
    plain.job_started(1);
    plain.job_ended(1, true);
    assert!(
        plain.events().is_empty(),
        "no timeline asked for: nothing recorded"
    );
    p.timeline = Some("x.svg".into());
    let traced = Ctx::new(p, Output::Record);
    traced.job_started(1);
    traced.job_ended(1, false);
    let g = group("model", &traced.events(), Duration::from_secs(1));
    assert_eq!(g.lanes.len(), 1);
    assert_eq!(
        (g.lanes[0].task.as_str(), g.lanes[0].how),
        ("#1", End::Failed)
    );
}
