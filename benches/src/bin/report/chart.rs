//! The charts: one picture per workload, against N on log-log axes, beside the ideal (thin grey):
//! the time of one iteration where the ideal is a wait (io, blocking), else the time per unit. Each model is
//! one solid line in the colour it has in every picture; its bare primitive is dashed in the same
//! colour (grey where one floor serves several models); the stall of `blocking` is dotted; the
//! seed's Python is black and dotted. The legend names each model once, its floor beneath it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use benches::plan::{
    self, ALL, C_ALL, Ideal, Kind, Line, Model, SERVE_DELAYS, SERVERS, Workload, count, fmt_ns,
};
use benches::serve::{Handler, Run};

use crate::data::{self, Results};
use crate::python::{Python, SEED};
use Stroke::{Dashed, Dotted, Solid, Thin};

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 640;
const LEGEND: u32 = 400;
/// The floor of several models at once (cpu's `thread::scope`), and the ideal.
const SHARED: RGBColor = RGBColor(90, 90, 90);
const IDEAL: RGBColor = RGBColor(170, 170, 170);
const GREY: RGBColor = RGBColor(110, 110, 110);

/// A colour per model, the same in every picture (tab10, and a light orange for thread-per-core
/// beside tokio's, in [`Model::ALL`] order).
#[rustfmt::skip]
fn colour(m: Model) -> RGBColor {
    const PALETTE: [(u8, u8, u8); 11] = [(127, 127, 127), (188, 189, 34), (214, 39, 40), (255, 127, 14),
        (140, 86, 75), (255, 187, 120), (31, 119, 180), (44, 160, 44), (148, 103, 189), (23, 190, 207),
        (227, 119, 194)];
    let (r, g, b) = PALETTE[Model::ALL.iter().position(|x| *x == m).expect("a model of the plan")];
    RGBColor(r, g, b)
}

/// How a series is stroked: 2 px solid, dashed or dotted, or the ideal's thin 1 px.
#[derive(Clone, Copy, PartialEq)]
enum Stroke {
    Solid,
    Dashed,
    Dotted,
    Thin,
}

/// One line of a picture, and its entry in the legend (indented: drawn under its model's).
struct Series {
    name: String,
    colour: RGBColor,
    stroke: Stroke,
    indent: bool,
    points: Vec<(f64, f64)>,
}

impl Series {
    /// A series, its legend entry indented under the one above if `indent`.
    fn new(name: &str, style: (RGBColor, Stroke), indent: bool, points: Vec<(f64, f64)>) -> Self {
        let ((colour, stroke), name) = (style, name.to_string());
        Series {
            name,
            colour,
            stroke,
            indent,
            points,
        }
    }

    /// Draws its stroke through `at` on `on`: the plot's coordinates, or the legend's pixels.
    fn path<C: CoordTranslate<From: Clone>>(
        &self,
        on: &Area<'_, C>,
        at: Vec<C::From>,
    ) -> Result<()> {
        let width = if self.stroke == Thin { 1 } else { 2 };
        let style = self.colour.stroke_width(width);
        match self.stroke {
            Solid | Thin => on.draw(&PathElement::new(at, style))?,
            Dashed => on.draw(&DashedPathElement::new(at, 9, 6, style))?,
            Dotted => on.draw(&DashedPathElement::new(at, 2, 4, style))?,
        }
        Ok(())
    }
}

/// A measured line: one size only (sequential I/O at N = 1) is in the tables, not a line.
fn line(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() > 1 { points } else { Vec::new() }
}

/// An area of a picture: in pixels, or in a plot's coordinates.
type Area<'a, C = Shift> = DrawingArea<SVGBackend<'a>, C>;

/// A picture: file name, title, subtitle, width; plots side by side (y axis, series) on one x axis
/// (name, keys) and y labels; the legend's notes (the legend names the last plot's series).
struct Picture {
    name: &'static str,
    title: String,
    sub: String,
    wide: u32,
    x: (&'static str, Vec<u64>),
    label: fn(&f64) -> String,
    plots: Vec<(String, Vec<Series>)>,
    notes: &'static [Note],
}

/// Writes `chart-<workload>.svg` per workload with results and `chart-serve.svg` into `dir`.
pub fn draw_all(
    results: &Results,
    py: Option<&Python>,
    run: Option<&Run>,
    dir: &Path,
    stamp: &str,
) -> Result<Vec<PathBuf>> {
    let pictures = ALL.iter().map(|w| workload(results, py, w, stamp));
    let mut written = Vec::new();
    for p in pictures.chain(run.map(|run| serve(run, stamp))) {
        let mut all = p.plots.iter().flat_map(|(_, series)| series);
        if all.any(|s| !s.points.is_empty()) {
            let path = dir.join(format!("chart-{}.svg", p.name));
            draw(&p, &path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The picture of workload `w`: its [`series`] against N.
fn workload(results: &Results, py: Option<&Python>, w: &Workload, stamp: &str) -> Picture {
    let y = match w.ideal {
        Ideal::Wait => "time of one iteration (all N)".to_string(),
        _ => format!("time per {}", w.unit),
    };
    Picture {
        name: w.name,
        title: format!("{} — {}", w.name, w.about),
        sub: format!("criterion's median {y} against N, log-log · {stamp}"),
        wide: WIDTH,
        x: ("N", w.sizes()),
        label: |v| fmt_ns(*v),
        plots: vec![(y, series(results, py, w))],
        notes: &NOTES,
    }
}

/// The lines of `w`: each model, its own floor beneath it, then its stall; shared floors, the
/// ideal and the seed's Python last.
fn series(results: &Results, py: Option<&Python>, w: &Workload) -> Vec<Series> {
    let drawn = |l: &Line| line(data::drawn(w, results.of(w, l.id)));
    let of = |l: &Line, style, indent| Series::new(l.id, style, indent, drawn(l));
    let (mut all, mut shared) = (Vec::new(), Vec::<&Line>::new());
    for m in Model::ALL {
        let mut of_model: Vec<&Line> = w.lines.iter().filter(|l| l.model == Some(m)).collect();
        of_model.sort_by_key(|l| l.kind == Kind::Stall);
        for (i, l) in of_model.iter().enumerate() {
            let dotted = l.kind == Kind::Stall;
            let stroke = if dotted { Dotted } else { Solid };
            all.push(of(l, (colour(m), stroke), i > 0));
            match w.bare_of(l) {
                Some(bare) if w.floor_of(bare).len() == 1 => {
                    all.push(of(bare, (colour(m), Dashed), true))
                }
                Some(bare) if !shared.iter().any(|s| s.id == bare.id) => shared.push(bare),
                _ => {}
            }
        }
    }
    for bare in shared {
        all.push(of(bare, (SHARED, Dashed), false));
    }
    let conc: Vec<&Line> = w.lines.iter().filter(|l| l.kind == Kind::Conc).collect();
    if let Some(first) = conc.first().filter(|_| w.ideal != Ideal::None) {
        let ran = conc.iter().flat_map(|l| results.of(w, l.id));
        let sizes: BTreeSet<u64> = ran.map(|(n, _)| n).collect();
        let ideal = |n| Some((n, data::ideal(results, w, first, n)?));
        let points = data::drawn(w, sizes.into_iter().filter_map(ideal));
        let name = match w.ideal {
            Ideal::Cores => format!("ideal: sync-basic / {} cores", plan::cores()),
            _ => format!("ideal: D = {}, all at once", plan::fmt(w.delay)),
        };
        all.push(Series::new(&name, (IDEAL, Thin), false, points));
    }
    if let Some(points) = py.map(|py| py.points(w)).filter(|p| p.len() > 1) {
        let points = data::drawn(w, points.iter().map(|&(n, s)| (n, s * 1e9)));
        all.push(Series::new(SEED, (BLACK, Dotted), false, points));
    }
    all
}

/// The serve picture: requests/s against C at D = 0 and at D = 100 ms, side by side, with the
/// ideal C / D; the models solid (dotted where they serve one or P at a time), hyper grey dashed,
/// FastAPI black dashed (dotted: its blocking handler).
fn serve(run: &Run, stamp: &str) -> Picture {
    let plot = |d| {
        let y = match d {
            0 => "requests/s at D = 0 (the server's own cost)".to_string(),
            d => format!("requests/s at D = {d} ms (ideal C / D)"),
        };
        (y, serve_series(run, d))
    };
    let title =
        "serve — requests/s against C keep-alive connections, each server in its own process";
    let seconds = run.seconds;
    Picture {
        name: "serve",
        title: title.to_string(),
        sub: format!("latency::load, {seconds} s per point, log-log · {stamp}"),
        wide: WIDTH + 300,
        x: ("C", C_ALL.to_vec()),
        label: |v| count(v.round() as u64),
        plots: SERVE_DELAYS.map(plot).into(),
        notes: &SERVE_NOTES,
    }
}

/// The lines of the serve picture at D = `d` ms, in plan order, then the ideal.
fn serve_series(run: &Run, d: u64) -> Vec<Series> {
    let mut all = Vec::new();
    for s in SERVERS {
        let at = |&c: &u64| Some((c as f64, run.at(s.id, c, Handler::Wait(d))?.rps));
        let style = match (s.model, s.kind) {
            (Some(m), Kind::Conc) => (colour(m), Solid),
            (Some(m), _) => (colour(m), Dotted),
            (None, Kind::Bare) => (SHARED, Dashed),
            (None, Kind::Stall) => (BLACK, Dotted),
            (None, _) => (BLACK, Dashed),
        };
        let points = line(s.conns.iter().filter_map(at).collect());
        all.push(Series::new(s.id, style, false, points));
    }
    if d > 0 {
        let points = C_ALL.map(|c| (c as f64, c as f64 * 1e3 / d as f64));
        let name = format!("ideal: C / D, D = {d} ms");
        all.push(Series::new(&name, (IDEAL, Thin), false, points.into()));
    }
    all
}

/// The round values of a decade, for the ends and the finest ticks of a log axis.
const ROUND: [f64; 8] = [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0];

/// The round value ([`ROUND`] × 10^k) at or below `v` (`down`), or at or above it.
fn snap(v: f64, down: bool) -> f64 {
    let e = 10f64.powf(v.log10().floor());
    let mut steps = ROUND.iter().chain(&[10.0]).map(|s| s * e);
    let found = match down {
        true => steps.rev().find(|s| *s <= v * 1.0001),
        false => steps.find(|s| *s >= v * 0.9999),
    };
    found.unwrap_or(v)
}

/// Tick values on a log axis from `lo` to `hi`: powers of ten, or 1-2-5, or finer, whichever
/// first gives at least four.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = lo.log10().floor() as i32..=hi.log10().ceil() as i32;
    let mut found = Vec::new();
    for step in [&[1.0][..], &[1.0, 2.0, 5.0], &ROUND] {
        let all = decades
            .clone()
            .flat_map(|e| step.iter().map(move |s| s * 10f64.powi(e)));
        found = all.filter(|v| (lo..=hi).contains(v)).collect();
        if found.len() >= 4 {
            break;
        }
    }
    found
}

/// One picture: the title on top, the plots side by side on the left, the legend on the right.
/// The file is written when its last area is dropped, at the end.
fn draw(p: &Picture, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (p.wide, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(60);
    top.draw(&Text::new(p.title.as_str(), (16, 10), ("sans-serif", 20)))?;
    let grey = ("sans-serif", 14).into_font().color(&GREY);
    top.draw(&Text::new(p.sub.as_str(), (16, 36), grey))?;
    let (plots, legend) = body.split_horizontally(p.wide - LEGEND);
    let areas = plots.split_evenly((1, p.plots.len()));
    for ((y, series), area) in p.plots.iter().zip(areas) {
        plot(&area, p, y, series)?;
    }
    key(&legend, &p.plots[p.plots.len() - 1].1, p.notes)
}

/// One plot of `p`, log-log, its y axis `y`: each series in its stroke, a dot at each size.
fn plot(area: &Area<'_>, p: &Picture, y: &str, series: &[Series]) -> Result<()> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in series.iter().flat_map(|s| &s.points) {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let keys = p.x.1.iter().map(|&n| n as f64);
    let xs: Vec<f64> = keys.filter(|n| (x0..=x1).contains(n)).collect();
    let (y0, y1) = (snap(y0 / 1.1, true), snap(y1 * 1.1, false));
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(46)
        .y_label_area_size(84)
        .build_cartesian_2d(
            (x0 / 1.4..x1 * 1.4).log_scale().with_key_points(xs),
            (y0..y1).log_scale().with_key_points(ticks(y0, y1)),
        )?;
    chart
        .configure_mesh()
        .x_desc(p.x.0)
        .y_desc(y)
        .x_label_formatter(&|v| count(v.round() as u64))
        .y_label_formatter(&p.label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    let area = chart.plotting_area();
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        s.path(area, s.points.clone())?;
        if s.stroke != Thin {
            for &at in &s.points {
                area.draw(&Circle::new(at, 3, s.colour.filled()))?;
            }
        }
    }
    Ok(())
}

/// How to read the serve picture's strokes.
#[rustfmt::skip]
const SERVE_NOTES: [Note; 5] = [
    (|s| s.stroke == Solid, "solid: holds every connection at once"),
    (|s| s.stroke == Dotted, "dotted: one (or P) at a time, or a blocked loop"),
    (|s| s.colour == SHARED, "grey dashed: hyper, the anchor"),
    (|s| s.colour == BLACK, "black: FastAPI under uvicorn, the seed's framework"),
    (|_| true, "dots: the connection counts measured"),
];

/// A line under the legend, shown when a drawn series is of its kind.
type Note = (fn(&Series) -> bool, &'static str);

/// How to read the workloads' strokes.
#[rustfmt::skip]
const NOTES: [Note; 6] = [
    (|_| true, "solid: a model, run through its own library"),
    (|_| true, "dashed: its bare primitive, in its colour"),
    (|s| s.colour == SHARED, "grey dashed: the floor of several models"),
    (|s| s.name.ends_with("stall"), "dotted: the stall, a blocking call on the loop"),
    (|s| s.colour == BLACK, "black dotted: the seed's Python asyncio"),
    (|_| true, "dots: the sizes measured"),
];

/// The legend: every series with its stroke, models once each; then how to read the strokes.
fn key(area: &Area<'_>, series: &[Series], notes: &[Note]) -> Result<()> {
    let mut y = 24;
    for s in series {
        let x = if s.indent { 28 } else { 8 };
        s.path(area, vec![(x, y + 8), (x + 30, y + 8)])?;
        let (name, ink) = match s.points.is_empty() {
            true => (format!("{} (one size: in the tables)", s.name), &GREY),
            false => (s.name.clone(), &BLACK),
        };
        let font = ("sans-serif", 14).into_font().color(ink);
        area.draw(&Text::new(name, (x + 38, y + 1), font))?;
        y += 21;
    }
    let drawn = |f: &fn(&Series) -> bool| series.iter().any(|s| f(s) && !s.points.is_empty());
    for (i, (_, note)) in notes.iter().filter(|(f, _)| drawn(f)).enumerate() {
        let font = ("sans-serif", 13).into_font().color(&GREY);
        let at = (8, y + 16 + 18 * i as i32);
        area.draw(&Text::new(note.to_string(), at, font))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use benches::plan::SPAWN;

    #[test]
    fn a_narrow_axis_still_gets_four_ticks_or_more_and_round_ends() {
        assert_eq!(ticks(3.9e6, 12.5e6), vec![4e6, 5e6, 6e6, 8e6, 1e7]);
        assert_eq!(ticks(90.0, 2e6).len(), 5, "decades: powers of ten");
        let snapped = (snap(140.0, true), snap(3.3e6, false), snap(91e6, true));
        assert_eq!(snapped, (100.0, 4e6, 80e6));
    }

    #[test]
    fn each_model_keeps_its_colour_and_its_floor_follows_it() {
        let mut r = Results::default();
        for n in [100, 1000] {
            r.insert(&SPAWN, "async-concurrent (smol)", n, n as f64 * 600.0);
            let bare = "bare smol Executor::spawn (1 thread)";
            r.insert(&SPAWN, bare, n, n as f64 * 300.0);
        }
        let all = series(&r, None, &SPAWN);
        let at = all.iter().position(|s| s.name == "async-concurrent (smol)");
        let (model, bare) = (&all[at.unwrap()], &all[at.unwrap() + 1]);
        assert!(bare.name.starts_with("bare smol") && bare.indent && bare.stroke == Dashed);
        assert!(model.colour == bare.colour && model.colour == colour(Model::Smol));
        assert_eq!(model.points, vec![(100.0, 600.0), (1000.0, 600.0)]);
    }
}
