//! Why a model costs more than its bare primitive, where a profile says: one line per line of
//! the plan, shown on every row of the report where the model is more than 1.2 × its floor.
//! A row above 1.2 × with no reason here says so; add the reason when a profile gives one.

/// A task's extra in `spawn`, the same on every runtime.
const SCENARIO: &str = "the scenario's own structure: a context clone and two no-op event calls \
    per task, and the gather in input order (single samples of 40–100 µs at N = 100 are noise)";

/// tokio's zero sleep, on top.
const TICK: &str = "the scenario's own structure: a context clone and two no-op event calls per \
    task, and the gather in input order; a zero `sleep` waits for tokio's next 1 ms timer tick on \
    both sides, so below N = 1,000 the ratio is noise";

/// (workload, line, why) from the profiles in the README.
const REASONS: &[(&str, &str, &str)] = &[
    ("spawn", "async-concurrent (tokio)", TICK),
    ("spawn", "async-concurrent (tokio, multi-thread)", TICK),
    ("spawn", "async-concurrent (async-std)", SCENARIO),
    ("spawn", "async-concurrent (smol)", SCENARIO),
    (
        "io_timer",
        "async-concurrent (tokio)",
        "perf: tokio's timer wheel (10 %), run-queue push (7 %) and task-list removal (4.5 %); \
         the model adds two clock reads per request for its latency (3 %), moving its result \
         (3 %) and allocation (≈ 5 %)",
    ),
];

/// Why `line` of `workload` is far from its bare primitive, if a profile says.
pub fn why(workload: &str, line: &str) -> Option<&'static str> {
    let of =
        |&(w, l, why): &(&str, &str, &'static str)| (w == workload && l == line).then_some(why);
    REASONS.iter().find_map(of)
}

#[cfg(test)]
mod tests {
    use benches::plan::Workload;

    #[test]
    fn every_reason_names_a_line_of_the_plan() {
        for (w, l, _) in super::REASONS {
            let w = Workload::named(w).expect("a workload");
            assert!(w.line(l).is_some(), "{l} is not a line of {}", w.name);
        }
    }
}
