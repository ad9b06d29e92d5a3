//! Progress reporting: the scheduler and the waiters send events; a renderer chosen by
//! `--progress` shows them on stderr the way the reference does.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Working,
    Done,
    Error,
    Warning,
    /// Never attempted because something it waited on failed.
    Skipped,
}

/// One step of one resource, e.g. `Container p-web-1` `Done` `Started`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// As the reference names it: `Container p-web-1`, `Network p_default`, `Image busybox`.
    pub resource: String,
    pub status: Status,
    /// The verb as shown: `Creating`, `Created`, `Error`, ...
    pub text: String,
    /// The error of a failure, or why something was skipped.
    pub details: Option<String>,
    /// Why the plan holds this action; shown only where it cannot confuse parsers of the
    /// reference's output (JSON).
    pub reason: Option<String>,
    /// Time spent in the action so far.
    pub elapsed: Option<Duration>,
}

impl Event {
    pub fn new(resource: impl Into<String>, status: Status, text: impl Into<String>) -> Event {
        Event {
            resource: resource.into(),
            status,
            text: text.into(),
            details: None,
            reason: None,
            elapsed: None,
        }
    }

    pub fn details(mut self, details: impl Into<String>) -> Event {
        self.details = Some(details.into());
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Event {
        self.reason = Some(reason.into());
        self
    }

    pub fn elapsed(mut self, elapsed: Duration) -> Event {
        self.elapsed = Some(elapsed);
        self
    }
}

/// Receives progress events. Implementations render to a stream; they must never fail the
/// operation they report on, so write errors are ignored.
pub trait Progress: Send + Sync {
    fn event(&self, event: &Event);
    /// The operation is over: a live display draws its final state.
    fn finish(&self) {}
    /// Runs `write`, which prints lines of its own (build output), where they do not collide
    /// with the display: a live display is cleared first and drawn again below them.
    fn around(&self, write: &dyn Fn()) {
        write()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

impl Mode {
    /// `auto` becomes `tty` when stderr is a terminal, `plain` otherwise.
    pub fn resolve(self, stderr_is_terminal: bool) -> Mode {
        match self {
            Mode::Auto if stderr_is_terminal => Mode::Tty,
            Mode::Auto => Mode::Plain,
            other => other,
        }
    }
}

/// The renderer for a `--progress` mode, writing to stderr.
pub fn for_mode(mode: Mode) -> std::sync::Arc<dyn Progress> {
    match mode.resolve(io::stderr().is_terminal()) {
        Mode::Tty => std::sync::Arc::new(Tty::new(io::stderr())),
        Mode::Json => std::sync::Arc::new(Json::new(io::stderr())),
        Mode::Quiet => std::sync::Arc::new(Quiet),
        Mode::Plain | Mode::Auto => std::sync::Arc::new(Plain::new(io::stderr())),
    }
}

pub struct Quiet;

impl Progress for Quiet {
    fn event(&self, _: &Event) {}
}

/// One line per event, as the reference prints for non-terminals:
/// ` Container p-web-1 Started ` (the trailing field holds details, empty or not).
pub struct Plain<W> {
    out: Mutex<W>,
}

impl<W: Write + Send> Plain<W> {
    pub fn new(out: W) -> Self {
        Plain { out: Mutex::new(out) }
    }

    /// What was written, for tests to read.
    #[cfg(test)]
    pub fn into_inner(self) -> W {
        self.out
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<W: Write + Send> Progress for Plain<W> {
    fn event(&self, e: &Event) {
        let line = format!(
            " {} {} {}\n",
            e.resource,
            e.text,
            e.details.as_deref().unwrap_or("")
        );
        let mut out = self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// One JSON object per line: the reference's `id`, `status`, `text`, `details`, plus the
/// elapsed seconds as `time` and the plan's `reason`.
pub struct Json<W> {
    out: Mutex<W>,
}

impl<W: Write + Send> Json<W> {
    pub fn new(out: W) -> Self {
        Json { out: Mutex::new(out) }
    }

    /// What was written, for tests to read.
    #[cfg(test)]
    pub fn into_inner(self) -> W {
        self.out
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub fn json_line(e: &Event) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("id".into(), e.resource.clone().into());
    obj.insert("status".into(), status_name(e.status).into());
    obj.insert("text".into(), e.text.clone().into());
    if let Some(d) = &e.details {
        obj.insert("details".into(), d.clone().into());
    }
    if let Some(r) = &e.reason {
        obj.insert("reason".into(), r.clone().into());
    }
    if let Some(t) = e.elapsed {
        obj.insert(
            "time".into(),
            serde_json::json!((t.as_secs_f64() * 1000.0).round() / 1000.0),
        );
    }
    serde_json::Value::Object(obj).to_string()
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Working => "Working",
        Status::Done => "Done",
        Status::Error => "Error",
        Status::Warning => "Warning",
        Status::Skipped => "Skipped",
    }
}

impl<W: Write + Send> Progress for Json<W> {
    fn event(&self, e: &Event) {
        let line = json_line(e) + "\n";
        let mut out = self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// A live block, one line per resource, redrawn in place on every event:
/// ```text
/// [+] Running 2/3
///  ✔ Network p_default   Created  0.1s
///  ⠿ Container p-web-1   Starting 0.3s
/// ```
pub struct Tty<W> {
    state: Mutex<TtyState<W>>,
}

struct TtyState<W> {
    out: W,
    lines: Vec<Line>,
    /// Lines drawn last time, to move the cursor back over them.
    drawn: usize,
}

struct Line {
    resource: String,
    status: Status,
    text: String,
    details: Option<String>,
    first_seen: Instant,
    elapsed: Duration,
}

impl<W: Write + Send> Tty<W> {
    pub fn new(out: W) -> Self {
        Tty {
            state: Mutex::new(TtyState {
                out,
                lines: Vec::new(),
                drawn: 0,
            }),
        }
    }
}

impl<W: Write + Send> Progress for Tty<W> {
    fn event(&self, e: &Event) {
        let mut st = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        st.update(e);
        st.redraw();
    }

    fn finish(&self) {
        let mut st = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !st.lines.is_empty() {
            st.redraw();
        }
    }

    fn around(&self, write: &dyn Fn()) {
        let mut st = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if st.drawn > 0 {
            let clear = format!("\x1b[{}A\x1b[J", st.drawn);
            let _ = st.out.write_all(clear.as_bytes());
            let _ = st.out.flush();
            st.drawn = 0;
        }
        write();
        if !st.lines.is_empty() {
            st.redraw();
        }
    }
}

impl<W: Write> TtyState<W> {
    fn update(&mut self, e: &Event) {
        let now = Instant::now();
        let idx = match self.lines.iter().position(|l| l.resource == e.resource) {
            Some(i) => i,
            None => {
                self.lines.push(Line {
                    resource: e.resource.clone(),
                    status: e.status,
                    text: String::new(),
                    details: None,
                    first_seen: now,
                    elapsed: Duration::ZERO,
                });
                self.lines.len() - 1
            }
        };
        let line = &mut self.lines[idx];
        line.status = e.status;
        line.text = e.text.clone();
        line.details = e.details.clone();
        line.elapsed = now.duration_since(line.first_seen);
    }

    fn redraw(&mut self) {
        let mut buf = String::new();
        if self.drawn > 0 {
            buf.push_str(&format!("\x1b[{}A", self.drawn));
        }
        let finished = self.lines.iter().filter(|l| l.status != Status::Working).count();
        buf.push_str(&format!("\x1b[2K[+] Running {finished}/{}\n", self.lines.len()));
        let width = self
            .lines
            .iter()
            .map(|l| l.resource.chars().count())
            .max()
            .unwrap_or(0);
        let text_width = self
            .lines
            .iter()
            .map(|l| l.text.chars().count())
            .max()
            .unwrap_or(0);
        for l in &self.lines {
            buf.push_str("\x1b[2K");
            buf.push_str(&tty_line(l, width, text_width));
            buf.push('\n');
        }
        self.drawn = self.lines.len() + 1;
        let _ = self.out.write_all(buf.as_bytes());
        let _ = self.out.flush();
    }
}

fn tty_line(l: &Line, width: usize, text_width: usize) -> String {
    let (icon, color) = match l.status {
        Status::Working => ("⠿", "\x1b[34m"),
        Status::Done => ("✔", "\x1b[32m"),
        Status::Error => ("✘", "\x1b[31m"),
        Status::Warning => ("!", "\x1b[33m"),
        Status::Skipped => ("-", "\x1b[90m"),
    };
    let details = l.details.as_deref().map(|d| format!(" {d}")).unwrap_or_default();
    format!(
        " {color}{icon}\x1b[0m {:<width$} {:<text_width$} {:.1}s{details}",
        l.resource,
        l.text,
        l.elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<Event> {
        vec![
            Event::new("Container p-web-1", Status::Working, "Creating").reason("no container"),
            Event::new("Container p-web-1", Status::Done, "Created").elapsed(Duration::from_millis(412)),
            Event::new("Container p-db-1", Status::Error, "Error")
                .details("service \"db\" didn't complete successfully: exit 1"),
        ]
    }

    #[test]
    fn plain_prints_one_reference_line_per_event() {
        let p = Plain::new(Vec::new());
        events().iter().for_each(|e| p.event(e));
        let out = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(
            out,
            " Container p-web-1 Creating \n Container p-web-1 Created \n Container p-db-1 Error service \"db\" didn't complete successfully: exit 1\n"
        );
    }

    #[test]
    fn json_prints_one_object_per_line() {
        let p = Json::new(Vec::new());
        events().iter().for_each(|e| p.event(e));
        let out = String::from_utf8(p.into_inner()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"id":"Container p-web-1","status":"Working","text":"Creating","reason":"no container"}"#
        );
        assert_eq!(
            lines[1],
            r#"{"id":"Container p-web-1","status":"Done","text":"Created","time":0.412}"#
        );
        assert_eq!(
            lines[2],
            r#"{"id":"Container p-db-1","status":"Error","text":"Error","details":"service \"db\" didn't complete successfully: exit 1"}"#
        );
    }

    #[test]
    fn tty_keeps_one_line_per_resource_and_redraws_in_place() {
        let shared = std::sync::Arc::new(Mutex::new(Vec::new()));
        let t = Tty::new(SharedBuf(shared.clone()));
        for e in events() {
            t.event(&e);
        }
        let out = String::from_utf8(shared.lock().unwrap().clone()).unwrap();
        let last = out.rsplit("\x1b[2A").next().unwrap();
        assert!(last.contains("[+] Running 2/2"), "{last:?}");
        assert!(last.contains("✔\x1b[0m Container p-web-1 Created"), "{last:?}");
        assert!(last.contains("✘\x1b[0m Container p-db-1  Error  "), "{last:?}");
        assert_eq!(last.matches("Container p-web-1").count(), 1);
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert_eq!(Mode::Auto.resolve(true), Mode::Tty);
        assert_eq!(Mode::Auto.resolve(false), Mode::Plain);
        assert_eq!(Mode::Quiet.resolve(true), Mode::Quiet);
    }

    struct SharedBuf(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Write for SharedBuf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
