//! A location inside a YAML tree, independent of the file it came from.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `services.web.ports[0]`: the address every phase uses to report where a problem is,
/// so that a span can be found for it later from the position index of the right file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YamlPath(pub Vec<Seg>);

impl YamlPath {
    pub fn root() -> Self {
        YamlPath(Vec::new())
    }

    pub fn key(&self, k: impl Into<String>) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.into()));
        YamlPath(v)
    }

    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        YamlPath(v)
    }

    pub fn parent(&self) -> Option<Self> {
        let mut v = self.0.clone();
        v.pop().map(|_| YamlPath(v))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Builds a path from dotted keys, e.g. `YamlPath::of(&["services", "web"])`.
    pub fn of(keys: &[&str]) -> Self {
        YamlPath(keys.iter().map(|k| Seg::Key((*k).to_string())).collect())
    }

    /// The value this path addresses in `root`, if there is one.
    pub fn lookup<'v>(&self, root: &'v serde_yaml::Value) -> Option<&'v serde_yaml::Value> {
        self.0.iter().try_fold(root, |v, seg| match seg {
            Seg::Key(k) => v.get(k.as_str()),
            Seg::Index(i) => v.get(*i),
        })
    }

    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }
}

/// A path being walked: frames on the walker's own stack, borrowing the keys from the tree,
/// so that a walk allocates nothing for paths and builds a `YamlPath` only for a problem.
#[derive(Debug, Clone, Copy)]
pub enum Trail<'a> {
    Root,
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl<'a> Trail<'a> {
    pub fn key<'b>(&'b self, k: &'b str) -> Trail<'b> {
        Trail::Key(self, k)
    }

    pub fn index(&self, i: usize) -> Trail<'_> {
        Trail::Index(self, i)
    }

    pub fn is_root(&self) -> bool {
        matches!(self, Trail::Root)
    }

    pub fn path(&self) -> YamlPath {
        let mut segs = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Trail::Root => break,
                Trail::Key(up, k) => {
                    segs.push(Seg::Key((*k).to_string()));
                    cur = up;
                }
                Trail::Index(up, i) => {
                    segs.push(Seg::Index(*i));
                    cur = up;
                }
            }
        }
        segs.reverse();
        YamlPath(segs)
    }
}

impl fmt::Display for Trail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.path().fmt(f)
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) if first => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_the_reference_error_paths() {
        let p = YamlPath::of(&["services", "web"]).key("ports").index(0);
        assert_eq!(p.to_string(), "services.web.ports[0]");
        assert_eq!(p.parent().unwrap().to_string(), "services.web.ports");
    }

    #[test]
    fn a_trail_becomes_the_path_it_walked() {
        let root = Trail::Root;
        let services = root.key("services");
        let web = services.key("web");
        let ports = web.key("ports");
        let first = ports.index(0);
        assert_eq!(first.path(), YamlPath::of(&["services", "web"]).key("ports").index(0));
        assert_eq!(first.to_string(), "services.web.ports[0]");
        assert!(root.path().is_root());
    }
}
