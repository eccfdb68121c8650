//! Timelines: a picture of what a model did, drawn from the same events the tests check.
//!
//! One lane per task, a bar from its start to its end, coloured by who ran it (a thread, an
//! executor worker, a child process), with marks where it blocked a thread, a cross where it
//! failed and a cut where it was stopped. Several models stack on one time axis, which is the
//! seed's whole lesson in one image: "B starts only after A finishes" against "both start, then
//! both finish". `--timeline FILE.svg` on any scenario writes one; `compare` stacks them all.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ctx::{Event, EventKind, MAX_LANES};

/// How a task's bar ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// It finished (or its data came back).
    Done,
    /// It returned an error.
    Failed,
    /// It panicked, or its thread or process died.
    Panicked,
    /// It was stopped: timed out, cancelled.
    Stopped,
    /// No end was recorded: it was still running when the run ended.
    Open,
}

/// One task of one run: when it ran, who ran it and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// The task name, prefixed by its phase where a run has several (`stall · A`).
    pub task: String,
    /// Who ran it: the worker of its first event, or of the thread it blocked.
    pub worker: String,
    /// When it started.
    pub start: Duration,
    /// When it ended (the run's end for an open lane).
    pub end: Duration,
    /// How it ended.
    pub how: End,
    /// When it began to block its thread.
    pub blocked: Vec<Duration>,
}

/// One run of one model, as lanes, with its phase boundaries.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Whose run: `async-concurrent (tokio)`.
    pub label: String,
    /// Its lanes, in the order the tasks started.
    pub lanes: Vec<Lane>,
    /// Phase starts (time, short title).
    pub phases: Vec<(Duration, String)>,
}

/// The short name of a phase: the words before its colon (`stall: …` → `stall`).
fn short(title: &str) -> String {
    title.split(':').next().unwrap_or(title).trim().to_string()
}

/// Turns a run's events into lanes: one per task and phase, in start order.
pub fn group(label: &str, events: &[Event], run_end: Duration) -> Group {
    let mut lanes: Vec<Lane> = Vec::new();
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    let mut phases = Vec::new();
    for e in events {
        if let EventKind::Phase(title) = &e.kind {
            phases.push((e.at, short(title)));
            open.clear();
            continue;
        }
        let Some(task) = e.task.clone() else { continue };
        let prefix = phases
            .last()
            .map(|(_, p)| format!("{p} · "))
            .unwrap_or_default();
        let end = match &e.kind {
            EventKind::Started | EventKind::Fetching | EventKind::Opened => {
                open.insert(task.clone(), lanes.len());
                lanes.push(Lane {
                    task: format!("{prefix}{task}"),
                    worker: e.worker.clone(),
                    start: e.at,
                    end: run_end,
                    how: End::Open,
                    blocked: Vec::new(),
                });
                continue;
            }
            EventKind::Blocked => {
                if let Some(&i) = open.get(&task) {
                    lanes[i].blocked.push(e.at);
                    // The thread that blocks is the one that does the task's work (after
                    // `spawn_blocking`, not the executor thread that started it).
                    lanes[i].worker = e.worker.clone();
                }
                continue;
            }
            EventKind::Finished | EventKind::Fetched | EventKind::Closed => End::Done,
            EventKind::Failed(_) => End::Failed,
            EventKind::Panicked(_) => End::Panicked,
            EventKind::TimedOut | EventKind::Cancelled => End::Stopped,
            _ => continue,
        };
        // The first end counts (a timeout is followed by its cancellation).
        if let Some(i) = open.remove(&task) {
            lanes[i].end = e.at;
            lanes[i].how = end;
        }
    }
    Group {
        label: label.to_string(),
        lanes,
        phases,
    }
}

/// Today's date (UTC), `2026-11-29`, for the picture's title.
pub fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The fill of a task bar; tests count bars by it.
pub const BAR_OPACITY: f64 = 0.85;
const RED: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Worker colours: the tab10 palette without its red, which marks failures.
const WORKER_COLORS: [RGBColor; 9] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
];
/// Width of the legend panel on the right.
const LEGEND_PX: u32 = 260;

/// Refuses, before a run, a timeline path that cannot be written: in one line, in our own words.
pub fn check_path(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("--timeline needs a file name, e.g. --timeline target/gather.svg".to_string());
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| {
            format!(
                "--timeline {}: cannot create the file ({e})",
                path.display()
            )
        })?;
    // Made only to try: a run refused later leaves nothing behind; the drawing makes it again.
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Draws `groups` stacked on one time axis into an SVG file at `path`; past [`MAX_LANES`] lanes,
/// every k-th lane of each group (the title should say so).
pub fn render(groups: &[Group], title: &str, path: &Path) -> Result<(), String> {
    let total: usize = groups.iter().map(|g| g.lanes.len()).sum();
    let stride = total.div_ceil(MAX_LANES as usize).max(1);
    let lanes: Vec<(String, &Lane)> = groups
        .iter()
        .flat_map(|g| {
            let prefix = if groups.len() > 1 {
                format!("{} · ", g.label)
            } else {
                String::new()
            };
            g.lanes
                .iter()
                .step_by(stride)
                .map(move |l| (format!("{prefix}{}", l.task), l))
        })
        .collect();
    let end = lanes.iter().map(|(_, l)| l.end).max().unwrap_or_default();
    let max_ms = (end.as_secs_f64() * 1e3 * 1.05).max(1.0);
    let label_px = lanes
        .iter()
        .map(|(t, _)| t.chars().count())
        .max()
        .unwrap_or(4) as u32
        * 7
        + 16;
    let workers: Vec<String> = {
        let mut w: Vec<String> = lanes.iter().map(|(_, l)| l.worker.clone()).collect();
        w.sort();
        w.dedup();
        w
    };
    let height = 110 + 26 * lanes.len() as u32 + 18 * workers.len().min(12) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, height.max(220))).into_drawing_area();
        draw(
            &root, &lanes, &workers, groups, stride, title, max_ms, label_px,
        )
        .and_then(|()| root.present())
        .map_err(|e| format!("cannot draw the timeline: {e}"))?;
    }
    std::fs::write(path, svg)
        .map_err(|e| format!("cannot write the timeline to {}: {e}", path.display()))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

#[allow(clippy::too_many_arguments)]
fn draw(
    root: &Area<'_>,
    lanes: &[(String, &Lane)],
    workers: &[String],
    groups: &[Group],
    stride: usize,
    title: &str,
    max_ms: f64,
    label_px: u32,
) -> DrawResult {
    root.fill(&WHITE)?;
    let n = lanes.len().max(1) as u32;
    let (width, _) = root.dim_in_pixel();
    let (plot, legend) = root.split_horizontally(width - LEGEND_PX);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(label_px)
        .build_cartesian_2d(0f64..max_ms, (0u32..n - 1).into_segmented())?;
    let names: Vec<&str> = lanes.iter().map(|(t, _)| t.as_str()).collect();
    chart
        .configure_mesh()
        .x_desc("ms since the scenario began")
        .y_labels(n as usize)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(r) if *r < n => {
                names.get((n - 1 - r) as usize).unwrap_or(&"").to_string()
            }
            _ => String::new(),
        })
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_labels(12)
        .draw()?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // The first task on top: lane i is drawn in row n-1-i (plotters counts rows upwards).
    let row = |i: usize| n - 1 - i as u32;
    let color = |w: &str| {
        let i = workers.iter().position(|x| x == w).unwrap_or(0);
        WORKER_COLORS[i % WORKER_COLORS.len()]
    };
    // One series per worker, so the legend says who ran which bar.
    for worker in workers {
        let bars = lanes
            .iter()
            .enumerate()
            .filter(|(_, (_, l))| &l.worker == worker)
            .map(|(i, (_, l))| {
                let (y0, y1) = (SegmentValue::Exact(row(i)), SegmentValue::Exact(row(i) + 1));
                let style = color(worker).mix(BAR_OPACITY).filled();
                let mut bar = Rectangle::new(
                    [(ms(l.start), y0), (ms(l.end).max(ms(l.start) + 0.5), y1)],
                    style,
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            });
        chart.draw_series(bars)?;
    }
    for (i, (_, lane)) in lanes.iter().enumerate() {
        let y = || SegmentValue::CenterOf(row(i));
        let at = ms(lane.end);
        match lane.how {
            End::Failed | End::Panicked => {
                chart.draw_series([Cross::new((at, y()), 7, RED.stroke_width(3))])?;
            }
            End::Stopped => {
                let (y0, y1) = (SegmentValue::Exact(row(i)), SegmentValue::Exact(row(i) + 1));
                chart.draw_series([PathElement::new([(at, y0), (at, y1)], RED.stroke_width(4))])?;
            }
            End::Done | End::Open => {}
        }
        let marks = lane
            .blocked
            .iter()
            .map(|b| TriangleMarker::new((ms(*b), y()), 5, BLACK.filled()));
        chart.draw_series(marks)?;
    }
    // Phase boundaries across their own model's rows only, and a line between two models.
    let mut top = n;
    for (k, g) in groups.iter().enumerate() {
        let bottom = top - g.lanes.len().div_ceil(stride) as u32;
        for (at, name) in &g.phases {
            let x = ms(*at);
            let line = [
                (x, SegmentValue::Exact(bottom)),
                (x, SegmentValue::Exact(top)),
            ];
            chart.draw_series([PathElement::new(line, BLACK.mix(0.5).stroke_width(2))])?;
            let label = (x + max_ms / 200.0, SegmentValue::Exact(top));
            chart.draw_series([Text::new(name.clone(), label, ("sans-serif", 11))])?;
        }
        if k + 1 < groups.len() {
            let line = [
                (0.0, SegmentValue::Exact(bottom)),
                (max_ms, SegmentValue::Exact(bottom)),
            ];
            chart.draw_series([PathElement::new(line, BLACK.stroke_width(1))])?;
        }
        top = bottom;
    }
    draw_legend(&legend, workers, &color)
}

/// The legend panel: who ran the bars (a thread, an executor worker, a process).
fn draw_legend(
    area: &Area<'_>,
    workers: &[String],
    color: &dyn Fn(&str) -> RGBColor,
) -> DrawResult {
    area.draw(&Text::new("who ran each task", (8, 40), ("sans-serif", 13)))?;
    for (i, worker) in workers.iter().enumerate().take(12) {
        let y = 62 + 18 * i as i32;
        area.draw(&Rectangle::new(
            [(8, y), (22, y + 11)],
            color(worker).filled(),
        ))?;
        area.draw(&Text::new(worker.clone(), (28, y), ("sans-serif", 12)))?;
    }
    let shown = workers.len().min(12) as i32;
    if workers.len() > 12 {
        let more = format!("… {} more", workers.len() - 12);
        area.draw(&Text::new(more, (28, 62 + 18 * shown), ("sans-serif", 12)))?;
    }
    let keys = [
        "bar: the task, start to end",
        "▲ it blocks its thread here",
        "✕ it failed or panicked",
        "red bar end: it was stopped",
    ];
    for (i, key) in keys.iter().enumerate() {
        let y = 62 + 18 * (shown + 1 + i as i32);
        area.draw(&Text::new(*key, (8, y), ("sans-serif", 12)))?;
    }
    Ok(())
}
