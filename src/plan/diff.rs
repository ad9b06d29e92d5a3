//! Field-level differences between the configuration a container was made from and the one
//! wanted now, for recreate reasons such as `environment.MODE: "dev" → "prod"`.

use serde_json::Value;

/// How many differences a reason lists before it summarises the rest.
const SHOWN: usize = 3;

/// The differences between two JSON documents, as short readable lines.
pub fn changes(old: &str, new: &str) -> Vec<String> {
    let (Ok(old), Ok(new)) = (serde_json::from_str::<Value>(old), serde_json::from_str::<Value>(new)) else {
        return vec!["configuration changed".to_string()];
    };
    let mut out = Vec::new();
    walk(&old, &new, "", &mut out);
    out
}

/// One reason line from the differences.
pub fn summary(changes: &[String]) -> String {
    match changes.len() {
        0 => "configuration changed".to_string(),
        n if n <= SHOWN => changes.join("; "),
        n => format!("{}; and {} more", changes[..SHOWN].join("; "), n - SHOWN),
    }
}

fn walk(old: &Value, new: &Value, path: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = join(path, k);
                match b.get(k) {
                    Some(vb) => walk(va, vb, &p, out),
                    None => out.push(format!("{p} removed")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{} added", join(path, k)));
            }
        }
        (a, b) if a != b => out.push(format!("{}: {} → {}", display_path(path), short(a), short(b))),
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

    #[test]
    fn names_the_changed_field_with_both_values() {
        let c = changes(r#"{"environment":{"MODE":"dev"},"image":"a"}"#, r#"{"environment":{"MODE":"prod"},"image":"a"}"#);
        assert_eq!(c, vec![r#"environment.MODE: "dev" → "prod""#]);
    }

    #[test]
    fn added_and_removed_keys_and_list_changes() {
        let c = changes(r#"{"a":1,"ports":[80]}"#, r#"{"ports":[80,81],"b":true}"#);
        assert_eq!(c, vec!["a removed", "ports: [80] → [80,81]", "b added"]);
    }

    #[test]
    fn summary_caps_the_list() {
        let c: Vec<String> = (0..5).map(|i| format!("f{i} added")).collect();
        assert_eq!(summary(&c), "f0 added; f1 added; f2 added; and 2 more");
    }
}
