//! The chart: one panel per workload, time per unit against N on log-log axes, one line per model
//! (solid), its bare primitive in the same colour (dashed), the seed's Python in black (dotted).

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use benches::plan::{Role, Workload, id};

use crate::data::{Results, rows};
use crate::python::Python;

/// One line of a panel: its name, what it is, and its (N, time per unit) points.
type Series = (String, Role, Vec<(f64, f64)>);

const WIDTH: u32 = 1800;
const HEIGHT: u32 = 1500;

/// A colour per family of lines: the same runtime or model keeps its colour across the panels.
fn colour(line: &str) -> RGBColor {
    let palette = [
        (id::SYNC, RGBColor(120, 120, 120)),
        ("async-sequential", RGBColor(188, 189, 34)),
        ("tokio, multi", RGBColor(255, 127, 14)),
        ("tokio, current", RGBColor(140, 86, 75)),
        ("tokio", RGBColor(214, 39, 40)),
        ("async_std", RGBColor(31, 119, 180)),
        ("async-std", RGBColor(31, 119, 180)),
        ("smol", RGBColor(44, 160, 44)),
        ("spawn_blocking", RGBColor(214, 39, 40)),
        ("unblock", RGBColor(44, 160, 44)),
        ("rayon", RGBColor(23, 190, 207)),
        ("thread", RGBColor(148, 103, 189)),
        ("scope", RGBColor(148, 103, 189)),
        ("multiprocess", RGBColor(227, 119, 194)),
        ("Command", RGBColor(227, 119, 194)),
    ];
    palette
        .iter()
        .find(|(key, _)| line.contains(key))
        .map_or(BLACK, |(_, c)| *c)
}

/// Draws the five panels and the key into an SVG at `path`.
pub fn draw(results: &Results, py: Option<&Python>, title: &str, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let (top, body) = root.split_vertically(44);
    top.draw(&Text::new(title.to_string(), (16, 12), ("sans-serif", 22)))
        .map_err(|e| anyhow!("{e}"))?;
    let panels = body.split_evenly((2, 3));
    for (w, area) in Workload::ALL.iter().zip(&panels) {
        panel(results, py, *w, area).map_err(|e| anyhow!("{}: {e}", w.name()))?;
    }
    key(&panels[5]).map_err(|e| anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

/// One workload: every measured line's time per unit against N.
fn panel<DB: DrawingBackend>(
    results: &Results,
    py: Option<&Python>,
    w: Workload,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let rows = rows(results, w);
    let mut series: Vec<Series> = Vec::new();
    for line in w.lines() {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.line.id == line.id)
            .map(|r| (r.n as f64, r.per_unit()))
            .collect();
        // A line measured at one size only (sync-basic's one request) is a point, not a line.
        if points.len() > 1 {
            series.push((line.id.to_string(), line.role, points));
        }
    }
    let python = match (w, py) {
        (Workload::Spawn, Some(py)) => &py.spawn[..],
        (Workload::IoTimer, Some(py)) => &py.io_timer[..],
        _ => &[],
    };
    if python.len() > 1 {
        let points = python
            .iter()
            .map(|&(n, s)| (n as f64, s * 1e9 / n as f64))
            .collect();
        series.push(("python asyncio (the seed)".into(), Role::Baseline, points));
    }
    let all = series.iter().flat_map(|(_, _, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let area = area.margin(8, 8, 8, 8);
    if series.is_empty() {
        let msg = format!("{}: no results", w.name());
        return area.draw(&Text::new(msg, (20, 20), ("sans-serif", 16)));
    }
    // The key goes under the chart, where it hides no line.
    let (area, below) = area.split_vertically(area.dim_in_pixel().1 * 68 / 100);
    let mut chart = ChartBuilder::on(&area)
        .caption(format!("{} — {}", w.name(), w.about()), ("sans-serif", 14))
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (x0 / 1.5..x1 * 1.5).log_scale(),
            (y0 / 2.0..y1 * 3.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("N")
        .y_desc(format!("time per {}", w.unit()))
        .y_label_formatter(&|v| benches::plan::fmt_ns(*v))
        .x_label_formatter(&|v| format!("{v}"))
        .x_labels(12)
        .y_labels(12)
        .label_style(("sans-serif", 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (i, (name, role, points)) in series.iter().enumerate() {
        let c = colour(name);
        let python = name.starts_with("python");
        let style = if python {
            BLACK.stroke_width(2)
        } else {
            c.stroke_width(2)
        };
        let dash = match (role, python) {
            (_, true) => Some((2, 4)),
            (Role::Bare, _) => Some((8, 5)),
            _ => None,
        };
        match dash {
            Some((size, gap)) => {
                chart.draw_series(DashedLineSeries::new(points.clone(), size, gap, style))?
            }
            None => chart.draw_series(LineSeries::new(points.clone(), style))?,
        };
        let marker = if python { BLACK } else { c };
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 2, marker.filled())))?;
        // Its entry in the key: two columns under the chart.
        let (col, row) = ((i % 2) as i32, (i / 2) as i32);
        let (x, y) = (70 + col * 270, 8 + row * 17);
        let sample = match dash {
            Some(_) => vec![(x, y + 6), (x + 8, y + 6)],
            None => vec![(x, y + 6), (x + 22, y + 6)],
        };
        below.draw(&PathElement::new(sample, style))?;
        if dash.is_some() {
            below.draw(&PathElement::new(
                vec![(x + 14, y + 6), (x + 22, y + 6)],
                style,
            ))?;
        }
        below.draw(&Text::new(name.clone(), (x + 28, y), ("sans-serif", 12)))?;
    }
    Ok(())
}

/// The sixth panel: how to read the lines.
fn key<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let text = [
        "How to read the panels",
        "",
        "x: N, the units started in one iteration (log scale)",
        "y: median time of one iteration / N (log scale)",
        "",
        "solid: a model, run through its own library",
        "dashed: its bare primitive (spawn + join, timers, sockets)",
        "dotted black: the seed's Python asyncio",
        "dots: the sizes measured",
        "",
        "Where everything waits at once, time per unit falls as 1/N:",
        "the line slopes down until spawning costs more than waiting.",
        "A model above its dashed line pays for its own overhead.",
        "",
        "Colours: red tokio · orange tokio multi-thread (spawn)",
        "blue async-std · green smol · purple threads",
        "cyan rayon · pink multiprocess · grey sync-basic",
        "olive async-sequential (tokio)",
    ];
    for (i, line) in text.iter().enumerate() {
        let size = if i == 0 { 16 } else { 13 };
        area.draw(&Text::new(
            line.to_string(),
            (30, 30 + 22 * i as i32),
            ("sans-serif", size),
        ))?;
    }
    Ok(())
}
