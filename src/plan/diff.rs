//! Field-level differences between the configuration a container was made from and the one
//! wanted now, for recreate reasons such as `environment.MODE: "dev" → "prod"`.

use std::fmt;

use serde_json::Value;


/// One difference, by its dotted path in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChange {
    /// Both values, shortened for a one-line reason.
    Changed { path: String, old: String, new: String },
    Added(String),
    Removed(String),
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldChange::Changed { path, old, new } => write!(f, "{}: {old} → {new}", display_path(path)),
            FieldChange::Added(path) => write!(f, "{path} added"),
            FieldChange::Removed(path) => write!(f, "{path} removed"),
        }
    }
}

/// The differences between two JSON documents; `None` when either cannot be read.
pub fn changes(old: &str, new: &str) -> Option<Vec<FieldChange>> {
    let (Ok(old), Ok(new)) = (serde_json::from_str::<Value>(old), serde_json::from_str::<Value>(new)) else {
        return None;
    };
    let mut out = Vec::new();
    walk(&old, &new, "", &mut out);
    Some(out)
}

/// The differences between two JSON values, for a backend comparing its own views.
pub fn differences(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(old, new, "", &mut out);
    out
}

fn walk(old: &Value, new: &Value, path: &str, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = join(path, k);
                match b.get(k) {
                    Some(vb) => walk(va, vb, &p, out),
                    None => out.push(FieldChange::Removed(p)),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(FieldChange::Added(join(path, k)));
            }
        }
        (a, b) if a != b => out.push(FieldChange::Changed { path: path.to_string(), old: short(a), new: short(b) }),
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "configuration"
    } else {
        path
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(c: &[FieldChange]) -> Vec<String> {
        c.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn names_the_changed_field_with_both_values() {
        let c = changes(r#"{"environment":{"MODE":"dev"},"image":"a"}"#, r#"{"environment":{"MODE":"prod"},"image":"a"}"#);
        assert_eq!(lines(&c.unwrap()), vec![r#"environment.MODE: "dev" → "prod""#]);
        assert_eq!(changes("{", "{}"), None);
    }

    #[test]
    fn added_and_removed_keys_and_list_changes() {
        let c = changes(r#"{"a":1,"ports":[80]}"#, r#"{"ports":[80,81],"b":true}"#);
        assert_eq!(lines(&c.unwrap()), vec!["a removed", "ports: [80] → [80,81]", "b added"]);
    }
}
