//! The project's environment (shell > --env-file > .env) and each service's `env_file:` +
//! `environment:` resolved into one map.
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::diag::{Problem, Span};
use crate::load::dotenv::{self, DotenvError, Entries};
use crate::diag::yaml_path::YamlPath;
use crate::load::{Env, Mapping, Value};
use crate::model::{Project, Sensitive};

/// Secrets and configs from `environment:` take the variable's value from the project's
/// environment (the shell, then the env files), as the reference reads it when it copies them
/// into a container. An unset variable is an error only for a container that needs it.
pub fn read_file_values(project: &mut Project, env: &Env) {
    for object in project
        .secrets
        .values_mut()
        .chain(project.configs.values_mut())
    {
        object.value = object
            .environment
            .as_ref()
            .and_then(|var| env.get(var))
            .map(Sensitive::new);
    }
}

/// Reads a file; the loader passes the real filesystem, tests pass a map.
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// The variables interpolation sees. `env_files` empty means `<project_dir>/.env` if present.
/// Values in the files may use the shell's variables and those of earlier entries and
/// files; the shell wins over every file, a later file over an earlier one.
pub fn project_env(
    shell: &Env,
    project_dir: &Path,
    env_files: &[PathBuf],
    read: ReadFile,
) -> Result<Env, Vec<Problem>> {
    let optional = env_files.is_empty();
    let default_file = [project_dir.join(".env")];
    let files = if optional { &default_file[..] } else { env_files };
    let mut from_files = Entries::new();
    let mut problems = Vec::new();
    for path in files {
        match read_project_file(path, optional, shell, &from_files, read) {
            Ok(entries) => from_files.extend(entries.into_iter().filter(|(_, v)| v.is_some())),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut env: Env = from_files
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    env.extend(shell.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(env)
}

fn read_project_file(
    path: &Path,
    optional: bool,
    shell: &Env,
    earlier: &Entries,
    read: ReadFile,
) -> Result<Entries, Problem> {
    let text = match read(path) {
        Ok(text) => text,
        // The reference also passes over a `.env` it cannot read, such as a directory.
        Err(_) if optional => return Ok(Entries::new()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Problem::error(
                "dockhand::env_file_missing",
                YamlPath::root(),
                format!("couldn't find env file: {}", path.display()),
            )
            .with_help("check the path given to --env-file (or COMPOSE_ENV_FILES)")
            .in_file(path))
        }
        Err(e) => return Err(read_problem(path, &e.to_string(), YamlPath::root()).in_file(path)),
    };
    let lookup = |k: &str| shell.get(k).cloned();
    let fallback = |k: &str| earlier.get(k).cloned().flatten();
    dotenv::parse_layered(&text, &lookup, &fallback)
        .map(dotenv::without_digit_keys)
        .map_err(|e| dotenv_problem(path, &text, &e, YamlPath::root()))
}

fn read_problem(path: &Path, message: &str, at: YamlPath) -> Problem {
    Problem::error(
        "dockhand::env_file",
        at,
        format!("failed to read {}: {message}", path.display()),
    )
    .with_help("fix the file, or remove it from the env files")
}

/// A parse error of a dotenv file points at its line in that file.
fn dotenv_problem(path: &Path, text: &str, err: &DotenvError, at: YamlPath) -> Problem {
    let mut p = read_problem(path, &err.message, at)
        .with_help("env files hold `KEY=value` lines; quote values with spaces, `#` or `$`")
        .in_file(path);
    p.span = line_span(text, err.line);
    p
}

fn line_span(text: &str, line: usize) -> Option<Span> {
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let len = text.get(offset..)?.split('\n').next().map_or(0, str::len);
    Some(Span { offset, len })
}

/// For each service: loads its `env_file:` entries (paths already absolute) and merges
/// `environment:` over them; bare names take their value from `env` or stay unset. The
/// merged map replaces `environment:` and `env_file:` is dropped, as in the reference's
/// `config` output. Without `env_files`, only the label files are read.
pub fn resolve_services(project: &mut Value, env: &Env, env_files: bool, read: ReadFile) -> Vec<Problem> {
    let Some(services) = project.get_mut("services").and_then(Value::as_mapping_mut) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (name, service) in services.iter_mut() {
        let (Some(name), Some(service)) = (name.as_str(), service.as_mapping_mut()) else {
            continue;
        };
        let at = YamlPath::of(&["services", name]);
        if env_files {
            problems.extend(resolve_service(service, &at, env, read));
        }
        problems.extend(resolve_label_files(service, &at.key("label_file"), read));
    }
    problems
}

fn resolve_service(service: &mut Mapping, at: &YamlPath, env: &Env, read: ReadFile) -> Vec<Problem> {
    let (from_files, problems) = match service.remove("env_file") {
        Some(Value::Sequence(files)) => load_env_files(&files, &at.key("env_file"), env, read),
        _ => (Entries::new(), Vec::new()),
    };
    let mut merged = Mapping::new();
    for (k, v) in from_files {
        if let Some(v) = v {
            merged.insert(Value::String(k), Value::String(v));
        }
    }
    if let Some(Value::Mapping(own)) = service.get("environment") {
        for (k, v) in own {
            let value = match (v, k.as_str().and_then(|k| env.get(k))) {
                (Value::Null, Some(from_env)) => Value::String(from_env.clone()),
                _ => v.clone(),
            };
            merged.insert(k.clone(), value);
        }
    }
    if !merged.is_empty() {
        service.insert(Value::String("environment".into()), Value::Mapping(merged));
    }
    problems
}

/// `label_file:` entries (paths already absolute) under the service's own `labels:`, which
/// win; a later file wins over an earlier one. As with the reference, the files see only
/// each other's labels, not the environment, and `label_file:` itself stays in the model.
fn resolve_label_files(service: &mut Mapping, at: &YamlPath, read: ReadFile) -> Vec<Problem> {
    let Some(Value::Sequence(files)) = service.get("label_file") else {
        return Vec::new();
    };
    let mut from_files = Entries::new();
    let mut problems = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let Some(path) = path.as_str().map(Path::new) else { continue };
        let at = at.index(i);
        let text = match read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let p = path.display();
                problems.push(
                    Problem::error(
                        "dockhand::label_file_missing",
                        at,
                        format!("label file {p} not found: stat {p}: no such file or directory"),
                    )
                    .with_help("create the file, or remove it from `label_file`"),
                );
                continue;
            }
            Err(e) => {
                problems.push(read_problem(path, &e.to_string(), at));
                continue;
            }
        };
        let fallback = |k: &str| from_files.get(k).cloned().flatten();
        match dotenv::parse_layered(&text, &|_| None, &fallback) {
            Ok(entries) => from_files.extend(entries),
            Err(e) => problems.push(dotenv_problem(path, &text, &e, at)),
        }
    }
    let mut labels: Mapping =
        from_files.into_iter().filter_map(|(k, v)| Some((Value::String(k), Value::String(v?)))).collect();
    if let Some(Value::Mapping(own)) = service.get("labels") {
        labels.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if !labels.is_empty() {
        service.insert(Value::String("labels".into()), Value::Mapping(labels));
    }
    problems
}

/// One `env_file:` entry in canonical form.
struct EnvFileRef<'a> {
    path: &'a str,
    required: bool,
    raw: bool,
}

fn env_file_ref(entry: &Value) -> Result<EnvFileRef<'_>, String> {
    let path = entry
        .get("path")
        .and_then(Value::as_str)
        .ok_or("env_file entry without a path")?;
    let required = entry.get("required").and_then(Value::as_bool).unwrap_or(true);
    let raw = match entry.get("format").and_then(Value::as_str) {
        None => false,
        Some("raw") => true,
        Some(other) => return Err(format!("unsupported env_file format: {other}")),
    };
    Ok(EnvFileRef { path, required, raw })
}

fn load_env_files(files: &[Value], at: &YamlPath, env: &Env, read: ReadFile) -> (Entries, Vec<Problem>) {
    let mut merged = Entries::new();
    let mut problems = Vec::new();
    for (i, entry) in files.iter().enumerate() {
        let at = at.index(i);
        let loaded = env_file_ref(entry)
            .map_err(|m| {
                Problem::error("dockhand::env_file", at.clone(), m)
                    .with_help("write a path, or `{path: ..., required: true|false, format: raw}`")
            })
            .and_then(|file| load_env_file(&file, &at, env, &merged, read));
        match loaded {
            Ok(entries) => merged.extend(entries),
            Err(p) => problems.push(p),
        }
    }
    (merged, problems)
}

fn load_env_file(
    file: &EnvFileRef,
    at: &YamlPath,
    env: &Env,
    earlier: &Entries,
    read: ReadFile,
) -> Result<Entries, Problem> {
    let path = Path::new(file.path);
    let text = match read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound && !file.required => return Ok(Entries::new()),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Problem::error(
                "dockhand::env_file_missing",
                at.clone(),
                format!(
                    "env file {p} not found: stat {p}: no such file or directory",
                    p = path.display()
                ),
            )
            .with_help("create the file, or mark the entry `required: false`"))
        }
        Err(e) => return Err(read_problem(path, &e.to_string(), at.clone())),
    };
    let lookup = |k: &str| env.get(k).cloned();
    let fallback = |k: &str| earlier.get(k).cloned().flatten();
    let parsed = if file.raw {
        dotenv::parse_raw(&text, &lookup)
    } else {
        dotenv::parse_layered(&text, &lookup, &fallback)
    };
    parsed.map_err(|e| {
        let p = dotenv_problem(path, &text, &e, at.clone());
        if file.raw {
            Problem {
                message: format!("failed to parse env_file {}: {}", path.display(), e.message),
                ..p
            }
        } else {
            p
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io;

    fn files(list: &[(&str, &str)]) -> impl Fn(&Path) -> io::Result<String> {
        let map: HashMap<PathBuf, String> = list
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        move |p: &Path| match map.get(p) {
            Some(t) if t == "<dir>" => Err(io::Error::other("is a directory")),
            Some(t) => Ok(t.clone()),
            None => Err(io::Error::from(ErrorKind::NotFound)),
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn dot_env_feeds_interpolation_and_the_shell_wins() {
        // compose-go TestEnvVariablePrecedence
        let read = files(&[("/p/.env", "FOO=foo\nBAR=${FOO}\n")]);
        let got = project_env(&env(&[]), Path::new("/p"), &[], &read).unwrap();
        assert_eq!(got, env(&[("FOO", "foo"), ("BAR", "foo")]));
        let got = project_env(&env(&[("FOO", "zot")]), Path::new("/p"), &[], &read).unwrap();
        assert_eq!(got["FOO"], "zot");
        assert_eq!(got["BAR"], "zot");
    }

    #[test]
    fn missing_or_unreadable_dot_env_is_fine() {
        let got = project_env(&env(&[("A", "1")]), Path::new("/p"), &[], &files(&[])).unwrap();
        assert_eq!(got, env(&[("A", "1")]));
        let dir = files(&[("/p/.env", "<dir>")]);
        assert!(project_env(&env(&[]), Path::new("/p"), &[], &dir).is_ok());
    }

    #[test]
    fn env_files_replace_dot_env_and_later_ones_win() {
        let read = files(&[
            ("/p/.env", "PORT=1\nONLY_DOT=1\n"),
            (
                "/p/a.env",
                "PORT=8000\nHOST=localhost\nURL=http://${HOST}\n456=x\n",
            ),
            ("/p/b.env", "PORT=9000\nHOST=dev\nURL=http://${HOST}:${PORT}\n"),
        ]);
        let list = [PathBuf::from("/p/a.env"), PathBuf::from("/p/b.env")];
        let got = project_env(&env(&[]), Path::new("/p"), &list, &read).unwrap();
        assert_eq!(
            got,
            env(&[("PORT", "9000"), ("HOST", "dev"), ("URL", "http://dev:9000")])
        );
    }

    #[test]
    fn missing_env_file_and_bad_lines_are_all_reported() {
        let read = files(&[("/p/bad.env", "A=1\n\nbad line\n")]);
        let list = [PathBuf::from("/p/nope.env"), PathBuf::from("/p/bad.env")];
        let problems = project_env(&env(&[]), Path::new("/p"), &list, &read).unwrap_err();
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "couldn't find env file: /p/nope.env",
                "failed to read /p/bad.env: line 3: key cannot contain a space"
            ]
        );
        assert_eq!(problems[1].span, Some(Span { offset: 5, len: 8 }));
        assert_eq!(problems[1].file.as_deref(), Some(Path::new("/p/bad.env")));
    }

    const PROJECT: &str = "
services:
  web:
    image: x
    env_file:
      - {path: /p/a.env, required: true}
      - {path: /p/missing.env, required: false}
      - {path: /p/raw.env, required: true, format: raw}
    environment:
      FROM_ENV: null
      UNSET: null
      B: own
  db:
    image: y
";

    #[test]
    fn service_environment_merges_env_files_and_own_entries() {
        let read = files(&[
            ("/p/a.env", "A=1\nB=from_file\nC=${PORT}\nBARE\nD=${A}2\n"),
            ("/p/raw.env", "R='{\"k\": 1}'\nA=raw\n"),
        ]);
        let mut project = yaml(PROJECT);
        let problems = resolve_services(&mut project, &env(&[("PORT", "80"), ("FROM_ENV", "e")]), true, &read);
        assert!(problems.is_empty(), "{problems:?}");
        let web = &project["services"]["web"];
        assert_eq!(
            web["environment"],
            yaml("{A: raw, B: own, C: '80', D: '12', R: '''{\"k\": 1}''', FROM_ENV: e, UNSET: null}")
        );
        assert!(web.get("env_file").is_none());
        assert!(project["services"]["db"].get("environment").is_none());
    }

    /// `config --no-env-resolution`: env files stay as they are, not even read (a missing one
    /// is no error); label files are still read.
    #[test]
    fn without_env_resolution_env_files_stay_and_label_files_are_read() {
        let read = files(&[("/p/a.labels", "A=1\n")]);
        let mut project = yaml("services: {web: {env_file: [{path: /gone.env}], label_file: [/p/a.labels]}}");
        let problems = resolve_services(&mut project, &env(&[]), false, &read);
        assert!(problems.is_empty(), "{problems:?}");
        let web = &project["services"]["web"];
        assert_eq!(web["env_file"], yaml("[{path: /gone.env}]"));
        assert!(web.get("environment").is_none());
        assert_eq!(web["labels"], yaml("{A: '1'}"));
    }

    /// Observed with the reference: label files see each other's labels but not the
    /// environment; the service's own labels win, a missing file is an error.
    #[test]
    fn label_files_go_under_the_services_own_labels() {
        let read = files(&[("/p/a.labels", "A=1\nB=${A}\nC=${PORT:-none}\nBARE\n"), ("/p/b.labels", "A=2\nD=${B}\nL=file\n")]);
        let mut project = yaml("services: {web: {label_file: [/p/a.labels, /p/b.labels], labels: {L: own}}}");
        let problems = resolve_services(&mut project, &env(&[("PORT", "80")]), true, &read);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(project["services"]["web"]["labels"], yaml("{A: '2', B: '1', C: none, D: '1', L: own}"));
        assert_eq!(project["services"]["web"]["label_file"], yaml("[/p/a.labels, /p/b.labels]"));
        let mut project = yaml("services: {web: {label_file: [/p/gone.labels]}}");
        let problems = resolve_services(&mut project, &env(&[]), true, &read);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path.to_string(), "services.web.label_file[0]");
        assert!(problems[0].message.starts_with("label file /p/gone.labels not found"), "{}", problems[0].message);
    }

    #[test]
    fn required_missing_env_file_is_an_error_at_its_entry() {
        let mut project = yaml(PROJECT);
        let read = files(&[("/p/raw.env", "bad key=1\n")]);
        let problems = resolve_services(&mut project, &env(&[]), true, &read);
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.path.to_string(), p.message.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "services.web.env_file[0]".to_string(),
                    "env file /p/a.env not found: stat /p/a.env: no such file or directory".to_string()
                ),
                (
                    "services.web.env_file[2]".to_string(),
                    "failed to parse env_file /p/raw.env: variable 'bad key' contains whitespaces"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn env_file_expansion_errors_are_reported() {
        let mut project = yaml("services:\n  s:\n    env_file: [{path: /p/a.env, required: true}]\n");
        let read = files(&[("/p/a.env", "A=${X:?nope}\n")]);
        let problems = resolve_services(&mut project, &env(&[]), true, &read);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "failed to read /p/a.env: required variable X is missing a value: nope"
        );
    }
}
