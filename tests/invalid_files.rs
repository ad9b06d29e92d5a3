//! Every file of `conformance/invalid/` (listed in its INDEX.tsv) must make `dockhand config`
//! fail cleanly: a non-zero exit, no panic, an error on stderr with a help line for each
//! error, and, when the error is tied to a place in the file, the file's name on stderr.
//! The peer's expected wording is only a hint and is printed, not asserted. All failures
//! are reported together.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Output, Run};

/// Files that are only rejected by commands other than `config` (the reference accepts
/// them at `config` level too), so they say nothing about the loader.
const RUNTIME_ONLY: &[(&str, &str)] = &[(
    "docker-compose/TestStartInterval/compose.yaml",
    "start_interval without start_period only fails `up --wait`",
)];

/// Files whose error is about the document as a whole rather than a place in it, so the
/// message need not name the file.
const NOT_PLACED: &[&str] = &[
    // The alias-expansion limits trip while the document is being expanded.
    "compose-go/TestAliasBombPrevented.yaml",
    "compose-go/TestAliasNodePreservation.yaml",
];

/// Extends fixtures that reference `./testdata/extends/...` from compose-go's loader dir.
const NEEDS_LOADER_DIR: &str = "compose-go/TestExtendsWithServiceRef-";

/// A pathological file must be rejected quickly, not after expanding it.
const TIMEOUT: Duration = Duration::from_secs(10);

struct Row {
    file: String,
    expected: String,
}

#[test]
fn every_invalid_file_is_rejected() {
    let Some(rows) = index() else { return };
    assert!(rows.len() > 50, "INDEX.tsv looks truncated: {} rows", rows.len());
    let mut failures = Vec::new();
    let mut hints = Vec::new();
    for row in rows
        .iter()
        .filter(|r| !RUNTIME_ONLY.iter().any(|(f, _)| *f == r.file))
    {
        let (setup, run) = invocation(row);
        let out = run.run();
        failures.extend(check(row, &out).map(|why| format!("=== {}\n{why}\n{}", row.file, out.describe())));
        if !out.success() && !row.expected.is_empty() && !out.stderr.contains(&row.expected) {
            hints.push(format!("{}: the peer says {:?}", row.file, row.expected));
        }
        drop(setup);
    }
    if !hints.is_empty() {
        eprintln!(
            "wording differs from the peer (informational):\n  {}",
            hints.join("\n  ")
        );
    }
    for f in &failures {
        eprintln!("\n{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} invalid files were not rejected properly",
        failures.len(),
        rows.len()
    );
}

/// Cross-check of the list above: the reference rejects every file this test expects
/// dockhand to reject, and accepts the runtime-only ones at `config` level.
#[test]
fn the_reference_agrees_on_which_files_are_invalid() {
    let (Some(reference), Some(rows)) = (common::reference_binary(), index()) else {
        return;
    };
    let mut surprises = Vec::new();
    for row in rows {
        // The reference needs minutes and tens of GB on these; the memory cap kills it.
        if NOT_PLACED.contains(&row.file.as_str()) {
            continue;
        }
        let (setup, run) = invocation(&row);
        let out = run.with_program(&reference).run();
        let runtime_only = RUNTIME_ONLY.iter().any(|(f, _)| *f == row.file);
        if out.success() != runtime_only {
            surprises.push(format!("{}: reference {}", row.file, out.describe()));
        }
        drop(setup);
    }
    assert!(
        surprises.is_empty(),
        "the reference disagrees with this test's lists:\n{}",
        surprises.join("\n")
    );
}

fn check(row: &Row, out: &Output) -> Option<String> {
    if out.timed_out {
        return Some(format!("took longer than {TIMEOUT:?}"));
    }
    if out.success() {
        return Some("accepted, but the file is invalid".into());
    }
    if out.code == Some(101) || out.stderr.contains("panicked at") {
        return Some("panicked instead of reporting an error".into());
    }
    if out.stderr.trim().is_empty() {
        return Some("failed without printing an error".into());
    }
    let (errors, helps) = (out.stderr.matches("  × ").count(), out.stderr.matches("  help: ").count());
    if helps < errors {
        return Some(format!("{errors} errors but only {helps} help lines: every error needs one"));
    }
    let names = mentionable_names(row);
    if !NOT_PLACED.contains(&row.file.as_str()) && !names.iter().any(|n| out.stderr.contains(n.as_str())) {
        return Some(format!("the error does not name the file (looked for {names:?})"));
    }
    None
}

/// The names an error about this file may use: the file itself, and for the extends
/// fixtures the file the bad service comes from.
fn mentionable_names(row: &Row) -> Vec<String> {
    let mut names = vec![base_name(&row.file)];
    if row.file.starts_with(NEEDS_LOADER_DIR) {
        names.push("depends_on.yaml".into());
    }
    names
}

/// The command for one row, and the temporary directory it needs kept alive (if any).
fn invocation(row: &Row) -> (Option<tempfile::TempDir>, Run) {
    let file = invalid_dir().join(&row.file);
    let project = common::unique_project("invalid");
    let (setup, dir) = if row.file.starts_with(NEEDS_LOADER_DIR) {
        let tmp = loader_dir_copy(&file);
        let dir = tmp.path().to_path_buf();
        (Some(tmp), dir)
    } else {
        (None, file.parent().expect("file in a directory").to_path_buf())
    };
    let mut run = common::dockhand(dir)
        .args(["-f", &base_name(&row.file), "-p", &project, "config"])
        .timeout(TIMEOUT);
    if row
        .file
        .starts_with("docker-compose/TestUpContainerNameConflict/")
    {
        // Both services get this container name; unset, the name would be empty instead.
        run = run.env("FIXED_NAME", &format!("{project}-fixed"));
    }
    (setup, run)
}

/// The INDEX notes say to run these from compose-go's `loader/` directory; a temporary
/// directory with a `testdata` link to it keeps the shared material untouched.
fn loader_dir_copy(file: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let testdata = conformance().join("fixtures/compose-go/loader/testdata");
    std::os::unix::fs::symlink(testdata, tmp.path().join("testdata")).expect("symlink testdata");
    let name = file.file_name().expect("file name");
    std::fs::copy(file, tmp.path().join(name)).expect("copy fixture");
    tmp
}

fn invalid_dir() -> PathBuf {
    conformance().join("invalid")
}

/// Only reached once `index()` found the material.
fn conformance() -> PathBuf {
    common::conformance_dir().expect("checked by index()")
}

fn base_name(rel: &str) -> String {
    rel.rsplit('/').next().unwrap_or(rel).to_string()
}

/// The rows of invalid/INDEX.tsv, or None when the conformance material is absent.
fn index() -> Option<Vec<Row>> {
    let dir = common::conformance_dir()?.join("invalid");
    let text = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("read invalid/INDEX.tsv");
    let rows = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().unwrap_or_default().to_string();
            let expected = cols.next().unwrap_or_default().to_string();
            Row { file, expected }
        })
        .collect();
    Some(rows)
}
