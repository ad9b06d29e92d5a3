//! A guard against alias bombs: a few hundred bytes of anchors and aliases can stand for
//! millions of nodes, which serde_yaml would build in full (the reference, too, then takes
//! minutes and gigabytes). The expanded size is counted on the event stream, before any value
//! is built.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, Parser};

use crate::diag::{Problem, Span};
use crate::diag::yaml_path::YamlPath;

/// Nodes that aliases may stand for in one file: far above what a compose file repeats, and
/// loaded in a fraction of a second.
pub const LIMIT: u64 = 200_000;

/// The error for a file whose aliases stand for more than `LIMIT` nodes, at the alias that
/// passes it.
pub fn excess(file: &Path, text: &str) -> Option<Problem> {
    // An alias needs an anchor; most files have neither.
    if !(text.contains('&') && text.contains('*')) {
        return None;
    }
    let (_, Some(at)) = expanded(text) else { return None };
    let mut p = Problem::error(
        "dockhand::yaml",
        YamlPath::root(),
        format!("invalid YAML: aliases expand to more than {LIMIT} nodes"),
    )
    .in_file(file)
    .with_help("each `*alias` repeats its anchor's whole value: repeat large anchors less, or nest them less");
    let offset = text.char_indices().nth(at).map_or(0, |(i, _)| i);
    p.span = Some(Span { offset, len: 1 });
    Some(p)
}

/// The nodes the aliases of `text` stand for, counted until they pass `LIMIT`, and then the
/// character index of the alias that passed it. A text that does not parse is passed over:
/// the parse that follows reports its syntax error.
fn expanded(text: &str) -> (u64, Option<usize>) {
    let mut parser = Parser::new_from_str(text);
    // The expanded size of each anchored node, by anchor id (ids start at 1).
    let mut sizes: HashMap<usize, u64> = HashMap::new();
    // The containers being read: their anchor and their size so far.
    let mut open: Vec<(usize, u64)> = Vec::new();
    let mut aliased: u64 = 0;
    while let Ok((event, mark)) = parser.next_token() {
        let (anchor, size) = match event {
            Event::StreamEnd => break,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(closed) => closed,
                None => continue,
            },
            Event::Scalar(_, _, anchor, _) => (anchor, 1),
            Event::Alias(id) => {
                let size = sizes.get(&id).copied().unwrap_or(1);
                aliased = aliased.saturating_add(size);
                if aliased > LIMIT {
                    return (aliased, Some(mark.index()));
                }
                (0, size)
            }
            _ => continue,
        };
        if anchor > 0 {
            sizes.insert(anchor, size);
        }
        if let Some(parent) = open.last_mut() {
            parent.1 = parent.1.saturating_add(size);
        }
    }
    (aliased, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide_bomb(width: usize) -> String {
        let items = vec!["x"; width].join(",");
        let refs = vec!["*a"; width].join(",");
        format!("x-a: &a [{items}]\nx-b: [{refs}]\nservices:\n  s:\n    image: x\n")
    }

    #[test]
    fn a_wide_alias_bomb_is_rejected_before_it_is_built() {
        // 1500 aliases of a 1501-node list: 2.25 million nodes from 6 kB of text.
        let err = excess(Path::new("compose.yaml"), &wide_bomb(1500)).unwrap();
        assert_eq!(err.message, "invalid YAML: aliases expand to more than 200000 nodes");
    }

    #[test]
    fn nested_aliases_multiply() {
        let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text += &format!("a{i}: &a{i} [{refs}]\n");
        }
        assert!(excess(Path::new("compose.yaml"), &text).is_some());
        assert!(expanded(&text).0 > LIMIT);
    }

    #[test]
    fn ordinary_anchors_pass() {
        let text = "x-env: &env {A: '1', B: '2'}\nservices:\n  a: {image: x, environment: *env}\n  b: {image: x, environment: *env}\n";
        assert_eq!(expanded(text), (10, None));
        assert!(excess(Path::new("compose.yaml"), text).is_none());
        assert!(excess(Path::new("compose.yaml"), &wide_bomb(400)).is_none());
    }
}
