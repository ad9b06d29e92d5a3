//! Problems as values. Every phase reports `Problem`s addressed by a YAML path; the loader
//! later finds the file and span for each one, and only then are they rendered by miette.

use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

pub mod yaml_path;

use yaml_path::YamlPath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// Which part of a mapping entry a problem is about: an unknown key points at the key,
/// a bad value at the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Key,
    Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// A stable, greppable code such as `dockhand::unknown_key`.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The file the problem is in, when the phase knows it; otherwise the loader searches
    /// the files of the project for the path, the last one first.
    pub file: Option<PathBuf>,
    pub path: YamlPath,
    pub at: At,
    /// A span known directly (a YAML syntax error has a position but no path).
    pub span: Option<Span>,
}

impl Problem {
    pub fn error(code: &'static str, path: YamlPath, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            file: None,
            path,
            at: At::Value,
            span: None,
        }
    }

    pub fn warning(code: &'static str, path: YamlPath, message: impl Into<String>) -> Self {
        Problem { severity: Severity::Warning, ..Problem::error(code, path, message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// A problem of a file another file names (it cannot be read) is shown where it is named.
    pub fn or_at(self, file: &std::path::Path, path: &YamlPath) -> Self {
        if self.file.is_some() {
            return self;
        }
        Problem { path: path.clone(), ..self }.in_file(file)
    }

    pub fn at_key(mut self) -> Self {
        self.at = At::Key;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A byte range in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

/// Where a problem was found: the file's name and text and the span in it.
#[derive(Debug, Clone)]
pub struct Location {
    pub name: String,
    pub text: Arc<str>,
    pub span: Span,
}

impl Location {
    /// 1-based line and column of the span's start, as editors count them.
    pub fn line_col(&self) -> (usize, usize) {
        let before = &self.text[..self.span.offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// A problem with its location, ready for miette.
#[derive(Debug)]
pub struct Rendered {
    problem: Problem,
    location: Option<Location>,
    source: Option<NamedSource<Arc<str>>>,
}

impl Rendered {
    pub fn new(problem: Problem, location: Option<Location>) -> Self {
        let source = location
            .as_ref()
            .map(|l| NamedSource::new(l.name.clone(), l.text.clone()).with_language("yaml"));
        Rendered { problem, location, source }
    }

    /// `file:line:col: message`, for plain output and for tests.
    pub fn one_line(&self) -> String {
        match &self.location {
            Some(l) => {
                let (line, col) = l.line_col();
                format!("{}:{line}:{col}: {}", l.name, self.problem.message)
            }
            None => self.problem.message.clone(),
        }
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(l) => {
                let (line, col) = l.line_col();
                write!(f, "{} ({}:{line}:{col})", self.problem.message, l.name)
            }
            None => write!(f, "{}", self.problem.message),
        }
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.problem.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.problem.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.problem.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let l = self.location.as_ref()?;
        let span = SourceSpan::new(l.span.offset.into(), l.span.len);
        let label = match self.problem.at {
            At::Key => "this key",
            At::Value => "here",
        };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(label.into()), span))))
    }
}
