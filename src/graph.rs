//! The dependency graph of services (petgraph). Edges point from a service to the services it
//! depends on. Every walk is a single depth-first pass, so the cost stays linear in services and
//! edges however densely the layers are connected.

use std::collections::HashSet;

use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

#[derive(Debug, Clone, Default)]
pub struct Graph {
    graph: DiGraph<String, ()>,
    nodes: IndexMap<String, NodeIndex>,
    /// Dependencies naming no service of the graph, as (service, dependency), in input order.
    missing: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    New,
    Open,
    Done,
}

impl Graph {
    /// Builds the graph from (service, dependencies) pairs; the order of the pairs and of the
    /// dependencies decides the order of every walk, so results are deterministic.
    pub fn new<I, S, D>(pairs: I) -> Graph
    where
        I: IntoIterator<Item = (S, D)>,
        S: Into<String>,
        D: IntoIterator,
        D::Item: Into<String>,
    {
        let pairs: Vec<(String, Vec<String>)> = pairs
            .into_iter()
            .map(|(s, deps)| (s.into(), deps.into_iter().map(Into::into).collect()))
            .collect();
        let mut g = Graph::default();
        for (name, _) in &pairs {
            if !g.nodes.contains_key(name) {
                let ix = g.graph.add_node(name.clone());
                g.nodes.insert(name.clone(), ix);
            }
        }
        let mut edges = HashSet::new();
        for (name, deps) in &pairs {
            let from = g.nodes[name];
            for dep in deps {
                match g.nodes.get(dep) {
                    Some(&to) if edges.insert((from, to)) => {
                        g.graph.add_edge(from, to, ());
                    }
                    Some(_) => {}
                    None => g.missing.push((name.clone(), dep.clone())),
                }
            }
        }
        g
    }

    pub fn contains(&self, name: &str) -> bool {
        self.nodes.contains_key(name)
    }

    pub fn missing(&self) -> &[(String, String)] {
        &self.missing
    }

    /// The direct dependencies of a service, in declaration order.
    pub fn dependencies(&self, name: &str) -> Vec<String> {
        self.neighbours(name, Direction::Outgoing)
    }

    /// The services depending directly on a service.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        self.neighbours(name, Direction::Incoming)
    }

    fn neighbours(&self, name: &str, dir: Direction) -> Vec<String> {
        self.nodes.get(name).map_or_else(Vec::new, |&ix| {
            self.ordered_neighbours(ix, dir)
                .into_iter()
                .map(|n| self.graph[n].clone())
                .collect()
        })
    }

    /// petgraph lists neighbours newest edge first; walks want declaration order.
    fn ordered_neighbours(&self, ix: NodeIndex, dir: Direction) -> Vec<NodeIndex> {
        let mut v: Vec<NodeIndex> = self.graph.neighbors_directed(ix, dir).collect();
        v.reverse();
        v
    }

    /// The first cycle found, as a closed path (`[a, b, c, a]`).
    pub fn cycle(&self) -> Option<Vec<String>> {
        let mut marks = vec![Mark::New; self.graph.node_count()];
        for &start in self.nodes.values() {
            if marks[start.index()] == Mark::New {
                if let Some(c) = self.cycle_from(start, &mut marks) {
                    return Some(c);
                }
            }
        }
        None
    }

    /// Iterative DFS keeping the open path, so a back edge yields the cycle directly.
    fn cycle_from(&self, start: NodeIndex, marks: &mut [Mark]) -> Option<Vec<String>> {
        let mut path: Vec<(NodeIndex, Vec<NodeIndex>)> = Vec::new();
        marks[start.index()] = Mark::Open;
        path.push((start, self.pending(start)));
        while let Some((node, pending)) = path.last_mut() {
            let node = *node;
            match pending.pop() {
                None => {
                    marks[node.index()] = Mark::Done;
                    path.pop();
                }
                Some(next) => match marks[next.index()] {
                    Mark::Done => {}
                    Mark::Open => return Some(self.closed_path(&path, next)),
                    Mark::New => {
                        marks[next.index()] = Mark::Open;
                        path.push((next, self.pending(next)));
                    }
                },
            }
        }
        None
    }

    /// Neighbours to visit, reversed so that `pop` yields them in declaration order.
    fn pending(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        let mut v = self.ordered_neighbours(ix, Direction::Outgoing);
        v.reverse();
        v
    }

    fn closed_path(&self, path: &[(NodeIndex, Vec<NodeIndex>)], back_to: NodeIndex) -> Vec<String> {
        let from = path.iter().position(|(n, _)| *n == back_to).unwrap_or(0);
        let mut names: Vec<String> = path[from..].iter().map(|(n, _)| self.graph[*n].clone()).collect();
        names.push(self.graph[back_to].clone());
        names
    }

    /// Every service after its dependencies (the order `up` starts them in). Edges closing a
    /// cycle are ignored; callers reject cycles first.
    pub fn dependencies_first(&self) -> Vec<String> {
        self.postorder(self.nodes.values().copied())
    }

    /// Every service before its dependencies (the order `down` stops them in).
    pub fn dependents_first(&self) -> Vec<String> {
        let mut v = self.dependencies_first();
        v.reverse();
        v
    }

    /// The named services and everything they depend on, transitively, dependencies first.
    /// Names not in the graph are ignored.
    pub fn with_dependencies(&self, names: &[String]) -> Vec<String> {
        self.postorder(names.iter().filter_map(|n| self.nodes.get(n).copied()))
    }

    /// The named services and everything depending on them, transitively, dependents first.
    pub fn with_dependents(&self, names: &[String]) -> Vec<String> {
        let reachable = self.reachable(names, Direction::Incoming);
        self.dependents_first()
            .into_iter()
            .filter(|n| reachable.contains(n))
            .collect()
    }

    fn reachable(&self, names: &[String], dir: Direction) -> HashSet<String> {
        let mut seen: HashSet<NodeIndex> = HashSet::new();
        let mut todo: Vec<NodeIndex> = names.iter().filter_map(|n| self.nodes.get(n).copied()).collect();
        while let Some(n) = todo.pop() {
            if seen.insert(n) {
                todo.extend(self.graph.neighbors_directed(n, dir));
            }
        }
        seen.into_iter().map(|n| self.graph[n].clone()).collect()
    }

    fn postorder(&self, roots: impl Iterator<Item = NodeIndex>) -> Vec<String> {
        let mut marks = vec![Mark::New; self.graph.node_count()];
        let mut out = Vec::new();
        for root in roots {
            if marks[root.index()] != Mark::New {
                continue;
            }
            marks[root.index()] = Mark::Open;
            let mut stack = vec![(root, self.pending(root))];
            while let Some((node, pending)) = stack.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) if marks[next.index()] == Mark::New => {
                        marks[next.index()] = Mark::Open;
                        stack.push((next, self.pending(next)));
                    }
                    Some(_) => {}
                    None => {
                        marks[node.index()] = Mark::Done;
                        out.push(self.graph[node].clone());
                        stack.pop();
                    }
                }
            }
        }
        out
    }
}

/// `dependency cycle detected: a -> b -> a`, the reference's wording.
pub fn cycle_message(cycle: &[String]) -> String {
    format!("dependency cycle detected: {}", cycle.join(" -> "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn g(pairs: &[(&str, &[&str])]) -> Graph {
        Graph::new(pairs.iter().map(|(s, d)| (*s, d.iter().copied())))
    }

    fn pos(order: &[String], name: &str) -> usize {
        order.iter().position(|n| n == name).unwrap()
    }

    #[test]
    fn orders_dependencies_first_and_reverse() {
        let gr = g(&[
            ("web", &["db", "cache"]),
            ("db", &[]),
            ("cache", &["db"]),
            ("lone", &[]),
        ]);
        let up = gr.dependencies_first();
        assert_eq!(up, vec!["db", "cache", "web", "lone"]);
        let down = gr.dependents_first();
        assert!(pos(&down, "web") < pos(&down, "cache"));
        assert!(pos(&down, "cache") < pos(&down, "db"));
    }

    #[test]
    fn reports_cycles_as_closed_paths() {
        let gr = g(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            cycle_message(&gr.cycle().unwrap()),
            "dependency cycle detected: a -> b -> c -> a"
        );
        let gr = g(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &["b"])]);
        assert_eq!(gr.cycle().unwrap(), vec!["b", "c", "b"]);
        let gr = g(&[("s", &["s"])]);
        assert_eq!(gr.cycle().unwrap(), vec!["s", "s"]);
        assert!(g(&[("a", &["b"]), ("b", &[])]).cycle().is_none());
    }

    #[test]
    fn subsets_follow_dependencies_and_record_missing_ones() {
        let gr = g(&[("a", &["b"]), ("b", &["c", "ghost"]), ("c", &[]), ("d", &["a"])]);
        assert_eq!(gr.with_dependencies(&["b".into()]), vec!["c", "b"]);
        assert_eq!(gr.with_dependents(&["b".into()]), vec!["d", "a", "b"]);
        assert_eq!(gr.missing(), &[("b".to_string(), "ghost".to_string())]);
        assert_eq!(gr.dependencies("b"), vec!["c"]);
        assert_eq!(gr.dependents("c"), vec!["b"]);
    }

    #[test]
    fn dense_layers_stay_fast() {
        let layers = 100;
        let width = 10;
        let name = |l: usize, i: usize| format!("s{l}_{i}");
        let pairs: Vec<(String, Vec<String>)> = (0..layers)
            .flat_map(|l| {
                (0..width).map(move |i| {
                    let deps = if l == 0 {
                        Vec::new()
                    } else {
                        (0..width).map(|j| name(l - 1, j)).collect()
                    };
                    (name(l, i), deps)
                })
            })
            .collect();
        let start = Instant::now();
        let gr = Graph::new(pairs);
        assert!(gr.cycle().is_none());
        let up = gr.dependencies_first();
        assert_eq!(up.len(), layers * width);
        assert!(pos(&up, "s0_0") < pos(&up, "s1_0"));
        assert_eq!(
            gr.with_dependencies(&[name(layers - 1, 0)]).len(),
            layers * width - (width - 1)
        );
        assert_eq!(
            gr.with_dependents(&[name(0, 0)]).len(),
            layers * width - (width - 1)
        );
        assert!(start.elapsed().as_millis() < 500, "took {:?}", start.elapsed());
    }
}
