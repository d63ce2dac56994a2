//! The import rule of docs/ARCHITECTURE.md, checked on the source: handlers -> commands /
//! queries -> model / db; dto -> model; nothing below handlers imports DTOs, actix or
//! `http::`; `db/` knows no `ApiError` and no resource; `state.rs` names no resource; only
//! `main.rs` and `cli.rs` import `startup`; and no two files import each other, directly or
//! through others. A broken rule fails with the file and the import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const RESOURCES: [&str; 13] = [
    "agencies",
    "audit",
    "events",
    "milestones",
    "recommendations",
    "reports",
    "proposals",
    "stats",
    "tokens",
    "transfer",
    "translations",
    "users",
    "webhooks",
];

#[test]
fn every_import_points_down_the_layers_and_no_file_imports_itself_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = read_tree(&root, &root);
    assert!(files.len() > 50, "read {} files under src/", files.len());
    let broken = check(&files);
    assert!(
        broken.is_empty(),
        "the import rule (docs/ARCHITECTURE.md) is broken:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn a_planted_violation_is_named_with_its_file_and_import() {
    let mut files = BTreeMap::new();
    let tree = [
        ("lib.rs", "pub mod db;\npub mod error;\npub mod milestones;"),
        ("error.rs", "use crate::db::Unavailable;"),
        ("db/mod.rs", "use crate::error::ApiError;"),
        (
            "milestones/mod.rs",
            "pub mod dto;\npub mod model;\npub mod queries;",
        ),
        (
            "milestones/queries.rs",
            "use super::dto::MilestoneDto;\nuse actix_web::HttpResponse;",
        ),
        ("milestones/dto.rs", "use super::queries::find;"),
        (
            "milestones/model.rs",
            "fn f() -> crate::milestones::dto::X { todo!() }",
        ),
    ];
    for (path, text) in tree {
        files.insert(path.to_owned(), text.to_owned());
    }
    let broken = check(&files).join("\n");
    for expected in [
        "db/mod.rs imports crate::error::ApiError",
        "milestones/queries.rs imports crate::milestones::dto::MilestoneDto",
        "milestones/queries.rs imports actix_web",
        "milestones/dto.rs imports crate::milestones::queries::find",
        "milestones/model.rs imports crate::milestones::dto::X",
        "cycle: milestones/dto.rs -> milestones/queries.rs -> milestones/dto.rs",
    ] {
        assert!(
            broken.contains(expected),
            "{expected:?} missing from:\n{broken}"
        );
    }
}

fn read_tree(root: &Path, dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(read_tree(root, &path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.strip_prefix(root).expect("under src");
            let text = std::fs::read_to_string(&path).expect("read file");
            files.insert(name.to_string_lossy().into_owned(), text);
        }
    }
    files
}

/// Every broken rule in `files` (paths relative to `src/`), one line each.
fn check(files: &BTreeMap<String, String>) -> Vec<String> {
    let modules: BTreeMap<Vec<String>, String> = files
        .keys()
        .filter(|file| file.as_str() != "main.rs")
        .map(|file| (module_path(file), file.clone()))
        .collect();
    let mut broken = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files {
        for import in imports(file, text) {
            if let Some(rule) = forbidden(file, &import) {
                broken.push(format!("{file} imports {import} ({rule})"));
            }
            if let Some(target) = resolve(&modules, &import)
                && target != *file
                && !is_descendant(&target, file)
            {
                graph.entry(file.clone()).or_default().insert(target);
            }
        }
    }
    broken.extend(cycles(&graph));
    broken
}

/// `recommendations/queries/mod.rs` -> [recommendations, queries]; `lib.rs` -> [].
fn module_path(file: &str) -> Vec<String> {
    let without = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = without.split('/').map(str::to_owned).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Whether `target` is a module inside the one `file` defines (its own re-exports and
/// children, which Rust's module tree makes two-way by nature).
fn is_descendant(target: &str, file: &str) -> bool {
    let (outer, inner) = (module_path(file), module_path(target));
    file.ends_with("mod.rs") && inner.len() > outer.len() && inner.starts_with(&outer)
}

/// Every path the file names: `use` trees expanded, and inline `crate::`/`super::` paths,
/// made absolute (`crate::...`); external crates of interest by name.
fn imports(file: &str, text: &str) -> Vec<String> {
    let here = module_path(file);
    // Unit tests may import anything; by convention they close the file.
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    let mut outside_uses = String::new();
    while let Some(start) = find_use(rest) {
        outside_uses.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find(';').unwrap_or(after.len());
        let tree = after[..end]
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("use ");
        for path in expand(tree.trim()) {
            found.push(path);
        }
        rest = &after[end.min(after.len())..];
    }
    outside_uses.push_str(rest);
    found.extend(inline_paths(&outside_uses));
    found
        .into_iter()
        .filter_map(|path| absolute(&here, &path))
        .collect()
}

/// Where the next `use` statement starts (at the start of a line, after any visibility).
fn find_use(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = ["pub(crate) use ", "pub(super) use ", "pub use ", "use "]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if bare {
            return Some(offset + line.len() - trimmed.len());
        }
        offset += line.len();
    }
    None
}

/// `a::{b, c::{d, self}, e as f}` -> `a::b`, `a::c::d`, `a::c`, `a::e`.
fn expand(tree: &str) -> Vec<String> {
    let mut tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    for tight in ["::", "{", "}", ","] {
        tree = tree
            .replace(&format!(" {tight}"), tight)
            .replace(&format!("{tight} "), tight);
    }
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or_default().to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut last) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[last..i]);
                last = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[last..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|part| {
            expand(part).into_iter().map(move |sub| {
                if sub == "self" {
                    prefix.trim_end_matches("::").to_owned()
                } else {
                    format!("{prefix}{sub}")
                }
            })
        })
        .collect()
}

/// `crate::a::b`, `super::x`, `actix_web::...` written inline in code and attributes.
fn inline_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "actix_web::", "diesel::"]
        .iter()
        .flat_map(|head| code.match_indices(head).map(|(i, _)| i))
    {
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        let end = code[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(code.len(), |n| start + n);
        found.push(code[start..end].trim_end_matches(':').to_owned());
    }
    found
}

/// The path from the crate root, or the external crate's name.
fn absolute(here: &[String], path: &str) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let first = *segments.first()?;
    if first == "actix_web" || first == "diesel" {
        return Some(first.to_owned());
    }
    let mut base: Vec<String> = match first {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here.to_vec(),
        _ => return None,
    };
    segments.remove(0);
    if first == "super" {
        base.pop();
        while segments.first() == Some(&"super") {
            segments.remove(0);
            base.pop();
        }
    }
    let mut all = vec!["crate".to_owned()];
    all.extend(base);
    all.extend(segments.iter().map(|s| (*s).to_owned()));
    Some(all.join("::"))
}

/// The file of the longest module prefix of `import`.
fn resolve(modules: &BTreeMap<Vec<String>, String>, import: &str) -> Option<String> {
    let parts: Vec<String> = import
        .strip_prefix("crate::")?
        .split("::")
        .map(str::to_owned)
        .collect();
    (1..=parts.len())
        .rev()
        .find_map(|n| modules.get(&parts[..n]).cloned())
}

/// Why `import` may not appear in `file`, if it may not.
fn forbidden(file: &str, import: &str) -> Option<&'static str> {
    let segments: Vec<&str> = import.split("::").collect();
    let names_layer = |layer: &str| {
        segments.len() > 2
            && RESOURCES.contains(&segments[1])
            && (segments[2] == layer || segments[2].starts_with(&format!("{layer}_")))
    };
    let names_resource = segments.len() > 1 && RESOURCES.contains(&segments[1]);
    let http = import == "crate::http" || import.starts_with("crate::http::");
    let actix = import == "actix_web";
    let under = |module: &str| import == module || import.starts_with(&format!("{module}::"));
    if under("crate::startup") && !matches!(file, "main.rs" | "cli.rs") {
        return Some("only main and cli start the application");
    }
    let parts = module_path(file);
    if parts.first().map(String::as_str) == Some("db") {
        return if under("crate::error") {
            Some("db/ does not know ApiError")
        } else if names_resource || http || actix || under("crate::state") || under("crate::auth") {
            Some("db/ is below every resource and the HTTP layer")
        } else {
            None
        };
    }
    if file == "state.rs" && names_resource {
        return Some("state.rs is a leaf: it names no resource");
    }
    let layer = match parts.as_slice() {
        [resource, layer, ..] if RESOURCES.contains(&resource.as_str()) => layer.as_str(),
        _ => return None,
    };
    let below_handlers = matches!(layer, "model" | "queries" | "commands");
    if below_handlers && (names_layer("dto") || names_layer("handlers")) {
        return Some("below handlers, nothing imports DTOs or handlers");
    }
    if below_handlers && (http || actix || under("crate::state") || under("crate::auth")) {
        return Some("below handlers, nothing imports actix, http:: or the app state");
    }
    match layer {
        "model" if names_layer("queries") || names_layer("commands") || under("crate::error") => {
            Some("model is the bottom of a resource")
        }
        "queries" if names_layer("commands") || under("crate::error") => {
            Some("queries read and return QueryResult")
        }
        "dto" if names_layer("queries") || names_layer("commands") || under("crate::state") => {
            Some("dto converts to and from model only")
        }
        "handlers" if under("crate::db::schema") || import == "diesel" => {
            Some("handlers never build diesel queries")
        }
        _ => None,
    }
}

/// Each cycle of the file graph once, as `a -> b -> a`.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for start in graph.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    let smallest = (0..cycle.len())
                        .min_by_key(|&i| &cycle[i])
                        .unwrap_or_default();
                    cycle.rotate_left(smallest);
                    let first = cycle[0].clone();
                    cycle.push(first);
                    found.insert(format!("cycle: {}", cycle.join(" -> ")));
                } else if !path.contains(next) && path.len() < 12 {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found.into_iter().collect()
}
