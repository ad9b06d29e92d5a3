//! Relative paths of one file made absolute against that file's base directory.
//!
//! Works on the canonical long form. Absolute paths are left as they are, so running it twice
//! (or once more on the merged project with the project directory, to absolutise defaults such
//! as a `build.context` of `.` added by normalisation) changes nothing already resolved.
use std::path::{Component, Path, PathBuf};

use crate::load::Value;

pub fn resolve(value: &mut Value, base_dir: &Path, home: Option<&Path>) {
    resolve_with(value, Resolver { base: base_dir, home, references: true });
}

/// Without path resolution an extended or included file's paths are still rebased onto the
/// project directory (`rel`, relative; `~` is expanded as the reference does there), but not
/// its own `extends.file` and `include` entries: those are followed from the file itself, and
/// are not printed.
pub fn rebase(value: &mut Value, rel: &Path, home: Option<&Path>) {
    resolve_with(value, Resolver { base: rel, home, references: false });
}

fn resolve_with(value: &mut Value, r: Resolver) {
    if let Some(services) = value.get_mut("services").and_then(Value::as_mapping_mut) {
        for (_, service) in services.iter_mut() {
            r.service(service);
        }
    }
    for kind in ["secrets", "configs"] {
        if let Some(defs) = value.get_mut(kind).and_then(Value::as_mapping_mut) {
            for (_, def) in defs.iter_mut() {
                r.field(def, "file");
            }
        }
    }
    if let Some(defs) = value.get_mut("volumes").and_then(Value::as_mapping_mut) {
        for (_, def) in defs.iter_mut() {
            r.local_bind_device(def);
        }
    }
    let includes = value.get_mut("include").filter(|_| r.references);
    if let Some(includes) = includes.and_then(Value::as_sequence_mut) {
        for include in includes {
            r.include(include);
        }
    }
}

struct Resolver<'a> {
    base: &'a Path,
    home: Option<&'a Path>,
    /// Whether `extends.file` and `include` paths are resolved too.
    references: bool,
}

impl Resolver<'_> {
    fn service(&self, service: &mut Value) {
        if let Some(build) = service.get_mut("build") {
            self.build(build);
        }
        if let Some(volumes) = service.get_mut("volumes").and_then(Value::as_sequence_mut) {
            volumes.iter_mut().for_each(|v| self.bind_source(v));
        }
        if let Some(files) = service.get_mut("env_file") {
            self.each(files, |r, f| match f {
                Value::String(_) => r.string(f),
                _ => r.field(f, "path"),
            });
        }
        if let Some(files) = service.get_mut("label_file") {
            self.each(files, Resolver::string);
        }
        if let Some(extends) = service.get_mut("extends").filter(|_| self.references) {
            self.field(extends, "file");
        }
        let watch = service.get_mut("develop").and_then(|d| d.get_mut("watch"));
        if let Some(rules) = watch.and_then(Value::as_sequence_mut) {
            for rule in rules {
                if let Some(p) = rule.get_mut("path") {
                    self.each(p, Resolver::string);
                }
            }
        }
    }

    fn build(&self, build: &mut Value) {
        if let Some(ctx) = build.get_mut("context") {
            if ctx.as_str().is_some_and(|c| !is_remote_context(c)) {
                self.string(ctx);
            }
        }
        if let Some(contexts) = build
            .get_mut("additional_contexts")
            .and_then(Value::as_mapping_mut)
        {
            for (_, ctx) in contexts.iter_mut() {
                if ctx.as_str().is_some_and(|c| !is_named_context(c)) {
                    self.string(ctx);
                }
            }
        }
        if let Some(ssh) = build.get_mut("ssh") {
            self.ssh(ssh);
        }
    }

    /// `id=path` entries (or an `id: path` mapping); `default` alone names the agent socket.
    fn ssh(&self, ssh: &mut Value) {
        match ssh {
            Value::Sequence(entries) => {
                for e in entries {
                    let resolved = e
                        .as_str()
                        .and_then(|s| s.split_once('='))
                        .and_then(|(id, p)| (!p.is_empty()).then(|| format!("{id}={}", self.path(p))));
                    if let Some(s) = resolved {
                        *e = Value::String(s);
                    }
                }
            }
            Value::Mapping(m) => m.iter_mut().for_each(|(_, p)| self.string(p)),
            _ => {}
        }
    }

    fn bind_source(&self, volume: &mut Value) {
        if volume.get("type").and_then(Value::as_str) == Some("bind") {
            self.field(volume, "source");
        }
    }

    /// A `local` volume mounted with `o: bind` is a host directory: its `device` is a path,
    /// and an empty one means the base directory itself, as the reference has it.
    fn local_bind_device(&self, def: &mut Value) {
        let local_bind = def.get("driver").and_then(Value::as_str) == Some("local")
            && def.get("driver_opts").and_then(|o| o.get("o")).and_then(Value::as_str) == Some("bind");
        let device = def.get_mut("driver_opts").and_then(|o| o.get_mut("device"));
        match device {
            Some(d) if local_bind && d.as_str() == Some("") => {
                *d = Value::String(self.base.to_string_lossy().into_owned());
            }
            Some(d) if local_bind => self.string(d),
            _ => {}
        }
    }

    fn include(&self, include: &mut Value) {
        match include {
            Value::String(_) => self.string(include),
            Value::Mapping(_) => {
                for key in ["path", "env_file"] {
                    if let Some(v) = include.get_mut(key) {
                        self.each(v, Resolver::string);
                    }
                }
                self.field(include, "project_directory");
            }
            _ => {}
        }
    }

    /// Applies `f` to a value that may be one item or a list of items.
    fn each(&self, v: &mut Value, f: impl Fn(&Self, &mut Value)) {
        match v {
            Value::Sequence(items) => items.iter_mut().for_each(|i| f(self, i)),
            other => f(self, other),
        }
    }

    fn field(&self, v: &mut Value, key: &str) {
        if let Some(s) = v.get_mut(key) {
            self.string(s);
        }
    }

    fn string(&self, v: &mut Value) {
        if let Some(s) = v.as_str() {
            if !s.is_empty() {
                *v = Value::String(self.path(s));
            }
        }
    }

    fn path(&self, p: &str) -> String {
        if Path::new(p).is_absolute() || looks_like_windows_path(p) {
            return p.to_string();
        }
        let joined = match (p.strip_prefix('~'), self.home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                home.join(rest.trim_start_matches('/'))
            }
            _ => self.base.join(p),
        };
        clean(&joined).to_string_lossy().into_owned()
    }
}

/// An included project builds from its own directory when `build` names no context: that
/// default must be set before its services join the including project, whose directory differs.
pub fn default_build_context(project: &mut Value, dir: &Path) {
    let Some(Value::Mapping(services)) = project.get_mut("services") else { return };
    for (_, service) in services.iter_mut() {
        if let Some(Value::Mapping(build)) = service.get_mut("build") {
            if !build.contains_key("context") {
                build.insert("context".into(), dir.to_string_lossy().into_owned().into());
            }
        }
    }
}

/// `to` as a path relative to `from` (both absolute and clean), like Go's `filepath.Rel`:
/// `../subdir` for a sibling directory, `.` for the same one.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: PathBuf = from[common..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&to[common..]);
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Lexical clean-up like Go's `filepath.Clean`: the reference prints `/a/up`, not `/a/b/../up`.
pub(crate) fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            // A leading `..` stays: `../../x` is not `x`.
            Component::ParentDir => {
                if out.ends_with("..") || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn looks_like_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// Build contexts the builder fetches itself: URLs and git remotes.
fn is_remote_context(c: &str) -> bool {
    c.contains("://") || c.starts_with("git@") || c.starts_with("github.com/")
}

/// Additional contexts may also name images or other services instead of directories.
fn is_named_context(c: &str) -> bool {
    is_remote_context(c) || c.starts_with("service:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(yaml: &str) -> Value {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        resolve(&mut v, Path::new("/proj/dir"), Some(Path::new("/home/me")));
        v
    }

    fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
        path.iter().fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*k],
        })
    }

    #[test]
    fn included_projects_build_from_their_own_directory() {
        let mut v: Value = serde_yaml::from_str("services: {a: {build: {dockerfile: D}}, b: {build: {context: /x}}}").unwrap();
        default_build_context(&mut v, Path::new("/inc"));
        assert_eq!(v["services"]["a"]["build"]["context"], "/inc");
        assert_eq!(v["services"]["b"]["build"]["context"], "/x");
    }

    #[test]
    fn build_contexts_except_remote_ones() {
        let v = resolved(
            r#"
services:
  a:
    build:
      context: ./ctx
      dockerfile: sub/Dockerfile
      additional_contexts: {a: ../other, b: "docker-image://alpine", c: "service:x", d: "~/x"}
      ssh: [default, "k=./key"]
  b: {build: {context: "https://github.com/x/y.git#main"}}
  c: {build: {context: "git@github.com:x/y.git"}}
  d: {build: {context: .}}
"#,
        );
        let a = at(&v, &["services", "a", "build"]);
        assert_eq!(a["context"], "/proj/dir/ctx");
        assert_eq!(a["dockerfile"], "sub/Dockerfile");
        assert_eq!(a["additional_contexts"]["a"], "/proj/other");
        assert_eq!(a["additional_contexts"]["b"], "docker-image://alpine");
        assert_eq!(a["additional_contexts"]["c"], "service:x");
        assert_eq!(a["additional_contexts"]["d"], "/home/me/x");
        assert_eq!(a["ssh"][0], "default");
        assert_eq!(a["ssh"][1], "k=/proj/dir/key");
        assert_eq!(
            at(&v, &["services", "b", "build", "context"]),
            "https://github.com/x/y.git#main"
        );
        assert_eq!(
            at(&v, &["services", "c", "build", "context"]),
            "git@github.com:x/y.git"
        );
        assert_eq!(at(&v, &["services", "d", "build", "context"]), "/proj/dir");
    }

    #[test]
    fn bind_sources_only() {
        let v = resolved(
            r#"
services:
  a:
    volumes:
      - {type: bind, source: ./data, target: /d}
      - {type: bind, source: ../up, target: /u}
      - {type: bind, source: "~/h", target: /h}
      - {type: bind, source: "~", target: /hh}
      - {type: bind, source: ., target: /dot}
      - {type: bind, source: /abs, target: /abs}
      - {type: volume, source: named, target: /n}
      - {type: tmpfs, target: /t}
"#,
        );
        let vols = at(&v, &["services", "a", "volumes"]);
        let sources: Vec<_> = (0..7).map(|i| vols[i]["source"].as_str().unwrap()).collect();
        assert_eq!(
            sources,
            [
                "/proj/dir/data",
                "/proj/up",
                "/home/me/h",
                "/home/me",
                "/proj/dir",
                "/abs",
                "named"
            ]
        );
        assert!(vols[7].get("source").is_none());
    }

    #[test]
    fn files_of_services_resources_and_includes() {
        let v = resolved(
            r#"
include:
  - path: [sub/inc.yaml]
    project_directory: ./sub
    env_file: [./sub/x.env]
services:
  a:
    env_file: [{path: ./a.env, required: true}, {path: /abs.env, required: false}]
    label_file: [./labels]
    extends: {file: ../base.yaml, service: b}
    develop:
      watch: [{path: ./src, action: sync, target: /app}]
secrets: {s: {file: ./secret.txt}, e: {environment: X}}
configs: {c: {file: conf}}
volumes:
  v: {driver_opts: {device: ./dev}}
  bound: {driver: local, driver_opts: {o: bind, device: ./dev}}
  here: {driver: local, driver_opts: {o: bind, type: none, device: ""}}
  nfs: {driver: local, driver_opts: {o: "addr=1.2.3.4", device: ./dev}}
"#,
        );
        let inc = at(&v, &["include", "0"]);
        assert_eq!(inc["path"][0], "/proj/dir/sub/inc.yaml");
        assert_eq!(inc["project_directory"], "/proj/dir/sub");
        assert_eq!(inc["env_file"][0], "/proj/dir/sub/x.env");
        let a = at(&v, &["services", "a"]);
        assert_eq!(a["env_file"][0]["path"], "/proj/dir/a.env");
        assert_eq!(a["env_file"][1]["path"], "/abs.env");
        assert_eq!(a["label_file"][0], "/proj/dir/labels");
        assert_eq!(a["extends"]["file"], "/proj/base.yaml");
        assert_eq!(a["develop"]["watch"][0]["path"], "/proj/dir/src");
        assert_eq!(at(&v, &["secrets", "s", "file"]), "/proj/dir/secret.txt");
        assert_eq!(at(&v, &["configs", "c", "file"]), "/proj/dir/conf");
        assert_eq!(at(&v, &["volumes", "v", "driver_opts", "device"]), "./dev");
        assert_eq!(at(&v, &["volumes", "bound", "driver_opts", "device"]), "/proj/dir/dev");
        assert_eq!(at(&v, &["volumes", "here", "driver_opts", "device"]), "/proj/dir");
        assert_eq!(at(&v, &["volumes", "nfs", "driver_opts", "device"]), "./dev");
    }

    #[test]
    fn resolving_twice_changes_nothing() {
        let once = resolved("services: {a: {build: {context: ./x}, env_file: [{path: e}]}}");
        let mut twice = once.clone();
        resolve(&mut twice, Path::new("/elsewhere"), None);
        assert_eq!(once, twice);
    }

    #[test]
    fn tilde_without_home_is_a_relative_name() {
        let mut v: Value = serde_yaml::from_str("secrets: {s: {file: '~/x'}}").unwrap();
        resolve(&mut v, Path::new("/p"), None);
        assert_eq!(v["secrets"]["s"]["file"], "/p/~/x");
    }

    #[test]
    fn relative_and_clean_keep_leading_parents_as_go_does() {
        assert_eq!(relative(Path::new("/p/app"), Path::new("/p/shared/x")), Path::new("../shared/x"));
        assert_eq!(relative(Path::new("/p/app"), Path::new("/p/app")), Path::new("."));
        assert_eq!(clean(Path::new("../../x")), Path::new("../../x"));
        assert_eq!(clean(Path::new("../a/../b")), Path::new("../b"));
    }
}
