//! The build context as the docker CLI sends it: a tar of the context directory without what
//! `.dockerignore` excludes, the Dockerfile always in it.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dockerignore::IgnoreRules;
use crate::model::Build;

/// Build contexts the builder fetches itself.
pub(super) fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

/// What goes into the context tar.
#[derive(Debug, Clone)]
pub struct Source {
    /// The context directory; `None` for a remote context (the tar is then empty).
    pub dir: Option<PathBuf>,
    pub dockerfile: Dockerfile,
}

#[derive(Debug, Clone)]
pub enum Dockerfile {
    /// A path, relative to the context or absolute.
    Path(String),
    Inline(String),
}

/// A packed context and the Dockerfile's name inside it.
#[derive(Debug)]
pub struct Context {
    pub tar: Vec<u8>,
    pub dockerfile: String,
}

impl Source {
    pub fn of(build: &Build) -> Source {
        let context = build.context.clone().unwrap_or_else(|| ".".to_string());
        let dockerfile = match (&build.dockerfile_inline, &build.dockerfile) {
            (Some(text), _) => Dockerfile::Inline(text.clone()),
            (None, Some(path)) => Dockerfile::Path(path.clone()),
            (None, None) => Dockerfile::Path("Dockerfile".to_string()),
        };
        Source {
            dir: (!is_remote(&context)).then(|| PathBuf::from(context)),
            dockerfile,
        }
    }

    /// The Dockerfile's text, read from the context directory unless given inline.
    pub fn dockerfile_text(&self) -> io::Result<String> {
        match (&self.dockerfile, &self.dir) {
            (Dockerfile::Inline(text), _) => Ok(text.clone()),
            (Dockerfile::Path(p), Some(dir)) => fs::read_to_string(dir.join(p)),
            (Dockerfile::Path(_), None) => Err(io::Error::other("the Dockerfile is in a remote context")),
        }
    }

    /// Packs the context. A Dockerfile given inline or outside the context is added under a
    /// name derived from its content, as the docker CLI does for `-f -`.
    pub fn tar(&self) -> io::Result<Context> {
        let Some(dir) = &self.dir else {
            let Dockerfile::Path(name) = &self.dockerfile else {
                return Err(io::Error::other(
                    "a remote build context takes its Dockerfile from the remote",
                ));
            };
            return Ok(Context {
                tar: Vec::new(),
                dockerfile: name.clone(),
            });
        };
        let (dockerfile, extra) = self.locate_dockerfile(dir)?;
        let mut rules = read_ignore(dir)?;
        rules.keep(".dockerignore");
        if extra.is_none() {
            rules.keep(&dockerfile);
        }
        let mut tar = Tar::new(rules);
        tar.walk(dir, "")?;
        if let Some(content) = extra {
            tar.add_bytes(&dockerfile, &content)?;
        }
        Ok(Context {
            tar: tar.finish()?,
            dockerfile,
        })
    }

    /// The Dockerfile's name in the tar, with its content when it is not a file of the context.
    fn locate_dockerfile(&self, dir: &Path) -> io::Result<(String, Option<Vec<u8>>)> {
        let path = match &self.dockerfile {
            Dockerfile::Inline(text) => {
                return Ok((generated_name(text.as_bytes()), Some(text.clone().into_bytes())))
            }
            Dockerfile::Path(p) => normalize(&dir.join(p)),
        };
        match path.strip_prefix(normalize(dir)) {
            Ok(rel) => Ok((to_slash(rel), None)),
            Err(_) => {
                let content = fs::read(&path).map_err(|e| {
                    io::Error::new(e.kind(), format!("reading Dockerfile {}: {e}", path.display()))
                })?;
                Ok((generated_name(&content), Some(content)))
            }
        }
    }
}

fn generated_name(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".dockerfile.{hex}")
}

fn read_ignore(dir: &Path) -> io::Result<IgnoreRules> {
    match fs::read_to_string(dir.join(".dockerignore")) {
        Ok(text) => IgnoreRules::parse(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", dir.join(".dockerignore").display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(IgnoreRules::default()),
        Err(e) => Err(e),
    }
}

/// A path with `.` and `..` resolved lexically, as the CLI compares the Dockerfile to the context.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The context tar under construction: owner root, modes and times kept, symlinks not followed.
struct Tar {
    rules: IgnoreRules,
    builder: tar::Builder<Vec<u8>>,
}

impl Tar {
    fn new(rules: IgnoreRules) -> Tar {
        Tar {
            rules,
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn walk(&mut self, dir: &Path, rel: &str) -> io::Result<()> {
        let mut entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            self.add(&entry.path(), &path)?;
        }
        Ok(())
    }

    fn add(&mut self, source: &Path, path: &str) -> io::Result<()> {
        let meta = fs::symlink_metadata(source)?;
        let excluded = self.rules.excludes(path);
        let kind = meta.file_type();
        if kind.is_dir() {
            if !excluded {
                self.builder
                    .append_data(&mut header(&meta, 0), format!("{path}/"), io::empty())?;
            }
            // An exception may take back a file below an excluded directory.
            if !excluded || self.rules.has_exceptions() {
                self.walk(source, path)?;
            }
            return Ok(());
        }
        if excluded {
            return Ok(());
        }
        if kind.is_symlink() {
            let target = fs::read_link(source)?;
            self.builder.append_link(&mut header(&meta, 0), path, target)?;
        } else if kind.is_file() {
            let file = fs::File::open(source)?;
            self.builder
                .append_data(&mut header(&meta, meta.len()), path, file)?;
        }
        Ok(())
    }

    fn add_bytes(&mut self, path: &str, content: &[u8]) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(content.len() as u64);
        self.builder.append_data(&mut h, path, content)
    }

    fn finish(self) -> io::Result<Vec<u8>> {
        self.builder.into_inner()
    }
}

fn header(meta: &fs::Metadata, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(size);
    h
}


#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, path: &str, content: &str) {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    fn names(tar: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn read(tar: &[u8], name: &str) -> String {
        let mut archive = tar::Archive::new(tar);
        let mut entry = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_string_lossy() == name)
            .unwrap();
        let mut s = String::new();
        io::Read::read_to_string(&mut entry, &mut s).unwrap();
        s
    }

    fn source(dir: &Path, dockerfile: Dockerfile) -> Source {
        Source {
            dir: Some(dir.to_path_buf()),
            dockerfile,
        }
    }

    #[test]
    fn the_context_tar_honours_dockerignore() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "Dockerfile", "FROM busybox:latest\n");
        write(
            d,
            ".dockerignore",
            "Dockerfile\n.dockerignore\nbuild\n*.log\n!important.log\n",
        );
        write(d, "src/main.c", "int main;");
        write(d, "build/out/a.o", "x");
        write(d, "a.log", "x");
        write(d, "important.log", "keep");
        std::os::unix::fs::symlink("src/main.c", d.join("link")).unwrap();
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(ctx.dockerfile, "Dockerfile");
        assert_eq!(
            names(&ctx.tar),
            [
                ".dockerignore",
                "Dockerfile",
                "important.log",
                "link",
                "src/",
                "src/main.c"
            ]
        );
        let mut archive = tar::Archive::new(ctx.tar.as_slice());
        let link = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_str() == Some("link"));
        let link = link.unwrap();
        assert_eq!(link.header().entry_type(), tar::EntryType::Symlink);
        assert_eq!(link.header().uid().unwrap(), 0);
    }

    #[test]
    fn exceptions_reach_into_excluded_directories() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "Dockerfile", "FROM busybox:latest\n");
        write(d, ".dockerignore", "vendor\n!vendor/keep/**\n");
        write(d, "vendor/drop/x", "x");
        write(d, "vendor/keep/y", "y");
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(names(&ctx.tar), [".dockerignore", "Dockerfile", "vendor/keep/y"]);
    }

    /// The files `docker build` (20.10, classic) sent for this context, checked by hand.
    #[test]
    fn the_context_matches_what_the_docker_cli_sends() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let files = [
            "a/x.go",
            "a/b/y.go",
            "a/b/c/z.go",
            "top.go",
            "vendor/keep/k",
            "vendor/drop/d",
            "docs/x/readme.md",
            "README.md",
            "CHANGES.md",
            "sp ace/f",
            "file1.txt",
            "fileA.txt",
            ".hidden",
            "a/b/.hidden",
            "Dockerfile",
        ];
        for f in files {
            write(d, f, "x");
        }
        let ignore = "# comment\n**/*.go\n!a/b/*.go\nvendor\n!vendor/keep\ndocs/**\n*.md\n!README*.md\n\
                      file[0-9].txt\n sp ace \n**/.hidden\nDockerfile\n";
        write(d, ".dockerignore", ignore);
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(
            names(&ctx.tar),
            [
                ".dockerignore",
                "Dockerfile",
                "README.md",
                "a/",
                "a/b/",
                "a/b/c/",
                "a/b/y.go",
                "docs/",
                "fileA.txt",
                "vendor/keep/",
                "vendor/keep/k",
            ]
        );
    }

    #[test]
    fn inline_and_outside_dockerfiles_are_added_under_a_generated_name() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("ctx");
        write(&d, "f", "x");
        write(t.path(), "other/Dockerfile", "FROM busybox:latest\nRUN true\n");
        let ctx = source(&d, Dockerfile::Inline("FROM busybox:latest\n".into()))
            .tar()
            .unwrap();
        assert!(ctx.dockerfile.starts_with(".dockerfile."));
        assert_eq!(read(&ctx.tar, &ctx.dockerfile), "FROM busybox:latest\n");
        let ctx = source(&d, Dockerfile::Path("../other/Dockerfile".into()))
            .tar()
            .unwrap();
        assert!(ctx.dockerfile.starts_with(".dockerfile."));
        assert_eq!(names(&ctx.tar), ["f", ctx.dockerfile.as_str()]);
        let ctx = source(&d, Dockerfile::Path("./sub/../f".into())).tar().unwrap();
        assert_eq!(ctx.dockerfile, "f");
    }
}
