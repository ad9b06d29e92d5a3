//! Container output for people: each line prefixed with the container's short name
//! (`web-1  | `), a stable colour per service on a terminal, stdout and stderr kept apart
//! unless the command merges them.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::engine::{LogChunk, Output};

/// The colours the prefixes cycle through, in the order services are first seen.
const COLOURS: [&str; 10] = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub prefix: bool,
    pub colour: bool,
    /// The containers' stderr lines on stdout too: the reference's `logs` prints them there,
    /// its attached `up` keeps them apart.
    pub stderr_on_stdout: bool,
}

/// Shared by every container being printed, so that prefixes line up.
pub struct Printer {
    style: Style,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    width: usize,
    colours: BTreeMap<String, &'static str>,
}

impl Printer {
    pub fn new(style: Style) -> Arc<Printer> {
        Arc::new(Printer { style, state: Mutex::new(State::default()) })
    }

    /// Makes room for a name, so later prefixes are padded to it.
    pub fn register(&self, name: &str, service: &str) {
        let mut st = self.lock();
        st.width = st.width.max(name.chars().count());
        let next = COLOURS[st.colours.len() % COLOURS.len()];
        st.colours.entry(service.to_string()).or_insert(next);
    }

    /// An output for one container: complete lines are printed with its prefix; a final
    /// line without a newline waits for `Lines::flush`.
    pub fn lines(self: &Arc<Self>, name: &str, service: &str) -> Lines {
        self.register(name, service);
        Lines { printer: self.clone(), name: name.to_string(), service: service.to_string(), pending: Arc::default() }
    }

    /// `web-1 exited with code 3`, on standard output like the container's own lines.
    pub fn exited(&self, name: &str, code: i64, restarting: bool) {
        let suffix = if restarting { " (restarting)" } else { "" };
        let text = format!("{name} exited with code {code}{suffix}\n");
        write_out(false, text.as_bytes());
    }

    fn prefix(&self, name: &str, service: &str) -> String {
        if !self.style.prefix {
            return String::new();
        }
        let st = self.lock();
        let padded = format!("{name:<width$}  | ", width = st.width);
        match st.colours.get(service).filter(|_| self.style.colour) {
            Some(c) => format!("\x1b[{c}m{padded}\x1b[0m"),
            None => padded,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The line-splitting output of one container.
#[derive(Clone)]
pub struct Lines {
    printer: Arc<Printer>,
    name: String,
    service: String,
    pending: Arc<Mutex<[Vec<u8>; 2]>>,
}

impl Lines {
    pub fn output(&self) -> Output {
        let lines = self.clone();
        Arc::new(move |chunk: &LogChunk| lines.push(chunk))
    }

    fn push(&self, chunk: &LogChunk) {
        let prefix = self.printer.prefix(&self.name, &self.service);
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let buf = &mut pending[usize::from(chunk.stderr)];
        let text = prefixed(&prefix, buf, &chunk.bytes);
        write_out(self.to_stderr(chunk.stderr), &text);
    }

    /// Prints what is left after the last newline.
    pub fn flush(&self) {
        let prefix = self.printer.prefix(&self.name, &self.service);
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (i, buf) in pending.iter_mut().enumerate() {
            if !buf.is_empty() {
                write_out(self.to_stderr(i == 1), &prefixed(&prefix, buf, b"\n"));
            }
        }
    }

    fn to_stderr(&self, from_stderr: bool) -> bool {
        from_stderr && !self.printer.style.stderr_on_stdout
    }
}

/// The complete lines of `pending` + `bytes`, each with `prefix`; the incomplete rest stays
/// in `pending`. A terminal's `\r\n` counts as one line end.
pub fn prefixed(prefix: &str, pending: &mut Vec<u8>, bytes: &[u8]) -> Vec<u8> {
    pending.extend_from_slice(bytes);
    let Some(last) = pending.iter().rposition(|b| *b == b'\n') else { return Vec::new() };
    let rest = pending.split_off(last + 1);
    let complete = std::mem::replace(pending, rest);
    let mut out = Vec::with_capacity(complete.len() + prefix.len() * 4);
    for line in complete.split_inclusive(|b| *b == b'\n') {
        out.extend_from_slice(prefix.as_bytes());
        let body = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line);
        out.extend_from_slice(body);
        out.push(b'\n');
    }
    out
}

fn write_out(stderr: bool, bytes: &[u8]) {
    // A closed pipe (`| head`) must not stop the command from cleaning up.
    let _ = if stderr {
        std::io::stderr().lock().write_all(bytes)
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).and_then(|()| out.flush())
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_lines_get_the_prefix_and_the_rest_waits() {
        let mut pending = Vec::new();
        assert_eq!(prefixed("web-1  | ", &mut pending, b"hel"), b"");
        assert_eq!(prefixed("web-1  | ", &mut pending, b"lo\nwor"), b"web-1  | hello\n");
        assert_eq!(prefixed("web-1  | ", &mut pending, b"ld\r\n\nx"), b"web-1  | world\nweb-1  | \n");
        assert_eq!(pending, b"x");
    }

    #[test]
    fn prefixes_are_padded_to_the_longest_name() {
        let p = Printer::new(Style { prefix: true, colour: false, stderr_on_stdout: false });
        p.register("db-1", "db");
        p.register("web-1", "web");
        assert_eq!(p.prefix("db-1", "db"), "db-1   | ");
        assert_eq!(p.prefix("web-1", "web"), "web-1  | ");
        let plain = Printer::new(Style { prefix: false, colour: true, stderr_on_stdout: false });
        assert_eq!(plain.prefix("db-1", "db"), "");
    }
}
