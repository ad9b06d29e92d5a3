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
}
