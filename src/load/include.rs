//! `include:`: other projects' resources brought into this one.
//!
//! Like the reference, this runs on ONE file's value before it is merged with the other
//! files. A resource that both an included project and the including file define is the
//! included one with the local one merged over it (not a conflict), and the including file's
//! `!reset`/`!override` tags act on the included definition.
use std::path::{Component, Path, PathBuf};

use crate::diag::Problem;
use crate::load::merge::merge_under;
use crate::diag::yaml_path::YamlPath;
use crate::load::{Mapping, Value};

/// One include entry in long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeSpec {
    pub paths: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub env_files: Vec<PathBuf>,
}

/// Loads an included project (its own env and project directory) as a merged value.
pub trait ProjectSource {
    fn load_included(&mut self, spec: &IncludeSpec, chain: &[PathBuf]) -> Result<Value, Vec<Problem>>;
}

/// The top-level keys an included project contributes.
const RESOURCES: [&str; 6] = ["services", "volumes", "networks", "secrets", "configs", "models"];

/// [`apply`] for a file with `!reset`/`!override` tags. `chain`: the files that include this
/// one, outermost first (this file may be the last); the source receives it with this file
/// at the end, to pass on to nested includes.
pub fn apply_tagged(
    project: &mut Value,
    file: &Path,
    chain: &[PathBuf],
    resets: &[YamlPath],
    overrides: &[YamlPath],
    source: &mut dyn ProjectSource,
) -> Vec<Problem> {
    let Value::Mapping(top) = project else {
        return Vec::new();
    };
    let Some(entries) = top.remove("include") else {
        return Vec::new();
    };
    let mut chain = chain.to_vec();
    if chain.last().map(PathBuf::as_path) != Some(file) {
        chain.push(file.to_path_buf());
    }
    let mut problems = Vec::new();
    for (i, spec) in specs(&entries, file, &mut problems) {
        let at = YamlPath::of(&["include"]).index(i);
        if let Some(cycle) = cycle(&chain, &spec, at.clone()) {
            problems.push(cycle.in_file(file));
            continue;
        }
        match source.load_included(&spec, &chain) {
            Ok(included) => import(top, included, resets, overrides),
            Err(found) => problems.extend(found.into_iter().map(|p| p.or_at(file, &at))),
        }
    }
    problems
}

/// The entries in long form, with paths relative to the including file's directory.
fn specs(entries: &Value, file: &Path, problems: &mut Vec<Problem>) -> Vec<(usize, IncludeSpec)> {
    let dir = file.parent().unwrap_or_else(|| Path::new(""));
    let Value::Sequence(items) = entries else {
        problems.push(shape_problem(
            YamlPath::of(&["include"]),
            "`include` must be a list",
            file,
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = YamlPath::of(&["include"]).index(i);
        let paths = |key: &str| -> Vec<PathBuf> {
            match item.get(key) {
                Some(Value::Sequence(s)) => s
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|p| join_lexically(dir, p))
                    .collect(),
                Some(Value::String(p)) => vec![join_lexically(dir, p)],
                _ => Vec::new(),
            }
        };
        let spec = match item {
            Value::String(p) => IncludeSpec {
                paths: vec![join_lexically(dir, p)],
                project_directory: None,
                env_files: Vec::new(),
            },
            _ => IncludeSpec {
                paths: paths("path"),
                project_directory: item
                    .get("project_directory")
                    .and_then(Value::as_str)
                    .map(|p| join_lexically(dir, p)),
                env_files: paths("env_file"),
            },
        };
        if spec.paths.is_empty() {
            problems.push(shape_problem(
                at.key("path"),
                "include entry needs a `path`",
                file,
            ));
            continue;
        }
        out.push((i, spec));
    }
    out
}

/// `dir/written` with `.` and `..` folded away without touching the disk, so that one file
/// reached by two spellings is recognised as the same file in a cycle.
pub fn join_lexically(dir: &Path, written: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in dir.join(written).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(part);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn shape_problem(at: YamlPath, message: &str, file: &Path) -> Problem {
    Problem::error("dockhand::include_invalid", at, message)
        .with_help("write `include: [{path: [other/compose.yaml]}]` or `include: [other/compose.yaml]`")
        .in_file(file)
}

/// The reference's wording: the outermost file, then each file it includes, down to the one
/// met twice.
fn cycle(chain: &[PathBuf], spec: &IncludeSpec, at: YamlPath) -> Option<Problem> {
    let main = spec.paths.first()?;
    if !chain.contains(main) {
        return None;
    }
    let mut lines: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
    lines.push(main.display().to_string());
    let message = format!("include cycle detected:\n{}", lines.join("\n include "));
    Some(
        Problem::error("dockhand::include_cycle", at, message)
            .with_help("a compose file cannot include itself, directly or through other files"),
    )
}

/// Adds the included resources; a name the including file also defines gets the local
/// definition merged over the included one.
fn import(top: &mut Mapping, included: Value, resets: &[YamlPath], overrides: &[YamlPath]) {
    let Value::Mapping(mut included) = included else {
        return;
    };
    for kind in RESOURCES {
        let Some(Value::Mapping(from)) = included.remove(kind) else {
            continue;
        };
        let slot = top
            .entry(Value::from(kind))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if slot.is_null() {
            *slot = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(to) = slot else { continue };
        for (name, resource) in from {
            let Some(key) = name.as_str().map(str::to_string) else {
                continue;
            };
            match to.get_mut(&name) {
                Some(local) => {
                    let at = YamlPath::of(&[kind, &key]);
                    let mine = std::mem::take(local);
                    *local = merge_under(&at, resource, mine, resets, overrides);
                }
                None => {
                    to.insert(name, resource);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn y(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    /// Included projects by their first path, already merged; records what it was asked.
    #[derive(Default)]
    struct Projects {
        projects: HashMap<PathBuf, Value>,
        asked: Vec<(IncludeSpec, Vec<PathBuf>)>,
    }

    impl Projects {
        fn with(mut self, path: &str, text: &str) -> Self {
            self.projects.insert(PathBuf::from(path), y(text));
            self
        }
    }

    impl ProjectSource for Projects {
        fn load_included(&mut self, spec: &IncludeSpec, chain: &[PathBuf]) -> Result<Value, Vec<Problem>> {
            self.asked.push((spec.clone(), chain.to_vec()));
            let main = &spec.paths[0];
            self.projects.get(main).cloned().ok_or_else(|| {
                vec![Problem::error(
                    "dockhand::file_not_found",
                    YamlPath::root(),
                    format!("open {}: no such file or directory", main.display()),
                )]
            })
        }
    }

    fn run(text: &str, projects: &mut Projects) -> (Value, Vec<Problem>) {
        let mut project = y(text);
        let problems = apply_tagged(&mut project, Path::new("/p/compose.yaml"), &[], &[], &[], projects);
        (project, problems)
    }

    #[test]
    fn included_resources_are_added_and_include_removed() {
        let mut projects = Projects::default().with(
            "/p/sub/inc.yaml",
            "name: sub
services: {other: {image: o, build: {context: /p/sub}}}
volumes: {data: {}}
networks: {back: {}}
secrets: {s: {file: /p/sub/s}}
configs: {c: {file: /p/sub/c}}
x-ignored: 1",
        );
        let (got, problems) = run(
            "include: [{path: [sub/inc.yaml], env_file: [sub/.env], project_directory: sub}]
services: {web: {image: w}}",
            &mut projects,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            got,
            y(
                "services: {web: {image: w}, other: {image: o, build: {context: /p/sub}}}
volumes: {data: {}}
networks: {back: {}}
secrets: {s: {file: /p/sub/s}}
configs: {c: {file: /p/sub/c}}"
            )
        );
        let (spec, chain) = &projects.asked[0];
        assert_eq!(
            spec,
            &IncludeSpec {
                paths: vec![PathBuf::from("/p/sub/inc.yaml")],
                project_directory: Some(PathBuf::from("/p/sub")),
                env_files: vec![PathBuf::from("/p/sub/.env")],
            }
        );
        assert_eq!(chain, &vec![PathBuf::from("/p/compose.yaml")]);
    }

    #[test]
    fn paths_are_joined_without_dots() {
        assert_eq!(
            join_lexically(Path::new("/p/d"), "../x/./y.yaml"),
            PathBuf::from("/p/x/y.yaml")
        );
        assert_eq!(
            join_lexically(Path::new("/p"), "/abs/y.yaml"),
            PathBuf::from("/abs/y.yaml")
        );
        assert_eq!(
            join_lexically(Path::new("p"), "../../y.yaml"),
            PathBuf::from("../y.yaml")
        );
    }

    #[test]
    fn a_local_definition_is_merged_over_the_included_one() {
        let mut projects = Projects::default().with(
            "/p/sub/inc.yaml",
            "services:
  bar: {image: bar, environment: {FOO: BAR}}
  web: {image: w0, environment: {A: '1'}, build: {context: /p/sub}}",
        );
        let mut project = y("include: [{path: [sub/inc.yaml]}]
services:
  bar: {image: busybox, environment: {ZOT: QIX}}
  web: {image: w, environment: {B: '2'}}");
        let overrides = [YamlPath::of(&["services", "bar", "environment"])];
        let problems = apply_tagged(
            &mut project,
            Path::new("/p/compose.yaml"),
            &[],
            &[],
            &overrides,
            &mut projects,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            project["services"]["bar"],
            y("{image: busybox, environment: {ZOT: QIX}}")
        );
        assert_eq!(
            project["services"]["web"],
            y("{image: w, environment: {A: '1', B: '2'}, build: {context: /p/sub}}")
        );
    }

    #[test]
    fn including_the_same_file_twice_is_fine() {
        let mut projects =
            Projects::default().with("/p/inc.yaml", "services: {a: {image: a, ports: [{target: 80}]}}");
        let (got, problems) = run("include: [inc.yaml, inc.yaml]", &mut projects);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got, y("services: {a: {image: a, ports: [{target: 80}]}}"));
    }

    #[test]
    fn cycles_name_every_file() {
        let (_, problems) = run("include: [compose.yaml]", &mut Projects::default());
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "include cycle detected:\n/p/compose.yaml\n include /p/compose.yaml"
        );
        assert_eq!(problems[0].path.to_string(), "include[0]");

        let mut project = y("include: [{path: [../compose.yaml]}]");
        let chain = [PathBuf::from("/p/compose.yaml")];
        let problems = apply_tagged(
            &mut project,
            Path::new("/p/d/c.yaml"),
            &chain,
            &[],
            &[],
            &mut Projects::default(),
        );
        assert_eq!(
            problems[0].message,
            "include cycle detected:\n/p/compose.yaml\n include /p/d/c.yaml\n include /p/compose.yaml"
        );
    }

    #[test]
    fn every_failing_include_is_reported() {
        let mut projects = Projects::default().with("/p/ok.yaml", "services: {ok: {image: ok}}");
        let (got, problems) = run("include: [missing.yaml, ok.yaml, compose.yaml]", &mut projects);
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "open /p/missing.yaml: no such file or directory",
                "include cycle detected:\n/p/compose.yaml\n include /p/compose.yaml"
            ]
        );
        assert_eq!(got, y("services: {ok: {image: ok}}"));
    }
}
