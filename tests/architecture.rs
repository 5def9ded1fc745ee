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

/// The code of a file without its comments and without its unit tests (a `#[cfg(test)]` module
/// at the end of the file, which the shipped module does not contain).
fn code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let tests = lines.windows(2).position(|pair| {
        pair[0].trim_start().starts_with("#[cfg(")
            && pair[0].contains("test")
            && pair[1].trim_start().starts_with("mod ")
    });
    lines[..tests.unwrap_or(lines.len())]
        .iter()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path of two segments or more in `code` (`crate::rules::keys::Bound`, `kserve::check::answer`,
/// `super::tenant::Scope`), as its segments, `$crate` read as `crate`.
fn paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = is_ident(chars[i])
            && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':'))
            && !chars[i].is_ascii_digit();
        if !starts {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        loop {
            let begin = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            segments.push(chars[begin..i].iter().collect::<String>());
            let more = i + 2 < chars.len()
                && chars[i] == ':'
                && chars[i + 1] == ':'
                && is_ident(chars[i + 2]);
            if !more {
                break;
            }
            i += 2;
        }
        if segments.len() > 1 {
            found.push(segments);
        }
    }
    found
}

/// The names a file's `use` declarations bind, each to the path it stands for, from the crate's
/// root: `use crate::kserve;` binds `kserve` to `[kserve]`; `use super::plan::{self, Note};` in
/// `rules/resolve.rs` binds `plan` to `[rules, plan]` and `Note` to `[rules, plan, Note]`.
fn bindings(code: &str, parent: &[String]) -> BTreeMap<String, Vec<String>> {
    /// A use tree below `prefix`: `a::b`, `{a, b::{self, c as d}}`.
    fn tree(text: &str, prefix: &[String], out: &mut BTreeMap<String, Vec<String>>) {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let (mut depth, mut start) = (0, 0);
            for (at, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        tree(&inner[start..at], prefix, out);
                        start = at + 1;
                    }
                    _ => {}
                }
            }
            return tree(&inner[start..], prefix, out);
        }
        let (path, rename) = match text.split_once(" as ") {
            Some((path, rename)) => (path.trim(), Some(rename.trim().to_string())),
            None => (text, None),
        };
        match path.split_once("::") {
            Some((head, rest)) => {
                let mut full = prefix.to_vec();
                full.push(head.trim().to_string());
                let rest = match rename {
                    Some(rename) => format!("{rest} as {rename}"),
                    None => rest.to_string(),
                };
                tree(&rest, &full, out);
            }
            None if path == "self" => {
                if let Some(name) = rename.or(prefix.last().cloned()) {
                    out.insert(name, prefix.to_vec());
                }
            }
            None if path.is_empty() || path == "*" => {}
            None => {
                let mut full = prefix.to_vec();
                full.push(path.to_string());
                out.insert(rename.unwrap_or(path.to_string()), full);
            }
        }
    }
    let mut out = BTreeMap::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let declaration = &rest[at + 4..];
        let end = declaration.find(';').unwrap_or(declaration.len());
        let text = declaration[..end].replace('\n', " ");
        if before.is_none_or(|c| !is_ident(c)) {
            // Only paths from this crate: `crate::`, `$crate::`, `super::`.
            let base = match text.trim().split_once("::") {
                Some(("crate" | "$crate", rest)) => Some((Vec::new(), rest.to_string())),
                Some(("super", rest)) => Some((parent.to_vec(), rest.to_string())),
                _ => None,
            };
            if let Some((base, rest)) = base {
                tree(&rest, &base, &mut out);
            }
        }
        rest = &declaration[end..];
    }
    out
}

/// The modules a file names, as files of `modules`: through `crate::` and `super::` paths, and
/// through a name a `use` bound (`use crate::kserve;` then `kserve::check::answer(...)` names
/// `kserve::check`).
fn imports(module: &str, text: &str, modules: &BTreeMap<String, String>) -> BTreeSet<String> {
    // `super::` is the module's parent (for `rules/keys.rs`, `rules`; for `rules/mod.rs`, the root).
    let parts: Vec<String> = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let parent = parts[..parts.len().saturating_sub(1)].to_vec();
    let code = code(text);
    let bound = bindings(&code, &parent);
    let mut found = BTreeSet::new();
    // What a `use` binds is named by the file even where no path spells it (`use crate::{a::B}`).
    let used = bound.values().map(|target| {
        let mut path = vec!["crate".to_string()];
        path.extend(target.iter().cloned());
        path
    });
    for path in paths(&code).into_iter().chain(used) {
        let mut full = match path[0].as_str() {
            "crate" => Vec::new(),
            "super" => parent.clone(),
            "self" => parts.clone(),
            name => match bound.get(name) {
                Some(target) => target.clone(),
                None => continue,
            },
        };
        full.extend(path[1..].iter().cloned());
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

/// The wire is a floor: it reads and writes JSON text and knows nothing of the settings, the
/// KServe check or the decision, which are built on it.
#[test]
fn the_wire_imports_nothing_from_the_floors_above_it() {
    let modules = modules();
    for (module, text) in modules.iter().filter(|(m, _)| m.starts_with("wire")) {
        for import in imports(module, text, &modules) {
            for above in ["config", "kserve", "admission", "wapc"] {
                assert!(
                    import != above && !import.starts_with(&format!("{above}::")),
                    "wire module {module} imports {import}"
                );
            }
        }
    }
}

/// The resolver sees what a file names through a name its `use` bound, and through `super::`.
#[test]
fn imports_are_resolved_through_use_bindings_and_super() {
    let modules: BTreeMap<String, String> = ["a", "a::b", "a::b::c", "d", "d::e"]
        .into_iter()
        .map(|m| (m.to_string(), String::new()))
        .collect();
    let text = "use crate::a;\nuse super::e::{self as ee};\nfn f() { a::b::c::run(); ee::go(); }\n";
    let found = imports("d::x", text, &modules);
    assert_eq!(
        found,
        BTreeSet::from(["a".to_string(), "a::b::c".to_string(), "d::e".to_string()])
    );
    let grouped =
        "use crate::{a::b, d::{self, e as E}};\nfn g() { b::c::h(); E::k(); d::e::m(); }\n";
    let found = imports("x", grouped, &modules);
    assert_eq!(
        found,
        BTreeSet::from([
            "a::b".to_string(),
            "a::b::c".to_string(),
            "d".to_string(),
            "d::e".to_string()
        ])
    );
    // A unit test module at the end is not part of the shipped graph.
    let tested = "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::a::b;\n}\n";
    assert!(imports("x", tested, &modules).is_empty());
}

#[test]
fn lib_rs_only_declares_the_floors_and_registers_the_wapc_functions() {
    let lib = code(&modules()[""]);
    let functions: Vec<&str> = lib.lines().filter(|l| l.contains("fn ")).collect();
    assert_eq!(functions, ["pub extern \"C\" fn wapc_init() {"]);
    assert!(lib.matches("register_function(").count() == 3, "{lib}");
}
