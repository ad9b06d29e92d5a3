//! The whole loader, as `dockhand config` runs it: bytes → YAML → interpolation → merge →
//! a project, then the text `config` prints and the errors a user would see.
//!
//! The input holds up to five files separated by NUL bytes, all in memory under `/p`:
//! `compose.yaml`, `compose.override.yaml`, `.env`, `common.yaml` (for `include` and
//! `extends: {file: common.yaml}`) and `app.env` (for `env_file: app.env`).
#![no_main]

use std::path::PathBuf;

use dockhand::commands::options::{ConfigView, Format};
use dockhand::commands::config::{render, render_model};
use dockhand::diag::Rendered;
use dockhand::load::files::Memory;
use dockhand::load::{load_from, load_model_from, Env, Options};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 5] = ["compose.yaml", "compose.override.yaml", ".env", "common.yaml", "app.env"];

fuzz_target!(|data: &[u8]| {
    let mut files = Memory::default();
    for (name, part) in NAMES.iter().zip(data.split(|b| *b == 0)) {
        files.0.insert(PathBuf::from("/p").join(name), String::from_utf8_lossy(part).into_owned());
    }
    let shell: Env = [("HOME", "/home/u"), ("USER", "u"), ("FOO", "bar"), ("EMPTY", "")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let opts = Options::new(PathBuf::from("/p"), shell);

    match load_from(&opts, &files) {
        Ok(loaded) => {
            show(&loaded.warnings);
            let views = [
                ConfigView::Model(Format::Json),
                ConfigView::Model(Format::Yaml),
                ConfigView::Services,
                ConfigView::Images,
                ConfigView::Hash(vec!["*".to_string()]),
            ];
            for view in &views {
                let _ = render(&loaded.project, view);
            }
        }
        Err(failure) => show(&failure.problems),
    }
    match load_model_from(&opts, &files) {
        Ok(model) => {
            show(&model.warnings);
            let _ = render_model(&model.model, &ConfigView::Model(Format::Yaml));
        }
        Err(failure) => show(&failure.problems),
    }
});

/// Renders problems both ways the commands print them.
fn show(problems: &[Rendered]) {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for p in problems {
        let _ = p.one_line();
        let mut out = String::new();
        let _ = handler.render_report(&mut out, p);
    }
}
