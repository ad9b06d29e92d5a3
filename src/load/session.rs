//! One load of a project: reads the files, runs the phases in order, collects every problem,
//! and finally gives each problem its file, line and column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::discover::{self, NameSource};
use super::environment;
use super::extends::{self, FileSource};
use super::files::{Disk, Files};
use super::include::{self, IncludeSpec, ProjectSource};
use super::yaml::{self, Parsed, SpanIndex};
use super::{absolute_paths, bind, canonical, compose_env, consistency, interpolate, merge, normalize, profiles, validate};
use super::{Env, Options, Value};
use crate::diag::yaml_path::YamlPath;
use crate::diag::{Location, Problem, Rendered};
use crate::model::Project;

/// A loaded project and what was learnt on the way.
#[derive(Debug)]
pub struct Loaded {
    pub project: Project,
    pub files: Vec<PathBuf>,
    pub project_dir: PathBuf,
    pub env: Env,
    /// The env files interpolation read (`--env-file`s, or the project's `.env`).
    pub env_files: Vec<PathBuf>,
    /// Services the files define that profiles or the service selection left out.
    pub disabled_services: Vec<String>,
    pub warnings: Vec<Rendered>,
}

/// The project as an uninterpolated tree (`config --no-interpolate`): merged and normalised,
/// short forms expanded only where the reference's loader expands them.
#[derive(Debug)]
pub struct LoadedModel {
    pub model: Value,
    pub warnings: Vec<Rendered>,
}

/// A load that failed: every error found (and the warnings before it), located.
#[derive(Debug)]
pub struct Failure {
    pub problems: Vec<Rendered>,
}

struct Source {
    text: Arc<str>,
    /// Built on first use: most loads have nothing to locate, and indexing costs as much
    /// as parsing.
    spans: std::sync::OnceLock<SpanIndex>,
}

impl Source {
    fn spans(&self) -> &SpanIndex {
        self.spans.get_or_init(|| yaml::index_spans(&self.text))
    }
}

/// A file after the per-file phases, ready to merge.
struct Layer {
    value: Value,
    resets: Vec<YamlPath>,
    overrides: Vec<YamlPath>,
}

struct Loader<'o> {
    opts: &'o Options,
    files: &'o dyn Files,
    sources: IndexMap<PathBuf, Source>,
    problems: Vec<Problem>,
    env: Env,
    disabled_services: Vec<String>,
    /// Known once the files are found; extended files' paths are relative to it.
    project_dir: PathBuf,
    /// The files' `name:` as written (interpolated), when it named the project.
    file_name: Option<String>,
}

pub fn load(opts: &Options) -> Result<Loaded, Failure> {
    load_from(opts, &Disk)
}

/// `load`, reading every file (compose files, `.env`, `env_file`) from `fs`.
pub fn load_from(opts: &Options, fs: &dyn Files) -> Result<Loaded, Failure> {
    let mut s = Loader::new(opts, fs);
    match s.run() {
        Some((mut project, files, project_dir)) if !s.has_errors() => {
            project.compatibility = opts.compatibility || compose_env::compatibility(&s.env);
            environment::read_file_values(&mut project, &s.env);
            super::files::digest_file_sources(&mut project, fs);
            let warnings = s.render();
            let env_files = used_env_files(opts, &project_dir, fs);
            let disabled_services = s.disabled_services;
            Ok(Loaded { project, files, project_dir, env: s.env, env_files, disabled_services, warnings })
        }
        _ => Err(Failure { problems: s.render() }),
    }
}

/// Loads the project without interpolating it, as a tree rather than the typed model: a
/// `${VAR}` may stand where the model wants a number or a list, so it cannot be typed.
pub fn load_model(opts: &Options) -> Result<LoadedModel, Failure> {
    load_model_from(opts, &Disk)
}

/// `load_model`, reading every file from `fs`.
pub fn load_model_from(opts: &Options, fs: &dyn Files) -> Result<LoadedModel, Failure> {
    let opts = Options { interpolate: false, ..opts.clone() };
    let mut s = Loader::new(&opts, fs);
    match s.merged() {
        Some((merged, name, _, project_dir)) if !s.has_errors() => {
            let model = s.finish_model(merged, &name, &project_dir);
            Ok(LoadedModel { model, warnings: s.render() })
        }
        _ => Err(Failure { problems: s.render() }),
    }
}

impl<'o> Loader<'o> {
    fn new(opts: &'o Options, files: &'o dyn Files) -> Self {
        Loader {
            opts,
            files,
            sources: IndexMap::new(),
            problems: Vec::new(),
            env: Env::new(),
            disabled_services: Vec::new(),
            project_dir: PathBuf::new(),
            file_name: None,
        }
    }

    fn run(&mut self) -> Option<(Project, Vec<PathBuf>, PathBuf)> {
        let (merged, name, files, project_dir) = self.merged()?;
        let project = self.finish(merged, &name, &project_dir)?;
        Some((project, files, project_dir))
    }

    /// Every file read, processed and merged: the project before the project-wide phases,
    /// with its name, files and directory.
    fn merged(&mut self) -> Option<(Value, String, Vec<PathBuf>, PathBuf)> {
        let (opts, files) = (self.opts, self.files);
        let read = |p: &Path| files.read(p);
        let wd = &opts.working_dir;
        let dir_for_env = opts.project_directory.as_deref().map_or_else(|| wd.clone(), |d| wd.join(d));
        // COMPOSE_* variables may come from the `.env` of the working (or project) directory.
        let pre_env = self.ok(environment::project_env(&opts.shell_env, &dir_for_env, &opts.env_files, &read))?;
        let found = self.ok1(discover::compose_files(
            &opts.files,
            compose_env::files(&pre_env),
            compose_env::path_separator(&pre_env),
            wd,
            &dir_for_env,
            &|p: &Path| files.is_file(p),
        ))?;
        for w in &found.warnings {
            self.problems.push(Problem::warning("dockhand::discover", YamlPath::root(), w.clone()));
        }
        let project_dir = discover::project_dir(opts.project_directory.as_deref(), &found.files, wd);
        self.project_dir.clone_from(&project_dir);
        self.env = self.ok(environment::project_env(&opts.shell_env, &project_dir, &opts.env_files, &read))?;
        let parsed = self.parse_all(&found.files)?;
        let name = self.project_name(&parsed, &project_dir)?;
        // Whatever chose the name (`-p` over the shell and `.env`), interpolation sees it.
        self.env.insert(compose_env::PROJECT_NAME.to_string(), name.clone());
        let env = self.env.clone();
        let merged = self.merge_main(parsed, &project_dir, &env)?;
        self.stop_on_errors()?;
        Some((merged, name, found.files, project_dir))
    }

    /// Every compose file parsed. A file without any YAML document adds nothing; the
    /// reference rejects it only when every file is such.
    fn parse_all(&mut self, files: &[PathBuf]) -> Option<Vec<(PathBuf, Parsed)>> {
        let mut parsed: Vec<_> = files.iter().filter_map(|f| self.parse(f).map(|p| (f.clone(), p))).collect();
        self.stop_on_errors()?;
        if let Some((first, _)) = parsed.first().filter(|_| parsed.iter().all(|(_, p)| p.empty)) {
            let p = Problem::error("dockhand::empty", YamlPath::root(), "empty compose file")
                .in_file(first)
                .with_help("a compose file needs at least a `services:` mapping");
            self.problems.push(p);
            return None;
        }
        parsed.retain(|(_, p)| !p.empty);
        Some(parsed)
    }

    fn project_name(&mut self, parsed: &[(PathBuf, Parsed)], project_dir: &Path) -> Option<String> {
        let opts = self.opts;
        let (raw, source) = if let Some(n) = &opts.project_name {
            (n.clone(), NameSource::Flag)
        } else if let Some(n) = compose_env::project_name(&self.env).filter(|n| !n.is_empty()) {
            (n.to_string(), NameSource::EnvVar)
        } else if let Some(n) = self.name_from_files(parsed) {
            self.file_name = Some(n.clone());
            (n, NameSource::File)
        } else {
            let dir = project_dir.file_name().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            (dir, NameSource::Directory)
        };
        self.ok1(discover::project_name(&raw, source))
    }

    /// The last file's `name:` wins; it is interpolated on its own, before the rest, because
    /// the rest may use `${COMPOSE_PROJECT_NAME}`.
    fn name_from_files(&mut self, parsed: &[(PathBuf, Parsed)]) -> Option<String> {
        let (file, raw) = parsed.iter().rev().find_map(|(f, p)| p.value.get("name")?.as_str().map(|n| (f, n)))?;
        if !self.opts.interpolate {
            return Some(raw.to_string());
        }
        let env = &self.env;
        match interpolate::substitute(raw, &|k| env.get(k).cloned()) {
            Ok(n) => Some(n),
            Err(e) => {
                let p = Problem::error("dockhand::interpolation", YamlPath::of(&["name"]), e.message)
                    .in_file(file)
                    .with_help("write a literal `$` as `$$`; `${VAR:?message}` makes a variable required");
                self.problems.push(p);
                None
            }
        }
    }

    fn merge_main(&mut self, parsed: Vec<(PathBuf, Parsed)>, project_dir: &Path, env: &Env) -> Option<Value> {
        let mut merged: Option<Value> = None;
        for (file, p) in parsed {
            let Some(mut layer) = self.process(&file, p, project_dir, env) else { continue };
            let problems = self.resolve_references(&file, &mut layer, &[]);
            self.problems.extend(problems);
            merged = Some(merge_layer(merged, layer));
        }
        merged
    }

    /// `include` then `extends`, inside one file and before merging, as the reference does:
    /// a later file's redefinition of a service does not change what an earlier one extends.
    fn resolve_references(&mut self, file: &Path, layer: &mut Layer, chain: &[PathBuf]) -> Vec<Problem> {
        let mut problems = include::apply_tagged(&mut layer.value, file, chain, &layer.resets, &layer.overrides, self);
        if problems.iter().any(Problem::is_error) {
            return problems.into_iter().map(|p| located_in(p, file)).collect();
        }
        problems.extend(extends::apply_tagged(&mut layer.value, file, &layer.resets, &layer.overrides, self));
        problems.into_iter().map(|p| located_in(p, file)).collect()
    }

    fn finish(&mut self, mut merged: Value, name: &str, project_dir: &Path) -> Option<Project> {
        let opts = self.opts;
        let env = self.env.clone();
        let problems = environment::resolve_services(&mut merged, &env, opts.resolve_environment, &|p: &Path| self.files.read(p));
        self.extend(problems)?;
        if opts.normalize {
            normalize::normalize(&mut merged, name, &env);
            if opts.resolve_paths {
                // Normalisation adds defaults such as `build.context: .`, relative to the project.
                absolute_paths::resolve(&mut merged, project_dir, opts.home.as_deref());
            }
        } else {
            normalize::default_secret_targets(&mut merged);
            if opts.resolve_paths {
                // The reference resolves a missing build context with the paths, not the defaults.
                absolute_paths::default_build_context(&mut merged, project_dir);
            }
        }
        // Checked before profiles remove services: an optional dependency on a disabled
        // service is not an undefined one.
        if opts.consistency {
            let disabled = profiles::disabled_by_profiles(&merged, &self.active_profiles());
            let problems = consistency::check(&merged, &disabled);
            self.extend(problems)?;
        }
        let all_services = service_names(&merged);
        let problems = profiles::apply(&mut merged, &self.active_profiles(), &opts.services);
        self.extend(problems)?;
        let problems = profiles::select(&mut merged, &opts.services);
        self.extend(problems)?;
        // Also without normalisation, where no service uses the default network yet.
        if !opts.all_resources {
            profiles::remove_unused_resources(&mut merged);
        }
        let kept = service_names(&merged);
        self.disabled_services = all_services.into_iter().filter(|s| !kept.contains(s)).collect();
        if let Value::Mapping(m) = &mut merged {
            // `version` is obsolete (validation warned about it); the reference drops it.
            m.remove("version");
            // Without normalisation the reference prints a file's `name:` as written.
            let name = self.file_name.clone().filter(|_| !opts.normalize).unwrap_or_else(|| name.to_string());
            m.insert(Value::String("name".into()), Value::String(name));
        }
        match bind::bind(merged) {
            Ok(p) => Some(p),
            Err(problems) => {
                self.problems.extend(problems);
                None
            }
        }
    }

    /// The reference's uninterpolated model: normalised and with absolute paths, but with no
    /// environment resolution, consistency check or profile selection.
    fn finish_model(&mut self, mut merged: Value, name: &str, project_dir: &Path) -> Value {
        let opts = self.opts;
        if opts.normalize {
            normalize::normalize(&mut merged, name, &self.env);
            if opts.resolve_paths {
                absolute_paths::resolve(&mut merged, project_dir, opts.home.as_deref());
            }
        }
        if let Value::Mapping(m) = &mut merged {
            m.remove("version");
            m.insert(Value::String("name".into()), Value::String(name.to_string()));
        }
        merged
    }

    /// `--profile`, else `COMPOSE_PROFILES` from the shell or the `.env` file.
    fn active_profiles(&self) -> Vec<String> {
        if !self.opts.profiles.is_empty() {
            return self.opts.profiles.clone();
        }
        compose_env::profiles(&self.env)
    }

    fn read(&self, file: &Path) -> Result<String, Problem> {
        if file.as_os_str() == "-" {
            return Ok(self.opts.stdin.clone().unwrap_or_default());
        }
        self.files.read(file).map_err(|e| {
            Problem::error("dockhand::read", YamlPath::root(), format!("cannot read {}: {e}", file.display()))
                .with_help("check the path given with -f, COMPOSE_FILE or include/extends")
        })
    }

    /// A file named by `include` or `extends` that cannot be read: the problem is returned, not
    /// recorded, so that the caller shows it at the entry naming the file.
    fn readable(&self, file: &Path) -> Result<(), Vec<Problem>> {
        self.read(file).map(drop).map_err(|p| vec![p])
    }

    /// Reads and parses a file and keeps its text and span index for diagnostics.
    fn parse(&mut self, file: &Path) -> Option<Parsed> {
        let text = match self.read(file) {
            Ok(t) => t,
            Err(p) => {
                self.problems.push(p);
                return None;
            }
        };
        let parsed = yaml::parse(file, &text);
        self.sources.insert(file.to_path_buf(), Source { text: text.into(), spans: std::sync::OnceLock::new() });
        match parsed {
            Ok(p) => Some(p),
            Err(p) => {
                self.problems.push(p);
                None
            }
        }
    }

    /// The per-file phases: interpolate, validate, canonical form, absolute paths.
    fn process(&mut self, file: &Path, parsed: Parsed, base_dir: &Path, env: &Env) -> Option<Layer> {
        let opts = self.opts;
        let mut value = parsed.value;
        let before = self.error_count();
        if opts.interpolate {
            let (v, problems) = interpolate::interpolate(value, &|k| env.get(k).cloned(), file);
            value = v;
            self.problems.extend(problems.into_iter().map(|p| located_in(p, file)));
        }
        let mut problems = validate::validate(&mut value, file);
        if !opts.interpolate {
            // An uninterpolated `${VAR}` may stand for a value of any type.
            problems.retain(|p| !holds_variable(&value, &p.path));
        }
        self.problems.extend(problems.into_iter().map(|p| located_in(p, file)));
        if self.error_count() > before {
            return None;
        }
        let (mut value, problems) = if opts.interpolate {
            canonical::canonicalize(value, file)
        } else {
            canonical::canonicalize_model(value, file)
        };
        self.problems.extend(problems.into_iter().map(|p| located_in(p, file)));
        if opts.resolve_paths {
            absolute_paths::resolve(&mut value, base_dir, opts.home.as_deref());
        }
        Some(Layer { value, resets: parsed.resets, overrides: parsed.overrides })
    }

    fn load_processed(&mut self, file: &Path, base_dir: &Path, env: &Env) -> Result<Layer, Vec<Problem>> {
        let before = self.error_count();
        let layer = self.parse(file).and_then(|p| self.process(file, p, base_dir, env));
        match layer {
            Some(l) if self.error_count() == before => Ok(l),
            // The problems are already recorded here, with their files; the caller only needs to stop.
            _ => Err(Vec::new()),
        }
    }

    fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    fn stop_on_errors(&self) -> Option<()> {
        (!self.has_errors()).then_some(())
    }

    fn extend(&mut self, problems: Vec<Problem>) -> Option<()> {
        self.problems.extend(problems);
        self.stop_on_errors()
    }

    fn ok<T>(&mut self, r: Result<T, Vec<Problem>>) -> Option<T> {
        r.map_err(|ps| self.problems.extend(ps)).ok()
    }

    fn ok1<T>(&mut self, r: Result<T, Problem>) -> Option<T> {
        r.map_err(|p| self.problems.push(p)).ok()
    }

    fn render(&mut self) -> Vec<Rendered> {
        let problems = std::mem::take(&mut self.problems);
        problems.into_iter().map(|p| { let loc = self.locate(&p); Rendered::new(p, loc) }).collect()
    }

    fn locate(&self, p: &Problem) -> Option<Location> {
        let (file, span) = match &p.file {
            // An env file is no compose file: its problem is shown in its text as read.
            Some(f) if !self.sources.contains_key(f) => {
                let text = self.files.read(f).ok()?;
                let name = display_name(f, &self.opts.working_dir);
                return Some(Location { name, text: text.into(), span: p.span? });
            }
            Some(f) => {
                let src = self.sources.get(f)?;
                // A problem with the file as a whole (an empty file) is shown at its start.
                let span = p
                    .span
                    .or_else(|| src.spans().nearest(&p.path, p.at == crate::diag::At::Key))
                    .unwrap_or(crate::diag::Span { offset: 0, len: 0 });
                (f.clone(), span)
            }
            None => self.search(&p.path, p.at == crate::diag::At::Key)?,
        };
        let src = self.sources.get(&file)?;
        Some(Location { name: display_name(&file, &self.opts.working_dir), text: src.text.clone(), span })
    }

    /// A problem found after merging knows its path but not its file: the last file that
    /// holds the path (or its nearest ancestor) is where the user will look.
    fn search(&self, path: &YamlPath, want_key: bool) -> Option<(PathBuf, crate::diag::Span)> {
        let mut cur = Some(path.clone());
        while let Some(p) = cur.filter(|p| !p.is_root()) {
            for (f, src) in self.sources.iter().rev() {
                if src.spans().get(&p).is_some() {
                    return src.spans().nearest(&p, want_key).map(|s| (f.clone(), s));
                }
            }
            cur = p.parent();
        }
        None
    }
}

fn service_names(project: &Value) -> Vec<String> {
    let services = project.get("services").and_then(Value::as_mapping).into_iter().flatten();
    services.filter_map(|(k, _)| k.as_str().map(str::to_string)).collect()
}

fn used_env_files(opts: &Options, project_dir: &Path, files: &dyn Files) -> Vec<PathBuf> {
    if !opts.env_files.is_empty() {
        return opts.env_files.iter().map(|f| opts.working_dir.join(f)).collect();
    }
    let dot_env = project_dir.join(".env");
    if files.is_file(&dot_env) {
        vec![dot_env]
    } else {
        Vec::new()
    }
}

/// A single file is merged too: the reference removes duplicate ports and volumes even there.
fn merge_layer(merged: Option<Value>, layer: Layer) -> Value {
    merge::merge(merged.unwrap_or(Value::Null), layer.value, &layer.resets, &layer.overrides)
}

fn holds_variable(value: &Value, path: &YamlPath) -> bool {
    path.lookup(value).and_then(Value::as_str).is_some_and(|s| s.contains('$'))
}

fn located_in(p: Problem, file: &Path) -> Problem {
    if p.file.is_some() {
        p
    } else {
        p.in_file(file)
    }
}

fn display_name(file: &Path, wd: &Path) -> String {
    if file.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    file.strip_prefix(wd).unwrap_or(file).display().to_string()
}

impl FileSource for Loader<'_> {
    fn load(&mut self, path: &Path) -> Result<Value, Vec<Problem>> {
        let base = path.parent().map_or_else(|| self.opts.working_dir.clone(), Path::to_path_buf);
        let env = self.env.clone();
        self.readable(path)?;
        let mut value = self.load_processed(path, &base, &env)?.value;
        self.rebase_unresolved(&mut value, &base);
        Ok(value)
    }
}

impl Loader<'_> {
    /// Without path resolution the reference still rebases the relative paths of an extended
    /// or included file onto the project directory (`./conf` in `lib/base.yaml` is `lib/conf`).
    fn rebase_unresolved(&self, value: &mut Value, base: &Path) {
        if self.opts.resolve_paths {
            return;
        }
        let rel = absolute_paths::relative(&self.project_dir, base);
        absolute_paths::rebase(value, &rel, self.opts.home.as_deref());
    }
}

impl ProjectSource for Loader<'_> {
    fn load_included(&mut self, spec: &IncludeSpec, chain: &[PathBuf]) -> Result<Value, Vec<Problem>> {
        let first = spec.paths.first().cloned().unwrap_or_default();
        let dir = spec
            .project_directory
            .clone()
            .or_else(|| first.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| self.opts.working_dir.clone());
        // The including project's variables win over the included project's own env files.
        let files = self.files;
        let env = environment::project_env(&self.env, &dir, &spec.env_files, &|p: &Path| files.read(p))?;
        let mut merged: Option<Value> = None;
        for file in &spec.paths {
            self.readable(file)?;
            let mut layer = self.load_processed(file, &dir, &env)?;
            self.rebase_unresolved(&mut layer.value, &dir);
            let problems = self.resolve_references(file, &mut layer, chain);
            if problems.iter().any(Problem::is_error) {
                return Err(problems);
            }
            self.problems.extend(problems);
            merged = Some(merge_layer(merged, layer));
        }
        let mut merged = merged.unwrap_or(Value::Null);
        let context = if self.opts.resolve_paths { dir } else { absolute_paths::relative(&self.project_dir, &dir) };
        absolute_paths::default_build_context(&mut merged, &context);
        Ok(merged)
    }
}

#[cfg(test)]
mod tests;
