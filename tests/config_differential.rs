//! Differential test: `dockhand config --format json` must mean the same as the reference
//! `docker compose config --format json` on every example and on every fixture of the
//! conformance material, and on the files of `tests/config_cases` (written in the styles open-
//! source projects ship). A file the reference rejects must be rejected by dockhand too.
//! All mismatches are collected and printed before the test fails.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::{json_diff, Output};

/// Deliberate differences from the reference. Each entry names a case (a substring of its
/// name, as printed in the report), the JSON path prefix it excuses (`!outcome` excuses an
/// accept/reject disagreement, `#hash.<service>` a config-hash difference) and why the
/// difference is intended. Keep it short and justified; an entry that no longer matches
/// anything is reported as stale.
const ALLOWED: &[Allowed] = &[Allowed {
    case: "build-test/ssh/compose.yaml",
    path: "!outcome",
    why: "reference bug: its JSON encoder fails on `build.ssh` (`error calling MarshalJSON for type \
          types.SSHKey`) and its YAML prints the key as `'id: path'`; dockhand prints `id=path`, \
          which loads back the same",
}];

struct Allowed {
    case: &'static str,
    path: &'static str,
    #[allow(dead_code)] // documentation for the reader of the list
    why: &'static str,
}

/// Fixture trees whose compose files are loaded, relative to `conformance/fixtures`.
const FIXTURE_ROOTS: &[&str] = &[
    "compose-go/loader/testdata",
    "compose-go/cli/testdata",
    "docker-compose/pkg/e2e/fixtures",
    "docker-compose/pkg/e2e/testdata",
];

/// One project name for every fixture run: names must match between the tools, and
/// `config` touches no engine, so runs cannot collide.
const PROJECT: &str = "dockhand-differential";

/// The projects of `tests/config_cases`, each with the flags it is run with.
const OWN_CASES: &[(&str, &[&str])] = &[
    ("web-app", &[]),
    ("web-app", &["--profile", "*"]),
    ("monitoring", &[]),
    ("monitoring", &["--profile", "logs"]),
    ("extends-include", &[]),
    ("overrides", &[]),
    ("overrides", &["-f", "compose.yaml", "-f", "compose.override.yaml", "-f", "prod.yaml"]),
    ("edge-values", &[]),
    ("network-driver-opts", &[]),
    ("device-options", &[]),
    ("invalid-extra-hosts", &[]),
];
const MAX_DIFF_LINES: usize = 40;

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
}

#[test]
fn config_json_matches_the_reference() {
    let Some(reference) = common::reference_binary() else {
        return;
    };
    let cases = all_cases();
    assert!(
        !cases.is_empty(),
        "no cases found: is ../shared/conformance present?"
    );
    let reports = run_all(&cases, &reference);
    let used: Vec<bool> = ALLOWED
        .iter()
        .map(|a| reports.iter().any(|r| r.touches(a)))
        .collect();
    let failures: Vec<&Report> = reports.iter().filter(|r| !r.excused().is_empty()).collect();
    for r in &failures {
        eprintln!("\n=== {} ({})\n{}", r.case, r.command, r.excused().join("\n"));
    }
    for (a, used) in ALLOWED.iter().zip(used) {
        if !used {
            eprintln!("stale allow-list entry: case {:?} path {:?}", a.case, a.path);
        }
    }
    eprintln!("\n{} cases, {} mismatching", reports.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the reference (details above)",
        failures.len(),
        reports.len()
    );
}

fn all_cases() -> Vec<Case> {
    let mut cases = example_cases();
    cases.extend(own_cases());
    let Some(dir) = common::conformance_dir() else { return cases };
    let fixtures = dir.join("fixtures");
    for root in FIXTURE_ROOTS {
        let mut files = Vec::new();
        collect_compose_files(&fixtures.join(root), &mut files);
        files.sort();
        cases.extend(files.into_iter().map(|f| fixture_case(&fixtures, &f)));
    }
    cases
}

/// Each example as a user runs it (its own directory, no flags), and with every profile on.
fn example_cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = read_dir(&common::examples_dir())
        .into_iter()
        .filter(|d| d.join("compose.yaml").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .flat_map(|dir| {
            let name = format!("examples/{}", file_name(&dir));
            [
                Case {
                    name: name.clone(),
                    dir: dir.clone(),
                    args: vec![],
                },
                Case {
                    name: format!("{name} --profile *"),
                    dir,
                    args: vec!["--profile".into(), "*".into()],
                },
            ]
        })
        .collect()
}

fn own_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_cases");
    OWN_CASES
        .iter()
        .map(|(dir, args)| Case {
            name: format!("config_cases/{dir} {}", args.join(" ")),
            dir: root.join(dir),
            args: args.iter().map(|a| a.to_string()).collect(),
        })
        .collect()
}

fn fixture_case(fixtures: &Path, file: &Path) -> Case {
    let dir = file.parent().unwrap_or(fixtures).to_path_buf();
    Case {
        name: file.strip_prefix(fixtures).unwrap_or(file).display().to_string(),
        dir,
        args: vec!["-f".into(), file_name(file), "-p".into(), PROJECT.into()],
    }
}

/// YAML files that are meant as compose files: Kubernetes/Helm outputs kept next to the
/// e2e fixtures (`expected-*` directories, `apiVersion:` documents) are not.
fn collect_compose_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in read_dir(dir) {
        let name = file_name(&entry);
        if entry.is_dir() {
            if !name.starts_with("expected-") {
                collect_compose_files(&entry, out);
            }
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !is_kubernetes(&entry) {
            out.push(entry);
        }
    }
}

fn is_kubernetes(file: &Path) -> bool {
    std::fs::read_to_string(file)
        .map(|t| {
            t.lines()
                .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"))
        })
        .unwrap_or(false)
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

struct Report {
    case: String,
    command: String,
    problems: Vec<String>,
}

impl Report {
    fn is_allowed(&self, line: &str) -> bool {
        ALLOWED
            .iter()
            .any(|a| self.case.contains(a.case) && line.starts_with(a.path))
    }

    fn touches(&self, a: &Allowed) -> bool {
        self.case.contains(a.case) && self.problems.iter().any(|p| p.starts_with(a.path))
    }

    fn excused(&self) -> Vec<&str> {
        self.problems
            .iter()
            .map(String::as_str)
            .filter(|p| !self.is_allowed(p))
            .collect()
    }
}

/// Runs the cases on a few threads; the reference is a Go program that mostly waits on
/// its own start-up, so a little parallelism pays even on two cores.
fn run_all(cases: &[Case], reference: &Path) -> Vec<Report> {
    let next = AtomicUsize::new(0);
    let reports = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let report = compare(case, reference);
                    reports.lock().expect("report lock").push(report);
                }
            });
        }
    });
    let mut reports = reports.into_inner().expect("report lock");
    reports.sort_by(|a, b| a.case.cmp(&b.case));
    reports
}

fn compare(case: &Case, reference: &Path) -> Report {
    let base = common::dockhand(&case.dir).args(&case.args);
    let run = base.clone().args(["config", "--format", "json"]);
    let expected = run.with_program(reference).run();
    let actual = run.run();
    let mut problems = problems(&expected, &actual);
    if expected.success() && actual.success() {
        problems.extend(hash_problems(&base.args(["config", "--hash", "*"]), reference));
    }
    Report {
        case: case.name.clone(),
        command: format!(
            "cd {} && dockhand {} config --format json (and --hash '*')",
            case.dir.display(),
            case.args.join(" ")
        ),
        problems,
    }
}

/// The config hash of every service must equal the reference's: it is the label that
/// decides whether a container is recreated. Reported as `#hash.<service>`.
fn hash_problems(run: &common::Run, reference: &Path) -> Vec<String> {
    let theirs = hashes(&run.with_program(reference).run());
    let ours = hashes(&run.run());
    theirs
        .iter()
        .filter(|(svc, h)| ours.get(*svc) != Some(*h))
        .map(|(svc, h)| format!("#hash.{svc}: expected {h}, got {:?}", ours.get(svc)))
        .collect()
}

fn hashes(out: &Output) -> std::collections::BTreeMap<String, String> {
    out.stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(s, h)| (s.to_string(), h.to_string()))
        .collect()
}

fn problems(expected: &Output, actual: &Output) -> Vec<String> {
    match (expected.success(), actual.success()) {
        (false, false) => vec![],
        (false, true) => vec![format!(
            "!outcome: the reference rejects this file but dockhand accepts it; reference said:\n{}",
            last_lines(&expected.stderr)
        )],
        (true, false) => {
            vec![format!(
                "!outcome: dockhand failed where the reference succeeds: {}",
                actual.describe()
            )]
        }
        (true, true) => match serde_json::from_str(&actual.stdout) {
            Err(e) => vec![format!(
                "!outcome: dockhand printed invalid JSON ({e}): {}",
                actual.describe()
            )],
            Ok(got) => {
                let mut lines = json_diff(&expected.json(), &got);
                if lines.len() > MAX_DIFF_LINES {
                    let more = lines.len() - MAX_DIFF_LINES;
                    lines.truncate(MAX_DIFF_LINES);
                    lines.push(format!("… and {more} more differences"));
                }
                lines
            }
        },
    }
}

fn last_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}
