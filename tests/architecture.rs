//! The floors of `src/` hold: the rules are pure (no JSON, no SDK, nothing from outside their
//! folder), and no two files import each other, directly or around a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, by its module path (`rules::keys`, `rules` for `rules/mod.rs`,
/// `` for `lib.rs`).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("an entry").path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if name != "mod" && name != "lib" {
                    module.push(name);
                }
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.insert(module.join("::"), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &[], &mut out);
    out
}

/// The code of a file without its comments.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a file names through `crate::` or `super::` paths, as files of `modules`.
fn imports(module: &str, text: &str, modules: &BTreeMap<String, String>) -> BTreeSet<String> {
    // `super::` is the module's parent (for `rules/keys.rs`, `rules`; for `rules/mod.rs`, the root).
    let parts: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let parent = parts[..parts.len().saturating_sub(1)].to_vec();
    let mut found = BTreeSet::new();
    let code = code(text);
    for (start, anchor) in [("crate::", Vec::new()), ("super::", parent)] {
        for (at, _) in code.match_indices(start) {
            let rest = &code[at + start.len()..];
            let path: Vec<&str> = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let mut full = anchor.clone();
            full.extend(path);
            // The longest prefix that is a file of its own.
            let target = (1..=full.len())
                .rev()
                .map(|n| full[..n].join("::"))
                .find(|candidate| modules.contains_key(candidate));
            if let Some(target) = target
                && target != module
            {
                found.insert(target);
            }
        }
    }
    found
}

#[test]
fn the_rules_are_pure_and_keep_to_their_folder() {
    let modules = modules();
    let rules: Vec<(&String, &String)> = modules
        .iter()
        .filter(|(m, _)| *m == "rules" || m.starts_with("rules::"))
        .collect();
    assert!(
        rules.len() >= 7,
        "{:?}",
        rules.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for (module, text) in rules {
        let code = code(text);
        for forbidden in [
            "serde_json",
            "serde::",
            "use serde",
            "kubewarden",
            "super::super",
        ] {
            assert!(
                !code.contains(forbidden),
                "rules module {module}: uses {forbidden}"
            );
        }
        for (at, _) in code.match_indices("crate::") {
            assert!(
                code[at..].starts_with("crate::rules::"),
                "rules module {module} reaches out of rules/: {}",
                code[at..].lines().next().unwrap_or_default()
            );
        }
        for import in imports(module, text, &modules) {
            assert!(
                import == "rules" || import.starts_with("rules::"),
                "rules module {module} imports {import}"
            );
        }
    }
}

#[test]
fn no_file_imports_another_that_imports_it_back() {
    let modules = modules();
    let graph: BTreeMap<&String, BTreeSet<String>> = modules
        .iter()
        .map(|(module, text)| (module, imports(module, text, &modules)))
        .collect();
    // The root declares every floor; it is not part of any loop.
    let edges = |module: &str| -> Vec<String> {
        graph
            .get(&module.to_string())
            .map(|targets| targets.iter().filter(|t| !t.is_empty()).cloned().collect())
            .unwrap_or_default()
    };
    fn visit(
        module: &str,
        edges: &dyn Fn(&str) -> Vec<String>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for next in edges(module) {
            if let Some(cycle) = visit(&next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for module in modules.keys().filter(|m| !m.is_empty()) {
        if let Some(cycle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            panic!("an import loop: {}", cycle.join(" -> "));
        }
    }
    // The check sees real imports.
    assert!(graph[&"admission".to_string()].contains("wire::request"));
    assert!(graph[&"rules::plan".to_string()].contains("rules::resolve"));
}

#[test]
fn lib_rs_only_declares_the_floors_and_registers_the_wapc_functions() {
    let lib = code(&modules()[""]);
    let functions: Vec<&str> = lib.lines().filter(|l| l.contains("fn ")).collect();
    assert_eq!(functions, ["pub extern \"C\" fn wapc_init() {"]);
    assert!(lib.matches("register_function(").count() == 3, "{lib}");
}
