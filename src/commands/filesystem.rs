//! `export` and `commit`: a running service container's filesystem, as a tar archive or as
//! a new image.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use futures_util::StreamExt;

use super::engine_session::Session;
use super::exec::running;
use crate::engine::{Commit, ContainerIo};
use crate::progress::{Event, Status};

/// Which replica, and where the archive goes (standard output when no file is named).
pub struct Export<'a> {
    pub service: &'a str,
    pub index: u32,
    pub output: Option<&'a PathBuf>,
    pub dry_run: bool,
}

pub async fn export(s: &Session, export: &Export<'_>) -> Result<ExitCode, String> {
    // Checked first: a terminal would be flooded with binary before anything failed.
    if export.output.is_none() && std::io::stdout().is_terminal() {
        return Err("output option is required when exporting to terminal".to_string());
    }
    let c = running(s.engine.as_ref(), &s.project.name, export.service, export.index).await?;
    if export.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let progress = s.progress();
    progress.event(&Event::new(&c.name, Status::Working, "Exporting"));
    let mut sink = open(export.output)?;
    let mut archive = s.engine.export(&c.id);
    while let Some(chunk) = archive.next().await {
        let chunk = chunk.map_err(|e| format!("exporting {}: {e}", c.name))?;
        sink.write_all(&chunk).map_err(|e| format!("writing the archive of {}: {e}", c.name))?;
    }
    sink.flush().map_err(|e| format!("writing the archive of {}: {e}", c.name))?;
    progress.event(&Event::new(&c.name, Status::Done, "Exported"));
    progress.finish();
    Ok(ExitCode::SUCCESS)
}

/// The file, readable by its owner only (the archive holds the container's secrets too), as
/// `docker export -o` makes it; else standard output.
fn open(output: Option<&PathBuf>) -> Result<Box<dyn Write>, String> {
    let Some(path) = output else { return Ok(Box::new(std::io::stdout().lock())) };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

pub async fn commit(s: &Session, service: &str, index: u32, commit: &Commit, dry_run: bool) -> Result<ExitCode, String> {
    let c = running(s.engine.as_ref(), &s.project.name, service, index).await?;
    if dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let progress = s.progress();
    progress.event(&Event::new(&c.name, Status::Working, "Committing"));
    let made = s.engine.commit(&c.id, commit).await;
    let result = match made {
        Ok(id) => {
            progress.event(&Event::new(&c.name, Status::Done, format!("Committed as {id}")));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            progress.event(&Event::new(&c.name, Status::Error, "Error").details(e.to_string()));
            Err(format!("committing {}: {e}", c.name))
        }
    };
    progress.finish();
    result
}
