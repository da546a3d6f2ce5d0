//! The architecture's invariants (ARCHITECTURE.md), read from the source: no cycle among the
//! crate's top-level modules, and no command module that imports another command.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `.rs` file under `dir`, with its text up to its inline test module, comments left out.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            let code: Vec<&str> =
                text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
            let rel = path.strip_prefix(&src).expect("under src").to_string_lossy().into_owned();
            out.push((rel, code.join("\n")));
        }
    }
}

/// The `crate::NAME` paths of `text`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .map(|(i, _)| {
            text[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect()
        })
        .filter(|name: &String| !name.is_empty())
        .collect()
}

/// Depth-first search from `node` for a back edge; panics naming the cycle it closes.
fn visit(
    node: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) {
    if let Some(at) = path.iter().position(|n| n == node) {
        panic!("module cycle: {} -> {node}", path[at..].join(" -> "));
    }
    if done.contains(node) {
        return;
    }
    path.push(node.to_owned());
    for next in graph.get(node).into_iter().flatten() {
        visit(next, graph, path, done);
    }
    path.pop();
    done.insert(node.to_owned());
}

#[test]
fn the_top_level_modules_have_no_cycle_and_commands_do_not_import_commands() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in &files {
        let module = rel.split('/').next().unwrap_or_default().trim_end_matches(".rs").to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let uses = crate_paths(text);
        if module == "commands" {
            assert!(!text.contains("crate::commands::"), "`{rel}` imports another command");
            assert!(!text.contains("use super::"), "`{rel}` imports another command");
        }
        graph.entry(module.clone()).or_default().extend(uses.into_iter().filter(|u| *u != module));
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    assert!(graph.len() > 20, "the walk found the modules: {graph:?}");
}
