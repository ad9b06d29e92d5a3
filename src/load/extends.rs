//! `extends:` from the same file or another file.
//!
//! Like the reference, this runs on ONE file's value, before that file is merged with the
//! others: `extends: {service: base}` sees the `base` of the same file only, not a `base`
//! that a later `-f` file redefines.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diag::Problem;
use crate::load::include::join_lexically;
use crate::load::merge::merge_under;
use crate::diag::yaml_path::YamlPath;
use crate::load::{Mapping, Value};

/// Loads another compose file through the per-file phases (parse, interpolate, validate,
/// canonical, paths relative to that file's directory).
pub trait FileSource {
    fn load(&mut self, path: &Path) -> Result<Value, Vec<Problem>>;
}

/// Resolves the file's references; `resets`/`overrides` are the file's `!reset`/`!override` tags: a tag on a service's key also acts on
/// what the service inherits (`command: !reset` drops the extended service's command).
pub fn apply_tagged(
    project: &mut Value,
    file: &Path,
    resets: &[YamlPath],
    overrides: &[YamlPath],
    files: &mut dyn FileSource,
) -> Vec<Problem> {
    let Some(Value::Mapping(slot)) = project.get_mut("services") else {
        return Vec::new();
    };
    let mut services = std::mem::take(slot);
    let names: Vec<String> = services
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let here = Origin {
        file,
        resets,
        overrides,
    };
    let mut resolver = Resolver {
        files,
        problems: Vec::new(),
        failed: HashSet::new(),
    };
    for name in names {
        // Resolving clones the service; most have nothing to resolve.
        if services.get(name.as_str()).and_then(|s| s.get("extends")).is_none() {
            continue;
        }
        // Failures are already recorded as problems; the other services still resolve.
        let _ = resolver.resolve(&mut services, &here, &name, &[]);
    }
    if let Some(Value::Mapping(slot)) = project.get_mut("services") {
        *slot = services;
    }
    resolver.problems
}

/// The file a service is defined in, with its tags.
struct Origin<'a> {
    file: &'a Path,
    resets: &'a [YamlPath],
    overrides: &'a [YamlPath],
}

/// A service being resolved: the file it is defined in and its name.
type Link = (PathBuf, String);

/// What a service extends, as written.
struct Target {
    service: String,
    file: Option<String>,
}

struct Resolver<'a> {
    files: &'a mut dyn FileSource,
    problems: Vec<Problem>,
    /// Services whose resolution failed, so that one cycle or missing base is reported once.
    failed: HashSet<Link>,
}

/// The failure was recorded in `Resolver::problems`.
struct Failed;

impl Resolver<'_> {
    /// The service `name` of `services` with its `extends` applied; the result is also stored
    /// back, so a service extended by several others is resolved once.
    fn resolve(
        &mut self,
        services: &mut Mapping,
        origin: &Origin,
        name: &str,
        chain: &[Link],
    ) -> Result<Value, Failed> {
        let service = services.get(name).cloned().unwrap_or(Value::Null);
        let Some(extends) = service.get("extends") else {
            return Ok(service);
        };
        let link = (origin.file.to_path_buf(), name.to_string());
        if self.failed.contains(&link) {
            return Err(Failed);
        }
        let at = YamlPath::of(&["services", name]);
        let chain: Vec<Link> = chain
            .iter()
            .cloned()
            .chain(std::iter::once(link.clone()))
            .collect();
        let base = match self.base_of(services, origin, name, extends, &chain) {
            Ok(base) => base,
            Err(problem) => {
                if let Some(p) = problem {
                    self.problems.push(p.in_file(origin.file));
                }
                self.failed.extend(chain);
                return Err(Failed);
            }
        };
        let base = if base.is_null() {
            Value::Mapping(Mapping::new())
        } else {
            base
        };
        let mut merged = merge_under(&at, base, service, origin.resets, origin.overrides);
        if let Value::Mapping(m) = &mut merged {
            m.remove("extends");
        }
        services.insert(Value::from(name), merged.clone());
        Ok(merged)
    }

    /// The resolved service that `name` extends. `Err(None)`: the problem is already recorded.
    fn base_of(
        &mut self,
        services: &mut Mapping,
        origin: &Origin,
        name: &str,
        extends: &Value,
        chain: &[Link],
    ) -> Result<Value, Option<Problem>> {
        let target = target(extends, name)?;
        let Some(written) = &target.file else {
            if !services.contains_key(target.service.as_str()) {
                return Err(Some(not_found(name, origin.file, &target, services)));
            }
            return self.follow(services, origin, &target.service, chain);
        };
        let path = relative_to(origin.file, written);
        let mut other = self.files.load(&path).map_err(|problems| {
            let at = YamlPath::of(&["services", name, "extends", "file"]);
            self.problems.extend(problems.into_iter().map(|p| p.or_at(origin.file, &at)));
            None
        })?;
        let Some(Value::Mapping(other_services)) = other.get_mut("services") else {
            return Err(Some(extends_problem(
                name,
                format!(
                    "cannot extend service \"{name}\" in {}: no services section",
                    path.display()
                ),
            )));
        };
        if !other_services.contains_key(target.service.as_str()) {
            return Err(Some(not_found(name, origin.file, &target, other_services)));
        }
        // The other file's own tags were applied when it was loaded as a file of its own.
        let there = Origin {
            file: &path,
            resets: &[],
            overrides: &[],
        };
        self.follow(other_services, &there, &target.service, chain)
    }

    /// Resolves the extended service itself, detecting a cycle first.
    fn follow(
        &mut self,
        services: &mut Mapping,
        origin: &Origin,
        name: &str,
        chain: &[Link],
    ) -> Result<Value, Option<Problem>> {
        let link = (origin.file.to_path_buf(), name.to_string());
        if chain.contains(&link) {
            let extending = chain.last().map_or(name, |(_, s)| s.as_str());
            return Err(Some(circular(chain, &link, extending)));
        }
        self.resolve(services, origin, name, chain).map_err(|Failed| None)
    }
}

fn target(extends: &Value, name: &str) -> Result<Target, Option<Problem>> {
    match extends {
        Value::String(s) => Ok(Target {
            service: s.clone(),
            file: None,
        }),
        Value::Mapping(m) => {
            let text = |key: &str| m.get(key).and_then(Value::as_str).map(str::to_string);
            let service = text("service").ok_or_else(|| {
                Some(
                    Problem::error(
                        "dockhand::extends_service_required",
                        YamlPath::of(&["services", name, "extends"]),
                        format!("extends.{name}.service is required"),
                    )
                    .with_help("name the service to extend: `extends: {service: <name>}`"),
                )
            })?;
            Ok(Target {
                service,
                file: text("file"),
            })
        }
        _ => Err(Some(extends_problem(
            name,
            format!("services.{name}.extends must be a mapping"),
        ))),
    }
}

fn relative_to(file: &Path, written: &str) -> PathBuf {
    join_lexically(file.parent().unwrap_or_else(|| Path::new("")), written)
}

fn not_found(name: &str, file: &Path, target: &Target, services: &Mapping) -> Problem {
    let mut message = format!(
        "cannot extend service \"{name}\" in {}: service \"{}\" not found",
        file.display(),
        target.service
    );
    if let Some(other) = &target.file {
        message.push_str(&format!(" in {other}"));
    }
    let known: Vec<&str> = services.keys().filter_map(Value::as_str).collect();
    let help = match closest(&target.service, &known) {
        Some(near) => format!("did you mean \"{near}\"?"),
        None => format!("the services there are: {}", known.join(", ")),
    };
    Problem::error(
        "dockhand::extends_not_found",
        YamlPath::of(&["services", name, "extends", "service"]),
        message,
    )
    .with_help(help)
}

fn closest<'a>(wanted: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(wanted, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn extends_problem(name: &str, message: String) -> Problem {
    Problem::error(
        "dockhand::extends_invalid",
        YamlPath::of(&["services", name, "extends"]),
        message,
    )
    .with_help("write `extends: <service>` or `extends: {service: <name>, file: <path>}`")
}

/// The reference's wording: the first service of the chain, then each one it extends, down to
/// the one seen twice.
fn circular(chain: &[Link], again: &Link, extending: &str) -> Problem {
    let line = |(file, service): &Link| format!("{service} in {}", file.display());
    let mut lines = vec!["Circular reference:".to_string()];
    for (i, link) in chain.iter().chain(std::iter::once(again)).enumerate() {
        let prefix = if i == 0 { "  " } else { "  extends " };
        lines.push(format!("{prefix}{}", line(link)));
    }
    Problem::error(
        "dockhand::extends_cycle",
        YamlPath::of(&["services", extending, "extends"]),
        lines.join("\n"),
    )
    .with_help("a service cannot extend itself, directly or through others")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn y(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    /// Files by absolute path, already "loaded" (canonical, paths absolute).
    #[derive(Default)]
    struct Files {
        files: HashMap<PathBuf, Value>,
        loads: Vec<PathBuf>,
    }

    impl Files {
        fn with(mut self, path: &str, text: &str) -> Self {
            self.files.insert(PathBuf::from(path), y(text));
            self
        }
    }

    impl FileSource for Files {
        fn load(&mut self, path: &Path) -> Result<Value, Vec<Problem>> {
            self.loads.push(path.to_path_buf());
            self.files.get(path).cloned().ok_or_else(|| {
                vec![Problem::error(
                    "dockhand::file_not_found",
                    YamlPath::root(),
                    format!("open {}: no such file or directory", path.display()),
                )]
            })
        }
    }

    fn run(text: &str, files: &mut Files) -> (Value, Vec<Problem>) {
        let mut project = y(text);
        let problems = apply_tagged(&mut project, Path::new("/p/compose.yaml"), &[], &[], files);
        (project, problems)
    }

    fn messages(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(|p| p.message.clone()).collect()
    }

    #[test]
    fn extends_a_service_of_the_same_file() {
        let (got, problems) = run(
            "services:
  base: {image: base, environment: {A: '1'}, ports: [{target: 80, published: '8080', protocol: tcp}]}
  web: {extends: {service: base}, environment: {B: '2'}, ports: [{target: 80, published: '8080', protocol: tcp}]}",
            &mut Files::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            got["services"]["web"],
            y("{image: base, environment: {A: '1', B: '2'}, ports: [{target: 80, published: '8080', protocol: tcp}]}")
        );
        assert_eq!(got["services"]["base"]["image"], y("base"));
    }

    #[test]
    fn chains_resolve_in_any_order() {
        let (got, problems) = run(
            "services:
  a: {extends: {service: b}, command: [a]}
  b: {extends: {service: c}, ulimits: {nproc: 10}}
  c: {image: c, ulimits: {nofile: {soft: 1, hard: 2}}}",
            &mut Files::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            got["services"]["a"],
            y("{image: c, ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}, command: [a]}")
        );
        assert_eq!(
            got["services"]["b"],
            y("{image: c, ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}}")
        );
    }

    #[test]
    fn extends_a_service_of_another_file_with_its_own_paths() {
        let mut files = Files::default().with(
            "/p/sub/base.yaml",
            "services: {test: {build: {context: /p/sub, dockerfile: Dockerfile}}}",
        );
        let (got, problems) = run(
            "services:
  web: {extends: {file: sub/base.yaml, service: test}, image: web}",
            &mut files,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            got["services"]["web"],
            y("{build: {context: /p/sub, dockerfile: Dockerfile}, image: web}")
        );
        assert_eq!(files.loads, vec![PathBuf::from("/p/sub/base.yaml")]);
    }

    #[test]
    fn another_file_can_extend_within_itself_and_onwards() {
        let mut files = Files::default()
            .with(
                "/p/dir/compose.yaml",
                "services: {test: {extends: {file: base.yaml, service: test}}, other: {extends: {service: test}}}",
            )
            .with("/p/dir/base.yaml", "services: {test: {image: hello-world}}");
        let (got, problems) = run(
            "services:
  test: {extends: {file: dir/compose.yaml, service: other}}",
            &mut files,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got["services"]["test"], y("{image: hello-world}"));
    }

    #[test]
    fn references_to_other_services_are_kept() {
        let (got, problems) = run(
            "services:
  base: {image: foo, depends_on: {zot: {condition: service_started, required: true}}, volumes_from: [zot], network_mode: 'service:zot'}
  web: {extends: {service: base}}",
            &mut Files::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got["services"]["web"], got["services"]["base"]);
    }

    #[test]
    fn reset_in_the_extending_service_drops_the_inherited_value() {
        let mut project = y("services:
  init: {image: 'alpine:latest', command: [sleep, infinity]}
  base: {extends: {service: init}}");
        // `command: !reset null`, as the parser leaves it: the key gone, its path recorded.
        let resets = [YamlPath::of(&["services", "base", "command"])];
        let problems = apply_tagged(
            &mut project,
            Path::new("/p/compose.yaml"),
            &resets,
            &[],
            &mut Files::default(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(project["services"]["base"], y("{image: 'alpine:latest'}"));
    }

    #[test]
    fn missing_services_are_reported_with_the_reference_wording() {
        let mut files = Files::default().with("/p/other.yaml", "services: {z: {image: z}}");
        let (_, problems) = run(
            "services:
  a: {image: x, extends: {service: nope}}
  b: {image: x, extends: {file: other.yaml, service: nope}}
  c: {image: x, extends: {file: missing.yaml, service: z}}",
            &mut files,
        );
        assert_eq!(
            messages(&problems),
            vec![
                "cannot extend service \"a\" in /p/compose.yaml: service \"nope\" not found",
                "cannot extend service \"b\" in /p/compose.yaml: service \"nope\" not found in other.yaml",
                "open /p/missing.yaml: no such file or directory",
            ]
        );
        assert_eq!(problems[0].path.to_string(), "services.a.extends.service");
    }

    #[test]
    fn a_missing_service_key_is_reported() {
        let (_, problems) = run(
            "services:\n  a: {image: x, extends: {file: other.yaml}}",
            &mut Files::default(),
        );
        assert_eq!(messages(&problems), vec!["extends.a.service is required"]);
    }

    #[test]
    fn cycles_are_reported_once() {
        let (_, problems) = run(
            "services:
  a: {extends: {service: b}}
  b: {extends: {service: c}}
  c: {extends: {service: a}, image: x}",
            &mut Files::default(),
        );
        assert_eq!(
            messages(&problems),
            vec![
                "Circular reference:
  a in /p/compose.yaml
  extends b in /p/compose.yaml
  extends c in /p/compose.yaml
  extends a in /p/compose.yaml"
            ]
        );
        let (_, problems) = run(
            "services:\n  a: {extends: {service: a}, image: x}",
            &mut Files::default(),
        );
        assert_eq!(
            messages(&problems),
            vec!["Circular reference:\n  a in /p/compose.yaml\n  extends a in /p/compose.yaml"]
        );
    }

    /// Reads fixture files as they are (short syntax, relative paths), which is enough to see
    /// which definitions end up where.
    struct Disk;

    impl FileSource for Disk {
        fn load(&mut self, path: &Path) -> Result<Value, Vec<Problem>> {
            let text = std::fs::read_to_string(path).map_err(|e| {
                vec![Problem::error(
                    "dockhand::io",
                    YamlPath::root(),
                    format!("{}: {e}", path.display()),
                )]
            })?;
            Ok(serde_yaml::from_str(&text).unwrap())
        }
    }

    fn fixture(testdata: &Path, relative: &str) -> (Value, Vec<Problem>) {
        let path = testdata.join(relative);
        let mut project = Disk.load(&path).unwrap();
        let problems = apply_tagged(&mut project, &path, &[], &[], &mut Disk);
        (project, problems)
    }

    #[test]
    fn conformance_extends_fixtures() {
        let Some(testdata) = crate::conformance::path("fixtures/compose-go/loader/testdata") else {
            return;
        };
        let fixture = |relative| fixture(&testdata, relative);
        let (got, problems) = fixture("extends/base.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got["services"]["another"], y("{image: base}"));
        assert_eq!(got["services"]["with-build"], y("{build: .}"));

        let (got, problems) = fixture("compose-test-extends.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        let importer = &got["services"]["importer"];
        assert_eq!(importer["image"], y("nginx"));
        assert_eq!(importer["volumes"], y("['/opt/data:/var/lib/mysql']"));
        assert!(importer.get("extends").is_none());

        let (got, problems) = fixture("extends/withdir/compose.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got["services"]["test"], y("{image: hello-world}"));
    }

    #[test]
    fn cycles_across_files_are_detected() {
        let mut files = Files::default()
            .with(
                "/p/b.yaml",
                "services: {b: {extends: {file: compose.yaml, service: a}}}",
            )
            .with(
                "/p/compose.yaml",
                "services: {a: {extends: {file: b.yaml, service: b}}}",
            );
        let (_, problems) = run(
            "services:\n  a: {extends: {file: b.yaml, service: b}}",
            &mut files,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0]
            .message
            .starts_with("Circular reference:\n  a in /p/compose.yaml\n  extends b in /p/b.yaml"));
    }
}
