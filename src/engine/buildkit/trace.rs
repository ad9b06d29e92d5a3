//! BuildKit's progress (`moby.buildkit.trace` status messages) as text: `#N` blocks like
//! `docker compose build --progress=plain` prints, or one line per finished step on a terminal.
//! Step names carry the service, as the reference prefixes them: `[app 2/3] RUN make`.

use std::collections::HashMap;
use std::fmt::Write;

use bollard::grpc::build::moby::buildkit::v1::{StatusResponse, Vertex, VertexLog, VertexStatus};
use bollard_buildkit_proto::google::protobuf::Timestamp;

/// How build progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `#N` blocks with statuses and logs.
    Plain,
    /// One `=> name  0.3s` line per finished step; the logs of a failed step.
    Steps,
    Quiet,
}

#[derive(Debug, Default)]
struct Step {
    /// `#N`, numbered in the order steps are first shown; 0 until then.
    index: usize,
    name: String,
    started: Option<f64>,
    finished: bool,
    /// Status lines already printed as done, by id.
    statuses_done: Vec<String>,
    /// Log text of the step, kept for the terminal style's report of a failure.
    logs: String,
}

/// The printer's state over a build's trace messages.
pub struct Trace {
    style: Style,
    service: String,
    steps: HashMap<String, Step>,
    /// The step whose lines were printed last: another one's lines start a new block.
    current: Option<String>,
}

impl Trace {
    pub fn new(style: Style, service: &str) -> Trace {
        Trace {
            style,
            service: service.to_string(),
            steps: HashMap::new(),
            current: None,
        }
    }

    /// The text for one status message.
    pub fn render(&mut self, status: &StatusResponse) -> String {
        let mut out = String::new();
        if self.style == Style::Quiet {
            return out;
        }
        for v in &status.vertexes {
            self.vertex(v, false, &mut out);
        }
        for s in &status.statuses {
            self.status(s, &mut out);
        }
        for l in &status.logs {
            self.log(l, &mut out);
        }
        // Outcomes last: a step's statuses and logs in the same message belong before them.
        for v in &status.vertexes {
            self.vertex(v, true, &mut out);
        }
        out
    }

    fn step(&mut self, digest: &str) -> &mut Step {
        self.steps.entry(digest.to_string()).or_default()
    }

    /// A step's start, or with `outcome` its end, once each.
    fn vertex(&mut self, v: &Vertex, outcome: bool, out: &mut String) {
        let name = prefixed(&self.service, &v.name);
        let step = self.step(&v.digest);
        step.name = name;
        if let Some(t) = &v.started {
            step.started = Some(seconds(t));
        }
        let finished = v.completed.is_some() || v.cached;
        if step.finished || v.started.is_none() && !finished || outcome != finished {
            return;
        }
        let duration = match (&v.started, &v.completed) {
            (Some(s), Some(c)) => seconds_between(s, c),
            _ => 0.0,
        };
        match self.style {
            Style::Plain => {
                self.enter(&v.digest, out);
                let step = self.step(&v.digest);
                if !outcome {
                    return;
                }
                step.finished = true;
                let index = step.index;
                let _ = if !v.error.is_empty() {
                    writeln!(out, "#{index} ERROR: {}", v.error)
                } else if v.cached {
                    writeln!(out, "#{index} CACHED")
                } else {
                    writeln!(out, "#{index} DONE {duration:.1}s")
                };
            }
            Style::Steps if outcome => {
                let step = self.step(&v.digest);
                step.finished = true;
                let name = step.name.clone();
                let _ = if !v.error.is_empty() {
                    writeln!(out, " => ERROR {name} {duration:.1}s")
                } else if v.cached {
                    writeln!(out, " => CACHED {name}")
                } else {
                    writeln!(out, " => {name} {duration:.1}s")
                };
                if !v.error.is_empty() {
                    failure_report(&name, &step.logs, &v.error, out);
                }
            }
            Style::Steps | Style::Quiet => {}
        }
    }

    /// Makes `digest` the step being printed: a new block, headed `#N name`, when it was not.
    fn enter(&mut self, digest: &str, out: &mut String) {
        if self.current.as_deref() == Some(digest) {
            return;
        }
        if self.current.is_some() {
            out.push('\n');
        }
        self.current = Some(digest.to_string());
        let next = self.steps.values().filter(|s| s.index > 0).count() + 1;
        let step = self.step(digest);
        if step.index == 0 {
            step.index = next;
        }
        let _ = writeln!(out, "#{} {}", step.index, step.name);
    }

    fn status(&mut self, s: &VertexStatus, out: &mut String) {
        if self.style != Style::Plain {
            return;
        }
        let step = self.step(&s.vertex);
        if s.completed.is_none() || step.statuses_done.contains(&s.id) {
            return;
        }
        step.statuses_done.push(s.id.clone());
        let mut line = s.id.clone();
        if s.total != 0 {
            let _ = write!(line, " {} / {}", human_size(s.current), human_size(s.total));
        } else if s.current != 0 {
            let _ = write!(line, " {}", human_size(s.current));
        }
        if let (Some(start), Some(end)) = (&s.started, &s.completed) {
            let _ = write!(line, " {:.1}s", seconds_between(start, end));
        }
        self.enter(&s.vertex, out);
        let index = self.step(&s.vertex).index;
        let _ = writeln!(out, "#{index} {line} done");
    }

    fn log(&mut self, l: &VertexLog, out: &mut String) {
        let text = String::from_utf8_lossy(&l.msg).into_owned();
        let style = self.style;
        let step = self.step(&l.vertex);
        step.logs.push_str(&text);
        if style != Style::Plain {
            return;
        }
        let at = match (step.started, &l.timestamp) {
            (Some(start), Some(t)) => (seconds(t) - start).max(0.0),
            _ => 0.0,
        };
        self.enter(&l.vertex, out);
        let index = self.step(&l.vertex).index;
        for line in text.lines() {
            let _ = writeln!(out, "#{index} {at:.3} {line}");
        }
    }
}

/// The logs of a failed step, framed as the reference frames them on a terminal.
fn failure_report(name: &str, logs: &str, error: &str, out: &mut String) {
    let _ = writeln!(out, "------\n > {name}:");
    for line in logs.lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "------\n{error}");
}

/// `[internal] load …` → `[app internal] load …`; an unbracketed name gets `[app] `.
pub fn prefixed(service: &str, name: &str) -> String {
    match name.strip_prefix('[') {
        Some(rest) => format!("[{service} {rest}"),
        None => format!("[{service}] {name}"),
    }
}

/// Sizes as the docker CLI prints them: decimal units, four significant digits.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let decimals = match value {
        v if v >= 1000.0 => 0,
        v if v >= 100.0 => 1,
        v if v >= 10.0 => 2,
        _ => 3,
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{}", UNITS[unit])
}

fn seconds(t: &Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) / 1e9
}

fn seconds_between(start: &Timestamp, end: &Timestamp) -> f64 {
    (seconds(end) - seconds(start)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: f64) -> Option<Timestamp> {
        Some(Timestamp {
            seconds: s.trunc() as i64,
            nanos: ((s.fract()) * 1e9).round() as i32,
        })
    }

    fn vertex(digest: &str, name: &str, started: Option<f64>, completed: Option<f64>) -> Vertex {
        Vertex {
            digest: digest.into(),
            name: name.into(),
            started: started.and_then(at),
            completed: completed.and_then(at),
            ..Vertex::default()
        }
    }

    fn log(digest: &str, t: f64, msg: &str) -> VertexLog {
        VertexLog {
            vertex: digest.into(),
            timestamp: at(t),
            stream: 1,
            msg: msg.as_bytes().to_vec(),
        }
    }

    fn messages() -> Vec<StatusResponse> {
        let load = vertex(
            "a",
            "[internal] load remote build context",
            Some(10.0),
            None,
        );
        let copy = vertex(
            "b",
            "[base 2/3] COPY --chmod=755 run.sh /run.sh",
            None,
            None,
        );
        let transfer = VertexStatus {
            id: "transferring context:".into(),
            vertex: "a".into(),
            current: 293,
            completed: at(10.02),
            ..VertexStatus::default()
        };
        let run = vertex("c", "[base 3/3] RUN echo hi", Some(11.0), None);
        vec![
            StatusResponse {
                vertexes: vec![load.clone(), copy],
                statuses: vec![transfer],
                ..Default::default()
            },
            StatusResponse {
                vertexes: vec![
                    vertex("a", &load.name, Some(10.0), Some(10.04)),
                    Vertex {
                        cached: true,
                        ..vertex(
                            "b",
                            "[base 2/3] COPY --chmod=755 run.sh /run.sh",
                            None,
                            None,
                        )
                    },
                ],
                ..Default::default()
            },
            StatusResponse {
                vertexes: vec![run.clone()],
                logs: vec![log("c", 11.22, "hi\nthere\n")],
                ..Default::default()
            },
            StatusResponse {
                vertexes: vec![Vertex {
                    error: "process did not complete successfully: exit code: 1".into(),
                    ..vertex("c", &run.name, Some(11.0), Some(11.3))
                }],
                ..Default::default()
            },
            StatusResponse {
                vertexes: vec![vertex("d", "exporting to image", Some(12.0), Some(13.0))],
                ..Default::default()
            },
        ]
    }

    fn render(style: Style) -> String {
        let mut trace = Trace::new(style, "app");
        messages().iter().map(|m| trace.render(m)).collect()
    }

    #[test]
    fn plain_output_is_numbered_blocks_with_statuses_logs_and_outcomes() {
        assert_eq!(
            render(Style::Plain),
            "#1 [app internal] load remote build context\n\
             #1 transferring context: 293B done\n\
             #1 DONE 0.0s\n\
             \n\
             #2 [app base 2/3] COPY --chmod=755 run.sh /run.sh\n\
             #2 CACHED\n\
             \n\
             #3 [app base 3/3] RUN echo hi\n\
             #3 0.220 hi\n\
             #3 0.220 there\n\
             #3 ERROR: process did not complete successfully: exit code: 1\n\
             \n\
             #4 [app] exporting to image\n\
             #4 DONE 1.0s\n"
        );
    }

    #[test]
    fn the_terminal_style_prints_finished_steps_and_a_failures_logs() {
        assert_eq!(
            render(Style::Steps),
            " => [app internal] load remote build context 0.0s\n \
             => CACHED [app base 2/3] COPY --chmod=755 run.sh /run.sh\n \
             => ERROR [app base 3/3] RUN echo hi 0.3s\n\
             ------\n > [app base 3/3] RUN echo hi:\nhi\nthere\n------\n\
             process did not complete successfully: exit code: 1\n \
             => [app] exporting to image 1.0s\n"
        );
        assert_eq!(render(Style::Quiet), "");
    }

    #[test]
    fn sizes_read_as_the_docker_cli_prints_them() {
        assert_eq!(human_size(2), "2B");
        assert_eq!(human_size(293), "293B");
        assert_eq!(human_size(1234), "1.234kB");
        assert_eq!(human_size(12345), "12.35kB");
        assert_eq!(human_size(4_500_000), "4.5MB");
    }
}
